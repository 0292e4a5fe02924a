#pragma once

#include <cstdint>
#include <string>

#include "core/errors.h"

namespace pjbit::cli {

// Exit codes of CONTRACT section 2.
inline constexpr int kOk = 0;
inline constexpr int kRegression = 1;
inline constexpr int kBadInput = 2;
inline constexpr int kSimulationFailed = 3;

// A seed: a decimal whole number from 0 to 2^64 - 1 (18446744073709551615) and nothing else: no sign, no
// blanks, not empty. Throws core::InputError at `loc` naming `key`.
std::uint64_t parse_seed(const std::string& text, const core::SourceLoc& loc, const std::string& key);

// Parses the command line, runs the command, prints errors as one `error:` line; returns the exit code.
int main(int argc, char* argv[]);

}  // namespace pjbit::cli
