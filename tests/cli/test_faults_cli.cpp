// Faults from the command line's view: a cut that leaves no route ends the run with exit 3 and one error
// line naming the rank pairs, and no output file; a fault that reroutes shows in the JSON report, the
// summary table, the timeline and the HTML page; `validate` lists what each fault takes down; a fault on a
// target that does not exist is exit 2 naming it.
#include <gtest/gtest.h>

#include <cstdlib>
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

// A job that restarts on faults: the cut that would end the run becomes a restart from the last checkpoint,
// in the summary table, the JSON report (which follows the schema), the timeline and the HTML page.
const char* kPooled = R"(name: p
engine: flow
accelerator: { compute_power: 700 W, idle_power: 100 W }
topology:
  kind: switch
  ranks: 4
  link: { bandwidth: 100 GB/s, latency: 200 ns, energy: 5 pJ/bit }
  switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 64 }
memory_pools:
  - { name: pool0, attach: topology, bandwidth: 400 GB/s, latency: 600 ns, energy: 10 pJ/bit, capacity: 4 TiB }
faults:
  - { at: 25 ms, target: "link:r2->sw0" }
)";

std::string job_workload(const std::string& job) {
  return "name: w\niterations: 2\njob: { " + job +
         " }\nsteps:\n  - { compute: { duration: 10 ms } }\n  - { collective: all_reduce, size: 256 MiB }\n"
         "  - { checkpoint: { size: 64 MiB, pool: pool0 } }\n";
}

TEST(FaultsCli, AJobThatRestartsShowsItsRestartInEveryOutput) {
  TempDir dir;
  const std::string p = dir.write("p.yaml", kPooled);
  const std::string w = dir.write("w.yaml", job_workload("on_fault: restart, restart: 10 ms"));
  const std::string json = dir.path() + "/r.json", trace = dir.path() + "/t.json",
                    html = dir.path() + "/r.html";
  const auto r = run_program({"run", p, w, "--json", json, "--trace", trace, "--html", html});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(
      r.out.find("restart                     at 27.000 ms after steps.2 (iteration 0, ended 14.703 ms): "
                 "12.297 ms of work lost, 10.000 ms down (spares)"),
      std::string::npos)
      << r.out;
  const auto report = nlohmann::json::parse(read_file(json));
  const auto& x = report.at("restarts").at(0);
  EXPECT_DOUBLE_EQ(x.at("at_s").get<double>(), 27e-3);
  EXPECT_EQ(x.at("checkpoint").at("key"), "steps.2");
  EXPECT_DOUBLE_EQ(x.at("resumed_s").get<double>(), 37e-3);
  // The energy from the checkpoint's end to the resumption: at least what the idle ranks drew over it.
  const double energy = x.at("energy_j").get<double>();
  EXPECT_GT(energy, 4 * 100.0 * (37e-3 - x.at("checkpoint").at("end_s").get<double>()) * 0.99);
  EXPECT_LT(energy, report.at("energy_j").at("total").get<double>());
  const std::string python = PJBIT_PYTHON;
  ASSERT_FALSE(python.empty()) << "no python3 with jsonschema: run scripts/install-deps.sh";
  const std::string checker = source_dir() + "/tests/golden/check_report_schema.py";
  const std::string schema = source_dir() + "/docs/report.schema.json";
  const int rc = std::system(
      (python + " " + checker + " " + schema + " " + json + " > " + dir.path() + "/schema.txt 2>&1").c_str());
  EXPECT_EQ(rc, 0) << read_file(dir.path() + "/schema.txt");
  const auto t = nlohmann::json::parse(read_file(trace));
  int restarts = 0;
  for (const auto& e : t.at("traceEvents"))
    restarts += e.value("cat", "") == "restart";
  EXPECT_EQ(restarts, 2);  // the work lost and the downtime
  EXPECT_NE(read_file(html).find("<h3>Restarts</h3>"), std::string::npos);
}

TEST(FaultsCli, AJobWithoutSparesWhosePartIsNeverRepairedIsExitThree) {
  TempDir dir;
  const std::string p = dir.write("p.yaml", kPooled);
  const std::string w = dir.write("w.yaml", job_workload("on_fault: restart, spares: false"));
  const std::string out = dir.path() + "/r.json";
  const auto r = run_program({"run", p, w, "--quiet", "--json", out});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("the job cannot restart: link:r2->sw0 is never repaired"), std::string::npos) << r.err;
  EXPECT_FALSE(file_exists(out));
}

TEST(FaultsCli, OnFaultTakesStopOrRestart) {
  TempDir dir;
  const std::string p = dir.write("p.yaml", kPooled);
  for (const char* bad : {"on_fault: maybe", "on_fault: 1", "on_fault: [restart]", "on_fault: "}) {
    const std::string w = dir.write("w.yaml", job_workload(bad));
    const auto r = run_program({"run", p, w, "--quiet"});
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("w.yaml:3:"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("job.on_fault"), std::string::npos) << r.err;
  }
  const std::string g = dir.write("g.yaml",
                                  "name: g\ngraph: true\njob: { on_fault: restart }\nsteps:\n  - { id: a, "
                                  "compute: { duration: 1 ms } }\n");
  const auto r = run_program({"run", p, g, "--quiet"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(
      r.err.find("g.yaml:3:18: job.on_fault: a job restarts from a checkpoint only when its steps run in the "
                 "order listed, not in a dependency graph"),
      std::string::npos)
      << r.err;
}

}  // namespace test_faults_cli
}  // namespace
}  // namespace pjbit::testing
