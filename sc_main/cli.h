#pragma once

namespace pjbit::cli {

// Exit codes of CONTRACT section 2.
inline constexpr int kOk = 0;
inline constexpr int kRegression = 1;
inline constexpr int kBadInput = 2;
inline constexpr int kSimulationFailed = 3;

// Parses the command line, runs the command, prints errors as one `error:` line; returns the exit code.
int main(int argc, char* argv[]);

}  // namespace pjbit::cli
