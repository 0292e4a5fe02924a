// A link with flow control in a testbench (modules/link/flow_control.md): the test sink at the far end never
// forwards what it receives, so the far end's buffer only fills. Credits run out after buffer / P packets
// and hold the rest back; PFC lets through what starts before the pause frame arrives; a lossy link drops
// what finds the buffer full. Expected ticks come from the parameters.
#include <gtest/gtest.h>

#include <cstdint>
#include <systemc>
#include <vector>

#include "modules/link/link.h"
#include "support/testbench.h"

namespace pjbit::link {
namespace {
namespace test_link_flow_control {

using core::Tick;
using testing::Offer;
using testing::Sink;
using testing::Source;
using testing::ticks;

struct Bench {
  core::PayloadPool pool;
  Link link;
  Source src;
  Source src_b;  // offers nothing: binds b_in
  Sink sink_a;
  Sink sink;

  Bench(const Params& params, std::vector<Offer> offers)
      : link("link", params),
        src("src", pool, std::move(offers)),
        src_b("src_b", pool, {}),
        sink_a("sink_a"),
        sink("sink") {
    src.out.bind(link.a_in);
    src_b.out.bind(link.b_in);
    link.a_out.bind(sink_a.in);
    link.b_out.bind(sink.in);
  }
};

// 100 GB/s, 500 ns, no overhead: a 4000-byte packet is 40 ns on the wire.
Params params(FlowControl::Mode mode, std::uint64_t buffer) {
  Params p;
  p.bandwidth_Bps = 100e9;
  p.latency_s = 500e-9;
  p.flow_control.mode = mode;
  p.flow_control.buffer_bytes = buffer;
  p.flow_control.packet_bytes = 4000;
  p.flow_control.retransmit_s = 1e-6;
  return p;
}

std::vector<Offer> burst(int n) {
  std::vector<Offer> offers;
  for (int k = 0; k < n; ++k) {
    Offer o;
    o.dst = 1;
    o.flow = 1;
    o.bytes = 4000;
    o.hop = 0;
    offers.push_back(o);
  }
  return offers;
}

TEST(LinkFlowControl, CreditsRunOutAfterTheBufferAndHoldTheRestBack) {
  Bench b(params(FlowControl::Mode::Credit, 12000), burst(5));
  sc_core::sc_start();
  const Tick ser = ticks(4000 / 100e9), lat = ticks(500e-9);
  // Three packets' worth of credit: three go back to back, and no credit ever comes back.
  ASSERT_EQ(b.sink.arrivals().size(), 3u);
  for (Tick k = 0; k < 3; ++k)
    EXPECT_EQ(b.sink.arrivals()[k].head, k * ser + lat);
  const auto* st = b.link.flow_stats(0);
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(st->max_bytes, 12000u);
  EXPECT_EQ(b.link.occupancy(0), 12000u);
  EXPECT_EQ(st->drops, 0u);
  // Held back from the third packet's start to the end of the run.
  b.link.close_flow_control(ticks(1e-3));
  EXPECT_EQ(st->paused, ticks(1e-3) - 2 * ser);
  EXPECT_EQ(b.link.flow_stats(1)->samples, 0u);  // nothing went the other way
}

TEST(LinkFlowControl, PfcPausesOneLatencyAfterXoffAndLetsTheWireFinish) {
  Params p = params(FlowControl::Mode::Pfc, 400000);
  p.flow_control.xoff_bytes = 40000;  // ten packets
  p.flow_control.xon_bytes = 20000;
  p.latency_s = 510e-9;  // so that the pause does not arrive in the very instant a packet starts
  Bench b(p, burst(100));
  sc_core::sc_start();
  const Tick ser = ticks(4000 / 100e9), lat = ticks(510e-9);
  // The tenth packet's head reaches xoff at 9 ser + L; the pause frame reaches the sender at 9 ser + 2L.
  // Packets start every ser: those starting at or before that instant go (k ser <= 9 ser + 2L).
  const std::size_t expected = 9 + static_cast<std::size_t>((2 * lat) / ser) + 1;
  EXPECT_EQ(b.sink.arrivals().size(), expected);
  const auto* st = b.link.flow_stats(0);
  EXPECT_EQ(st->pause_frames, 1u);
  EXPECT_EQ(st->max_bytes, expected * 4000u);
  // What arrived past xoff fits the headroom: 2 L B + 2 P.
  EXPECT_LE(double(st->max_bytes - p.flow_control.xoff_bytes),
            FlowControl::pfc_headroom_bytes(p.latency_s, p.payload_rate_Bps(), 4000));
}

TEST(LinkFlowControl, ALossyLinkDropsWhatFindsTheBufferFull) {
  Bench b(params(FlowControl::Mode::Lossy, 12000), burst(5));
  sc_core::sc_start();
  EXPECT_EQ(b.sink.arrivals().size(), 3u);
  const auto* st = b.link.flow_stats(0);
  EXPECT_EQ(st->drops, 2u);
  EXPECT_DOUBLE_EQ(st->dropped_bytes, 8000.0);
  EXPECT_EQ(st->paused, 0u);
  // Every packet crossed the wire: the dropped ones too.
  EXPECT_EQ(b.link.direction(0).packets, 5u);
  EXPECT_EQ(b.pool.in_use(), 0u);  // the sink released the three it got, the link the two it dropped
}

TEST(LinkFlowControl, OffByDefault) {
  Params p;
  EXPECT_FALSE(p.flow_control.on());
  Bench b(p, burst(3));
  sc_core::sc_start();
  EXPECT_EQ(b.sink.arrivals().size(), 3u);
  EXPECT_EQ(b.link.flow_stats(0), nullptr);
  EXPECT_EQ(b.link.occupancy(0), 0u);
}

}  // namespace test_link_flow_control
}  // namespace
}  // namespace pjbit::link
