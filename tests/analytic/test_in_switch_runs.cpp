// nvls_tree and collnet run on a tiered platform: each rank's network port carries its slice (the buffer over
// the domain's ranks) once each way, the reduction engines named by the algorithms' slots are those of the
// switches that join their ranks, and a platform whose switches cannot reduce is an input error naming the
// switch. Both engines.
#include <gtest/gtest.h>

#include <string>
#include <systemc>

#include "core/errors.h"
#include "support/sim.h"

namespace {
namespace test_in_switch_runs {

constexpr double kMiB = 1024.0 * 1024.0;

// Two domains of four ranks; the switches reduce where asked.
std::string platform(const std::string& engine, bool inner_reduces, bool outer_reduces) {
  return "name: t2\nengine: " + engine +
         "\npacket: 64 KiB\ntiers:\n"
         "  - { name: up, kind: switch, ranks: 4, link: { bandwidth: 400 GB/s, latency: 100 ns }, "
         "switch: { latency: 100 ns, radix: 64, in_network: " +
         (inner_reduces ? "true" : "false") +
         " } }\n"
         "  - { name: out, kind: switch, domains: 2, link: { bandwidth: 50 GB/s, latency: 500 ns }, "
         "switch: { latency: 500 ns, radix: 64, in_network: " +
         (outer_reduces ? "true" : "false") + " } }\n";
}

std::string workload(const std::string& algorithm) {
  return "name: w\nsteps:\n  - { collective: all_reduce, size: 64 MiB, algorithm: " + algorithm + " }\n";
}

pjbit::testing::Outcome run(const std::string& platform_yaml, const std::string& workload_yaml) {
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
  return pjbit::testing::simulate_yaml(platform_yaml, workload_yaml);
}

// Wire bytes on the rank-to-switch and switch-to-rank links of `tier`, per rank.
std::vector<double> port_bytes(const pjbit::testing::Outcome& o, const std::string& tier, bool up) {
  std::vector<double> bytes(8, 0.0);
  for (const auto& l : o.sim.links) {
    if (l.tier != tier) continue;
    const auto arrow = l.id.find("->");
    const std::string from = l.id.substr(0, arrow), to = l.id.substr(arrow + 2);
    const std::string& rank = up ? from : to;
    if (rank.size() < 2 || rank[0] != 'r' || rank.find('.') != std::string::npos) continue;
    bytes[static_cast<std::size_t>(std::stoi(rank.substr(1)))] += l.bytes;
  }
  return bytes;
}

class InSwitch : public ::testing::TestWithParam<const char*> {};

TEST_P(InSwitch, CollNetSendsEachSliceOnceEachWayAndReducesInTheNetworkSwitch) {
  const auto o = run(platform(GetParam(), false, true), workload("collnet"));
  ASSERT_EQ(o.sim.steps.at(0).algorithm, "collnet");
  for (bool up : {true, false})
    for (double b : port_bytes(o, "out", up))
      EXPECT_DOUBLE_EQ(b, 16 * kMiB);  // 64 MiB over 4 ranks a domain
  // Inside the domain: the other 3 slices (reduce-scatter) and the rank's slice to 3 others (all-gather).
  for (double b : port_bytes(o, "up", true))
    EXPECT_DOUBLE_EQ(b, 96 * kMiB);
  // The network is the bottleneck: 16 MiB at 50 GB/s, and the pipeline's fill.
  const double network_s = 16 * kMiB / 50e9;
  EXPECT_GT(o.sim.sim_time_s, network_s);
  EXPECT_LT(o.sim.sim_time_s, 1.25 * network_s);
}

TEST_P(InSwitch, NvlsTreeReducesInEachDomainsSwitchAndExchangesSlicesAcross) {
  const auto o = run(platform(GetParam(), true, false), workload("nvls_tree"));
  ASSERT_EQ(o.sim.steps.at(0).algorithm, "nvls_tree");
  for (bool up : {true, false})
    for (double b : port_bytes(o, "out", up))
      EXPECT_DOUBLE_EQ(b, 16 * kMiB);  // two domains: each tree is one exchange of half the slice
  // Through the domain's switch: the buffer and the slice each way.
  for (bool up : {true, false})
    for (double b : port_bytes(o, "up", up))
      EXPECT_DOUBLE_EQ(b, 80 * kMiB);
}

TEST_P(InSwitch, SwitchesThatCannotReduceAreInputErrors) {
  const auto error = [&](bool inner, bool outer, const std::string& algorithm) {
    try {
      run(platform(GetParam(), inner, outer), workload(algorithm));
    } catch (const pjbit::core::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(
      error(true, false, "collnet"),
      "workload.yaml:3:5: steps.0.algorithm: collnet: the switch out.sw0 cannot reduce (set in_network: "
      "true on it)");
  EXPECT_EQ(
      error(false, true, "nvls_tree"),
      "workload.yaml:3:5: steps.0.algorithm: nvls_tree: the switch up.sw0 cannot reduce (set in_network: "
      "true on it)");
}

INSTANTIATE_TEST_SUITE_P(Engines, InSwitch, ::testing::Values("packet", "flow"));

}  // namespace test_in_switch_runs
}  // namespace
