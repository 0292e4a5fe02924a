// The NIC model (modules/nic) in a testbench: a test source on its input socket and test targets on its
// two output ports, or a source -> NIC -> link -> sink chain for the injection hop with credit. Expected
// ticks and joules are computed here from the parameters (nic.md's equations). Each TEST elaborates at most
// once.
#include <gtest/gtest.h>

#include <cstdint>
#include <systemc>
#include <utility>
#include <vector>

#include "core/energy.h"
#include "core/fabric_extension.h"
#include "core/time.h"
#include "modules/link/link.h"
#include "modules/nic/nic.h"
#include "support/testbench.h"

namespace pjbit::nic {
namespace {
namespace test_nic {

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

// One source bound to the NIC's input; sink 0 on out port 0 (accelerator side), sink 1 on out port 1
// (network side).
struct DirectBench {
  core::PayloadPool pool;
  Nic nic;
  Source src;
  Sink to_accelerator{"to_accelerator"};
  Sink to_network{"to_network"};

  DirectBench(const Params& params, std::vector<Offer> offers)
      : nic("nic", params), src("src", pool, std::move(offers)) {
    src.out.bind(nic.in);
    nic.out.bind(to_accelerator.in);
    nic.out.bind(to_network.in);
  }
};

// The injection hop: accelerator (a credited source) -> NIC -> link end a -> link end b -> network sink.
// The link's reverse direction (b -> a) is bound to the NIC too, with an idle source at end b.
struct ChainBench {
  core::PayloadPool pool;
  Nic nic;
  link::Link wire;
  Source accelerator;
  Source far_end;
  Sink to_accelerator{"to_accelerator"};
  Sink network{"network"};

