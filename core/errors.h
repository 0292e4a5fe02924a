// Errors, three ways (docs/architecture.md): bad input is an InputError (exit 2), a modelled fault is a
// SimulationError (exit 3), a model bug is SC_REPORT_ERROR.
#pragma once

#include <stdexcept>
#include <string>

namespace pjbit::core {

// Where a value came from: a file and, when known, its 1-based line and column.
struct SourceLoc {
  std::string file;
  int line = 0;
  int column = 0;

  // "file:line:col", "file" when the position is unknown, "" when there is no file.
  std::string str() const;
};

// Bad user input: usage, unreadable or malformed file, unknown key, wrong unit, impossible value, a topology
// that cannot carry the workload. what() is "file:line:col: key: message" with the parts that are known.
class InputError : public std::runtime_error {
 public:
  InputError(SourceLoc loc, std::string key, std::string message);
  explicit InputError(std::string message) : InputError(SourceLoc{}, "", std::move(message)) {}

  const SourceLoc& loc() const { return m_loc; }
  const std::string& key() const { return m_key; }
  const std::string& message() const { return m_message; }

 private:
  SourceLoc m_loc;
  std::string m_key;
  std::string m_message;
};

// The simulation itself failed: deadlock, watchdog, unroutable traffic found while running, a broken
// internal invariant that the model detects.
class SimulationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace pjbit::core
