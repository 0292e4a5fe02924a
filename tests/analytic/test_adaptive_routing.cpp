// Adaptive routing (docs/topologies.md, `routing: adaptive`): every packet takes, of the equal-cost paths its
// hash and 15 derived hashes give, the one whose first switch's output holds the fewest packets. A direct
// all-to-all on a leaf-spine loses a third of its bandwidth to ECMP's per-flow hash collisions; spraying and
// adaptive routing recover it. The flow engine routes adaptive tiers as sprayed ones (the even split is the
// long-run average of the choices on a symmetric tree). Figures in docs/validation.md.
#include <gtest/gtest.h>

#include <string>
#include <systemc>

#include "core/errors.h"
#include "engine/simulation.h"
#include "platforms/loader.h"
#include "workloads/loader.h"

namespace {
namespace test_adaptive_routing {

constexpr double kRate = 50e9;  // B, per direction

// 16 ranks on leaves of radix 8: 4 leaves of 4 ranks, 4 spines.
std::string leaf_spine(const std::string& routing, const std::string& engine) {
  return "name: ft16\npacket: 4 KiB\nengine: " + engine +
         "\ntopology:\n  kind: fat_tree\n  levels: 2\n  ranks: 16\n  radix: 8\n  routing: " + routing +
         "\n  link: { bandwidth: 50 GB/s, latency: 500 ns, energy: 5 pJ/bit }\n"
         "  switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 8 }\n";
}

const char* const kAllToAll =
    "name: a2a\nsteps:\n  - collective: all_to_all\n    size: 64 MiB\n    algorithm: direct\n";

double busbw(const std::string& routing, const std::string& engine) {
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
  const auto r =
      pjbit::engine::simulate(pjbit::platforms::parse_platform(leaf_spine(routing, engine), "ft.yaml"),
                              pjbit::workloads::parse_workload(kAllToAll, "a2a.yaml"));
  EXPECT_EQ(r.engine, engine);
  const auto& s = r.steps.at(0);
  // nccl-tests: busbw = size / t x (n - 1) / n.
  return double(64u << 20) / (s.end_s - s.start_s) * 15.0 / 16.0;
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
