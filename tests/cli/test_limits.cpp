// What the program refuses up front because the simulation could not carry it (docs/cli.md, "Limits"): each
// refusal is exit 2 with one `error:` line naming the key and the limit, before anything runs, and nothing
// hangs or crashes on the way.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <ostream>
#include <regex>
#include <string>
#include <vector>

#include "support/testing.h"

namespace {
namespace test_limits {

using pjbit::testing::count_lines;
using pjbit::testing::ProcessResult;
using pjbit::testing::run_program;
using pjbit::testing::TempDir;

// Eight ranks behind a switch, with a pool.
const char* kSwitch8 = R"(name: sw8
topology:
  kind: switch
  ranks: 8
  link: { bandwidth: 100 GB/s, latency: 500 ns }
  switch: { latency: 300 ns, radix: 64 }
memory_pools:
  - { name: pool0, attach: topology, bandwidth: 400 GB/s, latency: 600 ns, capacity: 4 TiB }
)";

// Runs `pjbit run` and expects exit 2 with one error line matching `expect`, no report and no output. An
// empty platform is the shipped ring8.
void expect_refused(const std::string& platform, const std::string& workload, const std::string& expect,
                    const std::vector<std::string>& extra = {}) {
  TempDir dir;
  const std::string p = platform.empty() ? pjbit::testing::source_dir() + "/platforms/ring8.yaml"
                                         : dir.write("plat.yaml", platform);
  const std::string w = dir.write("work.yaml", workload);
  const std::string json = dir.path() + "/r.json";
  std::vector<std::string> args = {"run", p, w, "--json", json};
  args.insert(args.end(), extra.begin(), extra.end());
  const ProcessResult r = run_program(args, 60.0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex(expect))) << "stderr: " << r.err << "expected: " << expect;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_FALSE(pjbit::testing::file_exists(json));
}

// ---- the time budget -------------------------------------------------------------------------------------

// Each of these once ran to exit 0 with a report of nonsense (or hung): times, rates and workloads beyond the
// 2^64 ps (about 213 days) the SystemC kernel counts.
struct TimeCase {
  std::string name;
  std::string platform;
  std::string workload;
  std::string expect;
  std::vector<std::string> extra;
};

void PrintTo(const TimeCase& c, std::ostream* os) {
  *os << c.name;
}

class TimeBeyondTheKernel : public ::testing::TestWithParam<TimeCase> {};

TEST_P(TimeBeyondTheKernel, IsRefusedUpFrontNamingTheKeyAndTheLimit) {
  const TimeCase& c = GetParam();
  expect_refused(c.platform, c.workload, c.expect, c.extra);
}

std::string ring_link(const std::string& link, const std::string& extra = "") {
  return "name: r\n" + extra + "topology: { kind: ring, ranks: 4, link: " + link + " }\n";
}

const char* kAllReduce1G = "name: ar\nsteps:\n  - collective: all_reduce\n    size: 1 GiB\n";
const char* kLimitText =
    "beyond 2\\^64 ps \\(18446744 s, about 213 days\\), the most simulated time the "
    "SystemC kernel counts";

INSTANTIATE_TEST_SUITE_P(
    Inputs, TimeBeyondTheKernel,
    ::testing::Values(
        TimeCase{"latency_2e7_s",
                 ring_link("{ bandwidth: 100 GB/s, latency: 2e7 s }"),
                 kAllReduce1G,
                 "topology\\.link\\.latency: expected a time below 2\\^64 ps .*got \"2e7 s\"",
                 {}},
        TimeCase{"latency_1e300_s",
                 ring_link("{ bandwidth: 100 GB/s, latency: 1e300 s }"),
                 kAllReduce1G,
                 "topology\\.link\\.latency: expected a time below 2\\^64 ps .*got \"1e300 s\"",
                 {}},
        TimeCase{"denormal_bandwidth",
                 ring_link("{ bandwidth: 4e-320 GB/s, latency: 1 us }"),
                 kAllReduce1G,
                 "topology\\.link\\.bandwidth: expected a data rate at which one packet \\(4096 B\\) crosses "
                 "in under 2\\^64 ps",
                 {}},
        TimeCase{
            "one_bit_per_second",
            ring_link("{ bandwidth: 1e-9 Gb/s, latency: 1 us }"),
            kAllReduce1G,
            std::string("work\\.yaml:3:5: steps\\.0\\.size: the step takes at least 6\\.44245e\\+09 s of "
                        "simulated time .*") +
                kLimitText,
            {}},
        TimeCase{
            "slow_accelerator",
            ring_link("{ bandwidth: 100 GB/s, latency: 1 us }", "accelerator: { compute: 1e-6 GFLOP/s }\n"),
            "name: w\nsteps:\n  - compute: { work: 20 TFLOP }\n",
            std::string("steps\\.0\\.compute\\.work: the step takes at least 2e\\+10 s .*") + kLimitText,
            {}},
        TimeCase{"compute_1e8_s",
                 kSwitch8,
                 "name: w\nsteps:\n  - compute: { duration: 1e8 s }\n",
                 "steps\\.0\\.compute\\.duration: expected a time below 2\\^64 ps",
                 {}},
        TimeCase{
            "three_iterations_of_1e7_s",
            kSwitch8,
            "name: w\niterations: 3\nsteps:\n  - compute: { duration: 1e7 s }\n",
            std::string("work\\.yaml:2:13: iterations: 3 iterations take at least 3e\\+07 s .*") + kLimitText,
            {}},
        TimeCase{"all_reduce_2_61_bytes_flow",
                 kSwitch8,
                 "name: w\nsteps:\n  - collective: all_reduce\n    size: 2305843009213693952 B\n",
                 std::string("steps\\.0\\.size: the step takes at least .*") + kLimitText,
                 {"--set", "engine=flow"}},
        TimeCase{"all_reduce_2_61_bytes_ring8_flow",
                 "",
                 "name: w\nsteps:\n  - collective: all_reduce\n    size: 2305843009213693952 B\n",
                 std::string("steps\\.0\\.size: the step takes at least .*") + kLimitText,
                 {"--set", "engine=flow"}}),
    [](const ::testing::TestParamInfo<TimeCase>& p) { return p.param.name; });

