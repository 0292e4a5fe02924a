// in_network: reduction inside a switch that can reduce (NVLink SHARP class). Every rank streams its buffer
// to the switch's reduction engine in pipeline chunks and receives the reduced chunks back; the engine maps
// the peer kInNetworkPeer to that reduction engine and mirrors the ranks' transfers into its own phases.
#include <algorithm>
#include <cmath>

#include "workloads/alpha_beta.h"
#include "workloads/impl/algorithms.h"

namespace pjbit::workloads::impl {

namespace {

class InNetwork : public ICollective {
 public:
  std::string_view name() const override { return "in_network"; }
  bool supports(Op op) const override { return op == Op::AllReduce; }
  std::vector<std::vector<int>> reduction_groups(const std::vector<int>& group,
                                                 const TopologyFacts& facts) const override {
    (void)facts;
    return {group};
  }

  // Chunk c goes up in phase c and comes back down in phase c + 1, so up and down streams overlap on the
  // full-duplex links: T = (k + 1) (alpha + S / (k B)), which tends to S / B as the chunk count k grows.
  Schedule build(Op op, const std::vector<int>& group, std::uint64_t size_bytes) const override {
    require_buildable(*this, op, group);
    const int k = chunk_count(size_bytes);
    const std::vector<std::uint64_t> chunks = split_even(size_bytes, k);
    Schedule s(group.size(), std::vector<Phase>(static_cast<std::size_t>(k + 1)));
    for (auto& phases : s) {
      for (int c = 0; c < k; ++c) {
        if (chunks[static_cast<std::size_t>(c)] == 0) continue;
        Transfer up{kInNetworkPeer, chunks[static_cast<std::size_t>(c)], {c}};
        phases[static_cast<std::size_t>(c)].sends.push_back(up);
        phases[static_cast<std::size_t>(c + 1)].recvs.push_back(up);
      }
    }
    return s;
  }

  // T = (k + 1)(alpha + S/(kB)) is least near k = sqrt(S / (alpha B)); with alpha B of a few hundred KiB on
  // the fabrics this models, k = sqrt(S / 256 KiB), from 1 to 256 chunks.
  static int chunk_count(std::uint64_t size_bytes) {
    const double k = std::round(std::sqrt(static_cast<double>(size_bytes) / (256.0 * 1024.0)));
    return static_cast<int>(std::clamp(k, 1.0, 256.0));
  }
};

// nvls: NVLink SHARP as NCCL runs it on one switch (NVLS). Each rank owns slice i = split_even(chunk, n)[i]
// of every pipeline chunk. Reduce-scatter: the rank asks the switch for its slice reduced (multimem
// ld_reduce), so the switch reads that slice from every rank: each rank's link carries the whole chunk up,
// and the rank's reduced slice down. All-gather: the rank stores its reduced slice to every rank through the
// switch's multicast (multimem st): its slice goes up once and every slice comes down. A rank's link so
// carries chunk + slice each way, (n+1)/n of the buffer where in_network carries it once: busbw tends to
// 2(n-1)/(n+1) x the link's payload rate. Chunk c goes up in phase c and comes down in phase c + 1.
class Nvls final : public InNetwork {
 public:
  std::string_view name() const override { return "nvls"; }

  Schedule build(Op op, const std::vector<int>& group, std::uint64_t size_bytes) const override {
    require_buildable(*this, op, group);
    const int n = static_cast<int>(group.size());
    const int k = chunk_count(size_bytes);
    const std::vector<std::uint64_t> chunks = split_even(size_bytes, k);
    Schedule s(group.size(), std::vector<Phase>(static_cast<std::size_t>(k + 1)));
    for (int i = 0; i < n; ++i) {
      auto& phases = s[static_cast<std::size_t>(i)];
      for (int c = 0; c < k; ++c) {
        const std::uint64_t chunk = chunks[static_cast<std::size_t>(c)];
        if (chunk == 0) continue;
        const std::uint64_t slice = split_even(chunk, n)[static_cast<std::size_t>(i)];
        Transfer t{kInNetworkPeer, chunk + slice, {c}};
        phases[static_cast<std::size_t>(c)].sends.push_back(t);
        phases[static_cast<std::size_t>(c + 1)].recvs.push_back(t);
      }
    }
    return s;
  }
};

// What nvls_tree and collnet share: all_reduce over a tiered platform's domains, the same number of the
// group's ranks in each, in pipeline chunks as in_network (chunk_count).
class AcrossDomains : public ICollective {
 public:
  bool supports(Op op) const override { return op == Op::AllReduce; }
  std::string refusal(const std::vector<int>& group, const TopologyFacts& facts) const override {
    // hierarchical's refusal names it first: name this algorithm instead.
    if (std::string why = hierarchical_refusal(group, facts); !why.empty())
      return why.replace(0, std::string_view("hierarchical").size(), name());
    if (group_domains(group, facts).size() < 2)
      return std::string(name()) + " runs across the domains of a tiered platform; the group lies in one" +
             (facts.inner_domain > 0 ? "" : " (the platform has one tier)");
    return "";
  }
  Schedule build(Op op, const std::vector<int>& group, std::uint64_t size_bytes) const override {
    return build_on(op, group, size_bytes, TopologyFacts{});
  }

