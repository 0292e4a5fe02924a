// An optical circuit switch (OCS): `ports` ports joined pairwise by bidirectional circuits that a scheduler
// may change at run time. Passive on the data path: a packet crosses a circuit with no latency, no
// per-bit energy and no buffering, except that a packet reaching a port whose circuit is being reconfigured
// (dark) is held until the new circuit is up. Static power for the whole run. Equations in ocs.md.
#pragma once

#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <tlm>
#include <utility>
#include <vector>

#include "core/component.h"
#include "core/direct.h"
#include "core/event_queue.h"
#include "core/fabric_extension.h"
#include "core/time.h"

namespace pjbit::ocs {

struct Params {
  int ports = 136;                   // Palomar-class radix
  double reconfiguration_s = 10e-3;  // time a changed circuit is dark
  double insertion_loss_db = 2.0;    // for the platform's optical budget check; not used in timing
  double power_w = 0.0;              // static power of the whole OCS (not published: see ocs.md)

  // Fraction of optical power that survives the switch: 10^(-IL/10).
  static double transmission(const Params& p);
  // Static energy over `seconds` of simulated time [J].
  static double static_energy_j(double seconds, const Params& p) { return p.power_w * seconds; }
};

// An empty string if `map` is a valid circuit map for an OCS of `ports` ports, otherwise why not: one entry
// per port, each -1 (unconnected) or another port in [0, ports), and symmetric (map[p] == q => map[q] == p).
std::string circuit_map_error(const std::vector<int>& map, int ports);

// The ports whose circuit differs between two maps of equal size, ascending.
std::vector<int> changed_ports(const std::vector<int>& from, const std::vector<int>& to);

// A ring in rank order for an `ocs` topology (CONTRACT section 4) whose rank r owns OCS ports
// r * ports_per_rank + k, k = 0 .. ports_per_rank - 1: port pair (2j, 2j + 1) of every rank forms ring j,
// rank r's port 2j joined to rank (r + 1) mod ranks' port 2j + 1. An odd last port, and every port when
// ranks < 2, is unconnected; ports beyond ranks * ports_per_rank are unconnected. Throws
// std::invalid_argument if ranks * ports_per_rank > ports.
std::vector<int> ring_circuits(int ranks, int ports_per_rank, int ports);

// One reconfiguration, as recorded in the log.
struct Reconfiguration {
  core::Tick requested = 0;  // when reconfigure() was called; the changed ports hold new packets from here
  core::Tick start = 0;      // the changed circuits go dark here ...
  core::Tick end = 0;        // ... and the new circuits are up here (start + reconfiguration)
  std::vector<int> ports;    // ports whose circuit changed, ascending
  std::vector<int> peers;    // the new circuit of each of `ports` (same order), -1 for unconnected
  std::string why;
  bool done = false;  // true once `end` has passed and the new circuits are in place
};

// One packet's crossing, kept only while transit logging is on (keep_transits(true)).
struct Transit {
  core::Tick head_in = 0;   // the head reached in-port `from`
  core::Tick start = 0;     // the head entered the circuit (head_in, or later if it was held)
  core::Tick tail_out = 0;  // the tail left out-port `to`
  int from = -1;
  int to = -1;
  std::uint64_t flow = 0;
  std::uint32_t bytes = 0;
};

class Ocs : public core::Component {
 public:
  // OCS port i is socket index i on both sockets: the builder binds in[i] and out[i] for port i, in port
  // order (the multi-passthrough index of `in` is how the OCS knows which port a packet came in on).
  tlm_utils::multi_passthrough_target_socket<Ocs> in{"in"};
  tlm_utils::multi_passthrough_initiator_socket<Ocs> out{"out"};

  // Per port; `in` counts packets that came in on the port, `out` those that left on it.
  struct PortStats {
    std::uint64_t packets_in = 0;
    std::uint64_t packets_out = 0;
    double bytes_in = 0.0;   // payload bytes
    double bytes_out = 0.0;  // payload bytes
    std::uint64_t held = 0;  // packets in on this port that entered the circuit later than they arrived
    core::Tick held_ticks = 0;
    core::Tick max_held_ticks = 0;
  };

  // Throws std::invalid_argument for ports < 1 or a negative time or power. All circuits start unconnected.
  Ocs(const sc_core::sc_module_name& name, const Params& params);

  const Params& params() const { return m_params; }
  int ports() const { return m_params.ports; }

  // Direct calls (core/direct.h): for in-socket binding `index`, out-socket binding `index`, and the call
  // that stands for out[port] (set by the builder).
  core::DirectCall forward_call(int index) {
    return core::DirectCall::to<Ocs, &Ocs::nb_transport_fw>(this, index);
  }
  core::DirectCall backward_call(int index) {
    return core::DirectCall::to<Ocs, &Ocs::nb_transport_bw>(this, index);
  }
  void direct_out(int port, core::DirectCall call) { m_direct_out.set(port, call); }

