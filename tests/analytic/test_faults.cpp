// Faults during a run (engine/faults.md) against what the model predicts: a cut link's flows stand still
// until the fault is detected and then finish over the routes left; a cut with no route left waits for the
// repair, or ends the run naming the rank pairs cut off; a laser source takes every link it feeds down; a
// link at half its lanes and a link whose bit errors beat its FEC slow the collectives that cross them by
// the closed form, and resent bytes cost their energy.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <systemc>
#include <vector>

#include "core/errors.h"
#include "platforms/faults.h"
#include "platforms/loader.h"
#include "platforms/topology.h"
#include "support/sim.h"

namespace {
namespace test_faults {

using pjbit::testing::Outcome;

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
constexpr double kTick = 1e-12;

Outcome run(const std::string& platform_yaml, const std::string& workload_yaml) {
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
  return pjbit::testing::simulate_yaml(platform_yaml, workload_yaml);
}

// Two leaves of two ranks under two spines; shortest-path routes take spine0 while it is up.
std::string fat_tree(const std::string& faults) {
  return "name: ft\nengine: flow\ntopology:\n  kind: fat_tree\n  ranks: 4\n  levels: 2\n  radix: 4\n"
         "  routing: shortest\n  link: { bandwidth: 100 GB/s, latency: 100 ns, energy: 5 pJ/bit }\n"
         "  switch: { latency: 200 ns, energy: 2 pJ/bit }\n" +
         faults;
}

// A ring of eight; its all-reduce sends from each rank to the next.
std::string ring(const std::string& faults, const std::string& extra = "") {
  return "name: ring\nengine: flow\naccelerator: { router_latency: 50 ns }\ntopology:\n  kind: ring\n"
         "  ranks: 8\n  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit" +
         extra + " }\n" + faults;
}

// One switch and eight ranks over co-packaged optics whose switch-side lasers come from one source.
std::string cpo_switch(const std::string& faults) {
  return "name: cpo\nengine: flow\ntopology:\n  kind: switch\n  ranks: 8\n"
         "  link: { bandwidth: 100 GB/s, latency: 100 ns, energy: 5 pJ/bit, optics: { budget: 4 dB, "
         "laser: { optical_power: 0.1 W, efficiency: 0.1, count: 2, shared_by: 8 } } }\n"
         "  switch: { latency: 200 ns, radix: 64 }\n" +
         faults;
}

std::string all_reduce(const std::string& size) {
  return "name: ar\nsteps:\n  - { collective: all_reduce, size: " + size + ", algorithm: ring }\n";
}

double link_bytes(const Outcome& o, const std::string& id) {
  for (const auto& l : o.sim.links)
    if (l.id == id) return l.bytes;
  ADD_FAILURE() << "no link " << id;
  return 0.0;
}

TEST(Faults, ACutFatTreeLinkReroutesAfterDetectionAndCostsExactlyTheDetectionTime) {
  const auto base = run(fat_tree(""), all_reduce("1 GiB"));
  ASSERT_GT(link_bytes(base, "leaf0->spine0"), 0.0);
  ASSERT_EQ(link_bytes(base, "leaf0->spine1"), 0.0);
  const auto cut = run(fat_tree("faults:\n  - { at: 5 ms, target: \"link:leaf0->spine0\", detect: 2 ms }\n"),
                       all_reduce("1 GiB"));
  // The ring's two flows that cross the spines stand still for the detection time, then take spine1, which
  // they share with nobody (they go opposite ways), so every later step runs as before: the run ends exactly
  // the detection time later.
  EXPECT_NEAR(cut.sim.sim_time_s, base.sim.sim_time_s + 2e-3, 2 * kTick);
  ASSERT_EQ(cut.sim.faults.size(), 1u);
  const auto& f = cut.sim.faults[0];
  EXPECT_TRUE(f.occurred);
  EXPECT_EQ(f.links, 1);
  EXPECT_LT(f.until_s, 0.0);
  EXPECT_NEAR(f.time_lost_s, 2e-3, 2 * kTick);
  // Rerouted: what the two flows had left at 5 ms, at most one ring step's slice each.
  EXPECT_GT(f.rerouted_bytes, 0.0);
  EXPECT_LE(f.rerouted_bytes, 2 * kGiB / 4);
  EXPECT_NEAR(f.energy_j, 0.0, 1e-12);  // the detour costs what the route it left did
  // Bytes moved to spine1, and the total over the spines is what it was.
  EXPECT_GT(link_bytes(cut, "leaf0->spine1"), 0.0);
  EXPECT_NEAR(link_bytes(cut, "leaf0->spine0") + link_bytes(cut, "leaf0->spine1"),
              link_bytes(base, "leaf0->spine0"), 1.0);
  EXPECT_NEAR(cut.sim.useful_bytes, base.sim.useful_bytes, 0.0);
  EXPECT_NEAR(cut.ledger.dynamic_total_j, base.ledger.dynamic_total_j, 1e-9 * base.ledger.total_j);
}

TEST(Faults, AFlapShorterThanDetectionHoldsTrafficForItsLength) {
  const auto base = run(fat_tree(""), all_reduce("1 GiB"));
  const auto flap =
      run(fat_tree("faults:\n  - { at: 5 ms, target: \"link:leaf0->spine0\", for: 1 ms, detect: 2 ms }\n"),
          all_reduce("1 GiB"));
  EXPECT_NEAR(flap.sim.sim_time_s, base.sim.sim_time_s + 1e-3, 2 * kTick);
  EXPECT_NEAR(flap.sim.faults.at(0).time_lost_s, 1e-3, 2 * kTick);
  EXPECT_EQ(flap.sim.faults.at(0).rerouted_bytes, 0.0);
  EXPECT_EQ(link_bytes(flap, "leaf0->spine1"), 0.0);
}

TEST(Faults, ACutRingLinkTakesTheLongWayRoundAtItsLatency) {
  // Cut from the start and detected at once: every step's flow from r0 to r1 goes the long way round, over
  // the ring's other direction, which no other flow uses. Each of the 2(n - 1) steps then waits for its
  // slowest flow: 7 links and 6 forwarding routers instead of one link.
  const double n = 8, S = 64.0 * 1024 * 1024, B = 100e9, link = 500e-9, router = 50e-9;
  const auto o =
      run(ring("faults:\n  - { at: 0 s, target: \"link:r0->r1\", detect: 0 s }\n"), all_reduce("64 MiB"));
  const double step = (n - 1) * link + (n - 2) * router + S / n / B;
  EXPECT_NEAR(o.sim.sim_time_s, 2 * (n - 1) * step, 2 * (n - 1) * 2 * kTick);
  EXPECT_EQ(link_bytes(o, "r0->r1"), 0.0);
  EXPECT_NEAR(link_bytes(o, "r7->r6"), 2 * (n - 1) * S / n, 1.0);  // r0's slices pass r7 -> r6 on the way
}

TEST(Faults, TwoCutsSplitTheRingAndEndTheRunNamingThePairsCutOff) {
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer does not follow SystemC's coroutine stacks: any exception thrown after the kernel has
  // switched between them (here the runner's, once sc_start has returned) makes it report an overflow inside
  // its own sigaltstack interceptor. tests/cli/test_faults_cli.cpp checks the same cut through the program.
  GTEST_SKIP() << "an exception thrown after SystemC switched stacks, under AddressSanitizer";
#endif
  try {
    run(ring("faults:\n  - { at: 1 us, target: \"link:r0->r1\" }\n"
             "  - { at: 1 us, target: \"link:r5->r4\" }\n"),
        all_reduce("64 MiB"));
    FAIL() << "expected the run to fail";
  } catch (const pjbit::core::SimulationError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("cut off rank pairs 0->1, 4->5"), std::string::npos) << what;
    EXPECT_NE(what.find("link:r0->r1"), std::string::npos) << what;
    EXPECT_NE(what.find("link:r5->r4"), std::string::npos) << what;
  }
}

TEST(Faults, WithNoRouteLeftTrafficWaitsForARepair) {
  // A rank's only link is down for 3 ms: nothing can go round it, so the ring waits for it, exactly.
  const std::string star =
      "name: star\nengine: flow\ntopology: { kind: switch, ranks: 8, link: { bandwidth: 100 GB/s, "
      "latency: 500 ns }, switch: { latency: 100 ns, radix: 64 } }\n";
  const auto base = run(star, all_reduce("64 MiB"));
  const auto o =
      run(star + "faults:\n  - { at: 100 us, target: \"link:r3->sw0\", for: 3 ms }\n", all_reduce("64 MiB"));
  EXPECT_NEAR(o.sim.sim_time_s, base.sim.sim_time_s + 3e-3, 2 * kTick);
  EXPECT_NEAR(o.sim.faults.at(0).time_lost_s, 3e-3, 2 * kTick);
  EXPECT_EQ(o.sim.faults.at(0).rerouted_bytes, 0.0);
}

TEST(Faults, ALaserSourceSharedByEightLinksTakesAllEightDown) {
  const auto spec = pjbit::platforms::parse_platform(cpo_switch(""), "cpo.yaml");
  const auto topo = pjbit::platforms::make_topology(spec);
  const auto sources = pjbit::platforms::laser_sources(topo);
  // One source at the switch feeding its 8 ports; one at each rank feeding its own port.
  ASSERT_EQ(sources.size(), 9u);
  std::size_t at_switch = 0;
  for (const auto& s : sources)
    if (s.name == "sw0/els0") at_switch = s.links.size();
  EXPECT_EQ(at_switch, 8u);

  const auto base = run(cpo_switch(""), all_reduce("64 MiB"));
  const auto o =
      run(cpo_switch("faults:\n  - { at: 100 us, target: \"laser_source:sw0/els0\", for: 1 ms }\n"),
          all_reduce("64 MiB"));
  ASSERT_EQ(o.sim.faults.size(), 1u);
  EXPECT_EQ(o.sim.faults[0].links, 8);
  EXPECT_NEAR(o.sim.sim_time_s, base.sim.sim_time_s + 1e-3, 2 * kTick);
  // One rank's own laser: one link.
  const auto one = run(cpo_switch("faults:\n  - { at: 100 us, target: \"laser:r2->sw0\", for: 1 ms }\n"),
                       all_reduce("64 MiB"));
  EXPECT_EQ(one.sim.faults.at(0).links, 1);
  EXPECT_NEAR(one.sim.sim_time_s, base.sim.sim_time_s + 1e-3, 2 * kTick);
}

// An optical engine serving four ports (optics.engine_ports: 4) at the switch: its four links go down
// together; at each rank, every optical port has an engine of its own.
TEST(Faults, AnOpticalEngineServingFourPortsTakesAllFourDown) {
  std::string p = cpo_switch("");
  const std::string laser = "laser: {";
  p.replace(p.find(laser), laser.size(), "engine_ports: 4, laser: {");
  const auto spec = pjbit::platforms::parse_platform(p, "cpo.yaml");
  const auto engines = pjbit::platforms::optical_engines(pjbit::platforms::make_topology(spec));
  ASSERT_EQ(engines.size(), 8u + 2u);  // one per rank, two at the switch
  std::vector<std::string> at_switch;
  for (const auto& e : engines)
    if (e.name.rfind("sw0/", 0) == 0) {
      at_switch.push_back(e.name);
      EXPECT_EQ(e.links.size(), 4u) << e.name;
    }
  EXPECT_EQ(at_switch, (std::vector<std::string>{"sw0/oe0", "sw0/oe1"}));

  const auto base = run(p, all_reduce("64 MiB"));
  const auto o = run(p + "faults:\n  - { at: 100 us, target: \"optical_engine:sw0/oe1\", for: 1 ms }\n",
                     all_reduce("64 MiB"));
  ASSERT_EQ(o.sim.faults.size(), 1u);
  EXPECT_EQ(o.sim.faults[0].links, 4);
  // Its ranks' only links are down for 1 ms: the ring waits for them, exactly.
  EXPECT_NEAR(o.sim.sim_time_s, base.sim.sim_time_s + 1e-3, 2 * kTick);
  const auto one = run(p + "faults:\n  - { at: 100 us, target: \"optical_engine:r5/oe0\", for: 1 ms }\n",
                       all_reduce("64 MiB"));
  EXPECT_EQ(one.sim.faults.at(0).links, 1);
  try {
    run(p + "faults:\n  - { at: 100 us, target: \"optical_engine:sw0/oe2\" }\n", all_reduce("64 MiB"));
    ADD_FAILURE() << "an engine that does not exist";
  } catch (const pjbit::core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no optical engine is named \"sw0/oe2\"; the engines are: "),
              std::string::npos)
        << e.what();
  }
}

