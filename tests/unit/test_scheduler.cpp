// The scheduler's pure parts (docs/scheduler.md): the forecast of a step on given OCS circuits against the
// closed forms, the circuits that fit a step's traffic, the phase_aware policy's decisions on a planner whose
// forecasts are given by hand, the policy registry, the messages of traffic steps, and weighted arbitration.
#include <gtest/gtest.h>

#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/arbiter.h"
#include "core/errors.h"
#include "engine/scheduler/forecast.h"
#include "engine/scheduler/i_policy.h"
#include "engine/simulation.h"
#include "platforms/loader.h"
#include "platforms/topology.h"
#include "workloads/loader.h"
#include "workloads/traffic.h"

namespace pjbit {
namespace {
namespace test_scheduler {

using engine::scheduler::Circuits;
using engine::scheduler::Forecast;
constexpr double MiB = 1024.0 * 1024.0;

const std::string kOcs8 =
    "name: ocs8\ntopology:\n  kind: ocs\n  ranks: 8\n  ports_per_rank: 2\n"
    "  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }\n"
    "  ocs: { ports: 136, reconfiguration: 1 ms }\n";

const std::string kSteps =
    "name: w\nsteps:\n"
    "  - { collective: all_reduce, size: 256 MiB, algorithm: ring }\n"
    "  - parallel:\n"
    "      - { collective: all_reduce, size: 1 GiB, algorithm: ring, ranks: [0, 2, 4, 6] }\n"
    "      - { collective: all_reduce, size: 1 GiB, algorithm: ring, ranks: [1, 3, 5, 7] }\n";

struct Fixture {
  platforms::PlatformSpec spec;
  workloads::WorkloadSpec workload;
  platforms::Topology topo;
  std::unique_ptr<Forecast> forecast;
  Fixture(const std::string& platform, const std::string& steps)
      : spec(platforms::parse_platform(platform, "p.yaml")),
        workload(workloads::parse_workload(steps, "w.yaml")),
        topo(platforms::make_topology(spec)),
        forecast(std::make_unique<Forecast>(spec, topo)) {}
};

// The ranks an OCS circuit map joins rank r to (ocs topology: OCS port i x ppr + j is rank i's port j).
std::multiset<int> peers_of(const std::vector<int>& map, int rank, int ppr) {
  std::multiset<int> out;
  for (int j = 0; j < ppr; ++j) {
    const int q = map[static_cast<std::size_t>(rank * ppr + j)];
    if (q >= 0) out.insert(q / ppr);
  }
  return out;
}

TEST(Forecast, ARingAllReduceOnRingCircuitsIsTheClosedForm) {
  Fixture f(kOcs8, kSteps);
  const auto d = f.forecast->demand(f.workload.steps[0]);
  EXPECT_TRUE(d.moves_data);
  // 2(n-1) steps of S/n, one circuit (two links of 500 ns) per step.
  const double expected = 14.0 * (256 * MiB / 8.0 / 100e9 + 1e-6);
  EXPECT_NEAR(f.forecast->predict(d, f.forecast->initial()), expected, 1e-12);
}

TEST(Forecast, TheCircuitsThatFitARingAreTheInitialRing) {
  Fixture f(kOcs8, kSteps);
  const auto d = f.forecast->demand(f.workload.steps[0]);
  EXPECT_EQ(f.forecast->fit(d, f.forecast->initial()), f.forecast->initial());
}

TEST(Forecast, ConcurrentStridedGroupsGetARingEachAndRunTwiceAsFast) {
  Fixture f(kOcs8, kSteps);
  const auto d = f.forecast->demand(f.workload.steps[1]);
  const Circuits fit = f.forecast->fit(d, f.forecast->initial());
  ASSERT_EQ(fit.size(), 1u);
  for (int r = 0; r < 8; ++r)
    EXPECT_EQ(peers_of(fit[0], r, 2), (std::multiset<int>{(r + 2) % 8, (r + 6) % 8})) << "rank " << r;
  // On their own rings each hop is one circuit at the full rate: 2(n-1) steps of S/n over 4 ranks. On the
  // initial ring both groups' hops of two circuits share every link direction: the busiest link direction
  // carries both groups' 2(n-1) chunks.
  const double own = 6.0 * (1024 * MiB / 4.0 / 100e9 + 1e-6);
  const double shared = 2.0 * 6.0 * 1024 * MiB / 4.0 / 100e9;
  EXPECT_NEAR(f.forecast->predict(d, fit), own, 1e-12);
  EXPECT_NEAR(f.forecast->predict(d, f.forecast->initial()), shared, 1e-12);
  EXPECT_DOUBLE_EQ(f.forecast->reconfiguration_s(f.forecast->initial(), fit), 1e-3);
  EXPECT_DOUBLE_EQ(f.forecast->reconfiguration_s(fit, fit), 0.0);
}

TEST(Forecast, TrafficThatTheCircuitsCannotRouteIsForecastAsInfinite) {
  Fixture f(kOcs8, kSteps);
  const Circuits rings = f.forecast->fit(f.forecast->demand(f.workload.steps[1]), f.forecast->initial());
  // The two strided rings are disconnected from each other: an all-reduce over every rank has no route.
  EXPECT_EQ(f.forecast->predict(f.forecast->demand(f.workload.steps[0]), rings),
            std::numeric_limits<double>::infinity());
}

TEST(Forecast, RandomTrafficIsForecastByItsExpectedDemand) {
  Fixture f(kOcs8, "name: w\nsteps:\n  - traffic: { messages: 56, size: 1 MiB, interval: 1 ms }\n");
  const auto d = f.forecast->demand(f.workload.steps[0]);
  ASSERT_EQ(d.tracks.size(), 1u);
  // 56 messages spread evenly over the 56 ordered pairs: 1 MiB each; the span of issue dominates.
  ASSERT_EQ(d.tracks[0].stages.size(), 1u);
  EXPECT_EQ(d.tracks[0].stages[0].transfers.size(), 56u);
  for (const auto& t : d.tracks[0].stages[0].transfers)
    EXPECT_DOUBLE_EQ(t.bytes, MiB);
  EXPECT_DOUBLE_EQ(f.forecast->predict(d, f.forecast->initial()), 55e-3);
}

TEST(Forecast, OnAHybridFabricTheCircuitsJoinTheLeavesThatExchange) {
  const std::string hybrid =
      "name: h\ntopology:\n  kind: fat_tree\n  ranks: 16\n  radix: 5\n  oversubscription: 4\n"
      "  link: { bandwidth: 100 GB/s, latency: 500 ns }\n  switch: { latency: 300 ns, radix: 16 }\n"
      "  bypass: { ocs: { ports: 32, reconfiguration: 1 ms }, ports_per_leaf: 2 }\n";
  Fixture f(
      hybrid,
      "name: w\nsteps:\n  - { collective: all_to_all, size: 64 MiB, ranks: [0, 1, 2, 3, 8, 9, 10, 11] }\n");
  // Four leaves of four ranks; the initial circuits are a ring of leaves, which joins leaf 0 to leaves 1
  // and 3 only.
  const auto d = f.forecast->demand(f.workload.steps[0]);
  const Circuits fit = f.forecast->fit(d, f.forecast->initial());
  const int ocs = f.forecast->ocs_nodes()[0];
  const auto& node = f.topo.nodes[static_cast<std::size_t>(ocs)];
  const auto leaf_at = [&](int port) {
    return f.topo.other_end(node.ports[static_cast<std::size_t>(port)], ocs);
  };
  int joining = 0;
  for (std::size_t p = 0; p < node.ports.size(); ++p) {
    const int q = fit[0][p];
    if (q < 0) continue;
    const std::string a = f.topo.nodes[static_cast<std::size_t>(leaf_at(static_cast<int>(p)))].name;
    const std::string b = f.topo.nodes[static_cast<std::size_t>(leaf_at(q))].name;
    if ((a == "leaf0" && b == "leaf2") || (a == "leaf2" && b == "leaf0")) ++joining;
  }
  EXPECT_EQ(joining, 2 * 2);  // both ports of each leaf, counted from both ends
  // The cross-leaf bytes leave the single spine uplink (16 flows of 8 MiB each way: 1.34 ms) for two
  // circuits, which the flows share by hash as ECMP shares spines.
  const double uplink = 16 * 8 * MiB / 100e9;
  EXPECT_NEAR(f.forecast->predict(d, f.forecast->initial()), uplink + 4 * 500e-9 + 3 * 300e-9, 1e-9);
  const double on_circuits = f.forecast->predict(d, fit);
  EXPECT_LT(on_circuits, 0.8 * uplink);
  EXPECT_GT(on_circuits, 0.5 * uplink);
}

// A planner whose forecasts are given by hand: circuits 0 (initial) and 1 (the fit of phase 0).
class HandPlanner final : public engine::scheduler::IPlanner {
 public:
  std::vector<engine::scheduler::PhaseInfo> info;
  std::vector<std::vector<double>> on;  // on[p][c]
  std::vector<int> fits;
  double dark = 1.0;
  int phases() const override { return static_cast<int>(info.size()); }
  const engine::scheduler::PhaseInfo& phase(int p) const override {
    return info[static_cast<std::size_t>(p)];
  }
  int initial() const override { return 0; }
  int fit(int p) override { return fits[static_cast<std::size_t>(p)]; }
  double predict(int p, int c) override {
    return on[static_cast<std::size_t>(p)][static_cast<std::size_t>(c)];
  }
  double reconfiguration_s(int a, int b) override { return a == b ? 0.0 : dark; }
  std::string describe(int c) const override { return c == 0 ? "initial" : "fit"; }
};

std::vector<int> chosen(const engine::scheduler::IPolicy& policy, HandPlanner& planner) {
  std::vector<int> out;
  for (const auto& d : policy.plan(planner))
    out.push_back(d.circuits);
  return out;
}

const engine::scheduler::IPolicy& phase_aware() {
  return *engine::scheduler::find_policy("phase_aware");
}

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(PhaseAware, ReconfiguresOnlyWhenTheGainExceedsTheReconfiguration) {
  HandPlanner p;
  p.info = {{"steps.0", 0, 0.0}};
  p.fits = {1};
  p.on = {{10.0, 8.5}};  // gain 1.5 > 1
  EXPECT_EQ(chosen(phase_aware(), p), (std::vector<int>{1}));
  p.on = {{10.0, 9.5}};  // gain 0.5 < 1
  EXPECT_EQ(chosen(phase_aware(), p), (std::vector<int>{0}));
  p.on = {{10.0, 9.0}};  // a tie keeps the circuits in place
  EXPECT_EQ(chosen(phase_aware(), p), (std::vector<int>{0}));
}

TEST(PhaseAware, CountsTheCostOfGoingBack) {
  // Phase 1 cannot run on phase 0's circuits: reconfiguring for phase 0 costs two reconfigurations.
  HandPlanner p;
  p.info = {{"steps.0", 0, 0.0}, {"steps.1", 0, 0.0}};
  p.fits = {1, 0};
  p.on = {{10.0, 8.5}, {5.0, kInf}};  // gain 1.5 < 2 x 1
  EXPECT_EQ(chosen(phase_aware(), p), (std::vector<int>{0, 0}));
  p.on = {{10.0, 7.5}, {5.0, kInf}};  // gain 2.5 > 2 x 1
  EXPECT_EQ(chosen(phase_aware(), p), (std::vector<int>{1, 0}));
  // Compute between the phases hides the way back.
  p.info[1].window_s = 1.0;
  p.on = {{10.0, 8.5}, {5.0, kInf}};
  EXPECT_EQ(chosen(phase_aware(), p), (std::vector<int>{1, 0}));
}

TEST(PhaseAware, StaysWhereTheNextPhaseAlsoGains) {
  // Two phases that both run faster on the fit: one reconfiguration pays for both.
  HandPlanner p;
  p.info = {{"steps.0", 0, 0.0}, {"steps.0", 1, 0.0}};
  p.fits = {1, 1};
  p.on = {{10.0, 9.4}, {10.0, 9.4}};  // 0.6 each: neither pays alone, together they do
  EXPECT_EQ(chosen(phase_aware(), p), (std::vector<int>{1, 1}));
  const auto decisions = phase_aware().plan(p);
  EXPECT_NE(decisions[0].why.find("shorter"), std::string::npos) << decisions[0].why;
}

TEST(StaticPolicy, NeverReconfigures) {
  HandPlanner p;
  p.info = {{"steps.0", 0, 0.0}};
  p.fits = {1};
  p.on = {{10.0, 1.0}};
  EXPECT_EQ(chosen(*engine::scheduler::find_policy("static"), p), (std::vector<int>{0}));
}

class AlwaysFit final : public engine::scheduler::IPolicy {
 public:
  std::string_view name() const override { return "test_always_fit"; }
  std::string_view summary() const override { return "every phase on its own fit"; }
  std::vector<engine::scheduler::Decision> plan(engine::scheduler::IPlanner& planner) const override {
    std::vector<engine::scheduler::Decision> out;
    for (int p = 0; p < planner.phases(); ++p)
      out.push_back({planner.fit(p), "always"});
    return out;
  }
};

TEST(PolicyRegistry, BuiltInsFirstThenRegisteredOnes) {
  const auto before = engine::scheduler::policy_names();
  ASSERT_GE(before.size(), 2u);
  EXPECT_EQ(before[0], "static");
  EXPECT_EQ(before[1], "phase_aware");
  EXPECT_EQ(engine::scheduler::find_policy("nope"), nullptr);
  engine::scheduler::register_policy(std::make_unique<AlwaysFit>());
  EXPECT_NE(engine::scheduler::find_policy("test_always_fit"), nullptr);
  EXPECT_EQ(engine::scheduler::policy_names().back(), "test_always_fit");
  EXPECT_THROW(engine::scheduler::register_policy(std::make_unique<AlwaysFit>()), std::invalid_argument);
}

TEST(PolicyRegistry, AnUnknownPolicyIsAnInputErrorAtItsKey) {
  const auto spec = platforms::parse_platform(kOcs8 + "scheduler:\n  policy: greedy\n", "p.yaml");
  const auto w = workloads::parse_workload(kSteps, "w.yaml");
  try {
    engine::validate(spec, w);
    FAIL() << "expected an input error";
  } catch (const core::InputError& e) {
    EXPECT_EQ(
        std::string(e.what()),
        "p.yaml:9:11: scheduler.policy: unknown policy \"greedy\"; expected one of: static, phase_aware");
  }
}

TEST(Traffic, RandomPairsAreSeededDistinctAndSpreadOverTheRanks) {
  workloads::TrafficStep t;
  t.messages = 4000;
  t.size_bytes = 4096;
  t.interval_s = 1e-6;
  const auto a = workloads::traffic_messages(t, 8, 1, workloads::traffic_salt("steps.0", 0));
  const auto b = workloads::traffic_messages(t, 8, 1, workloads::traffic_salt("steps.0", 0));
  const auto c = workloads::traffic_messages(t, 8, 2, workloads::traffic_salt("steps.0", 0));
  const auto d = workloads::traffic_messages(t, 8, 1, workloads::traffic_salt("steps.0", 1));
  ASSERT_EQ(a.size(), 4000u);
  int same_c = 0, same_d = 0;
  std::vector<int> from(8, 0);
  for (std::size_t k = 0; k < a.size(); ++k) {
    EXPECT_EQ(a[k].src, b[k].src);
    EXPECT_EQ(a[k].dst, b[k].dst);
    EXPECT_NE(a[k].src, a[k].dst);
    EXPECT_DOUBLE_EQ(a[k].at_s, static_cast<double>(k) * 1e-6);
    same_c += a[k].src == c[k].src && a[k].dst == c[k].dst;
    same_d += a[k].src == d[k].src && a[k].dst == d[k].dst;
    ++from[static_cast<std::size_t>(a[k].src)];
  }
  EXPECT_LT(same_c, 200);  // 1 in 56 by chance: about 71
  EXPECT_LT(same_d, 200);
  for (int n : from)
    EXPECT_NEAR(n, 500, 100);
}

TEST(Traffic, ListedPairsTakeTurns) {
  workloads::TrafficStep t;
  t.messages = 5;
  t.pairs = {{0, 4}, {2, 1}};
  const auto m = workloads::traffic_messages(t, 8, 1, 0);
  ASSERT_EQ(m.size(), 5u);
  EXPECT_EQ(m[0].src, 0);
  EXPECT_EQ(m[1].src, 2);
  EXPECT_EQ(m[2].dst, 4);
  EXPECT_EQ(m[3].dst, 1);
  EXPECT_EQ(m[4].src, 0);
}

// Packets of flows A (class collective, weight 4) and B (class bulk, weight 1) queued together.
TEST(Arbiter, WeightedTurnsAreAsManyPacketsAsTheClassWeight) {
  core::Arbiter<int, 5> arb;
  core::ClassArbitration w;
  w.rule = core::ClassRule::Weighted;
  arb.set_arbitration(w);
  for (int i = 0; i < 8; ++i) {
    arb.push(1, 2, 100 + i);
    arb.push(2, 4, 200 + i);
  }
  std::string order;
  while (!arb.empty())
    order += arb.pop() < 200 ? 'A' : 'B';
  EXPECT_EQ(order, "AAAABAAAABBBBBBB");
}

TEST(Arbiter, AWeightedFlowThatRefillsBeforeTheNextPickKeepsItsTurn) {
  // A sender with one packet queued at a time (a credited NIC) refills as each packet leaves.
  core::Arbiter<int, 5> arb;
  core::ClassArbitration w;
  w.rule = core::ClassRule::Weighted;
  arb.set_arbitration(w);
  for (int i = 0; i < 4; ++i)
    arb.push(2, 4, 200 + i);
  arb.push(1, 2, 100);
  std::string order;
  for (int i = 0; i < 6; ++i) {
    const int p = arb.pop();
    order += p < 200 ? 'A' : 'B';
    if (p < 200 && i < 4) arb.push(1, 2, 100 + i + 1);  // A refills at once
  }
  EXPECT_EQ(order, "BAAAAB");
}

TEST(Arbiter, StrictAndNoneAreUnchanged) {
  core::Arbiter<int, 5> strict(true), none(false);
  for (auto* a : {&strict, &none}) {
    a->push(1, 4, 400);
    a->push(2, 0, 0);
  }
  EXPECT_EQ(strict.pop(), 0);
  EXPECT_EQ(none.pop(), 400);
}

// A reference of the strict and classless rules: per-flow FIFOs, flows taking turns within a class (strict:
// the lowest class first). The arbiter must serve random pushes and pops exactly as it does, with a lone
// packet kept in place or not.
TEST(Arbiter, ServesAsPerFlowQueuesTakingTurnsWhateverTheOrderOfPushesAndPops) {
  struct Reference {
    bool strict;
    std::map<std::uint64_t, std::deque<int>> queues;
    std::deque<std::uint64_t> turns[5];
    std::map<std::uint64_t, int> cls;
    void push(std::uint64_t flow, int c, int p) {
      auto& q = queues[flow];
      if (q.empty()) {
        cls[flow] = strict ? c : 0;
        turns[cls[flow]].push_back(flow);
      }
      q.push_back(p);
    }
    int pop() {
      for (auto& t : turns) {
        if (t.empty()) continue;
        const std::uint64_t flow = t.front();
        t.pop_front();
        auto& q = queues[flow];
        const int p = q.front();
        q.pop_front();
        if (!q.empty()) t.push_back(flow);
        return p;
      }
      return -1;
    }
  };
  for (const bool strict : {true, false}) {
    core::Arbiter<int, 5> arb(strict);
    Reference ref{strict, {}, {}, {}};
    std::uint64_t x = 12345;
    const auto next = [&x] {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      return x >> 33;
    };
    int queued = 0, serial = 0;
    for (int step = 0; step < 20000; ++step) {
      // Mostly one packet queued at a time (the lone case), sometimes a burst of flows and classes.
      const bool burst = next() % 16 == 0;
      const int pushes = queued == 0 || burst ? static_cast<int>(1 + (burst ? next() % 6 : 0)) : 0;
      for (int i = 0; i < pushes; ++i) {
        const std::uint64_t flow = next() % 5;
        const int c = static_cast<int>(flow % 3 == 0 ? 4 : flow % 3);
        arb.push(flow, c, serial);
        ref.push(flow, c, serial);
        ++serial;
        ++queued;
      }
      if (queued > 0 && next() % 3 != 0) {
        ASSERT_EQ(arb.pop(), ref.pop()) << "step " << step;
        --queued;
      }
      ASSERT_EQ(arb.queued(), static_cast<std::size_t>(queued));
    }
  }
}

}  // namespace test_scheduler
}  // namespace
}  // namespace pjbit
