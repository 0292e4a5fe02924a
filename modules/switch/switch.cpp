#include "modules/switch/switch.h"

namespace pjbit::fabric_switch {

Switch::Switch(const sc_core::sc_module_name& name, const Params& params)
    : core::Component(name), m_params(params), m_latency(core::to_ticks(params.latency_s)) {
  in.register_nb_transport_fw(this, &Switch::nb_transport_fw);
  out.register_nb_transport_bw(this, &Switch::nb_transport_bw);
  if (params.static_power_w > 0.0) energy().add_static_power(core::Category::Switch, params.static_power_w);
}

tlm::tlm_sync_enum Switch::nb_transport_fw(int, tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                           sc_core::sc_time& delay) {
  core::FabricExtension& ext = core::fabric(p);
  if (phase != tlm::BEGIN_REQ || ext.route == nullptr || ext.hop >= ext.route->ports.size()) {
    SC_REPORT_ERROR(name(), "packet without a route through this switch");
    return tlm::TLM_COMPLETED;
  }
  const double joules = Params::energy_j(ext.bytes, m_params);
  energy().charge(core::Category::Switch, joules);
  if (ext.tally) ext.tally->energy_j += joules;
  ext.spent_j += joules;
  ++m_packets;
  m_bytes += ext.bytes;

  if (m_adaptive != nullptr) m_adaptive->choose(m_node, ext);
  const int port = ext.route->ports[ext.hop++];
  const core::Tick now = core::now_ticks();
  // Cut-through: the head leaves `latency` after it arrived; store-and-forward: after the tail arrived.
  const core::Tick ready =
      core::later(m_params.store_and_forward ? ext.tail : core::later(now, delay.value()), m_latency);
  ext.tail += m_latency;
  sc_core::sc_time next = core::ticks_to_time(ready - now);
  tlm::tlm_phase begin = tlm::BEGIN_REQ;
  m_direct_out.forward(out, port, p, begin, next);
  return tlm::TLM_ACCEPTED;
}

tlm::tlm_sync_enum Switch::nb_transport_bw(int, tlm::tlm_generic_payload&, tlm::tlm_phase&,
                                           sc_core::sc_time&) {
  return tlm::TLM_ACCEPTED;  // END_REQ from an output link: the switch has no credit to return
}

}  // namespace pjbit::fabric_switch
