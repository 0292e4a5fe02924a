// Heat at the package (power/thermal.md): a switch whose optical engines are co-packaged reports its power
// density and a junction temperature that follows its power trace through the thermal model's closed form;
// above its junction limit the run warns (one `warning:` line on stderr each, the report's
// packages.warnings) and still succeeds; every bad value of a package key is one `error:` line, exit 2.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "support/testing.h"

namespace {
namespace test_package_heat {

using json = nlohmann::json;
using pjbit::testing::count_lines;
using pjbit::testing::ProcessResult;
using pjbit::testing::read_file;
using pjbit::testing::run_program;
using pjbit::testing::TempDir;

// Two ranks on one switch. Each link's stack has an optical engine of 4 W at each end (laser, count 2),
// co-packaged: 4 W of it sits in the switch's package per link. The switch draws 100 W static, so its package
// draws 100 + 2 x 4 = 108 W whenever nothing crosses it. R = 0.2 K/W to air at 27 C, C = 0.01 J/K: tau = 2
// ms.
std::string platform(const std::string& tj_max) {
  return "name: cpo-switch\n"
         "accelerator: { compute: 1000 TFLOP/s, idle_power: 100 W, compute_power: 300 W }\n"
         "topology:\n"
         "  kind: switch\n"
         "  ranks: 2\n"
         "  link:\n"
         "    bandwidth: 100 GB/s\n"
         "    latency: 100 ns\n"
         "    stack: [ { category: serdes, energy: 2 pJ/bit }, { category: laser, power: 4 W, count: 2 } ]\n"
         "    optics: { placement: co-packaged, budget: 4 dB }\n"
         "  switch:\n"
         "    energy: 10 pJ/bit\n"
         "    static_power: 100 W\n"
         "    radix: 8\n"
         "    package: { area: 500 mm2, thermal_resistance: { air: 0.2 K/W }, heat_capacity: 0.01 J/K, "
         "tj_max: " +
         tj_max + " }\n";
}

// Idle (static power only) for 5 ms, an all-reduce, idle again.
const char* kWorkload =
    "name: steps\n"
    "steps:\n"
    "  - compute: { duration: 5 ms }\n"
    "  - { collective: all_reduce, size: 1 GiB, algorithm: ring }\n"
    "  - compute: { duration: 5 ms }\n";

json run(const TempDir& dir, const std::string& tj_max, ProcessResult* out = nullptr) {
  const std::string p = dir.write("platform.yaml", platform(tj_max));
  const std::string w = dir.write("workload.yaml", kWorkload);
  const std::string report = dir.path() + "/r.json";
  const ProcessResult r = run_program({"run", p, w, "--quiet", "--json", report}, 120.0);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (out != nullptr) *out = r;
  return json::parse(read_file(report));
}

TEST(PackageHeat, ACoPackagedSwitchsJunctionFollowsItsPowerThroughTheClosedForm) {
  TempDir dir;
  ProcessResult r;
  const json j = run(dir, "105 C", &r);
  EXPECT_TRUE(r.err.empty()) << r.err;
  const json& pk = j.at("packages");
  EXPECT_EQ(pk.at("cooling"), "air");
  EXPECT_EQ(pk.at("policy"), "warn");
  const double tc = pk.at("coolant_c").get<double>();
  EXPECT_DOUBLE_EQ(tc, 27.0);
  ASSERT_EQ(pk.at("items").size(), 1u);  // the accelerators have no package given
  const json& s = pk.at("items")[0];
  EXPECT_EQ(s.at("kind"), "switch");
  EXPECT_EQ(s.at("count"), 1);
  const double r_th = s.at("r_th_k_per_w").get<double>(), tau = s.at("time_constant_s").get<double>();
  EXPECT_DOUBLE_EQ(r_th, 0.2);
  EXPECT_NEAR(tau, 0.2 * 0.01, 1e-15);
  // Static: the switch's 100 W and the co-packaged engine at its end of each of its two links.
  EXPECT_NEAR(s.at("power_w").at("static").get<double>(), 108.0, 1e-9);

  // The windows of the power trace, and the package's power in each.
  const auto starts = j.at("power_trace").at("t_s").get<std::vector<double>>();
  const auto p = s.at("power_trace_w").get<std::vector<double>>();
  const auto tj = s.at("tj_trace_c").get<std::vector<double>>();
  const double end = j.at("sim_time_s").get<double>();
  ASSERT_EQ(p.size(), starts.size());
  ASSERT_EQ(tj.size(), starts.size());
  ASSERT_GT(p.size(), 10u);
  // Idle windows draw the static power alone; the all-reduce's windows more.
  EXPECT_NEAR(*std::min_element(p.begin(), p.end()), 108.0, 1e-9);
  EXPECT_GT(*std::max_element(p.begin(), p.end()), 110.0);
  EXPECT_NEAR(s.at("power_w").at("peak").get<double>(), *std::max_element(p.begin(), p.end()), 1e-9);
  double energy = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i)
    energy += p[i] * ((i + 1 < starts.size() ? starts[i + 1] : end) - starts[i]);
  EXPECT_NEAR(s.at("power_w").at("average").get<double>(), energy / end, 1e-9);
  EXPECT_NEAR(s.at("w_per_mm2").at("average").get<double>(), energy / end / 500.0, 1e-12);

