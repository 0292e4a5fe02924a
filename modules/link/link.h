// A full-duplex point-to-point link: one serialization resource per direction, a fixed latency, a cost
// stack of per-bit energies by category, static power, and protocol overhead. Equations in link.md.
#pragma once

#include <cstdint>
#include <memory>
#include <tlm>
#include <vector>

#include "core/arbiter.h"
#include "core/component.h"
#include "core/direct.h"
#include "core/event_queue.h"
#include "core/fabric_extension.h"
#include "core/i_port_arbiter.h"
#include "core/observer.h"
#include "core/small_vector.h"

namespace pjbit::link {

struct StackCost {
  core::Category category = core::Category::Serdes;
  double energy_pj_per_bit = 0.0;  // count already applied
  double power_w = 0.0;            // count already applied
};

// Link-level flow control of the ingress buffer at the far end of each direction, and ECN marking of the
// output queue at its near end. Off: buffers are unbounded and nothing is paused, dropped or marked.
// Equations and sources in flow_control.md.
struct FlowControl {
  enum class Mode : std::uint8_t { Off, Credit, Pfc, Lossy };
  static constexpr int kBins = 128;  // occupancy histogram (p99) over [0, buffer]

  Mode mode = Mode::Off;
  std::uint64_t buffer_bytes = 0;     // the receiving port's ingress buffer, per priority
  std::uint64_t xoff_bytes = 0;       // pfc: the far end pauses a priority whose occupancy reaches this
  std::uint64_t xon_bytes = 0;        // pfc: and resumes it once the occupancy falls to this
  std::uint64_t packet_bytes = 4096;  // the largest packet: a credited sender waits for this much credit
  double retransmit_s = 0.0;          // lossy: from a drop until the sender sends the bytes again
  // ECN (RED-style, on the output queue of the sending end): a packet joining a queue of q bytes is marked
  // with probability 0 for q <= kmin, pmax x (q - kmin) / (kmax - kmin) up to kmax, and 1 above.
  bool ecn = false;
  std::uint64_t ecn_kmin_bytes = 0;
  std::uint64_t ecn_kmax_bytes = 0;
  double ecn_pmax = 0.0;

  bool on() const { return mode != Mode::Off; }
  // PFC headroom: what may still arrive after the far end decides to pause, the bytes of a round trip on
  // the wire plus a packet on each end: 2 x latency x payload rate + 2 x packet.
  static double pfc_headroom_bytes(double latency_s, double payload_rate_Bps, std::uint64_t packet_bytes) {
    return 2.0 * latency_s * payload_rate_Bps + 2.0 * double(packet_bytes);
  }
  // The probability that a packet joining an output queue of `queue_bytes` is marked.
  double ecn_probability(double queue_bytes) const {
    if (!ecn || queue_bytes <= double(ecn_kmin_bytes)) return 0.0;
    if (queue_bytes > double(ecn_kmax_bytes)) return 1.0;
    if (ecn_kmax_bytes == ecn_kmin_bytes) return 1.0;
    return ecn_pmax * (queue_bytes - double(ecn_kmin_bytes)) / double(ecn_kmax_bytes - ecn_kmin_bytes);
  }
};

const char* flow_control_mode_name(FlowControl::Mode mode);

struct Params {
  double bandwidth_Bps = 100e9;  // per direction
  double latency_s = 0.0;        // one-way, stack latencies included
  double overhead = 0.0;         // fraction of wire bits that are protocol/FEC, in [0, 1)
  std::vector<StackCost> stack;
  double static_power_w = 0.0;  // further idle power of the whole link, charged to the first stack category
  bool priorities = true;       // arbitrate between transport classes (false: flows take turns whatever
                                // their class)
  core::ClassArbitration arbitration;  // with priorities: strict (default) or weighted by class
  bool fabric = true;  // false for attachments inside a node (accelerator to NIC, switch to its
                       // reduction engine): they add nothing to a step's wire bytes
  // Sleep when idle (0: never): after `sleep_after_s` with both directions idle the link sleeps, drawing
  // `sleep_power` of its static power but for lasers; a packet then waits `wake_s` for it to wake.
  double sleep_after_s = 0.0;
  double wake_s = 0.0;
  double sleep_power = 0.0;
  FlowControl flow_control;  // both directions alike