 protected:
  // The group's domains (group indices), checked.
  std::vector<std::vector<int>> domains_of(Op op, const std::vector<int>& group,
                                           const TopologyFacts& facts) const {
    require_buildable(*this, op, group);
    if (const std::string why = refusal(group, facts); !why.empty()) throw std::invalid_argument(why);
    return group_domains(group, facts);
  }
};

// nvls_tree: NCCL's NVLS_TREE. Inside each domain NVLS (as nvls: the domain's switch reduces and multicasts,
// reduction slot g for domain g); across domains, member j of every domain all-reduces slice j of each
// chunk over NCCL's double binary tree of the domains (tree.cpp), half the slice on each tree. Chunk c
// (k = chunk_count(S) chunks, slice j = split_even(chunk, m)[j] for m members a domain, D the trees' depth):
//   phase c:             member j sends the chunk up to its switch (the switch reads it to reduce);
//   phase c + 1:         receives slice j reduced over its domain;
//   phases c + 2 ..:     the tree: a member at depth d sends its half up in phase c + 2 + D - d (reducing),
//                        and receives the reduced half from its parent in phase c + D + 1 + d;
//   phase c + 2D + 2:    sends slice j up for the multicast; phase c + 2D + 3: receives the whole chunk.
// k + 2D + 3 phases. A rank's scale-up link carries chunk + slice each way (as nvls), its network port the
// slice once each way when D = 1 (two domains: the trees are one exchange, NCCL's 2-node case) and twice on
// deeper trees' interior members.
class NvlsTree final : public AcrossDomains {
 public:
  std::string_view name() const override { return "nvls_tree"; }
  std::vector<std::vector<int>> reduction_groups(const std::vector<int>& group,
                                                 const TopologyFacts& facts) const override {
    std::vector<std::vector<int>> slots;
    for (const std::vector<int>& d : group_domains(group, facts)) {
      slots.emplace_back();
      for (int i : d)
        slots.back().push_back(group[static_cast<std::size_t>(i)]);
    }
    return slots;
  }

  Schedule build_on(Op op, const std::vector<int>& group, std::uint64_t size_bytes,
                    const TopologyFacts& facts) const override {
    const std::vector<std::vector<int>> domains = domains_of(op, group, facts);
    const int G = static_cast<int>(domains.size());
    const int m = static_cast<int>(domains.front().size());
    const BinaryTree trees[2] = {double_tree(G, 0), double_tree(G, 1)};
    int D = 0;
    for (const BinaryTree& t : trees)
      D = std::max(D, *std::max_element(t.depth.begin(), t.depth.end()));
    const int k = InNetwork::chunk_count(size_bytes);
    const std::vector<std::uint64_t> chunks = split_even(size_bytes, k);
    Schedule s(group.size(), std::vector<Phase>(static_cast<std::size_t>(k + 2 * D + 3)));
    const auto at = [&](int member, int phase) -> Phase& {
      return s[static_cast<std::size_t>(member)][static_cast<std::size_t>(phase)];
    };
    for (int c = 0; c < k; ++c) {
      const std::uint64_t chunk = chunks[static_cast<std::size_t>(c)];
      if (chunk == 0) continue;
      const std::vector<std::uint64_t> slices = split_even(chunk, m);
      for (int g = 0; g < G; ++g) {
        const int slot = in_network_peer(g);
        for (int j = 0; j < m; ++j) {
          const int me = domains[static_cast<std::size_t>(g)][static_cast<std::size_t>(j)];
          const std::uint64_t slice = slices[static_cast<std::size_t>(j)];
          at(me, c).sends.push_back({slot, chunk, {c}});
          if (slice > 0) {
            at(me, c + 1).recvs.push_back({slot, slice, {c}});
            at(me, c + 2 * D + 2).sends.push_back({slot, slice, {c}});
          }
          at(me, c + 2 * D + 3).recvs.push_back({slot, chunk, {c}});
        }
      }
      // The trees over the domains, for each member index j: domain v's member j and its parent's.
      for (int j = 0; j < m; ++j) {
        const std::vector<std::uint64_t> halves = split_even(slices[static_cast<std::size_t>(j)], 2);
        for (int h = 0; h < 2; ++h) {
          const std::uint64_t half = halves[static_cast<std::size_t>(h)];
          if (half == 0) continue;
          const BinaryTree& t = trees[h];
          for (int v = 0; v < G; ++v) {
            const int up = t.parent[static_cast<std::size_t>(v)];
            if (up < 0) continue;
            const int d = t.depth[static_cast<std::size_t>(v)];
            const int me = domains[static_cast<std::size_t>(v)][static_cast<std::size_t>(j)];
            const int parent = domains[static_cast<std::size_t>(up)][static_cast<std::size_t>(j)];
            const int rank = group[static_cast<std::size_t>(me)];
            const int parent_rank = group[static_cast<std::size_t>(parent)];
            const int up_phase = c + 2 + D - d;
            at(me, up_phase).sends.push_back({parent_rank, half, {c}});
            at(parent, up_phase).recvs.push_back({rank, half, {c}});
            const int down_phase = c + D + 1 + d;
            at(parent, down_phase).sends.push_back({rank, half, {c}});
            at(me, down_phase).recvs.push_back({parent_rank, half, {c}});
          }
        }
      }
    }
    return s;
  }
};

// collnet: NCCL's CollNet Direct, the network's switches reducing (SHARP class). Inside each domain a direct
// reduce-scatter gives member j slice j of each chunk reduced over its domain; member j of every domain
// sends it to the reduction engine of rail j (reduction slot j: the switch of the outer tier that joins the
// domains' members j, ICollective::reduction_groups), which reduces over the domains and sends the result
// back; a direct all-gather inside the domain ends it. Chunk c (k = chunk_count(S), slice j =
// split_even(chunk, m)[j]):
//   phase c:      member j sends slice j' to member j' of its domain, for every j' != j (reducing);
//   phase c + 1:  sends slice j up to rail j's switch;   phase c + 2: receives it reduced over the group;
//   phase c + 3:  sends slice j to every other member of its domain, receiving theirs.
// k + 3 phases. A rank's network port carries its slice once each way, S/m in all: the network moves half
// what a ring over the group moves per rank.
class CollNet final : public AcrossDomains {
 public:
  std::string_view name() const override { return "collnet"; }
  std::vector<std::vector<int>> reduction_groups(const std::vector<int>& group,
                                                 const TopologyFacts& facts) const override {
    const std::vector<std::vector<int>> domains = group_domains(group, facts);
    std::vector<std::vector<int>> slots(domains.front().size());
    for (const std::vector<int>& d : domains)
      for (std::size_t j = 0; j < d.size() && j < slots.size(); ++j)
        slots[j].push_back(group[static_cast<std::size_t>(d[j])]);
    return slots;
  }

