#include "engine/scheduler/forecast.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>
#include <tuple>

#include "engine/simulation.h"
#include "platforms/builder.h"
#include "workloads/i_collective.h"

namespace pjbit::engine::scheduler {

using platforms::NodeKind;
using platforms::TopoNode;
using workloads::Step;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<int> group_of(const std::vector<int>& ranks, int n) {
  if (!ranks.empty()) return ranks;
  std::vector<int> all(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    all[static_cast<std::size_t>(i)] = i;
  return all;
}

// A fixed hash per pair stands in for the flow hash of ECMP routing, which the forecast cannot know.
std::uint64_t pair_hash(int src, int dst) {
  return (static_cast<std::uint64_t>(src) << 32) ^ static_cast<std::uint64_t>(dst) ^ 0x5eed5eedull;
}

}  // namespace

Forecast::Forecast(const platforms::PlatformSpec& spec, const platforms::Topology& topo)
    : m_spec(spec), m_topo(topo) {
  for (std::size_t n = 0; n < topo.nodes.size(); ++n) {
    if (topo.nodes[n].kind != NodeKind::Ocs) continue;
    m_ocs_nodes.push_back(static_cast<int>(n));
    std::vector<int> owners, port_owner;
    for (int link : topo.nodes[n].ports) {
      const int other = topo.other_end(link, static_cast<int>(n));
      auto it = std::find(owners.begin(), owners.end(), other);
      if (it == owners.end()) it = owners.insert(owners.end(), other);
      port_owner.push_back(static_cast<int>(it - owners.begin()));
    }
    m_owners.push_back(owners);
    m_port_owner.push_back(port_owner);
  }
  m_capacity.resize(2 * topo.links.size());
  m_link_latency_s.resize(topo.links.size());
  for (std::size_t l = 0; l < topo.links.size(); ++l) {
    // The link model's payload rate and latency, as the engines serve them (link::Params).
    const link::Params params = platforms::link_params(topo.links[l].spec, false);
    m_capacity[2 * l] = m_capacity[2 * l + 1] = params.payload_rate_Bps();
    m_link_latency_s[l] = params.latency_s;
  }
  m_load.assign(m_capacity.size(), 0.0);
  m_total.assign(m_capacity.size(), 0.0);
}

Circuits Forecast::initial() const {
  Circuits c;
  for (int node : m_ocs_nodes) {
    std::vector<int> map = m_topo.circuits[static_cast<std::size_t>(node)];
    map.resize(static_cast<std::size_t>(m_topo.nodes[static_cast<std::size_t>(node)].ocs.ports), -1);
    c.push_back(map);
  }
  return c;
}

StepDemand Forecast::demand(const Step& step) const {
  StepDemand d;
  add_demand(step, d);
  for (const Track& t : d.tracks)
    for (const Stage& s : t.stages)
      d.moves_data = d.moves_data || !s.transfers.empty();
  return d;
}

void Forecast::add_demand(const Step& step, StepDemand& out) const {
  const int n = m_spec.ranks();
  const double hbm_Bps = m_spec.accelerator.hbm.bandwidth_Bps;
  switch (step.kind) {
    case Step::Kind::Collective: {
      const auto& c = step.collective;
      const std::vector<int> group = group_of(c.ranks, n);
      const std::string name = algorithm_of(m_spec, c);
      const workloads::ICollective* algo = workloads::find_collective(name);
      if (algo == nullptr) return;
      workloads::TopologyFacts facts;
      facts.inner_domain = m_spec.tiers.size() > 1 ? m_spec.domain_size(0) : 0;
      const auto plan = algo->plan_channels(c.op, group, c.size_bytes, facts, c.channels);
      Track track;
      int phases = 0;
      for (std::size_t i = 0; i < group.size(); ++i)
        phases = std::max(phases, plan->phases(static_cast<int>(i)));
      workloads::Phase scratch;
      for (int k = 0; k < phases; ++k) {
        Stage stage;
        double busiest = 0.0;
        for (std::size_t i = 0; i < group.size(); ++i) {
          if (k >= plan->phases(static_cast<int>(i))) continue;
          const workloads::Phase& ph = plan->phase(static_cast<int>(i), k, scratch);
          double hbm = static_cast<double>(ph.reduce_bytes);
          for (const auto& t : ph.sends) {
            hbm += static_cast<double>(t.bytes);
            // Transfers with a switch's reduction engine stay inside that switch's tier: never on an OCS.
            if (t.peer >= 0) stage.transfers.push_back({group[i], t.peer, static_cast<double>(t.bytes)});
          }
          for (const auto& t : ph.recvs)
            hbm += static_cast<double>(t.bytes);
          busiest = std::max(busiest, hbm);
        }
        stage.hbm_s = hbm_Bps > 0.0 ? busiest / hbm_Bps : 0.0;
        track.stages.push_back(std::move(stage));
      }
      out.tracks.push_back(std::move(track));
      break;
    }
    case Step::Kind::Compute: {
      const auto& c = step.compute;
      double t = c.has_work ? c.work_flop / m_spec.accelerator.compute_flops : c.duration_s;
      if (c.bytes > 0 && hbm_Bps > 0.0) t = std::max(t, static_cast<double>(c.bytes) / hbm_Bps);
      Track track;
      track.fixed_s = t;
      out.tracks.push_back(track);
      if (c.ranks.empty() || static_cast<int>(c.ranks.size()) == n) out.compute_s = t;
      break;
    }
    case Step::Kind::Memory: {
      const auto& m = step.memory;
      const int pool = m_topo.pool_endpoint(m.pool);
      if (pool < 0) return;
      Track track;
      Stage stage;
      for (int r : group_of(m.ranks, n)) {
        if (m.write) {
          stage.transfers.push_back({r, pool, static_cast<double>(m.size_bytes)});
        } else {
          stage.transfers.push_back({pool, r, static_cast<double>(m.size_bytes)});
        }
      }
      const auto& node =
          m_topo.nodes[static_cast<std::size_t>(m_topo.endpoint_node[static_cast<std::size_t>(pool)])];
      stage.extra_s = node.pool.latency_s;
      track.stages.push_back(std::move(stage));
      out.tracks.push_back(std::move(track));
      break;
    }
    case Step::Kind::Traffic: {
      const auto& t = step.traffic;
      Track track;
      Stage stage;
      const double total = static_cast<double>(t.size_bytes) * static_cast<double>(t.messages);
      if (!t.pairs.empty()) {
        std::map<std::pair<int, int>, double> by_pair;
        for (std::uint64_t k = 0; k < t.messages; ++k)
          by_pair[t.pairs[static_cast<std::size_t>(k % t.pairs.size())]] += static_cast<double>(t.size_bytes);
        for (const auto& [pair, bytes] : by_pair)
          stage.transfers.push_back({pair.first, pair.second, bytes});
      } else {
        const std::vector<int> pool = group_of(t.ranks, n);
        const double each = total / static_cast<double>(pool.size() * (pool.size() - 1));
        for (int a : pool)
          for (int b : pool)
            if (a != b) stage.transfers.push_back({a, b, each});
      }
      track.fixed_s = static_cast<double>(t.messages - 1) * t.interval_s;
      track.stages.push_back(std::move(stage));
      out.tracks.push_back(std::move(track));
      break;
    }
    case Step::Kind::Parallel:
      for (const Step& child : step.children) {
        StepDemand sub;
        add_demand(child, sub);
        for (Track& t : sub.tracks)
          out.tracks.push_back(std::move(t));
      }
      break;
  }
}

Forecast::RouteSet& Forecast::routes_for(const Circuits& circuits) {
  for (auto& set : m_routes)
    if (set->circuits == circuits) return *set;
  auto set = std::make_unique<RouteSet>();
  set->circuits = circuits;
  set->router = std::make_unique<platforms::Router>(m_topo);
  for (std::size_t k = 0; k < m_ocs_nodes.size(); ++k)
    set->router->set_circuits(m_ocs_nodes[k], circuits[k]);
  m_routes.push_back(std::move(set));
  return *m_routes.back();
}

const Forecast::Path& Forecast::path(RouteSet& set, int src, int dst) {
  auto [it, added] = set.paths.try_emplace({src, dst});
  Path& p = it->second;
  if (!added) return p;
  core::Route route;
  if (!set.router->reachable(src, dst) || !set.router->route(src, dst, pair_hash(src, dst), route)) return p;
  // Walk the route as the flow engine does (engine/flow/flow_network.cpp): links, switches, NICs and
  // forwarding ranks add their latency; an OCS adds none; a link into a store-and-forward switch adds a
  // packet's serialization on it.
  int node = m_topo.endpoint_node[static_cast<std::size_t>(src)];
  for (std::size_t h = 0; h < route.ports.size(); ++h) {
    const TopoNode& n = m_topo.nodes[static_cast<std::size_t>(node)];
    if (h > 0) {
      if (n.kind == NodeKind::Switch) p.latency_s += platforms::switch_params(n.sw).latency_s;
      if (n.kind == NodeKind::Nic) p.latency_s += platforms::nic_params(n.nic).latency_s;
      if (n.kind == NodeKind::Rank) p.latency_s += m_spec.accelerator.router_latency_s;
    }
    const int link = n.ports[route.ports[h]];
    const auto& l = m_topo.links[static_cast<std::size_t>(link)];
    p.latency_s += m_link_latency_s[static_cast<std::size_t>(link)];
    const int dir = l.a == node ? 0 : 1;
    p.resources.push_back(2 * link + dir);
    node = m_topo.other_end(link, node);
    const TopoNode& next = m_topo.nodes[static_cast<std::size_t>(node)];
    if (next.kind == NodeKind::Switch && platforms::switch_params(next.sw).store_and_forward)
      p.store_forward_s_per_byte += 1.0 / m_capacity[static_cast<std::size_t>(2 * link + dir)];
  }
  p.ok = true;
  return p;
}

double Forecast::predict(const StepDemand& d, const Circuits& circuits) {
  RouteSet& set = routes_for(circuits);
  // Every transfer must have a route: check first, so that the loads below are only ever filled in full.
  for (const Track& track : d.tracks)
    for (const Stage& stage : track.stages)
      for (const Demand& x : stage.transfers)
        if (!path(set, x.src, x.dst).ok) return kInf;
  double longest_track = 0.0;
  for (const Track& track : d.tracks) {
    double t = 0.0;
    for (const Stage& stage : track.stages) {
      double latency = 0.0;
      for (const Demand& x : stage.transfers) {
        const Path& p = path(set, x.src, x.dst);
        latency =
            std::max(latency, p.latency_s + std::min(static_cast<double>(m_spec.packet_bytes), x.bytes) *
                                                p.store_forward_s_per_byte);
        for (int r : p.resources) {
          const auto ru = static_cast<std::size_t>(r);
          if (m_load[ru] == 0.0) m_touched.push_back(r);
          if (m_total[ru] == 0.0) m_touched_total.push_back(r);
          m_load[ru] += x.bytes;
          m_total[ru] += x.bytes;
        }
      }
      double busiest = 0.0;
      for (int r : m_touched) {
        const auto ru = static_cast<std::size_t>(r);
        busiest = std::max(busiest, m_load[ru] / m_capacity[ru]);
        m_load[ru] = 0.0;
      }
      m_touched.clear();
      const double fabric = stage.transfers.empty() ? 0.0 : busiest + latency;
      t += std::max(fabric, stage.hbm_s) + stage.extra_s;
    }
    longest_track = std::max(longest_track, std::max(t, track.fixed_s));
  }
  double busiest_total = 0.0;
  for (int r : m_touched_total) {
    const auto ru = static_cast<std::size_t>(r);
    busiest_total = std::max(busiest_total, m_total[ru] / m_capacity[ru]);
    m_total[ru] = 0.0;
  }
  m_touched_total.clear();
  return std::max(longest_track, busiest_total);
}

int Forecast::owner_of(std::size_t k, int endpoint) const {
  // From the endpoint along its single link in the OCS's tier (through a NIC, or from a pool to the rank it
  // hangs off) until a node that owns OCS ports; switches that own none end the walk.
  const int tier = m_topo.nodes[static_cast<std::size_t>(m_ocs_nodes[k])].tier;
  const auto& owners = m_owners[k];
  int node = m_topo.endpoint_node[static_cast<std::size_t>(endpoint)];
  int came = -1;
  for (int step = 0; step < 4; ++step) {
    const auto it = std::find(owners.begin(), owners.end(), node);
    if (it != owners.end()) return static_cast<int>(it - owners.begin());
    const TopoNode& n = m_topo.nodes[static_cast<std::size_t>(node)];
    if (n.kind == NodeKind::Switch || n.kind == NodeKind::Ocs) return -1;
    int next = -1;
    for (int link : n.ports) {
      const auto& l = m_topo.links[static_cast<std::size_t>(link)];
      if (l.tier != tier || l.bypass || link == came) continue;
      next = link;
      break;
    }
    if (next < 0) return -1;
    came = next;
    node = m_topo.other_end(next, node);
  }
  return -1;
}

Circuits Forecast::fit(const StepDemand& d, const Circuits& base) const {
  Circuits out = base;
  for (std::size_t k = 0; k < m_ocs_nodes.size(); ++k) {
    const int tier = m_topo.nodes[static_cast<std::size_t>(m_ocs_nodes[k])].tier;
    const std::size_t owners = m_owners[k].size();
    // Bytes between owners (both directions: a circuit carries both).
    std::map<std::pair<int, int>, double> weight;
    std::map<int, int> owner_cache;
    const auto owner = [&](int e) {
      auto it = owner_cache.find(e);
      if (it == owner_cache.end()) it = owner_cache.emplace(e, owner_of(k, e)).first;
      return it->second;
    };
    for (const Track& t : d.tracks)
      for (const Stage& s : t.stages)
        for (const Demand& x : s.transfers) {
          if (m_topo.tier_of(x.src, x.dst) != tier) continue;
          const int a = owner(x.src), b = owner(x.dst);
          if (a < 0 || b < 0 || a == b) continue;
          weight[{std::min(a, b), std::max(a, b)}] += x.bytes;
        }
    if (weight.empty()) continue;
    // Greedy by bytes per circuit: a pair's next circuit is worth its bytes / (circuits it has + 1).
    std::vector<int> free(owners, 0);
    for (int o : m_port_owner[k])
      ++free[static_cast<std::size_t>(o)];
    using Entry = std::tuple<double, int, int, int>;  // worth, -a, -b, circuits so far
    std::priority_queue<Entry> queue;
    for (const auto& [pair, w] : weight)
      if (w > 0.0) queue.emplace(w, -pair.first, -pair.second, 0);
    std::map<std::pair<int, int>, int> wanted;
    while (!queue.empty()) {
      const auto [worth, na, nb, count] = queue.top();
      queue.pop();
      const int a = -na, b = -nb;
      if (free[static_cast<std::size_t>(a)] == 0 || free[static_cast<std::size_t>(b)] == 0) continue;
      --free[static_cast<std::size_t>(a)];
      --free[static_cast<std::size_t>(b)];
      ++wanted[{a, b}];
      queue.emplace(weight[{a, b}] / (count + 2), na, nb, count + 1);
    }
    // Place the wanted circuits on ports: first keep the base circuits that are wanted, then put the others
    // on free ports, preferring ports whose base circuit is already broken; base circuits whose two ports
    // are still free at the end stay as they were.
    const std::vector<int>& was = base[k];
    const std::size_t ports = m_port_owner[k].size();
    std::vector<int> map(was.size(), -1);
    std::vector<char> used(ports, 0);
    for (std::size_t p = 0; p < ports; ++p) {
      const int q = was[p];
      if (q <= static_cast<int>(p) || q >= static_cast<int>(ports)) continue;
      const int a = m_port_owner[k][p], b = m_port_owner[k][static_cast<std::size_t>(q)];
      auto it = wanted.find({std::min(a, b), std::max(a, b)});
      if (it == wanted.end() || it->second == 0) continue;
      --it->second;
      map[p] = q;
      map[static_cast<std::size_t>(q)] = static_cast<int>(p);
      used[p] = used[static_cast<std::size_t>(q)] = 1;
    }
    const auto pick = [&](int o) {
      int fallback = -1;
      for (std::size_t p = 0; p < ports; ++p) {
        if (used[p] || m_port_owner[k][p] != o) continue;
        const int q = was[p];
        if (q < 0 || q >= static_cast<int>(ports) || used[static_cast<std::size_t>(q)])
          return static_cast<int>(p);
        if (fallback < 0) fallback = static_cast<int>(p);
      }
      return fallback;
    };
    for (auto& [pair, count] : wanted) {
      for (; count > 0; --count) {
        // The greedy pass gave no owner more circuits than it has ports, so both picks find one.
        const int p = pick(pair.first);
        if (p < 0) break;
        used[static_cast<std::size_t>(p)] = 1;
        const int q = pick(pair.second);
        if (q < 0) {
          used[static_cast<std::size_t>(p)] = 0;
          break;
        }
        used[static_cast<std::size_t>(q)] = 1;
        map[static_cast<std::size_t>(p)] = q;
        map[static_cast<std::size_t>(q)] = p;
      }
    }
    for (std::size_t p = 0; p < ports; ++p) {
      const int q = was[p];
      if (q < 0 || q >= static_cast<int>(ports) || used[p] || used[static_cast<std::size_t>(q)]) continue;
      map[p] = q;
    }
    out[k] = map;
  }
  return out;
}

double Forecast::reconfiguration_s(const Circuits& from, const Circuits& to) const {
  double r = 0.0;
  for (std::size_t k = 0; k < m_ocs_nodes.size(); ++k)
    if (from[k] != to[k])
      r = std::max(r, m_topo.nodes[static_cast<std::size_t>(m_ocs_nodes[k])].ocs.reconfiguration_s);
  return r;
}

}  // namespace pjbit::engine::scheduler
