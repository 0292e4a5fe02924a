// The link model (modules/link) in a testbench: test sources offer packets on a_in / b_in with BEGIN_REQ,
// test sinks on a_out / b_out record when heads and tails arrive. Every expected tick and joule is computed
// here from the parameters (link.md's equations), never copied from a run. Each TEST elaborates at most once.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <systemc>
#include <tlm>
#include <utility>
#include <vector>

#include "core/energy.h"
#include "core/fabric_extension.h"
#include "core/time.h"
#include "modules/link/link.h"
#include "platforms/platform.h"
#include "platforms/spec.h"
#include "support/sc_reports.h"
#include "support/testbench.h"

namespace pjbit::link {
namespace {
namespace test_link {

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

// A link with a source and a sink at each end. src_a offers a -> b (arrives at sink_b), src_b offers b -> a.
struct Bench {
  core::PayloadPool pool;
  Link link;
  Source src_a;
  Source src_b;
  Sink sink_a;
  Sink sink_b;

  Bench(const Params& params, std::vector<Offer> a_to_b, std::vector<Offer> b_to_a = {})
      : link("link", params),
        src_a("src_a", pool, std::move(a_to_b)),
        src_b("src_b", pool, std::move(b_to_a)),
        sink_a("sink_a"),
        sink_b("sink_b") {
    src_a.out.bind(link.a_in);
    src_b.out.bind(link.b_in);
    link.a_out.bind(sink_a.in);
    link.b_out.bind(sink_b.in);
  }
};

// 100 GB/s, 500 ns, 20% overhead: 4000 payload bytes are 40000 wire bits, 50 ns on the wire.
Params basic_params() {
  Params p;
  p.bandwidth_Bps = 100e9;
  p.latency_s = 500e-9;
  p.overhead = 0.2;
  p.stack = {StackCost{Category::Serdes, 11.0, 0.0}};
  return p;
}

Tick serialization_ticks(std::uint64_t bytes, const Params& p) {
  return ticks(8.0 * double(bytes) / (1.0 - p.overhead) / (8.0 * p.bandwidth_Bps));
}

// A packet from rank 0 to rank 1 offered at `at`, with no route (a link does not read it) and no delay: its
// tail is present at the offer time unless set.
Offer packet(std::uint64_t flow, std::uint32_t bytes, Tick at = 0) {
  Offer o;
  o.at = at;
  o.dst = 1;
  o.flow = flow;
  o.bytes = bytes;
  o.hop = 0;
  return o;
}

// --- static functions (no kernel) ---

TEST(LinkParams, WireBitsSerializationAndEnergy) {
  Params p;
  p.bandwidth_Bps = 100e9;
  p.overhead = 0.2;
  p.stack = {StackCost{Category::Serdes, 11.0, 0.0}, StackCost{Category::Retimer, 3.0, 5.0}};
  // wire bits = 8 bytes / (1 - overhead)
  EXPECT_DOUBLE_EQ(Params::wire_bits(1000, p), 8.0 * 1000 / 0.8);
  EXPECT_DOUBLE_EQ(Params::wire_bits(1000, p), 10000.0);
  // t_ser = wire bits / (8 B)
  EXPECT_DOUBLE_EQ(Params::serialization_time_s(1000, p), 10000.0 / (8.0 * 100e9));
  EXPECT_DOUBLE_EQ(Params::serialization_time_s(1000, p), 12.5e-9);
  // E = wire bits x sum of the stack's pJ/bit; static power elements cost nothing per bit
  EXPECT_DOUBLE_EQ(p.energy_pj_per_bit(), 14.0);
  expect_near_rel(Params::energy_j(1000, p), 10000.0 * 14.0 * 1e-12);

  Params bare;  // defaults: 100 GB/s, no overhead, empty stack
  EXPECT_DOUBLE_EQ(Params::wire_bits(4096, bare), 8.0 * 4096);
  EXPECT_DOUBLE_EQ(Params::serialization_time_s(4096, bare), 4096 / 100e9);
  EXPECT_DOUBLE_EQ(Params::energy_j(4096, bare), 0.0);
  EXPECT_DOUBLE_EQ(Params::wire_bits(0, p), 0.0);
}

// The caller (platforms::link_params) folds each stack element's count into its energy and power, and its
// latency into the link's latency.
TEST(LinkParams, BuilderFoldsCountIntoTheStack) {
  platforms::LinkSpec spec;
  spec.bandwidth_Bps = 200e9;
  spec.latency_s = 500e-9;
  spec.overhead = 0.1;
  spec.static_power_w = 1.5;
  platforms::StackElement serdes;
  serdes.category = "serdes";
  serdes.energy_pj_per_bit = 5.5;
  serdes.count = 2;
  serdes.latency_s = 10e-9;
  platforms::StackElement dsp;
  dsp.category = "dsp";
  dsp.power_w = 16.0;
  dsp.count = 2;
  dsp.latency_s = 20e-9;
  spec.stack = {serdes, dsp};

  const Params p = platforms::link_params(spec, false);
  EXPECT_DOUBLE_EQ(p.bandwidth_Bps, 200e9);
  EXPECT_DOUBLE_EQ(p.latency_s, 500e-9 + 2 * 10e-9 + 2 * 20e-9);
  EXPECT_DOUBLE_EQ(p.overhead, 0.1);
  EXPECT_DOUBLE_EQ(p.static_power_w, 1.5);
  EXPECT_FALSE(p.priorities);
  ASSERT_EQ(p.stack.size(), 2u);
  EXPECT_EQ(p.stack[0].category, Category::Serdes);
  EXPECT_DOUBLE_EQ(p.stack[0].energy_pj_per_bit, 11.0);
  EXPECT_DOUBLE_EQ(p.stack[0].power_w, 0.0);
  EXPECT_EQ(p.stack[1].category, Category::Dsp);
  EXPECT_DOUBLE_EQ(p.stack[1].energy_pj_per_bit, 0.0);
  EXPECT_DOUBLE_EQ(p.stack[1].power_w, 32.0);
  EXPECT_DOUBLE_EQ(p.energy_pj_per_bit(), spec.energy_pj_per_bit());
}

// Static power is registered at construction: each stack element's power in its category, static_power_w in
// the first stack element's category. Needs no simulation.
TEST(Link, StaticPowerRegisteredPerCategory) {
  Params p = basic_params();
  p.stack = {StackCost{Category::Retimer, 3.0, 0.0}, StackCost{Category::Dsp, 0.0, 32.0},
             StackCost{Category::Laser, 0.0, 2.0}};
  p.static_power_w = 1.5;
  Link with_stack("with_stack", p);
  const core::EnergyAccount& e = with_stack.energy();
  EXPECT_DOUBLE_EQ(static_w(e, Category::Retimer), 1.5);  // static_power_w goes to the first element
  EXPECT_DOUBLE_EQ(static_w(e, Category::Dsp), 32.0);
  EXPECT_DOUBLE_EQ(static_w(e, Category::Laser), 2.0);
  EXPECT_DOUBLE_EQ(static_w(e, Category::Serdes), 0.0);
  EXPECT_DOUBLE_EQ(e.static_total_w(), 35.5);
  EXPECT_DOUBLE_EQ(e.dynamic_total_j(), 0.0);

  Params bare = basic_params();
  bare.stack.clear();
  bare.static_power_w = 4.0;
  Link no_stack("no_stack", bare);  // no stack: static_power_w is serdes
  EXPECT_DOUBLE_EQ(static_w(no_stack.energy(), Category::Serdes), 4.0);
  EXPECT_DOUBLE_EQ(no_stack.energy().static_total_w(), 4.0);
}

// A link carries packets by nb_transport_fw only: b_transport is an SC_REPORT_ERROR and an error response.
TEST(Link, BlockingTransportIsAnError) {
  Link link("link", basic_params());
  tlm::tlm_generic_payload p;
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  {
    const testing::ExpectScReport error(sc_core::SC_ERROR, "link: a link carries packets by nb_transport_fw");
    link.a_in.get_base_export()->b_transport(p, delay);
    EXPECT_EQ(error.count(), 1u);
  }
  EXPECT_EQ(p.get_response_status(), tlm::TLM_COMMAND_ERROR_RESPONSE);
}

// --- timing ---

TEST(Link, SerializationAndLatency) {
  const Params p = basic_params();
  Bench b(p, {packet(1, 4000)});
  sc_core::sc_start();

  ASSERT_EQ(sc_core::sc_get_time_resolution(), sc_core::sc_time(1, sc_core::SC_PS));
  const Tick ser = serialization_ticks(4000, p);
  const Tick lat = ticks(p.latency_s);
  EXPECT_EQ(ser, 50'000u);  // 40000 wire bits at 800 Gb/s
  EXPECT_EQ(lat, 500'000u);
  ASSERT_EQ(b.sink_b.arrivals().size(), 1u);
  EXPECT_TRUE(b.sink_a.arrivals().empty());
  const Arrival& a = b.sink_b.arrivals()[0];
  EXPECT_EQ(a.head, lat);        // head arrival = start + latency
  EXPECT_EQ(a.tail, ser + lat);  // tail at the far end = start + t_ser + latency
  EXPECT_EQ(a.bytes, 4000u);
  EXPECT_EQ(b.link.direction(0).packets, 1u);
  EXPECT_EQ(b.link.direction(0).busy, ser);
  EXPECT_DOUBLE_EQ(b.link.direction(0).wire_bytes, 5000.0);
  EXPECT_EQ(b.link.direction(1).packets, 0u);
}

TEST(Link, BackToBackPacketsQueue) {
  const Params p = basic_params();
  const Tick ser = serialization_ticks(4000, p);
  const Tick lat = ticks(p.latency_s);
  // Three packets at once: the second starts when the first ends, and so on. A fourth comes when the wire is
  // idle again and starts at once. A fifth, of another size, queues behind the fourth.
  Bench b(p, {packet(1, 4000), packet(1, 4000), packet(1, 4000), packet(1, 4000, 10 * ser),
              packet(1, 1000, 10 * ser)});
  sc_core::sc_start();

  const auto& got = b.sink_b.arrivals();
  ASSERT_EQ(got.size(), 5u);
  for (Tick k = 0; k < 3; ++k) {
    EXPECT_EQ(got[k].head, k * ser + lat) << "packet " << k;
    EXPECT_EQ(got[k].tail, (k + 1) * ser + lat) << "packet " << k;
  }
  EXPECT_EQ(got[3].head, 10 * ser + lat);
  EXPECT_EQ(got[3].tail, 11 * ser + lat);
  const Tick ser_small = serialization_ticks(1000, p);
  EXPECT_EQ(ser_small, 12'500u);
  EXPECT_EQ(got[4].head, 11 * ser + lat);
  EXPECT_EQ(got[4].tail, 11 * ser + ser_small + lat);
  EXPECT_EQ(b.link.direction(0).packets, 5u);
  EXPECT_EQ(b.link.direction(0).busy, 4 * ser + ser_small);
  EXPECT_EQ(b.link.direction(0).max_queue, 2u);
  EXPECT_EQ(sc_core::sc_time_stamp().value(), 11 * ser);  // the last event: the wire frees after packet 5
}

TEST(Link, DirectionsAreIndependent) {
  const Params p = basic_params();
  const Tick ser = serialization_ticks(4000, p);
  const Tick lat = ticks(p.latency_s);
  // Two packets each way at the same time: neither direction waits for the other.
  Bench b(p, {packet(1, 4000), packet(1, 4000)}, {packet(2, 4000), packet(2, 4000)});
  sc_core::sc_start();

  for (const Sink* s : {&b.sink_a, &b.sink_b}) {
    ASSERT_EQ(s->arrivals().size(), 2u);
    EXPECT_EQ(s->arrivals()[0].head, lat);
    EXPECT_EQ(s->arrivals()[0].tail, ser + lat);
    EXPECT_EQ(s->arrivals()[1].head, ser + lat);
    EXPECT_EQ(s->arrivals()[1].tail, 2 * ser + lat);
  }
  EXPECT_EQ(b.sink_b.arrivals()[0].flow, 1u);  // a -> b arrives at b
  EXPECT_EQ(b.sink_a.arrivals()[0].flow, 2u);  // b -> a arrives at a
  EXPECT_EQ(b.link.direction(0).packets, 2u);
  EXPECT_EQ(b.link.direction(1).packets, 2u);
  EXPECT_EQ(b.link.direction(0).busy, 2 * ser);
  EXPECT_EQ(b.link.direction(1).busy, 2 * ser);
}

// Cut-through: a packet whose tail reaches the link later than its serialization would end (fed by a slower
// hop) leaves its tail at the far end one latency after the tail arrived.
TEST(Link, LateTailIsCarriedThrough) {
  const Params p = basic_params();
  const Tick ser = serialization_ticks(4000, p);
  const Tick lat = ticks(p.latency_s);
  Offer late = packet(1, 4000);
  late.tail = 4 * ser;
  Bench b(p, {late});
  sc_core::sc_start();

  ASSERT_EQ(b.sink_b.arrivals().size(), 1u);
  EXPECT_EQ(b.sink_b.arrivals()[0].head, lat);
  EXPECT_EQ(b.sink_b.arrivals()[0].tail, 4 * ser + lat);  // max(start + t_ser, tail) + latency
}

// --- credit ---

TEST(Link, CreditEndReqAtTransmissionStart) {
  const Params p = basic_params();
  const Tick ser = serialization_ticks(4000, p);
  Offer first = packet(1, 4000);
  Offer credited = packet(2, 4000);
  credited.credit = true;
  Offer plain = packet(3, 4000);
  Offer idle_credited = packet(4, 4000, 10 * ser);
  idle_credited.credit = true;
  Offer other_way = packet(5, 4000);
  other_way.credit = true;
  Bench b(p, {first, credited, plain, idle_credited}, {other_way});
  sc_core::sc_start();

  // END_REQ only for credited packets, on the backward path of the socket they came in on, when their
  // transmission starts: flow 2 waits for flow 1's serialization, flow 4 finds the wire idle.
  ASSERT_EQ(b.src_a.end_reqs().size(), 2u);
  EXPECT_EQ(b.src_a.end_reqs()[0].flow, 2u);
  EXPECT_EQ(b.src_a.end_reqs()[0].at, ser);
  EXPECT_EQ(b.src_a.end_reqs()[1].flow, 4u);
  EXPECT_EQ(b.src_a.end_reqs()[1].at, 10 * ser);
  ASSERT_EQ(b.src_b.end_reqs().size(), 1u);
  EXPECT_EQ(b.src_b.end_reqs()[0].flow, 5u);
  EXPECT_EQ(b.src_b.end_reqs()[0].at, 0u);
  // The credit is consumed by the injection hop: the far end sees it cleared.
  for (const Sink* s : {&b.sink_a, &b.sink_b})
    for (const Arrival& a : s->arrivals())
      EXPECT_FALSE(a.credit) << "flow " << a.flow;
  EXPECT_EQ(b.sink_b.arrivals().size(), 4u);
}

// --- arbitration ---

TEST(Link, FlowsAreServedRoundRobin) {
  const Params p = basic_params();
  const Tick ser = serialization_ticks(4000, p);
  const Tick lat = ticks(p.latency_s);
  // A packet of flow 9 holds the wire while flow 1 offers 4 packets and then flow 2 offers 4: once the wire
  // frees, the two flows take turns, one packet each.
  std::vector<Offer> offers = {packet(9, 4000)};
  for (int i = 0; i < 4; ++i)
    offers.push_back(packet(1, 4000));
  for (int i = 0; i < 4; ++i)
    offers.push_back(packet(2, 4000));
  Bench b(p, offers);
  sc_core::sc_start();

  const std::vector<std::uint64_t> expected = {9, 1, 2, 1, 2, 1, 2, 1, 2};
  EXPECT_EQ(b.sink_b.flows(), expected);
  ASSERT_EQ(b.sink_b.arrivals().size(), expected.size());
  for (std::size_t k = 0; k < expected.size(); ++k) {
    EXPECT_EQ(b.sink_b.arrivals()[k].head, k * ser + lat) << "packet " << k;  // work conserving
  }
  EXPECT_EQ(b.link.direction(0).max_queue, 8u);
}

// A latency-critical packet (class 0) offered behind bulk packets (class 4) of three other flows.
std::vector<Offer> priority_offers() {
  std::vector<Offer> offers;
  Offer blocker = packet(10, 4000);
  blocker.cls = 4;
  offers.push_back(blocker);
  for (std::uint64_t flow : {11, 12, 13}) {
    Offer bulk = packet(flow, 4000);
    bulk.cls = 4;
    offers.push_back(bulk);
  }
  Offer critical = packet(14, 4000);
  critical.cls = 0;
  offers.push_back(critical);
  return offers;
}

TEST(Link, PriorityClassGoesFirstWhenTheWireFrees) {
  Params p = basic_params();
  p.priorities = true;
  const Tick ser = serialization_ticks(4000, p);
  const Tick lat = ticks(p.latency_s);
  Bench b(p, priority_offers());
  sc_core::sc_start();

  const std::vector<std::uint64_t> expected = {10, 14, 11, 12, 13};
  EXPECT_EQ(b.sink_b.flows(), expected);
  ASSERT_EQ(b.sink_b.arrivals().size(), 5u);
  EXPECT_EQ(b.sink_b.arrivals()[1].cls, 0u);
  EXPECT_EQ(b.sink_b.arrivals()[1].head, ser + lat);
}

// Weighted arbitration: flow 20 (class collective, weight 4) and flow 21 (class bulk, weight 1), six packets
// each queued behind a first packet: turns of four packets against one.
TEST(Link, WeightedTurnsFollowTheClassWeights) {
  Params p = basic_params();
  p.priorities = true;
  p.arbitration.rule = core::ClassRule::Weighted;
  std::vector<Offer> offers;
  offers.push_back(packet(10, 4000));
  for (int k = 0; k < 6; ++k) {
    Offer a = packet(20, 4000);
    a.cls = 2;
    offers.push_back(a);
    Offer b = packet(21, 4000);
    b.cls = 4;
    offers.push_back(b);
  }
  Bench b(p, offers);
  sc_core::sc_start();
  const std::vector<std::uint64_t> expected = {10, 20, 20, 20, 20, 21, 20, 20, 21, 21, 21, 21, 21};
  EXPECT_EQ(b.sink_b.flows(), expected);
}

TEST(Link, WithoutPrioritiesTheCriticalPacketWaitsItsTurn) {
  Params p = basic_params();
  p.priorities = false;
  const Tick ser = serialization_ticks(4000, p);
  const Tick lat = ticks(p.latency_s);
  Bench b(p, priority_offers());
  sc_core::sc_start();

  const std::vector<std::uint64_t> expected = {10, 11, 12, 13, 14};
  EXPECT_EQ(b.sink_b.flows(), expected);
  ASSERT_EQ(b.sink_b.arrivals().size(), 5u);
  EXPECT_EQ(b.sink_b.arrivals()[4].cls, 0u);  // the class travels unchanged
  EXPECT_EQ(b.sink_b.arrivals()[4].head, 4 * ser + lat);
}

// --- energy ---

TEST(Link, DynamicEnergyPerCategoryAndStepTally) {
  Params p = basic_params();  // overhead 0.2
  // Counts already folded in: 2 SerDes of 5.5 pJ/bit, 1 retimer of 3 pJ/bit, 2 DSPs of 16 W.
  p.stack = {StackCost{Category::Serdes, 11.0, 0.0}, StackCost{Category::Retimer, 3.0, 0.0},
             StackCost{Category::Dsp, 0.0, 32.0}};
  p.static_power_w = 1.5;
  core::StepTally tally;
  Offer with_tally = packet(1, 1000);
  with_tally.tally = &tally;
  Offer untallied = packet(3, 2000);
  Bench b(p, {with_tally, with_tally, untallied}, {packet(2, 500)});
  sc_core::sc_start();

  const double bits_1000 = 8.0 * 1000 / (1.0 - 0.2);  // 10000
  const double bits_2000 = 8.0 * 2000 / (1.0 - 0.2);
  const double bits_500 = 8.0 * 500 / (1.0 - 0.2);
  const double bits_ab = 2 * bits_1000 + bits_2000;
  const double bits_all = bits_ab + bits_500;
  const core::EnergyAccount& e = b.link.energy();
  expect_near_rel(dynamic(e, Category::Serdes), bits_all * 11.0e-12);
  expect_near_rel(dynamic(e, Category::Retimer), bits_all * 3.0e-12);
  EXPECT_DOUBLE_EQ(dynamic(e, Category::Dsp), 0.0);
  EXPECT_DOUBLE_EQ(dynamic(e, Category::Switch), 0.0);
  expect_near_rel(e.dynamic_total_j(), bits_all * 14.0e-12);
  expect_near_rel(e.dynamic_total_j(),
                  Params::energy_j(1000, p) * 2 + Params::energy_j(2000, p) + Params::energy_j(500, p));
  // Static power: registered, never integrated by the link.
  EXPECT_DOUBLE_EQ(static_w(e, Category::Serdes), 1.5);
  EXPECT_DOUBLE_EQ(static_w(e, Category::Dsp), 32.0);
  EXPECT_DOUBLE_EQ(static_w(e, Category::Retimer), 0.0);

  // Per direction.
  expect_near_rel(b.link.direction(0).dynamic_j, bits_ab * 14.0e-12);
  expect_near_rel(b.link.direction(1).dynamic_j, bits_500 * 14.0e-12);
  expect_near_rel(b.link.direction(0).wire_bytes, bits_ab / 8.0);
  expect_near_rel(b.link.direction(1).wire_bytes, bits_500 / 8.0);

  // The tally adds only what its own packets spent: energy and wire bytes (overhead included).
  expect_near_rel(tally.energy_j, 2 * bits_1000 * 14.0e-12);
  expect_near_rel(tally.wire_bytes, 2 * 1000 / (1.0 - 0.2));
  EXPECT_DOUBLE_EQ(tally.wire_bytes, 2500.0);
}

// At debug level a sleeping link reports its wake-up: how long it was idle and when it is awake. The timing
// is that of link.md's "Sleep".
TEST(Link, LogsAWakeUpAtDebugLevel) {
  Params p = basic_params();
  p.sleep_after_s = 1e-6;
  p.wake_s = 100e-9;
  const Tick at = ticks(10e-6);
  Bench b(p, {packet(1, 4000), packet(2, 4000, at)});
  b.link.set_log_level(core::LogLevel::Debug);
  const testing::ExpectScReport info(sc_core::SC_INFO, "link: ");
  sc_core::sc_start();

  const Tick ser = serialization_ticks(4000, p);
  const Tick wake = ticks(p.wake_s);
  EXPECT_EQ(info.reports(), (std::vector<std::string>{
                                "link: " + core::ticks_to_time(at).to_string() + ": waking after " +
                                    core::ticks_to_time(at - ser).to_string() + " idle; awake at " +
                                    core::ticks_to_time(at + wake).to_string(),
                            }));
  ASSERT_EQ(b.sink_b.arrivals().size(), 2u);
  EXPECT_EQ(b.sink_b.arrivals()[1].head, at + wake + ticks(p.latency_s));
}

}  // namespace test_link
}  // namespace
}  // namespace pjbit::link
