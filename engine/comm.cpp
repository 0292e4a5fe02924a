// The collective library's share of a collective's cost: the protocol of each instance and what it adds.
#include "engine/comm.h"

#include <algorithm>
#include <cmath>

#include "engine/program.h"
#include "workloads/alpha_beta.h"

namespace pjbit::engine::detail {

using accelerator::Family;

Family family_of(const std::string& algorithm) {
  if (algorithm == "in_network" || algorithm == "nvls" || algorithm == "nvls_tree") return Family::Nvls;
  if (algorithm == "tree" || algorithm == "node_tree" || algorithm == "collnet") return Family::Tree;
  return Family::Ring;
}

bool crosses_network(const Facts& f, int a, int b) {
  const int t = f.topo.tier_of(a, b);
  return f.spec.tiers[static_cast<std::size_t>(t)].has_nic;
}

double tier_payload_rate(const Facts& f, int a, int b) {
  const platforms::TopologySpec& t = f.spec.tiers[static_cast<std::size_t>(f.topo.tier_of(a, b))];
  // Ranks that share a NIC share its link: each has its share of the rate.
  const int sharing = t.has_nic ? t.ranks_per_nic : 1;
  return t.link.bandwidth_Bps * (1.0 - t.link.overhead) / sharing;
}

PhaseSends phase_sends(const Facts& f, int rank, const workloads::Phase& phase,
                       const std::vector<int>& reducers) {
  // A reduction slot's engine: across the network (an outer tier's switch) or not (the scale-up switch).
  const auto engine = [&](int peer) {
    return reducers.empty() ? -1 : reducers[static_cast<std::size_t>(workloads::in_network_slot(peer))];
  };
  PhaseSends s;
  for (const auto& t : phase.sends) {
    const auto bytes = static_cast<double>(t.bytes);
    s.all += bytes;
    const int to = t.peer >= 0 ? t.peer : engine(t.peer);
    if (to >= 0 && crosses_network(f, rank, to)) {
      s.net += bytes;
      s.net_rate = tier_payload_rate(f, rank, to);
    } else if (t.peer < 0) {
      s.up += bytes;
    }
  }
  for (const auto& t : phase.recvs) {
    if (t.peer >= 0) continue;
    const int from = engine(t.peer);
    if (from < 0 || !crosses_network(f, rank, from)) s.down += static_cast<double>(t.bytes);
  }
  return s;
}

double hold_s(const CommCosts& c, const PhaseSends& s, int lanes) {
  double held = 0.0;
  if (c.max_payload_Bps > 0.0) held = std::max(held, s.all / (c.max_payload_Bps / lanes));
  if (s.net > 0.0 && c.net_efficiency < 1.0) held = std::max(held, s.net / (s.net_rate * c.net_efficiency));
  // NVLS holds the scale-up link's rate in both directions: what comes back down as well.
  if (s.up > 0.0 && c.nvls_held) held = std::max(held, std::max(s.up, s.down) / c.nvls_rate_Bps);
  return held;
}

namespace {

// The most members one of `domains` holds.
int largest(const std::vector<std::vector<int>>& domains) {
  std::size_t m = 0;
  for (const std::vector<int>& d : domains)
    m = std::max(m, d.size());
  return static_cast<int>(m);
}

// node_tree's share of network hops on its deepest path: ceil(log2 G) of (m - 1) + ceil(log2 G) levels, for
// the G domains the group spans and the most members m one holds (workloads/impl/tree.cpp).
double node_tree_network_share(const Facts& f, const std::vector<int>& group) {
  const std::vector<std::vector<int>> domains = workloads::group_domains(group, f.collective);
  const int m = largest(domains);
  const int across = workloads::tree_depth(static_cast<int>(domains.size()));
  return across > 0 ? static_cast<double>(across) / (m - 1 + across) : 0.0;
}

// The payload rate the tuner prices mesh_ring's bytes at: its channels leave group[0] towards as many peers
// as its first phase sends to, each over a link of its own on a full mesh, so their links' payload rates
// together (NCCL and RCCL price a ring at its channels' bandwidths summed: on an MI300X node 7 xGMI links of
// 48 GB/s, 336 GB/s), never above what the rank's own links carry together.
double mesh_ring_rate(const Facts& f, const std::vector<int>& group, const workloads::SchedulePlan& plan) {
  workloads::Phase scratch;
  std::vector<int> peers;
  for (const auto& s : plan.phase(0, 0, scratch).sends)
    if (std::find(peers.begin(), peers.end(), s.peer) == peers.end()) peers.push_back(s.peer);
  double rate = 0.0;
  for (int peer : peers)
    rate += tier_payload_rate(f, group[0], peer);
  const int node = f.topo.endpoint_node[static_cast<std::size_t>(group[0])];
  double own = 0.0;
  for (int link : f.topo.nodes[static_cast<std::size_t>(node)].ports) {
    if (f.topo.nodes[static_cast<std::size_t>(f.topo.other_end(link, node))].kind ==
        platforms::NodeKind::Pool)
      continue;
    const platforms::LinkSpec& l = f.topo.links[static_cast<std::size_t>(link)].spec;
    own += l.bandwidth_Bps * (1.0 - l.overhead);
  }
  return std::min(rate, own);
}

// NCCL's cap on its NVLS tree as a rate for group[0]'s NVLS traffic (CommCosts::nvls_rate_Bps): the tree's
// bus bandwidth is at most heads x the library's channel cap (CommLibrary::nvls_tree_busbw_cap_Bps), the
// heads being the NICs of a domain (its most members over the network tier's ranks_per_nic), so a call
// takes at least 2(n-1)/n x S over that; group[0]'s bytes to and from the reduction engine, `nvls_bytes`,
// spread over that time give the rate. 0 when the library sets no cap.
double nvls_tree_rate_Bps(const Facts& f, const std::vector<int>& group, std::uint64_t size_bytes,
                          double nvls_bytes) {
  const std::vector<std::vector<int>> domains = workloads::group_domains(group, f.collective);
  if (domains.size() < 2 || nvls_bytes <= 0.0 || size_bytes == 0) return 0.0;
  const int first = group[static_cast<std::size_t>(domains[0][0])];
  const int other = group[static_cast<std::size_t>(domains[1][0])];
  const platforms::TopologySpec& net = f.spec.tiers[static_cast<std::size_t>(f.topo.tier_of(first, other))];
  const int heads = largest(domains) / std::max(1, net.has_nic ? net.ranks_per_nic : 1);
  const double cap = f.spec.accelerator.comm.nvls_tree_busbw_cap_Bps(static_cast<int>(domains.size()), heads);
  if (cap <= 0.0) return 0.0;
  const double n = static_cast<double>(group.size());
  const double least_s = 2.0 * (n - 1.0) / n * static_cast<double>(size_bytes) / cap;
  return nvls_bytes / least_s;
}

}  // namespace

CommCosts comm_costs(const Facts& f, const std::string& algorithm, const std::vector<int>& group,
                     const workloads::SchedulePlan& plan, std::uint64_t size_bytes) {
  const accelerator::CommLibrary& lib = f.spec.accelerator.comm;
  CommCosts c;
  c.family = family_of(algorithm);
  if (!lib.enabled() || !lib.runs(c.family)) return c;
  c.on = true;
  c.net_efficiency = lib.net_efficiency;
  c.nvls_efficiency = lib.nvls_efficiency;
  // The shape the tuner prices: the phases and bytes group[0] sends (every rank of the built-in schedules
  // sends as much), and the share of the first phase's transfers, over the whole group, that cross the
  // network.
  accelerator::CommLibrary::Shape shape;
  shape.family = c.family;
  shape.steps = plan.phases(0);
  double up_rate = 0.0, net_rate = 0.0, nvls_bytes = 0.0;
  workloads::Phase scratch;
  for (int k = 0; k < shape.steps; ++k)
    for (const auto& s : plan.phase(0, k, scratch).sends) {
      shape.bytes_sent += static_cast<double>(s.bytes);
      if (s.peer < 0) nvls_bytes += static_cast<double>(s.bytes);
    }
  double transfers = 0.0, crossing = 0.0;
  for (std::size_t i = 0; i < group.size() && shape.steps > 0; ++i) {
    for (const auto& s : plan.phase(static_cast<int>(i), 0, scratch).sends) {
      if (s.peer < 0) continue;
      transfers += 1.0;
      const double rate = tier_payload_rate(f, group[i], s.peer);
      if (crosses_network(f, group[i], s.peer)) {
        crossing += 1.0;
        net_rate = net_rate > 0.0 ? std::min(net_rate, rate) : rate;
      } else {
        up_rate = up_rate > 0.0 ? std::min(up_rate, rate) : rate;
      }
    }
  }
  double share = transfers > 0.0 ? crossing / transfers : 0.0;
  if (algorithm == "node_tree") share = node_tree_network_share(f, group);
  shape.network_steps = static_cast<int>(std::lround(share * shape.steps));
  // The reduction engine hangs off the switch the group's scale-up links join.
  const platforms::LinkSpec& inner = f.spec.tiers.front().link;
  c.nvls_rate_Bps = inner.bandwidth_Bps * (1.0 - inner.overhead) * lib.nvls_efficiency;
  c.nvls_held = lib.nvls_efficiency < 1.0;
  if (algorithm == "nvls_tree")
    if (const double capped = nvls_tree_rate_Bps(f, group, size_bytes, nvls_bytes);
        capped > 0.0 && capped < c.nvls_rate_Bps) {
      c.nvls_rate_Bps = capped;
      c.nvls_held = true;
    }
  if (c.family == Family::Nvls) {
    shape.rate_Bps = c.nvls_rate_Bps;
  } else if (net_rate > 0.0) {
    shape.rate_Bps = net_rate * lib.net_efficiency;
  } else if (algorithm == "mesh_ring" && shape.steps > 0) {
    shape.rate_Bps = mesh_ring_rate(f, group, plan);
  } else {
    shape.rate_Bps = up_rate;
  }
  c.protocol = lib.choose(shape);
  const accelerator::ProtocolLatency& l = lib.of(c.family, c.protocol);
  c.launch = core::to_ticks(l.launch_s);
  c.hop = core::to_ticks((1.0 - share) * l.hop_s[0] + share * l.hop_s[1]);
  // NCCL's NVLS on one switch copies through its NVLS buffer: the copy in of the first loop and the copy out
  // of the last come on top of the link traffic, which group[0]'s phases carry at NVLS's rate.
  if (algorithm == "nvls" && c.nvls_rate_Bps > 0.0)
    c.nvls_copies = core::to_ticks(lib.nvls_copy_stages_s(
        static_cast<double>(size_bytes), static_cast<int>(group.size()), shape.bytes_sent / c.nvls_rate_Bps));
  c.max_payload_Bps = lib.max_rate_Bps[static_cast<std::size_t>(c.protocol)];
  c.buffer_bytes = lib.buffer_bytes[static_cast<std::size_t>(c.protocol)];
  return c;
}

}  // namespace pjbit::engine::detail
