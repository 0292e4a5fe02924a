// Chapter 1 of a run: checks that a workload can run on a platform before anything is elaborated (rank ids,
// group sizes, algorithms that support the op and accept the group, routes for every pair a schedule joins,
// pools and their capacity), and the default algorithm of a collective.
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "core/errors.h"
#include "core/time_limit.h"
#include "core/yaml_support.h"
#include "engine/program.h"
#include "workloads/alpha_beta.h"
#include "workloads/rings.h"

namespace pjbit::engine {

using workloads::Op;
using workloads::Step;

namespace {

bool reduces_in_network(const platforms::PlatformSpec& p) {
  return p.tiers[0].kind == "switch" && p.tiers[0].sw.in_network_reduction;
}

}  // namespace

std::string default_algorithm(const platforms::PlatformSpec& platform, Op op) {
  if (op == Op::AllToAll) return "direct";
  if (op == Op::Broadcast) return "ring";
  if (platform.tiers.size() > 1) return "hierarchical";
  const std::string& kind = platform.tiers[0].kind;
  if (op == Op::AllReduce && reduces_in_network(platform)) return "in_network";
  if (kind == "full_mesh") return "direct";
  if (kind == "torus" && op != Op::Broadcast) return "torus_ring";
  if (kind == "ring" || kind == "torus" || kind == "ocs") return "bidir_ring";
  return "ring";
}

namespace {

// The ranks a collective step runs over: its own, or every rank of the platform.
int group_size(const platforms::PlatformSpec& p, const workloads::CollectiveStep& c) {
  return c.ranks.empty() ? p.ranks() : static_cast<int>(c.ranks.size());
}

// With a collective library, an all_reduce on one switch that reduces runs NVLS or the ring, whichever the
// library's tuner estimates faster for its size (CommLibrary::estimate_s, each with its best protocol): the
// ring moves 2(n-1)/n of the buffer in 2(n-1) steps at the link's payload rate, NVLS (n+1)/n of it in one
// step at the share of that rate NVLS sustains (workloads/impl/in_network.cpp).
std::string tuned_all_reduce(const platforms::PlatformSpec& p, const workloads::CollectiveStep& c) {
  const accelerator::CommLibrary& lib = p.accelerator.comm;
  const double n = group_size(p, c);
  const platforms::LinkSpec& link = p.tiers[0].link;
  const double rate = link.bandwidth_Bps * (1.0 - link.overhead);
  const auto size = static_cast<double>(c.size_bytes);
  accelerator::CommLibrary::Shape ring{accelerator::Family::Ring, static_cast<int>(2 * (n - 1)), 0,
                                       2.0 * (n - 1) / n * size, rate};
  accelerator::CommLibrary::Shape nvls{accelerator::Family::Nvls, 1, 0, (n + 1) / n * size,
                                       rate * lib.nvls_efficiency};
  const double t_ring = lib.estimate_s(ring, lib.choose(ring));
  const double t_nvls = lib.estimate_s(nvls, lib.choose(nvls));
  return t_nvls < t_ring ? "nvls" : "ring";
}

}  // namespace

// With a collective library, a ring-shaped collective over a tiered platform runs NCCL's rings: one channel
// per rank of an inner domain, each leaving every domain at a different rank, so that every NIC (rail)
// carries one channel's crossing and the ring runs at the NICs' rate rather than paying inner and outer
// tiers one after the other (workloads/rings.h). A channel's crossing joins ranks of different local indices,
// which a packet-switched outer tier routes (switch, fat_tree); circuits (ocs) join only the pairs they were
// set up for, so there the default stays hierarchical.
bool rail_rings(const platforms::PlatformSpec& p, const workloads::CollectiveStep& c) {
  if (!p.accelerator.comm.enabled() || p.tiers.size() < 2) return false;
  for (std::size_t t = 1; t < p.tiers.size(); ++t)
    if (p.tiers[t].kind != "switch" && p.tiers[t].kind != "fat_tree") return false;
  return c.op == Op::AllReduce || c.op == Op::AllGather || c.op == Op::ReduceScatter;
}

// NCCL runs fewer channels for small messages: it drops channels while a channel's threads would get less
// than their threshold each (src/enqueue.cc: 64 bytes for each of a Simple channel's 512 threads), so a
// channel carries at least 32 KiB.
constexpr std::uint64_t kMinChannelBytes = 512 * 64;

namespace {

// How many channels a message of `size` bytes fills, at least kMinChannelBytes each.
int channels_by_size(std::uint64_t size) {
  return static_cast<int>(std::min<std::uint64_t>(size / kMinChannelBytes, 1u << 20));
}

// The rail rings' channels for `c`: one per rank of an inner domain, fewer for small messages.
int rail_channels(const platforms::PlatformSpec& p, const workloads::CollectiveStep& c) {
  return std::clamp(std::min(channels_by_size(c.size_bytes), p.domain_size(0)), 1, workloads::kMaxChannels);
}

// mesh_ring's channels for `c` when the step names none: one per mesh ring of the group (mesh_ring_count,
// workloads/rings.h: 2(n-1) for even n, n-1 for odd n), so that every link of the mesh carries as many rings
// as any other; fewer for small messages, as NCCL drops channels; at most kMaxChannels.
int mesh_channels(const platforms::PlatformSpec& p, const workloads::CollectiveStep& c) {
  const int n = group_size(p, c);
  if (n < 2) return 1;
  return std::clamp(std::min(channels_by_size(c.size_bytes), workloads::mesh_ring_count(n)), 1,
                    workloads::kMaxChannels);
}

// Whether `p` is one full mesh whose accelerator runs a collective library: its ring-shaped collectives run
// the library's rings laid over every link (mesh_ring), as RCCL's channels run on an MI300X node.
bool library_mesh(const platforms::PlatformSpec& p) {
  return p.accelerator.comm.enabled() && p.tiers.size() == 1 && p.tiers[0].kind == "full_mesh";
}

// NCCL's tuner between its rings and its tree for an all_reduce across domains: the least estimated time
// (CommLibrary::estimate_s, each in its best protocol) of the two schedules pjbit runs for them. The rail
// rings are NIC-bound, each NIC carrying one channel's crossing, 2(n-1)/n x S/K each way; node_tree's two
// trees cross between domains at one rank each, S/2 each way through that rank's NIC. The ring takes 2(n-1)
// steps of which 2(G-1) are network hops; the tree 2((m-1) + ceil(log2 G)) + k - 1 (k pipeline chunks), of
// which 2 ceil(log2 G) are, for G domains of m ranks. Small messages take the tree (fewer steps), large ones
// the rings (every NIC at work). Only a tree of one pipeline chunk (S < 128 KiB) is a candidate: pjbit runs a
// tree's reduce and broadcast in the same phases, so past one chunk each phase waits a round trip across
// the network (up to the parent and back down) that NCCL's separate up and down streams do not
// (docs/validation.md).
std::string tuned_rail_all_reduce(const platforms::PlatformSpec& p, const workloads::CollectiveStep& c) {
  const accelerator::CommLibrary& lib = p.accelerator.comm;
  if (c.op != Op::AllReduce || !lib.runs(accelerator::Family::Tree)) return "ring";
  if (workloads::tree_pipeline_chunks(c.size_bytes) > 1) return "ring";
  const int n = group_size(p, c);
  const int m = std::clamp(p.domain_size(0), 1, n);
  const int g = (n + m - 1) / m;
  if (g < 2) return "ring";
  // A rank's share of its NIC's payload rate (ranks that share a NIC share its link).
  const platforms::LinkSpec& out = p.tiers[1].link;
  const int sharing = p.tiers[1].has_nic ? p.tiers[1].ranks_per_nic : 1;
  const double rate = out.bandwidth_Bps * (1.0 - out.overhead) * lib.net_efficiency / sharing;
  const auto size = static_cast<double>(c.size_bytes);
  const int depth = workloads::tree_depth(g);
  const accelerator::CommLibrary::Shape ring{accelerator::Family::Ring, 2 * (n - 1), 2 * (g - 1),
                                             2.0 * (n - 1) / n * size / rail_channels(p, c), rate};
  const accelerator::CommLibrary::Shape tree{
      accelerator::Family::Tree, 2 * ((m - 1) + depth) + workloads::tree_pipeline_chunks(c.size_bytes) - 1,
      2 * depth, size / 2.0, rate};
  const double t_ring = lib.estimate_s(ring, lib.choose(ring));
  const double t_tree = lib.estimate_s(tree, lib.choose(tree));
  return t_tree < t_ring ? "node_tree" : "ring";
}

}  // namespace

int channels_of(const platforms::PlatformSpec& p, const workloads::CollectiveStep& c) {
  return channels_of(p, c, algorithm_of(p, c));
}

int channels_of(const platforms::PlatformSpec& p, const workloads::CollectiveStep& c,
                const std::string& algorithm) {
  // mesh_ring runs its mesh's rings unless the step says how many, named or chosen by auto.
  if (algorithm == "mesh_ring" && !c.channels_given) return mesh_channels(p, c);
  if (!c.algorithm.empty() || c.channels_given || algorithm != "ring" || !rail_rings(p, c)) return c.channels;
  return rail_channels(p, c);
}

std::string default_algorithm(const platforms::PlatformSpec& platform, const workloads::CollectiveStep& c) {
  const accelerator::CommLibrary& lib = platform.accelerator.comm;
  if (rail_rings(platform, c)) return tuned_rail_all_reduce(platform, c);
  // On a full mesh the library runs its rings over every link (RCCL on an MI300X node). Its tree is not a
  // candidate: within a node NCCL's tree is a chain through the GPUs (pjbit's `tree` is a double binary
  // tree), and RCCL's constants for gfx942 price it above the ring anyway (LL: 12 us + 2(n-1) x 0.9 us
  // against 12 us + 2(n-1) x 0.8 us; no Simple tree within one node), so its tuner takes the ring.
  if (library_mesh(platform) && (c.op == Op::AllReduce || c.op == Op::AllGather || c.op == Op::ReduceScatter))
    return "mesh_ring";
  if (lib.enabled() && c.op == Op::AllReduce && platform.tiers.size() == 1 && reduces_in_network(platform)) {
    if (lib.runs(accelerator::Family::Nvls)) return tuned_all_reduce(platform, c);
    return "ring";  // the library cannot drive the switch's reduction (no NVLS): NCCL's ring
  }
  return default_algorithm(platform, c.op);
}

std::string algorithm_of(const platforms::PlatformSpec& p, const workloads::CollectiveStep& c) {
  if (!c.algorithm.empty()) return c.algorithm;
  std::string name = default_algorithm(p, c);
  // torus_ring spans the whole torus (listed in any order: its ranks are distinct and in range, so as many
  // as the platform has are all of them); a subset of it gets the bidirectional ring.
  if (name == "torus_ring" && !c.ranks.empty() && static_cast<int>(c.ranks.size()) != p.ranks())
    name = "bidir_ring";
  return name;
}

namespace detail {

std::vector<int> all_ranks(int n) {
  std::vector<int> r(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    r[static_cast<std::size_t>(i)] = i;
  return r;
}

namespace {

void check_ranks(const std::vector<int>& ranks, int n, const Step& step, const std::string& key) {
  for (int r : ranks)
    if (r >= n)
      throw core::InputError(step.loc, step.key + "." + key,
                             "rank " + std::to_string(r) + " does not exist: the platform has ranks 0 to " +
                                 std::to_string(n - 1));
}

}  // namespace

bool detachable(const Step& step) {
  switch (step.kind) {
    case Step::Kind::Compute:
    case Step::Kind::Collective:
    case Step::Kind::Traffic:
      return true;
    case Step::Kind::Parallel:
      return std::all_of(step.children.begin(), step.children.end(),
                         [](const Step& c) { return detachable(c); });
    case Step::Kind::Memory:
      return false;
  }
  return false;
}

long long endpoints_of(const Facts& f, const Step& step) {
  const long long n = f.spec.ranks();
  const auto ranks = [n](const std::vector<int>& list) {
    return list.empty() ? n : static_cast<long long>(list.size());
  };
  switch (step.kind) {
    case Step::Kind::Collective:
      return ranks(step.collective.ranks) +
             static_cast<long long>(workloads::find_collective(algorithm_of(f.spec, step.collective))
                                        ->reduction_groups(step.collective.ranks.empty()
                                                               ? all_ranks(static_cast<int>(n))
                                                               : step.collective.ranks,
                                                           f.collective)
                                        .size());
    case Step::Kind::Compute:
      return ranks(step.compute.ranks);
    case Step::Kind::Memory:
      return ranks(step.memory.ranks) + 1;
    case Step::Kind::Traffic:
      return step.traffic.pairs.empty() ? ranks(step.traffic.ranks)
                                        : std::min(n, 2 * static_cast<long long>(step.traffic.pairs.size()));
    case Step::Kind::Parallel: {
      long long sum = 0;
      for (const Step& c : step.children)
        sum += endpoints_of(f, c);
      return std::min(sum, static_cast<long long>(f.topo.endpoints()));
    }
  }
  return n;
}

bool detaches_sub_steps(const Facts& f, const Step& step) {
  long long threads = 0;
  for (const Step& c : step.children)
    threads += endpoints_of(f, c);
  return threads > kMaxSubStepThreads;
}

long long threads_of(const Facts& f, const Step& step) {
  switch (step.kind) {
    case Step::Kind::Memory:
      // A pool answers each read request in a thread of its own.
      return step.memory.write ? 0 : (step.memory.ranks.empty() ? f.spec.ranks() : step.memory.ranks.size());
    case Step::Kind::Parallel: {
      const bool detach = detaches_sub_steps(f, step);
      long long threads = 0;
      for (const Step& c : step.children)
        threads += detach && detachable(c) ? 0 : endpoints_of(f, c) + threads_of(f, c);
      return threads;
    }
    case Step::Kind::Collective:
    case Step::Kind::Compute:
    case Step::Kind::Traffic:
      return 0;
  }
  return 0;
}

int reducer_for(Facts& f, const std::vector<int>& ranks, std::string* why) {
  int sw = -1;
  if (f.spec.tiers.size() == 1 || f.topo.tier_of(ranks.front(), ranks.back()) == 0) {
    // One domain (or a flat platform): the switch its scale-up links join.
    if (f.spec.tiers[0].kind != "switch") {
      *why =
          "in-switch reduction needs ranks that share a switch (topology kind switch, or an inner tier of "
          "kind "
          "switch, or switches of an outer tier)";
      return -1;
    }
    const int domain = f.spec.tiers.size() > 1 ? f.spec.domain_size(0) : f.spec.ranks();
    for (int r : ranks) {
      if (r / domain != ranks.front() / domain) {
        *why = "in-switch reduction reduces inside one switch; ranks " + std::to_string(ranks.front()) +
               " and " + std::to_string(r) + " hang off different switches";
        return -1;
      }
    }
    const int link = f.topo.nodes[static_cast<std::size_t>(ranks.front())].ports.front();
    sw = f.topo.other_end(link, ranks.front());
  } else {
    // Across domains: the switch where the ranks' routes meet, the last switch on the route from the first
    // rank to the second that every route from the first to the others crosses.
    std::vector<int> common;
    for (std::size_t i = 1; i < ranks.size(); ++i) {
      core::Route route;
      if (!f.router.route(ranks.front(), ranks[i], 0, route)) {
        *why = "rank " + std::to_string(ranks.front()) + " cannot reach rank " + std::to_string(ranks[i]);
        return -1;
      }
      std::vector<int> on;
      int node = ranks.front();
      for (std::uint16_t port : route.ports) {
        node = f.topo.other_end(f.topo.nodes[static_cast<std::size_t>(node)].ports[port], node);
        if (f.topo.nodes[static_cast<std::size_t>(node)].kind == platforms::NodeKind::Switch)
          on.push_back(node);
      }
      if (i == 1) {
        common = on;
      } else {
        common.erase(std::remove_if(common.begin(), common.end(),
                                    [&](int s) { return std::find(on.begin(), on.end(), s) == on.end(); }),
                     common.end());
      }
    }
    if (common.empty()) {
      *why = "in-switch reduction across domains needs a switch on the routes between all of ranks " +
             std::to_string(ranks.front()) + " .. " + std::to_string(ranks.back()) +
             "; their routes share none";
      return -1;
    }
    sw = common.back();
  }
  const int reducer = f.topo.nodes[static_cast<std::size_t>(sw)].reducer;
  if (reducer < 0)
    *why = "the switch " + f.topo.nodes[static_cast<std::size_t>(sw)].name +
           " cannot reduce (set in_network: true on it)";
  return reducer;
}

std::vector<int> reducers_for(Facts& f, const workloads::ICollective& algo, const std::vector<int>& group,
                              const Step& step) {
  std::vector<int> reducers;
  for (const std::vector<int>& ranks : algo.reduction_groups(group, f.collective)) {
    std::string why;
    const int reducer = reducer_for(f, ranks, &why);
    if (reducer < 0)
      throw core::InputError(step.loc, step.key + ".algorithm", std::string(algo.name()) + ": " + why);
    reducers.push_back(reducer);
  }
  return reducers;
}

void validate_step(Facts& f, const Step& step) {
  const int n = f.spec.ranks();
  switch (step.kind) {
    case Step::Kind::Collective: {
      const auto& c = step.collective;
      check_ranks(c.ranks, n, step, "ranks");
      const std::vector<int> group = c.ranks.empty() ? all_ranks(n) : c.ranks;
      const std::string name = algorithm_of(f.spec, c);
      const workloads::ICollective* algo = workloads::find_collective(name);
      if (algo == nullptr)
        throw core::InputError(step.loc, step.key + ".algorithm",
                               "unknown algorithm " + core::quote_text(name));
      if (!algo->supports(c.op)) {
        throw core::InputError(step.loc, step.key + ".algorithm",
                               "algorithm " + name + " does not implement " + workloads::op_name(c.op));
      }
      std::string why;
      if (!algo->accepts_group_size(static_cast<int>(group.size()), &why))
        throw core::InputError(step.loc, step.key + ".ranks", why);
      const int channels = channels_of(f.spec, c, name);
      why = workloads::channels_refusal(*algo, c.op, channels);
      if (!why.empty()) {
        if (c.algorithm.empty()) why += " (" + name + " is this platform's default: name the algorithm)";
        throw core::InputError(c.channels_loc, step.key + ".channels", why);
      }
      why = algo->refusal(group, f.collective);
      if (!why.empty()) throw core::InputError(step.loc, step.key + ".algorithm", why);
      const std::vector<int> reducers = reducers_for(f, *algo, group, step);
      // Every pair the schedule joins must be routable.
      // (A buffer smaller than the group's chunks leaves some pairs without bytes: check with one byte each.)
      const std::uint64_t chunks = group.size() * static_cast<std::uint64_t>(channels);
      auto plan = algo->plan_channels(c.op, group, std::max<std::uint64_t>(c.size_bytes, chunks),
                                      f.collective, channels);
      if (c.size_bytes >= chunks) f.plans[&step] = plan;
      std::vector<int> peers;
      for (std::size_t i = 0; i < group.size(); ++i) {
        peers.clear();
        plan->send_peers(static_cast<int>(i), peers);
        for (int peer : peers) {
          if (peer < 0) peer = reducers[static_cast<std::size_t>(workloads::in_network_slot(peer))];
          if (!f.router.reachable(group[i], peer))
            throw core::InputError(
                step.loc, step.key,
                "rank " + std::to_string(group[i]) + " cannot reach rank " + std::to_string(peer) +
                    " on platform " + f.spec.name + ": no path in tier " +
                    f.topo.tiers[static_cast<std::size_t>(f.router.tier_of(group[i], peer))].name);
        }
      }
      break;
    }
    case Step::Kind::Compute:
      check_ranks(step.compute.ranks, n, step, "compute.ranks");
      if (step.compute.bytes > 0 && f.spec.accelerator.hbm.bandwidth_Bps <= 0.0)
        throw core::InputError(step.loc, step.key + ".compute.bytes", "the accelerator has no HBM bandwidth");
      break;
    case Step::Kind::Memory: {
      const auto& m = step.memory;
      const std::string kind = step.checkpoint ? "checkpoint" : "memory";
      check_ranks(m.ranks, n, step, kind + ".ranks");
      const int pool = f.topo.pool_endpoint(m.pool);
      if (pool < 0) {
        std::string names;
        for (const auto& p : f.spec.memory_pools)
          names += (names.empty() ? "" : ", ") + p.name;
        throw core::InputError(
            step.loc, step.key + "." + kind + ".pool",
            "the platform has no pool " + core::quote_text(m.pool) + "" +
                (names.empty() ? std::string("; it has none") : "; expected one of: " + names));
      }
      const auto& spec =
          f.topo.nodes[static_cast<std::size_t>(f.topo.endpoint_node[static_cast<std::size_t>(pool)])].pool;
      const std::uint64_t ranks = m.ranks.empty() ? static_cast<std::uint64_t>(n) : m.ranks.size();
      const long double total = static_cast<long double>(m.size_bytes) * ranks;
      if (total > static_cast<long double>(spec.capacity_bytes)) {
        std::ostringstream msg;
        msg << ranks << " ranks x " << m.size_bytes << " bytes = " << static_cast<double>(total)
            << " bytes do not fit in pool " << m.pool << " of " << spec.capacity_bytes << " bytes";
        throw core::InputError(step.loc, step.key + "." + kind + ".size", msg.str());
      }
      for (int r : m.ranks.empty() ? all_ranks(n) : m.ranks)
        if (!f.router.reachable(r, pool))
          throw core::InputError(step.loc, step.key + "." + kind + ".pool",
                                 "rank " + std::to_string(r) + " cannot reach pool " + m.pool +
                                     " (it hangs off tier " + spec.attach + ", which does not join them)");
      if (m.deadline_s > 0.0 && !step.checkpoint)
        throw core::InputError(step.loc, step.key, "only a checkpoint has a deadline");
      break;
    }
    case Step::Kind::Traffic: {
      const auto& t = step.traffic;
      check_ranks(t.ranks, n, step, "traffic.ranks");
      for (std::size_t i = 0; i < t.pairs.size(); ++i) {
        const auto [a, b] = t.pairs[i];
        const std::string key = "traffic.pairs." + std::to_string(i);
        check_ranks({a, b}, n, step, key);
        if (!f.router.reachable(a, b))
          throw core::InputError(step.loc, step.key + "." + key,
                                 "rank " + std::to_string(a) + " cannot reach rank " + std::to_string(b) +
                                     " on platform " + f.spec.name);
      }
      if (t.pairs.empty() && (t.ranks.empty() ? n : static_cast<int>(t.ranks.size())) < 2)
        throw core::InputError(step.loc, step.key + ".traffic.ranks", "random pairs need at least two ranks");
      break;
    }
    case Step::Kind::Parallel:
      for (const Step& child : step.children)
        validate_step(f, child);
      break;
  }
}

// ---- the time budget ------------------------------------------------------------------------------------
// The kernel counts simulated time up to core::kTimeLimitS (2^64 ps). A lower bound on what each step takes,
// whatever the contention, summed over the steps and iterations, tells a workload that can never be
// simulated before anything runs. Compute takes exactly its time, but transfers usually take longer than
// their bound (contention, protocol overheads, HBM and latencies the bound leaves out), so the check counts
// them twice (kTransferMargin): a run near the limit is refused up front rather than stopped when it gets
// there (core/time.h stops any run that gets there anyway).
constexpr double kTransferMargin = 2.0;

// What bounds the time of a step: the most any one rank can send or receive at once to other ranks (the sum
// of its links' payload rates, but for a link to a pool: pools do not forward), what a pool can take in, the
// HBM, and the shortest latency of a fabric link.
struct Rates {
  double rank_Bps = 0.0;
  double pool_Bps = 0.0;
  double min_latency_s = 0.0;
};

Rates rates_of(const Facts& f) {
  Rates r;
  const auto payload = [&](int link) {
    const platforms::LinkSpec& s = f.topo.links[static_cast<std::size_t>(link)].spec;
    return s.bandwidth_Bps * (1.0 - s.overhead);
  };
  r.min_latency_s = std::numeric_limits<double>::infinity();
  for (const auto& l : f.topo.links)
    if (!l.internal) r.min_latency_s = std::min(r.min_latency_s, l.spec.total_latency_s());
  if (!std::isfinite(r.min_latency_s)) r.min_latency_s = 0.0;
  for (int e = 0; e < f.topo.endpoints(); ++e) {
    const int node = f.topo.endpoint_node[static_cast<std::size_t>(e)];
    const platforms::TopoNode& n = f.topo.nodes[static_cast<std::size_t>(node)];
    double sum = 0.0;
    for (int l : n.ports) {
      const bool to_pool =
          f.topo.nodes[static_cast<std::size_t>(f.topo.other_end(l, node))].kind == platforms::NodeKind::Pool;
      if (n.kind == platforms::NodeKind::Pool || !to_pool) sum += payload(l);
    }
    if (n.kind == platforms::NodeKind::Pool) r.pool_Bps = std::max(r.pool_Bps, sum);
    if (n.kind == platforms::NodeKind::Rank) r.rank_Bps = std::max(r.rank_Bps, sum);
  }
  return r;
}

// A step's bound, the step (and key) a message names for it with its reason, and the ranks that spend it:
// every rank of `ranks` (all ranks when null), or, for random traffic, some rank the bound cannot name.
struct Bound {
  double s = 0.0;      // the lower bound
  double check = 0.0;  // the same with its transfers counted kTransferMargin times
  core::SourceLoc loc;
  std::string key;
  std::string why;
  const std::vector<int>* ranks = nullptr;
  bool unattributed = false;
};

const std::vector<int>* ranks_or_all(const std::vector<int>& ranks) {
  return ranks.empty() ? nullptr : &ranks;
}

std::string seconds_text(double s) {
  return core::format_number(s) + " s";
}

Bound bound_of(Facts& f, const Rates& r, const Step& step) {
  const int n = f.spec.ranks();
  Bound b;
  b.loc = step.loc;
  b.key = step.key;
  switch (step.kind) {
    case Step::Kind::Compute: {
      const auto& c = step.compute;
      b.ranks = ranks_or_all(c.ranks);
      b.key = step.key + (c.has_work ? ".compute.work" : ".compute.duration");
      b.s = c.has_work ? c.work_flop / f.spec.accelerator.compute_flops : c.duration_s;
      b.why = c.has_work ? "it computes " + core::format_number(c.work_flop) + " FLOP at " +
                               core::format_number(f.spec.accelerator.compute_flops) + " FLOP/s"
                         : "it computes";
      if (c.bytes > 0 && f.spec.accelerator.hbm.bandwidth_Bps > 0.0) {
        const double hbm = static_cast<double>(c.bytes) / f.spec.accelerator.hbm.bandwidth_Bps;
        if (hbm > b.s) {
          b.s = hbm;
          b.key = step.key + ".compute.bytes";
          b.why = "it moves " + std::to_string(c.bytes) + " B through an HBM of " +
                  core::format_number(f.spec.accelerator.hbm.bandwidth_Bps) + " B/s";
        }
      }
      b.check = b.s;
      return b;
    }
    case Step::Kind::Collective: {
      const auto& c = step.collective;
      b.key = step.key + ".size";
      b.ranks = ranks_or_all(c.ranks);
      const auto it = f.plans.find(&step);
      if (it == f.plans.end()) return b;  // fewer bytes than ranks: nothing to bound
      // What the first rank of the group sends, receives and reads or writes in its HBM, phase by phase.
      const workloads::SchedulePlan& plan = *it->second;
      double sent = 0.0, received = 0.0, hbm = 0.0;
      int phases = 0;
      workloads::Phase scratch;
      for (int k = 0; k < plan.phases(0); ++k) {
        const workloads::Phase& ph = plan.phase(0, k, scratch);
        for (const auto& t : ph.sends)
          sent += static_cast<double>(t.bytes);
        for (const auto& t : ph.recvs)
          received += static_cast<double>(t.bytes);
        hbm += static_cast<double>(ph.reduce_bytes);
        phases += !ph.sends.empty();  // its sends are delivered a link's latency after it starts, at least
      }
      hbm += sent + received;
      const double wire = std::max(sent, received) / r.rank_Bps;
      const double hbm_Bps = f.spec.accelerator.hbm.bandwidth_Bps;
      const double memory = hbm_Bps > 0.0 ? hbm / hbm_Bps : 0.0;
      b.s = std::max(wire, memory) + phases * r.min_latency_s;
      b.check = kTransferMargin * b.s;
      b.why = "a rank moves " + core::format_number(std::max(sent, received)) + " B of a " +
              std::to_string(c.size_bytes) + " B " + workloads::op_name(c.op) + " at most " +
              core::format_number(r.rank_Bps) + " B/s";
      if (memory > wire)
        b.why = "a rank's HBM moves " + core::format_number(hbm) + " B of a " + std::to_string(c.size_bytes) +
                " B " + workloads::op_name(c.op) + " at " +
                core::format_number(f.spec.accelerator.hbm.bandwidth_Bps) + " B/s";
      if (phases > 0 && r.min_latency_s > 0.0)
        b.why += ", in " + std::to_string(phases) + " phases of at least " + seconds_text(r.min_latency_s);
      // The collective library's costs come on top, as the run will apply them (engine/comm.h): its launch
      // and per-phase latency exactly, and what its protocol's cap and its shares of a NIC's or of NVLS's
      // rate make the rank's bytes take at least.
      const std::string algorithm = algorithm_of(f.spec, c);
      const CommCosts lib =
          comm_costs(f, algorithm, c.ranks.empty() ? all_ranks(n) : c.ranks, plan, c.size_bytes);
      if (lib.on) {
        const double hops = lib.family == accelerator::Family::Nvls ? 1.0 : plan.phases(0);
        const double latency =
            core::to_seconds(lib.launch + lib.nvls_copies) + hops * core::to_seconds(lib.hop);
        // Each of the first rank's phases lasts at least as long as the library holds its sends.
        const int first = c.ranks.empty() ? 0 : c.ranks.front();
        double held = 0.0;
        workloads::Phase one;
        for (int k = 0; k < plan.phases(0); ++k)
          held += hold_s(lib, phase_sends(f, first, plan.phase(0, k, one)));
        const double extra = latency + std::max(0.0, held - std::max(wire, memory));
        if (extra > 0.0) {
          b.s += extra;
          b.check += extra;
          b.why += ", and what the collective library adds (" + seconds_text(extra) + ")";
        }
      }
      return b;
    }
    case Step::Kind::Memory: {
      const auto& m = step.memory;
      b.key = step.key + (step.checkpoint ? ".checkpoint.size" : ".memory.size");
      b.ranks = ranks_or_all(m.ranks);
      const double ranks = m.ranks.empty() ? n : static_cast<double>(m.ranks.size());
      const double total = static_cast<double>(m.size_bytes) * ranks;
      b.s = total / r.pool_Bps;
      b.check = kTransferMargin * b.s;
      b.why = "a pool takes in " + core::format_number(total) + " B at most " +
              core::format_number(r.pool_Bps) + " B/s";
      return b;
    }
    case Step::Kind::Traffic: {
      const auto& t = step.traffic;
      b.key = step.key + ".traffic";
      b.unattributed = true;
      const double bytes = static_cast<double>(t.size_bytes) * static_cast<double>(t.messages);
      const double wire = bytes / (r.rank_Bps * n);
      const double issued = static_cast<double>(t.messages - 1) * t.interval_s;
      b.s = std::max(wire, issued);
      b.check = std::max(kTransferMargin * wire, issued);
      b.why = wire >= issued ? core::format_number(bytes) + " B leave ranks of at most " +
                                   core::format_number(r.rank_Bps) + " B/s each"
                             : "its last message is issued " + seconds_text(issued) + " after the first";
      return b;
    }
    case Step::Kind::Parallel:
      // Its sub-steps run at once: it takes at least as long as the longest.
      for (const Step& c : step.children) {
        Bound cb = bound_of(f, r, c);
        if (cb.check > b.check || b.why.empty()) b = std::move(cb);
      }
      return b;
  }
  return b;
}

void check_time_budget(Facts& f, const workloads::WorkloadSpec& workload) {
  const Rates r = rates_of(f);
  // A rank runs its top-level steps one after another: per iteration it spends at least the sum of the bounds
  // of the steps it takes part in. Steps of every rank add to `all`, steps of some ranks to theirs.
  // (Both the bounds and the checks, per rank.)
  double all = 0.0, all_check = 0.0;
  std::vector<double> some, some_check;
  // "at least S s of simulated time (why)" and, when the margin is what passes the limit, the margin's
  // figure.
  const auto beyond = [](double s, double check, const std::string& why) {
    std::string text = "at least " + seconds_text(s) + " of simulated time";
    if (!why.empty()) text += " (" + why + ")";
    if (s < core::kTimeLimitS)
      text += ", " + seconds_text(check) + " with transfers counted twice for the contention and overheads " +
              "that bound leaves out";
    return text + ", beyond " + core::time_limit_text();
  };
  for (const Step& step : workload.steps) {
    const Bound b = bound_of(f, r, step);
    if (!(b.check < core::kTimeLimitS))
      throw core::InputError(b.loc, b.key, "the step takes " + beyond(b.s, b.check, b.why));
    if (b.unattributed) continue;
    if (b.ranks == nullptr) {
      all += b.s;
      all_check += b.check;
      continue;
    }
    some.resize(static_cast<std::size_t>(f.spec.ranks()), 0.0);
    some_check.resize(some.size(), 0.0);
    for (int rank : *b.ranks) {
      some[static_cast<std::size_t>(rank)] += b.s;
      some_check[static_cast<std::size_t>(rank)] += b.check;
    }
  }
  std::size_t worst = 0;
  for (std::size_t k = 0; k < some_check.size(); ++k)
    if (some_check[k] > some_check[worst]) worst = k;
  const double iteration = all + (some.empty() ? 0.0 : some[worst]);
  const double iteration_check = all_check + (some.empty() ? 0.0 : some_check[worst]);
  const double iterations = workload.iterations;
  if (iteration_check * iterations < core::kTimeLimitS) return;
  if (workload.iterations == 1)
    throw core::InputError(workload.steps.front().loc, "steps",
                           "one after another, the steps take " + beyond(iteration, iteration_check, ""));
  throw core::InputError(workload.iterations_loc, "iterations",
                         std::to_string(workload.iterations) + " iterations take " +
                             beyond(iteration * iterations, iteration_check * iterations, ""));
}

// The SystemC threads the run needs at once, when the endpoints' programs need threads at all
// (threads_needed_for): every endpoint's program, and the most any one top-level step spawns besides
// (sub-steps of parallel steps, a pool's answers to reads). Each thread's stack takes two memory mappings;
// more than the kernel allows would end the run with std::bad_alloc when SystemC cannot map a stack, so it
// is refused here, naming what needs the threads.
void check_threads(const Facts& f, const workloads::WorkloadSpec& workload) {
  const std::string why = threads_needed_for(f, workload);
  if (why.empty()) return;
  const long long endpoints = f.topo.endpoints();
  const long long maps = max_map_count();
  const long long fit = threads_within(maps);
  const auto limit = [&](long long threads) {
    return std::to_string(threads) + " threads take " + std::to_string(threads * kMapsPerThread) +
           " memory mappings (a stack and its guard page each), and the kernel allows " +
           std::to_string(maps) + " (vm.max_map_count), room for at most " + std::to_string(fit) +
           " threads beside the program's own " + std::to_string(kOtherMaps) + " mappings";
  };
  if (endpoints > fit) {
    const bool flat = f.spec.flat();
    throw core::InputError(f.spec.tiers.back().loc, flat ? "topology" : "tiers",
                           "the platform has " + std::to_string(endpoints) +
                               " endpoints (ranks, pools, reduction engines), each running its program in a "
                               "SystemC thread since " +
                               why + ": " + limit(endpoints));
  }
  for (const Step& step : workload.steps) {
    const long long threads = threads_of(f, step);
    if (endpoints + threads > fit)
      throw core::InputError(step.loc, step.key,
                             "the step needs " + std::to_string(threads) + " threads besides the " +
                                 std::to_string(endpoints) +
                                 " of the endpoints' programs: " + limit(endpoints + threads));
  }
}

// A model-driven workload runs on the ranks its parallelism multiplies to (CONTRACT section 8): all of the
// platform's, or the first `model.ranks` of them when the block names its ranks.
void check_model_ranks(const Facts& f, const workloads::WorkloadSpec& workload) {
  const workloads::ModelSummary& m = workload.model;
  if (!m.on) return;
  const int n = f.spec.ranks();
  if (m.ranks_given ? m.ranks <= n : m.ranks == n) return;
  throw core::InputError(
      m.loc, "model.parallelism",
      m.ranks_formula + "; expected it to equal the ranks used: " +
          (m.ranks_given ? "model.ranks, at most the platform's " + std::to_string(n)
                         : "the platform's " + std::to_string(n) + " (or name fewer with model.ranks)"));
}

namespace {

// An inference service: its groups on the platform, disjoint, and each group's all-reduce runnable.
void validate_serving(Facts& f, const workloads::WorkloadSpec& workload) {
  const workloads::ServingSpec& s = workload.serving;
  const core::SourceLoc& loc = workload.iterations_loc;
  const auto fail = [&](const std::string& key, const std::string& what) {
    throw core::InputError(loc, "model." + key, what);
  };
  if (s.prefill.empty()) fail("prefill", "expected at least one prefill group");
  if (s.decode.empty()) fail("decode", "expected at least one decode group");
  std::vector<char> used(static_cast<std::size_t>(f.spec.ranks()), 0);
  const auto groups = [&](const std::vector<std::vector<int>>& list, const std::string& key) {
    for (std::size_t g = 0; g < list.size(); ++g) {
      if (list[g].empty()) fail(key + "." + std::to_string(g), "expected at least one rank");
      for (int r : list[g]) {
        if (r < 0 || r >= f.spec.ranks())
          fail(key + "." + std::to_string(g), "rank " + std::to_string(r) + " is not on platform " +
                                                  f.spec.name + " (ranks 0 to " +
                                                  std::to_string(f.spec.ranks() - 1) + ")");
        if (used[static_cast<std::size_t>(r)]++ != 0)
          fail(key + "." + std::to_string(g), "rank " + std::to_string(r) + " serves two groups");
      }
      if (list[g].size() < 2) continue;
      // The group's all-reduces: checked as a step of theirs would be.
      Step step;
      step.kind = Step::Kind::Collective;
      step.collective.size_bytes = std::uint64_t{1} << 20;
      step.collective.ranks = list[g];
      step.loc = loc;
      step.key = "model." + key + "." + std::to_string(g);
      validate_step(f, step);
      f.plans.erase(&step);
    }
  };
  groups(s.prefill, "prefill");
  groups(s.decode, "decode");
  if (s.requests < 1) fail("requests", "expected at least one request");
  if (!(s.rate_per_s > 0.0)) fail("rate", "expected an arrival rate above zero");
  if (s.prompt_min < 1 || s.prompt_max < s.prompt_min) fail("prompt", "expected 1 <= min <= max tokens");
  if (s.output_min < 1 || s.output_max < s.output_min) fail("output", "expected 1 <= min <= max tokens");
  if (s.layers < 1) fail("layers", "expected at least one layer");
  if (!(s.efficiency > 0.0 && s.efficiency <= 1.0)) fail("efficiency", "expected a fraction in (0, 1]");
  if (f.spec.accelerator.compute_flops <= 0.0)
    fail("preset", "the platform's accelerator has no compute rate to run the model at");
}

}  // namespace

void validate_workload(Facts& f, const workloads::WorkloadSpec& workload) {
  check_model_ranks(f, workload);
  if (workload.serving.on) validate_serving(f, workload);
  // A restart resumes after the last checkpoint every step before which has finished: the steps must run in
  // one order (engine/restart.md).
  if (workload.job.restart_on_fault && (workload.graph || workload.serving.on))
    throw core::InputError(
        workload.job.on_fault_loc, "job.on_fault",
        std::string("a job restarts from a checkpoint only when its steps run in the order "
                    "listed, not in ") +
            (workload.graph ? "a dependency graph (graph: true)" : "an inference service"));
  for (std::size_t i = 0; i < workload.steps.size(); ++i) {
    const Step& step = workload.steps[i];
    // A graph's dependencies (the loaders make them so): earlier steps only, so that no cycle can form.
    for (int a : step.after) {
      if (!workload.graph)
        throw core::InputError(step.loc, step.key + ".after",
                               "a step waits for others only in a dependency graph (graph: true)");
      if (a < 0 || static_cast<std::size_t>(a) >= i)
        throw core::InputError(step.loc, step.key + ".after",
                               "a step waits only for steps before it; step " + std::to_string(a) +
                                   " is not one of the " + std::to_string(i) + " before it");
    }
    validate_step(f, step);
  }
  check_threads(f, workload);
  check_time_budget(f, workload);
  // After the checks above, so that a workload they refuse keeps their message.
  for (const Step& step : workload.steps)
    check_capacity(f, step);
}

}  // namespace detail

// scheduler.policy names a registered policy (user policies register at run time, so the loader cannot tell).
void validate_platform(const platforms::PlatformSpec& platform) {
  if (scheduler::find_policy(platform.scheduler.policy) != nullptr) return;
  std::string names;
  for (const auto& n : scheduler::policy_names())
    names += (names.empty() ? "" : ", ") + n;
  throw core::InputError(
      platform.scheduler.policy_loc, "scheduler.policy",
      "unknown policy " + core::quote_text(platform.scheduler.policy) + "; expected one of: " + names);
}

void validate(const platforms::PlatformSpec& platform, const workloads::WorkloadSpec& workload) {
  validate_platform(platform);
  detail::Facts facts(platform);
  detail::validate_workload(facts, workload);
}

}  // namespace pjbit::engine