// The legal neighbours of those inputs run: a link of 1 bit/s carries a small all-reduce in its 6.3e6 s, and
// one iteration of a 1e7 s step is 1e7 s.
TEST(Limits, LegalNeighboursOfTheTimeLimitRun) {
  TempDir dir;
  const std::string slow = dir.write("slow.yaml", ring_link("{ bandwidth: 1e-9 Gb/s, latency: 1 us }"));
  const std::string ar =
      dir.write("ar.yaml", "name: ar\nsteps:\n  - collective: all_reduce\n    size: 1 MiB\n");
  const std::string one = dir.write("one.yaml", "name: w\nsteps:\n  - compute: { duration: 1e7 s }\n");
  const std::string sw = dir.write("sw.yaml", kSwitch8);
  const std::string json = dir.path() + "/r.json";
  ProcessResult r = run_program({"run", slow, ar, "--quiet", "--json", json}, 60.0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json report = nlohmann::json::parse(pjbit::testing::read_file(json));
  // Each rank sends 3/2 MiB over its two links of 0.125 B/s each, in 6 phases.
  EXPECT_NEAR(report["sim_time_s"].get<double>(), 1.5 * 1048576 / 0.25, 1.0);
  r = run_program({"run", sw, one, "--quiet", "--json", json}, 60.0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  report = nlohmann::json::parse(pjbit::testing::read_file(json));
  EXPECT_DOUBLE_EQ(report["sim_time_s"].get<double>(), 1e7);
  EXPECT_DOUBLE_EQ(report["effective_compute"].get<double>(), 1.0);
}

// ---- report size ----------------------------------------------------------------------------------------

// 10^6 iterations of three 1 us steps made a report of 6.8 GB (one entry per step instance) and held every
// instance in memory. Beyond 2 iterations the report keeps the first and the last in full and sums up every
// step over all of them (steps_aggregate): under 10 MB, in little memory. (How long it takes is measured in
// docs/performance.md, "Many iterations", not asserted here: the machines that run the tests are shared.)
TEST(Limits, AMillionIterationsMakeASmallReport) {
  const std::string python = PJBIT_PYTHON;
  ASSERT_FALSE(python.empty()) << "no python3 with jsonschema: run scripts/install-deps.sh";
  TempDir dir;
  const std::string p = dir.write("plat.yaml", kSwitch8);
  const std::string w = dir.write("work.yaml",
                                  "name: million\niterations: 1000000\nsteps:\n"
                                  "  - compute: { duration: 1 us }\n  - compute: { duration: 1 us }\n"
                                  "  - compute: { duration: 1 us }\n");
  const std::string json = dir.path() + "/r.json";
  const ProcessResult r = run_program({"run", p, w, "--quiet", "--json", json}, 300.0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The largest child's peak memory (this test's only child is the run).
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  EXPECT_LT(usage.ru_maxrss, 200 * 1024) << "peak resident set in KiB";
  const std::string text = pjbit::testing::read_file(json);
  EXPECT_LT(text.size(), 10u << 20);
  const auto j = nlohmann::json::parse(text);
  ASSERT_EQ(j["steps"].size(), 6u);
  EXPECT_EQ(j["steps"][0]["iteration"], 0);
  EXPECT_EQ(j["steps"][3]["iteration"], 999999);
  const auto& a = j["steps_aggregate"];
  EXPECT_EQ(a["iterations"], 1000000);
  EXPECT_EQ(a["kept_iterations"], nlohmann::json({0, 999999}));
  ASSERT_EQ(a["steps"].size(), 3u);
  for (const auto& s : a["steps"]) {
    EXPECT_EQ(s["kind"], "compute");
    EXPECT_EQ(s["count"], 1000000);
    EXPECT_EQ(s["time_s"]["min"], 1e-6);
    EXPECT_EQ(s["time_s"]["max"], 1e-6);
    EXPECT_NEAR(s["time_s"]["mean"].get<double>(), 1e-6, 1e-15);
    EXPECT_NEAR(s["time_s"]["total"].get<double>(), 1.0, 1e-9);
  }
  // Every instance counts in the headline figures: 3 million steps of 1 us, all of it computing.
  EXPECT_DOUBLE_EQ(j["sim_time_s"].get<double>(), 3.0);
  EXPECT_DOUBLE_EQ(j["effective_compute"].get<double>(), 1.0);
  const std::string checker = pjbit::testing::source_dir() + "/tests/golden/check_report_schema.py";
  const std::string schema = pjbit::testing::source_dir() + "/docs/report.schema.json";
  const int rc = std::system(
      (python + " " + checker + " " + schema + " " + json + " > " + dir.path() + "/schema.txt 2>&1").c_str());
  EXPECT_EQ(rc, 0) << pjbit::testing::read_file(dir.path() + "/schema.txt");
}

// ---- threads
// ------------------------------------------------------------------------------------------------

// Sub-steps that need a thread each (memory, traffic) beyond what the process can hold are refused up front,
// naming the step, instead of failing (or crashing) once the kernel runs out of stacks.
TEST(Limits, SubStepsBeyondTheThreadBudgetAreRefused) {
  std::string w = "name: w\nsteps:\n  - compute: { duration: 1 us }\n  - parallel:\n";
  for (int i = 0; i < 9000; ++i)
    w += "      - memory: { op: write, size: 1 KiB, pool: pool0 }\n";
  expect_refused(
      kSwitch8, w,
      "^error: .*work\\.yaml:4:5: steps\\.1: the step needs 81000 threads besides the 9 of the "
      "endpoints' programs: 81009 threads take 162018 memory mappings \\(a stack and its guard page "
      "each\\), and the kernel allows [0-9]+ \\(vm\\.max_map_count\\)");
}

// A ring of 40,000 ranks and a pool: more endpoints than the kernel's memory mappings leave threads for.
const char* kRing40k = R"(name: ring40k
engine: flow
topology: { kind: ring, ranks: 40000, link: { bandwidth: 100 GB/s, latency: 500 ns } }
memory_pools:
  - { name: pool0, attach: topology, bandwidth: 400 GB/s, latency: 600 ns, capacity: 4 TiB }
)";

// A workload whose programs need a thread each (a memory step waits on every rank's thread) on more endpoints
// than threads fit is refused up front, naming what needs the threads, instead of aborting with
// std::bad_alloc once SystemC cannot map another stack.
TEST(Limits, ProgramThreadsBeyondTheKernelsMappingsAreRefused) {
  expect_refused(kRing40k, "name: w\nsteps:\n  - checkpoint: { size: 1 MiB, pool: pool0 }\n",
                 "^error: .*plat\\.yaml:3:11: topology: the platform has 40001 endpoints \\(ranks, pools, "
                 "reduction engines\\), each running its program in a SystemC thread since step steps\\.0 "
                 "moves memory: 40001 threads take 80002 memory mappings");
}

// Collectives run without a thread per endpoint: the same 40,000 ranks run one.
TEST(Limits, CollectivesOnMoreRanksThanThreadsFitRun) {
  TempDir dir;
  const std::string p = dir.write("plat.yaml", kRing40k);
  const std::string w = dir.write("work.yaml",
                                  "name: w\nsteps:\n  - collective: all_reduce\n    size: 1 MiB\n"
                                  "    ranks: [0, 1, 2, 3]\n");
  const std::string json = dir.path() + "/r.json";
  const ProcessResult r = run_program({"run", p, w, "--json", json, "--quiet"}, 120.0);
  ASSERT_FALSE(r.timed_out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = nlohmann::json::parse(pjbit::testing::read_file(json));
  EXPECT_EQ(report["steps"][0]["ranks"], 4);
  EXPECT_GT(report["steps"][0]["time_s"].get<double>(), 0.0);
}

}  // namespace test_limits
}  // namespace
