// The workload as plain, validated data. Built by workloads/loader from YAML.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/errors.h"

namespace pjbit::workloads {

enum class Op { AllReduce, AllGather, ReduceScatter, AllToAll, Broadcast };

// Transport classes, highest priority first (CONTRACT section 4, scheduler.priorities).
enum class TransportClass : std::uint8_t { LatencyCritical = 0, Control = 1, Collective = 2, RemoteMemory = 3, Bulk = 4 };
inline constexpr int kNumClasses = 5;

const char* op_name(Op op);
const char* class_name(TransportClass c);

struct CollectiveStep {
  Op op = Op::AllReduce;
  std::uint64_t size_bytes = 0;      // nccl-tests convention (CONTRACT section 5)
  std::string algorithm;             // empty: the default for the topology, resolved by the builder
  std::vector<int> ranks;            // empty: all ranks; otherwise sorted, unique rank ids
  TransportClass cls = TransportClass::Collective;
};

struct ComputeStep {
  double duration_s = 0.0;           // when given as a duration
  double work_flop = 0.0;            // when given as work: duration = work / compute rate
  bool has_work = false;
  std::vector<int> ranks;            // empty: all ranks
};

struct Step {
  enum class Kind { Collective, Compute, Parallel };
  Kind kind = Kind::Compute;
  CollectiveStep collective;
  ComputeStep compute;
  std::vector<Step> children;        // Parallel
  core::SourceLoc loc;               // where the step starts in the workload file
  std::string key;                   // its key path, e.g. "steps.0"
};

struct WorkloadSpec {
  std::string name;
  std::string file;
  int iterations = 1;
  std::vector<Step> steps;
};

}  // namespace pjbit::workloads
