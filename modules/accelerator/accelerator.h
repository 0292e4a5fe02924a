// One accelerator (one rank): an SC_THREAD that runs the rank's program (or none, when the engine drives the
// program from its own processes), the endpoint that program speaks to (send, recv, compute), a NIC that
// packetizes messages onto its ports, and a router that forwards other ranks' packets in direct topologies.
// Equations and behaviour in accelerator.md.
#pragma once

#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tlm>
#include <vector>

#include "core/arbiter.h"
#include "core/component.h"
#include "core/direct.h"
#include "core/event_queue.h"
#include "core/fabric_extension.h"
#include "core/recv_table.h"
#include "core/ring.h"
#include "modules/hbm/hbm.h"
#include "modules/nic/i_congestion_control.h"

namespace pjbit::accelerator {

struct Params {
  int rank = 0;
  double compute_flops = 1000e12;
  double router_latency_s = 0.0;
  std::uint64_t packet_bytes = 4096;
  hbm::Params hbm;         // the accelerator's own memory (collectives and compute read and write it)
  bool priorities = true;  // the NIC arbitrates between transport classes, as the links do
  core::ClassArbitration arbitration;  // with priorities: strict (default) or weighted by class
  double idle_power_w = 0.0;           // drawn for the whole run (static, category compute)
  double compute_power_w = 0.0;  // drawn while computing; the part above idle is charged per compute second
  // Congestion control of the connections to ranks reached through tier t (empty: none anywhere).
  std::vector<nic::CongestionControlParams> congestion_control;
};

// Gives the source route between two ranks for a flow (the hash lets multipath routing spread flows).
// Owned by the platform. route() fills `out` whole, whatever it held (a pooled packet's own route keeps its
// last buffer), and returns false when there is no path.
class IRouteTable {
 public:
  virtual ~IRouteTable() = default;
  virtual bool route(int src, int dst, std::uint64_t hash, core::Route& out) = 0;
  // Whether packets between the two take routes of their own (per-packet spraying) rather than the flow's.
  virtual bool sprays(int src, int dst) {
    (void)src;
    (void)dst;
    return false;
  }
  // The tier whose fabric carries traffic between the two (congestion control is chosen per tier).
  virtual int tier(int src, int dst) {
    (void)src;
    (void)dst;
    return 0;
  }
};

class Accelerator;

// The flow engine: carries a whole message as one flow with a max-min fair share of every link it
// crosses, instead of packets (engine/flow/flow_network.h). Owned by the engine.
class ITrafficObserver;
class Completion;

class IFlowFabric {
 public:
  virtual ~IFlowFabric() = default;
  // Starts a flow of `bytes` from `from` to `dst`, routed as a packet flow with hash `hash` would be; when
  // its last byte arrives, the fabric credits the receiver (Accelerator::receive), tells `observer` (if not
  // null) of the delivery, with the latency from now, and completes one operation of `done`.
  virtual void start(Accelerator& from, int dst, std::uint64_t bytes, std::uint8_t cls, std::uint64_t tag,
                     std::uint64_t hash, core::StepTally* tally, ITrafficObserver* observer,
                     Completion& done) = 0;
};

// Told of every message an endpoint sends, when it is posted and when the receiver holds all of it (the
// scheduler's per-class accounting: bytes, message latencies, traffic in flight). Owned by the engine.
class ITrafficObserver {
 public:
  virtual ~ITrafficObserver() = default;
  virtual void sent(int src, int dst, std::uint8_t cls, std::uint64_t bytes) = 0;
  // `latency`: from the send() call to the delivery of the last byte.
  virtual void delivered(int src, int dst, std::uint8_t cls, std::uint64_t bytes, core::Tick latency) = 0;
};

// Told when a Completion's last operation completes (instead of waking a waiting thread).
class CompletionListener {
 public:
  virtual ~CompletionListener() = default;
  virtual void completed() = 0;
};

// An event that exists once a thread has waited on it. Most waits are answered by listeners and no thread
// ever blocks, while an sc_event takes 168 bytes: in every phase machine of every rank, that spreads the
// objects a run touches each phase over more cache lines. Waiters check their condition before waiting and
// it changes before notify(), so a notify with no event yet has no one to wake.
class WakeEvent {
 public:
  void wait() {
    if (!m_event) m_event = std::make_unique<sc_core::sc_event>();
    sc_core::wait(*m_event);
  }
  void notify() {
    if (m_event) m_event->notify(sc_core::SC_ZERO_TIME);
  }

