// The flow engine (DESIGN: "max-min fair sharing of bandwidth, events only when a flow starts or ends"):
// a message crosses the fabric as one flow over the same route the packet engine would use (a sprayed flow
// split evenly over every shortest path). Every link direction is shared max-min fairly among the flows
// crossing it (progressive filling), with strict priority between transport classes, or weights, when they
// are on; rates change only when a flow starts or ends, and only the flows connected (through shared link
// directions) to one that started or ended are re-solved. A flow's last byte leaves the source when its bytes
// have drained at its rates, and arrives one path latency later; a flow that needs a sleeping link starts
// once it is awake. It charges the same per-bit energies to the same links, switches and NICs, so static
// power, cooling and pJ per useful bit come out as with packets. Equations and limits in docs/engines.md.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/arbiter.h"
#include "core/event_queue.h"
#include "core/fabric_extension.h"
#include "core/observer.h"
#include "core/small_vector.h"
#include "core/span.h"
#include "core/tick_buckets.h"
#include "engine/flow/max_min.h"
#include "modules/accelerator/accelerator.h"
#include "modules/link/link.h"
#include "modules/nic/nic.h"
#include "modules/switch/switch.h"
#include "platforms/faults.h"
#include "platforms/platform.h"
#include "platforms/routing.h"

namespace pjbit::engine::flow {

using platforms::Platform;

class FlowNetwork : public accelerator::IFlowFabric {
 public:
  // `arbitration` applies when `priorities` is on: strict priority between classes, or weighted max-min
  // (every flow's share in proportion to its class's weight).
  FlowNetwork(Platform& platform, bool priorities, const core::ClassArbitration& arbitration = {});

  void start(accelerator::Accelerator& from, int dst, std::uint64_t bytes, std::uint8_t cls,
             std::uint64_t tag, std::uint64_t hash, core::StepTally* tally,
             accelerator::ITrafficObserver* observer, accelerator::Completion& done) override;

  // Hands the bytes the flows carried to the links, switches and NICs they crossed (their energy, bytes and
  // busy time). Flows add to compact counters while the simulation runs; call this once it has ended.
  // `end` closes the links' sleep accounting (the end of the run).
  void flush(core::Tick end);

  // Tells `observer` of every flow when it ends (null: nobody, the default).
  void set_observer(core::TransferObserver* observer) { m_observer = observer; }

  std::uint64_t flows_started() const { return m_started; }

  // Batching of completions (docs/engines.md, "Batched completions"): with a tolerance e > 0, the bandwidth
  // a finished flow frees is handed out at most e x the age of the youngest flow that may gain from it (no
  // more than the finished flow's duration) later, in one solve with whatever else finished meanwhile.
  // Rates stay feasible throughout (the flows left keep theirs until then); starts and faults are solved at
  // once. 0, the default: every completion is solved at its instant.
  void set_batch(double tolerance) { m_batch = tolerance; }

  // Faults (engine/faults.md), given before the run: each begins at its time, is detected (routes avoid
  // what is down) and ends, if it does. At the instant a fault leaves some flow without a route for good, the
  // run stops with a core::SimulationError naming the rank pairs cut off (cut_off()).
  void set_faults(std::vector<platforms::ResolvedFault> faults);
  // What each fault did, in the order given (complete once flush() has run).
  struct FaultOutcome {
    bool began = false;                // it began before the run ended
    double rerouted_bytes = 0.0;       // bytes still to send of the flows moved onto other routes
    double time_lost_s = 0.0;          // engine/faults.md: stalls, slower lanes, retransmissions
    double energy_j = 0.0;             // retransmitted bytes' energy, and the detours' extra energy
    double retransmitted_bytes = 0.0;  // a bit error rate's resent bytes (payload)
    double end_s = -1.0;               // when it ended; < 0: it lasted to the end of the run
  };
  const std::vector<FaultOutcome>& fault_outcomes() const { return m_outcomes; }
  // Why the run stopped, when a fault cut ranks off for good; empty otherwise. A message, not an exception:
  // nothing is thrown, or even made with std::make_exception_ptr, while SystemC runs a process, since
  // AddressSanitizer cannot follow that; the runner throws it once sc_start has returned.
  const std::string& failure() const { return m_failure; }
  // A job that restarts on a cut (workloads::JobSpec::restart_on_fault) stops at the cut even when the
  // faults holding links down end later: it does not wait for a repair in a hung collective.
  void set_restart_on_cut(bool on) { m_restart_on_cut = on; }
  // When the run stopped at a cut, and the faults then down and detected (indices into the faults given).
  core::Tick cut_at() const { return m_cut_at; }
  const std::vector<std::size_t>& cut_faults() const { return m_cut_faults; }

