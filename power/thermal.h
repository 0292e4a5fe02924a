// The package's junction temperature over a run: a first-order thermal model (one resistance from the
// junction to the coolant, one heat capacity), driven by the package's power as a sequence of windows of
// constant power. Equations and sources in thermal.md.
#pragma once

#include <vector>

namespace pjbit::power::thermal {

// The junction temperature `dt_s` after it was `t0_c`, with `power_w` drawn all along:
//   T_ss = T_coolant + P x R          T(dt) = T_ss + (T0 - T_ss) x exp(-dt / tau),  tau = R x C
double step(double t0_c, double power_w, double dt_s, double coolant_c, double r_k_per_w, double tau_s);

struct Trace {
  double initial_c = 0.0;     // at the start of the run (the periodic steady state, below)
  std::vector<double> end_c;  // at the end of each window
  double max_c = 0.0;         // the largest of initial_c and end_c (T is monotonic within a window)
};

// The junction temperature through windows of `dt_s[i]` seconds at `power_w[i]` watts each. The run is taken
// to repeat (a training step, a serving interval), so it starts where it ends: the periodic steady state,
//   T(0) = B / (1 - A)   with   T(end) = A x T(0) + B,   A = exp(-sum dt / tau),
// found in closed form from the windows. A run of zero length starts at the coolant temperature.
Trace junction(const std::vector<double>& power_w, const std::vector<double>& dt_s, double coolant_c,
               double r_k_per_w, double tau_s);

}  // namespace pjbit::power::thermal