  Schedule build_on(Op op, const std::vector<int>& group, std::uint64_t size_bytes,
                    const TopologyFacts& facts) const override {
    const std::vector<std::vector<int>> domains = domains_of(op, group, facts);
    const int m = static_cast<int>(domains.front().size());
    const int k = InNetwork::chunk_count(size_bytes);
    const std::vector<std::uint64_t> chunks = split_even(size_bytes, k);
    Schedule s(group.size(), std::vector<Phase>(static_cast<std::size_t>(k + 3)));
    const auto at = [&](int member, int phase) -> Phase& {
      return s[static_cast<std::size_t>(member)][static_cast<std::size_t>(phase)];
    };
    for (int c = 0; c < k; ++c) {
      const std::uint64_t chunk = chunks[static_cast<std::size_t>(c)];
      if (chunk == 0) continue;
      const std::vector<std::uint64_t> slices = split_even(chunk, m);
      for (const std::vector<int>& d : domains) {
        for (int j = 0; j < m; ++j) {
          const int me = d[static_cast<std::size_t>(j)];
          const int rank = group[static_cast<std::size_t>(me)];
          const std::uint64_t mine = slices[static_cast<std::size_t>(j)];
          for (int o = 0; o < m; ++o) {
            if (o == j) continue;
            const int other = d[static_cast<std::size_t>(o)];
            const int other_rank = group[static_cast<std::size_t>(other)];
            const std::uint64_t theirs = slices[static_cast<std::size_t>(o)];
            if (theirs > 0) {  // reduce-scatter: their slice of my chunk goes to them
              at(me, c).sends.push_back({other_rank, theirs, {c}});
              at(other, c).recvs.push_back({rank, theirs, {c}});
            }
            if (mine > 0) {  // all-gather: my reduced slice goes to them
              at(me, c + 3).sends.push_back({other_rank, mine, {c}});
              at(other, c + 3).recvs.push_back({rank, mine, {c}});
            }
          }
          if (mine > 0) {
            at(me, c + 1).sends.push_back({in_network_peer(j), mine, {c}});
            at(me, c + 2).recvs.push_back({in_network_peer(j), mine, {c}});
          }
        }
      }
    }
    return s;
  }
};

}  // namespace

const ICollective& nvls_tree() {
  static const NvlsTree algo;
  return algo;
}

const ICollective& collnet() {
  static const CollNet algo;
  return algo;
}

const ICollective& in_network() {
  static const InNetwork algo;
  return algo;
}

const ICollective& nvls() {
  static const Nvls algo;
  return algo;
}

}  // namespace pjbit::workloads::impl
