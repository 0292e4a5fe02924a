// The report's power over time (power_trace): every category's power, integrated over the windows, gives the
// category's energy in energy_j.by_category, and every tier's fabric power its energy_j.by_tier (within
// 0.1%); windows tile the run, and the CSV carries the trace's window and peak.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/testing.h"

namespace {
namespace test_power_trace {

using nlohmann::json;
using pjbit::testing::read_file;
using pjbit::testing::run_program;
using pjbit::testing::source_dir;
using pjbit::testing::TempDir;

// The report of a shipped platform with the training step: its golden report, which the golden tier checks
// the program still writes.
void expect_conserved(const std::string& platform, const std::string& engine) {
  const json j = pjbit::testing::golden_report(platform, "train_step", engine);
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
}

TEST(PowerTrace, IntegratesToTheEnergyOfEveryCategoryOnPackets) {
  expect_conserved("pod8-nvswitch", "packet");
}

TEST(PowerTrace, IntegratesToTheEnergyOfEveryCategoryOnFlows) {
  expect_conserved("pods-fattree-cpo", "flow");
}

TEST(PowerTrace, TheCsvCarriesTheTracesWindowAndPeak) {
  TempDir dir;
  const std::string report = dir.path() + "/r.json", csv = dir.path() + "/r.csv";
  const auto r = run_program({"run", source_dir() + "/platforms/ring8.yaml",
                              source_dir() + "/workloads/allreduce_1g.yaml", "--quiet", "--set",
                              "steps.0.size=1 MiB", "--json", report, "--csv", csv});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json trace = json::parse(read_file(report)).at("power_trace");
  const std::string text = read_file(csv);
  const std::size_t eol = text.find('\n');
  ASSERT_NE(eol, std::string::npos) << text;
  const auto fields = [](const std::string& line) {
    std::vector<std::string> out;
    std::size_t from = 0;
    for (std::size_t comma; (comma = line.find(',', from)) != std::string::npos; from = comma + 1)
      out.push_back(line.substr(from, comma - from));
    out.push_back(line.substr(from));
    return out;
  };
  const auto header = fields(text.substr(0, eol));
  const auto row = fields(text.substr(eol + 1, text.find('\n', eol + 1) - eol - 1));
  ASSERT_EQ(header.size(), row.size()) << text;
  ASSERT_GE(header.size(), 2u);
  EXPECT_EQ(header[header.size() - 2], "power_trace_window_s");
  EXPECT_EQ(header.back(), "power_trace_peak_w");
  // Both are written as the shortest text that reads back as the same double.
  EXPECT_DOUBLE_EQ(std::stod(row[row.size() - 2]), trace.at("window_s").get<double>());
  EXPECT_DOUBLE_EQ(std::stod(row.back()), trace.at("peak_w").get<double>());
  EXPECT_GT(trace.at("peak_w").get<double>(), 0.0);
}

}  // namespace test_power_trace
}  // namespace

namespace {
namespace test_power_trace {

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

}  // namespace test_power_trace
}  // namespace