  // The link's cost model: every consumer (the packet path, the flow engine, the recorder, the scheduler's
  // forecasts) prices a crossing with these, never with a formula of its own. Equations in link.md.

  // Wire bits for `bytes` of payload: 8 bytes / (1 - overhead).
  static double wire_bits(double bytes, const Params& p) { return 8.0 * bytes / (1.0 - p.overhead); }
  // Wire bytes per payload byte: 1 / (1 - overhead).
  double wire_per_payload_byte() const { return 1.0 / (1.0 - overhead); }
  // Payload bytes per second one direction carries at line rate: B x (1 - overhead).
  double payload_rate_Bps() const { return bandwidth_Bps * (1.0 - overhead); }
  // Kernel ticks per wire bit on one direction, for a kernel of `ticks_per_second`.
  double ticks_per_wire_bit(double ticks_per_second) const {
    return ticks_per_second / (8.0 * bandwidth_Bps);
  }
  // Time to serialize `bytes` of payload onto one direction.
  static double serialization_time_s(std::uint64_t bytes, const Params& p) {
    return wire_bits(double(bytes), p) / (8.0 * p.bandwidth_Bps);
  }
  // Dynamic energy that `wire_bits` crossing the link charge to a stack element of `pj_per_bit`.
  static double stack_energy_j(double pj_per_bit, double wire_bits) { return wire_bits * pj_per_bit * 1e-12; }
  // Dynamic joules per payload byte charged to stack element `e`'s category: 8 x wire/payload x pJ/bit.
  double joules_per_payload_byte(const StackCost& e) const {
    return 8.0 * wire_per_payload_byte() * e.energy_pj_per_bit * 1e-12;
  }
  // Dynamic energy of `bytes` of payload crossing the link, all categories.
  static double energy_j(std::uint64_t bytes, const Params& p);
  double energy_pj_per_bit() const;

  // Sleep when idle, as both engines apply it: a link whose two directions have been idle for `idle` ticks
  // slept for what of that spell lay past `after`, and a packet or flow that finds it asleep waits `wake`.
  struct SleepRule {
    core::Tick after = 0;  // 0: never sleeps
    core::Tick wake = 0;
    bool enabled() const { return after > 0; }
    core::Tick slept(core::Tick idle) const { return enabled() && idle > after ? idle - after : 0; }
  };
  SleepRule sleep_rule() const;
};

class Link : public core::Component, public core::BufferHolder {
 public:
  // Per direction (0: a -> b, 1: b -> a).
  struct DirectionStats {
    std::uint64_t packets = 0;
    double wire_bytes = 0.0;
    core::Tick busy = 0;  // ticks spent serializing
    double dynamic_j = 0.0;
    std::size_t max_queue = 0;
  };
  // Flow control, per direction: the far end's ingress buffer as arriving packets find it, and what the
  // sending end was held back by.
  struct FlowStats {
    std::uint64_t max_bytes = 0;  // the buffer's peak occupancy, all priorities
    std::uint64_t samples = 0;    // arrivals, each a sample of the occupancy it found
    std::uint64_t histogram[FlowControl::kBins] = {};
    core::Tick paused = 0;           // the sender held back: paused (pfc) or short of credit (credit)
    std::uint64_t pause_frames = 0;  // XOFF frames the far end sent (pfc)
    std::uint64_t drops = 0;         // packets dropped at the full buffer (lossy)
    double dropped_bytes = 0.0;
    double dropped_j = 0.0;  // what the dropped packets' hops had charged: energy that bought nothing
    std::uint64_t ecn_marks = 0;
    // The occupancy that 99% of arrivals found at most (the upper edge of its histogram bin, at most the
    // peak), of a buffer of `buffer_bytes`.
    double p99_bytes(std::uint64_t buffer_bytes) const;
  };

