#include "power/density.h"

#include <fmt/format.h>

#include <algorithm>

#include "power/cooling.h"

namespace pjbit::power {

namespace {

constexpr std::size_t kCooling = core::EnergyAccount::index(core::Category::Cooling);

// A component's IT power averaged over the run.
double average_w(const ComponentRecord& r, double t) {
  double w = 0.0;
  for (std::size_t c = 0; c < core::kNumCategories; ++c) {
    if (c == kCooling) continue;
    w += r.static_w[c] + (t > 0.0 ? r.dynamic_j[c] / t : 0.0);
  }
  return w;
}

std::string tbps(double Bps) {
  return fmt::format("{:.2f} Tb/s", Bps * 8.0 / 1e12);
}

std::string kw(double w) {
  return fmt::format("{:.1f} kW", w / 1e3);
}

Escape assess_escape(const Usage& sim, std::vector<Warning>& warnings) {
  Escape e;
  if (!sim.facility.packaging) return e;
  const auto& components = sim.inventory.components;
  const double fixed_density = sim.facility.bandwidth_density_Bps_per_m;
  e.shoreline_m = sim.facility.shoreline_m;
  // Ranks are the first records (a rank's record index is its rank): every link with a rank at one end
  // leaves that rank's package, both directions, at the density of its accelerator-end technology.
  const auto ranks =
      static_cast<std::size_t>(std::max(0, std::min<int>(sim.ranks, static_cast<int>(components.size()))));
  std::vector<double> needed(ranks, 0.0), used(ranks, 0.0);
  for (const auto& r : components) {
    if (r.kind != ComponentKind::Link) continue;
    for (int end : r.ends) {
      if (end < 0 || static_cast<std::size_t>(end) >= ranks) continue;
      const double density = fixed_density > 0.0 ? fixed_density : r.bandwidth_density_Bps_per_m;
      if (density <= 0.0) return Escape{};  // the loader asks for a density; a hand-built result may lack one
      needed[static_cast<std::size_t>(end)] += 2.0 * r.bandwidth_Bps;
      used[static_cast<std::size_t>(end)] += 2.0 * r.bandwidth_Bps / density;
    }
  }
  std::size_t worst = ranks;
  for (std::size_t rank = 0; rank < ranks; ++rank) {
    if (used[rank] > e.shoreline_m * (1.0 + 1e-12)) ++e.ranks_over;
    if (worst == ranks || used[rank] > used[worst]) worst = rank;
  }
  if (worst == ranks) return Escape{};
  e.assessed = true;
  e.needed_Bps = needed[worst];
  e.shoreline_used_m = used[worst];
  for (const auto& r : components) {
    if (r.kind != ComponentKind::Link) continue;
    for (int end : r.ends) {
      if (end != static_cast<int>(worst)) continue;
      auto it = std::find_if(e.needed_by_tier_Bps.begin(), e.needed_by_tier_Bps.end(),
                             [&](const Named& n) { return n.name == r.tier; });
      if (it == e.needed_by_tier_Bps.end()) {
        e.needed_by_tier_Bps.push_back({r.tier, 2.0 * r.bandwidth_Bps});
      } else {
        it->value += 2.0 * r.bandwidth_Bps;
      }
    }
  }
  e.worst = components[worst].name;
  e.density_Bps_per_m = e.shoreline_used_m > 0.0 ? e.needed_Bps / e.shoreline_used_m : fixed_density;
  e.available_Bps = e.shoreline_m * e.density_Bps_per_m;
  if (e.ranks_over > 0) {
    Warning w;
    w.kind = "escape_bandwidth";
    w.where = e.worst;
    w.value = e.needed_Bps * 8.0 / 1e12;
    w.limit = e.available_Bps * 8.0 / 1e12;
    w.unit = "Tb/s";
    w.message = fmt::format(
        "{} needs {} of escape bandwidth, its {:.1f} mm of shoreline carries {} ({} of {} ranks)", e.worst,
        tbps(e.needed_Bps), e.shoreline_m * 1e3, tbps(e.available_Bps), e.ranks_over, sim.ranks);
    warnings.push_back(w);
  }
  return e;
}

std::vector<SwitchDensity> assess_switches(const Usage& sim) {
  const auto& components = sim.inventory.components;
  const double t = sim.sim_time_s;
  // Each switch's own power, and half of each link it terminates (the optics and SerDes at its end). An
  // OCS's ports are passive (mirrors steer light; the transceivers are at the ranks), so an OCS is its own
  // power alone.
  std::vector<double> box_w(components.size(), 0.0);
  for (std::size_t i = 0; i < components.size(); ++i) {
    const auto& r = components[i];
    if (r.kind == ComponentKind::Switch || r.kind == ComponentKind::Ocs || r.kind == ComponentKind::Reducer)
      box_w[i] += average_w(r, t);
    if (r.kind != ComponentKind::Link || r.internal) continue;
    for (int end : r.ends) {
      if (end < 0 || static_cast<std::size_t>(end) >= components.size()) continue;
      if (components[static_cast<std::size_t>(end)].kind == ComponentKind::Switch)
        box_w[static_cast<std::size_t>(end)] += 0.5 * average_w(r, t);
    }
  }
  // A reduction engine is part of its switch (joined to it by an internal link): fold it in.
  for (std::size_t i = 0; i < components.size(); ++i) {
    const auto& r = components[i];
    if (r.kind != ComponentKind::Link || !r.internal) continue;
    const int a = r.ends[0], b = r.ends[1];
    if (a < 0 || b < 0) continue;
    const auto ia = static_cast<std::size_t>(a), ib = static_cast<std::size_t>(b);
    if (components[ia].kind == ComponentKind::Reducer && components[ib].kind == ComponentKind::Switch) {
      box_w[ib] += box_w[ia] + average_w(r, t);
      box_w[ia] = 0.0;
    }
  }
  std::vector<SwitchDensity> out;
  for (std::size_t i = 0; i < components.size(); ++i) {
    const auto& r = components[i];
    if (r.kind != ComponentKind::Switch && r.kind != ComponentKind::Ocs) continue;
    const std::string kind = r.kind == ComponentKind::Switch ? "switch" : "ocs";
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const SwitchDensity& d) { return d.tier == r.tier && d.kind == kind; });
    if (it == out.end()) {
      out.push_back({});
      it = out.end() - 1;
      it->tier = r.tier;
      it->kind = kind;
    }
    const double w = box_w[i];
    const double per_port = r.faceplate_ports > 0 ? w / r.faceplate_ports : 0.0;
    ++it->count;
    it->mean_w += w;
    it->max_w = std::max(it->max_w, w);
    it->mean_w_per_port += per_port;
    if (it->busiest.empty() || per_port > it->max_w_per_port) {
      it->busiest = r.name;
      it->max_w_per_port = per_port;
      it->faceplate_ports = r.faceplate_ports;
    }
  }
  for (auto& d : out) {
    d.mean_w /= d.count;
    d.mean_w_per_port /= d.count;
  }
  return out;
}

}  // namespace

