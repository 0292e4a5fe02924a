// The most simulated time a run can reach. The SystemC kernel counts time as a 64-bit number of ticks of its
// resolution, 1 ps by default (pjbit never changes it): at most 2^64 - 1 ps, 18,446,744 s, about 213 days.
// Beyond it sc_time wraps around to small values, so pjbit refuses inputs that would get there before it
// runs (docs/cli.md, "Limits"), and core/time.h stops a run that gets there anyway.
#pragma once

#include <string>

namespace pjbit::core {

// 2^64 ps in seconds.
constexpr double kTimeLimitS = 18446744.073709551616;

// The limit as messages name it.
inline std::string time_limit_text() {
  return "2^64 ps (18446744 s, about 213 days), the most simulated time the SystemC kernel counts";
}

}  // namespace pjbit::core
