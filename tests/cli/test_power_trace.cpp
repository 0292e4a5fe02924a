// The report's power over time (power_trace): every category's power, integrated over the windows, gives the
// category's energy in energy_j.by_category, and every tier's fabric power its energy_j.by_tier (within
// 0.1%); windows tile the run, and the CSV carries the trace's window and peak.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "support/testing.h"

namespace {

using nlohmann::json;
using pjbit::testing::read_file;
using pjbit::testing::run_program;
using pjbit::testing::source_dir;
using pjbit::testing::TempDir;

void expect_conserved(const std::string& platform, const std::vector<std::string>& extra) {
  TempDir dir;
  const std::string report = dir.path() + "/r.json", csv = dir.path() + "/r.csv";
  std::vector<std::string> args = {"run",
                                   source_dir() + "/platforms/" + platform,
                                   source_dir() + "/workloads/train_step.yaml",
                                   "--quiet",
                                   "--json",
                                   report,
                                   "--csv",
                                   csv};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = run_program(args, 120.0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(read_file(report));
  const json& trace = j.at("power_trace");
  std::vector<double> edges = trace.at("t_s").get<std::vector<double>>();
  ASSERT_GT(edges.size(), 10u);
  EXPECT_DOUBLE_EQ(edges.front(), 0.0);
  edges.push_back(j.at("sim_time_s").get<double>());
  int categories = 0;
  for (const auto& [name, energy] : j.at("energy_j").at("by_category").items()) {
    const double e = energy.get<double>();
    if (e == 0.0) continue;
    ASSERT_TRUE(trace.at("by_category").contains(name)) << name;
    const auto watts = trace.at("by_category").at(name).get<std::vector<double>>();
    ASSERT_EQ(watts.size() + 1, edges.size());
    double integral = 0.0;
    for (std::size_t i = 0; i < watts.size(); ++i) {
      EXPECT_GE(watts[i], 0.0);
      integral += watts[i] * (edges[i + 1] - edges[i]);
    }
    EXPECT_NEAR(integral, e, 1e-3 * e) << platform << " " << name;
    ++categories;
  }
  EXPECT_GE(categories, 4);
  // Per tier: the fabric's power over time integrates to energy_j.by_tier, and the tiers sum to the fabric.
  double fabric = 0.0;
  int tiers = 0;
  for (const auto& [name, energy] : j.at("energy_j").at("by_tier").items()) {
    const double e = energy.get<double>();
    fabric += e;
    if (e == 0.0) continue;
    ASSERT_TRUE(trace.at("fabric_by_tier").contains(name)) << name;
    const auto watts = trace.at("fabric_by_tier").at(name).get<std::vector<double>>();
    ASSERT_EQ(watts.size() + 1, edges.size());
    double integral = 0.0;
    for (std::size_t i = 0; i < watts.size(); ++i) {
      EXPECT_GE(watts[i], 0.0);
      integral += watts[i] * (edges[i + 1] - edges[i]);
    }
    EXPECT_NEAR(integral, e, 1e-3 * e) << platform << " tier " << name;
    ++tiers;
  }
  EXPECT_GE(tiers, 1);
  EXPECT_NEAR(fabric, j.at("energy_j").at("fabric").get<double>(), 1e-6 * fabric);
  // The peak of the sampled total is at least the average power and no more than the report's peak
  // allows for a window: it is what the CSV carries.
  EXPECT_GE(trace.at("peak_w").get<double>(), j.at("power_w").at("average").get<double>() * (1 - 1e-9));
  const std::string row = read_file(csv);
  EXPECT_NE(row.find("power_trace_window_s,power_trace_peak_w"), std::string::npos);
}

TEST(PowerTrace, IntegratesToTheEnergyOfEveryCategoryOnPackets) {
  expect_conserved("pod8-nvswitch.yaml", {});
}

TEST(PowerTrace, IntegratesToTheEnergyOfEveryCategoryOnFlows) {
  expect_conserved("pods-fattree-cpo.yaml", {"--set", "engine=flow"});
}

}  // namespace

namespace {

TEST(PowerTrace, WindowIsConfigurable) {
  TempDir dir;
  const std::string report = dir.path() + "/r.json";
  const std::string platform = source_dir() + "/platforms/ring8.yaml";
  const std::string workload = source_dir() + "/workloads/allreduce_1g.yaml";
  auto r = run_program({"run", platform, workload, "--quiet", "--json", report, "--power-window", "100 us"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(read_file(report));
  EXPECT_DOUBLE_EQ(j.at("power_trace").at("window_s").get<double>(), 100e-6);
  const auto starts = j.at("power_trace").at("t_s").get<std::vector<double>>();
  EXPECT_EQ(starts.size(), static_cast<std::size_t>(std::ceil(j.at("sim_time_s").get<double>() / 100e-6)));
  for (const char* bad : {"fast", "0 s", "-1 us", "10 GB"}) {
    r = run_program({"run", platform, workload, "--quiet", "--power-window", bad});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_EQ(r.err.rfind("error: --power-window: ", 0), 0u) << bad << ": " << r.err;
  }
}

}  // namespace
