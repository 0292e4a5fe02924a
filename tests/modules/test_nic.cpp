// The NIC model (modules/nic) in a testbench: a test source on its input socket and test targets on its
// two output ports, or a source -> NIC -> link -> sink chain for the injection hop with credit. Expected
// ticks and joules are computed here from the parameters (nic.md's equations). Each TEST elaborates at most
// once.
#include <gtest/gtest.h>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <systemc>
#include <tlm>
#include <utility>
#include <vector>

#include "core/energy.h"
#include "core/fabric_extension.h"
#include "core/time.h"
#include "modules/link/link.h"
#include "modules/nic/nic.h"

namespace pjbit::nic {
namespace {

using core::Category;
using core::Tick;

constexpr double kTick = 1e-12;  // the kernel's default resolution
Tick ticks(double seconds) {
  return static_cast<Tick>(std::llround(seconds / kTick));
}

double dynamic(const core::EnergyAccount& e, Category c) {
  return e.dynamic_j()[core::EnergyAccount::index(c)];
}
double static_w(const core::EnergyAccount& e, Category c) {
  return e.static_w()[core::EnergyAccount::index(c)];
}

void expect_near_rel(double actual, double expected) {
  EXPECT_NEAR(actual, expected, std::fabs(expected) * 1e-12) << "expected " << expected << ", got " << actual;
}

struct Offer {
  Tick at = 0;     // when the call is made
  Tick delay = 0;  // annotated delay of the call: the head arrives at at + delay
  Tick tail = 0;   // absolute tail time; 0: at + delay
  std::uint64_t flow = 0;
  std::uint32_t bytes = 4000;
  const core::Route* route = nullptr;
  std::uint16_t hop = 1;
  core::StepTally* tally = nullptr;
};

// Offers packets with BEGIN_REQ in time order. With `credited`, each packet carries credit and the next is
// offered only when END_REQ has come back (as an accelerator injects); the END_REQ times are recorded.
class Source : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Source> out{"out"};
  std::vector<Tick> credits;

  Source(const sc_core::sc_module_name& name, core::PayloadPool& pool, std::vector<Offer> offers,
         bool credited = false)
      : sc_core::sc_module(name), m_pool(pool), m_offers(std::move(offers)), m_credited(credited) {
    std::stable_sort(m_offers.begin(), m_offers.end(),
                     [](const Offer& a, const Offer& b) { return a.at < b.at; });
    out.register_nb_transport_bw(this, &Source::nb_transport_bw);
    sc_core::sc_spawn([this] { run(); }, "run");
  }

 private:
  void run() {
    for (const Offer& o : m_offers) {
      if (o.at > core::now_ticks()) sc_core::wait(core::ticks_to_time(o.at - core::now_ticks()));
      tlm::tlm_generic_payload* p = m_pool.acquire();
      core::FabricExtension& ext = core::fabric(*p);
      ext.flow = o.flow;
      ext.bytes = o.bytes;
      ext.route = o.route;
      ext.hop = o.hop;
      ext.tail = o.tail != 0 ? o.tail : o.at + o.delay;
      ext.tally = o.tally;
      ext.credit = m_credited;
      p->set_data_length(o.bytes);
      tlm::tlm_phase phase = tlm::BEGIN_REQ;
      sc_core::sc_time delay = core::ticks_to_time(o.delay);
      EXPECT_EQ(out->nb_transport_fw(*p, phase, delay), tlm::TLM_ACCEPTED);
      if (m_credited) sc_core::wait(m_credit);
    }
  }

  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload&, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay) {
    EXPECT_EQ(phase, tlm::END_REQ);
    EXPECT_EQ(delay, sc_core::SC_ZERO_TIME);
    credits.push_back(core::now_ticks());
    m_credit.notify(sc_core::SC_ZERO_TIME);
    return tlm::TLM_ACCEPTED;
  }

  core::PayloadPool& m_pool;
  std::vector<Offer> m_offers;
  bool m_credited;
  sc_core::sc_event m_credit;
};

