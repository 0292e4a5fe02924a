// The OCS model (modules/ocs) in a testbench: one test source on each input port (bound in port order) and
// one test sink on each output port, a script process that reconfigures and probes at given ticks, or a
// star of links around the OCS as the builder wires it. Expected ticks are computed here from the
// parameters (ocs.md's equations). Each TEST elaborates at most once.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <systemc>
#include <utility>
#include <vector>

#include "core/energy.h"
#include "core/fabric_extension.h"
#include "core/time.h"
#include "modules/link/link.h"
#include "modules/ocs/ocs.h"
#include "support/sc_reports.h"
#include "support/testbench.h"

namespace pjbit::ocs {
namespace {
namespace test_ocs {

using core::Category;
using core::Tick;
using testing::Arrival;
using testing::Offer;
using testing::Sink;
using testing::Source;
using testing::ticks;

Offer offer(std::uint64_t flow, const core::Route* route, Tick at, Tick length = 0) {
  Offer o;
  o.flow = flow;
  o.route = route;
  o.at = at;
  o.tail = length == 0 ? 0 : at + length;
  return o;
}

// Runs actions at given ticks, in time order (equal ticks in the order given), from one thread: the
// scheduler's side of the API.
class Script : public sc_core::sc_module {
 public:
  using Step = std::pair<Tick, std::function<void()>>;

  Script(const sc_core::sc_module_name& name, std::vector<Step> steps)
      : sc_core::sc_module(name), m_steps(std::move(steps)) {
    std::stable_sort(m_steps.begin(), m_steps.end(),
                     [](const Step& a, const Step& b) { return a.first < b.first; });
    sc_core::sc_spawn([this] { run(); }, "run");
  }

 private:
  void run() {
    for (const Step& s : m_steps) {
      if (s.first > core::now_ticks()) sc_core::wait(core::ticks_to_time(s.first - core::now_ticks()));
      s.second();
    }
  }

  std::vector<Step> m_steps;
};

// Records the tick of every reconfigured() notification.
class Watcher : public sc_core::sc_module {
 public:
  std::vector<Tick> fired;

  Watcher(const sc_core::sc_module_name& name, Ocs& ocs) : sc_core::sc_module(name), m_ocs(ocs) {
    sc_core::sc_spawn([this] { run(); }, "run");
  }

 private:
  void run() {
    for (;;) {
      sc_core::wait(m_ocs.reconfigured());
      fired.push_back(core::now_ticks());
    }
  }

  Ocs& m_ocs;
};

// A source on every input port and a sink on every output port, bound in port order.
struct Bench {
  core::PayloadPool pool;
  Ocs ocs;
  std::vector<std::unique_ptr<Source>> sources;
  std::vector<std::unique_ptr<Sink>> sinks;

