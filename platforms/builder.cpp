#include "platforms/platform.h"

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

link::FlowControl flow_control_params(const FlowControlSpec& spec, std::uint64_t packet_bytes) {
  link::FlowControl fc;
  fc.mode = spec.mode == "credit"  ? link::FlowControl::Mode::Credit
            : spec.mode == "pfc"   ? link::FlowControl::Mode::Pfc
            : spec.mode == "lossy" ? link::FlowControl::Mode::Lossy
                                   : link::FlowControl::Mode::Off;
  fc.buffer_bytes = spec.buffer_bytes;
  fc.xoff_bytes = spec.xoff_bytes;
  fc.xon_bytes = spec.xon_bytes;
  fc.packet_bytes = packet_bytes;
  fc.retransmit_s = spec.retransmit_s;
  fc.ecn = spec.ecn;
  fc.ecn_kmin_bytes = spec.ecn_kmin_bytes;
  fc.ecn_kmax_bytes = spec.ecn_kmax_bytes;
  fc.ecn_pmax = spec.ecn_pmax;
  return fc;
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

memory_pool::Params pool_params(const MemoryPoolSpec& spec) {
  memory_pool::Params p;
  p.bandwidth_Bps = spec.bandwidth_Bps;
  p.latency_s = spec.latency_s;
  p.energy_pj_per_bit = spec.energy_pj_per_bit;
  p.capacity_bytes = spec.capacity_bytes;
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

// SystemC names allow letters, digits and '_': "scale_out.leaf3" becomes "scale_out_leaf3".
std::string module_name(const std::string& name) {
  std::string out = name;
  for (char& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  return out;
}
}  // namespace

Platform::Platform(const sc_core::sc_module_name& name, const PlatformSpec& spec, bool direct)
    : Platform(name, spec, std::make_shared<const Topology>(make_topology(spec)), direct) {}

Platform::Platform(const sc_core::sc_module_name& name, const PlatformSpec& spec,
                   std::shared_ptr<const Topology> topology, bool direct)
    : sc_core::sc_module(name),
      m_spec(spec),
      m_direct(direct),
      m_topo_shared(std::move(topology)),
      m_topo(*m_topo_shared),
      m_router(m_topo) {
  // The first child modules, before every module of the fabric (see ~Platform).
  for (std::size_t i = 0; i < m_teardown_first.size(); ++i)
    m_teardown_first[i] = std::make_unique<TeardownFirst>(("teardown_first" + std::to_string(i)).c_str());
  for (const auto& tier : m_topo.tiers)
    m_tier_policy.push_back(tier.routing == "spray"      ? Policy::Spray
                            : tier.routing == "adaptive" ? Policy::Adaptive
                            : tier.routing == "ecmp"     ? Policy::Ecmp
                                                         : Policy::Fixed);
  accelerator::Params ap;
  ap.compute_flops = spec.accelerator.compute_flops;
  ap.router_latency_s = spec.accelerator.router_latency_s;
  ap.packet_bytes = spec.packet_bytes;
  ap.priorities = spec.scheduler.priorities;
  ap.arbitration = class_arbitration(spec.scheduler);
  for (const auto& tier : spec.tiers) {
    if (tier.congestion_control.scheme == "none") continue;
    for (const auto& t : spec.tiers)
      ap.congestion_control.push_back(t.congestion_control);
    break;
  }
  ap.hbm.bandwidth_Bps = spec.accelerator.hbm.bandwidth_Bps;
  ap.hbm.latency_s = spec.accelerator.hbm.latency_s;
  ap.hbm.energy_pj_per_bit = spec.accelerator.hbm.energy_pj_per_bit;
  ap.hbm.capacity_bytes = spec.accelerator.hbm.capacity_bytes;
  const double idle_w = spec.accelerator.idle_power_w;
  const double compute_w = spec.accelerator.compute_power_w > 0.0 ? spec.accelerator.compute_power_w : idle_w;
  m_node_module.assign(m_topo.nodes.size(), NodeModule{});
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
        m_node_module[n].module = m_node_module[n].endpoint = acc.get();
        if (node.kind == NodeKind::Rank) {
          m_accelerators.push_back(std::move(acc));
        } else {
          m_other_endpoints.push_back(std::move(acc));
        }
        if (node.kind == NodeKind::Pool) {
          const std::string media = mname + "_media";
          m_pool_media.push_back(std::make_unique<memory_pool::Media>(media.c_str(), pool_params(node.pool)));
          memory_pool::Media* m = m_pool_media.back().get();
          m_node_module[n].media = m;
          if (node.pool.device.placed()) {
            // The pool's memory of a registered kind, read and written by b_transport.
            ModuleArgs args(mname + "_device", node.pool.device, m_spec);
            args.pool = &node.pool;
            MemoryDevice* device =
                keep(ModuleRegistry::instance().make_device(node.pool.device, args), static_cast<int>(n), -1);
            m->device.bind(device->device_in());
            m->set_quantum(node.pool.quantum_s);
          }
        }
        break;
      }
      case NodeKind::Switch:
        if (node.sw.model.placed()) {
          ModuleArgs args(mname, node.sw.model, m_spec);
          ForwardingNode* f =
              keep(ModuleRegistry::instance().make_node(node.sw.model, args), static_cast<int>(n), -1);
          m_node_module[n].module = m_node_module[n].node = f;
          break;
        }
        m_switches.push_back(std::make_unique<fabric_switch::Switch>(mname.c_str(), switch_params(node.sw)));
        m_node_module[n].module = m_node_module[n].sw = m_switches.back().get();
        if (node.tier >= 0 && m_tier_policy[static_cast<std::size_t>(node.tier)] == Policy::Adaptive)
          m_switches.back()->set_adaptive(this, static_cast<int>(n));
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
        m_node_module[n].module = m_node_module[n].ocs = o;
        break;
      }
      case NodeKind::Nic:
        if (node.nic.model.placed()) {
          ModuleArgs args(mname, node.nic.model, m_spec);
          ForwardingNode* f =
              keep(ModuleRegistry::instance().make_node(node.nic.model, args), static_cast<int>(n), -1);
          m_node_module[n].module = m_node_module[n].node = f;
          break;
        }
        m_nics.push_back(std::make_unique<nic::Nic>(mname.c_str(), nic_params(node.nic)));
        m_node_module[n].module = m_node_module[n].nic = m_nics.back().get();
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
    // Flow control on the tier's fabric links (an accelerator's attachment to its NIC has none).
    const FlowControlSpec& fcs = spec.tiers[static_cast<std::size_t>(l.tier)].flow_control;
    if (!l.internal && fcs.on()) lp.flow_control = flow_control_params(fcs, spec.packet_bytes);
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
    m_endpoints.push_back(endpoint_at(m_topo.endpoint_node[static_cast<std::size_t>(e)]));
}

