// SIGINT and SIGTERM sent to `pjbit run` and `pjbit sweep` at several moments of their work: the program
// removes its temporary files, writes no output, prints one line and exits with 128 + the signal; a sweep's
// children end with it (also when the sweep is killed outright), and the sweep resumes to the results of a
// sweep that was never interrupted.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "support/testing.h"

namespace {
namespace test_signals {

namespace fs = std::filesystem;
using pjbit::testing::BackgroundProgram;
using pjbit::testing::file_exists;
using pjbit::testing::processes_mentioning;
using pjbit::testing::ProcessResult;
using pjbit::testing::read_file;
using pjbit::testing::run_program;
using pjbit::testing::TempDir;

const char* kRing = R"(name: ring8
topology:
  kind: ring
  ranks: 8
  link:
    bandwidth: 100 GB/s
    latency: 500 ns
    energy: 5 pJ/bit
)";

// A run of a minute or more: a 64 GiB all-reduce, packet by packet.
const char* kLongWorkload = R"(name: long
steps:
  - collective: all_reduce
    size: 64 GiB
    algorithm: ring
)";

const char* kShortWorkload = R"(name: short
steps:
  - collective: all_reduce
    size: 4 MiB
    algorithm: ring
)";

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

bool is_temporary(const std::string& name) {
  return name.find(".pjbit-tmp-") != std::string::npos;
}

std::size_t size_of(const std::string& dir, const std::string& prefix) {
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && is_temporary(name)) return fs::file_size(e.path());
  }
  return 0;
}

// Waits up to `timeout_s` for `done`; returns whether it came.
template <typename Condition>
bool wait_for(Condition done, double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

// When the signal comes.
enum class When {
  AtStart,          // as soon as the program handles it: loading, checking, declaring its outputs
  WhileRunning,     // simulating (a run) or running points (a sweep)
  WhileWriting,     // a run: its temporaries written, waiting to write a FIFO nobody reads
  AfterFirstPoint,  // a sweep: one point's report is in, two points are running
};

std::string when_name(When w) {
  switch (w) {
    case When::AtStart:
      return "AtStart";
    case When::WhileRunning:
      return "WhileRunning";
    case When::WhileWriting:
      return "WhileWriting";
    case When::AfterFirstPoint:
      return "AfterFirstPoint";
  }
  return "";
}

void PrintTo(When w, std::ostream* os) {
  *os << when_name(w);
}

std::string expected_line(int signo) {
  return std::string("error: interrupted by ") + (signo == SIGINT ? "SIGINT" : "SIGTERM");
}

class InterruptedRun : public ::testing::TestWithParam<std::tuple<int, When>> {};

TEST_P(InterruptedRun, LeavesNoOutputAndExitsWith128PlusTheSignal) {
  const auto [signo, when] = GetParam();
  TempDir dir;
  const std::string p = dir.write("plat.yaml", kRing);
  const std::string w = dir.write("work.yaml", when == When::WhileWriting ? kShortWorkload : kLongWorkload);
  std::vector<std::string> args = {"run",     p,
                                   w,         "--quiet",
                                   "--set",   "engine=packet",
                                   "--json",  dir.path() + "/r.json",
                                   "--csv",   dir.path() + "/r.csv",
                                   "--trace", dir.path() + "/r.trace"};
  if (when == When::WhileWriting) {
    // A FIFO that nobody reads: the program writes its temporaries, then waits to open it.
    ASSERT_EQ(::mkfifo((dir.path() + "/fifo").c_str(), 0600), 0);
    args.insert(args.end(), {"--vcd", dir.path() + "/fifo"});
  }
  const auto inputs = names_in(dir.path());

  BackgroundProgram program(args);
  ASSERT_TRUE(program.wait_until_catching(signo, 20.0)) << "the program never handled the signal";
  if (when == When::WhileRunning) {
    // The outputs are declared before the run starts: their temporaries exist, empty, while it runs.
    ASSERT_TRUE(wait_for(
        [&] {
          return std::count_if(fs::directory_iterator(dir.path()), fs::directory_iterator(),
                               [](const auto& e) { return is_temporary(e.path().filename().string()); }) == 3;
        },
        20.0));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ASSERT_TRUE(program.running()) << "the run ended before the signal";
  }
  if (when == When::WhileWriting) {
    ASSERT_TRUE(wait_for(
        [&] { return size_of(dir.path(), "r.json") > 0 && size_of(dir.path(), "r.trace") > 0; }, 30.0))
        << "the temporaries were never written";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_TRUE(program.running()) << "the run did not wait for the FIFO";
  }
  program.send(signo);
  const ProcessResult r = program.wait(30.0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.term_signal, 0) << "killed by the signal instead of handling it";
  EXPECT_EQ(r.exit_code, 128 + signo) << r.err;
  EXPECT_EQ(r.err, expected_line(signo) + "\n");
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(names_in(dir.path()), inputs) << "an output or a temporary was left behind";
}

INSTANTIATE_TEST_SUITE_P(Signals, InterruptedRun,
                         ::testing::Combine(::testing::Values(SIGINT, SIGTERM),
                                            ::testing::Values(When::AtStart, When::WhileRunning,
                                                              When::WhileWriting)),
                         [](const auto& param_info) {
                           return std::string(std::get<0>(param_info.param) == SIGINT ? "Sigint"
                                                                                      : "Sigterm") +
                                  when_name(std::get<1>(param_info.param));
                         });

// A run with large outputs: 500 iterations of a small all-reduce and a compute step on 8 ranks, with every
// output (a trace of some 13 MB). About 0.3 s on an idle machine: loading, simulating and a write phase long
// enough to be hit.
const char* kManyStepsWorkload = R"(name: many
iterations: 500
steps:
  - collective: all_reduce
    size: 64 KiB
    algorithm: ring
  - compute: { duration: 1 us }
)";

