#include "modules/link/link.h"

#include <algorithm>
#include <cmath>

namespace pjbit::link {

double Params::energy_pj_per_bit() const {
  double sum = 0.0;
  for (const auto& e : stack)
    sum += e.energy_pj_per_bit;
  return sum;
}

double Params::energy_j(std::uint64_t bytes, const Params& p) {
  return wire_bits(double(bytes), p) * p.energy_pj_per_bit() * 1e-12;
}

Params::SleepRule Params::sleep_rule() const {
  SleepRule r;
  if (sleep_after_s > 0.0) {
    r.after = std::max<core::Tick>(1, core::to_ticks(sleep_after_s));
    r.wake = core::to_ticks(wake_s);
  }
  return r;
}

Link::Link(const sc_core::sc_module_name& name, const Params& params)
    : core::Component(name),
      m_ticks_per_wire_bit(params.ticks_per_wire_bit(core::ticks_per_second())),
      m_latency(core::to_ticks(params.latency_s)),
      m_sleep(params.sleep_rule()),
      m_queue("queue", [this](const Item& item) { on_item(item); }),
      m_params(params) {
  a_in.bind(m_in[0]);
  b_in.bind(m_in[1]);
  a_out.bind(m_out);
  b_out.bind(m_out);
  for (auto& d : m_dir) {
    if (params.priorities) {
      d.arbiter.set_arbitration(params.arbitration);
    } else {
      d.arbiter.set_priorities(false);
    }
  }
  for (const auto& e : params.stack) {
    m_costs.push_back(Cost{e.category, e.energy_pj_per_bit});
    if (e.power_w > 0.0) energy().add_static_power(e.category, e.power_w);
  }
  if (params.static_power_w > 0.0) {
    const core::Category c = params.stack.empty() ? core::Category::Serdes : params.stack.front().category;
    energy().add_static_power(c, params.static_power_w);
  }
}

tlm::tlm_sync_enum Link::nb_transport_fw(int dir, tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                         sc_core::sc_time& delay) {
  if (phase != tlm::BEGIN_REQ) {
    SC_REPORT_ERROR(name(), "a link accepts only BEGIN_REQ on its forward path");
    return tlm::TLM_COMPLETED;
  }
  m_queue.push(core::later(core::now_ticks(), delay.value()), Item{&p, dir});
  return tlm::TLM_ACCEPTED;
}

void Link::b_transport(int, tlm::tlm_generic_payload& p, sc_core::sc_time&) {
  SC_REPORT_ERROR(name(), "a link carries packets by nb_transport_fw (BEGIN_REQ) only, not b_transport");
  p.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
}

tlm::tlm_sync_enum Link::nb_transport_bw(tlm::tlm_generic_payload&, tlm::tlm_phase&, sc_core::sc_time&) {
  return tlm::TLM_ACCEPTED;  // nodes never answer a delivered packet
}

void Link::on_item(const Item& item) {
  Direction& d = m_dir[item.dir];
  const core::Tick now = core::now_ticks();
  if (item.payload == nullptr) {  // the direction has finished a packet: serve the next one
    d.wakeup_armed = false;
    if (!d.arbiter.empty()) transmit(item.dir, d.arbiter.pop());
    return;
  }
  if (d.port != nullptr) {
    offer_to_port(d, item.dir, *item.payload, now);
    return;
  }
  // A sleeping link (both directions idle for longer than sleep_after) wakes first: both directions are held
  // until it is awake, and the packet waits in the arbiter like one behind a busy wire.
  if (m_sleep.enabled() && d.arbiter.empty()) wake_if_asleep(now);
  if (d.arbiter.empty() && now >= d.busy_until) {
    transmit(item.dir, item.payload);
    return;
  }
  const core::FabricExtension& ext = core::fabric(*item.payload);
  d.arbiter.push(ext.flow, ext.cls, item.payload);
  d.stats.max_queue = std::max(d.stats.max_queue, d.arbiter.queued());
  if (m_observer != nullptr) m_observer->queued(m_channel + item.dir, d.arbiter.queued());
  if (!d.wakeup_armed) {
    d.wakeup_armed = true;
    m_queue.push(d.busy_until, Item{nullptr, item.dir});
  }
}

void Link::offer_to_port(Direction& d, int dir, tlm::tlm_generic_payload& p, core::Tick now) {
  if (m_sleep.enabled() && d.port->queued() == 0) wake_if_asleep(now);
  d.port->offer(p);
  const std::size_t queued = d.port->queued();
  d.stats.max_queue = std::max(d.stats.max_queue, queued);
  if (m_observer != nullptr && queued > 0) m_observer->queued(m_channel + dir, queued);
}

void Link::start(int dir, tlm::tlm_generic_payload& p) {
  if (core::now_ticks() < m_dir[dir].busy_until) {
    SC_REPORT_ERROR(name(), "a port arbiter started a packet while the wire was busy");
    return;
  }
  transmit(dir, &p);
}

void Link::wake_if_asleep(core::Tick now) {
  const core::Tick last = std::max(m_dir[0].busy_until, m_dir[1].busy_until);
  const core::Tick slept = now >= last ? m_sleep.slept(now - last) : 0;
  if (slept == 0) return;
  m_slept += slept;
  ++m_wakes;
  m_dir[0].busy_until = m_dir[1].busy_until = core::later(now, m_sleep.wake);
  log_debug("waking after ", core::ticks_to_time(now - last), " idle; awake at ",
            core::ticks_to_time(m_dir[0].busy_until));
}

void Link::transmit(int dir, tlm::tlm_generic_payload* p) {
  Direction& d = m_dir[dir];
  core::FabricExtension& ext = core::fabric(*p);
  const core::Tick now = core::now_ticks();
  if (ext.bytes != m_last_bytes || m_last_bytes == 0) {
    m_last_bytes = ext.bytes;
    m_last_bits = Params::wire_bits(ext.bytes, m_params);
    m_last_serialization = core::round_ticks(m_last_bits * m_ticks_per_wire_bit);
  }
  const double bits = m_last_bits;
  const core::Tick serialization = m_last_serialization;
  // Cut-through: the tail cannot leave before it arrived, and a packet fed by a slower hop holds the wire
  // until its tail has passed, so the next packet cannot overtake it.
  const core::Tick tail_out = std::max(core::later(now, serialization), ext.tail);
  d.busy_until = tail_out;

  account(d, bits, tail_out - now, ext.tally);
  d.stats.packets += 1;
  if (m_observer != nullptr) m_observer->packet(m_channel + dir, ext, now, tail_out, waiting(d));

  const bool credit = ext.credit;
  ext.credit = false;
  ext.tail = core::later(tail_out, m_latency);
  sc_core::sc_time delay = core::ticks_to_time(m_latency);
  tlm::tlm_phase phase = tlm::BEGIN_REQ;
  // The far end may release the packet to its pool (its destination does, once it has taken what it
  // needs), and the credit below still reads it: hold a reference meanwhile.
  const bool hold = p->has_mm();
  if (hold) p->acquire();
  if (d.deliver) {
    d.deliver(*p, phase, delay);
  } else {
    (dir == 0 ? b_out : a_out)->nb_transport_fw(*p, phase, delay);
  }
  if (credit) {  // the sender may offer its next packet now; it waits in the arbiter until the wire is free
    tlm::tlm_phase end_req = tlm::END_REQ;
    sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
    if (d.credit) {
      d.credit(*p, end_req, zero);
    } else {
      (dir == 0 ? a_in : b_in)->nb_transport_bw(*p, end_req, zero);
    }
  }
  if (hold) p->release();
  if (!d.arbiter.empty() && !d.wakeup_armed) {
    d.wakeup_armed = true;
    m_queue.push(tail_out, Item{nullptr, dir});
  }
}

void Link::close_sleep(core::Tick end) {
  if (m_closed || !m_sleep.enabled()) return;
  m_closed = true;
  const core::Tick last = std::max(m_dir[0].busy_until, m_dir[1].busy_until);
  if (end > last) m_slept += m_sleep.slept(end - last);
}

core::PerCategory Link::sleep_saved_j() const {
  core::PerCategory saved{};
  const double slept = core::to_seconds(m_slept);
  if (slept <= 0.0) return saved;
  const auto& w = energy().static_w();
  for (std::size_t c = 0; c < core::kNumCategories; ++c) {
    if (c == core::EnergyAccount::index(core::Category::Laser)) continue;  // lasers stay on
    saved[c] = slept * w[c] * (1.0 - m_params.sleep_power);
  }
  return saved;
}

void Link::carry(int dir, double payload_bytes, core::StepTally* tally) {
  const double bits = Params::wire_bits(payload_bytes, m_params);
  account(m_dir[dir], bits, core::round_ticks(bits * m_ticks_per_wire_bit), tally);
}

void Link::account(Direction& d, double wire_bits, core::Tick busy, core::StepTally* tally) {
  double joules = 0.0;
  for (const Cost& e : m_costs) {
    const double j = Params::stack_energy_j(e.energy_pj_per_bit, wire_bits);
    energy().charge(e.category, j);
    joules += j;
  }
  if (tally) {
    tally->energy_j += joules;
    if (m_params.fabric) tally->wire_bytes += wire_bits / 8.0;
  }
  d.stats.wire_bytes += wire_bits / 8.0;
  d.stats.busy += busy;
  d.stats.dynamic_j += joules;
}

}  // namespace pjbit::link
