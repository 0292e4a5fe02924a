// The progress bar of `pjbit run`: drawn on stderr only when it is a terminal, never with --quiet, and wiped
// when the run ends. PJBIT_PROGRESS_DELAY=0 makes it appear at once, so that short runs show it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "support/testing.h"

extern char** environ;

namespace {

using pjbit::testing::run_program;

// A run that takes a few tenths of a second: long enough for the bar to be drawn a few times.
std::vector<std::string> run_args() {
  const std::string src = pjbit::testing::source_dir();
  return {"run", src + "/platforms/ring8.yaml", src + "/workloads/allreduce_1g.yaml", "--set",
          "steps.0.size=256 MiB"};
}

struct TerminalRun {
  int exit_code = -1;
  std::string out;       // stdout (a pipe)
  std::string terminal;  // what reached the terminal on stderr
};

// Runs the program with stderr on a pseudo-terminal and stdout on a pipe.
TerminalRun run_on_terminal(const std::vector<std::string>& args) {
  TerminalRun result;
  const int master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
    ADD_FAILURE() << "no pseudo-terminal";
    return result;
  }
  const std::string slave_name = ptsname(master);
  int out_pipe[2];
  if (pipe(out_pipe) != 0) {
    ADD_FAILURE() << "pipe failed";
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, slave_name.c_str(), O_RDWR | O_NOCTTY, 0);
  posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
  posix_spawn_file_actions_addclose(&actions, master);
  std::vector<std::string> copy = args;
  std::string program = pjbit::testing::binary();
  std::vector<char*> argv{program.data()};
  for (auto& a : copy)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  if (rc != 0) {
    ADD_FAILURE() << "posix_spawn failed";
    close(out_pipe[0]);
    close(master);
    return result;
  }
  // Read both until the program is gone (the terminal reports EIO once its last writer closed it).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {master, POLLIN, 0}};
  char buf[4096];
  int open = 2;
  while (open > 0 && std::chrono::steady_clock::now() < deadline) {
    if (poll(fds, 2, 1000) < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        fds[i].fd = -1;
        --open;
      } else {
        (i == 0 ? result.out : result.terminal).append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  close(out_pipe[0]);
  close(master);
  int status = 0;
  if (open > 0) kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
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
  const auto r = run_on_terminal(run_args());
  EXPECT_EQ(r.exit_code, 0) << r.terminal;
  EXPECT_NE(r.terminal.find("\r["), std::string::npos) << r.terminal;
  EXPECT_NE(r.terminal.find("% "), std::string::npos) << r.terminal;
  EXPECT_NE(r.terminal.find(" simulated"), std::string::npos) << r.terminal;
  // The last thing on the line is the wipe: the summary on stdout is not mixed with a stale bar.
  const std::string wipe = "\r\033[K";
  ASSERT_GE(r.terminal.size(), wipe.size());
  EXPECT_EQ(r.terminal.substr(r.terminal.size() - wipe.size()), wipe);
  EXPECT_EQ(r.terminal.find('\n'), std::string::npos) << "the bar never moves to a new line";
}

TEST(Progress, QuietDrawsNothingEvenOnATerminal) {
  setenv("PJBIT_PROGRESS_DELAY", "0", 1);
  std::vector<std::string> args = run_args();
  args.push_back("--quiet");
  const auto r = run_on_terminal(args);
  EXPECT_EQ(r.exit_code, 0) << r.terminal;
  EXPECT_TRUE(r.terminal.empty()) << r.terminal;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(Progress, ErrorsStillReadAsOneLineOnATerminal) {
  setenv("PJBIT_PROGRESS_DELAY", "0", 1);
  std::vector<std::string> args = run_args();
  args.push_back("--set");
  args.push_back("topology.link.bandwidth=fast");
  const auto r = run_on_terminal(args);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.terminal.rfind("error: ", 0), 0u) << r.terminal;
}

}  // namespace
