// Chakra execution traces (CONTRACT section 8; workloads/chakra/chakra.md): reading a trace of one file per
// rank into a WorkloadSpec, and writing a WorkloadSpec as such a trace. Protobuf stays inside this folder:
// nothing here names one of its types. Throws core::InputError.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "workloads/spec.h"

namespace pjbit::workloads::chakra {

// How a trace is read.
struct Options {
  int ranks = 0;     // the rank files to read, 0 to ranks-1; 0: every consecutive file from PREFIX.0.et on
  std::string pool;  // the memory pool that MEM_LOAD and MEM_STORE nodes use; empty: the rank's own HBM
};

// The file of rank `rank`: PREFIX.<rank>.et.
std::string rank_file(const std::string& prefix, int rank);

// Whether `path` names a trace rather than a workload file: it does not end in .yaml or .yml, and
// PATH.0.et exists.
bool is_trace_prefix(const std::string& path);

// Reads PREFIX.0.et, PREFIX.1.et, ... as one workload: a dependency graph (WorkloadSpec::graph) named after
// the prefix's last path component, with trace_ranks set to the number of files.
WorkloadSpec load_trace(const std::string& prefix, const Options& options = {});

// One rank's file in memory: the name messages give it, and its bytes (plain or gzip-compressed).
struct TraceFile {
  std::string name;
  std::string bytes;
};

// The same from files in memory (files[r] is rank r's), for tests and fuzzing.
WorkloadSpec read_trace(const std::vector<TraceFile>& files, const std::string& name,
                        const Options& options = {});

// How a workload is written.
struct ExportOptions {
  int ranks = 0;           // the trace's ranks: one file each; a step of "all" ranks spans these
  bool unroll = false;     // write every iteration out, rather than once with the count in the metadata
  std::uint64_t seed = 1;  // the run seed that random traffic pairs are drawn with, as `pjbit run --seed`
};

// `spec` as a trace: the bytes of each rank's file, rank 0 first. Throws InputError for a step the trace
// cannot hold (a rank beyond options.ranks, say).
std::vector<std::string> write_trace(const WorkloadSpec& spec, const ExportOptions& options);

// Throws InputError when a trace has more rank files than the platform has ranks; nothing for a workload
// that is not a trace.
void check_platform_ranks(const WorkloadSpec& spec, int platform_ranks);

}  // namespace pjbit::workloads::chakra
