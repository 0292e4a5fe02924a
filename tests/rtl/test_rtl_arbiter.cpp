// The RTL output-port arbiter (rtl/port_arbiter.v, Verilated) against pjbit's TLM arbiter (core/arbiter.h):
// its pins one edge at a time, then behind its transactor on one link direction fed by eight inputs of
// mixed transport classes (a switch's output port under contention), where both must grant in the same
// order and finish every packet within one clock period of each other.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <systemc>
#include <vector>

#include "Vport_arbiter.h"
#include "core/fabric_extension.h"
#include "modules/link/link.h"
#include "rtl/arbiter_transactor.h"
#include "support/testbench.h"

namespace {
namespace test_rtl_arbiter {

using pjbit::core::Tick;
using pjbit::testing::Offer;
using pjbit::testing::Sink;
using pjbit::testing::Source;

void fresh_context() {
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
}

// ------------------------------------------------------------------------------------------------------------
// The pins, one edge at a time.

class Bench {
 public:
  sc_core::sc_signal<bool> clk{"clk"}, rst_n{"rst_n"}, credit{"credit"}, grant{"grant"};
  sc_core::sc_signal<std::uint32_t> req{"req"}, more{"more"}, cls{"cls"}, grant_id{"grant_id"},
      credits{"credits"}, waiting{"waiting"};
  Vport_arbiter dut{"dut"};

  Bench() {
    dut.clk(clk);
    dut.rst_n(rst_n);
    dut.req(req);
    dut.cls(cls);
    dut.more(more);
    dut.credit(credit);
    dut.grant(grant);
    dut.grant_id(grant_id);
    dut.credits(credits);
    dut.waiting(waiting);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
    edge(0, 0, 0, false, true);
  }

