// Shared helpers for the test tiers.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace pjbit::testing {

// The repository root and the built program (set by CMake).
std::string source_dir();
std::string binary();

// A fresh temporary directory, removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return m_path; }
  // Writes `text` to `name` inside the directory and returns the full path.
  std::string write(const std::string& name, const std::string& text) const;

 private:
  std::string m_path;
};

struct ProcessResult {
  int exit_code = -1;   // -1 when the process did not exit normally (signal, timeout)
  int term_signal = 0;  // the signal that killed it, when one did
  bool timed_out = false;
  std::string out;
  std::string err;
};

// Where the program's stderr goes: a pipe, or a pseudo-terminal (for what it draws only on a terminal).
enum class Stderr { Pipe, Terminal };

// Runs the program with `args` (no shell), with a wall-clock limit, and captures its output (with
// Stderr::Terminal, `err` is what reached the terminal). A non-empty `cwd` is the folder it runs in (relative
// paths in `args` are then relative to it).
ProcessResult run_program(const std::vector<std::string>& args, double timeout_s = 60.0,
                          Stderr err = Stderr::Pipe, const std::string& cwd = "");

// The program started in the background (no shell, SIGINT and SIGTERM at their default actions whatever this
// process has), for tests that signal it while it runs; its stdout and stderr are gathered meanwhile. A child
// still running when the object goes away is killed and reaped.
class BackgroundProgram {
 public:
  explicit BackgroundProgram(const std::vector<std::string>& args, const std::string& cwd = "");
  ~BackgroundProgram();
  BackgroundProgram(const BackgroundProgram&) = delete;
  BackgroundProgram& operator=(const BackgroundProgram&) = delete;

  pid_t pid() const { return m_pid; }
  // Whether it still runs (not yet reaped).
  bool running();
  // Waits up to `timeout_s` until it has a handler installed for `signo` (from /proc/PID/status); false when
  // it ended or the time ran out first.
  bool wait_until_catching(int signo, double timeout_s);
  void send(int signo);
  // Waits for it to end (killing it after `timeout_s`) and returns what it did.
  ProcessResult wait(double timeout_s = 60.0);

 private:
  pid_t m_pid = -1;
  bool m_reaped = false;
  int m_status = 0;
  std::thread m_reader;
  std::string m_out, m_err;
};

// The processes (other than this one) whose command line contains `text`, as their pids.
std::vector<pid_t> processes_mentioning(const std::string& text);

bool file_exists(const std::string& path);
std::string read_file(const std::string& path);
// How many lines `s` holds (its newlines).
int count_lines(const std::string& s);

// The small platform and workload most program tests run: four ranks in a ring, a 4 MiB all-reduce.
inline constexpr const char* kRing4 = R"(name: ring4
topology:
  kind: ring
  ranks: 4
  link:
    bandwidth: 100 GB/s
    latency: 500 ns
    energy: 5 pJ/bit
)";
inline constexpr const char* kAllReduce4MiB = R"(name: ar
steps:
  - collective: all_reduce
    size: 4 MiB
)";

// Whether `path` itself (a link is not followed) is the character device (major, minor).
bool is_device(const std::string& path, unsigned major_number, unsigned minor_number);
// A node of the kernel's memory device (1, minor) named `name` in `dir` (minor 3 is null, 7 is full), or ""
// when this process may not make one or may not open it (a file system mounted nodev).
std::string make_device(const TempDir& dir, const std::string& name, unsigned minor_number);
// Whether a test may give /dev/null or /dev/full itself to the program: only once the program has been seen
// to write in place to a node of the same device made for the test (`checked`), or when this process could
// not replace the system's node anyway. (A program that wrongly replaced a device it was given would
// otherwise replace the system's.)
bool may_use_system_device(bool checked);

// The committed golden report of a shipped platform with a shipped workload on an engine ("packet" or
// "flow"): tests/golden/reports/PLATFORM.WORKLOAD.ENGINE.json, the program's report byte for byte but for
// stats.wall_time_s (0). The golden tier checks that the program still writes exactly it, so a test that
// needs only that report reads it here instead of running the program again.
std::string golden_report_path(const std::string& platform, const std::string& workload,
                               const std::string& engine);
// Parsed; throws std::runtime_error naming the file and `make golden` when there is none.
nlohmann::json golden_report(const std::string& platform, const std::string& workload,
                             const std::string& engine = "packet");

}  // namespace pjbit::testing
