#include "sc_main/output.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <random>
#include <stdexcept>
#include <streambuf>

#include "core/errors.h"

namespace pjbit::cli {

namespace {

namespace fs = std::filesystem;
using core::InputError;
using core::SourceLoc;

// ---------------------------------------------------------------------------------------------------------
// Signals

// The temporary files the signal handler removes: fixed storage, so that the handler needs no allocation
// and no lock. A slot's path is written while the slot is unused, then the slot is published.
constexpr int kSlots = 32;
struct Slot {
  std::atomic<bool> used{false};
  char path[PATH_MAX] = {};
  // -1: `path` is a temporary file; else a temporary folder holding files named 0 to files - 1 (OutputFiles).
  int files = -1;
};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler reads these flags");
Slot g_slots[kSlots];

std::atomic<int> g_defer{0};               // how many DeferStopSignals live
std::atomic<bool> g_progress_line{false};  // a progress bar's line is on stderr
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler reads this count");
volatile std::sig_atomic_t g_pending = 0;

constexpr char kInterruptedInt[] = "error: interrupted by SIGINT\n";
constexpr char kInterruptedTerm[] = "error: interrupted by SIGTERM\n";

// Only async-signal-safe calls: unlink, write, _exit. Not instrumented by AddressSanitizer, which would call
// its __asan_handle_no_return before _exit: the signal may come while a SystemC thread runs on a stack of its
// own, which the sanitizer then takes for an unknown one and warns about on stderr, after the one line.
extern "C" __attribute__((no_sanitize_address)) void on_stop_signal(int signo) {
  if (g_defer.load() > 0) {
    g_pending = signo;
    return;
  }
  for (Slot& s : g_slots) {
    if (!s.used.load()) continue;
    if (s.files < 0) {
      ::unlink(s.path);
      continue;
    }
    // A folder of numbered files: each named in a buffer of the stack (no allocation here), then the folder.
    char name[PATH_MAX + 16];
    std::size_t len = 0;
    while (s.path[len] != '\0' && len < PATH_MAX) {
      name[len] = s.path[len];
      ++len;
    }
    name[len++] = '/';
    for (int i = 0; i < s.files; ++i) {
      char digits[16];
      int n = 0;
      for (int v = i; n == 0 || v > 0; v /= 10)
        digits[n++] = static_cast<char>('0' + v % 10);
      std::size_t at = len;
      while (n > 0)
        name[at++] = digits[--n];
      name[at] = '\0';
      ::unlink(name);
    }
    ::rmdir(s.path);
  }
  static const char kWipe[] = "\r\033[K";
  if (g_progress_line.load() && ::write(STDERR_FILENO, kWipe, sizeof kWipe - 1) < 0) {
    // The message follows on the bar's line then.
  }
  const bool is_int = signo == SIGINT;
  const char* text = is_int ? kInterruptedInt : kInterruptedTerm;
  const std::size_t size = is_int ? sizeof kInterruptedInt - 1 : sizeof kInterruptedTerm - 1;
  if (::write(STDERR_FILENO, text, size) < 0) {
    // Nothing more can be said; the exit code still tells.
  }
  ::_exit(128 + signo);
}

int claim_slot(const std::string& path, int files = -1) {
  if (path.size() >= PATH_MAX) return -1;
  for (int i = 0; i < kSlots; ++i) {
    Slot& s = g_slots[i];
    if (s.used.load()) continue;
    std::memcpy(s.path, path.c_str(), path.size() + 1);
    s.files = files;
    s.used.store(true);
    return i;
  }
  return -1;
}

void release_slot(int slot) {
  if (slot >= 0) g_slots[slot].used.store(false);
}

// Blocks SIGINT and SIGTERM while it lives (a signal that comes meanwhile is handled when it ends).
class BlockStopSignals {
 public:
  BlockStopSignals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &m_old);
  }
  ~BlockStopSignals() { pthread_sigmask(SIG_SETMASK, &m_old, nullptr); }
  BlockStopSignals(const BlockStopSignals&) = delete;
  BlockStopSignals& operator=(const BlockStopSignals&) = delete;

 private:
  sigset_t m_old{};
};

// ---------------------------------------------------------------------------------------------------------
// Files