const std::vector<std::string> kOutputs = {"r.json", "r.csv", "r.trace", "r.vcd", "r.html"};

// The report without its one line that changes from run to run.
std::string without_wall_time(const std::string& report) {
  return std::regex_replace(report, std::regex(R"("wall_time_s": [^\n]*)"), "");
}

TEST(Signals, ARunInterruptedAtAnyMomentLeavesAllItsOutputsOrNone) {
  TempDir dir;
  const std::string p = dir.write("plat.yaml", kRing);
  const std::string w = dir.write("work.yaml", kManyStepsWorkload);
  const auto args = [&](const std::string& out) {
    std::vector<std::string> a = {"run", p, w, "--quiet", "--set", "engine=packet"};
    for (const char* option : {"--json", "--csv", "--trace", "--vcd", "--html"})
      a.insert(a.end(), {option, dir.path() + "/" + out + "/r." + std::string(option + 2)});
    return a;
  };
  // The outputs of an uninterrupted run, and how long it takes.
  fs::create_directories(dir.path() + "/whole");
  const auto t0 = std::chrono::steady_clock::now();
  const ProcessResult whole = run_program(args("whole"), 60.0);
  const double run_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  std::vector<std::string> expected;
  for (const std::string& name : kOutputs)
    expected.push_back(read_file(dir.path() + "/whole/" + name));
  expected[0] = without_wall_time(expected[0]);
  ASSERT_GT(expected[2].size(), std::size_t{5} << 20) << "the trace is too small for a long write";

  // What the signal comes after: a delay from when the handlers are installed (spread over the time of the
  // uninterrupted run: loading, simulating, writing, and after the end when this run is faster), or the first
  // sign of the write phase (a temporary with data in it: the report's, which is written first, then the
  // trace's, the largest).
  struct Moment {
    double delay_s;
    std::string written;  // a temporary's prefix: signal once it holds data
  };
  std::vector<Moment> moments;
  constexpr int kDelays = 10;
  for (int k = 0; k < kDelays; ++k)
    moments.push_back({run_s * k / kDelays, ""});
  moments.push_back({0.0, "r.json"});
  moments.push_back({0.0, "r.trace"});

  int interrupted = 0, interrupted_writing = 0;
  for (std::size_t m = 0; m < moments.size(); ++m) {
    const Moment& moment = moments[m];
    const int signo = m % 2 == 0 ? SIGINT : SIGTERM;
    const std::string out = "out" + std::to_string(m);
    const std::string folder = dir.path() + "/" + out;
    fs::create_directories(folder);
    SCOPED_TRACE("moment " + std::to_string(m) + ": " +
                 (moment.written.empty() ? std::to_string(moment.delay_s) + " s"
                                         : "once " + moment.written + " is being written"));
    BackgroundProgram program(args(out));
    ASSERT_TRUE(program.wait_until_catching(signo, 20.0));
    bool writing = false;
    if (moment.written.empty()) {
      std::this_thread::sleep_for(std::chrono::duration<double>(moment.delay_s));
    } else {
      ASSERT_TRUE(wait_for([&] { return size_of(folder, moment.written) > 0 || !program.running(); }, 30.0));
      writing = program.running();
    }
    program.send(signo);
    const ProcessResult r = program.wait(30.0);
    ASSERT_FALSE(r.timed_out);
    EXPECT_EQ(r.term_signal, 0) << "killed by the signal instead of handling it";
    EXPECT_TRUE(r.out.empty()) << r.out;
    for (const std::string& name : names_in(folder))
      EXPECT_FALSE(is_temporary(name)) << "a temporary was left behind: " << name;
    int present = 0;
    for (std::size_t i = 0; i < kOutputs.size(); ++i) {
      const std::string path = folder + "/" + kOutputs[i];
      if (!file_exists(path)) continue;
      ++present;
      const std::string text = read_file(path);
      EXPECT_EQ(i == 0 ? without_wall_time(text) : text, expected[i]) << kOutputs[i] << " differs";
    }
    if (r.exit_code == 0) {
      EXPECT_TRUE(r.err.empty()) << r.err;
      EXPECT_EQ(present, static_cast<int>(kOutputs.size())) << "a run that ended well lacks an output";
      continue;
    }
    EXPECT_EQ(r.exit_code, 128 + signo) << r.err;
    EXPECT_EQ(r.err, expected_line(signo) + "\n");
    // None, or all of them when the signal came while they were being renamed (it waits for the renames).
    EXPECT_TRUE(present == 0 || present == static_cast<int>(kOutputs.size()))
        << present << " of " << kOutputs.size() << " outputs were left";
    ++interrupted;
    interrupted_writing += writing;
  }
  // At least the first delay (loading) and the two moments of the write phase interrupted the run, and a
  // signal sent while the temporaries were being written did come then.
  EXPECT_GE(interrupted, 3);
  EXPECT_GE(interrupted_writing, 1) << "no signal came while the outputs were being written";
}

