// What a platform is made of, where each part sits and what it spent: one record per topology node (ranks,
// switches, OCSes, NICs, memory pools, reduction engines) and per link. The builder fills it from the
// elaborated platform at the end of a run; power/ prices it by tier, regime and rack, and assesses density.
#pragma once

#include <string>
#include <vector>

#include "core/energy.h"

namespace pjbit::power {

enum class ComponentKind { Accelerator, Switch, Ocs, Nic, Pool, Reducer, Link };

struct ComponentRecord {
  ComponentKind kind = ComponentKind::Link;
  std::string name;    // "r3", "scale_out.leaf0"; a link: "r0->scale_up.sw0"
  std::string tier;    // the tier's name; empty for accelerators, which are in every tier
  std::string regime;  // package | board | rack | row; empty when not known (accelerators, pools)
  int rank = -1;       // an accelerator: its rank
  // Nodes: rack[0] is the rack that houses it. Links: the racks of its two ends (half of the link in each).
  // -1 without racks.
  int rack[2] = {-1, -1};
  // Links: the nodes at the two ends, as indices into Inventory::components (nodes come first, in topology
  // node order, so a rank's record index is its rank).
  int ends[2] = {-1, -1};
  bool internal = false;       // a link inside an enclosure (accelerator to its NIC, switch to its reducer)
  double bandwidth_Bps = 0.0;  // links: per direction
  // Links: edge bandwidth density of the I/O at the link's accelerator end (an accelerator's attachment to
  // its NIC: the NIC's host interface), bytes/s per metre; 0 when not known.
  double bandwidth_density_Bps_per_m = 0.0;
  int faceplate_ports = 0;  // switches and OCSes: front-panel ports (as given, or the links it terminates)
  core::PerCategory dynamic_j{};
  core::PerCategory static_w{};
  core::PerCategory static_saved_j{};  // links that slept: static energy not drawn (link_sleep)
};

struct Inventory {
  std::vector<ComponentRecord> components;  // nodes in topology node order, then links
  std::vector<std::string> racks;           // rack names, accelerator racks first; empty without racks
  int accelerator_racks = 0;
};

}  // namespace pjbit::power
