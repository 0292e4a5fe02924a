// Power, heat and density in closed form: fabric energy by regime and by tier adds up to the fabric total;
// the density cooling model flags an air-cooled rack beyond its envelope and liquid clears it at the cost
// power.md gives; waiting on the fabric costs idle power x waiting time, inside the compute category and
// counted once; escape bandwidth, watts per faceplate port and rack power follow from the platform's figures.
#include <gtest/gtest.h>

#include <string>

#include "core/errors.h"
#include "power/cooling.h"
#include "support/sim.h"

namespace {
namespace test_power_density {

using pjbit::testing::simulate_yaml;

constexpr double MiB = 1024.0 * 1024.0;
constexpr std::size_t kCompute = pjbit::core::EnergyAccount::index(pjbit::core::Category::Compute),
                      kCooling = pjbit::core::EnergyAccount::index(pjbit::core::Category::Cooling);

double sum(const std::vector<pjbit::power::Named>& list) {
  double s = 0.0;
  for (const auto& n : list)
    s += n.value;
  return s;
}

double value(const std::vector<pjbit::power::Named>& list, const std::string& name) {
  for (const auto& n : list)
    if (n.name == name) return n.value;
  ADD_FAILURE() << "no entry " << name;
  return 0.0;
}

// Eight ranks on one switch; the switch's regime is `switch_regime` (none: it takes its links').
std::string switched(const std::string& switch_regime) {
  return "name: sw\npacket: 64 KiB\ntopology:\n  kind: switch\n  ranks: 8\n"
         "  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 4 pJ/bit, regime: board }\n"
         "  switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 64" +
         (switch_regime.empty() ? std::string() : ", regime: " + switch_regime) + " }\n";
}

const char* kAllReduce =
    "name: ar\nsteps:\n  - collective: all_reduce\n    size: 64 MiB\n    algorithm: ring\n";

TEST(Regimes, SwitchEnergyLandsInTheSwitchsRegime) {
  // rank -> switch -> rank: 4 + 4 pJ/bit in the links' regime, 10 in the switch's.
  const auto o = simulate_yaml(switched("rack"), kAllReduce);
  const double useful = o.sim.useful_bytes;
  EXPECT_NEAR(pjbit::power::pj_per_useful_bit(value(o.ledger.fabric_by_regime_j, "board"), useful), 8.0,
              1e-9);
  EXPECT_NEAR(pjbit::power::pj_per_useful_bit(value(o.ledger.fabric_by_regime_j, "rack"), useful), 10.0,
              1e-9);
  ASSERT_EQ(o.ledger.fabric_by_regime_j.size(), 2u);  // only the regimes present
  EXPECT_NEAR(value(o.ledger.fabric_by_tier_j, "topology"), o.ledger.fabric_j, 1e-12 * o.ledger.fabric_j);
}

TEST(Regimes, ASwitchWithoutOneTakesItsLinksRegime) {
  const auto o = simulate_yaml(switched(""), kAllReduce);
  ASSERT_EQ(o.ledger.fabric_by_regime_j.size(), 1u);
  EXPECT_EQ(o.ledger.fabric_by_regime_j[0].name, "board");
  EXPECT_NEAR(pjbit::power::pj_per_useful_bit(o.ledger.fabric_by_regime_j[0].value, o.sim.useful_bytes), 18.0,
              1e-9);
}

TEST(Regimes, LinksWithoutARegimeAreUnassigned) {
  const auto o = simulate_yaml(
      "name: ring\ntopology:\n  kind: ring\n  ranks: 4\n"
      "  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }\n",
      kAllReduce);
  ASSERT_EQ(o.ledger.fabric_by_regime_j.size(), 1u);
  EXPECT_EQ(o.ledger.fabric_by_regime_j[0].name, "unassigned");
  EXPECT_NEAR(o.ledger.fabric_by_regime_j[0].value, o.ledger.fabric_j, 1e-12 * o.ledger.fabric_j);
}

// Two tiers with static power everywhere (links, switches, NICs, accelerators), racks and density cooling.
const std::string kPods =
    "name: pods\npacket: 256 KiB\n"
    "accelerator: { preset: h100-sxm5 }\n"
    "tiers:\n"
    "  - { name: scale_up, kind: switch, ranks: 8, link: { preset: nvlink4-x18 },\n"
    "      switch: { preset: nvswitch-gen3, radix: 256, static_power: 99.2 W } }\n"
    "  - { name: scale_out, kind: fat_tree, domains: 4, levels: 2, radix: 16,\n"
    "      link: { preset: osfp-1p6t-dsp }, switch: { preset: eth-102t, regime: rack }, nic: { preset: "
    "nic-800g } }\n"
    "racks: { accelerators_per_rack: 16, switches_per_rack: { scale_up: 2 }, network_rack_switches: 8 }\n";

const char* kStep =
    "name: step\nsteps:\n  - compute: { duration: 1 ms }\n"
    "  - collective: all_reduce\n    size: 64 MiB\n  - collective: all_to_all\n    size: 16 MiB\n";

// One simulation per test process (a fresh SystemC kernel each), so each cooling model has its own test.
void check_breakdowns(const std::string& cooling) {
  {
    const auto o = simulate_yaml(kPods + cooling, kStep);
    const auto& l = o.ledger;
    ASSERT_GT(l.fabric_j, 0.0);
    EXPECT_NEAR(sum(l.fabric_by_regime_j), l.fabric_j, 1e-9 * l.fabric_j) << cooling;
    EXPECT_NEAR(sum(l.fabric_by_tier_j), l.fabric_j, 1e-9 * l.fabric_j) << cooling;
    // Both tiers, and the scale-out switches in their own regime.
    EXPECT_GT(value(l.fabric_by_tier_j, "scale_up"), 0.0);
    EXPECT_GT(value(l.fabric_by_tier_j, "scale_out"), 0.0);
    EXPECT_GT(value(l.fabric_by_regime_j, "rack"), 0.0);
    EXPECT_GT(value(l.fabric_by_regime_j, "row"), 0.0);
    // Categories add up, static and dynamic add up, and the racks hold all IT energy.
    double categories = 0.0, racks = 0.0;
    for (double j : l.by_category_j)
      categories += j;
    EXPECT_NEAR(categories, l.total_j, 1e-9 * l.total_j);
    EXPECT_NEAR(l.static_total_j + l.dynamic_total_j, l.total_j, 1e-9 * l.total_j);
    for (const auto& rack : l.racks)
      racks += rack.it_j;
    EXPECT_NEAR(racks, l.total_j - l.by_category_j[kCooling], 1e-9 * l.total_j);
    // Every rack's cooling is its overhead times its IT energy, and together they are the cooling category.
    double cooling_j = 0.0;
    for (const auto& rack : l.racks)
      cooling_j += rack.cooling_j;
    EXPECT_NEAR(cooling_j, l.by_category_j[kCooling], 1e-9 * l.total_j);
  }
}

TEST(Breakdowns, ByRegimeAndByTierAddUpToFabricEnergyWithFlatCooling) {
  check_breakdowns("cooling: { kind: liquid, overhead: 0.2 }\n");
}

TEST(Breakdowns, ByRegimeAndByTierAddUpToFabricEnergyWithDensityCooling) {
  check_breakdowns("cooling: { model: density }\n");
}

TEST(Breakdowns, RacksFollowThePlacement) {
  const auto o = simulate_yaml(kPods, kStep);
  // 32 ranks, 16 a rack: two accelerator racks with two NVSwitch planes each; 12 fabric switches in network
  // racks of 8.
  ASSERT_EQ(o.ledger.racks.size(), 4u);
  EXPECT_EQ(o.ledger.racks[0].name, "rack0");
  EXPECT_EQ(o.ledger.racks[1].name, "rack1");
  EXPECT_EQ(o.ledger.racks[2].name, "netrack0");
  EXPECT_EQ(o.ledger.racks[3].name, "netrack1");
  EXPECT_FALSE(o.ledger.racks[1].network);
  EXPECT_TRUE(o.ledger.racks[2].network);
  auto rack_of = [&](const std::string& name) {
    for (const auto& r : o.sim.usage.inventory.components)
      if (r.name == name) return r.rack[0];
    ADD_FAILURE() << "no component " << name;
    return -2;
  };
  EXPECT_EQ(rack_of("r17"), 1);
  EXPECT_EQ(rack_of("scale_up.sw3"), 1);
  EXPECT_EQ(rack_of("scale_out.nic17"), 1);  // with its rank
  EXPECT_EQ(rack_of("scale_out.leaf0"), 2);
  EXPECT_EQ(rack_of("scale_out.spine7"), 3);
}

TEST(Breakdowns, SwitchesWithoutARackAreAnInputError) {
  const std::string p =
      "name: pods\ntopology:\n  kind: switch\n  ranks: 4\n"
      "  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 4 pJ/bit }\n"
      "  switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 8 }\n"
      "racks: { accelerators_per_rack: 4 }\n";
  try {
    simulate_yaml(p, kAllReduce);
    FAIL() << "a switch with no rack was accepted";
  } catch (const pjbit::core::InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "platform.yaml:7:8: racks.network_rack_switches: 1 switches, OCSes or memory pools (the first "
              "is sw0) "
              "have no place in an accelerator rack; give how many a network rack holds, or raise "
              "racks.switches_per_rack");
  }
}

// Forty-eight accelerators that compute at 1.2 kW for 1 ms, in one rack, on a ring with no static power.
std::string hot_rack(const std::string& cooling) {
  return "name: hot\naccelerator: { idle_power: 500 W, compute_power: 1200 W }\n"
         "topology:\n  kind: ring\n  ranks: 48\n  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 "
         "pJ/bit }\n"
         "racks: { accelerators_per_rack: 48, power_limit: 120 kW, cooling: " +
         cooling + " }\ncooling: { model: density }\n";
}

const char* kComputeOnly = "name: c\nsteps:\n  - compute: { duration: 1 ms }\n";

constexpr double kHotRackW = 48 * 1200.0;  // 57.6 kW, above air's 40 kW envelope

// The same rack air-cooled and liquid-cooled (tests/cli/test_platforms.cpp switches one to the other with
// --set and compares the two reports).
TEST(Cooling, AnAirRackBeyondItsEnvelopeIsFlaggedAndCooledAtTheModelsOverhead) {
  const double it_w = kHotRackW;
  const auto air = simulate_yaml(hot_rack("air"), kComputeOnly);
  ASSERT_NEAR(air.sim.sim_time_s, 1e-3, 1e-15);
  const double it_j = it_w * 1e-3;
  ASSERT_EQ(air.ledger.racks.size(), 1u);
  EXPECT_NEAR(air.ledger.racks[0].average_w, it_w, 1e-9 * it_w);
  // Air: 0.40 + (0.70 - 0.40) x (57.6 / 40)^2 cooling watts per IT watt.
  const double air_overhead = 0.40 + 0.30 * (57.6 / 40.0) * (57.6 / 40.0);
  EXPECT_NEAR(air.ledger.racks[0].overhead, air_overhead, 1e-12);
  EXPECT_NEAR(air.ledger.by_category_j[kCooling], air_overhead * it_j, 1e-9 * it_j);
  ASSERT_EQ(air.density.warnings.size(), 1u);
  EXPECT_EQ(air.density.warnings[0].kind, "cooling_envelope");
  EXPECT_EQ(air.density.warnings[0].where, "rack0");
  EXPECT_NEAR(air.density.warnings[0].value, 57.6, 1e-9);
  EXPECT_NEAR(air.density.warnings[0].limit, 40.0, 1e-12);
}

TEST(Cooling, TheSameRackLiquidCooledIsNotFlaggedAndCostsTheLiquidOverhead) {
  const double it_j = kHotRackW * 1e-3;
  const auto liquid = simulate_yaml(hot_rack("liquid"), kComputeOnly);
  EXPECT_TRUE(liquid.density.warnings.empty());
  EXPECT_NEAR(liquid.ledger.racks[0].overhead, 0.10, 1e-15);
  EXPECT_NEAR(liquid.ledger.by_category_j[kCooling], 0.10 * it_j, 1e-9 * it_j);
  EXPECT_NEAR(liquid.ledger.total_j, 1.10 * it_j, 1e-9 * it_j);
}

TEST(Cooling, AirOverheadGrowsWithTheSquareOfRackHeatUpToItsEnvelope) {
  const auto* air = pjbit::power::cooling::find("air");
  ASSERT_NE(air, nullptr);
  EXPECT_DOUBLE_EQ(pjbit::power::cooling::overhead(*air, 0.0), 0.40);
  EXPECT_NEAR(pjbit::power::cooling::overhead(*air, 20e3), 0.40 + 0.30 * 0.25, 1e-15);
  EXPECT_NEAR(pjbit::power::cooling::overhead(*air, 40e3), 0.70, 1e-15);
  EXPECT_FALSE(pjbit::power::cooling::beyond_envelope(*air, 40e3));
  EXPECT_TRUE(pjbit::power::cooling::beyond_envelope(*air, 40.1e3));
  const auto* immersion = pjbit::power::cooling::find("immersion");
  ASSERT_NE(immersion, nullptr);
  EXPECT_DOUBLE_EQ(pjbit::power::cooling::overhead(*immersion, 500e3), 0.05);
  EXPECT_FALSE(pjbit::power::cooling::beyond_envelope(*immersion, 500e3));
}

TEST(Cooling, ARackOverItsPowerLimitIsFlagged) {
  const auto o = simulate_yaml(
      "name: hot\naccelerator: { idle_power: 500 W, compute_power: 1200 W }\n"
      "topology:\n  kind: ring\n  ranks: 16\n  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 "
      "pJ/bit }\n"
      "racks: { accelerators_per_rack: 16, power_limit: 15 kW, cooling: liquid }\n",
      kComputeOnly);
  ASSERT_EQ(o.density.warnings.size(), 1u);
  EXPECT_EQ(o.density.warnings[0].kind, "rack_power");
  EXPECT_NEAR(o.density.warnings[0].value, 16 * 1.2, 1e-9);  // kW, all computing at once
  EXPECT_NEAR(o.density.warnings[0].limit, 15.0, 1e-12);
}

// Eight ranks on a ring, computing 1 ms (1 TFLOP at 1000 TFLOP/s) and then an exposed ring all-reduce.
std::string idle_ring() {
  return "name: ring\npacket: 64 KiB\naccelerator: { idle_power: 100 W, compute_power: 400 W }\n"
         "topology:\n  kind: ring\n  ranks: 8\n  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 "
         "pJ/bit }\n";
}

TEST(Waiting, AnExposedCollectiveCostsIdlePowerTimesWaitingTimeTimesRanks) {
  const auto o = simulate_yaml(idle_ring(),
                               "name: w\nsteps:\n  - compute: { work: 1 TFLOP }\n"
                               "  - collective: all_reduce\n    size: 64 MiB\n    algorithm: ring\n");
  const double t = o.sim.sim_time_s;
  const double t_ar = 14.0 * (500e-9 + 64 * MiB / 8.0 / 100e9);
  ASSERT_NEAR(t, 1e-3 + t_ar, 1e-4 * t_ar);
  const auto& w = o.ledger.waiting;
  // Every rank waits for the whole all-reduce: idle energy = 100 W x waiting time x 8 ranks.
  ASSERT_EQ(w.per_rank_s.size(), 8u);
  for (double s : w.per_rank_s)
    EXPECT_NEAR(s, t - 1e-3, 1e-12);
  EXPECT_NEAR(w.total_rank_s, 8.0 * (t - 1e-3), 1e-12);
  EXPECT_NEAR(w.idle_energy_j, 100.0 * (t - 1e-3) * 8.0, 1e-9);
  EXPECT_NEAR(w.idle_energy_j, 100.0 * t_ar * 8.0, 1e-4 * 100.0 * t_ar * 8.0);
  // The same per step: the all-reduce's ranks wait through it, the compute step's do not wait.
  ASSERT_EQ(o.sim.steps.size(), 2u);
  EXPECT_NEAR(o.sim.steps[0].rank_time_s - o.sim.steps[0].compute_rank_s, 0.0, 1e-12);
  EXPECT_NEAR(o.sim.steps[1].rank_time_s - o.sim.steps[1].compute_rank_s + w.after_last_step_rank_s,
              w.total_rank_s, 1e-12);
  EXPECT_LT(w.after_last_step_rank_s, 1e-6);
  // Counted once: the compute category is the idle power over the whole run plus the power above idle while
  // computing, and the waiting energy is part of its static share.
  EXPECT_NEAR(o.ledger.static_j[kCompute], 100.0 * 8.0 * t, 1e-9);
  EXPECT_NEAR(o.ledger.dynamic_j[kCompute], 300.0 * 8.0 * 1e-3, 1e-9);
  EXPECT_NEAR(o.ledger.static_j[kCompute] - w.idle_energy_j, 100.0 * 8.0 * 1e-3, 1e-9);
}

TEST(Waiting, RanksThatFinishEarlyWaitForTheRest) {
  // Ranks 0 and 1 compute 2 ms, ranks 2 and 3 only 1 ms: the latter wait 1 ms each after their last step.
  const auto o = simulate_yaml(idle_ring(),
                               "name: w\nsteps:\n  - compute: { duration: 1 ms }\n"
                               "  - compute: { duration: 1 ms, ranks: [0, 1] }\n");
  EXPECT_NEAR(o.sim.sim_time_s, 2e-3, 1e-15);
  const auto& w = o.ledger.waiting;
  EXPECT_NEAR(w.total_rank_s, 6 * 1e-3, 1e-12);  // ranks 2..7 idle for 1 ms
  EXPECT_NEAR(w.after_last_step_rank_s, 6 * 1e-3, 1e-12);
  EXPECT_NEAR(w.idle_energy_j, 100.0 * 6e-3, 1e-12);
}

TEST(IdleShare, StaticLasersAreAllIdleAndPerBitSerdesNone) {
  const auto o = simulate_yaml(
      "name: ring\ntopology:\n  kind: ring\n  ranks: 4\n  link:\n    bandwidth: 100 GB/s\n    latency: 500 "
      "ns\n"
      "    stack: [{ category: serdes, energy: 2 pJ/bit }, { category: laser, power: 1 W }]\n",
      kAllReduce);
  const auto& l = o.ledger;
  EXPECT_NEAR(l.static_j[3] / l.by_category_j[3], 1.0, 1e-15);  // laser
  EXPECT_DOUBLE_EQ(l.static_j[0], 0.0);                         // serdes
  EXPECT_NEAR(l.fabric_static_j, l.static_j[3], 1e-15);
}

// Eight ranks on a ring at 100 GB/s per direction: each rank's two links need 2 x 2 x 100 GB/s = 3.2 Tb/s.
std::string packaged_ring(const std::string& shoreline) {
  return "name: ring\ntopology:\n  kind: ring\n  ranks: 8\n"
         "  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }\n"
         "packaging: { shoreline: " +
         shoreline + ", bandwidth_density: 1 Tb/s/mm }\n";
}

TEST(Escape, NeededBandwidthAgainstShorelineTimesDensityFits) {
  const auto fits = simulate_yaml(packaged_ring("10 mm"), kComputeOnly);
  const auto& e = fits.density.escape;
  ASSERT_TRUE(e.assessed);
  EXPECT_NEAR(e.needed_Bps * 8.0, 3.2e12, 1e-3);
  EXPECT_NEAR(e.available_Bps * 8.0, 10e12, 1e-3);  // 10 mm x 1 Tb/s per mm
  EXPECT_NEAR(e.shoreline_used_m, 3.2e-3, 1e-15);   // 3.2 Tb/s at 1 Tb/s per mm
  EXPECT_TRUE(fits.density.warnings.empty());
}

TEST(Escape, TooLittleShorelineIsAWarning) {
  const auto tight = simulate_yaml(packaged_ring("2 mm"), kComputeOnly);
  ASSERT_EQ(tight.density.warnings.size(), 1u);
  const auto& w = tight.density.warnings[0];
  EXPECT_EQ(w.kind, "escape_bandwidth");
  EXPECT_EQ(w.where, "r0");
  EXPECT_NEAR(w.value, 3.2, 1e-12);
  EXPECT_NEAR(w.limit, 2.0, 1e-12);
  EXPECT_EQ(tight.density.escape.ranks_over, 8);
}

// Eight ranks on a switch whose links draw 2 W of lasers each (the switch follows).
const std::string kIdleSwitch =
    "name: sw\ntopology:\n  kind: switch\n  ranks: 8\n  link:\n    bandwidth: 100 GB/s\n    latency: 500 ns\n"
    "    stack: [{ category: serdes, energy: 4 pJ/bit }, { category: laser, power: 2 W }]\n";

TEST(Faceplate, WattsPerPortAreTheSwitchAndTheOpticsAtItsEnd) {
  // An idle run: the switch's 64 W and, per link, half of its 2 W of lasers, over its 8 ports.
  const auto o = simulate_yaml(
      kIdleSwitch + "  switch: { latency: 300 ns, energy: 10 pJ/bit, static_power: 64 W, radix: 64 }\n",
      kComputeOnly);
  ASSERT_EQ(o.density.switches.size(), 1u);
  const auto& s = o.density.switches[0];
  EXPECT_EQ(s.count, 1);
  EXPECT_EQ(s.faceplate_ports, 8);
  EXPECT_NEAR(s.mean_w, 64.0 + 8 * 1.0, 1e-12);
  EXPECT_NEAR(s.max_w_per_port, 9.0, 1e-12);
}

TEST(Faceplate, GivenFaceplatePortsSpreadTheSamePower) {
  const auto o = simulate_yaml(kIdleSwitch +
                                   "  switch: { latency: 300 ns, energy: 10 pJ/bit, static_power: 64 W, "
                                   "radix: 64, faceplate_ports: 16 }\n",
                               kComputeOnly);
  EXPECT_NEAR(o.density.switches[0].max_w_per_port, 72.0 / 16.0, 1e-12);
}

}  // namespace test_power_density
}  // namespace
