#include "platforms/builder.h"

#include <map>
#include <sstream>

#include "core/errors.h"

namespace pjbit::platforms {

link::Params link_params(const LinkSpec& spec, bool priorities) {
  link::Params p;
  p.bandwidth_Bps = spec.bandwidth_Bps;
  p.latency_s = spec.total_latency_s();
  p.overhead = spec.overhead;
  p.static_power_w = spec.static_power_w;
  p.priorities = priorities;
  for (const auto& e : spec.stack) {
    link::StackCost c;
    c.category = core::category_from_name(e.category).value_or(core::Category::Serdes);
    c.energy_pj_per_bit = e.energy_pj_per_bit * e.count;
    c.power_w = e.power_w * e.count;
    p.stack.push_back(c);
  }
  const double laser_w = spec.optics.laser_electrical_power_w();
  if (spec.optics.present && laser_w > 0.0) {
    link::StackCost c;
    c.category = core::Category::Laser;
    c.power_w = laser_w;
    p.stack.push_back(c);
  }
  return p;
}

core::ClassArbitration class_arbitration(const SchedulerSpec& spec) {
  core::ClassArbitration a;
  a.rule = !spec.priorities                 ? core::ClassRule::None
           : spec.arbitration == "weighted" ? core::ClassRule::Weighted
                                            : core::ClassRule::Strict;
  a.weights = spec.weights;
  return a;
}

fabric_switch::Params switch_params(const SwitchSpec& spec) {
  fabric_switch::Params p;
  p.latency_s = spec.latency_s;
  p.energy_pj_per_bit = spec.energy_pj_per_bit;
  p.static_power_w = spec.static_power_w;
  p.radix = spec.radix;
  p.store_and_forward = spec.store_and_forward;
  return p;
}

ocs::Params ocs_params(const OcsSpec& spec) {
  ocs::Params p;
  p.ports = spec.ports;
  p.reconfiguration_s = spec.reconfiguration_s;
  p.insertion_loss_db = spec.insertion_loss_db;
  p.power_w = spec.power_w;
  return p;
}

nic::Params nic_params(const NicSpec& spec) {
  nic::Params p;
  p.latency_s = spec.latency_s;
  p.energy_pj_per_bit = spec.energy_pj_per_bit;
  p.static_power_w = spec.static_power_w;
  return p;
}

namespace {
// engine: auto runs packets up to this many ranks and flows above (docs/engines.md).
constexpr int kAutoFlowRanks = 64;

// SystemC names allow letters, digits and '_': "scale_out.leaf3" becomes "scale_out_leaf3".
std::string module_name(const std::string& name) {
  std::string out = name;
  for (char& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  return out;
}
}  // namespace

Platform::Platform(const sc_core::sc_module_name& name, const PlatformSpec& spec, bool direct)
    : sc_core::sc_module(name),
      m_spec(spec),
      m_direct(direct),
      m_topo(make_topology(spec)),
      m_router(m_topo) {
  for (const auto& tier : m_topo.tiers)
    m_tier_policy.push_back(tier.routing == "spray"  ? Policy::Spray
                            : tier.routing == "ecmp" ? Policy::Ecmp
                                                     : Policy::Fixed);
  accelerator::Params ap;
  ap.compute_flops = spec.accelerator.compute_flops;
  ap.router_latency_s = spec.accelerator.router_latency_s;
  ap.packet_bytes = spec.packet_bytes;
  ap.priorities = spec.scheduler.priorities;
  ap.arbitration = class_arbitration(spec.scheduler);
  ap.hbm.bandwidth_Bps = spec.accelerator.hbm.bandwidth_Bps;
  ap.hbm.latency_s = spec.accelerator.hbm.latency_s;
  ap.hbm.energy_pj_per_bit = spec.accelerator.hbm.energy_pj_per_bit;
  ap.hbm.capacity_bytes = spec.accelerator.hbm.capacity_bytes;
  const double idle_w = spec.accelerator.idle_power_w;
  const double compute_w = spec.accelerator.compute_power_w > 0.0 ? spec.accelerator.compute_power_w : idle_w;
  m_node_module.assign(m_topo.nodes.size(), nullptr);
  for (std::size_t n = 0; n < m_topo.nodes.size(); ++n) {
    const TopoNode& node = m_topo.nodes[n];
    const std::string mname = module_name(node.name);
    switch (node.kind) {
      case NodeKind::Rank:
      case NodeKind::Pool:
      case NodeKind::Reducer: {
        // Pools and reduction engines are endpoints too: they send and receive with the same NIC model, but
        // only accelerators draw accelerator power.
        ap.rank = node.rank;
        ap.idle_power_w = node.kind == NodeKind::Rank ? idle_w : 0.0;
        ap.compute_power_w = node.kind == NodeKind::Rank ? compute_w : 0.0;
        const std::string ename = node.kind == NodeKind::Rank ? "r" + std::to_string(node.rank) : mname;
        auto acc = std::make_unique<accelerator::Accelerator>(ename.c_str(), ap, *this, m_pool);
        m_node_module[n] = acc.get();
        if (node.kind == NodeKind::Rank) {
          m_accelerators.push_back(std::move(acc));
        } else {
          m_other_endpoints.push_back(std::move(acc));
        }
        break;
      }
      case NodeKind::Switch:
        m_switches.push_back(std::make_unique<fabric_switch::Switch>(mname.c_str(), switch_params(node.sw)));
        m_node_module[n] = m_switches.back().get();
        break;
      case NodeKind::Ocs: {
        auto params = ocs_params(node.ocs);
        m_ocs.push_back(std::make_unique<ocs::Ocs>(mname.c_str(), params));
        m_ocs.back()->set_circuits(m_topo.circuits[n]);
        m_ocs_nodes.push_back(static_cast<int>(n));
        ocs::Ocs* o = m_ocs.back().get();
        const int node_id = static_cast<int>(n);
        // Routes follow the circuits as they are once a reconfiguration completes.
        o->on_reconfigured([this, o, node_id] {
          std::vector<int> map(static_cast<std::size_t>(o->ports()));
          for (int p = 0; p < o->ports(); ++p)
            map[static_cast<std::size_t>(p)] = o->circuit(p);
          m_router.set_circuits(node_id, map);
          m_route_cache.clear();
          ++m_route_generation;
        });
        m_node_module[n] = o;
        break;
      }
      case NodeKind::Nic:
        m_nics.push_back(std::make_unique<nic::Nic>(mname.c_str(), nic_params(node.nic)));
        m_node_module[n] = m_nics.back().get();
        break;
    }
  }
  std::map<std::string, int> seen;
  for (std::size_t i = 0; i < m_topo.links.size(); ++i) {
    const TopoLink& l = m_topo.links[i];
    link::Params lp = link_params(l.spec, spec.scheduler.priorities);
    lp.arbitration = class_arbitration(spec.scheduler);
    if (l.internal) {
      lp.stack.clear();
      lp.fabric = false;
    } else if (spec.link_sleep.enabled) {
      lp.sleep_after_s = spec.link_sleep.after_s;
      lp.wake_s = spec.link_sleep.wake_s;
      lp.sleep_power = spec.link_sleep.power_fraction;
    }
    m_link_modules.push_back(std::make_unique<link::Link>(("l" + std::to_string(i)).c_str(), lp));
    LinkInfo info;
    info.link = m_link_modules.back().get();
    info.tier = m_topo.tiers[static_cast<std::size_t>(l.tier)].name;
    info.regime = l.spec.regime;
    info.internal = l.internal;
    const std::string a = m_topo.nodes[static_cast<std::size_t>(l.a)].name;
    const std::string b = m_topo.nodes[static_cast<std::size_t>(l.b)].name;
    info.id[0] = a + "->" + b;
    info.id[1] = b + "->" + a;
    // Parallel links between the same pair of nodes get a suffix.
    const std::string key = std::min(a, b) + "|" + std::max(a, b);
    const int count = seen[key]++;
    if (count > 0) {
      info.id[0] += "#" + std::to_string(count);
      info.id[1] += "#" + std::to_string(count);
    }
    m_links.push_back(info);
  }
  bind_all();
  for (int e = 0; e < m_topo.endpoints(); ++e)
    m_endpoints.push_back(static_cast<accelerator::Accelerator*>(
        m_node_module[static_cast<std::size_t>(m_topo.endpoint_node[static_cast<std::size_t>(e)])]));
  m_engine = spec.engine == "flow" || (spec.engine == "auto" && ranks() > kAutoFlowRanks) ? "flow" : "packet";
  if (m_engine == "flow") {
    m_flows =
        std::make_unique<FlowNetwork>(*this, spec.scheduler.priorities, class_arbitration(spec.scheduler));
    for (int e = 0; e < endpoints(); ++e)
      endpoint(e).set_flow_fabric(m_flows.get());
  }
}

Platform::~Platform() {
  // SystemC finds a port or export to unregister by a search from the newest: tearing the modules down
  // newest first (links, then nodes from the last) makes each removal immediate instead of a walk over
  // every port of the fabric.
  m_flows.reset();
  while (!m_link_modules.empty())
    m_link_modules.pop_back();
  for (std::size_t n = m_topo.nodes.size(); n-- > 0;) {
    switch (m_topo.nodes[n].kind) {
      case NodeKind::Rank:
        m_accelerators.pop_back();
        break;
      case NodeKind::Pool:
      case NodeKind::Reducer:
        m_other_endpoints.pop_back();
        break;
      case NodeKind::Switch:
        m_switches.pop_back();
        break;
      case NodeKind::Ocs:
        m_ocs.pop_back();
        break;
      case NodeKind::Nic:
        m_nics.pop_back();
        break;
    }
  }
}

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

power::Inventory Platform::inventory() const {
  using power::ComponentKind;
  power::Inventory inv;
  for (int r = 0; r < m_topo.racks(); ++r)
    inv.racks.push_back(m_topo.rack_name(r));
  inv.accelerator_racks = m_topo.accelerator_racks;
  auto add_energy = [](power::ComponentRecord& rec, sc_core::sc_object* root) {
    core::for_each_component(
        [&](core::Component& c) {
          for (std::size_t i = 0; i < core::kNumCategories; ++i) {
            rec.dynamic_j[i] += c.energy().dynamic_j()[i];
            rec.static_w[i] += c.energy().static_w()[i];
          }
        },
        root);
  };
  for (std::size_t i = 0; i < m_topo.nodes.size(); ++i) {
    const TopoNode& n = m_topo.nodes[i];
    power::ComponentRecord rec;
    rec.name = n.name;
    rec.rack[0] = n.rack;
    switch (n.kind) {
      case NodeKind::Rank:
        rec.kind = ComponentKind::Accelerator;
        rec.rank = n.rank;
        break;
      case NodeKind::Switch:
        rec.kind = ComponentKind::Switch;
        break;
      case NodeKind::Ocs:
        rec.kind = ComponentKind::Ocs;
        break;
      case NodeKind::Nic:
        rec.kind = ComponentKind::Nic;
        break;
      case NodeKind::Pool:
        rec.kind = ComponentKind::Pool;
        break;
      case NodeKind::Reducer:
        rec.kind = ComponentKind::Reducer;
        break;
    }
    if (n.kind != NodeKind::Rank && n.tier >= 0)
      rec.tier = m_topo.tiers[static_cast<std::size_t>(n.tier)].name;
    if (n.kind == NodeKind::Switch || n.kind == NodeKind::Ocs || n.kind == NodeKind::Nic)
      rec.regime = regime_of(static_cast<int>(i));
    if (n.kind == NodeKind::Switch || n.kind == NodeKind::Ocs) {
      int links = 0;
      for (int l : n.ports)
        links += !m_topo.links[static_cast<std::size_t>(l)].internal;
      rec.faceplate_ports =
          n.kind == NodeKind::Switch && n.sw.faceplate_ports > 0 ? n.sw.faceplate_ports : links;
    }
    add_energy(rec, m_node_module[i]);
    inv.components.push_back(rec);
  }
  for (std::size_t i = 0; i < m_topo.links.size(); ++i) {
    const TopoLink& l = m_topo.links[i];
    const LinkInfo& info = m_links[i];
    power::ComponentRecord rec;
    rec.kind = ComponentKind::Link;
    rec.name = info.id[0];
    rec.tier = info.tier;
    rec.regime = l.spec.regime;
    rec.ends[0] = l.a;
    rec.ends[1] = l.b;
    rec.rack[0] = m_topo.nodes[static_cast<std::size_t>(l.a)].rack;
    rec.rack[1] = m_topo.nodes[static_cast<std::size_t>(l.b)].rack;
    rec.internal = l.internal;
    rec.bandwidth_Bps = l.spec.bandwidth_Bps;
    rec.bandwidth_density_Bps_per_m = l.spec.bandwidth_density_Bps_per_m;
    // An accelerator's attachment to its NIC leaves the package through the NIC's host interface.
    for (int end : {l.a, l.b}) {
      const TopoNode& n = m_topo.nodes[static_cast<std::size_t>(end)];
      if (l.internal && n.kind == NodeKind::Nic)
        rec.bandwidth_density_Bps_per_m = n.nic.bandwidth_density_Bps_per_m;
    }
    add_energy(rec, info.link);
    rec.static_saved_j = info.link->sleep_saved_j();
    inv.components.push_back(rec);
  }
  return inv;
}

void Platform::bind_all() {
  for (std::size_t n = 0; n < m_topo.nodes.size(); ++n) {
    const TopoNode& node = m_topo.nodes[n];
    for (std::size_t port = 0; port < node.ports.size(); ++port) {
      const int link_id = node.ports[port];
      const TopoLink& l = m_topo.links[static_cast<std::size_t>(link_id)];
      link::Link& link = *m_link_modules[static_cast<std::size_t>(link_id)];
      // A link between a node and itself never occurs; a node is end a when it is l.a.
      const bool end_a = l.a == static_cast<int>(n);
      auto& link_in = end_a ? link.a_in : link.b_in;
      auto& link_out = end_a ? link.a_out : link.b_out;
      // The node's port p is binding p of its `in` and `out` (ports are bound in order). Packets it sends
      // travel the link's direction `from`; those of direction `to` reach it.
      const int p = static_cast<int>(port);
      const int from = end_a ? 0 : 1, to = 1 - from;
      const auto bind = [&](auto* m) {
        m->out.bind(link_in);
        link_out.bind(m->in);
        if (!m_direct) return;
        m->direct_out(p, link.forward_call(from));
        link.set_deliver(to, m->forward_call(p));
        link.set_credit(from, m->backward_call(p));
      };
      switch (node.kind) {
        case NodeKind::Rank:
        case NodeKind::Pool:
        case NodeKind::Reducer:
          bind(static_cast<accelerator::Accelerator*>(m_node_module[n]));
          break;
        case NodeKind::Switch:
          bind(static_cast<fabric_switch::Switch*>(m_node_module[n]));
          break;
        case NodeKind::Ocs:
          bind(static_cast<ocs::Ocs*>(m_node_module[n]));
          break;
        case NodeKind::Nic: {
          auto* m = static_cast<nic::Nic*>(m_node_module[n]);
          bind(m);
          if (m_direct) m->direct_in_back(p, link.backward_call());
          break;
        }
      }
    }
  }
}

bool Platform::route(int src, int dst, std::uint64_t hash, core::Route& out) {
  if (m_tier_policy[static_cast<std::size_t>(m_router.tier_of(src, dst))] != Policy::Fixed)
    return m_router.route(src, dst, hash, out);
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
  return ss.str();
}

}  // namespace pjbit::platforms
