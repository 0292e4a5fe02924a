// Topology generation and routing, without a kernel: node and link counts of every kind, port order, fat tree
// sizing, OCS circuits, tiers, explicit graphs, and the routing policies.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "core/errors.h"
#include "platforms/loader.h"
#include "platforms/routing.h"
#include "platforms/topology.h"

namespace {
namespace test_topology {

using pjbit::platforms::NodeKind;
using pjbit::platforms::Topology;

const char* kLink = "{ bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }";
const char* kSwitch = "{ latency: 300 ns, energy: 10 pJ/bit, radix: 64 }";

pjbit::platforms::PlatformSpec spec(const std::string& topology) {
  return pjbit::platforms::parse_platform("name: t\ntopology: " + topology + "\n", "t.yaml");
}

Topology topo(const std::string& topology) {
  return pjbit::platforms::make_topology(spec(topology));
}

int fabric_links(const Topology& t) {
  int n = 0;
  for (const auto& l : t.links)
    n += !l.internal;
  return n;
}

TEST(Topology, RingHasOneLinkPerRankAndSuccessorFirst) {
  const Topology t = topo(std::string("{ kind: ring, ranks: 6, link: ") + kLink + " }");
  EXPECT_EQ(t.ranks, 6);
  EXPECT_EQ(fabric_links(t), 6);
  for (int r = 0; r < 6; ++r) {
    ASSERT_EQ(t.nodes[static_cast<std::size_t>(r)].ports.size(), 2u);
    EXPECT_EQ(t.other_end(t.nodes[static_cast<std::size_t>(r)].ports[0], r), (r + 1) % 6);
    EXPECT_EQ(t.other_end(t.nodes[static_cast<std::size_t>(r)].ports[1], r), (r + 5) % 6);
  }
}

TEST(Topology, FullMeshJoinsEveryPair) {
  const Topology t = topo(std::string("{ kind: full_mesh, ranks: 7, link: ") + kLink + " }");
  EXPECT_EQ(fabric_links(t), 7 * 6 / 2);
  for (int r = 0; r < 7; ++r)
    EXPECT_EQ(t.nodes[static_cast<std::size_t>(r)].ports.size(), 6u);
}

TEST(Topology, TorusWrapsAndPairsDimensionsOfTwo) {
  // 4 x 3 x 2: dims of 4 and 3 wrap (one link per rank each), the dim of 2 has one link per pair.
  const Topology t = topo(std::string("{ kind: torus, dims: [4, 3, 2], link: ") + kLink + " }");
  EXPECT_EQ(t.ranks, 24);
  EXPECT_EQ(fabric_links(t), 24 + 24 + 12);
  for (int r = 0; r < 24; ++r)
    EXPECT_EQ(t.nodes[static_cast<std::size_t>(r)].ports.size(), 5u);
}

TEST(Topology, TwoLevelFatTreeIsSizedFromRanksAndRadix) {
  // Radix 8, non-blocking: 4 down and 4 up per leaf, 4 leaves, 4 spines, every leaf to every spine.
  const Topology t = topo(std::string("{ kind: fat_tree, ranks: 16, radix: 8, link: ") + kLink +
                          ", switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 8 } }");
  EXPECT_EQ(t.count(NodeKind::Switch), 8);
  EXPECT_EQ(fabric_links(t), 16 + 4 * 4);
  // 3:1 oversubscription: 6 down, 2 up, 3 leaves, 2 spines.
  const Topology o = topo(std::string("{ kind: fat_tree, ranks: 16, radix: 8, oversubscription: 3, link: ") +
                          kLink + ", switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 8 } }");
  EXPECT_EQ(o.count(NodeKind::Switch), 3 + 2);
  EXPECT_EQ(fabric_links(o), 16 + 3 * 2);
}

TEST(Topology, ThreeLevelFatTreeHasPodsAndCores) {
  std::string why;
  const auto s = pjbit::platforms::fat_tree_shape(128, 8, 3, 1.0, &why);
  EXPECT_EQ(s.down, 4);
  EXPECT_EQ(s.edges_per_pod, 4);
  EXPECT_EQ(s.pods, 8);
  EXPECT_EQ(s.leaves, 32);
  EXPECT_EQ(s.cores, 16);
  const Topology t = topo(std::string("{ kind: fat_tree, ranks: 128, levels: 3, radix: 8, link: ") + kLink +
                          ", switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 8 } }");
  EXPECT_EQ(t.count(NodeKind::Switch), 32 + 32 + 16);
  // hosts + edge-agg (4x4 per pod) + agg-core (every agg has 4 up)
  EXPECT_EQ(fabric_links(t), 128 + 8 * 16 + 32 * 4);
}

TEST(Topology, FatTreeTooLargeForItsRadixIsAnInputError) {
  try {
    topo(std::string("{ kind: fat_tree, ranks: 100, radix: 8, link: ") + kLink +
         ", switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 8 } }");
    FAIL() << "expected an input error";
  } catch (const pjbit::core::InputError& e) {
    EXPECT_EQ(e.key(), "topology.radix");
    EXPECT_NE(std::string(e.what()).find("levels: 3"), std::string::npos) << e.what();
  }
}

TEST(Topology, OcsStartsWithRingCircuits) {
  const Topology t = topo(std::string("{ kind: ocs, ranks: 4, link: ") + kLink +
                          ", ocs: { ports: 16, reconfiguration: 1 ms, insertion_loss: 1 dB } }");
  ASSERT_EQ(t.count(NodeKind::Ocs), 1);
  const int ocs = 4;
  const auto& c = t.circuits[static_cast<std::size_t>(ocs)];
  // Rank i's port 0 (OCS port 2i) meets rank i+1's port 1 (OCS port 2(i+1)+1).
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(c[static_cast<std::size_t>(2 * i)], 2 * ((i + 1) % 4) + 1);
    EXPECT_EQ(c[static_cast<std::size_t>(2 * ((i + 1) % 4) + 1)], 2 * i);
  }
  EXPECT_EQ(c[8], -1);  // unused ports are dark
}

TEST(Topology, TiersJoinDomainsRailStyle) {
  const auto s = pjbit::platforms::parse_platform(
      std::string("name: p\ntiers:\n  - { name: up, kind: switch, ranks: 4, link: ") + kLink + ", switch: " +
          kSwitch + " }\n  - { name: out, kind: fat_tree, domains: 4, radix: 8, link: " + kLink +
          ", switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 8 } }\n",
      "p.yaml");
  EXPECT_EQ(s.ranks(), 16);
  const Topology t = pjbit::platforms::make_topology(s);
  EXPECT_EQ(t.tier_of(0, 3), 0);
  EXPECT_EQ(t.tier_of(3, 4), 1);
  // Every rank has a port into each tier.
  for (int r = 0; r < 16; ++r) {
    std::set<int> tiers;
    for (int l : t.nodes[static_cast<std::size_t>(r)].ports)
      tiers.insert(t.links[static_cast<std::size_t>(l)].tier);
    EXPECT_EQ(tiers.size(), 2u) << r;
  }
  EXPECT_EQ(t.count(NodeKind::Switch), 4 + 8);  // four pod switches, a 16-endpoint leaf-spine of radix 8
}

// ranks_per_nic: 2 puts two neighbouring accelerators of a domain behind one NIC of the outer tier: half the
// NICs and fabric links, each NIC with a host link per accelerator and its network link as port 1.
TEST(Topology, AcceleratorsShareANicRailByRail) {
  const auto s = pjbit::platforms::parse_platform(
      std::string("name: p\ntiers:\n  - { name: up, kind: switch, ranks: 4, link: ") + kLink + ", switch: " +
          kSwitch + " }\n  - { name: out, kind: fat_tree, domains: 4, radix: 8, link: " + kLink +
          ", switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 8 }, nic: { latency: 100 ns }, "
          "ranks_per_nic: 2 }\n",
      "p.yaml");
  const Topology t = pjbit::platforms::make_topology(s);
  EXPECT_EQ(t.count(NodeKind::Nic), 8);
  int nic_links = 0;
  for (const auto& l : t.links)
    nic_links += !l.internal && (t.nodes[static_cast<std::size_t>(l.a)].kind == NodeKind::Nic ||
                                 t.nodes[static_cast<std::size_t>(l.b)].kind == NodeKind::Nic);
  EXPECT_EQ(nic_links, 8);  // one network link per NIC
  for (std::size_t i = 0; i < t.nodes.size(); ++i) {
    const auto& n = t.nodes[i];
    if (n.kind != NodeKind::Nic) continue;
    ASSERT_EQ(n.ports.size(), 3u) << n.name;
    const auto& host0 = t.links[static_cast<std::size_t>(n.ports[0])];
    const auto& net = t.links[static_cast<std::size_t>(n.ports[1])];
    const auto& host1 = t.links[static_cast<std::size_t>(n.ports[2])];
    EXPECT_TRUE(host0.internal && host1.internal && !net.internal) << n.name;
    // The NIC is named after the first of its ranks, which sit side by side in one domain.
    const int first = t.other_end(n.ports[0], static_cast<int>(i));
    const int second = t.other_end(n.ports[2], static_cast<int>(i));
    EXPECT_EQ(n.name, "out.nic" + std::to_string(first));
    EXPECT_EQ(second, first + 1);
    EXPECT_EQ(first % 2, 0);
    EXPECT_EQ(t.tier_of(first, second), 0);
  }
  // Across domains, each of a NIC's ranks goes up through it (never down to its neighbour) and in through the
  // destination's NIC; within a domain, the scale-up switch.
  pjbit::platforms::Router router(t);
  pjbit::core::Route r;
  ASSERT_TRUE(router.route(1, 13, 0, r));
  EXPECT_EQ(router.describe(1, r).rfind("r1 -> out.nic0 -> out.", 0), 0u) << router.describe(1, r);
  const std::string across = router.describe(1, r);
  EXPECT_EQ(across.substr(across.size() - std::string(" -> out.nic12 -> r13").size()),
            " -> out.nic12 -> r13");
  ASSERT_TRUE(router.route(0, 1, 0, r));
  EXPECT_EQ(router.describe(0, r), "r0 -> up.sw0 -> r1");
}

// pxn on the outer tier: a message to another rail crosses the inner domain to the rank on the destination's
// rail, which forwards it through its NIC; to the same rail it leaves by its own NIC. Rail-style ordering
// puts a rail's NICs on one leaf, so a PXN route never climbs to a spine. Shared NICs make a rail of two.
TEST(Routing, PxnCrossesTheInnerDomainToTheDestinationsRail) {
  const auto platform = [](const std::string& extra) {
    return pjbit::platforms::make_topology(pjbit::platforms::parse_platform(
        std::string("name: p\ntiers:\n  - { name: up, kind: switch, ranks: 4, link: ") + kLink +
            ", switch: " + kSwitch +
            " }\n  - { name: out, kind: fat_tree, domains: 4, radix: 8, link: " + kLink +
            ", switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 8 }, nic: { latency: 100 ns }, pxn: "
            "true" +
            extra + " }\n",
        "p.yaml"));
  };
  const Topology t = platform("");
  pjbit::platforms::Router router(t);
  pjbit::core::Route r;
  ASSERT_TRUE(router.route(1, 14, 0, r));  // rail 1 to rail 2: through r2, rail 2's leaf
  EXPECT_EQ(router.describe(1, r), "r1 -> up.sw0 -> r2 -> out.nic2 -> out.leaf2 -> out.nic14 -> r14");
  EXPECT_EQ(r.links, 6);
  EXPECT_EQ(r.switches, 2);
  ASSERT_TRUE(router.route(1, 13, 0, r));  // one rail: its own NIC
  EXPECT_EQ(router.describe(1, r), "r1 -> out.nic1 -> out.leaf1 -> out.nic13 -> r13");
  ASSERT_TRUE(router.route(1, 2, 0, r));  // one domain: the inner tier, as without PXN
  EXPECT_EQ(router.describe(1, r), "r1 -> up.sw0 -> r2");
  // The flow engine's split of a PXN route: the inner hops whole, then the rail's.
  std::vector<pjbit::platforms::Router::SplitHop> hops;
  ASSERT_TRUE(router.split(1, 14, hops));
  ASSERT_EQ(hops.size(), 6u);
  for (const auto& h : hops)
    EXPECT_DOUBLE_EQ(h.fraction, 1.0);
  EXPECT_EQ(t.nodes[static_cast<std::size_t>(hops[2].node)].name, "r2");
  // Two ranks a NIC: ranks 0 and 1 share rail 0's NIC, so 1 -> 12 needs no proxy, 1 -> 14 goes through r2.
  const Topology shared = platform(", ranks_per_nic: 2");
  pjbit::platforms::Router shared_router(shared);
  ASSERT_TRUE(shared_router.route(1, 12, 0, r));
  EXPECT_EQ(shared_router.describe(1, r).rfind("r1 -> out.nic0 -> ", 0), 0u) << shared_router.describe(1, r);
  ASSERT_TRUE(shared_router.route(1, 14, 0, r));
  EXPECT_EQ(shared_router.describe(1, r).rfind("r1 -> up.sw0 -> r2 -> out.nic2 -> ", 0), 0u)
      << shared_router.describe(1, r);
}

TEST(Routing, ShortestPathTiesGoToTheSuccessorOnARing) {
  const Topology t = topo(std::string("{ kind: ring, ranks: 4, link: ") + kLink + " }");
  pjbit::platforms::Router router(t);
  pjbit::core::Route r;
  ASSERT_TRUE(router.route(1, 3, 0, r));
  EXPECT_EQ(router.describe(1, r), "r1 -> r2 -> r3");
  ASSERT_TRUE(router.route(3, 0, 0, r));
  EXPECT_EQ(router.describe(3, r), "r3 -> r0");
}

TEST(Routing, SearchesThatGrowKeepShortestPaths) {
  // A search from one destination is resumed as farther sources ask: it starts as a short list of the few
  // vertices it labelled and becomes a table of every vertex past a few dozen. Near first, then far, then
  // near again (from a fresh router: far first) must all give shortest paths the successor way on ties.
  const int n = 100;
  const Topology t =
      topo(std::string("{ kind: ring, ranks: ") + std::to_string(n) + ", link: " + kLink + " }");
  const auto hops = [n](int src, int dst) { return std::min((src - dst + n) % n, (dst - src + n) % n); };
  for (const bool far_first : {false, true}) {
    pjbit::platforms::Router router(t);
    pjbit::core::Route r;
    std::vector<int> sources;
    for (int d = 1; d < n; ++d)
      sources.push_back(far_first ? (n / 2 + d) % n : d);
    sources.push_back(1);
    for (int src : sources) {
      if (src == 0) continue;
      ASSERT_TRUE(router.route(src, 0, 0, r)) << src;
      EXPECT_EQ(r.links, hops(src, 0)) << "from r" << src;
      // The first hop goes the short way round (the successor on a tie).
      const int next = (0 - src + n) % n <= (src - 0 + n) % n ? (src + 1) % n : (src - 1 + n) % n;
      const std::string path = router.describe(src, r);
      const std::string first = "r" + std::to_string(src) + " -> r" + std::to_string(next);
      EXPECT_TRUE(path == first || path.rfind(first + " -> ", 0) == 0) << path;
    }
  }
}

// A sprayed flow's split: every shortest path, the flow halved (or cut in k) at each choice; on a leaf-spine
// the whole flow goes up to the leaf, a 1/spines share crosses each spine, and all of it comes down. The
// split beyond a source's leaf is kept and shared by the leaf's other sources: splits asked in any order are
// the same.
TEST(Routing, SprayedSplitsAreTheSameInAnyOrder) {
  for (const char* levels : {"2", "3"}) {
    const Topology t = topo(std::string("{ kind: fat_tree, ranks: 32, levels: ") + levels +
                            ", radix: 8, routing: spray, link: " + kLink +
                            ", switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 8 } }");
    pjbit::platforms::Router forward(t), backward(t);
    const int n = 32;
    std::vector<std::vector<pjbit::platforms::Router::SplitHop>> first(n * n);
    std::vector<pjbit::platforms::Router::SplitHop> hops;
    for (int src = 0; src < n; ++src) {
      for (int dst = 0; dst < n; ++dst) {
        if (src != dst) {
          ASSERT_TRUE(forward.split(src, dst, first[static_cast<std::size_t>(src * n + dst)]));
        }
      }
    }
    for (int src = n; src-- > 0;) {
      for (int dst = n; dst-- > 0;) {
        if (src == dst) continue;
        ASSERT_TRUE(backward.split(src, dst, hops));
        const auto& want = first[static_cast<std::size_t>(src * n + dst)];
        ASSERT_EQ(hops.size(), want.size()) << src << " -> " << dst;
        double leaving_source = 0.0, total = 0.0;
        for (std::size_t i = 0; i < hops.size(); ++i) {
          EXPECT_EQ(hops[i].node, want[i].node);
          EXPECT_EQ(hops[i].port, want[i].port);
          EXPECT_EQ(hops[i].fraction, want[i].fraction);
          if (hops[i].node == t.endpoint_node[static_cast<std::size_t>(src)])
            leaving_source += hops[i].fraction;
          total += hops[i].fraction;
        }
        EXPECT_DOUBLE_EQ(leaving_source, 1.0);
        EXPECT_GE(total, 2.0);  // at least up to the leaf and down from it
      }
    }
  }
}

TEST(Routing, DimensionOrderOnATorus) {
  const Topology t = topo(std::string("{ kind: torus, dims: [4, 4], link: ") + kLink + " }");
  pjbit::platforms::Router router(t);
  pjbit::core::Route r;
  // From (0,0) to (2,1): first along dimension 0 (ties go the positive way), then dimension 1.
  ASSERT_TRUE(router.route(0, 2 + 4 * 1, 0, r));
  EXPECT_EQ(router.describe(0, r), "r0 -> r1 -> r2 -> r6");
  // From (1,0) to (0,3): the short way round in both dimensions.
  ASSERT_TRUE(router.route(1, 0 + 4 * 3, 0, r));
  EXPECT_EQ(router.describe(1, r), "r1 -> r0 -> r12");
}

TEST(Routing, EcmpSpreadsFlowsOverSpines) {
  const Topology t = topo(std::string("{ kind: fat_tree, ranks: 16, radix: 8, link: ") + kLink +
                          ", switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 8 } }");
  pjbit::platforms::Router router(t);
  std::set<std::string> paths;
  pjbit::core::Route r;
  for (std::uint64_t flow = 0; flow < 64; ++flow) {
    ASSERT_TRUE(router.route(0, 15, flow, r));
    EXPECT_EQ(r.links, 4);
    EXPECT_EQ(r.switches, 3);
    paths.insert(router.describe(0, r));
  }
  EXPECT_EQ(paths.size(), 4u);            // all four spines carry some flows
  ASSERT_TRUE(router.route(0, 1, 7, r));  // same leaf: two links, one switch
  EXPECT_EQ(r.links, 2);
  EXPECT_EQ(r.switches, 1);
  // The same flow always takes the same path.
  pjbit::core::Route again;
  ASSERT_TRUE(router.route(0, 15, 5, r));
  ASSERT_TRUE(router.route(0, 15, 5, again));
  EXPECT_EQ(r.ports, again.ports);
}

TEST(Routing, OcsRoutesFollowCircuitsAndChangeWithThem) {
  const Topology t = topo(std::string("{ kind: ocs, ranks: 4, link: ") + kLink +
                          ", ocs: { ports: 8, reconfiguration: 1 ms, insertion_loss: 1 dB } }");
  pjbit::platforms::Router router(t);
  pjbit::core::Route r;
  ASSERT_TRUE(router.route(0, 1, 0, r));
  EXPECT_EQ(router.describe(0, r), "r0 -> ocs0 -> r1");
  ASSERT_TRUE(router.route(0, 2, 0, r));
  EXPECT_EQ(r.links, 4);  // two circuits: through rank 1 or rank 3
  // Join 0 and 2 directly (ports 0 and 5) and 1 and 3 (ports 2 and 7); the rest dark.
  std::vector<int> circuits(8, -1);
  circuits[0] = 5;
  circuits[5] = 0;
  circuits[2] = 7;
  circuits[7] = 2;
  router.set_circuits(4, circuits);
  ASSERT_TRUE(router.route(0, 2, 0, r));
  EXPECT_EQ(router.describe(0, r), "r0 -> ocs0 -> r2");
  EXPECT_FALSE(router.reachable(0, 1));
}

TEST(Routing, UserRoutesInAGraphWin) {
  const auto s = pjbit::platforms::parse_platform(
      std::string("name: g\ntopology:\n  kind: graph\n  link: ") + kLink +
          "\n  nodes:\n"
          "    - { name: a, kind: accelerator }\n    - { name: b, kind: accelerator }\n"
          "    - { name: s1, kind: switch, switch: " +
          kSwitch + " }\n    - { name: s2, kind: switch, switch: " + kSwitch +
          " }\n"
          "  links:\n    - { a: a, b: s1 }\n    - { a: s1, b: b }\n    - { a: a, b: s2 }\n    - { a: s2, b: "
          "b }\n"
          "  routes:\n    - { from: a, to: b, via: [s2] }\n",
      "g.yaml");
  const Topology t = pjbit::platforms::make_topology(s);
  pjbit::platforms::Router router(t);
  pjbit::core::Route r;
  ASSERT_TRUE(router.route(0, 1, 0, r));
  EXPECT_EQ(router.describe(0, r), "a -> s2 -> b");
  ASSERT_TRUE(router.route(1, 0, 0, r));  // no user route back: shortest path, lowest port first
  EXPECT_EQ(router.describe(1, r), "b -> s1 -> a");
}

TEST(OpticalBudget, APathThroughAnOcsBeyondTheBudgetIsRejectedNamingIt) {
  // Through the OCS: one connector each side (the OCS's own are in its insertion loss), 2 x 1 dB + 2 dB.
  try {
    topo(std::string(
             "{ kind: ocs, ranks: 4, link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit, ") +
         "optics: { budget: 3 dB, connectors: 2, connector_loss: 1 dB } }, ocs: { ports: 8, "
         "insertion_loss: 2 dB } }");
    FAIL() << "expected an input error";
  } catch (const pjbit::core::InputError& e) {
    EXPECT_EQ(e.key(), "topology.link.optics");
    EXPECT_NE(std::string(e.what()).find("r0 -> ocs0"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("loses 4 dB"), std::string::npos) << e.what();
  }
  // Within budget: 2 x 0.5 + 2 = 3 dB.
  EXPECT_NO_THROW(topo(std::string("{ kind: ocs, ranks: 4, link: { bandwidth: 100 GB/s, latency: 500 ns, ") +
                       "optics: { budget: 3 dB, connectors: 2, connector_loss: 0.5 dB } }, ocs: { ports: 8, "
                       "insertion_loss: 2 dB } }"));
}

}  // namespace test_topology
}  // namespace

