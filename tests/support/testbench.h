// Shared pieces of the module testbenches (tests/modules): tick and energy helpers, a test source that offers
// pooled packets with a core::FabricExtension, a test sink that records what arrives, and a star of links
// around a hub with multi-sockets `in` and `out` (a switch, an OCS). Expected values stay in the tests.
#pragma once

#include <gtest/gtest.h>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <utility>
#include <vector>

#include "core/energy.h"
#include "core/fabric_extension.h"
#include "core/time.h"
#include "modules/link/link.h"

namespace pjbit::testing {

// The kernel's default resolution is 1 ps, so a tick is a picosecond.
constexpr double kTick = 1e-12;
inline core::Tick ticks(double seconds) {
  return static_cast<core::Tick>(std::llround(seconds / kTick));
}

inline double dynamic(const core::EnergyAccount& e, core::Category c) {
  return e.dynamic_j()[core::EnergyAccount::index(c)];
}
inline double static_w(const core::EnergyAccount& e, core::Category c) {
  return e.static_w()[core::EnergyAccount::index(c)];
}

inline void expect_near_rel(double actual, double expected) {
  EXPECT_NEAR(actual, expected, std::fabs(expected) * 1e-12) << "expected " << expected << ", got " << actual;
}

// One packet a source offers. The defaults are a pooled payload's, except hop (1: the hub under test is the
// route's second node) and bytes.
struct Offer {
  core::Tick at = 0;     // when the call is made
  core::Tick delay = 0;  // annotated delay of the call: the head arrives at at + delay
  core::Tick tail = 0;   // absolute tail time; 0: at + delay
  int src = 0;
  int dst = 0;
  std::uint64_t flow = 0;
  std::uint8_t cls = 2;
  std::uint32_t bytes = 4000;
  const core::Route* route = nullptr;
  std::uint16_t hop = 1;
  bool credit = false;
  core::StepTally* tally = nullptr;
};

// An END_REQ that came back on a source's backward path.
struct EndReq {
  core::Tick at;  // call time plus annotated delay
  std::uint64_t flow;
};

// Offers packets (pooled payloads with a FabricExtension filled from the Offer) with BEGIN_REQ in time order
// and records every END_REQ that comes back. With `credited`, every packet carries credit and the next is
// offered only when END_REQ has come back (as an accelerator injects).
class Source : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Source> out{"out"};

  Source(const sc_core::sc_module_name& name, core::PayloadPool& pool, std::vector<Offer> offers,
         bool credited = false)
      : sc_core::sc_module(name), m_pool(pool), m_offers(std::move(offers)), m_credited(credited) {
    std::stable_sort(m_offers.begin(), m_offers.end(),
                     [](const Offer& a, const Offer& b) { return a.at < b.at; });
    out.register_nb_transport_bw(this, &Source::nb_transport_bw);
    sc_core::sc_spawn([this] { run(); }, "run");
  }

  const std::vector<EndReq>& end_reqs() const { return m_end_reqs; }

 private:
  void run() {
    for (const Offer& o : m_offers) {
      if (o.at > core::now_ticks()) sc_core::wait(core::ticks_to_time(o.at - core::now_ticks()));
      tlm::tlm_generic_payload* p = m_pool.acquire();
      core::FabricExtension& ext = core::fabric(*p);
      ext.src = o.src;
      ext.dst = o.dst;
      ext.flow = o.flow;
      ext.cls = o.cls;
      ext.bytes = o.bytes;
      ext.route = o.route;
      ext.hop = o.hop;
      ext.credit = o.credit || m_credited;
      ext.tail = o.tail != 0 ? o.tail : o.at + o.delay;
      ext.tally = o.tally;
      p->set_data_length(o.bytes);
      tlm::tlm_phase phase = tlm::BEGIN_REQ;
      sc_core::sc_time delay = core::ticks_to_time(o.delay);
      EXPECT_EQ(out->nb_transport_fw(*p, phase, delay), tlm::TLM_ACCEPTED);
      if (m_credited) sc_core::wait(m_credit);
    }
  }

  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay) {
    EXPECT_EQ(phase, tlm::END_REQ);
    EXPECT_EQ(delay, sc_core::SC_ZERO_TIME);
    m_end_reqs.push_back(EndReq{core::now_ticks() + delay.value(), core::fabric(p).flow});
    m_credit.notify(sc_core::SC_ZERO_TIME);
    return tlm::TLM_ACCEPTED;
  }

  core::PayloadPool& m_pool;
  std::vector<Offer> m_offers;
  bool m_credited;
  sc_core::sc_event m_credit;
  std::vector<EndReq> m_end_reqs;
};