  // One rising edge with these inputs (classes: slot i's in bits 3i..3i+2); the outputs after it.
  void edge(std::uint32_t r, std::uint32_t m, std::uint32_t c, bool cr, bool reset = false) {
    clk.write(false);
    sc_core::sc_start(1, sc_core::SC_NS);
    req.write(r);
    more.write(m);
    cls.write(c);
    credit.write(cr);
    rst_n.write(!reset);
    clk.write(true);
    sc_core::sc_start(1, sc_core::SC_NS);
  }
  // The slot granted at the last edge, or -1.
  int granted() const { return grant.read() ? static_cast<int>(grant_id.read()) : -1; }
};

std::uint32_t classes(std::initializer_list<std::pair<int, int>> slot_class) {
  std::uint32_t c = 0;
  for (auto [slot, cls] : slot_class)
    c |= static_cast<std::uint32_t>(cls) << (3 * slot);
  return c;
}

TEST(RtlArbiterPins, StrictPriorityRoundRobinAndCredits) {
  fresh_context();
  Bench b;
  EXPECT_EQ(b.credits.read(), 1u);  // the output starts with one credit
  EXPECT_EQ(b.granted(), -1);

  // Slots 5 (class 2), 1 (class 4) and 3 (class 0) ask at once, each with more behind: class 0 goes first.
  const std::uint32_t c = classes({{5, 2}, {1, 4}, {3, 0}});
  b.edge(0b101010, 0b101010, c, false);
  EXPECT_EQ(b.granted(), 3);
  EXPECT_EQ(b.credits.read(), 0u);
  EXPECT_EQ(b.waiting.read(), 0b101010u);  // slot 3 went to the back of its class, the others joined
  // No credit, no grant, however long they wait.
  b.edge(0b101010, 0b101010, c, false);
  EXPECT_EQ(b.granted(), -1);
  // A credit comes back: slot 3 again (alone in class 0), and it leaves (nothing more behind it).
  b.edge(0b101010, 0b100010, c, true);
  EXPECT_EQ(b.granted(), 3);
  EXPECT_EQ(b.waiting.read(), 0b100010u);
  b.edge(0b100010, 0b100010, c, true);
  EXPECT_EQ(b.granted(), 5);  // class 2 before class 4
  b.edge(0b100010, 0b000010, c, true);
  EXPECT_EQ(b.granted(), 5);
  b.edge(0b000010, 0b000000, c, true);
  EXPECT_EQ(b.granted(), 1);
  EXPECT_EQ(b.waiting.read(), 0u);
  EXPECT_EQ(b.credits.read(), 0u);
  // A credit with nobody asking is kept for later.
  b.edge(0, 0, 0, true);
  EXPECT_EQ(b.granted(), -1);
  EXPECT_EQ(b.credits.read(), 1u);
}

TEST(RtlArbiterPins, TurnsWithinAClassFollowTheOrderFlowsJoined) {
  fresh_context();
  Bench b;
  const std::uint32_t c = classes({{0, 2}, {4, 2}, {6, 2}});
  // Slot 6 joins first (and is granted at once, having more: it stays in the turns), then 0 and 4 join
  // together behind it, in slot order.
  b.edge(0b1000000, 0b1000000, c, false);
  EXPECT_EQ(b.granted(), 6);
  b.edge(0b1010001, 0b1010001, c, false);  // no credit: 0 and 4 join behind 6
  EXPECT_EQ(b.granted(), -1);
  std::vector<int> order;
  for (int i = 0; i < 6; ++i) {
    b.edge(0b1010001, 0b1010001, c, true);
    order.push_back(b.granted());
  }
  // As the TLM arbiter's turns: 6 (waiting longest), then 0 and 4, each back behind the others once served.
  EXPECT_EQ(order, (std::vector<int>{6, 0, 4, 6, 0, 4}));
}

// ------------------------------------------------------------------------------------------------------------
// Behind the transactor: eight inputs into one output.

enum class Kind { Tlm, Rtl, RtlEveryEdge };

struct Trace {
  struct Packet {
    std::uint64_t flow;
    std::uint64_t seq;  // the packet's number within its flow
    Tick end;           // its tail at the far end
  };
  std::vector<Packet> packets;  // in the order they went on the wire
  std::uint64_t edges = 0;
  std::uint64_t grants = 0;
};

constexpr std::uint32_t kBytes = 4096;  // 40.96 ns on a 100 GB/s wire
constexpr Tick kSer = 40960;            // ticks (ps)
constexpr Tick kPeriod = 1000;          // the RTL's clock: 1 ns
constexpr int kInputs = 8;
constexpr int kPerFlow = 20;
// Mixed classes, two flows in each of classes 0, 2 and 4.
constexpr std::uint8_t kClass[kInputs] = {4, 2, 0, 3, 1, 2, 4, 0};

// Input i's flow (i + 1) brings kPerFlow packets at its own line rate (one per kSer, as a link of the
// output's rate would deliver them to the switch), from 5 + 13 i ns + `offset` on.
std::vector<Offer> contention_offers(int inputs, Tick offset) {
  std::vector<Offer> offers;
  for (int i = 0; i < inputs; ++i)
    for (int k = 0; k < kPerFlow; ++k) {
      Offer o;
      o.at = 5000 + offset + 13000 * static_cast<Tick>(i) + kSer * static_cast<Tick>(k);
      o.tail = o.at + kSer;
      o.flow = static_cast<std::uint64_t>(i + 1);
      o.cls = kClass[i % kInputs];
      o.bytes = kBytes;
      o.src = i;
      offers.push_back(o);
    }
  return offers;
}

Trace run(Kind kind, int inputs = kInputs, Tick offset = 0) {
  fresh_context();
  pjbit::link::Params params = pjbit::testing::serdes_link_params();
  params.latency_s = 100e-9;
  pjbit::core::PayloadPool pool;
  pjbit::link::Link link("port", params);
  // The packets carry their number within their flow in `tag`, set by a source per flow.
  std::vector<Offer> offers = contention_offers(inputs, offset);
  Source in("in", pool, offers);
  Source unused("unused", pool, {});
  Sink out("out"), back("back");
  in.out.bind(link.a_in);
  link.b_out.bind(out.in);
  unused.out.bind(link.b_in);
  link.a_out.bind(back.in);
  std::unique_ptr<pjbit::rtl::ArbiterTransactor> arbiter;
  if (kind != Kind::Tlm) {
    pjbit::rtl::ArbiterParams p;
    p.period = kPeriod;
    p.gated = kind == Kind::Rtl;
    p.scope = "port";
    arbiter = std::make_unique<pjbit::rtl::ArbiterTransactor>("arbiter", p);
    link.set_port_arbiter(0, arbiter.get());
  }
  sc_core::sc_start();
  Trace r;
  std::map<std::uint64_t, std::uint64_t> seq;
  for (const auto& a : out.arrivals())
    r.packets.push_back({a.flow, seq[a.flow]++, a.tail});
  if (arbiter) {
    r.edges = arbiter->edges();
    r.grants = arbiter->grants();
  }
  return r;
}

void expect_same_grants(Tick offset) {
  const Trace tlm = run(Kind::Tlm, kInputs, offset);
  const Trace rtl = run(Kind::Rtl, kInputs, offset);
  ASSERT_EQ(tlm.packets.size(), static_cast<std::size_t>(kInputs * kPerFlow));
  ASSERT_EQ(rtl.packets.size(), tlm.packets.size());
  EXPECT_EQ(rtl.grants, rtl.packets.size());
  // The same packet at every place in the order.
  Tick worst = 0;
  for (std::size_t i = 0; i < tlm.packets.size(); ++i) {
    ASSERT_EQ(rtl.packets[i].flow, tlm.packets[i].flow) << "packet " << i;
    ASSERT_EQ(rtl.packets[i].seq, tlm.packets[i].seq) << "packet " << i;
    const Tick a = rtl.packets[i].end, b = tlm.packets[i].end;
    worst = std::max(worst, a > b ? a - b : b - a);
  }
  // Every packet ends within one period of the TLM's: here exactly as far as the first packet waited for
  // its edge, none when the arrivals are on edges.
  EXPECT_EQ(worst, (kPeriod - offset % kPeriod) % kPeriod);
  EXPECT_LE(worst, kPeriod);
  // Each flow's last byte arrives within one clock period of the TLM's.
  std::map<std::uint64_t, Tick> tlm_done, rtl_done;
  for (const auto& p : tlm.packets)
    tlm_done[p.flow] = std::max(tlm_done[p.flow], p.end);
  for (const auto& p : rtl.packets)
    rtl_done[p.flow] = std::max(rtl_done[p.flow], p.end);
  for (const auto& [flow, end] : tlm_done) {
    const Tick e = rtl_done[flow];
    EXPECT_LE(e > end ? e - end : end - e, kPeriod) << "flow " << flow;
  }
  // The order is the arbitration's, not the arrivals': after the first packet (input 0's, alone), the two
  // class-0 flows (inputs 2 and 7) finish before any packet of class 4 (inputs 0 and 6) goes but the first,
  // and class-0 flows take turns while both wait.
  EXPECT_EQ(tlm.packets.front().flow, 1u);
  std::size_t last_class0 = 0, first_later_class4 = tlm.packets.size();
  for (std::size_t i = 0; i < tlm.packets.size(); ++i) {
    const std::uint64_t f = tlm.packets[i].flow;
    if (f == 3 || f == 8) last_class0 = i;
    if (i > 0 && (f == 1 || f == 7)) first_later_class4 = std::min(first_later_class4, i);
  }
  EXPECT_LT(last_class0, first_later_class4);
  int alternations = 0;
  for (std::size_t i = 1; i < tlm.packets.size(); ++i) {
    const std::uint64_t a = tlm.packets[i - 1].flow, b = tlm.packets[i].flow;
    alternations += (a == 3 && b == 8) || (a == 8 && b == 3);
  }
  EXPECT_GT(alternations, 5);
}

TEST(RtlArbiter, ContentionGrantsInTheTlmOrderAndFinishWithinOneClock) {
  // Arrivals on the clock's edges: the same order and the same times.
  expect_same_grants(0);
}

TEST(RtlArbiter, ContentionOffTheClockGrantsInTheTlmOrderWithinOneClock) {
  // Every arrival 0.3 ns after an edge: the first packet waits 0.7 ns for the next edge, and with it every
  // packet behind it; the order is the same.
  expect_same_grants(300);
}

TEST(RtlArbiter, GatedClockRunsFewerEdgesWithTheSameGrants) {
  // Gating the clock skips only edges at which the RTL could change nothing.
  const Trace every = run(Kind::RtlEveryEdge);
  const Trace gated = run(Kind::Rtl);
  ASSERT_EQ(gated.packets.size(), every.packets.size());
  for (std::size_t i = 0; i < every.packets.size(); ++i) {
    EXPECT_EQ(gated.packets[i].flow, every.packets[i].flow) << "packet " << i;
    EXPECT_EQ(gated.packets[i].end, every.packets[i].end) << "packet " << i;
  }
  // Every edge: about one per nanosecond of the 6.6 us the port is busy; gated: about one per packet.
  EXPECT_GT(every.edges, 6000u);
  EXPECT_LT(gated.edges, 2 * gated.packets.size());
}

TEST(RtlArbiter, MoreFlowsThanInputsAllGetThrough) {
  // Twelve flows, eight slots: four wait in the transactor until a slot frees, and every packet arrives.
  const Trace rtl = run(Kind::Rtl, 12);
  ASSERT_EQ(rtl.packets.size(), static_cast<std::size_t>(12 * kPerFlow));
  std::map<std::uint64_t, int> per_flow;
  for (const auto& p : rtl.packets)
    ++per_flow[p.flow];
  for (const auto& [flow, n] : per_flow)
    EXPECT_EQ(n, kPerFlow) << "flow " << flow;
}

}  // namespace test_rtl_arbiter
}  // namespace
