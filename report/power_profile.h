// Power over simulated time: the run cut into the recorder's energy-profile windows, with the energy of
// every category in each. Dynamic energy is the ledger's, spread in time as the recorder saw it charged;
// static power is constant; cooling follows the IT power. The windows add up to the report's energy_j, by
// category, exactly (up to rounding). Used by the report's power_trace and the timeline's power counters.
#pragma once

#include <vector>

#include "core/energy.h"
#include "core/time.h"
#include "report/report.h"

namespace pjbit::engine {
class Recorder;
}

namespace pjbit::report {

struct PowerProfile {
  std::vector<core::Tick> from, to;        // each window [from, to)
  std::vector<core::PerCategory> joules;   // per window, by category
  std::vector<double> computing, waiting;  // rank-seconds per window
};

PowerProfile power_profile(const engine::Recorder& recorder, const Inputs& in);

}  // namespace pjbit::report
