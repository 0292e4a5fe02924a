// The engine's inside, shared by its chapters (validate.cpp, program.cpp, gather.cpp, simulation.cpp): what
// the engine knows of a platform before elaborating it (Facts), a workload's steps made into per-endpoint
// programs (Instance, Part), the phase machines that play a collective's phases on an endpoint, and the
// Runner that elaborates, runs the kernel and gathers. Not part of the library's interface.
#pragma once

#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/event_queue.h"
#include "core/span.h"
#include "core/time.h"
#include "engine/comm.h"
#include "engine/scheduler/scheduler.h"
#include "engine/simulation.h"
#include "platforms/faults.h"
#include "platforms/platform.h"
#include "platforms/routing.h"
#include "platforms/topology.h"
#include "power/usage.h"
#include "workloads/i_collective.h"
#include "workloads/traffic.h"

namespace pjbit::engine {

class Recorder;
namespace flow {
class FlowNetwork;
}

namespace detail {

using workloads::Op;
using workloads::Phase;
using workloads::Step;

// What a rank sends a pool to ask for a read.
constexpr std::uint64_t kReadRequestBytes = 64;

// Every rank of an n-rank platform, in order.
std::vector<int> all_ranks(int n);

// What the engine needs of a platform before any module exists: its topology, for routing checks.
struct Facts {
  const platforms::PlatformSpec& spec;
  std::shared_ptr<const platforms::Topology> topo_shared;  // the run's platform is built over it too
  const platforms::Topology& topo;
  platforms::Router router;
  workloads::TopologyFacts collective;
  std::vector<platforms::ResolvedFault> faults;  // the platform's faults, their targets found
  // Plans made while validating, kept for the run (a built schedule can be large: make it once).
  std::map<const Step*, std::shared_ptr<const workloads::SchedulePlan>> plans;
  explicit Facts(const platforms::PlatformSpec& s)
      : spec(s),
        topo_shared(std::make_shared<const platforms::Topology>(platforms::make_topology(s))),
        topo(*topo_shared),
        router(topo),
        faults(platforms::resolve_faults(s, topo)) {
    collective.inner_domain = s.tiers.size() > 1 ? s.domain_size(0) : 0;
    if (s.tiers.size() == 1 && s.tiers[0].kind == "torus") collective.torus_dims = s.tiers[0].dims;
  }
};

// A parallel step's sub-steps run in a SystemC thread each, on every endpoint taking part, while that makes
// at most this many threads; beyond, the sub-steps a Detached can run go without a thread (see Detached).
// Every thread has a stack of its own, and every stack is two of the process's memory mappings (the stack
// and the guard page below it), of which Linux allows 65,530 by default (vm.max_map_count).
constexpr long long kMaxSubStepThreads = 4096;
// The memory mappings a SystemC thread takes: its stack, and the guard page that splits it off.
constexpr long long kMapsPerThread = 2;
// Memory mappings kept for everything else (the program, its libraries, large allocations) when working out
// how many threads fit under the kernel's limit.
constexpr long long kOtherMaps = 1024;
// The threads that fit in `max_map_count` memory mappings (the kernel's limit).
constexpr long long threads_within(long long max_map_count) {
  return max_map_count > kOtherMaps ? (max_map_count - kOtherMaps) / kMapsPerThread : 0;
}
// The kernel's limit on a process's memory mappings (/proc/sys/vm/max_map_count; its default, 65,530, where
// it cannot be read).
long long max_map_count();

// Whether a Detached can run `step`: a compute step, a collective, traffic, or a parallel step of only those.
bool detachable(const Step& step);
// Whether every endpoint's program runs without a SystemC thread (ProgramMachine): each top-level step is a
// collective or a parallel step whose sub-steps all run detached (detaches_sub_steps); the workload is no
// dependency graph and no inference service; and the platform has no optical circuit switch, between whose
// reconfigurations the scheduler holds endpoints. Otherwise each endpoint's program is a thread, and
// check_threads has made sure the process can have that many.
bool runs_without_threads(const Facts& f, const workloads::WorkloadSpec& workload);
// Why the endpoints' programs need threads, to complete "each running its program in a thread since ...";
// empty when they do not (runs_without_threads).
std::string threads_needed_for(const Facts& f, const workloads::WorkloadSpec& workload);
// The endpoints that take part in an instance of `step`, at most (ranks, and the pool or reduction engine).
long long endpoints_of(const Facts& f, const Step& step);
// Whether the sub-steps of parallel step `step` that can run without a thread do (kMaxSubStepThreads).
bool detaches_sub_steps(const Facts& f, const Step& step);
// The SystemC threads an instance of `step` spawns at once, beyond the endpoints' own programs.
long long threads_of(const Facts& f, const Step& step);

// The reduction engine that serves `ranks` (of one reduction slot, ICollective::reduction_groups): that of
// the switch the ranks share, on the innermost tier that joins them all (on an outer tier, the switch where
// their routes meet); -1 with an explanation in `why` when there is none.
int reducer_for(Facts& f, const std::vector<int>& ranks, std::string* why);
// The reduction engines of `algo`'s slots over `group` (empty for an algorithm that reduces in no switch);
// throws core::InputError at `step` naming the slot without one.
std::vector<int> reducers_for(Facts& f, const workloads::ICollective& algo, const std::vector<int>& group,
                              const Step& step);
// Checks one step (and its children) against the platform; throws core::InputError naming the step's key.
void validate_step(Facts& f, const Step& step);
// Checks that what `step` keeps resident fits in each rank's HBM (engine/capacity.md); throws
// core::InputError naming the step.
void check_capacity(const Facts& f, const Step& step);
// Checks every step, and what the workload needs of the run as a whole (threads); throws core::InputError.
void validate_workload(Facts& f, const workloads::WorkloadSpec& workload);

// What one endpoint does in a step: phase `index` of a plan, or phases of its own (pools, reducers, and an
// empty list for compute and parallel steps); nothing when neither is set.
// With a lane (>= 0), only that lane of the plan (SchedulePlan::lanes).
struct Part {
  const workloads::SchedulePlan* plan = nullptr;
  int index = 0;
  const std::vector<Phase>* own = nullptr;
  int lane = -1;
  bool active() const { return plan != nullptr || own != nullptr; }
  int phases() const { return plan != nullptr ? plan->phases(index) : static_cast<int>(own->size()); }
  const Phase& phase(int k, Phase& scratch) const {
    if (plan == nullptr) return (*own)[static_cast<std::size_t>(k)];
    return lane < 0 ? plan->phase(index, k, scratch) : plan->lane_phase(index, lane, k, scratch);
  }
};

// What the endpoints that take part in an instance do, kept by endpoint: an instance of a step over a few
// ranks holds a few parts however many endpoints the platform has.
class Parts {
 public:
  // While the instance is made: a new part for `endpoint` (given once per endpoint; a later one replaces an
  // earlier). The reference lasts until the next set().
  Part& set(int endpoint);
  // Once made: sorts the parts by endpoint for at().
  void seal();
  // The part of `endpoint`, inactive when it takes no part.
  const Part& at(int endpoint) const;
  // The endpoints that take part, ascending (after seal()).
  const std::vector<int>& endpoints() const { return m_endpoints; }

