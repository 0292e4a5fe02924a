// Fabric-level closed forms and the acceptance figures of the topology and component library:
// leaf-spine all-to-all with and without oversubscription, hierarchical versus flat all-reduce on two tiers,
// rail rings (ring channels) on two tiers, a ring in an order of its own, in-network reduction, jobs sharing
// a ring, an explicit graph, memory pools and checkpoints, OCS power.
#include <gtest/gtest.h>

#include <string>

#include "core/errors.h"
#include "report/report.h"
#include "support/sim.h"
#include "workloads/alpha_beta.h"
#include "workloads/nccl_tests.h"

namespace {
namespace test_fabrics {

using pjbit::testing::simulate_yaml;
constexpr double MiB = 1024.0 * 1024.0;
constexpr double GiB = 1024.0 * MiB;

double busbw(const pjbit::engine::StepResult& s) {
  return static_cast<double>(s.size_bytes) / (s.end_s - s.start_s) *
         pjbit::workloads::busbw_factor(s.op, s.ranks);
}

std::string leaf_spine(double oversubscription, const std::string& routing) {
  return "name: ls\npacket: 64 KiB\ntopology:\n  kind: fat_tree\n  ranks: 16\n  radix: 8\n  routing: " +
         routing + "\n  oversubscription: " + std::to_string(oversubscription) +
         "\n  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }\n"
         "  switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 8 }\n";
}

const char* kAllToAll =
    "name: a2a\nsteps:\n  - collective: all_to_all\n    size: 64 MiB\n    algorithm: direct\n";

// Per-packet spraying spreads every flow over all spines: a non-blocking leaf-spine carries a direct
// all-to-all at nearly the link rate.
TEST(LeafSpine, NonBlockingAllToAllRunsNearLinkRateWithSpraying) {
  const auto o = simulate_yaml(leaf_spine(1.0, "spray"), kAllToAll);
  const double rate = busbw(o.sim.steps.at(0));
  EXPECT_GE(rate, 0.90 * 100e9);
  EXPECT_LE(rate, 100e9);
  // Of the 15 peers of a rank, 3 share its leaf (2 links) and 12 do not (4 links): wire/useful = 54/15.
  EXPECT_NEAR(o.sim.wire_bytes / o.sim.useful_bytes, 54.0 / 15.0, 1e-3);
}

// With a per-flow hash (ECMP) some spines get more flows than others; the all-to-all pays for the collisions
// but still runs at well over half the link rate. (Spraying above reaches about 99%.)
TEST(LeafSpine, EcmpPaysForHashCollisions) {
  const auto o = simulate_yaml(leaf_spine(1.0, "ecmp"), kAllToAll);
  const double rate = busbw(o.sim.steps.at(0));
  EXPECT_GE(rate, 0.55 * 100e9);
  EXPECT_LT(rate, 0.90 * 100e9);
  EXPECT_NEAR(o.sim.wire_bytes / o.sim.useful_bytes, 54.0 / 15.0, 1e-3);
}

TEST(LeafSpine, ThreeToOneOversubscriptionCutsAllToAllBandwidth) {
  // 6 ranks per leaf share 2 uplinks: cross-leaf traffic gets at most a third of the link rate per rank.
  const auto o = simulate_yaml(leaf_spine(3.0, "spray"), kAllToAll);
  const double rate = busbw(o.sim.steps.at(0));
  EXPECT_LT(rate, 0.75 * 0.90 * 100e9);
  EXPECT_GT(rate, 0.0);
}

std::string two_tiers() {
  // 16 pods of 8 NVSwitch-class ranks at 400 GB/s, joined by a leaf-spine at 50 GB/s per rank (8x slower).
  return "name: pods\npacket: 256 KiB\ntiers:\n"
         "  - { name: scale_up, kind: switch, ranks: 8, link: { bandwidth: 400 GB/s, latency: 300 ns, "
         "energy: 2 pJ/bit },"
         " switch: { latency: 300 ns, energy: 4 pJ/bit, radix: 64 } }\n"
         "  - { name: scale_out, kind: fat_tree, domains: 16, radix: 64, link: { bandwidth: 50 GB/s, "
         "latency: 1 us,"
         " energy: 15 pJ/bit }, switch: { latency: 500 ns, energy: 10 pJ/bit, radix: 64 } }\n";
}

TEST(Tiers, HierarchicalAllReduceBeatsAFlatRingThreeTimes) {
  const auto o =
      simulate_yaml(two_tiers(),
                    "name: ar\nsteps:\n  - collective: all_reduce\n    size: 256 MiB\n    algorithm: ring\n"
                    "  - collective: all_reduce\n    size: 256 MiB\n    algorithm: hierarchical\n");
  const auto& flat = o.sim.steps.at(0);
  const auto& hier = o.sim.steps.at(1);
  const double t_flat = flat.end_s - flat.start_s, t_hier = hier.end_s - hier.start_s;
  EXPECT_GE(t_flat / t_hier, 3.0) << "flat " << t_flat << " s, hierarchical " << t_hier << " s";
  // The flat ring is bound by its slowest hop, pod to pod through the leaf-spine: 4 links of 1 us and 3
  // switches of 500 ns, 2 MiB a step: 2(n-1)(alpha + S/(nB)).
  // That is a lower bound: the pod-to-pod flows of a step share spines by ECMP hash and some collide.
  const double alpha = 4 * 1e-6 + 3 * 500e-9;
  EXPECT_GE(t_flat, 2.0 * 127.0 * (alpha + 256 * MiB / 128.0 / 50e9));
}

// Rail rings (docs/collectives.md, "Channels and rail rings"): ring all_reduce of S over G domains of m
// ranks, a scale-up switch tier at B_in and a scale-out switch tier at B_out per rank (each rank's own port,
// its NIC). With one ring, two neighbours in different domains meet in every phase through one rank's
// scale-out port: T_1 = 2(n-1) (alpha_out + S/(n B_out)). With K = m channels, channel c leaves each domain
// through local rank c-1 and enters the next at local rank c, so every rank's scale-out port carries one
// channel's crossing of S/(Kn) per phase while its scale-up port carries the m-1 others' hops, (m-1) S/(Kn)
// at B_in. As long as B_in > (m-1) B_out the crossings bound each phase (NIC-bound):
//   T_K = 2(n-1) (alpha_out + S/(K n B_out))
// m = 8, G = 4 (n = 32), B_in = 400 GB/s, B_out = 50 GB/s, S = 256 MiB: T_1 = 10.496 ms and T_8 = 1.393 ms,
// 7.5 times faster. alpha_out = 500 ns link + 500 ns switch + 500 ns link.
// Four domains of eight ranks: a 400 GB/s scale-up switch each, joined by one 50 GB/s switch; `out` is added
// to the outer tier's keys.
std::string four_pods(const std::string& engine, const std::string& out) {
  return "name: rails\nengine: " + engine +
         "\npacket: 64 KiB\ntiers:\n"
         "  - { name: up, kind: switch, ranks: 8, link: { bandwidth: 400 GB/s, latency: 100 ns }, "
         "switch: { latency: 100 ns, radix: 64 } }\n"
         "  - { name: out, kind: switch, domains: 4, link: { bandwidth: 50 GB/s, latency: 500 ns }, "
         "switch: { latency: 500 ns, radix: 64 }" +
         out + " }\n";
}

class RailRings : public ::testing::TestWithParam<const char*> {};

TEST_P(RailRings, EightChannelsAreNicBoundAndOverFiveTimesFasterThanOne) {
  const std::string engine = GetParam();
  const std::string platform = four_pods(engine, "");
  // Ranks away from a domain's edge finish a ring's last phases early and run ahead into the next step: a
  // small all-reduce between the two lines them up again, so each step is timed from a common start.
  const auto o =
      simulate_yaml(platform,
                    "name: ar\nsteps:\n"
                    "  - { collective: all_reduce, size: 256 MiB, algorithm: ring }\n"
                    "  - { collective: all_reduce, size: 8 KiB }\n"
                    "  - { collective: all_reduce, size: 256 MiB, algorithm: ring, channels: 8 }\n");
  const int n = 32;
  const double S = 256 * MiB, b_out = 50e9, a_out = 1.5e-6;
  const auto& one = o.sim.steps.at(0);
  const auto& eight = o.sim.steps.at(2);
  EXPECT_EQ(one.channels, 1);
  EXPECT_EQ(eight.channels, 8);
  const double t1 = one.end_s - one.start_s, t8 = eight.end_s - eight.start_s;
  const double model1 = 2.0 * (n - 1) * (a_out + S / (n * b_out));
  const double model8 = 2.0 * (n - 1) * (a_out + S / (8.0 * n * b_out));
  EXPECT_NEAR(t1, model1, 0.02 * model1) << engine;
  EXPECT_NEAR(t8, model8, 0.02 * model8) << engine;
  EXPECT_GE(t1 / t8, 5.0) << "one ring " << t1 << " s, eight channels " << t8 << " s";
  // Both move the nccl-tests useful bytes; the channels add no wire bytes (each hop crosses the same tiers).
  EXPECT_DOUBLE_EQ(eight.useful_bytes, 2.0 * (n - 1) * S);
  EXPECT_NEAR(eight.wire_bytes, one.wire_bytes, 1e-9 * one.wire_bytes);
  // Every rank's scale-out port carried one channel's crossings, 2(n-1) S/(8n) = 62 MiB each way; of the
  // one ring's crossings only the last rank of each domain sends (and the first receives) 2(n-1) S/n =
  // 496 MiB. (The 8 KiB all-reduce adds a few KiB.)
  const double channel = 2.0 * (n - 1) * S / (8.0 * n), ring = 2.0 * (n - 1) * S / n;
  int out_links = 0;
  for (const auto& l : o.sim.links) {
    if (l.tier != "out") continue;
    ++out_links;
    const bool to_switch = l.id.rfind("r", 0) == 0;
    const int rank = std::stoi(to_switch ? l.id.substr(1) : l.id.substr(l.id.find("->r") + 3));
    const bool edge = to_switch ? rank % 8 == 7 : rank % 8 == 0;
    EXPECT_NEAR(l.bytes, channel + (edge ? ring : 0.0), 64 * 1024) << l.id;
  }
  EXPECT_EQ(out_links, 2 * n);
}

INSTANTIATE_TEST_SUITE_P(Engines, RailRings, ::testing::Values("packet", "flow"));

// Two accelerators behind each NIC (ranks_per_nic: 2): the eight rail rings cross the network through four
// NICs a domain, two channels each, so every phase moves 2 S/(8n) through a NIC link, half the rate of a NIC
// per rank: 2(n-1)(alpha_out + 2S/(8n B_out)), alpha_out with two NIC crossings. A direct all-to-all moves
// both ranks' 24 of 32 peers through their NIC: 2 x (24/32) S/B_out.
class SharedNics : public ::testing::TestWithParam<const char*> {};

TEST_P(SharedNics, TwoRanksANicHalveTheRailRingsAndTheAllToAll) {
  const std::string engine = GetParam();
  const std::string platform =
      four_pods(engine, ", nic: { latency: 100 ns, energy: 2 pJ/bit }, ranks_per_nic: 2");
  const auto o = simulate_yaml(platform,
                               "name: ar\nsteps:\n"
                               "  - { collective: all_reduce, size: 256 MiB, algorithm: ring, channels: 8 }\n"
                               "  - { collective: all_to_all, size: 64 MiB, algorithm: direct }\n");
  const int n = 32;
  const double S = 256 * MiB, b_out = 50e9, a_out = 1.7e-6;
  const auto& ring = o.sim.steps.at(0);
  const double t = ring.end_s - ring.start_s;
  const double model = 2.0 * (n - 1) * (a_out + 2.0 * S / (8.0 * n * b_out));
  const auto& a2a = o.sim.steps.at(1);
  const double a2a_model = 2.0 * (24.0 / 32.0) * 64 * MiB / b_out;
  if (engine == "flow") {
    // Fair shares: the NIC's two channels end each phase together.
    EXPECT_NEAR(t, model, 0.01 * model);
    EXPECT_NEAR(a2a.end_s - a2a.start_s, a2a_model, 0.01 * a2a_model);
  } else {
    // Packets take turns at the NIC's network port and the channels' phases end apart (docs/engines.md):
    // never faster than the fair share, within 10% of it (7.2% and 3.1% here).
    EXPECT_GE(t, model);
    EXPECT_LE(t, 1.10 * model);
    EXPECT_GE(a2a.end_s - a2a.start_s, a2a_model);
    EXPECT_LE(a2a.end_s - a2a.start_s, 1.10 * a2a_model);
  }
  // Sixteen NICs, one network link each, named after their first rank; each carried two channels'
  // crossings, 2 x 2(n-1) S/(8n) each way, and its ranks' all-to-all traffic.
  int out_links = 0;
  for (const auto& l : o.sim.links) {
    if (l.tier != "out") continue;
    ++out_links;
    const std::string nic = l.id.rfind("out.nic", 0) == 0 ? l.id.substr(7, l.id.find("->") - 7)
                                                          : l.id.substr(l.id.find("->out.nic") + 9);
    EXPECT_EQ(std::stoi(nic) % 2, 0) << l.id;
    const double a2a_bytes = 2.0 * 24.0 * 64 * MiB / 32.0;
    EXPECT_NEAR(l.bytes, 2.0 * 2.0 * (n - 1) * S / (8.0 * n) + a2a_bytes, 0.01 * a2a_bytes) << l.id;
  }
  EXPECT_EQ(out_links, 2 * 16);
}

INSTANTIATE_TEST_SUITE_P(Engines, SharedNics, ::testing::Values("packet", "flow"));

// The collective library holds each rank to its share of a shared NIC: 2 nodes of 8 H100 with four 400G
// NDR NICs a node run their eight rail rings at four NICs' goodput, half the 383.9 GB/s of a NIC a GPU.
TEST(SharedNics, TheLibrarysNetworkShareIsPerRankOfTheNic) {
  const std::string platform =
      "name: h100-4nic\nengine: flow\naccelerator: { preset: h100-sxm5 }\ntiers:\n"
      "  - { name: scale_up, kind: switch, ranks: 8, link: { preset: nvlink4-x18 }, "
      "switch: { preset: nvswitch-gen3, radix: 256 } }\n"
      "  - { name: scale_out, kind: fat_tree, domains: 2, radix: 64, routing: spray, "
      "link: { preset: ib-ndr-400g }, switch: { preset: eth-51t }, nic: { preset: nic-400g }, "
      "ranks_per_nic: 2 }\n";
  const auto o = simulate_yaml(platform, "name: ar\nsteps:\n  - { collective: all_reduce, size: 8 GiB }\n");
  const auto& step = o.sim.steps.at(0);
  EXPECT_EQ(step.algorithm, "ring");
  const auto& link = o.platform.tiers[1].link;
  const double nic_goodput =
      link.bandwidth_Bps * (1.0 - link.overhead) * o.platform.accelerator.comm.net_efficiency;
  // Eight channels through four NICs: busbw is the NICs' goodput, less the per-step latencies (under 0.1%).
  EXPECT_NEAR(busbw(step), 4.0 * nic_goodput, 0.01 * 4.0 * nic_goodput);
  EXPECT_LT(busbw(step), 4.0 * nic_goodput);
}

// PXN on a rail-optimized leaf-spine (each rail's four NICs on one leaf): a direct all-to-all's cross-rail
// messages cross the scale-up switch to the rank on the destination's rail, so nothing climbs to a spine.
// Each rank's NIC carries its own 3 same-rail messages and 21 proxied ones, 24 of S/32, as many as without
// PXN (NIC-bound either way: 24/32 S/B_out); each scale-up link carries 7 local and 21 proxied messages each
// way.
class Pxn : public ::testing::TestWithParam<const char*> {};

TEST_P(Pxn, CrossRailTrafficStaysOffTheSpines) {
  const std::string engine = GetParam();
  const std::string platform =
      "name: rails\nengine: " + engine +
      "\npacket: 64 KiB\ntiers:\n"
      "  - { name: up, kind: switch, ranks: 8, link: { bandwidth: 400 GB/s, latency: 100 ns }, "
      "switch: { latency: 100 ns, radix: 64 } }\n"
      "  - { name: out, kind: fat_tree, domains: 4, radix: 8, link: { bandwidth: 50 GB/s, latency: 500 ns }, "
      "switch: { latency: 500 ns, radix: 8 }, nic: { latency: 100 ns }, pxn: true }\n";
  const auto o = simulate_yaml(platform, kAllToAll);
  const double S = 64 * MiB, message = S / 32.0;
  const auto& step = o.sim.steps.at(0);
  const double model = 24.0 * message / 50e9;
  EXPECT_GE(step.end_s - step.start_s, model) << engine;
  EXPECT_LE(step.end_s - step.start_s, 1.03 * model) << engine;
  int spines = 0, nics = 0, up = 0;
  for (const auto& l : o.sim.links) {
    if (l.id.find("spine") != std::string::npos) {
      ++spines;
      EXPECT_EQ(l.bytes, 0.0) << l.id;
    } else if (l.tier == "out" && l.id.rfind("out.nic", 0) == 0) {
      ++nics;
      EXPECT_NEAR(l.bytes, 24.0 * message, 1e-6 * message) << l.id;
    } else if (l.tier == "up") {
      ++up;
      EXPECT_NEAR(l.bytes, 28.0 * message, 1e-6 * message) << l.id;
    }
  }
  EXPECT_GT(spines, 0);
  EXPECT_EQ(nics, 32);
  EXPECT_EQ(up, 2 * 32);
}

INSTANTIATE_TEST_SUITE_P(Engines, Pxn, ::testing::Values("packet", "flow"));

// mesh_ring on a full mesh (no collective library: the fabric alone). With one channel per mesh ring, 14 on 8
// ranks, every rank sends each phase 2 chunks of S/(Kn) to each of its 7 peers, each over a link of its own:
// a phase takes alpha + S/(n(n-1)B) and an all_reduce 2(n-1) phases, `2(n-1)(alpha + S/(n(n-1)B))`, busbw
// (n-1)B, seven links' worth. The one ring in group order, `ring`, puts S/n through one link a phase:
// `2(n-1)(alpha + S/(nB))`, n-1 = 7 times the bandwidth term. Five ranks run 4 mesh rings, each directed pair
// on one: the same form with n = 5. 256 MiB at 100 GB/s and 500 ns.
class MeshRings : public ::testing::TestWithParam<const char*> {};

TEST_P(MeshRings, EveryLinkCarriesItsShareAndTheRingRunsSevenTimesSlower) {
  const std::string engine = GetParam();
  const std::string mesh = "name: mesh\nengine: " + engine +
                           "\npacket: 64 KiB\ntopology:\n  kind: full_mesh\n  ranks: 8\n"
                           "  link: { bandwidth: 100 GB/s, latency: 500 ns }\n";
  // The small all-reduces line the ranks up again between the steps timed (see RailRings).
  const auto o = simulate_yaml(mesh,
                               "name: mesh\nsteps:\n"
                               "  - { collective: all_reduce, size: 256 MiB, algorithm: mesh_ring }\n"
                               "  - { collective: all_reduce, size: 8 KiB }\n"
                               "  - { collective: all_reduce, size: 256 MiB, algorithm: ring }\n"
                               "  - { collective: all_reduce, size: 8 KiB }\n"
                               "  - { collective: all_reduce, size: 256 MiB, algorithm: mesh_ring, "
                               "ranks: [0, 1, 2, 3, 4] }\n");
  const double S = 256 * MiB, B = 100e9, alpha = 500e-9;
  const auto& meshed = o.sim.steps.at(0);
  const auto& ring = o.sim.steps.at(2);
  const auto& five = o.sim.steps.at(4);
  EXPECT_EQ(meshed.algorithm, "mesh_ring");
  EXPECT_EQ(meshed.channels, 14);
  EXPECT_EQ(five.channels, 4);
  const auto model = [&](double n, double per_phase) { return 2 * (n - 1) * (alpha + per_phase / B); };
  const double t_mesh = meshed.end_s - meshed.start_s, t_ring = ring.end_s - ring.start_s;
  const double t_five = five.end_s - five.start_s;
  EXPECT_NEAR(t_mesh, model(8, S / (8 * 7)), 0.02 * model(8, S / (8 * 7))) << engine;
  EXPECT_NEAR(t_ring, model(8, S / 8), 0.02 * model(8, S / 8)) << engine;
  EXPECT_NEAR(t_five, model(5, S / (5 * 4)), 0.02 * model(5, S / (5 * 4))) << engine;
  const double busbw = 2.0 * 7 / 8 * S / t_mesh / 1e9;
  EXPECT_NEAR(busbw, 700.0, 0.02 * 700.0) << engine;
  // What each of the 56 link directions carried: from the 8-rank mesh rings 2(n-1) phases x 2 S/(14 n), the
  // same on every link; from the ring 2(n-1) S/n on the 8 links i -> i+1 alone; from the five-rank mesh rings
  // 2(n-1) phases x S/(4 n) on the 20 links among ranks 0 to 4. (The 8 KiB all-reduces add a few KiB.)
  ASSERT_EQ(o.sim.links.size(), 56u);
  for (const auto& l : o.sim.links) {
    const int a = std::stoi(l.id.substr(1)), b = std::stoi(l.id.substr(l.id.find("->r") + 3));
    double want = 2 * 7 * 2 * S / (14 * 8);
    if (b == (a + 1) % 8) want += 2 * 7 * S / 8;
    if (a < 5 && b < 5) want += 2 * 4 * S / (4 * 5);
    EXPECT_NEAR(l.bytes, want, 64 * 1024) << l.id;
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, MeshRings, ::testing::Values("packet", "flow"));

// A ring runs in the order its step lists the ranks. On an 8-rank ring topology, the order 0 2 4 6 1 3 5 7
// makes every hop two links long but one (6 -> 1 is three, 7 -> 0 one): each link in the ring's direction
// then carries two of the ring's hops in every phase, so each phase takes 2 S/(nB) instead of S/(nB) (plus at
// most three links' latency): about twice the natural order's 2(n-1)(alpha + S/(nB)). 256 MiB at 100 GB/s:
// 4.705 ms in rank order, 9.395 to 9.416 ms over every other rank (packet 9.435 ms, flow 9.414 ms).
class RingOrder : public ::testing::TestWithParam<const char*> {};

TEST_P(RingOrder, ARingOverEveryOtherRankIsTwiceAsSlowAsTheNaturalOrder) {
  const std::string ring = std::string("name: ring8\nengine: ") + GetParam() +
                           "\npacket: 256 KiB\ntopology:\n  kind: ring\n  ranks: 8\n"
                           "  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }\n";
  const auto o = simulate_yaml(ring,
                               "name: order\nsteps:\n"
                               "  - { collective: all_reduce, size: 256 MiB, algorithm: ring }\n"
                               "  - { collective: all_reduce, size: 256 MiB, algorithm: ring, "
                               "ranks: [0, 2, 4, 6, 1, 3, 5, 7] }\n");
  const double S = 256 * MiB, B = 100e9, n = 8;
  const auto& natural = o.sim.steps.at(0);
  const auto& skipping = o.sim.steps.at(1);
  const double t_natural = natural.end_s - natural.start_s, t_skipping = skipping.end_s - skipping.start_s;
  const double natural_model = 2 * (n - 1) * (500e-9 + S / (n * B));
  EXPECT_NEAR(t_natural, natural_model, 0.01 * natural_model);
  // Lower bound: two hops share every link; upper: plus three links' latency per phase.
  const double skipping_bw = 2 * (n - 1) * 2 * S / (n * B);
  EXPECT_GE(t_skipping, skipping_bw);
  EXPECT_LE(t_skipping, 1.01 * (skipping_bw + 2 * (n - 1) * 3 * 500e-9));
  EXPECT_NEAR(t_skipping / t_natural, 2.0, 0.05);
  // The report lists a group given in an order of its own (and not the whole platform in rank order).
  EXPECT_TRUE(natural.group.empty());
  EXPECT_EQ(skipping.group, (std::vector<int>{0, 2, 4, 6, 1, 3, 5, 7}));
  // Every bit of the skipping ring crosses 2 links but for 6 -> 1 (3) and 7 -> 0 (1): 16/8 links on average.
  EXPECT_NEAR(skipping.wire_bytes, 2.0 * natural.wire_bytes, 1e-6 * natural.wire_bytes);
}

INSTANTIATE_TEST_SUITE_P(Engines, RingOrder, ::testing::Values("packet", "flow"));

const char* kReducingSwitch =
    "name: nvls\npacket: 64 KiB\ntopology:\n  kind: switch\n  ranks: 8\n"
    "  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }\n"
    "  switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 64, in_network: true }\n";

// hierarchical on two tiers against its two-tier closed form (workloads/alpha_beta.h): 4 domains of 4 ranks,
// a 400 GB/s scale-up switch (alpha_in = 100 ns link + 100 ns switch + 100 ns link) and a 50 GB/s scale-out
// switch (alpha_out = 500 + 500 + 500 ns), 16 KiB packets.
class HierarchicalTwoTiers : public ::testing::TestWithParam<pjbit::workloads::Op> {};

TEST_P(HierarchicalTwoTiers, MatchesItsTwoTierClosedForm) {
  using pjbit::workloads::Op;
  const Op op = GetParam();
  const std::string platform =
      "name: two_tiers\npacket: 16 KiB\ntiers:\n"
      "  - { name: up, kind: switch, ranks: 4, link: { bandwidth: 400 GB/s, latency: 100 ns }, "
      "switch: { latency: 100 ns, radix: 64 } }\n"
      "  - { name: out, kind: switch, domains: 4, link: { bandwidth: 50 GB/s, latency: 500 ns }, "
      "switch: { latency: 500 ns, radix: 64 } }\n";
  const std::string workload = std::string("name: h\nsteps:\n  - collective: ") +
                               pjbit::workloads::op_name(op) +
                               "\n    size: 64 MiB\n    algorithm: hierarchical\n";
  const auto o = simulate_yaml(platform, workload);
  const std::uint64_t size = 64ull << 20;
  const double a_in = 300e-9, b_in = 400e9, a_out = 1.5e-6, b_out = 50e9;
  double model = 0.0;
  switch (op) {
    case Op::AllReduce:
      model = pjbit::workloads::hierarchical_all_reduce_time_s(4, 4, size, a_in, b_in, a_out, b_out);
      break;
    case Op::AllGather:
      model = pjbit::workloads::hierarchical_all_gather_time_s(4, 4, size, a_in, b_in, a_out, b_out);
      break;
    default:
      model = pjbit::workloads::hierarchical_reduce_scatter_time_s(4, 4, size, a_in, b_in, a_out, b_out);
      break;
  }
  const auto& step = o.sim.steps.at(0);
  EXPECT_NEAR(step.end_s - step.start_s, model, 5e-3 * model);
}

INSTANTIATE_TEST_SUITE_P(Ops, HierarchicalTwoTiers,
                         ::testing::Values(pjbit::workloads::Op::AllReduce, pjbit::workloads::Op::AllGather,
                                           pjbit::workloads::Op::ReduceScatter));

TEST(InNetwork, ReductionInTheSwitchReachesBusbwTwiceTheLinkRate) {
  const auto o = simulate_yaml(kReducingSwitch,
                               "name: ar\nsteps:\n  - collective: all_reduce\n    size: 4 GiB\n"
                               "    algorithm: in_network\n  - collective: all_reduce\n    size: 4 GiB\n"
                               "    algorithm: ring\n");
  const double in_network = busbw(o.sim.steps.at(0)), ring = busbw(o.sim.steps.at(1));
  EXPECT_NEAR(in_network, 2.0 * 7.0 / 8.0 * 100e9, 0.02 * 175e9);
  EXPECT_NEAR(in_network / ring, 1.75, 0.02 * 1.75);
  // Each bit crosses a rank's link up and down and the switch twice, like a ring's bit crosses two links.
  EXPECT_NEAR(o.sim.steps.at(0).wire_bytes, 2.0 * 8 * 4 * GiB, 1e-6 * 64 * GiB);
}

TEST(InNetwork, IsTheDefaultOnASwitchThatReduces) {
  const auto d =
      simulate_yaml(kReducingSwitch, "name: ar\nsteps:\n  - collective: all_reduce\n    size: 64 MiB\n");
  EXPECT_EQ(d.sim.steps.at(0).algorithm, "in_network");
}

// In-network reduction on switches of 3, 7 and 15 ranks (where adding the reduction engine moves the
// topology's node list, under the sanitizer preset too): each rank streams its buffer up in k =
// round(sqrt(S / 256 KiB)) chunks and receives each reduced chunk back, up and down overlapping, so the
// all-reduce takes (k + 1)(S / (k B) + alpha) (alpha: two links and the switch) whatever n, and every bit
// crosses two links.
class InNetworkRanks : public ::testing::TestWithParam<int> {};

TEST_P(InNetworkRanks, AllReduceRunsAtTheLinkRate) {
  const int n = GetParam();
  const std::string platform =
      "name: nvls\npacket: 64 KiB\ntopology:\n  kind: switch\n  ranks: " + std::to_string(n) +
      "\n  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }\n"
      "  switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 64, in_network: true }\n";
  const auto o = simulate_yaml(platform, "name: ar\nsteps:\n  - collective: all_reduce\n    size: 256 MiB\n");
  const auto& step = o.sim.steps.at(0);
  EXPECT_EQ(step.algorithm, "in_network");
  EXPECT_EQ(step.ranks, n);
  const double k = 32.0, alpha = 2 * 500e-9 + 300e-9;
  const double model = (k + 1) * (256 * MiB / k / 100e9 + alpha);
  EXPECT_NEAR(step.end_s - step.start_s, model, 5e-3 * model);
  // busbw = 2(n-1)/n x S / t.
  EXPECT_NEAR(busbw(step), 2.0 * (n - 1) / n * 256 * MiB / model, 5e-3 * 2.0 * 256 * MiB / model);
  EXPECT_NEAR(step.wire_bytes, 2.0 * n * 256 * MiB, 1e-6 * n * 256 * MiB);
}

INSTANTIATE_TEST_SUITE_P(Ranks, InNetworkRanks, ::testing::Values(3, 7, 15));

TEST(SharedFabric, TwoInterleavedJobsOnOneRingGetHalfTheBandwidthEach) {
  const std::string ring =
      "name: ring8\npacket: 256 KiB\ntopology:\n  kind: ring\n  ranks: 8\n"
      "  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }\n";
  const auto o = simulate_yaml(
      ring,
      "name: jobs\nsteps:\n"
      "  - collective: all_reduce\n    size: 256 MiB\n    algorithm: ring\n    ranks: [0, 2, 4, 6]\n"
      // Ranks run ahead of steps they are not in: a small all-reduce over everyone
      // keeps ranks 1, 3, 5 and 7 from starting their job while the first runs alone.
      "  - collective: all_reduce\n    size: 8 KiB\n"
      "  - parallel:\n"
      "      - collective: all_reduce\n        size: 256 MiB\n        algorithm: ring\n"
      "        ranks: [0, 2, 4, 6]\n"
      "      - collective: all_reduce\n        size: 256 MiB\n        algorithm: ring\n"
      "        ranks: [1, 3, 5, 7]\n");
  const double alone = busbw(o.sim.steps.at(0));
  EXPECT_NEAR(alone, 100e9, 0.01 * 100e9);
  const auto& shared = o.sim.steps.at(2).children;
  ASSERT_EQ(shared.size(), 2u);
  for (const auto& job : shared)
    EXPECT_NEAR(busbw(job) / alone, 0.5, 0.05) << job.key;
}

TEST(Graph, AHandDrawnDragonflyValidatesRunsAndRoutes) {
  // Three groups of two switches, two accelerators per switch; all-to-all links within a group, one global
  // link between each pair of groups.
  std::string p =
      "name: dragonfly\npacket: 64 KiB\ntopology:\n  kind: graph\n"
      "  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }\n  nodes:\n";
  for (int g = 0; g < 3; ++g)
    for (int s = 0; s < 2; ++s) {
      p += "    - { name: g" + std::to_string(g) + "s" + std::to_string(s) +
           ", kind: switch, switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 8 } }\n";
      for (int a = 0; a < 2; ++a)
        p += "    - { name: g" + std::to_string(g) + "s" + std::to_string(s) + "a" + std::to_string(a) +
             ", kind: accelerator }\n";
    }
  p += "  links:\n";
  for (int g = 0; g < 3; ++g) {
    const std::string sw0 = "g" + std::to_string(g) + "s0", sw1 = "g" + std::to_string(g) + "s1";
    p += "    - { a: " + sw0 + ", b: " + sw1 + " }\n";
    for (const std::string& sw : {sw0, sw1})
      for (int a = 0; a < 2; ++a)
        p += "    - { a: " + sw + ", b: " + sw + "a" + std::to_string(a) + " }\n";
  }
  p += "    - { a: g0s1, b: g1s0 }\n    - { a: g1s1, b: g2s0 }\n    - { a: g2s1, b: g0s0 }\n";
  const auto o = simulate_yaml(p, "name: a2a\nsteps:\n  - collective: all_to_all\n    size: 12 MiB\n");
  EXPECT_EQ(o.sim.ranks, 12);
  EXPECT_GT(o.sim.sim_time_s, 0.0);
  // Every global link carried traffic, and paths are longer than a single switch hop on average.
  int global_used = 0;
  for (const auto& l : o.sim.links)
    if ((l.id.rfind("g0s1->g1s0", 0) == 0 || l.id.rfind("g1s1->g2s0", 0) == 0 ||
         l.id.rfind("g2s1->g0s0", 0) == 0) &&
        l.bytes > 0)
      ++global_used;
  EXPECT_EQ(global_used, 3);
  EXPECT_GT(o.sim.wire_bytes / o.sim.useful_bytes, 2.0);
}

std::string pooled(const std::string& extra = "") {
  return "name: pooled\npacket: 256 KiB\ntopology:\n  kind: switch\n  ranks: 8\n"
         "  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }\n"
         "  switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 64 }\nmemory_pools:\n"
         "  - { name: pool0, attach: topology, bandwidth: 400 GB/s, latency: 600 ns, energy: 10 pJ/bit, "
         "capacity: " +
         (extra.empty() ? std::string("4 TiB") : extra) + " }\n";
}

TEST(MemoryPool, EightRanksReadingOneGiBEachTakeTheirShareOfThePoolBandwidth) {
  const auto o = simulate_yaml(pooled(),
                               "name: m\nsteps:\n  - memory: { op: read, size: 1 GiB, pool: pool0 }\n"
                               "  - checkpoint: { size: 1 GiB, pool: pool0 }\n");
  const auto& read = o.sim.steps.at(0);
  const auto& write = o.sim.steps.at(1);
  const double expected = 8 * GiB / 400e9;
  EXPECT_NEAR(read.end_s - read.start_s, expected, 0.05 * expected);
  EXPECT_NEAR(write.end_s - write.start_s, expected, 0.05 * expected);
  EXPECT_DOUBLE_EQ(read.useful_bytes, 8 * GiB);
  EXPECT_DOUBLE_EQ(write.useful_bytes, 8 * GiB);
  EXPECT_EQ(write.kind, "checkpoint");
  EXPECT_EQ(write.cls, "bulk");
  // The pool's media energy per bit, in its own category (memory_pool), outside the fabric; nothing in hbm.
  const auto pool = pjbit::core::EnergyAccount::index(pjbit::core::Category::MemoryPool);
  const auto hbm = pjbit::core::EnergyAccount::index(pjbit::core::Category::Hbm);
  EXPECT_NEAR(o.ledger.by_category_j[pool], 2 * 8 * GiB * 8 * 10e-12, 1e-6);
  EXPECT_DOUBLE_EQ(o.ledger.dynamic_j[pool], o.ledger.by_category_j[pool]);
  EXPECT_DOUBLE_EQ(o.ledger.by_category_j[hbm], 0.0);
  double fabric = 0.0;
  for (std::size_t c = 0; c < pjbit::core::kNumCategories; ++c)
    if (pjbit::core::is_fabric(static_cast<pjbit::core::Category>(c))) fabric += o.ledger.by_category_j[c];
  EXPECT_NEAR(o.ledger.fabric_j, fabric, 1e-12 * fabric);
}

TEST(MemoryPool, ACheckpointLargerThanThePoolIsAnInputError) {
  try {
    simulate_yaml(pooled("4 GiB"), "name: m\nsteps:\n  - checkpoint: { size: 1 GiB, pool: pool0 }\n");
    FAIL() << "expected an input error";
  } catch (const pjbit::core::InputError& e) {
    EXPECT_EQ(e.key(), "steps.0.checkpoint.size");
    EXPECT_NE(std::string(e.what()).find("do not fit in pool pool0"), std::string::npos) << e.what();
  }
}

TEST(Ocs, StaticPowerIsChargedForTheWholeRunAndRingCircuitsCarryARingAllReduce) {
  const auto o = simulate_yaml(
      "name: ocs\npacket: 256 KiB\ntopology:\n  kind: ocs\n  ranks: 8\n"
      "  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }\n"
      "  ocs: { ports: 136, reconfiguration: 1 ms, insertion_loss: 2 dB, power: 50 W }\n",
      "name: w\nsteps:\n  - compute: { duration: 2 ms }\n  - collective: all_reduce\n"
      "    size: 256 MiB\n    algorithm: ring\n");
  EXPECT_NEAR(o.ledger.by_category_j[5], 50.0 * o.sim.sim_time_s, 1e-9);  // ocs
  // The ring's circuits give one hop per ring step: the ring closed form holds.
  const auto& ar = o.sim.steps.at(1);
  const double expected = 14.0 * (1e-6 + 256 * MiB / 8.0 / 100e9);  // two links of 500 ns per circuit
  EXPECT_NEAR(ar.end_s - ar.start_s, expected, 0.02 * expected);
}

TEST(Hbm, ComputeWithBytesFollowsTheRoofline) {
  const auto o = simulate_yaml(
      "name: r\ntopology: { kind: ring, ranks: 2, link: { bandwidth: 100 GB/s, latency: 1 us } }\n"
      "accelerator: { compute: 1000 TFLOP/s, hbm: { bandwidth: 2 TB/s, energy: 4 pJ/bit } }\n",
      "name: w\nsteps:\n  - compute: { work: 1 TFLOP, bytes: 8 GB }\n"
      "  - compute: { work: 10 TFLOP, bytes: 8 GB }\n");
  EXPECT_NEAR(o.sim.steps.at(0).end_s - o.sim.steps.at(0).start_s, 8e9 / 2e12, 1e-9);  // memory bound: 4 ms
  EXPECT_NEAR(o.sim.steps.at(1).end_s - o.sim.steps.at(1).start_s, 10e-3, 1e-9);       // compute bound: 10 ms
  EXPECT_NEAR(o.ledger.by_category_j[7], 2 * 2 * 8e9 * 8 * 4e-12, 1e-9);               // hbm energy
}

}  // namespace test_fabrics
}  // namespace
