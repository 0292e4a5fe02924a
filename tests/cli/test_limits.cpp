// What the program refuses up front because the simulation could not carry it (docs/cli.md, "Limits"): each
// refusal is exit 2 with one `error:` line naming the key and the limit, before anything runs, and nothing
// hangs or crashes on the way.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <string>
#include <vector>

#include "support/testing.h"

namespace {

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

int count_lines(const std::string& s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

// Runs `pjbit run` and expects exit 2 with one error line matching `expect`, no report and no output.
void expect_refused(const std::string& platform, const std::string& workload, const std::string& expect,
                    const std::vector<std::string>& extra = {}) {
  TempDir dir;
  const std::string p = dir.write("plat.yaml", platform);
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

// ---- threads
// ------------------------------------------------------------------------------------------------

// Sub-steps that need a thread each (memory, traffic) beyond what the process can hold are refused up front,
// naming the step, instead of failing (or crashing) once the kernel runs out of stacks.
TEST(Limits, SubStepsBeyondTheThreadBudgetAreRefused) {
  std::string w = "name: w\nsteps:\n  - compute: { duration: 1 us }\n  - parallel:\n";
  for (int i = 0; i < 9000; ++i)
    w += "      - memory: { op: write, size: 1 KiB, pool: pool0 }\n";
  expect_refused(kSwitch8, w,
                 "^error: .*work\\.yaml:4:5: steps\\.1: the step needs 81000 threads besides the 9 of the "
                 "endpoints' programs; at most 60000 SystemC threads run at once");
}

}  // namespace
