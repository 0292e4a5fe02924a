// The platform's faults: every malformed entry is one message naming file:line:col, the key and what was
// expected; targets are found in the built topology (an unknown node, a pair no link joins, a link without
// lasers, a port out of range, an unknown laser source); and the FEC's error rates are the binomial tails.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/errors.h"
#include "platforms/faults.h"
#include "platforms/loader.h"
#include "platforms/topology.h"

namespace pjbit {
namespace {
namespace test_fault_specs {

std::string ring(const std::string& extra) {
  return "name: r\ntopology: { kind: ring, ranks: 4, link: { bandwidth: 100 GB/s, latency: 1 us } }\n" +
         extra;
}

std::string platform_error(const std::string& text) {
  try {
    const auto spec = platforms::parse_platform(text, "p.yaml");
    platforms::resolve_faults(spec, platforms::make_topology(spec));
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "no error";
}

std::string fault(const std::string& entry) {
  return ring("faults:\n  - " + entry + "\n");
}

TEST(FaultSpecs, AWellFormedListReadsAsWritten) {
  const auto spec =
      platforms::parse_platform(ring("fault_detection: 5 ms\nfaults:\n"
                                     "  - { at: 1 ms, target: \"link:r0->r1\", for: 2 ms }\n"
                                     "  - { at: 0 s, target: \"link:r1->r2\", lanes: 0.25, for: 1 s }\n"
                                     "  - { at: 3 us, target: \"link:r2->r3\", ber: 1e-4 }\n"
                                     "  - { at: 3 us, target: \"link:r3->r0\", detect: 0 s }\n"),
                                "p.yaml");
  ASSERT_EQ(spec.faults.size(), 4u);
  EXPECT_EQ(spec.fault_detection_s, 5e-3);
  EXPECT_EQ(spec.faults[0].kind, platforms::FaultSpec::Kind::Down);
  EXPECT_DOUBLE_EQ(spec.faults[0].at_s, 1e-3);
  EXPECT_DOUBLE_EQ(spec.faults[0].for_s, 2e-3);
  EXPECT_EQ(spec.faults[1].kind, platforms::FaultSpec::Kind::Lanes);
  EXPECT_EQ(spec.faults[1].lanes, 0.25);
  EXPECT_EQ(spec.faults[2].kind, platforms::FaultSpec::Kind::Ber);
  EXPECT_TRUE(spec.faults[2].forever());
  EXPECT_EQ(spec.faults[3].detect_s, 0.0);
  const auto resolved = platforms::resolve_faults(spec, platforms::make_topology(spec));
  ASSERT_EQ(resolved.size(), 4u);
  EXPECT_EQ(resolved[0].detect_s, 5e-3);  // the platform's
  EXPECT_EQ(resolved[3].detect_s, 0.0);   // its own
  for (const auto& r : resolved)
    EXPECT_EQ(r.links.size(), 1u);
}

TEST(FaultSpecs, TheDefaultDetectionIsTwoMilliseconds) {
  EXPECT_EQ(platforms::parse_platform(ring(""), "p.yaml").fault_detection_s, 2e-3);
}

TEST(FaultSpecs, MalformedEntriesAreOneMessageEach) {
  EXPECT_EQ(platform_error(ring("faults: 3\n")),
            "p.yaml:3:9: faults: expected a list of faults such as [{ at: 1 ms, target: \"link:r0->r1\" }], "
            "got \"3\"");
  EXPECT_EQ(platform_error(fault("{ target: \"link:r0->r1\" }")),
            "p.yaml:4:5: faults.0.at: missing; expected the time the fault begins, such as \"1 ms\"");
  EXPECT_EQ(platform_error(fault("{ at: 1 ms }")),
            "p.yaml:4:5: faults.0.target: missing; expected what fails, such as \"link:r0->r1\" or "
            "\"switch:scale_out.spine0\"");
  EXPECT_EQ(platform_error(fault("{ at: soon, target: \"link:r0->r1\" }")),
            "p.yaml:4:11: faults.0.at: expected a time such as \"500 ns\", got \"soon\"");
  EXPECT_EQ(platform_error(fault("{ at: -1 ms, target: \"link:r0->r1\" }")).substr(0, 40),
            "p.yaml:4:11: faults.0.at: expected a tim");
  EXPECT_EQ(platform_error(fault("{ at: 1 ms, target: \"cable:r0->r1\" }")),
            "p.yaml:4:25: faults.0.target: expected link:A->B, switch:NAME, ocs_port:NAME/N, nic:NAME, "
            "laser:A->B, laser_source:NAME or optical_engine:NAME, got \"cable:r0->r1\"");
  EXPECT_EQ(platform_error(fault("{ at: 1 ms, target: \"link:\" }")).substr(0, 64),
            "p.yaml:4:25: faults.0.target: expected link:A->B, switch:NAME, o");
  EXPECT_EQ(platform_error(fault("{ at: 1 ms, target: \"link:r0->r1\", for: 0 s }")),
            "p.yaml:4:45: faults.0.for: expected a time such as \"500 ns\" above zero, got \"0 s\"");
  EXPECT_EQ(platform_error(fault("{ at: 1 ms, target: \"link:r0->r1\", lanes: 0 }")),
            "p.yaml:4:47: faults.0.lanes: expected the fraction of lanes left, above 0 and below 1 (0 is "
            "target down), got \"0\"");
  EXPECT_EQ(platform_error(fault("{ at: 1 ms, target: \"link:r0->r1\", lanes: 1 }")).substr(0, 46),
            "p.yaml:4:47: faults.0.lanes: expected a number");
  EXPECT_EQ(platform_error(fault("{ at: 1 ms, target: \"link:r0->r1\", ber: 0.6 }")).substr(0, 44),
            "p.yaml:4:45: faults.0.ber: expected a number");
  EXPECT_EQ(platform_error(fault("{ at: 1 ms, target: \"link:r0->r1\", lanes: 0.5, ber: 1e-4 }")),
            "p.yaml:4:57: faults.0.ber: a fault is either lanes or ber, not both");
  EXPECT_EQ(platform_error(fault("{ at: 1 ms, target: \"switch:sw0\", lanes: 0.5 }")),
            "p.yaml:4:46: faults.0.lanes: a degradation applies to a link (target link:A->B), got "
            "\"switch:sw0\"");
  EXPECT_EQ(platform_error(fault("{ at: 1 ms, target: \"link:r0->r1\", lanes: 0.5, detect: 1 ms }")),
            "p.yaml:4:60: faults.0.detect: a degraded link stays up: there is nothing to detect");
  EXPECT_EQ(platform_error(fault("{ at: 1 ms, target: \"link:r0->r1\", when: 1 ms }")),
            "p.yaml:4:40: faults.0.when: unknown key \"when\"; expected one of: at, target, for, lanes, ber, "
            "detect");
  EXPECT_EQ(platform_error(ring("fault_detection: never\n")),
            "p.yaml:3:18: fault_detection: expected a time such as \"500 ns\", got \"never\"");
  EXPECT_EQ(platform_error(ring("engine: packet\nfaults:\n  - { at: 1 ms, target: \"link:r0->r1\" }\n")),
            "p.yaml:3:9: engine: faults are modelled by the flow engine (docs/engines.md); use engine: flow "
            "or auto");
}

TEST(FaultSpecs, TargetsAreFoundInTheTopologyOrNamedWithWhatExists) {
  EXPECT_EQ(
      platform_error(fault("{ at: 1 ms, target: \"link:r0->r9\" }")),
      "p.yaml:4:25: faults.0.target: no node is named \"r9\" (nodes are named as in the report's links, "
      "such as r0, r1, r2, r3)");
  EXPECT_EQ(platform_error(fault("{ at: 1 ms, target: \"link:r0->r2\" }")),
            "p.yaml:4:25: faults.0.target: no link joins r0 and r2; the links of r0: r0->r1, r0->r3");
  EXPECT_EQ(platform_error(fault("{ at: 1 ms, target: \"link:r0r1\" }")),
            "p.yaml:4:25: faults.0.target: expected a link as A->B (two node names, as the report's links "
            "name them), got \"r0r1\"");
  EXPECT_EQ(platform_error(fault("{ at: 1 ms, target: \"switch:sw0\" }")),
            "p.yaml:4:25: faults.0.target: no switch is named \"sw0\"; switch names: none");
  EXPECT_EQ(platform_error(fault("{ at: 1 ms, target: \"nic:n0\" }")),
            "p.yaml:4:25: faults.0.target: no NIC is named \"n0\"; NIC names: none");
  EXPECT_EQ(platform_error(fault("{ at: 1 ms, target: \"laser:r0->r1\" }")),
            "p.yaml:4:25: faults.0.target: the link r0->r1 has no lasers (its optics give no laser); use "
            "link:r0->r1");
  EXPECT_EQ(platform_error(fault("{ at: 1 ms, target: \"laser_source:r0/els0\" }")),
            "p.yaml:4:25: faults.0.target: no external laser source is named \"r0/els0\"; no link of this "
            "platform shares its lasers (optics.laser.shared_by)");
  EXPECT_EQ(platform_error(fault("{ at: 1 ms, target: \"link:r0->r1\", ber: 1e-2 }")),
            "p.yaml:4:5: faults.0.ber: at a bit error rate of 0.01 the link's FEC (RS(544,514), t = 15) "
            "leaves 0% of packets whole: the link is down; give a fault without ber instead");
  const std::string ocs =
      "name: o\ntopology: { kind: ocs, ranks: 4, link: { bandwidth: 100 GB/s, latency: 1 us }, "
      "ocs: { ports: 16, reconfiguration: 1 ms } }\nfaults:\n  - { at: 1 ms, target: \"ocs_port:ocs0/";
  EXPECT_EQ(platform_error(ocs + "3\" }\n"), "no error");
  EXPECT_EQ(platform_error(ocs + "99\" }\n"),
            "p.yaml:4:25: faults.0.target: expected ocs_port:ocs0/N with N a port of ocs0 from 0 to 7, got "
            "\"ocs_port:ocs0/99\"");
}

TEST(FaultSpecs, TheFecFailsAsABinomialTail) {
  const platforms::FecSpec kp4;  // RS(544,514), t = 15, 10-bit symbols
  // Computed independently with 60-digit decimals: sum over i > 15 of C(544, i) p^i (1 - p)^(544 - i),
  // p = 1 - (1 - ber)^10.
  EXPECT_NEAR(platforms::codeword_error_rate(1e-3, kp4), 1.530258592806046e-04, 1e-12 * 1.53e-4);
  EXPECT_NEAR(platforms::codeword_error_rate(2.4e-4, kp4), 8.151573399330457e-13, 1e-9 * 8.15e-13);
  EXPECT_NEAR(platforms::codeword_error_rate(2e-3, kp4), 7.939087369612828e-02, 1e-12);
  EXPECT_NEAR(platforms::codeword_error_rate(1e-5, kp4), 2.139669774307624e-34, 1e-9 * 2.14e-34);
  EXPECT_EQ(platforms::codeword_error_rate(0.0, kp4), 0.0);
  // A 4 KiB unit is ceil(32768 / 5140) = 7 codewords.
  EXPECT_NEAR(platforms::unit_error_rate(1e-3, kp4, 4096), 1.070689385178028e-03, 1e-12);
  // A code that corrects nothing fails whenever a symbol is wrong.
  platforms::FecSpec none{544, 544 - 1, 0, 10};
  EXPECT_NEAR(platforms::codeword_error_rate(1e-6, none), 1 - std::pow(1 - 1e-6, 5440), 1e-12);
}

TEST(FaultSpecs, AFecIsReadAndChecked) {
  const auto spec = platforms::parse_platform(
      "name: r\ntopology: { kind: ring, ranks: 4, link: { bandwidth: 100 GB/s, latency: 1 us, "
      "fec: { n: 528, k: 514, t: 7 } } }\n",
      "p.yaml");
  EXPECT_EQ(spec.tiers[0].link.fec.n, 528);
  EXPECT_EQ(spec.tiers[0].link.fec.t, 7);
  EXPECT_EQ(
      platform_error("name: r\ntopology: { kind: ring, ranks: 4, link: { bandwidth: 100 GB/s, "
                     "latency: 1 us, fec: { n: 528, k: 514, t: 8 } } }\n"),
      "p.yaml:2:105: topology.link.fec.t: a code with 14 parity symbols corrects at most 7 symbols, got "
      "t = 8");
  EXPECT_EQ(
      platform_error("name: r\ntopology: { kind: ring, ranks: 4, link: { bandwidth: 100 GB/s, "
                     "latency: 1 us, fec: { n: 2000 } } }\n"),
      "p.yaml:2:89: topology.link.fec.n: a Reed-Solomon code of 10-bit symbols has at most 1023 symbols, "
      "got n = 2000");
}

}  // namespace test_fault_specs
}  // namespace
}  // namespace pjbit
