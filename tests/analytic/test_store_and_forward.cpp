// Store-and-forward switches in both engines (modules/switch/switch.md, docs/engines.md). One message of m
// bytes, cut into packets of P, crosses an idle path of k links of payload rate R = B (1 - overhead) with
// latency L and h switches of latency L_sw:
//   cut-through        T = m/R + k L + h L_sw
//   store-and-forward  T = m/R + k L + h L_sw + h min(P, m)/R
// The first packet is serialized once more into every store-and-forward switch and the packets behind it
// keep that lag (a message's last packet, even a short one, waits for the full packet ahead of it on every
// link after the first). The packet engine does this packet by packet; the flow engine adds the term to the
// path's latency. Both are checked against the closed form, and against each other, on a single switch
// (h = 1) and across a leaf-spine (h = 3, by ECMP and sprayed).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <ostream>
#include <string>
#include <systemc>

#include "engine/simulation.h"
#include "platforms/loader.h"
#include "workloads/alpha_beta.h"
#include "workloads/loader.h"

namespace {
namespace test_store_and_forward {

constexpr double kBandwidth = 100e9;  // B, per direction
constexpr double kOverhead = 0.2;
constexpr double kRate = kBandwidth * (1.0 - kOverhead);  // R, payload bytes per second
constexpr double kLink = 500e-9;                          // L
constexpr double kSwitch = 300e-9;                        // L_sw
constexpr std::uint64_t kPacket = 64 * 1024;              // P

struct Case {
  const char* name;
  const char* topology;  // the platform's topology block, SAF standing for the store_and_forward value
  int dst;               // rank 0 sends to this rank
  int links;             // k
  int switches;          // h
  std::uint64_t bytes;   // m
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

const char* const kSwitchTopology =
    "topology:\n  kind: switch\n  ranks: 4\n  link: LINK\n"
    "  switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 64, store_and_forward: SAF }\n";
// 16 ranks on leaves of radix 8: 4 leaves of 4 ranks, 4 spines; rank 0 to rank 15 crosses leaf, spine, leaf.
const char* const kLeafSpine =
    "topology:\n  kind: fat_tree\n  levels: 2\n  ranks: 16\n  radix: 8\n  link: LINK\n"
    "  switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 8, store_and_forward: SAF }\n";
const char* const kSprayedLeafSpine =
    "topology:\n  kind: fat_tree\n  levels: 2\n  ranks: 16\n  radix: 8\n  routing: spray\n  link: LINK\n"
    "  switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 8, store_and_forward: SAF }\n";

const Case kCases[] = {
    // Many whole packets, many packets with a short last one, and a message shorter than a packet.
    {"SwitchManyPackets", kSwitchTopology, 1, 2, 1, 4 * 1024 * 1024},
    {"SwitchShortLastPacket", kSwitchTopology, 1, 2, 1, 4 * 1024 * 1024 + 1000},
    {"SwitchOnePacket", kSwitchTopology, 1, 2, 1, 20000},
    {"LeafSpineManyPackets", kLeafSpine, 15, 4, 3, 4 * 1024 * 1024},
    {"LeafSpineShortLastPacket", kLeafSpine, 15, 4, 3, 4 * 1024 * 1024 + 1000},
    {"LeafSpineOnePacket", kLeafSpine, 15, 4, 3, 20000},
    // Sprayed: every packet picks its own spine, and all meet again on the destination's link, where the last
    // one, however short, follows the full packet ahead of it.
    {"SprayedLeafSpineManyPackets", kSprayedLeafSpine, 15, 4, 3, 4 * 1024 * 1024},
    {"SprayedLeafSpineOnePacket", kSprayedLeafSpine, 15, 4, 3, 20000},
    {"SprayedLeafSpineShortLastPacket", kSprayedLeafSpine, 15, 4, 3, 4 * 1024 * 1024 + 1000},
};

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at; (at = text.find(from)) != std::string::npos;)
    text.replace(at, from.size(), to);
  return text;
}

// The platform text of `topology` on `engine`, with the test's link and store_and_forward set.
std::string platform_text(const std::string& topology, const std::string& engine, bool store_and_forward) {
  std::string platform = "name: saf\nengine: " + engine + "\npacket: 64 KiB\n" + topology;
  platform = replace_all(platform, "LINK",
                         "{ bandwidth: 100 GB/s, latency: 500 ns, overhead: 0.2, energy: 5 pJ/bit }");
  return replace_all(platform, "SAF", store_and_forward ? "true" : "false");
}

// The simulated time of a run in a fresh SystemC context, checking that it ran on `engine`.
double simulate(const std::string& platform, const std::string& workload, const std::string& engine) {
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
  const auto result = pjbit::engine::simulate(pjbit::platforms::parse_platform(platform, "saf.yaml"),
                                              pjbit::workloads::parse_workload(workload, "w.yaml"));
  EXPECT_EQ(result.engine, engine);
  return result.sim_time_s;
}

// The simulated time of the case's one message on `engine`.
double simulate(const Case& c, const std::string& engine, bool store_and_forward) {
  const std::string workload = "name: one\nsteps:\n  - traffic: { pairs: [[0, " + std::to_string(c.dst) +
                               "]], size: " + std::to_string(c.bytes) + " B }\n";
  return simulate(platform_text(c.topology, engine, store_and_forward), workload, engine);
}

class StoreAndForward : public ::testing::TestWithParam<Case> {};

TEST_P(StoreAndForward, BothEnginesAddOnePacketPerSwitchAndAgree) {
  const Case& c = GetParam();
  const double m = static_cast<double>(c.bytes);
  const double cut = m / kRate + c.links * kLink + c.switches * kSwitch;
  const double lag = c.switches * static_cast<double>(std::min(kPacket, c.bytes)) / kRate;
  // Each link rounds its serialization time to the kernel's 1 ps tick, the flow engine its delay once.
  const double ticks = 1e-12 * (2.0 * static_cast<double>(c.bytes / kPacket + 2) * c.links + 4.0);

  const double packet_ct = simulate(c, "packet", false);
  const double flow_ct = simulate(c, "flow", false);
  const double packet_sf = simulate(c, "packet", true);
  const double flow_sf = simulate(c, "flow", true);

  // Cut-through: the closed form, in both engines.
  EXPECT_NEAR(packet_ct, cut, ticks);
  EXPECT_NEAR(flow_ct, cut, ticks);
  // Store-and-forward: the flow engine moves by exactly the lag, and lands where the packet engine does.
  EXPECT_NEAR(flow_sf - flow_ct, lag, 2e-12);
  EXPECT_NEAR(flow_sf, cut + lag, ticks);
  EXPECT_NEAR(packet_sf, cut + lag, ticks);
  EXPECT_NEAR(flow_sf, packet_sf, 1e-6 * packet_sf);
}

INSTANTIATE_TEST_SUITE_P(IdlePath, StoreAndForward, ::testing::ValuesIn(kCases),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

// A ring all-reduce on a store-and-forward switch: every phase's message pays one packet more, so the ring's
// closed form 2(n-1) (alpha + S/(nR)) holds with alpha = 2 L + L_sw + P/R, in both engines.
TEST(StoreAndForwardRing, AllReduceAddsOnePacketToAlphaInBothEngines) {
  const int n = 8;
  const std::uint64_t size = 64ull << 20;
  const std::string topology = replace_all(kSwitchTopology, "ranks: 4", "ranks: 8");
  const std::string workload =
      "name: ar\nsteps:\n  - collective: all_reduce\n    size: 64 MiB\n    algorithm: ring\n";
  const double alpha = 2 * kLink + kSwitch + static_cast<double>(kPacket) / kRate;
  const double model = pjbit::workloads::ring_all_reduce_time_s(n, size, alpha, kRate);
  const double packet = simulate(platform_text(topology, "packet", true), workload, "packet");
  const double flow = simulate(platform_text(topology, "flow", true), workload, "flow");
  // The ranks of a ring on one switch run in lock step: both engines give the closed form to rounding.
  EXPECT_NEAR(packet, model, 1e-6 * model);
  EXPECT_NEAR(flow, model, 1e-6 * model);
  // Without store-and-forward the same ring is 2(n-1) P/R faster in both.
  const double packet_ct = simulate(platform_text(topology, "packet", false), workload, "packet");
  const double flow_ct = simulate(platform_text(topology, "flow", false), workload, "flow");
  const double lag = 2.0 * (n - 1) * static_cast<double>(kPacket) / kRate;
  EXPECT_NEAR(packet - packet_ct, lag, 1e-3 * lag);
  EXPECT_NEAR(flow - flow_ct, lag, 1e-3 * lag);
}

}  // namespace test_store_and_forward
}  // namespace
