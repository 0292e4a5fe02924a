// hierarchical: inner tier, then outer tier, then inner tier again (CONTRACT section 5), shaped by
// TopologyFacts::inner_domain: the domain of global rank r is r / inner_domain.
//
// The group's members are sorted into its G domains, in the order each domain first appears in the group,
// and within a domain in group order; member j of a domain has local index j. Every domain present must hold
// the same number m of members (hierarchical_refusal explains otherwise; build_on throws). The buffer is cut
// into m shards split_even(S, m), shard j into G pieces split_even(shard j, G); piece g of shard j has chunk
// id j*G + g and belongs to (is reduced at, or contributed by) member j of domain g. An inner ring is a ring
// over the m members of one domain in local order; an outer ring is a ring over the G members with the same
// local index, in domain order. All domains (and all local indices) run their rings in the same phases.
//   all_reduce:     inner ring reduce-scatter of the m shards (m-1 phases: member j ends with shard j
//                   reduced over its domain), outer ring all-reduce of shard j among the members with local
//                   index j, as a reduce-scatter then an all-gather of its G pieces (2(G-1) phases), then
//                   inner ring all-gather of the shards (m-1 phases). 2(m-1) + 2(G-1) phases.
//   reduce_scatter: inner ring reduce-scatter of the shards, then outer ring reduce-scatter of shard j's
//                   pieces: member j of domain g ends with chunk j*G + g reduced over the whole group.
//                   (m-1) + (G-1) phases.
//   all_gather:     the reverse: outer ring all-gather of shard j's pieces (member j of domain g contributes
//                   chunk j*G + g), then inner ring all-gather of the shards. (G-1) + (m-1) phases.
// Only 1/m of the buffer crosses the outer tier from each rank. Every op moves the nccl-tests useful bytes
// exactly (all_reduce 2(n-1) S, the others (n-1) S). With inner_domain 0, a single domain, or m = 1, there is
// one tier and the schedule is the plain ring in group order (same chunk ids and sizes as `ring`). build()
// without facts is that plain ring too.
#include <map>

#include "workloads/alpha_beta.h"
#include "workloads/impl/algorithms.h"

namespace pjbit::workloads {

std::vector<std::vector<int>> group_domains(const std::vector<int>& group, const TopologyFacts& facts) {
  std::vector<std::vector<int>> domains;
  std::map<int, std::size_t> slot;  // domain id -> index in `domains`
  for (std::size_t i = 0; i < group.size(); ++i) {
    const int domain = facts.inner_domain > 0 ? group[i] / facts.inner_domain : 0;
    const auto [it, fresh] = slot.emplace(domain, domains.size());
    if (fresh) domains.emplace_back();
    domains[it->second].push_back(static_cast<int>(i));
  }
  return domains;
}

std::string hierarchical_refusal(const std::vector<int>& group, const TopologyFacts& facts) {
  if (facts.inner_domain < 0) {
    return "hierarchical: inner_domain must be 0 or more, got " + std::to_string(facts.inner_domain);
  }
  const std::vector<std::vector<int>> domains = group_domains(group, facts);
  for (const std::vector<int>& d : domains) {
    if (d.size() == domains.front().size()) continue;
    const auto describe = [&](const std::vector<int>& members) {
      const int domain = group[static_cast<std::size_t>(members.front())] / facts.inner_domain;
      std::string s = "domain " + std::to_string(domain) + " (ranks " +
                      std::to_string(domain * facts.inner_domain) + " to " +
                      std::to_string((domain + 1) * facts.inner_domain - 1) + ") has " +
                      std::to_string(members.size()) + " (";
      for (std::size_t i = 0; i < members.size(); ++i)
        s += (i > 0 ? ", " : "") + std::to_string(group[static_cast<std::size_t>(members[i])]);
      return s + ")";
    };
    return "hierarchical needs the same number of the group's ranks in every domain of " +
           std::to_string(facts.inner_domain) + " ranks it touches: " + describe(domains.front()) + ", " +
           describe(d);
  }
  return "";
}

namespace impl {

namespace {

// One ring over `members` (group indices, in ring order) in phases first_phase.. ; piece(i) lists the chunk
// ids of piece i. Reduce-scatter leaves members[i] holding piece i reduced over the ring; all-gather starts
// from members[i] holding piece i. Same phase structure as ring_reduce_scatter / ring_all_gather.
template <class Piece>
void sub_ring(ScheduleBuilder& b, int first_phase, const std::vector<int>& members, bool reduce_scatter,
              const Piece& piece) {
  const int m = static_cast<int>(members.size());
  for (int p = 0; p < m - 1; ++p) {
    for (int i = 0; i < m; ++i) {
      const int which = wrap(reduce_scatter ? i - p - 1 : i - p, m);
      b.transfer(first_phase + p, members[static_cast<std::size_t>(i)],
                 members[static_cast<std::size_t>(wrap(i + 1, m))], piece(which), reduce_scatter);
    }
  }
}

class Hierarchical final : public ICollective {
 public:
  std::string_view name() const override { return "hierarchical"; }