 private:
  std::vector<int> m_endpoints;
  std::vector<Part> m_parts;  // m_parts[i] is m_endpoints[i]'s
};

// One step of one iteration, with what each endpoint does in it.
struct Instance {
  const Step* step = nullptr;
  int iteration = 0;
  std::uint64_t id = 0;
  std::vector<int> group;                               // participating ranks
  Parts parts;                                          // of the endpoints that take part
  std::shared_ptr<const workloads::SchedulePlan> plan;  // shared by iterations
  std::vector<std::vector<Phase>> own;                  // phases made for this step (pools, reducers)
  std::string algorithm;
  CommCosts comm;               // collective: what the collective library adds (engine/comm.h)
  int channels = 1;             // collective: rings run at once (channels_of)
  double duration_s = 0.0;      // compute
  std::uint64_t hbm_bytes = 0;  // compute: HBM traffic per rank
  int pool = -1;                // memory: the pool's endpoint id
  std::vector<int> reducers;    // collective reducing in switches: per slot, its reduction engine's endpoint
  // The endpoint a transfer's peer names: a rank, or a reduction slot's engine (workloads::in_network_peer).
  int peer_of(int peer) const {
    return peer >= 0 ? peer : reducers[static_cast<std::size_t>(workloads::in_network_slot(peer))];
  }
  double pool_latency_s = 0.0;
  std::vector<std::unique_ptr<Instance>> children;
  bool detach = false;                              // parallel: detaches_sub_steps
  std::vector<workloads::TrafficMessage> messages;  // traffic
  // Gathered while running.
  core::Tick start = std::numeric_limits<core::Tick>::max();
  core::Tick end = 0;
  core::Tick rank_ticks = 0;    // summed over ranks: time in the step
  double compute_rank_s = 0.0;  // summed over ranks: time computing in the step
  core::Tick held = 0;          // a deferred checkpoint: the longest a rank held it
  core::StepTally tally;
  // A pipeline message (traffic of dim "pp", Runner::clock): the senders that have entered, and the
  // receivers that entered before their sender, whose wait is the pipeline's bubble until it does.
  std::vector<int> stage_senders, stage_waiting;
  bool participates(int endpoint) const { return parts.at(endpoint).active(); }
};

class Runner;

// One endpoint's phases of one step, advanced by completions. A phase posts every send and receive at once
// (receives from one peer added up) and reserves the HBM traffic it implies; it ends when all of them have
// completed and the HBM is done, and the next phase starts at that instant.
//
// A rank running a collective library's ring or tree buffers its sends, as the library's steps do (NCCL: 8
// slots a channel): a phase ends when its receives have arrived, and the machine finishes once every send
// has been delivered too; each send goes out the step's latency (CommCosts::hop) after it is posted, and
// what is undelivered is bounded by the library's buffer. A part split into lanes (Lanes) runs one machine
// per lane, each held to its share of the rank's rate caps.
class PhaseMachine final : public accelerator::CompletionListener {
 public:
  // With `finished`, the machine tells it when the last phase has completed (from the process that completed
  // it) instead of waking a thread blocked in wait(). `lanes`: how many machines share the rank's part (its
  // own is part.lane).
  PhaseMachine(Runner& runner, Instance& inst, accelerator::Accelerator& acc, const Part& part, bool is_rank,
               accelerator::CompletionListener* finished = nullptr, int lanes = 1);
  // Posts phases until one is outstanding (or none is left).
  void run();
  // Blocks the calling thread until the last phase has completed.
  void wait() {
    while (!m_finished)
      m_finished_event.wait();
  }
  // The HBM this phase waited for is done, or the latency before posting the phase is over.
  void resume();
  void completed() override;
  // The buffered sends whose hop is over go out.
  void release_sends();
  // The last phase has completed and every send been delivered.
  bool finished() const { return m_finished; }

