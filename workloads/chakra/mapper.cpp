// Turns the decoded rank files of a Chakra trace into one WorkloadSpec (chakra.md, "Reading a trace"):
// collectives matched across ranks per process group, sends matched with receives, compute and memory nodes
// per rank, dependencies carried through the nodes that make no step, then one deterministic topological
// order of the steps, in which nodes of one id and the same work on several ranks become one step where that
// changes no rank's dependencies, and pjbit's own parallel groups are rebuilt.
#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "core/errors.h"
#include "core/yaml_support.h"
#include "workloads/chakra/trace.h"
#include "workloads/i_collective.h"

namespace pjbit::workloads::chakra::detail {

namespace {

constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

// A node of one rank.
struct Member {
  int rank = 0;
  std::size_t node = 0;  // its index in the rank's nodes
};

enum class UnitKind { Collective, Traffic, Compute, Memory };

// What becomes one step: the nodes it is made of (one per rank for a collective, a send and its receive, one
// node for compute and memory until merged), the step, and the units it waits for.
struct Unit {
  UnitKind kind = UnitKind::Compute;
  std::vector<Member> members;  // the first names the step
  Step step;
  std::vector<std::size_t> deps;                      // units, sorted, each once
  std::vector<std::vector<std::size_t>> member_deps;  // compute and memory: each member's own
  std::vector<int> ranks;                             // the ranks taking part, sorted
  std::string signature;       // compute and memory: what must be equal for nodes of several ranks to merge
  std::string parallel;        // pjbit.parallel
  std::uint64_t order_id = 0;  // the smallest node id of its members: the order among ready units
  int order_rank = 0;
};

// A step on its way to the top level, with the units it holds and those it waits for.
struct Folded {
  Step step;
  std::vector<std::string> path;   // the pjbit.parallel groups it is in, outermost first
  std::vector<std::size_t> units;  // sorted
  std::vector<std::size_t> deps;   // sorted
};

std::string ordinal(std::size_t k) {
  const std::size_t mod100 = k % 100;
  const char* suffix = (mod100 >= 11 && mod100 <= 13) ? "th"
                       : k % 10 == 1                  ? "st"
                       : k % 10 == 2                  ? "nd"
                       : k % 10 == 3                  ? "rd"
                                                      : "th";
  return std::to_string(k) + suffix;
}

std::string rank_list(const std::vector<int>& ranks) {
  std::string s = "[";
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    if (i == 8 && ranks.size() > 10) {
      s += ", ... (" + std::to_string(ranks.size()) + " ranks)";
      break;
    }
    s += (i ? ", " : "") + std::to_string(ranks[i]);
  }
  return s + "]";
}

void add_sorted(std::vector<std::size_t>& into, const std::vector<std::size_t>& from) {
  std::vector<std::size_t> out;
  out.reserve(into.size() + from.size());
  std::set_union(into.begin(), into.end(), from.begin(), from.end(), std::back_inserter(out));
  into.swap(out);
}

bool contains(const std::vector<int>& sorted, int r) {
  return std::binary_search(sorted.begin(), sorted.end(), r);
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    out.push_back(path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

class Mapper {
 public:
  Mapper(const std::vector<RankTrace>& ranks, const Options& options)
      : m_ranks(ranks), m_options(options), m_n(static_cast<int>(ranks.size())) {}

  WorkloadSpec run(const std::string& name) {
    index_nodes();
    collect_groups();
    m_unit_of.resize(m_ranks.size());
    for (std::size_t r = 0; r < m_ranks.size(); ++r)
      m_unit_of[r].assign(m_ranks[r].nodes.size(), kNone);
    match_collectives();
    match_p2p();
    make_local_units();
    resolve_deps();
    const std::vector<std::size_t> order = order_units();

    WorkloadSpec spec;
    spec.name = name;
    spec.file = m_ranks.front().file;
    spec.graph = true;
    spec.trace_ranks = m_n;
    spec.iterations_loc = core::SourceLoc{m_ranks.front().file};
    spec.iterations = iterations();
    spec.steps = build_steps(order);
    // A trace that is a sequence (as pjbit writes a list of steps) reads as one: the engine runs it as the
    // workload it was written from, step for step; anything else is a graph.
    if (is_sequence(spec.steps)) {
      spec.graph = false;
      for (Step& s : spec.steps)
        s.after.clear();
    }
    return spec;
  }

 private:
  const Node& node(const Member& m) const { return m_ranks[static_cast<std::size_t>(m.rank)].nodes[m.node]; }
  const std::string& file(int rank) const { return m_ranks[static_cast<std::size_t>(rank)].file; }
  // "t.3.et node 12": a node in messages about several files, and a step's key.
  std::string where(const Member& m) const {
    return m_ranks[static_cast<std::size_t>(m.rank)].label + " node " + std::to_string(node(m).id);
  }
  [[noreturn]] void fail(const Member& m, std::string_view field, const std::string& message) const {
    throw core::InputError(core::SourceLoc{file(m.rank)}, node_key(node(m).id, field), message);
  }

  // Node ids, dangling dependencies and each rank's own cycles; m_order[r] is a topological order of rank r's
  // nodes (dependencies first).
  void index_nodes() {
    m_index.resize(m_ranks.size());
    m_deps.resize(m_ranks.size());
    m_order.resize(m_ranks.size());
    for (std::size_t r = 0; r < m_ranks.size(); ++r) {
      const auto& nodes = m_ranks[r].nodes;
      auto& index = m_index[r];
      index.reserve(nodes.size());
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        const auto [it, fresh] = index.emplace(nodes[i].id, i);
        if (!fresh) {
          fail(Member{static_cast<int>(r), i}, "id",
               "node id " + std::to_string(nodes[i].id) + " is used twice in the file (messages " +
                   std::to_string(it->second + 2) + " and " + std::to_string(i + 2) + ")");
        }
      }
      // Each node's dependencies as indices; how many each node waits for, and who waits for it. In a trace
      // converted from PyTorch, control dependencies are the operators' callers, not an order (Chakra's
      // converter says so: the order is in the data dependencies), and some name nodes the converter left
      // out, or the node itself: they are not read, as Chakra's own feeder reads none.
      const bool callers = m_ranks[r].ctrl_deps_are_callers;
      auto& deps_of = m_deps[r];
      deps_of.resize(nodes.size());
      std::vector<std::size_t> waiting(nodes.size(), 0);
      std::vector<std::vector<std::size_t>> dependents(nodes.size());
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        const Node& n = nodes[i];
        const std::size_t count = callers ? n.data_count : n.deps.size();
        for (std::size_t k = 0; k < count; ++k) {
          const std::uint64_t d = n.deps[k];
          const char* field = k < n.data_count ? "data_deps" : "ctrl_deps";
          const auto it = index.find(d);
          if (it == index.end()) {
            fail(Member{static_cast<int>(r), i}, field,
                 "depends on node " + std::to_string(d) +
                     ", which the file does not have (a dangling dependency)");
          }
          if (it->second == i)
            fail(Member{static_cast<int>(r), i}, field, "depends on itself (a dependency cycle)");
          deps_of[i].push_back(it->second);
          ++waiting[i];
          dependents[it->second].push_back(i);
        }
      }
      std::vector<std::size_t> ready;
      for (std::size_t i = nodes.size(); i-- > 0;)
        if (waiting[i] == 0) ready.push_back(i);
      auto& order = m_order[r];
      order.reserve(nodes.size());
      while (!ready.empty()) {
        const std::size_t i = ready.back();
        ready.pop_back();
        order.push_back(i);
        for (std::size_t j : dependents[i])
          if (--waiting[j] == 0) ready.push_back(j);
      }
      if (order.size() < nodes.size()) node_cycle(static_cast<int>(r), waiting);
    }
  }

  // Names a cycle among the nodes of rank `r` that never became ready.
  [[noreturn]] void node_cycle(int r, const std::vector<std::size_t>& waiting) const {
    const auto& nodes = m_ranks[static_cast<std::size_t>(r)].nodes;
    std::size_t at = 0;
    while (waiting[at] == 0)
      ++at;
    // Every waiting node waits for a waiting node: walking along such dependencies must come back.
    std::vector<std::size_t> seen_at(nodes.size(), kNone);
    std::vector<std::size_t> path;
    while (seen_at[at] == kNone) {
      seen_at[at] = path.size();
      path.push_back(at);
      for (std::size_t j : m_deps[static_cast<std::size_t>(r)][at]) {
        if (waiting[j] != 0) {
          at = j;
          break;
        }
      }
    }
    std::string chain;
    for (std::size_t k = seen_at[at]; k < path.size(); ++k)
      chain += "node " + std::to_string(nodes[path[k]].id) + " waits for ";
    chain += "node " + std::to_string(nodes[at].id);
    fail(Member{r, at}, "data_deps", "a dependency cycle: " + chain);
  }

  // The process groups the metadata nodes define; the same name must mean the same ranks everywhere.
  void collect_groups() {
    std::map<std::string, Member> defined_at;
    for (std::size_t r = 0; r < m_ranks.size(); ++r) {
      const auto& nodes = m_ranks[r].nodes;
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        for (const GroupDef& g : nodes[i].groups) {
          const Member at{static_cast<int>(r), i};
          std::vector<int> seen;
          for (int rank : g.ranks) {
            if (rank >= m_n) {
              fail(at, "inputs.values",
                   "process group " + core::quote_text(g.name) + " lists rank " + std::to_string(rank) +
                       ", beyond the trace's " + std::to_string(m_n) + " rank files");
            }
            if (std::find(seen.begin(), seen.end(), rank) != seen.end()) {
              fail(at, "inputs.values",
                   "process group " + core::quote_text(g.name) + " lists rank " + std::to_string(rank) +
                       " twice");
            }
            seen.push_back(rank);
          }
          const auto [it, fresh] = m_groups.emplace(g.name, g.ranks);
          if (fresh) {
            defined_at.emplace(g.name, at);
          } else if (it->second != g.ranks) {
            fail(at, "inputs.values",
                 "process group " + core::quote_text(g.name) + " has ranks " + rank_list(g.ranks) +
                     " here and " + rank_list(it->second) + " in " + where(defined_at.at(g.name)));
          }
        }
      }
    }
  }

