// Where the heat and the bandwidth land: an accelerator's escape bandwidth against its package shoreline,
// the power of each switch and of each of its faceplate ports (with the optics at its end of its links),
// and each rack's power against its limit and its cooling envelope. A figure beyond its limit is a warning,
// never an error. Equations and sources in power.md.
#pragma once

#include <string>
#include <vector>

#include "power/ledger.h"
#include "power/usage.h"

namespace pjbit::power {

struct Warning {
  std::string kind;   // escape_bandwidth | rack_power | cooling_envelope
  std::string where;  // a rank ("r0") or a rack ("rack3")
  double value = 0.0;
  double limit = 0.0;
  std::string unit;     // of value and limit: "Tb/s" or "kW"
  std::string message;  // one line for people
};

// The accelerator package (packaging:): the worst rank's escape bandwidth against what its shoreline carries.
struct Escape {
  bool assessed = false;           // packaging: given (and every escape link's density known)
  std::string worst;               // the rank that needs the most shoreline
  double needed_Bps = 0.0;         // its links' bandwidth, both directions, summed over tiers
  double shoreline_m = 0.0;        // available
  double shoreline_used_m = 0.0;   // what its links take at their technologies' densities
  double density_Bps_per_m = 0.0;  // needed / shoreline used: the density of its mix of technologies
  double available_Bps = 0.0;      // shoreline x density
  std::vector<Named> needed_by_tier_Bps;
  int ranks_over = 0;  // ranks whose links need more shoreline than there is
};

// The switches (or OCSes) of one tier.
struct SwitchDensity {
  std::string tier;
  std::string kind;  // switch | ocs
  int count = 0;
  int faceplate_ports = 0;  // of the busiest one
  double mean_w =
      0.0;  // per switch: its own power and the optics at its end of its links, averaged over the run
  double max_w = 0.0;
  std::string busiest;  // the switch with the most watts per port
  double max_w_per_port = 0.0;
  double mean_w_per_port = 0.0;
};

// One rack against its limits (the loads themselves are in Ledger::racks).
struct RackDensity {
  std::string name;
  bool network = false;
  double average_w = 0.0;  // IT
  double peak_w = 0.0;     // IT
  double average_with_cooling_w = 0.0;
  double peak_with_cooling_w = 0.0;
  double overhead = 0.0;    // cooling W per IT W
  double limit_w = 0.0;     // racks.power_limit; 0: none
  double envelope_w = 0.0;  // of its cooling kind; 0: none published
};

struct Density {
  Escape escape;
  std::vector<SwitchDensity> switches;
  std::string cooling;  // racks.cooling
  std::vector<RackDensity> racks;
  std::vector<Warning> warnings;
};

Density assess_density(const Usage& usage, const Ledger& ledger);

}  // namespace pjbit::power
