// Batched completions in the flow engine (docs/engines.md, "Batched completions"): with flow_batch = e, the
// bandwidth a finished flow frees is handed out at most e x (now - s) after it finishes, s the later of its
// start and the last start on a link direction it leaves; the flows left keep their rates until then.
//
// Closed forms on one switch (links of C = 100 GB/s, path latency L = 2 x 500 ns + 300 ns): flows A (a bytes,
// rank 0 to 2) and B (b > a bytes, rank 1 to 2) share the switch's link to rank 2.
//   both from 0:     A ends at 2a/C + L; B at (a + b)/C + L exactly, and e a/C later batched (it keeps C/2
//                    for e 2a/C after A's end, instead of C).
//   B from t_B:      A (a bytes) alone at C until t_B, then both at C/2; A ends at t_A = 2a/C - t_B, B
//                    (b bytes) then has b - (t_A - t_B) C/2 left. The lag is e (t_A - t_B): B's start is
//                    the youngest on the shared link, so B ends e (t_A - t_B)/2 late.
// And against the exact solve: a fat tree's all-to-all with ECMP, alone and beside other collectives.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <systemc>

#include "engine/simulation.h"
#include "platforms/loader.h"
#include "workloads/loader.h"

namespace {
namespace test_flow_batch {

constexpr double kRate = 100e9;                   // C, bytes per second
constexpr double kLatency = 2 * 500e-9 + 300e-9;  // L: two links and the switch
constexpr double kTick = 2e-12;                   // the kernel rounds each finish and lag to its tick

pjbit::engine::SimulationResult simulate(const std::string& platform, const std::string& workload,
                                         double batch) {
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
  return pjbit::engine::simulate(
      pjbit::platforms::parse_platform(platform + "flow_batch: " + std::to_string(batch) + "\n", "p.yaml"),
      pjbit::workloads::parse_workload(workload, "w.yaml"));
}

const std::string kSwitch =
    "name: sw3\nengine: flow\ntopology: { kind: switch, ranks: 3, link: { bandwidth: 100 GB/s, latency: "
    "500 ns, energy: 5 pJ/bit }, switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 8 } }\n";

class TwoFlows : public ::testing::TestWithParam<double> {};

TEST_P(TwoFlows, TheLaterFlowGetsTheFreedBandwidthOneLagLate) {
  const double e = GetParam();
  const double a = 100e6, b = 300e6;
  const auto r = simulate(kSwitch,
                          "name: two\ngraph: true\nsteps:\n"
                          "  - { id: a, traffic: { pairs: [[0, 2]], messages: 1, size: 100 MB } }\n"
                          "  - { id: b, traffic: { pairs: [[1, 2]], messages: 1, size: 300 MB } }\n",
                          e);
  ASSERT_EQ(r.steps.size(), 2u);
  EXPECT_NEAR(r.steps[0].end_s, 2 * a / kRate + kLatency, kTick);
  EXPECT_NEAR(r.steps[1].end_s, (a + b) / kRate + kLatency + e * a / kRate, kTick);
  // Every byte is charged as in the exact solve: the energy of the bytes does not depend on the batching.
  EXPECT_NEAR(r.steps[1].dynamic_energy_j, b * 8 * (2 * 5e-12 + 10e-12), 1e-9);
}

TEST_P(TwoFlows, TheLagIsMeasuredFromTheYoungestFlowThatGains) {
  const double e = GetParam();
  const double a = 200e6, b = 200e6, t_b = 1e-3;
  const auto r =
      simulate(kSwitch,
               "name: two\ngraph: true\nsteps:\n"
               "  - { id: a, traffic: { pairs: [[0, 2]], messages: 1, size: 200 MB } }\n"
               "  - { id: wait, compute: { duration: 1 ms, ranks: [1] } }\n"
               "  - { id: b, traffic: { pairs: [[1, 2]], messages: 1, size: 200 MB }, after: [wait] "
               "}\n",
               e);
  ASSERT_EQ(r.steps.size(), 3u);
  const double t_a = 2 * a / kRate - t_b;  // A's last byte leaves
  EXPECT_NEAR(r.steps[0].end_s, t_a + kLatency, kTick);
  const double left = b - (t_a - t_b) * kRate / 2;  // B's bytes left when A ends
  EXPECT_NEAR(r.steps[2].end_s, t_a + left / kRate + kLatency + e * (t_a - t_b) / 2, kTick);
}

INSTANTIATE_TEST_SUITE_P(Tolerances, TwoFlows, ::testing::Values(0.0, 0.01, 0.1, 0.5));

// A 64-rank leaf-spine (radix 16) with ECMP: some spine links carry colliding flows, whose rates change as
// other flows end.
const std::string kFatTree =
    "name: ft\nengine: flow\ntopology: { kind: fat_tree, ranks: 64, radix: 16, routing: ecmp, link: { "
    "bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }, switch: { latency: 300 ns, energy: 10 "
    "pJ/bit, radix: 16 } }\n";

std::string ranks(int from, int to) {
  std::string list;
  for (int i = from; i < to; ++i)
    list += (list.empty() ? "" : ", ") + std::to_string(i);
  return "[" + list + "]";
}

// The stated bound, checked against the exact solve: every step ends within e of its exact time (relative),
// and every byte is charged alike.
void expect_within(const pjbit::engine::SimulationResult& exact,
                   const pjbit::engine::SimulationResult& batched, double e) {
  EXPECT_LE(std::abs(batched.sim_time_s - exact.sim_time_s), e * exact.sim_time_s);
  ASSERT_EQ(batched.steps.size(), exact.steps.size());
  for (std::size_t i = 0; i < exact.steps.size(); ++i) {
    const auto& x = exact.steps[i];
    const auto& y = batched.steps[i];
    EXPECT_LE(std::abs(y.end_s - x.end_s), e * x.end_s) << x.key;
    EXPECT_LE(std::abs(y.rank_time_s - x.rank_time_s), e * x.rank_time_s) << x.key;
    EXPECT_NEAR(y.dynamic_energy_j, x.dynamic_energy_j, 1e-9 * x.dynamic_energy_j) << x.key;
    EXPECT_NEAR(y.wire_bytes, x.wire_bytes, 1e-9 * x.wire_bytes) << x.key;
  }
}

TEST(FlowBatch, EcmpAllToAllStaysWithinTheBoundOfTheExactSolve) {
  const std::string a2a =
      "name: a2a\nsteps:\n  - { collective: all_to_all, size: 64 MiB, algorithm: direct }\n";
  const auto exact = simulate(kFatTree, a2a, 0.0);
  for (const double e : {0.01, 0.1})
    expect_within(exact, simulate(kFatTree, a2a, e), e);
}

// Beside the all-to-all, a ring all-reduce on half the ranks and a smaller all-to-all on the other half share
// its links: their flows start all through the run, and gain when the all-to-all's flows end.
TEST(FlowBatch, MixedCollectivesStayWithinTheBoundOfTheExactSolve) {
  const std::string mix =
      "name: mix\ngraph: true\nsteps:\n"
      "  - { id: big, collective: all_to_all, size: 64 MiB, algorithm: direct }\n"
      "  - { id: small, collective: all_to_all, size: 16 MiB, algorithm: direct, ranks: " +
      ranks(0, 32) +
      " }\n"
      "  - { id: ring, collective: all_reduce, size: 32 MiB, algorithm: ring, ranks: " +
      ranks(32, 64) + " }\n";
  const auto exact = simulate(kFatTree, mix, 0.0);
  for (const double e : {0.001, 0.01, 0.1}) {
    const auto batched = simulate(kFatTree, mix, e);
    expect_within(exact, batched, e);
    // The batching acts here: the steps' times move (by much less than the bound).
    EXPECT_NE(batched.sim_time_s, exact.sim_time_s);
  }
}

}  // namespace test_flow_batch
}  // namespace
