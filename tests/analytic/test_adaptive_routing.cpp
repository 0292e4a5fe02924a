// Adaptive routing (docs/topologies.md, `routing: adaptive`): at every switch with several equal-cost next
// hops, a packet leaves by the output whose direction holds the fewest packets (offered, queued and on the
// wire), as InfiniBand's adaptive routing chooses by local queue depth. A direct all-to-all on a leaf-spine
// loses a sixth to a third of its bandwidth to ECMP's per-flow hash collisions; spraying and adaptive routing
// recover it. The flow engine routes adaptive tiers as sprayed ones (the even split is the long-run average
// of the choices on a symmetric tree). Figures in docs/validation.md.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <systemc>

#include "core/errors.h"
#include "engine/simulation.h"
#include "platforms/loader.h"
#include "workloads/loader.h"

namespace {
namespace test_adaptive_routing {

constexpr double kRate = 50e9;  // B, per direction

// A leaf-spine of `ranks` on switches of radix `radix` (half the ports down, half up): 16 ranks on radix 8
// are 4 leaves of 4 ranks under 4 spines; 64 ranks on radix 16 are 8 leaves of 8 ranks under 4 spines, two
// links from each leaf to each spine (so a spine chooses too). `extra` adds keys to the topology.
std::string leaf_spine(int ranks, int radix, const std::string& routing, const std::string& engine,
                       const std::string& extra = "") {
  return "name: ft\npacket: 4 KiB\nengine: " + engine +
         "\ntopology:\n  kind: fat_tree\n  levels: 2\n  ranks: " + std::to_string(ranks) +
         "\n  radix: " + std::to_string(radix) + "\n  routing: " + routing +
         "\n  link: { bandwidth: 50 GB/s, latency: 500 ns, energy: 5 pJ/bit }\n"
         "  switch: { latency: 300 ns, energy: 10 pJ/bit, radix: " +
         std::to_string(radix) + " }\n" + extra;
}

// busbw (B/s) of a direct all-to-all of `mib` MiB over `ranks` on that leaf-spine.
double busbw(int ranks, int radix, int mib, const std::string& routing, const std::string& engine,
             const std::string& extra = "") {
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
  const std::string workload =
      "name: a2a\nsteps:\n  - collective: all_to_all\n    size: " + std::to_string(mib) +
      " MiB\n    algorithm: direct\n";
  const auto r = pjbit::engine::simulate(
      pjbit::platforms::parse_platform(leaf_spine(ranks, radix, routing, engine, extra), "ft.yaml"),
      pjbit::workloads::parse_workload(workload, "a2a.yaml"));
  EXPECT_EQ(r.engine, engine);
  const auto& s = r.steps.at(0);
  // nccl-tests: busbw = size / t x (n - 1) / n.
  return double(std::uint64_t(mib) << 20) / (s.end_s - s.start_s) * double(ranks - 1) / double(ranks);
}

double busbw(const std::string& routing, const std::string& engine) {
  return busbw(16, 8, 64, routing, engine);
}

TEST(AdaptiveRouting, RecoversWhatEcmpLosesToCollisions) {
  const double ecmp = busbw("ecmp", "packet");
  const double spray = busbw("spray", "packet");
  const double adaptive = busbw("adaptive", "packet");
  // ECMP's collisions cost at least a fifth of the link; spraying runs near line rate.
  EXPECT_LT(ecmp, 0.8 * kRate);
  EXPECT_GT(spray, 0.97 * kRate);
  // Adaptive routing recovers at least 90% of what ECMP loses against the line rate.
  EXPECT_GT((adaptive - ecmp) / (kRate - ecmp), 0.90);
  EXPECT_LE(adaptive, kRate);
}

// 64 ranks: the leaves choose among 8 uplinks and the spines among their two links down to the destination's
// leaf; packets a switch has committed to an output but not yet handed to it count in that output's queue, so
// the senders behind one leaf that inject together do not all pick the same uplink.
TEST(AdaptiveRouting, RecoversMostOfEcmpsLossAt64Ranks) {
  const double ecmp = busbw(64, 16, 16, "ecmp", "packet");
  const double spray = busbw(64, 16, 16, "spray", "packet");
  const double adaptive = busbw(64, 16, 16, "adaptive", "packet");
  EXPECT_LT(ecmp, 0.9 * kRate);
  EXPECT_GT(spray, 0.97 * kRate);
  // At least 90% of what ECMP loses against the line rate, and at least spraying's recovery less 2%.
  EXPECT_GT((adaptive - ecmp) / (kRate - ecmp), 0.90);
  EXPECT_GT(adaptive, 0.98 * spray);
  EXPECT_LE(adaptive, kRate);
  // Under credit flow control (InfiniBand's), with buffers above the credit loop's round trip, it holds too.
  const double credit =
      busbw(64, 16, 16, "adaptive", "packet", "  flow_control: { mode: credit, buffer: 256 KiB }\n");
  EXPECT_GT((credit - ecmp) / (kRate - ecmp), 0.90);
}

TEST(AdaptiveRouting, TheFlowEngineSpraysAdaptiveTiers) {
  EXPECT_DOUBLE_EQ(busbw("adaptive", "flow"), busbw("spray", "flow"));
}

TEST(AdaptiveRouting, OnlyFatTreesRouteAdaptively) {
  try {
    pjbit::platforms::parse_platform(
        "name: r\ntopology: { kind: ring, ranks: 4, routing: adaptive, link: { bandwidth: 1 GB/s, latency: 1 "
        "us } }\n",
        "r.yaml");
    ADD_FAILURE() << "adaptive routing on a ring parsed";
  } catch (const pjbit::core::InputError& e) {
    EXPECT_EQ(
        std::string(e.what()),
        "r.yaml:2:44: topology.routing: adaptive routing chooses between a fat tree's equal-cost paths; "
        "this topology is a ring");
  }
}

}  // namespace test_adaptive_routing
}  // namespace
