#include "report/power_profile.h"

#include <algorithm>

#include "core/time.h"
#include "engine/recorder.h"
#include "power/ledger.h"

namespace pjbit::report {

using core::Tick;
using engine::EnergyProfile;

// Power by category in each window of the energy profile. Every category's dynamic energy is the ledger's,
// spread in time as the recorder saw it charged: the links' cost stacks and the switches and NICs by the
// bytes they sent, when they sent them; compute by the ranks computing; HBM by the ranks inside steps
// (computing or waiting); anything with no such record evenly over the run. Static power is constant, and
// cooling follows the IT power. The windows' energies add up to the report's energy_j.
PowerProfile power_profile(const engine::Recorder& rec, const Inputs& in) {
  PowerProfile out;
  const power::Ledger& l = *in.ledger;
  const Tick end = core::to_ticks(in.sim->sim_time_s);
  const EnergyProfile& profile = rec.profile();
  const Tick w = profile.window();
  if (end == 0) return out;
  const auto windows = static_cast<std::size_t>(std::min<Tick>((end + w - 1) / w, EnergyProfile::kWindows));
  const double run_s = core::to_seconds(end);
  std::vector<double> len(windows);
  for (std::size_t i = 0; i < windows; ++i) {
    const Tick to = i + 1 == windows ? end : static_cast<Tick>(i + 1) * w;
    len[i] = core::to_seconds(to - static_cast<Tick>(i) * w);
  }
  const std::size_t cooling = core::EnergyAccount::index(core::Category::Cooling);
  const std::size_t compute = core::EnergyAccount::index(core::Category::Compute);
  const std::size_t hbm = core::EnergyAccount::index(core::Category::Hbm);
  const std::vector<double> computing = profile.amounts(EnergyProfile::kComputing, windows);
  const std::vector<double> waiting = profile.amounts(EnergyProfile::kWaiting, windows);
  // Dynamic joules per category and window.
  std::vector<std::vector<double>> dynamic(core::kNumCategories, std::vector<double>(windows, 0.0));
  auto spread = [&](std::vector<double>& into, double joules, const std::vector<double>& shape) {
    double sum = 0.0;
    for (double x : shape)
      sum += x;
    for (std::size_t i = 0; i < windows; ++i)
      into[i] = sum > 0.0 ? joules * shape[i] / sum : joules * len[i] / run_s;
  };
  std::vector<double> it_dynamic(windows, 0.0);
  for (std::size_t c = 0; c < core::kNumCategories; ++c) {
    if (c == cooling || l.dynamic_j[c] == 0.0) continue;
    std::vector<double> shape;
    if (c == compute) {
      shape = computing;
    } else if (c == hbm) {
      shape = computing;
      for (std::size_t i = 0; i < windows; ++i)
        shape[i] += waiting[i];
    } else {
      shape = profile.amounts(c, windows);
    }
    spread(dynamic[c], l.dynamic_j[c], shape);
    for (std::size_t i = 0; i < windows; ++i)
      it_dynamic[i] += dynamic[c][i];
  }
  if (l.dynamic_j[cooling] != 0.0) spread(dynamic[cooling], l.dynamic_j[cooling], it_dynamic);

  out.from.resize(windows);
  out.to.resize(windows);
  out.joules.resize(windows);
  for (std::size_t i = 0; i < windows; ++i) {
    out.from[i] = static_cast<Tick>(i) * w;
    out.to[i] = i + 1 == windows ? end : static_cast<Tick>(i + 1) * w;
    for (std::size_t c = 0; c < core::kNumCategories; ++c)
      out.joules[i][c] = l.static_j[c] * len[i] / run_s + dynamic[c][i];
  }
  out.computing = computing;
  out.waiting = waiting;
  for (std::size_t t = 0; t < rec.tiers().size(); ++t) {
    double fabric = 0.0;
    for (const auto& n : l.fabric_by_tier_j)
      if (n.name == rec.tiers()[t]) fabric = n.value;
    const std::vector<double> seen = profile.amounts(EnergyProfile::kTierBase + t, windows);
    double seen_j = 0.0;
    for (double x : seen)
      seen_j += x;
    std::vector<double> joules(windows, 0.0);
    for (std::size_t i = 0; i < windows; ++i)
      joules[i] = seen_j <= fabric ? seen[i] + (fabric - seen_j) * len[i] / run_s : fabric * seen[i] / seen_j;
    out.tiers.push_back(rec.tiers()[t]);
    out.tier_joules.push_back(std::move(joules));
  }
  return out;
}

}  // namespace pjbit::report
