// Links that sleep when idle (platform link_sleep): an idle-heavy workload draws less static energy, by
// exactly the sleeping time x the link's static power x (1 - the sleep power), and the transfer that finds a
// link asleep pays the wake-up latency. Both engines agree; lasers stay on.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/testing.h"

namespace {
namespace test_link_sleep {

using nlohmann::json;
using pjbit::testing::read_file;
using pjbit::testing::run_program;
using pjbit::testing::TempDir;

// Compute 1 ms, an 8 MiB ring all-reduce, compute 1 ms, the all-reduce again: links idle most of the time.
const char* kWorkload = R"(name: idle_heavy
steps:
  - compute: { duration: 1 ms }
  - collective: all_reduce
    size: 8 MiB
    algorithm: ring
  - compute: { duration: 1 ms }
  - collective: all_reduce
    size: 8 MiB
    algorithm: ring
)";

json run(const TempDir& dir, const std::string& link, const std::string& engine, const std::string& sleep) {
  const std::string platform =
      dir.write("p.yaml", "name: sleepy\nengine: " + engine + "\n" +
                              (sleep.empty() ? "" : "link_sleep: " + sleep + "\n") +
                              "topology: { kind: ring, ranks: 8, link: " + link + " }\n");
  const std::string workload = dir.write("w.yaml", kWorkload);
  const std::string report = dir.path() + "/r.json";
  const auto r = run_program({"run", platform, workload, "--quiet", "--json", report});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return json::parse(read_file(report));
}

std::vector<double> collective_times(const json& report) {
  std::vector<double> out;
  for (const json& s : report.at("steps"))
    if (s.at("kind") == "collective") out.push_back(s.at("time_s").get<double>());
  return out;
}

class LinkSleep : public ::testing::TestWithParam<const char*> {};

TEST_P(LinkSleep, SavesStaticEnergyAndPaysTheWakeUp) {
  TempDir dir;
  const std::string link = "{ bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit, static_power: 10 W }";
  const json awake = run(dir, link, GetParam(), "");
  const json sleepy = run(dir, link, GetParam(), "{ after: 10 us, wake: 2 us, power: 0.1 }");
  // Every all-reduce finds its links asleep and waits 2 us for them.
  const auto t0 = collective_times(awake), t1 = collective_times(sleepy);
  ASSERT_EQ(t0.size(), 2u);
  ASSERT_EQ(t1.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i)
    EXPECT_NEAR(t1[i] - t0[i], 2e-6, 1e-12) << "all-reduce " << i;
  // Static energy: 8 links x 10 W over the run, less what they did not draw asleep.
  const json& sl = sleepy.at("link_sleep");
  const double slept = sl.at("slept_link_s").get<double>();
  EXPECT_EQ(sl.at("wakes").get<int>(), 16);  // 8 links, woken by each all-reduce
  EXPECT_GT(slept, 8 * 1.9e-3);              // each link sleeps through most of both compute steps
  const double run_s = sleepy.at("sim_time_s").get<double>();
  const double expected = 8 * 10.0 * run_s - slept * 10.0 * (1.0 - 0.1);
  EXPECT_NEAR(sleepy.at("energy_j").at("static").get<double>(), expected, 1e-9 * expected);
  EXPECT_NEAR(sl.at("saved_j").get<double>(), slept * 10.0 * 0.9, 1e-12);
  EXPECT_LT(sleepy.at("energy_j").at("static").get<double>(),
            0.3 * awake.at("energy_j").at("static").get<double>());
  // Dynamic energy does not change: the same bits cross the same links.
  EXPECT_DOUBLE_EQ(sleepy.at("energy_j").at("dynamic").get<double>(),
                   awake.at("energy_j").at("dynamic").get<double>());
}

TEST_P(LinkSleep, LasersStayOn) {
  TempDir dir;
  // An external laser's power is category laser: the link sleeps, its laser does not.
  const std::string link =
      "{ bandwidth: 100 GB/s, latency: 500 ns, stack: [ { category: serdes, energy: 5 pJ/bit, power: 10 W }, "
      "{ category: laser, power: 4 W } ] }";
  const json awake = run(dir, link, GetParam(), "");
  const json sleepy = run(dir, link, GetParam(), "{ after: 10 us, wake: 2 us }");
  const auto laser = [](const json& r) {
    return r.at("energy_j").at("by_category").at("laser").get<double>();
  };
  ASSERT_GT(laser(awake), 0.0);
  // The laser draws its power for the whole (slightly longer) run; the SerDes saves what it slept.
  const double ratio = laser(sleepy) / laser(awake);
  EXPECT_NEAR(ratio, sleepy.at("sim_time_s").get<double>() / awake.at("sim_time_s").get<double>(), 1e-9);
  const auto serdes_static = [](const json& r) {
    return r.at("energy_j").at("static_by_category").at("serdes").get<double>();
  };
  EXPECT_LT(serdes_static(sleepy), 0.3 * serdes_static(awake));
}

INSTANTIATE_TEST_SUITE_P(Engines, LinkSleep, ::testing::Values("packet", "flow"));

TEST(LinkSleepInput, BadValuesAreOneErrorLine) {
  TempDir dir;
  const std::string workload = dir.write("w.yaml", kWorkload);
  for (const char* sleep : {"{ wake: 1 us }", "{ after: 10 us }", "{ after: -1 us, wake: 1 us }",
                            "{ after: 10 us, wake: 1 us, power: 2 }", "{ after: 10 GB, wake: 1 us }",
                            "{ after: 10 us, wake: 1 us, nap: yes }", "yes"}) {
    const std::string platform = dir.write(
        "p.yaml", std::string("name: p\nlink_sleep: ") + sleep +
                      "\ntopology: { kind: ring, ranks: 4, link: { bandwidth: 100 GB/s, latency: 1 us } }\n");
    const auto r = run_program({"validate", platform, workload});
    EXPECT_EQ(r.exit_code, 2) << sleep;
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << sleep << ": " << r.err;
    EXPECT_NE(r.err.find("link_sleep"), std::string::npos) << sleep << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << sleep << ": " << r.err;
  }
}

}  // namespace test_link_sleep
}  // namespace