constexpr char kTempMarker[] = ".pjbit-tmp-";
constexpr std::size_t kTempRandomDigits = 16;
// The target's name in a temporary's name is cut to this, so that the whole name stays within NAME_MAX.
constexpr std::size_t kMaxTempBase = 200;

std::string reason(int err) {
  return std::strerror(err);
}

// 64 unpredictable bits as 16 hex digits.
std::string random_hex() {
  std::uint64_t bits = 0;
  if (::getrandom(&bits, sizeof bits, 0) != static_cast<ssize_t>(sizeof bits)) {
    std::random_device device;
    bits = (static_cast<std::uint64_t>(device()) << 32) ^ device();
  }
  char text[kTempRandomDigits + 1];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(bits));
  return text;
}

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// Whether `path` still names the file open as `fd` (a file removed or replaced meanwhile does not).
bool still_named(int fd, const std::string& path) {
  struct stat open_st {
  }, named_st{};
  return ::fstat(fd, &open_st) == 0 && ::lstat(path.c_str(), &named_st) == 0 && same_file(open_st, named_st);
}

// The file a symbolic link leads to, resolved by the kernel (whose protections against links planted in
// shared folders apply). Empty when it cannot be resolved.
std::string resolve_link(const std::string& path) {
  const int fd = ::open(path.c_str(), O_PATH | O_CLOEXEC);
  if (fd < 0) return "";
  char buf[PATH_MAX + 1];
  const std::string proc = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t n = ::readlink(proc.c_str(), buf, PATH_MAX);
  ::close(fd);
  if (n > 0) return std::string(buf, static_cast<std::size_t>(n));
  char* real = ::realpath(path.c_str(), nullptr);  // without /proc
  if (real == nullptr) return "";
  std::string out = real;
  std::free(real);
  return out;
}

// The file descriptor a path names as a shell would: `-` and /dev/stdout are 1, /dev/stdin 0, /dev/stderr 2,
// /dev/fd/N and /proc/self/fd/N are N (a shell's process substitution, >(gzip > t.gz), gives such a path);
// a number too large to be a descriptor is kNoSuchDescriptor. -1 for any other path. Written through the
// descriptor itself, these never replace or truncate anything, whatever the descriptor leads to: a file
// opened for appending, a pipe, a terminal.
constexpr long long kNoSuchDescriptor = static_cast<long long>(INT_MAX) + 1;

long long descriptor_named(const std::string& path) {
  if (path == "-" || path == "/dev/stdout") return STDOUT_FILENO;
  if (path == "/dev/stdin") return STDIN_FILENO;
  if (path == "/dev/stderr") return STDERR_FILENO;
  for (const char* prefix : {"/dev/fd/", "/proc/self/fd/"}) {
    const std::size_t n = std::strlen(prefix);
    if (path.compare(0, n, prefix) != 0) continue;
    const std::string digits = path.substr(n);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return -1;
    long long fd = 0;
    for (const char c : digits) {
      fd = fd * 10 + (c - '0');
      if (fd >= kNoSuchDescriptor) return kNoSuchDescriptor;
    }
    return fd;
  }
  return -1;
}

const char* kind_of(mode_t mode) {
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a file";
}

// A streambuf over a file descriptor that keeps the first error's errno; write() is retried when a signal
// interrupts it.
class FdBuf : public std::streambuf {
 public:
  explicit FdBuf(int fd) : m_fd(fd) { setp(m_buf, m_buf + sizeof m_buf); }
  int error() const { return m_errno; }

