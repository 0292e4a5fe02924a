// Routes over a Topology: the innermost tier that holds both ranks carries their traffic, and within it
// the tier's policy picks the path (shortest path, ECMP by a per-flow hash, per-packet spraying, or
// dimension-order on a torus). Optical circuit switches are routed through their current circuits only; in a
// hybrid fabric (a fat tree with optical bypass), two ranks whose leaves hold a circuit use it, and the
// others the packet fabric.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/fabric_extension.h"
#include "platforms/topology.h"

namespace pjbit::platforms {

class Router {
 public:
  explicit Router(const Topology& topo);

  // The source route from rank src to rank dst for a flow with hash `hash`: the out-port at every node from
  // the source on. Returns false when no path exists.
  bool route(int src, int dst, std::uint64_t hash, core::Route& out);
  // A flow sprayed from src to dst over every shortest path, split evenly at each hop: every (node, out-port)
  // it crosses with the fraction of its bytes that leave by it. Returns false when no path exists.
  struct SplitHop {
    int node;
    int port;
    double fraction;
  };
  bool split(int src, int dst, std::vector<SplitHop>& out);
  // Adaptive routing at a switch (docs/topologies.md): the out-ports of switch `node` on shortest paths of
  // its tier to endpoint `dst`, in port order, into `out`. Returns false when dst is not reachable from it.
  bool shortest_ports(int node, int dst, std::vector<int>& out);
  // Rewrites `route` from index `at` on for a packet leaving switch `node` by `port` towards endpoint `dst`:
  // route.ports[at] = port, then the ports of the hash's shortest path from the far end of that port on
  // (ECMP's choice at each later vertex). Returns false, with `route` unchanged, when that path is not as
  // long as the rest of the route it replaces.
  bool reroute(int node, int port, int dst, std::uint64_t hash, core::Route& route, std::size_t at);
  // Whether dst is reachable from src (connected components of the tier; no route built).
  bool reachable(int src, int dst);
  // The tier whose fabric carries src -> dst, and its policy.
  int tier_of(int src, int dst) const { return m_topo.tier_of(src, dst); }
  const std::string& policy(int tier) const { return m_topo.tiers[static_cast<std::size_t>(tier)].routing; }

  // Circuits of an OCS node changed (port -> port, -1 dark); routes through it are recomputed.
  void set_circuits(int node, const std::vector<int>& circuits);
  const std::vector<int>& circuits(int node) const { return m_circuits[static_cast<std::size_t>(node)]; }

  // A link goes down or comes back (a fault, engine/faults.md): no route crosses a link that is down, and
  // what was worked out before is remade. A policy's own route that crosses one (dimension order, a user
  // route, a bypass circuit) gives way to the shortest path over the links that are up.
  void set_link_down(int link, bool down);
  bool link_down(int link) const {
    return !m_link_down.empty() && m_link_down[static_cast<std::size_t>(link)] != 0;
  }

  // "r0 -> sw0 -> r5": the nodes a route visits, for messages.
  std::string describe(int src, const core::Route& route) const;

 private:
  // Routing vertices: one per node, except an OCS, which has one per port (light entering port p leaves by
  // the port its circuit joins).
  int vertex_of(int node, int link) const;
  // A breadth-first search from a destination, kept to resume from: the distance of every vertex it has
  // labelled, and the vertices found but not yet expanded from queue[head] on. A search that has labelled
  // few vertices (a neighbour's route on a ring or torus) keeps them in a short list instead of a table of
  // every vertex: thousands of destinations would otherwise hold a table of the whole fabric each.
  class Search {
   public:
    explicit Search(int vertices) : m_vertices(vertices) {}
    std::int32_t at(int v) const {  // -1: not labelled
      if (!m_dense.empty()) return m_dense[static_cast<std::size_t>(v)];
      for (const auto& [u, d] : m_sparse)
        if (u == v) return d;
      return -1;
    }
    void set(int v, std::int32_t d);
    std::vector<int> queue;
    std::size_t head = 0;

