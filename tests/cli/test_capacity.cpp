// Checks that refuse a platform and workload before simulating (engine/capacity.md, platforms/reach.md): an
// all-reduce larger than HBM, on `run` and `validate`, gives one `error:` line naming the step, exit 2 and
// no report; one that fits runs. A copper link longer than its reach is refused the same way.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "support/testing.h"

namespace {
namespace test_capacity {

using pjbit::testing::count_lines;
using pjbit::testing::file_exists;
using pjbit::testing::ProcessResult;
using pjbit::testing::run_program;
using pjbit::testing::source_dir;
using pjbit::testing::TempDir;

void expect_refused(const std::vector<std::string>& args, const std::string& expect) {
  const ProcessResult r = run_program(args, 60.0);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex(expect))) << "stderr: " << r.err << "expected: " << expect;
  // validate describes the platform before it checks the workload; run prints nothing.
  if (args.front() == "run") {
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

TEST(Capacity, AnAllReduceLargerThanHbmIsRefused) {
  TempDir dir;
  const std::string json = dir.path() + "/r.json";
  const std::string platform = source_dir() + "/platforms/pods-fattree-cpo.yaml";  // H100s: 80 GB of HBM
  const std::string workload = source_dir() + "/workloads/allreduce_1g.yaml";
  const std::string expect =
      R"(^error: [^\n]*allreduce_1g\.yaml:4:5: steps\.0: its all_reduce buffer keeps 200 GiB resident on )"
      R"(each rank, more than the accelerator's 74\.51 GiB of HBM \(accelerator\.hbm\.capacity\)\n$)";
  expect_refused({"run", platform, workload, "--quiet", "--set", "steps.0.size=200 GiB", "--json", json},
                 expect);
  EXPECT_FALSE(file_exists(json));
  expect_refused({"validate", platform, workload, "--set", "steps.0.size=200 GiB"}, expect);
  // Parallel sub-steps are resident together: two 40 GiB all-reduces at once do not fit in 80 GB either.
  const std::string parallel = dir.path() + "/par.yaml";
  std::ofstream(parallel)
      << ("name: par\nsteps:\n  - parallel:\n      - { collective: all_reduce, size: 40 GiB }\n"
          "      - { collective: all_reduce, size: 40 GiB }\n");
  expect_refused({"validate", platform, parallel},
                 R"(^error: [^\n]*par\.yaml:3:5: steps\.0: its sub-steps together keep 80 GiB resident)");
  // One that fits (64 GiB) validates.
  const ProcessResult ok =
      run_program({"validate", platform, workload, "--set", "steps.0.size=64 GiB"}, 60.0);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

TEST(Reach, ACopperLinkLongerThanItsReachIsRefused) {
  // platforms/reach.md: 100G-per-lane copper (lr-112g-x8) reaches 2 m; a row-scale link spans 50 m.
  const std::string platform = source_dir() + "/platforms/pods-fattree-cpo.yaml";
  const std::string workload = source_dir() + "/workloads/allreduce_1g.yaml";
  expect_refused(
      {"run", platform, workload, "--quiet", "--set", "tiers.1.link.preset=lr-112g-x8", "--set",
       "tiers.1.link.regime=row"},
      R"(^error: [^\n]*pods-fattree-cpo\.yaml:18:11: tiers\.1\.link: the link \(preset lr-112g-x8\) )"
      R"(reaches 2 m, but a row-scale link \(regime\) spans 50 m; give a shorter length or a )"
      R"(technology that reaches\n$)");
  // A length given on the link is checked instead of the regime's.
  expect_refused({"validate", platform, "--set", "tiers.1.link.length=800 m"},
                 R"(tiers\.1\.link: the link \(preset cpo-1p6t\) reaches 500 m, but its length spans 800 m)");
  // Within reach: the same copper link in a rack (2 m) validates.
  const ProcessResult ok =
      run_program({"validate", platform, "--set", "tiers.1.link.preset=lr-112g-x8"}, 60.0);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

TEST(OpticalMargin, AnOcsPathWithNegativeMarginIsRefused) {
  // platforms/pods-ocs.yaml: two osfp-800g-dsp links of 2 connectors x 0.5 dB and the Palomar OCS's 2 dB
  // make 4 dB, the optics' 4 dB budget: a margin of 0. An OCS of 3 dB leaves -1 dB.
  const std::string platform = source_dir() + "/platforms/pods-ocs.yaml";
  const std::string workload = source_dir() + "/workloads/allreduce_1g.yaml";
  expect_refused(
      {"run", platform, workload, "--quiet", "--set", "tiers.1.ocs.insertion_loss=3 dB"},
      R"(^error: [^\n]*pods-ocs\.yaml:17:11: tiers\.1\.link\.optics\.budget: the optical path )"
      R"([^ ]+ -> [^ ]+ -> \(another rank\) loses 5 dB \(2 links x 2 connectors x 0\.5 dB \+ OCS 3 )"
      R"(dB\), more than the optics' budget of 4 dB: a margin of -1 dB\n$)");
  const ProcessResult ok = run_program({"validate", platform}, 60.0);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

}  // namespace test_capacity
}  // namespace