 protected:
  int_type overflow(int_type c) override {
    if (!drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  int sync() override { return drain() ? 0 : -1; }

 private:
  bool drain() {
    const char* at = pbase();
    const char* end = pptr();
    while (m_errno == 0 && at < end) {
      const ssize_t n = ::write(m_fd, at, static_cast<std::size_t>(end - at));
      if (n > 0) {
        at += n;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        // Standard output or a FIFO left non-blocking by whoever opened it: wait until it takes more.
        pollfd p{m_fd, POLLOUT, 0};
        ::poll(&p, 1, -1);
      } else if (n < 0 && errno != EINTR) {
        m_errno = errno;
      } else if (n == 0) {
        m_errno = EIO;
      }
    }
    setp(m_buf, m_buf + sizeof m_buf);
    return m_errno == 0;
  }

  int m_fd;
  int m_errno = 0;
  char m_buf[1 << 16];
};

}  // namespace

// ---------------------------------------------------------------------------------------------------------

void install_signal_handlers() {
  for (int signo : {SIGINT, SIGTERM}) {
    struct sigaction old {};
    if (::sigaction(signo, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGTERM);
    sa.sa_flags = SA_RESTART;  // poll() still returns at once (it is never restarted)
    ::sigaction(signo, &sa, nullptr);
  }
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGXFSZ, SIG_IGN);
}

DeferStopSignals::DeferStopSignals() {
  g_pending = 0;
  g_defer.fetch_add(1);
}

DeferStopSignals::~DeferStopSignals() {
  g_defer.fetch_sub(1);
}

int stop_signal() {
  return g_pending;
}

void note_progress_line(bool drawn) {
  g_progress_line.store(drawn);
}

std::string signal_name(int signo) {
  if (signo == SIGINT) return "SIGINT";
  if (signo == SIGTERM) return "SIGTERM";
  return "signal " + std::to_string(signo);
}

// ---------------------------------------------------------------------------------------------------------

OutputSet::~OutputSet() {
  discard();
}

void OutputSet::fail(const Output& o, const std::string& why) {
  throw InputError(SourceLoc{o.target}, "", "cannot write file: " + why);
}

std::size_t OutputSet::add(const std::string& path, const std::string& option) {
  if (path.empty()) throw InputError(SourceLoc{}, option, "expected a file name, got \"\"");
  Output o;
  o.target = path;
  o.option = option;
  o.final = path;
  const long long named = descriptor_named(path);
  if (named >= 0) {
    // `-`, /dev/stdout, /dev/fd/3 ...: a descriptor this process was given, written as it is (a file opened
    // for appending is appended to, a pipe is written), never reopened or replaced.
    const std::string name =
        named == STDOUT_FILENO
            ? "standard output"
            : "file descriptor " +
                  (named == kNoSuchDescriptor ? path.substr(path.rfind('/') + 1) : std::to_string(named));
    const int descriptor = named == kNoSuchDescriptor ? -1 : static_cast<int>(named);
    const int flags = descriptor < 0 ? -1 : ::fcntl(descriptor, F_GETFL);
    if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY)
      throw InputError(SourceLoc{path}, option, "cannot write to " + name + ": it is not open for writing");
    // A descriptor given by the shell (or whoever started pjbit) survived exec, so it is not close-on-exec;
    // every descriptor pjbit opens itself is (an earlier output's temporary, say), and writing one would
    // corrupt it.
    const int fd_flags = ::fcntl(descriptor, F_GETFD);
    if (fd_flags < 0 || (fd_flags & FD_CLOEXEC) != 0)
      throw InputError(SourceLoc{path}, option,
                       "cannot write to " + name + ": it is not one pjbit was given (open it in the shell: " +
                           std::to_string(descriptor) + "> FILE)");
    o.kind = Kind::Descriptor;
    o.descriptor = descriptor;
    struct stat st {};
    if (::fstat(descriptor, &st) == 0 && S_ISREG(st.st_mode)) {
      o.existed = true;
      o.dev = st.st_dev;
      o.ino = st.st_ino;
    }
    for (const Output& other : m_outputs) {
      if (other.kind == Kind::Descriptor && other.descriptor == descriptor)
        throw InputError(SourceLoc{path}, option, name + " is already the output of " + other.option);
      // A file written through a descriptor and also replaced would lose what the descriptor wrote.
      if (o.existed && other.existed && o.dev == other.dev && o.ino == other.ino)
        throw InputError(SourceLoc{path}, option, "is the same file as the output of " + other.option);
    }
    m_outputs.push_back(std::move(o));
    return m_outputs.size() - 1;
  }

