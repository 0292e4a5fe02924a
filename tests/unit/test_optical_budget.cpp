// The optical link budget (platforms/optical_budget.md): the closed forms of a direct path, a path through
// an OCS and an external laser's launch power, the worst path of each kind, and the loader's refusals.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/errors.h"
#include "core/units.h"
#include "platforms/loader.h"
#include "platforms/optical_budget.h"
#include "platforms/topology.h"

namespace {
namespace test_optical_budget {

using pjbit::core::Dim;
using pjbit::core::InputError;
using pjbit::platforms::OpticalPath;

pjbit::platforms::PlatformSpec spec(const std::string& topology) {
  return pjbit::platforms::parse_platform("name: t\ntopology: " + topology + "\n", "t.yaml");
}

std::vector<OpticalPath> paths(const std::string& topology) {
  const auto s = spec(topology);
  return pjbit::platforms::optical_paths(s, pjbit::platforms::make_topology(s));
}

// The message of the InputError the topology raises ("" when it loads).
std::string refusal(const std::string& topology) {
  try {
    paths(topology);
  } catch (const InputError& e) {
    // what() is "FILE:LINE:COL: KEY: MESSAGE"; the test compares KEY: MESSAGE.
    const std::string what = e.what();
    return what.substr(what.find(std::string(e.key()) + ": "));
  }
  return "";
}

const std::string kSwitch = "switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 64 }";

TEST(OpticalBudget, PowerLevelsAndFibreLossParse) {
  EXPECT_DOUBLE_EQ(pjbit::core::parse_quantity("-1.9 dBm", Dim::PowerLevel), -1.9);
  EXPECT_DOUBLE_EQ(pjbit::core::parse_quantity("1.2 dBm", Dim::PowerLevel), 1.2);
  EXPECT_EQ(pjbit::core::parse_quantity("-0 dBm", Dim::PowerLevel), 0.0);
  EXPECT_DOUBLE_EQ(pjbit::core::parse_quantity("0.5 dB/km", Dim::LossPerLength), 0.5e-3);
  EXPECT_DOUBLE_EQ(pjbit::core::parse_quantity("0.002 dB/m", Dim::LossPerLength), 0.002);
  // Only a level may be negative, and only with one minus sign before its number.
  EXPECT_THROW(pjbit::core::parse_quantity("-1 dB", Dim::Loss), pjbit::core::QuantityError);
  EXPECT_THROW(pjbit::core::parse_quantity("--1 dBm", Dim::PowerLevel), pjbit::core::QuantityError);
  EXPECT_THROW(pjbit::core::parse_quantity("- 1 dBm", Dim::PowerLevel), pjbit::core::QuantityError);
  EXPECT_THROW(pjbit::core::parse_quantity("-1 dB", Dim::PowerLevel), pjbit::core::QuantityError);
  EXPECT_THROW(pjbit::core::parse_quantity("1 mW", Dim::PowerLevel), pjbit::core::QuantityError);
}

TEST(OpticalBudget, ADirectPathIsFibreAndConnectorsAgainstLaunchLessSensitivity) {
  // 300 m at 0.4 dB/km = 0.12 dB, 3 connectors x 0.3 dB = 0.9 dB; budget 1.2 - (-1.9) = 3.1 dB.
  const auto p = paths("{ kind: switch, ranks: 4, " + kSwitch +
                       ", link: { bandwidth: 100 GB/s, latency: 500 ns, length: 300 m, optics: { launch: 1.2 "
                       "dBm, sensitivity: "
                       "-1.9 dBm, fibre_loss: 0.4 dB/km, connectors: 3, connector_loss: 0.3 dB } } }");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].links, 4);
  EXPECT_TRUE(p[0].via.empty());
  EXPECT_DOUBLE_EQ(p[0].fibre_m, 300.0);
  EXPECT_NEAR(p[0].fibre_db, 0.12, 1e-12);
  EXPECT_EQ(p[0].connectors, 3);
  EXPECT_NEAR(p[0].connectors_db, 0.9, 1e-12);
  EXPECT_EQ(p[0].ocs_db, 0.0);
  EXPECT_NEAR(p[0].loss_db, 1.02, 1e-12);
  ASSERT_TRUE(p[0].launch_dbm && p[0].sensitivity_dbm);
  EXPECT_DOUBLE_EQ(*p[0].launch_dbm, 1.2);
  EXPECT_DOUBLE_EQ(*p[0].sensitivity_dbm, -1.9);
  EXPECT_NEAR(p[0].budget_db, 3.1, 1e-12);
  EXPECT_NEAR(p[0].margin_db, 2.08, 1e-12);
  EXPECT_EQ(p[0].key, "topology.link.optics");
}

