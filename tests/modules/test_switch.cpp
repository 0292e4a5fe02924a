// The switch model (modules/switch) in a testbench: test initiators bound straight to its input socket and
// test targets on its output socket, or a star of links around it. Expected ticks and joules are computed
// here from the parameters (switch.md's equations). Each TEST elaborates at most once.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <systemc>
#include <utility>
#include <vector>

#include "core/energy.h"
#include "core/fabric_extension.h"
#include "core/time.h"
#include "modules/link/link.h"
#include "modules/switch/switch.h"
#include "support/testbench.h"

namespace pjbit::fabric_switch {
namespace {
namespace test_switch {

using core::Category;
using core::Tick;
using testing::Arrival;
using testing::dynamic;
using testing::expect_near_rel;
using testing::Offer;
using testing::Sink;
using testing::Source;
using testing::static_w;
using testing::ticks;

// One source bound to the switch's input, `outputs` sinks on its output ports 0, 1, ...
struct DirectBench {
  core::PayloadPool pool;
  Switch sw;
  Source src;
  std::vector<std::unique_ptr<Sink>> sinks;

  DirectBench(const Params& params, std::vector<Offer> offers, int outputs)
      : sw("sw", params), src("src", pool, std::move(offers)) {
    src.out.bind(sw.in);
    for (int i = 0; i < outputs; ++i) {
      sinks.push_back(std::make_unique<Sink>(("sink" + std::to_string(i)).c_str()));
      sw.out.bind(sinks.back()->in);
    }
  }
};

// A star: node i has a source and a sink at end a of link i; end b of link i is the switch's port i.
struct StarBench {
  core::PayloadPool pool;
  Switch sw;
  testing::LinkStar star;

  StarBench(const Params& sw_params, const link::Params& link_params, std::vector<std::vector<Offer>> offers)
      : sw("sw", sw_params), star(sw, pool, link_params, std::move(offers)) {}
};

Params switch_params(bool store_and_forward) {
  Params p;
  p.latency_s = 300e-9;
  p.energy_pj_per_bit = 4.7;
  p.static_power_w = 120.0;
  p.radix = 64;
  p.store_and_forward = store_and_forward;
  return p;
}

Offer direct(std::uint64_t flow, const core::Route* route, Tick delay, Tick tail,
             std::uint32_t bytes = 4000) {
  Offer o;
  o.flow = flow;
  o.route = route;
  o.delay = delay;
  o.tail = tail;
  o.bytes = bytes;
  return o;
}

// --- static functions ---

TEST(SwitchParams, EnergyPerPayloadBitSwitched) {
  Params p;
  p.energy_pj_per_bit = 4.7;
  expect_near_rel(Params::energy_j(1000, p), 8.0 * 1000 * 4.7e-12);
  EXPECT_DOUBLE_EQ(Params::energy_j(0, p), 0.0);
  Params defaults;
  EXPECT_DOUBLE_EQ(defaults.latency_s, 300e-9);
  EXPECT_FALSE(defaults.store_and_forward);
  EXPECT_DOUBLE_EQ(Params::energy_j(4096, defaults), 0.0);
}

// --- timing, switch alone ---

TEST(Switch, CutThroughForwardsLatencyAfterTheHead) {
  const Params p = switch_params(false);
  const core::Route route{{0, 0}, 2, 1};
  // The head arrives at 100 ns (call at 0 with a 100 ns delay), the tail at 140 ns; a second packet's head
  // arrives at 1 us with its tail at 1.2 us.
  Offer second = direct(2, &route, 0, ticks(1.2e-6));
  second.at = ticks(1e-6);
  DirectBench b(p, {direct(1, &route, ticks(100e-9), ticks(140e-9)), second}, 1);
  sc_core::sc_start();

  const Tick lat = ticks(p.latency_s);
  const auto& got = b.sinks[0]->arrivals();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].head, ticks(100e-9) + lat);
  EXPECT_EQ(got[0].tail, ticks(140e-9) + lat);
  EXPECT_EQ(got[1].head, ticks(1e-6) + lat);
  EXPECT_EQ(got[1].tail, ticks(1.2e-6) + lat);
  EXPECT_EQ(got[0].head, 400'000u);
}

TEST(Switch, StoreAndForwardWaitsForTheTail) {
  const Params p = switch_params(true);
  const core::Route route{{0, 0}, 2, 1};
  Offer second = direct(2, &route, 0, ticks(1.2e-6));
  second.at = ticks(1e-6);
  DirectBench b(p, {direct(1, &route, ticks(100e-9), ticks(140e-9)), second}, 1);
  sc_core::sc_start();

  const Tick lat = ticks(p.latency_s);
  const auto& got = b.sinks[0]->arrivals();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].head, ticks(140e-9) + lat);  // head leaves latency after the tail arrived
  EXPECT_EQ(got[0].tail, ticks(140e-9) + lat);
  EXPECT_EQ(got[1].head, ticks(1.2e-6) + lat);
  EXPECT_EQ(got[1].tail, ticks(1.2e-6) + lat);
}

