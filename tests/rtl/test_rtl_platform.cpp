// The program with a switch whose ports are arbitrated in RTL (`arbiter: rtl`): a shipped platform reports
// the time and energy of its TLM arbiter, the RTL's pins appear in the value change dump at the edges that
// start the packets, and the engine choice and the messages follow docs/engines.md and docs/config.md.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/testing.h"

namespace {
namespace test_rtl_platform {

using nlohmann::json;
using pjbit::testing::golden_report;
using pjbit::testing::read_file;
using pjbit::testing::run_program;
using pjbit::testing::source_dir;
using pjbit::testing::TempDir;

double rel(double a, double b) {
  return std::fabs(a - b) / std::fabs(b);
}

TEST(RtlPlatform, ShippedPodReportsTheTlmTimeAndEnergyWithinOnePercent) {
  // pod8-nvswitch's training step: its collectives through the switch, and eight ranks writing a checkpoint
  // to the pool through one switch port at once.
  TempDir dir;
  const std::string out = dir.path() + "/rtl.json";
  const auto r = run_program(
      {"run", source_dir() + "/platforms/pod8-nvswitch.yaml", source_dir() + "/workloads/train_step.yaml",
       "--quiet", "--set", "topology.switch.arbiter=rtl", "--json", out},
      300);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json rtl = json::parse(read_file(out));
  const json tlm = golden_report("pod8-nvswitch", "train_step", "packet");
  EXPECT_EQ(rtl["engine"], "packet");
  EXPECT_LT(rel(rtl["sim_time_s"].get<double>(), tlm["sim_time_s"].get<double>()), 0.01);
  EXPECT_LT(rel(rtl["energy_j"]["total"].get<double>(), tlm["energy_j"]["total"].get<double>()), 0.01);
  EXPECT_LT(rel(rtl["fabric_pj_per_useful_bit"].get<double>(), tlm["fabric_pj_per_useful_bit"].get<double>()),
            0.01);
  ASSERT_EQ(rtl["steps"].size(), tlm["steps"].size());
  for (std::size_t i = 0; i < tlm["steps"].size(); ++i)
    EXPECT_LT(rel(rtl["steps"][i]["time_s"].get<double>(), tlm["steps"][i]["time_s"].get<double>()), 0.01)
        << "step " << i;
  // The same packets crossed the same links.
  EXPECT_EQ(rtl["stats"]["packet_hops"], tlm["stats"]["packet_hops"]);
}

const char* kSwitch4 = R"(name: switch4
topology:
  kind: switch
  ranks: 4
  link: { bandwidth: 100 GB/s, latency: 200 ns, energy: 5 pJ/bit }
  switch: { latency: 300 ns, energy: 4 pJ/bit, arbiter: { kind: rtl, clock_period: 1 ns } }
memory_pools:
  - { name: pool0, attach: topology, bandwidth: 100 GB/s, latency: 500 ns, capacity: 1 TiB }
)";

const char* kSmall = R"(name: small
steps:
  - collective: all_to_all
    size: 512 KiB
  - checkpoint: { size: 256 KiB, pool: pool0 }
)";

// The dump's variables by full name, and each one's (time, value) changes.
struct Dump {
  std::map<std::string, std::vector<std::pair<std::uint64_t, std::uint64_t>>> changes;
};

Dump parse(const std::string& text) {
  Dump d;
  std::map<std::string, std::string> name_of;  // identifier -> "pjbit.links.sw0_to_r1.busy"
  std::istringstream in(text);
  std::string word;
  std::vector<std::string> scopes;
  std::uint64_t now = 0;
  bool header = true;
  while (in >> word) {
    if (header) {
      if (word == "$scope") {
        std::string kind, name, end;
        in >> kind >> name >> end;
        scopes.push_back(name);
      } else if (word == "$upscope") {
        std::string end;
        in >> end;
        scopes.pop_back();
      } else if (word == "$var") {
        std::string type, width, id, name, end;
        in >> type >> width >> id >> name >> end;
        std::string full;
        for (const auto& s : scopes)
          full += s + ".";
        name_of[id] = full + name;
        d.changes[full + name];
      } else if (word == "$enddefinitions") {
        header = false;
      }
      continue;
    }
    if (word[0] == '#') {
      now = std::stoull(word.substr(1));
    } else if (word[0] == 'b') {
      std::string id;
      in >> id;
      d.changes[name_of[id]].push_back({now, std::stoull(word.substr(1), nullptr, 2)});
    } else if (word[0] == '0' || word[0] == '1') {
      d.changes[name_of[word.substr(1)]].push_back({now, static_cast<std::uint64_t>(word[0] - '0')});
    }
  }
  return d;
}