Density assess_density(const Usage& sim, const Ledger& ledger) {
  Density d;
  d.escape = assess_escape(sim, d.warnings);
  d.switches = assess_switches(sim);
  if (!sim.facility.racks) return d;
  d.cooling = sim.facility.rack_cooling;
  const cooling::Kind* kind = cooling::find(sim.facility.rack_cooling);
  for (const RackLoad& load : ledger.racks) {
    RackDensity r;
    r.name = load.name;
    r.network = load.network;
    r.average_w = load.average_w;
    r.peak_w = load.peak_w;
    r.overhead = load.overhead;
    r.average_with_cooling_w = load.average_w * (1.0 + load.overhead);
    r.peak_with_cooling_w = load.peak_w * (1.0 + load.overhead);
    r.limit_w = sim.facility.rack_power_limit_w;
    r.envelope_w = kind != nullptr ? kind->envelope_w : 0.0;
    if (r.limit_w > 0.0 && r.peak_w > r.limit_w) {
      d.warnings.push_back({"rack_power", r.name, r.peak_w / 1e3, r.limit_w / 1e3, "kW",
                            fmt::format("{} draws up to {} of IT power, over its {} limit", r.name,
                                        kw(r.peak_w), kw(r.limit_w))});
    }
    if (kind != nullptr && cooling::beyond_envelope(*kind, r.average_w)) {
      d.warnings.push_back(
          {"cooling_envelope", r.name, r.average_w / 1e3, r.envelope_w / 1e3, "kW",
           fmt::format("{} sheds {} on average, beyond the {} that {} cooling removes from a rack", r.name,
                       kw(r.average_w), kw(r.envelope_w), d.cooling)});
    }
    d.racks.push_back(r);
  }
  return d;
}

}  // namespace pjbit::power