// A sweep of four points, run two at a time: a quick one, then three of about half a second to a second each
// on an idle machine (ten all-reduces, packet by packet).
const char* kSweepWorkload = R"(name: steps
iterations: 10
steps:
  - collective: all_reduce
    size: 1 MiB
    algorithm: ring
)";

const char* kSweep = R"(platform: plat.yaml
workload: work.yaml
vary:
  steps.0.size: ["1 MiB", "32 MiB", "64 MiB", "64 MiB"]
  engine: [packet]
)";

class SweepFolder {
 public:
  SweepFolder() {
    m_dir.write("plat.yaml", kRing);
    m_dir.write("work.yaml", kSweepWorkload);
    m_sweep = m_dir.write("sweep.yaml", kSweep);
  }
  std::string path(const std::string& name) const { return m_dir.path() + "/" + name; }
  std::vector<std::string> args(const std::string& out) const {
    return {"sweep", m_sweep, "--out", path(out), "--jobs", "2", "--quiet"};
  }
  const TempDir& dir() const { return m_dir; }

 private:
  TempDir m_dir;
  std::string m_sweep;
};

// What an interrupted sweep must leave in `out`: no temporary, only complete reports; and no process of it.
void expect_clean(const SweepFolder& f, const std::string& out) {
  EXPECT_TRUE(wait_for([&] { return processes_mentioning(f.dir().path()).empty(); }, 10.0))
      << "a process of the sweep is still running";
  if (!fs::exists(f.path(out))) return;
  for (const std::string& name : names_in(f.path(out))) {
    EXPECT_FALSE(is_temporary(name)) << name;
    if (name.rfind("point-", 0) == 0) {
      const auto report = nlohmann::json::parse(read_file(f.path(out + "/" + name)));
      EXPECT_EQ(report["schema"], "pjbit.report/1") << name;
      EXPECT_TRUE(report.contains("sim_time_s")) << name;
    }
  }
}

