#include "platforms/spec.h"

#include <cmath>

namespace pjbit::platforms {

double OpticsSpec::laser_dbm() const {
  return 10.0 * std::log10(laser_optical_power_w * 1e3);
}

double OpticsSpec::split_db() const {
  return 10.0 * std::log10(laser_split);
}

std::optional<double> OpticsSpec::launch() const {
  if (launch_dbm) return launch_dbm;
  if (laser_split > 0 && laser_optical_power_w > 0.0) return laser_dbm() - split_db() - laser_path_loss_db;
  return std::nullopt;
}

double OpticsSpec::budget() const {
  const std::optional<double> tx = launch();
  if (budget_db <= 0.0 && tx && sensitivity_dbm) return *tx - *sensitivity_dbm;
  return budget_db;
}

double LinkSpec::energy_pj_per_bit() const {
  double sum = 0.0;
  for (const auto& e : stack)
    sum += e.energy_pj_per_bit * e.count;
  return sum;
}

double LinkSpec::total_latency_s() const {
  double sum = latency_s;
  for (const auto& e : stack)
    sum += e.latency_s * e.count;
  return sum;
}

double LinkSpec::total_static_power_w() const {
  double sum = static_power_w + optics.laser_electrical_power_w();
  for (const auto& e : stack)
    sum += e.power_w * e.count;
  return sum;
}

double regime_length_m(const std::string& regime) {
  if (regime == "package") return 0.05;
  if (regime == "board") return 0.5;
  if (regime == "rack") return 2.0;
  if (regime == "row") return 50.0;
  return 0.0;
}

double capital_usd(const std::vector<CostItem>& items) {
  double sum = 0.0;
  for (const CostItem& item : items)
    sum += item.usd * item.count;
  return sum;
}

int RacksSpec::switches_in_rack(const std::string& tier) const {
  if (!switches_per_tier) return switches_per_rack;
  for (const auto& [name, count] : switches_per_rack_tier)
    if (name == tier) return count;
  return 0;
}

int PlatformSpec::domain_size(std::size_t tier) const {
  int size = tiers.empty() ? 0 : tiers[0].ranks;
  for (std::size_t k = 1; k <= tier && k < tiers.size(); ++k)
    size *= tiers[k].domains;
  return size;
}

}  // namespace pjbit::platforms