 private:
  // Arms the release timer for the earliest pending send, unless one is armed for then or earlier.
  void arm_release();
  // The phase's transfers are done; when its HBM traffic is not, schedules resume() for then (true).
  bool waits_for_hbm();
  // With a collective library, whether the rank waits before posting phase m_k: for its buffer to drain or
  // for the library's latency (it then schedules what goes on).
  bool library_holds();
  // Posts `ph`'s sends as the library sends them (line format, buffered with their hops) and returns the
  // least time the library's rate caps let the phase take.
  double post_library_sends(const Phase& ph, std::uint64_t tag, std::uint64_t& hbm);
  // Generates phase m_k and posts it.
  void post_next();
  // Posts `ph`, summing receives from one peer in `sums` when it has to.
  void post(const Phase& ph, std::vector<std::pair<int, std::uint64_t>>& sums);
  template <bool kComm>  // kComm: the step's costs name a collective library (inst.comm.on)
  void post_phase(const Phase& ph, std::vector<std::pair<int, std::uint64_t>>& sums);
  // The library's latency before posting phase m_k.
  core::Tick delay_before_phase() const;
  // The last phase is over and every send delivered: tells the listener or wakes the waiting thread.
  void finish();
  // Every buffered send has been delivered.
  void sends_delivered();

  struct SendsListener final : accelerator::CompletionListener {
    explicit SendsListener(PhaseMachine* m) : machine(m) {}
    void completed() override { machine->sends_delivered(); }
    PhaseMachine* machine;
  };

  Runner& m_runner;
  Instance& m_inst;
  accelerator::Accelerator& m_acc;
  Part m_part;
  // What every phase reads, together in the object's second cache line (the first holds the references and
  // the part): a rank's machine is touched once a phase, among thousands of others, so each further line it
  // reads is a cache miss a phase.
  bool m_is_rank;
  std::uint8_t m_cls;
  bool m_library = false;  // a rank whose accelerator runs a collective library (inst.comm.on)
  // Buffered: sends are buffered, a phase waits for its receives only, and each send goes out a hop after it
  // is posted (the library's per-step latency, in flight rather than holding the rank).
  bool m_buffered = false;
  int m_k = 0;
  int m_count;
  bool m_posting = false;
  bool m_finished = false;
  // The collective library's latency before phase m_k has been waited for (set when its timer is pushed,
  // cleared when the phase is posted): resume() then posts phase m_k rather than moving on.
  bool m_delayed = false;
  bool m_received_nothing = false;  // buffered: the last phase posted no receive (then the next waits)
  std::uint64_t m_tag = 0;          // the tags of its transfers, less the phase: the instance and the lane
  // When the phase's HBM traffic, and the library's rate caps on what it sends, let it end.
  core::Tick m_hbm_done = 0;
  accelerator::Completion m_done{this};
  accelerator::WakeEvent m_finished_event;
  accelerator::CompletionListener* m_finished_listener;
  int m_lanes;
  // Buffered: line-format bytes sent since every send was last delivered; past the library's buffer, the
  // next phase waits until they are (m_draining), as a sender waits for its buffer's slots to free.
  double m_inflight = 0.0;
  bool m_draining = false;
  struct Pending {
    core::Tick at;
    int peer;
    std::uint64_t bytes;
    std::uint64_t tag;
  };
  // Buffered sends waiting out their hop, in posting order, from m_pending_head on (a vector, unlike a
  // deque, allocates nothing in the machines of steps without a library).
  std::vector<Pending> m_pending;
  std::size_t m_pending_head = 0;
  static constexpr core::Tick kNoRelease = std::numeric_limits<core::Tick>::max();
  core::Tick m_release_at = kNoRelease;  // when the armed release timer fires (kNoRelease: none armed)
  SendsListener m_sends_listener{this};
  accelerator::Completion m_sent{&m_sends_listener};  // buffered sends not yet delivered
};

// One endpoint's part of a step split into lanes (SchedulePlan::lanes), one phase machine each, finished when
// the last lane is: a collective library runs each ring of several channels at its own pace, so one channel's
// network crossing does not hold up the others' steps.
class Lanes final : public accelerator::CompletionListener {
 public:
  Lanes(Runner& runner, Instance& inst, accelerator::Accelerator& acc, const Part& part, bool is_rank,
        int lanes, accelerator::CompletionListener* finished = nullptr);
  void run();
  void wait() {
    while (m_left > 0)
      m_finished_event.wait();
  }
  void completed() override;  // a lane has finished
  bool finished() const { return m_left == 0; }