namespace {
namespace test_topology {

TEST(SwitchPorts, FastLinksBondPortsAndMustFitTheRadix) {
  // 450 GB/s links on 25 GB/s ports bond 18 ports each: 4 ranks need 72 ports.
  const std::string base =
      "{ kind: switch, ranks: 4, link: { bandwidth: 450 GB/s, latency: 100 ns }, switch: { "
      "latency: 300 ns, port_bandwidth: 25 GB/s, radix: ";
  try {
    topo(base + "64 } }");
    FAIL() << "expected an input error";
  } catch (const pjbit::core::InputError& e) {
    EXPECT_EQ(e.key(), "topology.switch.radix");
    EXPECT_NE(std::string(e.what()).find("needs 72 ports for its 4 links"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(topo(base + "72 } }"));
}

}  // namespace test_topology
}  // namespace

namespace {
namespace test_topology {

// A switch that reduces in the network gets a reduction engine: an endpoint after the ranks, joined to the
// switch by an internal link as fast as all its ports together (or its reduction_bandwidth). Adding that
// endpoint grows the node list; with 3, 7, 15 ... ranks the list is full (ranks plus the switch fill a
// power of two) and moves, which must not disturb what is read of the switch (the sanitizer preset runs
// these).
class InNetworkSwitch : public ::testing::TestWithParam<int> {};

TEST_P(InNetworkSwitch, ReductionEngineHangsOffItsSwitch) {
  const int n = GetParam();
  for (const std::string reduction : {"", ", reduction_bandwidth: 3 TB/s"}) {
    const Topology t = topo("{ kind: switch, ranks: " + std::to_string(n) + ", link: " + kLink +
                            ", switch: { latency: 300 ns, radix: 64, in_network: true" + reduction + " } }");
    ASSERT_EQ(t.endpoints(), n + 1);
    ASSERT_EQ(t.count(NodeKind::Reducer), 1);
    const int reducer_node = t.endpoint_node[static_cast<std::size_t>(n)];
    const auto& engine = t.nodes[static_cast<std::size_t>(reducer_node)];
    EXPECT_EQ(engine.kind, NodeKind::Reducer);
    EXPECT_EQ(engine.rank, n);
    const auto& sw = t.nodes[static_cast<std::size_t>(engine.host)];
    EXPECT_EQ(sw.kind, NodeKind::Switch);
    EXPECT_EQ(engine.name, sw.name + ".reducer");
    EXPECT_EQ(sw.reducer, n);
    // The switch's ports: one per rank, then its reduction engine's.
    ASSERT_EQ(sw.ports.size(), static_cast<std::size_t>(n + 1));
    ASSERT_EQ(engine.ports.size(), 1u);
    const auto& link = t.links[static_cast<std::size_t>(engine.ports[0])];
    EXPECT_EQ(link.tier, 0);
    EXPECT_TRUE(link.internal);
    EXPECT_EQ(t.other_end(engine.ports[0], reducer_node), engine.host);
    EXPECT_DOUBLE_EQ(link.spec.bandwidth_Bps, reduction.empty() ? n * 100e9 : 3e12);
    EXPECT_DOUBLE_EQ(link.spec.latency_s, 0.0);
  }
}

INSTANTIATE_TEST_SUITE_P(Ranks, InNetworkSwitch, ::testing::Values(3, 7, 8, 15, 31));

}  // namespace test_topology
}  // namespace
