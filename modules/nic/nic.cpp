#include "modules/nic/nic.h"

namespace pjbit::nic {

Nic::Nic(const sc_core::sc_module_name& name, const Params& params)
    : core::Component(name), m_params(params), m_latency(core::to_ticks(params.latency_s)) {
  in.register_nb_transport_fw(this, &Nic::nb_transport_fw);
  out.register_nb_transport_bw(this, &Nic::nb_transport_bw);
  if (params.static_power_w > 0.0) energy().add_static_power(core::Category::Nic, params.static_power_w);
}

tlm::tlm_sync_enum Nic::nb_transport_fw(int in_port, tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                        sc_core::sc_time& delay) {
  core::FabricExtension& ext = core::fabric(p);
  if (phase != tlm::BEGIN_REQ || ext.route == nullptr || ext.hop >= ext.route->ports.size()) {
    SC_REPORT_ERROR(name(), "packet without a route through this NIC");
    return tlm::TLM_COMPLETED;
  }
  const int port = ext.route->ports[ext.hop];
  if (port < 0 || port >= static_cast<int>(out.size())) {
    SC_REPORT_ERROR(name(), "route names a NIC port that is not bound (1: network, others: accelerators)");
    return tlm::TLM_COMPLETED;
  }
  ++ext.hop;
  const double joules = Params::energy_j(ext.bytes, m_params);
  energy().charge(core::Category::Nic, joules);
  if (ext.tally) ext.tally->energy_j += joules;
  ext.spent_j += joules;
  ++m_packets[direction(port)];
  m_bytes[direction(port)] += ext.bytes;

  // A credited packet keeps its credit for the next link; that link's END_REQ is relayed back here.
  if (ext.credit) m_credit_from[&p] = in_port;
  // Cut-through: the head leaves `latency` after it arrived, and the tail likewise.
  ext.tail = core::later(ext.tail, m_latency);
  sc_core::sc_time next = core::ticks_to_time(core::later(delay.value(), m_latency));
  tlm::tlm_phase begin = tlm::BEGIN_REQ;
  m_direct_out.forward(out, port, p, begin, next);
  return tlm::TLM_ACCEPTED;
}

tlm::tlm_sync_enum Nic::nb_transport_bw(int, tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                        sc_core::sc_time& delay) {
  if (phase != tlm::END_REQ) return tlm::TLM_ACCEPTED;
  const auto it = m_credit_from.find(&p);
  if (it == m_credit_from.end()) return tlm::TLM_ACCEPTED;
  const int in_port = it->second;
  m_credit_from.erase(it);
  tlm::tlm_phase end_req = tlm::END_REQ;
  m_direct_in_back.backward(in, in_port, p, end_req, delay);
  return tlm::TLM_ACCEPTED;
}

}  // namespace pjbit::nic
