// The shipped platforms and the component library seen through the program: every shipped platform
// validates, optical budgets and unroutable workloads are input errors that name the path or pair, and
// co-packaged optics beat DSP pluggables on the same fabric by the ratio their sourced figures imply.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "support/testing.h"

namespace {
namespace test_platforms {

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
  EXPECT_NE(r.err.find("topology.link.optics: the optical path"), std::string::npos) << r.err;
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

// ---- density figures of the shipped platforms, recomputed by hand from the sourced numbers
// -------------------

nlohmann::json run_report(const TempDir& dir, const std::string& platform, const std::string& workload,
                          const std::vector<std::string>& extra = {}) {
  const std::string out = dir.path() + "/report.json";
  std::vector<std::string> args = {"run", platform, workload, "--quiet", "--json", out};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = run_program(args, 240.0);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(pjbit::testing::read_file(out));
}

// 112G-class long-reach SerDes at a die edge: Tomahawk 5's 2 x 51.2 Tb/s over the 26 x 33 mm reticle's
// perimeter (docs/reference/tech-figures.md §4 and §10), in Tb/s per mm; PCIe 6 lanes carry 64 of 100 Gb/s.
constexpr double kLrTbpsPerMm = 2.0 * 51.2 / (2.0 * (26.0 + 33.0));
constexpr double kPcie6TbpsPerMm = kLrTbpsPerMm * 64.0 / 100.0;

TEST(ShippedDensity, EscapeBandwidthOfAnH100WithNvlinkAndAScaleOutNic) {
  const auto j = pjbit::testing::golden_report("pods-fattree-dsp", "train_step");
  const auto& e = j["density"]["escape"];
  // NVLink 4: 450 GB/s each way = 7.2 Tb/s both ways; the NIC's PCIe 6 host link carries the 200 GB/s
  // scale-out port each way = 3.2 Tb/s. They take 7.2 / 0.868 + 3.2 / 0.555 = 14.06 mm of the 50 mm of GH100
  // I/O edge.
  const double needed = 7.2 + 3.2;
  const double shoreline_used = 7.2 / kLrTbpsPerMm + 3.2 / kPcie6TbpsPerMm;
  EXPECT_NEAR(e["needed_tbps"].get<double>(), needed, 1e-9);
  EXPECT_NEAR(e["shoreline_needed_mm"].get<double>(), shoreline_used, 1e-9);
  EXPECT_NEAR(e["available_tbps"].get<double>(), 50.0 * needed / shoreline_used, 1e-9);
  EXPECT_NEAR(e["needed_tbps_per_mm"].get<double>(), needed / 50.0, 1e-12);
  EXPECT_EQ(e["ranks_over"].get<int>(), 0);
}

TEST(ShippedDensity, WattsPerFaceplatePortOfALeafSpineSwitchOverDspPluggables) {
  const auto j = pjbit::testing::golden_report("pods-fattree-dsp", "train_step");
  nlohmann::json tier;
  for (const auto& s : j["density"]["switches"])
    if (s["tier"] == "scale_out") tier = s;
  ASSERT_FALSE(tier.is_null());
  const std::string sw = tier["busiest"].get<std::string>();
  const double t = j["sim_time_s"].get<double>();
  // The switch: Tomahawk 5's 475 W for 51.2 Tb/s held per bit at 102.4 Tb/s, less 5.5 pJ/bit of SerDes, is
  // 386.8 W, half static and half per bit; this tree uses a 16-port slice of the 64-port chip.
  const double core_w = 475.0 / 51.2 * 102.4 - 5.5 * 102.4;
  const double slice_static_w = core_w / 2.0 * 16.0 / 64.0;
  const double switch_j_per_bit = core_w / 2.0 / 102.4e12;
  // Each of its links: a 25 W 1.6T pluggable at its end, and half the link's 5.5 pJ/bit host SerDes.
  double out_bytes = 0.0, link_w = 0.0;
  int ports = 0;
  for (const auto& l : j["links"]) {
    const std::string id = l["id"].get<std::string>();
    const std::size_t arrow = id.find("->");
    const std::string from = id.substr(0, arrow);
    std::string to = id.substr(arrow + 2);
    to = to.substr(0, to.find('#'));
    if (from != sw && to != sw) continue;
    const double bytes = l["bytes"].get<double>();
    if (from == sw) {
      out_bytes += bytes;
      ++ports;
      link_w += 25.0;
    }
    link_w += 0.5 * 5.5e-12 * 8.0 * bytes / t;
  }
  const double box_w = slice_static_w + switch_j_per_bit * 8.0 * out_bytes / t + link_w;
  EXPECT_EQ(tier["faceplate_ports"].get<int>(), ports);
  EXPECT_NEAR(tier["w_per_port"].get<double>(), box_w / ports, 1e-9 * box_w);
}

TEST(ShippedDensity, KilowattsPerRackOfAnHgxBoardThatComputes) {
  TempDir dir;
  const std::string w = dir.write("compute.yaml", "name: c\nsteps:\n  - compute: { duration: 10 ms }\n");
  const auto j = run_report(dir, pjbit::testing::source_dir() + "/platforms/pod8-nvswitch.yaml", w);
  // Eight H100s at their 700 W TDP while computing, and the NVSwitch plane: four chips of 120 W less
  // 64 x 200 Gb/s x 5.5 pJ/bit of SerDes = 49.6 W, half of it static = 24.8 W each. No link draws static
  // power.
  const double it_w = 8 * 700.0 + 4 * (120.0 - 64 * 200e9 * 5.5e-12) / 2.0;
  const auto& rack = j["density"]["racks"][0];
  EXPECT_EQ(rack["name"], "rack0");
  EXPECT_NEAR(rack["average_kw"].get<double>(), it_w / 1e3, 1e-9);
  EXPECT_NEAR(rack["peak_kw"].get<double>(), it_w / 1e3, 1e-9);
  EXPECT_NEAR(rack["limit_kw"].get<double>(), 40.8, 1e-12);
  // Air cooling: 0.40 + 0.30 x (P / 40 kW)^2 cooling watts per IT watt.
  const double overhead = 0.40 + 0.30 * (it_w / 40e3) * (it_w / 40e3);
  EXPECT_NEAR(rack["cooling_overhead"].get<double>(), overhead, 1e-12);
  EXPECT_NEAR(rack["average_kw_with_cooling"].get<double>(), it_w * (1.0 + overhead) / 1e3, 1e-9);
  EXPECT_TRUE(j["density"]["warnings"].empty());
}

// Forty-eight accelerators computing at 1.2 kW in one rack: 57.6 kW, beyond air's 40 kW envelope.
const char* kHotRack =
    "name: hot\naccelerator: { idle_power: 500 W, compute_power: 1200 W }\n"
    "topology:\n  kind: ring\n  ranks: 48\n  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit "
    "}\n"
    "racks: { accelerators_per_rack: 48, power_limit: 120 kW, cooling: air }\n"
    "cooling: { model: density }\n";

TEST(ShippedDensity, AnAirRackBeyondItsEnvelopeIsFlaggedAndLiquidClearsItAtTheModelsCost) {
  TempDir dir;
  const std::string p = dir.write("hot.yaml", kHotRack);
  const std::string w = dir.write("compute.yaml", "name: c\nsteps:\n  - compute: { duration: 1 ms }\n");
  const auto table = run_program({"run", p, w}, 120.0);
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(
      table.out.find("  warning: rack0 sheds 57.6 kW on average, beyond the 40.0 kW that air cooling removes "
                     "from a rack\n"),
      std::string::npos)
      << table.out;
  auto cooling_of = [](const nlohmann::json& j) {
    const double cooling = j["energy_j"]["by_category"]["cooling"].get<double>();
    return std::make_pair(cooling, j["energy_j"]["total"].get<double>() - cooling);
  };
  const auto air = run_report(dir, p, w);
  const auto [air_cooling, air_it] = cooling_of(air);
  ASSERT_EQ(air["density"]["warnings"].size(), 1u);
  EXPECT_EQ(air["density"]["warnings"][0]["kind"], "cooling_envelope");
  EXPECT_EQ(air["density"]["warnings"][0]["where"], "rack0");
  EXPECT_NEAR(air_it, 57.6, 1e-9);
  EXPECT_NEAR(air_cooling, (0.40 + 0.30 * (57.6 / 40.0) * (57.6 / 40.0)) * air_it, 1e-9);

  const auto liquid = run_report(dir, p, w, {"--set", "racks.cooling=liquid"});
  const auto [liquid_cooling, liquid_it] = cooling_of(liquid);
  EXPECT_TRUE(liquid["density"]["warnings"].empty());
  EXPECT_NEAR(liquid_it, air_it, 1e-12);
  EXPECT_NEAR(liquid_cooling, 0.10 * liquid_it, 1e-9);
  EXPECT_EQ(liquid["cooling"]["kind"], "liquid");
}

TEST(ShippedDensity, ValidatePrintsTheRacks) {
  const auto r = run_program({"validate", pjbit::testing::source_dir() + "/platforms/pods-fattree-dsp.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("racks: 1 accelerator rack of up to 32 accelerators, 1 network rack, air cooled"),
            std::string::npos)
      << r.out;
}

TEST(ShippedDensity, SwitchesWithNoRackExitTwoWithOneLine) {
  TempDir dir;
  // The leaf-spine's switches fit in no accelerator rack, and no network rack size is given.
  const std::string p = dir.write("racks.yaml",
                                  "name: racks\ntopology:\n  kind: fat_tree\n  ranks: 16\n  radix: 8\n"
                                  "  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }\n"
                                  "  switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 8 }\n"
                                  "racks: { accelerators_per_rack: 8, switches_per_rack: 1 }\n");
  const auto r = run_program({"validate", p});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(
      r.err,
      "error: " + p +
          ":8:8: racks.network_rack_switches: 6 switches, OCSes or memory pools (the first is leaf2) have no "
          "place in an accelerator rack; give how many a network rack holds, or raise "
          "racks.switches_per_rack\n");
}

}  // namespace test_platforms
}  // namespace