 private:
  std::vector<std::unique_ptr<PhaseMachine>> m_machines;
  std::size_t m_left;
  accelerator::WakeEvent m_finished_event;
  accelerator::CompletionListener* m_finished_listener;
};

// How many lanes `part` runs in: the plan's, for a rank's part of a collective its library runs as rings of
// several channels; else 1.
int lanes_of(const Instance& inst, const Part& part, bool is_rank);

class Detached;

// What plays a collective or a parallel step without a SystemC thread of its own (Detached, ProgramMachine):
// the collective's phase machine or its lanes, or the parallel step's sub-steps, each detached.
struct StepPlayers {
  StepPlayers();
  ~StepPlayers();  // in program.cpp, where Detached is complete
  // Starts collective `inst`'s `part` (its phase machine, or its lanes), `finished` told when it finishes;
  // whether it has finished already.
  bool collective(Runner& runner, Instance& inst, accelerator::Accelerator& acc, const Part& part,
                  bool is_rank, accelerator::CompletionListener* finished);
  // Starts each sub-step of parallel step `inst` that `acc` takes part in, one operation of `open` each (held
  // open while they start, so that one that ends at once cannot complete it early).
  void children(Runner& runner, Instance& inst, accelerator::Accelerator& acc, accelerator::Completion& open);
  // The step is over: its players go.
  void clear();

  std::unique_ptr<PhaseMachine> machine;             // collective
  std::unique_ptr<Lanes> lanes;                      // collective in lanes
  std::vector<std::unique_ptr<Detached>> sub_steps;  // parallel
};

// One endpoint's run of a step without a SystemC thread of its own: a compute step (its end is a timer), a
// collective (its phase machine is driven by completions), traffic (its later sends are timers) or a parallel
// step made only of those; a sub-step of a parallel step, or a step of a dependency graph (GraphWalk). A
// thread per sub-step and endpoint would need a stack each: 8,000 compute sub-steps on 8 ranks are 64,000
// stacks, past the kernel's limit on a process's memory mappings. start() does what execute() does on
// entering the step; when the step has ended the run does what execute() does on leaving it and completes one
// operation of its parent's Completion.
class Detached final : public accelerator::CompletionListener {
 public:
  Detached(Runner& runner, Instance& inst, accelerator::Accelerator& acc, accelerator::Completion& parent)
      : m_runner(runner), m_inst(inst), m_acc(acc), m_parent(parent) {}
  void start();
  // The compute time is over (the runner's timer).
  void compute_done();
  // The phase machine, the children or the traffic have all completed.
  void completed() override;
  // Traffic: posts the sends that are due, and arms the timer for the next (the runner's timer calls it).
  void send_due();

 private:
  void ended();

  Runner& m_runner;
  Instance& m_inst;
  accelerator::Accelerator& m_acc;
  accelerator::Completion& m_parent;
  core::Tick m_entered = 0;
  StepPlayers m_players;
  accelerator::Completion m_open{this};  // parallel: children still running; traffic: transfers
  std::size_t m_next_send = 0;           // traffic: the next of the messages to look at
};

// One endpoint's walk of a dependency-graph workload (WorkloadSpec::graph), from its program's thread. Each
// iteration is walked in segments (a step at which the scheduler may hold endpoints starts a new one, as
// does the next iteration); a segment's steps the endpoint takes part in start as soon as the endpoint has
// left every step of their `after` in the segment, without a thread where Detached can run them, and the
// walk waits until all have been left. A rank computes one step at a time (a GPU's kernels share its
// cores): a compute step that is ready while another computes waits for it, in the order they became ready.
class GraphWalk {
 public:
  GraphWalk(Runner& runner, accelerator::Accelerator& acc, int endpoint);
  // Walks every iteration, blocking the calling thread (the endpoint's program) until the last step is left.
  void run();

 private:
  // A started step, told when it has been left.
  struct Running final : accelerator::CompletionListener {
    Running(GraphWalk& w, std::size_t s) : walk(w), step(s) {}
    void completed() override { walk.left(step); }
    GraphWalk& walk;
    std::size_t step;  // its index in the workload
    accelerator::Completion done{this};
    std::unique_ptr<Detached> detached;
  };
  // Step `s` of the segment has no step left to wait for: starts it, or queues it behind the compute.
  void ready(std::size_t s);
  void start(std::size_t s);
  // Step `s` has been left (from whichever process ended it).
  void left(std::size_t s);
  // From the walk's thread: gives back the steps left since (their instances and objects) and starts what
  // waited for them.
  void reap();

