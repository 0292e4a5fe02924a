// Simulated time as integer ticks of the kernel's resolution (1 ps by default), for hot paths that would
// otherwise build sc_time objects per packet.
#pragma once

#include <cmath>
#include <cstdint>
#include <systemc>

#include "core/time_limit.h"

namespace pjbit::core {

using Tick = std::uint64_t;

// 2^64: the first number of ticks the kernel cannot count (core/time_limit.h).
constexpr double kTickLimit = 18446744073709551616.0;

// Stops a run whose simulated time would pass the kernel's count: throws core::SimulationError naming
// `ticks` (as a number of ticks, however large) and the limit.
[[noreturn]] void time_overflow(double ticks);

// The current context's time, read in place (sc_time_stamp() is a library call, and this is read several
// times per packet and per flow).
inline Tick now_ticks() {
  // The context is the global the library keeps (sc_get_curr_simcontext() is a call, made only when there
  // is none yet).
  const sc_core::sc_simcontext* context = sc_core::sc_curr_simcontext;
  if (context == nullptr) context = sc_core::sc_get_curr_simcontext();
  return context->time_stamp().value();
}
// The kernel's resolution is fixed before pjbit converts a time (pjbit never sets it), so it is read once
// per simulation context rather than on every conversion.
inline double ticks_per_second() {
  thread_local const sc_core::sc_simcontext* context = nullptr;
  thread_local double cached = 0.0;
  const sc_core::sc_simcontext* now = sc_core::sc_curr_simcontext;  // null until the kernel exists
  if (now == nullptr || now != context) {
    cached = 1.0 / sc_core::sc_get_time_resolution().to_seconds();
    context = now;
  }
  return cached;
}
// x rounded to the nearest whole number, halves away from zero, for x >= 0 (std::llround without the library
// call: x - floor(x) is exact in floating point). An x the kernel cannot count (or not a number) stops the
// run.
inline Tick round_ticks(double x) {
  if (!(x < kTickLimit)) time_overflow(x);
  const auto t = static_cast<Tick>(x);
  return x - static_cast<double>(t) >= 0.5 ? t + 1 : t;
}
// The smallest whole number not below x, for x >= 0 (std::ceil without the library call); as round_ticks for
// an x the kernel cannot count.
inline Tick ceil_ticks(double x) {
  if (!(x < kTickLimit)) time_overflow(x);
  const auto t = static_cast<Tick>(x);
  return static_cast<double>(t) < x ? t + 1 : t;
}
// a + b, for a time and a delay: a sum past the kernel's count stops the run instead of wrapping around.
inline Tick later(Tick a, Tick b) {
  Tick sum;
  if (__builtin_add_overflow(a, b, &sum)) time_overflow(static_cast<double>(a) + static_cast<double>(b));
  return sum;
}
// Rounds to the nearest tick.
inline Tick to_ticks(double seconds) {
  const double x = seconds * ticks_per_second();
  return x >= 0.0 ? round_ticks(x) : static_cast<Tick>(std::llround(x));
}
inline double to_seconds(Tick t) {
  return static_cast<double>(t) / ticks_per_second();
}
inline sc_core::sc_time ticks_to_time(Tick t) {
  return sc_core::sc_time::from_value(t);
}
// t + d, for a time and a delay: as later(), on the kernel's own type (whose sum is inline, where making an
// sc_time from a count is a library call).
inline sc_core::sc_time later(const sc_core::sc_time& t, const sc_core::sc_time& d) {
  later(t.value(), d.value());
  return t + d;
}
// A delay of `ticks` from now, to wait for: one that would carry the time past the kernel's count stops the
// run.
inline sc_core::sc_time delay_from_now(Tick ticks) {
  later(now_ticks(), ticks);
  return ticks_to_time(ticks);
}

}  // namespace pjbit::core
