// Every file the program writes (run's --json, --csv, --html, --trace and --vcd, compare's --json, a sweep's
// manifest and results.csv) goes through an OutputSet, and SIGINT and SIGTERM are handled here, because the
// two meet: an interrupted command removes the temporary files it holds. See docs/cli.md, "Outputs and
// interruptions".
//
// A regular file (or a path where nothing is yet) is written to a temporary file that is created exclusively
// beside it (O_CREAT | O_EXCL | O_NOFOLLOW, an unpredictable name, mode 0666 less the umask) when the output
// is declared, so that an output that cannot be written is refused before anything runs and nothing is
// truncated to find out. commit() renames every temporary over its target, only once every output has been
// written: the outputs of a command appear together or not at all. A character device and a FIFO are written
// in place, never replaced; `-` and /dev/stdout, /dev/stderr, /dev/fd/N and /proc/self/fd/N are written
// through that file descriptor of this process. Another symbolic link is followed: to a device or FIFO it is
// written in place; to a regular file, that file is replaced and the link kept.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace pjbit::cli {

// Installs the handlers of SIGINT and SIGTERM (not of one that is ignored, as in a script's background job):
// they remove every temporary file an OutputSet holds, print one line "error: interrupted by SIGINT" and exit
// with 128 + the signal number (130, 143). SIGPIPE and SIGXFSZ are ignored, so that a write to a closed pipe
// or beyond the file size limit fails with its reason instead of killing the program. Call once, first.
void install_signal_handlers();

// While one lives, SIGINT and SIGTERM are only recorded (a sweep stops its children first, then ends).
class DeferStopSignals {
 public:
  DeferStopSignals();
  ~DeferStopSignals();
  DeferStopSignals(const DeferStopSignals&) = delete;
  DeferStopSignals& operator=(const DeferStopSignals&) = delete;
};

// The signal recorded while stop signals were deferred, or 0.
int stop_signal();

// Whether a progress bar's line is on stderr, for the handler to wipe it before its message.
void note_progress_line(bool drawn);

// "SIGINT", "SIGTERM", or "signal N".
std::string signal_name(int signo);

// The outputs of one command. Errors throw core::InputError naming the file, with the system's reason
// ("cannot write file: No space left on device"); the destructor removes every temporary not committed.
class OutputSet {
 public:
  OutputSet() = default;
  ~OutputSet();
  OutputSet(const OutputSet&) = delete;
  OutputSet& operator=(const OutputSet&) = delete;

  // Declares `path` (`-` for standard output) as an output of the option `option` (for messages); creates
  // its temporary file now. Refuses a folder, a block device, a socket, a link that leads nowhere, a folder
  // that does not exist or cannot be written, a file named twice, and a descriptor path (/dev/fd/N) whose
  // descriptor is not open for writing or was not given to this process. Returns its id.
  std::size_t add(const std::string& path, const std::string& option);

  // The content of output `id`. A temporary is written at once; an output written in place (device, FIFO,
  // file descriptor) is written by commit(), before any rename, so `fill` and what it reads must live until
  // then.
  void write(std::size_t id, std::string text);
  void write(std::size_t id, std::function<void(std::ostream&)> fill);

  // Writes the outputs written in place, then renames every temporary over its target. A rename that fails
  // after others succeeded removes the files already renamed, and throws.
  void commit();

  // Whether an output is standard output (then a command prints nothing else there).
  bool writes_to_stdout() const;

 private:
  enum class Kind { Replace, InPlace, Descriptor };
  struct Output {
    std::string target;  // as given
    std::string option;  // "--json"
    std::string final;   // Replace: the path renamed over (a followed link's file); InPlace: the target
    Kind kind = Kind::Replace;
    bool existed = false;  // Replace: a regular file was there when declared; Descriptor: it is one
    dev_t dev = 0;         // what was there when declared (to refuse a file named twice)
    ino_t ino = 0;
    std::string temp;  // Replace: the temporary file
    int fd = -1;       // Replace: the temporary, open for writing until written
    int lock_fd = -1;  // Replace: holds the temporary's lock until it is renamed or removed
    int slot = -1;     // Replace: its place in the list the signal handler removes
    bool written = false;
    int descriptor = -1;  // Descriptor: the file descriptor written
    std::string text;     // InPlace, Descriptor: what commit() writes
    bool has_text = false;
    std::function<void(std::ostream&)> fill;  // or what this writes
  };

  [[noreturn]] void fail(const Output& o, const std::string& why);
  void write_to(Output& o, int fd, const std::function<void(std::ostream&)>& fill);
  void write_in_place(Output& o);
  void discard();

  std::vector<Output> m_outputs;
};

// Many files that appear together (export-chakra's rank files, more than an OutputSet holds): each is written
// into a temporary folder beside them (made exclusively, named as an OutputSet's temporaries) as it is
// ready, and commit() renames them all into place, all or none. Only regular files are replaced. The signal
// handler removes the folder and what it holds; so does the destructor, when commit() was not reached.
class OutputFiles {
 public:
  // `paths` share one folder. Creates the temporary folder now.
  explicit OutputFiles(std::vector<std::string> paths);
  ~OutputFiles();
  OutputFiles(const OutputFiles&) = delete;
  OutputFiles& operator=(const OutputFiles&) = delete;

  // Writes file `i` (its temporary) at once.
  void write(std::size_t i, const std::string& bytes);
  void commit();

 private:
  std::string temporary(std::size_t i) const;
  void discard();

  std::vector<std::string> m_paths;
  std::string m_folder;
  int m_slot = -1;
  std::vector<char> m_written;
};

// Writes one file on its own through an OutputSet: add, write, commit.
void write_output(const std::string& path, const std::string& option, std::string text);

// Removes the temporary files an OutputSet left in `folder` when its process was killed outright (SIGKILL,
// a power cut): those no living process holds a lock on. Returns how many it removed.
std::size_t remove_stale_temporaries(const std::string& folder);

// Whether a file name is that of an OutputSet's temporary file.
bool is_temporary_name(const std::string& name);

}  // namespace pjbit::cli
