#include "platforms/optical_budget.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <map>
#include <utility>

#include "platforms/topology.h"

namespace pjbit::platforms {

namespace {

// The fibre a link runs: its length, or the typical length of its regime (platforms/reach.md).
double fibre_m(const LinkSpec& link) {
  return link.length_m > 0.0 ? link.length_m : regime_length_m(link.regime);
}

std::string num(double v) {
  return fmt::format("{:.3g}", std::abs(v) < 5e-13 ? 0.0 : v);
}

// The part of a path one link contributes: its fibre and its connectors (`connectors` of them).
void add_link(OpticalPath& p, const LinkSpec& link, int connectors) {
  const double m = fibre_m(link);
  p.fibre_m += m;
  p.fibre_db += m * link.optics.fibre_loss_db_per_m;
  p.connectors += connectors;
  p.connectors_db += connectors * link.optics.connector_loss_db;
}

// The budget of a path from one link's transmitter to another's receiver: launch - sensitivity, or, where
// an end gives its budget instead, the smaller of the two ends' budgets.
void set_budget(OpticalPath& p, const OpticsSpec& tx, const OpticsSpec& rx) {
  if (tx.budget_db > 0.0 || rx.budget_db > 0.0) {
    p.budget_db = std::min(tx.budget(), rx.budget());
    return;
  }
  p.launch_dbm = tx.launch();
  p.sensitivity_dbm = rx.sensitivity_dbm;
  if (!tx.launch_dbm) {
    p.laser_dbm = tx.laser_dbm();
    p.split_db = tx.split_db();
    p.laser_path_db = tx.laser_path_loss_db;
  }
  p.budget_db = *p.launch_dbm - *p.sensitivity_dbm;
}

void finish(OpticalPath& p) {
  p.loss_db = p.fibre_db + p.connectors_db + p.ocs_db;
  p.margin_db = p.budget_db - p.loss_db;
}

std::string tier_key(const PlatformSpec& spec, int tier) {
  return spec.flat() ? "topology.link.optics" : "tiers." + std::to_string(tier) + ".link.optics";
}

}  // namespace

std::string OpticalPath::route() const {
  return via.empty() ? from + " -> " + to : from + " -> " + via + " -> " + to;
}

std::string OpticalPath::loss_terms() const {
  std::string out = fmt::format("fibre {:g} m = {} dB + {} connector{} = {} dB", fibre_m, num(fibre_db),
                                connectors, connectors == 1 ? "" : "s", num(connectors_db));
  if (!via.empty()) out += fmt::format(" + OCS {} dB", num(ocs_db));
  return out;
}

std::string OpticalPath::budget_terms() const {
  if (!launch_dbm || !sensitivity_dbm) return "given";
  std::string launch = fmt::format("launch {} dBm", num(*launch_dbm));
  if (laser_dbm)
    launch += fmt::format(" (laser {} dBm - split {} dB - path {} dB)", num(*laser_dbm), num(split_db),
                          num(laser_path_db));
  return launch + fmt::format(" - sensitivity {} dBm", num(*sensitivity_dbm));
}

std::vector<OpticalPath> optical_paths(const PlatformSpec& spec, const Topology& topo) {
  // The worst path of each kind, keyed by (tier, through an OCS).
  std::map<std::pair<int, bool>, OpticalPath> worst;
  // Keeps `p` if it is the worst of its kind so far; the kind counts `links` more links.
  auto keep = [&](int tier, bool ocs, OpticalPath p, int links) {
    auto [it, fresh] = worst.try_emplace({tier, ocs}, p);
    const int count = (fresh ? 0 : it->second.links) + links;
    if (!fresh && p.margin_db < it->second.margin_db) it->second = std::move(p);
    it->second.links = count;
  };
  auto base = [&](const TopoLink& l) {
    OpticalPath p;
    p.tier = l.tier >= 0 && l.tier < static_cast<int>(topo.tiers.size())
                 ? topo.tiers[static_cast<std::size_t>(l.tier)].name
                 : std::string();
    p.key = tier_key(spec, l.tier);
    p.loc = l.spec.loc;
    p.preset = l.spec.preset;
    return p;
  };

  for (std::size_t i = 0; i < topo.links.size(); ++i) {
    const TopoLink& l = topo.links[i];
    if (!l.spec.optics.present || l.internal) continue;
    const TopoNode& a = topo.nodes[static_cast<std::size_t>(l.a)];
    const TopoNode& b = topo.nodes[static_cast<std::size_t>(l.b)];
    if (a.kind == NodeKind::Ocs || b.kind == NodeKind::Ocs) continue;
    OpticalPath p = base(l);
    p.from = a.name;
    p.to = b.name;
    add_link(p, l.spec, l.spec.optics.connectors);
    set_budget(p, l.spec.optics, l.spec.optics);
    finish(p);
    keep(l.tier, false, std::move(p), 1);
  }

  // Through an OCS the light crosses two of its links. The OCS's insertion loss includes the connectors of
  // its own ports (a commercial OCS quotes it per port connector type), so each link adds its connectors
  // but the one at the OCS. Per OCS, the worst path joins its two lossiest links.
  for (std::size_t n = 0; n < topo.nodes.size(); ++n) {
    const TopoNode& ocs = topo.nodes[n];
    if (ocs.kind != NodeKind::Ocs) continue;
    std::vector<std::pair<double, int>> lossy;  // (loss of the link up to the OCS, link id)
    for (int id : ocs.ports) {
      const TopoLink& l = topo.links[static_cast<std::size_t>(id)];
      if (!l.spec.optics.present) continue;
      const OpticsSpec& o = l.spec.optics;
      lossy.emplace_back(
          fibre_m(l.spec) * o.fibre_loss_db_per_m + std::max(0, o.connectors - 1) * o.connector_loss_db, id);
    }
    if (lossy.empty()) continue;
    std::stable_sort(lossy.begin(), lossy.end(),
                     [](const auto& x, const auto& y) { return x.first > y.first; });
    // The lossiest link, then the lossiest one to another node (a rank's two ports into one OCS make no
    // path).
    const int first_id = lossy[0].second;
    const int first_end = topo.other_end(first_id, static_cast<int>(n));
    int second_id = first_id;
    for (std::size_t k = 1; k < lossy.size() && second_id == first_id; ++k)
      if (topo.other_end(lossy[k].second, static_cast<int>(n)) != first_end) second_id = lossy[k].second;
    const TopoLink& first = topo.links[static_cast<std::size_t>(first_id)];
    const TopoLink& second = topo.links[static_cast<std::size_t>(second_id)];
    OpticalPath p = base(first);
    p.from = topo.nodes[static_cast<std::size_t>(first_end)].name;
    p.via = ocs.name;
    p.to = second_id != first_id
               ? topo.nodes[static_cast<std::size_t>(topo.other_end(second_id, static_cast<int>(n)))].name
               : std::string("(another endpoint)");
    add_link(p, first.spec, std::max(0, first.spec.optics.connectors - 1));
    add_link(p, second.spec, std::max(0, second.spec.optics.connectors - 1));
    p.ocs_db = ocs.ocs.insertion_loss_db;
    OpticalPath back = p;
    set_budget(p, first.spec.optics, second.spec.optics);
    set_budget(back, second.spec.optics, first.spec.optics);
    finish(p);
    finish(back);
    keep(first.tier, true, back.margin_db < p.margin_db ? std::move(back) : std::move(p),
         static_cast<int>(lossy.size()));
  }

  std::vector<OpticalPath> out;
  out.reserve(worst.size());
  for (auto& [key, p] : worst)
    out.push_back(std::move(p));
  return out;
}

void check_optical_budgets(const std::vector<OpticalPath>& paths) {
  for (const OpticalPath& p : paths) {
    if (p.margin_db >= -1e-12) continue;
    throw core::InputError(
        p.loc, p.key,
        fmt::format("the optical path {} loses {} dB ({}), more than the optics' budget of {} dB ({}): a "
                    "margin of {} dB",
                    p.route(), num(p.loss_db), p.loss_terms(), num(p.budget_db), p.budget_terms(),
                    num(p.margin_db)));
  }
}

}  // namespace pjbit::platforms
