#include "core/time.h"

#include <fmt/format.h>

#include "core/errors.h"

namespace pjbit::core {

void time_overflow(double ticks) {
  throw SimulationError(fmt::format("simulated time would reach {:.6g} s, beyond {}",
                                    ticks / ticks_per_second(), time_limit_text()));
}

}  // namespace pjbit::core
