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

const char* flow_control_mode_name(FlowControl::Mode mode) {
  switch (mode) {
    case FlowControl::Mode::Off:
      return "off";
    case FlowControl::Mode::Credit:
      return "credit";
    case FlowControl::Mode::Pfc:
      return "pfc";
    case FlowControl::Mode::Lossy:
      return "lossy";
  }
  return "off";
}

double Link::FlowStats::p99_bytes(std::uint64_t buffer_bytes) const {
  if (samples == 0) return 0.0;
  const std::uint64_t rank = (samples * 99 + 99) / 100;  // ceil(0.99 x samples)
  std::uint64_t seen = 0;
  for (int b = 0; b < FlowControl::kBins; ++b) {
    seen += histogram[b];
    if (seen >= rank)
      return std::min(double(max_bytes), double(buffer_bytes) * double(b + 1) / FlowControl::kBins);
  }
  return double(max_bytes);
}

Link::Link(const sc_core::sc_module_name& name, const Params& params)
    : core::Component(name),
      m_ticks_per_wire_bit(params.ticks_per_wire_bit(core::ticks_per_second())),
      m_latency(core::to_ticks(params.latency_s)),
      m_latency_time(core::ticks_to_time(m_latency)),
      m_sleep(params.sleep_rule()),
      m_fabric(params.fabric),
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
  if (params.flow_control.on()) {
    m_fc_queue = std::make_unique<core::EventQueue<FlowEvent>>(
        "flow_control", [this](const FlowEvent& e) { on_flow_event(e); });
    m_arrivals = std::make_unique<core::FifoQueue<Item>>(
        "arrivals", [this](const Item& item) { arrive(item.dir, item.payload); });
    m_fc_latency = m_latency;
    for (auto& d : m_dir) {
      d.fc = std::make_unique<FlowState>();
      for (auto& c : d.fc->credits)
        c = static_cast<std::int64_t>(params.flow_control.buffer_bytes);
    }
    // FNV-1a of the name: every link marks from its own seeded sequence, the same every run.
    m_rng = 1469598103934665603ull;
    for (const char* c = this->name(); *c != '\0'; ++c)
      m_rng = (m_rng ^ static_cast<unsigned char>(*c)) * 1099511628211ull;
  }
}

tlm::tlm_sync_enum Link::nb_transport_fw(int dir, tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                         sc_core::sc_time& delay) {
  if (phase != tlm::BEGIN_REQ) {
    SC_REPORT_ERROR(name(), "a link accepts only BEGIN_REQ on its forward path");
    return tlm::TLM_COMPLETED;
  }
  ++m_dir[dir].incoming;
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
    if (d.arbiter.empty()) return;
    if (!d.fc) {
      transmit(item.dir, d.arbiter.pop());
    } else if (now >= d.busy_until) {  // flow control may hold back every queued priority
      if (auto* next = d.arbiter.pop_allowed(d.fc->blocked)) transmit(item.dir, next);
    }
    return;
  }
  --d.incoming;
  if (d.port != nullptr) {
    offer_to_port(d, item.dir, *item.payload, now);
    return;
  }
  // A sleeping link (both directions idle for longer than sleep_after) wakes first: both directions are held
  // until it is awake, and the packet waits in the arbiter like one behind a busy wire.
  if (m_sleep.enabled() && d.arbiter.empty()) wake_if_asleep(now);
  core::FabricExtension& ext = core::fabric(*item.payload);
  if (d.arbiter.empty() && now >= d.busy_until && may_send(d, ext.cls)) {
    transmit(item.dir, item.payload);
    return;
  }
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

// Once a packet each (transmit()): inline.
inline void Link::return_credit(Direction& d, int dir, tlm::tlm_generic_payload& p) {
  tlm::tlm_phase end_req = tlm::END_REQ;
  sc_core::sc_time zero = sc_core::SC_ZERO_TIME;
  if (d.credit) {
    d.credit(p, end_req, zero);
  } else {
    (dir == 0 ? a_in : b_in)->nb_transport_bw(p, end_req, zero);
  }
}

inline void Link::serve_next(Direction& d, int dir, core::Tick at) {
  if (d.arbiter.empty() || d.wakeup_armed) return;
  d.wakeup_armed = true;
  m_queue.push(at, Item{nullptr, dir});
}

