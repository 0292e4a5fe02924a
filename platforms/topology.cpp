#include "platforms/topology.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "core/errors.h"
#include "core/yaml_support.h"
#include "modules/ocs/ocs.h"
#include "platforms/optical_budget.h"

namespace pjbit::platforms {

int Topology::pool_endpoint(const std::string& name) const {
  for (int e = ranks; e < endpoints(); ++e) {
    const TopoNode& n = nodes[static_cast<std::size_t>(endpoint_node[static_cast<std::size_t>(e)])];
    if (n.kind == NodeKind::Pool && n.pool.name == name) return e;
  }
  return -1;
}

int Topology::tier_of(int a, int b) const {
  if (a >= ranks) return endpoint_tier[static_cast<std::size_t>(a)];
  if (b >= ranks) return endpoint_tier[static_cast<std::size_t>(b)];
  for (std::size_t t = 0; t < tiers.size(); ++t) {
    const int d = tiers[t].domain;
    if (d > 0 && a / d == b / d) return static_cast<int>(t);
  }
  return static_cast<int>(tiers.size()) - 1;
}

int Topology::port_of(int node, int link) const {
  const auto& ports = nodes[static_cast<std::size_t>(node)].ports;
  for (std::size_t p = 0; p < ports.size(); ++p)
    if (ports[p] == link) return static_cast<int>(p);
  return -1;
}

int Topology::other_end(int link, int node) const {
  const TopoLink& l = links[static_cast<std::size_t>(link)];
  return l.a == node ? l.b : l.a;
}

std::string Topology::rack_name(int rack) const {
  if (rack < 0) return "";
  if (rack < accelerator_racks) return "rack" + std::to_string(rack);
  return "netrack" + std::to_string(rack - accelerator_racks);
}

int Topology::count(NodeKind kind) const {
  int n = 0;
  for (const auto& node : nodes)
    n += node.kind == kind;
  return n;
}

FatTreeShape fat_tree_shape(int endpoints, int radix, int levels, double oversubscription, std::string* why) {
  FatTreeShape s;
  s.down = static_cast<int>(std::floor(radix * oversubscription / (1.0 + oversubscription)));
  s.down = std::clamp(s.down, 1, radix - 1);
  s.up = radix - s.down;
  auto fail = [&](const std::string& text) {
    if (why) *why = text;
    return FatTreeShape{};
  };
  if (levels == 2) {
    s.leaves = (endpoints + s.down - 1) / s.down;
    s.spines = s.leaves > 1 ? s.up : 0;
    if (s.leaves > radix)
      return fail("a 2-level fat tree of radix " + std::to_string(radix) + " holds at most " +
                  std::to_string(radix * s.down) + " endpoints, this one needs " + std::to_string(endpoints) +
                  "; use levels: 3 or a larger radix");
    return s;
  }
  // Three levels: pods of k/2 edge and `up` aggregation switches; cores join one aggregation switch per pod.
  s.edges_per_pod = std::max(1, radix / 2);
  const int per_pod = s.edges_per_pod * s.down;
  s.pods = (endpoints + per_pod - 1) / per_pod;
  s.leaves = (endpoints + s.down - 1) / s.down;
  s.spines = s.pods * s.up;
  const int agg_up = radix - s.edges_per_pod;
  s.cores = s.pods > 1 ? s.up * agg_up : 0;
  if (s.pods > radix)
    return fail("a 3-level fat tree of radix " + std::to_string(radix) + " holds at most " +
                std::to_string(radix * per_pod) + " endpoints, this one needs " + std::to_string(endpoints));
  return s;
}

namespace {

class Generator {
 public:
  explicit Generator(const PlatformSpec& spec) : m_spec(spec) {
    m_topo.ranks = spec.ranks();
    m_topo.nodes.reserve(static_cast<std::size_t>(m_topo.ranks));
    for (int r = 0; r < m_topo.ranks; ++r) {
      TopoNode n;
      n.kind = NodeKind::Rank;
      n.name = "r" + std::to_string(r);
      n.rank = r;
      m_topo.endpoint_node.push_back(add_node(std::move(n)));
      m_topo.endpoint_tier.push_back(-1);
    }
  }

