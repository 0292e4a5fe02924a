// pjbit against published nccl-tests measurements of real machines (docs/validation.md, "Against published
// measurements"). Each case runs a shipped platform (platforms/pod8-nvswitch.yaml, platforms/systems/*.yaml)
// with the collective that was measured and checks pjbit's figure against the published one within the
// case's tolerance: busbw for large messages (the flow engine: they are bandwidth-bound, where both engines
// agree), the time of one call for small ones (the packet engine). A figure pjbit cannot reach is not here
// but in docs/validation.md with its reason.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "core/overrides.h"
#include "platforms/loader.h"
#include "support/sim.h"
#include "support/testing.h"
#include "workloads/loader.h"
#include "workloads/nccl_tests.h"

namespace {
namespace test_calibration {

namespace testing = pjbit::testing;

struct Published {
  const char* name;        // the test's name
  const char* platform;    // relative to the repository root
  const char* domains;     // tiers.1.domains ("" to keep the file's)
  const char* collective;  // op
  const char* size;
  const char* algorithm;  // "" for auto
  double published;       // busbw in GB/s, or time in microseconds when `latency`
  bool latency;
  double tolerance;              // relative (busbw); for latency, the factor allowed either way
  const char* expect_algorithm;  // what auto must pick ("" when the case names one)
  const char* source;
  const char* set = "";  // one more override, KEY=VALUE ("" for none)
};

const std::vector<Published> kCases = {
    // Single node, 8 GPUs.
    {"H100RingAllReduce8GiB", "platforms/pod8-nvswitch.yaml", "", "all_reduce", "8 GiB", "ring", 368.09,
     false, 0.10, "",
     "together-nccl-tests benchmarks/H100/results/20260305_220043/all_reduce_ring.out, NCCL 2.26.2"},
    {"H100RingAllReduce128MiB", "platforms/pod8-nvswitch.yaml", "", "all_reduce", "128 MiB", "ring", 334.33,
     false, 0.15, "", "same file, 128 MiB"},
    {"H100AutoAllReduceIsNvls8GiB", "platforms/pod8-nvswitch.yaml", "", "all_reduce", "8 GiB", "", 479.27,
     false, 0.15, "nvls", "together-nccl-tests benchmarks/H100/results/20260305_230809/all_reduce_nvls.out"},
    // NVLS below 8 GiB: NCCL's copies through its NVLS buffer, one loop in and one out, with the chunk NCCL
    // halves for smaller buffers (modules/accelerator/comm_library.md).
    {"H100AutoAllReduceIsNvls1GiB", "platforms/pod8-nvswitch.yaml", "", "all_reduce", "1 GiB", "", 466.99,
     false, 0.15, "nvls", "same file, 1 GiB"},
    {"H100AutoAllReduceIsNvls128MiB", "platforms/pod8-nvswitch.yaml", "", "all_reduce", "128 MiB", "", 400.43,
     false, 0.15, "nvls", "same file, 128 MiB"},
    {"H100AutoAllReduceIsNvls16MiB", "platforms/pod8-nvswitch.yaml", "", "all_reduce", "16 MiB", "", 233.49,
     false, 0.15, "nvls", "same file, 16 MiB"},
    {"H100AutoAllReduceIsNvls4MiB", "platforms/pod8-nvswitch.yaml", "", "all_reduce", "4 MiB", "", 130.41,
     false, 0.15, "nvls", "same file, 4 MiB"},
    {"H100RingAllGather8GiB", "platforms/pod8-nvswitch.yaml", "", "all_gather", "8 GiB", "ring", 357.90,
     false, 0.15, "", "together-nccl-tests .../20260305_220043/all_gather_ring.out"},
    {"H100RingReduceScatter8GiB", "platforms/pod8-nvswitch.yaml", "", "reduce_scatter", "8 GiB", "ring",
     363.18, false, 0.15, "", "together-nccl-tests .../20260305_220043/reduce_scatter_ring.out"},
    {"H100AllToAll8GiB", "platforms/pod8-nvswitch.yaml", "", "all_to_all", "8 GiB", "", 348.04, false, 0.15,
     "direct", "xxrjun/nccl-tests-cluster example-cluster00 single-node summary (17 nodes, 348.04-348.22)"},
    {"A100AutoAllReduce8GiB", "platforms/systems/dgx-a100.yaml", "", "all_reduce", "8 GiB", "", 231.58, false,
     0.15, "ring", "Azure/AI-benchmarking-guide Azure_Results/ND_A100_v4_results.md, NCCL 2.18.5"},
    {"B200RingAllReduce16GiB", "platforms/systems/dgx-b200.yaml", "", "all_reduce", "16 GiB", "ring", 679.0,
     false, 0.15, "", "together-nccl-tests baselines/use3a-ss/2026-05-02_nccl_collective_scaling_report.md"},
    {"B200AutoAllReduceIsNvls16GiB", "platforms/systems/dgx-b200.yaml", "", "all_reduce", "16 GiB", "", 840.8,
     false, 0.15, "nvls", "same report, NVLS"},
    {"B200RingAllGather16GiB", "platforms/systems/dgx-b200.yaml", "", "all_gather", "16 GiB", "ring", 673.6,
     false, 0.15, "", "same report"},
    // 8x AMD MI300X: a full mesh of xGMI links (48 GB/s of payload each), RCCL's rings over every link.
    {"MI300XAllReduce16GiB", "platforms/systems/mi300x.yaml", "", "all_reduce", "16 GiB", "", 318.98, false,
     0.15, "mesh_ring",
     "ROCm blog 'Understanding RCCL Bandwidth and xGMI Performance on AMD Instinct MI300X' (March 2025), "
     "all_reduce_perf -g 1 under mpirun, RCCL 2.22.3, ROCm 6.3.0, out-of-place"},
    {"MI300XAllReduce8GiB", "platforms/systems/mi300x.yaml", "", "all_reduce", "8 GiB", "", 317.96, false,
     0.15, "mesh_ring", "same run (AMD's system acceptance asks at least 304 GB/s in place at 8 GB)"},
    {"MI300XAllReduce1GiB", "platforms/systems/mi300x.yaml", "", "all_reduce", "1 GiB", "", 314.72, false,
     0.15, "mesh_ring", "same run"},
    {"MI300XAllReduce128MiB", "platforms/systems/mi300x.yaml", "", "all_reduce", "128 MiB", "", 294.55, false,
     0.15, "mesh_ring", "same run"},
    {"MI300XAllReduce8MiB", "platforms/systems/mi300x.yaml", "", "all_reduce", "8 MiB", "", 161.14, false,
     0.15, "mesh_ring",
     "crickett-hpe/hpc-ai-envs pull request 30, rccl-tests develop:83d38d9, -g 8, out-of-place (the ROCm "
     "blog's run: 175.43)"},
    // Several nodes, eight 400G NDR rails per node: the default is NCCL's ring, one channel per rail.
    {"H100TwoNodesAutoAllReduce8GiB", "platforms/systems/h100-ndr.yaml", "2", "all_reduce", "8 GiB", "",
     380.0, false, 0.10, "ring",
     "NVIDIA/nccl-tests issues 290 and 319 (NVIDIA: 46-48 GB/s per NIC, 370-390 GB/s); issue 309: 392.69 "
     "with "
     "NCCL_ALGO=Ring"},
    {"H100TwoNodesRingAllReduce8GiB", "platforms/systems/h100-ndr.yaml", "2", "all_reduce", "8 GiB", "",
     392.69, false, 0.15, "ring", "NVIDIA/nccl-tests issue 309, 2 nodes, NCCL_ALGO=Ring, NCCL 2.26.2"},
    {"H100TwoNodesNvlsTreeAllReduce8GiB", "platforms/systems/h100-ndr.yaml", "2", "all_reduce", "8 GiB",
     "nvls_tree", 469.0, false, 0.15, "",
     "NVIDIA/nccl-tests issue 309, 2 nodes x 8 H100, NCCL's default there (NVLSTree), NCCL 2.26.2"},
    // NVLS tree on two nodes: NVLS inside each node, held to NCCL's per-channel cap (8 channels x 57.7 GB/s
    // on Hopper, 8 x 96 on Blackwell), the trees across the nodes.
    {"H100TwoNodesNvlsTreeAllReduce8GiBCoreWeave", "platforms/systems/h100-ndr.yaml", "2", "all_reduce",
     "8 GiB", "nvls_tree", 440.58, false, 0.15, "",
     "coreweave/nccl-tests pull request 92 (2026-05): H100 8-GPU x 2-node MPIJob, 8G all_reduce (NCCL's "
     "default; above what a ring over 8 NDR rails reaches)"},
    {"H100TwoNodesRoceNvlsTreeAllReduce8GiB", "platforms/systems/h100-ndr.yaml", "2", "all_reduce", "8 GiB",
     "nvls_tree", 430.0, false, 0.15, "",
     "NVIDIA/nccl issue 1221: 2 nodes x 8 H100, 8x 400G RoCE, NCCL 2.19.3, NCCL_NVLS_ENABLE=1",
     "tiers.1.link.preset=roce-400g"},
    {"B200TwoNodesNvlsTreeAllReduce8GiB", "platforms/systems/b200-ndr.yaml", "2", "all_reduce", "8 GiB",
     "nvls_tree", 690.07, false, 0.15, "",
     "coreweave/nccl-tests pull request 92 (2026-05): B200 8-GPU x 2-node MPIJob, 8G all_reduce"},
    {"H100EightNodesAllReduce8GiB", "platforms/systems/h100-ndr.yaml", "8", "all_reduce", "8 GiB", "", 386.56,
     false, 0.15, "ring", "coreweave/nccl-tests README, 64 H100"},
    {"B200FourNodesAllReduce8GiB", "platforms/systems/b200-ndr.yaml", "4", "all_reduce", "8 GiB", "", 384.0,
     false, 0.15, "ring",
     "together-nccl-tests baselines/flapping-airplanes/2026-07-11_nccl_collective_scaling_report.md (NCCL "
     "2.30.7)"},
    {"B200FourNodesReduceScatter8GiB", "platforms/systems/b200-ndr.yaml", "4", "reduce_scatter", "8 GiB", "",
     384.1, false, 0.15, "ring", "same report"},
    {"A100FourNodesAllReduce8GiB", "platforms/systems/a100-hdr.yaml", "4", "all_reduce", "8 GiB", "", 192.0,
     false, 0.15, "ring",
     "NVIDIA/nccl issue 812 (NVIDIA: DGX A100 with 8x 200G HDR, 192 GB/s all_reduce busbw)"},
    {"H100TenNodesAllToAll8GiB", "platforms/systems/h100-ndr.yaml", "10", "all_to_all", "8 GiB", "", 50.54,
     false, 0.15, "direct",
     "xxrjun/nccl-tests-cluster example-cluster01 .../20260129-180219/without-debug/logs/nccl_N10_G8.log"},
    // Small messages: the time of one all_reduce, within a factor of 2.
    {"H100AllReduce8B", "platforms/pod8-nvswitch.yaml", "", "all_reduce", "8 B", "", 35.58, true, 2.0, "ring",
     "together-nccl-tests benchmarks/H100/results/20260305_220043/all_reduce_nvls.out (-g 8)"},
    {"H100AllReduce1KiB", "platforms/pod8-nvswitch.yaml", "", "all_reduce", "1 KiB", "", 35.17, true, 2.0,
     "ring", "same file"},
    {"H100AllReduce8KiB", "platforms/pod8-nvswitch.yaml", "", "all_reduce", "8 KiB", "", 35.29, true, 2.0,
     "ring", "same file"},
    {"H100AllReduce64KiB", "platforms/pod8-nvswitch.yaml", "", "all_reduce", "64 KiB", "", 36.24, true, 2.0,
     "ring", "same file"},
    {"A100AllReduce1KiB", "platforms/systems/dgx-a100.yaml", "", "all_reduce", "1 KiB", "", 16.96, true, 2.0,
     "ring", "microsoft/mscclpp docs/performance-ndmv4.md (MPI, one GPU per process, CUDA graph)"},
    {"MI300XAllReduce8B", "platforms/systems/mi300x.yaml", "", "all_reduce", "8 B", "", 16.61, true, 2.0,
     "mesh_ring", "ROCm blog (March 2025), RCCL 2.22.3, one process per GPU, no graph"},
    {"MI300XAllReduce1KiB", "platforms/systems/mi300x.yaml", "", "all_reduce", "1 KiB", "", 13.11, true, 2.0,
     "mesh_ring", "same table"},
    {"MI300XAllReduce64KiB", "platforms/systems/mi300x.yaml", "", "all_reduce", "64 KiB", "", 13.77, true,
     2.0, "mesh_ring", "same table"},
    // Across two nodes: NCCL's tree (a chain through each node, a tree across nodes: 2 x (7 + 1) steps), the
    // library's steps buffered, a chunk paying the network's latency only where it crosses.
    {"H100TwoNodesAllReduce8B", "platforms/systems/h100-ndr.yaml", "2", "all_reduce", "8 B", "", 24.70, true,
     2.0, "node_tree", "NVIDIA/nccl-tests issue 309, 2 nodes x 8 H100, NCCL 2.26.2, in place"},
    {"H100TwoNodesAllReduce1KiB", "platforms/systems/h100-ndr.yaml", "2", "all_reduce", "1 KiB", "", 26.65,
     true, 2.0, "node_tree", "same table"},
    {"H100TwoNodesAllReduce8KiB", "platforms/systems/h100-ndr.yaml", "2", "all_reduce", "8 KiB", "", 31.67,
     true, 2.0, "node_tree", "same table"},
    {"H100TwoNodesAllReduce64KiB", "platforms/systems/h100-ndr.yaml", "2", "all_reduce", "64 KiB", "", 33.08,
     true, 2.0, "node_tree", "same table"},
};

// Names the case in gtest's messages.
void PrintTo(const Published& p, std::ostream* os) {
  *os << p.name;
}

class PublishedFigure : public ::testing::TestWithParam<Published> {};

TEST_P(PublishedFigure, IsWithinItsTolerance) {
  const Published& c = GetParam();
  SCOPED_TRACE(c.source);
  std::vector<pjbit::core::Override> set = {{"engine", c.latency ? "packet" : "flow"}};
  if (*c.domains) set.push_back({"tiers.1.domains", c.domains});
  if (*c.set) set.push_back(pjbit::core::parse_override(c.set));
  const std::string path = testing::source_dir() + "/" + c.platform;
  std::string workload =
      std::string("name: w\nsteps:\n  - collective: ") + c.collective + "\n    size: " + c.size + "\n";
  if (*c.algorithm) workload += std::string("    algorithm: ") + c.algorithm + "\n";
  testing::Outcome o;
  o.platform = pjbit::platforms::load_platform(path, set);
  o.workload = pjbit::workloads::parse_workload(workload, "workload.yaml");
  o.sim = pjbit::engine::simulate(o.platform, o.workload);
  ASSERT_EQ(o.sim.steps.size(), 1u);
  const auto& s = o.sim.steps.front();
  if (*c.expect_algorithm) {
    EXPECT_EQ(s.algorithm, c.expect_algorithm);
  }
  EXPECT_FALSE(s.protocol.empty()) << "the platform's accelerator runs a collective library";
  const double t = s.end_s - s.start_s;
  if (c.latency) {
    const double us = t * 1e6;
    std::printf("%s: pjbit %.2f us, published %.2f us (%.2fx), %s %s\n", c.name, us, c.published,
                us / c.published, s.algorithm.c_str(), s.protocol.c_str());
    EXPECT_LE(us, c.published * c.tolerance);
    EXPECT_GE(us, c.published / c.tolerance);
  } else {
    const double busbw =
        static_cast<double>(s.size_bytes) / t * pjbit::workloads::busbw_factor(s.op, s.ranks) / 1e9;
    std::printf("%s: pjbit %.2f GB/s, published %.2f GB/s (%+.1f%%), %s %s\n", c.name, busbw, c.published,
                100.0 * (busbw / c.published - 1.0), s.algorithm.c_str(), s.protocol.c_str());
    EXPECT_NEAR(busbw, c.published, c.tolerance * c.published);
  }
}

INSTANTIATE_TEST_SUITE_P(NcclTests, PublishedFigure, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Published>& p) { return p.param.name; });

// A phase with nothing to move (a buffer smaller than the group's chunks) still waits the library's latency
// and ends once: an 8 B all_reduce over two channels on 8 H100 completes (it deadlocked when such a phase
// was counted twice) and costs NCCL's launch and 14 hops of LL plus the fabric's latency, as one channel's
// does (H100AllReduce8B above: 22.0 us).
TEST(CollectiveLibrary, PhasesWithNothingToMoveEndOnce) {
  const std::string path = testing::source_dir() + "/platforms/pod8-nvswitch.yaml";
  const auto platform = pjbit::platforms::load_platform(path, {{"engine", "packet"}});
  const auto workload = pjbit::workloads::parse_workload(
      "name: w\nsteps:\n  - { collective: all_reduce, size: 8 B, algorithm: ring, channels: 2 }\n", "w.yaml");
  const auto sim = pjbit::engine::simulate(platform, workload);
  ASSERT_EQ(sim.steps.size(), 1u);
  EXPECT_EQ(sim.steps[0].protocol, "ll");
  const double t = sim.steps[0].end_s - sim.steps[0].start_s;
  EXPECT_GT(t, 6.6e-6 + 14 * 0.6e-6);
  EXPECT_LT(t, 30e-6);
}

// RCCL's tuner prices a ring at its channels' bandwidths summed: on an MI300X node mesh_ring's channels leave
// every GPU over its 7 xGMI links, 7 x 48 GB/s, so LL (12 us + 14 x 0.8 us, at most 26.88 GB/s) gives way to
// Simple (17 us + 14 x 2.1 us) near 390 KB. Priced at one link's 48 GB/s, LL would have run to about 810 KB.
TEST(CollectiveLibrary, MeshRingsArePricedAtEveryLinkTheyUse) {
  const std::string path = testing::source_dir() + "/platforms/systems/mi300x.yaml";
  const auto platform = pjbit::platforms::load_platform(path, {{"engine", "flow"}});
  const auto workload = pjbit::workloads::parse_workload(
      "name: w\nsteps:\n  - { collective: all_reduce, size: 256 KiB }\n"
      "  - { collective: all_reduce, size: 512 KiB }\n",
      "w.yaml");
  const auto sim = pjbit::engine::simulate(platform, workload);
  ASSERT_EQ(sim.steps.size(), 2u);
  for (const auto& s : sim.steps)
    EXPECT_EQ(s.algorithm, "mesh_ring");
  EXPECT_EQ(sim.steps[0].channels, 8);   // 32 KiB a channel at least
  EXPECT_EQ(sim.steps[1].channels, 14);  // one per mesh ring
  EXPECT_EQ(sim.steps[0].protocol, "ll");
  EXPECT_EQ(sim.steps[1].protocol, "simple");
}

}  // namespace test_calibration
}  // namespace
