#include "power/ledger.h"

#include <algorithm>

namespace pjbit::power {

namespace {
constexpr std::size_t kCooling = core::EnergyAccount::index(core::Category::Cooling);

// Peak over the top-level steps of (their dynamic energy / their duration) plus static power, with cooling.
double peak_power(const engine::SimulationResult& sim, double static_w, double overhead, double average) {
  double peak = average;
  for (const auto& s : sim.steps) {
    const double t = s.end_s - s.start_s;
    if (t <= 0.0) continue;
    peak = std::max(peak, (s.dynamic_energy_j / t + static_w) * (1.0 + overhead));
  }
  return peak;
}
}  // namespace

Ledger price(const engine::SimulationResult& sim, const platforms::CoolingSpec& cooling) {
  Ledger l;
  double it_static = 0.0, it_dynamic = 0.0, fabric_it = 0.0;
  for (std::size_t i = 0; i < core::kNumCategories; ++i) {
    if (i == kCooling) continue;
    l.static_j[i] = static_energy_j(sim.energy.static_w[i], sim.sim_time_s);
    l.dynamic_j[i] = sim.energy.dynamic_j[i];
    l.by_category_j[i] = l.static_j[i] + l.dynamic_j[i];
    l.static_power_w += sim.energy.static_w[i];
    it_static += l.static_j[i];
    it_dynamic += l.dynamic_j[i];
    if (core::is_fabric(static_cast<core::Category>(i))) fabric_it += l.by_category_j[i];
  }
  const double overhead = cooling.kind == "none" && cooling.overhead == 0.0 ? 0.0 : cooling.overhead;
  l.static_j[kCooling] = overhead * it_static;
  l.dynamic_j[kCooling] = overhead * it_dynamic;
  l.by_category_j[kCooling] = l.static_j[kCooling] + l.dynamic_j[kCooling];
  l.static_total_j = it_static + l.static_j[kCooling];
  l.dynamic_total_j = it_dynamic + l.dynamic_j[kCooling];
  l.total_j = l.static_total_j + l.dynamic_total_j;
  l.fabric_j = fabric_it * (1.0 + overhead);
  l.fabric_pj_per_useful_bit = sim.useful_bytes > 0.0 ? l.fabric_j / (8.0 * sim.useful_bytes) * 1e12 : 0.0;
  l.average_power_w = sim.sim_time_s > 0.0 ? l.total_j / sim.sim_time_s : 0.0;
  l.peak_power_w = peak_power(sim, l.static_power_w, overhead, l.average_power_w);
  return l;
}

}  // namespace pjbit::power
