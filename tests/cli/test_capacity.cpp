// Checks that refuse a platform and workload before simulating (engine/capacity.md, platforms/reach.md): an
// all-reduce larger than HBM, on `run` and `validate`, gives one `error:` line naming the step, exit 2 and
// no report; one that fits runs. A copper link longer than its reach, and an optical path whose loss exceeds
// its budget, are refused the same way (platforms/optical_budget.md); the report gives each optical margin.
#include <gtest/gtest.h>

#include <cmath>
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
  // platforms/pods-ocs.yaml: DR8 pluggables (launch 1.2 dBm, sensitivity -1.9 dBm: 3.1 dB) through the
  // Palomar OCS lose 2 x 50 m of fibre (0.05 dB), one connector each side (1 dB) and the OCS's 2 dB: 3.05 dB,
  // a margin of 0.05 dB. An OCS of 3 dB leaves -0.95 dB; so does the 320-port MEMS OCS's 2.5 dB, -0.45 dB.
  const std::string platform = source_dir() + "/platforms/pods-ocs.yaml";
  const std::string workload = source_dir() + "/workloads/allreduce_1g.yaml";
  expect_refused(
      {"run", platform, workload, "--quiet", "--set", "tiers.1.ocs.insertion_loss=3 dB"},
      R"(^error: [^\n]*pods-ocs\.yaml:17:11: tiers\.1\.link\.optics: the optical path r0 -> scale_out\.ocs0 -> r[1-9][0-9]* )"
      R"(loses 4\.05 dB \(fibre 100 m = 0\.05 dB \+ 2 connectors = 1 dB \+ OCS 3 dB\), more than the optics' )"
      R"(budget of 3\.1 dB \(launch 1\.2 dBm - sensitivity -1\.9 dBm\): a margin of -0\.95 dB\n$)");
  expect_refused({"validate", platform, "--set", "tiers.1.ocs.preset=ocs-mems-320"},
                 R"(tiers\.1\.link\.optics: the optical path .* a margin of -0\.45 dB\n$)");
  // 150 m more fibre on each side: 300 m more, 0.15 dB.
  expect_refused({"validate", platform, "--set", "tiers.1.link.length=200 m"},
                 R"(loses 3\.2 dB \(fibre 400 m = 0\.2 dB .* a margin of -0\.1 dB\n$)");
  const ProcessResult ok = run_program({"validate", platform}, 60.0);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

TEST(OpticalMargin, TheReportGivesEachKindOfPathItsLossesBudgetAndMargin) {
  // The golden reports (platforms/optical_budget.md). Through the OCS: 64 links (32 ranks x 2 ports).
  const auto ocs = pjbit::testing::golden_report("pods-ocs", "allreduce_1g", "flow");
  ASSERT_TRUE(ocs.contains("optics")) << "no optics block";
  ASSERT_EQ(ocs["optics"].size(), 1u);
  const auto& p = ocs["optics"][0];
  EXPECT_EQ(p["tier"], "scale_out");
  EXPECT_EQ(p["key"], "tiers.1.link.optics");
  EXPECT_EQ(p["preset"], "osfp-800g-dsp");
  EXPECT_TRUE(p["through_ocs"].get<bool>());
  EXPECT_EQ(p["links"], 64);
  EXPECT_DOUBLE_EQ(p["fibre_m"].get<double>(), 100.0);
  EXPECT_EQ(p["connectors"], 2);
  EXPECT_NEAR(p["loss_db"].get<double>(), 3.05, 1e-12);
  EXPECT_NEAR(p["launch_dbm"].get<double>(), 1.2, 1e-12);
  EXPECT_NEAR(p["sensitivity_dbm"].get<double>(), -1.9, 1e-12);
  EXPECT_NEAR(p["budget_db"].get<double>(), 3.1, 1e-12);
  EXPECT_NEAR(p["margin_db"].get<double>(), 0.05, 1e-12);
  EXPECT_FALSE(p.contains("external_laser"));
  // Co-packaged engines fed by an external laser: 20 dBm split 8 ways less 8 dB.
  const auto cpo = pjbit::testing::golden_report("pods-fattree-cpo", "allreduce_1g", "flow");
  ASSERT_TRUE(cpo.contains("optics"));
  bool seen = false;
  for (const auto& q : cpo["optics"]) {
    if (q["preset"] != "cpo-1p6t") continue;
    seen = true;
    EXPECT_FALSE(q["through_ocs"].get<bool>());
    ASSERT_TRUE(q.contains("external_laser"));
    EXPECT_NEAR(q["external_laser"]["output_dbm"].get<double>(), 20.0, 1e-12);
    EXPECT_NEAR(q["launch_dbm"].get<double>(), 20.0 - 10.0 * std::log10(8.0) - 8.0, 1e-12);
    EXPECT_NEAR(q["margin_db"].get<double>(),
                q["launch_dbm"].get<double>() + 1.9 - q["fibre_m"].get<double>() * 0.5e-3 - 1.0, 1e-12);
  }
  EXPECT_TRUE(seen);
}

TEST(OpticalMargin, TheSummaryNamesTheMarginOfEachKindOfPath) {
  TempDir dir;
  const std::string w = dir.write("w.yaml", "name: w\nsteps:\n  - collective: all_reduce\n    size: 1 MiB\n");
  const ProcessResult r = run_program({"run", source_dir() + "/platforms/pods-ocs.yaml", w}, 120.0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(
      std::regex_search(r.out, std::regex(R"(optics scale_out via OCS +0\.05 dB: 3\.05 dB lost of a 3\.10 )"
                                          R"(dB budget \(1\.20 dBm launch, -1\.90 dBm sensitivity\) on )")))
      << r.out;
}

}  // namespace test_capacity
}  // namespace
