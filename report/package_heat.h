// Heat at the package (power/thermal.md): the power of each kind of package over the run's power-trace
// windows, its power density, and its junction temperature through the first-order thermal model, against
// its junction limit. One entry for the accelerators (the mean accelerator) and one per tier of switches
// (the switch whose package draws the most). A junction above its limit is a warning: the policy is to warn,
// the run's timing is not throttled.
#pragma once

#include <string>
#include <vector>

#include "power/thermal.h"
#include "report/report.h"

namespace pjbit::engine {
class Recorder;
}

namespace pjbit::report {

struct PackageHeat {
  std::string kind;  // accelerator | switch
  std::string name;  // the switch's name; "accelerator" for the mean accelerator
  std::string tier;  // switches: their tier
  int count = 0;     // packages it stands for (ranks, or the tier's switches with a package)
  double area_m2 = 0.0;
  double r_k_per_w = 0.0;
  double heat_capacity_j_per_k = 0.0;
  double tau_s = 0.0;  // R x C
  double tj_max_c = 0.0;
  double static_w = 0.0;  // drawn all run long: idle power, SerDes and engines that stay on
  double average_w = 0.0;
  double peak_w = 0.0;             // the largest window's
  std::vector<double> power_w;     // per window
  power::thermal::Trace junction;  // per window's end
  bool over_limit = false;
  std::string message;  // the warning, when over its limit
};

struct PackageHeatReport {
  std::string cooling;  // air | liquid | immersion
  double coolant_c = 0.0;
  std::vector<double> window_s;  // each window's length (those of power_trace)
  std::vector<PackageHeat> packages;
  bool any() const { return !packages.empty(); }
};

PackageHeatReport package_heat(const engine::Recorder& recorder, const Inputs& in);

}  // namespace pjbit::report
