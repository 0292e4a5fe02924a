#include "platforms/platform.h"

#include <algorithm>
#include <sstream>

namespace pjbit::platforms {

std::string Platform::regime_of(int node) const {
  const TopoNode& n = m_topo.nodes[static_cast<std::size_t>(node)];
  if (n.kind == NodeKind::Switch && !n.sw.regime.empty()) return n.sw.regime;
  if (n.kind == NodeKind::Ocs && !n.ocs.regime.empty()) return n.ocs.regime;
  for (int l : n.ports) {
    const TopoLink& link = m_topo.links[static_cast<std::size_t>(l)];
    if (!link.internal && !link.spec.regime.empty()) return link.spec.regime;
  }
  return "";
}

bool Platform::route(int src, int dst, std::uint64_t hash, core::Route& out) {
  const Policy policy = m_tier_policy[static_cast<std::size_t>(m_router.tier_of(src, dst))];
  if (policy != Policy::Fixed) return m_router.route(src, dst, hash, out);
  const std::uint64_t key = static_cast<std::uint64_t>(src) * static_cast<std::uint64_t>(endpoints()) +
                            static_cast<std::uint64_t>(dst);
  const auto it = m_route_cache.find(key);
  if (it != m_route_cache.end()) {
    out = it->second;
    return true;
  }
  if (!m_router.route(src, dst, hash, out)) return false;
  // A bound on the memory of all-pairs traffic on a large fabric: past it, routes are computed each time.
  constexpr std::size_t kMaxCachedRoutes = 1u << 20;
  if (m_route_cache.size() < kMaxCachedRoutes) m_route_cache.emplace(key, out);
  return true;
}

void Platform::set_link_down(int link, bool down) {
  m_router.set_link_down(link, down);
  m_route_cache.clear();
  ++m_route_generation;
}

void Platform::choose(int node, core::FabricExtension& ext) {
  if (ext.route != &ext.own_route || ext.hop >= ext.own_route.ports.size()) return;
  if (!m_router.shortest_ports(node, ext.dst, m_choices) || m_choices.size() < 2) return;
  core::Route& route = ext.own_route;
  const int planned = route.ports[ext.hop];
  const TopoNode& n = m_topo.nodes[static_cast<std::size_t>(node)];
  const auto backlog = [&](int port) {
    const int l = n.ports[static_cast<std::size_t>(port)];
    const int dir = m_topo.links[static_cast<std::size_t>(l)].a == node ? 0 : 1;
    return m_link_modules[static_cast<std::size_t>(l)]->backlog(dir);
  };
  if (std::find(m_choices.begin(), m_choices.end(), planned) == m_choices.end()) return;  // not a walk's
  int best = planned;
  std::size_t least = backlog(planned);
  for (const int port : m_choices) {
    if (least == 0) break;  // an idle output: nothing is shorter
    const std::size_t q = backlog(port);
    if (q < least) {
      least = q;
      best = port;
    }
  }
  if (best == planned) return;
  // The rest of the way from the chosen port: the later switches choose again as the packet reaches them.
  const std::uint64_t hash = ext.flow ^ (static_cast<std::uint64_t>(ext.sent) * 0x9e3779b97f4a7c15ull);
  m_router.reroute(node, best, ext.dst, hash, route, ext.hop);
}

std::string Platform::describe() const {
  std::ostringstream ss;
  ss << "platform " << m_spec.name << ": " << ranks() << " ranks";
  if (m_spec.flat()) {
    ss << ", " << m_spec.tiers[0].kind << "\n";
  } else {
    ss << " in " << m_spec.tiers.size() << " tiers\n";
  }
  ss << "  accelerators: " << ranks() << " (" << m_spec.accelerator.compute_flops / 1e12
     << " TFLOP/s each)\n";
  for (std::size_t t = 0; t < m_topo.tiers.size(); ++t) {
    const TierInfo& tier = m_topo.tiers[t];
    const TopologySpec& ts = m_spec.tiers[t];
    int links = 0, switches = 0, ocs = 0, nics = 0, ports = 0;
    for (const auto& l : m_topo.links)
      links += l.tier == static_cast<int>(t) && !l.internal;
    for (const auto& n : m_topo.nodes) {
      if (n.tier != static_cast<int>(t)) continue;
      switches += n.kind == NodeKind::Switch;
      ocs += n.kind == NodeKind::Ocs;
      nics += n.kind == NodeKind::Nic;
      if (n.kind == NodeKind::Switch || n.kind == NodeKind::Ocs) ports += static_cast<int>(n.ports.size());
    }
    ss << "  tier " << tier.name << ": " << tier.kind << " over " << tier.domain << " ranks x "
       << ranks() / tier.domain << ", routing " << tier.routing << "\n";
    ss << "    links:    " << links << " full duplex, " << ts.link.bandwidth_Bps / 1e9
       << " GB/s per direction, " << ts.link.total_latency_s() * 1e9 << " ns, " << ts.link.energy_pj_per_bit()
       << " pJ/bit";
    if (ts.link.total_static_power_w() > 0.0) ss << ", " << ts.link.total_static_power_w() << " W static";
    ss << "\n";
    ss << "    switches: " << switches;
    if (switches > 0) ss << " (radix " << ts.sw.radix << ")";
    ss << ", OCS: " << ocs << ", NICs: " << nics << "\n";
    ss << "    ports:    " << ports << " switch and OCS ports in use\n";
  }
  if (m_topo.racks() > 0) {
    ss << "  racks: " << m_topo.accelerator_racks << " accelerator rack"
       << (m_topo.accelerator_racks == 1 ? "" : "s") << " of up to " << m_spec.racks.accelerators_per_rack
       << " accelerators";
    if (m_topo.network_racks > 0)
      ss << ", " << m_topo.network_racks << " network rack" << (m_topo.network_racks == 1 ? "" : "s");
    ss << ", " << m_spec.racks.cooling << " cooled\n";
  }
  for (const ModuleSpec* m : placed_modules(m_spec))
    ss << "  module: " << m->path << ": " << m->kind << "\n";
  return ss.str();
}

}  // namespace pjbit::platforms
