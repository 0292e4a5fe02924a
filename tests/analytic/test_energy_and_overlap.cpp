// Closed forms for energy (bits x pJ/bit over every hop, static power x time, cooling overhead), for the
// single-link bound of an all-to-all through one switch, and for compute hiding a collective.
#include <gtest/gtest.h>

#include <string>

#include "report/report.h"
#include "support/sim.h"
#include "workloads/nccl_tests.h"

namespace {
namespace test_energy_and_overlap {

using pjbit::testing::simulate_yaml;

constexpr double MiB = 1024.0 * 1024.0;

std::string ring(int ranks, const std::string& extra_stack = "", const std::string& extra = "") {
  return "name: ring\npacket: 64 KiB\n" + extra +
         "topology:\n  kind: ring\n  ranks: " + std::to_string(ranks) +
         "\n  link:\n    bandwidth: 100 GB/s\n    latency: 500 ns\n    stack:\n"
         "      - { category: serdes, energy: 2 pJ/bit }\n"
         "      - { category: dsp, energy: 3 pJ/bit }\n" +
         extra_stack;
}

std::string switched(int ranks) {
  return "name: sw\npacket: 64 KiB\ntopology:\n  kind: switch\n  ranks: " + std::to_string(ranks) +
         "\n  link:\n    bandwidth: 100 GB/s\n    latency: 500 ns\n    energy: 4 pJ/bit\n"
         "  switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 64 }\n";
}

const char* kAllReduce =
    "name: ar\nsteps:\n  - collective: all_reduce\n    size: 64 MiB\n    algorithm: ring\n";

TEST(Energy, RingCostsTheLinkStackPerUsefulBit) {
  const auto o = simulate_yaml(ring(8), kAllReduce);
  // Every useful bit crosses exactly one link: serdes 2 + dsp 3 pJ/bit.
  EXPECT_NEAR(o.ledger.fabric_pj_per_useful_bit, 5.0, 1e-9);
  const double bits = 8.0 * o.sim.useful_bytes;
  EXPECT_NEAR(o.ledger.by_category_j[0], bits * 2e-12, 1e-9 * bits * 2e-12);  // serdes
  EXPECT_NEAR(o.ledger.by_category_j[2], bits * 3e-12, 1e-9 * bits * 3e-12);  // dsp
  EXPECT_DOUBLE_EQ(o.ledger.static_total_j, 0.0);
  // Everything but the ranks' HBM traffic (the collective's buffers) is fabric.
  EXPECT_NEAR(o.ledger.fabric_j, o.ledger.total_j - o.ledger.by_category_j[7], 1e-12);
  EXPECT_GT(o.ledger.by_category_j[7], 0.0);
  // The fabric total equals the sum over links of what they report.
  double links = 0.0;
  for (const auto& l : o.sim.links)
    links += l.dynamic_j;
  EXPECT_NEAR(links, o.ledger.fabric_j, 1e-9 * links);
}

TEST(Energy, OneSwitchCostsTwoLinksAndTheSwitch) {
  const auto o = simulate_yaml(switched(8), kAllReduce);
  // rank -> switch -> rank: 4 + 10 + 4 pJ/bit.
  EXPECT_NEAR(o.ledger.fabric_pj_per_useful_bit, 2 * 4.0 + 10.0, 1e-9);
  EXPECT_NEAR(o.sim.wire_bytes, 2.0 * o.sim.useful_bytes, 1e-9 * o.sim.wire_bytes);
  const double bits = 8.0 * o.sim.useful_bytes;
  EXPECT_NEAR(o.ledger.by_category_j[4], bits * 10e-12, 1e-9 * bits * 10e-12);  // switch
}

TEST(Energy, LaserPowerAccruesOverTheWholeRun) {
  // A laser of 1.5 W on each of 6 ring links, drawn whether or not bits flow, including a compute phase.
  const auto o = simulate_yaml(ring(6, "      - { category: laser, power: 1.5 W }\n"),
                               "name: w\nsteps:\n  - compute: { duration: 3 ms }\n"
                               "  - collective: all_gather\n    size: 6 MiB\n");
  const double t = o.sim.sim_time_s;
  ASSERT_GT(t, 3e-3);
  EXPECT_NEAR(o.ledger.by_category_j[3], 1.5 * 6 * t, 1e-12);  // laser = P x L x sim_time
  EXPECT_NEAR(o.ledger.static_j[3], 1.5 * 6 * t, 1e-12);
  EXPECT_DOUBLE_EQ(o.ledger.dynamic_j[3], 0.0);
  EXPECT_NEAR(o.ledger.static_total_j + o.ledger.dynamic_total_j, o.ledger.total_j, 1e-12);
}

TEST(Energy, CoolingOverheadMultipliesItEnergy) {
  const auto base =
      ring(4, "      - { category: laser, power: 2 W }\n", "cooling: { kind: liquid, overhead: 0.25 }\n");
  const auto o = simulate_yaml(base, kAllReduce);
  const std::size_t cooling = pjbit::core::EnergyAccount::index(pjbit::core::Category::Cooling);
  double it = 0.0;
  for (std::size_t i = 0; i < pjbit::core::kNumCategories; ++i)
    if (i != cooling) it += o.ledger.by_category_j[i];
  EXPECT_NEAR(o.ledger.by_category_j[cooling], 0.25 * it, 1e-12 * it);
  EXPECT_NEAR(o.ledger.total_j, 1.25 * it, 1e-12 * it);
  // Fabric carries the cooling of its own share of IT energy (all but HBM here).
  const double fabric_it = it - o.ledger.by_category_j[7];
  EXPECT_NEAR(o.ledger.fabric_j, 1.25 * fabric_it, 1e-12 * it);
  EXPECT_NEAR(o.ledger.fabric_pj_per_useful_bit, o.ledger.fabric_j / (8.0 * o.sim.useful_bytes) * 1e12, 1e-9);
}

TEST(Bandwidth, DirectAllToAllThroughOneSwitchIsBoundByEachRanksLink) {
  const auto o = simulate_yaml(switched(8),
                               "name: a2a\nsteps:\n  - collective: all_to_all\n    size: 64 MiB\n"
                               "    algorithm: direct\n");
  ASSERT_EQ(o.sim.steps.size(), 1u);
  const auto& s = o.sim.steps[0];
  const double t = s.end_s - s.start_s;
  const double busbw = 64 * MiB / t * pjbit::workloads::busbw_factor("all_to_all", 8);
  EXPECT_LE(busbw, 100e9);
  EXPECT_GE(busbw, 0.95 * 100e9);
  // Each rank sends 7/8 of 64 MiB through its one uplink: the time is at least that serialization.
  EXPECT_GE(t, 64 * MiB * 7.0 / 8.0 / 100e9);
}

TEST(Overlap, ComputeInParallelHidesTheCollective) {
  // The all-reduce takes about 14 x (0.5 us + 64 MiB / 8 / 100 GB/s) = 1.18 ms, well under 10 ms of compute.
  const auto o = simulate_yaml(ring(8),
                               "name: w\nsteps:\n  - parallel:\n      - compute: { duration: 10 ms }\n"
                               "      - collective: all_reduce\n        size: 64 MiB\n");
  EXPECT_NEAR(o.sim.sim_time_s, 10e-3, 1e-12);
  EXPECT_NEAR(pjbit::report::effective_compute(o.sim), 1.0, 1e-9);
  ASSERT_EQ(o.sim.steps.size(), 1u);
  ASSERT_EQ(o.sim.steps[0].children.size(), 2u);
  EXPECT_LT(o.sim.steps[0].children[1].end_s, 2e-3);
}

// A parallel step of 9,000 compute sub-steps, a collective and a nested parallel step on 8 ranks: with a
// SystemC thread per sub-step and rank that would be 72,000 thread stacks, past the process's limit of memory
// mappings (it crashed or failed one run in four at 64,000). Such sub-steps run without threads, with the
// times, compute and energy a thread each would give them.
TEST(Overlap, ThousandsOfSubStepsRunWithoutAThreadEach) {
  std::string w = "name: w\nsteps:\n  - parallel:\n";
  for (int i = 0; i < 9000; ++i)
    w += "      - compute: { duration: 1 us }\n";
  w += "      - collective: all_reduce\n        size: 64 MiB\n        algorithm: ring\n";
  w +=
      "      - parallel:\n          - compute: { duration: 2 us }\n          - compute: { duration: 3 us }\n";
  const auto o = simulate_yaml(ring(8), w);
  const double t_ar = 14.0 * (500e-9 + 64 * MiB / 8.0 / 100e9);
  ASSERT_EQ(o.sim.steps.size(), 1u);
  const auto& step = o.sim.steps[0];
  ASSERT_EQ(step.children.size(), 9002u);
  for (std::size_t i = 0; i < 9000; ++i) {
    ASSERT_EQ(step.children[i].start_s, 0.0) << i;
    ASSERT_NEAR(step.children[i].end_s, 1e-6, 1e-18) << i;
    ASSERT_NEAR(step.children[i].compute_rank_s, 8 * 1e-6, 1e-18) << i;
  }
  const auto& ar = step.children[9000];
  EXPECT_NEAR(ar.end_s - ar.start_s, t_ar, 1e-4 * t_ar);
  EXPECT_DOUBLE_EQ(ar.useful_bytes, 2.0 * 7.0 * 64 * MiB);
  const auto& nested = step.children[9001];
  ASSERT_EQ(nested.children.size(), 2u);
  EXPECT_NEAR(nested.end_s, 3e-6, 1e-18);
  EXPECT_NEAR(nested.children[0].end_s, 2e-6, 1e-18);
  EXPECT_NEAR(nested.compute_rank_s, 8 * 5e-6, 1e-15);
  EXPECT_NEAR(step.end_s, ar.end_s, 1e-15);
  EXPECT_NEAR(o.sim.sim_time_s, t_ar, 1e-4 * t_ar);
  // Every rank computed 9,005 us, all of it inside the step.
  for (double c : o.sim.compute_time_s)
    EXPECT_NEAR(c, 9005e-6, 1e-12);
  EXPECT_NEAR(step.rank_time_s, 8 * step.end_s, 1e-12);
}

TEST(Overlap, AnExposedCollectiveLowersEffectiveCompute) {
  const auto o = simulate_yaml(ring(8),
                               "name: w\nsteps:\n  - compute: { work: 1 TFLOP }\n"
                               "  - collective: all_reduce\n    size: 64 MiB\n    algorithm: ring\n");
  // generic accelerator default: 1000 TFLOP/s, so 1 ms of compute, then the all-reduce.
  const double t_ar = 14.0 * (500e-9 + 64 * MiB / 8.0 / 100e9);
  EXPECT_NEAR(o.sim.sim_time_s, 1e-3 + t_ar, 1e-4 * t_ar);
  EXPECT_NEAR(pjbit::report::effective_compute(o.sim), 1e-3 / o.sim.sim_time_s, 1e-9);
}

TEST(Overlap, EffectiveComputeIsTheMeanOverRanks) {
  // Only ranks 0 and 1 of 4 compute, for the whole run: mean = 2/4.
  const auto o = simulate_yaml(ring(4), "name: w\nsteps:\n  - compute: { duration: 2 ms, ranks: [0, 1] }\n");
  EXPECT_NEAR(o.sim.sim_time_s, 2e-3, 1e-15);
  EXPECT_NEAR(pjbit::report::effective_compute(o.sim), 0.5, 1e-12);
}

}  // namespace test_energy_and_overlap
}  // namespace