  Topology run() {
    for (std::size_t t = 0; t < m_spec.tiers.size(); ++t)
      build_tier(static_cast<int>(t));
    check_switch_ports();
    for (const MemoryPoolSpec& pool : m_spec.memory_pools)
      attach_pool(pool);
    add_reducers();
    plan_racks();
    return std::move(m_topo);
  }

 private:
  int add_node(TopoNode n) {
    m_topo.nodes.push_back(std::move(n));
    m_topo.circuits.emplace_back();
    return static_cast<int>(m_topo.nodes.size()) - 1;
  }

  int add_link(int a, int b, const LinkSpec& spec, int tier, bool internal = false, bool bypass = false) {
    TopoLink l;
    l.a = a;
    l.b = b;
    l.spec = spec;
    l.tier = tier;
    l.internal = internal;
    l.bypass = bypass;
    m_topo.links.push_back(std::move(l));
    const int id = static_cast<int>(m_topo.links.size()) - 1;
    m_topo.nodes[static_cast<std::size_t>(a)].ports.push_back(id);
    m_topo.nodes[static_cast<std::size_t>(b)].ports.push_back(id);
    return id;
  }

  std::string prefix(int tier) const {
    return m_spec.flat() ? "" : m_spec.tiers[static_cast<std::size_t>(tier)].name + ".";
  }

  int add_endpoint(TopoNode n, int tier) {
    n.rank = static_cast<int>(m_topo.endpoint_node.size());
    n.tier = tier;
    const int id = add_node(std::move(n));
    m_topo.endpoint_node.push_back(id);
    m_topo.endpoint_tier.push_back(tier);
    return id;
  }

  // Every switch must have the ports its links need: a link faster than the switch's port bandwidth bonds
  // ceil(link / port) ports (as a GPU's NVLinks spread over NVSwitch ports), and all of them must fit in the
  // radix. (Pools and reduction engines are attached after this check and not counted.)
  void check_switch_ports() const {
    for (const TopoNode& n : m_topo.nodes) {
      if (n.kind != NodeKind::Switch) continue;
      long long needed = 0;
      double fastest = 0.0;
      for (int l : n.ports) {
        const double bw = m_topo.links[static_cast<std::size_t>(l)].spec.bandwidth_Bps;
        fastest = std::max(fastest, bw);
        needed += n.sw.port_bandwidth_Bps > 0.0
                      ? static_cast<long long>(std::ceil(bw / n.sw.port_bandwidth_Bps - 1e-9))
                      : 1;
      }
      if (needed <= n.sw.radix) continue;
      std::ostringstream msg;
      msg << "switch " << n.name << " needs " << needed << " ports for its " << n.ports.size() << " links";
      if (n.sw.port_bandwidth_Bps > 0.0)
        msg << " (links of up to " << fastest / 1e9 << " GB/s on ports of " << n.sw.port_bandwidth_Bps / 1e9
            << " GB/s)";
      msg << " but has radix " << n.sw.radix;
      const int tier = std::max(0, n.tier);
      const TopologySpec& t = m_spec.tiers[static_cast<std::size_t>(tier)];
      const std::string base = m_spec.flat() ? "topology" : "tiers." + std::to_string(tier);
      const bool graph = t.kind == "graph";
      throw core::InputError(graph || t.sw.loc.file.empty() ? t.loc : t.sw.loc,
                             graph ? base + ".nodes" : base + ".switch.radix", msg.str());
    }
  }

