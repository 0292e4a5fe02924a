#include "modules/ocs/ocs.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace pjbit::ocs {

double Params::transmission(const Params& p) {
  return std::pow(10.0, -p.insertion_loss_db / 10.0);
}

std::string circuit_map_error(const std::vector<int>& map, int ports) {
  if (map.size() != static_cast<std::size_t>(std::max(ports, 0))) {
    return "circuit map has " + std::to_string(map.size()) + " entries, the OCS has " +
           std::to_string(ports) + " ports";
  }
  for (int p = 0; p < ports; ++p) {  // every entry in range first, so the symmetry pass may index
    const int q = map[static_cast<std::size_t>(p)];
    if (q < -1 || q >= ports) {
      return "port " + std::to_string(p) + " is connected to port " + std::to_string(q) + ", outside 0.." +
             std::to_string(ports - 1) + " (-1 for unconnected)";
    }
    if (q == p) return "port " + std::to_string(p) + " is connected to itself";
  }
  for (int p = 0; p < ports; ++p) {
    const int q = map[static_cast<std::size_t>(p)];
    if (q == -1) continue;
    const int back = map[static_cast<std::size_t>(q)];
    if (back != p) {
      return "circuits must be symmetric: port " + std::to_string(p) + " is connected to port " +
             std::to_string(q) + ", but port " + std::to_string(q) + " is connected to " +
             (back == -1 ? std::string("nothing (-1)") : "port " + std::to_string(back));
    }
  }
  return {};
}

std::vector<int> changed_ports(const std::vector<int>& from, const std::vector<int>& to) {
  std::vector<int> changed;
  const std::size_t n = std::min(from.size(), to.size());
  for (std::size_t p = 0; p < n; ++p)
    if (from[p] != to[p]) changed.push_back(static_cast<int>(p));
  return changed;
}

std::vector<int> ring_circuits(int ranks, int ports_per_rank, int ports) {
  if (ranks < 0 || ports_per_rank < 0 || ports < 0)
    throw std::invalid_argument("ring_circuits: ranks, ports_per_rank and ports must not be negative");
  if (static_cast<long long>(ranks) * ports_per_rank > ports) {
    throw std::invalid_argument("ring_circuits: " + std::to_string(ranks) + " ranks x " +
                                std::to_string(ports_per_rank) + " ports per rank do not fit an OCS of " +
                                std::to_string(ports) + " ports");
  }
  std::vector<int> map(static_cast<std::size_t>(ports), -1);
  if (ranks < 2) return map;
  for (int j = 0; 2 * j + 1 < ports_per_rank; ++j) {
    for (int r = 0; r < ranks; ++r) {
      const int a = r * ports_per_rank + 2 * j;
      const int b = ((r + 1) % ranks) * ports_per_rank + 2 * j + 1;
      map[static_cast<std::size_t>(a)] = b;
      map[static_cast<std::size_t>(b)] = a;
    }
  }
  return map;
}

namespace {

const Params& checked(const Params& p) {
  if (p.ports < 1)
    throw std::invalid_argument("ocs: ports must be at least 1, got " + std::to_string(p.ports));
  if (!(p.reconfiguration_s >= 0.0) || !(p.power_w >= 0.0))
    throw std::invalid_argument("ocs: reconfiguration and power must not be negative");
  return p;
}

}  // namespace

Ocs::Ocs(const sc_core::sc_module_name& name, const Params& params)
    : core::Component(name),
      m_params(checked(params)),
      m_reconfiguration(core::to_ticks(params.reconfiguration_s)),
      m_port(static_cast<std::size_t>(params.ports)),
      m_reconfigured("reconfigured"),
      m_queue("queue", [this](const Item& item) { on_item(item); }) {
  in.register_nb_transport_fw(this, &Ocs::nb_transport_fw);
  out.register_nb_transport_bw(this, &Ocs::nb_transport_bw);
  if (params.power_w > 0.0) energy().add_static_power(core::Category::Ocs, params.power_w);
}

void Ocs::check_map(const std::vector<int>& map) const {
  const std::string err = circuit_map_error(map, m_params.ports);
  if (!err.empty()) throw std::invalid_argument(std::string(name()) + ": " + err);
}

