// The collective-library model (modules/accelerator/comm_library.h): line formats, the tuner's estimate and
// choice, the presets' constants, the platform keys and their errors, NVLS's schedule, and the algorithm
// `auto` picks with a library.
#include <gtest/gtest.h>

#include <numeric>
#include <string>

#include "core/errors.h"
#include "engine/simulation.h"
#include "modules/accelerator/comm_library.h"
#include "platforms/loader.h"
#include "platforms/tech/presets.h"
#include "workloads/i_collective.h"
#include "workloads/loader.h"

namespace {
namespace test_comm_library {

using pjbit::accelerator::CommLibrary;
using pjbit::accelerator::Family;
using pjbit::accelerator::Protocol;
namespace platforms = pjbit::platforms;
namespace workloads = pjbit::workloads;

constexpr double GiB = 1024.0 * 1024.0 * 1024.0;

const CommLibrary& preset(const std::string& name) {
  const auto* p = platforms::tech::find_preset("comm_library", name);
  EXPECT_NE(p, nullptr) << name;
  return p->comm;
}

TEST(CommLibrary, LinesCarryTheirFlags) {
  // LL: 8 data bytes per 16-byte line; LL128: 120 per 128; Simple: the payload.
  EXPECT_EQ(CommLibrary::wire_bytes(0, Protocol::LL), 0u);
  EXPECT_EQ(CommLibrary::wire_bytes(1, Protocol::LL), 16u);
  EXPECT_EQ(CommLibrary::wire_bytes(8, Protocol::LL), 16u);
  EXPECT_EQ(CommLibrary::wire_bytes(9, Protocol::LL), 32u);
  EXPECT_EQ(CommLibrary::wire_bytes(1 << 20, Protocol::LL), 2u << 20);
  EXPECT_EQ(CommLibrary::wire_bytes(120, Protocol::LL128), 128u);
  EXPECT_EQ(CommLibrary::wire_bytes(121, Protocol::LL128), 256u);
  EXPECT_EQ(CommLibrary::wire_bytes(123456789, Protocol::Simple), 123456789u);
}

TEST(CommLibrary, PayloadRateIsTheProtocolsShareOrItsCap) {
  CommLibrary lib;
  lib.max_rate_Bps = {141e9, 0.0, 0.0};
  EXPECT_DOUBLE_EQ(lib.payload_rate_Bps(Protocol::LL, 370.8e9), 141e9);  // 185.4 GB/s capped
  EXPECT_DOUBLE_EQ(lib.payload_rate_Bps(Protocol::LL, 200e9), 100e9);    // below the cap
  EXPECT_DOUBLE_EQ(lib.payload_rate_Bps(Protocol::LL128, 120e9), 112.5e9);
  EXPECT_DOUBLE_EQ(lib.payload_rate_Bps(Protocol::Simple, 370.8e9), 370.8e9);
}

TEST(CommLibrary, EstimateIsLaunchPlusStepsPlusBytesAtTheProtocolsRate) {
  const CommLibrary& h100 = preset("nccl-h100");
  // 8-rank ring all_reduce of 1 GiB inside a node: 14 steps, 2 x 7/8 GiB sent per rank at 370.8 GB/s.
  const CommLibrary::Shape ring{Family::Ring, 14, 0, 1.75 * GiB, 370.8e9};
  EXPECT_NEAR(h100.estimate_s(ring, Protocol::Simple), 8.4e-6 + 14 * 3.4e-6 + 1.75 * GiB / 370.8e9, 1e-12);
  EXPECT_NEAR(h100.estimate_s(ring, Protocol::LL), 6.6e-6 + 14 * 0.6e-6 + 1.75 * GiB / 141e9, 1e-12);
  EXPECT_NEAR(h100.estimate_s(ring, Protocol::LL128),
              14e-6 + 14 * 1.9e-6 + 1.75 * GiB / (370.8e9 * 120.0 / 128.0), 1e-12);
  // Two of 30 steps over the network: those pay the network hop.
  const CommLibrary::Shape two_nodes{Family::Ring, 30, 2, 1.0, 1e12};
  EXPECT_NEAR(h100.estimate_s(two_nodes, Protocol::Simple), 8.4e-6 + 28 * 3.4e-6 + 2 * 14e-6 + 1e-12, 1e-15);
  // NVLS pays its hop latency once per call, not per step.
  const CommLibrary::Shape nvls{Family::Nvls, 9, 0, 0.0, 1e12};
  EXPECT_NEAR(h100.estimate_s(nvls, Protocol::Simple), 25e-6, 1e-15);
}

TEST(CommLibrary, TheTunerPicksLLForSmallMessagesAndSimpleForLargeOnes) {
  const CommLibrary& h100 = preset("nccl-h100");
  const auto pick = [&](double bytes) {
    return h100.choose(CommLibrary::Shape{Family::Ring, 14, 0, 1.75 * bytes, 370.8e9});
  };
  EXPECT_EQ(pick(8), Protocol::LL);
  EXPECT_EQ(pick(64 * 1024), Protocol::LL);
  EXPECT_EQ(pick(GiB), Protocol::Simple);
  // Once Simple wins it keeps winning as messages grow.
  bool simple = false;
  for (double b = 8; b <= 16 * GiB; b *= 2) {
    const Protocol p = pick(b);
    if (simple) {
      EXPECT_EQ(p, Protocol::Simple) << b;
    }
    simple = simple || p == Protocol::Simple;
  }
  EXPECT_TRUE(simple);
  // A family with one protocol always gets it.
  EXPECT_EQ(h100.choose(CommLibrary::Shape{Family::Nvls, 1, 0, 8.0, 1e11}), Protocol::Simple);
}

TEST(CommLibrary, PresetsCarryNcclsConstantsPerGeneration) {
  const CommLibrary& a100 = preset("nccl-a100");
  const CommLibrary& h100 = preset("nccl-h100");
  const CommLibrary& b200 = preset("nccl-b200");
  for (const CommLibrary* lib : {&a100, &h100, &b200}) {
    EXPECT_TRUE(lib->runs(Family::Ring));
    EXPECT_TRUE(lib->runs(Family::Tree));
    EXPECT_DOUBLE_EQ(lib->of(Family::Ring, Protocol::Simple).launch_s, 8.4e-6);
    EXPECT_DOUBLE_EQ(lib->of(Family::Ring, Protocol::Simple).hop_s[1], 14e-6);
    EXPECT_DOUBLE_EQ(lib->net_efficiency, 0.966);
  }
  // NVLS exists from Hopper on, at NCCL's efficiency for each generation.
  EXPECT_FALSE(a100.runs(Family::Nvls));
  EXPECT_DOUBLE_EQ(h100.nvls_efficiency, 0.85);
  EXPECT_DOUBLE_EQ(b200.nvls_efficiency, 0.74);
  EXPECT_FALSE(h100.of(Family::Nvls, Protocol::LL).available);
  EXPECT_DOUBLE_EQ(a100.max_rate_Bps[0], 87.7e9);
  EXPECT_DOUBLE_EQ(h100.max_rate_Bps[0], 141e9);
  EXPECT_DOUBLE_EQ(b200.max_rate_Bps[0], 282e9);
}

// NVLS's pipeline as NCCL runs it without registered buffers: 16 channels on Hopper, 24 on Blackwell, chunks
// of 128 KiB halved while the buffer is under 64, 8 and 2 loops of every channel's every head
// (src/enqueue.cc), at most 32 heads.
TEST(CommLibrary, NvlsChunksAndLoopsFollowNcclsRules) {
  const CommLibrary& h100 = preset("nccl-h100");
  const CommLibrary& b200 = preset("nccl-b200");
  EXPECT_EQ(h100.nvls_channels, 16);
  EXPECT_EQ(b200.nvls_channels, 24);
  EXPECT_DOUBLE_EQ(h100.nvls_chunk_bytes, 128.0 * 1024);
  EXPECT_EQ(preset("nccl-a100").nvls_channels, 0);
  constexpr double MiB = 1024.0 * 1024;
  // 8 H100: 16 x 8 = 128 concurrent chunks.
  EXPECT_DOUBLE_EQ(h100.nvls_chunk(4 * MiB, 8), 16384.0);    // under 2 x 128 x 32 KiB = 8 MiB
  EXPECT_DOUBLE_EQ(h100.nvls_chunk(16 * MiB, 8), 32768.0);   // under 8 x 128 x 64 KiB = 64 MiB
  EXPECT_DOUBLE_EQ(h100.nvls_chunk(128 * MiB, 8), 65536.0);  // under 64 x 128 x 128 KiB = 1 GiB
  EXPECT_DOUBLE_EQ(h100.nvls_chunk(1024 * MiB, 8), 131072.0);
  EXPECT_EQ(h100.nvls_loops(16 * MiB, 8), 4);     // 16 MiB / (16 x 8 x 32 KiB)
  EXPECT_EQ(h100.nvls_loops(128 * MiB, 8), 16);   // / (16 x 8 x 64 KiB)
  EXPECT_EQ(h100.nvls_loops(1024 * MiB, 8), 64);  // / (16 x 8 x 128 KiB)
  EXPECT_EQ(h100.nvls_loops(1024.0, 8), 1);
  // 72 ranks have 32 heads: 24 x 32 = 768 concurrent chunks on Blackwell.
  EXPECT_DOUBLE_EQ(b200.nvls_chunk(1024 * MiB, 72), 65536.0);  // under 64 x 768 x 128 KiB = 6 GiB
  EXPECT_EQ(b200.nvls_loops(1024 * MiB, 72), 22);              // 1 GiB / (24 x 32 x 64 KiB), rounded up
  // The copies in and out: one loop's share of the link time each.
  EXPECT_DOUBLE_EQ(h100.nvls_copy_stages_s(16 * MiB, 8, 60e-6), 30e-6);
  EXPECT_DOUBLE_EQ(preset("nccl-a100").nvls_copy_stages_s(16 * MiB, 8, 60e-6), 0.0);
}

// NCCL's NVLS tree reaches at most its per-channel cap (perChMaxNVLSTreeBws, NCCL 2.28.3 and later) times
// its channels, one per head: 57.7 GB/s on two Hopper nodes and 45.5 on more, 96 and 80 on Blackwell. A
// library that sets none (A100: no NVLS) caps nothing.
TEST(CommLibrary, TheNvlsTreeIsHeldToNcclsChannelCap) {
  const CommLibrary& h100 = preset("nccl-h100");
  const CommLibrary& b200 = preset("nccl-b200");
  EXPECT_DOUBLE_EQ(h100.nvls_tree_busbw_cap_Bps(2, 8), 8 * 57.7e9);
  EXPECT_DOUBLE_EQ(h100.nvls_tree_busbw_cap_Bps(3, 8), 8 * 45.5e9);
  EXPECT_DOUBLE_EQ(h100.nvls_tree_busbw_cap_Bps(16, 4), 4 * 45.5e9);
  EXPECT_DOUBLE_EQ(b200.nvls_tree_busbw_cap_Bps(2, 8), 8 * 96e9);
  EXPECT_DOUBLE_EQ(b200.nvls_tree_busbw_cap_Bps(4, 8), 8 * 80e9);
  // At most NCCL_MAX_NVLS_ARITY heads, at least one.
  EXPECT_DOUBLE_EQ(b200.nvls_tree_busbw_cap_Bps(2, 72), 32 * 96e9);
  EXPECT_DOUBLE_EQ(b200.nvls_tree_busbw_cap_Bps(2, 0), 96e9);
  EXPECT_DOUBLE_EQ(preset("nccl-a100").nvls_tree_busbw_cap_Bps(2, 8), 0.0);
}

// RCCL's constants for gfx942 (ROCm/rccl 2.21.5 src/graph/tuning.cc, tuning model 5): its own base and
// per-step latencies, no LL128, and an LL cap of 0.08 of the node's 7 x 48 GB/s of xGMI.
TEST(CommLibrary, TheRcclPresetCarriesRcclsGfx942Constants) {
  const CommLibrary& rccl = preset("rccl-mi300x");
  EXPECT_TRUE(rccl.runs(Family::Ring));
  EXPECT_TRUE(rccl.runs(Family::Tree));
  EXPECT_FALSE(rccl.runs(Family::Nvls));
  for (Family f : {Family::Ring, Family::Tree}) {
    EXPECT_FALSE(rccl.of(f, Protocol::LL128).available);
    EXPECT_DOUBLE_EQ(rccl.of(f, Protocol::LL).launch_s, 12e-6);
    EXPECT_DOUBLE_EQ(rccl.of(f, Protocol::Simple).launch_s, 17e-6);
  }
  EXPECT_DOUBLE_EQ(rccl.of(Family::Ring, Protocol::LL).hop_s[0], 0.8e-6);
  EXPECT_DOUBLE_EQ(rccl.of(Family::Ring, Protocol::Simple).hop_s[0], 2.1e-6);
  EXPECT_DOUBLE_EQ(rccl.of(Family::Tree, Protocol::LL).hop_s[0], 0.9e-6);
  EXPECT_DOUBLE_EQ(rccl.of(Family::Tree, Protocol::Simple).hop_s[0], 2.3e-6);
  EXPECT_DOUBLE_EQ(rccl.of(Family::Ring, Protocol::Simple).hop_s[1], 320e-6);
  EXPECT_DOUBLE_EQ(rccl.max_rate_Bps[0], 0.08 * 7 * 48e9);
  EXPECT_DOUBLE_EQ(rccl.net_efficiency, 1.0);
  // Without LL128 the tuner chooses between LL and Simple only.
  const CommLibrary::Shape small{Family::Ring, 14, 0, 1.75 * 1024, 336e9};
  const CommLibrary::Shape large{Family::Ring, 14, 0, 1.75 * GiB, 336e9};
  EXPECT_EQ(rccl.choose(small), Protocol::LL);
  EXPECT_EQ(rccl.choose(large), Protocol::Simple);
}

// ---- platform keys ----------------------------------------------------------------------------------------

std::string pod(const std::string& accelerator) {
  return "name: p\naccelerator:\n" + accelerator +
         "topology:\n  kind: switch\n  ranks: 8\n  link: { preset: nvlink4-x18 }\n"
         "  switch: { preset: nvswitch-gen3, radix: 256 }\n";
}

std::string platform_error(const std::string& text) {
  try {
    platforms::parse_platform(text, "p.yaml");
  } catch (const pjbit::core::InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "parse_platform did not throw for:\n" << text;
  return {};
}

TEST(CommLibraryKeys, AnAcceleratorPresetBringsItsLibraryAndAPlatformMayChangeIt) {
  EXPECT_EQ(platforms::parse_platform(pod("  preset: h100-sxm5\n"), "p.yaml").accelerator.comm.name,
            "nccl-h100");
  EXPECT_FALSE(platforms::parse_platform(pod("  preset: h100-sxm5\n  comm_library: none\n"), "p.yaml")
                   .accelerator.comm.enabled());
  EXPECT_FALSE(
      platforms::parse_platform(pod("  preset: generic-npu\n"), "p.yaml").accelerator.comm.enabled());
  const auto p = platforms::parse_platform(
      pod("  preset: h100-sxm5\n  comm_library: { preset: nccl-b200, net_efficiency: 0.9,\n"
          "    ring: { simple: { launch: 5 us, scale_up_hop: 1 us, network_hop: 2 us } } }\n"),
      "p.yaml");
  const CommLibrary& c = p.accelerator.comm;
  EXPECT_DOUBLE_EQ(c.net_efficiency, 0.9);
  EXPECT_DOUBLE_EQ(c.nvls_efficiency, 0.74);  // from the preset
  EXPECT_DOUBLE_EQ(c.of(Family::Ring, Protocol::Simple).launch_s, 5e-6);
  EXPECT_DOUBLE_EQ(c.of(Family::Ring, Protocol::LL).launch_s, 6.6e-6);  // from the preset
  // A platform may change one of the NVLS tree's caps and keep the other.
  const auto q = platforms::parse_platform(pod("  preset: h100-sxm5\n  comm_library: { preset: nccl-h100,\n"
                                               "    nvls_tree_channel_rate: { more_domains: 50 GB/s } }\n"),
                                           "p.yaml");
  EXPECT_DOUBLE_EQ(q.accelerator.comm.nvls_tree_channel_Bps[0], 57.7e9);
  EXPECT_DOUBLE_EQ(q.accelerator.comm.nvls_tree_channel_Bps[1], 50e9);
}

TEST(CommLibraryKeys, BadValuesAreOneErrorNamingLineAndKey) {
  EXPECT_EQ(
      platform_error(pod("  preset: h100-sxm5\n  comm_library: nccl-z9\n")),
      "p.yaml:4:17: accelerator.comm_library: unknown comm_library preset \"nccl-z9\"; expected none or one "
      "of: nccl-a100, nccl-h100, nccl-b200, rccl-mi300x");
  EXPECT_EQ(
      platform_error(pod("  preset: h100-sxm5\n  comm_library: { preset: nccl-h100, net_efficiency: 0 }\n")),
      "p.yaml:4:54: accelerator.comm_library.net_efficiency: expected a share of the payload rate above 0 "
      "and "
      "at most 1, got 0");
  EXPECT_NE(platform_error(
                pod("  preset: h100-sxm5\n  comm_library: { preset: nccl-h100, nvls_efficiency: 1.5 }\n"))
                .find("accelerator.comm_library.nvls_efficiency:"),
            std::string::npos);
  EXPECT_NE(
      platform_error(pod("  preset: h100-sxm5\n  comm_library: { preset: nccl-h100, nvls_channels: 0 }\n"))
          .find("accelerator.comm_library.nvls_channels:"),
      std::string::npos);
  EXPECT_NE(
      platform_error(pod("  preset: h100-sxm5\n  comm_library: { preset: nccl-h100, nvls_chunk: 0 B }\n"))
          .find("accelerator.comm_library.nvls_chunk:"),
      std::string::npos);
  EXPECT_EQ(platform_error(pod("  preset: h100-sxm5\n  comm_library: { preset: nccl-h100,\n"
                               "    nvls_tree_channel_rate: { two_domains: 0 GB/s } }\n")),
            "p.yaml:5:44: accelerator.comm_library.nvls_tree_channel_rate.two_domains: expected a data rate "
            "such as \"100 GB/s\" above zero, got \"0 GB/s\"");
  EXPECT_NE(platform_error(pod("  preset: h100-sxm5\n  comm_library: { preset: nccl-h100,\n"
                               "    nvls_tree_channel_rate: { three_domains: 1 GB/s } }\n"))
                .find("accelerator.comm_library.nvls_tree_channel_rate.three_domains:"),
            std::string::npos);
  EXPECT_NE(platform_error(pod("  preset: h100-sxm5\n  comm_library: { preset: nccl-h100,\n"
                               "    nvls_tree_channel_rate: 50 GB/s }\n"))
                .find("accelerator.comm_library.nvls_tree_channel_rate:"),
            std::string::npos);
  EXPECT_NE(platform_error(pod("  preset: h100-sxm5\n  comm_library: { preset: nccl-h100, speed: 2 }\n"))
                .find("accelerator.comm_library.speed:"),
            std::string::npos);
  EXPECT_EQ(
      platform_error(pod("  comm_library: { net_efficiency: 0.9 }\n")),
      "p.yaml:3:17: accelerator.comm_library.ring: missing; expected the ring latencies of the collective "
      "library, such as ring: { simple: { launch: 8.4 us, scale_up_hop: 3.4 us, network_hop: 14 us } }");
  EXPECT_NE(platform_error(pod("  comm_library: { ring: { fast: { launch: 1 us } } }\n"))
                .find("accelerator.comm_library.ring.fast:"),
            std::string::npos);
  EXPECT_NE(platform_error(pod("  comm_library: { ring: { ll: { launch: 1 GB/s } } }\n"))
                .find("accelerator.comm_library.ring.ll.launch:"),
            std::string::npos);
}

// ---- NVLS and auto
// -----------------------------------------------------------------------------------------

TEST(Nvls, EachRankSendsItsChunksAndItsSlicesUpAndGetsAsMuchBack) {
  const workloads::ICollective* nvls = workloads::find_collective("nvls");
  ASSERT_NE(nvls, nullptr);
  const std::vector<int> group = {0, 1, 2, 3, 4, 5, 6, 7};
  const std::uint64_t size = 3 * 1024 * 1024 + 5;
  const workloads::Schedule s = nvls->build(workloads::Op::AllReduce, group, size);
  std::uint64_t slices = 0;
  for (std::size_t i = 0; i < group.size(); ++i) {
    std::uint64_t up = 0, down = 0;
    for (const auto& ph : s[i]) {
      for (const auto& t : ph.sends) {
        EXPECT_EQ(t.peer, workloads::kInNetworkPeer);
        up += t.bytes;
      }
      for (const auto& t : ph.recvs)
        down += t.bytes;
    }
    EXPECT_EQ(up, down);
    EXPECT_GE(up, size);
    slices += up - size;
  }
  // The slices of every chunk add up to the chunk: over the ranks, one more buffer.
  EXPECT_EQ(slices, size);
}

TEST(AutoAlgorithm, WithALibraryAReducingSwitchRunsNvlsForLargeMessagesAndTheRingForSmallOnes) {
  const auto spec = platforms::parse_platform(pod("  preset: h100-sxm5\n"), "p.yaml");
  workloads::CollectiveStep c;
  c.op = workloads::Op::AllReduce;
  c.size_bytes = 8;
  EXPECT_EQ(pjbit::engine::default_algorithm(spec, c), "ring");
  c.size_bytes = static_cast<std::uint64_t>(8 * GiB);
  EXPECT_EQ(pjbit::engine::default_algorithm(spec, c), "nvls");
  c.op = workloads::Op::AllGather;
  EXPECT_EQ(pjbit::engine::default_algorithm(spec, c), "ring");
  // Without a library the topology's default is unchanged: the textbook in-switch reduction.
  const auto bare = platforms::parse_platform(pod("  preset: h100-sxm5\n  comm_library: none\n"), "p.yaml");
  c.op = workloads::Op::AllReduce;
  EXPECT_EQ(pjbit::engine::default_algorithm(bare, c), "in_network");
}

// With a library, a full mesh runs the library's rings over every link (mesh_ring), one channel per mesh
// ring (14 on 8 ranks) for large messages, fewer for small ones (32 KiB a channel), as many as the step says
// when it says; all_to_all and broadcast keep the mesh's defaults, and so does a mesh without a library.
TEST(AutoAlgorithm, WithALibraryAFullMeshRunsRingsOverEveryLink) {
  const std::string mesh =
      "name: m\naccelerator: { preset: mi300x-oam }\n"
      "topology: { kind: full_mesh, ranks: 8, link: { preset: xgmi-mi300x } }\n";
  const auto spec = platforms::parse_platform(mesh, "m.yaml");
  workloads::CollectiveStep c;
  c.size_bytes = static_cast<std::uint64_t>(8 * GiB);
  for (workloads::Op op :
       {workloads::Op::AllReduce, workloads::Op::AllGather, workloads::Op::ReduceScatter}) {
    c.op = op;
    EXPECT_EQ(pjbit::engine::default_algorithm(spec, c), "mesh_ring");
    EXPECT_EQ(pjbit::engine::channels_of(spec, c), 14);
  }
  c.op = workloads::Op::AllToAll;
  EXPECT_EQ(pjbit::engine::default_algorithm(spec, c), "direct");
  c.op = workloads::Op::Broadcast;
  EXPECT_EQ(pjbit::engine::default_algorithm(spec, c), "ring");
  c.op = workloads::Op::AllReduce;
  c.size_bytes = 1024;
  EXPECT_EQ(pjbit::engine::channels_of(spec, c), 1);
  c.size_bytes = 64 * 1024;
  EXPECT_EQ(pjbit::engine::channels_of(spec, c), 2);
  c.ranks = {0, 1, 2, 3, 4};  // five ranks: 4 mesh rings, each directed pair on one
  c.size_bytes = static_cast<std::uint64_t>(GiB);
  EXPECT_EQ(pjbit::engine::channels_of(spec, c), 4);
  c.ranks.clear();
  c.channels = 3;
  c.channels_given = true;
  EXPECT_EQ(pjbit::engine::channels_of(spec, c), 3);
  // Named, mesh_ring runs its mesh rings too; ring stays one ring.
  c.channels = 1;
  c.channels_given = false;
  c.algorithm = "mesh_ring";
  EXPECT_EQ(pjbit::engine::channels_of(spec, c), 14);
  c.algorithm = "ring";
  EXPECT_EQ(pjbit::engine::channels_of(spec, c), 1);
  c.algorithm.clear();
  const auto bare = platforms::parse_platform(
      "name: m\naccelerator: { preset: mi300x-oam, comm_library: none }\n"
      "topology: { kind: full_mesh, ranks: 8, link: { preset: xgmi-mi300x } }\n",
      "m.yaml");
  EXPECT_EQ(pjbit::engine::default_algorithm(bare, c), "direct");
  EXPECT_EQ(pjbit::engine::channels_of(bare, c), 1);
}

}  // namespace test_comm_library
}  // namespace
