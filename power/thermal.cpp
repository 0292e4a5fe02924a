#include "power/thermal.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace pjbit::power::thermal {

double step(double t0_c, double power_w, double dt_s, double coolant_c, double r_k_per_w, double tau_s) {
  const double steady = coolant_c + power_w * r_k_per_w;
  if (tau_s <= 0.0) return steady;  // no heat capacity: the junction follows its power at once
  return steady + (t0_c - steady) * std::exp(-dt_s / tau_s);
}

Trace junction(const std::vector<double>& power_w, const std::vector<double>& dt_s, double coolant_c,
               double r_k_per_w, double tau_s) {
  Trace out;
  const std::size_t n = std::min(power_w.size(), dt_s.size());
  // T is affine in T(0) through every window: T(end) = A x T(0) + B. Starting from the coolant temperature
  // relative to it (T(0) - T_coolant = 0) gives B; A is the product of the windows' decays.
  double a = 1.0, b = 0.0;  // relative to the coolant: T - T_coolant
  for (std::size_t i = 0; i < n; ++i) {
    const double decay = tau_s > 0.0 ? std::exp(-dt_s[i] / tau_s) : 0.0;
    const double rise = power_w[i] * r_k_per_w;
    a *= decay;
    b = rise + (b - rise) * decay;
  }
  const double start = a < 1.0 ? b / (1.0 - a) : 0.0;
  out.initial_c = coolant_c + start;
  out.max_c = out.initial_c;
  double t = out.initial_c;
  out.end_c.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    t = step(t, power_w[i], dt_s[i], coolant_c, r_k_per_w, tau_s);
    out.end_c.push_back(t);
    out.max_c = std::max(out.max_c, t);
  }
  return out;
}

}  // namespace pjbit::power::thermal
