// A scale-out network interface between accelerator ports and a scale-out link: a forwarding node like the
// switch (source-routed, cut-through after its latency), with energy per payload bit and static power in
// category nic. It has no bandwidth of its own: the link it drives sets the rate. Port 1 is the network;
// port 0, and ports 2 and up when accelerators share it, lead to accelerators. Equations in nic.md.
#pragma once

#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <cstdint>
#include <map>
#include <tlm>

#include "core/component.h"
#include "core/direct.h"
#include "core/fabric_extension.h"

namespace pjbit::nic {

struct Params {
  double latency_s = 0.0;          // in to out, cut-through
  double energy_pj_per_bit = 0.0;  // per payload bit forwarded, either direction
  double static_power_w = 0.0;

  // The cost model every consumer calls (the packet path, the flow engine, the recorder, the forecasts).
  static double energy_j(double bytes, const Params& p) { return 8.0 * bytes * p.energy_pj_per_bit * 1e-12; }
  double joules_per_payload_byte() const { return 8.0 * energy_pj_per_bit * 1e-12; }
};

class Nic : public core::Component {
 public:
  static constexpr int kToAccelerator = 0;  // out port 0 (and 2, 3, ... on a shared NIC)
  static constexpr int kToNetwork = 1;      // out port 1
  // The direction an out port leads: kToNetwork or kToAccelerator.
  static int direction(int out_port) { return out_port == kToNetwork ? kToNetwork : kToAccelerator; }

  tlm_utils::multi_passthrough_target_socket<Nic> in{"in"};
  tlm_utils::multi_passthrough_initiator_socket<Nic> out{"out"};

  Nic(const sc_core::sc_module_name& name, const Params& params);

  const Params& params() const { return m_params; }
  std::uint64_t packets() const { return m_packets[0] + m_packets[1]; }
  double bytes() const { return m_bytes[0] + m_bytes[1]; }
  // The flow engine's account of `bytes` forwarded toward `out_port`.
  void carry(int out_port, double bytes, core::StepTally* tally) {
    const double joules = Params::energy_j(bytes, m_params);
    energy().charge(core::Category::Nic, joules);
    if (tally) tally->energy_j += joules;
    m_bytes[direction(out_port)] += bytes;
  }
  // Per direction (kToAccelerator: to any accelerator port, kToNetwork).
  std::uint64_t packets(int dir) const { return m_packets[dir]; }
  double bytes(int dir) const { return m_bytes[dir]; }

  // Direct calls (core/direct.h): for in-socket binding `index`, out-socket binding `index`, and the calls
  // that stand for out[port] and for in[port]'s backward path (set by the builder).
  core::DirectCall forward_call(int index) {
    return core::DirectCall::to<Nic, &Nic::nb_transport_fw>(this, index);
  }
  core::DirectCall backward_call(int index) {
    return core::DirectCall::to<Nic, &Nic::nb_transport_bw>(this, index);
  }
  void direct_out(int port, core::DirectCall call) { m_direct_out.set(port, call); }
  void direct_in_back(int port, core::DirectCall call) { m_direct_in_back.set(port, call); }

 private:
  tlm::tlm_sync_enum nb_transport_fw(int port, tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_bw(int port, tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);

  Params m_params;
  core::DirectCalls m_direct_out, m_direct_in_back;
  core::Tick m_latency;
  std::uint64_t m_packets[2] = {0, 0};
  double m_bytes[2] = {0.0, 0.0};
  // Credited packets forwarded and not yet started downstream -> the in port their END_REQ goes back to.
  std::map<const tlm::tlm_generic_payload*, int> m_credit_from;
};

}  // namespace pjbit::nic
