#include "support/testing.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace pjbit::testing {

std::string source_dir() {
  return PJBIT_SOURCE_DIR;
}
std::string binary() {
  return PJBIT_BINARY;
}

TempDir::TempDir() {
  std::string templ = (std::filesystem::temp_directory_path() / "pjbit-test-XXXXXX").string();
  if (!mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
  m_path = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(m_path, ec);
}

std::string TempDir::write(const std::string& name, const std::string& text) const {
  const std::string full = m_path + "/" + name;
  std::ofstream out(full, std::ios::binary);
  out << text;
  return full;
}

ProcessResult run_program(const std::vector<std::string>& args, double timeout_s, Stderr err,
                          const std::string& cwd) {
  int out_pipe[2];
  int err_pipe[2];  // with a terminal: [0] its master side, [1] unused
  if (pipe(out_pipe) != 0) throw std::runtime_error("pipe failed");
  std::string terminal;
  if (err == Stderr::Terminal) {
    err_pipe[0] = posix_openpt(O_RDWR | O_NOCTTY);
    if (err_pipe[0] < 0 || grantpt(err_pipe[0]) != 0 || unlockpt(err_pipe[0]) != 0)
      throw std::runtime_error("no pseudo-terminal");
    terminal = ptsname(err_pipe[0]);
    err_pipe[1] = -1;
  } else if (pipe(err_pipe) != 0) {
    throw std::runtime_error("pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  if (err == Stderr::Terminal) {
    posix_spawn_file_actions_addopen(&actions, 2, terminal.c_str(), O_RDWR | O_NOCTTY, 0);
  } else {
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  }
  posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
  posix_spawn_file_actions_addclose(&actions, err_pipe[0]);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  std::vector<char*> argv;
  std::string program = binary();
  argv.push_back(program.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  if (err_pipe[1] >= 0) close(err_pipe[1]);
  if (rc != 0) throw std::runtime_error("posix_spawn failed");

  ProcessResult result;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    if (poll(fds, 2, static_cast<int>(left.count())) < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = (!result.timed_out && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
  result.term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  return result;
}

BackgroundProgram::BackgroundProgram(const std::vector<std::string>& args, const std::string& cwd) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  // SIGINT and SIGTERM at their defaults and unblocked, as from an interactive shell: a test run from a
  // script's background job would otherwise pass on SIGINT ignored.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults, none;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  std::vector<char*> argv;
  std::string program = binary();
  argv.push_back(program.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  const int rc = posix_spawn(&m_pid, program.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    throw std::runtime_error("posix_spawn failed");
  }
  const int out_fd = out_pipe[0], err_fd = err_pipe[0];
  m_reader = std::thread([this, out_fd, err_fd] {
    pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    int open_fds = 2;
    char buf[65536];
    while (open_fds > 0) {
      if (poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        const ssize_t n = read(fds[i].fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          close(fds[i].fd);
          fds[i].fd = -1;
          --open_fds;
        } else {
          (i == 0 ? m_out : m_err).append(buf, static_cast<size_t>(n));
        }
      }
    }
    for (auto& f : fds)
      if (f.fd >= 0) close(f.fd);
  });
}

BackgroundProgram::~BackgroundProgram() {
  if (running()) {
    kill(m_pid, SIGKILL);
    waitpid(m_pid, &m_status, 0);
    m_reaped = true;
  }
  if (m_reader.joinable()) m_reader.join();
}

bool BackgroundProgram::running() {
  if (m_reaped) return false;
  if (waitpid(m_pid, &m_status, WNOHANG) == m_pid) m_reaped = true;
  return !m_reaped;
}

bool BackgroundProgram::wait_until_catching(int signo, double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  const std::string status_path = "/proc/" + std::to_string(m_pid) + "/status";
  while (std::chrono::steady_clock::now() < deadline && running()) {
    std::ifstream in(status_path);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("SigCgt:", 0) != 0) continue;
      const unsigned long long caught = std::stoull(line.substr(7), nullptr, 16);
      if (caught & (1ull << (signo - 1))) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

void BackgroundProgram::send(int signo) {
  if (running()) kill(m_pid, signo);
}

ProcessResult BackgroundProgram::wait(double timeout_s) {
  ProcessResult result;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      result.timed_out = true;
      kill(m_pid, SIGKILL);
      waitpid(m_pid, &m_status, 0);
      m_reaped = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (m_reader.joinable()) m_reader.join();
  result.exit_code = (!result.timed_out && WIFEXITED(m_status)) ? WEXITSTATUS(m_status) : -1;
  result.term_signal = WIFSIGNALED(m_status) ? WTERMSIG(m_status) : 0;
  result.out = m_out;
  result.err = m_err;
  return result;
}

std::vector<pid_t> processes_mentioning(const std::string& text) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    if (pid == getpid()) continue;
    std::string cmdline = read_file(entry.path().string() + "/cmdline");
    if (cmdline.find(text) != std::string::npos) out.push_back(pid);
  }
  return out;
}

bool file_exists(const std::string& path) {
  return std::filesystem::exists(path);
}

int count_lines(const std::string& s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool is_device(const std::string& path, unsigned major_number, unsigned minor_number) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == major_number &&
         minor(st.st_rdev) == minor_number;
}

std::string make_device(const TempDir& dir, const std::string& name, unsigned minor_number) {
  const std::string path = dir.path() + "/" + name;
  if (::mknod(path.c_str(), S_IFCHR | 0666, makedev(1, minor_number)) != 0) return "";
  const int fd = ::open(path.c_str(), O_WRONLY);
  if (fd < 0) return "";
  ::close(fd);
  return path;
}

bool may_use_system_device(bool checked) {
  return checked || ::access("/dev", W_OK) != 0;
}

std::string golden_report_path(const std::string& platform, const std::string& workload,
                               const std::string& engine) {
  return source_dir() + "/tests/golden/reports/" + platform + "." + workload + "." + engine + ".json";
}

nlohmann::json golden_report(const std::string& platform, const std::string& workload,
                             const std::string& engine) {
  const std::string path = golden_report_path(platform, workload, engine);
  if (!file_exists(path))
    throw std::runtime_error("no golden report " + path + ": `make golden` writes the golden reports");
  return nlohmann::json::parse(read_file(path));
}

}  // namespace pjbit::testing