void Link::transmit(int dir, tlm::tlm_generic_payload* p) {
  Direction& d = m_dir[dir];
  core::FabricExtension& ext = core::fabric(*p);
  const core::Tick now = core::now_ticks();
  // The packet leaves the node that sends it here: it frees its place in that node's ingress buffer.
  if (ext.held != nullptr) ext.held->leave(ext);
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

  ext.spent_j += account(d, bits, tail_out - now, ext.tally);
  d.stats.packets += 1;
  if (m_observer != nullptr) m_observer->packet(m_channel + dir, ext, now, tail_out, waiting(d));

  const bool credit = ext.credit;
  ext.credit = false;
  ext.tail = core::later(tail_out, m_latency);
  if (d.fc) {
    // ECN, on dequeue: the packet is marked by the queue it leaves behind (the packets still waiting here).
    if (m_params.flow_control.ecn && !ext.ecn && ecn_mark(d)) {
      ext.ecn = true;
      ++d.fc->stats.ecn_marks;
    }
    // Flow control: the far end's buffer takes the packet when its head arrives (arrive()); a credited
    // sender spends the packet's bytes of credit now and waits once less than a packet is left.
    if (m_params.flow_control.mode == FlowControl::Mode::Credit) {
      const int prio = d.arbiter.priority_of(ext.cls);
      d.fc->credits[prio] -= ext.bytes;
      if (d.fc->credits[prio] < static_cast<std::int64_t>(m_params.flow_control.packet_bytes)) block(d, prio);
    }
    m_arrivals->push(core::later(now, m_latency), Item{p, dir});
    if (credit) return_credit(d, dir, *p);
    serve_next(d, dir, tail_out);
    return;
  }
  // The sender may offer its next packet as this one takes the wire; it waits in the arbiter. (Before the
  // far end has the packet, which may release it to its pool once it has taken what it needs.)
  if (credit) return_credit(d, dir, *p);
  sc_core::sc_time delay = m_latency_time;
  tlm::tlm_phase phase = tlm::BEGIN_REQ;
  if (d.deliver) {
    d.deliver(*p, phase, delay);
  } else {
    (dir == 0 ? b_out : a_out)->nb_transport_fw(*p, phase, delay);
  }
  serve_next(d, dir, tail_out);
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

void Link::on_flow_event(const FlowEvent& e) {
  Direction& d = m_dir[e.dir];
  switch (e.kind) {
    case FlowEvent::Credit:
      d.fc->credits[e.priority] += e.bytes;
      if (d.fc->credits[e.priority] >= static_cast<std::int64_t>(m_params.flow_control.packet_bytes))
        unblock(e.dir, e.priority);
      break;
    case FlowEvent::Pause:
      block(d, e.priority);
      break;
    case FlowEvent::Resume:
      unblock(e.dir, e.priority);
      break;
  }
}

void Link::arrive(int dir, tlm::tlm_generic_payload* p) {
  Direction& d = m_dir[dir];
  FlowState& f = *d.fc;
  const FlowControl& fc = m_params.flow_control;
  core::FabricExtension& ext = core::fabric(*p);
  const int prio = d.arbiter.priority_of(ext.cls);
  const core::Tick now = core::now_ticks();
  if (fc.mode == FlowControl::Mode::Lossy && f.occupancy[prio] + ext.bytes > fc.buffer_bytes) {
    // Tail drop: the packet is lost here; its sender learns of it after the retransmission delay.
    ++f.stats.drops;
    f.stats.dropped_bytes += ext.bytes;
    f.stats.dropped_j += ext.spent_j;
    if (ext.message != nullptr)
      ext.message->lost(ext.bytes, core::later(now, core::to_ticks(fc.retransmit_s)));
    if (p->has_mm()) p->release();  // a pooled packet goes back to its pool
    return;
  }
  f.occupancy[prio] += ext.bytes;
  f.total += ext.bytes;
  if (f.occupancy[prio] > fc.buffer_bytes) {
    SC_REPORT_ERROR(name(), "a lossless buffer overflowed: its headroom or credits do not cover the link");
  }
  f.stats.max_bytes = std::max(f.stats.max_bytes, f.total);
  ++f.stats.samples;
  const auto bin =
      fc.buffer_bytes == 0
          ? 0
          : std::min<std::uint64_t>(FlowControl::kBins - 1, f.total * FlowControl::kBins / fc.buffer_bytes);
  ++f.stats.histogram[bin];
  if (fc.mode == FlowControl::Mode::Pfc && ((f.xoff_sent >> prio) & 1u) == 0 &&
      f.occupancy[prio] >= fc.xoff_bytes) {
    // XOFF: the pause frame reaches the sender one latency later.
    f.xoff_sent |= static_cast<std::uint8_t>(1u << prio);
    ++f.stats.pause_frames;
    m_fc_queue->push(
        core::later(now, m_fc_latency),
        FlowEvent{0, static_cast<std::uint8_t>(dir), FlowEvent::Pause, static_cast<std::uint8_t>(prio)});
  }
  ext.held = this;
  ext.held_dir = static_cast<std::uint8_t>(dir);
  tlm::tlm_phase phase = tlm::BEGIN_REQ;
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  if (d.deliver) {
    d.deliver(*p, phase, delay);
  } else {
    (dir == 0 ? b_out : a_out)->nb_transport_fw(*p, phase, delay);
  }
}

void Link::leave(core::FabricExtension& ext) {
  const int dir = ext.held_dir;
  ext.held = nullptr;
  Direction& d = m_dir[dir];
  FlowState& f = *d.fc;
  const FlowControl& fc = m_params.flow_control;
  const int prio = d.arbiter.priority_of(ext.cls);
  f.occupancy[prio] -= ext.bytes;
  f.total -= ext.bytes;
  const core::Tick back = core::later(core::now_ticks(), m_fc_latency);
  if (fc.mode == FlowControl::Mode::Credit) {
    m_fc_queue->push(back, FlowEvent{ext.bytes, static_cast<std::uint8_t>(dir), FlowEvent::Credit,
                                     static_cast<std::uint8_t>(prio)});
  } else if (fc.mode == FlowControl::Mode::Pfc && ((f.xoff_sent >> prio) & 1u) != 0 &&
             f.occupancy[prio] <= fc.xon_bytes) {
    f.xoff_sent &= static_cast<std::uint8_t>(~(1u << prio));
    m_fc_queue->push(back, FlowEvent{0, static_cast<std::uint8_t>(dir), FlowEvent::Resume,
                                     static_cast<std::uint8_t>(prio)});
  }
}

void Link::block(Direction& d, int priority) {
  if (d.fc->blocked == 0) d.fc->blocked_since = core::now_ticks();
  d.fc->blocked |= static_cast<std::uint8_t>(1u << priority);
}

void Link::unblock(int dir, int priority) {
  Direction& d = m_dir[dir];
  FlowState& f = *d.fc;
  if (((f.blocked >> priority) & 1u) == 0) return;
  f.blocked &= static_cast<std::uint8_t>(~(1u << priority));
  const core::Tick now = core::now_ticks();
  if (f.blocked == 0) {
    f.stats.paused += now - f.blocked_since;
    if (m_observer != nullptr) m_observer->paused(m_channel + dir, f.blocked_since, now);
  }
  serve_next(d, dir, std::max(now, d.busy_until));  // an idle wire with packets held back serves them now
}

bool Link::ecn_mark(const Direction& d) {
  const double queue = double(d.arbiter.queued()) * double(m_params.flow_control.packet_bytes);
  const double p = m_params.flow_control.ecn_probability(queue);
  if (p <= 0.0) return false;
  if (p >= 1.0) return true;
  // xorshift64*: a uniform draw in [0, 1).
  m_rng ^= m_rng >> 12;
  m_rng ^= m_rng << 25;
  m_rng ^= m_rng >> 27;
  const double u = double((m_rng * 2685821657736338717ull) >> 11) * 0x1.0p-53;
  return u < p;
}

void Link::close_flow_control(core::Tick end) {
  for (int dir = 0; dir < 2; ++dir) {
    Direction& d = m_dir[dir];
    if (!d.fc || d.fc->blocked == 0 || end <= d.fc->blocked_since) continue;
    d.fc->stats.paused += end - d.fc->blocked_since;
    if (m_observer != nullptr) m_observer->paused(m_channel + dir, d.fc->blocked_since, end);
    d.fc->blocked_since = end;
  }
}

double Link::account(Direction& d, double wire_bits, core::Tick busy, core::StepTally* tally) {
  double joules = 0.0;
  for (const Cost& e : m_costs) {
    const double j = Params::stack_energy_j(e.energy_pj_per_bit, wire_bits);
    energy().charge(e.category, j);
    joules += j;
  }
  if (tally) {
    tally->energy_j += joules;
    if (m_fabric) tally->wire_bytes += wire_bits / 8.0;
  }
  d.stats.wire_bytes += wire_bits / 8.0;
  d.stats.busy += busy;
  d.stats.dynamic_j += joules;
  return joules;
}

}  // namespace pjbit::link
