// Shared helpers for the test tiers.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
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
  int exit_code = -1;  // -1 when the process did not exit normally (signal, timeout)
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

bool file_exists(const std::string& path);
std::string read_file(const std::string& path);

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