// What a sink saw of one packet.
struct Arrival {
  core::Tick head;  // call time plus annotated delay
  core::Tick tail;  // ext.tail at this point
  std::uint64_t flow;
  std::uint16_t hop;
  std::uint8_t cls;
  std::uint32_t bytes;
  bool credit;
};

// Accepts every BEGIN_REQ, records it and releases the payload.
class Sink : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Sink> in{"in"};

  explicit Sink(const sc_core::sc_module_name& name) : sc_core::sc_module(name) {
    in.register_nb_transport_fw(this, &Sink::nb_transport_fw);
  }

  const std::vector<Arrival>& arrivals() const { return m_arrivals; }

  // The flows in arrival order.
  std::vector<std::uint64_t> flows() const {
    std::vector<std::uint64_t> f;
    for (const Arrival& a : m_arrivals)
      f.push_back(a.flow);
    return f;
  }

  // The first arrival of flow `f`, or null.
  const Arrival* flow(std::uint64_t f) const {
    for (const Arrival& a : m_arrivals)
      if (a.flow == f) return &a;
    return nullptr;
  }

 private:
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay) {
    EXPECT_EQ(phase, tlm::BEGIN_REQ);
    const core::FabricExtension& ext = core::fabric(p);
    m_arrivals.push_back(Arrival{core::now_ticks() + delay.value(), ext.tail, ext.flow, ext.hop, ext.cls,
                                 ext.bytes, ext.credit});
    p.release();
    return tlm::TLM_ACCEPTED;
  }

  std::vector<Arrival> m_arrivals;
};

// 100 GB/s, 500 ns, no overhead, 11 pJ/bit: 4000 bytes take 40 ns on the wire.
inline link::Params serdes_link_params() {
  link::Params p;
  p.bandwidth_Bps = 100e9;
  p.latency_s = 500e-9;
  p.stack = {link::StackCost{core::Category::Serdes, 11.0, 0.0}};
  return p;
}

// A star around a hub, as the builder wires it: node i has a source (offering offers[i]) and a sink at end a
// of link i; end b of link i is the hub's port i (out[i] and in[i]). Modules are made in the order link,
// source, sink per node.
struct LinkStar {
  std::vector<std::unique_ptr<link::Link>> links;
  std::vector<std::unique_ptr<Source>> sources;
  std::vector<std::unique_ptr<Sink>> sinks;

  template <typename Hub>
  LinkStar(Hub& hub, core::PayloadPool& pool, const link::Params& params,
           std::vector<std::vector<Offer>> offers) {
    for (std::size_t i = 0; i < offers.size(); ++i) {
      const std::string n = std::to_string(i);
      links.push_back(std::make_unique<link::Link>(("link" + n).c_str(), params));
      sources.push_back(std::make_unique<Source>(("src" + n).c_str(), pool, std::move(offers[i])));
      sinks.push_back(std::make_unique<Sink>(("sink" + n).c_str()));
      link::Link& l = *links.back();
      sources.back()->out.bind(l.a_in);
      l.a_out.bind(sinks.back()->in);
      hub.out.bind(l.b_in);
      l.b_out.bind(hub.in);
    }
  }
};

}  // namespace pjbit::testing