  // A pool hangs off its tier's top switch (the highest level of instance 0), or off rank 0 of a direct
  // topology, by a link of the pool's own bandwidth with the tier link's per-bit stack: the pool is taken to
  // have the ports it needs to deliver its bandwidth, and its switch port is not counted against the radix.
  void attach_pool(const MemoryPoolSpec& pool) {
    int tier = 0;
    for (std::size_t t = 0; t < m_spec.tiers.size(); ++t)
      if (m_spec.tiers[t].name == pool.attach) tier = static_cast<int>(t);
    int anchor = 0;
    int level = -1;
    for (std::size_t i = 0; i < m_topo.nodes.size(); ++i) {
      const TopoNode& n = m_topo.nodes[i];
      if (n.kind == NodeKind::Switch && n.tier == tier && n.level > level) {
        anchor = static_cast<int>(i);
        level = n.level;
      }
    }
    TopoNode node;
    node.kind = NodeKind::Pool;
    node.name = pool.name;
    node.pool = pool;
    const int id = add_endpoint(std::move(node), tier);
    LinkSpec spec = m_spec.tiers[static_cast<std::size_t>(tier)].link;
    spec.bandwidth_Bps = pool.bandwidth_Bps;
    spec.optics = OpticsSpec{};
    add_link(id, anchor, spec, tier);
  }

  // Every switch that reduces in the network gets a reduction engine: an endpoint joined to it by an internal
  // link as fast as all its ports together, so that reduction results fan out at the ports' full rate.
  void add_reducers() {
    const std::size_t count = m_topo.nodes.size();
    for (std::size_t i = 0; i < count; ++i) {
      if (m_topo.nodes[i].kind != NodeKind::Switch || !m_topo.nodes[i].sw.in_network_reduction) continue;
      // Everything the reduction engine needs of its switch is read before add_endpoint, which grows
      // m_topo.nodes and so may move the switch's node: no reference into the vector outlives that call.
      const TopoNode& sw = m_topo.nodes[i];
      const int tier = sw.tier;
      double fastest = 0.0;
      for (int l : sw.ports)
        fastest = std::max(fastest, m_topo.links[static_cast<std::size_t>(l)].spec.bandwidth_Bps);
      LinkSpec spec;
      spec.bandwidth_Bps = sw.sw.reduction_bandwidth_Bps > 0.0
                               ? sw.sw.reduction_bandwidth_Bps
                               : fastest * static_cast<double>(std::max<std::size_t>(1, sw.ports.size()));
      spec.latency_s = 0.0;
      TopoNode node;
      node.kind = NodeKind::Reducer;
      node.name = sw.name + ".reducer";
      const int id = add_endpoint(std::move(node), tier);
      add_link(id, static_cast<int>(i), spec, tier, true);
      m_topo.nodes[i].reducer = m_topo.nodes[static_cast<std::size_t>(id)].rank;
      m_topo.nodes[static_cast<std::size_t>(id)].host = static_cast<int>(i);
    }
  }

  // Places every node in a rack (see make_topology in topology.h).
  void plan_racks() {
    const RacksSpec& racks = m_spec.racks;
    if (!racks.present) return;
    const int per_rack = racks.accelerators_per_rack;
    m_topo.accelerator_racks = (m_topo.ranks + per_rack - 1) / per_rack;
    std::vector<int> placed(m_spec.tiers.size(), 0);  // per tier: switches placed in accelerator racks so far
    std::vector<int> unhoused;                        // nodes for network racks, in node order
    for (std::size_t i = 0; i < m_topo.nodes.size(); ++i) {
      TopoNode& n = m_topo.nodes[i];
      switch (n.kind) {
        case NodeKind::Rank:
          n.rack = n.rank / per_rack;
          break;
        case NodeKind::Switch:
        case NodeKind::Ocs: {
          const std::size_t tier = static_cast<std::size_t>(std::max(0, n.tier));
          const int in_rack = racks.switches_in_rack(m_spec.tiers[tier].name);
          const int index = placed[tier]++;
          if (in_rack > 0 && index < in_rack * m_topo.accelerator_racks) {
            n.rack = index / in_rack;
          } else {
            unhoused.push_back(static_cast<int>(i));
          }
          break;
        }
        case NodeKind::Pool:
          unhoused.push_back(static_cast<int>(i));
          break;
        case NodeKind::Nic:
        case NodeKind::Reducer:
          break;  // with their host, below
      }
    }
    if (!unhoused.empty()) {
      const int per_network_rack = racks.network_rack_switches;
      if (per_network_rack <= 0) {
        throw core::InputError(
            racks.loc, "racks.network_rack_switches",
            std::to_string(unhoused.size()) + " switches, OCSes or memory pools (the first is " +
                m_topo.nodes[static_cast<std::size_t>(unhoused.front())].name +
                ") have no place in an accelerator rack; give how many a network rack holds, or raise "
                "racks.switches_per_rack");
      }
      for (std::size_t j = 0; j < unhoused.size(); ++j)
        m_topo.nodes[static_cast<std::size_t>(unhoused[j])].rack =
            m_topo.accelerator_racks + static_cast<int>(j) / per_network_rack;
      m_topo.network_racks = (static_cast<int>(unhoused.size()) + per_network_rack - 1) / per_network_rack;
    }
    for (TopoNode& n : m_topo.nodes)
      if (n.host >= 0) n.rack = m_topo.nodes[static_cast<std::size_t>(n.host)].rack;
  }