  Runner& m_runner;
  accelerator::Accelerator& m_acc;
  int m_endpoint;
  std::size_t m_base = 0;              // the top-level index of the iteration's first step
  std::size_t m_begin = 0, m_end = 0;  // the segment, as indices into the workload's steps
  core::Span<int> m_mine;              // the steps of the workload the endpoint may take part in
  std::size_t m_first = 0;             // the segment's first among them
  std::vector<int> m_waiting;          // per step of the segment it takes part in: its `after` not yet left
  std::size_t m_todo = 0;              // steps of the segment not yet left
  std::map<std::size_t, std::unique_ptr<Running>> m_running;
  std::vector<std::size_t> m_left;          // steps left, not yet reaped
  std::deque<std::size_t> m_compute_queue;  // ready compute steps waiting for the rank's compute
  bool m_computing = false;
  accelerator::WakeEvent m_wake;
};

// One endpoint's program without a SystemC thread (runs_without_threads): the top-level steps one after
// another, each played as Runner::execute plays it on the program's thread (a collective's phase machine or
// lanes, a parallel step's Detached sub-steps), and the program going on where its thread would have: when
// the thread would have waited for a step's end, the dispatcher resumes the program in the next delta cycle
// after that end, in the order the kernel would have woken the threads (core::Dispatcher::resume_next_delta).
// So every instant's events happen in the order the threads gave them, and the run is the same, without a
// stack per endpoint.
class ProgramMachine final : public core::Resumable, public accelerator::CompletionListener {
 public:
  ProgramMachine(Runner& runner, accelerator::Accelerator& acc, int endpoint);
  // From the dispatcher: at time 0, the program starts; later, the step it waited for is over.
  void resume() override;
  // The step's phase machine (or lanes) has finished, or a parallel step's sub-steps have all ended.
  void completed() override;

 private:
  // Runs steps from m_index on until one has to wait, or the program is over.
  void run();
  // Enters top-level instance m_index's step (if it is the endpoint's) and starts it; true when the program
  // must wait for it.
  bool start(Instance& inst);
  // The step is over: its objects go, the endpoint leaves it, and the program moves past it.
  void end_step();
  // The program waits for completed() (returns true).
  bool wait_for_completion();

  Runner& m_runner;
  accelerator::Accelerator& m_acc;
  core::Dispatcher& m_dispatcher;
  int m_endpoint;
  bool m_is_rank;
  bool m_begun = false;
  bool m_entered = false;       // the step was entered (it is the endpoint's): it is left when it ends
  bool m_waiting = false;       // completed() resumes the program
  bool m_waiting_over = false;  // the step waited for has ended: resume() goes on
  std::size_t m_index = 0;      // the top-level instance it is in
  Instance* m_inst = nullptr;
  core::Tick m_entered_at = 0;
  StepPlayers m_players;
  accelerator::Completion m_ops{this};  // parallel: sub-steps not yet ended
};

// An inference service's run (WorkloadSpec::serving; engine/serving.md): the first rank of each prefill group
// runs a prefill server, that of each decode group a decode server with continuous batching; the servers
// run their groups' tensor-parallel all-reduces through the engine's collectives and move KV caches through
// the fabric, and every other rank's program ends at once.
class Serving {
 public:
  Serving(Runner& runner, platforms::Platform& platform);
  ~Serving();
  // Endpoint `endpoint`'s program: its group's server when it leads one, else nothing.
  void program(int endpoint);
  ServingResult result(double sim_time_s) const;
  // The service's useful bytes: every all-reduce's (CONTRACT section 5) and every KV cache's.
  double useful_bytes() const { return m_useful_bytes + m_kv_bytes; }

 private:
  struct Request {
    core::Tick arrival = 0, first_token = 0, kv_done = 0, last_token = 0;
    int prompt = 0, output = 0, generated = 0;
  };
  struct Decoder {
    std::deque<int> joining;  // requests whose KV cache has arrived, waiting for the next iteration
    int load = 0;             // requests active or on their way
    accelerator::WakeEvent wake;
  };
  // A request's KV cache on its way to a decode group.
  struct KvMove final : accelerator::CompletionListener {
    KvMove(Serving& s, int r, int d) : serving(s), request(r), to(d) {}
    void completed() override;
    Serving& serving;
    int request, to;
    accelerator::Completion done{this};
  };
  void prefill_server(int g);
  void decode_server(int g);
  // `flops` and HBM `bytes` of the whole model's pass, split over the group's ranks; blocks until done.
  void compute(const std::vector<int>& group, double flops, double bytes);
  // A tensor-parallel all-reduce of `bytes` over `group`, as a collective step (one per group `key` and
  // size).
  void all_reduce(const std::vector<int>& group, int key, std::uint64_t bytes);
  // A forward pass of `flops` and `bytes` layer by layer, two all-reduces of `reduce_bytes` a layer.
  void layers(const std::vector<int>& group, int key, double flops, double bytes, std::uint64_t reduce_bytes);
  void move_kv(int request, int from);
  void finished_one();

