#include "power/ledger.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "power/cooling.h"

namespace pjbit::power {

namespace {

constexpr std::size_t kCooling = core::EnergyAccount::index(core::Category::Cooling);
constexpr std::size_t kCompute = core::EnergyAccount::index(core::Category::Compute);
constexpr const char* kUnassigned = "unassigned";
constexpr const char* kRegimes[] = {"package", "board", "rack", "row"};

bool fabric(std::size_t category) {
  return core::is_fabric(static_cast<core::Category>(category));
}

// A component's share in one rack: a node sits in its rack, a link half in the rack of each end.
struct Part {
  int rack = -1;  // -1: no racks
  double weight = 1.0;
};

int part_count(const ComponentRecord& r, Part out[2]) {
  if (r.kind != ComponentKind::Link || r.rack[0] == r.rack[1]) {
    out[0] = {r.rack[0], 1.0};
    return 1;
  }
  out[0] = {r.rack[0], 0.5};
  out[1] = {r.rack[1], 0.5};
  return 2;
}

// What one component spent over the run.
struct Spent {
  double static_w = 0.0;
  double static_j = 0.0;
  double dynamic_j = 0.0;
  double fabric_static_j = 0.0;
  double fabric_dynamic_j = 0.0;
  double compute_dynamic_j = 0.0;
  double total() const { return static_j + dynamic_j; }
  double fabric_total() const { return fabric_static_j + fabric_dynamic_j; }
};

Spent spent(const ComponentRecord& r, double t) {
  Spent s;
  for (std::size_t c = 0; c < core::kNumCategories; ++c) {
    if (c == kCooling) continue;
    const double st = static_energy_j(r.static_w[c], t) - r.static_saved_j[c];
    s.static_w += r.static_w[c];
    s.static_j += st;
    s.dynamic_j += r.dynamic_j[c];
    if (fabric(c)) {
      s.fabric_static_j += st;
      s.fabric_dynamic_j += r.dynamic_j[c];
    }
  }
  s.compute_dynamic_j = r.dynamic_j[kCompute];
  return s;
}

void add(std::vector<Named>& list, const std::string& name, double value) {
  for (auto& n : list) {
    if (n.name == name) {
      n.value += value;
      return;
    }
  }
  list.push_back({name, value});
}

Waiting waiting_of(const Usage& sim, double idle_power_w) {
  Waiting w;
  w.idle_power_w = idle_power_w;
  for (std::size_t r = 0; r < sim.compute_time_s.size(); ++r) {
    const double wait = std::max(0.0, sim.sim_time_s - sim.compute_time_s[r]);
    w.per_rank_s.push_back(wait);
    w.total_rank_s += wait;
    if (r < sim.end_time_s.size())
      w.after_last_step_rank_s += std::max(0.0, sim.sim_time_s - sim.end_time_s[r]);
  }
  w.idle_energy_j = idle_power_w * w.total_rank_s;
  return w;
}

// Rack peaks, by the same step-level estimate as the platform's: in each top-level step a rack draws its
// static power, the share of the step's fabric energy that it takes of all non-compute dynamic energy over
// the run, and the compute power above idle of the step's ranks it houses.
void estimate_rack_peaks(const Usage& sim, double active_w, const std::vector<double>& noncompute_dynamic_j,
                         std::vector<RackLoad>& racks) {
  double noncompute_total = 0.0;
  for (double j : noncompute_dynamic_j)
    noncompute_total += j;
  const int ranks = sim.ranks;
  std::vector<int> rank_rack(static_cast<std::size_t>(std::max(ranks, 0)), -1);
  for (const auto& r : sim.inventory.components)
    if (r.kind == ComponentKind::Accelerator && r.rank >= 0 && r.rank < ranks)
      rank_rack[static_cast<std::size_t>(r.rank)] = r.rack[0];
  for (auto& rack : racks)
    rack.peak_w = rack.average_w;
  std::vector<int> here(racks.size(), 0);  // per rack: the step's ranks it houses
  for (const auto& s : sim.steps) {
    const double dt = s.end_s - s.start_s;
    if (dt <= 0.0 || s.ranks <= 0) continue;
    std::fill(here.begin(), here.end(), 0);
    auto count = [&](int r) {
      const int k = r >= 0 && r < ranks ? rank_rack[static_cast<std::size_t>(r)] : -1;
      if (k >= 0 && static_cast<std::size_t>(k) < here.size()) ++here[static_cast<std::size_t>(k)];
    };
    if (s.group.empty()) {
      for (int r = 0; r < ranks; ++r)
        count(r);
    } else {
      for (int r : s.group)
        count(r);
    }
    for (std::size_t k = 0; k < racks.size(); ++k) {
      const double share = noncompute_total > 0.0 ? noncompute_dynamic_j[k] / noncompute_total : 0.0;
      const double compute_w = active_w * s.compute_rank_s * here[k] / s.ranks / dt;
      racks[k].peak_w =
          std::max(racks[k].peak_w, racks[k].static_w + share * s.dynamic_energy_j / dt + compute_w);
    }
  }
}

}  // namespace

double pj_per_useful_bit(double joules, double useful_bytes) {
  return useful_bytes > 0.0 ? joules / (8.0 * useful_bytes) * 1e12 : 0.0;
}

Ledger price(const Usage& sim) {
  Ledger l;
  const double t = sim.sim_time_s;
  const Facility& facility = sim.facility;
  const bool density = facility.cooling_model == "density";
  l.cooling_model = facility.cooling_model;

  // IT energy by category, as the components charged it.
  double it_static = 0.0, it_dynamic = 0.0, fabric_it = 0.0, fabric_it_static = 0.0;
  for (std::size_t i = 0; i < core::kNumCategories; ++i) {
    if (i == kCooling) continue;
    l.static_j[i] = static_energy_j(sim.energy.static_w[i], t) - sim.energy.static_saved_j[i];
    l.dynamic_j[i] = sim.energy.dynamic_j[i];
    l.by_category_j[i] = l.static_j[i] + l.dynamic_j[i];
    l.static_power_w += sim.energy.static_w[i];
    it_static += l.static_j[i];
    it_dynamic += l.dynamic_j[i];
    if (fabric(i)) {
      fabric_it += l.by_category_j[i];
      fabric_it_static += l.static_j[i];
    }
  }

  // Racks: the IT energy each houses, then its cooling overhead.
  const std::vector<ComponentRecord>& components = sim.inventory.components;
  const std::size_t racks = sim.inventory.racks.size();
  std::vector<double> rack_noncompute_dynamic_j(racks, 0.0);
  l.racks.resize(racks);
  for (std::size_t k = 0; k < racks; ++k) {
    l.racks[k].name = sim.inventory.racks[k];
    l.racks[k].network = static_cast<int>(k) >= sim.inventory.accelerator_racks;
  }
  for (const auto& r : components) {
    const Spent s = spent(r, t);
    Part parts[2];
    const int n = part_count(r, parts);
    for (int p = 0; p < n; ++p) {
      if (parts[p].rack < 0 || static_cast<std::size_t>(parts[p].rack) >= racks) continue;
      const auto k = static_cast<std::size_t>(parts[p].rack);
      l.racks[k].it_j += parts[p].weight * s.total();
      l.racks[k].static_w += parts[p].weight * s.static_w;
      rack_noncompute_dynamic_j[k] += parts[p].weight * (s.dynamic_j - s.compute_dynamic_j);
    }
  }
  const cooling::Kind* kind = cooling::find(facility.rack_cooling);
  for (auto& rack : l.racks) {
    rack.average_w = t > 0.0 ? rack.it_j / t : 0.0;
    rack.overhead =
        density && kind != nullptr ? cooling::overhead(*kind, rack.average_w) : facility.cooling_overhead;
    rack.cooling_j = rack.overhead * rack.it_j;
  }

  // Each component's cooling: the overhead of the rack(s) it sits in (flat: the one overhead).
  double rack_it = 0.0, rack_cooling = 0.0;
  for (const auto& rack : l.racks) {
    rack_it += rack.it_j;
    rack_cooling += rack.cooling_j;
  }
  const double unplaced_overhead =
      density ? (rack_it > 0.0 ? rack_cooling / rack_it : 0.0) : facility.cooling_overhead;
  auto overhead_of = [&](const ComponentRecord& r) {
    if (!density) return facility.cooling_overhead;
    Part parts[2];
    const int n = part_count(r, parts);
    double x = 0.0;
    for (int p = 0; p < n; ++p) {
      const bool placed = parts[p].rack >= 0 && static_cast<std::size_t>(parts[p].rack) < racks;
      x += parts[p].weight *
           (placed ? l.racks[static_cast<std::size_t>(parts[p].rack)].overhead : unplaced_overhead);
    }
    return x;
  };

  double cooling_static = 0.0, cooling_dynamic = 0.0, fabric_cooling = 0.0, fabric_cooling_static = 0.0;
  if (density) {
    for (const auto& r : components) {
      const Spent s = spent(r, t);
      const double x = overhead_of(r);
      cooling_static += x * s.static_j;
      cooling_dynamic += x * s.dynamic_j;
      fabric_cooling += x * s.fabric_total();
      fabric_cooling_static += x * s.fabric_static_j;
    }
  } else {
    const double x = facility.cooling_overhead;
    cooling_static = x * it_static;
    cooling_dynamic = x * it_dynamic;
    fabric_cooling = x * fabric_it;
    fabric_cooling_static = x * fabric_it_static;
  }
  l.static_j[kCooling] = cooling_static;
  l.dynamic_j[kCooling] = cooling_dynamic;
  l.by_category_j[kCooling] = cooling_static + cooling_dynamic;
  l.static_total_j = it_static + cooling_static;
  l.dynamic_total_j = it_dynamic + cooling_dynamic;
  l.total_j = l.static_total_j + l.dynamic_total_j;
  l.fabric_j = fabric_it + fabric_cooling;
  l.fabric_static_j = fabric_it_static + fabric_cooling_static;
  l.fabric_pj_per_useful_bit = pj_per_useful_bit(l.fabric_j, sim.useful_bytes);

  // Fabric energy by regime and by tier, each component with its own cooling share.
  for (const char* regime : kRegimes)
    for (const auto& r : components)
      if (r.regime == regime && !r.internal) {
        add(l.fabric_by_regime_j, regime, 0.0);
        break;
      }
  for (const auto& tier : facility.tiers)
    add(l.fabric_by_tier_j, tier, 0.0);
  for (const auto& r : components) {
    const double j = spent(r, t).fabric_total() * (1.0 + overhead_of(r));
    if (j == 0.0) continue;
    add(l.fabric_by_regime_j, r.regime.empty() ? kUnassigned : r.regime, j);
    add(l.fabric_by_tier_j, r.tier.empty() ? kUnassigned : r.tier, j);
  }

  // Power. Peak: the largest, over top-level steps, of that step's dynamic power (its fabric energy and the
  // compute power above idle of its computing ranks) plus all static power, with cooling.
  const double it_total = it_static + it_dynamic;
  const double cooling_overhead =
      it_total > 0.0 ? l.by_category_j[kCooling] / it_total : facility.cooling_overhead;
  const double idle_w = facility.idle_power_w;
  const double active_w = facility.compute_power_w > idle_w ? facility.compute_power_w - idle_w : 0.0;
  l.average_power_w = t > 0.0 ? l.total_j / t : 0.0;
  l.peak_power_w = l.average_power_w;
  for (const auto& s : sim.steps) {
    const double dt = s.end_s - s.start_s;
    if (dt <= 0.0) continue;
    const double dynamic_w = (s.dynamic_energy_j + active_w * s.compute_rank_s) / dt;
    l.peak_power_w = std::max(l.peak_power_w, (dynamic_w + l.static_power_w) * (1.0 + cooling_overhead));
  }

  estimate_rack_peaks(sim, active_w, rack_noncompute_dynamic_j, l.racks);
  l.waiting = waiting_of(sim, idle_w);
  return l;
}

}  // namespace pjbit::power
