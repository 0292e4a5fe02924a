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
}

TEST(CommLibraryKeys, BadValuesAreOneErrorNamingLineAndKey) {
  EXPECT_EQ(
      platform_error(pod("  preset: h100-sxm5\n  comm_library: nccl-z9\n")),
      "p.yaml:4:17: accelerator.comm_library: unknown comm_library preset \"nccl-z9\"; expected none or one "
      "of: nccl-a100, nccl-h100, nccl-b200");
  EXPECT_EQ(
      platform_error(pod("  preset: h100-sxm5\n  comm_library: { preset: nccl-h100, net_efficiency: 0 }\n")),
      "p.yaml:4:54: accelerator.comm_library.net_efficiency: expected a share of the payload rate above 0 "
      "and "
      "at most 1, got 0");
  EXPECT_NE(platform_error(
                pod("  preset: h100-sxm5\n  comm_library: { preset: nccl-h100, nvls_efficiency: 1.5 }\n"))
                .find("accelerator.comm_library.nvls_efficiency:"),
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

}  // namespace test_comm_library
}  // namespace
