// The fabric as a plain graph, before any SystemC module exists: accelerators (ranks), switches, optical
// circuit switches and NICs joined by links, each link in a tier. make_topology() generates it from a
// PlatformSpec (every topology kind of CONTRACT section 4, tiers, the explicit graph form); the builder
// elaborates it and the router routes over it. Pure and unit-tested without a kernel.
#pragma once

#include <string>
#include <vector>

#include "platforms/optical_budget.h"
#include "platforms/spec.h"

namespace pjbit::platforms {

// Endpoints are nodes that send and receive: ranks, memory pools, and the reduction engines of switches that
// reduce in the network. Endpoint ids: ranks 0..n-1, then pools, then reducers.
enum class NodeKind { Rank, Switch, Ocs, Nic, Pool, Reducer };

struct TopoNode {
  NodeKind kind = NodeKind::Rank;
  std::string name;  // "r3", "sw0", "scale_out.leaf2", "ocs0", "scale_out.nic3"
  int rank = -1;     // endpoints: the endpoint id (== rank for ranks)
  int tier = -1;     // the tier a switch, OCS or NIC belongs to
  int level = 0;     // fat tree: 0 leaf/edge, 1 spine/aggregation, 2 core
  SwitchSpec sw;
  OcsSpec ocs;
  NicSpec nic;
  MemoryPoolSpec pool;
  int reducer = -1;        // a reducing switch: its reducer's endpoint id
  int host = -1;           // a NIC: its rank's node; a reduction engine: its switch's node; else -1
  int rack = -1;           // the rack that houses it (racks:), or -1 without racks
  std::vector<int> ports;  // link ids, in port order (port i of the node is ports[i])
};

struct TopoLink {
  int a = 0, b = 0;  // node ids; a's side is the link's end a
  LinkSpec spec;
  int tier = 0;
  bool internal = false;  // accelerator-to-NIC attachment: no energy, not a fabric link
  bool bypass = false;    // a leaf's link into its tier's bypass OCS (routed only over circuits)
};

struct TierInfo {
  std::string name;
  std::string kind;
  std::string routing;    // resolved: shortest | ecmp | spray | dimension_order
  int domain = 0;         // ranks per instance of this tier
  std::vector<int> dims;  // torus
  bool bypass = false;    // fat_tree with optical bypass circuits between its leaves
  // PXN (topology spec `pxn`): the inner domain's size (0: off) and the ranks per NIC, which make a rail.
  int pxn_inner = 0;
  int rail_width = 1;
};

struct UserRoute {
  int src = 0, dst = 0;    // ranks
  std::vector<int> nodes;  // every node from src to dst inclusive
};

struct Topology {
  int ranks = 0;
  std::vector<int> endpoint_node;  // endpoint id -> node id
  std::vector<int> endpoint_tier;  // endpoint id -> the tier it hangs off (-1 for ranks: they are in all)
  std::vector<TopoNode> nodes;     // ranks first (node id == rank), then the rest
  std::vector<TopoLink> links;
  std::vector<TierInfo> tiers;
  // Initial circuits of each OCS node (indexed like nodes; empty for other nodes): port -> port or -1.
  std::vector<std::vector<int>> circuits;
  std::vector<UserRoute> user_routes;
  // Each kind of optical path's budget and margin (optical_budget.h), as make_topology() checked them.
  std::vector<OpticalPath> optics;
  // Racks (racks:): accelerator racks 0..accelerator_racks-1, then network racks.
  int accelerator_racks = 0;
  int network_racks = 0;

  int racks() const { return accelerator_racks + network_racks; }
  // "rack3" for an accelerator rack, "netrack0" for a network rack.
  std::string rack_name(int rack) const;
  int endpoints() const { return static_cast<int>(endpoint_node.size()); }
  int pool_endpoint(const std::string& name) const;  // -1 when there is no such pool
  // The innermost tier whose domain holds both endpoints (a pool or reducer: the tier it hangs off).
  int tier_of(int a, int b) const;
  int port_of(int node, int link) const;    // the node's port on that link, or -1
  int other_end(int link, int node) const;  // the node at the link's other end
  // Counts for `validate`.
  int count(NodeKind kind) const;
};

// Generates the topology; throws core::InputError (naming the tier or topology key) for shapes that cannot
// be built, such as a fat tree too large for its radix or an OCS with too few ports. With racks:, places
// every node in a rack (docs/config.md): ranks fill accelerator racks in rank order; the switches and OCSes
// of a tier take racks.switches_per_rack places in each accelerator rack, in node order; the rest, and memory
// pools, fill network racks of racks.network_rack_switches; a NIC shares its rank's rack, a reduction engine
// its switch's.
Topology make_topology(const PlatformSpec& spec);  // checks the optical budgets (optical_budget.h)

// Fat tree sizing, shared with docs and tests: down and up ports of a leaf of radix k at oversubscription o.
struct FatTreeShape {
  int down = 0, up = 0;
  int leaves = 0, spines = 0;  // 2 levels: leaves and spines; 3 levels: edges and aggregations in all pods
  int pods = 0, cores = 0;     // 3 levels
  int edges_per_pod = 0;
};
FatTreeShape fat_tree_shape(int endpoints, int radix, int levels, double oversubscription, std::string* why);

}  // namespace pjbit::platforms
