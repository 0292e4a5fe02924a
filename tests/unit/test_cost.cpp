// Dollars (power/cost.md): the TCO arithmetic on a hand-made record (capital, the run's share of it, energy
// at a price per kWh, repairs from failing parts that replace priced items, $ per delivered Tb/s), a fat
// tree's slice paying its share of a switch, the `cost:` and `economics:` blocks refusing each malformed form
// with one exact error, and every shipped price sourced.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/errors.h"
#include "platforms/loader.h"
#include "platforms/tech/presets.h"
#include "platforms/topology.h"
#include "power/cost.h"
#include "power/ledger.h"

namespace pjbit {
namespace {
namespace test_cost {

constexpr double kYear = 365.0 * 86400.0;

power::ComponentRecord record(power::ComponentKind kind, const std::string& tier,
                              std::vector<power::PricedItem> items,
                              std::vector<power::FailingPart> parts = {}) {
  power::ComponentRecord r;
  r.kind = kind;
  r.tier = tier;
  r.capital = std::move(items);
  r.parts = std::move(parts);
  return r;
}

TEST(CostModel, TcoArithmeticOnAHandMadeRecord) {
  // Two accelerators at 30,000 USD, one switch at 100,000 USD, two links of two 900 USD modules and a
  // 100 USD fibre, one NIC with no price; 4 years at 0.10 USD per kWh.
  power::Usage u;
  u.sim_time_s = 2.0;
  u.useful_bytes = 1e12;  // 8e12 bits in 2 s: 4 Tb/s delivered
  u.facility.lifetime_s = 4.0 * kYear;
  u.facility.usd_per_kwh = 0.10;
  const double gpu_rate = 1.0 / (1e6 * 3600.0);  // one failure per 10^6 h
  auto& c = u.inventory.components;
  c.push_back(
      record(power::ComponentKind::Accelerator, "", {{"gpu", 30000.0, 1.0}}, {{"gpu", gpu_rate, 1.0}}));
  c.push_back(
      record(power::ComponentKind::Accelerator, "", {{"gpu", 30000.0, 1.0}}, {{"gpu", gpu_rate, 1.0}}));
  c.push_back(record(power::ComponentKind::Switch, "net", {{"switch", 100000.0, 1.0}}));
  // A part with no item of its name (hbm) costs nothing to repair; a transceiver failure replaces one.
  const double module_rate = 1.0 / (750000.0 * 3600.0);
  for (int i = 0; i < 2; ++i)
    c.push_back(record(power::ComponentKind::Link, "net",
                       {{"transceiver", 900.0, 2.0}, {"fibre", 100.0, 1.0}},
                       {{"transceiver", module_rate, 2.0}, {"hbm", 1.0, 1.0}}));
  c.push_back(record(power::ComponentKind::Nic, "net", {}));
  power::Ledger ledger;
  ledger.total_j = 7.2e6;  // 2 kWh
  ledger.average_power_w = 3.6e6;

  const power::Cost cost = power::price_cost(u, ledger);
  const double capital = 2 * 30000.0 + 100000.0 + 2 * (2 * 900.0 + 100.0);
  EXPECT_DOUBLE_EQ(cost.capital_usd, capital);
  EXPECT_DOUBLE_EQ(cost.fabric_capital_usd, 100000.0 + 2 * 1900.0);
  EXPECT_EQ(cost.unpriced_components, 1);
  EXPECT_DOUBLE_EQ(cost.capital_run_usd, capital * 2.0 / (4.0 * kYear));
  EXPECT_DOUBLE_EQ(cost.energy_run_usd, 2.0 * 0.10);
  const double lifetime_h = 4.0 * 365.0 * 24.0;
  const double repairs = 2 * (lifetime_h / 1e6) * 30000.0 + 2 * 2 * (lifetime_h / 750000.0) * 900.0;
  EXPECT_NEAR(cost.repairs_lifetime_usd, repairs, 1e-9 * repairs);
  EXPECT_NEAR(cost.repairs_run_usd, repairs * 2.0 / (4.0 * kYear), 1e-9 * cost.repairs_run_usd);
  EXPECT_DOUBLE_EQ(cost.run_usd, cost.capital_run_usd + cost.energy_run_usd + cost.repairs_run_usd);
  EXPECT_DOUBLE_EQ(cost.delivered_tbps, 4.0);
  EXPECT_DOUBLE_EQ(cost.fabric_usd_per_delivered_tbps, (100000.0 + 2 * 1900.0) / 4.0);
  EXPECT_DOUBLE_EQ(cost.usd_per_delivered_tbps, capital / 4.0);
  // TCO: 3.6 MW for 4 years = 3,600 kW x 35,040 h at 0.10 USD.
  EXPECT_NEAR(cost.tco_energy_usd, 3600.0 * lifetime_h * 0.10, 1e-6);
  EXPECT_NEAR(cost.tco_usd, capital + cost.tco_energy_usd + repairs, 1e-6 * cost.tco_usd);
  // By kind and by tier, each adds up.
  double by_kind = 0.0, by_tier = 0.0;
  for (const auto& g : cost.capital_by_kind)
    by_kind += g.usd;
  for (const auto& g : cost.capital_by_tier)
    by_tier += g.usd;
  EXPECT_DOUBLE_EQ(by_kind, cost.capital_usd);
  EXPECT_DOUBLE_EQ(by_tier, cost.fabric_capital_usd);

  u.facility.repairs = false;
  EXPECT_DOUBLE_EQ(power::price_cost(u, ledger).repairs_lifetime_usd, 0.0);
}

TEST(CostModel, AFatTreeSlicePaysItsShareOfTheSwitch) {
  const auto spec = platforms::parse_platform(
      "name: ft\ntopology:\n  kind: fat_tree\n  ranks: 8\n  levels: 2\n  radix: 4\n"
      "  link: { bandwidth: 1 GB/s, latency: 1 us }\n"
      "  switch:\n    radix: 64\n    cost: [{ name: switch, usd: 64000, source: s, confidence: low }]\n",
      "ft.yaml", {});
  const platforms::Topology topo = platforms::make_topology(spec);
  int switches = 0;
  for (const auto& n : topo.nodes) {
    if (n.kind != platforms::NodeKind::Switch) continue;
    ++switches;
    EXPECT_DOUBLE_EQ(platforms::capital_usd(n.sw.cost), 64000.0 * 4.0 / 64.0);
  }
  EXPECT_GT(switches, 0);
}

std::string platform_error(const std::string& item, const std::string& extra = "") {
  std::string text =
      "name: p\ntopology:\n  kind: ring\n  ranks: 4\n  link:\n    bandwidth: 1 GB/s\n"
      "    latency: 1 us\n    cost:\n      - " +
      item + "\n" + extra;
  try {
    platforms::parse_platform(text, "p.yaml", {});
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(CostLoader, RefusesEachMalformedItem) {
  const std::string ok = "source: s, confidence: low";
  EXPECT_EQ(platform_error("{ name: x, usd: 10, " + ok + " }"), "no error");
  EXPECT_EQ(platform_error("{ name: x, " + ok + " }"),
            "p.yaml:9:9: topology.link.cost.0.usd: missing; expected the price of one item in US dollars, "
            "such as 900");
  EXPECT_EQ(platform_error("{ name: x, usd: -1, " + ok + " }"),
            "p.yaml:9:25: topology.link.cost.0.usd: expected a number from 0 to 1e+12, got \"-1\"");
  EXPECT_EQ(platform_error("{ name: x, usd: 10, count: 0, " + ok + " }"),
            "p.yaml:9:36: topology.link.cost.0.count: expected a number of items per link above 0, got 0");
  EXPECT_EQ(platform_error("{ name: x, usd: 10, confidence: low }"),
            "p.yaml:9:9: topology.link.cost.0.source: missing; expected where its price comes from");
  EXPECT_EQ(platform_error("{ name: x, usd: 10, source: s, confidence: estimate }"),
            "p.yaml:9:9: topology.link.cost.0.derivation: missing; expected how its estimate price was "
            "computed");
  EXPECT_EQ(platform_error("{ name: x, usd: 10, source: s, confidence: sure }"),
            "p.yaml:9:52: topology.link.cost.0.confidence: expected one of high, medium, low, derived, "
            "estimate, got \"sure\"");
  EXPECT_EQ(platform_error("{ name: x, usd: 10, " + ok + " }\n      - { name: x, usd: 1, " + ok + " }"),
            "p.yaml:10:9: topology.link.cost.1.name: item \"x\" is listed twice");
}

TEST(CostLoader, ReadsAndRefusesTheEconomicsBlock) {
  const std::string ok = "{ name: x, usd: 10, source: s, confidence: low }";
  const auto spec = platforms::parse_platform(
      "name: p\ntopology: { kind: ring, ranks: 4, link: { bandwidth: 1 GB/s, latency: 1 us } }\n"
      "economics: { lifetime: 1460 d, energy_price: 0.12, repairs: false }\n",
      "p.yaml", {});
  EXPECT_DOUBLE_EQ(spec.economics.lifetime_s, 1460 * 86400.0);
  EXPECT_DOUBLE_EQ(spec.economics.usd_per_kwh, 0.12);
  EXPECT_FALSE(spec.economics.repairs);
  EXPECT_EQ(platform_error(ok, "economics: { lifetime: 0 d }\n"),
            "p.yaml:10:24: economics.lifetime: expected a time such as \"1825 d\" above zero, got \"0 d\"");
  EXPECT_EQ(
      platform_error(ok, "economics: { lifetime: 5 years }\n"),
      "p.yaml:10:24: economics.lifetime: expected a time such as \"500 ns\", got \"5 years\" (unknown unit "
      "\"years\"; accepted units: ps, ns, us, ms, s, min, h, d)");
  EXPECT_EQ(platform_error(ok, "economics: { energy_price: -0.1 }\n"),
            "p.yaml:10:28: economics.energy_price: expected a number from 0 to 100, got \"-0.1\"");
}

TEST(ReachLoader, ALinkLongerThanItsReachIsRefused) {
  // platforms/reach.md: the regime's typical length, or the link's own, against its technology's reach.
  EXPECT_DOUBLE_EQ(platforms::regime_length_m("row"), 50.0);
  EXPECT_DOUBLE_EQ(platforms::regime_length_m("rack"), 2.0);
  const auto error = [](const std::string& link) {
    try {
      platforms::parse_platform("name: p\ntopology:\n  kind: ring\n  ranks: 4\n  link: " + link + "\n",
                                "p.yaml", {});
    } catch (const core::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(
      error("{ bandwidth: 1 GB/s, latency: 1 us, reach: 2 m, regime: row }"),
      "p.yaml:5:9: topology.link: the link reaches 2 m, but a row-scale link (regime) spans 50 m; give a "
      "shorter length or a technology that reaches");
  EXPECT_EQ(
      error("{ preset: aec-800g, length: 10 m }"),
      "p.yaml:5:9: topology.link: the link (preset aec-800g) reaches 7 m, but its length spans 10 m; give a "
      "shorter length or a technology that reaches");
  EXPECT_EQ(error("{ preset: aec-800g, length: 5 m }"), "no error");
  EXPECT_EQ(error("{ preset: aec-800g }"), "no error");  // rack: 2 m
  EXPECT_EQ(error("{ bandwidth: 1 GB/s, latency: 1 us, reach: 0 m }"),
            "p.yaml:5:52: topology.link.reach: expected a length such as \"2 m\" above zero, got \"0 m\"");
}

TEST(CostPresets, EveryShippedPriceIsSourced) {
  int items = 0;
  for (const auto& p : platforms::tech::load_presets({{platforms::tech::shipped_preset_folder(), ""}})) {
    for (const auto* list : {&p.link.cost, &p.sw.cost, &p.ocs.cost, &p.nic.cost, &p.accelerator.cost})
      for (const auto& item : *list) {
        ++items;
        EXPECT_FALSE(item.source.empty()) << p.name << " " << item.name;
        EXPECT_GT(item.usd, 0.0) << p.name << " " << item.name;
        if (item.confidence == "estimate" || item.confidence == "derived") {
          EXPECT_FALSE(item.derivation.empty()) << p.name << " " << item.name;
        }
      }
  }
  EXPECT_GE(items, 20);
}

}  // namespace test_cost
}  // namespace
}  // namespace pjbit
