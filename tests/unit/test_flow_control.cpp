// The flow_control block of a tier (modules/link/flow_control.md, docs/config.md): valid blocks parse to
// their spec with the defaults filled in; every bad value is one InputError naming file:line:col, the key and
// what was expected.
#include <gtest/gtest.h>

#include <string>

#include "core/arbiter.h"
#include "core/errors.h"
#include "modules/link/link.h"
#include "modules/nic/impl/dcqcn.h"
#include "modules/nic/impl/swift.h"
#include "platforms/loader.h"

namespace pjbit {
namespace {
namespace test_flow_control {

// A four-rank ring of 100 GB/s, 500 ns links with `fc` as its flow_control block, on line 2.
std::string ring(const std::string& fc) {
  return "name: ring4\ntopology: { kind: ring, ranks: 4, link: { bandwidth: 100 GB/s, latency: 500 ns }, "
         "flow_control: " +
         fc + " }\n";
}

std::string error_of(const std::string& text) {
  try {
    platforms::parse_platform(text, "ring.yaml");
  } catch (const core::InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "parse_platform did not throw for:\n" << text;
  return {};
}

TEST(FlowControlModel, PfcHeadroomIsARoundTripOnTheWireAndTwoPackets) {
  // 2 x 500 ns x 50 GB/s = 50000 B, plus 2 x 4096 B.
  EXPECT_DOUBLE_EQ(link::FlowControl::pfc_headroom_bytes(500e-9, 50e9, 4096), 58192.0);
  EXPECT_DOUBLE_EQ(link::FlowControl::pfc_headroom_bytes(0.0, 50e9, 4096), 8192.0);
}

TEST(FlowControlModel, EcnMarksAlongTheRedCurve) {
  link::FlowControl fc;
  fc.ecn = true;
  fc.ecn_kmin_bytes = 100000;
  fc.ecn_kmax_bytes = 300000;
  fc.ecn_pmax = 0.2;
  EXPECT_EQ(fc.ecn_probability(50000), 0.0);
  EXPECT_EQ(fc.ecn_probability(100000), 0.0);
  EXPECT_DOUBLE_EQ(fc.ecn_probability(200000), 0.1);
  EXPECT_DOUBLE_EQ(fc.ecn_probability(300000), 0.2);
  EXPECT_EQ(fc.ecn_probability(300001), 1.0);
  fc.ecn = false;
  EXPECT_EQ(fc.ecn_probability(1e9), 0.0);
  // kmin = kmax: a step, as DCTCP's single threshold K.
  fc.ecn = true;
  fc.ecn_kmin_bytes = fc.ecn_kmax_bytes = 100000;
  EXPECT_EQ(fc.ecn_probability(100000), 0.0);
  EXPECT_EQ(fc.ecn_probability(100001), 1.0);
}

TEST(FlowControlModel, P99IsTheUpperEdgeOfItsBinCappedAtThePeak) {
  link::Link::FlowStats st;
  const std::uint64_t buffer = 128 * 1000;  // bins of 1000 B
  EXPECT_EQ(st.p99_bytes(buffer), 0.0);
  // 99 samples in bin 3, one in bin 100: the 99th percentile is bin 3's upper edge.
  st.histogram[3] = 99;
  st.histogram[100] = 1;
  st.samples = 100;
  st.max_bytes = 100500;
  EXPECT_DOUBLE_EQ(st.p99_bytes(buffer), 4000.0);
  // 98 and 2: it is the peak's bin, capped at the peak.
  st.histogram[3] = 98;
  st.histogram[100] = 2;
  EXPECT_DOUBLE_EQ(st.p99_bytes(buffer), 100500.0);
}

TEST(FlowControlModel, TheArbiterServesOnlyPrioritiesNotHeldBack) {
  core::Arbiter<int, 5> strict;  // strict priorities: a priority per class
  strict.push(1, 4, 10);         // bulk
  strict.push(2, 2, 20);         // collective
  strict.push(3, 2, 21);
  EXPECT_EQ(strict.priority_of(2), 2);
  EXPECT_EQ(strict.pop_allowed(1u << 2), 10);  // collective held back: bulk goes
  EXPECT_EQ(strict.pop_allowed(1u << 2), 0);   // only held-back packets left: nothing
  EXPECT_EQ(strict.queued(), 2u);
  EXPECT_EQ(strict.pop_allowed(0), 20);
  EXPECT_EQ(strict.pop_allowed(0), 21);
  core::Arbiter<int, 5> none(false);  // no classes: one priority for all
  EXPECT_EQ(none.priority_of(4), 0);
  none.push(1, 4, 7);
  EXPECT_EQ(none.pop_allowed(1u), 0);
  EXPECT_EQ(none.pop_allowed(1u << 4), 7);
}

// DCQCN's reaction point (Zhu et al. 2015, Algorithm 1): a CNP cuts by alpha/2 and remembers the old rate as
// the target; each increase event halves the gap (fast recovery) for F events, then the target rises.
TEST(Dcqcn, CutsByHalfAlphaThenRecoversHalfTheGapPerEvent) {
  nic::DcqcnParams p;
  p.fast_recovery_steps = 2;
  nic::Dcqcn cc(p, 50e9);
  const core::Tick us = core::to_ticks(1e-6);
  EXPECT_DOUBLE_EQ(cc.rate_Bps(0), 50e9);
  nic::Feedback cnp;
  cnp.ecn = true;
  cc.feedback(cnp, 10 * us);
  // alpha starts at 1: the first cut halves; alpha = (1 - g) + g = 1.
  EXPECT_DOUBLE_EQ(cc.rate_Bps(10 * us), 25e9);
  EXPECT_DOUBLE_EQ(cc.target_Bps(), 50e9);
  EXPECT_DOUBLE_EQ(cc.alpha(), 1.0);
  // 55 us later: alpha decays once, then the timer's first increase: halfway back to the target.
  EXPECT_DOUBLE_EQ(cc.rate_Bps(65 * us), 37.5e9);
  EXPECT_DOUBLE_EQ(cc.alpha(), 1.0 - p.g);
  EXPECT_DOUBLE_EQ(cc.rate_Bps(120 * us), 43.75e9);
  // Past F timer events, additive increase raises the target by R_AI first.
  const double before = cc.target_Bps();
  EXPECT_DOUBLE_EQ(cc.rate_Bps(175 * us), (std::min(50e9, before + p.additive_increase_Bps) + 43.75e9) / 2.0);
  // A second CNP: Rt = Rc, Rc x (1 - alpha/2) with the alpha of now.
  const double rc = cc.rate_Bps(180 * us);
  const double alpha = cc.alpha();
  cc.feedback(cnp, 180 * us);
  EXPECT_DOUBLE_EQ(cc.target_Bps(), rc);
  EXPECT_DOUBLE_EQ(cc.rate_Bps(180 * us), rc * (1.0 - alpha / 2.0));
  EXPECT_DOUBLE_EQ(cc.alpha(), (1.0 - p.g) * alpha + p.g);
  // An unmarked acknowledgement changes nothing, and DCQCN asks only for marked ones.
  nic::Feedback ack;
  cc.feedback(ack, 181 * us);
  EXPECT_DOUBLE_EQ(cc.target_Bps(), rc);
  EXPECT_TRUE(cc.wants_feedback(true));
  EXPECT_FALSE(cc.wants_feedback(false));
  EXPECT_DOUBLE_EQ(cc.feedback_interval_s(), 50e-6);
}

// Swift: below the target delay the window grows by ai x acked / window; above it shrinks by
// beta (rtt - target) / rtt, at most max_decrease, at most once a round trip. The rate is window / rtt.
TEST(Swift, GrowsBelowTheTargetAndShrinksInProportionAbove) {
  nic::SwiftParams p;
  nic::Swift cc(p, 50e9);
  EXPECT_DOUBLE_EQ(cc.rate_Bps(0), 50e9);  // no round trip measured yet: line rate
  const double w0 = cc.window_bytes();
  EXPECT_DOUBLE_EQ(w0, 50e9 * 25e-6);
  const core::Tick us = core::to_ticks(1e-6);
  nic::Feedback f;
  f.bytes = 4096;
  f.one_way = 5 * us;
  f.base_one_way = 5 * us;  // rtt 10 us < 25 us
  cc.feedback(f, 100 * us);
  EXPECT_DOUBLE_EQ(cc.window_bytes(), w0 + p.additive_increase_bytes * 4096.0 / w0);
  EXPECT_DOUBLE_EQ(cc.rate_Bps(100 * us), 50e9);  // window / 10 us is above line rate
  const double w1 = cc.window_bytes();
  f.one_way = 45 * us;  // rtt 50 us: cut by 0.8 x 25 / 50 = 0.4
  cc.feedback(f, 200 * us);
  EXPECT_DOUBLE_EQ(cc.window_bytes(), w1 * 0.6);
  EXPECT_DOUBLE_EQ(cc.rate_Bps(200 * us), w1 * 0.6 / 50e-6);
  cc.feedback(f, 210 * us);  // within a round trip of the last cut: no second cut
  EXPECT_DOUBLE_EQ(cc.window_bytes(), w1 * 0.6);
  f.one_way = 995 * us;  // rtt 1 ms, a round trip after the last cut: the cut is capped at max_decrease
  cc.feedback(f, 1300 * us);
  EXPECT_DOUBLE_EQ(cc.window_bytes(), w1 * 0.6 * 0.5);
}

TEST(CongestionControlLoader, SchemesParseAndBadValuesAreOneErrorEach) {
  const std::string fc = "{ mode: pfc, buffer: 1 MiB, ecn: { kmin: 100 KiB, kmax: 400 KiB, pmax: 0.2 } }";
  const auto with = [&](const std::string& flow_control, const std::string& cc) {
    return "name: ring4\ntopology: { kind: ring, ranks: 4, link: { bandwidth: 100 GB/s, latency: 500 ns }, "
           "flow_control: " +
           flow_control + ",\n  congestion_control: " + cc + " }\n";
  };
  const auto spec = platforms::parse_platform(
      with(fc, "{ scheme: dcqcn, g: 0.0078125, increase_timer: 300 us, additive_increase: 400 Mb/s }"),
      "ring.yaml");
  const auto& cc = spec.tiers[0].congestion_control;
  EXPECT_EQ(cc.scheme, "dcqcn");
  EXPECT_DOUBLE_EQ(cc.dcqcn.g, 0.0078125);
  EXPECT_DOUBLE_EQ(cc.dcqcn.increase_timer_s, 300e-6);
  EXPECT_DOUBLE_EQ(cc.dcqcn.additive_increase_Bps, 50e6);
  EXPECT_DOUBLE_EQ(cc.line_rate_Bps, 100e9);
  const auto swift =
      platforms::parse_platform(with(fc, "{ scheme: swift, target_delay: 10 us, beta: 0.5 }"), "r.yaml");
  EXPECT_DOUBLE_EQ(swift.tiers[0].congestion_control.swift.target_delay_s, 10e-6);
  EXPECT_DOUBLE_EQ(swift.tiers[0].congestion_control.swift.beta, 0.5);

  EXPECT_EQ(error_of(with("{ mode: pfc, buffer: 1 MiB }", "{ scheme: dcqcn }")),
            "ring.yaml:3:33: topology.congestion_control.scheme: DCQCN reacts to ECN marks: give the tier's "
            "flow_control an ecn block");
  EXPECT_EQ(
      error_of("name: ring4\ntopology: { kind: ring, ranks: 4, link: { bandwidth: 100 GB/s, latency: 500 ns "
               "}, congestion_control: { scheme: swift } }\n"),
      "ring.yaml:2:113: topology.congestion_control.scheme: congestion control acts on the packet engine's "
      "finite queues: give the tier a flow_control block too");
  EXPECT_EQ(
      error_of(with(fc, "{ scheme: dcqcn, g: 0 }")),
      "ring.yaml:3:43: topology.congestion_control.g: expected a fraction above 0 and at most 1, got \"0\"");
  EXPECT_EQ(error_of(with(fc, "{ scheme: dcqcn, increase_timer: 0 us }")),
            "ring.yaml:3:56: topology.congestion_control.increase_timer: expected a time above zero such as "
            "\"500 ns\", got \"0 us\"");
  EXPECT_EQ(error_of(with(fc, "{ scheme: swift, g: 0.5 }")),
            "ring.yaml:3:43: topology.congestion_control.g: a parameter of dcqcn; this scheme is swift");
  EXPECT_EQ(error_of(with(fc, "{ scheme: dcqcn, min_rate: 200 GB/s }")),
            "ring.yaml:3:50: topology.congestion_control.min_rate: expected a minimum rate below the link's "
            "payload rate (100 GB/s)");
  EXPECT_EQ(
      error_of(with(fc, "{ scheme: bbr }")),
      "ring.yaml:3:33: topology.congestion_control.scheme: expected one of none, dcqcn, swift, got \"bbr\"");
}

TEST(FlowControlLoader, OffByDefault) {
  const auto spec = platforms::parse_platform(
      "name: ring4\ntopology: { kind: ring, ranks: 4, link: { bandwidth: 100 GB/s, latency: 500 ns } }\n",
      "ring.yaml");
  EXPECT_FALSE(spec.tiers[0].flow_control.on());
  EXPECT_EQ(spec.flow_controlled_tier(), nullptr);
}

TEST(FlowControlLoader, PfcDefaultsLeaveTheHeadroomAboveXoff) {
  const auto spec = platforms::parse_platform(ring("{ mode: pfc, buffer: 1 MiB }"), "ring.yaml");
  const auto& fc = spec.tiers[0].flow_control;
  EXPECT_EQ(fc.mode, "pfc");
  EXPECT_EQ(fc.buffer_bytes, 1048576u);
  // headroom = 2 x 500 ns x 100 GB/s + 2 x 4096 B = 108192 B; xon two packets below xoff.
  EXPECT_EQ(fc.xoff_bytes, 1048576u - 108192u);
  EXPECT_EQ(fc.xon_bytes, 1048576u - 108192u - 8192u);
  EXPECT_EQ(spec.flow_controlled_tier(), &spec.tiers[0]);
}

TEST(FlowControlLoader, GivenKeysParse) {
  const auto spec = platforms::parse_platform(ring("{ mode: pfc, buffer: 2 MiB, xoff: 1 MiB, xon: 512 KiB, "
                                                   "ecn: { kmin: 100 KiB, kmax: 400 KiB, pmax: 0.2 } }"),
                                              "ring.yaml");
  const auto& fc = spec.tiers[0].flow_control;
  EXPECT_EQ(fc.xoff_bytes, 1048576u);
  EXPECT_EQ(fc.xon_bytes, 524288u);
  EXPECT_TRUE(fc.ecn);
  EXPECT_EQ(fc.ecn_kmin_bytes, 102400u);
  EXPECT_EQ(fc.ecn_kmax_bytes, 409600u);
  EXPECT_DOUBLE_EQ(fc.ecn_pmax, 0.2);
  const auto lossy =
      platforms::parse_platform(ring("{ mode: lossy, buffer: 1 MiB, retransmit: 5 us }"), "ring.yaml");
  EXPECT_DOUBLE_EQ(lossy.tiers[0].flow_control.retransmit_s, 5e-6);
}

TEST(FlowControlLoader, BadValuesAreOneErrorEach) {
  EXPECT_EQ(
      error_of(ring("{ mode: pfc, buffer: -1 MiB }")),
      "ring.yaml:2:118: topology.flow_control.buffer: expected a data size such as \"64 MiB\", got \"-1 "
      "MiB\" (negative values are not allowed)");
  EXPECT_EQ(
      error_of(ring("{ mode: credit, buffer: 0 B }")),
      "ring.yaml:2:121: topology.flow_control.buffer: expected a data size above zero such as \"1 MiB\" (a "
      "port with no buffer has no credits), got \"0 B\"");
  EXPECT_EQ(
      error_of(ring("{ mode: credit }")),
      "ring.yaml:2:97: topology.flow_control.buffer: missing; expected the ingress buffer of a port, per "
      "priority, such as \"1 MiB\" (the tier has no switch, and no NIC with a buffer)");
  EXPECT_EQ(
      error_of(ring("{ mode: credit, buffer: 1 KiB }")),
      "ring.yaml:2:121: topology.flow_control.buffer: expected at least one packet (4096 B), got 1024 B");
  EXPECT_EQ(
      error_of(ring("{ mode: pfc, buffer: 1 MiB, xoff: 2 MiB }")),
      "ring.yaml:2:131: topology.flow_control.xoff: expected at most the buffer (1048576 B), got 2097152 B");
  EXPECT_EQ(error_of(ring("{ mode: pfc, buffer: 1 MiB, xoff: 512 KiB, xon: 600 KiB }")),
            "ring.yaml:2:145: topology.flow_control.xon: expected less than xoff (524288 B), got 614400 B");
  EXPECT_EQ(
      error_of(ring("{ mode: pfc, buffer: 1 MiB, xoff: 1000 KiB }")),
      "ring.yaml:2:131: topology.flow_control.xoff: expected at most the buffer less the headroom of the "
      "link's round trip (1048576 B - 108192 B: 2 x latency x rate + 2 packets), got 1024000 B");
  EXPECT_EQ(
      error_of(ring("{ mode: pfc, buffer: 100 KiB }")),
      "ring.yaml:2:118: topology.flow_control.buffer: a PFC buffer must hold the headroom of its link's "
      "round trip (108192 B: 2 x latency x rate + 2 packets) and a packet more; got 102400 B");
  EXPECT_EQ(
      error_of(ring("{ mode: credit, buffer: 1 MiB, xoff: 10 KiB }")),
      "ring.yaml:2:134: topology.flow_control.xoff: pause thresholds are for mode: pfc; this tier's mode is "
      "credit");
  EXPECT_EQ(
      error_of(ring("{ mode: lossy, buffer: 1 MiB, retransmit: 0 us }")),
      "ring.yaml:2:139: topology.flow_control.retransmit: expected a time above zero such as \"20 us\", got "
      "\"0 us\"");
  EXPECT_EQ(
      error_of(ring("{ mode: pfc, buffer: 1 MiB, ecn: { kmin: 200 KiB, kmax: 100 KiB } }")),
      "ring.yaml:2:138: topology.flow_control.ecn.kmin: expected at most kmax (102400 B), got 204800 B");
  EXPECT_EQ(error_of(ring("{ mode: pfc, buffer: 1 MiB, ecn: { kmin: 200 KiB, kmax: 2 MiB } }")),
            "ring.yaml:2:153: topology.flow_control.ecn.kmax: expected at most the buffer (1048576 B), got "
            "2097152 B");
  EXPECT_EQ(
      error_of(ring("{ mode: pfc, buffer: 1 MiB, ecn: { kmin: 20 KiB, kmax: 200 KiB, pmax: 0 } }")),
      "ring.yaml:2:167: topology.flow_control.ecn.pmax: expected a probability above 0 and at most 1, got 0");
  EXPECT_EQ(
      error_of(ring("{ mode: fast, buffer: 1 MiB }")),
      "ring.yaml:2:105: topology.flow_control.mode: expected one of off, credit, pfc, lossy, got \"fast\"");
  EXPECT_EQ(
      error_of(ring("{ mode: pfc, buffer: 1 MiB, bogus: 1 }")),
      "ring.yaml:2:125: topology.flow_control.bogus: unknown key \"bogus\"; expected one of: mode, buffer, "
      "xoff, xon, retransmit, ecn");
}

TEST(FlowControlLoader, TheFlowEngineIsRefusedWithFlowControl) {
  EXPECT_EQ(
      error_of("name: ring4\nengine: flow\ntopology: { kind: ring, ranks: 4, link: { bandwidth: 100 GB/s, "
               "latency: 500 ns }, flow_control: { mode: pfc, buffer: 1 MiB } }\n"),
      "ring.yaml:2:9: engine: the flow engine does not model finite buffers, pauses, drops or ECN, and tier "
      "\"topology\" has flow_control mode pfc; use engine: packet or auto");
}

// A flow_control block without `buffer` takes it from the tier's devices (modules/link/flow_control.md,
// "Buffers from the presets"): a switched tier's switch shares its buffer evenly among its ports, a tier
// without switches takes its NIC's port buffer.
std::string switched(const std::string& sw, const std::string& fc) {
  return "name: sw4\ntopology: { kind: switch, ranks: 4, link: { bandwidth: 100 GB/s, latency: 500 ns }, "
         "switch: " +
         sw + ", flow_control: " + fc + " }\n";
}

TEST(FlowControlLoader, TheBufferComesFromTheSwitchOrTheNic) {
  // 64 MB over radix 64: 1,000,000 B a port and priority.
  const auto spec =
      platforms::parse_platform(switched("{ radix: 64, buffer: 64 MB }", "{ mode: credit }"), "s.yaml");
  EXPECT_EQ(spec.tiers[0].flow_control.buffer_bytes, 1000000u);
  // A preset's buffer: eth-51t's 149 MB over its 64 ports.
  const auto preset = platforms::parse_platform(switched("{ preset: eth-51t }", "{ mode: pfc }"), "s.yaml");
  EXPECT_EQ(preset.tiers[0].flow_control.buffer_bytes, 149000000u / 64u);
  EXPECT_GT(preset.tiers[0].flow_control.xoff_bytes, 0u);
  // A given buffer wins over the switch's.
  const auto given =
      platforms::parse_platform(switched("{ buffer: 64 MB }", "{ mode: credit, buffer: 1 MiB }"), "s.yaml");
  EXPECT_EQ(given.tiers[0].flow_control.buffer_bytes, 1048576u);
  // A ring behind NICs takes the NIC's.
  const auto ring_nic = platforms::parse_platform(
      "name: r\ntopology: { kind: ring, ranks: 4, link: { bandwidth: 100 GB/s, latency: 500 ns }, nic: { "
      "preset: nic-400g }, flow_control: { mode: credit } }\n",
      "r.yaml");
  EXPECT_EQ(ring_nic.tiers[0].flow_control.buffer_bytes, 262016u);
}

TEST(FlowControlLoader, BadDeviceBuffersAreOneErrorEach) {
  EXPECT_EQ(error_of(switched("{ buffer: 0 B }", "{ mode: credit }")),
            "ring.yaml:2:103: topology.switch.buffer: expected a data size above zero such as \"64 MB\" (the "
            "chip's packet buffer, all ports), got \"0 B\"");
  EXPECT_EQ(error_of(switched("{ buffer: -1 MB }", "{ mode: credit }")),
            "ring.yaml:2:103: topology.switch.buffer: expected a data size such as \"64 MiB\", got \"-1 MB\" "
            "(negative values are not allowed)");
  EXPECT_EQ(
      error_of(switched("{ radix: 8 }", "{ mode: credit }")),
      "ring.yaml:2:121: topology.flow_control.buffer: missing; expected the ingress buffer of a port, per "
      "priority, such as \"1 MiB\" (the tier's switch gives no buffer)");
  // The switch's share must hold a packet, and the thresholds beside it must fit in it.
  EXPECT_EQ(
      error_of(switched("{ radix: 64, buffer: 128 KiB }", "{ mode: credit }")),
      "ring.yaml:2:114: topology.flow_control.buffer: expected at least one packet (4096 B), got 2048 B "
      "(the switch's buffer (131072 B) over its radix (64))");
  EXPECT_EQ(error_of(switched("{ radix: 64, buffer: 64 MB }",
                              "{ mode: pfc, ecn: { kmin: 100 KiB, kmax: 2 MiB } }")),
            "ring.yaml:2:178: topology.flow_control.ecn.kmax: expected at most the buffer (1000000 B: the "
            "switch's buffer (64000000 B) over its radix (64)), got 2097152 B");
  EXPECT_EQ(
      error_of("name: r\ntopology: { kind: ring, ranks: 4, link: { bandwidth: 100 GB/s, latency: 500 ns "
               "}, nic: { buffer: 0 KiB }, flow_control: { mode: credit } }\n"),
      "ring.yaml:2:98: topology.nic.buffer: expected a data size above zero such as \"256 KiB\" (its "
      "port's receive buffer), got \"0 KiB\"");
}

}  // namespace test_flow_control
}  // namespace
}  // namespace pjbit
