// Faults from the command line's view: a cut that leaves no route ends the run with exit 3 and one error
// line naming the rank pairs, and no output file; a fault that reroutes shows in the JSON report, the
// summary table, the timeline and the HTML page; `validate` lists what each fault takes down; a fault on a
// target that does not exist is exit 2 naming it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "support/testing.h"

namespace pjbit::testing {
namespace {
namespace test_faults_cli {

std::string ring(const std::string& faults) {
  return std::string(kRing4) + "faults:\n" + faults;
}

TEST(FaultsCli, ACutWithNoRouteLeftIsExitThreeNamingThePairs) {
  TempDir dir;
  const std::string p = dir.write("p.yaml", ring("  - { at: 1 us, target: \"link:r0->r1\" }\n"
                                                 "  - { at: 1 us, target: \"link:r2->r3\" }\n"));
  const std::string w = dir.write("w.yaml", kAllReduce4MiB);
  const std::string out = dir.path() + "/r.json";
  const auto r = run_program({"run", p, w, "--quiet", "--json", out});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_EQ(r.err.rfind("error: simulation failed: faults cut off rank pairs 0->1", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("link:r2->r3"), std::string::npos) << r.err;
  EXPECT_FALSE(file_exists(out));
}

TEST(FaultsCli, AReroutedFaultShowsInEveryOutput) {
  TempDir dir;
  const std::string p =
      dir.write("p.yaml", ring("  - { at: 20 us, target: \"link:r0->r1\", for: 1 ms, detect: 5 us }\n"));
  const std::string w = dir.write("w.yaml", kAllReduce4MiB);
  const std::string json = dir.path() + "/r.json", trace = dir.path() + "/t.json",
                    html = dir.path() + "/r.html";
  const auto r = run_program({"run", p, w, "--json", json, "--trace", trace, "--html", html});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("fault                       link:r0->r1: down at 20.000 us to 1.020 ms"),
            std::string::npos)
      << r.out;
  const auto report = nlohmann::json::parse(read_file(json));
  ASSERT_EQ(report.at("engine"), "flow");
  const auto& f = report.at("faults").at(0);
  EXPECT_EQ(f.at("target"), "link:r0->r1");
  EXPECT_DOUBLE_EQ(f.at("until_s").get<double>(), 20e-6 + 1e-3);
  EXPECT_GT(f.at("rerouted_bytes").get<double>(), 0.0);
  const auto t = nlohmann::json::parse(read_file(trace));
  int slices = 0, detected = 0;
  for (const auto& e : t.at("traceEvents")) {
    if (e.value("cat", "") != "fault") continue;
    slices += e.at("ph") == "X";
    detected += e.at("name") == "detected";
  }
  EXPECT_EQ(slices, 1);
  EXPECT_EQ(detected, 1);
  EXPECT_NE(read_file(html).find("<section id=\"faults\">"), std::string::npos);
}

TEST(FaultsCli, ValidateListsFaultsAndNamesUnknownTargets) {
  TempDir dir;
  const auto ok =
      run_program({"validate", dir.write("p.yaml", ring("  - { at: 1 ms, target: \"link:r1->r0\" }\n"))});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("  fault link:r1->r0 at 0.001 s: down, 1 link\n"), std::string::npos) << ok.out;
  const auto bad =
      run_program({"validate", dir.write("q.yaml", ring("  - { at: 1 ms, target: \"switch:core\" }\n"))});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(count_lines(bad.err), 1) << bad.err;
  EXPECT_NE(bad.err.find("q.yaml:10:25: faults.0.target: no switch is named \"core\""), std::string::npos)
      << bad.err;
  EXPECT_TRUE(bad.out.empty()) << bad.out;
}

}  // namespace test_faults_cli
}  // namespace
}  // namespace pjbit::testing
