// Power over simulated time: the run cut into the recorder's energy-profile windows, with the energy of
// every category in each. Dynamic energy is the ledger's, spread in time as the recorder saw it charged;
// static power is constant; cooling follows the IT power. The windows add up to the report's energy_j, by
// category, exactly (up to rounding). Used by the report's power_trace and the timeline's power counters.
#pragma once

#include <string>
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
  // Fabric energy per tier and window: the tier's dynamic energy as the recorder saw it charged on its links,
  // plus the rest of its fabric energy (static power, its cooling share) spread evenly; each tier adds up to
  // the report's energy_j.by_tier.
  std::vector<std::string> tiers;
  std::vector<std::vector<double>> tier_joules;  // [tier][window]
};

PowerProfile power_profile(const engine::Recorder& recorder, const Inputs& in);

}  // namespace pjbit::report