  int add_switch(int tier, const std::string& name, const SwitchSpec& sw, int level = 0) {
    TopoNode n;
    n.kind = NodeKind::Switch;
    n.name = prefix(tier) + name;
    n.tier = tier;
    n.level = level;
    n.sw = sw;
    return add_node(std::move(n));
  }

  // The node a rank uses to reach tier `tier`: the rank itself, or its NIC for that tier. `local` is the
  // rank's index inside its inner domain (the rank itself on the innermost tier). With ranks_per_nic k, the
  // ranks whose local indices share a run of k (0..k-1, k..2k-1, ...) share the NIC of the run's first
  // rank, named after it; each has its own host link to it. The ranks of a run come one after another (the
  // caller's order), so `last` (the previous rank's NIC, or -1) is the NIC of this rank's run when the run
  // has begun.
  int attach_point(int tier, int rank, int local, int last) {
    const TopologySpec& t = m_spec.tiers[static_cast<std::size_t>(tier)];
    if (!t.has_nic) return rank;
    LinkSpec
        attach;  // the accelerator's host interface to its NIC: no energy of its own, never the bottleneck
    attach.bandwidth_Bps = t.link.bandwidth_Bps;
    attach.latency_s = 0.0;
    attach.regime = "package";
    if (local % t.ranks_per_nic != 0) {
      add_link(rank, last, attach, tier, true);
      return last;
    }
    TopoNode n;
    n.kind = NodeKind::Nic;
    n.name = prefix(tier) + "nic" + std::to_string(rank);
    n.tier = tier;
    n.nic = t.nic;
    n.host = rank;
    const int nic = add_node(std::move(n));
    add_link(rank, nic, attach, tier, true);
    return nic;
  }

  // A shared NIC's ports once its tier is built: the first rank's host link, the fabric link, then the other
  // ranks' host links, so that port 1 is the network side as on a NIC of its own (nic::Nic::kToNetwork).
  void order_nic_ports(int nic) {
    std::vector<int> hosts;
    for (int p : m_topo.nodes[static_cast<std::size_t>(nic)].ports)
      if (m_topo.links[static_cast<std::size_t>(p)].internal) hosts.push_back(p);
    order_last_ports(nic, std::vector<int>(hosts.begin() + 1, hosts.end()));
  }

  [[noreturn]] void fail(int tier, const std::string& key, const std::string& message) const {
    const TopologySpec& t = m_spec.tiers[static_cast<std::size_t>(tier)];
    const std::string base = m_spec.flat() ? "topology" : "tiers." + std::to_string(tier);
    throw core::InputError(t.loc, key.empty() ? base : base + "." + key, message);
  }

