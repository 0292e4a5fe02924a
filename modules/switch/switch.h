// A packet switch: `radix` ports, cut-through (or store-and-forward) latency, energy per bit switched and
// static power. Each output port drives one link direction; contention and arbitration at the output port
// happen on that link direction's serialization resource (see link.md). Equations in switch.md.
#pragma once

#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <cstdint>
#include <tlm>

#include "core/component.h"
#include "core/direct.h"
#include "core/fabric_extension.h"

namespace pjbit::fabric_switch {

struct Params {
  double latency_s = 300e-9;
  double energy_pj_per_bit = 0.0;  // per payload bit switched
  double static_power_w = 0.0;
  int radix = 64;
  bool store_and_forward = false;

  // The cost model every consumer calls (the packet path, the flow engine, the recorder, the forecasts).
  static double energy_j(double bytes, const Params& p) { return 8.0 * bytes * p.energy_pj_per_bit * 1e-12; }
  double joules_per_payload_byte() const { return 8.0 * energy_pj_per_bit * 1e-12; }
};

// Adaptive routing (InfiniBand-style, docs/topologies.md): a switch of an adaptive tier asks this, as a
// packet arrives, which of its equal-cost output ports the packet leaves by; the answer may rewrite the
// packet's own route (ext.own_route) from ext.hop on.
class IAdaptiveRoutes {
 public:
  virtual ~IAdaptiveRoutes() = default;
  virtual void choose(int node, core::FabricExtension& ext) = 0;
};

class Switch : public core::Component {
 public:
  tlm_utils::multi_passthrough_target_socket<Switch> in{"in"};
  tlm_utils::multi_passthrough_initiator_socket<Switch> out{"out"};

  Switch(const sc_core::sc_module_name& name, const Params& params);

  const Params& params() const { return m_params; }
  std::uint64_t packets() const { return m_packets; }
  // The flow engine's account of `bytes` switched.
  void carry(double bytes, core::StepTally* tally) {
    const double joules = Params::energy_j(bytes, m_params);
    energy().charge(core::Category::Switch, joules);
    if (tally) tally->energy_j += joules;
    m_bytes += bytes;
  }
  double bytes() const { return m_bytes; }

  // Direct calls (core/direct.h): for in-socket binding `index`, out-socket binding `index`, and the call
  // that stands for out[port] (set by the builder).
  core::DirectCall forward_call(int index) {
    return core::DirectCall::to<Switch, &Switch::nb_transport_fw>(this, index);
  }
  core::DirectCall backward_call(int index) {
    return core::DirectCall::to<Switch, &Switch::nb_transport_bw>(this, index);
  }
  void direct_out(int port, core::DirectCall call) { m_direct_out.set(port, call); }
  // Adaptive routing: `routes` chooses the output of every packet this switch (topology node `node`)
  // forwards; null (the default): the packet's route decides.
  void set_adaptive(IAdaptiveRoutes* routes, int node) {
    m_adaptive = routes;
    m_node = node;
  }

 private:
  tlm::tlm_sync_enum nb_transport_fw(int port, tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_bw(int port, tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);

  Params m_params;
  core::DirectCalls m_direct_out;
  core::Tick m_latency;
  std::uint64_t m_packets = 0;
  double m_bytes = 0.0;
  IAdaptiveRoutes* m_adaptive = nullptr;
  int m_node = -1;
};

}  // namespace pjbit::fabric_switch