Platform::~Platform() {
  // SystemC finds a port or export to unregister by a search from the newest: tearing the modules down
  // newest first (modules of registered kinds, links, then nodes from the last) makes each removal
  // immediate instead of a walk over every port of the fabric. A module it finds by a search from the
  // oldest, in its registry of modules and in this platform's children, and moves the newest into the hole.
  // So the first children, modules without ports, go first: each takes the newest module of the registry
  // into its place. The first of those may be modules made after the fabric that outlive it (SystemC's own
  // kernel module, made when the simulation starts, or a test bench's); once they have moved to the front,
  // the fabric's newest modules take the next places, and from then on the module to remove is always
  // among them. Without this each module's removal walked every module of the fabric twice: half of
  // `pjbit validate` at 16,384 ranks, and more of a run.
  for (auto& first : m_teardown_first)
    first.reset();
  while (!m_user_modules.empty())
    m_user_modules.pop_back();
  while (!m_link_modules.empty())
    m_link_modules.pop_back();
  for (std::size_t n = m_topo.nodes.size(); n-- > 0;) {
    switch (m_topo.nodes[n].kind) {
      case NodeKind::Rank:
        m_accelerators.pop_back();
        break;
      case NodeKind::Pool:
        m_pool_media.pop_back();
        m_other_endpoints.pop_back();
        break;
      case NodeKind::Reducer:
        m_other_endpoints.pop_back();
        break;
      case NodeKind::Switch:
        if (!m_topo.nodes[n].sw.model.placed()) m_switches.pop_back();
        break;
      case NodeKind::Ocs:
        m_ocs.pop_back();
        break;
      case NodeKind::Nic:
        if (!m_topo.nodes[n].nic.model.placed()) m_nics.pop_back();
        break;
    }
  }
}

