#include "platforms/platform.h"

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
  if (policy == Policy::Adaptive) return adaptive_route(src, dst, hash, out);
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

bool Platform::adaptive_route(int src, int dst, std::uint64_t hash, core::Route& out) {
  constexpr int kCandidates = 16;
  std::size_t best = ~std::size_t{0};
  for (int k = 0; k < kCandidates; ++k) {
    // Candidate hashes: the packet's, then others derived from it (splitmix64 steps).
    std::uint64_t h = hash + static_cast<std::uint64_t>(k) * 0x9e3779b97f4a7c15ull;
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
    h ^= h >> 31;
    if (!m_router.route(src, dst, k == 0 ? hash : h, m_candidate)) return false;
    const std::size_t q = first_switch_queue(src, m_candidate);
    if (q < best) {  // ties keep the earlier candidate: the packet's own hash first
      best = q;
      out = m_candidate;
      if (q == 0) break;  // an idle output: nothing is shorter
    }
  }
  return true;
}

std::size_t Platform::first_switch_queue(int src, const core::Route& route) const {
  int node = m_topo.endpoint_node[static_cast<std::size_t>(src)];
  for (const std::uint16_t port : route.ports) {
    const TopoNode& n = m_topo.nodes[static_cast<std::size_t>(node)];
    const int l = n.ports[port];
    const TopoLink& link = m_topo.links[static_cast<std::size_t>(l)];
    const int dir = link.a == node ? 0 : 1;
    if (n.kind == NodeKind::Switch) return m_link_modules[static_cast<std::size_t>(l)]->queued(dir);
    node = dir == 0 ? link.b : link.a;
  }
  return 0;
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