  Runner& m_runner;
  platforms::Platform& m_platform;
  const workloads::ServingSpec& m_spec;
  std::vector<Request> m_requests;
  std::size_t m_next_request = 0;  // the first not yet taken by a prefill server
  std::size_t m_finished = 0;
  std::map<int, std::pair<bool, int>> m_leader;  // endpoint -> (prefill?, group)
  std::vector<Decoder> m_decoders;
  std::vector<std::unique_ptr<KvMove>> m_moves;
  std::map<std::pair<int, std::uint64_t>, std::unique_ptr<Step>> m_steps;
  std::uint64_t m_next_id = 1;
  double m_kv_bytes = 0.0, m_batch_sum = 0.0, m_useful_bytes = 0.0;
  int m_prefill_batches = 0, m_decode_iterations = 0;
};

// Step loads at points (x, y) >= 0, of which only those that can be the largest of a x x + b x y for some
// weights a, b >= 0 are kept: the vertices of the upper-right convex hull of the points. A run whose
// iterations are summed up gives power/ these rather than every top-level step instance (Runner::finish has
// the points), so that what it keeps grows with the shape of its loads, not with its iterations. The load
// whose x + `weight` x y is largest is kept as well, found exactly as power/ finds its peaks (the hull test
// could round it away when points lie almost on a line).
class LoadFront {
 public:
  // Instance `index` (its top-level index) with `load`, at (x, y).
  void add(std::size_t index, const power::StepLoad& load, double x, double y, double weight);
  // The loads kept, by instance index (an instance several fronts keep appears once).
  void append_to(std::map<std::size_t, power::StepLoad>& out) const;
  std::size_t size() const { return m_points.size(); }

 private:
  struct Point {
    std::size_t index;
    double x, y;
    power::StepLoad load;
  };
  // Points kept before those off the hull are dropped: between two prunings a front holds points that no
  // other dominates (both coordinates at least as large), the hull's vertices and some below it.
  static constexpr std::size_t kMaxPoints = 32;
  void prune();
  std::vector<Point> m_points;
  Point m_best{};
  double m_best_value = -1.0;
};

// Where a generated phase is written and its receives are summed while it is posted. One per run, shared by
// every machine: posting reads it at once and keeps nothing, and a buffer of each machine's own would be
// one more cold cache line per rank and phase on a large fabric. A machine that posts while another is
// posting (none does today) uses a buffer of its own instead.
struct PostScratch {
  Phase phase;
  std::vector<std::pair<int, std::uint64_t>> recvs;
  bool busy = false;
};

// What a run that faults cut short hands to the run that restarts it (engine/restart.md): the top-level
// position it resumes at, when its programs start, and the results of every instance up to its last
// checkpoint, which the restart does not run again.
struct Resume {
  std::size_t from = 0;           // the first top-level position the restart runs
  core::Tick start = 0;           // when its programs start (the cut, then the restart's downtime)
  core::Tick checkpoint_end = 0;  // when the checkpoint at `from - 1` ended (from > 0)
  std::vector<StepResult> kept;   // Runner::m_kept of the cut run, slots at positions below `from` done
  std::vector<char> kept_done;
  std::vector<StepAggregate> aggregates;  // summed up: over the instances below `from`
  double useful_bytes = 0.0;
  std::vector<LoadFront> fronts;
};

// Where a run was cut (Runner::run with a job that restarts on faults): when, why, the faults down then,
// and its last checkpoint that every earlier step had finished before.
struct Cut {
  bool on = false;
  core::Tick at = 0;
  std::string message;
  std::vector<std::size_t> faults;  // indices into the platform's faults
  bool checkpoint = false;          // there is one; else the restart runs from the first step
  std::size_t position = 0;         // the checkpoint's top-level position
  core::Tick checkpoint_end = 0;    // when its last rank left it
};

class Runner {
 public:
  Runner(const platforms::PlatformSpec& platform, const workloads::WorkloadSpec& workload, Facts& facts,
         const RunOptions& options)
      : m_spec(platform),
        m_workload(workload),
        m_facts(facts),
        m_plans(facts.plans),
        m_recorder(options.recorder),
        m_progress(options.progress),
        m_seed(options.seed),
        m_direct_calls(options.direct_calls),
        m_all_steps(options.all_steps) {}

  // Elaborates, programs, runs the kernel and gathers (simulation.cpp). A run of a job that restarts on
  // faults may end at a cut instead of failing: then cut() is set and the result holds what ran until then.
  SimulationResult run();
  // Runs only the top-level positions from `resume.from`, starting at `resume.start`, with the results of
  // those before (engine/restart.md). Before run().
  void resume(Resume resume) { m_resume = std::move(resume); }
  const Cut* cut() const { return m_cut.on ? &m_cut : nullptr; }
  // What the run that restarts this cut one resumes with (after run() returned at a cut).
  Resume resume_after_cut();