template <typename M>
M* Platform::keep(std::unique_ptr<M> module, int node, int link) {
  M* m = module.get();
  m_placed.push_back({m, node, link});
  if (auto* source = dynamic_cast<core::SignalSource*>(m)) m_signal_sources.push_back(source);
  m_user_modules.push_back(std::move(module));
  return m;
}

template <typename Target>
bool Platform::bind_arrivals(int link_id, int dir, tlm::tlm_initiator_socket<>& link_out, Target& target) {
  const TopoLink& l = m_topo.links[static_cast<std::size_t>(link_id)];
  if (l.internal || l.spec.blocks.empty()) {
    link_out.bind(target);
    return true;
  }
  // The link's blocks, in order, between its wire and the node: link -> block 0 -> ... -> block k -> node.
  const LinkInfo& info = m_links[static_cast<std::size_t>(link_id)];
  tlm::tlm_initiator_socket<>* from = &link_out;
  for (std::size_t b = 0; b < l.spec.blocks.size(); ++b) {
    const ModuleSpec& spec = l.spec.blocks[b];
    const std::string name = "l" + std::to_string(link_id) + (dir == 0 ? "_ab_" : "_ba_") +
                             std::to_string(b) + "_" + module_name(spec.kind);
    ModuleArgs args(name, spec, m_spec);
    args.link = &info.link->params();
    args.link_id = info.id[dir];
    args.direction = dir;
    LinkBlock* block = keep(ModuleRegistry::instance().make_link_block(spec, args), -1, link_id);
    from->bind(block->block_in());
    from = &block->block_out();
  }
  from->bind(target);
  return false;
}

void Platform::place_arbiters(int node) {
  const TopoNode& n = m_topo.nodes[static_cast<std::size_t>(node)];
  const std::string mname = module_name(n.name);
  for (std::size_t port = 0; port < n.ports.size(); ++port) {
    const int link_id = n.ports[port];
    const TopoLink& l = m_topo.links[static_cast<std::size_t>(link_id)];
    const int from = l.a == node ? 0 : 1;  // the direction this port drives
    const LinkInfo& info = m_links[static_cast<std::size_t>(link_id)];
    ModuleArgs args(mname + "_port" + std::to_string(port) + "_arbiter", n.sw.arbiter, m_spec);
    args.link = &info.link->params();
    args.link_id = info.id[from];
    args.direction = from;
    std::unique_ptr<PortArbiter> made = ModuleRegistry::instance().make_arbiter(n.sw.arbiter, args);
    if (!made) return;  // the links' own arbitration
    info.link->set_port_arbiter(from, keep(std::move(made), node, -1));
  }
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
        const bool delivers = bind_arrivals(link_id, to, link_out, m->in);
        if (!m_direct) return;
        m->direct_out(p, link.forward_call(from));
        if (delivers) link.set_deliver(to, m->forward_call(p));
        link.set_credit(from, m->backward_call(p));
      };
      // A switch or NIC of a registered kind: through its sockets.
      if (ForwardingNode* f = m_node_module[n].node) {
        f->node_out().bind(link_in);
        bind_arrivals(link_id, to, link_out, f->node_in());
        continue;
      }
      switch (node.kind) {
        case NodeKind::Rank:
        case NodeKind::Pool:
        case NodeKind::Reducer:
          bind(m_node_module[n].endpoint);
          break;
        case NodeKind::Switch:
          bind(m_node_module[n].sw);
          break;
        case NodeKind::Ocs:
          bind(m_node_module[n].ocs);
          break;
        case NodeKind::Nic: {
          nic::Nic* m = m_node_module[n].nic;
          bind(m);
          if (m_direct) m->direct_in_back(p, link.backward_call());
          break;
        }
      }
    }
    if (node.kind == NodeKind::Switch && node.sw.arbiter.placed()) place_arbiters(static_cast<int>(n));
  }
}

}  // namespace pjbit::platforms