 private:
  // What a route crosses, worked out once per (source, destination) while routes stay as they are, and
  // shared by the flows on it.
  struct Path {
    // What every flow start and finish reads first; the lists are in place (a route crosses a handful of
    // links), so that a flow reaches its links without a second miss.
    core::SmallVector<int, 8> resources;  // link direction ids: 2 x link + dir
    core::Tick latency = 0;               // links, switches, NICs, forwarding routers
    double joules_per_byte = 0.0;         // dynamic energy of one payload byte along the path
    double wire_per_byte = 0.0;           // fabric wire bytes per payload byte (protocol overhead included)
    std::uint64_t generation = 0;         // the platform's route generation it was made in
    // Share of the flow's bytes on each resource (sprayed); empty: all 1. Six in place, so that with the
    // store-and-forward term below the path keeps four cache lines, each field on the line it has always
    // been on (a rate is found from the resources and their weights, a flow's end reads the lists below).
    core::SmallVector<float, 6> weights;
    // Store-and-forward switches: seconds per byte of one packet, summed over the links that enter them
    // (1 / payload rate, weighted by the share of the flow that takes the link); 0 on cut-through paths.
    double store_forward_s_per_byte = 0.0;
    core::SmallVector<int, 4> switches;  // indices into m_switches
    core::SmallVector<float, 4> switch_weights;
    core::SmallVector<int, 4> nics;  // indices into m_nics
    core::SmallVector<float, 4> nic_weights;
    int id = -1;  // a cached path's number, for the observer (core::TransferObserver::flow); -1: a flow's own
    void clear(std::uint64_t gen);
    void shrink();  // no growth slack: a cached path is kept for the whole run
  };
  // A flow's bytes left are rem0 at time t0 and drain at `rate` since: only flows whose rate changes are
  // touched when the fabric changes.
  struct Flow {
    // What every start, rate change and finish reads first, then what only some do; `own` (a path of the
    // flow's own, rarely used) last, so that the common case touches two cache lines of a flow.
    const Path* cached = nullptr;  // a cached path, or null for `own` (slots move: never point at own)
    double rem0 = 0.0;             // payload bytes still to leave the source at t0
    core::Tick t0 = 0;
    double rate = 0.0;  // payload bytes per second
    core::Tick finish = 0;
    std::uint64_t bytes = 0;
    std::uint32_t version = 0;  // bumped whenever finish changes: older heap entries are stale
    int cls = 2;
    core::SmallVector<int, 4> position;  // where this flow sits in each resource's list of flows
    int src = 0, dst = 0;
    bool seen = false;  // visited by the current solve (its component search, or found alone)
    core::Tick started = 0;
    std::uint64_t tag = 0;
    core::StepTally* tally = nullptr;
    accelerator::ITrafficObserver* observer = nullptr;  // the sender's, told of the delivery
    accelerator::Completion* done = nullptr;            // the sender's operation, completed on delivery
    std::uint64_t hash = 0;                             // its route's hash, to route it again
    double charged = 0.0;    // bytes already charged to the routes it left (faults: detach())
    core::Tick resumed = 0;  // when it left its last route
    bool moved = false;      // it has left a route: its present one carries it from `resumed` on
    Path own;
    const Path& path() const { return cached != nullptr ? *cached : own; }
    const core::SmallVector<int, 8>& resources() const { return path().resources; }
  };
  // Flows (slot, version) by time, earliest first and, at one tick, in the order they were queued: when
  // their last byte leaves the source (finishes), and when it reaches the destination (arrivals).
  using FlowQueue = core::TickBuckets<std::pair<int, std::uint32_t>>;

