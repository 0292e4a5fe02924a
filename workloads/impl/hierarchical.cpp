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

// The schedule above, a phase at a time: each rank runs one inner ring (its domain's) and one outer ring (its
// local index's), one of them in each phase, so a phase holds at most one send and one receive. Memory is
// O(group): the 2(m-1) + 2(G-1) phases of every rank are never held at once (a 3-tier fabric's
// 32,768-rank all-reduce runs 268 million transfers).
class HierarchicalPlan final : public SchedulePlan {
 public:
  HierarchicalPlan(Op op, const std::vector<int>& group, std::uint64_t size_bytes, const TopologyFacts& facts)
      : m_group(group) {
    const std::vector<std::vector<int>> domains = group_domains(group, facts);
    m_domains = static_cast<int>(domains.size());
    m_local = static_cast<int>(domains.front().size());
    const int G = m_domains, m = m_local;
    m_member.reserve(group.size());
    m_domain_of.assign(group.size(), 0);
    m_index_of.assign(group.size(), 0);
    for (int g = 0; g < G; ++g) {
      for (int j = 0; j < m; ++j) {
        const int i = domains[static_cast<std::size_t>(g)][static_cast<std::size_t>(j)];
        m_member.push_back(i);
        m_domain_of[static_cast<std::size_t>(i)] = g;
        m_index_of[static_cast<std::size_t>(i)] = j;
      }
    }
    // Chunk j*G + g: piece g of shard j. Prefix sums give a shard's bytes (its G chunks are consecutive ids).
    m_prefix.push_back(0);
    for (std::uint64_t shard : split_even(size_bytes, m)) {
      for (std::uint64_t piece : split_even(shard, G))
        m_prefix.push_back(m_prefix.back() + piece);
    }
    const int in = m - 1, out = G - 1;
    switch (op) {
      case Op::AllReduce:
        add_stage(false, true, in);
        add_stage(true, true, out);
        add_stage(true, false, out);
        add_stage(false, false, in);
        break;
      case Op::ReduceScatter:
        add_stage(false, true, in);
        add_stage(true, true, out);
        break;
      case Op::AllGather:
        add_stage(true, false, out);
        add_stage(false, false, in);
        break;
      case Op::AllToAll:
      case Op::Broadcast:
        break;
    }
  }

  int group_size() const override { return static_cast<int>(m_group.size()); }
  int phases(int) const override { return static_cast<int>(m_stage_of.size()); }

  const Phase& phase(int index, int k, Phase& out) const override {
    const Stage& st = m_stage_of[static_cast<std::size_t>(k)];
    const int g = m_domain_of[static_cast<std::size_t>(index)];
    const int j = m_index_of[static_cast<std::size_t>(index)];
    // The ring's size and this rank's position on it; the ring's members at positions x + 1 and x - 1.
    const int size = st.outer ? m_domains : m_local;
    const int x = st.outer ? g : j;
    const int lag = st.scatter ? st.p + 1 : st.p;
    const auto member = [&](int pos) {
      const int at = st.outer ? wrap(pos, size) * m_local + j : g * m_local + wrap(pos, size);
      return m_group[static_cast<std::size_t>(m_member[static_cast<std::size_t>(at)])];
    };
    // Piece `which` of the ring: an inner ring's is shard `which` (chunks which*G .. which*G + G-1), an outer
    // ring's is chunk j*G + which of this rank's shard.
    const auto fill = [&](std::vector<Transfer>& list, int which, int peer) {
      const int first = st.outer ? j * m_domains + which : which * m_domains;
      const int count = st.outer ? 1 : m_domains;
      const std::uint64_t bytes =
          m_prefix[static_cast<std::size_t>(first + count)] - m_prefix[static_cast<std::size_t>(first)];
      if (bytes == 0) {
        list.clear();
        return std::uint64_t{0};
      }
      list.resize(1);
      Transfer& t = list.front();
      t.peer = peer;
      t.bytes = bytes;
      t.chunks.clear();
      for (int c = first; c < first + count; ++c)
        if (m_prefix[static_cast<std::size_t>(c + 1)] > m_prefix[static_cast<std::size_t>(c)])
          t.chunks.push_back(c);
      return bytes;
    };
    fill(out.sends, wrap(x - lag, size), member(x + 1));
    const std::uint64_t received = fill(out.recvs, wrap(x - 1 - lag, size), member(x - 1));
    out.reduce_bytes = st.scatter ? received : 0;
    return out;
  }

  void send_peers(int index, std::vector<int>& out) const override {
    const int g = m_domain_of[static_cast<std::size_t>(index)];
    const int j = m_index_of[static_cast<std::size_t>(index)];
    if (m_local > 1)
      out.push_back(m_group[static_cast<std::size_t>(
          m_member[static_cast<std::size_t>(g * m_local + wrap(j + 1, m_local))])]);
    if (m_domains > 1)
      out.push_back(m_group[static_cast<std::size_t>(
          m_member[static_cast<std::size_t>(wrap(g + 1, m_domains) * m_local + j)])]);
  }

 private:
  struct Stage {
    bool outer;    // the outer rings (else the inner ones)
    bool scatter;  // reduce-scatter (else all-gather)
    int p;         // the phase within the stage
  };
  void add_stage(bool outer, bool scatter, int phases) {
    for (int p = 0; p < phases; ++p)
      m_stage_of.push_back(Stage{outer, scatter, p});
  }

  std::vector<int> m_group;
  int m_domains = 1;                    // G
  int m_local = 1;                      // m, members per domain
  std::vector<int> m_member;            // group index of member j of domain g, at g * m + j
  std::vector<int> m_domain_of;         // per group index: g
  std::vector<int> m_index_of;          // per group index: j
  std::vector<std::uint64_t> m_prefix;  // bytes of chunks 0 .. c-1
  std::vector<Stage> m_stage_of;
};

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
    return collect(*plan(op, group, size_bytes, facts));
  }

  std::shared_ptr<const SchedulePlan> plan(Op op, const std::vector<int>& group, std::uint64_t size_bytes,
                                           const TopologyFacts& facts) const override {
    require_buildable(*this, op, group);
    if (const std::string why = hierarchical_refusal(group, facts); !why.empty())
      throw std::invalid_argument(why);
    return std::make_shared<HierarchicalPlan>(op, group, size_bytes, facts);
  }
};

}  // namespace

const ICollective& hierarchical() {
  static const Hierarchical algorithm;
  return algorithm;
}

}  // namespace impl
}  // namespace pjbit::workloads