TEST(OpticalBudget, WithoutALengthTheFibreIsTheRegimes) {
  // A row-scale link runs 50 m (reach.md): 0.025 dB at the default 0.5 dB/km.
  const auto p =
      paths("{ kind: switch, ranks: 2, " + kSwitch +
            ", link: { bandwidth: 100 GB/s, latency: 500 ns, regime: row, optics: { budget: 4 dB } } }");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_DOUBLE_EQ(p[0].fibre_m, 50.0);
  EXPECT_NEAR(p[0].fibre_db, 0.025, 1e-15);
  EXPECT_NEAR(p[0].margin_db, 4.0 - 0.025 - 2 * 0.5, 1e-12);
  // A given budget explains nothing more.
  EXPECT_FALSE(p[0].launch_dbm.has_value());
  EXPECT_EQ(p[0].budget_terms(), "given");
}

TEST(OpticalBudget, AnExternalLaserLaunchesItsOutputLessItsSplitAndPath) {
  // 20 dBm (0.1 W) split 8 ways, less 8 dB: 20 - 10 log10(8) - 8 = 2.969 dBm; budget 2.969 + 1.9 dB.
  const auto p =
      paths("{ kind: switch, ranks: 2, " + kSwitch +
            ", link: { bandwidth: 100 GB/s, latency: 500 ns, optics: { sensitivity: -1.9 dBm, "
            "laser: { optical_power: 0.1 W, efficiency: 0.1, count: 2, split: 8, path_loss: 8 dB } } } }");
  ASSERT_EQ(p.size(), 1u);
  const double launch = 20.0 - 10.0 * std::log10(8.0) - 8.0;
  ASSERT_TRUE(p[0].launch_dbm && p[0].laser_dbm);
  EXPECT_NEAR(*p[0].laser_dbm, 20.0, 1e-12);
  EXPECT_NEAR(p[0].split_db, 10.0 * std::log10(8.0), 1e-12);
  EXPECT_DOUBLE_EQ(p[0].laser_path_db, 8.0);
  EXPECT_NEAR(*p[0].launch_dbm, launch, 1e-12);
  EXPECT_NEAR(p[0].budget_db, launch + 1.9, 1e-12);
  EXPECT_EQ(p[0].budget_terms(),
            "launch 2.97 dBm (laser 20 dBm - split 9.03 dB - path 8 dB) - sensitivity -1.9 dBm");
}