  // The closed form, window by window: T(t+dt) = T_ss + (T(t) - T_ss) exp(-dt / tau), T_ss = T_c + P R,
  // from the reported start, which is the periodic steady state (the run ends where it started).
  double t = s.at("tj_c").at("initial").get<double>();
  double hottest = t;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double dt = (i + 1 < starts.size() ? starts[i + 1] : end) - starts[i];
    const double ss = tc + p[i] * r_th;
    t = ss + (t - ss) * std::exp(-dt / tau);
    EXPECT_NEAR(tj[i], t, 1e-9) << "window " << i;
    hottest = std::max(hottest, t);
  }
  EXPECT_NEAR(tj.back(), s.at("tj_c").at("initial").get<double>(), 1e-9);
  EXPECT_NEAR(s.at("tj_c").at("max").get<double>(), hottest, 1e-12);
  // After 5 ms idle (2.5 tau) the junction has fallen most of the way back to the idle steady state,
  // 27 + 0.2 x 108 = 48.6 C: within exp(-2.5) of its distance at the hottest, with a little slack for the
  // end of the all-reduce, which may share a window with the start of the idle time.
  EXPECT_GT(tj.back(), tc + 108.0 * r_th);
  EXPECT_LT(tj.back() - (tc + 108.0 * r_th), 1.01 * std::exp(-2.5) * (hottest - (tc + 108.0 * r_th)));
  EXPECT_FALSE(s.at("over_limit").get<bool>());
  EXPECT_TRUE(pk.at("warnings").empty());
}

TEST(PackageHeat, AJunctionAboveItsLimitWarnsOnceAndTheRunSucceeds) {
  TempDir dir;
  ProcessResult r;
  const json j = run(dir, "40 C", &r);  // the idle steady state alone is 48.6 C
  ASSERT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_TRUE(std::regex_search(
      r.err,
      std::regex(R"(^warning: the package of switch [^ ]+ \(tier topology, the hottest of 1\) reaches a )"
                 R"(junction temperature of [0-9.]+ C, above its limit of 40 C \([0-9]+ W at peak over )"
                 R"(500 mm2, 0\.2 K/W to its air coolant at 27 C\)\n$)")))
      << r.err;
  const json& pk = j.at("packages");
  EXPECT_TRUE(pk.at("items")[0].at("over_limit").get<bool>());
  ASSERT_EQ(pk.at("warnings").size(), 1u);
  EXPECT_EQ(pk.at("warnings")[0].at("kind"), "junction_temperature");
  EXPECT_EQ(pk.at("warnings")[0].at("message").get<std::string>() + "\n", r.err.substr(9));
  EXPECT_GT(pk.at("warnings")[0].at("value").get<double>(), 48.0);
  // The summary table carries it too.
  const ProcessResult table =
      run_program({"run", dir.path() + "/platform.yaml", dir.path() + "/workload.yaml"}, 120.0);
  EXPECT_NE(table.out.find("  warning: the package of switch"), std::string::npos) << table.out;
}

}  // namespace test_package_heat
}  // namespace

namespace {
namespace test_package_heat {

// Every bad value of a package key: one `error:` line naming file:line:col, the key and what was expected,
// exit 2, on validate as on run.
void expect_refused(const std::string& yaml, const std::string& expect) {
  TempDir dir;
  const std::string p = dir.write("platform.yaml", yaml);
  const ProcessResult r = run_program({"validate", p}, 60.0);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex("^error: [^\\n]*platform\\.yaml:" + expect)))
      << "stderr: " << r.err << "expected: " << expect;
}