 private:
  template <typename F>
  void guard(F&& f) {
    try {
      f();
    } catch (...) {
      if (!m_failure) m_failure = std::current_exception();
      sc_core::sc_stop();
    }
  }

  // Plans the top-level step instances, the scheduler that gates them, and each endpoint's program.
  void program(platforms::Platform& platform);
  // Makes an instance of `step` in `iteration`, with id `next_id` (its sub-steps the ids after it).
  std::unique_ptr<Instance> instantiate(const Step& step, int iteration, int n, std::uint64_t& next_id);

  // Top-level step instances. Instance i is step i % S of iteration i / S (S steps); it is made when the
  // first endpoint that may take part reaches it and gathered (finish) and freed when the last has left it,
  // so that a run holds the instances its endpoints are in rather than all of them.
  Instance& acquire(std::size_t i);
  void release(std::size_t i);
  // What instance i of `inst` gives the results: kept whole (every instance, or those of the kept
  // iterations), added to its steps' aggregates and to the step loads.
  void finish(std::size_t i, const Instance& inst);
  void aggregate(const Instance& inst, const StepResult& s);
  // Instances of steps no endpoint takes part in: made and finished when the run ends.
  void finish_untaken();
  struct Live {
    std::unique_ptr<Instance> inst;
    int pending = 0;  // endpoints that may take part and have not left it yet
  };
  std::map<std::size_t, Live> m_live;
  std::map<const Step*, CommCosts> m_comm;             // per collective step: the library's costs, made once
  std::map<const Step*, std::vector<int>> m_reducers;  // per collective step: its reduction slots' engines
  std::size_t m_top_count = 0;
  // Per endpoint, the steps of the workload it may take part in, ascending: those of the endpoint e are
  // m_steps_of[m_steps_from[e] .. m_steps_from[e + 1]). Its size is the work's, not steps x endpoints.
  std::vector<std::size_t> m_steps_from;
  std::vector<int> m_steps_of;
  std::vector<int> m_takers;  // per step: the endpoints that may take part
  // The steps endpoint `e` may take part in, and where step `s` is among them (its size when it is not).
  core::Span<int> steps_of(int e) const;
  static std::size_t position(core::Span<int> steps, std::size_t s);
  // The first top-level index from `i` on at which endpoint `e` may take part (m_top_count: none).
  std::size_t next_taken(int e, std::size_t i) const;
  std::vector<std::uint64_t> m_first_id;  // per step: the id of its instance in iteration 0
  std::uint64_t m_ids_per_iteration = 0;
  // What finished instances gave.
  bool m_sum_up = false;               // iterations summed up (kFullIterations)
  std::vector<int> m_kept_iterations;  // summed up: the first and the last
  std::vector<StepResult> m_kept;      // every instance, or summed up those of the kept iterations, in order
  std::vector<char> m_kept_done;
  std::map<const Step*, std::size_t> m_aggregate_of;  // step (sub-steps too) -> index in m_aggregates
  std::vector<StepAggregate> m_aggregates;
  double m_useful_bytes = 0.0;  // summed up: over every instance
  // Summed up: the step loads power/ needs for the run's and every rack's peak (Runner::finish).
  std::vector<LoadFront> m_fronts;
  // A job that restarts on faults: which top-level positions have finished, how many from the first all
  // have, and the results as they stood when the last checkpoint all of whose predecessors had finished did
  // (Runner::finish).
  bool m_restartable = false;
  std::vector<char> m_finished;
  std::size_t m_finished_prefix = 0;
  std::size_t m_finished_last = 0;  // the latest position finished
  struct Checkpoint {
    bool valid = false;
    std::size_t position = 0;
    core::Tick end = 0;
    std::vector<StepAggregate> aggregates;
    double useful_bytes = 0.0;
    std::vector<LoadFront> fronts;
  } m_checkpoint;
  Resume m_resume;
  Cut m_cut;
  std::vector<int> m_rank_rack;  // per rank: the rack that houses it, -1 without racks
  std::vector<int> m_here;       // per rack: scratch for the ranks of one instance it houses

  // Per rank, the state its time is split by (TimeSplit): steps open by kind, since when.
  struct RankClock {
    core::Tick since = 0;
    int computing = 0;
    int open[TimeSplit::kDims] = {};  // communication steps open, by dim
    double compute_s = 0.0, idle_s = 0.0;
    double exposed_s[TimeSplit::kDims] = {};
  };
  std::vector<RankClock> m_clocks;
  // Adds the time since the rank's clock last moved to what its state was, and moves it to now; then `delta`
  // to the open count of `inst`'s kind (compute, or communication of its dim). A rank receiving a pipeline
  // message counts as idle (the bubble) until its sender enters the step.
  void clock(int rank, Instance& inst, int delta);
  void clock_to(RankClock& c, core::Tick now);

