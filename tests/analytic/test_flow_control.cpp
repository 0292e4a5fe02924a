// Link-level flow control against its closed forms (modules/link/flow_control.md).
//
// The incast beside a victim: N = 8 senders to one receiver r, one of them (a1) behind the upstream link
// t1 -> t2 that it shares with the victim v, whose receiver w hangs off t2 like r; every link carries payload
// at R. Without flow control the victim shares t1 -> t2 with a1 and runs at R/2. With PFC (or credits) and
// no congestion control, a1's packets back up in t2's buffer for t1 -> t2 at R/2 - R/N until that buffer
// reaches its threshold X (xoff, or the buffer for credits) at t_f = X / (R/2 - R/N); from then on the link
// carries a1 only as fast as the incast drains it, R/N, and round-robin gives the victim as much:
//   T_v = t_f + (m - t_f R/2) / (R/N) + path latency        (congestion spreading: the victim is paused with
//   a1)
// Lossless modes never lose a packet nor fill a buffer past its size; the lossy mode drops at a full buffer,
// sends every dropped byte again, and the energy the dropped packets spent is exactly what it costs more.
// Congestion control (modules/nic/congestion_control.md) takes the spreading away: a victim that starts once
// the incast's senders have slowed gets its max-min share B (1 - 1/N); two flows into one port share it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <systemc>

#include "core/errors.h"
#include "engine/simulation.h"
#include "platforms/loader.h"
#include "workloads/loader.h"

