// A policy of the user's own, registered before the run (docs/scheduler.md, "Adding a policy"): the
// platform names it in scheduler.policy and the scheduler follows its decisions.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/scheduler/i_policy.h"
#include "support/sim.h"

namespace {
namespace test_scheduler_policy {

namespace sched = pjbit::engine::scheduler;

// Every phase on the circuits that fit it, whatever the cost.
class EveryFit final : public sched::IPolicy {
 public:
  std::string_view name() const override { return "every_fit"; }
  std::string_view summary() const override { return "every phase on its own fit"; }
  std::vector<sched::Decision> plan(sched::IPlanner& planner) const override {
    std::vector<sched::Decision> out;
    for (int p = 0; p < planner.phases(); ++p)
      out.push_back({planner.fit(p), "always its own fit"});
    return out;
  }
};

TEST(SchedulerPolicy, ARegisteredPolicyRunsAndItsDecisionsAreReported) {
  sched::register_policy(std::make_unique<EveryFit>());
  // With a 100 ms reconfiguration phase_aware would keep the ring; this policy reconfigures anyway.
  const auto o = pjbit::testing::simulate_yaml(
      "name: ocs8\ntopology:\n  kind: ocs\n  ranks: 8\n  ports_per_rank: 2\n"
      "  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }\n"
      "  ocs: { ports: 136, reconfiguration: 100 ms }\nscheduler: { policy: every_fit }\nengine: flow\n",
      "name: w\nsteps:\n  - { collective: all_reduce, size: 64 MiB, algorithm: ring }\n"
      "  - parallel:\n"
      "      - { collective: all_reduce, size: 64 MiB, algorithm: ring, ranks: [0, 2, 4, 6] }\n"
      "      - { collective: all_reduce, size: 64 MiB, algorithm: ring, ranks: [1, 3, 5, 7] }\n"
      "  - { collective: all_reduce, size: 64 MiB, algorithm: ring }\n");
  const auto& s = o.sim.scheduler;
  EXPECT_EQ(s.policy, "every_fit");
  ASSERT_EQ(s.decisions.size(), 3u);
  EXPECT_EQ(s.decisions[0].action, "keep");  // the ring fits the initial circuits
  EXPECT_EQ(s.decisions[1].action, "reconfigure");
  EXPECT_EQ(s.decisions[2].action, "reconfigure");  // and back: the strided rings cannot route it
  EXPECT_EQ(s.decisions[1].why, "always its own fit");
  ASSERT_EQ(s.reconfigurations.size(), 2u);
  EXPECT_NEAR(s.reconfiguration_lost_s, 0.2, 1e-9);
  // Each phase starts once its circuits are up.
  EXPECT_GE(o.sim.steps[1].start_s, s.reconfigurations[0].end_s);
  EXPECT_GE(o.sim.steps[2].start_s, s.reconfigurations[1].end_s);
  EXPECT_NEAR(o.sim.sim_time_s, o.sim.steps[2].end_s, 1e-12);
}

}  // namespace test_scheduler_policy
}  // namespace