  void build_tier(int tier) {
    const TopologySpec& t = m_spec.tiers[static_cast<std::size_t>(tier)];
    TierInfo info;
    info.name = t.name;
    info.kind = t.kind;
    info.domain = m_spec.domain_size(static_cast<std::size_t>(tier));
    info.dims = t.dims;
    info.bypass = t.bypass.present;
    info.pxn_inner = t.pxn && tier > 0 ? m_spec.domain_size(static_cast<std::size_t>(tier - 1)) : 0;
    info.rail_width = t.ranks_per_nic;
    info.routing = t.routing;
    if (info.routing == "auto") {
      info.routing = t.kind == "torus" ? "dimension_order" : t.kind == "fat_tree" ? "ecmp" : "shortest";
    }
    m_topo.tiers.push_back(info);
    const int instances = m_topo.ranks / info.domain;
    const int inner = tier > 0 ? m_spec.domain_size(static_cast<std::size_t>(tier - 1)) : 1;
    for (int inst = 0; inst < instances; ++inst) {
      // Rail style: an outer tier meets its ranks grouped by their index inside the inner domain, so that
      // the ranks of one rail (the same local index in every inner domain) sit side by side, on one leaf of
      // a fat tree or in one run of a ring, as rail-optimized clusters are cabled.
      // Ranks that share a NIC (ranks_per_nic k) meet the tier through it: the rail is the run of k local
      // indices, and the NIC is one end of the tier.
      std::vector<int> ranks;
      for (int r = inst * info.domain; r < (inst + 1) * info.domain; ++r)
        ranks.push_back(r);
      const int k = t.ranks_per_nic;
      if (inner > 1)
        std::stable_sort(ranks.begin(), ranks.end(),
                         [inner, k](int a, int b) { return a % inner / k < b % inner / k; });
      std::vector<int> ends;
      for (int r : ranks) {
        const int end = attach_point(tier, r, inner > 1 ? r % inner : r, ends.empty() ? -1 : ends.back());
        if (ends.empty() || ends.back() != end) ends.push_back(end);
      }
      const std::string suffix = instances > 1 ? std::to_string(inst) : "";
      if (t.kind == "ring") {
        ring(tier, ends);
      } else if (t.kind == "switch") {
        const int sw = add_switch(tier, "sw" + (instances > 1 ? suffix : "0"), t.sw);
        for (int e : ends)
          add_link(e, sw, t.link, tier);
      } else if (t.kind == "full_mesh") {
        for (std::size_t i = 0; i < ends.size(); ++i)
          for (std::size_t j = i + 1; j < ends.size(); ++j)
            add_link(ends[i], ends[j], t.link, tier);
      } else if (t.kind == "torus") {
        torus(tier, ends, t.dims);
      } else if (t.kind == "fat_tree") {
        fat_tree(tier, ends, t, instances > 1 ? suffix + "." : "");
      } else if (t.kind == "ocs") {
        ocs(tier, ends, t, instances > 1 ? suffix : "0");
      } else if (t.kind == "graph") {
        graph(tier, t);
      } else {
        fail(tier, "kind", "" + core::quote_text(t.kind) + " cannot be built");
      }
      if (k > 1 && t.has_nic)
        for (int nic : ends)
          order_nic_ports(nic);
    }
  }

  void ring(int tier, const std::vector<int>& ends) {
    const TopologySpec& t = m_spec.tiers[static_cast<std::size_t>(tier)];
    const std::size_t n = ends.size();
    if (n < 2) return;
    std::vector<int> succ(n), pred(n);
    for (std::size_t i = 0; i < n; ++i) {
      // A ring of two is two links between the pair, one per direction of travel.
      succ[i] = add_link(ends[i], ends[(i + 1) % n], t.link, tier);
    }
    for (std::size_t i = 0; i < n; ++i)
      pred[(i + 1) % n] = succ[i];
    // Each end's ring ports: successor first, then predecessor (ties in routing go to the successor).
    for (std::size_t i = 0; i < n; ++i)
      order_last_ports(ends[i], {succ[i], pred[i]});
  }

  // Puts `wanted` (links already on the node) last in its port list, in that order.
  void order_last_ports(int node, const std::vector<int>& wanted) {
    auto& ports = m_topo.nodes[static_cast<std::size_t>(node)].ports;
    std::vector<int> kept;
    for (int p : ports)
      if (std::find(wanted.begin(), wanted.end(), p) == wanted.end()) kept.push_back(p);
    for (int w : wanted)
      if (std::find(kept.begin(), kept.end(), w) == kept.end() && std::count(ports.begin(), ports.end(), w))
        kept.push_back(w);
    ports = kept;
  }