 private:
  struct Item {
    tlm::tlm_generic_payload* payload;
    int dir;
  };
  // A direction's flow control state: the sender's view (credits, what is held back) and the far end's
  // (its buffer's occupancy, the priorities it has paused). Only on links with flow control.
  struct FlowState {
    static constexpr int kPriorities = 5;
    std::int64_t credits[kPriorities] = {};     // credit: bytes the sender may still send per priority
    std::uint8_t blocked = 0;                   // bit p: the sender may not serve priority p now
    core::Tick blocked_since = 0;               // when `blocked` last became non-zero
    std::uint64_t occupancy[kPriorities] = {};  // the far end's buffer, per priority
    std::uint64_t total = 0;                    // and all priorities together
    std::uint8_t xoff_sent = 0;                 // pfc: bit p: the far end has paused priority p
    FlowStats stats;
  };
  // What every packet reads comes first, in one cache line with the far end's socket: its wire, whether it
  // has a port arbiter of another kind or flow control.
  struct Direction {
    core::Tick busy_until = 0;
    bool wakeup_armed = false;
    std::uint32_t incoming = 0;  // packets offered with a delay that have not reached the direction yet
    core::IPortArbiter* port = nullptr;  // an arbiter of another kind, when the port's switch names one
    std::unique_ptr<FlowState> fc;       // null without flow control
    core::DirectCall deliver, credit;    // stand for the far end's socket and the credit back, when set
    DirectionStats stats;
    core::Arbiter<tlm::tlm_generic_payload*, 5> arbiter;  // its busy-hop state first
  };
  // What flow control schedules on a direction besides arrivals: a credit reaching the sender, a pause or
  // resume frame reaching it.
  struct FlowEvent {
    enum Kind : std::uint8_t { Credit, Pause, Resume };
    std::uint32_t bytes;  // Credit
    std::uint8_t dir;
    std::uint8_t kind;
    std::uint8_t priority;
  };

  struct Cost {
    core::Category category;
    double energy_pj_per_bit;
  };
  // What every packet reads or writes comes first, beside the energy account at the start of the object, so
  // that a hop touches a few adjacent cache lines; the sockets (kilobytes) and the parameters follow.
  core::SmallVector<Cost, 4> m_costs;  // the stack's per-bit energies
  double m_ticks_per_wire_bit;
  core::Tick m_latency;
  sc_core::sc_time m_latency_time;  // the same, as the kernel's type (made once: making one is a call)
  // The last packet size serialized, its wire bits and time: packets are mostly one size, and rounding the
  // time costs a library call.
  std::uint32_t m_last_bytes = 0;
  double m_last_bits = 0.0;
  core::Tick m_last_serialization = 0;
  Params::SleepRule m_sleep;  // after == 0: never sleeps
  bool m_fabric;              // Params::fabric, read by every packet: here rather than with the parameters
  core::TransferObserver* m_observer = nullptr;
  int m_channel = 0;
  Direction m_dir[2];
  core::EventQueue<Item> m_queue;

