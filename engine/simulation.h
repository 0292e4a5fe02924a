// Runs a workload on a platform: elaborates the platform, turns the workload into one program per rank
// (collectives become pure schedules from workloads/), runs the SystemC kernel and gathers what happened.
// The result is plain data; power/ prices it and report/ writes it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/energy.h"
#include "engine/scheduler/result.h"
#include "platforms/optical_budget.h"
#include "platforms/spec.h"
#include "power/usage.h"
#include "workloads/spec.h"

namespace pjbit::engine {

class Recorder;

// How far a run has come: the (rank, top-level step instance) pairs that are done, of all of them.
struct Progress {
  std::uint64_t done = 0;
  std::uint64_t total = 0;
  double sim_time_s = 0.0;  // simulated time at the last one done
};

// A run of at most this many iterations keeps every step instance in SimulationResult::steps; a longer one
// keeps its first and last iteration there and sums up every step over all iterations (StepAggregate), so
// that what a run holds and reports grows with its steps, not with its iterations (docs/cli.md).
constexpr int kFullIterations = 2;

struct RunOptions {
  std::uint64_t seed = 1;
  // Keep every step instance, however many iterations (`pjbit run --steps full`).
  bool all_steps = false;
  // Records the timeline (engine/recorder.h) when set; it must outlive simulate().
  Recorder* recorder = nullptr;
  // Called from inside the simulation each time a rank finishes a top-level step instance; it must only
  // take note (it runs on the simulation's thread and must not block).
  std::function<void(const Progress&)> progress;
  // pjbit's modules call each other directly (core/direct.h); false routes every hop through the sockets.
  bool direct_calls = true;
};

// One executed step (per iteration), with nested children for `parallel`.
struct StepResult {
  std::string kind;  // collective | compute | memory | checkpoint | traffic | parallel
  std::string key;   // "steps.0"
  int iteration = 0;
  std::string op;  // collectives
  std::string algorithm;
  std::string protocol;  // collectives run by a collective library: ll | ll128 | simple; else empty
  int channels = 1;      // collectives: rings run at once (`channels:`)
  std::string cls;
  std::uint64_t size_bytes = 0;  // collectives: nccl-tests size; memory and checkpoint: per rank
  std::string pool;              // memory and checkpoint
  std::string mem_op;            // memory: read | write
  double deadline_s = 0.0;       // checkpoint
  double held_s = 0.0;           // checkpoint deferred by the scheduler: the longest any rank held it
  std::uint64_t messages = 0;    // traffic: messages (size_bytes each)
  int ranks = 0;                 // participating ranks
  std::vector<int> group;        // which ranks, when not all of them or not in rank order (a collective's
                                 // in its listed order)
  double start_s = 0.0;
  double end_s = 0.0;
  double useful_bytes = 0.0;  // CONTRACT section 5
  double wire_bytes = 0.0;
  double dynamic_energy_j = 0.0;
  double rank_time_s = 0.0;     // summed over its ranks: the time each spent in the step
  double compute_rank_s = 0.0;  // summed over its ranks: the time each computed in the step
  std::vector<StepResult> children;
};

// Count, minimum, mean, maximum and total of a figure over the instances of a step.
struct Spread {
  std::uint64_t count = 0;
  double min = 0.0;
  double max = 0.0;
  double total = 0.0;
  void add(double v) {
    min = count == 0 ? v : std::min(min, v);
    max = count == 0 ? v : std::max(max, v);
    total += v;
    ++count;
  }
  double mean() const { return count > 0 ? total / static_cast<double>(count) : 0.0; }
};

// One step (a step key, sub-steps of parallel steps included) over every iteration of a run whose iterations
// are summed up: how long its instances took and the energy they charged.
struct StepAggregate {
  std::string key;  // "steps.1", "steps.1.parallel.0"
  std::string kind;
  std::string op;  // collectives
  std::string algorithm;
  std::string protocol;
  int channels = 1;
  Spread time_s;              // how long each instance took, from its first rank in to its last rank out
  Spread energy_j;            // dynamic energy of each instance
  double useful_bytes = 0.0;  // over all instances
  double wire_bytes = 0.0;
};

struct LinkResult {
  std::string id;  // "r0->r1"
  std::string tier;
  std::string regime;
  double bytes = 0.0;  // wire bytes
  double busy_s = 0.0;
  std::uint64_t packets = 0;
  double dynamic_j = 0.0;
  double static_w = 0.0;    // this direction's half of the link's static power
  double slept_s = 0.0;     // how long the link slept (both directions; link_sleep)
  std::uint64_t wakes = 0;  // how often it woke
  double saved_j = 0.0;     // this direction's half of the static energy the link did not draw asleep
};

// Flow control of one link direction (modules/link/flow_control.md): the ingress buffer at its far end and
// what held its sending end back.
struct FlowControlPort {
  std::string id;  // the link direction, "leaf0->spine1"
  std::string tier;
  std::uint64_t buffer_bytes = 0;
  double max_bytes = 0.0;  // the buffer's peak occupancy
  double p99_bytes = 0.0;  // at most this for 99% of arriving packets
  double paused_s = 0.0;   // the sender held back: paused (pfc) or short of credit (credit)
  std::uint64_t pause_frames = 0;
  std::uint64_t drops = 0;
  double dropped_bytes = 0.0;
  double dropped_j = 0.0;
  std::uint64_t ecn_marks = 0;
};

// The run's flow control: its totals and every port that held, paused, dropped or marked anything.
struct FlowControlResult {
  bool on = false;
  std::vector<std::pair<std::string, std::string>> modes;  // (tier, mode) of the tiers with flow control
  double max_bytes = 0.0;                                  // the largest peak of any port
  double paused_s = 0.0;                                   // summed over link directions
  std::uint64_t pause_frames = 0;
  std::uint64_t drops = 0;
  double dropped_bytes = 0.0;
  double dropped_j = 0.0;  // energy spent on packets that were dropped
  std::uint64_t ecn_marks = 0;
  std::uint64_t retransmitted_packets = 0;
  double retransmitted_bytes = 0.0;
  std::vector<FlowControlPort> ports;
};

// Where ranks' time went, the mean over ranks of the whole run: computing (a compute step running), exposed
// communication (no compute running and a collective, traffic or memory step open, split evenly between the
// parallelism dimensions of the steps open: Step::dim, "other" for steps that name none), and neither
// (waiting: on a pipeline's dependencies, a straggler, or nothing left to do before the run ends).
struct TimeSplit {
  static constexpr int kDims = 6;
  static constexpr const char* kDimNames[kDims] = {"tp", "pp", "dp", "ep", "cp", "other"};
  double compute_s = 0.0;
  double exposed_s[kDims] = {};
  double idle_s = 0.0;
  // The index of a step's dim in kDimNames (the last, "other", for a step naming none).
  static int index_of(const std::string& dim);
};

// An inference service's figures (ServingSpec): per request, time to first token (arrival to the end of
// its prefill) and time per output token ((last token - first token) / (output tokens - 1)), percentiles over
// the requests; output tokens per second over the run; its KV transfers.
struct ServingResult {
  int requests = 0;
  double ttft_p50_s = 0.0, ttft_p99_s = 0.0, ttft_mean_s = 0.0;
  double tpot_p50_s = 0.0, tpot_p99_s = 0.0, tpot_mean_s = 0.0;
  double tokens_per_s = 0.0;  // output tokens / sim_time_s
  std::uint64_t output_tokens = 0;
  double kv_bytes = 0.0;            // moved from prefill to decode groups
  double kv_transfer_mean_s = 0.0;  // from the end of a prefill to its KV cache's last byte
  double kv_transfer_max_s = 0.0;
  int prefill_batches = 0, decode_iterations = 0;
  double decode_batch_mean = 0.0;  // active requests per decode iteration
};

// What a fault (platforms::FaultSpec) did in the run (engine/faults.md).
struct FaultResult {
  std::string target;
  std::string kind;  // down | lanes | ber
  double at_s = 0.0;
  double until_s = -1.0;  // at + for; < 0: forever
  int links = 0;          // links it took down or degraded
  bool occurred = false;  // it began before the run ended
  double rerouted_bytes = 0.0;
  double time_lost_s = 0.0;
  double energy_j = 0.0;
  double retransmitted_bytes = 0.0;
};

// A restart of the job after faults cut rank pairs off for good (workloads::JobSpec::restart_on_fault,
// engine/restart.md).
struct RestartResult {
  double at_s = 0.0;              // the cut: when the job stopped
  std::string cause;              // the faults down then, as the error without a restart names them
  std::string checkpoint;         // the checkpoint step it resumed after ("steps.3"); empty: from the start
  int checkpoint_iteration = 0;   // that checkpoint's iteration
  double checkpoint_end_s = 0.0;  // when that checkpoint ended (0 without one)
  double lost_s = 0.0;            // the work lost: at_s - checkpoint_end_s
  double downtime_s = 0.0;        // from the cut to the restart: job.restart, and without spares the repair
  double resumed_s = 0.0;         // at_s + downtime_s: when the first step after the checkpoint began again
  bool spares = true;             // the failed parts were swapped for spares (else repaired)
};

struct SimulationResult {
  std::string platform_name;
  std::string workload_name;
  int ranks = 0;
  double sim_time_s = 0.0;
  double useful_bytes = 0.0;
  double wire_bytes = 0.0;
  std::vector<double> compute_time_s;  // per rank
  std::vector<double> end_time_s;      // per rank: when its last step ended
  TimeSplit time_split;
  bool serving_on = false;
  ServingResult serving;
  // Every top-level step instance, in order; or, when the iterations are summed up (kFullIterations), those
  // of the iterations in kept_iterations (the first and the last), with step_aggregates over all iterations
  // in the order the steps appear in the workload (a parallel step's sub-steps after it).
  std::vector<StepResult> steps;
  bool steps_summed_up = false;
  std::vector<int> kept_iterations;
  std::vector<StepAggregate> step_aggregates;
  std::vector<LinkResult> links;
  std::vector<platforms::OpticalPath> optics;  // each kind of optical path's budget and margin
  FlowControlResult flow_control;              // on only when a tier has flow control
  double hbm_bytes = 0.0;                      // accelerator HBM traffic (collectives' buffers, compute)
  std::uint64_t transactions = 0;              // packets injected
  std::uint64_t packet_hops = 0;               // packets serialized onto a link
  std::string engine = "packet";
  scheduler::SchedulerResult scheduler;  // reconfigurations, decisions, per-class traffic
  std::vector<FaultResult> faults;       // the platform's faults, in the order given
  std::vector<RestartResult> restarts;   // the job's restarts after cuts, in order
  power::Usage usage;  // what power/ prices: every node and link with what it spent, and the run's facts
};

// The transport a platform's run uses: "packet" or "flow". engine: auto takes packets up to 64 ranks and
// flows above; with a workload, also flows where its packets would be more than the packet engine runs in
// about a quarter of a minute (docs/engines.md).
std::string chosen_engine(const platforms::PlatformSpec& platform);
std::string chosen_engine(const platforms::PlatformSpec& platform, const workloads::WorkloadSpec& workload);
// The packets a workload's steps inject, all iterations: every collective's nccl-tests useful bytes (CONTRACT
// section 5), memory steps' bytes per rank and traffic's messages, in packets of the platform's size. An
// estimate for engine: auto, not a count (an algorithm may move more or fewer bytes than its useful ones).
double estimated_packets(const platforms::PlatformSpec& platform, const workloads::WorkloadSpec& workload);

// The algorithm a collective step gets when it names none (documented in docs/collectives.md).
std::string default_algorithm(const platforms::PlatformSpec& platform, workloads::Op op);
// The algorithm `auto` (a step that names none) runs: the topology's default for its op, except that with a
// collective library an all_reduce on one reducing switch runs what the library's tuner picks for its size
// (nvls or ring).
std::string default_algorithm(const platforms::PlatformSpec& platform, const workloads::CollectiveStep& c);
// The channels a collective step runs: its own `channels:`, or with `auto` the default's: with a collective
// library on a tiered platform, one rail ring per rank of an inner domain (ring-shaped ops); else 1.
int channels_of(const platforms::PlatformSpec& platform, const workloads::CollectiveStep& c);
// The same for a step whose algorithm is known to be `algorithm` (algorithm_of), without choosing it again.
int channels_of(const platforms::PlatformSpec& platform, const workloads::CollectiveStep& c,
                const std::string& algorithm);
// The algorithm a collective step runs: its own, or the platform's default for its op and group (a subset of
// a torus gets bidir_ring instead of torus_ring). The step's ranks must exist on the platform.
std::string algorithm_of(const platforms::PlatformSpec& platform, const workloads::CollectiveStep& c);

// Checks what only the engine knows of a platform: that scheduler.policy names a registered policy. Throws
// core::InputError naming the platform file, line and key.
void validate_platform(const platforms::PlatformSpec& platform);

// Checks that the workload can run on the platform (rank ids, group sizes, algorithms that support the op
// and accept the group); throws core::InputError naming the workload file, line and key.
void validate(const platforms::PlatformSpec& platform, const workloads::WorkloadSpec& workload);

// Elaborates, simulates and gathers. Must be called once per SystemC context. Throws core::InputError for
// inputs that cannot run and core::SimulationError when the simulation fails (deadlock).
SimulationResult simulate(const platforms::PlatformSpec& platform, const workloads::WorkloadSpec& workload,
                          const RunOptions& options = {});

}  // namespace pjbit::engine
