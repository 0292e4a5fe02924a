#include "platforms/routing.h"

#include <algorithm>
#include <cstddef>

namespace pjbit::platforms {

namespace {

std::uint64_t mix(std::uint64_t x) {  // splitmix64 finaliser: a deterministic, well-spread hash
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

Router::Router(const Topology& topo)
    : m_topo(topo), m_circuits(topo.circuits), m_dist(topo.tiers.size()), m_components(topo.tiers.size()) {
  for (std::size_t n = 0; n < topo.nodes.size(); ++n) {
    m_vertex_base.push_back(m_vertices);
    const TopoNode& node = topo.nodes[n];
    const int count = node.kind == NodeKind::Ocs ? static_cast<int>(node.ports.size()) : 1;
    for (int k = 0; k < count; ++k) {
      m_vertex_node.push_back(static_cast<int>(n));
      m_vertex_port.push_back(node.kind == NodeKind::Ocs ? k : -1);
    }
    m_vertices += count;
  }
}

int Router::vertex_of(int node, int link) const {
  const TopoNode& n = m_topo.nodes[static_cast<std::size_t>(node)];
  if (n.kind != NodeKind::Ocs) return m_vertex_base[static_cast<std::size_t>(node)];
  return m_vertex_base[static_cast<std::size_t>(node)] + m_topo.port_of(node, link);
}

void Router::neighbours(int tier, int v, std::vector<std::pair<int, int>>& out) const {
  out.clear();
  const int node = m_vertex_node[static_cast<std::size_t>(v)];
  const TopoNode& n = m_topo.nodes[static_cast<std::size_t>(node)];
  const int ocs_port = m_vertex_port[static_cast<std::size_t>(v)];
  if (ocs_port >= 0) {
    const int link = n.ports[static_cast<std::size_t>(ocs_port)];
    const TopoLink& l = m_topo.links[static_cast<std::size_t>(link)];
    if (l.tier == tier && !l.bypass && !link_down(link))
      out.emplace_back(vertex_of(m_topo.other_end(link, node), link), ocs_port);
    const auto& circuits = m_circuits[static_cast<std::size_t>(node)];
    const int peer = static_cast<std::size_t>(ocs_port) < circuits.size()
                         ? circuits[static_cast<std::size_t>(ocs_port)]
                         : -1;
    if (peer >= 0 && peer < static_cast<int>(n.ports.size()))
      out.emplace_back(m_vertex_base[static_cast<std::size_t>(node)] + peer, -1);
    return;
  }
  for (std::size_t p = 0; p < n.ports.size(); ++p) {
    const int link = n.ports[p];
    const TopoLink& l = m_topo.links[static_cast<std::size_t>(link)];
    if (l.tier != tier || l.bypass || link_down(link)) continue;  // bypass circuits: only by bypass_route
    out.emplace_back(vertex_of(m_topo.other_end(link, node), link), static_cast<int>(p));
  }
}

bool Router::to_leaf(int endpoint, int tier, std::vector<std::pair<int, int>>& hops) const {
  // From the endpoint up through its NIC, if any, to the first switch: (node, port) of every hop.
  hops.clear();
  int node = m_topo.endpoint_node[static_cast<std::size_t>(endpoint)];
  int came = -1;
  for (int step = 0; step < 4; ++step) {
    const TopoNode& n = m_topo.nodes[static_cast<std::size_t>(node)];
    if (n.kind == NodeKind::Switch) return true;
    int next = -1;
    for (std::size_t p = 0; p < n.ports.size() && next < 0; ++p) {
      const int link = n.ports[p];
      const TopoLink& l = m_topo.links[static_cast<std::size_t>(link)];
      if (l.tier != tier || l.bypass || link == came || link_down(link)) continue;
      // A NIC that several accelerators share leads back down to the others: not the way up.
      if (m_topo.nodes[static_cast<std::size_t>(m_topo.other_end(link, node))].kind == NodeKind::Rank)
        continue;
      hops.emplace_back(node, static_cast<int>(p));
      next = link;
    }
    if (next < 0) return false;
    came = next;
    node = m_topo.other_end(next, node);
  }
  return false;
}

bool Router::bypass_route(int src, int dst, int tier, std::uint64_t hash, core::Route& out) {
  if (!to_leaf(src, tier, m_up) || !to_leaf(dst, tier, m_down)) return false;
  const auto leaf_after = [&](const std::vector<std::pair<int, int>>& hops) {
    const auto& [node, port] = hops.back();
    return m_topo.other_end(
        m_topo.nodes[static_cast<std::size_t>(node)].ports[static_cast<std::size_t>(port)], node);
  };
  const int leaf_a = leaf_after(m_up), leaf_b = leaf_after(m_down);
  if (leaf_a == leaf_b) return false;
  // The circuits that join the two leaves: (leaf a's port, the OCS's out port).
  m_circuit_choices.clear();
  const TopoNode& a = m_topo.nodes[static_cast<std::size_t>(leaf_a)];
  for (std::size_t p = 0; p < a.ports.size(); ++p) {
    const TopoLink& l = m_topo.links[static_cast<std::size_t>(a.ports[p])];
    if (!l.bypass || l.tier != tier) continue;
    const int ocs = m_topo.other_end(a.ports[p], leaf_a);
    const auto& circuits = m_circuits[static_cast<std::size_t>(ocs)];
    const int in = m_topo.port_of(ocs, a.ports[p]);
    const int peer = in >= 0 && static_cast<std::size_t>(in) < circuits.size()
                         ? circuits[static_cast<std::size_t>(in)]
                         : -1;
    const auto& ocs_ports = m_topo.nodes[static_cast<std::size_t>(ocs)].ports;
    if (peer < 0 || peer >= static_cast<int>(ocs_ports.size())) continue;
    if (m_topo.other_end(ocs_ports[static_cast<std::size_t>(peer)], ocs) != leaf_b) continue;
    m_circuit_choices.emplace_back(static_cast<int>(p), peer);
  }
  if (m_circuit_choices.empty()) return false;
  // Several circuits between the same leaves share the flows by hash, as ECMP shares spines.
  const auto& [leaf_port, ocs_port] =
      m_circuit_choices[m_circuit_choices.size() == 1
                            ? 0
                            : static_cast<std::size_t>(mix(hash ^ 0x6f6373ull) % m_circuit_choices.size())];
  for (const auto& hop : m_up)
    out.ports.push_back(static_cast<std::uint16_t>(hop.second));
  out.ports.push_back(static_cast<std::uint16_t>(leaf_port));
  out.ports.push_back(static_cast<std::uint16_t>(ocs_port));
  // Down from leaf b to the destination: at each node, the port of the link the upward walk came in on.
  for (std::size_t k = m_down.size(); k-- > 0;) {
    const auto& [node, port] = m_down[k];
    const int link = m_topo.nodes[static_cast<std::size_t>(node)].ports[static_cast<std::size_t>(port)];
    const int above = m_topo.other_end(link, node);
    out.ports.push_back(static_cast<std::uint16_t>(m_topo.port_of(above, link)));
  }
  out.links = static_cast<std::uint16_t>(m_up.size() + 2 + m_down.size());
  out.switches = 2;
  return true;
}

void Router::Search::set(int v, std::int32_t d) {
  if (!m_dense.empty()) {
    m_dense[static_cast<std::size_t>(v)] = d;
    return;
  }
  if (m_sparse.size() < kSparseMax) {
    m_sparse.emplace_back(v, d);
    return;
  }
  m_dense.assign(static_cast<std::size_t>(m_vertices), -1);
  for (const auto& [u, du] : m_sparse)
    m_dense[static_cast<std::size_t>(u)] = du;
  m_sparse = {};
  m_dense[static_cast<std::size_t>(v)] = d;
}

Router::Distances Router::distances(int tier, int dst, int until) {
  Distances out;
  // The chain: from the destination's vertex, on while a vertex has one way on besides the one it was
  // reached by (its only other neighbour, over any number of parallel links). The vertex where that stops
  // is the anchor: any way from elsewhere to the destination enters the chain through it.
  int v = m_vertex_base[static_cast<std::size_t>(m_topo.endpoint_node[static_cast<std::size_t>(dst)])];
  int prev = -1;
  for (;;) {
    neighbours(tier, v, m_scratch);
    int next = -1, ways = 0;
    bool single = true;
    for (const auto& [w, port] : m_scratch) {
      (void)port;
      if (w == prev) continue;
      if (next < 0) next = w;
      single = single && w == next;
      ++ways;
    }
    if (ways == 0 || !single || out.m_length == kMaxChain) break;
    out.m_chain[static_cast<std::size_t>(out.m_length++)] = v;
    prev = v;
    v = next;
  }
  const int anchor = v;
  auto& table = m_dist[static_cast<std::size_t>(tier)];
  auto it = table.find(anchor);
  if (it == table.end()) {
    Search fresh(m_vertices);
    fresh.set(anchor, 0);
    fresh.queue.push_back(anchor);
    it = table.emplace(anchor, std::move(fresh)).first;
  }
  out.m_search = &it->second;
  // A vertex of the chain has its distance already; the anchor's search labels the rest.
  for (int i = 0; i < out.m_length; ++i)
    if (out.m_chain[static_cast<std::size_t>(i)] == until) return out;
  // Breadth first from the anchor, only as far as `until`: when it is labelled at distance D, every
  // vertex closer than D has been (its level is complete), and a walk from it towards the destination looks
  // at nothing farther. The search resumes where it stopped when a farther vertex asks.
  Search& s = it->second;
  while (s.at(until) < 0 && s.head < s.queue.size()) {
    const int u = s.queue[s.head++];
    const std::int32_t d = s.at(u) + 1;
    neighbours(tier, u, m_scratch);
    for (const auto& [w, port] : m_scratch) {
      (void)port;
      if (s.at(w) >= 0) continue;
      s.set(w, d);
      s.queue.push_back(w);
    }
  }
  if (s.head == s.queue.size() && !s.queue.empty()) {  // searched out: the queue is no longer needed
    s.queue = {};
    s.head = 0;
  }
  return out;
}

bool Router::reachable(int src, int dst) {
  if (src == dst) return true;
  // Links are two-way and circuits join ports in pairs, so reachability is being in one connected component
  // of the tier's graph (as the distance tables, searched from the destination, already assume): one search
  // per tier instead of one per destination.
  const auto& label = components(tier_of(src, dst));
  const auto vertex = [&](int endpoint) {
    return m_vertex_base[static_cast<std::size_t>(m_topo.endpoint_node[static_cast<std::size_t>(endpoint)])];
  };
  const int a = label[static_cast<std::size_t>(vertex(src))];
  return a >= 0 && a == label[static_cast<std::size_t>(vertex(dst))];
}

const std::vector<int>& Router::components(int tier) {
  auto& label = m_components[static_cast<std::size_t>(tier)];
  if (!label.empty()) return label;
  label.assign(static_cast<std::size_t>(m_vertices), -1);
  std::vector<int> stack;
  std::vector<std::pair<int, int>> next;
  int count = 0;
  for (int start = 0; start < m_vertices; ++start) {
    if (label[static_cast<std::size_t>(start)] >= 0) continue;
    label[static_cast<std::size_t>(start)] = count;
    stack.push_back(start);
    while (!stack.empty()) {
      const int v = stack.back();
      stack.pop_back();
      neighbours(tier, v, next);
      for (const auto& [w, port] : next) {
        (void)port;
        if (label[static_cast<std::size_t>(w)] >= 0) continue;
        label[static_cast<std::size_t>(w)] = count;
        stack.push_back(w);
      }
    }
    ++count;
  }
  return label;
}

bool Router::user_route(int src, int dst, core::Route& out) const {
  for (const UserRoute& r : m_topo.user_routes) {
    if (r.src != src || r.dst != dst) continue;
    for (std::size_t k = 0; k + 1 < r.nodes.size(); ++k) {
      const TopoNode& n = m_topo.nodes[static_cast<std::size_t>(r.nodes[k])];
      int port = -1;
      for (std::size_t p = 0; p < n.ports.size() && port < 0; ++p)
        if (m_topo.other_end(n.ports[p], r.nodes[k]) == r.nodes[k + 1]) port = static_cast<int>(p);
      out.ports.push_back(static_cast<std::uint16_t>(port));
      ++out.links;
      if (k > 0 && n.kind == NodeKind::Switch) ++out.switches;
    }
    return true;
  }
  return false;
}

bool Router::dimension_order(int src, int dst, const TierInfo& tier, core::Route& out) const {
  const auto& dims = tier.dims;
  std::vector<int> stride(dims.size(), 1);
  for (std::size_t d = 1; d < dims.size(); ++d)
    stride[d] = stride[d - 1] * dims[d - 1];
  const int base = src / tier.domain * tier.domain;
  int cur = src;
  const int tier_index = static_cast<int>(&tier - m_topo.tiers.data());
  while (cur != dst) {
    const int c = cur - base, t = dst - base;
    std::size_t d = 0;
    while (d < dims.size() && (c / stride[d]) % dims[d] == (t / stride[d]) % dims[d])
      ++d;
    if (d == dims.size()) return false;
    const int size = dims[d];
    const int cd = (c / stride[d]) % size, td = (t / stride[d]) % size;
    const int delta = (td - cd + size) % size;
    const int step = delta <= size / 2 ? 1 : -1;  // the shorter way round; ties go the positive way
    const int next = cur + (((cd + step + size) % size) - cd) * stride[d];
    const TopoNode& n = m_topo.nodes[static_cast<std::size_t>(cur)];
    int port = -1;
    for (std::size_t p = 0; p < n.ports.size() && port < 0; ++p) {
      const int link = n.ports[p];
      if (m_topo.links[static_cast<std::size_t>(link)].tier == tier_index &&
          m_topo.other_end(link, cur) == next)
        port = static_cast<int>(p);
    }
    if (port < 0) return false;
    out.ports.push_back(static_cast<std::uint16_t>(port));
    ++out.links;
    cur = next;
  }
  return true;
}

int Router::pxn_proxy(int src, int dst, int tier) const {
  const TierInfo& info = m_topo.tiers[static_cast<std::size_t>(tier)];
  if (info.pxn_inner < 2 || src >= m_topo.ranks || dst >= m_topo.ranks) return -1;
  const int local_src = src % info.pxn_inner, local_dst = dst % info.pxn_inner;
  if (local_src / info.rail_width == local_dst / info.rail_width) return -1;  // one NIC: already on the rail
  return src - local_src + local_dst;
}

bool Router::route(int src, int dst, std::uint64_t hash, core::Route& out) {
  out.ports.clear();
  out.links = 0;
  out.switches = 0;
  if (src == dst) return false;
  if (!m_topo.user_routes.empty() && user_route(src, dst, out)) {
    if (m_link_down.empty() || !crosses_down(src, out)) return true;
    out.ports.clear();
    out.links = 0;
    out.switches = 0;
  }
  const int tier = tier_of(src, dst);
  const TierInfo& info = m_topo.tiers[static_cast<std::size_t>(tier)];
  // PXN: through the inner domain to the rank on dst's rail (which forwards), then along that rail.
  if (const int proxy = pxn_proxy(src, dst, tier); proxy >= 0) {
    core::Route rest;
    if (!route(src, proxy, hash, out) || !route(proxy, dst, hash, rest)) return false;
    out.ports.insert(out.ports.end(), rest.ports.begin(), rest.ports.end());
    out.links = static_cast<std::uint16_t>(out.links + rest.links);
    out.switches = static_cast<std::uint16_t>(out.switches + rest.switches);
    return true;
  }
  // A hybrid fabric: a circuit between the two leaves carries the flow; without one, packets do.
  if (info.bypass && src < m_topo.ranks && dst < m_topo.ranks && bypass_route(src, dst, tier, hash, out)) {
    if (m_link_down.empty() || !crosses_down(src, out)) return true;
    out.ports.clear();
    out.links = 0;
    out.switches = 0;
  }
  if (info.routing == "dimension_order" && info.kind == "torus" && src < m_topo.ranks && dst < m_topo.ranks) {
    const bool found = dimension_order(src, dst, info, out);
    if (m_link_down.empty() || (found && !crosses_down(src, out))) return found;
    out.ports.clear();
    out.links = 0;
    out.switches = 0;
  }
  int v = m_vertex_base[static_cast<std::size_t>(m_topo.endpoint_node[static_cast<std::size_t>(src)])];
  const Distances dist = distances(tier, dst, v);
  if (dist.at(v) <= 0) return false;
  const bool spread = info.routing == "ecmp" || info.routing == "spray" || info.routing == "adaptive";
  const int target =
      m_vertex_base[static_cast<std::size_t>(m_topo.endpoint_node[static_cast<std::size_t>(dst)])];
  walk(tier, dist, v, target, spread, hash, out);
  return true;
}

void Router::walk(int tier, const Distances& dist, int v, int target, bool spread, std::uint64_t hash,
                  core::Route& out) {
  while (v != target) {
    neighbours(tier, v, m_scratch);
    const std::int32_t want = dist.at(v) - 1;
    int candidates = 0;
    for (const auto& [w, port] : m_scratch)
      candidates += dist.at(w) == want;
    int pick = spread && candidates > 1 ? static_cast<int>(mix(hash ^ (static_cast<std::uint64_t>(v) << 32)) %
                                                           static_cast<std::uint64_t>(candidates))
                                        : 0;
    for (const auto& [w, port] : m_scratch) {
      if (dist.at(w) != want || pick-- > 0) continue;
      if (port >= 0) {
        out.ports.push_back(static_cast<std::uint16_t>(port));
        ++out.links;
      }
      v = w;
      break;
    }
    const TopoNode& n = m_topo.nodes[static_cast<std::size_t>(m_vertex_node[static_cast<std::size_t>(v)])];
    if (n.kind == NodeKind::Switch && v != target) ++out.switches;
  }
}

bool Router::shortest_ports(int node, int dst, std::vector<int>& out) {
  out.clear();
  const int tier = m_topo.nodes[static_cast<std::size_t>(node)].tier;
  const int v = m_vertex_base[static_cast<std::size_t>(node)];
  const Distances dist = distances(tier, dst, v);
  const std::int32_t here = dist.at(v);
  if (here <= 0) return false;
  neighbours(tier, v, m_scratch);
  for (const auto& [w, port] : m_scratch)
    if (port >= 0 && dist.at(w) == here - 1) out.push_back(port);
  return !out.empty();
}

bool Router::reroute(int node, int port, int dst, std::uint64_t hash, core::Route& route, std::size_t at) {
  const int tier = m_topo.nodes[static_cast<std::size_t>(node)].tier;
  const int link = m_topo.nodes[static_cast<std::size_t>(node)].ports[static_cast<std::size_t>(port)];
  const int next = vertex_of(m_topo.other_end(link, node), link);
  const int target =
      m_vertex_base[static_cast<std::size_t>(m_topo.endpoint_node[static_cast<std::size_t>(dst)])];
  const Distances dist = distances(tier, dst, next);
  if (dist.at(next) < 0) return false;
  m_tail.ports.clear();
  m_tail.links = 0;
  m_tail.switches = 0;
  walk(tier, dist, next, target, true, hash, m_tail);
  // Equal-cost: the new rest has as many hops as the old one, so the route's link and switch counts hold.
  if (at >= route.ports.size() || m_tail.ports.size() != route.ports.size() - at - 1) return false;
  route.ports[at] = static_cast<std::uint16_t>(port);
  std::copy(m_tail.ports.begin(), m_tail.ports.end(),
            route.ports.begin() + static_cast<std::ptrdiff_t>(at + 1));
  return true;
}

bool Router::split(int src, int dst, std::vector<SplitHop>& out) {
  out.clear();
  if (src == dst) return false;
  const int tier = tier_of(src, dst);
  // PXN: the whole flow crosses the inner domain to the proxy on dst's rail, and is split from there.
  if (const int proxy = pxn_proxy(src, dst, tier); proxy >= 0) {
    core::Route first;
    std::vector<SplitHop> rest;
    if (!route(src, proxy, 0, first) || !split(proxy, dst, rest)) return false;
    int node = m_topo.endpoint_node[static_cast<std::size_t>(src)];
    for (const auto port : first.ports) {
      out.push_back(SplitHop{node, port, 1.0});
      node = m_topo.other_end(m_topo.nodes[static_cast<std::size_t>(node)].ports[port], node);
    }
    out.insert(out.end(), rest.begin(), rest.end());
    return true;
  }
  int v = m_vertex_base[static_cast<std::size_t>(m_topo.endpoint_node[static_cast<std::size_t>(src)])];
  const Distances dist = distances(tier, dst, v);
  if (dist.at(v) <= 0) return false;
  // All of the flow follows the source's one way on (through its NIC, up to its leaf) until a vertex with
  // several ways closer to the destination: from there on, the split is that vertex's, whatever the source,
  // and it is kept (the sources below one leaf of a fat tree share it).
  std::int32_t d = dist.at(v);
  for (; d > 0; --d) {
    neighbours(tier, v, m_scratch);
    int candidates = 0, next = -1, port = -1;
    for (const auto& [w, p] : m_scratch) {
      if (dist.at(w) != d - 1) continue;
      ++candidates;
      next = w;
      port = p;
    }
    if (candidates != 1) break;
    if (port >= 0) out.push_back(SplitHop{m_vertex_node[static_cast<std::size_t>(v)], port, 1.0});
    v = next;
  }
  if (d == 0) return true;
  const std::uint64_t key = (static_cast<std::uint64_t>(tier) << 48) | (static_cast<std::uint64_t>(v) << 24) |
                            static_cast<std::uint64_t>(dst);
  auto kept = m_splits.find(key);
  if (kept == m_splits.end()) {
    std::vector<SplitHop> from;
    spread(tier, dist, v, from);
    constexpr std::size_t kMaxKeptHops = std::size_t{1} << 23;  // 128 MiB of hops at most
    if (m_split_hops + from.size() > kMaxKeptHops) {
      out.insert(out.end(), from.begin(), from.end());
      return true;
    }
    m_split_hops += from.size();
    kept = m_splits.emplace(key, std::move(from)).first;
  }
  out.insert(out.end(), kept->second.begin(), kept->second.end());
  return true;
}

void Router::spread(int tier, const Distances& dist, int start, std::vector<SplitHop>& out) {
  // Spread the flow layer by layer towards the destination: every vertex passes its share on to its
  // candidates (the neighbours one step closer) in equal parts, as per-packet spraying picks one of them
  // uniformly at each hop.
  if (m_share.size() != static_cast<std::size_t>(m_vertices))
    m_share.assign(static_cast<std::size_t>(m_vertices), 0.0);
  std::vector<int> layer{start}, next_layer;
  m_share[static_cast<std::size_t>(start)] = 1.0;
  for (std::int32_t d = dist.at(start); d > 0; --d) {
    next_layer.clear();
    for (int v : layer) {
      const double share = m_share[static_cast<std::size_t>(v)];
      m_share[static_cast<std::size_t>(v)] = 0.0;
      neighbours(tier, v, m_scratch);
      int candidates = 0;
      for (const auto& [w, port] : m_scratch)
        candidates += dist.at(w) == d - 1;
      for (const auto& [w, port] : m_scratch) {
        if (dist.at(w) != d - 1) continue;
        const double part = share / candidates;
        if (port >= 0) out.push_back(SplitHop{m_vertex_node[static_cast<std::size_t>(v)], port, part});
        if (m_share[static_cast<std::size_t>(w)] == 0.0) next_layer.push_back(w);
        m_share[static_cast<std::size_t>(w)] += part;
      }
    }
    layer.swap(next_layer);
  }
  for (int v : layer)
    m_share[static_cast<std::size_t>(v)] = 0.0;
}

void Router::set_link_down(int link, bool down) {
  if (m_link_down.empty()) m_link_down.assign(m_topo.links.size(), 0);
  m_link_down[static_cast<std::size_t>(link)] = down ? 1 : 0;
  forget();
}

bool Router::crosses_down(int src, const core::Route& route) const {
  int node = m_topo.endpoint_node[static_cast<std::size_t>(src)];
  for (std::uint16_t port : route.ports) {
    const TopoNode& n = m_topo.nodes[static_cast<std::size_t>(node)];
    if (port >= n.ports.size()) return false;
    const int link = n.ports[port];
    if (link_down(link)) return true;
    node = m_topo.other_end(link, node);
  }
  return false;
}

void Router::forget() {
  for (auto& d : m_dist)
    d.clear();
  for (auto& c : m_components)
    c.clear();
  m_splits.clear();
  m_split_hops = 0;
}

void Router::set_circuits(int node, const std::vector<int>& circuits) {
  m_circuits[static_cast<std::size_t>(node)] = circuits;
  const int tier = m_topo.nodes[static_cast<std::size_t>(node)].tier;
  if (tier >= 0) {
    m_dist[static_cast<std::size_t>(tier)].clear();
    m_components[static_cast<std::size_t>(tier)].clear();
    m_splits.clear();
    m_split_hops = 0;
  }
}

std::string Router::describe(int src, const core::Route& route) const {
  int node = m_topo.endpoint_node[static_cast<std::size_t>(src)];
  std::string out = m_topo.nodes[static_cast<std::size_t>(node)].name;
  for (std::uint16_t port : route.ports) {
    const TopoNode& n = m_topo.nodes[static_cast<std::size_t>(node)];
    if (port >= n.ports.size()) break;
    const int link = n.ports[port];
    node = m_topo.other_end(link, node);
    out += " -> " + m_topo.nodes[static_cast<std::size_t>(node)].name;
  }
  return out;
}

}  // namespace pjbit::platforms
