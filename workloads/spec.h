// The workload as plain, validated data. Built by workloads/loader from YAML.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.h"

namespace pjbit::workloads {

enum class Op { AllReduce, AllGather, ReduceScatter, AllToAll, Broadcast };

// Transport classes, highest priority first (CONTRACT section 4, scheduler.priorities).
enum class TransportClass : std::uint8_t {
  LatencyCritical = 0,
  Control = 1,
  Collective = 2,
  RemoteMemory = 3,
  Bulk = 4
};
inline constexpr int kNumClasses = 5;

const char* op_name(Op op);
const char* class_name(TransportClass c);

struct CollectiveStep {
  Op op = Op::AllReduce;
  std::uint64_t size_bytes = 0;  // nccl-tests convention (CONTRACT section 5)
  std::string algorithm;         // empty: the default for the topology, resolved by the builder
  std::vector<int> ranks;        // empty: all ranks; otherwise distinct rank ids in the order listed
  TransportClass cls = TransportClass::Collective;
  int channels = 1;              // rings run at once (ring, bidir_ring: ICollective::max_channels), 1 to 64
  core::SourceLoc channels_loc;  // where `channels` is given (the step's location when it is not)
  bool channels_given = false;   // whether the step gives `channels` (else the algorithm's default)
};

struct ComputeStep {
  double duration_s = 0.0;  // when given as a duration
  double work_flop = 0.0;   // when given as work: duration = work / compute rate
  bool has_work = false;
  std::uint64_t bytes = 0;  // HBM traffic: time = max(work / compute rate, bytes / HBM bandwidth)
  std::vector<int> ranks;   // empty: all ranks; otherwise distinct rank ids, sorted
};

// A memory step moves `size_bytes` per rank between each rank and a memory pool over the fabric; a
// checkpoint is a write of bulk class.
struct MemoryStep {
  bool write = false;
  std::uint64_t size_bytes = 0;  // per rank
  std::string pool;
  std::vector<int> ranks;  // empty: all ranks; otherwise distinct rank ids, sorted
  TransportClass cls = TransportClass::RemoteMemory;
  double deadline_s = 0.0;  // checkpoints: finish within this long of the step's start (0: none)
};

// Point-to-point messages (fine-grained traffic): `messages` of `size_bytes` each, the k-th issued k x
// `interval_s` after its sender entered the step, between the listed `pairs` in turn, or else between random
// pairs of `ranks` drawn from the run's seed (workloads/traffic.h).
struct TrafficStep {
  std::uint64_t size_bytes = 0;
  std::uint64_t messages = 1;
  double interval_s = 0.0;
  std::vector<int> ranks;                  // random pairs among these (empty: all ranks), sorted
  std::vector<std::pair<int, int>> pairs;  // (source, destination) in turn; empty: random pairs
  TransportClass cls = TransportClass::LatencyCritical;
};

struct Step {
  enum class Kind { Collective, Compute, Parallel, Memory, Traffic };
  Kind kind = Kind::Compute;
  CollectiveStep collective;
  ComputeStep compute;
  MemoryStep memory;  // Memory (a checkpoint is a Memory step with checkpoint = true)
  TrafficStep traffic;
  bool checkpoint = false;
  std::vector<Step> children;  // Parallel
  core::SourceLoc loc;         // where the step starts in the workload file
  std::string key;             // its key path, e.g. "steps.0"
  // A dependency-graph workload's top-level steps (WorkloadSpec::graph): the name `after` lists refer to this
  // step by (may be empty), and the indices of the earlier top-level steps it waits for.
  std::string id;
  std::vector<int> after;
  // The parallelism dimension a model-driven workload's step serves ("tp", "pp", "dp", "ep", "cp"; empty:
  // none), by which the report splits exposed communication.
  std::string dim;
};

// What a model-driven workload (a `model:` block, workloads/model/model.h) tells the report: the model, the
// tokens and model FLOPs of one optimizer step (one iteration), and the ranks it runs on.
struct ModelSummary {
  bool on = false;
  std::string name;                   // the preset's name, or "custom"
  double tokens_per_iteration = 0.0;  // global batch x sequence
  double flops_per_iteration = 0.0;   // model FLOPs: 6 x parameters x tokens plus the attention term
  double parameters = 0.0;
  double active_parameters = 0.0;
  int ranks = 0;              // tp x pp x dp x cp: ranks 0 .. ranks-1 of the platform
  bool ranks_given = false;   // the block names the ranks it uses (else: every rank of the platform)
  std::string ranks_formula;  // "tp x pp x dp x cp = 8 x 2 x 4 x 1 = 64", for messages
  core::SourceLoc loc;        // the block's parallelism (or the block)
};

// An inference service (CONTRACT section 8, `mode: inference`): requests arrive, each is prefilled by one
// tensor-parallel group of ranks, its KV cache moves to a decode group, which generates its output tokens
// with continuous batching. engine/serving.md has the timing. The model enters as per-token figures.
struct ServingSpec {
  bool on = false;
  std::vector<std::vector<int>> prefill;  // prefill groups, each the ranks of one tensor-parallel instance
  std::vector<std::vector<int>> decode;   // decode groups, likewise
  // The request process, drawn from the run's seed: `requests` arrivals, Poisson at `rate_per_s`, prompt
  // and output lengths uniform over [min, max] tokens.
  int requests = 0;
  double rate_per_s = 0.0;
  int prompt_min = 0, prompt_max = 0;
  int output_min = 0, output_max = 0;
  int max_batch = 0;           // a decode group's active requests at most (0: no limit)
  int max_prefill_tokens = 0;  // prompt tokens one prefill batch takes at most (0: one request a batch)
  // The model, whole (a group of t ranks runs 1/t of each figure on every rank).
  int layers = 0;
  std::uint64_t token_bytes = 0;    // one token's activation (hidden x bytes per element): a TP all-reduce
  double flops_per_token = 0.0;     // forward, without attention: 2 x parameters
  double attention_flops = 0.0;     // forward attention per token and token of context: 4 x layers x hidden
  double weight_bytes = 0.0;        // the weights, read once per forward pass
  double kv_bytes_per_token = 0.0;  // layers x 2 x KV heads x head size x bytes per element
  double efficiency = 1.0;          // achievable fraction of peak FLOP/s
};

// The training job a workload stands for over a long horizon (`job:`, used by `pjbit reliability`,
// docs/reliability.md): it writes a checkpoint every `checkpoint_every` of computing, which takes
// `checkpoint_time`; after an interruption it restarts from the last one, which takes `restart`. With
// `spares`, a job stopped by a failed part restarts on spare nodes at once; without, it waits for the repair.
struct JobSpec {
  double checkpoint_every_s = 1800.0;  // 30 min
  double checkpoint_time_s = 60.0;     // 1 min
  double restart_s = 600.0;            // 10 min
  bool spares = true;
  // `on_fault: restart`: when faults in a run leave rank pairs without a route, the job restarts from its
  // last checkpoint step instead of the run failing (engine/restart.md); `stop` (the default) fails it.
  bool restart_on_fault = false;
  core::SourceLoc loc;
  core::SourceLoc on_fault_loc;  // where `on_fault` is given
};

struct WorkloadSpec {
  std::string name;
  std::string file;
  int iterations = 1;
  core::SourceLoc iterations_loc;  // where iterations is given (the top of the file when it is not)
  std::vector<Step> steps;
  // How a rank orders its top-level steps. false: in the listed order, each once the rank has left the one
  // before that it takes part in. true (a dependency graph, as a Chakra trace is): a step starts on a rank
  // once the rank has left every step of its `after` that it takes part in, so independent steps overlap;
  // every `after` index is below the step's own, so the graph has no cycle. Iterations follow one another on
  // each rank either way.
  bool graph = false;
  ModelSummary model;  // a model-driven workload's (model.on)
  // A Chakra trace's rank files (workloads/chakra/chakra.h): the platform needs at least this many ranks;
  // 0 for any other workload.
  int trace_ranks = 0;
  ServingSpec serving;  // on: the workload is this service, and `steps` is empty
  JobSpec job;          // its training job over a long horizon (`job:`), defaults without one
};

}  // namespace pjbit::workloads