TEST(OpticalBudget, ThroughAnOcsTwoLinksLoseTheirFibreTheirOuterConnectorsAndTheOcs) {
  // Two links of 100 m: 200 m x 0.5 dB/km = 0.1 dB; one connector each side (the OCS port's is in its
  // insertion loss): 2 x 0.5 dB; the OCS 2 dB. 3.1 dB of a 3.1 dB budget: a margin of 0, accepted.
  const std::string ocs =
      "{ kind: ocs, ranks: 4, link: { bandwidth: 100 GB/s, latency: 500 ns, length: 100 m, "
      "optics: { launch: 1.2 dBm, sensitivity: -1.9 dBm } }, ocs: { ports: 8, "
      "insertion_loss: ";
  const auto p = paths(ocs + "2 dB } }");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].via, "ocs0");
  EXPECT_EQ(p[0].links, 8);  // two ports a rank
  EXPECT_DOUBLE_EQ(p[0].fibre_m, 200.0);
  EXPECT_EQ(p[0].connectors, 2);
  EXPECT_DOUBLE_EQ(p[0].ocs_db, 2.0);
  EXPECT_NEAR(p[0].loss_db, 3.1, 1e-12);
  EXPECT_NEAR(p[0].margin_db, 0.0, 1e-12);
  // A rank's two ports into the OCS make no path: the path joins two ranks.
  EXPECT_EQ(p[0].from, "r0");
  EXPECT_NE(p[0].to, "r0");
  // 0.25 dB more in the OCS: refused, naming the link's key, the path, each loss and the budget.
  EXPECT_EQ(refusal(ocs + "2.25 dB } }"),
            "topology.link.optics: the optical path r0 -> ocs0 -> r1 loses 3.35 dB (fibre 200 m = 0.1 dB + 2 "
            "connectors = 1 dB + OCS 2.25 dB), more than the optics' budget of 3.1 dB (launch 1.2 dBm - "
            "sensitivity -1.9 dBm): a margin of -0.25 dB");
}

TEST(OpticalBudget, ADirectPathBeyondItsBudgetIsRefused) {
  EXPECT_EQ(
      refusal("{ kind: switch, ranks: 2, " + kSwitch +
              ", link: { bandwidth: 100 GB/s, latency: 500 ns, length: 2000 m, optics: { budget: 1.5 dB, "
              "connectors: 2, connector_loss: 0.5 dB } } }"),
      "topology.link.optics: the optical path r0 -> sw0 loses 2 dB (fibre 2000 m = 1 dB + 2 connectors = 1 "
      "dB), more than the optics' budget of 1.5 dB (given): a margin of -0.5 dB");
}

TEST(OpticalBudget, TheLoaderWantsABudgetOrWhatItFollowsFrom) {
  auto err = [](const std::string& optics) {
    try {
      spec("{ kind: switch, ranks: 2, " + kSwitch +
           ", link: { bandwidth: 100 GB/s, latency: 500 ns, optics: " + optics + " } }");
    } catch (const InputError& e) {
      const std::string what = e.what();
      return what.substr(what.find(std::string(e.key()) + ": "));
    }
    return std::string();
  };
  EXPECT_NE(err("{ budget: 3 dB, launch: 1 dBm }")
                .find("topology.link.optics.budget: expected either a budget or "
                      "the launch power and sensitivity"),
            std::string::npos);
  EXPECT_NE(err("{ launch: 1 dBm }").find("topology.link.optics.sensitivity"), std::string::npos)
      << err("{ launch: 1 dBm }");
  EXPECT_NE(err("{ sensitivity: -2 dBm }").find("topology.link.optics.launch"), std::string::npos);
  EXPECT_NE(err("{ connectors: 2 }").find("topology.link.optics.budget"), std::string::npos);
  EXPECT_NE(
      err("{ launch: -3 dBm, sensitivity: -2 dBm }")
          .find("topology.link.optics.sensitivity: expected a receiver sensitivity below the launch power of "
                "-3.00 dBm"),
      std::string::npos)
      << err("{ launch: -3 dBm, sensitivity: -2 dBm }");
  EXPECT_NE(err("{ launch: 1 dB, sensitivity: -2 dBm }").find("topology.link.optics.launch"),
            std::string::npos);
  EXPECT_NE(err("{ budget: 3 dB, fibre_loss: 0.5 dB }").find("topology.link.optics.fibre_loss"),
            std::string::npos);
  EXPECT_NE(err("{ sensitivity: -2 dBm, laser: { split: 8 } }").find("topology.link.optics.laser.split"),
            std::string::npos)
      << err("{ sensitivity: -2 dBm, laser: { split: 8 } }");
  EXPECT_EQ(err("{ launch: 1 dBm, sensitivity: -2 dBm }"), "");
}

}  // namespace test_optical_budget
}  // namespace
