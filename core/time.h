// Simulated time as integer ticks of the kernel's resolution (1 ps by default), for hot paths that would
// otherwise build sc_time objects per packet.
#pragma once

#include <cmath>
#include <cstdint>
#include <systemc>

namespace pjbit::core {

using Tick = std::uint64_t;

inline Tick now_ticks() {
  return sc_core::sc_time_stamp().value();
}
inline double ticks_per_second() {
  return 1.0 / sc_core::sc_get_time_resolution().to_seconds();
}
// Rounds to the nearest tick.
inline Tick to_ticks(double seconds) {
  return static_cast<Tick>(std::llround(seconds * ticks_per_second()));
}
inline double to_seconds(Tick t) {
  return static_cast<double>(t) / ticks_per_second();
}
inline sc_core::sc_time ticks_to_time(Tick t) {
  return sc_core::sc_time::from_value(t);
}

}  // namespace pjbit::core
