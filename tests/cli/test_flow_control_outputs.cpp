// What a run with flow control shows (modules/link/flow_control.md, "Statistics and where they show"): the
// report's flow_control block follows the schema's keys and adds up, the summary table has its lines, the
// trace has a flow control track whose spells add up to the report's paused time, the HTML page a section;
// and `engine: flow` with flow control is one error line, exit 2.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "support/testing.h"

namespace {
namespace test_flow_control_outputs {

using nlohmann::json;
using pjbit::testing::read_file;
using pjbit::testing::run_program;
using pjbit::testing::TempDir;

// Four ranks on one switch, 50 GB/s links; three send to rank 0 at once (an incast at its port).
const char* kPlatform = R"(name: fc
packet: 4 KiB
topology:
  kind: switch
  ranks: 4
  link: { bandwidth: 50 GB/s, latency: 500 ns, energy: 5 pJ/bit }
  switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 8 }
  flow_control: { mode: MODE, buffer: 256 KiB }
)";
const char* kWorkload = R"(name: incast
steps:
  - traffic: { pairs: [[1, 0], [2, 0], [3, 0]], messages: 3, size: 4 MiB, class: bulk }
)";

std::string with_mode(const std::string& mode) {
  std::string text = kPlatform;
  text.replace(text.find("MODE"), 4, mode);
  return text;
}

TEST(FlowControlOutputs, ReportTableTraceAndPageShowPauses) {
  TempDir dir;
  const std::string platform = dir.write("fc.yaml", with_mode("pfc"));
  const std::string workload = dir.write("w.yaml", kWorkload);
  const std::string report = dir.path() + "/r.json", trace = dir.path() + "/t.json",
                    page = dir.path() + "/p.html";
  const auto r = run_program({"run", platform, workload, "--json", report, "--trace", trace, "--html", page});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("flow control                topology pfc; peak queue"), std::string::npos) << r.out;

  const json rep = json::parse(read_file(report));
  ASSERT_TRUE(rep.contains("flow_control"));
  const json& f = rep["flow_control"];
  EXPECT_EQ(f["modes"]["topology"], "pfc");
  EXPECT_GT(f["pause_frames"].get<int>(), 0);
  EXPECT_EQ(f["drops"].get<int>(), 0);
  double paused = 0.0;
  int frames = 0;
  for (const auto& p : f["ports"]) {
    EXPECT_LE(p["max_bytes"].get<double>(), 256.0 * 1024);
    EXPECT_LE(p["p99_bytes"].get<double>(), p["max_bytes"].get<double>());
    paused += p["paused_s"].get<double>();
    frames += p["pause_frames"].get<int>();
  }
  EXPECT_NEAR(paused, f["paused_s"].get<double>(), 1e-12);
  EXPECT_EQ(frames, f["pause_frames"].get<int>());

  // The trace's flow control spells (whole nanoseconds) add up to the report's paused time.
  const json tr = json::parse(read_file(trace));
  double spells_us = 0.0;
  bool named = false;
  for (const auto& e : tr["traceEvents"]) {
    if (e["pid"] != 7) continue;  // the flow control process (6 is faults)
    if (e["ph"] == "M" && e["name"] == "process_name") named = e["args"]["name"] == "flow control";
    if (e["ph"] == "X") spells_us += e["dur"].get<double>();
  }
  EXPECT_TRUE(named);
  EXPECT_NEAR(spells_us * 1e-6, paused, 1e-3 * paused + 1e-8);

  const std::string html = read_file(page);
  EXPECT_NE(html.find("<section id=\"flow_control\">"), std::string::npos);
}

TEST(FlowControlOutputs, LossyRunsShowDropsAndTheirEnergy) {
  TempDir dir;
  const std::string platform = dir.write("fc.yaml", with_mode("lossy"));
  const std::string workload = dir.write("w.yaml", kWorkload);
  const std::string report = dir.path() + "/r.json";
  const auto r = run_program({"run", platform, workload, "--json", report});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("drops                       "), std::string::npos) << r.out;
  const json f = json::parse(read_file(report))["flow_control"];
  EXPECT_GT(f["drops"].get<int>(), 0);
  EXPECT_EQ(f["retransmitted_bytes"], f["dropped_bytes"]);
  EXPECT_GT(f["dropped_energy_j"].get<double>(), 0.0);
}

TEST(FlowControlOutputs, WithoutTheBlockTheReportHasNoFlowControl) {
  TempDir dir;
  std::string text = kPlatform;
  text.erase(text.find("  flow_control:"));
  const std::string report = dir.path() + "/r.json";
  const auto r =
      run_program({"run", dir.write("p.yaml", text), dir.write("w.yaml", kWorkload), "--json", report});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(json::parse(read_file(report)).contains("flow_control"));
  EXPECT_EQ(r.out.find("flow control"), std::string::npos);
}

TEST(FlowControlOutputs, TheFlowEngineWithFlowControlIsOneErrorLine) {
  TempDir dir;
  const auto r = run_program({"run", dir.write("fc.yaml", with_mode("credit")),
                              dir.write("w.yaml", kWorkload), "--set", "engine=flow"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(
      r.err,
      "error: --set: engine: the flow engine does not model finite buffers, pauses, drops or ECN, and tier "
      "\"topology\" has flow_control mode credit; use engine: packet or auto\n");
}

// Without `buffer` the switch's packet buffer is shared evenly among its ports (flow_control.md, "Buffers
// from the presets"): 2 MiB over radix 8 is the 256 KiB a port that the block above gives itself.
TEST(FlowControlOutputs, TheBufferComesFromTheSwitch) {
  TempDir dir;
  std::string text = with_mode("pfc");
  text.replace(text.find(", buffer: 256 KiB"), 17, "");
  text.replace(text.find("radix: 8 }"), 10, "radix: 8, buffer: 2 MiB }");
  const std::string report = dir.path() + "/r.json";
  const auto r =
      run_program({"run", dir.write("fc.yaml", text), dir.write("w.yaml", kWorkload), "--json", report});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json f = json::parse(read_file(report))["flow_control"];
  ASSERT_FALSE(f["ports"].empty());
  for (const auto& port : f["ports"]) {
    EXPECT_EQ(port["buffer_bytes"].get<double>(), 256.0 * 1024);
    EXPECT_LE(port["max_bytes"].get<double>(), 256.0 * 1024);
  }
  EXPECT_GT(f["pause_frames"].get<int>(), 0);
}

TEST(FlowControlOutputs, ABadSwitchBufferIsOneErrorLine) {
  TempDir dir;
  std::string text = with_mode("pfc");
  text.replace(text.find("radix: 8 }"), 10, "radix: 8, buffer: 0 MB }");
  const auto r = run_program({"run", dir.write("fc.yaml", text), dir.write("w.yaml", kWorkload)});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "error: " + dir.path() +
                "/fc.yaml:7:67: topology.switch.buffer: expected a data size above zero such as \"64 MB\" "
                "(the chip's packet buffer, all ports), got \"0 MB\"\n");
  EXPECT_EQ(r.out, "");
}

}  // namespace test_flow_control_outputs
}  // namespace