   private:
    static constexpr std::size_t kSparseMax = 32;
    int m_vertices;
    std::vector<std::int32_t> m_dense;                   // per vertex, once the search has grown
    std::vector<std::pair<int, std::int32_t>> m_sparse;  // (vertex, distance) until then
  };
  // Distances to one destination: the destination's vertex and the vertices that join it to the rest of the
  // tier by a single way (an accelerator's own NIC, say) form a chain, and every other vertex's distance is
  // its distance to the chain's far end, the anchor (a leaf switch), plus the chain's length. One search
  // from the anchor serves every destination hanging from it (the 32 accelerators of a leaf of radix 64),
  // instead of a table of the whole fabric per destination.
  static constexpr int kMaxChain = 4;
  class Distances {
   public:
    std::int32_t at(int v) const {  // -1: not labelled
      for (int i = 0; i < m_length; ++i)
        if (m_chain[static_cast<std::size_t>(i)] == v) return i;
      const std::int32_t d = m_search->at(v);
      return d < 0 ? -1 : d + m_length;
    }

   private:
    friend class Router;
    const Search* m_search = nullptr;
    std::array<int, kMaxChain> m_chain{};  // the destination's vertex, then the chain towards the anchor
    int m_length = 0;                      // the anchor's distance from the destination
  };
  // The distances to endpoint dst in `tier`, labelled at least as far as vertex `until` (every vertex no
  // farther than `until` has its distance).
  Distances distances(int tier, int dst, int until);
  const std::vector<int>& components(int tier);  // per vertex: its connected component in the tier
  void neighbours(int tier, int v,
                  std::vector<std::pair<int, int>>& out) const;  // (next vertex, emitted port or -1)
  bool dimension_order(int src, int dst, const TierInfo& tier, core::Route& out) const;
  bool user_route(int src, int dst, core::Route& out) const;
  // PXN: the rank of src's inner domain on dst's rail when the tier joining them forwards that way and the
  // two are on different rails; else -1.
  int pxn_proxy(int src, int dst, int tier) const;
  // The hops (node, out port) from an endpoint up to its leaf switch in `tier`; false if it has none.
  bool to_leaf(int endpoint, int tier, std::vector<std::pair<int, int>>& hops) const;
  // A route over a bypass circuit between the leaves of src and dst, if their leaves hold one.
  bool bypass_route(int src, int dst, int tier, std::uint64_t hash, core::Route& out);

  bool crosses_down(int src, const core::Route& route) const;
  // Appends to `out` the ports of a shortest path from vertex v to vertex `target` over `dist`: at each
  // vertex with several ways on, the first (spread false) or the one `hash` picks there (spread true).
  void walk(int tier, const Distances& dist, int v, int target, bool spread, std::uint64_t hash,
            core::Route& out);
  void forget();  // every search, component and split worked out so far

  const Topology& m_topo;
  std::vector<char> m_link_down;             // per link, once some link has been down; else empty
  std::vector<std::vector<int>> m_circuits;  // per node
  std::vector<int> m_vertex_base;            // per node: its first vertex
  std::vector<int> m_vertex_node;            // per vertex: its node
  std::vector<int> m_vertex_port;            // per vertex: the OCS port, or -1
  int m_vertices = 0;
  std::vector<std::unordered_map<int, Search>> m_dist;  // per tier: anchor vertex -> its search
  std::vector<std::vector<int>> m_components;           // per tier, made on first use
  std::vector<std::pair<int, int>> m_scratch;
  // The split of a unit of flow from vertex `start` on, layer by layer, appended to `out`.
  void spread(int tier, const Distances& dist, int start, std::vector<SplitHop>& out);
  std::vector<double> m_share;  // spread(): per vertex, the fraction of the flow that reached it
  // split(): the split from the first vertex with several ways on, by (tier, vertex, destination), while
  // they hold at most a bounded number of hops.
  std::unordered_map<std::uint64_t, std::vector<SplitHop>> m_splits;
  std::size_t m_split_hops = 0;
  std::vector<std::pair<int, int>> m_up, m_down, m_circuit_choices;
  core::Route m_tail;  // reroute(): the new rest of a route
};

}  // namespace pjbit::platforms
