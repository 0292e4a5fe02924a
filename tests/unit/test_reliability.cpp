// Reliability over a long horizon (docs/reliability.md): the Monte Carlo reproduces the analytic expectation
// of a single part class (horizon x parts / MTBF) within its 95% interval over 1,000 trials, a part that
// never fails gives nothing, a seed gives the same trials everywhere, every trial's wall time adds up; the
// platform's parts are counted into streams by what their failure does to the job; the `reliability:` and
// `job:` blocks refuse each malformed form with one exact error.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/errors.h"
#include "core/units.h"
#include "engine/reliability.h"
#include "platforms/loader.h"
#include "platforms/reliability.h"
#include "platforms/tech/presets.h"
#include "platforms/topology.h"
#include "workloads/loader.h"

namespace pjbit {
namespace {
namespace test_reliability {

constexpr double kHour = 3600.0;

platforms::FailureStream stream(double parts, double mtbf_h, bool interrupts = true) {
  platforms::FailureStream s;
  s.cause = "test part";
  s.where = "test";
  s.part = "part";
  s.parts = parts;
  s.part_rate_per_s = 1.0 / (mtbf_h * kHour);
  s.rate_per_s = parts * s.part_rate_per_s;
  s.interrupts = interrupts;
  return s;
}

engine::ReliabilityOptions options(double horizon_h, int trials, std::uint64_t seed) {
  engine::ReliabilityOptions o;
  o.horizon_s = horizon_h * kHour;
  o.trials = trials;
  o.seed = seed;
  o.power_w = 1e6;
  return o;
}

TEST(ReliabilityMonteCarlo, ReproducesTheAnalyticExpectationOfOneClass) {
  // 10,000 parts of 1,000,000 h MTBF over 30 days: 720 h x 10,000 / 1e6 h = 7.2 interruptions expected.
  const std::vector<platforms::FailureStream> streams = {stream(10000, 1e6)};
  const engine::ReliabilityResult r = engine::run_reliability(streams, options(720.0, 1000, 1));
  const double expected = 720.0 * 10000 / 1e6;
  EXPECT_DOUBLE_EQ(r.causes[0].expected_failures, expected);
  const double half_width = 1.96 * r.interruptions.sd / std::sqrt(1000.0);
  EXPECT_NEAR(r.interruptions.mean, expected, half_width);
  // A Poisson count: its variance is its mean (within 10% over 1,000 trials).
  EXPECT_NEAR(r.interruptions.sd * r.interruptions.sd, expected, 0.1 * expected);
  EXPECT_DOUBLE_EQ(r.failures.mean, r.interruptions.mean);
}

TEST(ReliabilityMonteCarlo, APartThatNeverFailsGivesNothing) {
  platforms::FailureStream s = stream(1e6, 1.0);
  s.part_rate_per_s = 0.0;
  s.rate_per_s = 0.0;
  const engine::ReliabilityResult r = engine::run_reliability({s}, options(720.0, 100, 1));
  EXPECT_EQ(r.interruptions.mean, 0.0);
  EXPECT_EQ(r.interruptions.p95, 0.0);
  EXPECT_EQ(r.lost_s.mean, 0.0);
  EXPECT_EQ(r.energy_lost_j.mean, 0.0);
  // Without failures only checkpoints cost time: goodput = 30 / (30 + 1) but for the last cycle's rest.
  const double cycle = 31.0 * 60.0;
  const double horizon = 720.0 * kHour;
  const double cycles = std::floor(horizon / cycle);
  const double expect = (cycles * 1800.0 + std::min(horizon - cycles * cycle, 1800.0)) / horizon;
  EXPECT_NEAR(r.goodput.mean, expect, 1e-12);
}

TEST(ReliabilityMonteCarlo, IsDeterministicForASeed) {
  const std::vector<platforms::FailureStream> streams = {stream(5000, 2e5), stream(300, 1e5, false)};
  const auto a = engine::run_reliability(streams, options(1296.0, 200, 42));
  const auto b = engine::run_reliability(streams, options(1296.0, 200, 42));
  const auto c = engine::run_reliability(streams, options(1296.0, 200, 43));
  EXPECT_EQ(a.interruptions.mean, b.interruptions.mean);
  EXPECT_EQ(a.goodput.mean, b.goodput.mean);
  EXPECT_EQ(a.causes[1].failures.mean, b.causes[1].failures.mean);
  EXPECT_NE(a.interruptions.mean, c.interruptions.mean);
  // The generator's first output is fixed by the standard for mt19937_64 seeded with 5489.
  engine::FailureSampler sampler(5489);
  EXPECT_DOUBLE_EQ(sampler.uniform(),
                   static_cast<double>((14514284786278117030ull >> 11) + 1) / 9007199254740992.0);
  // A failure that does not stop the job costs nothing.
  EXPECT_GT(a.causes[1].failures.mean, 0.0);
  EXPECT_EQ(a.causes[1].interruptions.mean, 0.0);
  EXPECT_EQ(a.causes[1].lost_s.mean, 0.0);
}

TEST(ReliabilityMonteCarlo, EveryTrialsWallTimeAddsUp) {
  platforms::FailureStream planned = stream(100, 1e4, false);
  planned.planned_repair = true;
  planned.repair_s = 6 * kHour;
  const std::vector<platforms::FailureStream> streams = {stream(2000, 1e5), planned};
  for (bool spares : {true, false}) {
    engine::ReliabilityOptions o = options(1296.0, 1, 7);
    o.job.spares = spares;
    for (int trial = 0; trial < 20; ++trial) {
      const engine::TrialOutcome t = engine::run_trial(streams, o, trial);
      double lost = 0.0;
      for (double l : t.lost_s)
        lost += l;
      EXPECT_NEAR(t.useful_s + t.checkpoint_s + lost, o.horizon_s, 1e-6) << "trial " << trial;
      EXPECT_GT(t.interruptions[0], 0);
      EXPECT_EQ(t.interruptions[1], 0);
      EXPECT_LE(t.planned[1], t.failures[1]);
    }
  }
}

TEST(ReliabilityMonteCarlo, ArrivalsFollowTheRate) {
  engine::FailureSampler sampler(3);
  EXPECT_TRUE(sampler.arrivals(0.0, 1e9).empty());
  const std::vector<double> t = sampler.arrivals(1.0, 100000.0);
  EXPECT_NEAR(static_cast<double>(t.size()), 100000.0, 5.0 * std::sqrt(100000.0));
  for (std::size_t i = 1; i < t.size(); ++i)
    ASSERT_LT(t[i - 1], t[i]);
}

// A switch of four ranks whose links, switch and accelerators carry parts; a fat tree with spines.
const char* kPlatform = R"(name: rel
accelerator:
  compute: 100 TFLOP/s
  compute_power: 500 W
  reliability:
    - { name: gpu, fit: 1000, repair: 1 d, field_replaceable: false, takes_down: node,
        repair_takes_down: node, source: test, confidence: high }
topology:
  kind: fat_tree
  ranks: 8
  radix: 4
  link:
    bandwidth: 50 GB/s
    latency: 100 ns
    static_power: 10 W
    reliability:
      - { name: engine, mtbf: 1000000 h, count: 2, repair: 1 d, field_replaceable: false,
          repair_takes_down: switch, source: test, confidence: high }
      - { name: laser, fit: 50, count: 2, repair: 1 h, spared: true, source: test, confidence: high }
  switch:
    static_power: 100 W
    reliability:
      - { name: asic, mtbf: 300000 h, repair: 4 h, source: test, confidence: high }
)";

TEST(ReliabilityStreams, CountPartsByWhatTheirFailureStops) {
  const platforms::PlatformSpec spec = platforms::parse_platform(kPlatform, "rel.yaml", {});
  const platforms::Topology topo = platforms::make_topology(spec);
  const std::vector<platforms::FailureStream> s = platforms::failure_streams(spec, topo);
  // Radix 4: 4 leaves of 2 ranks and 2 uplinks each, 2 spines; 8 rank links and 8 leaf-spine links.
  double gpu = 0, engine_stop = 0, engine_planned = 0, engine_free = 0, laser = 0, leaf = 0, spine = 0;
  for (const auto& f : s) {
    if (f.cause == "accelerator gpu") gpu += f.parts;
    if (f.part == "engine" && f.interrupts) engine_stop += f.parts;
    if (f.part == "engine" && f.planned_repair) engine_planned += f.parts;
    if (f.part == "engine" && !f.interrupts && !f.planned_repair) engine_free += f.parts;
    if (f.part == "laser") {
      laser += f.parts;
      EXPECT_FALSE(f.interrupts || f.planned_repair);
    }
    if (f.part == "asic" && f.interrupts) leaf += f.parts;
    if (f.part == "asic" && !f.interrupts) spine += f.parts;
  }
  EXPECT_EQ(gpu, 8);
  // Engines on rank links stop the job (16); on leaf-spine links they do not (16).
  EXPECT_EQ(engine_stop, 16);
  // Replacing the leaf of an engine at a leaf's end stops the job: the 8 leaf ends of rank links and the 8
  // leaf ends of leaf-spine links; the spine ends and the rank ends do not.
  EXPECT_EQ(engine_planned, 16);
  EXPECT_EQ(engine_free, 8);
  EXPECT_EQ(laser, 32);
  EXPECT_EQ(leaf, 4);
  EXPECT_EQ(spine, 2);
  // 8 accelerators at 500 W, 16 links at 10 W, 6 switches at 100 W each using 4 of its 64 ports (the
  // fat tree draws that share of a switch's static power, platforms/topology.cpp).
  EXPECT_DOUBLE_EQ(platforms::job_power_w(spec, topo), 8 * 500.0 + 16 * 10.0 + 6 * 100.0 * 4.0 / 64.0);
}

std::string platform_error(const std::string& part) {
  std::string text =
      "name: p\ntopology:\n  kind: ring\n  ranks: 4\n  link:\n    bandwidth: 1 GB/s\n"
      "    latency: 1 us\n    reliability:\n      - " +
      part + "\n";
  try {
    platforms::parse_platform(text, "p.yaml", {});
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ReliabilityLoader, RefusesEachMalformedPart) {
  const std::string ok = "source: s, confidence: low";
  EXPECT_EQ(platform_error("{ name: x, fit: 10, repair: 1 h, " + ok + " }"), "no error");
  EXPECT_EQ(
      platform_error("{ name: x, repair: 1 h, " + ok + " }"),
      "p.yaml:9:9: topology.link.reliability.0.fit: missing; expected a failure rate: fit (failures per 10^9 "
      "hours) or mtbf (a time such as \"2000000 h\")");
  EXPECT_EQ(platform_error("{ name: x, fit: 10, mtbf: 1 h, repair: 1 h, " + ok + " }"),
            "p.yaml:9:35: topology.link.reliability.0.mtbf: give either fit or mtbf, not both");
  EXPECT_EQ(
      platform_error("{ name: x, mtbf: 0 h, repair: 1 h, " + ok + " }"),
      "p.yaml:9:26: topology.link.reliability.0.mtbf: expected a time such as \"2000000 h\" above zero, got "
      "\"0 h\"");
  EXPECT_EQ(platform_error("{ name: x, mtbf: 10, repair: 1 h, " + ok + " }"),
            "p.yaml:9:26: topology.link.reliability.0.mtbf: expected a time such as \"500 ns\", got \"10\" "
            "(a unit is "
            "required)");
  EXPECT_EQ(platform_error("{ name: x, fit: 10, " + ok + " }"),
            "p.yaml:9:9: topology.link.reliability.0.repair: missing; expected the mean time to repair or "
            "swap it, such "
            "as \"4 h\"");
  EXPECT_EQ(
      platform_error("{ name: x, fit: 10, repair: 1 h, takes_down: node, " + ok + " }"),
      "p.yaml:9:54: topology.link.reliability.0.takes_down: expected one of link, nothing, got \"node\"");
  EXPECT_EQ(platform_error("{ name: x, fit: 10, repair: 1 h, field_replaceable: false, " + ok + " }"),
            "p.yaml:9:9: topology.link.reliability.0.repair_takes_down: missing; expected what replacing it "
            "takes out of "
            "service, one of link, switch, node (field_replaceable is false)");
  EXPECT_EQ(platform_error("{ name: x, fit: 10, repair: 1 h, repair_takes_down: switch, " + ok + " }"),
            "p.yaml:9:61: topology.link.reliability.0.repair_takes_down: only a part with field_replaceable: "
            "false takes "
            "more down to be repaired");
  EXPECT_EQ(
      platform_error("{ name: x, fit: 10, repair: 1 h, count: 0, " + ok + " }"),
      "p.yaml:9:49: topology.link.reliability.0.count: expected a number of parts per link above 0, got 0");
  EXPECT_EQ(platform_error("{ name: x, fit: 10, repair: 1 h, confidence: low }"),
            "p.yaml:9:9: topology.link.reliability.0.source: missing; expected where its failure rate and "
            "repair time "
            "come from");
  EXPECT_EQ(
      platform_error("{ name: x, fit: 10, repair: 1 h, source: s, confidence: estimate }"),
      "p.yaml:9:9: topology.link.reliability.0.derivation: missing; expected how its estimate figures were "
      "computed");
  EXPECT_EQ(platform_error("{ name: x, fit: 10, repair: 1 h, colour: red, " + ok + " }"),
            "p.yaml:9:42: topology.link.reliability.0.colour: unknown key \"colour\"; expected one of: name, "
            "fit, mtbf, "
            "count, repair, field_replaceable, takes_down, repair_takes_down, spared, source, confidence, "
            "derivation");
  EXPECT_EQ(platform_error("{ name: x, fit: 10, repair: 1 h, " + ok +
                           " }\n      - { name: x, fit: 1, repair: 1 h, " + ok + " }"),
            "p.yaml:10:9: topology.link.reliability.1.name: part \"x\" is listed twice");
}

TEST(ReliabilityLoader, RefusesAReliabilityThatIsNotAList) {
  try {
    platforms::parse_platform(
        "name: p\ntopology:\n  kind: ring\n  ranks: 4\n  link: { bandwidth: 1 GB/s, latency: 1 us, "
        "reliability: 3 }\n",
        "p.yaml", {});
    FAIL() << "no error";
  } catch (const core::InputError& e) {
    EXPECT_EQ(
        std::string(e.what()),
        "p.yaml:5:58: topology.link.reliability: expected a list of parts such as [{ name: transceiver, fit: "
        "1000, repair: 1 h, source: ..., confidence: low }], got \"3\"");
  }
}

TEST(ReliabilityLoader, ReadsTheJobBlockAndHoursAndDays) {
  EXPECT_DOUBLE_EQ(core::parse_quantity("54 d", core::Dim::Time), 54 * 86400.0);
  EXPECT_DOUBLE_EQ(core::parse_quantity("2 h", core::Dim::Time), 7200.0);
  EXPECT_DOUBLE_EQ(core::parse_quantity("1.5 min", core::Dim::Time), 90.0);
  const workloads::WorkloadSpec w = workloads::parse_workload(
      "name: j\nsteps: [{ compute: { duration: 1 s } }]\njob: { checkpoint_every: 2 h, checkpoint_time: 30 "
      "s, "
      "restart: 5 min, spares: false }\n",
      "j.yaml", {});
  EXPECT_DOUBLE_EQ(w.job.checkpoint_every_s, 7200.0);
  EXPECT_DOUBLE_EQ(w.job.checkpoint_time_s, 30.0);
  EXPECT_DOUBLE_EQ(w.job.restart_s, 300.0);
  EXPECT_FALSE(w.job.spares);
  try {
    workloads::parse_workload("name: j\nsteps: []\njob: { checkpoint_every: 0 s }\n", "j.yaml", {});
    FAIL() << "no error";
  } catch (const core::InputError& e) {
    EXPECT_EQ(
        std::string(e.what()),
        "j.yaml:3:26: job.checkpoint_every: expected a time such as \"30 min\" above zero, got \"0 s\"");
  }
}

TEST(ReliabilityPresets, EveryShippedPartIsSourced) {
  int parts = 0;
  for (const auto& p : platforms::tech::load_presets({{platforms::tech::shipped_preset_folder(), ""}})) {
    std::vector<const std::vector<platforms::ReliabilityPart>*> lists = {
        &p.link.reliability, &p.sw.reliability, &p.ocs.reliability, &p.nic.reliability,
        &p.accelerator.reliability};
    for (const auto* list : lists)
      for (const auto& part : *list) {
        ++parts;
        EXPECT_FALSE(part.source.empty()) << p.name << " " << part.name;
        EXPECT_GT(part.rate_per_s, 0.0) << p.name << " " << part.name;
      }
  }
  EXPECT_GE(parts, 20);
}

}  // namespace test_reliability
}  // namespace
}  // namespace pjbit
