// What power/ prices: a record of its own, filled by the engine at the end of a run in one walk of the module
// tree. What the platform is made of, where each part sits and what it spent (one record per topology node:
// ranks, switches, OCSes, NICs, memory pools, reduction engines; and per link), the run's time and useful
// bytes, its top-level steps' loads, and the facts of the platform pricing needs (cooling, racks, package).
// power/ prices it by category, tier, regime and rack, and assesses density (ledger.h, density.h).
#pragma once

#include <string>
#include <vector>

#include "core/energy.h"

namespace pjbit::power {

// One priced item of a component (power/cost.md): its price and how many the component holds.
struct PricedItem {
  std::string name;
  double usd = 0.0;
  double count = 1.0;
};

// One class of part that fails (docs/reliability.md): a failure replaces one item of the same name.
struct FailingPart {
  std::string name;
  double rate_per_s = 0.0;  // of one part
  double count = 1.0;       // parts per component
};

// A package's thermal figures (power/thermal.md), with the resistance of the way the platform cools it.
struct Package {
  bool present = false;
  double area_m2 = 0.0;
  double r_k_per_w = 0.0;  // junction to coolant
  double heat_capacity_j_per_k = 0.0;
  double tj_max_c = 0.0;
};

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
  // Accelerators and switches: their package, when their spec gives one (power/thermal.md). Links: the static
  // power of the optical engines co-packaged at each end (half of the stack's laser-category elements; an
  // external laser source sits on the front panel, never in the package); 0 for other placements.
  Package package;
  double co_packaged_engine_w = 0.0;
  // Its capital cost, item by item (empty: no price known), and the parts whose failures replace them.
  std::vector<PricedItem> capital;
  std::vector<FailingPart> parts;
};

struct Inventory {
  std::vector<ComponentRecord> components;  // nodes in topology node order, then links
  std::vector<std::string> racks;           // rack names, accelerator racks first; empty without racks
  int accelerator_racks = 0;
};

// What all the components spent together, summed in the module tree's order: dynamic joules, static watts,
// and the static energy links did not draw while asleep (link_sleep), by category.
struct EnergyTotals {
  core::PerCategory dynamic_j{};
  core::PerCategory static_w{};
  core::PerCategory static_saved_j{};
};

// One top-level step of the run, as the peak-power estimates need it.
struct StepLoad {
  double start_s = 0.0;
  double end_s = 0.0;
  int ranks = 0;                  // participating ranks
  std::vector<int> group;         // which ranks (empty: all of them), in any order
  double dynamic_energy_j = 0.0;  // charged by its transfers
  double compute_rank_s = 0.0;    // summed over its ranks: time computing
};

// The platform's facts that pricing reads (from its `cooling:`, `racks:`, `packaging:` and accelerator keys).
struct Facility {
  std::string cooling_model = "flat";  // flat: overhead x IT energy | density: per rack from its heat
  double cooling_overhead = 0.0;       // flat
  bool racks = false;                  // racks: given
  std::string rack_cooling = "air";    // air | liquid | immersion
  double rack_power_limit_w = 0.0;     // 0: no limit given
  bool packaging = false;              // packaging: given
  double shoreline_m = 0.0;
  double bandwidth_density_Bps_per_m = 0.0;  // 0: each link's own technology
  double idle_power_w = 0.0;                 // per accelerator
  double compute_power_w = 0.0;              // per accelerator, computing
  std::vector<std::string> tiers;            // tier names, innermost first
  std::string package_cooling = "air";       // how packages are cooled: air | liquid | immersion
  // Economics (power/cost.md): the service life capital is spread over, the price of energy, and whether
  // repairs are priced.
  double lifetime_s = 5.0 * 365.0 * 86400.0;
  double usd_per_kwh = 0.0806;
  bool repairs = true;
};

struct Usage {
  int ranks = 0;
  double sim_time_s = 0.0;
  double useful_bytes = 0.0;           // CONTRACT section 5
  std::vector<double> compute_time_s;  // per rank
  std::vector<double> end_time_s;      // per rank: when its last step ended
  std::vector<StepLoad> steps;         // top-level steps, in order
  EnergyTotals energy;
  Inventory inventory;
  Facility facility;
};

}  // namespace pjbit::power