 private:
  std::unique_ptr<sc_core::sc_event> m_event;
};

// A set of posted operations that a program waits on together: a thread blocks in wait(), or a listener is
// called, in the process that completed the last operation, at that instant.
class Completion {
 public:
  Completion() = default;
  explicit Completion(CompletionListener* listener) : m_listener(listener) {}
  void add(int n = 1) { m_outstanding += n; }
  void one_done() {
    if (--m_outstanding > 0) return;
    if (m_listener != nullptr) {
      m_listener->completed();
    } else {
      m_done.notify();
    }
  }
  int outstanding() const { return m_outstanding; }
  // Blocks the calling thread until every operation has completed.
  void wait() {
    while (m_outstanding > 0)
      m_done.wait();
  }

 private:
  int m_outstanding = 0;
  CompletionListener* m_listener = nullptr;
  WakeEvent m_done;
};

class Accelerator : public core::Component {
 private:
  // Congestion control toward one destination (a queue pair): its rate controller, when its next packet may
  // start (pacing), the least one-way time its packets have taken, and, standing for the receiver's CNP
  // generator, when the receiver last returned feedback.
  struct Connection {
    std::unique_ptr<nic::ICongestionControl> cc;
    double line_Bps = 0.0;  // the NIC port's payload rate
    bool paced = false;     // since its first feedback (or below line rate): paced with the pacer's spread
    core::Tick next_send = 0;
    core::Tick base_one_way = ~core::Tick{0};
    core::Tick last_feedback = 0;
    bool fed = false;
  };
  struct FeedbackEvent {  // plain data: event queues keep a few in place
    Connection* connection;
    core::Tick one_way;
    core::Tick base_one_way;
    std::uint32_t bytes;
    bool ecn;
  };
  // On a cache line's start: what injecting a packet reads fills the first line (with the vtable pointer);
  // what fewer packets read (the first port, the last delivery) the second.
  struct alignas(64) Message : core::MessageSink {
    Accelerator* owner = nullptr;
    std::uint64_t to_inject = 0;
    std::uint64_t flow = 0;
    std::uint64_t tag = 0;
    core::StepTally* tally = nullptr;
    Connection* connection = nullptr;  // congestion control, when its tier has it
    int dst = 0;
    std::uint8_t cls = 0;
    bool spray = false;
    std::uint64_t packets = 0;
    core::Tick issued = 0;  // when send() posted it
    std::uint64_t undelivered = 0;
    Completion* done = nullptr;
    core::Route route;       // kept with the message: its packets point at it
    std::uint64_t size = 0;  // bytes of the whole message
    bool delivered(std::uint64_t bytes) override;
    void lost(std::uint32_t bytes, core::Tick resend_at) override;
    void arrived(const core::FabricExtension& ext, core::Tick now) override;
  };
  // Bytes of a message to send again (a packet dropped on a lossy link), due at the time it is queued for.
  struct Resend {
    Message* message;
    std::uint32_t bytes;
  };
  static constexpr int kClasses = 5;
  struct Port {
    // Messages with bytes left to inject, one queue per transport class with strict priorities (all in
    // queue 0 without priorities, or weighted); a queue's messages take turns, one packet a turn (weighted:
    // a turn is as many packets as the class's weight). Each queue has one credit: at most one of its
    // packets waits at the link. What every packet reads comes first, then the queues (a message or two
    // each in place).
    std::uint8_t waiting = 0;  // bit q: turns[q] is not empty (inject looks at no empty queue)
    bool awaiting_credit[kClasses] = {false, false, false, false, false};
    int burst_left = 0;
    Message* burst = nullptr;  // weighted: the message whose turn it is (out of the queue), or null
    core::DirectCall direct;   // stands for out[port] when set
    core::Ring<Message*, 2> turns[kClasses];
    core::Tick pace_wake = 0;  // congestion control: when a wake-up to inject is due (0: none)
  };
  struct RecvEntry {
    std::uint64_t expected = 0;
    std::uint64_t arrived = 0;
    Completion* done = nullptr;
  };

