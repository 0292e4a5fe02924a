#include "power/cost.h"

#include <algorithm>

namespace pjbit::power {

namespace {

const char* kind_name(ComponentKind kind) {
  switch (kind) {
    case ComponentKind::Accelerator:
      return "accelerator";
    case ComponentKind::Switch:
      return "switch";
    case ComponentKind::Ocs:
      return "ocs";
    case ComponentKind::Nic:
      return "nic";
    case ComponentKind::Pool:
      return "pool";
    case ComponentKind::Reducer:
      return "reducer";
    case ComponentKind::Link:
      return "link";
  }
  return "link";
}

// Whether a component is fabric: everything that moves bits between accelerators and pools.
bool is_fabric(ComponentKind kind) {
  return kind == ComponentKind::Switch || kind == ComponentKind::Ocs || kind == ComponentKind::Nic ||
         kind == ComponentKind::Link;
}

CapitalGroup& group(std::vector<CapitalGroup>& groups, const std::string& name) {
  for (CapitalGroup& g : groups)
    if (g.name == name) return g;
  groups.push_back({name, 0.0, 0, 0});
  return groups.back();
}

double capital_of(const ComponentRecord& c) {
  double sum = 0.0;
  for (const PricedItem& item : c.capital)
    sum += item.usd * item.count;
  return sum;
}

}  // namespace

double repairs_usd(const ComponentRecord& component, double lifetime_s) {
  double sum = 0.0;
  for (const FailingPart& part : component.parts)
    for (const PricedItem& item : component.capital)
      if (item.name == part.name) sum += part.rate_per_s * part.count * lifetime_s * item.usd;
  return sum;
}

Cost price_cost(const Usage& usage, const Ledger& ledger) {
  const Facility& f = usage.facility;
  Cost c;
  c.lifetime_s = f.lifetime_s;
  c.usd_per_kwh = f.usd_per_kwh;
  c.repairs_priced = f.repairs;
  // Kinds in a fixed order, so that the report's lists do not depend on which kind comes first.
  for (const char* kind : {"accelerator", "switch", "ocs", "nic", "link"})
    c.capital_by_kind.push_back({kind, 0.0, 0, 0});
  for (const ComponentRecord& rec : usage.inventory.components) {
    if (rec.kind == ComponentKind::Reducer || rec.kind == ComponentKind::Pool) continue;
    if (rec.kind == ComponentKind::Link && rec.internal) continue;
    const double usd = capital_of(rec);
    const bool unpriced = rec.capital.empty();
    CapitalGroup& k = group(c.capital_by_kind, kind_name(rec.kind));
    k.usd += usd;
    ++k.components;
    k.unpriced += unpriced;
    c.capital_usd += usd;
    c.unpriced_components += unpriced;
    if (f.repairs) c.repairs_lifetime_usd += repairs_usd(rec, f.lifetime_s);
    if (!is_fabric(rec.kind)) continue;
    c.fabric_capital_usd += usd;
    CapitalGroup& t = group(c.capital_by_tier, rec.tier.empty() ? "unassigned" : rec.tier);
    t.usd += usd;
    ++t.components;
    t.unpriced += unpriced;
  }
  const double T = usage.sim_time_s;
  const double share = f.lifetime_s > 0.0 ? T / f.lifetime_s : 0.0;
  c.capital_run_usd = c.capital_usd * share;
  c.repairs_run_usd = c.repairs_lifetime_usd * share;
  c.energy_run_usd = energy_usd(ledger.total_j, f.usd_per_kwh);
  c.run_usd = c.capital_run_usd + c.energy_run_usd + c.repairs_run_usd;
  if (T > 0.0) c.delivered_tbps = usage.useful_bytes * 8.0 / T / 1e12;
  if (c.delivered_tbps > 0.0) {
    c.fabric_usd_per_delivered_tbps = c.fabric_capital_usd / c.delivered_tbps;
    c.usd_per_delivered_tbps = c.capital_usd / c.delivered_tbps;
  }
  c.tco_energy_usd = energy_usd(ledger.average_power_w * f.lifetime_s, f.usd_per_kwh);
  c.tco_usd = c.capital_usd + c.tco_energy_usd + c.repairs_lifetime_usd;
  return c;
}

}  // namespace pjbit::power