TEST(Faults, ALinkAtHalfItsLanesSlowsTheRingByTheClosedForm) {
  // Ring all-reduce: 2(n - 1)(alpha + S / (n B)); one direction of one link at B / 2 makes every step's
  // slowest flow that one, so the bandwidth term doubles and the latency term stays.
  const double n = 8, S = 64.0 * 1024 * 1024, B = 100e9;
  const auto base = run(ring(""), all_reduce("64 MiB"));
  const auto half =
      run(ring("faults:\n  - { at: 0 s, target: \"link:r0->r1\", lanes: 0.5 }\n"), all_reduce("64 MiB"));
  const double extra = 2 * (n - 1) * S / (n * B);
  EXPECT_NEAR(half.sim.sim_time_s, base.sim.sim_time_s + extra, 2 * (n - 1) * 2 * kTick);
  // Its time lost: the bytes that crossed it at half the rate, the same amount.
  EXPECT_NEAR(half.sim.faults.at(0).time_lost_s, extra, 1e-12);
  EXPECT_EQ(half.sim.faults.at(0).retransmitted_bytes, 0.0);
  EXPECT_EQ(half.sim.faults.at(0).energy_j, 0.0);
}

TEST(Faults, BitErrorsBelowTheFecsLimitCostNothingAndAboveItResendAndCharge) {
  const double n = 8, S = 64.0 * 1024 * 1024, B = 100e9;
  const auto base = run(ring(""), all_reduce("64 MiB"));
  const auto low =
      run(ring("faults:\n  - { at: 0 s, target: \"link:r0->r1\", ber: 1e-5 }\n"), all_reduce("64 MiB"));
  EXPECT_NEAR(low.sim.sim_time_s, base.sim.sim_time_s, 2 * kTick);
  EXPECT_LT(low.sim.faults.at(0).retransmitted_bytes, 1e-12);

  const auto high =
      run(ring("faults:\n  - { at: 0 s, target: \"link:r0->r1\", ber: 1e-3 }\n"), all_reduce("64 MiB"));
  // RS(544,514): a 4 KiB packet is 7 codewords; at a raw BER of 1e-3 a codeword fails with 1.53e-4, a packet
  // with 1.07e-3 (a binomial tail, computed independently with exact decimals), and is sent again.
  const double per = 1.070689385178028e-03;
  const double crossed = 2 * (n - 1) * S / n;  // payload bytes over r0->r1
  const auto& f = high.sim.faults.at(0);
  EXPECT_NEAR(f.retransmitted_bytes, crossed * per / (1 - per), 1e-6 * crossed * per);
  EXPECT_NEAR(f.energy_j, f.retransmitted_bytes * 8 * 5e-12, 1e-9 * f.energy_j);
  EXPECT_NEAR(link_bytes(high, "r0->r1"), crossed + f.retransmitted_bytes, 1.0);
  // The link's goodput is B (1 - PER): the bandwidth term of every step grows by that factor.
  const double extra = 2 * (n - 1) * S / (n * B) * (1 / (1 - per) - 1);
  EXPECT_NEAR(high.sim.sim_time_s, base.sim.sim_time_s + extra, 2 * (n - 1) * 2 * kTick);
  EXPECT_NEAR(f.time_lost_s, extra, 1e-12);
  EXPECT_GT(high.ledger.total_j, base.ledger.total_j);
}

TEST(Faults, AFaultAfterTheRunEndsIsListedAsNotHavingOccurred) {
  const auto o = run(ring("faults:\n  - { at: 1 s, target: \"link:r0->r1\" }\n"), all_reduce("1 MiB"));
  ASSERT_EQ(o.sim.faults.size(), 1u);
  EXPECT_FALSE(o.sim.faults[0].occurred);
  EXPECT_EQ(o.sim.faults[0].time_lost_s, 0.0);
  EXPECT_LT(o.sim.sim_time_s, 1e-3);
}

}  // namespace test_faults
}  // namespace
