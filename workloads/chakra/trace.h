// The inside of the Chakra reader and writer (workloads/chakra/chakra.h): a rank's file decoded into plain
// nodes (trace_reader.cpp), which the mapper turns into a WorkloadSpec (mapper.cpp), and the names of the
// attributes both sides read and write. No protobuf type appears here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workloads/chakra/chakra.h"

namespace pjbit::workloads::chakra::detail {

// Node types and collective types with Chakra's numbers (et_def.proto).
enum class NodeType : int {
  Invalid = 0,
  Metadata = 1,
  MemLoad = 2,
  MemStore = 3,
  Comp = 4,
  Send = 5,
  Recv = 6,
  Coll = 7
};
enum class CommType : int {
  AllReduce = 0,
  Reduce = 1,
  AllGather = 2,
  Gather = 3,
  Scatter = 4,
  Broadcast = 5,
  AllToAll = 6,
  ReduceScatter = 7,
  ReduceScatterBlock = 8,
  Barrier = 9
};
const char* node_type_name(int type);
const char* comm_type_name(int type);

// The attributes pjbit reads: Chakra's own (as its feeder and ASTRA-sim name them) ...
namespace attr {
inline constexpr std::string_view kCommType = "comm_type";
inline constexpr std::string_view kCommSize = "comm_size";
inline constexpr std::string_view kCommSrc = "comm_src";
inline constexpr std::string_view kCommDst = "comm_dst";
inline constexpr std::string_view kCommTag = "comm_tag";
inline constexpr std::string_view kPgName = "pg_name";
inline constexpr std::string_view kCommGroup = "comm_group";  // older generators' integer form of pg_name
inline constexpr std::string_view kIsCpuOp = "is_cpu_op";
inline constexpr std::string_view kNumOps = "num_ops";
inline constexpr std::string_view kTensorSize = "tensor_size";
// ... and pjbit's own, which keep what a workload says beyond Chakra's fields so that a written trace reads
// back as the same workload (chakra.md, "Writing a trace").
inline constexpr std::string_view kIterations = "pjbit.iterations";  // GlobalMetadata
inline constexpr std::string_view kAlgorithm = "pjbit.algorithm";
inline constexpr std::string_view kChannels = "pjbit.channels";
inline constexpr std::string_view kClass = "pjbit.class";
inline constexpr std::string_view kSize = "pjbit.size";
inline constexpr std::string_view kDurationS = "pjbit.duration_s";
inline constexpr std::string_view kWorkFlop = "pjbit.work_flop";
inline constexpr std::string_view kPool = "pjbit.pool";
inline constexpr std::string_view kCheckpoint = "pjbit.checkpoint";
inline constexpr std::string_view kDeadlineS = "pjbit.deadline_s";
inline constexpr std::string_view kParallel = "pjbit.parallel";
inline constexpr std::string_view kTraffic = "pjbit.traffic";
inline constexpr std::string_view kMessage = "pjbit.message";
inline constexpr std::string_view kIntervalS = "pjbit.interval_s";
inline constexpr std::string_view kDim = "pjbit.dim";
}  // namespace attr

// A process group a metadata node defines (PyTorch's "process_group:init" record): its name and its ranks in
// order; no ranks: every rank of the trace.
struct GroupDef {
  std::string name;
  std::vector<int> ranks;
};

// One node of a rank's file, with the attributes pjbit reads decoded and checked for type.
struct Node {
  std::uint64_t id = 0;
  std::string name;
  int type = 0;                     // NodeType's number (checked to be one of them)
  std::vector<std::uint64_t> deps;  // data then control dependencies, each id once
  std::size_t data_count = 0;       // how many of deps come from data_deps
  std::uint64_t duration_micros = 0;
  bool cpu_op = false;
  std::optional<std::uint64_t> num_ops, tensor_size, comm_size;
  std::optional<std::int64_t> comm_type, comm_src, comm_dst, comm_tag;
  std::optional<std::string> pg_name;
  std::vector<GroupDef> groups;  // a metadata node's process groups
  // pjbit's own attributes.
  std::optional<std::string> algorithm, cls, pool, dim, parallel, traffic;
  std::optional<std::int64_t> channels, message;
  std::optional<std::uint64_t> size;
  std::optional<double> duration_s, work_flop, deadline_s, interval_s;
  std::optional<bool> checkpoint;
};

// One rank's file.
struct RankTrace {
  std::string file;                        // as messages name it (the path, or the name given in memory)
  std::string label;                       // its last path component, for step keys
  std::optional<std::int64_t> iterations;  // pjbit.iterations of its GlobalMetadata
  // Converted from a PyTorch execution trace (its GlobalMetadata has PyTorch's pid, start_ts and finish_ts):
  // control dependencies name each operator's caller, not an order.
  bool ctrl_deps_are_callers = false;
  std::vector<Node> nodes;  // in file order
};

// Decodes one rank's file (`bytes`, plain or gzip). Throws InputError naming `file`, and the message or node
// and field where there is one.
RankTrace parse_rank(const std::string& file, std::string_view bytes);

// The trace's ranks as one workload named `name`.
WorkloadSpec map_trace(const std::vector<RankTrace>& ranks, const std::string& name, const Options& options);

// "node 12" and "node 12.comm_size": the key paths of messages about a node.
std::string node_key(std::uint64_t id, std::string_view field = {});

}  // namespace pjbit::workloads::chakra::detail
