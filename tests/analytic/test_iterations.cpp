// A run of more than engine::kFullIterations iterations keeps its first and last iteration whole and sums up
// every step over all iterations, instead of holding and reporting every step instance: the headline figures
// (time, energy, useful bytes, average and peak power, every rack's peak) are those of the same run with
// every instance kept, and each step's aggregate is its instances' count, extremes and sums.
#include <gtest/gtest.h>

#include <string>
#include <systemc>

#include "support/sim.h"

namespace {
namespace test_iterations {

const char* kRacked =
    "name: racked\naccelerator: { preset: h100-sxm5 }\n"
    "topology:\n  kind: switch\n  ranks: 8\n"
    "  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }\n"
    "  switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 64, static_power: 50 W }\n"
    "memory_pools:\n"
    "  - { name: pool0, attach: topology, bandwidth: 400 GB/s, latency: 600 ns, energy: 10 pJ/bit, capacity: "
    "4 "
    "TiB }\n"
    "racks: { accelerators_per_rack: 2, switches_per_rack: 1, network_rack_switches: 4 }\n";

// Steps of different ranks, random traffic (other ranks each iteration), a parallel step and a checkpoint.
const char* kIterations =
    "name: iters\niterations: 6\nsteps:\n"
    "  - compute: { work: 100 GFLOP, ranks: [0, 1, 2, 3] }\n"
    "  - collective: all_reduce\n    size: 16 MiB\n"
    "  - parallel:\n"
    "      - compute: { duration: 20 us, ranks: [4, 5] }\n"
    "      - traffic: { size: 64 KiB, messages: 8 }\n"
    "  - checkpoint: { size: 4 MiB, pool: pool0 }\n";

struct Outcome {
  pjbit::engine::SimulationResult sim;
  pjbit::power::Ledger ledger;
};

// One run in a fresh SystemC context.
Outcome run(bool all_steps) {
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
  const auto platform = pjbit::platforms::parse_platform(kRacked, "racked.yaml");
  const auto workload = pjbit::workloads::parse_workload(kIterations, "iters.yaml");
  pjbit::engine::RunOptions options;
  options.all_steps = all_steps;
  Outcome r;
  r.sim = pjbit::engine::simulate(platform, workload, options);
  r.ledger = pjbit::power::price(r.sim.usage);
  return r;
}

TEST(Iterations, SummingUpKeepsTheHeadlineFiguresAndTheFirstAndLastIteration) {
  const Outcome full = run(true);
  const Outcome summed = run(false);
  ASSERT_FALSE(full.sim.steps_summed_up);
  ASSERT_EQ(full.sim.steps.size(), 24u);
  ASSERT_TRUE(summed.sim.steps_summed_up);
  EXPECT_EQ(summed.sim.kept_iterations, (std::vector<int>{0, 5}));
  ASSERT_EQ(summed.sim.steps.size(), 8u);
  for (std::size_t k = 0; k < 4; ++k) {
    EXPECT_EQ(summed.sim.steps[k].iteration, 0);
    EXPECT_EQ(summed.sim.steps[4 + k].iteration, 5);
    EXPECT_EQ(summed.sim.steps[k].end_s, full.sim.steps[k].end_s);
    EXPECT_EQ(summed.sim.steps[4 + k].end_s, full.sim.steps[20 + k].end_s);
    EXPECT_EQ(summed.sim.steps[4 + k].dynamic_energy_j, full.sim.steps[20 + k].dynamic_energy_j);
  }
  EXPECT_EQ(summed.sim.sim_time_s, full.sim.sim_time_s);
  EXPECT_DOUBLE_EQ(summed.sim.useful_bytes, full.sim.useful_bytes);
  EXPECT_EQ(summed.ledger.total_j, full.ledger.total_j);
  EXPECT_EQ(summed.ledger.average_power_w, full.ledger.average_power_w);
  // The peaks come from the step loads the summed-up run keeps: the vertices of their hull.
  EXPECT_GT(summed.ledger.peak_power_w, summed.ledger.average_power_w);
  EXPECT_DOUBLE_EQ(summed.ledger.peak_power_w, full.ledger.peak_power_w);
  EXPECT_LT(summed.sim.usage.steps.size(), full.sim.usage.steps.size());
  ASSERT_EQ(summed.ledger.racks.size(), full.ledger.racks.size());
  for (std::size_t k = 0; k < full.ledger.racks.size(); ++k)
    EXPECT_DOUBLE_EQ(summed.ledger.racks[k].peak_w, full.ledger.racks[k].peak_w) << k;

  // Every step key, sub-steps included, in the workload's order.
  const auto& a = summed.sim.step_aggregates;
  ASSERT_EQ(a.size(), 6u);
  const std::vector<std::string> keys = {
      "steps.0", "steps.1", "steps.2", "steps.2.parallel.0", "steps.2.parallel.1", "steps.3"};
  for (std::size_t k = 0; k < a.size(); ++k)
    EXPECT_EQ(a[k].key, keys[k]);
  EXPECT_EQ(a[1].kind, "collective");
  EXPECT_EQ(a[1].op, "all_reduce");
  EXPECT_EQ(a[4].kind, "traffic");
  for (std::size_t s = 0; s < 4; ++s) {
    const auto& agg = a[s == 3 ? 5 : s];
    double energy = 0.0, useful = 0.0, shortest = 1e300, longest = 0.0;
    for (int it = 0; it < 6; ++it) {
      const auto& step = full.sim.steps[static_cast<std::size_t>(it) * 4 + s];
      energy += step.dynamic_energy_j;
      useful += step.useful_bytes;
      shortest = std::min(shortest, step.end_s - step.start_s);
      longest = std::max(longest, step.end_s - step.start_s);
    }
    EXPECT_EQ(agg.time_s.count, 6u);
    EXPECT_NEAR(agg.energy_j.total, energy, 1e-12 * energy) << agg.key;
    EXPECT_NEAR(agg.energy_j.mean(), energy / 6, 1e-12 * energy) << agg.key;
    EXPECT_DOUBLE_EQ(agg.useful_bytes, useful) << agg.key;
    // In whole ticks rather than the difference of two times in seconds.
    EXPECT_NEAR(agg.time_s.min, shortest, 1e-15) << agg.key;
    EXPECT_NEAR(agg.time_s.max, longest, 1e-15) << agg.key;
    EXPECT_LE(agg.time_s.min, agg.time_s.mean());
    EXPECT_LE(agg.time_s.mean(), agg.time_s.max);
  }
  // 100 GFLOP at the H100's 989.4 TFLOP/s on ranks 0 to 3, which start it together in the first iteration
  // (later, they come from the checkpoint at different times).
  EXPECT_NEAR(a[0].time_s.min, 100e9 / 989.4e12, 1e-12);
  EXPECT_GT(a[0].time_s.max, a[0].time_s.min);
}

// Random traffic runs between other ranks every iteration: the step loads kept for the peaks do not grow
// with the iterations, and the peaks are still those of every instance.
TEST(Iterations, PeaksOfRandomTrafficKeepFewLoads) {
  const char* workload =
      "name: random\niterations: 60\nsteps:\n"
      "  - traffic: { size: 256 KiB, messages: 3 }\n"
      "  - parallel:\n"
      "      - compute: { duration: 4 us, ranks: [0, 1, 2] }\n"
      "      - traffic: { size: 64 KiB, messages: 5 }\n";
  Outcome out[2];
  for (const bool all_steps : {true, false}) {
    sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
    sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
    pjbit::engine::RunOptions options;
    options.all_steps = all_steps;
    Outcome& o = out[all_steps ? 0 : 1];
    o.sim = pjbit::engine::simulate(pjbit::platforms::parse_platform(kRacked, "racked.yaml"),
                                    pjbit::workloads::parse_workload(workload, "random.yaml"), options);
    o.ledger = pjbit::power::price(o.sim.usage);
  }
  const Outcome& full = out[0];
  const Outcome& summed = out[1];
  ASSERT_EQ(full.sim.usage.steps.size(), 120u);
  // A few loads per front: the run's, the largest dynamic power's and the five racks'.
  EXPECT_LE(summed.sim.usage.steps.size(), 24u);
  EXPECT_EQ(summed.ledger.total_j, full.ledger.total_j);
  EXPECT_DOUBLE_EQ(summed.ledger.peak_power_w, full.ledger.peak_power_w);
  ASSERT_EQ(summed.ledger.racks.size(), 5u);
  for (std::size_t k = 0; k < full.ledger.racks.size(); ++k)
    EXPECT_DOUBLE_EQ(summed.ledger.racks[k].peak_w, full.ledger.racks[k].peak_w) << k;
}

// Two iterations are kept whole, as every run was before.
TEST(Iterations, TwoIterationsAreKeptWhole) {
  const auto o = pjbit::testing::simulate_yaml(
      kRacked, "name: two\niterations: 2\nsteps:\n  - compute: { duration: 1 us }\n");
  EXPECT_FALSE(o.sim.steps_summed_up);
  EXPECT_EQ(o.sim.steps.size(), 2u);
  EXPECT_TRUE(o.sim.step_aggregates.empty());
}

}  // namespace test_iterations
}  // namespace
