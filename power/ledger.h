// Prices a simulation: dynamic energy by category as charged, static power integrated over simulated time,
// cooling as an overhead on IT energy, and the headline fabric pJ per useful bit. Equations in power.md.
#pragma once

#include "core/energy.h"
#include "engine/simulation.h"
#include "platforms/spec.h"

namespace pjbit::power {

struct Ledger {
  core::PerCategory by_category_j{};  // cooling included as its own category
  core::PerCategory static_j{};
  core::PerCategory dynamic_j{};
  double total_j = 0.0;
  double static_total_j = 0.0;
  double dynamic_total_j = 0.0;
  double fabric_j = 0.0;  // fabric categories plus cooling's share of them
  double fabric_pj_per_useful_bit = 0.0;
  double average_power_w = 0.0;
  double peak_power_w = 0.0;
  double static_power_w = 0.0;  // IT static power, cooling excluded
};

// Static energy of `watts` over `seconds`.
inline double static_energy_j(double watts, double seconds) {
  return watts * seconds;
}

Ledger price(const engine::SimulationResult& sim, const platforms::CoolingSpec& cooling);

}  // namespace pjbit::power
