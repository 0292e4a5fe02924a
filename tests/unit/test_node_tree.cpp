// node_tree (workloads/impl/tree.cpp): NCCL's tree across domains, a chain through each domain and a double
// binary tree over the domains' heads; and `auto`, which takes it over the rail rings for small all_reduces
// across domains as NCCL's tuner does (engine/validate.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/simulation.h"
#include "platforms/loader.h"
#include "support/testing.h"
#include "workloads/alpha_beta.h"
#include "workloads/i_collective.h"

namespace {
namespace test_node_tree {

namespace workloads = pjbit::workloads;
using workloads::Op;
using workloads::Schedule;
using workloads::TopologyFacts;

std::vector<int> ranks(int n) {
  std::vector<int> r(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    r[static_cast<std::size_t>(i)] = i;
  return r;
}

Schedule build(int n, int domain, std::uint64_t size) {
  const workloads::ICollective* algo = workloads::find_collective("node_tree");
  EXPECT_NE(algo, nullptr);
  return algo->build_on(Op::AllReduce, ranks(n), size, TopologyFacts(domain));
}

// Every (sender, receiver) pair of the schedule's sends, and the bytes they carry in all.
std::pair<std::set<std::pair<int, int>>, std::uint64_t> edges(const Schedule& s) {
  std::set<std::pair<int, int>> pairs;
  std::uint64_t bytes = 0;
  for (std::size_t i = 0; i < s.size(); ++i)
    for (const auto& phase : s[i])
      for (const auto& t : phase.sends) {
        pairs.emplace(static_cast<int>(i), t.peer);
        bytes += t.bytes;
      }
  return {pairs, bytes};
}

TEST(NodeTree, RunsAllReduceOnly) {
  const workloads::ICollective* algo = workloads::find_collective("node_tree");
  ASSERT_NE(algo, nullptr);
  EXPECT_TRUE(algo->supports(Op::AllReduce));
  EXPECT_FALSE(algo->supports(Op::AllGather));
  EXPECT_FALSE(algo->supports(Op::ReduceScatter));
  EXPECT_FALSE(algo->supports(Op::Broadcast));
}

// Two domains of four: tree 0 joins the domains' first ranks (0 and 4), tree 1 their last (3 and 7), so the
// two trees leave a domain through different ranks of the same local index; everything else is a chain.
TEST(NodeTree, CrossesBetweenDomainsOnlyAtEachTreesHeads) {
  const Schedule s = build(8, 4, 8);
  const auto [pairs, bytes] = edges(s);
  std::set<std::pair<int, int>> crossing;
  for (const auto& [a, b] : pairs)
    if (a / 4 != b / 4) crossing.emplace(a, b);
  EXPECT_EQ(crossing, (std::set<std::pair<int, int>>{{0, 4}, {4, 0}, {3, 7}, {7, 3}}));
  // Inside a domain, only neighbours in the chain exchange.
  for (const auto& [a, b] : pairs) {
    if (a / 4 == b / 4) {
      EXPECT_EQ(std::abs(a - b), 1) << a << " -> " << b;
    }
  }
}

// Depth (m - 1) + ceil(log2 G): phases 2 x depth + k - 1; every edge of each tree carries its half up and
// down, 2(n-1) S in all, as a ring moves.
TEST(NodeTree, PhasesAndBytesFollowTheDepthOfChainAndDomainTree) {
  const std::uint64_t size = 1 << 20;  // k = 16 pipeline chunks
  const int k = workloads::tree_pipeline_chunks(size);
  ASSERT_EQ(k, 16);
  const Schedule s = build(32, 8, size);  // 4 domains of 8: depth 7 + 2
  ASSERT_EQ(s.size(), 32u);
  for (const auto& phases : s)
    EXPECT_EQ(phases.size(), static_cast<std::size_t>(2 * (7 + 2) + k - 1));
  EXPECT_EQ(edges(s).second, 2 * 31 * size);
  // 3 domains of 4: the domain tree has depth 2 (ceil(log2 3)).
  const Schedule odd = build(12, 4, 8);
  EXPECT_EQ(odd.front().size(), static_cast<std::size_t>(2 * (3 + 2)));
  EXPECT_EQ(edges(odd).second, 2 * 11 * 8u);
}

// Without domains both trees are chains over the whole group, one each way.
TEST(NodeTree, InOneDomainIsTwoChains) {
  const Schedule s = build(6, 0, 6);
  EXPECT_EQ(s.front().size(), static_cast<std::size_t>(2 * 5));
  for (const auto& [a, b] : edges(s).first)
    EXPECT_EQ(std::abs(a - b), 1) << a << " -> " << b;
}

// `auto` on 2 nodes of 8 H100 with 8 NDR rails: the tree for small all_reduces (fewer steps), the rail rings
// for large ones; all_gather and reduce_scatter keep the rings (NCCL's tree runs all_reduce only).
TEST(NodeTree, AutoTakesItForSmallAllReducesAcrossNodes) {
  const auto spec = pjbit::platforms::load_platform(
      pjbit::testing::source_dir() + "/platforms/systems/h100-ndr.yaml", {{"tiers.1.domains", "2"}});
  workloads::CollectiveStep c;
  c.op = Op::AllReduce;
  for (const std::uint64_t size : {std::uint64_t{8}, std::uint64_t{1024}, std::uint64_t{64} << 10}) {
    c.size_bytes = size;
    EXPECT_EQ(pjbit::engine::default_algorithm(spec, c), "node_tree") << size;
    EXPECT_EQ(pjbit::engine::channels_of(spec, c), 1) << size;
  }
  // From two pipeline chunks on, the rings (the tree's phases would couple its two streams).
  for (const std::uint64_t size : {std::uint64_t{128} << 10, std::uint64_t{1} << 30}) {
    c.size_bytes = size;
    EXPECT_EQ(pjbit::engine::default_algorithm(spec, c), "ring") << size;
    EXPECT_EQ(pjbit::engine::channels_of(spec, c), static_cast<int>(std::min<std::uint64_t>(size >> 15, 8)));
  }
  c.size_bytes = 8;
  c.op = Op::AllGather;
  EXPECT_EQ(pjbit::engine::default_algorithm(spec, c), "ring");
  // One node: no crossing to save, and NVLS or the ring as before.
  const auto one = pjbit::platforms::load_platform(
      pjbit::testing::source_dir() + "/platforms/systems/h100-ndr.yaml", {{"tiers.1.domains", "1"}});
  c.op = Op::AllReduce;
  EXPECT_NE(pjbit::engine::default_algorithm(one, c), "node_tree");
}

}  // namespace test_node_tree
}  // namespace