TEST(RtlPlatform, ValueChangeDumpShowsTheArbitersPinsAtTheEdgesThatStartPackets) {
  TempDir dir;
  const std::string vcd = dir.path() + "/run.vcd";
  const auto r = run_program(
      {"run", dir.write("p.yaml", kSwitch4), dir.write("w.yaml", kSmall), "--quiet", "--vcd", vcd});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Dump d = parse(read_file(vcd));
  int ports = 0, checked = 0;
  for (const std::string port : {"sw0_to_r0", "sw0_to_r1", "sw0_to_r2", "sw0_to_r3", "sw0_to_pool0"}) {
    const std::string pins = "pjbit.signals." + port + ".";
    for (const char* pin : {"clk", "req", "cls", "more", "credit", "grant", "grant_id", "credits", "waiting"})
      ASSERT_TRUE(d.changes.count(pins + pin)) << pins << pin;
    ++ports;
    // Rising clock edges of this port's arbiter; every packet that starts on its wire after an idle spell
    // (its busy rising) was granted at an edge within the clock period before (1 ns = 1000 ps).
    std::vector<std::uint64_t> edges;
    for (const auto& [t, v] : d.changes.at(pins + "clk"))
      if (v == 1) edges.push_back(t);
    ASSERT_FALSE(edges.empty()) << port;
    EXPECT_FALSE(d.changes.at(pins + "grant").empty()) << port;
    for (const auto& [t, v] : d.changes.at("pjbit.links." + port + ".busy")) {
      if (v != 1) continue;
      bool granted = false;
      for (std::uint64_t e : edges)
        granted = granted || (e <= t && t - e < 1000);
      EXPECT_TRUE(granted) << port << " busy from " << t << " ps with no edge in the nanosecond before";
      ++checked;
    }
  }
  EXPECT_EQ(ports, 5);
  EXPECT_GT(checked, 5);
}

TEST(RtlPlatform, EngineAutoTakesPacketsAndFlowIsRefused) {
  TempDir dir;
  // 72 ranks: auto would take flows (above 64 ranks), but the RTL arbiters see packets.
  const std::string platform = dir.write("p.yaml", R"(name: wide
topology:
  kind: switch
  ranks: 72
  link: { bandwidth: 100 GB/s, latency: 200 ns, energy: 5 pJ/bit }
  switch: { latency: 300 ns, radix: 128, arbiter: rtl }
)");
  const std::string workload =
      dir.write("w.yaml", "name: w\nsteps:\n  - collective: all_gather\n    size: 72 KiB\n");
  const std::string out = dir.path() + "/r.json";
  auto r = run_program({"run", platform, workload, "--quiet", "--json", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(read_file(out))["engine"], "packet");
  // Without the RTL arbiter the same platform runs flows.
  r = run_program(
      {"run", platform, workload, "--quiet", "--json", out, "--set", "topology.switch.arbiter=tlm"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(read_file(out))["engine"], "flow");
  // engine: flow cannot carry it: one error line, exit 2.
  r = run_program({"run", platform, workload, "--quiet", "--set", "engine=flow"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(pjbit::testing::count_lines(r.err), 1) << r.err;
  EXPECT_EQ(r.err.rfind("error: --set: engine: the flow engine sends no packets through the modules", 0), 0u)
      << r.err;
  EXPECT_NE(r.err.find("topology.switch.arbiter: rtl"), std::string::npos) << r.err;
}

TEST(RtlPlatform, UnknownKindsAndRtlLimitsAreInputErrors) {
  TempDir dir;
  const std::string workload = dir.write("w.yaml", pjbit::testing::kAllReduce4MiB);
  const std::string platform = dir.write("p.yaml", kSwitch4);
  auto r = run_program({"run", platform, workload, "--set", "topology.switch.arbiter=fancy"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(pjbit::testing::count_lines(r.err), 1) << r.err;
  EXPECT_EQ(r.err,
            "error: --set: topology.switch.arbiter: unknown arbiter kind \"fancy\"; registered: rtl, tlm\n");
  // In the file: its line and column.
  const std::string bad = dir.write(
      "bad.yaml", std::string(kSwitch4).replace(std::string(kSwitch4).find("kind: rtl"), 9, "kind: rtx"));
  r = run_program({"run", bad, workload});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "error: " + bad +
                ":6:65: topology.switch.arbiter.kind: unknown arbiter kind \"rtx\"; registered: rtl, tlm\n");
  // A parameter the kind does not take.
  r = run_program({"run", platform, workload, "--set", "topology.switch.arbiter.speed=2"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown key \"speed\""), std::string::npos) << r.err;
  // The RTL arbitrates by strict priority only.
  r = run_program({"run", platform, workload, "--set", "scheduler.arbitration=weighted"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(pjbit::testing::count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("strict priority"), std::string::npos) << r.err;
  // A clock the kernel cannot count in whole ticks.
  r = run_program({"run", platform, workload, "--set", "topology.switch.arbiter.clock_period=1.5 ps"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("clock_period"), std::string::npos) << r.err;
  // `pjbit validate` names what it places.
  r = run_program({"validate", platform});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("module: topology.switch.arbiter: rtl"), std::string::npos) << r.out;
}

}  // namespace test_rtl_platform
}  // namespace