  // The initial circuits, at elaboration (not while the simulation runs: throws std::logic_error then).
  // Throws std::invalid_argument with the reason if the map is not valid (circuit_map_error).
  void set_circuits(const std::vector<int>& map);

  // The circuit that is up on `port` now: the peer port, or -1 if the port is unconnected or dark.
  int circuit(int port) const;
  // The circuit `port` will have once every requested reconfiguration has completed (-1: unconnected).
  int target_circuit(int port) const;
  // True from a reconfiguration request touching `port` until its new circuit is up.
  bool dark(int port) const;

  // Called from a SystemC process: changes the circuits to `new_map` (validated as in set_circuits; throws
  // std::invalid_argument). Only ports whose circuit changes (against the latest requested map) go dark;
  // the others keep carrying traffic. Returns the absolute tick at which the new circuits are up. The dark
  // interval starts now unless a packet's bits are still crossing a changed port (it starts when they have
  // left) or an earlier reconfiguration that touches one of the same ports is still pending (it starts when
  // that one completes). Requests that change nothing return now and are not logged.
  core::Tick reconfigure(const std::vector<int>& new_map, const std::string& why);

  const std::vector<Reconfiguration>& reconfigurations() const { return m_log; }
  // Notified (delta) each time a reconfiguration completes, after the on_reconfigured callbacks ran.
  sc_core::sc_event& reconfigured() { return m_reconfigured; }
  // Runs `cb` each time a reconfiguration completes, once the new circuits are in place and before held
  // packets are released (callbacks run in registration order).
  void on_reconfigured(std::function<void()> cb) { m_callbacks.push_back(std::move(cb)); }

  // Statistics.
  const PortStats& port_stats(int port) const { return m_port.at(static_cast<std::size_t>(port)).stats; }
  std::uint64_t packets() const { return m_packets; }
  double bytes() const { return m_bytes; }
  std::uint64_t held_packets() const { return m_held_packets; }
  core::Tick held_ticks() const { return m_held_ticks; }
  std::uint64_t misrouted() const { return m_misrouted; }
  // Payload bits that crossed a circuit while it was dark: a model invariant, always 0 (an SC_REPORT_ERROR
  // is raised if it ever is not).
  double bits_while_dark() const { return m_bits_while_dark; }

  // Transit log (off by default: it grows with every packet). For tests and traces.
  void keep_transits(bool on) { m_keep_transits = on; }
  const std::vector<Transit>& transits() const { return m_transits; }

 private:
  struct Item {
    tlm::tlm_generic_payload* payload;  // null: reconfiguration `index` completes
    int port;
    core::Tick head_in;
    std::size_t index;
  };
  struct Held {
    tlm::tlm_generic_payload* payload;
    core::Tick head_in;
  };
  struct Port {
    int live = -1;             // circuit up now (-1 while dark)
    int target = -1;           // circuit after all requested reconfigurations
    int pending = 0;           // requested reconfigurations touching this port, not yet complete
    core::Tick ready_at = 0;   // end of the last requested reconfiguration touching this port
    core::Tick dark_from = 0;  // dark interval of that reconfiguration (empty if none)
    core::Tick dark_to = 0;
    core::Tick in_free = 0;   // when the last packet in on this port has wholly entered its circuit
    core::Tick last_bit = 0;  // when the last bit of any packet on this port (either way) left the OCS
    std::deque<Held> held;
    PortStats stats;
  };

  tlm::tlm_sync_enum nb_transport_fw(int port, tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_bw(int port, tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);
  void on_item(const Item& item);
  void arrive(int port, tlm::tlm_generic_payload* p, core::Tick head_in);
  void forward(int port, tlm::tlm_generic_payload* p, core::Tick head_in);
  void complete(std::size_t index);
  void drop(tlm::tlm_generic_payload* p, const char* why);
  void check_map(const std::vector<int>& map) const;

  Params m_params;
  core::DirectCalls m_direct_out;
  core::Tick m_reconfiguration;
  std::vector<Port> m_port;
  std::vector<Reconfiguration> m_log;
  std::vector<std::function<void()>> m_callbacks;
  sc_core::sc_event m_reconfigured;
  std::uint64_t m_packets = 0;
  double m_bytes = 0.0;
  std::uint64_t m_held_packets = 0;
  core::Tick m_held_ticks = 0;
  std::uint64_t m_misrouted = 0;
  double m_bits_while_dark = 0.0;
  bool m_keep_transits = false;
  std::vector<Transit> m_transits;
  core::EventQueue<Item> m_queue;
};

}  // namespace pjbit::ocs