  std::vector<int> all_ranks() const {
    std::vector<int> out(static_cast<std::size_t>(m_n));
    for (int r = 0; r < m_n; ++r)
      out[static_cast<std::size_t>(r)] = r;
    return out;
  }

  // Collective nodes per process group, matched across its ranks in each rank's order of issue (a
  // communicator's collectives are issued in one order by every rank, as NCCL requires).
  void match_collectives() {
    std::map<std::string, std::vector<std::vector<std::size_t>>> issued;  // group -> rank -> nodes in order
    for (std::size_t r = 0; r < m_ranks.size(); ++r) {
      const auto& nodes = m_ranks[r].nodes;
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (nodes[i].type != static_cast<int>(NodeType::Coll) || nodes[i].cpu_op) continue;
        auto& per_rank = issued[nodes[i].pg_name.value_or("")];
        per_rank.resize(m_ranks.size());
        per_rank[r].push_back(i);
      }
    }
    for (const auto& [group, per_rank] : issued) {
      const std::vector<int> members = group_members(group, per_rank);
      for (std::size_t r = 0; r < per_rank.size(); ++r) {
        if (!per_rank[r].empty() &&
            std::find(members.begin(), members.end(), static_cast<int>(r)) == members.end()) {
          fail(Member{static_cast<int>(r), per_rank[r].front()}, "pg_name",
               "rank " + std::to_string(r) + " is not a member of process group " + core::quote_text(group) +
                   " " + rank_list(members));
        }
      }
      // Every member issues as many collectives on the group as the first.
      const int first = members.front();
      const std::size_t count = per_rank[static_cast<std::size_t>(first)].size();
      for (int m : members) {
        const auto& mine = per_rank[static_cast<std::size_t>(m)];
        if (mine.size() == count) continue;
        const bool more = mine.size() > count;
        const int extra_rank = more ? m : first;
        const int short_rank = more ? first : m;
        const std::size_t k = std::min(mine.size(), count);
        const Member extra{extra_rank, per_rank[static_cast<std::size_t>(extra_rank)][k]};
        fail(extra, "pg_name",
             "this is the " + ordinal(k + 1) + " collective of process group " + group_name(group) + " in " +
                 m_ranks[static_cast<std::size_t>(extra_rank)].label + ", but " +
                 m_ranks[static_cast<std::size_t>(short_rank)].label + " issues only " + std::to_string(k) +
                 " on the group: every member must issue the group's collectives alike");
      }
      for (std::size_t k = 0; k < count; ++k) {
        std::vector<Member> unit;
        for (int m : members)
          unit.push_back(Member{m, per_rank[static_cast<std::size_t>(m)][k]});
        make_collective(unit, members, group, k);
      }
    }
  }

  std::string group_name(const std::string& group) const {
    return group.empty() ? std::string("(none: every rank)") : core::quote_text(group);
  }

  // The ranks of a process group, in order: as a metadata node defines it, every rank for no group (and for
  // "0", PyTorch's default group, when no metadata defines it, as ASTRA-sim takes it), else the ranks whose
  // files issue collectives on it.
  std::vector<int> group_members(const std::string& group,
                                 const std::vector<std::vector<std::size_t>>& per_rank) const {
    if (group.empty()) return all_ranks();
    if (const auto it = m_groups.find(group); it != m_groups.end())
      return it->second.empty() ? all_ranks() : it->second;
    if (group == "0") return all_ranks();
    std::vector<int> out;
    for (std::size_t r = 0; r < per_rank.size(); ++r)
      if (!per_rank[r].empty()) out.push_back(static_cast<int>(r));
    return out;
  }

  // The collective `members` take part in, as the k-th of `group`, checked for agreement.
  void make_collective(const std::vector<Member>& members, const std::vector<int>& ranks,
                       const std::string& group, std::size_t k) {
    const Member& lead = members.front();
    const Node& a = node(lead);
    for (const Member& m : members) {
      const Node& b = node(m);
      if (!b.comm_type) fail(m, "comm_type", "missing; a COMM_COLL_NODE names its collective in comm_type");
      const auto type = static_cast<CommType>(*b.comm_type);
      if (type == CommType::Reduce || type == CommType::Gather || type == CommType::Scatter ||
          type == CommType::ReduceScatterBlock) {
        fail(m, "comm_type",
             std::string(comm_type_name(static_cast<int>(type))) +
                 " is not supported; pjbit runs ALL_REDUCE, ALL_GATHER, REDUCE_SCATTER, ALL_TO_ALL, "
                 "BROADCAST and "
                 "BARRIER");
      }
      if (!b.comm_size && type != CommType::Barrier)
        fail(m, "comm_size", "missing; a collective gives its size in bytes in comm_size");
    }
    for (std::size_t i = 1; i < members.size(); ++i) {
      const Node& b = node(members[i]);
      const auto describe = [](const Node& n) {
        return std::string(comm_type_name(static_cast<int>(*n.comm_type))) + " of " +
               std::to_string(n.comm_size.value_or(0)) + " bytes";
      };
      const std::string which = "the " + ordinal(k + 1) + " collective of process group " + group_name(group);
      if (*a.comm_type != *b.comm_type || a.comm_size.value_or(0) != b.comm_size.value_or(0)) {
        fail(members[i], *a.comm_type != *b.comm_type ? "comm_type" : "comm_size",
             "this and " + where(lead) + " are " + which + " but disagree: " + describe(b) + " here, " +
                 describe(a) + " there");
      }
      if (a.algorithm != b.algorithm || a.channels != b.channels || a.cls != b.cls || a.size != b.size) {
        fail(members[i], "attr",
             "this and " + where(lead) + " are " + which + " but disagree on pjbit's attributes (" +
                 std::string(attr::kAlgorithm) + ", " + std::string(attr::kChannels) + ", " +
                 std::string(attr::kClass) + " or " + std::string(attr::kSize) + ")");
      }
    }
    const auto type = static_cast<CommType>(*a.comm_type);
    const std::uint64_t comm_size = a.comm_size.value_or(0);
    const auto n = static_cast<std::uint64_t>(ranks.size());

    CollectiveStep c;
    c.ranks = ranks;
    c.size_bytes = comm_size;
    switch (type) {
      case CommType::AllReduce:
        c.op = Op::AllReduce;
        break;
      case CommType::Barrier:
        // No barrier of its own: a one-element all-reduce, as NCCL-based barriers are.
        c.op = Op::AllReduce;
        c.size_bytes = std::max<std::uint64_t>(comm_size, 1);
        break;
      case CommType::AllGather:
        // Chakra's comm_size of an all-gather is what each rank contributes (ASTRA-sim's Ring: final size =
        // comm_size x ranks); pjbit's size is the gathered output (nccl-tests).
        c.op = Op::AllGather;
        if (comm_size > std::numeric_limits<std::uint64_t>::max() / n)
          fail(lead, "comm_size", "comm_size x " + std::to_string(n) + " ranks does not fit in 64 bits");
        c.size_bytes = comm_size * n;
        // pjbit writes the exact gathered size when the ranks do not divide it.
        if (a.size && *a.size / n == comm_size) c.size_bytes = *a.size;
        break;
      case CommType::ReduceScatter:
        c.op = Op::ReduceScatter;
        break;
      case CommType::AllToAll:
        c.op = Op::AllToAll;
        break;
      case CommType::Broadcast:
        c.op = Op::Broadcast;
        break;
      default:
        break;  // refused above
    }
    // A collective of one rank, or of no bytes, moves nothing: its nodes make no step (their dependencies
    // still hold).
    if (n < 2 || c.size_bytes == 0) return;
    c.channels_loc = core::SourceLoc{file(lead.rank)};
    if (a.algorithm && *a.algorithm != "auto") {
      const ICollective* algo = find_collective(*a.algorithm);
      if (algo == nullptr) {
        std::string names;
        for (const std::string& name : collective_names())
          names += (names.empty() ? "" : ", ") + name;
        fail(lead, attr::kAlgorithm,
             "unknown algorithm " + core::quote_text(*a.algorithm) + "; expected one of: " + names);
      }
      if (!algo->supports(c.op))
        fail(lead, attr::kAlgorithm,
             "algorithm " + core::quote_text(*a.algorithm) + " does not implement " + op_name(c.op));
      c.algorithm = *a.algorithm;
    }
    if (a.channels) {
      if (*a.channels < 1 || *a.channels > kMaxChannels)
        fail(lead, attr::kChannels, "expected a whole number from 1 to " + std::to_string(kMaxChannels));
      c.channels = static_cast<int>(*a.channels);
      c.channels_given = true;
      if (!c.algorithm.empty()) {
        if (const std::string why = channels_refusal(*find_collective(c.algorithm), c.op, c.channels);
            !why.empty())
          fail(lead, attr::kChannels, why);
      }
    }
    c.cls = transport_class(lead, a.cls, TransportClass::Collective);

    Unit u;
    u.kind = UnitKind::Collective;
    u.members = members;
    u.step.kind = Step::Kind::Collective;
    u.step.collective = std::move(c);
    u.ranks = ranks;
    std::sort(u.ranks.begin(), u.ranks.end());
    add_unit(std::move(u));
  }

  TransportClass transport_class(const Member& m, const std::optional<std::string>& name,
                                 TransportClass fallback) const {
    if (!name) return fallback;
    for (int c = 0; c < kNumClasses; ++c) {
      const auto cls = static_cast<TransportClass>(c);
      if (*name == class_name(cls)) return cls;
    }
    fail(m, attr::kClass,
         "unknown transport class " + core::quote_text(*name) +
             "; expected latency_critical, control, collective, remote_memory or bulk");
  }

  // Sends matched with receives by (source, destination, tag), in each file's order: each pair is a traffic
  // step of one message, or, for the messages pjbit wrote from one traffic step (pjbit.traffic), one step
  // again.
  void match_p2p() {
    using Key = std::tuple<int, int, std::int64_t>;
    std::map<Key, std::vector<Member>> sends, recvs;
    for (std::size_t r = 0; r < m_ranks.size(); ++r) {
      const int me = static_cast<int>(r);
      const auto& nodes = m_ranks[r].nodes;
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        const Node& n = nodes[i];
        const bool send = n.type == static_cast<int>(NodeType::Send);
        if ((!send && n.type != static_cast<int>(NodeType::Recv)) || n.cpu_op) continue;
        const Member m{me, i};
        const std::string_view own = send ? attr::kCommSrc : attr::kCommDst;
        const std::string_view peer_field = send ? attr::kCommDst : attr::kCommSrc;
        const std::optional<std::int64_t>& own_value = send ? n.comm_src : n.comm_dst;
        const std::optional<std::int64_t>& peer_value = send ? n.comm_dst : n.comm_src;
        if (own_value && *own_value != me) {
          fail(m, own,
               std::string(send ? "a send" : "a receive") + " in rank " + std::to_string(me) +
                   "'s file must have " + std::string(own) + " " + std::to_string(me) + ", not " +
                   std::to_string(*own_value));
        }
        if (!peer_value) {
          fail(m, peer_field,
               std::string("missing; a ") + (send ? "COMM_SEND_NODE names the rank it sends to"
                                                  : "COMM_RECV_NODE names the rank it receives from"));
        }
        if (*peer_value < 0 || *peer_value >= m_n) {
          fail(m, peer_field,
               "rank " + std::to_string(*peer_value) + " is not a rank of the trace (its " +
                   std::to_string(m_n) + " files are ranks 0 to " + std::to_string(m_n - 1) + ")");
        }
        if (*peer_value == me) fail(m, peer_field, "a rank does not send to itself");
        if (!n.comm_size && !n.tensor_size)
          fail(m, attr::kCommSize, "missing; a send or receive gives its size in bytes in comm_size");
        const auto peer = static_cast<int>(*peer_value);
        const Key key{send ? me : peer, send ? peer : me, n.comm_tag.value_or(0)};
        (send ? sends : recvs)[key].push_back(m);
      }
    }
    const auto size_of = [](const Node& n) { return n.comm_size ? *n.comm_size : *n.tensor_size; };
    std::map<std::string, std::vector<std::pair<Member, Member>>> hinted;  // pjbit.traffic -> messages
    std::vector<std::pair<Member, Member>> pairs;
    const auto unmatched = [&](const Member& m, bool send, const Key& key, std::size_t k) {
      const auto [src, dst, tag] = key;
      const int other = send ? dst : src;
      fail(m, "type",
           std::string(send ? "this send to rank " + std::to_string(dst)
                            : "this receive from rank " + std::to_string(src)) +
               " (tag " + std::to_string(tag) + ") is the " + ordinal(k + 1) + " of its kind, but " +
               m_ranks[static_cast<std::size_t>(other)].label + " has only " + std::to_string(k) +
               " matching " + (send ? "receives" : "sends") +
               (send ? ": a send without a receive" : ": a receive without a send"));
    };
    for (const auto& [key, list] : sends) {
      const auto it = recvs.find(key);
      const std::size_t have = it == recvs.end() ? 0 : it->second.size();
      if (list.size() > have) unmatched(list[have], true, key, have);
    }
    for (const auto& [key, list] : recvs) {
      const auto it = sends.find(key);
      const std::size_t have = it == sends.end() ? 0 : it->second.size();
      if (list.size() > have) unmatched(list[have], false, key, have);
      for (std::size_t k = 0; k < list.size(); ++k) {
        const Member& s = it->second[k];
        const Member& r = list[k];
        if (size_of(node(s)) != size_of(node(r))) {
          fail(r, attr::kCommSize,
               "this receive of " + std::to_string(size_of(node(r))) + " bytes matches " + where(s) +
                   ", a send of " + std::to_string(size_of(node(s))) + " bytes");
        }
        if (node(s).traffic) {
          hinted[*node(s).traffic].emplace_back(s, r);
        } else {
          pairs.emplace_back(s, r);
        }
      }
    }
    // Plain pairs, in the order of their sends (rank, then file order): the map above ordered them by key.
    std::sort(pairs.begin(), pairs.end(), [](const auto& x, const auto& y) {
      return std::tie(x.first.rank, x.first.node) < std::tie(y.first.rank, y.first.node);
    });
    for (const auto& [s, r] : pairs) {
      const Node& n = node(s);
      TrafficStep t;
      t.size_bytes = size_of(n);
      t.pairs = {{s.rank, r.rank}};
      t.cls = transport_class(s, n.cls, TransportClass::Collective);
      Unit u;
      u.kind = UnitKind::Traffic;
      u.members = {s, r};
      u.step.kind = Step::Kind::Traffic;
      u.step.traffic = std::move(t);
      u.ranks.push_back(std::min(s.rank, r.rank));
      u.ranks.push_back(std::max(s.rank, r.rank));
      if (size_of(n) > 0) add_unit(std::move(u));
    }
    for (auto& [group, messages] : hinted)
      make_hinted_traffic(messages);
  }

  // The messages pjbit wrote from one traffic step, numbered by pjbit.message, as that step again.
  void make_hinted_traffic(std::vector<std::pair<Member, Member>>& messages) {
    for (const auto& [s, r] : messages)
      if (!node(s).message)
        fail(s, attr::kMessage, "missing; a message of a pjbit traffic step has its number");
    std::sort(messages.begin(), messages.end(),
              [&](const auto& x, const auto& y) { return *node(x.first).message < *node(y.first).message; });
    const Node& first = node(messages.front().first);
    TrafficStep t;
    t.size_bytes = first.comm_size ? *first.comm_size : *first.tensor_size;
    t.messages = messages.size();
    t.interval_s = first.interval_s.value_or(0.0);
    t.cls = transport_class(messages.front().first, first.cls, TransportClass::Collective);
    Unit u;
    u.kind = UnitKind::Traffic;
    for (std::size_t k = 0; k < messages.size(); ++k) {
      const auto& [s, r] = messages[k];
      const Node& n = node(s);
      if (*n.message != static_cast<std::int64_t>(k))
        fail(s, attr::kMessage,
             "expected message " + std::to_string(k) + " of its traffic step, got " +
                 std::to_string(*n.message));
      if ((n.comm_size ? *n.comm_size : *n.tensor_size) != t.size_bytes || n.interval_s != first.interval_s ||
          n.cls != first.cls) {
        fail(s, attr::kTraffic, "the messages of one pjbit traffic step differ in size, interval or class");
      }
      t.pairs.emplace_back(s.rank, r.rank);
      u.members.push_back(s);
      u.members.push_back(r);
      u.ranks.push_back(s.rank);
      u.ranks.push_back(r.rank);
    }
    std::sort(u.ranks.begin(), u.ranks.end());
    u.ranks.erase(std::unique(u.ranks.begin(), u.ranks.end()), u.ranks.end());
    u.step.kind = Step::Kind::Traffic;
    u.step.traffic = std::move(t);
    if (u.step.traffic.size_bytes > 0) add_unit(std::move(u));
  }

  // Compute and memory nodes, one unit each (merged across ranks when ordered).
  void make_local_units() {
    for (std::size_t r = 0; r < m_ranks.size(); ++r) {
      const auto& nodes = m_ranks[r].nodes;
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        const Node& n = nodes[i];
        const Member m{static_cast<int>(r), i};
        Unit u;
        u.members = {m};
        u.ranks.assign(1, m.rank);
        // The host's work (PyTorch's CPU operators, and the c10d calls that launch collectives in traces
        // of older converters) makes no step: the accelerators' kernels and collectives are the trace's
        // steps; the CPU operators pass their dependencies on.
        if (n.cpu_op) continue;
        if (n.type == static_cast<int>(NodeType::Comp)) {
          ComputeStep c;
          c.ranks.assign(1, m.rank);
          if (n.work_flop || n.num_ops.value_or(0) > 0) {
            // FLOPs through the roofline: max(work / compute rate, bytes / HBM bandwidth), as ASTRA-sim's
            // roofline with num_ops over tensor_size.
            c.has_work = true;
            c.work_flop = n.work_flop ? *n.work_flop : static_cast<double>(*n.num_ops);
            c.bytes = n.tensor_size.value_or(0);
          } else if (n.duration_s) {
            c.duration_s = *n.duration_s;
          } else if (n.duration_micros > 0) {
            c.duration_s = static_cast<double>(n.duration_micros) * 1e-6;
          } else {
            continue;  // no work
          }
          u.kind = UnitKind::Compute;
          u.step.kind = Step::Kind::Compute;
          u.step.compute = std::move(c);
        } else if (n.type == static_cast<int>(NodeType::MemLoad) ||
                   n.type == static_cast<int>(NodeType::MemStore)) {
          const std::uint64_t bytes = n.tensor_size.value_or(0);
          if (bytes == 0) continue;
          const bool store = n.type == static_cast<int>(NodeType::MemStore);
          const std::string pool = n.pool ? *n.pool : m_options.pool;
          if (pool.empty()) {
            // The rank's own memory: HBM traffic, timed as a compute step bound by HBM bandwidth.
            ComputeStep c;
            c.ranks.assign(1, m.rank);
            c.has_work = true;
            c.bytes = bytes;
            u.kind = UnitKind::Compute;
            u.step.kind = Step::Kind::Compute;
            u.step.compute = std::move(c);
          } else {
            MemoryStep mem;
            mem.write = store;
            mem.size_bytes = bytes;
            mem.pool = pool;
            mem.ranks.assign(1, m.rank);
            const bool checkpoint = n.checkpoint.value_or(false);
            if (checkpoint && !store) fail(m, attr::kCheckpoint, "a checkpoint is a MEM_STORE_NODE");
            mem.cls =
                transport_class(m, n.cls, checkpoint ? TransportClass::Bulk : TransportClass::RemoteMemory);
            mem.deadline_s = n.deadline_s.value_or(0.0);
            if (mem.deadline_s > 0 && !checkpoint)
              fail(m, attr::kDeadlineS, "only a checkpoint has a deadline");
            u.kind = UnitKind::Memory;
            u.step.kind = Step::Kind::Memory;
            u.step.checkpoint = checkpoint;
            u.step.memory = std::move(mem);
          }
        } else {
          continue;
        }
        u.signature = signature(n, u);
        add_unit(std::move(u));
      }
    }
  }

  // What nodes of several ranks must share to be one step: type, name, work and pjbit's attributes.
  static std::string signature(const Node& n, const Unit& u) {
    std::string s = std::to_string(n.type) + '\x1f' + n.name + '\x1f';
    const auto num = [&s](double v) {  // exactly: the hexadecimal form of the double
      char text[64];
      std::snprintf(text, sizeof text, "%a", v);
      s += text;
      s += '\x1f';
    };
    if (u.kind == UnitKind::Compute) {
      const ComputeStep& c = u.step.compute;
      s += c.has_work ? "w" : "d";
      num(c.has_work ? c.work_flop : c.duration_s);
      s += std::to_string(c.bytes);
    } else {
      const MemoryStep& m = u.step.memory;
      s += (m.write ? "w" : "r") + std::to_string(m.size_bytes) + '\x1f' + m.pool + '\x1f' +
           std::to_string(static_cast<int>(m.cls)) + (u.step.checkpoint ? "c" : "-");
      num(m.deadline_s);
    }
    s += '\x1f' + n.parallel.value_or("") + '\x1f' + n.dim.value_or("");
    return s;
  }

  void add_unit(Unit u) {
    // The step is named after its node on the lowest rank.
    const Member& first = *std::min_element(
        u.members.begin(), u.members.end(),
        [](const Member& a, const Member& b) { return std::tie(a.rank, a.node) < std::tie(b.rank, b.node); });
    const Node& lead = node(first);
    u.step.loc = core::SourceLoc{file(first.rank)};
    u.step.key = where(first);
    u.step.dim = lead.dim.value_or("");
    u.parallel = lead.parallel.value_or("");
    u.order_id = std::numeric_limits<std::uint64_t>::max();
    for (const Member& m : u.members) {
      const std::uint64_t id = node(m).id;
      if (id < u.order_id || (id == u.order_id && m.rank < u.order_rank)) {
        u.order_id = id;
        u.order_rank = m.rank;
      }
    }
    const std::size_t index = m_units.size();
    for (const Member& m : u.members)
      m_unit_of[static_cast<std::size_t>(m.rank)][m.node] = index;
    m_units.push_back(std::move(u));
  }

  // Each unit's dependencies: the units its members' nodes depend on, through nodes that make no step.
  void resolve_deps() {
    for (auto& u : m_units)
      if (u.kind == UnitKind::Compute || u.kind == UnitKind::Memory) u.member_deps.resize(u.members.size());
    for (std::size_t r = 0; r < m_ranks.size(); ++r) {
      const auto& nodes = m_ranks[r].nodes;
      const auto& unit_of = m_unit_of[r];
      std::vector<std::vector<std::size_t>> through(nodes.size());  // what a node without a step passes on
      for (std::size_t i : m_order[r]) {
        std::vector<std::size_t> deps;
        for (std::size_t j : m_deps[r][i]) {
          if (unit_of[j] != kNone) {
            deps.push_back(unit_of[j]);
          } else {
            deps.insert(deps.end(), through[j].begin(), through[j].end());
          }
        }
        std::sort(deps.begin(), deps.end());
        deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
        const std::size_t u = unit_of[i];
        if (u == kNone) {
          through[i] = std::move(deps);
          continue;
        }
        deps.erase(std::remove(deps.begin(), deps.end(), u), deps.end());  // a step's nodes among themselves
        Unit& unit = m_units[u];
        add_sorted(unit.deps, deps);
        if (!unit.member_deps.empty()) unit.member_deps.front() = std::move(deps);
      }
    }
  }

  // Units in a deterministic topological order: among ready units, the smallest (node id, rank) first. A
  // compute or memory unit takes along the ready units of other ranks with the same node id and signature, as
  // long as that changes no member's dependencies (a rank waits only for the steps of a step's `after` that
  // it takes part in: the merged step's `after` restricted to each member's steps must be that member's own).
  // Units a merge took along map to the one that took them (m_alias).
  std::vector<std::size_t> order_units() {
    const std::size_t count = m_units.size();
    m_alias.assign(count, kNone);
    std::vector<std::size_t> waiting(count, 0);
    std::vector<std::vector<std::size_t>> dependents(count);
    for (std::size_t u = 0; u < count; ++u) {
      waiting[u] = m_units[u].deps.size();
      for (std::size_t d : m_units[u].deps)
        dependents[d].push_back(u);
    }
    using Key = std::tuple<std::uint64_t, int, std::size_t>;
    std::set<Key> ready;
    const auto key = [&](std::size_t u) { return Key{m_units[u].order_id, m_units[u].order_rank, u}; };
    for (std::size_t u = 0; u < count; ++u)
      if (waiting[u] == 0) ready.insert(key(u));
    std::vector<std::size_t> order;
    std::size_t done = 0;
    while (!ready.empty()) {
      const std::size_t u = std::get<2>(*ready.begin());
      ready.erase(ready.begin());
      std::vector<std::size_t> taken = {u};
      Unit& lead = m_units[u];
      if (!lead.signature.empty()) {
        for (auto it = ready.begin(); it != ready.end() && std::get<0>(*it) == lead.order_id;) {
          const std::size_t c = std::get<2>(*it);
          if (try_merge(lead, m_units[c])) {
            m_alias[c] = u;
            taken.push_back(c);
            it = ready.erase(it);
          } else {
            ++it;
          }
        }
      }
      order.push_back(u);
      for (std::size_t t : taken) {
        ++done;
        for (std::size_t w : dependents[t])
          if (--waiting[w] == 0) ready.insert(key(w));
      }
    }
    if (done < count) unit_cycle(waiting);
    return order;
  }

  // A unit another merge took along is the step that took it.
  std::size_t step_of(std::size_t u) const { return m_alias[u] == kNone ? u : m_alias[u]; }

  // Whether `rank`, once it has left the steps `own`, has surely left step `s` too: `s` is one of them, or
  // one they wait for through steps the rank takes part in (a rank enters a step only after leaving those of
  // its `after` it takes part in). The search gives up, unproven, past kMaxSearch steps.
  bool left_before(int rank, std::size_t s, const std::vector<std::size_t>& own) const {
    constexpr std::size_t kMaxSearch = 256;
    std::vector<std::size_t> todo(own);
    std::set<std::size_t> seen;
    while (!todo.empty() && seen.size() < kMaxSearch) {
      const std::size_t d = todo.back();
      todo.pop_back();
      if (d == s) return true;
      if (!seen.insert(d).second) continue;
      for (std::size_t e : m_units[d].deps)
        if (contains(m_units[step_of(e)].ranks, rank)) todo.push_back(step_of(e));
    }
    return false;
  }

  bool try_merge(Unit& lead, const Unit& other) {
    if (other.kind != lead.kind || other.signature != lead.signature) return false;
    const int r = other.members.front().rank;
    if (contains(lead.ranks, r)) return false;
    std::vector<std::size_t> deps = lead.deps;
    add_sorted(deps, other.deps);
    // Each member waits, in the merged step, for the steps of its `after` it takes part in: nothing it had
    // not waited for already.
    const auto unchanged = [&](int rank, const std::vector<std::size_t>& own) {
      std::vector<std::size_t> mine;
      for (std::size_t d : own)
        mine.push_back(step_of(d));
      for (std::size_t d : deps) {
        const std::size_t s = step_of(d);
        if (contains(m_units[s].ranks, rank) && std::find(mine.begin(), mine.end(), s) == mine.end() &&
            !left_before(rank, s, mine))
          return false;
      }
      return true;
    };
    for (std::size_t k = 0; k < lead.members.size(); ++k)
      if (!unchanged(lead.members[k].rank, lead.member_deps[k])) return false;
    if (!unchanged(r, other.member_deps.front())) return false;
    std::vector<int> ranks = lead.ranks;
    ranks.insert(std::upper_bound(ranks.begin(), ranks.end(), r), r);
    lead.deps = std::move(deps);
    lead.ranks = std::move(ranks);
    lead.members.push_back(other.members.front());
    lead.member_deps.push_back(other.member_deps.front());
    return true;
  }

  // Names a cycle among the units that never became ready: collectives and exchanges that wait for one
  // another across ranks.
  [[noreturn]] void unit_cycle(const std::vector<std::size_t>& waiting) const {
    std::size_t at = 0;
    while (waiting[at] == 0)
      ++at;
    std::vector<std::size_t> seen_at(m_units.size(), kNone);
    std::vector<std::size_t> path;
    while (seen_at[at] == kNone) {
      seen_at[at] = path.size();
      path.push_back(at);
      for (std::size_t d : m_units[at].deps) {
        if (waiting[d] != 0) {
          at = d;
          break;
        }
      }
    }
    std::string chain;
    for (std::size_t k = seen_at[at]; k < path.size(); ++k)
      chain += where(m_units[path[k]].members.front()) + " waits for ";
    chain += where(m_units[at].members.front());
    fail(m_units[at].members.front(), "data_deps",
         "a dependency cycle across ranks (through the collectives and sends the nodes take part in): " +
             chain);
  }

  std::vector<Step> build_steps(const std::vector<std::size_t>& order) {
    std::vector<Folded> items;
    items.reserve(order.size());
    for (std::size_t u : order) {
      Unit& unit = m_units[u];
      Folded f;
      f.step = std::move(unit.step);
      if (unit.kind == UnitKind::Compute) f.step.compute.ranks = unit.ranks;
      if (unit.kind == UnitKind::Memory) f.step.memory.ranks = unit.ranks;
      if (!unit.parallel.empty()) f.path = split_path(unit.parallel);
      f.units = {u};
      for (std::size_t d : unit.deps)
        f.deps.push_back(step_of(d));
      std::sort(f.deps.begin(), f.deps.end());
      f.deps.erase(std::unique(f.deps.begin(), f.deps.end()), f.deps.end());
      items.push_back(std::move(f));
    }
    std::vector<Folded> top = fold(std::move(items), 0);
    std::vector<std::size_t> index_of(m_units.size(), kNone);
    for (std::size_t i = 0; i < top.size(); ++i)
      for (std::size_t u : top[i].units)
        index_of[u] = i;
    std::vector<Step> steps;
    steps.reserve(top.size());
    m_step_ranks.clear();
    for (std::size_t i = 0; i < top.size(); ++i) {
      Step step = std::move(top[i].step);
      for (std::size_t d : top[i].deps)
        step.after.push_back(static_cast<int>(index_of[d]));
      std::sort(step.after.begin(), step.after.end());
      step.after.erase(std::unique(step.after.begin(), step.after.end()), step.after.end());
      steps.push_back(std::move(step));
      std::vector<int> ranks;
      for (std::size_t u : top[i].units)
        ranks.insert(ranks.end(), m_units[u].ranks.begin(), m_units[u].ranks.end());
      std::sort(ranks.begin(), ranks.end());
      ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
      m_step_ranks.push_back(std::move(ranks));
    }
    return steps;
  }

  // Whether the steps, as built, are a sequence: every step waits, on each of its ranks, for the step before
  // it that the rank takes part in (and for none when there is none). A rank waits only for the steps of
  // `after` it takes part in, which then all come before that one on the rank, and were waited for through
  // it: such a graph runs as the list of its steps does.
  bool is_sequence(const std::vector<Step>& steps) const {
    std::vector<int> last(static_cast<std::size_t>(m_n), -1);
    for (std::size_t k = 0; k < steps.size(); ++k) {
      for (int r : m_step_ranks[k]) {
        const int prev = last[static_cast<std::size_t>(r)];
        bool waits_prev = false, waits_any = false;
        for (int a : steps[k].after) {
          if (!contains(m_step_ranks[static_cast<std::size_t>(a)], r)) continue;
          waits_any = true;
          waits_prev = waits_prev || a == prev;
        }
        if (prev < 0 ? waits_any : !waits_prev) return false;
      }
      for (int r : m_step_ranks[k])
        last[static_cast<std::size_t>(r)] = static_cast<int>(k);
    }
    return true;
  }

  // pjbit's parallel steps again: a run of consecutive steps in the same pjbit.parallel group at `depth`
  // becomes one parallel step, provided none of them waits for another (else they stay steps of their own).
  static std::vector<Folded> fold(std::vector<Folded> items, std::size_t depth) {
    std::vector<Folded> out;
    std::size_t i = 0;
    while (i < items.size()) {
      if (items[i].path.size() <= depth) {
        out.push_back(std::move(items[i++]));
        continue;
      }
      std::size_t j = i + 1;
      while (j < items.size() && items[j].path.size() > depth && items[j].path[depth] == items[i].path[depth])
        ++j;
      std::vector<std::size_t> units;
      for (std::size_t k = i; k < j; ++k)
        add_sorted(units, items[k].units);
      bool independent = true;
      for (std::size_t k = i; k < j && independent; ++k)
        for (std::size_t d : items[k].deps)
          if (std::binary_search(units.begin(), units.end(), d)) independent = false;
      if (!independent) {
        for (std::size_t k = i; k < j; ++k) {
          items[k].path.resize(depth);
          out.push_back(std::move(items[k]));
        }
        i = j;
        continue;
      }
      std::vector<Folded> group(std::make_move_iterator(items.begin() + static_cast<std::ptrdiff_t>(i)),
                                std::make_move_iterator(items.begin() + static_cast<std::ptrdiff_t>(j)));
      std::vector<Folded> children = fold(std::move(group), depth + 1);
      Folded p;
      p.step.kind = Step::Kind::Parallel;
      p.step.loc = children.front().step.loc;
      p.step.key = children.front().step.key + " parallel";
      p.path = children.front().path;
      p.path.resize(depth);
      p.units = std::move(units);
      for (Folded& c : children) {
        std::vector<std::size_t> outside;
        std::set_difference(c.deps.begin(), c.deps.end(), p.units.begin(), p.units.end(),
                            std::back_inserter(outside));
        add_sorted(p.deps, outside);
        c.step.after.clear();
        p.step.children.push_back(std::move(c.step));
      }
      out.push_back(std::move(p));
      i = j;
    }
    return out;
  }

  int iterations() const {
    std::optional<std::int64_t> k;
    std::size_t from = 0;
    for (std::size_t r = 0; r < m_ranks.size(); ++r) {
      const auto& mine = m_ranks[r].iterations;
      if (!mine) continue;
      if (k && *k != *mine) {
        throw core::InputError(core::SourceLoc{m_ranks[r].file}, std::string(attr::kIterations),
                               "this file says " + std::to_string(*mine) + " iterations, " +
                                   m_ranks[from].label + " says " + std::to_string(*k));
      }
      k = mine;
      from = r;
    }
    return static_cast<int>(k.value_or(1));
  }

  const std::vector<RankTrace>& m_ranks;
  Options m_options;
  int m_n;
  std::vector<std::unordered_map<std::uint64_t, std::size_t>> m_index;  // per rank: node id -> index
  std::vector<std::vector<std::vector<std::size_t>>> m_deps;            // per rank and node: its dependencies
  std::vector<std::vector<std::size_t>> m_order;                        // per rank: dependencies first
  std::vector<std::vector<std::size_t>> m_unit_of;                      // per rank and node: its unit
  std::map<std::string, std::vector<int>> m_groups;                     // defined process groups
  std::vector<Unit> m_units;
  std::vector<std::size_t> m_alias;
  std::vector<std::vector<int>> m_step_ranks;  // per top-level step: the ranks taking part, sorted
};

}  // namespace

WorkloadSpec map_trace(const std::vector<RankTrace>& ranks, const std::string& name, const Options& options) {
  return Mapper(ranks, options).run(name);
}

}  // namespace pjbit::workloads::chakra::detail