TEST(Switch, RoutePortPicksTheOutputAndHopAdvances) {
  const Params p = switch_params(false);
  const core::Route to2{{0, 2}, 2, 1};
  const core::Route to0{{0, 0}, 2, 1};
  const core::Route to1{{0, 1}, 2, 1};
  const core::Route third_hop{{0, 0, 2, 1}, 3, 2};  // this switch is the third node: hop 2 picks port 2
  Offer later = direct(4, &third_hop, 0, 0);
  later.hop = 2;
  DirectBench b(p, {direct(1, &to2, 0, 0), direct(2, &to0, 0, 0), direct(3, &to1, 0, 0), later}, 3);
  sc_core::sc_start();

  ASSERT_EQ(b.sinks[0]->arrivals().size(), 1u);
  ASSERT_EQ(b.sinks[1]->arrivals().size(), 1u);
  ASSERT_EQ(b.sinks[2]->arrivals().size(), 2u);
  EXPECT_EQ(b.sinks[0]->arrivals()[0].flow, 2u);
  EXPECT_EQ(b.sinks[1]->arrivals()[0].flow, 3u);
  EXPECT_EQ(b.sinks[2]->arrivals()[0].flow, 1u);
  EXPECT_EQ(b.sinks[2]->arrivals()[1].flow, 4u);
  EXPECT_EQ(b.sinks[0]->arrivals()[0].hop, 2u);
  EXPECT_EQ(b.sinks[1]->arrivals()[0].hop, 2u);
  EXPECT_EQ(b.sinks[2]->arrivals()[0].hop, 2u);
  EXPECT_EQ(b.sinks[2]->arrivals()[1].hop, 3u);
  EXPECT_EQ(b.sw.packets(), 4u);
}

// --- energy ---

TEST(Switch, EnergyPerBitSwitchedAndStaticPower) {
  const Params p = switch_params(false);
  const core::Route route{{0, 1}, 2, 1};
  core::StepTally tally;
  Offer a = direct(1, &route, 0, 0, 1000);
  a.tally = &tally;
  Offer b3000 = direct(2, &route, 0, 0, 3000);
  b3000.tally = &tally;
  Offer untallied = direct(3, &route, 0, 0, 500);
  DirectBench b(p, {a, b3000, untallied}, 2);
  sc_core::sc_start();

  const core::EnergyAccount& e = b.sw.energy();
  // Payload bits (not wire bits) x pJ/bit, all to the switch category.
  expect_near_rel(dynamic(e, Category::Switch), 8.0 * (1000 + 3000 + 500) * 4.7e-12);
  expect_near_rel(e.dynamic_total_j(), dynamic(e, Category::Switch));
  expect_near_rel(tally.energy_j, 8.0 * (1000 + 3000) * 4.7e-12);
  EXPECT_DOUBLE_EQ(tally.wire_bytes, 0.0);  // a switch adds no wire bytes; its links do
  EXPECT_EQ(b.sw.packets(), 3u);
  EXPECT_DOUBLE_EQ(b.sw.bytes(), 4500.0);
  EXPECT_DOUBLE_EQ(static_w(e, Category::Switch), 120.0);
  EXPECT_DOUBLE_EQ(e.static_total_w(), 120.0);
  EXPECT_EQ(b.sinks[1]->arrivals().size(), 3u);
}

TEST(Switch, NoStaticPowerRegisteredWhenZero) {
  Params p = switch_params(false);
  p.static_power_w = 0.0;
  Switch sw("sw", p);  // construction alone registers static power: no simulation needed
  EXPECT_DOUBLE_EQ(sw.energy().static_total_w(), 0.0);
  EXPECT_DOUBLE_EQ(sw.energy().dynamic_total_j(), 0.0);
}

// --- between links ---