  Bench(const Params& params, const std::vector<int>& circuits, std::vector<std::vector<Offer>> offers)
      : ocs("ocs", params) {
    ocs.set_circuits(circuits);
    offers.resize(static_cast<std::size_t>(params.ports));
    for (int i = 0; i < params.ports; ++i) {
      const std::string n = std::to_string(i);
      sources.push_back(std::make_unique<Source>(("src" + n).c_str(), pool, std::move(offers[i])));
      sinks.push_back(std::make_unique<Sink>(("sink" + n).c_str()));
      sources.back()->out.bind(ocs.in);
      ocs.out.bind(sinks.back()->in);
    }
  }
};

Params small(int ports, double reconfiguration_s) {
  Params p;
  p.ports = ports;
  p.reconfiguration_s = reconfiguration_s;
  return p;
}

bool overlaps(Tick a0, Tick a1, Tick b0, Tick b1) {
  return a0 < b1 && b0 < a1;
}

bool touches(const Reconfiguration& r, int port) {
  return std::find(r.ports.begin(), r.ports.end(), port) != r.ports.end();
}

// Every recorded transit against every reconfiguration touching either of its ports: its bits were inside
// the OCS ([start, tail_out)) only outside the dark interval [start, end).
void expect_no_transit_while_dark(const Ocs& ocs) {
  for (const Transit& t : ocs.transits()) {
    for (const Reconfiguration& r : ocs.reconfigurations()) {
      if (!touches(r, t.from) && !touches(r, t.to)) continue;
      EXPECT_FALSE(overlaps(t.start, t.tail_out, r.start, r.end))
          << "flow " << t.flow << " (" << t.from << " -> " << t.to << ") inside the OCS over [" << t.start
          << ", " << t.tail_out << ") while dark over [" << r.start << ", " << r.end << ")";
    }
  }
  EXPECT_DOUBLE_EQ(ocs.bits_while_dark(), 0.0);
}

// --- pure functions ---

TEST(OcsParams, DefaultsAndHelpers) {
  const Params d;
  EXPECT_EQ(d.ports, 136);
  EXPECT_DOUBLE_EQ(d.reconfiguration_s, 10e-3);
  EXPECT_DOUBLE_EQ(d.insertion_loss_db, 2.0);
  EXPECT_DOUBLE_EQ(d.power_w, 0.0);
  EXPECT_NEAR(Params::transmission(d), std::pow(10.0, -0.2), 1e-15);  // 2 dB: about 63% survives
  Params lossless;
  lossless.insertion_loss_db = 0.0;
  EXPECT_DOUBLE_EQ(Params::transmission(lossless), 1.0);
  Params powered;
  powered.power_w = 100.0;
  EXPECT_DOUBLE_EQ(Params::static_energy_j(2.5, powered), 250.0);
  EXPECT_DOUBLE_EQ(Params::static_energy_j(2.5, d), 0.0);
}

TEST(OcsCircuits, MapValidation) {
  EXPECT_EQ(circuit_map_error({1, 0, 3, 2}, 4), "");
  EXPECT_EQ(circuit_map_error({-1, -1, -1}, 3), "");
  EXPECT_EQ(circuit_map_error({2, -1, 0}, 3), "");
  EXPECT_EQ(circuit_map_error({1, 0}, 4), "circuit map has 2 entries, the OCS has 4 ports");
  EXPECT_EQ(circuit_map_error({4, -1, -1, -1}, 4),
            "port 0 is connected to port 4, outside 0..3 (-1 for unconnected)");
  EXPECT_EQ(circuit_map_error({-1, -2, -1, -1}, 4),
            "port 1 is connected to port -2, outside 0..3 (-1 for unconnected)");
  EXPECT_EQ(circuit_map_error({-1, -1, 2, -1}, 4), "port 2 is connected to itself");
  EXPECT_EQ(circuit_map_error({1, 2, 1, -1}, 4),
            "circuits must be symmetric: port 0 is connected to port 1, but port 1 is connected to port 2");
  EXPECT_EQ(
      circuit_map_error({3, -1, -1, -1}, 4),
      "circuits must be symmetric: port 0 is connected to port 3, but port 3 is connected to nothing (-1)");

  EXPECT_EQ(changed_ports({1, 0, 3, 2}, {2, 3, 0, 1}), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(changed_ports({1, 0, 3, 2, 5, 4}, {1, 0, 4, -1, 2, -1}), (std::vector<int>{2, 3, 4, 5}));
  EXPECT_TRUE(changed_ports({1, 0}, {1, 0}).empty());
}

TEST(OcsCircuits, RingInRankOrder) {
  // 4 ranks x 2 ports in a 10-port OCS: rank r's port 0 (OCS port 2r) to rank r+1's port 1 (2(r+1)+1).
  const std::vector<int> ring = ring_circuits(4, 2, 10);
  EXPECT_EQ(ring, (std::vector<int>{3, 6, 5, 0, 7, 2, 1, 4, -1, -1}));
  EXPECT_EQ(circuit_map_error(ring, 10), "");
  // Two ranks: two parallel circuits between them.
  EXPECT_EQ(ring_circuits(2, 2, 4), (std::vector<int>{3, 2, 1, 0}));
  // Four ports per rank: two rings; three ports per rank: the third is unconnected.
  const std::vector<int> two_rings = ring_circuits(3, 4, 12);
  EXPECT_EQ(two_rings[0], 5);
  EXPECT_EQ(two_rings[2], 7);
  EXPECT_EQ(two_rings[8], 1);  // rank 2 port 0 -> rank 0 port 1
  EXPECT_EQ(circuit_map_error(two_rings, 12), "");
  const std::vector<int> odd = ring_circuits(3, 3, 9);
  EXPECT_EQ(odd[2], -1);
  EXPECT_EQ(odd[5], -1);
  EXPECT_EQ(odd[0], 4);
  EXPECT_EQ(circuit_map_error(odd, 9), "");
  EXPECT_EQ(ring_circuits(1, 2, 4), (std::vector<int>{-1, -1, -1, -1}));
  EXPECT_THROW(ring_circuits(70, 2, 136), std::invalid_argument);
  EXPECT_EQ(circuit_map_error(ring_circuits(68, 2, 136), 136), "");
}

// --- elaboration ---

TEST(Ocs, SetCircuitsValidatesAndRejectsBadParams) {
  Ocs ocs("ocs", small(4, 1e-3));
  for (int p = 0; p < 4; ++p)
    EXPECT_EQ(ocs.circuit(p), -1);  // all unconnected until set
  auto message = [&](const std::vector<int>& map) -> std::string {
    try {
      ocs.set_circuits(map);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "no exception";
  };
  EXPECT_EQ(message({1, 0}), "ocs: circuit map has 2 entries, the OCS has 4 ports");
  EXPECT_EQ(message({1, 0, 3, 7}), "ocs: port 3 is connected to port 7, outside 0..3 (-1 for unconnected)");
  EXPECT_EQ(
      message({1, 2, 1, -1}),
      "ocs: circuits must be symmetric: port 0 is connected to port 1, but port 1 is connected to port 2");
  EXPECT_EQ(message({0, -1, -1, -1}), "ocs: port 0 is connected to itself");
  for (int p = 0; p < 4; ++p)
    EXPECT_EQ(ocs.circuit(p), -1);  // a rejected map changes nothing

  ocs.set_circuits({2, -1, 0, -1});
  EXPECT_EQ(ocs.circuit(0), 2);
  EXPECT_EQ(ocs.circuit(2), 0);
  EXPECT_EQ(ocs.circuit(1), -1);
  EXPECT_EQ(ocs.target_circuit(0), 2);
  EXPECT_FALSE(ocs.dark(0));
  EXPECT_THROW(ocs.reconfigure({1, 1, -1, -1}, "bad"), std::invalid_argument);
  EXPECT_TRUE(ocs.reconfigurations().empty());

  EXPECT_THROW(Ocs("zero", small(0, 1e-3)), std::invalid_argument);
  EXPECT_THROW(Ocs("negative", small(4, -1.0)), std::invalid_argument);
}

TEST(Ocs, StaticPowerInCategoryOcsAndNoDynamicEnergy) {
  Params p = small(8, 1e-3);
  p.power_w = 100.0;
  Ocs powered("powered", p);  // construction alone registers static power
  const core::EnergyAccount& e = powered.energy();
  EXPECT_DOUBLE_EQ(e.static_w()[core::EnergyAccount::index(Category::Ocs)], 100.0);
  EXPECT_DOUBLE_EQ(e.static_total_w(), 100.0);
  EXPECT_DOUBLE_EQ(e.dynamic_total_j(), 0.0);
  Ocs unpowered("unpowered", small(8, 1e-3));
  EXPECT_DOUBLE_EQ(unpowered.energy().static_total_w(), 0.0);
}

// --- forwarding ---

TEST(Ocs, ForwardsAlongCircuitsCutThrough) {
  const Params p = small(4, 1e-3);
  const core::Route to2{{0, 2}, 2, 0};
  const core::Route to0{{0, 0}, 2, 0};
  const core::Route to1{{0, 1}, 2, 0};
  const core::Route third_hop{{0, 0, 1, 0}, 3, 0};  // the OCS is the third node: hop 2 picks port 1
  core::StepTally tally;
  // Port 0: head at 100 ns (call at 0 with 100 ns delay), tail at 140 ns.
  Offer a = offer(1, &to2, 0);
  a.delay = ticks(100e-9);
  a.tail = ticks(140e-9);
  Offer b = offer(2, &to0, ticks(1e-6), ticks(40e-9));  // port 2 back to 0, 1 us
  Offer c = offer(3, &to1, ticks(2e-6), ticks(80e-9));  // port 3 to 1
  Offer d = offer(4, &third_hop, ticks(3e-6));          // port 3 to 1, hop 2
  d.hop = 2;
  d.bytes = 1000;
  Bench bench(p, {2, 3, 0, 1}, {{a}, {}, {b}, {c, d}});
  bench.ocs.keep_transits(true);
  sc_core::sc_start();

  ASSERT_EQ(bench.sinks[2]->arrivals().size(), 1u);
  ASSERT_EQ(bench.sinks[0]->arrivals().size(), 1u);
  ASSERT_EQ(bench.sinks[1]->arrivals().size(), 2u);
  EXPECT_TRUE(bench.sinks[3]->arrivals().empty());
  const Arrival& got_a = bench.sinks[2]->arrivals()[0];
  EXPECT_EQ(got_a.head, ticks(100e-9));  // cut-through: the head leaves as it arrives
  EXPECT_EQ(got_a.tail, ticks(140e-9));
  EXPECT_EQ(got_a.head, 100'000u);
  EXPECT_EQ(got_a.hop, 2u);
  EXPECT_EQ(bench.sinks[0]->arrivals()[0].head, ticks(1e-6));
  EXPECT_EQ(bench.sinks[0]->arrivals()[0].tail, ticks(1e-6) + ticks(40e-9));
  EXPECT_EQ(bench.sinks[1]->arrivals()[0].flow, 3u);
  EXPECT_EQ(bench.sinks[1]->arrivals()[0].head, ticks(2e-6));
  EXPECT_EQ(bench.sinks[1]->arrivals()[0].tail, ticks(2e-6) + ticks(80e-9));
  EXPECT_EQ(bench.sinks[1]->arrivals()[1].flow, 4u);
  EXPECT_EQ(bench.sinks[1]->arrivals()[1].head, ticks(3e-6));
  EXPECT_EQ(bench.sinks[1]->arrivals()[1].hop, 3u);

  const Ocs& o = bench.ocs;
  EXPECT_EQ(o.packets(), 4u);
  EXPECT_DOUBLE_EQ(o.bytes(), 3 * 4000.0 + 1000.0);
  EXPECT_EQ(o.port_stats(0).packets_in, 1u);
  EXPECT_EQ(o.port_stats(0).packets_out, 1u);
  EXPECT_EQ(o.port_stats(3).packets_in, 2u);
  EXPECT_DOUBLE_EQ(o.port_stats(3).bytes_in, 5000.0);
  EXPECT_EQ(o.port_stats(1).packets_out, 2u);
  EXPECT_DOUBLE_EQ(o.port_stats(1).bytes_out, 5000.0);
  EXPECT_EQ(o.port_stats(1).packets_in, 0u);
  EXPECT_EQ(o.held_packets(), 0u);
  EXPECT_EQ(o.misrouted(), 0u);
  EXPECT_DOUBLE_EQ(o.energy().dynamic_total_j(), 0.0);  // passive optics: no per-bit energy
  EXPECT_DOUBLE_EQ(tally.energy_j, 0.0);
  ASSERT_EQ(o.transits().size(), 4u);
  EXPECT_EQ(o.transits()[0].start, ticks(100e-9));
  EXPECT_EQ(o.transits()[0].tail_out, ticks(140e-9));
  EXPECT_EQ(bench.pool.in_use(), 0u);
}

// Wrong circuit, unconnected port, no route: each is an SC_REPORT_ERROR; when the report does not throw,
// the packet is dropped (its payload released) and counted, and the rest of the traffic flows. The expected
// reports are recorded instead of thrown: an exception thrown through the kernel from a method process is
// reported as a false stack-use-after-scope under AddressSanitizer, so the tests never throw.
TEST(Ocs, MisroutedPacketsAreReportedAndCounted) {
  const testing::ExpectScReport errors(sc_core::SC_ERROR, "ocs: packet");
  const Params p = small(4, 1e-3);
  const core::Route to1{{0, 1}, 2, 0};
  const core::Route to0{{0, 0}, 2, 0};
  const core::Route to2{{0, 2}, 2, 0};
  const core::Route to3{{0, 3}, 2, 0};
  Offer no_route = offer(3, nullptr, ticks(3e-6));
  Bench bench(p, {1, 0, -1, -1},
              {{offer(1, &to2, ticks(1e-6)), offer(4, &to1, ticks(4e-6))},  // wrong circuit, then right
               {offer(5, &to0, ticks(5e-6))},
               {offer(2, &to3, ticks(2e-6))},  // port 2 is unconnected
               {no_route}});
  sc_core::sc_start();

  EXPECT_EQ(errors.reports(), (std::vector<std::string>{
                                  "ocs: packet routed over a circuit that does not exist",
                                  "ocs: packet routed over a circuit that does not exist",
                                  "ocs: packet without a route through this OCS",
                              }));
  EXPECT_EQ(sc_core::sc_report_handler::get_count(sc_core::SC_ERROR), 3);
  EXPECT_EQ(bench.ocs.misrouted(), 3u);
  EXPECT_EQ(bench.ocs.packets(), 2u);
  ASSERT_EQ(bench.sinks[1]->arrivals().size(), 1u);
  EXPECT_EQ(bench.sinks[1]->arrivals()[0].flow, 4u);
  ASSERT_EQ(bench.sinks[0]->arrivals().size(), 1u);
  EXPECT_EQ(bench.sinks[0]->arrivals()[0].flow, 5u);
  EXPECT_TRUE(bench.sinks[2]->arrivals().empty());
  EXPECT_TRUE(bench.sinks[3]->arrivals().empty());
  EXPECT_EQ(bench.pool.in_use(), 0u);
}

// A packet held on a dark port is checked against the new circuit when it is released: a route that names
// the old circuit is an error then (the platform must recompute routes), never a bit over the old circuit.
TEST(Ocs, HeldPacketWithAStaleRouteIsAnErrorOnRelease) {
  const testing::ExpectScReport errors(sc_core::SC_ERROR,
                                       "ocs: packet routed over a circuit that does not exist");
  const Params p = small(4, 1e-3);
  const Tick R = ticks(p.reconfiguration_s);
  const core::Route to1{{0, 1}, 2, 0};
  std::vector<std::vector<Offer>> offers(4);
  offers[0] = {offer(1, &to1, ticks(10e-6))};  // old circuit 0-1, arrives while dark
  Bench bench(p, {1, 0, 3, 2}, std::move(offers));
  Ocs& ocs = bench.ocs;
  std::vector<std::size_t> errors_at_callback;
  ocs.on_reconfigured([&] { errors_at_callback.push_back(errors.count()); });
  Script script("script", {{0, [&] { ocs.reconfigure({2, 3, 0, 1}, "stale routes"); }}});
  sc_core::sc_start();

  EXPECT_EQ(errors_at_callback, (std::vector<std::size_t>{0}));  // held until the circuit is up at R
  EXPECT_EQ(errors.reports(),
            (std::vector<std::string>{"ocs: packet routed over a circuit that does not exist"}));
  EXPECT_EQ(ocs.misrouted(), 1u);
  EXPECT_EQ(ocs.packets(), 0u);
  EXPECT_EQ(ocs.reconfigurations().at(0).end, R);
  for (const auto& sink : bench.sinks)
    EXPECT_TRUE(sink->arrivals().empty());
  EXPECT_EQ(bench.pool.in_use(), 0u);
}

// --- reconfiguration ---

TEST(Ocs, ReconfigurationDarkensOnlyChangedPortsAndHoldsTheirPackets) {
  const Params p = small(6, 10e-3);
  const Tick R = ticks(p.reconfiguration_s);
  const Tick len = ticks(40e-9);
  const Tick t_r = ticks(1e-6);
  const Tick end = t_r + R;
  const std::vector<int> before{1, 0, 3, 2, 5, 4};  // 0-1, 2-3, 4-5
  const std::vector<int> after{2, 3, 0, 1, 5, 4};   // 0-2, 1-3, 4-5 unchanged

  const core::Route to0{{0, 0}, 2, 0}, to1{{0, 1}, 2, 0}, to2{{0, 2}, 2, 0}, to4{{0, 4}, 2, 0},
      to5{{0, 5}, 2, 0};
  std::vector<std::vector<Offer>> offers(6);
  offers[0] = {offer(1, &to1, ticks(100e-9), len),       // before: old circuit 0-1
               offer(4, &to2, t_r + ticks(2e-3), len),   // dark: held, new circuit 0-2
               offer(5, &to2, t_r + ticks(3e-3), len)};  // dark: held behind flow 4
  offers[3] = {offer(6, &to1, t_r + ticks(4e-3), len)};  // dark: held, new circuit 3-1
  offers[4] = {offer(2, &to5, t_r + ticks(1e-3), len)};  // unaffected, during the dark interval
  offers[5] = {offer(3, &to4, t_r + ticks(5e-3), len)};  // unaffected, the other way
  offers[2] = {offer(7, &to0, end + ticks(1e-6), len)};  // after: new circuit 2-0
  Bench bench(p, before, std::move(offers));
  Ocs& ocs = bench.ocs;
  ocs.keep_transits(true);
  Watcher watcher("watcher", ocs);

  std::vector<Tick> callback_at;
  std::vector<int> callback_saw;
  ocs.on_reconfigured([&] {
    callback_at.push_back(core::now_ticks());
    callback_saw.push_back(ocs.circuit(0));
  });
  Tick returned = 0;
  std::vector<int> seen_during, seen_after;
  std::vector<bool> dark_during;
  Script script("script", {{t_r,
                            [&] {
                              returned = ocs.reconfigure(after, "phase 2: all-to-all");
                              for (int q = 0; q < 6; ++q)
                                dark_during.push_back(ocs.dark(q));
                            }},
                           {t_r + ticks(5e-3),
                            [&] {
                              for (int q = 0; q < 6; ++q)
                                seen_during.push_back(ocs.circuit(q));
                            }},
                           {end + ticks(1e-9), [&] {
                              for (int q = 0; q < 6; ++q)
                                seen_after.push_back(ocs.circuit(q));
                            }}});
  sc_core::sc_start();

  // The returned tick, the log, the event and the callback.
  EXPECT_EQ(returned, end);
  ASSERT_EQ(ocs.reconfigurations().size(), 1u);
  const Reconfiguration& r = ocs.reconfigurations()[0];
  EXPECT_EQ(r.requested, t_r);
  EXPECT_EQ(r.start, t_r);
  EXPECT_EQ(r.end, t_r + R);
  EXPECT_EQ(r.end - r.start, ticks(10e-3));  // dark for exactly reconfiguration_s
  EXPECT_EQ(r.ports, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(r.peers, (std::vector<int>{2, 3, 0, 1}));
  EXPECT_EQ(r.why, "phase 2: all-to-all");
  EXPECT_TRUE(r.done);
  EXPECT_EQ(watcher.fired, (std::vector<Tick>{end}));
  EXPECT_EQ(callback_at, (std::vector<Tick>{end}));
  EXPECT_EQ(callback_saw, (std::vector<int>{2}));  // the new circuits are in place when the callback runs

  // Which ports were dark, and what circuit() said.
  EXPECT_EQ(dark_during, (std::vector<bool>{true, true, true, true, false, false}));
  EXPECT_EQ(seen_during, (std::vector<int>{-1, -1, -1, -1, 5, 4}));
  EXPECT_EQ(seen_after, after);

  // Unaffected ports kept forwarding during the dark interval, without delay.
  const Arrival* f2 = bench.sinks[5]->flow(2);
  const Arrival* f3 = bench.sinks[4]->flow(3);
  ASSERT_NE(f2, nullptr);
  ASSERT_NE(f3, nullptr);
  EXPECT_EQ(f2->head, t_r + ticks(1e-3));
  EXPECT_EQ(f2->tail, t_r + ticks(1e-3) + len);
  EXPECT_EQ(f3->head, t_r + ticks(5e-3));
  EXPECT_LT(f3->tail, end);

  // Before: the old circuit.
  const Arrival* f1 = bench.sinks[1]->flow(1);
  ASSERT_NE(f1, nullptr);
  EXPECT_EQ(f1->head, ticks(100e-9));
  EXPECT_EQ(f1->tail, ticks(100e-9) + len);

  // Held on dark ports, delivered when the new circuit is up: at end, back to back.
  const Arrival* f4 = bench.sinks[2]->flow(4);
  const Arrival* f5 = bench.sinks[2]->flow(5);
  const Arrival* f6 = bench.sinks[1]->flow(6);
  ASSERT_NE(f4, nullptr);
  ASSERT_NE(f5, nullptr);
  ASSERT_NE(f6, nullptr);
  EXPECT_EQ(f4->head, end);
  EXPECT_EQ(f4->tail, end + len);
  EXPECT_EQ(f5->head, end + len);  // keeps its place behind flow 4 on port 0
  EXPECT_EQ(f5->tail, end + 2 * len);
  EXPECT_EQ(f6->head, end);
  EXPECT_EQ(f6->tail, end + len);
  const Arrival* f7 = bench.sinks[0]->flow(7);
  ASSERT_NE(f7, nullptr);
  EXPECT_EQ(f7->head, end + ticks(1e-6));

  // Nothing reached a changed port's sink between the request and the end of the dark interval.
  for (int q = 0; q < 4; ++q) {
    for (const Arrival& a : bench.sinks[q]->arrivals()) {
      EXPECT_TRUE(a.tail <= t_r || a.head >= end) << "flow " << a.flow << " at port " << q;
    }
  }
  expect_no_transit_while_dark(ocs);

  // Held statistics.
  EXPECT_EQ(ocs.held_packets(), 3u);
  EXPECT_EQ(ocs.port_stats(0).held, 2u);
  const Tick wait4 = end - (t_r + ticks(2e-3));
  const Tick wait5 = end + len - (t_r + ticks(3e-3));
  EXPECT_EQ(ocs.port_stats(0).held_ticks, wait4 + wait5);
  EXPECT_EQ(ocs.port_stats(0).max_held_ticks, std::max(wait4, wait5));
  EXPECT_EQ(ocs.port_stats(3).held, 1u);
  EXPECT_EQ(ocs.port_stats(3).held_ticks, end - (t_r + ticks(4e-3)));
  EXPECT_EQ(ocs.held_ticks(), wait4 + wait5 + end - (t_r + ticks(4e-3)));
  EXPECT_EQ(ocs.port_stats(4).held, 0u);
  EXPECT_EQ(ocs.packets(), 7u);
  EXPECT_EQ(ocs.misrouted(), 0u);
  EXPECT_EQ(bench.pool.in_use(), 0u);
}

// A packet whose bits are still crossing a changed port when the request comes delays the dark interval
// until its tail has left; the ports hold new packets from the request on.
TEST(Ocs, ReconfigurationWaitsForBitsInFlight) {
  const Params p = small(4, 1e-3);
  const Tick R = ticks(p.reconfiguration_s);
  const core::Route to1{{0, 1}, 2, 0}, to3{{0, 3}, 2, 0};
  // A packet fed slowly: its head reaches port 0 at 0, its tail at 5 us.
  std::vector<std::vector<Offer>> offers(4);
  offers[0] = {offer(1, &to1, 0, ticks(5e-6))};
  offers[1] = {offer(2, &to3, ticks(2e-6), ticks(40e-9))};  // after the request, before the dark interval
  Bench bench(p, {1, 0, 3, 2}, std::move(offers));
  Ocs& ocs = bench.ocs;
  ocs.keep_transits(true);
  Tick returned = 0;
  bool dark_before_start = false;
  int circuit_before_start = 0;
  Script script("script", {{ticks(1e-6),
                            [&] {
                              returned = ocs.reconfigure({2, 3, 0, 1}, "drain first");
                            }},
                           {ticks(3e-6), [&] {
                              dark_before_start = ocs.dark(1);
                              circuit_before_start = ocs.circuit(1);
                            }}});
  sc_core::sc_start();

  const Tick tail_out = ticks(5e-6);
  ASSERT_EQ(ocs.reconfigurations().size(), 1u);
  const Reconfiguration& r = ocs.reconfigurations()[0];
  EXPECT_EQ(r.requested, ticks(1e-6));
  EXPECT_EQ(r.start, tail_out);
  EXPECT_EQ(r.end, tail_out + R);
  EXPECT_EQ(returned, tail_out + R);
  EXPECT_TRUE(dark_before_start);
  EXPECT_EQ(circuit_before_start, -1);
  const Arrival* f1 = bench.sinks[1]->flow(1);
  ASSERT_NE(f1, nullptr);
  EXPECT_EQ(f1->head, 0u);
  EXPECT_EQ(f1->tail, tail_out);
  const Arrival* f2 = bench.sinks[3]->flow(2);
  ASSERT_NE(f2, nullptr);
  EXPECT_EQ(f2->head, r.end);
  EXPECT_EQ(f2->tail, r.end + ticks(40e-9));
  expect_no_transit_while_dark(ocs);
}

// Requests on disjoint ports run side by side; a request touching a port of a pending one starts when that
// one completes; a request that changes nothing is not logged.
TEST(Ocs, OverlappingReconfigurationsWaitDisjointOnesDoNot) {
  const Params p = small(8, 1e-3);
  const Tick R = ticks(p.reconfiguration_s);
  const Tick tA = 0, tB = ticks(100e-6), tC = ticks(200e-6), tD = ticks(300e-6);
  const std::vector<int> initial{1, 0, 3, 2, 5, 4, 7, 6};
  const std::vector<int> mapA{2, 3, 0, 1, 5, 4, 7, 6};  // ports 0-3
  const std::vector<int> mapB{2, 3, 0, 1, 6, 7, 4, 5};  // ports 4-7, disjoint from A
  const std::vector<int> mapC{1, 0, 3, 2, 6, 7, 4, 5};  // ports 0-3 again: waits for A
  const core::Route to1{{0, 1}, 2, 0}, to5{{0, 5}, 2, 0};
  std::vector<std::vector<Offer>> offers(8);
  offers[0] = {offer(1, &to1, ticks(500e-6), ticks(10e-9))};  // dark through A and C: held until C ends
  offers[4] = {offer(2, &to5, ticks(50e-6), ticks(10e-9))};   // before B: forwarded at once
  Bench bench(p, initial, std::move(offers));
  Ocs& ocs = bench.ocs;
  ocs.keep_transits(true);
  Watcher watcher("watcher", ocs);
  int callbacks = 0;
  ocs.on_reconfigured([&] { ++callbacks; });
  std::vector<Tick> returned;
  std::vector<int> probe1, probe2;
  Script script("script", {{tA, [&] { returned.push_back(ocs.reconfigure(mapA, "A")); }},
                           {tB, [&] { returned.push_back(ocs.reconfigure(mapB, "B")); }},
                           {tC,
                            [&] {
                              returned.push_back(ocs.reconfigure(mapC, "C"));
                              probe1 = {ocs.target_circuit(0), ocs.target_circuit(4), ocs.circuit(4)};
                            }},
                           {tD, [&] { returned.push_back(ocs.reconfigure(mapC, "D changes nothing")); }},
                           {R + ticks(1e-6), [&] {
                              probe2 = {ocs.circuit(0), ocs.dark(0) ? 1 : 0, ocs.circuit(4)};
                            }}});
  sc_core::sc_start();

  EXPECT_EQ(returned, (std::vector<Tick>{tA + R, tB + R, 2 * R, tD}));
  const auto& log = ocs.reconfigurations();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].why, "A");
  EXPECT_EQ(log[0].start, tA);
  EXPECT_EQ(log[1].why, "B");
  EXPECT_EQ(log[1].start, tB);  // disjoint: does not wait for A
  EXPECT_EQ(log[1].ports, (std::vector<int>{4, 5, 6, 7}));
  EXPECT_EQ(log[2].why, "C");
  EXPECT_EQ(log[2].requested, tC);
  EXPECT_EQ(log[2].start, tA + R);  // overlaps A: starts when A completes
  EXPECT_EQ(log[2].end, 2 * R);
  EXPECT_EQ(log[2].ports, (std::vector<int>{0, 1, 2, 3}));
  for (const auto& r : log)
    EXPECT_TRUE(r.done);
  EXPECT_EQ(watcher.fired, (std::vector<Tick>{tA + R, tB + R, 2 * R}));
  EXPECT_EQ(callbacks, 3);
  EXPECT_EQ(probe1, (std::vector<int>{1, 6, -1}));
  EXPECT_EQ(probe2, (std::vector<int>{-1, 1, -1}));  // A done, but C holds port 0; B still running
  for (int q = 0; q < 8; ++q)
    EXPECT_EQ(ocs.circuit(q), mapC[q]);

  const Arrival* f1 = bench.sinks[1]->flow(1);
  ASSERT_NE(f1, nullptr);
  EXPECT_EQ(f1->head, 2 * R);
  EXPECT_EQ(ocs.port_stats(0).held_ticks, 2 * R - ticks(500e-6));
  const Arrival* f2 = bench.sinks[5]->flow(2);
  ASSERT_NE(f2, nullptr);
  EXPECT_EQ(f2->head, ticks(50e-6));
  expect_no_transit_while_dark(ocs);
}

// A callback that darkens a port again keeps that port's held packets waiting for the second reconfiguration
// (released after the first, they would be misrouted: their route names the restored circuit).
TEST(Ocs, CallbackMayReconfigureAgain) {
  const Params p = small(4, 1e-3);
  const Tick R = ticks(p.reconfiguration_s);
  const std::vector<int> initial{1, 0, 3, 2};
  const core::Route to1{{0, 1}, 2, 0};
  std::vector<std::vector<Offer>> offers(4);
  offers[0] = {offer(1, &to1, ticks(500e-6), ticks(10e-9))};
  Bench bench(p, initial, std::move(offers));
  Ocs& ocs = bench.ocs;
  Watcher watcher("watcher", ocs);
  std::vector<Tick> undo_returned;
  ocs.on_reconfigured([&] {
    if (undo_returned.empty()) undo_returned.push_back(ocs.reconfigure(initial, "undo"));
  });
  Script script("script", {{0, [&] { ocs.reconfigure({2, 3, 0, 1}, "try"); }}});
  sc_core::sc_start();

  EXPECT_EQ(undo_returned, (std::vector<Tick>{2 * R}));
  ASSERT_EQ(ocs.reconfigurations().size(), 2u);
  EXPECT_EQ(ocs.reconfigurations()[1].requested, R);
  EXPECT_EQ(ocs.reconfigurations()[1].start, R);
  EXPECT_EQ(ocs.reconfigurations()[1].why, "undo");
  EXPECT_EQ(watcher.fired, (std::vector<Tick>{R, 2 * R}));
  EXPECT_EQ(ocs.misrouted(), 0u);
  const Arrival* f1 = bench.sinks[1]->flow(1);
  ASSERT_NE(f1, nullptr);
  EXPECT_EQ(f1->head, 2 * R);
  EXPECT_EQ(f1->tail, 2 * R + ticks(10e-9));
  for (int q = 0; q < 4; ++q)
    EXPECT_EQ(ocs.circuit(q), initial[q]);
}

// At debug level the OCS reports each reconfiguration when it is requested and when its circuits are up.
TEST(Ocs, LogsReconfigurationsAtDebugLevel) {
  const Params p = small(4, 1e-3);
  Bench bench(p, {1, 0, 3, 2}, {});
  Ocs& ocs = bench.ocs;
  ocs.set_log_level(core::LogLevel::Debug);
  const testing::ExpectScReport info(sc_core::SC_INFO, "ocs: ");
  const Tick at = ticks(2e-6);
  Script script("script", {{at, [&] { ocs.reconfigure({2, 3, 0, 1}, "phase 2"); }}});
  sc_core::sc_start();

  const std::string t = core::ticks_to_time(at).to_string();
  const std::string end = core::ticks_to_time(at + ticks(p.reconfiguration_s)).to_string();
  EXPECT_EQ(info.reports(),
            (std::vector<std::string>{
                "ocs: " + t + ": reconfiguring 4 ports (phase 2): dark from " + t + " to " + end,
                "ocs: " + end + ": circuits up on 4 ports (phase 2)",
            }));
}

// --- between links, as the builder wires it: port i's link end b on out[i] and in[i] ---

TEST(Ocs, CutThroughBetweenLinks) {
  const Params op = small(3, 1e-3);
  const link::Params lp = testing::serdes_link_params();
  const core::Route route{{0, 2}, 2, 0};  // node 0 -> OCS port 2 -> node 2

  core::PayloadPool pool;
  Ocs ocs("ocs", op);
  ocs.set_circuits({2, -1, 0});
  testing::LinkStar star(ocs, pool, lp, {{offer(1, &route, 0)}, {}, {}});
  sc_core::sc_start();

  const Tick ser = ticks(8.0 * 4000 / (8.0 * lp.bandwidth_Bps));
  const Tick L = ticks(lp.latency_s);
  EXPECT_EQ(ser, 40'000u);
  ASSERT_EQ(star.sinks[2]->arrivals().size(), 1u);
  EXPECT_TRUE(star.sinks[0]->arrivals().empty());
  EXPECT_TRUE(star.sinks[1]->arrivals().empty());
  EXPECT_EQ(star.sinks[2]->arrivals()[0].head, 2 * L);
  EXPECT_EQ(star.sinks[2]->arrivals()[0].tail, ser + 2 * L);
  EXPECT_EQ(ocs.port_stats(0).packets_in, 1u);
  EXPECT_EQ(ocs.port_stats(2).packets_out, 1u);
  EXPECT_DOUBLE_EQ(ocs.energy().dynamic_total_j(), 0.0);
}

}  // namespace test_ocs
}  // namespace
}  // namespace pjbit::ocs
