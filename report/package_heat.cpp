#include "report/package_heat.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <map>

#include "core/energy.h"
#include "core/time.h"
#include "engine/recorder.h"
#include "power/cooling.h"
#include "report/power_profile.h"

namespace pjbit::report {

namespace {

using power::ComponentKind;
using power::ComponentRecord;

double sum_of(const core::PerCategory& x) {
  double s = 0.0;
  for (double v : x)
    s += v;
  return s;
}

// Spreads `joules` over the windows in proportion to `shape` (evenly in time when it is all zero) and returns
// watts per window.
std::vector<double> spread_w(double joules, const std::vector<double>& shape,
                             const std::vector<double>& len) {
  double total = 0.0, run = 0.0;
  for (double x : shape)
    total += x;
  for (double l : len)
    run += l;
  std::vector<double> w(len.size(), 0.0);
  for (std::size_t i = 0; i < len.size(); ++i) {
    if (len[i] <= 0.0) continue;
    const double share = total > 0.0 ? shape[i] / total : len[i] / run;
    w[i] = joules * share / len[i];
  }
  return w;
}

void finish(PackageHeat& p, const std::vector<double>& len, const std::string& cooling, double coolant_c) {
  p.tau_s = p.r_k_per_w * p.heat_capacity_j_per_k;
  double energy = 0.0, run = 0.0;
  for (std::size_t i = 0; i < len.size(); ++i) {
    energy += p.power_w[i] * len[i];
    run += len[i];
    p.peak_w = std::max(p.peak_w, p.power_w[i]);
  }
  p.average_w = run > 0.0 ? energy / run : p.static_w;
  if (len.empty()) p.peak_w = p.static_w;
  p.junction = power::thermal::junction(p.power_w, len, coolant_c, p.r_k_per_w, p.tau_s);
  p.over_limit = p.junction.max_c > p.tj_max_c;
  if (!p.over_limit) return;
  const std::string which =
      p.kind == "switch"
          ? fmt::format("the package of switch {} (tier {}, the hottest of {})", p.name, p.tier, p.count)
          : fmt::format("the accelerator package (the mean of {} ranks)", p.count);
  p.message = fmt::format(
      "{} reaches a junction temperature of {:.1f} C, above its limit of {:g} C ({:.0f} W at peak over {:g} "
      "mm2, {:g} K/W to its {} coolant at {:g} C)",
      which, p.junction.max_c, p.tj_max_c, p.peak_w, p.area_m2 * 1e6, p.r_k_per_w, cooling, coolant_c);
}

}  // namespace

// Accelerators: the mean accelerator, P = P_idle + (P_compute - P_idle) x (share of ranks computing in the
// window), plus the optical engines co-packaged at its links' ends. Its compute power is the module's TDP,
// which covers the package with its HBM and its own I/O. Switches: the switch's own power, half of each of
// its links' SerDes (the host SerDes at its end sit on its die; switch presets leave them to the links) and
// the engines co-packaged at its end; its dynamic energy over time in the shape its tier's fabric energy was
// charged. Equations in power/thermal.md.
PackageHeatReport package_heat(const engine::Recorder& recorder, const Inputs& in) {
  PackageHeatReport out;
  const power::Usage& u = in.sim->usage;
  const auto& comps = u.inventory.components;
  out.cooling = u.facility.package_cooling;
  const power::cooling::Kind* kind = power::cooling::find(out.cooling);
  out.coolant_c = kind != nullptr ? kind->coolant_c : 0.0;

  const PowerProfile profile = power_profile(recorder, in);
  const std::size_t windows = profile.from.size();
  for (std::size_t i = 0; i < windows; ++i)
    out.window_s.push_back(core::to_seconds(profile.to[i] - profile.from[i]));
  const std::vector<double>& len = out.window_s;
  const std::size_t serdes = core::EnergyAccount::index(core::Category::Serdes);

  // What each node's links put in its package: co-packaged engines (static) and, for switches, half the
  // links' SerDes (static and dynamic).
  std::vector<double> link_static_w(comps.size(), 0.0), link_serdes_j(comps.size(), 0.0);
  std::vector<double> link_serdes_static_w(comps.size(), 0.0);
  for (const ComponentRecord& c : comps) {
    if (c.kind != ComponentKind::Link) continue;
    for (int end : c.ends) {
      if (end < 0) continue;
      const auto e = static_cast<std::size_t>(end);
      link_static_w[e] += c.co_packaged_engine_w;
      link_serdes_static_w[e] += c.static_w[serdes] / 2.0;
      link_serdes_j[e] += c.dynamic_j[serdes] / 2.0;
    }
  }

  // The accelerators.
  int ranks = 0;
  const ComponentRecord* first_rank = nullptr;
  double engines_w = 0.0;
  for (std::size_t i = 0; i < comps.size(); ++i) {
    if (comps[i].kind != ComponentKind::Accelerator) continue;
    ++ranks;
    engines_w += link_static_w[i];
    if (first_rank == nullptr) first_rank = &comps[i];
  }
  if (first_rank != nullptr && first_rank->package.present) {
    const power::Package& pkg = first_rank->package;
    PackageHeat p;
    p.kind = "accelerator";
    p.name = "accelerator";
    p.count = ranks;
    p.area_m2 = pkg.area_m2;
    p.r_k_per_w = pkg.r_k_per_w;
    p.heat_capacity_j_per_k = pkg.heat_capacity_j_per_k;
    p.tj_max_c = pkg.tj_max_c;
    const double idle = u.facility.idle_power_w;
    const double busy = std::max(idle, u.facility.compute_power_w);
    p.static_w = idle + engines_w / ranks;
    for (std::size_t i = 0; i < windows; ++i) {
      const double computing =
          len[i] > 0.0 ? std::clamp(profile.computing[i] / (ranks * len[i]), 0.0, 1.0) : 0.0;
      p.power_w.push_back(p.static_w + (busy - idle) * computing);
    }
    finish(p, len, out.cooling, out.coolant_c);
    out.packages.push_back(std::move(p));
  }

  // The switches, per tier: the one whose package draws the most on average.
  std::map<std::string, std::size_t> tier_index;
  for (std::size_t t = 0; t < recorder.tiers().size(); ++t)
    tier_index[recorder.tiers()[t]] = t;
  for (const std::string& tier : u.facility.tiers) {
    const ComponentRecord* best = nullptr;
    double best_static = 0.0, best_dynamic = 0.0, best_mean = -1.0;
    int count = 0;
    for (std::size_t i = 0; i < comps.size(); ++i) {
      const ComponentRecord& c = comps[i];
      if (c.kind != ComponentKind::Switch || c.tier != tier || !c.package.present) continue;
      ++count;
      const double stat = sum_of(c.static_w) + link_serdes_static_w[i] + link_static_w[i];
      const double dyn = sum_of(c.dynamic_j) + link_serdes_j[i];
      const double mean = stat + (u.sim_time_s > 0.0 ? dyn / u.sim_time_s : 0.0);
      if (mean > best_mean) {
        best = &c;
        best_static = stat;
        best_dynamic = dyn;
        best_mean = mean;
      }
    }
    if (best == nullptr) continue;
    PackageHeat p;
    p.kind = "switch";
    p.name = best->name;
    p.tier = tier;
    p.count = count;
    p.area_m2 = best->package.area_m2;
    p.r_k_per_w = best->package.r_k_per_w;
    p.heat_capacity_j_per_k = best->package.heat_capacity_j_per_k;
    p.tj_max_c = best->package.tj_max_c;
    p.static_w = best_static;
    std::vector<double> shape(windows, 0.0);
    if (const auto it = tier_index.find(tier); it != tier_index.end())
      shape = recorder.profile().amounts(engine::EnergyProfile::kTierBase + it->second, windows);
    const std::vector<double> dynamic = spread_w(best_dynamic, shape, len);
    for (std::size_t i = 0; i < windows; ++i)
      p.power_w.push_back(best_static + dynamic[i]);
    finish(p, len, out.cooling, out.coolant_c);
    out.packages.push_back(std::move(p));
  }
  return out;
}

}  // namespace pjbit::report