  // What delivering a packet needs, taken from it when its head arrives (the payload then goes back to the
  // pool at once instead of staying in flight for the link's latency).
  struct Arrival {
    std::uint64_t tag;
    core::MessageSink* message;
    int src;
    std::uint32_t bytes;
  };
  // What a message, a packet or a flow touches comes first, beside the energy account at the start of the
  // object (the sockets, a kilobyte, and the parameters follow): a large fabric touches thousands of
  // endpoints an instant, each for a few cache lines.
  int m_rank;
  bool m_weighted = false;       // priorities on and weighted arbitration
  bool m_class_queues = false;   // strict priorities: a NIC queue per class
  bool m_cc_on = false;          // some tier has congestion control
  std::uint64_t m_packet_bytes;  // Params::packet_bytes, read by every packet: here, not with the parameters
  IFlowFabric* m_flow_fabric = nullptr;
  ITrafficObserver* m_observer = nullptr;
  std::uint64_t m_next_flow = 0;
  core::RecvTable<RecvEntry> m_recvs;
  core::PayloadPool& m_pool;
  std::vector<Port> m_ports;
  core::Tick m_router_latency;
  sc_core::sc_time m_router_latency_time;  // the same, as the kernel's type
  std::uint64_t m_packets_sent = 0;
  std::uint64_t m_packets_forwarded = 0;
  core::FifoQueue<Arrival> m_delivery;  // packets over one link arrive in order
  core::EventQueue<Resend> m_resend;    // lossy links: dropped bytes, sent again when the sender learns
  std::uint64_t m_jitter = 0;           // the pacer's xorshift state, seeded by the rank
  std::map<int, std::unique_ptr<Connection>> m_connections;  // by destination
  core::EventQueue<FeedbackEvent> m_feedback;                // feedback on its way back to this sender
  core::EventQueue<int> m_pace;                              // ports to wake when pacing lets a packet go
  std::uint64_t m_retransmitted_bytes = 0;
  std::uint64_t m_retransmitted_packets = 0;

 public:
  tlm_utils::multi_passthrough_initiator_socket<Accelerator> out{"out"};
  tlm_utils::multi_passthrough_target_socket<Accelerator> in{"in"};

  Accelerator(const sc_core::sc_module_name& name, const Params& params, IRouteTable& routes,
              core::PayloadPool& pool);
  ~Accelerator() override;

  const Params& params() const { return m_params; }
  int rank() const { return m_rank; }
  hbm::Hbm& hbm() { return m_hbm; }

  // The program the rank's thread runs at time 0. Set before simulation starts.
  void set_program(std::function<void(Accelerator&)> program) { m_program = std::move(program); }
  bool finished() const { return m_finished; }
  // Called during elaboration: no thread is made; the caller runs the program from processes of its own,
  // calling begin_program() at time 0 before it sends or receives anything and end_program() once it is over
  // (as the thread does around its program). A thread's stack is one of the process's memory mappings, of
  // which Linux allows 65,530: a fabric of tens of thousands of ranks cannot have a thread each.
  void run_without_thread() { m_without_thread = true; }
  void begin_program();
  void end_program() { m_finished = true; }

