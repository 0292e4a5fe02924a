// The shipped platforms and the component library seen through the program: every shipped platform
// validates, optical budgets and unroutable workloads are input errors that name the path or pair, and
// co-packaged optics beat DSP pluggables on the same fabric by the ratio their sourced figures imply.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "support/testing.h"

namespace {

using pjbit::testing::run_program;
using pjbit::testing::TempDir;

TEST(ShippedPlatforms, EveryOneValidatesWithTheTrainingStep) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(pjbit::testing::source_dir() + "/platforms")) {
    if (entry.path().extension() != ".yaml") continue;
    ++count;
    const auto r = run_program(
        {"validate", entry.path().string(), pjbit::testing::source_dir() + "/workloads/train_step.yaml"});
    EXPECT_EQ(r.exit_code, 0) << entry.path() << ": " << r.err;
  }
  EXPECT_GE(count, 4);
}

TEST(OpticalBudget, AnOcsPathBeyondTheOpticsBudgetExitsTwoNamingThePath) {
  TempDir dir;
  const std::string p = dir.write("ocs.yaml", R"(name: lossy
topology:
  kind: ocs
  ranks: 4
  link:
    preset: osfp-800g-dsp
    optics: { connector_loss: 0.75 dB }
  ocs: { preset: ocs-palomar }
)");
  const std::string w = dir.write("w.yaml", "name: w\nsteps:\n  - collective: all_reduce\n    size: 1 MiB\n");
  const auto r = run_program({"run", p, w, "--json", dir.path() + "/r.json"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("ocs.yaml:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("topology.link.optics.budget"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("r0 -> ocs0"), std::string::npos) << r.err;
  EXPECT_FALSE(pjbit::testing::file_exists(dir.path() + "/r.json"));
}

TEST(Routing, AnUnroutablePairIsAnInputErrorNamingIt) {
  TempDir dir;
  // Two islands: a-s1-b and c-s2-d, with no link between them.
  const std::string p = dir.write("islands.yaml", R"(name: islands
topology:
  kind: graph
  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }
  nodes:
    - { name: a, kind: accelerator }
    - { name: b, kind: accelerator }
    - { name: c, kind: accelerator }
    - { name: d, kind: accelerator }
    - { name: s1, kind: switch, switch: { latency: 300 ns, energy: 1 pJ/bit, radix: 8 } }
    - { name: s2, kind: switch, switch: { latency: 300 ns, energy: 1 pJ/bit, radix: 8 } }
  links:
    - { a: a, b: s1 }
    - { a: b, b: s1 }
    - { a: c, b: s2 }
    - { a: d, b: s2 }
)");
  const std::string w = dir.write("w.yaml", "name: w\nsteps:\n  - collective: all_reduce\n    size: 1 MiB\n");
  const auto r = run_program({"run", p, w});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("w.yaml:3:5: steps.0: rank 1 cannot reach rank 2"), std::string::npos) << r.err;
  // Within an island it runs.
  const std::string ok = dir.write(
      "ok.yaml", "name: w\nsteps:\n  - collective: all_reduce\n    size: 1 MiB\n    ranks: [0, 1]\n");
  EXPECT_EQ(run_program({"run", p, ok, "--quiet"}).exit_code, 0);
}

// The same two-level leaf-spine, all-reduce, over 1.6T DSP pluggables and over 1.6T co-packaged optics ports.
// Every figure comes from the presets; the expected fabric energy is static power x time plus bits x pJ/bit
// over the links and switches, computed here from the preset figures and the report's time and bytes.
struct FabricRun {
  double fabric_pj_per_bit = 0.0;
  double expected_pj_per_bit = 0.0;
};

FabricRun run_fabric(const TempDir& dir, const std::string& link_preset) {
  const std::string platform = dir.write(link_preset + ".yaml", "name: " + link_preset + R"(
packet: 256 KiB
topology:
  kind: fat_tree
  ranks: 16
  radix: 8
  routing: spray
  link: { preset: )" + link_preset + R"( }
  switch: { preset: eth-102t }
)");
  const std::string workload = dir.write(
      "ar.yaml", "name: ar\nsteps:\n  - collective: all_reduce\n    size: 1 GiB\n    algorithm: ring\n");
  const std::string report = dir.path() + "/" + link_preset + ".json";
  const auto r = run_program({"run", platform, workload, "--quiet", "--json", report}, 120.0);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(pjbit::testing::read_file(report));
  const auto presets = nlohmann::json::parse(run_program({"presets", "--json"}).out);
  nlohmann::json link, sw;
  for (const auto& p : presets) {
    if (p["name"] == link_preset) link = p;
    if (p["name"] == "eth-102t") sw = p;
  }
  const double t = j["sim_time_s"].get<double>();
  const double useful_bits = 8.0 * j["useful_bytes"].get<double>();
  const double wire_bits = 8.0 * j["wire_bytes"].get<double>();
  const double links = static_cast<double>(j["links"].size()) / 2.0;  // two directions each
  const double switches = 4 + 4;                                      // radix 8, 16 ranks: 4 leaves, 4 spines
  // A path alternates link, switch, link, ...: every link hop but the last one of each path (into the
  // destination rank) ends in a switch, so switched bits = wire bits - useful bits.
  const double switched_bits = wire_bits - useful_bits;
  // All of a link's static power: its stack's static elements and its external lasers.
  const double link_static_w = link["total_static_power_w"].get<double>();
  const double energy_j =
      links * link_static_w * t + wire_bits * link["energy_pj_per_bit"].get<double>() * 1e-12 +
      // a radix-8 tree of radix-64 chips: each switch is an 8-port slice
      switches * sw["static_power_w"].get<double>() * (8.0 / sw["radix"].get<double>()) * t +
      switched_bits * sw["energy_pj_per_bit"].get<double>() * 1e-12;
  FabricRun out;
  out.fabric_pj_per_bit = j["fabric_pj_per_useful_bit"].get<double>();
  out.expected_pj_per_bit = energy_j / useful_bits * 1e12;
  return out;
}

TEST(CoPackagedOptics, CostLessPerUsefulBitThanDspPluggablesByTheSourcedRatio) {
  TempDir dir;
  const FabricRun dsp = run_fabric(dir, "osfp-1p6t-dsp");
  const FabricRun cpo = run_fabric(dir, "cpo-1p6t");
  EXPECT_NEAR(dsp.fabric_pj_per_bit, dsp.expected_pj_per_bit, 0.05 * dsp.expected_pj_per_bit);
  EXPECT_NEAR(cpo.fabric_pj_per_bit, cpo.expected_pj_per_bit, 0.05 * cpo.expected_pj_per_bit);
  const double ratio = cpo.fabric_pj_per_bit / dsp.fabric_pj_per_bit;
  const double expected_ratio = cpo.expected_pj_per_bit / dsp.expected_pj_per_bit;
  EXPECT_LT(ratio, 1.0);
  EXPECT_NEAR(ratio, expected_ratio, 0.05 * expected_ratio);
}

}  // namespace
