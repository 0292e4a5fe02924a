#include "modules/accelerator/accelerator.h"

#include <algorithm>
#include <sstream>

#include "core/errors.h"

namespace pjbit::accelerator {

Accelerator::Accelerator(const sc_core::sc_module_name& name, const Params& params, IRouteTable& routes,
                         core::PayloadPool& pool)
    : core::Component(name),
      m_rank(params.rank),
      m_weighted(params.priorities && params.arbitration.rule == core::ClassRule::Weighted),
      m_class_queues(params.priorities && !m_weighted),
      m_packet_bytes(params.packet_bytes),
      m_pool(pool),
      m_router_latency(core::to_ticks(params.router_latency_s)),
      m_router_latency_time(core::ticks_to_time(m_router_latency)),
      m_delivery("delivery", [this](const Arrival& a) { deliver(a); }),
      m_resend("resend", [this](const Resend& r) { resend(r); }),
      m_feedback("feedback", [this](const FeedbackEvent& e) { on_feedback(e); }),
      m_pace("pace",
             [this](const int& port) {
               m_ports[static_cast<std::size_t>(port)].pace_wake = 0;
               inject(port);
             }),
      m_params(params),
      m_routes(routes),
      m_hbm("hbm", params.hbm) {
  if (params.idle_power_w > 0.0) energy().add_static_power(core::Category::Compute, params.idle_power_w);
  for (const auto& cc : params.congestion_control)
    m_cc_on = m_cc_on || cc.scheme != "none";
  m_jitter = 0x9e3779b97f4a7c15ull * static_cast<std::uint64_t>(params.rank + 1);
  out.register_nb_transport_bw(this, &Accelerator::nb_transport_bw);
  in.register_nb_transport_fw(this, &Accelerator::nb_transport_fw);
}

void Accelerator::end_of_elaboration() {
  // Made here rather than in the constructor, once the engine has said whether the program needs a thread:
  // a thread that is never made takes no stack.
  if (m_without_thread) return;
  sc_core::sc_spawn_options opts;
  sc_core::sc_spawn([this] { run(); }, "program", &opts);
}

Accelerator::~Accelerator() = default;

void Accelerator::direct_out(int port, core::DirectCall call) {
  if (m_ports.size() <= static_cast<std::size_t>(port)) m_ports.resize(static_cast<std::size_t>(port) + 1);
  m_ports[static_cast<std::size_t>(port)].direct = call;
}

void Accelerator::forward(int port, tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                          sc_core::sc_time& delay) {
  const core::DirectCall& direct = m_ports[static_cast<std::size_t>(port)].direct;
  if (direct) {
    direct(p, phase, delay);
  } else {
    out[port]->nb_transport_fw(p, phase, delay);
  }
}

void Accelerator::run() {
  begin_program();
  if (m_program) m_program(*this);
  end_program();
}

void Accelerator::begin_program() {
  m_ports.resize(static_cast<std::size_t>(out.size()));
}

void Accelerator::compute(double seconds) {
  if (seconds <= 0.0) return;
  sc_core::wait(core::delay_from_now(core::to_ticks(seconds)));
  computed(seconds);
}

void Accelerator::computed(double seconds) {
  if (seconds <= 0.0) return;
  m_compute_s += seconds;
  const double active_w = m_params.compute_power_w - m_params.idle_power_w;
  if (active_w > 0.0) energy().charge(core::Category::Compute, active_w * seconds);
}

void Accelerator::send(int dst, std::uint64_t bytes, std::uint8_t cls, std::uint64_t tag, Completion& done,
                       core::StepTally* tally) {
  if (bytes == 0) return;
  if (dst == rank()) {
    SC_REPORT_ERROR(name(), "a rank cannot send to itself over the fabric");
    return;
  }
  if (m_observer != nullptr) m_observer->sent(rank(), dst, cls, bytes);
  if (m_flow_fabric != nullptr) {
    // The flow fabric routes the flow itself (and keeps the paths of fixed routes) and completes it: no
    // message to track packets.
    done.add();
    m_flow_fabric->start(*this, dst, bytes, cls, tag,
                         (static_cast<std::uint64_t>(rank()) << 40) | m_next_flow++, tally, m_observer, done);
    return;
  }
  Message* m = nullptr;
  if (m_free.empty()) {
    m_messages.push_back(std::make_unique<Message>());
    m = m_messages.back().get();
  } else {
    m = m_free.back();
    m_free.pop_back();
  }
  m->owner = this;
  m->dst = dst;
  m->flow = (static_cast<std::uint64_t>(rank()) << 40) | m_next_flow++;
  m->tag = tag;
  m->cls = cls;
  m->size = bytes;
  m->to_inject = bytes;
  m->undelivered = bytes;
  m->done = &done;
  m->tally = tally;
  m->issued = core::now_ticks();
  done.add();
  // The route is kept in the message (its buffer is reused with the message, so nothing is allocated once
  // the pool of messages has grown); the flow id spreads flows over equal-cost paths.
  if (!m_routes.route(rank(), dst, m->flow, m->route)) {
    throw core::SimulationError("no route from rank " + std::to_string(rank()) + " to rank " +
                                std::to_string(dst));
  }
  m->spray = m_routes.sprays(rank(), dst);
  m->connection = m_cc_on ? connection(dst) : nullptr;
  m->packets = 0;
  const int port = m->route.ports.front();
  const int q = queue_of(cls);
  m_ports[port].turns[q].push_back(m);
  m_ports[port].waiting |= static_cast<std::uint8_t>(1u << q);
  inject(port);
}

void Accelerator::inject(int port) {
  Port& pt = m_ports[port];
  if (m_weighted) {
    // One queue; a message's turn is as many packets as its class's weight.
    if (pt.awaiting_credit[0]) return;
    if (pt.burst == nullptr) {
      if (pt.turns[0].empty()) return;
      if (m_cc_on) {
        core::Tick earliest = ~core::Tick{0};
        pt.burst = take_paced(pt.turns[0], core::now_ticks(), earliest);
        if (pt.burst == nullptr) {
          wake_at(port, earliest);
          return;
        }
      } else {
        pt.burst = pt.turns[0].front();
        pt.turns[0].pop_front();
      }
      if (pt.turns[0].empty()) pt.waiting = 0;
      pt.burst_left = m_params.arbitration.weight(pt.burst->cls);
    }
    Message* m = pt.burst;
    if (m->connection != nullptr && m->connection->next_send > core::now_ticks()) {
      wake_at(port, m->connection->next_send);  // its turn waits for its connection's pace
      return;
    }
    const std::uint64_t bytes = std::min<std::uint64_t>(m->to_inject, m_packet_bytes);
    m->to_inject -= bytes;
    if (m->to_inject == 0) {
      pt.burst = nullptr;
    } else if (--pt.burst_left <= 0) {
      pt.turns[0].push_back(m);
      pt.waiting = 1;
      pt.burst = nullptr;
    }
    offer(port, 0, m, bytes);
    return;
  }
  // Strict priority: a queue and a credit per class, as a NIC with a queue per traffic class (or virtual
  // lane) has, so that a packet of a higher class never waits behind a credited packet of a lower one: each
  // class keeps at most one packet waiting at the link, whose arbiter serves the highest first. Without
  // priorities, every message is in queue 0. Messages of a queue take turns, one packet each.
  core::Tick earliest = ~core::Tick{0};
  for (int q = 0; q < kClasses; ++q) {
    if ((pt.waiting & (1u << q)) == 0 || pt.awaiting_credit[q]) continue;
    auto& turns = pt.turns[q];
    Message* m = nullptr;
    if (m_cc_on) {
      m = take_paced(turns, core::now_ticks(), earliest);
      if (m == nullptr) continue;
    } else {
      m = turns.front();
      turns.pop_front();
    }
    const std::uint64_t bytes = std::min<std::uint64_t>(m->to_inject, m_packet_bytes);
    m->to_inject -= bytes;
    if (m->to_inject > 0) {
      turns.push_back(m);
    } else if (turns.empty()) {
      pt.waiting &= static_cast<std::uint8_t>(~(1u << q));
    }
    offer(port, q, m, bytes);
  }
  if (earliest != ~core::Tick{0}) wake_at(port, earliest);
}

Accelerator::Connection* Accelerator::connection(int dst) {
  auto it = m_connections.find(dst);
  if (it != m_connections.end()) return it->second.get();
  const auto tier = static_cast<std::size_t>(m_routes.tier(rank(), dst));
  Connection* c = nullptr;
  if (tier < m_params.congestion_control.size()) {
    if (auto cc = nic::make_congestion_control(m_params.congestion_control[tier])) {
      auto conn = std::make_unique<Connection>();
      conn->cc = std::move(cc);
      conn->line_Bps = m_params.congestion_control[tier].line_rate_Bps;
      c = conn.get();
      m_connections.emplace(dst, std::move(conn));
      return c;
    }
  }
  m_connections.emplace(dst, nullptr);
  return nullptr;
}

Accelerator::Message* Accelerator::take_paced(core::Ring<Message*, 2>& turns, core::Tick now,
                                              core::Tick& earliest) {
  for (std::size_t k = turns.size(); k > 0; --k) {
    Message* m = turns.pop_front();
    if (m->connection == nullptr || m->connection->next_send <= now) return m;
    earliest = std::min(earliest, m->connection->next_send);
    turns.push_back(m);
  }
  return nullptr;
}

void Accelerator::wake_at(int port, core::Tick at) {
  Port& pt = m_ports[static_cast<std::size_t>(port)];
  if (pt.pace_wake != 0 && pt.pace_wake <= at) return;  // an earlier wake-up looks again
  pt.pace_wake = at;
  m_pace.push(at, port);
}

void Accelerator::Message::arrived(const core::FabricExtension& ext, core::Tick now) {
  Connection* c = connection;
  if (c == nullptr) return;
  const core::Tick one_way = now - ext.sent;
  c->base_one_way = std::min(c->base_one_way, one_way);
  if (!c->cc->wants_feedback(ext.ecn)) return;
  // The receiver's feedback generator: at most one a interval (DCQCN's CNPs), else one a packet (Swift's
  // acknowledgements). Feedback queues nowhere on its way back: it takes the path's least one-way time.
  const double interval = c->cc->feedback_interval_s();
  if (interval > 0.0) {
    if (c->fed && now < c->last_feedback + core::to_ticks(interval)) return;
    c->fed = true;
    c->last_feedback = now;
  }
  owner->m_feedback.push(core::later(now, c->base_one_way),
                         FeedbackEvent{c, one_way, c->base_one_way, ext.bytes, ext.ecn});
}

void Accelerator::on_feedback(const FeedbackEvent& e) {
  e.connection->paced = true;
  nic::Feedback f;
  f.ecn = e.ecn;
  f.one_way = e.one_way;
  f.base_one_way = e.base_one_way;
  f.bytes = e.bytes;
  e.connection->cc->feedback(f, core::now_ticks());
}

void Accelerator::offer(int port, int queue, Message* m, std::uint64_t bytes) {
  tlm::tlm_generic_payload* p = m_pool.acquire();
  core::FabricExtension& ext = core::fabric(*p);
  ext.src = rank();
  ext.dst = m->dst;
  ext.flow = m->flow;
  ext.tag = m->tag;
  ext.cls = m->cls;
  ext.route = &m->route;
  if (m->spray) {
    // Per-packet spraying: every packet hashes to its own path; the first hop stays the message's port.
    const std::uint64_t h = m->flow ^ ((m->packets + 1) * 0x9e3779b97f4a7c15ull);
    if (m_routes.route(rank(), m->dst, h, ext.own_route) &&
        ext.own_route.ports.front() == m->route.ports.front())
      ext.route = &ext.own_route;
  }
  ++m->packets;
  const core::Tick now = core::now_ticks();
  ext.sent = now;
  if (Connection* c = m->connection) {
    // Pacing: the connection's next packet may start once this one has gone at the controller's rate.
    const double rate = c->cc->rate_Bps(now);
    c->cc->sent(static_cast<std::uint32_t>(bytes), now);
    c->paced = c->paced || rate < c->line_Bps;
    if (c->paced) {
      // A NIC's pacer is not exact: a gap of +-5% (uniform, seeded per rank) keeps senders of equal rates
      // from reaching a queue at the same instants forever, which would give one of them every tie.
      m_jitter ^= m_jitter << 13;
      m_jitter ^= m_jitter >> 7;
      m_jitter ^= m_jitter << 17;
      const double spread = 0.95 + 0.1 * double(m_jitter >> 11) * 0x1.0p-53;
      c->next_send = core::later(now, core::to_ticks(spread * double(bytes) / rate));
    } else {
      // Never slowed, at line rate: the port's own wire paces it (the link's credit), as it does without
      // congestion control.
      c->next_send = now;
    }
    ext.feedback = true;
  }
  ext.hop = 1;
  ext.bytes = static_cast<std::uint32_t>(bytes);
  ext.credit = true;
  ext.tail = core::now_ticks();
  ext.issued = m->issued;
  ext.tally = m->tally;
  ext.message = m;
  p->set_data_length(static_cast<unsigned int>(bytes));
  m_ports[port].awaiting_credit[queue] = true;
  ++m_packets_sent;
  tlm::tlm_phase phase = tlm::BEGIN_REQ;
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  forward(port, *p, phase, delay);
}

tlm::tlm_sync_enum Accelerator::nb_transport_bw(int port, tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                                sc_core::sc_time&) {
  if (phase == tlm::END_REQ) {
    m_ports[port].awaiting_credit[queue_of(core::fabric(p).cls)] = false;
    inject(port);
  }
  return tlm::TLM_ACCEPTED;
}

tlm::tlm_sync_enum Accelerator::nb_transport_fw(int, tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                                sc_core::sc_time& delay) {
  core::FabricExtension& ext = core::fabric(p);
  if (phase != tlm::BEGIN_REQ) {
    SC_REPORT_ERROR(name(), "an accelerator accepts only BEGIN_REQ on its forward path");
    return tlm::TLM_COMPLETED;
  }
  if (ext.dst == rank()) {
    if (ext.held != nullptr) ext.held->leave(ext);  // the endpoint takes it from the buffer at line rate
    if (ext.feedback && ext.message != nullptr) ext.message->arrived(ext, core::now_ticks());
    m_delivery.push(ext.tail, Arrival{ext.tag, ext.message, ext.src, ext.bytes});
    p.release();
    return tlm::TLM_ACCEPTED;
  }
  // Forward for another rank (direct topologies): cut-through after the router latency.
  if (ext.route == nullptr || ext.hop >= ext.route->ports.size()) {
    SC_REPORT_ERROR(name(), "packet for another rank without a route through this one");
    return tlm::TLM_COMPLETED;
  }
  const int port = ext.route->ports[ext.hop++];
  ext.tail = core::later(ext.tail, m_router_latency);
  ++m_packets_forwarded;
  sc_core::sc_time next = core::later(delay, m_router_latency_time);
  tlm::tlm_phase begin = tlm::BEGIN_REQ;
  forward(port, p, begin, next);
  return tlm::TLM_ACCEPTED;
}

void Accelerator::deliver(const Arrival& a) {
  RecvEntry* e = &m_recvs.at(a.src, a.tag);
  e->arrived += a.bytes;
  // A message's last packet tells its sender, whose program may then post receives here and move the
  // table's entries: the entry is found again. (One lookup a packet otherwise: it is most of a delivery.)
  if (a.message != nullptr && a.message->delivered(a.bytes)) e = &m_recvs.at(a.src, a.tag);
  settle(*e, a.src, a.tag);
}

void Accelerator::receive(int src, std::uint64_t tag, std::uint64_t bytes) {
  RecvEntry& e = m_recvs.at(src, tag);
  e.arrived += bytes;
  settle(e, src, tag);
}

void Accelerator::recv(int src, std::uint64_t bytes, std::uint64_t tag, Completion& done) {
  if (bytes == 0) return;
  RecvEntry& e = m_recvs.at(src, tag);
  if (e.done == nullptr) {
    e.done = &done;
    done.add();
  }
  e.expected += bytes;
  settle(e, src, tag);
}

void Accelerator::settle(RecvEntry& e, int src, std::uint64_t tag) {
  if (e.done == nullptr || e.arrived < e.expected) return;
  if (e.arrived > e.expected) {
    SC_REPORT_ERROR(name(), "received more bytes than were posted for a (source, tag)");
  }
  Completion* done = e.done;
  m_recvs.erase(src, tag);
  done->one_done();
}

bool Accelerator::Message::delivered(std::uint64_t bytes) {
  undelivered -= bytes;
  if (undelivered != 0) return false;
  if (owner->m_observer != nullptr)
    owner->m_observer->delivered(owner->rank(), dst, cls, size, core::now_ticks() - issued);
  done->one_done();
  owner->release(this);
  return true;
}

void Accelerator::release(Message* m) {
  m_free.push_back(m);
}

void Accelerator::Message::lost(std::uint32_t bytes, core::Tick resend_at) {
  owner->m_resend.push(resend_at, Resend{this, bytes});
}

void Accelerator::resend(const Resend& r) {
  Message* m = r.message;
  m_retransmitted_bytes += r.bytes;
  ++m_retransmitted_packets;
  // A message with bytes left to inject is in its queue already; one that had sent everything rejoins it.
  const bool queued = m->to_inject > 0;
  m->to_inject += r.bytes;
  const int port = m->route.ports.front();
  if (!queued) {
    const int q = queue_of(m->cls);
    m_ports[port].turns[q].push_back(m);
    m_ports[port].waiting |= static_cast<std::uint8_t>(1u << q);
  }
  inject(port);
}

std::vector<std::string> Accelerator::pending_receives() const {
  std::vector<std::pair<std::pair<int, std::uint64_t>, RecvEntry>> pending;
  m_recvs.for_each([&](int src, std::uint64_t tag, const RecvEntry& e) {
    if (e.done != nullptr) pending.push_back({{src, tag}, e});
  });
  std::sort(pending.begin(), pending.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out_lines;
  for (const auto& [key, e] : pending) {
    std::ostringstream ss;
    ss << "from rank " << key.first << ": " << e.arrived << " of " << e.expected << " bytes (tag "
       << key.second << ")";
    out_lines.push_back(ss.str());
  }
  return out_lines;
}

}  // namespace pjbit::accelerator