  void make_path(int src, int dst, const core::Route& route, Path& out);
  void make_split_path(int src, int dst, Path& out);
  // Adds what crossing topology node `node` (not the source) costs a flow's `fraction` of bytes that leaves
  // it by `port`: switch, NIC and forwarding-router latency and energy.
  void add_node(Path& out, int node, int port, double fraction, double& latency_s);
  // Adds what crossing link `link` from `node` costs the flow's `fraction` of bytes that takes it: latency,
  // energy, wire bytes, the resource, and one packet's serialization on it when it enters a store-and-forward
  // switch.
  void add_link(Path& out, int node, int link, double fraction, double& latency_s);
  // From the instant a flow's last byte leaves its source to its arrival: the path's latency, plus one
  // packet (capped at the message) serialized into every store-and-forward switch (docs/engines.md).
  // Inline: once per flow, and nearly always the path's latency alone.
  core::Tick delivery_delay(const Path& path, std::uint64_t bytes) const {
    if (path.store_forward_s_per_byte <= 0.0) return path.latency;
    return store_forward_delay(path, bytes);
  }
  core::Tick store_forward_delay(const Path& path, std::uint64_t bytes) const;
  // The cached path for the pair, or null after making the flow's own path.
  const Path* path_for(int src, int dst, std::uint64_t hash, Flow& f);
  void wake();
  void activate(int slot);  // the flow starts draining (its links are awake)
  void complete(int slot, core::Tick now);
  // Charges `bytes` of flow `f` to what `path` crosses (links, switches, NICs, the step's tally).
  void charge(const Flow& f, const Path& path, double bytes);
  // The flow leaves the lists of the resources it crosses; and joins them (its rate to be solved).
  // `urgent`: the flows left are solved at this instant (else by the batching's deadline, set_batch()).
  void leave(int slot, core::Tick now, bool urgent = true);
  void join(int slot, core::Tick now);
  // Faults (flow_faults.cpp).
  struct FaultState {
    bool active = false, detected = false, held = false;
    core::Tick begin = 0, detect = 0;
    std::vector<double> carried0;  // a degradation: payload bytes its link directions had carried at begin
  };
  void fault_event(int code);
  void fault_begin(std::size_t k, core::Tick now);
  void fault_detect(std::size_t k, core::Tick now);
  void fault_end(std::size_t k, core::Tick now);
  void fault_close(std::size_t k, core::Tick now);  // a degradation's bytes, time and energy so far
  void set_link_capacity(int link);
  // A flow's bytes left counted up to `now` at its rate (rem0 and t0 rebased, rate and finish kept); and
  // every flow's on the links, before their capacity changes.
  void rebase(Flow& f, core::Tick now) const {
    f.rem0 -= f.rate * (static_cast<double>(now - f.t0) / m_ticks_per_second);
    f.t0 = now;
  }
  void rebase_on(const std::vector<int>& links, core::Tick now);
  // Payload bytes the link direction has carried up to now, flows in flight included.
  double carried_so_far(int resource, core::Tick now) const;
  // Takes flow `slot` off its route: the bytes sent so far are charged to it, the rest wait.
  void detach(int slot, core::Tick now);
  // Moves flow `slot` onto a route that avoids the links down; false when there is none.
  bool reroute(int slot, core::Tick now, double& rerouted, double& extra_energy);
  // Whether the flow's route was made before the links that are down were known (it must be made again).
  bool stale(const Flow& f) const {
    return m_faulted && f.path().generation != m_platform.route_generation();
  }
  void retry_parked(core::Tick now);
  // The run cannot go on: the kernel stops with a core::SimulationError naming the rank pairs cut off
  // (kept in m_failure for the caller of sc_start: an exception thrown on a SystemC process's stack is what
  // AddressSanitizer cannot follow).
  void cut_off(const std::vector<int>& slots);
  bool temporary_outage() const;  // some detected fault that takes links down ends
  // Flows left without a route end the run now (cut_off) rather than wait for a fault to end: when none
  // that holds links down ends, or when the job restarts on a cut instead of waiting.
  bool cuts_now() const { return m_restart_on_cut || !temporary_outage(); }

