// Prices a simulation: dynamic energy by category as charged, static power integrated over simulated time,
// cooling (a flat overhead on IT energy, or per rack from its heat density), the headline fabric pJ per
// useful bit, fabric energy by tier and by regime, rack loads, and what waiting on the fabric cost the
// accelerators. Every breakdown is a sum over the same components, so each adds up to its total. Equations
// in power.md.
#pragma once

#include <string>
#include <vector>

#include "core/energy.h"
#include "power/usage.h"

namespace pjbit::power {

struct Named {
  std::string name;
  double value = 0.0;
};

// One rack's IT load over the run, and its cooling.
struct RackLoad {
  std::string name;       // "rack0", "netrack0"
  bool network = false;   // a rack of switches and pools rather than accelerators
  double it_j = 0.0;      // IT energy of what it houses (links split between the racks of their ends)
  double static_w = 0.0;  // IT static power
  double average_w = 0.0;
  double peak_w = 0.0;    // IT, step-level estimate (power.md)
  double overhead = 0.0;  // cooling W per IT W
  double cooling_j = 0.0;
};

// Time the accelerators spent not computing, and what their idle power cost meanwhile.
struct Waiting {
  std::vector<double> per_rank_s;  // sim_time - compute time, per rank
  double total_rank_s = 0.0;
  double after_last_step_rank_s = 0.0;  // part of the total: ranks done, waiting for the run to end
  double idle_power_w = 0.0;            // per accelerator
  double idle_energy_j = 0.0;           // idle_power x total_rank_s (inside energy by category compute)
};

struct Ledger {
  core::PerCategory by_category_j{};  // cooling included as its own category
  core::PerCategory static_j{};
  core::PerCategory dynamic_j{};
  double total_j = 0.0;
  double static_total_j = 0.0;
  double dynamic_total_j = 0.0;
  double fabric_j = 0.0;         // fabric categories plus cooling's share of them
  double fabric_static_j = 0.0;  // the static part of fabric_j
  double fabric_pj_per_useful_bit = 0.0;
  double average_power_w = 0.0;
  double peak_power_w = 0.0;
  double static_power_w = 0.0;  // IT static power, cooling excluded
  // Fabric energy (cooling share included) by the regime and by the tier of the component that spent it;
  // each list adds up to fabric_j. "unassigned" holds components with no regime (or tier).
  std::vector<Named> fabric_by_regime_j;
  std::vector<Named> fabric_by_tier_j;
  std::string cooling_model = "flat";  // flat | density
  std::vector<RackLoad> racks;         // empty without racks:
  Waiting waiting;
};

// Static energy of `watts` over `seconds`.
inline double static_energy_j(double watts, double seconds) {
  return watts * seconds;
}

// Fabric energy per useful bit in pJ (0 when nothing useful moved).
double pj_per_useful_bit(double joules, double useful_bytes);

Ledger price(const Usage& usage);

}  // namespace pjbit::power
