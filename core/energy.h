// Energy categories and the per-component energy account (DESIGN: models charge their own EnergyAccount;
// power/ walks the module tree at the end).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace pjbit::core {

// CONTRACT section 4, in report order.
enum class Category : std::uint8_t {
  Serdes,
  Retimer,
  Dsp,
  Laser,
  Switch,
  Ocs,
  Nic,
  Hbm,
  MemoryPool,  // a memory pool's media (modules/memory_pool/); outside fabric energy
  Compute,
  Cooling
};
inline constexpr int kNumCategories = 11;

std::string_view category_name(Category c);
std::optional<Category> category_from_name(std::string_view name);
// serdes, retimer, dsp, laser, switch, ocs and nic: the fabric's own categories.
bool is_fabric(Category c);

using PerCategory = std::array<double, kNumCategories>;

// What one component spent: dynamic energy charged as bits crossed it, and the static power it draws for
// the whole run (integrated by power/ over simulated time).
class EnergyAccount {
 public:
  void charge(Category c, double joules) { m_dynamic_j[index(c)] += joules; }
  void add_static_power(Category c, double watts) { m_static_w[index(c)] += watts; }

  const PerCategory& dynamic_j() const { return m_dynamic_j; }
  const PerCategory& static_w() const { return m_static_w; }
  double dynamic_total_j() const;
  double static_total_w() const;

  static constexpr std::size_t index(Category c) { return static_cast<std::size_t>(c); }

 private:
  PerCategory m_dynamic_j{};
  PerCategory m_static_w{};
};

}  // namespace pjbit::core