  void torus(int tier, const std::vector<int>& ends, const std::vector<int>& dims) {
    const TopologySpec& t = m_spec.tiers[static_cast<std::size_t>(tier)];
    const int n = static_cast<int>(ends.size());
    std::vector<int> stride(dims.size(), 1);
    for (std::size_t d = 1; d < dims.size(); ++d)
      stride[d] = stride[d - 1] * dims[d - 1];
    // plus[i][d], minus[i][d]: the link from end i to its +1 / -1 neighbour in dimension d (-1: none)
    std::vector<std::vector<int>> plus(static_cast<std::size_t>(n), std::vector<int>(dims.size(), -1));
    std::vector<std::vector<int>> minus = plus;
    for (int i = 0; i < n; ++i) {
      for (std::size_t d = 0; d < dims.size(); ++d) {
        const int size = dims[d];
        if (size < 2) continue;
        const int c = (i / stride[d]) % size;
        if (size == 2 && c == 1) continue;  // a dimension of two has one link between the pair
        const int j = i + (((c + 1) % size) - c) * stride[d];
        const int l =
            add_link(ends[static_cast<std::size_t>(i)], ends[static_cast<std::size_t>(j)], t.link, tier);
        plus[static_cast<std::size_t>(i)][d] = l;
        minus[static_cast<std::size_t>(j)][d] = l;
        if (size == 2) {
          minus[static_cast<std::size_t>(i)][d] = l;
          plus[static_cast<std::size_t>(j)][d] = l;
        }
      }
    }
    for (int i = 0; i < n; ++i) {
      std::vector<int> order;
      for (std::size_t d = 0; d < dims.size(); ++d) {
        for (int l : {plus[static_cast<std::size_t>(i)][d], minus[static_cast<std::size_t>(i)][d]})
          if (l >= 0 && std::find(order.begin(), order.end(), l) == order.end()) order.push_back(l);
      }
      order_last_ports(ends[static_cast<std::size_t>(i)], order);
    }
  }

  void fat_tree(int tier, const std::vector<int>& ends, const TopologySpec& t, const std::string& inst) {
    std::string why;
    const FatTreeShape s =
        fat_tree_shape(static_cast<int>(ends.size()), t.radix, t.levels, t.oversubscription, &why);
    if (s.leaves == 0) fail(tier, "radix", why);
    if (t.sw.radix < t.radix)
      fail(tier, "switch.radix",
           "the switch has " + std::to_string(t.sw.radix) + " ports, the fat tree needs radix " +
               std::to_string(t.radix));
    // A tree of radix r built from switches of radix R > r uses an r-port slice of each: it draws r/R of
    // the chip's static power (its per-bit energy is unchanged) and costs r/R of the system's price.
    SwitchSpec slice = t.sw;
    slice.static_power_w *= static_cast<double>(t.radix) / static_cast<double>(t.sw.radix);
    for (CostItem& item : slice.cost)
      item.count *= static_cast<double>(t.radix) / static_cast<double>(t.sw.radix);
    std::vector<int> leaves;
    for (int l = 0; l < s.leaves; ++l)
      leaves.push_back(add_switch(tier, inst + "leaf" + std::to_string(l), slice, 0));
    for (std::size_t i = 0; i < ends.size(); ++i)
      add_link(ends[i], leaves[i / static_cast<std::size_t>(s.down)], t.link, tier);
    if (t.bypass.present) bypass(tier, leaves, t.bypass, inst);
    if (t.levels == 2) {
      std::vector<int> spines;
      for (int sp = 0; sp < s.spines; ++sp)
        spines.push_back(add_switch(tier, inst + "spine" + std::to_string(sp), slice, 1));
      for (int leaf : leaves)
        for (int spine : spines)
          add_link(leaf, spine, t.link, tier);
      return;
    }
    // Three levels: edge switches in pods, every edge to every aggregation switch of its pod, aggregation
    // switch j of every pod to the cores of group j.
    const int agg_up = t.radix - s.edges_per_pod;
    std::vector<std::vector<int>> aggs(static_cast<std::size_t>(s.pods));
    for (int p = 0; p < s.pods; ++p) {
      for (int a = 0; a < s.up; ++a)
        aggs[static_cast<std::size_t>(p)].push_back(
            add_switch(tier, inst + "pod" + std::to_string(p) + ".agg" + std::to_string(a), slice, 1));
      for (int e = p * s.edges_per_pod; e < std::min(s.leaves, (p + 1) * s.edges_per_pod); ++e)
        for (int agg : aggs[static_cast<std::size_t>(p)])
          add_link(leaves[static_cast<std::size_t>(e)], agg, t.link, tier);
    }
    if (s.pods < 2) return;
    for (int a = 0; a < s.up; ++a) {
      for (int c = 0; c < agg_up; ++c) {
        const int core = add_switch(tier, inst + "core" + std::to_string(a * agg_up + c), slice, 2);
        for (int p = 0; p < s.pods; ++p)
          add_link(aggs[static_cast<std::size_t>(p)][static_cast<std::size_t>(a)], core, t.link, tier);
      }
    }
  }