  void resolve(core::Tick now);
  bool alone(int resource);
  double alone_rate(const Path& path) const;  // a flow's rate when it shares none of its links
  // Gives `f` its new rate at `now`: its bytes left are rebased and its finish rescheduled (nothing when the
  // rate did not change, unless the flow has just started).
  void set_rate(Flow& f, int slot, double rate, core::Tick now);
  void schedule_finish(Flow& f, int slot, core::Tick now);
  void arm(core::Tick at);
  // The resource's flows changed; `urgent`: solve at this instant (a start, a fault), else by m_solve_by.
  void mark_dirty(int resource, bool urgent = true);
  // The flow's last byte has arrived: the receiver is credited, the sender's operation completed, the slot
  // freed.
  void deliver(int slot, core::Tick now);
  void prefetch_arrivals();  // for the arrivals a few places ahead

  Platform& m_platform;
  bool m_priorities;
  core::TransferObserver* m_observer = nullptr;
  bool m_weighted;  // priorities on, weighted by class
  std::array<int, 5> m_weights;
  double m_ticks_per_second;  // the kernel's, fixed for the run
  double m_packet_bytes;      // the platform's packet size, which store-and-forward switches wait for
  // Per link direction (2 x link + dir): whether it enters a store-and-forward switch (found once: a path
  // crossing it would otherwise read the far node and its switch's parameters).
  std::vector<std::uint8_t> m_into_store_forward;
  std::vector<Flow> m_flows;  // slots
  std::vector<int> m_free;
  std::vector<double> m_capacity;               // per link direction, payload bytes per second
  std::vector<core::SmallVector<int, 4>> m_on;  // per link direction: the active flows crossing it
  std::vector<int> m_dirty;                     // resources whose flows changed since the last solve
  std::vector<char> m_is_dirty;
  std::vector<char> m_res_seen;  // visited by the current component search
  FlowQueue m_finishes;
  FlowQueue m_arrivals;
  core::Tick m_armed_for = ~core::Tick{0};
  std::uint64_t m_started = 0;
  MaxMinSolver m_solver;
  double m_batch = 0.0;                    // set_batch()
  bool m_urgent = false;                   // a dirty resource that must be solved at once (a start, a fault)
  core::Tick m_solve_by = ~core::Tick{0};  // the latest instant a batched completion may wait for its solve
  std::vector<core::Tick> m_joined;        // per link direction: when a flow last joined it (batching)
  // The last few cached paths each source used, looked at before the map (a rank in a ring or torus
  // phase sends to the same one or two neighbours over and over).
  struct Recent {
    int dst = -1;
    const Path* path = nullptr;
  };
  static constexpr std::size_t kRecentWays = 4;
  std::vector<Recent> m_recent;  // kRecentWays per endpoint
  std::vector<std::uint8_t> m_recent_next;
  std::unordered_map<std::uint64_t, std::unique_ptr<Path>>
      m_paths;                                   // fixed routes; key src x endpoints + dst
  std::vector<std::unique_ptr<Path>> m_retired;  // paths of circuits that changed, while flows may use them
  core::Route m_route;
  int m_path_ids = 0;             // cached paths numbered so far
  std::vector<double> m_carried;  // payload bytes per link direction, not yet flushed
  std::vector<fabric_switch::Switch*> m_switches;
  // Per topology node: its index into m_switches ([0]), or its NIC out ports' into m_nics (to the
  // accelerator [0], to the network [1]); -1 until a path crosses it.
  std::vector<std::array<int, 2>> m_node_index;
  std::vector<double> m_switch_carried;
  std::vector<std::pair<nic::Nic*, int>> m_nics;  // (NIC, out port)
  std::vector<double> m_nic_carried;
  std::vector<int> m_component;  // flows of the components being re-solved
  std::vector<int> m_alone;      // flows found alone on all their links at this solve
  std::vector<int> m_stack;
  std::vector<core::Span<int>> m_uses;
  std::vector<core::Span<float>> m_usage;
  std::vector<platforms::Router::SplitHop> m_split;
  std::vector<int> m_classes;
  std::vector<double> m_rates;
  core::EventQueue<int> m_wakeups;
  // Link sleep (platform link_sleep): per link, when it became idle (both directions) and when it is awake.
  std::vector<link::Params::SleepRule> m_sleep;  // per link (the attachments inside a node never sleep)
  bool m_sleeps = false;                         // some link can sleep
  std::vector<core::Tick> m_idle_since, m_awake_at, m_slept;
  std::vector<std::uint64_t> m_wakes;
  core::EventQueue<int> m_waking;  // flows waiting for their links to wake
  std::vector<platforms::ResolvedFault> m_faults;
  std::vector<FaultOutcome> m_outcomes;
  std::vector<FaultState> m_fault_state;
  bool m_faulted = false;               // some fault has been detected: routes may have changed
  std::vector<double> m_base_capacity;  // per link direction, without faults
  std::vector<int> m_down;              // per link: faults holding it down
  std::vector<int> m_known_down;        // per link: of those, the ones detected
  std::vector<double> m_factor;         // per link: lanes x goodput of the degradations on it
  std::vector<int> m_parked;            // flows with no route while a fault lasts: retried when one ends
  std::string m_failure;                // cut_off()
  bool m_restart_on_cut = false;
  core::Tick m_cut_at = 0;
  std::vector<std::size_t> m_cut_faults;
  core::EventQueue<int> m_fault_events;
};

// Once a flow each, on the flow engine's hot path (complete()) and on a reroute (flow_faults.cpp): here,
// inline, so that the completion of a flow is one function as before the faults needed these apart.
inline void FlowNetwork::charge(const Flow& f, const Path& path, double bytes) {
  for (std::size_t i = 0; i < path.resources.size(); ++i)
    m_carried[static_cast<std::size_t>(path.resources[i])] +=
        path.weights.empty() ? bytes : bytes * path.weights[i];
  for (std::size_t i = 0; i < path.switches.size(); ++i)
    m_switch_carried[static_cast<std::size_t>(path.switches[i])] += bytes * path.switch_weights[i];
  for (std::size_t i = 0; i < path.nics.size(); ++i)
    m_nic_carried[static_cast<std::size_t>(path.nics[i])] += bytes * path.nic_weights[i];
  if (f.tally != nullptr) {
    f.tally->energy_j += bytes * path.joules_per_byte;
    f.tally->wire_bytes += bytes * path.wire_per_byte;
  }
}

inline void FlowNetwork::leave(int slot, core::Tick now, bool urgent) {
  Flow& f = m_flows[static_cast<std::size_t>(slot)];
  const Path& path = f.path();
  // Leave every resource's list (the last flow of the list takes this one's place) and mark it: the flows
  // still there may now get more.
  for (std::size_t i = 0; i < path.resources.size(); ++i) {
    const int r = path.resources[i];
    auto& on = m_on[static_cast<std::size_t>(r)];
    const int pos = f.position[i];
    const int moved = on.back();
    on[static_cast<std::size_t>(pos)] = moved;
    on.pop_back();
    if (moved != slot) {
      Flow& g = m_flows[static_cast<std::size_t>(moved)];
      const auto& res = g.resources();
      for (std::size_t j = 0; j < res.size(); ++j) {
        if (res[j] == r) {
          g.position[j] = pos;
          break;
        }
      }
    }
    if (!on.empty()) {
      mark_dirty(r, urgent);
    } else if (m_sleeps && m_on[static_cast<std::size_t>(r ^ 1)].empty()) {
      m_idle_since[static_cast<std::size_t>(r / 2)] = now;  // both directions idle from here
    }
  }
}

}  // namespace pjbit::engine::flow