  struct stat st {};
  const bool exists = ::lstat(path.c_str(), &st) == 0;
  if (!exists && errno != ENOENT) fail(o, reason(errno));
  if (exists && S_ISLNK(st.st_mode)) {
    if (::stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT)
        fail(o, "it is a symbolic link to a file that does not exist; name the file itself");
      fail(o, reason(errno));
    }
    if (S_ISREG(st.st_mode)) {
      o.final = resolve_link(path);
      if (o.final.empty()) fail(o, "cannot resolve the symbolic link: " + reason(errno));
    }
  }
  if (exists) {
    if (S_ISDIR(st.st_mode)) fail(o, "it is a folder");
    if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
      o.kind = Kind::InPlace;
      if (::access(path.c_str(), W_OK) != 0) fail(o, reason(errno));
    } else if (S_ISREG(st.st_mode)) {
      o.existed = true;
    } else {
      fail(o, std::string("it is ") + kind_of(st.st_mode) +
                  "; expected a regular file, a character device, a FIFO or - (standard output)");
    }
    o.dev = st.st_dev;
    o.ino = st.st_ino;
  }
  const fs::path final_path(o.final);
  const std::string base = final_path.filename().string();
  if (base.empty() || base == "." || base == "..") fail(o, "it names a folder, not a file");

  // Two outputs renamed over one file would lose one of them.
  if (o.kind == Kind::Replace) {
    std::error_code ec;
    const fs::path normal = fs::absolute(final_path, ec).lexically_normal();
    for (const Output& other : m_outputs) {
      if (other.kind == Kind::InPlace) continue;
      const bool same = (o.existed && other.existed && o.dev == other.dev && o.ino == other.ino) ||
                        (other.kind == Kind::Replace &&
                         fs::absolute(fs::path(other.final), ec).lexically_normal() == normal);
      if (same)
        throw InputError(SourceLoc{path}, option, "is the same file as the output of " + other.option);
    }
  }

  if (o.kind == Kind::Replace) {
    // The temporary: created exclusively (a link or anything else already there is never opened) under an
    // unpredictable name in the target's folder, so that the rename stays within one file system. Its lock
    // tells a sweep cleaning up after killed runs that a living process still writes it.
    const std::string name = base.substr(0, kMaxTempBase) + kTempMarker;  // the random digits follow
    const fs::path folder = final_path.parent_path();
    for (int attempt = 0; attempt < 16 && o.fd < 0; ++attempt) {
      const std::string temp = (folder / (name + random_hex())).string();
      const int slot = claim_slot(temp);
      if (slot < 0) fail(o, "too many output files, or a path too long");
      const int fd =
          ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0666);
      if (fd < 0) {
        const int err = errno;
        release_slot(slot);
        if (err == EEXIST) continue;
        fail(o, reason(err));
      }
      if (::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
        // A sweep cleaning up took it for a killed run's temporary and removes it: take another name.
        ::close(fd);
        release_slot(slot);
        continue;
      }
      if (!still_named(fd, temp)) {
        ::close(fd);
        release_slot(slot);
        continue;
      }
      o.temp = temp;
      o.slot = slot;
      o.fd = fd;
      o.lock_fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    }
    if (o.fd < 0) fail(o, "cannot create a temporary file beside it");
  }
  m_outputs.push_back(std::move(o));
  return m_outputs.size() - 1;
}

void OutputSet::write(std::size_t id, std::string text) {
  Output& o = m_outputs.at(id);
  if (o.kind != Kind::Replace) {
    o.text = std::move(text);
    o.has_text = true;
    return;
  }
  write_to(o, o.fd, [&text](std::ostream& out) { out << text; });
}

void OutputSet::write(std::size_t id, std::function<void(std::ostream&)> fill) {
  Output& o = m_outputs.at(id);
  if (o.kind != Kind::Replace) {
    o.fill = std::move(fill);
    return;
  }
  write_to(o, o.fd, fill);
}

void OutputSet::write_to(Output& o, int fd, const std::function<void(std::ostream&)>& fill) {
  if (o.written) throw std::logic_error("an output is written once");
  FdBuf buf(fd);
  std::ostream out(&buf);
  fill(out);
  out.flush();
  if (buf.error() != 0) fail(o, reason(buf.error()));
  if (!out) fail(o, "the output stream failed");
  if (o.kind == Kind::Replace) {
    // Closing reports what a network file system could not write; the lock stays with lock_fd.
    const int rc = ::close(o.fd);
    o.fd = -1;
    if (rc != 0 && errno != EINTR) fail(o, reason(errno));
  }
  o.written = true;
}