  friend class PhaseMachine;
  friend class ProgramMachine;
  friend class Detached;
  friend class GraphWalk;
  friend class Serving;
  std::unique_ptr<Serving> m_serving;  // an inference service's run
  // A dependency graph (WorkloadSpec::graph): per top-level step, the steps whose `after` names it,
  // ascending.
  std::vector<std::vector<int>> m_dependents;
  PostScratch m_post_scratch;

  void mark_all(Instance& inst);
  // An endpoint is past `count` more top-level steps: progress, for a rank.
  void stepped(int endpoint, std::size_t count = 1);

  // In-switch reduction: every rank's transfers with a reduction slot are mirrored into the phases of that
  // slot's reduction engine.
  void add_reducer_phases(Instance& inst);

  // Runs `part`'s phases for `acc`, blocking the calling thread until the last completes. The phases are
  // driven by completions, not by the thread: one wake-up per step and rank instead of one per phase.
  void run_phases(Instance& inst, accelerator::Accelerator& acc, const Part& part, bool is_rank);

  void execute(Instance& inst, accelerator::Accelerator& acc);
  // What execute() does on entering a step (returns when) and on leaving it, for a rank.
  core::Tick enter(Instance& inst, accelerator::Accelerator& acc, bool is_rank);
  void leave(Instance& inst, accelerator::Accelerator& acc, bool is_rank, core::Tick entered);
  // Runs a parallel step's sub-steps on `acc` at once, blocking the calling thread until all have ended:
  // those a Detached can run without a thread, the others in a thread each.
  void run_children(Instance& inst, accelerator::Accelerator& acc);

  void check_finished(platforms::Platform& platform);

  StepResult result_of(const Instance& inst) const;

  SimulationResult gather(platforms::Platform& platform, core::Tick end);
  // The flow engine's fault outcomes, into result.faults.
  void gather_faults(SimulationResult& result) const;
  // What power/ prices, in one walk of the module tree (gather.cpp).
  power::Usage usage_of(platforms::Platform& platform, const SimulationResult& r) const;
  // The links' flow control statistics and the endpoints' retransmissions (a platform with flow control).
  void gather_flow_control(platforms::Platform& platform, FlowControlResult& fc) const;

  const platforms::PlatformSpec& m_spec;
  const workloads::WorkloadSpec& m_workload;
  Facts& m_facts;
  int m_endpoints = 0;
  std::map<const Step*, std::shared_ptr<const workloads::SchedulePlan>>& m_plans;
  std::unique_ptr<core::EventQueue<PhaseMachine*>> m_timers;     // phases waiting for their HBM
  std::unique_ptr<core::EventQueue<PhaseMachine*>> m_releases;   // buffered sends waiting out their hop
  std::unique_ptr<core::EventQueue<Detached*>> m_compute_ends;   // detached compute steps, at their end
  std::unique_ptr<core::EventQueue<Detached*>> m_traffic_sends;  // detached traffic, at its next send
  std::vector<core::Tick> m_end;
  std::vector<char> m_done;  // per endpoint: its program has ended
  int m_done_count = 0;
  sc_core::sc_event m_all_done;  // the last program has ended
  std::exception_ptr m_failure;
  Recorder* m_recorder;  // null unless the timeline is recorded
  std::function<void(const Progress&)> m_progress;
  std::uint64_t m_progress_done = 0;
  std::uint64_t m_progress_total = 0;
  const std::vector<Phase> m_empty;
  std::uint64_t m_seed;
  bool m_direct_calls;
  bool m_all_steps;  // RunOptions::all_steps
  std::unique_ptr<scheduler::Scheduler> m_scheduler;
  std::vector<std::unique_ptr<ProgramMachine>> m_programs;  // programs without threads (runs_without_threads)
  platforms::Platform* m_platform = nullptr;                // while it runs
  std::string m_engine = "packet";                          // the transport that runs: packet | flow
  flow::FlowNetwork* m_flows = nullptr;                     // the flow transport, while a flow run lasts
};

// Runs the job again after `first`, which faults cut short, from its last checkpoint, as often as faults cut
// it (engine/restart.md); `result` is what `first` gave. Throws core::SimulationError when the job cannot
// restart (a part that is never repaired and no spares).
SimulationResult restart(const platforms::PlatformSpec& platform, const workloads::WorkloadSpec& workload,
                         const RunOptions& options, Runner& first, SimulationResult result);

// Once a phase each, on the phase machine's hot path (program.cpp): here, inline, once Runner is complete.
inline bool PhaseMachine::waits_for_hbm() {
  if (m_hbm_done <= core::now_ticks()) return false;
  m_runner.m_timers->push(m_hbm_done, this);
  return true;
}

inline void PhaseMachine::post_next() {
  PostScratch& shared = m_runner.m_post_scratch;
  if (!shared.busy) {
    shared.busy = true;
    post(m_part.phase(m_k, shared.phase), shared.recvs);
    shared.busy = false;
    return;
  }
  Phase own;
  std::vector<std::pair<int, std::uint64_t>> sums;
  post(m_part.phase(m_k, own), sums);
}

}  // namespace detail
}  // namespace pjbit::engine