class InterruptedSweep : public ::testing::TestWithParam<std::tuple<int, When>> {};

TEST_P(InterruptedSweep, StopsItsChildrenLeavesCompleteReportsAndResumes) {
  const auto [signo, when] = GetParam();
  SweepFolder f;
  const ProcessResult whole = run_program(f.args("whole"), 120.0);
  ASSERT_EQ(whole.exit_code, 0) << whole.err;

  BackgroundProgram sweep(f.args("out"));
  ASSERT_TRUE(sweep.wait_until_catching(signo, 20.0)) << "the sweep never handled the signal";
  if (when == When::AfterFirstPoint) {
    ASSERT_TRUE(wait_for([&] { return file_exists(f.path("out/point-0000.json")); }, 60.0));
  } else if (when == When::WhileRunning) {
    ASSERT_TRUE(wait_for([&] { return processes_mentioning(f.path("out/point-")).size() == 2; }, 60.0))
        << "no points running";
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
  }
  ASSERT_TRUE(sweep.running()) << "the sweep ended before the signal";
  sweep.send(signo);
  const ProcessResult r = sweep.wait(60.0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.term_signal, 0) << "killed by the signal instead of handling it";
  EXPECT_EQ(r.exit_code, 128 + signo) << r.err;
  EXPECT_TRUE(std::regex_match(r.err, std::regex(expected_line(signo) + "[^\n]*\n"))) << r.err;
  expect_clean(f, "out");

  // The same command again runs what is left and gives the results of the uninterrupted sweep.
  const ProcessResult resumed = run_program(f.args("out"), 120.0);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(read_file(f.path("out/results.csv")), read_file(f.path("whole/results.csv")));
}

INSTANTIATE_TEST_SUITE_P(Signals, InterruptedSweep,
                         ::testing::Combine(::testing::Values(SIGINT, SIGTERM),
                                            ::testing::Values(When::AtStart, When::AfterFirstPoint,
                                                              When::WhileRunning)),
                         [](const auto& param_info) {
                           return std::string(std::get<0>(param_info.param) == SIGINT ? "Sigint"
                                                                                      : "Sigterm") +
                                  when_name(std::get<1>(param_info.param));
                         });

TEST(Signals, AKilledSweepTakesItsChildrenAlongAndResumes) {
  SweepFolder f;
  const ProcessResult whole = run_program(f.args("whole"), 120.0);
  ASSERT_EQ(whole.exit_code, 0) << whole.err;

  BackgroundProgram sweep(f.args("out"));
  ASSERT_TRUE(wait_for([&] { return processes_mentioning(f.path("out/point-")).size() == 2; }, 60.0))
      << "no points running";
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  sweep.send(SIGKILL);
  const ProcessResult r = sweep.wait(30.0);
  EXPECT_EQ(r.term_signal, SIGKILL);
  // Its children got SIGTERM as it died: they removed their temporaries and ended.
  expect_clean(f, "out");

  // What a run killed outright leaves (here made by hand): a partial temporary nobody holds, removed by the
  // next sweep; and one that a living process holds (a shard elsewhere), left alone.
  const std::string stale = f.path("out/point-0001.json.pjbit-tmp-0123456789abcdef");
  const std::string held = f.path("out/point-0002.json.pjbit-tmp-fedcba9876543210");
  f.dir().write("out/point-0001.json.pjbit-tmp-0123456789abcdef", "{\"schema\": \"pjbit.rep");
  f.dir().write("out/point-0002.json.pjbit-tmp-fedcba9876543210", "{\"schema\": ");
  const int held_fd = ::open(held.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(held_fd, 0);
  ASSERT_EQ(::flock(held_fd, LOCK_EX), 0);

  std::vector<std::string> args = f.args("out");
  args.pop_back();  // not --quiet: it says what it removed
  const ProcessResult resumed = run_program(args, 120.0);
  ::close(held_fd);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("sweep: removed 1 partial file left in"), std::string::npos) << resumed.err;
  EXPECT_FALSE(file_exists(stale));
  EXPECT_TRUE(file_exists(held)) << "a temporary that a living process holds was removed";
  fs::remove(held);
  EXPECT_EQ(read_file(f.path("out/results.csv")), read_file(f.path("whole/results.csv")));
}

}  // namespace test_signals
}  // namespace