namespace {
namespace test_flow_control {

constexpr double kRate = 50e9;                       // R: payload bytes per second of every link
constexpr double kLatency = 500e-9;                  // one-way latency of every link
constexpr std::uint64_t kPacket = 4096;              // P
constexpr std::uint64_t kBuffer = 1 << 20;           // per port and priority
constexpr int kIncast = 8;                           // N
constexpr double kPath = 3 * kLatency + 2 * 300e-9;  // the victim's path: 3 links and 2 switches
constexpr std::uint64_t kVictim = 4u << 20;          // m
constexpr std::uint64_t kIncastMessage = 16u << 20;

// Ranks: r = 0, a1 = 1, b2..b8 = 2..8, v = 9, w = 10.
std::string incast_platform(const std::string& flow_control) {
  std::string text =
      "name: incast\npacket: 4 KiB\ntopology:\n  kind: graph\n"
      "  link: { bandwidth: 50 GB/s, latency: 500 ns, energy: 5 pJ/bit }\n  nodes:\n"
      "    - { name: r, kind: accelerator }\n    - { name: a1, kind: accelerator }\n";
  for (int i = 2; i <= kIncast; ++i)
    text += "    - { name: b" + std::to_string(i) + ", kind: accelerator }\n";
  text +=
      "    - { name: v, kind: accelerator }\n    - { name: w, kind: accelerator }\n"
      "    - { name: t1, kind: switch, switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 16 } }\n"
      "    - { name: t2, kind: switch, switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 16 } }\n"
      "  links:\n    - { a: a1, b: t1 }\n    - { a: v, b: t1 }\n    - { a: t1, b: t2 }\n";
  for (int i = 2; i <= kIncast; ++i)
    text += "    - { a: b" + std::to_string(i) + ", b: t2 }\n";
  text += "    - { a: r, b: t2 }\n    - { a: w, b: t2 }\n";
  if (!flow_control.empty()) text += "  flow_control: " + flow_control + "\n";
  return text;
}

// PFC with ECN marking (the DCQCN paper's RED curve as the HPCC paper sets it for 100G: 100 KB, 400 KB, 0.2)
// and congestion control `scheme`.
std::string controlled_platform(const std::string& scheme) {
  return incast_platform("{ mode: pfc, buffer: 1 MiB, ecn: { kmin: 100 KiB, kmax: 400 KiB, pmax: 0.2 } }") +
         "  congestion_control: { scheme: " + scheme + " }\n";
}

// The incast, and a victim that starts 1 ms later on a connection of its own, once the incast's senders have
// settled: with congestion control the victim's packets meet no paused queue.
const char* const kLateVictimWorkload =
    "name: late\ngraph: true\nsteps:\n"
    "  - { id: incast, traffic: { pairs: [[1, 0], [2, 0], [3, 0], [4, 0], [5, 0], [6, 0], [7, 0], [8, 0]],"
    " messages: 8, size: 32 MiB, class: bulk } }\n"
    "  - { id: wait, compute: { duration: 1 ms, ranks: [9] } }\n"
    "  - { id: victim, traffic: { pairs: [[9, 10]], messages: 1, size: 16 MiB, class: bulk }, after: [wait] "
    "}\n";

const char* const kIncastWorkload =
    "name: incast\nsteps:\n  - parallel:\n"
    "      - traffic: { pairs: [[1, 0], [2, 0], [3, 0], [4, 0], [5, 0], [6, 0], [7, 0], [8, 0]], messages: 8,"
    " size: 16 MiB, class: bulk }\n"
    "      - traffic: { pairs: [[9, 10]], messages: 1, size: 4 MiB, class: bulk }\n";

pjbit::engine::SimulationResult run(const std::string& platform, const std::string& workload) {
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
  return pjbit::engine::simulate(pjbit::platforms::parse_platform(platform, "incast.yaml"),
                                 pjbit::workloads::parse_workload(workload, "incast_w.yaml"));
}

// The victim's time: the second sub-step of the parallel step.
double victim_time(const pjbit::engine::SimulationResult& r) {
  return r.steps.at(0).children.at(1).end_s - r.steps.at(0).children.at(1).start_s;
}

// T_v of the closed form for a threshold of `threshold` bytes.
double spread_victim_time(double threshold) {
  const double shared = kRate / 2.0, drained = kRate / kIncast;
  const double t_fill = threshold / (shared - drained);
  return t_fill + (double(kVictim) - t_fill * shared) / drained + kPath;
}

void expect_lossless(const pjbit::engine::SimulationResult& r) {
  ASSERT_TRUE(r.flow_control.on);
  EXPECT_EQ(r.flow_control.drops, 0u);
  EXPECT_EQ(r.flow_control.retransmitted_packets, 0u);
  EXPECT_GT(r.flow_control.ports.size(), 0u);
  for (const auto& p : r.flow_control.ports) {
    EXPECT_LE(p.max_bytes, double(kBuffer)) << p.id;
    EXPECT_LE(p.p99_bytes, p.max_bytes) << p.id;
  }
}

TEST(FlowControlIncast, WithoutFlowControlTheVictimSharesTheUpstreamLinkEvenly) {
  const auto r = run(incast_platform(""), kIncastWorkload);
  EXPECT_FALSE(r.flow_control.on);
  // R/2 on t1 -> t2 from the first packet, plus the path's latencies.
  EXPECT_NEAR(victim_time(r), double(kVictim) / (kRate / 2.0) + kPath, 1e-3 * victim_time(r));
  // The incast itself: N x 16 MiB through r's link at R.
  EXPECT_NEAR(r.sim_time_s, kIncast * double(kIncastMessage) / kRate, 1e-3 * r.sim_time_s);
}

TEST(FlowControlIncast, PfcPausesTheVictimWithTheIncastAsTheClosedFormPredicts) {
  const auto r = run(incast_platform("{ mode: pfc, buffer: 1 MiB }"), kIncastWorkload);
  expect_lossless(r);
  // xoff = buffer - headroom, headroom = 2 x latency x R + 2 P.
  const double xoff = double(kBuffer) - (2.0 * kLatency * kRate + 2.0 * double(kPacket));
  const double predicted = spread_victim_time(xoff);
  EXPECT_NEAR(victim_time(r), predicted, 0.02 * predicted);
  // Several times slower than its R/2 without flow control: congestion spread to it.
  EXPECT_GT(victim_time(r), 2.5 * double(kVictim) / (kRate / 2.0));
  EXPECT_GT(r.flow_control.pause_frames, 0u);
  EXPECT_GT(r.flow_control.paused_s, 0.0);
  // The bottleneck still runs at R: the incast's time is unchanged.
  EXPECT_NEAR(r.sim_time_s, kIncast * double(kIncastMessage) / kRate, 1e-3 * r.sim_time_s);
}

TEST(FlowControlIncast, CreditsHoldTheVictimBackLikePfcWithTheWholeBuffer) {
  const auto r = run(incast_platform("{ mode: credit, buffer: 1 MiB }"), kIncastWorkload);
  expect_lossless(r);
  EXPECT_EQ(r.flow_control.pause_frames, 0u);
  const double predicted = spread_victim_time(double(kBuffer));
  EXPECT_NEAR(victim_time(r), predicted, 0.03 * predicted);
  EXPECT_GT(r.flow_control.paused_s, 0.0);
}

TEST(FlowControlIncast, LossyDropsRetransmitsAndPaysForTheDroppedPackets) {
  const auto lossless = run(incast_platform("{ mode: pfc, buffer: 1 MiB }"), kIncastWorkload);
  const auto lossy =
      run(incast_platform("{ mode: lossy, buffer: 1 MiB, retransmit: 20 us }"), kIncastWorkload);
  const auto& f = lossy.flow_control;
  EXPECT_GT(f.drops, 0u);
  EXPECT_EQ(f.pause_frames, 0u);
  // Every dropped packet is sent again, once per drop.
  EXPECT_EQ(f.retransmitted_packets, f.drops);
  EXPECT_DOUBLE_EQ(f.retransmitted_bytes, f.dropped_bytes);
  EXPECT_DOUBLE_EQ(f.dropped_bytes, double(f.drops) * double(kPacket));
  EXPECT_GT(f.dropped_j, 0.0);
  for (const auto& p : f.ports)
    EXPECT_LE(p.max_bytes, double(kBuffer)) << p.id;
  // The useful bytes are the same; the wire carried the dropped copies too, and the energy they spent is
  // exactly what the lossy run costs more (fixed routes: a delivered copy costs what a lossless one does).
  EXPECT_DOUBLE_EQ(lossy.useful_bytes, lossless.useful_bytes);
  EXPECT_GT(lossy.wire_bytes, lossless.wire_bytes);
  double lossy_j = 0.0, lossless_j = 0.0;
  for (const auto& l : lossy.links)
    lossy_j += l.dynamic_j;
  for (const auto& l : lossless.links)
    lossless_j += l.dynamic_j;
  const double extra_j = [&] {
    double j = 0.0;
    for (const auto& s : lossy.steps)
      j += s.dynamic_energy_j;
    for (const auto& s : lossless.steps)
      j -= s.dynamic_energy_j;
    return j;
  }();
  EXPECT_GT(lossy_j, lossless_j);
  EXPECT_NEAR(extra_j, f.dropped_j, 1e-9 * f.dropped_j);
}

TEST(FlowControlIncast, ABufferThatNeverFillsChangesNothing) {
  // 256 MiB per port holds the whole incast: nothing pauses, and the times are those without flow control.
  const auto off = run(incast_platform(""), kIncastWorkload);
  const auto big = run(incast_platform("{ mode: pfc, buffer: 256 MiB }"), kIncastWorkload);
  EXPECT_EQ(big.flow_control.pause_frames, 0u);
  EXPECT_EQ(big.flow_control.paused_s, 0.0);
  EXPECT_NEAR(big.sim_time_s, off.sim_time_s, 1e-9);
  EXPECT_NEAR(victim_time(big), victim_time(off), 1e-9);
}

// The victim's rate in kLateVictimWorkload: it starts at 1 ms (its receiver's step starts at 0).
double late_victim_rate(const pjbit::engine::SimulationResult& r) {
  const auto& victim = r.steps.at(2);
  return double(16u << 20) / (victim.end_s - 1e-3);
}

TEST(CongestionControl, WithoutItTheLateVictimIsHeldToTheIncastsShare) {
  const auto r = run(controlled_platform("none"), kLateVictimWorkload);
  // Congestion spreading in its steady state: B/N.
  EXPECT_NEAR(late_victim_rate(r), kRate / kIncast, 0.02 * kRate / kIncast);
  expect_lossless(r);
}

TEST(CongestionControl, DcqcnLetsTheVictimRecoverItsFairShare) {
  const auto r = run(controlled_platform("dcqcn"), kLateVictimWorkload);
  expect_lossless(r);
  EXPECT_GT(r.flow_control.ecn_marks, 0u);
  // Max-min, the victim's share of t1 -> t2 is what a1 (held to B/N at r) leaves: B (1 - 1/N).
  const double fair = kRate * (1.0 - 1.0 / kIncast);
  EXPECT_NEAR(late_victim_rate(r), fair, 0.10 * fair);
}

TEST(CongestionControl, SwiftLetsTheVictimRecoverItsFairShare) {
  const auto r = run(controlled_platform("swift"), kLateVictimWorkload);
  expect_lossless(r);
  const double fair = kRate * (1.0 - 1.0 / kIncast);
  EXPECT_NEAR(late_victim_rate(r), fair, 0.10 * fair);
  // Swift keeps the bottleneck busy: the incast ends when its bytes at B would.
  EXPECT_NEAR((r.steps.at(0).end_s - r.steps.at(0).start_s), kIncast * double(32u << 20) / kRate,
              0.01 * (r.steps.at(0).end_s - r.steps.at(0).start_s));
}

// Two long flows from two senders into one receiver under DCQCN: they end within 5% of each other (equal
// rates), the bottleneck stays busy, no buffer fills past its size and nothing is lost or paused.
TEST(CongestionControl, DcqcnTwoFlowsConvergeToEqualRates) {
  const auto r = run(controlled_platform("dcqcn"),
                     "name: two\nsteps:\n  - parallel:\n"
                     "      - traffic: { pairs: [[2, 0]], messages: 1, size: 256 MiB, class: bulk }\n"
                     "      - traffic: { pairs: [[3, 0]], messages: 1, size: 256 MiB, class: bulk }\n");
  expect_lossless(r);
  const auto& c = r.steps.at(0).children;
  const double a = c.at(0).end_s - c.at(0).start_s, b = c.at(1).end_s - c.at(1).start_s;
  EXPECT_NEAR(a / b, 1.0, 0.05);
  const double ideal = 2.0 * double(256u << 20) / kRate;
  EXPECT_GT(ideal / std::max(a, b), 0.90);
  EXPECT_LT(r.flow_control.max_bytes, double(kBuffer));
  EXPECT_GT(r.flow_control.ecn_marks, 0u);
}

TEST(FlowControlEngine, AutoTakesPacketsAndFlowIsRefused) {
  auto spec = pjbit::platforms::parse_platform(incast_platform("{ mode: pfc, buffer: 1 MiB }"), "p.yaml");
  spec.engine = "auto";
  EXPECT_EQ(pjbit::engine::chosen_engine(spec), "packet");
  try {
    pjbit::platforms::parse_platform(incast_platform("{ mode: pfc, buffer: 1 MiB }") + "engine: flow\n",
                                     "p.yaml");
    ADD_FAILURE() << "engine: flow with flow control parsed";
  } catch (const pjbit::core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("engine: the flow engine does not model finite buffers"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace test_flow_control
}  // namespace