  // A hybrid fabric's optical bypass: every leaf gets `ports_per_leaf` links into one OCS (OCS port
  // i x p + j is leaf i's port j), circuits starting as rings of leaves as in an ocs topology.
  void bypass(int tier, const std::vector<int>& leaves, const BypassSpec& b, const std::string& inst) {
    const int n = static_cast<int>(leaves.size());
    const int ppl = b.ports_per_leaf;
    if (n * ppl > b.ocs.ports)
      fail(tier, "bypass.ocs.ports",
           "the bypass OCS has " + std::to_string(b.ocs.ports) + " ports, " + std::to_string(n) +
               " leaves x " + std::to_string(ppl) + " ports_per_leaf need " + std::to_string(n * ppl));
    TopoNode node;
    node.kind = NodeKind::Ocs;
    node.name = prefix(tier) + inst + "bypass";
    node.tier = tier;
    node.ocs = b.ocs;
    const int id = add_node(std::move(node));
    for (int leaf : leaves)
      for (int j = 0; j < ppl; ++j)
        add_link(leaf, id, b.link, tier, false, true);
    m_topo.circuits[static_cast<std::size_t>(id)] = ocs::ring_circuits(n, ppl, b.ocs.ports);
  }

  void ocs(int tier, const std::vector<int>& ends, const TopologySpec& t, const std::string& inst) {
    const int n = static_cast<int>(ends.size());
    const int ppr = t.ports_per_rank;
    if (n * ppr > t.ocs.ports)
      fail(tier, "ocs.ports",
           "the OCS has " + std::to_string(t.ocs.ports) + " ports, " + std::to_string(n) + " ranks x " +
               std::to_string(ppr) + " ports_per_rank need " + std::to_string(n * ppr));
    TopoNode node;
    node.kind = NodeKind::Ocs;
    node.name = prefix(tier) + "ocs" + inst;
    node.tier = tier;
    node.ocs = t.ocs;
    const int id = add_node(std::move(node));
    // OCS port i * ppr + j is rank i's port j into the OCS.
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < ppr; ++j)
        add_link(ends[static_cast<std::size_t>(i)], id, t.link, tier);
    // Circuits start as rings in rank order: port pair (j, j+1) of each rank joins rank i's port j to rank
    // i+1's port j+1. A lone last port stays dark.
    std::vector<int> circuits(static_cast<std::size_t>(t.ocs.ports), -1);
    for (int j = 0; j + 1 < ppr; j += 2) {
      for (int i = 0; i < n; ++i) {
        const int from = i * ppr + j, to = ((i + 1) % n) * ppr + j + 1;
        if (n == 2 && i == 1) continue;  // a ring of two: one circuit per port pair
        circuits[static_cast<std::size_t>(from)] = to;
        circuits[static_cast<std::size_t>(to)] = from;
      }
    }
    if (n == 2 && ppr >= 2) {  // ring of two: the second circuit joins rank 1's port j to rank 0's port j+1
      for (int j = 0; j + 1 < ppr; j += 2) {
        circuits[static_cast<std::size_t>(1 * ppr + j)] = 0 * ppr + j + 1;
        circuits[static_cast<std::size_t>(0 * ppr + j + 1)] = 1 * ppr + j;
      }
    }
    m_topo.circuits[static_cast<std::size_t>(id)] = circuits;
  }