struct Arrival {
  Tick head;  // call time plus annotated delay
  Tick tail;  // ext.tail
  std::uint64_t flow;
  std::uint16_t hop;
  bool credit;
};

class Sink : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Sink> in{"in"};
  std::vector<Arrival> arrivals;

  explicit Sink(const sc_core::sc_module_name& name) : sc_core::sc_module(name) {
    in.register_nb_transport_fw(this, &Sink::nb_transport_fw);
  }

 private:
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay) {
    EXPECT_EQ(phase, tlm::BEGIN_REQ);
    const core::FabricExtension& ext = core::fabric(p);
    arrivals.push_back(Arrival{core::now_ticks() + delay.value(), ext.tail, ext.flow, ext.hop, ext.credit});
    p.release();
    return tlm::TLM_ACCEPTED;
  }
};

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

// 100 GB/s, 500 ns, no overhead, 11 pJ/bit: 4000 bytes take 40 ns on the wire.
link::Params link_params() {
  link::Params p;
  p.bandwidth_Bps = 100e9;
  p.latency_s = 500e-9;
  p.stack = {link::StackCost{Category::Serdes, 11.0, 0.0}};
  return p;
}

// --- static functions ---

TEST(NicParams, DefaultsHaveNoSourcedCostAndEnergyIsPerPayloadBit) {
  const Params defaults;
  EXPECT_DOUBLE_EQ(defaults.latency_s, 0.0);
  EXPECT_DOUBLE_EQ(defaults.energy_pj_per_bit, 0.0);
  EXPECT_DOUBLE_EQ(defaults.static_power_w, 0.0);
  EXPECT_DOUBLE_EQ(defaults.bandwidth_Bps, 0.0);
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
  ASSERT_EQ(bench.to_network.arrivals.size(), 1u);
  ASSERT_EQ(bench.to_accelerator.arrivals.size(), 1u);
  const Arrival& out = bench.to_network.arrivals[0];
  EXPECT_EQ(out.flow, 1u);
  EXPECT_EQ(out.head, ticks(100e-9) + lat);  // cut-through: the head does not wait for the tail
  EXPECT_EQ(out.tail, ticks(140e-9) + lat);
  EXPECT_EQ(out.hop, 2u);
  EXPECT_EQ(out.head, 350'000u);
  const Arrival& in = bench.to_accelerator.arrivals[0];
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
  EXPECT_EQ(bench.to_network.arrivals.size(), 2u);
  EXPECT_EQ(bench.to_accelerator.arrivals.size(), 1u);
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
  const link::Params lp = link_params();
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
  const auto& got = b.network.arrivals;
  ASSERT_EQ(got.size(), 4u);
  ASSERT_EQ(b.accelerator.credits.size(), 4u);
  for (std::size_t k = 0; k < 4; ++k) {
    const Tick start = N + k * ser;                   // the link starts packet k
    EXPECT_EQ(b.accelerator.credits[k], start) << k;  // END_REQ relayed back as the link starts it
    EXPECT_EQ(got[k].head, start + L) << k;
    EXPECT_EQ(got[k].tail, start + ser + L) << k;
    EXPECT_EQ(got[k].hop, 1u);
    EXPECT_FALSE(got[k].credit);  // the link consumed the credit
  }
  EXPECT_EQ(b.wire.direction(0).packets, 4u);
  EXPECT_EQ(b.wire.direction(0).busy, 4 * ser);
  EXPECT_TRUE(b.to_accelerator.arrivals.empty());
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
  const link::Params lp = link_params();
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
  const auto& got = b.network.arrivals;
  ASSERT_EQ(got.size(), 3u);
  for (std::size_t k = 0; k < 3; ++k) {
    const Tick start = (k + 1) * N;
    EXPECT_EQ(b.accelerator.credits[k], start) << k;
    EXPECT_EQ(got[k].tail, start + ser + L) << k;
  }
  EXPECT_EQ(b.wire.direction(0).busy, 3 * ser);
}

}  // namespace
}  // namespace pjbit::nic