  // What the sockets are bound to: each target socket's forward interface (packets offered on a_in travel
  // direction 0, on b_in direction 1) and the initiator sockets' backward interface. Plain TLM sockets over
  // these: the convenience sockets of tlm_utils bring named events, queues and maps per socket, a third of
  // the cost of building a fabric of thousands of links, for adapters nothing here uses.
  class In final : public tlm::tlm_fw_transport_if<> {
   public:
    In(Link& link, int dir) : m_link(link), m_dir(dir) {}
    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                       sc_core::sc_time& delay) override {
      return m_link.nb_transport_fw(m_dir, p, phase, delay);
    }
    void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) override {
      m_link.b_transport(m_dir, p, delay);
    }
    bool get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi&) override { return false; }
    unsigned int transport_dbg(tlm::tlm_generic_payload&) override { return 0; }

   private:
    Link& m_link;
    int m_dir;
  };
  class Out final : public tlm::tlm_bw_transport_if<> {
   public:
    explicit Out(Link& link) : m_link(link) {}
    tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                       sc_core::sc_time& delay) override {
      return m_link.nb_transport_bw(p, phase, delay);
    }
    void invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) override {}

   private:
    Link& m_link;
  };
  In m_in[2] = {In(*this, 0), In(*this, 1)};
  Out m_out{*this};
  // The wire of each direction, as an arbiter of another kind sees it (set_port_arbiter).
  class Wire final : public core::PortWire {
   public:
    Wire(Link& link, int dir) : m_link(link), m_dir(dir) {}
    core::Tick busy_until() const override { return m_link.m_dir[m_dir].busy_until; }
    void start(tlm::tlm_generic_payload& p) override { m_link.start(m_dir, p); }
    bool priorities() const override { return m_link.m_params.priorities; }

   private:
    Link& m_link;
    int m_dir;
  };
  Wire m_wire[2] = {Wire(*this, 0), Wire(*this, 1)};

 public:
  // End a's node offers packets on a_in (they travel a -> b) and receives on a_out; likewise for b.
  tlm::tlm_target_socket<> a_in{"a_in"};
  tlm::tlm_target_socket<> b_in{"b_in"};
  tlm::tlm_initiator_socket<> a_out{"a_out"};
  tlm::tlm_initiator_socket<> b_out{"b_out"};

  Link(const sc_core::sc_module_name& name, const Params& params);

  const Params& params() const { return m_params; }

  const DirectionStats& direction(int d) const { return m_dir[d].stats; }
  // Packets queued on direction `d` now (waiting behind the one on the wire).
  std::size_t queued(int d) const { return m_dir[d].arbiter.queued(); }
  // Adaptive routing's view of direction `d`: the packets offered to it that it has not taken yet (a
  // switch's latency ahead of it), those queued on it, and the one on its wire, if any.
  std::size_t backlog(int d) const {
    return m_dir[d].incoming + m_dir[d].arbiter.queued() + (m_dir[d].busy_until > core::now_ticks() ? 1 : 0);
  }
  // Flow control statistics of direction `d`; null without flow control.
  const FlowStats* flow_stats(int d) const { return m_dir[d].fc ? &m_dir[d].fc->stats : nullptr; }
  // The far end's buffer occupancy of direction `d` now (0 without flow control).
  std::uint64_t occupancy(int d) const { return m_dir[d].fc ? m_dir[d].fc->total : 0; }
  // Ends the pause spells still open at `end` (the run's end), so that FlowStats::paused counts them.
  void close_flow_control(core::Tick end);

  // BufferHolder: a packet that entered the far end's buffer of direction ext.held_dir leaves that node now.
  void leave(core::FabricExtension& ext) override;

  // The flow engine's account of `payload_bytes` carried in direction `dir` (no packets, no queueing): the
  // same energy, wire bytes and busy time the packets would have charged.
  void carry(int dir, double payload_bytes, core::StepTally* tally);

  // Sleep (Params::sleep_after_s): the flow engine, which sends no packets, reports the link's sleeping time
  // and wake-ups itself; close_sleep(end) adds the sleep from the last activity to the end of the run
  // (packet engine). Static energy the link did not draw while asleep, by category:
  // slept x static power x (1 - sleep_power), lasers excepted.
  void add_sleep(core::Tick slept, std::uint64_t wakes) {
    m_slept += slept;
    m_wakes += wakes;
  }
  void close_sleep(core::Tick end);
  double slept_s() const { return core::to_seconds(m_slept); }
  std::uint64_t wakes() const { return m_wakes; }
  core::PerCategory sleep_saved_j() const;

  // Direct calls (core/direct.h): the forward call for packets travelling in direction `dir` (offered on
  // a_in for 0, b_in for 1), and the backward call of the delivering sockets (a_out, b_out). For direction
  // `dir`, set_deliver gives the call that stands for the socket delivering it (b_out for 0, a_out for 1)
  // and set_credit the one that stands for its credit back to the sender (a_in's backward path for 0,
  // b_in's for 1).
  core::DirectCall forward_call(int dir) {
    return core::DirectCall::to<Link, &Link::nb_transport_fw>(this, dir);
  }
  core::DirectCall backward_call() { return core::DirectCall::to<Link, &Link::nb_transport_bw_at>(this, 0); }
  void set_deliver(int dir, core::DirectCall call) { m_dir[dir].deliver = call; }

  // Hands the arbitration of direction `dir` to `arbiter` (core/i_port_arbiter.h), which the caller keeps
  // alive: every packet offered to the direction goes to it, and it starts them on the wire. Before the
  // simulation starts. The direction's own arbiter then holds nothing.
  void set_port_arbiter(int dir, core::IPortArbiter* arbiter) {
    m_dir[dir].port = arbiter;
    if (arbiter != nullptr) arbiter->attach(m_wire[dir]);
  }
  core::IPortArbiter* port_arbiter(int dir) const { return m_dir[dir].port; }
  void set_credit(int dir, core::DirectCall call) { m_dir[dir].credit = call; }

  // Tells `observer` of every packet this link serializes and every packet it queues (null: nobody, the
  // default); direction d is reported as channel `channel + d`.
  void observe(core::TransferObserver* observer, int channel) {
    m_observer = observer;
    m_channel = channel;
  }

 private:
  tlm::tlm_sync_enum nb_transport_fw(int dir, tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_bw_at(int, tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                        sc_core::sc_time& delay) {
    return nb_transport_bw(p, phase, delay);
  }
  // Not part of the link's protocol: reports an error (and answers TLM_COMMAND_ERROR_RESPONSE).
  void b_transport(int dir, tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  void on_item(const Item& item);
  // A link asleep (both directions idle past sleep_after) wakes: both directions are held until it is awake.
  // Out of on_item's line: only links that sleep call it, and its logging would weigh on every packet.
  [[gnu::noinline]] void wake_if_asleep(core::Tick now);
  void transmit(int dir, tlm::tlm_generic_payload* p);
  // A port arbiter starts `p` on direction `dir` (Wire::start): it must be free.
  void start(int dir, tlm::tlm_generic_payload& p);
  // A packet reached a direction whose port arbiter is of another kind: it goes to that arbiter. Out of
  // on_item's line, which every packet runs.
  [[gnu::noinline]] void offer_to_port(Direction& d, int dir, tlm::tlm_generic_payload& p, core::Tick now);
  // Packets waiting for direction `d`, in its arbiter of either kind.
  static std::size_t waiting(const Direction& d) { return d.port ? d.port->queued() : d.arbiter.queued(); }
  // Flow control: a scheduled event; whether a packet of class `cls` may start on `d` now; holding back and
  // releasing a priority; scheduling a wake-up of an idle direction with packets queued.
  void on_flow_event(const FlowEvent& e);
  void arrive(int dir, tlm::tlm_generic_payload* p);
  bool may_send(const Direction& d, std::uint8_t cls) const {
    return !d.fc || ((d.fc->blocked >> d.arbiter.priority_of(cls)) & 1u) == 0;
  }
  void block(Direction& d, int priority);
  void unblock(int dir, int priority);
  // ECN: whether a packet joining direction `d`'s output queue is marked.
  bool ecn_mark(const Direction& d);
  // Charges `wire_bits` crossing direction `d` (energy by category, step tally, statistics): the one
  // account packets and flows share.
  // Returns the joules charged.
  double account(Direction& d, double wire_bits, core::Tick busy, core::StepTally* tally);
  // Tells the sender of `p` on direction `dir` that it may offer its next packet (END_REQ).
  void return_credit(Direction& d, int dir, tlm::tlm_generic_payload& p);
  // Arms the direction's next service at `at` when packets wait for it and none is armed yet.
  void serve_next(Direction& d, int dir, core::Tick at);

  Params m_params;
  std::unique_ptr<core::EventQueue<FlowEvent>> m_fc_queue;  // only with flow control: credits, pauses
  // Only with flow control: packets' heads reaching the far end, in time order (a constant latency after
  // they started, and they start in time order), so a FIFO.
  std::unique_ptr<core::FifoQueue<Item>> m_arrivals;
  core::Tick m_fc_latency = 0;  // pause, resume and credits travel back this long
  std::uint64_t m_rng = 0;      // ECN marking: seeded from the link's name
  core::Tick m_slept = 0;
  std::uint64_t m_wakes = 0;
  bool m_closed = false;
};

}  // namespace pjbit::link