  // --- endpoint: called from the program's thread (or threads it spawns) ---
  // Posts a message of `bytes` to `dst`; `done` completes when the receiver holds all of it.
  void send(int dst, std::uint64_t bytes, std::uint8_t cls, std::uint64_t tag, Completion& done,
            core::StepTally* tally = nullptr);
  // Posts a receive of `bytes` from `src` under `tag`; receives with the same (src, tag) add up.
  void recv(int src, std::uint64_t bytes, std::uint64_t tag, Completion& done);
  // Flow engine: route messages as flows through `fabric` instead of packets (null: packets).
  void set_flow_fabric(IFlowFabric* fabric) { m_flow_fabric = fabric; }
  // Tells `observer` of every message sent from here (null: nobody).
  void set_observer(ITrafficObserver* observer) { m_observer = observer; }
  // Flow engine: `bytes` from `src` under `tag` have arrived.
  void receive(int src, std::uint64_t tag, std::uint64_t bytes);
  // Prefetching for a receive soon: the endpoint's table of receives, then the entry of (src, tag).
  void prefetch_table() const { __builtin_prefetch(&m_recvs); }
  void prefetch_receive(int src, std::uint64_t tag) const { m_recvs.prefetch(src, tag); }
  // Computes for `seconds` (blocks the calling thread) and charges (compute power - idle power) x seconds.
  void compute(double seconds);
  // Accounts `seconds` of compute that the caller has waited for without a thread: what compute() does
  // once its wait is over.
  void computed(double seconds);
  double compute_time_s() const { return m_compute_s; }

  // Direct calls (core/direct.h): this accelerator's in-socket binding `index` and out-socket binding
  // `index`, for the module at the other end; and the call that stands for out[port] (set by the builder).
  core::DirectCall forward_call(int index) {
    return core::DirectCall::to<Accelerator, &Accelerator::nb_transport_fw>(this, index);
  }
  core::DirectCall backward_call(int index) {
    return core::DirectCall::to<Accelerator, &Accelerator::nb_transport_bw>(this, index);
  }
  void direct_out(int port, core::DirectCall call);

  std::uint64_t packets_sent() const { return m_packets_sent; }
  std::uint64_t packets_forwarded() const { return m_packets_forwarded; }
  // Lossy links: payload bytes (and packets) this endpoint sent again after drops.
  std::uint64_t retransmitted_bytes() const { return m_retransmitted_bytes; }
  std::uint64_t retransmitted_packets() const { return m_retransmitted_packets; }
  // Receives still waiting for data, for deadlock reports: "from rank 3: 1024 of 4096 bytes (tag 7)".
  std::vector<std::string> pending_receives() const;

 protected:
  void end_of_elaboration() override;

 private:
  void run();
  // The NIC queue of a transport class (its class with strict priorities, else 0).
  int queue_of(std::uint8_t cls) const { return m_class_queues ? std::min<int>(cls, kClasses - 1) : 0; }
  // Offers the packets the port's queues may send now.
  void inject(int port);
  // Offers one packet of `bytes` of `m` from `queue` on `port`.
  void offer(int port, int queue, Message* m, std::uint64_t bytes);
  // out[port]->nb_transport_fw, directly when the builder gave a direct call.
  void forward(int port, tlm::tlm_generic_payload& p, tlm::tlm_phase& phase, sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_fw(int port, tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);
  tlm::tlm_sync_enum nb_transport_bw(int port, tlm::tlm_generic_payload& p, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);
  void deliver(const Arrival& a);
  // Completes the receive `e` (the entry of (src, tag)) once all it expects has arrived.
  void settle(RecvEntry& e, int src, std::uint64_t tag);
  void release(Message* m);
  // Queues the bytes of a dropped packet of `r.message` to be sent again.
  void resend(const Resend& r);
  // Congestion control: the connection toward `dst` (made on first use; null when its tier has none); the
  // next message of `turns` whose connection may send at `now` (taken from the queue; the others keep their
  // order), else null with `earliest` lowered to when one may; a wake-up of `port` at `at`.
  Connection* connection(int dst);
  Message* take_paced(core::Ring<Message*, 2>& turns, core::Tick now, core::Tick& earliest);
  void wake_at(int port, core::Tick at);
  void on_feedback(const FeedbackEvent& e);

  Params m_params;
  IRouteTable& m_routes;
  std::function<void(Accelerator&)> m_program;
  bool m_finished = false;
  bool m_without_thread = false;
  double m_compute_s = 0.0;
  std::vector<std::unique_ptr<Message>> m_messages;  // owns every message ever made; reused via m_free
  std::vector<Message*> m_free;
  hbm::Hbm m_hbm;
};

}  // namespace pjbit::accelerator