TEST(Switch, CutThroughBetweenLinks) {
  const Params sp = switch_params(false);
  const link::Params lp = testing::serdes_link_params();
  const core::Route route{{0, 2}, 2, 1};  // node 0 -> switch port 2 -> node 2
  core::StepTally tally;
  Offer o;
  o.flow = 1;
  o.bytes = 4000;
  o.route = &route;
  o.tally = &tally;
  StarBench b(sp, lp, {{o}, {}, {}});
  sc_core::sc_start();

  const Tick ser = ticks(8.0 * 4000 / (8.0 * lp.bandwidth_Bps));
  const Tick L = ticks(lp.latency_s);
  const Tick S = ticks(sp.latency_s);
  EXPECT_EQ(ser, 40'000u);
  ASSERT_EQ(b.star.sinks[2]->arrivals().size(), 1u);
  EXPECT_TRUE(b.star.sinks[0]->arrivals().empty());
  EXPECT_TRUE(b.star.sinks[1]->arrivals().empty());
  const Arrival& a = b.star.sinks[2]->arrivals()[0];
  EXPECT_EQ(a.head, 2 * L + S);        // the head never waits for the tail
  EXPECT_EQ(a.tail, ser + 2 * L + S);  // one serialization for the whole path
  EXPECT_EQ(a.hop, 2u);
  // Energy: two links' wire bits plus the switch's payload bits.
  const double bits = 8.0 * 4000;
  expect_near_rel(tally.energy_j, 2 * bits * 11e-12 + bits * 4.7e-12);
  EXPECT_DOUBLE_EQ(tally.wire_bytes, 2 * 4000.0);
  expect_near_rel(dynamic(b.sw.energy(), Category::Switch), bits * 4.7e-12);
  expect_near_rel(dynamic(b.star.links[0]->energy(), Category::Serdes), bits * 11e-12);
  expect_near_rel(dynamic(b.star.links[2]->energy(), Category::Serdes), bits * 11e-12);
  EXPECT_DOUBLE_EQ(b.star.links[1]->energy().dynamic_total_j(), 0.0);
  EXPECT_EQ(b.star.links[0]->direction(0).packets, 1u);  // node -> switch
  EXPECT_EQ(b.star.links[2]->direction(1).packets, 1u);  // switch -> node
}

TEST(Switch, StoreAndForwardBetweenLinks) {
  const Params sp = switch_params(true);
  const link::Params lp = testing::serdes_link_params();
  const core::Route route{{0, 2}, 2, 1};
  Offer o;
  o.flow = 1;
  o.bytes = 4000;
  o.route = &route;
  StarBench b(sp, lp, {{o}, {}, {}});
  sc_core::sc_start();

  const Tick ser = ticks(8.0 * 4000 / (8.0 * lp.bandwidth_Bps));
  const Tick L = ticks(lp.latency_s);
  const Tick S = ticks(sp.latency_s);
  ASSERT_EQ(b.star.sinks[2]->arrivals().size(), 1u);
  const Arrival& a = b.star.sinks[2]->arrivals()[0];
  EXPECT_EQ(a.head, ser + 2 * L + S);      // waits for the tail at the switch
  EXPECT_EQ(a.tail, 2 * ser + 2 * L + S);  // serialized twice
}

// Two inputs to one output: the packets contend on the output link's serialization resource.
TEST(Switch, OutputContentionHappensOnTheOutputLink) {
  const Params sp = switch_params(false);
  const link::Params lp = testing::serdes_link_params();
  const core::Route from0{{0, 2}, 2, 1};
  const core::Route from1{{0, 2}, 2, 1};
  Offer a;
  a.flow = 1;
  a.bytes = 4000;
  a.route = &from0;
  Offer c = a;
  c.flow = 2;
  c.route = &from1;
  StarBench b(sp, lp, {{a}, {c}, {}});
  sc_core::sc_start();

  const Tick ser = ticks(8.0 * 4000 / (8.0 * lp.bandwidth_Bps));
  const Tick L = ticks(lp.latency_s);
  const Tick S = ticks(sp.latency_s);
  const auto& got = b.star.sinks[2]->arrivals();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NE(got[0].flow, got[1].flow);
  EXPECT_EQ(got[0].head, 2 * L + S);
  EXPECT_EQ(got[0].tail, ser + 2 * L + S);
  EXPECT_EQ(got[1].head, ser + 2 * L + S);  // starts when the first leaves the output link
  EXPECT_EQ(got[1].tail, 2 * ser + 2 * L + S);
  EXPECT_EQ(b.star.links[2]->direction(1).packets, 2u);
  EXPECT_EQ(b.star.links[2]->direction(1).max_queue, 1u);
  EXPECT_EQ(b.sw.packets(), 2u);
}

}  // namespace test_switch
}  // namespace
}  // namespace pjbit::fabric_switch