void OutputSet::write_in_place(Output& o) {
  if (!o.fill && !o.has_text) throw std::logic_error("an output was declared but not written");
  const std::function<void(std::ostream&)> fill =
      o.fill ? o.fill : [&o](std::ostream& out) { out << o.text; };
  if (o.kind == Kind::Descriptor) {
    std::cout.flush();
    write_to(o, o.descriptor, fill);
    return;
  }
  // A FIFO's open waits for its reader.
  const int fd = ::open(o.final.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) fail(o, reason(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
    ::close(fd);
    fail(o, "it is no longer a character device or a FIFO; not written");
  }
  try {
    write_to(o, fd, fill);
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0 && errno != EINTR) fail(o, reason(errno));
}

void OutputSet::commit() {
  for (Output& o : m_outputs)
    if (o.kind != Kind::Replace) write_in_place(o);
  for (const Output& o : m_outputs)
    if (o.kind == Kind::Replace && !o.written)
      throw std::logic_error("an output was declared but not written");

  // Every output is written: the renames are the commit. A signal now waits until they are done.
  const BlockStopSignals block;
  std::vector<std::string> renamed;
  for (Output& o : m_outputs) {
    if (o.kind != Kind::Replace) continue;
    std::string why;
    for (int attempt = 0; attempt < 4 && why.empty(); ++attempt) {
      struct stat st {};
      if (::lstat(o.final.c_str(), &st) == 0) {
        // Only a regular file is replaced, never a device, FIFO or link put there while running.
        if (!S_ISREG(st.st_mode)) {
          why = "something other than a regular file was put there while running; not replaced";
        } else if (std::rename(o.temp.c_str(), o.final.c_str()) != 0) {
          why = reason(errno);
        } else {
          break;
        }
      } else if (errno != ENOENT) {
        why = reason(errno);
      } else if (::renameat2(AT_FDCWD, o.temp.c_str(), AT_FDCWD, o.final.c_str(), RENAME_NOREPLACE) == 0) {
        break;
      } else if (errno == EEXIST) {
        continue;  // something appeared there meanwhile: look again
      } else if (errno != EINVAL && errno != ENOSYS) {
        why = reason(errno);
      } else if (std::rename(o.temp.c_str(), o.final.c_str()) != 0) {
        why = reason(errno);  // a file system without RENAME_NOREPLACE
      } else {
        break;
      }
      if (attempt == 3 && why.empty()) why = "the file kept changing while it was replaced";
    }
    if (!why.empty()) {
      // All or nothing: the outputs already renamed go too.
      for (const std::string& done : renamed)
        ::unlink(done.c_str());
      fail(o, why);
    }
    renamed.push_back(o.final);
    release_slot(o.slot);
    o.slot = -1;
    o.temp.clear();
  }
  for (Output& o : m_outputs) {
    if (o.lock_fd >= 0) ::close(o.lock_fd);
    o.lock_fd = -1;
  }
}

bool OutputSet::writes_to_stdout() const {
  for (const Output& o : m_outputs)
    if (o.kind == Kind::Descriptor && o.descriptor == STDOUT_FILENO) return true;
  return false;
}

void OutputSet::discard() {
  for (Output& o : m_outputs) {
    if (o.fd >= 0) ::close(o.fd);
    o.fd = -1;
    if (!o.temp.empty()) ::unlink(o.temp.c_str());
    o.temp.clear();
    release_slot(o.slot);
    o.slot = -1;
    if (o.lock_fd >= 0) ::close(o.lock_fd);
    o.lock_fd = -1;
  }
}

OutputFiles::OutputFiles(std::vector<std::string> paths)
    : m_paths(std::move(paths)), m_written(m_paths.size(), 0) {
  if (m_paths.empty()) return;
  const fs::path first(m_paths.front());
  for (const std::string& p : m_paths) {
    if (fs::path(p).parent_path() != first.parent_path())
      throw std::logic_error("the files of an OutputFiles share one folder");
    // Only a regular file is replaced (or a name where nothing is yet).
    struct stat st {};
    if (::lstat(p.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
      throw InputError(SourceLoc{p}, "", "cannot write file: not a regular file; not replaced");
  }
  const fs::path parent = first.has_parent_path() ? first.parent_path() : fs::path(".");
  const std::string base = first.filename().string().substr(0, kMaxTempBase) + kTempMarker;
  for (int attempt = 0; attempt < 16 && m_slot < 0; ++attempt) {
    const std::string folder = (parent / (base + random_hex())).string();
    const int slot = claim_slot(folder, static_cast<int>(m_paths.size()));
    if (slot < 0)
      throw InputError(SourceLoc{m_paths.front()}, "",
                       "cannot write file: too many outputs, or a path too long");
    if (::mkdir(folder.c_str(), 0777) != 0) {
      const int err = errno;
      release_slot(slot);
      if (err == EEXIST) continue;
      throw InputError(SourceLoc{m_paths.front()}, "", "cannot write file: " + reason(err));
    }
    m_folder = folder;
    m_slot = slot;
  }
  if (m_slot < 0)
    throw InputError(SourceLoc{m_paths.front()}, "",
                     "cannot write file: cannot create a temporary folder beside it");
}

OutputFiles::~OutputFiles() {
  discard();
}

std::string OutputFiles::temporary(std::size_t i) const {
  return m_folder + "/" + std::to_string(i);
}

void OutputFiles::write(std::size_t i, const std::string& bytes) {
  const std::string path = temporary(i);
  const auto fail = [&](int err) {
    throw InputError(SourceLoc{m_paths.at(i)}, "", "cannot write file: " + reason(err));
  };
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0666);
  if (fd < 0) fail(errno);
  m_written.at(i) = 1;
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      fail(err);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0 && errno != EINTR) fail(errno);
}

void OutputFiles::commit() {
  for (std::size_t i = 0; i < m_paths.size(); ++i)
    if (!m_written[i]) throw std::logic_error("a file was declared but not written");
  const BlockStopSignals block;
  for (std::size_t i = 0; i < m_paths.size(); ++i) {
    std::string why;
    struct stat st {};
    if (::lstat(m_paths[i].c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
      why = "something other than a regular file was put there while running; not replaced";
    } else if (std::rename(temporary(i).c_str(), m_paths[i].c_str()) != 0) {
      why = reason(errno);
    }
    if (!why.empty()) {
      // All or nothing: the files already in place go too.
      for (std::size_t k = 0; k < i; ++k)
        ::unlink(m_paths[k].c_str());
      throw InputError(SourceLoc{m_paths[i]}, "", "cannot write file: " + why);
    }
    m_written[i] = 0;
  }
  discard();
}

void OutputFiles::discard() {
  if (m_slot < 0) return;
  for (std::size_t i = 0; i < m_paths.size(); ++i)
    if (m_written[i]) ::unlink(temporary(i).c_str());
  ::rmdir(m_folder.c_str());
  release_slot(m_slot);
  m_slot = -1;
}

void write_output(const std::string& path, const std::string& option, std::string text) {
  OutputSet outputs;
  const std::size_t id = outputs.add(path, option);
  outputs.write(id, std::move(text));
  outputs.commit();
}

bool is_temporary_name(const std::string& name) {
  const std::size_t marker = std::strlen(kTempMarker);
  if (name.size() < marker + kTempRandomDigits + 1) return false;
  const std::size_t at = name.size() - kTempRandomDigits - marker;
  if (name.compare(at, marker, kTempMarker) != 0) return false;
  for (std::size_t i = name.size() - kTempRandomDigits; i < name.size(); ++i) {
    const char c = name[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::size_t remove_stale_temporaries(const std::string& folder) {
  DIR* dir = ::opendir(folder.c_str());
  if (dir == nullptr) return 0;
  const int dfd = ::dirfd(dir);
  std::size_t removed = 0;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (!is_temporary_name(name)) continue;
    const int fd = ::openat(dfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat open_st {
    }, named_st{};
    // A writer that is alive holds its temporary's lock; one without a lock is left alone too (a file
    // system without locks cannot tell).
    if (::fstat(fd, &open_st) == 0 && S_ISREG(open_st.st_mode) && ::flock(fd, LOCK_EX | LOCK_NB) == 0 &&
        ::fstatat(dfd, name.c_str(), &named_st, AT_SYMLINK_NOFOLLOW) == 0 && same_file(open_st, named_st) &&
        ::unlinkat(dfd, name.c_str(), 0) == 0)
      ++removed;
    ::close(fd);
  }
  ::closedir(dir);
  return removed;
}

}  // namespace pjbit::cli