// A switch of two ranks whose accelerator has a package of the values given (line 4 holds them).
std::string with_package(const std::string& package, const std::string& extra = "") {
  return "name: p\n"
         "accelerator:\n"
         "  preset: h100-sxm5\n"
         "  package: " +
         package +
         "\n"
         "topology: { kind: switch, ranks: 2, link: { bandwidth: 100 GB/s, latency: 100 ns, energy: 2 pJ/bit "
         "}, "
         "switch: { energy: 1 pJ/bit } }\n" +
         extra;
}

TEST(PackageKeys, EveryBadValueIsOneErrorLine) {
  expect_refused(with_package("{ area: -5 mm2 }"),
                 R"(4:20: accelerator\.package\.area: expected an area such as "400 mm2")");
  expect_refused(with_package("{ area: 0 mm2 }"),
                 R"(4:20: accelerator\.package\.area: expected an area .* above zero)");
  expect_refused(
      with_package("{ thermal_resistance: { air: 0 K/W } }"),
      R"(4:41: accelerator\.package\.thermal_resistance\.air: expected a thermal resistance such as )"
      R"("0\.04 K/W" above zero, got "0 K/W")");
  expect_refused(
      with_package("{ thermal_resistance: { air: 0.1 W } }"),
      R"(4:41: accelerator\.package\.thermal_resistance\.air: expected a thermal resistance such as )"
      R"("0\.04 K/W", got "0\.1 W" \(a power\))");
  expect_refused(
      with_package("{ thermal_resistance: { water: 0.1 K/W } }"),
      R"(4:36: accelerator\.package\.thermal_resistance\.water: unknown key "water"; expected one of: air, )"
      R"(liquid, immersion)");
  expect_refused(
      with_package("{ heat_capacity: 0 J/K }"),
      R"(4:29: accelerator\.package\.heat_capacity: expected a heat capacity such as "60 J/K" above zero)");
  expect_refused(
      with_package("{ tj_max: 250 C }"),
      R"(4:22: accelerator\.package\.tj_max: expected a junction limit of at most 200 C, got "250 C")");
  expect_refused(with_package("{ tj_max: 105 }"),
                 R"(4:22: accelerator\.package\.tj_max: expected a temperature such as "105 C", got "105")");
  expect_refused(
      with_package("{ confidence: sure }"),
      R"(4:26: accelerator\.package\.confidence: expected one of high, medium, low, derived, estimate, got "sure")");
  expect_refused(
      with_package("{ shoreline: 50 mm }"),
      R"(4:14: accelerator\.package\.shoreline: unknown key "shoreline"; expected one of: area, )");
  // A package needs a resistance for the way the platform cools it (a preset's fills in the kinds the
  // platform file leaves out, so this one is the platform file's own).
  expect_refused(
      "name: p\naccelerator:\n  package: { area: 100 mm2, thermal_resistance: { air: 0.1 K/W }, "
      "heat_capacity: 50 J/K, tj_max: 90 C }\n"
      "topology: { kind: ring, ranks: 2, link: { bandwidth: 100 GB/s, latency: 100 ns, energy: 2 pJ/bit } }\n"
      "cooling: { kind: immersion, overhead: 0.05 }\n",
      R"(3:12: accelerator\.package\.thermal_resistance\.immersion: the platform cools its packages by )"
      R"(immersion, and the package has no junction-to-coolant resistance for it; give one such as )"
      R"("0\.04 K/W"\n$)");
  // A new package in a platform file needs every figure.
  expect_refused(
      "name: p\naccelerator:\n  package: { area: 100 mm2 }\n"
      "topology: { kind: ring, ranks: 2, link: { bandwidth: 100 GB/s, latency: 100 ns, energy: 2 pJ/bit } "
      "}\n",
      R"(3:12: accelerator\.package\.thermal_resistance: missing; expected)");
  // An optical engine's placement is one of three.
  expect_refused(
      "name: p\ntopology:\n  kind: ring\n  ranks: 2\n  link: { bandwidth: 100 GB/s, latency: 100 ns, "
      "energy: 2 pJ/bit, optics: { budget: 4 dB, placement: inside } }\n",
      R"(5:.*topology\.link\.optics\.placement: expected one of)");
}

}  // namespace test_package_heat
}  // namespace