  void graph(int tier, const TopologySpec& t) {
    std::map<std::string, int> id;
    int rank = 0;
    for (const auto& n : t.graph_nodes) {
      if (n.kind == "accelerator") {
        m_topo.nodes[static_cast<std::size_t>(rank)].name = n.name;
        id[n.name] = rank++;
      }
    }
    for (const auto& n : t.graph_nodes) {
      if (n.kind == "switch") {
        TopoNode node;
        node.kind = NodeKind::Switch;
        node.name = n.name;
        node.tier = tier;
        node.sw = n.sw;
        id[n.name] = add_node(std::move(node));
      } else if (n.kind == "ocs") {
        TopoNode node;
        node.kind = NodeKind::Ocs;
        node.name = n.name;
        node.tier = tier;
        node.ocs = n.ocs;
        id[n.name] = add_node(std::move(node));
      }
    }
    for (std::size_t i = 0; i < t.graph_links.size(); ++i) {
      const auto& l = t.graph_links[i];
      add_link(id.at(l.a), id.at(l.b), l.link, tier);
    }
    for (std::size_t i = 0; i < m_topo.nodes.size(); ++i) {
      const TopoNode& n = m_topo.nodes[i];
      if (n.kind == NodeKind::Switch && static_cast<int>(n.ports.size()) > n.sw.radix)
        fail(tier, "nodes",
             "switch " + n.name + " has " + std::to_string(n.ports.size()) + " links but radix " +
                 std::to_string(n.sw.radix));
      if (n.kind == NodeKind::Ocs) {
        if (static_cast<int>(n.ports.size()) > n.ocs.ports)
          fail(tier, "nodes",
               "OCS " + n.name + " has " + std::to_string(n.ports.size()) + " links but " +
                   std::to_string(n.ocs.ports) + " ports");
        // Circuits of a drawn OCS join its ports in pairs, in link order.
        std::vector<int> circuits(static_cast<std::size_t>(n.ocs.ports), -1);
        for (std::size_t p = 0; p + 1 < n.ports.size(); p += 2) {
          circuits[p] = static_cast<int>(p + 1);
          circuits[p + 1] = static_cast<int>(p);
        }
        m_topo.circuits[i] = circuits;
      }
    }
    for (const auto& r : t.graph_routes) {
      UserRoute route;
      route.src = id.at(r.from);
      route.dst = id.at(r.to);
      if (route.src >= m_topo.ranks || route.dst >= m_topo.ranks)
        throw core::InputError(r.loc, "topology.routes", "routes join two accelerators");
      route.nodes.push_back(route.src);
      for (const auto& v : r.via)
        route.nodes.push_back(id.at(v));
      route.nodes.push_back(route.dst);
      for (std::size_t k = 0; k + 1 < route.nodes.size(); ++k) {
        bool linked = false;
        for (int l : m_topo.nodes[static_cast<std::size_t>(route.nodes[k])].ports)
          linked = linked || m_topo.other_end(l, route.nodes[k]) == route.nodes[k + 1];
        if (!linked)
          throw core::InputError(r.loc, "topology.routes",
                                 "the route from " + r.from + " to " + r.to + " goes from " +
                                     m_topo.nodes[static_cast<std::size_t>(route.nodes[k])].name + " to " +
                                     m_topo.nodes[static_cast<std::size_t>(route.nodes[k + 1])].name +
                                     ", which no link joins");
      }
      m_topo.user_routes.push_back(route);
    }
  }

  const PlatformSpec& m_spec;
  Topology m_topo;
};

}  // namespace

Topology make_topology(const PlatformSpec& spec) {
  Generator g(spec);
  Topology topo = g.run();
  topo.optics = optical_paths(spec, topo);
  check_optical_budgets(topo.optics);
  return topo;
}

}  // namespace pjbit::platforms
