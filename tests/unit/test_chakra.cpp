// Chakra execution traces (CONTRACT section 8, workloads/chakra/chakra.md): traces written here by the
// tests' own encoder (support/chakra_trace.h) map onto the workload spec as documented, malformed ones are
// one InputError naming the file, the node and the field, and a workload written as a trace reads back as
// the same workload.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "core/errors.h"
#include "support/chakra_trace.h"
#include "workloads/chakra/chakra.h"
#include "workloads/loader.h"
#include "workloads/traffic.h"

namespace pjbit {
namespace {
namespace test_chakra {

using core::InputError;
using workloads::Op;
using workloads::Step;
using workloads::WorkloadSpec;
namespace ck = workloads::chakra;
namespace et = testing::chakra;
using et::Attr;
using et::NodeMsg;
using et::Trace;

constexpr std::int64_t kMiB = 1 << 20;

std::vector<ck::TraceFile> files_of(const std::vector<std::string>& bytes) {
  std::vector<ck::TraceFile> files;
  for (std::size_t r = 0; r < bytes.size(); ++r)
    files.push_back({"t." + std::to_string(r) + ".et", bytes[r]});
  return files;
}

WorkloadSpec read(const Trace& t, const ck::Options& o = {}) {
  return ck::read_trace(files_of(t.files()), "t", o);
}

// The message of the InputError reading `t` throws ("" when it reads).
std::string error_of(const Trace& t, const ck::Options& o = {}) {
  try {
    read(t, o);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_ERROR(trace, pattern)                                                           \
  do {                                                                                         \
    const std::string message = error_of(trace);                                               \
    EXPECT_TRUE(std::regex_search(message, std::regex(pattern))) << "got: " << message << "\n" \
                                                                 << "expected: " << pattern;   \
  } while (0)

std::vector<int> iota(int n) {
  std::vector<int> r;
  for (int i = 0; i < n; ++i)
    r.push_back(i);
  return r;
}

// The ranks taking part in a step.
std::vector<int> ranks_of(const Step& s, int trace_ranks) {
  std::vector<int> r;
  switch (s.kind) {
    case Step::Kind::Collective:
      r = s.collective.ranks.empty() ? iota(trace_ranks) : s.collective.ranks;
      break;
    case Step::Kind::Compute:
      r = s.compute.ranks.empty() ? iota(trace_ranks) : s.compute.ranks;
      break;
    case Step::Kind::Memory:
      r = s.memory.ranks.empty() ? iota(trace_ranks) : s.memory.ranks;
      break;
    case Step::Kind::Traffic:
      for (const auto& [a, b] : s.traffic.pairs) {
        r.push_back(a);
        r.push_back(b);
      }
      break;
    case Step::Kind::Parallel:
      for (const Step& c : s.children) {
        const std::vector<int> more = ranks_of(c, trace_ranks);
        r.insert(r.end(), more.begin(), more.end());
      }
      break;
  }
  std::sort(r.begin(), r.end());
  r.erase(std::unique(r.begin(), r.end()), r.end());
  return r;
}

// What step k waits for: its `after` in a graph; in a sequence (a trace that is one reads as one), the step
// before it on each of its ranks.
std::vector<int> waits_for(const WorkloadSpec& w, std::size_t k) {
  if (w.graph) return w.steps[k].after;
  std::vector<int> out;
  for (int r : ranks_of(w.steps[k], w.trace_ranks)) {
    for (std::size_t j = k; j-- > 0;) {
      const std::vector<int> rj = ranks_of(w.steps[j], w.trace_ranks);
      if (std::binary_search(rj.begin(), rj.end(), r)) {
        out.push_back(static_cast<int>(j));
        break;
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Mapping

TEST(ChakraReader, EveryCollectiveKindWithAstraSimSizeConvention) {
  Trace t(4);
  const int types[] = {et::kAllReduce, et::kAllGather, et::kReduceScatter,
                       et::kAllToAll,  et::kBroadcast, et::kBarrier};
  for (int k = 0; k < 6; ++k) {
    NodeMsg n =
        et::collective(static_cast<std::uint64_t>(k + 1), types[k], types[k] == et::kBarrier ? 0 : kMiB);
    if (k > 0) n.dep(static_cast<std::uint64_t>(k));
    t.add_all(n);
  }
  const WorkloadSpec w = read(t);
  EXPECT_EQ(w.name, "t");
  EXPECT_FALSE(w.graph);  // a chain: each step after the one before it on every rank, as a list of steps
  EXPECT_EQ(w.trace_ranks, 4);
  EXPECT_EQ(w.iterations, 1);
  ASSERT_EQ(w.steps.size(), 6u);
  const Op ops[] = {Op::AllReduce, Op::AllGather, Op::ReduceScatter,
                    Op::AllToAll,  Op::Broadcast, Op::AllReduce};
  // ASTRA-sim's all-gather size is each rank's part; pjbit's (nccl-tests) the gathered whole. A barrier is a
  // one-byte all-reduce.
  const std::uint64_t sizes[] = {kMiB, 4 * kMiB, kMiB, kMiB, kMiB, 1};
  for (std::size_t k = 0; k < 6; ++k) {
    const Step& s = w.steps[k];
    ASSERT_EQ(s.kind, Step::Kind::Collective) << k;
    EXPECT_EQ(s.collective.op, ops[k]) << k;
    EXPECT_EQ(s.collective.size_bytes, sizes[k]) << k;
    EXPECT_EQ(s.collective.ranks, iota(4)) << k;
    EXPECT_EQ(s.collective.cls, workloads::TransportClass::Collective);
    EXPECT_TRUE(s.collective.algorithm.empty());
    EXPECT_EQ(s.key, "t.0.et node " + std::to_string(k + 1));
    EXPECT_EQ(s.loc.file, "t.0.et");
    EXPECT_EQ(waits_for(w, k), k == 0 ? std::vector<int>{} : std::vector<int>{static_cast<int>(k) - 1}) << k;
  }
}

TEST(ChakraReader, ProcessGroupsFromTheRanksThatUseThem) {
  // Ranks 0 and 1 reduce on group "1", ranks 2 and 3 on group "2", then all four on the default group.
  Trace t(4);
  for (int r = 0; r < 4; ++r) {
    t.add(r, et::collective(1, et::kAllReduce, kMiB, r < 2 ? "1" : "2"));
    t.add(r, et::collective(2, et::kAllGather, kMiB).dep(1));
  }
  const WorkloadSpec w = read(t);
  ASSERT_EQ(w.steps.size(), 3u);
  EXPECT_EQ(w.steps[0].collective.ranks, (std::vector<int>{0, 1}));
  EXPECT_EQ(w.steps[1].collective.ranks, (std::vector<int>{2, 3}));
  EXPECT_EQ(w.steps[1].key, "t.2.et node 1");
  EXPECT_EQ(w.steps[2].collective.ranks, iota(4));
  EXPECT_EQ(w.steps[2].collective.size_bytes, static_cast<std::uint64_t>(4 * kMiB));
  // What each member waited for, together.
  EXPECT_EQ(waits_for(w, 2), (std::vector<int>{0, 1}));
}

TEST(ChakraReader, ProcessGroupsFromPyTorchMetadataKeepTheirOrder) {
  Trace t(4);
  NodeMsg meta;
  meta.id = 0;
  meta.name = "## process_group:init ##";
  meta.type = et::kMetadataNode;
  meta.input_values = R"(['[{"pg_name": "0", "pg_desc": "default_pg", "ranks": []}, )"
                      R"({"pg_name": "7", "pg_desc": "tp", "pg_size": 2, "ranks": [3, 1]}]'])";
  t.add_all(meta);
  for (int r : {1, 3})
    t.add(r, et::collective(4, et::kAllGather, 1000, "7").dep(0));
  t.add_all(et::collective(5, et::kAllReduce, 64, "0").dep(0));
  const WorkloadSpec w = read(t);
  ASSERT_EQ(w.steps.size(), 2u);
  EXPECT_EQ(w.steps[0].collective.ranks, (std::vector<int>{3, 1}));
  EXPECT_EQ(w.steps[0].collective.size_bytes, 2000u);
  EXPECT_EQ(w.steps[0].key, "t.1.et node 4");
  // "0" is PyTorch's default group: every rank.
  EXPECT_EQ(w.steps[1].collective.ranks, iota(4));
  EXPECT_TRUE(w.steps[1].after.empty());  // the metadata node makes no step
}

TEST(ChakraReader, SendRecvChainsAreTrafficStepsInOrder) {
  // A pipeline 0 -> 1 -> 2 -> 3: each rank receives, then sends on.
  Trace t(4);
  t.add(0, et::send(1, 1, 4096));
  for (int r = 1; r < 4; ++r) {
    t.add(r, et::recv(1, r - 1, 4096));
    if (r < 3) t.add(r, et::send(2, r + 1, 4096).dep(1));
  }
  const WorkloadSpec w = read(t);
  ASSERT_EQ(w.steps.size(), 3u);
  for (int k = 0; k < 3; ++k) {
    const Step& s = w.steps[static_cast<std::size_t>(k)];
    ASSERT_EQ(s.kind, Step::Kind::Traffic);
    EXPECT_EQ(s.traffic.pairs, (std::vector<std::pair<int, int>>{{k, k + 1}}));
    EXPECT_EQ(s.traffic.size_bytes, 4096u);
    EXPECT_EQ(s.traffic.messages, 1u);
    EXPECT_EQ(s.traffic.cls, workloads::TransportClass::Collective);
    EXPECT_EQ(waits_for(w, static_cast<std::size_t>(k)),
              k == 0 ? std::vector<int>{} : std::vector<int>{k - 1});
  }
}

TEST(ChakraReader, SendsAndReceivesMatchByTagInOrder) {
  // Two messages 0 -> 1 with tags 5 and 6, received in the other order: tags decide the pairs.
  Trace t(2);
  t.add(0, et::send(1, 1, 100, 5)).add(0, et::send(2, 1, 200, 6));
  t.add(1, et::recv(1, 0, 200, 6)).add(1, et::recv(2, 0, 100, 5));
  const WorkloadSpec w = read(t);
  ASSERT_EQ(w.steps.size(), 2u);
  EXPECT_EQ(w.steps[0].traffic.size_bytes, 100u);
  EXPECT_EQ(w.steps[1].traffic.size_bytes, 200u);
}

TEST(ChakraReader, ComputeByDurationOrRooflineAndCpuOpsPassDependenciesOn) {
  Trace t(2);
  NodeMsg cpu = et::compute(2, 5);
  cpu.attrs.clear();
  cpu.attr(Attr::boolean("is_cpu_op", true)).dep(1);
  NodeMsg flops;
  flops.id = 3;
  flops.name = "gemm";
  flops.type = et::kCompNode;
  flops.attr(Attr::int64("num_ops", 2'000'000'000'000))
      .attr(Attr::uint64("tensor_size", 1'000'000'000))
      .dep(2);
  t.add_all(et::compute(1, 10))
      .add_all(cpu)
      .add_all(flops)
      .add_all(et::collective(4, et::kAllReduce, kMiB).dep(3));
  const WorkloadSpec w = read(t);
  ASSERT_EQ(w.steps.size(), 3u);
  ASSERT_EQ(w.steps[0].kind, Step::Kind::Compute);
  EXPECT_FALSE(w.steps[0].compute.has_work);
  EXPECT_DOUBLE_EQ(w.steps[0].compute.duration_s, 10e-6);
  EXPECT_EQ(w.steps[0].compute.ranks, (std::vector<int>{0, 1}));  // one step for both ranks' node 1
  ASSERT_EQ(w.steps[1].kind, Step::Kind::Compute);
  EXPECT_TRUE(w.steps[1].compute.has_work);
  EXPECT_DOUBLE_EQ(w.steps[1].compute.work_flop, 2e12);
  EXPECT_EQ(w.steps[1].compute.bytes, 1'000'000'000u);
  EXPECT_EQ(waits_for(w, 1), std::vector<int>{0});  // through the CPU op, which makes no step
  EXPECT_EQ(waits_for(w, 2), std::vector<int>{1});
}

TEST(ChakraReader, NodesOfSeveralRanksMergeOnlyWhereNoRankWouldWaitLonger) {
  // Both ranks: an all-reduce, then node 5 after it: one compute step for both.
  Trace same(2);
  same.add_all(et::collective(1, et::kAllReduce, kMiB)).add_all(et::compute(5, 3).dep(1));
  const WorkloadSpec a = read(same);
  ASSERT_EQ(a.steps.size(), 2u);
  EXPECT_EQ(a.steps[1].compute.ranks, (std::vector<int>{0, 1}));
  // Rank 1's node 5 does not wait for the all-reduce: merged, it would.
  Trace differ(2);
  differ.add_all(et::collective(1, et::kAllReduce, kMiB));
  differ.add(0, et::compute(5, 3).dep(1)).add(1, et::compute(5, 3));
  const WorkloadSpec b = read(differ);
  ASSERT_EQ(b.steps.size(), 3u);
  EXPECT_EQ(b.steps[1].compute.ranks, std::vector<int>{0});
  EXPECT_TRUE(b.graph);  // rank 1 does not wait for its all-reduce: no sequence
  EXPECT_EQ(b.steps[1].after, std::vector<int>{0});
  EXPECT_EQ(b.steps[2].compute.ranks, std::vector<int>{1});
  EXPECT_TRUE(b.steps[2].after.empty());
  // Other work or another id: no merge either.
  Trace work(2);
  work.add(0, et::compute(5, 3)).add(1, et::compute(5, 4));
  EXPECT_EQ(read(work).steps.size(), 2u);
}

TEST(ChakraReader, MemoryNodesAreHbmTrafficOrAPoolsWhenOneIsGiven) {
  Trace t(2);
  NodeMsg load;
  load.id = 1;
  load.type = et::kMemLoadNode;
  load.attr(Attr::uint64("tensor_size", 1'000'000));
  NodeMsg store = load;
  store.id = 2;
  store.type = et::kMemStoreNode;
  store.dep(1);
  t.add_all(load).add_all(store);
  const WorkloadSpec local = read(t);
  ASSERT_EQ(local.steps.size(), 2u);
  ASSERT_EQ(local.steps[0].kind, Step::Kind::Compute);
  EXPECT_TRUE(local.steps[0].compute.has_work);
  EXPECT_EQ(local.steps[0].compute.work_flop, 0.0);
  EXPECT_EQ(local.steps[0].compute.bytes, 1'000'000u);
  ck::Options pooled;
  pooled.pool = "pool0";
  const WorkloadSpec remote = read(t, pooled);
  ASSERT_EQ(remote.steps.size(), 2u);
  ASSERT_EQ(remote.steps[0].kind, Step::Kind::Memory);
  EXPECT_FALSE(remote.steps[0].memory.write);
  EXPECT_EQ(remote.steps[0].memory.pool, "pool0");
  EXPECT_EQ(remote.steps[0].memory.size_bytes, 1'000'000u);
  EXPECT_EQ(remote.steps[0].memory.ranks, (std::vector<int>{0, 1}));
  EXPECT_TRUE(remote.steps[1].memory.write);
  EXPECT_EQ(remote.steps[1].memory.cls, workloads::TransportClass::RemoteMemory);
}

TEST(ChakraReader, AttributesInAnyIntegerEncodingAndControlDependencies) {
  // Symbolic Tensor Graph writes is_cpu_op as an int32, others comm_size as uint64 or sint64; control
  // dependencies order as data ones do.
  Trace t(2);
  NodeMsg a = et::compute(1, 2);
  a.attrs = {Attr::int32("is_cpu_op", 0)};
  NodeMsg c;
  c.id = 2;
  c.type = et::kCollNode;
  c.attr(Attr::int32("comm_type", et::kAllToAll)).attr(Attr::sint64("comm_size", 4096)).ctrl(1);
  t.add_all(a).add_all(c);
  const WorkloadSpec w = read(t);
  ASSERT_EQ(w.steps.size(), 2u);
  EXPECT_EQ(w.steps[1].collective.op, Op::AllToAll);
  EXPECT_EQ(w.steps[1].collective.size_bytes, 4096u);
  EXPECT_EQ(waits_for(w, 1), std::vector<int>{0});
}

TEST(ChakraReader, OrderIsTopologicalAndTheSameEveryTime) {
  // A lattice of compute, collectives and messages over 4 ranks, with node ids out of file order.
  Trace t(4);
  for (int r = 0; r < 4; ++r) {
    t.add(r, et::compute(40, static_cast<std::uint64_t>(r + 1)).dep(30));
    t.add(r, et::compute(30, 7));
    t.add(r, et::collective(20, et::kAllReduce, kMiB, r % 2 ? "odd" : "even").dep(40));
    t.add(r, (r % 2 ? et::recv(10, r - 1, 64) : et::send(10, r + 1, 64)).dep(20));
    t.add(r, et::collective(50, et::kReduceScatter, kMiB).dep(10).dep(30));
  }
  const WorkloadSpec a = read(t), b = read(t);
  ASSERT_EQ(a.steps.size(), b.steps.size());
  for (std::size_t i = 0; i < a.steps.size(); ++i) {
    EXPECT_EQ(a.steps[i].key, b.steps[i].key);
    EXPECT_EQ(a.steps[i].after, b.steps[i].after);
    for (int d : a.steps[i].after) {
      EXPECT_GE(d, 0);
      EXPECT_LT(d, static_cast<int>(i));
    }
  }
  // node 30 on every rank (one step), four of node 40, two collectives, two exchanges, one reduce-scatter.
  EXPECT_EQ(a.steps.size(), 1u + 4u + 2u + 2u + 1u);
  EXPECT_EQ(a.steps.front().compute.ranks, iota(4));
  EXPECT_EQ(a.steps.back().collective.op, Op::ReduceScatter);
}

// A gzip member holding `data` in one stored (uncompressed) deflate block, with its CRC-32.
std::string gzip_stored(const std::string& data) {
  std::uint32_t crc = 0xffffffffu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k)
      crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  crc ^= 0xffffffffu;
  const auto le32 = [](std::uint32_t v) {
    std::string s;
    for (int i = 0; i < 4; ++i)
      s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    return s;
  };
  const auto n = static_cast<std::uint16_t>(data.size());
  std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10);
  out += '\x01';  // the last block, stored
  out += static_cast<char>(n & 0xff);
  out += static_cast<char>(n >> 8);
  out += static_cast<char>(~n & 0xff);
  out += static_cast<char>((~n >> 8) & 0xff);
  out += data;
  return out + le32(crc) + le32(static_cast<std::uint32_t>(data.size()));
}

TEST(ChakraReader, GzipCompressedFilesReadAsChakraOwnReaderTakesThem) {
  Trace plain(2);
  plain.add_all(et::collective(1, et::kAllReduce, kMiB));
  Trace zipped = plain;
  for (int r = 0; r < 2; ++r)
    zipped.file(r) = gzip_stored(plain.file(r));
  const WorkloadSpec w = read(zipped);
  ASSERT_EQ(w.steps.size(), 1u);
  EXPECT_EQ(w.steps[0].collective.size_bytes, static_cast<std::uint64_t>(kMiB));
  Trace corrupt = zipped;
  corrupt.file(1)[corrupt.file(1).size() - 5] ^= 0x55;  // the CRC
  EXPECT_ERROR(corrupt, R"(^t\.1\.et: corrupt gzip data)");
}

// ---------------------------------------------------------------------------------------------------------
// Malformed traces: one InputError naming the file, and the node and field where there is one

TEST(ChakraMalformed, EmptyFile) {
  Trace t(2);
  t.file(1).clear();
  EXPECT_ERROR(t, R"(^t\.1\.et: the file is empty)");
}

TEST(ChakraMalformed, TruncatedVarint) {
  Trace t(2);
  t.add_all(et::compute(1, 1));
  const std::size_t at = t.file(0).size();
  t.raw(0, "\x85");  // a length prefix whose continuation bit leads past the end
  EXPECT_ERROR(t, R"(^t\.0\.et: byte )" + std::to_string(at) +
                      R"(: truncated: the file ends inside the varint length prefix of message 3)");
}

TEST(ChakraMalformed, TruncatedMessage) {
  Trace t(2);
  t.raw(1, et::varint(50) + "abc");
  EXPECT_ERROR(t, R"(^t\.1\.et: byte \d+: truncated: message 2 should hold 50 bytes, the file has 3 left)");
}

TEST(ChakraMalformed, LengthPrefixBeyond32Bits) {
  Trace t(1);
  t.raw(0, std::string("\xff\xff\xff\xff\x7f", 5));
  EXPECT_ERROR(t, R"(^t\.0\.et: byte \d+: malformed length prefix of message 2: longer than 32 bits)");
}

TEST(ChakraMalformed, MessageThatDoesNotParse) {
  Trace t(2);
  // Field 2 (the name) says 100 bytes follow, inside a message of 3.
  t.raw(0, et::frame(std::string("\x12\x64\x41", 3)));
  EXPECT_ERROR(t, R"(^t\.0\.et: byte \d+: message 2 does not parse as a Node)");
}

TEST(ChakraMalformed, ANodeWhereTheGlobalMetadataBelongs) {
  Trace t(2);
  t.file(1) = et::frame(et::compute(3, 1).encode());
  // Its fields land in the GlobalMetadata's unknown fields, or do not parse as its own.
  EXPECT_ERROR(
      t, R"(^t\.1\.et: byte 0: message 1 (is not|does not parse as) the GlobalMetadata of et_def\.proto)");
}

TEST(ChakraMalformed, FieldsNoNodeHas) {
  Trace t(1);
  t.raw(0, et::frame(et::compute(3, 1).encode() + et::field_varint(15, 1)));
  EXPECT_ERROR(t, R"(^t\.0\.et: byte \d+: message 2 is not a Node of et_def\.proto: it holds field 15)");
}

TEST(ChakraMalformed, UnknownCommType) {
  Trace t(2);
  t.add_all(et::collective(7, 42, kMiB));
  EXPECT_ERROR(t,
               R"(^t\.0\.et: node 7\.comm_type: unknown collective type 42; expected 0 \(ALL_REDUCE\) to 9)");
}

TEST(ChakraMalformed, UnsupportedCommType) {
  Trace t(2);
  t.add_all(et::collective(7, et::kGather, kMiB));
  EXPECT_ERROR(t, R"(^t\.0\.et: node 7\.comm_type: GATHER is not supported)");
}

TEST(ChakraMalformed, MissingCommType) {
  Trace t(2);
  NodeMsg n = et::collective(7, et::kAllReduce, kMiB);
  n.attrs.erase(n.attrs.begin());
  t.add_all(n);
  EXPECT_ERROR(t, R"(^t\.0\.et: node 7\.comm_type: missing)");
}

TEST(ChakraMalformed, UnknownNodeType) {
  Trace t(2);
  NodeMsg n = et::compute(4, 1);
  n.type = 12;
  t.add(1, n);
  EXPECT_ERROR(t, R"(^t\.1\.et: node 4\.type: unknown node type 12)");
}

TEST(ChakraMalformed, AttributeOfTheWrongType) {
  Trace t(2);
  NodeMsg n = et::collective(3, et::kAllReduce, kMiB);
  n.attrs[1] = Attr::text("comm_size", "1 MiB");
  t.add_all(n);
  EXPECT_ERROR(t, R"(^t\.0\.et: node 3\.comm_size: expected a whole number, got a string)");
}

TEST(ChakraMalformed, DanglingDependency) {
  Trace t(2);
  t.add_all(et::compute(1, 1)).add(1, et::compute(2, 1).dep(99));
  EXPECT_ERROR(t, R"(^t\.1\.et: node 2\.data_deps: depends on node 99, which the file does not have)");
}

TEST(ChakraMalformed, DanglingControlDependency) {
  Trace t(1);
  t.add(0, et::compute(2, 1).ctrl(98));
  EXPECT_ERROR(t, R"(^t\.0\.et: node 2\.ctrl_deps: depends on node 98, which the file does not have)");
}

// Chakra's PyTorch converter names each operator's caller as its control dependency (the order is in the data
// dependencies), sometimes a node it left out of the file or the node itself: in a trace whose metadata is
// PyTorch's, control dependencies are not read.
TEST(ChakraReader, ControlDependenciesOfPyTorchConversionsAreCallersNotOrder) {
  Trace t(1, et::metadata("", {Attr::text("schema", "1.0.1"), Attr::uint64("pid", 1234),
                               Attr::text("time", "2023-12-14 11:55:01"), Attr::uint64("start_ts", 1),
                               Attr::uint64("finish_ts", 2)}));
  // The host operator 1 calls the kernel 2, which runs after it: caller links point both ways.
  t.add(0, et::compute(1, 1).ctrl(2).ctrl(98)).add(0, et::compute(2, 1).dep(1).ctrl(1).ctrl(2));
  const WorkloadSpec w = read(t);
  ASSERT_EQ(w.steps.size(), 2u);
  EXPECT_EQ(waits_for(w, 1), std::vector<int>{0});
}

// PyTorch's CPU operators, collectives' launches among them, make no step.
TEST(ChakraReader, CpuOperatorsOfAnyTypeMakeNoStep) {
  Trace t(2);
  NodeMsg launch = et::collective(1, et::kBroadcast, 64);
  launch.attrs = {Attr::boolean("is_cpu_op", true)};  // no comm_type: c10d::broadcast_ on the host
  t.add_all(launch).add_all(et::collective(2, et::kBroadcast, 64).ctrl(1));
  const WorkloadSpec w = read(t);
  ASSERT_EQ(w.steps.size(), 1u);
  EXPECT_EQ(w.steps[0].key, "t.0.et node 2");
}

TEST(ChakraMalformed, DuplicateNodeIds) {
  Trace t(1);
  t.add(0, et::compute(2, 1)).add(0, et::compute(2, 3));
  EXPECT_ERROR(t, R"(^t\.0\.et: node 2\.id: node id 2 is used twice in the file \(messages 2 and 3\))");
}

TEST(ChakraMalformed, CycleWithinARank) {
  Trace t(2);
  t.add(1, et::compute(1, 1).dep(3)).add(1, et::compute(2, 1).dep(1)).add(1, et::compute(3, 1).dep(2));
  EXPECT_ERROR(
      t,
      R"(^t\.1\.et: node \d\.data_deps: a dependency cycle: node \d waits for node \d waits for node \d waits for node \d)");
}

TEST(ChakraMalformed, CycleAcrossRanks) {
  // Rank 0 reduces on group "a" then "b", rank 1 on "b" then "a": each collective waits for the other.
  Trace t(2);
  t.add(0, et::collective(1, et::kAllReduce, kMiB, "a"))
      .add(0, et::collective(2, et::kAllReduce, kMiB, "b").dep(1));
  t.add(1, et::collective(1, et::kAllReduce, kMiB, "b"))
      .add(1, et::collective(2, et::kAllReduce, kMiB, "a").dep(1));
  EXPECT_ERROR(t, R"(^t\.\d\.et: node \d\.data_deps: a dependency cycle across ranks)");
}

TEST(ChakraMalformed, InconsistentCollectiveNamesBothNodes) {
  Trace t(3);
  t.add(0, et::collective(1, et::kAllReduce, kMiB)).add(1, et::collective(8, et::kAllReduce, kMiB));
  t.add(2, et::collective(9, et::kAllGather, kMiB));
  EXPECT_ERROR(
      t,
      R"(^t\.2\.et: node 9\.comm_type: this and t\.0\.et node 1 are the 1st collective of process group .*but disagree: ALL_GATHER of 1048576 bytes here, ALL_REDUCE of 1048576 bytes there)");
  Trace sizes(2);
  sizes.add(0, et::collective(1, et::kAllReduce, kMiB)).add(1, et::collective(1, et::kAllReduce, 2 * kMiB));
  EXPECT_ERROR(sizes, R"(^t\.1\.et: node 1\.comm_size: this and t\.0\.et node 1 .*disagree)");
}

TEST(ChakraMalformed, MembersIssuingDifferentNumbersOfCollectives) {
  Trace t(2);
  t.add_all(et::collective(1, et::kAllReduce, kMiB)).add(1, et::collective(2, et::kAllReduce, kMiB).dep(1));
  EXPECT_ERROR(
      t,
      R"(^t\.1\.et: node 2\.pg_name: this is the 2nd collective of process group .* in t\.1\.et, but t\.0\.et issues only 1)");
}

TEST(ChakraMalformed, RankOutsideTheDefinedGroup) {
  Trace t(3);
  NodeMsg meta;
  meta.id = 0;
  meta.type = et::kMetadataNode;
  meta.input_values = R"(['[{"pg_name": "1", "ranks": [0, 1]}]'])";
  t.add_all(meta).add_all(et::collective(1, et::kAllReduce, kMiB, "1"));
  EXPECT_ERROR(t, R"(^t\.2\.et: node 1\.pg_name: rank 2 is not a member of process group "1" \[0, 1\])");
}

TEST(ChakraMalformed, SendWithoutRecv) {
  Trace t(2);
  t.add(0, et::send(3, 1, 64));
  EXPECT_ERROR(
      t,
      R"(^t\.0\.et: node 3\.type: this send to rank 1 \(tag 0\) is the 1st of its kind, but t\.1\.et has only 0 matching receives: a send without a receive)");
}

TEST(ChakraMalformed, RecvWithoutSend) {
  Trace t(2);
  t.add(0, et::send(3, 1, 64)).add(1, et::recv(3, 0, 64)).add(1, et::recv(4, 0, 64));
  EXPECT_ERROR(
      t,
      R"(^t\.1\.et: node 4\.type: this receive from rank 0 .*is the 2nd of its kind.*a receive without a send)");
}

TEST(ChakraMalformed, SendWithoutDestinationOrToNoRank) {
  Trace t(2);
  NodeMsg s = et::send(3, 1, 64);
  s.attrs.erase(s.attrs.begin());
  t.add(0, s);
  EXPECT_ERROR(t, R"(^t\.0\.et: node 3\.comm_dst: missing)");
  Trace far(2);
  far.add(0, et::send(3, 5, 64));
  EXPECT_ERROR(far, R"(^t\.0\.et: node 3\.comm_dst: rank 5 is not a rank of the trace)");
}

TEST(ChakraMalformed, MismatchedMessageSizes) {
  Trace t(2);
  t.add(0, et::send(3, 1, 64)).add(1, et::recv(3, 0, 65));
  EXPECT_ERROR(
      t,
      R"(^t\.1\.et: node 3\.comm_size: this receive of 65 bytes matches t\.0\.et node 3, a send of 64 bytes)");
}

// ---------------------------------------------------------------------------------------------------------
// Writing a workload as a trace, and reading it back

// The same workload, as far as runs go: step kinds, sizes, ranks (all ranks written out), algorithms,
// channels, classes, work, parallel structure.
void expect_same_step(const Step& a, const Step& b, int ranks, const std::string& where) {
  SCOPED_TRACE(where);
  const auto all_or = [&](const std::vector<int>& r) { return r.empty() ? iota(ranks) : r; };
  ASSERT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.dim, b.dim);
  switch (a.kind) {
    case Step::Kind::Collective:
      EXPECT_EQ(a.collective.op, b.collective.op);
      EXPECT_EQ(a.collective.size_bytes, b.collective.size_bytes);
      EXPECT_EQ(a.collective.algorithm, b.collective.algorithm);
      EXPECT_EQ(all_or(a.collective.ranks), all_or(b.collective.ranks));
      EXPECT_EQ(a.collective.cls, b.collective.cls);
      EXPECT_EQ(a.collective.channels, b.collective.channels);
      EXPECT_EQ(a.collective.channels_given, b.collective.channels_given);
      break;
    case Step::Kind::Compute:
      EXPECT_EQ(a.compute.has_work, b.compute.has_work);
      EXPECT_EQ(a.compute.duration_s, b.compute.duration_s);
      EXPECT_EQ(a.compute.work_flop, b.compute.work_flop);
      EXPECT_EQ(a.compute.bytes, b.compute.bytes);
      EXPECT_EQ(all_or(a.compute.ranks), all_or(b.compute.ranks));
      break;
    case Step::Kind::Memory:
      EXPECT_EQ(a.checkpoint, b.checkpoint);
      EXPECT_EQ(a.memory.write, b.memory.write);
      EXPECT_EQ(a.memory.size_bytes, b.memory.size_bytes);
      EXPECT_EQ(a.memory.pool, b.memory.pool);
      EXPECT_EQ(a.memory.cls, b.memory.cls);
      EXPECT_EQ(a.memory.deadline_s, b.memory.deadline_s);
      EXPECT_EQ(all_or(a.memory.ranks), all_or(b.memory.ranks));
      break;
    case Step::Kind::Traffic: {
      // Pairs are written out message by message.
      const auto messages =
          workloads::traffic_messages(a.traffic, ranks, 1, workloads::traffic_salt(a.key, 0));
      std::vector<std::pair<int, int>> pairs;
      for (const auto& m : messages)
        pairs.emplace_back(m.src, m.dst);
      EXPECT_EQ(pairs, b.traffic.pairs);
      EXPECT_EQ(a.traffic.messages, b.traffic.messages);
      EXPECT_EQ(a.traffic.size_bytes, b.traffic.size_bytes);
      EXPECT_EQ(a.traffic.interval_s, b.traffic.interval_s);
      EXPECT_EQ(a.traffic.cls, b.traffic.cls);
      break;
    }
    case Step::Kind::Parallel:
      ASSERT_EQ(a.children.size(), b.children.size());
      for (std::size_t i = 0; i < a.children.size(); ++i)
        expect_same_step(a.children[i], b.children[i], ranks, where + ".parallel." + std::to_string(i));
      break;
  }
}

WorkloadSpec round_trip(const WorkloadSpec& w, int ranks, bool unroll = false) {
  ck::ExportOptions o;
  o.ranks = ranks;
  o.unroll = unroll;
  return ck::read_trace(files_of(ck::write_trace(w, o)), "t");
}

const char* const kEverything = R"(name: everything
iterations: 3
steps:
  - compute: { duration: 1.5 us }
  - compute: { duration: 300 ns, ranks: [1, 2] }
  - collective: all_reduce
    size: 1 GiB
    algorithm: bidir_ring
    channels: 4
  - collective: all_gather
    size: 1000 B
    ranks: [5, 2, 7]
    class: bulk
  - parallel:
      - compute: { work: 20 TFLOP, bytes: 3 GB }
      - collective: reduce_scatter
        size: 64 MiB
        ranks: [0, 1, 2, 3]
      - parallel:
          - collective: broadcast
            size: 4 MiB
            ranks: [4, 5, 6, 7]
          - traffic: { size: 4 KiB, messages: 5, interval: 1 us, pairs: [[0, 4], [1, 5]] }
  - collective: all_to_all
    size: 256 MiB
    algorithm: direct
  - memory: { op: read, size: 1 GiB, pool: pool0, ranks: [0, 3] }
  - memory: { op: write, size: 2 GiB, pool: pool0, class: bulk }
  - checkpoint: { size: 16 GiB, pool: pool0, deadline: 5 ms }
  - traffic: { size: 512 B, messages: 7, ranks: [0, 1, 2, 3, 4, 5, 6, 7], class: control }
)";

TEST(ChakraWriter, AWorkloadReadsBackAsTheSameWorkload) {
  WorkloadSpec w = workloads::parse_workload(kEverything, "everything.yaml");
  w.iterations = 1;  // random pairs are drawn per iteration: see the unrolled test for more
  const WorkloadSpec back = round_trip(w, 8);
  EXPECT_FALSE(back.graph);  // a list of steps reads back as one
  EXPECT_EQ(back.trace_ranks, 8);
  ASSERT_EQ(back.steps.size(), w.steps.size());
  for (std::size_t i = 0; i < w.steps.size(); ++i) {
    expect_same_step(w.steps[i], back.steps[i], 8, "steps." + std::to_string(i));
  }
  // One after another on every rank, as the list orders them: each waits for what came last on its ranks.
  EXPECT_EQ(waits_for(back, 2), (std::vector<int>{0, 1}));
  EXPECT_EQ(waits_for(back, 3), std::vector<int>{2});
}

TEST(ChakraWriter, IterationsAreKeptOrUnrolled) {
  WorkloadSpec w = workloads::parse_workload(kEverything, "everything.yaml");
  w.steps.pop_back();  // no random traffic: the iterations can be kept
  const WorkloadSpec kept = round_trip(w, 8);
  EXPECT_EQ(kept.iterations, 3);
  EXPECT_EQ(kept.steps.size(), w.steps.size());
  const WorkloadSpec unrolled = round_trip(w, 8, /*unroll=*/true);
  EXPECT_EQ(unrolled.iterations, 1);
  ASSERT_EQ(unrolled.steps.size(), 3 * w.steps.size());
  for (std::size_t i = 0; i < unrolled.steps.size(); ++i)
    expect_same_step(w.steps[i % w.steps.size()], unrolled.steps[i], 8, "step " + std::to_string(i));
  // The first step of the second iteration waits for the last of the first on every rank.
  EXPECT_EQ(waits_for(unrolled, w.steps.size()), std::vector<int>{static_cast<int>(w.steps.size()) - 1});
  // Random pairs differ between iterations, so a workload with them is written out in full.
  const WorkloadSpec random = round_trip(workloads::parse_workload(kEverything, "everything.yaml"), 8);
  EXPECT_EQ(random.iterations, 1);
  EXPECT_EQ(random.steps.size(), 3 * (w.steps.size() + 1));
}

TEST(ChakraWriter, AGraphWorkloadKeepsItsDependencies) {
  WorkloadSpec w;
  w.name = "graph";
  w.graph = true;
  const auto compute = [](std::vector<int> ranks, double s, std::vector<int> after) {
    Step step;
    step.kind = Step::Kind::Compute;
    step.compute.duration_s = s;
    step.compute.ranks = std::move(ranks);
    step.after = std::move(after);
    step.key = "c";
    return step;
  };
  w.steps.push_back(compute({0}, 1e-3, {}));
  w.steps.push_back(compute({1}, 2e-3, {}));
  Step ar;
  ar.kind = Step::Kind::Collective;
  ar.collective.size_bytes = 1 << 20;
  ar.after = {0, 1};
  ar.key = "ar";
  ar.dim = "dp";
  w.steps.push_back(ar);
  w.steps.push_back(compute({0}, 3e-3, {0}));  // overlaps the all-reduce on rank 0
  w.steps.push_back(compute({0, 1}, 4e-3, {2, 3}));
  const WorkloadSpec back = round_trip(w, 2);
  EXPECT_TRUE(back.graph);
  ASSERT_EQ(back.steps.size(), 5u);
  // Ranks 0's and 1's first steps are ready together; the writer's order is kept.
  EXPECT_EQ(back.steps[0].compute.ranks, std::vector<int>{0});
  EXPECT_EQ(back.steps[1].compute.ranks, std::vector<int>{1});
  EXPECT_EQ(back.steps[2].after, (std::vector<int>{0, 1}));
  EXPECT_EQ(back.steps[2].dim, "dp");
  EXPECT_EQ(back.steps[3].after, std::vector<int>{0});
  EXPECT_EQ(back.steps[4].after, (std::vector<int>{2, 3}));
  EXPECT_EQ(back.steps[4].compute.ranks, (std::vector<int>{0, 1}));
}

TEST(ChakraWriter, RefusesRanksBeyondTheTrace) {
  const WorkloadSpec w = workloads::parse_workload(kEverything, "everything.yaml");
  ck::ExportOptions o;
  o.ranks = 4;
  try {
    ck::write_trace(w, o);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_TRUE(std::regex_search(
        std::string(e.what()),
        std::regex(R"(everything\.yaml:\d+:\d+: steps\.3\.ranks: rank 5 is beyond the trace's 4 ranks)")))
        << e.what();
  }
}

TEST(ChakraWriter, RefusesAnInferenceService) {
  WorkloadSpec w;
  w.name = "serve";
  w.file = "serve.yaml";
  w.serving.on = true;
  ck::ExportOptions o;
  o.ranks = 8;
  try {
    ck::write_trace(w, o);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("serve.yaml: serving: an inference service forms its batches", 0),
              0u)
        << e.what();
  }
}

// What pjbit writes is Chakra's wire format, read with the tests' own decoder: a GlobalMetadata with its
// version, then nodes with Chakra's field numbers and the attributes ASTRA-sim reads.
TEST(ChakraWriter, WritesChakraWireFormat) {
  const WorkloadSpec w = workloads::parse_workload(
      "name: w\nsteps:\n  - compute: { duration: 2 us }\n  - collective: all_gather\n    size: 4 MiB\n",
      "w.yaml");
  ck::ExportOptions o;
  o.ranks = 4;
  const std::vector<std::string> files = ck::write_trace(w, o);
  ASSERT_EQ(files.size(), 4u);
  const std::vector<std::string> messages = et::messages(files[1]);
  ASSERT_EQ(messages.size(), 3u);
  const et::Fields meta = et::decode_fields(messages[0]);
  EXPECT_EQ(meta.bytes.find(1)->second, "0.0.4");
  const et::Fields comp = et::decode_fields(messages[1]);
  EXPECT_EQ(comp.numbers.find(3)->second, static_cast<std::uint64_t>(et::kCompNode));
  EXPECT_EQ(comp.numbers.find(7)->second, 2u);  // duration_micros
  const et::Fields coll = et::decode_fields(messages[2]);
  EXPECT_EQ(coll.numbers.find(3)->second, static_cast<std::uint64_t>(et::kCollNode));
  // data_deps (field 5), packed: the compute node.
  ASSERT_EQ(coll.bytes.count(5), 1u);
  std::size_t at = 0;
  EXPECT_EQ(et::read_varint(coll.bytes.find(5)->second, at), comp.numbers.find(1)->second);
  std::map<std::string, std::uint64_t> ints;
  for (auto [it, end] = coll.bytes.equal_range(10); it != end; ++it) {
    const et::Fields a = et::decode_fields(it->second);
    if (a.numbers.count(9)) ints[a.bytes.find(1)->second] = a.numbers.find(9)->second;  // int64_val
  }
  EXPECT_EQ(ints["comm_type"], static_cast<std::uint64_t>(et::kAllGather));
  EXPECT_EQ(ints["comm_size"], 1u << 20);  // each rank's part, as ASTRA-sim reads it
}

}  // namespace test_chakra
}  // namespace
}  // namespace pjbit
