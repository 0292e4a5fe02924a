// The fuzz targets: one entry function per parser, shared by the libFuzzer programs (fuzz_main.cpp, built
// with clang by the `fuzz` preset) and by the replay test (replay.cpp, part of `make test`), which runs every
// input of tests/fuzz/corpus/<target>/ through the same function. docs/testing.md says how to run them.
//
// An entry function feeds its input to the parser and to what the program does next with the result, and
// returns normally when the input is accepted or refused the documented way (core::InputError, and
// core::QuantityError for the quantity parser). Anything else escapes it: another exception type, a broken
// invariant (thrown as InvariantBroken), or a crash or sanitizer report, which the caller turns into a
// finding.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pjbit::fuzz {

// A result the parser returned that its documentation rules out (a negative quantity, say).
class InvariantBroken : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

struct Target {
  const char* name;
  const char* what;  // one line for --help and docs
  void (*run)(std::string_view input);
};

// Every target, in the order `make fuzz` runs them.
const std::vector<Target>& targets();
// The target named `name`, or nullptr.
const Target* find_target(std::string_view name);

// "pjbit::core::SimulationError: what()" for an exception that escaped a target, from inside a catch block.
std::string describe_current_exception();

}  // namespace pjbit::fuzz
