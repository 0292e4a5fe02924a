// A dependency-graph workload (`graph: true`): on each rank a step starts once the rank has left the steps of
// its `after` that it takes part in, so independent steps overlap; a rank computes one step at a time; a
// chain gives what the same steps listed without dependencies give. Each case on both engines.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <systemc>

#include "support/sim.h"

namespace {
namespace test_graph {

std::string platform(const std::string& engine) {
  return "name: sw8\nengine: " + engine +
         "\naccelerator: { preset: h100-sxm5 }\n"
         "topology:\n  kind: switch\n  ranks: 8\n"
         "  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }\n"
         "  switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 64 }\n"
         "memory_pools:\n"
         "  - { name: pool0, attach: topology, bandwidth: 400 GB/s, latency: 600 ns, energy: 10 pJ/bit, "
         "capacity: 4 TiB }\n";
}

pjbit::testing::Outcome run(const std::string& engine, const std::string& workload) {
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
  return pjbit::testing::simulate_yaml(platform(engine), workload);
}

constexpr double kTick = 1e-12;

class Graph : public ::testing::TestWithParam<const char*> {};

// A collective alone: what it takes on an idle fabric.
double alone(const std::string& engine, const std::string& step) {
  const auto o = run(engine, "name: alone\nsteps:\n  - " + step + "\n");
  return o.sim.steps.at(0).end_s - o.sim.steps.at(0).start_s;
}

TEST_P(Graph, IndependentStepsOverlapAndComputeRunsOneAtATime) {
  const std::string engine = GetParam();
  const std::string ar = "{ collective: all_reduce, size: 64 MiB, algorithm: ring }";
  const double t_ar = alone(engine, ar);
  ASSERT_GT(t_ar, 1e-3);  // longer than the first compute, shorter than both
  ASSERT_LT(t_ar, 2e-3);
  const auto o = run(engine,
                     "name: g\ngraph: true\nsteps:\n"
                     "  - { id: a, compute: { duration: 1 ms } }\n"
                     "  - { id: b, collective: all_reduce, size: 64 MiB, algorithm: ring }\n"
                     "  - { id: c, compute: { duration: 1 ms } }\n"
                     "  - { id: d, compute: { duration: 0.5 ms }, after: [b, c] }\n");
  const auto& s = o.sim.steps;
  ASSERT_EQ(s.size(), 4u);
  // The collective runs beside the compute, as long as alone (compute moves nothing over the fabric).
  EXPECT_NEAR(s[1].start_s, 0.0, kTick);
  EXPECT_NEAR(s[1].end_s, t_ar, 2 * kTick);
  // c waits for no step, but for the rank's compute, which a holds.
  EXPECT_NEAR(s[0].end_s, 1e-3, kTick);
  EXPECT_NEAR(s[2].start_s, 1e-3, kTick);
  EXPECT_NEAR(s[2].end_s, 2e-3, kTick);
  // d waits for both; c ends later.
  EXPECT_NEAR(s[3].start_s, 2e-3, kTick);
  EXPECT_NEAR(o.sim.sim_time_s, 2.5e-3, kTick);
  for (double t : o.sim.compute_time_s)  // every rank computed all the time
    EXPECT_NEAR(t, 2.5e-3, kTick);
}

TEST_P(Graph, EachRankWaitsOnlyForItsOwnDependencies) {
  const std::string engine = GetParam();
  // The same entries without dependencies: rank 0 enters the all_reduce after its compute, rank 1 after its
  // own, ranks 2 and 3 at once.
  const auto list =
      run(engine,
          "name: l\nsteps:\n"
          "  - { compute: { duration: 1 ms, ranks: [0] } }\n"
          "  - { compute: { duration: 2 ms, ranks: [1] } }\n"
          "  - { collective: all_reduce, size: 16 MiB, algorithm: ring, ranks: [0, 1, 2, 3] }\n");
  const auto o =
      run(engine,
          "name: g\ngraph: true\nsteps:\n"
          "  - { id: c0, compute: { duration: 1 ms, ranks: [0] } }\n"
          "  - { id: c1, compute: { duration: 2 ms, ranks: [1] } }\n"
          "  - { id: r, collective: all_reduce, size: 16 MiB, algorithm: ring, ranks: [0, 1, 2, 3],\n"
          "      after: [c0, c1] }\n"
          "  - { id: e, compute: { duration: 1 ms, ranks: [2, 3] }, after: [r] }\n");
  const auto& s = o.sim.steps;
  ASSERT_EQ(s.size(), 4u);
  EXPECT_NEAR(s[2].start_s, 0.0, kTick);
  EXPECT_EQ(s[2].end_s, list.sim.steps[2].end_s);
  EXPECT_GT(s[2].end_s, 2e-3);
  // e on ranks 2 and 3 follows the all_reduce (which they leave when their part is done), not the computes
  // of ranks 0 and 1 that it does not name.
  EXPECT_GT(s[3].start_s, 0.0);
  EXPECT_LE(s[3].start_s, s[2].end_s);
  EXPECT_NEAR(s[3].end_s - s[3].start_s, 1e-3, kTick);
}

// Each step after the step before it on each of its ranks (d: after c on the ranks c moves data between,
// after b on the others), as an exported list is.
TEST_P(Graph, AChainGivesWhatTheListGives) {
  const std::string engine = GetParam();
  const auto graph =
      run(engine,
          "name: g\ngraph: true\niterations: 2\nsteps:\n"
          "  - { id: a, compute: { duration: 100 us } }\n"
          "  - { id: b, collective: all_gather, size: 32 MiB, after: [a] }\n"
          "  - { id: c, traffic: { size: 1 MiB, pairs: [[0, 5], [3, 2]], messages: 4, interval: 10 us "
          "}, after: [b] }\n"
          "  - { id: d, checkpoint: { size: 8 MiB, pool: pool0 }, after: [b, c] }\n");
  const auto list =
      run(engine,
          "name: g\niterations: 2\nsteps:\n"
          "  - { compute: { duration: 100 us } }\n"
          "  - { collective: all_gather, size: 32 MiB }\n"
          "  - { traffic: { size: 1 MiB, pairs: [[0, 5], [3, 2]], messages: 4, interval: 10 us } }\n"
          "  - { checkpoint: { size: 8 MiB, pool: pool0 } }\n");
  ASSERT_EQ(graph.sim.steps.size(), list.sim.steps.size());
  // Flows give the same figures exactly. Packets that reach one port in the same picosecond are served in
  // the order their senders ran in that instant, which the two walks can differ in (a compute step's end
  // wakes a listed program directly, a graph's walk through a timer): within 0.1% for those.
  const double tolerance = engine == "flow" ? 0.0 : 1e-3;
  const auto near = [&](double a, double b) { return std::abs(a - b) <= tolerance * std::abs(b); };
  EXPECT_TRUE(near(graph.sim.sim_time_s, list.sim.sim_time_s));
  EXPECT_TRUE(near(graph.ledger.total_j, list.ledger.total_j));
  for (std::size_t i = 0; i < list.sim.steps.size(); ++i) {
    EXPECT_TRUE(near(graph.sim.steps[i].start_s, list.sim.steps[i].start_s)) << i;
    EXPECT_TRUE(near(graph.sim.steps[i].end_s, list.sim.steps[i].end_s)) << i;
    EXPECT_EQ(graph.sim.steps[i].wire_bytes, list.sim.steps[i].wire_bytes) << i;
  }
}

TEST_P(Graph, IterationsFollowOneAnotherOnEachRank) {
  const std::string engine = GetParam();
  const auto o = run(engine,
                     "name: g\ngraph: true\niterations: 2\nsteps:\n"
                     "  - { id: a, compute: { duration: 1 ms, ranks: [0] } }\n"
                     "  - { id: b, compute: { duration: 3 ms, ranks: [1] } }\n");
  const auto& s = o.sim.steps;
  ASSERT_EQ(s.size(), 4u);
  // Rank 0's second iteration starts when its first ends, not when rank 1's does.
  EXPECT_NEAR(s[2].start_s, 1e-3, kTick);
  EXPECT_NEAR(s[3].start_s, 3e-3, kTick);
  EXPECT_NEAR(o.sim.sim_time_s, 6e-3, kTick);
}

// A step's time split: compute, communication exposed by dimension (what no compute overlaps), waiting.
TEST_P(Graph, TheTimeSplitsIntoComputeExposedCommunicationByDimensionAndWaiting) {
  const std::string engine = GetParam();
  const auto o =
      run(engine,
          "name: g\ngraph: true\nsteps:\n"
          "  - { id: f, compute: { duration: 1 ms } }\n"
          "  - { id: tp, collective: all_reduce, size: 64 MiB, algorithm: ring, dim: tp, after: [f] }\n"
          "  - { id: b, compute: { duration: 1 ms }, after: [tp] }\n"
          "  - { id: dp, collective: all_reduce, size: 256 MiB, algorithm: ring, dim: dp, after: [b] }\n"
          "  - { id: b2, compute: { duration: 0.5 ms }, after: [b] }\n"
          "  - { id: tail, compute: { duration: 1 ms, ranks: [0] }, after: [dp] }\n");
  const auto& s = o.sim.steps;
  const auto& t = o.sim.time_split;
  const double t_tp = s[1].end_s - s[1].start_s, t_dp = s[3].end_s - s[3].start_s;
  // Every rank computes 2.5 ms; rank 0 1 ms more, while the others wait: a mean of 2.5 + 1/8 ms.
  EXPECT_NEAR(t.compute_s, 2.5e-3 + 1e-3 / 8, 1e-9);
  EXPECT_NEAR(t.exposed_s[0], t_tp, 1e-9);           // tp: nothing overlaps it
  EXPECT_NEAR(t.exposed_s[2], t_dp - 0.5e-3, 1e-9);  // dp: b2 hides 0.5 ms of it
  EXPECT_NEAR(t.idle_s, 1e-3 * 7 / 8, 1e-9);         // ranks 1-7 wait for rank 0's tail
  double sum = t.compute_s + t.idle_s;
  for (double e : t.exposed_s)
    sum += e;
  EXPECT_NEAR(sum, o.sim.sim_time_s, 1e-9);
}

// A pipeline message: its receiver waits for the stage before it to finish computing (the bubble, idle),
// then for the message itself (exposed pipeline communication); the sender's time in the step is exposed.
TEST_P(Graph, APipelineReceiverWaitsInTheBubbleUntilItsSenderIsDone) {
  const std::string engine = GetParam();
  const auto o = run(engine,
                     "name: g\ngraph: true\nsteps:\n"
                     "  - { id: f, compute: { duration: 2 ms, ranks: [0, 1] } }\n"
                     "  - { id: act, traffic: { pairs: [[0, 4], [1, 5]], messages: 2, size: 16 MiB }, dim: "
                     "pp, after: [f] }\n"
                     "  - { id: g, compute: { duration: 1 ms, ranks: [4, 5] }, after: [act] }\n");
  const auto& s = o.sim.steps;
  const auto& t = o.sim.time_split;
  const double transfer = s[1].end_s - 2e-3;  // from the senders' entry to the last byte
  ASSERT_GT(transfer, 0.0);
  // Ranks 4 and 5 enter at 0 and wait 2 ms for ranks 0 and 1: bubble, not pipeline communication.
  const double pp = t.exposed_s[1] * 8;  // summed over the eight ranks
  EXPECT_NEAR(pp, 4 * transfer, 1e-9);   // two senders and two receivers, each for the transfer
  const double run = o.sim.sim_time_s;
  EXPECT_NEAR(t.compute_s * 8, 2 * 2e-3 + 2 * 1e-3, 1e-9);
  double sum = t.compute_s + t.idle_s;
  for (double e : t.exposed_s)
    sum += e;
  EXPECT_NEAR(sum, run, 1e-9);
}

INSTANTIATE_TEST_SUITE_P(Engines, Graph, ::testing::Values("packet", "flow"));

}  // namespace test_graph
}  // namespace