void Ocs::set_circuits(const std::vector<int>& map) {
  const sc_core::sc_status s = sc_core::sc_get_status();
  if (s != sc_core::SC_ELABORATION && s != sc_core::SC_BEFORE_END_OF_ELABORATION &&
      s != sc_core::SC_END_OF_ELABORATION && s != sc_core::SC_START_OF_SIMULATION) {
    throw std::logic_error(
        std::string(name()) +
        ": set_circuits sets the initial circuits at elaboration; use reconfigure while the "
        "simulation runs");
  }
  check_map(map);
  for (std::size_t p = 0; p < m_port.size(); ++p) {
    m_port[p].live = map[p];
    m_port[p].target = map[p];
  }
}

int Ocs::circuit(int port) const {
  const Port& x = m_port.at(static_cast<std::size_t>(port));
  return x.pending > 0 ? -1 : x.live;
}

int Ocs::target_circuit(int port) const {
  return m_port.at(static_cast<std::size_t>(port)).target;
}

bool Ocs::dark(int port) const {
  return m_port.at(static_cast<std::size_t>(port)).pending > 0;
}

core::Tick Ocs::reconfigure(const std::vector<int>& new_map, const std::string& why) {
  check_map(new_map);
  std::vector<int> target(m_port.size());
  for (std::size_t p = 0; p < m_port.size(); ++p)
    target[p] = m_port[p].target;
  const core::Tick now = core::now_ticks();
  Reconfiguration r;
  r.ports = changed_ports(target, new_map);
  if (r.ports.empty()) return now;

  // The changed ports hold new packets from now on. Their circuits go dark once the bits already committed
  // to them have left and every earlier reconfiguration of one of them has completed.
  core::Tick start = now;
  for (const int p : r.ports) {
    const Port& x = m_port[static_cast<std::size_t>(p)];
    start = std::max({start, x.ready_at, x.last_bit});
  }
  r.requested = now;
  r.start = start;
  r.end = core::later(start, m_reconfiguration);
  r.why = why;
  for (const int p : r.ports) {
    Port& x = m_port[static_cast<std::size_t>(p)];
    r.peers.push_back(new_map[static_cast<std::size_t>(p)]);
    x.target = new_map[static_cast<std::size_t>(p)];
    ++x.pending;
    x.ready_at = r.end;
    x.dark_from = r.start;
    x.dark_to = r.end;
  }
  const core::Tick end = r.end;
  log_debug("reconfiguring ", r.ports.size(), " ports (", why, "): dark from ", core::ticks_to_time(r.start),
            " to ", core::ticks_to_time(r.end));
  m_log.push_back(std::move(r));
  m_queue.push(end, Item{nullptr, -1, 0, m_log.size() - 1});
  return end;
}

tlm::tlm_sync_enum Ocs::nb_transport_fw(int port, tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                        sc_core::sc_time& delay) {
  if (phase != tlm::BEGIN_REQ) {
    SC_REPORT_ERROR(name(), "an OCS accepts only BEGIN_REQ on its forward path");
    return tlm::TLM_COMPLETED;
  }
  if (port < 0 || port >= m_params.ports) {
    SC_REPORT_ERROR(name(), ("packet came in on socket index " + std::to_string(port) + ", beyond the " +
                             std::to_string(m_params.ports) + " ports")
                                .c_str());
    return tlm::TLM_COMPLETED;
  }
  // Whether the circuit is up is decided when the head arrives, not when the upstream hop sends it.
  const core::Tick head_in = core::later(core::now_ticks(), delay.value());
  m_queue.push(head_in, Item{&p, port, head_in, 0});
  return tlm::TLM_ACCEPTED;
}

tlm::tlm_sync_enum Ocs::nb_transport_bw(int, tlm::tlm_generic_payload&, tlm::tlm_phase&, sc_core::sc_time&) {
  return tlm::TLM_ACCEPTED;  // END_REQ from an output link: the OCS holds no credit
}

void Ocs::on_item(const Item& item) {
  if (item.payload == nullptr) {
    complete(item.index);
  } else {
    arrive(item.port, item.payload, item.head_in);
  }
}

void Ocs::arrive(int port, tlm::tlm_generic_payload* p, core::Tick head_in) {
  Port& x = m_port[static_cast<std::size_t>(port)];
  if (x.pending > 0 || !x.held.empty()) {  // dark: no bit may cross; wait for the new circuit
    x.held.push_back(Held{p, head_in});
    return;
  }
  forward(port, p, head_in);
}

