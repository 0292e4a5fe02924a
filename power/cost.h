// Prices a run in dollars (cost.md): the capital of what the platform is made of, spread over its service
// life; the energy the run drew (cooling included) at a price per kWh; the repairs its parts' failure rates
// predict; and the total cost of ownership over the lifetime at the run's average power. Every figure is a
// sum over the inventory's priced items, so each traces back to the presets' sourced prices.
#pragma once

#include <string>
#include <vector>

#include "power/ledger.h"
#include "power/usage.h"

namespace pjbit::power {

// One group of components (a kind or a tier) and what it cost.
struct CapitalGroup {
  std::string name;
  double usd = 0.0;
  int components = 0;  // in the group
  int unpriced = 0;    // of them, with no price known (counted at 0 in usd)
};

struct Cost {
  double lifetime_s = 0.0;
  double usd_per_kwh = 0.0;
  bool repairs_priced = true;
  // Capital: the whole platform, its fabric (all but accelerators and pools), by kind and by fabric tier.
  double capital_usd = 0.0;
  double fabric_capital_usd = 0.0;
  std::vector<CapitalGroup> capital_by_kind;  // accelerator, switch, ocs, nic, link
  std::vector<CapitalGroup> capital_by_tier;  // fabric components, by tier
  int unpriced_components = 0;
  // Repairs: failures over the lifetime x the price of the item each replaces.
  double repairs_lifetime_usd = 0.0;
  // The run: its share of the capital and of the repairs (its time over the lifetime) and its energy.
  double capital_run_usd = 0.0;
  double energy_run_usd = 0.0;
  double repairs_run_usd = 0.0;
  double run_usd = 0.0;
  // What the fabric delivered (useful bits over the simulated time) and what a Tb/s of it cost.
  double delivered_tbps = 0.0;
  double fabric_usd_per_delivered_tbps = 0.0;  // fabric capital / delivered Tb/s; 0 when nothing moved
  double usd_per_delivered_tbps = 0.0;         // all capital / delivered Tb/s
  // Total cost of ownership over the lifetime, running as this run did (its average power) all along.
  double tco_energy_usd = 0.0;
  double tco_usd = 0.0;
};

// Expected repair cost of one component over `lifetime_s`: for each failing part with a priced item of the
// same name, rate x parts x lifetime failures, each replacing one item.
double repairs_usd(const ComponentRecord& component, double lifetime_s);

// Energy of `joules` at `usd_per_kwh`.
inline double energy_usd(double joules, double usd_per_kwh) {
  return joules / 3.6e6 * usd_per_kwh;
}

Cost price_cost(const Usage& usage, const Ledger& ledger);

}  // namespace pjbit::power