  ChainBench(const Params& nic_params, const link::Params& link_params, std::vector<Offer> offers)
      : nic("nic", nic_params),
        wire("wire", link_params),
        accelerator("accelerator", pool, std::move(offers), true),
        far_end("far_end", pool, {}) {
    accelerator.out.bind(nic.in);
    nic.out.bind(to_accelerator.in);  // port 0
    nic.out.bind(wire.a_in);          // port 1
    wire.a_out.bind(nic.in);
    wire.b_out.bind(network.in);
    far_end.out.bind(wire.b_in);
  }
};

Params nic_params() {
  Params p;
  p.latency_s = 250e-9;
  p.energy_pj_per_bit = 2.5;
  p.static_power_w = 18.0;
  return p;
}

// --- static functions ---

TEST(NicParams, DefaultsHaveNoSourcedCostAndEnergyIsPerPayloadBit) {
  const Params defaults;
  EXPECT_DOUBLE_EQ(defaults.latency_s, 0.0);
  EXPECT_DOUBLE_EQ(defaults.energy_pj_per_bit, 0.0);
  EXPECT_DOUBLE_EQ(defaults.static_power_w, 0.0);
  EXPECT_DOUBLE_EQ(Params::energy_j(4096, defaults), 0.0);
  Params p;
  p.energy_pj_per_bit = 2.5;
  expect_near_rel(Params::energy_j(1000, p), 8.0 * 1000 * 2.5e-12);
  EXPECT_DOUBLE_EQ(Params::energy_j(0, p), 0.0);
}

// --- timing ---

TEST(Nic, CutThroughForwardsLatencyAfterTheHeadInBothDirections) {
  const Params p = nic_params();
  const core::Route outbound{{0, Nic::kToNetwork}, 2, 0};
  const core::Route inbound{{3, 2, Nic::kToAccelerator}, 2, 1};  // the NIC is the third node
  Offer a;                                                       // head arrives at 100 ns, tail at 140 ns
  a.flow = 1;
  a.route = &outbound;
  a.delay = ticks(100e-9);
  a.tail = ticks(140e-9);
  Offer b;  // offered at 1 us with no delay, tail at 1.2 us
  b.flow = 2;
  b.route = &inbound;
  b.hop = 2;
  b.at = ticks(1e-6);
  b.tail = ticks(1.2e-6);
  DirectBench bench(p, {a, b});
  sc_core::sc_start();

  const Tick lat = ticks(p.latency_s);
  ASSERT_EQ(bench.to_network.arrivals().size(), 1u);
  ASSERT_EQ(bench.to_accelerator.arrivals().size(), 1u);
  const Arrival& out = bench.to_network.arrivals()[0];
  EXPECT_EQ(out.flow, 1u);
  EXPECT_EQ(out.head, ticks(100e-9) + lat);  // cut-through: the head does not wait for the tail
  EXPECT_EQ(out.tail, ticks(140e-9) + lat);
  EXPECT_EQ(out.hop, 2u);
  EXPECT_EQ(out.head, 350'000u);
  const Arrival& in = bench.to_accelerator.arrivals()[0];
  EXPECT_EQ(in.flow, 2u);
  EXPECT_EQ(in.head, ticks(1e-6) + lat);
  EXPECT_EQ(in.tail, ticks(1.2e-6) + lat);
  EXPECT_EQ(in.hop, 3u);
  EXPECT_EQ(bench.nic.packets(Nic::kToNetwork), 1u);
  EXPECT_EQ(bench.nic.packets(Nic::kToAccelerator), 1u);
  EXPECT_EQ(bench.nic.packets(), 2u);
}

// --- energy ---

TEST(Nic, EnergyPerPayloadBitStaticPowerAndTally) {
  const Params p = nic_params();
  const core::Route outbound{{0, 1}, 2, 0};
  const core::Route inbound{{0, 0}, 2, 0};
  core::StepTally tally;
  Offer a;
  a.flow = 1;
  a.bytes = 1000;
  a.route = &outbound;
  a.tally = &tally;
  Offer b = a;
  b.flow = 2;
  b.bytes = 3000;
  b.route = &inbound;
  Offer untallied = a;
  untallied.flow = 3;
  untallied.bytes = 500;
  untallied.tally = nullptr;
  DirectBench bench(p, {a, b, untallied});
  sc_core::sc_start();

  const core::EnergyAccount& e = bench.nic.energy();
  expect_near_rel(dynamic(e, Category::Nic), 8.0 * (1000 + 3000 + 500) * 2.5e-12);
  expect_near_rel(e.dynamic_total_j(), dynamic(e, Category::Nic));
  expect_near_rel(tally.energy_j, 8.0 * (1000 + 3000) * 2.5e-12);
  EXPECT_DOUBLE_EQ(tally.wire_bytes, 0.0);  // the NIC adds no wire bytes; its link does
  EXPECT_DOUBLE_EQ(static_w(e, Category::Nic), 18.0);
  EXPECT_DOUBLE_EQ(e.static_total_w(), 18.0);
  EXPECT_DOUBLE_EQ(bench.nic.bytes(Nic::kToNetwork), 1500.0);
  EXPECT_DOUBLE_EQ(bench.nic.bytes(Nic::kToAccelerator), 3000.0);
  EXPECT_DOUBLE_EQ(bench.nic.bytes(), 4500.0);
  EXPECT_EQ(bench.to_network.arrivals().size(), 2u);
  EXPECT_EQ(bench.to_accelerator.arrivals().size(), 1u);
}

TEST(Nic, NoStaticPowerRegisteredWhenZero) {
  Params p = nic_params();
  p.static_power_w = 0.0;
  Nic nic("nic", p);  // construction alone registers static power: no simulation needed
  EXPECT_DOUBLE_EQ(nic.energy().static_total_w(), 0.0);
  EXPECT_DOUBLE_EQ(nic.energy().dynamic_total_j(), 0.0);
}

// --- the injection hop, with credit ---

// NIC latency below the packet time: the credit loop through the NIC keeps the link busy, so n packets
// leave back to back, each starting one serialization time after the previous.
TEST(Nic, InjectionThroughTheNicKeepsTheLinkBusy) {
  Params np = nic_params();
  np.latency_s = 20e-9;
  const link::Params lp = testing::serdes_link_params();
  const core::Route route{{1, 0}, 1, 0};  // NIC port 1 onto the link, then the far end's node
  core::StepTally tally;
  std::vector<Offer> offers;
  for (std::uint64_t k = 0; k < 4; ++k) {
    Offer o;
    o.flow = 7;
    o.route = &route;
    o.hop = 0;  // the NIC is the route's first node
    o.tally = &tally;
    offers.push_back(o);
  }
  ChainBench b(np, lp, std::move(offers));
  sc_core::sc_start();

  const Tick ser = ticks(4000 / lp.bandwidth_Bps);
  const Tick L = ticks(lp.latency_s);
  const Tick N = ticks(np.latency_s);
  EXPECT_EQ(ser, 40'000u);
  const auto& got = b.network.arrivals();
  ASSERT_EQ(got.size(), 4u);
  ASSERT_EQ(b.accelerator.end_reqs().size(), 4u);
  for (std::size_t k = 0; k < 4; ++k) {
    const Tick start = N + k * ser;                         // the link starts packet k
    EXPECT_EQ(b.accelerator.end_reqs()[k].at, start) << k;  // END_REQ relayed back as the link starts it
    EXPECT_EQ(got[k].head, start + L) << k;
    EXPECT_EQ(got[k].tail, start + ser + L) << k;
    EXPECT_EQ(got[k].hop, 1u);
    EXPECT_FALSE(got[k].credit);  // the link consumed the credit
  }
  EXPECT_EQ(b.wire.direction(0).packets, 4u);
  EXPECT_EQ(b.wire.direction(0).busy, 4 * ser);
  EXPECT_TRUE(b.to_accelerator.arrivals().empty());
  const double bits = 8.0 * 4 * 4000;
  expect_near_rel(tally.energy_j, bits * 2.5e-12 + bits * 11e-12);
  EXPECT_DOUBLE_EQ(tally.wire_bytes, 4 * 4000.0);
  expect_near_rel(dynamic(b.nic.energy(), Category::Nic), bits * 2.5e-12);
}

// NIC latency above the packet time: the credit comes back only when the link starts a packet, so a
// credited sender's next packet reaches the link one NIC latency later and the port moves one packet per
// max(t_ser, L_nic) (nic.md, "Credit").
TEST(Nic, CreditLoopSpansTheNicLatency) {
  Params np = nic_params();
  np.latency_s = 100e-9;
  const link::Params lp = testing::serdes_link_params();
  const core::Route route{{1, 0}, 1, 0};
  std::vector<Offer> offers(3);
  for (Offer& o : offers) {
    o.flow = 7;
    o.route = &route;
    o.hop = 0;
  }
  ChainBench b(np, lp, std::move(offers));
  sc_core::sc_start();

  const Tick ser = ticks(4000 / lp.bandwidth_Bps);
  const Tick L = ticks(lp.latency_s);
  const Tick N = ticks(np.latency_s);
  ASSERT_GT(N, ser);
  const auto& got = b.network.arrivals();
  ASSERT_EQ(got.size(), 3u);
  for (std::size_t k = 0; k < 3; ++k) {
    const Tick start = (k + 1) * N;
    EXPECT_EQ(b.accelerator.end_reqs()[k].at, start) << k;
    EXPECT_EQ(got[k].tail, start + ser + L) << k;
  }
  EXPECT_EQ(b.wire.direction(0).busy, 3 * ser);
}

}  // namespace test_nic
}  // namespace
}  // namespace pjbit::nic