  bool supports(Op op) const override {
    return op == Op::AllReduce || op == Op::AllGather || op == Op::ReduceScatter;
  }

  std::string refusal(const std::vector<int>& group, const TopologyFacts& facts) const override {
    return hierarchical_refusal(group, facts);
  }

  Schedule build(Op op, const std::vector<int>& group, std::uint64_t size_bytes) const override {
    return build_on(op, group, size_bytes, TopologyFacts{});
  }

  Schedule build_on(Op op, const std::vector<int>& group, std::uint64_t size_bytes,
                    const TopologyFacts& facts) const override {
    require_buildable(*this, op, group);
    if (const std::string why = hierarchical_refusal(group, facts); !why.empty())
      throw std::invalid_argument(why);
    const std::vector<std::vector<int>> domains = group_domains(group, facts);
    const int G = static_cast<int>(domains.size());
    const int m = static_cast<int>(domains.front().size());

    std::vector<std::uint64_t> sizes;
    for (std::uint64_t shard : split_even(size_bytes, m)) {
      for (std::uint64_t piece : split_even(shard, G))
        sizes.push_back(piece);
    }
    const auto shard = [G](int j) {
      std::vector<int> ids(static_cast<std::size_t>(G));
      for (int g = 0; g < G; ++g)
        ids[static_cast<std::size_t>(g)] = j * G + g;
      return ids;
    };
    // The outer rings, one per local index j, over the domains' member j.
    std::vector<std::vector<int>> outer(static_cast<std::size_t>(m));
    for (int j = 0; j < m; ++j) {
      for (const std::vector<int>& d : domains)
        outer[static_cast<std::size_t>(j)].push_back(d[static_cast<std::size_t>(j)]);
    }
    const auto inner_rings = [&](ScheduleBuilder& b, int first, bool reduce_scatter) {
      for (const std::vector<int>& d : domains)
        sub_ring(b, first, d, reduce_scatter, shard);
    };
    const auto outer_rings = [&](ScheduleBuilder& b, int first, bool reduce_scatter) {
      for (int j = 0; j < m; ++j)
        sub_ring(b, first, outer[static_cast<std::size_t>(j)], reduce_scatter,
                 [G, j](int g) { return std::vector<int>{j * G + g}; });
    };

    const int in = m - 1;
    const int out = G - 1;
    switch (op) {
      case Op::AllReduce: {
        ScheduleBuilder b(group, 2 * in + 2 * out, std::move(sizes));
        inner_rings(b, 0, /*reduce_scatter=*/true);
        outer_rings(b, in, /*reduce_scatter=*/true);
        outer_rings(b, in + out, /*reduce_scatter=*/false);
        inner_rings(b, in + 2 * out, /*reduce_scatter=*/false);
        return b.take();
      }
      case Op::ReduceScatter: {
        ScheduleBuilder b(group, in + out, std::move(sizes));
        inner_rings(b, 0, /*reduce_scatter=*/true);
        outer_rings(b, in, /*reduce_scatter=*/true);
        return b.take();
      }
      case Op::AllGather: {
        ScheduleBuilder b(group, out + in, std::move(sizes));
        outer_rings(b, 0, /*reduce_scatter=*/false);
        inner_rings(b, out, /*reduce_scatter=*/false);
        return b.take();
      }
      case Op::AllToAll:
      case Op::Broadcast:
        break;
    }
    return {};  // unreachable: require_buildable refused the op
  }
};

}  // namespace

const ICollective& hierarchical() {
  static const Hierarchical algorithm;
  return algorithm;
}

}  // namespace impl
}  // namespace pjbit::workloads
