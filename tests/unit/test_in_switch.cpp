// nvls_tree and collnet: all_reduce across a tiered platform's domains with switches reducing (inside each
// domain, or on the network), their schedules' bytes against the closed forms in
// workloads/impl/in_network.cpp and the reduction slots they name.
#include <gtest/gtest.h>

#include <map>
#include <numeric>

#include "workloads/i_collective.h"

namespace {
namespace test_in_switch {

using namespace pjbit::workloads;

// Two domains of four: ranks 0-3 and 4-7, listed out of order so that group indices are not rank ids.
const std::vector<int> kGroup = {4, 5, 6, 7, 0, 1, 2, 3};
const TopologyFacts kFacts(4);

struct Totals {
  std::map<int, std::uint64_t> to_slot, from_slot;  // per slot
  std::uint64_t to_ranks_other_domain = 0, from_ranks_other_domain = 0, to_ranks_same_domain = 0;
};

Totals totals(const Schedule& s, std::size_t index) {
  Totals t;
  const int me = kGroup[index];
  for (const Phase& p : s[index]) {
    for (const Transfer& x : p.sends) {
      if (x.peer < 0) {
        t.to_slot[in_network_slot(x.peer)] += x.bytes;
      } else if (x.peer / 4 != me / 4) {
        t.to_ranks_other_domain += x.bytes;
      } else {
        t.to_ranks_same_domain += x.bytes;
      }
    }
    for (const Transfer& x : p.recvs) {
      if (x.peer < 0) {
        t.from_slot[in_network_slot(x.peer)] += x.bytes;
      } else if (x.peer / 4 != me / 4) {
        t.from_ranks_other_domain += x.bytes;
      }
    }
  }
  return t;
}

// Rank-to-rank transfers pair up phase by phase: what i sends j in phase k, j receives from i in phase k.
void expect_matched(const Schedule& s) {
  std::map<std::tuple<int, int, int, std::uint64_t>, int> open;
  for (std::size_t i = 0; i < s.size(); ++i)
    for (std::size_t k = 0; k < s[i].size(); ++k) {
      for (const Transfer& x : s[i][k].sends)
        if (x.peer >= 0) ++open[{static_cast<int>(k), kGroup[i], x.peer, x.bytes}];
      for (const Transfer& x : s[i][k].recvs)
        if (x.peer >= 0) --open[{static_cast<int>(k), x.peer, kGroup[i], x.bytes}];
    }
  for (const auto& [edge, count] : open)
    EXPECT_EQ(count, 0) << "phase " << std::get<0>(edge) << " " << std::get<1>(edge) << "->"
                        << std::get<2>(edge);
}

// The sum over pipeline chunks of member j's slice: what chunk_count and split_even give.
std::uint64_t slice_total(const Schedule& s, std::size_t index, int slot) {
  std::uint64_t total = 0;
  for (const Phase& p : s[index])
    for (const Transfer& x : p.recvs)
      if (x.peer == in_network_peer(slot)) total += x.bytes;
  return total;
}

TEST(NvlsTree, EachRankMovesTheChunkAndItsSliceThroughItsSwitchAndItsSliceAcross) {
  const ICollective& a = *find_collective("nvls_tree");
  for (std::uint64_t size : {std::uint64_t{1} << 20, (std::uint64_t{1} << 30) + 3}) {
    SCOPED_TRACE(size);
    const Schedule s = a.build_on(Op::AllReduce, kGroup, size, kFacts);
    ASSERT_EQ(s.size(), kGroup.size());
    expect_matched(s);
    std::uint64_t slices = 0;
    for (std::size_t i = 0; i < kGroup.size(); ++i) {
      const Totals t = totals(s, i);
      const int domain = i < 4 ? 0 : 1;  // slot: the domain's position in the group
      ASSERT_EQ(t.to_slot.size(), 1u);
      ASSERT_EQ(t.to_slot.begin()->first, domain);
      // Up: the whole buffer (reduce-scatter) and the rank's slice (multicast); down: the same, reversed.
      const std::uint64_t slice = t.to_slot.begin()->second - size;
      EXPECT_EQ(t.from_slot.at(domain), size + slice);
      // Across: the rank's slice once each way (two domains: each tree is one exchange of half of it).
      EXPECT_EQ(t.to_ranks_other_domain, slice);
      EXPECT_EQ(t.from_ranks_other_domain, slice);
      EXPECT_EQ(t.to_ranks_same_domain, 0u);
      slices += slice;
    }
    EXPECT_EQ(slices, 2 * size);  // each domain's slices make up the buffer
  }
  EXPECT_EQ(a.reduction_groups(kGroup, kFacts), (std::vector<std::vector<int>>{{4, 5, 6, 7}, {0, 1, 2, 3}}));
}

TEST(NvlsTree, DeeperTreesMoveMoreAcrossOnTheirInteriorMembers) {
  // Four domains of two: depth 2 trees, an interior member of one tree sends its half up and down twice.
  const std::vector<int> group = {0, 1, 2, 3, 4, 5, 6, 7};
  const TopologyFacts facts(2);
  const Schedule s = find_collective("nvls_tree")->build_on(Op::AllReduce, group, 1 << 20, facts);
  std::uint64_t across = 0;
  for (std::size_t i = 0; i < group.size(); ++i)
    for (const Phase& p : s[i])
      for (const Transfer& x : p.sends)
        if (x.peer >= 0) across += x.bytes;
  // Each tree's 3 edges carry a half of each member index's slice up and down: 2 trees x 3 edges x 2 ways x
  // (slice/2), summed over the 2 member indices: 6 x (the buffer).
  EXPECT_EQ(across, 6u * (1u << 20));
}

TEST(CollNet, EachRankSendsItsSliceToItsRailsSwitchOnce) {
  const ICollective& a = *find_collective("collnet");
  const std::uint64_t size = (std::uint64_t{1} << 28) + 5;
  const Schedule s = a.build_on(Op::AllReduce, kGroup, size, kFacts);
  expect_matched(s);
  for (std::size_t i = 0; i < kGroup.size(); ++i) {
    const Totals t = totals(s, i);
    const int rail = static_cast<int>(i % 4);
    ASSERT_EQ(t.to_slot.size(), 1u);
    ASSERT_EQ(t.to_slot.begin()->first, rail);
    const std::uint64_t slice = slice_total(s, i, rail);
    EXPECT_EQ(t.to_slot.at(rail), slice);
    EXPECT_EQ(t.to_ranks_other_domain, 0u);  // the network carries only what the switches reduce
    // Inside the domain: the other members' slices of every chunk (reduce-scatter), and the rank's slice to
    // each of the 3 others (all-gather).
    EXPECT_EQ(t.to_ranks_same_domain, (size - slice) + 3 * slice);
  }
  EXPECT_EQ(a.reduction_groups(kGroup, kFacts),
            (std::vector<std::vector<int>>{{4, 0}, {5, 1}, {6, 2}, {7, 3}}));
}

TEST(AcrossDomains, RefuseOneDomainAndUnevenDomains) {
  for (const char* name : {"nvls_tree", "collnet"}) {
    const ICollective& a = *find_collective(name);
    EXPECT_EQ(a.refusal({0, 1, 2, 3}, kFacts),
              std::string(name) + " runs across the domains of a tiered platform; the group lies in one");
    EXPECT_EQ(a.refusal({0, 1, 2, 3}, TopologyFacts{}),
              std::string(name) +
                  " runs across the domains of a tiered platform; the group lies in one (the platform has "
                  "one tier)");
    EXPECT_NE(a.refusal({0, 1, 2, 4}, kFacts).find(std::string(name) + " needs the same number"),
              std::string::npos);
    EXPECT_THROW(a.build_on(Op::AllReduce, {0, 1, 2, 3}, 1024, kFacts), std::invalid_argument);
    EXPECT_FALSE(a.supports(Op::AllGather));
  }
}

}  // namespace test_in_switch
}  // namespace
