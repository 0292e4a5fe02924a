// The progress bar of `pjbit run`: drawn on stderr only when it is a terminal, never with --quiet, and wiped
// when the run ends. PJBIT_PROGRESS_DELAY=0 makes it appear at once, so that short runs show it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "support/testing.h"

namespace {
namespace test_progress {

using pjbit::testing::run_program;
using pjbit::testing::Stderr;

// A run that takes a few tenths of a second: long enough for the bar to be drawn a few times.
std::vector<std::string> run_args() {
  const std::string src = pjbit::testing::source_dir();
  return {"run", src + "/platforms/ring8.yaml", src + "/workloads/allreduce_1g.yaml", "--set",
          "steps.0.size=256 MiB"};
}

TEST(Progress, SilentWhenStderrIsNotATerminal) {
  setenv("PJBIT_PROGRESS_DELAY", "0", 1);
  const auto r = run_program(run_args());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_NE(r.out.find("simulated time"), std::string::npos) << r.out;  // the summary still goes to stdout
}

TEST(Progress, DrawnOnATerminalAndWipedAtTheEnd) {
  setenv("PJBIT_PROGRESS_DELAY", "0", 1);
  const auto r = run_program(run_args(), 120.0, Stderr::Terminal);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("\r["), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("% "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" simulated"), std::string::npos) << r.err;
  // The last thing on the line is the wipe: the summary on stdout is not mixed with a stale bar.
  const std::string wipe = "\r\033[K";
  ASSERT_GE(r.err.size(), wipe.size());
  EXPECT_EQ(r.err.substr(r.err.size() - wipe.size()), wipe);
  EXPECT_EQ(r.err.find('\n'), std::string::npos) << "the bar never moves to a new line";
}

TEST(Progress, QuietDrawsNothingEvenOnATerminal) {
  setenv("PJBIT_PROGRESS_DELAY", "0", 1);
  std::vector<std::string> args = run_args();
  args.push_back("--quiet");
  const auto r = run_program(args, 120.0, Stderr::Terminal);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(Progress, ErrorsStillReadAsOneLineOnATerminal) {
  setenv("PJBIT_PROGRESS_DELAY", "0", 1);
  std::vector<std::string> args = run_args();
  args.push_back("--set");
  args.push_back("topology.link.bandwidth=fast");
  const auto r = run_program(args, 120.0, Stderr::Terminal);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
}

}  // namespace test_progress
}  // namespace