void Ocs::drop(tlm::tlm_generic_payload* p, const char* why) {
  if (p->has_mm()) p->release();
  SC_REPORT_ERROR(name(), why);
}

void Ocs::forward(int port, tlm::tlm_generic_payload* p, core::Tick head_in) {
  core::FabricExtension& ext = core::fabric(*p);
  if (ext.route == nullptr || ext.hop >= ext.route->ports.size()) {
    ++m_misrouted;
    drop(p, "packet without a route through this OCS");
    return;
  }
  const int to = ext.route->ports[ext.hop];
  if (to != circuit(port)) {
    ++m_misrouted;
    drop(p, "packet routed over a circuit that does not exist");
    return;
  }
  if (static_cast<std::size_t>(to) >= out.size()) {
    ++m_misrouted;
    drop(p, "packet routed to an OCS port whose out socket is not bound");
    return;
  }
  ++ext.hop;

  Port& src = m_port[static_cast<std::size_t>(port)];
  Port& dst = m_port[static_cast<std::size_t>(to)];
  const core::Tick now = core::now_ticks();
  // The packet occupies the circuit for as long as it took to come in (head to tail); packets in on one port
  // cross one after another, so a held packet keeps its place and its length.
  const core::Tick length = ext.tail > head_in ? ext.tail - head_in : 0;
  const core::Tick start = std::max({head_in, now, src.in_free});
  const core::Tick tail_out = core::later(start, length);

  // Invariant: no bit of this packet inside the OCS while either end of its circuit is dark.
  for (const Port* x : {&src, &dst}) {
    if (x->pending > 0 || (x->dark_to > start && x->dark_from < tail_out)) {
      m_bits_while_dark += 8.0 * ext.bytes;
      SC_REPORT_ERROR(name(), "bits would cross a dark circuit");
      break;
    }
  }

  src.in_free = tail_out;
  src.last_bit = std::max(src.last_bit, tail_out);
  dst.last_bit = std::max(dst.last_bit, tail_out);
  src.stats.packets_in += 1;
  src.stats.bytes_in += ext.bytes;
  dst.stats.packets_out += 1;
  dst.stats.bytes_out += ext.bytes;
  ++m_packets;
  m_bytes += ext.bytes;
  if (start > head_in) {
    const core::Tick waited = start - head_in;
    src.stats.held += 1;
    src.stats.held_ticks += waited;
    src.stats.max_held_ticks = std::max(src.stats.max_held_ticks, waited);
    ++m_held_packets;
    m_held_ticks += waited;
  }
  if (m_keep_transits) m_transits.push_back(Transit{head_in, start, tail_out, port, to, ext.flow, ext.bytes});

  ext.tail = tail_out;
  sc_core::sc_time delay = core::ticks_to_time(start - now);
  tlm::tlm_phase begin = tlm::BEGIN_REQ;
  m_direct_out.forward(out, to, *p, begin, delay);
}

void Ocs::complete(std::size_t index) {
  Reconfiguration& r = m_log[index];
  for (std::size_t i = 0; i < r.ports.size(); ++i) {
    Port& x = m_port[static_cast<std::size_t>(r.ports[i])];
    x.live = r.peers[i];
    --x.pending;
  }
  r.done = true;
  log_debug("circuits up on ", r.ports.size(), " ports (", r.why, ")");
  const std::vector<int> ports = r.ports;  // a callback may reconfigure again, growing the log
  const auto callbacks = m_callbacks;      // a callback may register another
  for (const auto& cb : callbacks)
    cb();
  m_reconfigured.notify(sc_core::SC_ZERO_TIME);
  // Release what waited, port by port in ascending order, each port's packets in arrival order. A callback
  // may have darkened a port again; its packets keep waiting.
  for (const int p : ports) {
    Port& x = m_port[static_cast<std::size_t>(p)];
    if (x.pending > 0 || x.held.empty()) continue;
    std::deque<Held> waiting;
    waiting.swap(x.held);
    for (const Held& h : waiting)
      forward(p, h.payload, h.head_in);
  }
}

}  // namespace pjbit::ocs
