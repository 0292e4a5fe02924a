// A platform as elaborated SystemC modules: one module per topology node (accelerators, switches, OCSes,
// NICs, memory pools' and reducers' endpoints) and per link, their sockets bound in port order, and the
// routes between endpoints (platforms/routing.h). The constructor elaborates (builder.cpp); the engine runs
// time over it and chooses the transport (engine/).
#pragma once

#include <array>
#include <memory>
#include <string>
#include <systemc>
#include <unordered_map>
#include <vector>

#include "core/fabric_extension.h"
#include "modules/accelerator/accelerator.h"
#include "modules/link/link.h"
#include "modules/nic/nic.h"
#include "modules/ocs/ocs.h"
#include "modules/switch/switch.h"
#include "platforms/builder.h"
#include "platforms/routing.h"
#include "platforms/spec.h"
#include "platforms/topology.h"
#include "platforms/user_modules.h"

namespace pjbit::platforms {

// A link as the report names it.
struct LinkInfo {
  link::Link* link = nullptr;
  std::string id[2];  // per direction, e.g. "r0->r1" and "r1->r0"
  std::string tier;   // the tier's name ("topology" for a flat fabric)
  std::string regime;
  bool internal = false;  // an accelerator's attachment to its NIC
};

class Platform : public sc_core::sc_module,
                 public accelerator::IRouteTable,
                 public fabric_switch::IAdaptiveRoutes {
 public:
  // `direct`: pjbit's modules call each other directly where they are bound to each other (core/direct.h);
  // false keeps every hop on the TLM sockets (for tests that check the two agree).
  Platform(const sc_core::sc_module_name& name, const PlatformSpec& spec, bool direct = true);
  // Over `topology`, made from `spec` by make_topology and shared with whoever made it (the engine's
  // validation made it already: a large fabric's topology is not made twice).
  Platform(const sc_core::sc_module_name& name, const PlatformSpec& spec,
           std::shared_ptr<const Topology> topology, bool direct = true);
  ~Platform() override;

  const PlatformSpec& spec() const { return m_spec; }
  const Topology& topology() const { return m_topo; }
  Router& router() { return m_router; }
  int ranks() const { return static_cast<int>(m_accelerators.size()); }
  accelerator::Accelerator& accelerator(int rank) { return *m_accelerators[static_cast<std::size_t>(rank)]; }
  // Any endpoint: a rank, a memory pool or a switch's reduction engine (platforms/topology.h).
  accelerator::Accelerator& endpoint(int id) { return *m_endpoints[static_cast<std::size_t>(id)]; }
  int endpoints() const { return m_topo.endpoints(); }
  const std::vector<LinkInfo>& links() const { return m_links; }
  const std::vector<std::unique_ptr<fabric_switch::Switch>>& switches() const { return m_switches; }
  const std::vector<std::unique_ptr<ocs::Ocs>>& circuit_switches() const { return m_ocs; }
  // The topology node id of an OCS module.
  int ocs_node(std::size_t index) const { return m_ocs_nodes[index]; }
  core::PayloadPool& pool() { return m_pool; }
  // The SystemC module of a topology node, whatever its kind; and typed, null when the node is of another
  // kind: an endpoint (rank, pool or reducer), a switch, an OCS, a NIC.
  sc_core::sc_module* node_module(int node) const { return module_of(node).module; }
  accelerator::Accelerator* endpoint_at(int node) const { return module_of(node).endpoint; }
  fabric_switch::Switch* switch_at(int node) const { return module_of(node).sw; }
  ocs::Ocs* ocs_at(int node) const { return module_of(node).ocs; }
  nic::Nic* nic_at(int node) const { return module_of(node).nic; }
  // A memory pool node's media (its endpoint is endpoint_at(node)); null for other nodes.
  memory_pool::Media* pool_media_at(int node) const { return module_of(node).media; }

  // Modules of registered kinds the platform file placed (platforms/user_modules.h), each with the topology
  // node or link it belongs to (the other is -1), in the order they were made.
  struct Placed {
    sc_core::sc_module* module = nullptr;
    int node = -1;
    int link = -1;
  };
  const std::vector<Placed>& placed() const { return m_placed; }
  // Those with signals of their own for the value change dump (an RTL block's pins).
  const std::vector<core::SignalSource*>& signal_sources() const { return m_signal_sources; }

  // IRouteTable: by the tier's routing policy, over the OCS circuits as they are now. Routes that do not
  // depend on the hash (every policy but ecmp and spray) are computed once per pair and kept until the
  // circuits change.
  bool route(int src, int dst, std::uint64_t hash, core::Route& out) override;
  // Whether routes between the two depend only on the circuits (not on a hash), and a count that changes
  // whenever circuits do.
  bool fixed_route(int src, int dst) const {
    return m_tier_policy[static_cast<std::size_t>(m_router.tier_of(src, dst))] == Policy::Fixed;
  }
  std::uint64_t route_generation() const { return m_route_generation; }
  // A link is down, or up again (a fault, engine/faults.md): routes made from here on avoid the links that
  // are down, and the route generation changes.
  void set_link_down(int link, bool down);
  int tier(int src, int dst) override { return m_router.tier_of(src, dst); }
  bool sprays(int src, int dst) override {
    const Policy p = m_tier_policy[static_cast<std::size_t>(m_router.tier_of(src, dst))];
    return p == Policy::Spray || p == Policy::Adaptive;  // adaptive: a route of its own per packet too
  }

  // IAdaptiveRoutes: at switch `node` of an adaptive tier, the packet leaves by the equal-cost output port
  // whose direction holds the fewest packets (queued and on the wire); ties keep the port its route has.
  // Only a packet with a route of its own can turn; the rest of that route is then remade from the chosen
  // port on (docs/topologies.md).
  void choose(int node, core::FabricExtension& ext) override;

  // What `pjbit validate` prints: ranks, tiers, links, switches, ports, racks.
  std::string describe() const;

  // A node's regime: its own (a switch's or OCS's regime key), else that of its first link that has one.
  std::string regime_of(int node) const;

 private:
  // A topology node's module, once as its base and once as its kind.
  struct NodeModule {
    sc_core::sc_module* module = nullptr;
    accelerator::Accelerator* endpoint = nullptr;
    fabric_switch::Switch* sw = nullptr;
    ocs::Ocs* ocs = nullptr;
    nic::Nic* nic = nullptr;
    ForwardingNode* node = nullptr;       // a switch or NIC of a registered kind
    memory_pool::Media* media = nullptr;  // a pool's, beside its endpoint
  };
  const NodeModule& module_of(int node) const { return m_node_module[static_cast<std::size_t>(node)]; }
  void bind_all();
  // Keeps a module of a registered kind, made for topology node `node` or link `link`.
  template <typename M>
  M* keep(std::unique_ptr<M> module, int node, int link);
  // Binds link direction `dir` of link `link_id` to `target` (a node's `in` socket), through the link's
  // inline blocks when it has some; true when the link delivers to the target directly.
  template <typename Target>
  bool bind_arrivals(int link_id, int dir, tlm::tlm_initiator_socket<>& link_out, Target& target);
  // The arbiters of a switch's output ports, of its `arbiter:` kind.
  void place_arbiters(int node);

  PlatformSpec m_spec;
  bool m_direct;
  std::shared_ptr<const Topology> m_topo_shared;  // owns what m_topo names
  const Topology& m_topo;
  Router m_router;
  core::PayloadPool m_pool;
  // Modules with no ports of their own, the platform's first children, which ~Platform destroys first: as
  // many as modules made after the fabric and outliving it can be (up to one fewer) and still leave the
  // teardown linear.
  struct TeardownFirst : sc_core::sc_module {
    explicit TeardownFirst(const sc_core::sc_module_name& name) : sc_core::sc_module(name) {}
  };
  std::array<std::unique_ptr<TeardownFirst>, 4> m_teardown_first;
  std::vector<std::unique_ptr<accelerator::Accelerator>> m_accelerators;
  std::vector<std::unique_ptr<accelerator::Accelerator>> m_other_endpoints;  // pools and reducers
  std::vector<std::unique_ptr<memory_pool::Media>> m_pool_media;
  std::vector<std::unique_ptr<fabric_switch::Switch>> m_switches;
  std::vector<std::unique_ptr<ocs::Ocs>> m_ocs;
  std::vector<int> m_ocs_nodes;
  std::vector<std::unique_ptr<nic::Nic>> m_nics;
  std::vector<std::unique_ptr<link::Link>> m_link_modules;
  std::vector<LinkInfo> m_links;
  std::vector<NodeModule> m_node_module;               // per topology node
  std::vector<accelerator::Accelerator*> m_endpoints;  // per endpoint id
  std::vector<std::unique_ptr<sc_core::sc_module>> m_user_modules;
  std::vector<Placed> m_placed;
  std::vector<core::SignalSource*> m_signal_sources;
  enum class Policy : std::uint8_t { Fixed, Ecmp, Spray, Adaptive };
  std::vector<int> m_choices;  // choose(): the switch's equal-cost ports
  std::vector<Policy> m_tier_policy;
  std::unordered_map<std::uint64_t, core::Route> m_route_cache;  // key src x endpoints + dst
  std::uint64_t m_route_generation = 0;
};

}  // namespace pjbit::platforms
