#include "core/energy.h"

#include <numeric>

namespace pjbit::core {

namespace {
constexpr std::string_view kNames[kNumCategories] = {
    "serdes", "retimer", "dsp", "laser", "switch", "ocs", "nic", "hbm", "memory_pool", "compute", "cooling"};
}

std::string_view category_name(Category c) {
  return kNames[static_cast<int>(c)];
}

std::optional<Category> category_from_name(std::string_view name) {
  for (int i = 0; i < kNumCategories; ++i)
    if (kNames[i] == name) return static_cast<Category>(i);
  return std::nullopt;
}

bool is_fabric(Category c) {
  return c <= Category::Nic;
}

double EnergyAccount::dynamic_total_j() const {
  return std::accumulate(m_dynamic_j.begin(), m_dynamic_j.end(), 0.0);
}

double EnergyAccount::static_total_w() const {
  return std::accumulate(m_static_w.begin(), m_static_w.end(), 0.0);
}

}  // namespace pjbit::core
