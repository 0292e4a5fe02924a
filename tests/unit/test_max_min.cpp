// The flow engine's bandwidth sharing, by hand: max-min fairness by progressive filling, with strict
// priority.
#include <gtest/gtest.h>

#include "platforms/flow_network.h"

namespace {

using pjbit::platforms::FlowNetwork;

TEST(MaxMin, TwoFlowsOnOneLinkSplitIt) {
  const auto r = FlowNetwork::max_min_rates({{0}, {0}}, {2, 2}, {100.0}, true);
  EXPECT_DOUBLE_EQ(r[0], 50.0);
  EXPECT_DOUBLE_EQ(r[1], 50.0);
}

TEST(MaxMin, AFlowHeldElsewhereLeavesTheRestToTheOthers) {
  // Link 0 (100) carries flows A and B; link 1 (30) carries B and C. B and C get 15 each at link 1; A takes
  // the 85 that B leaves on link 0.
  const auto r = FlowNetwork::max_min_rates({{0}, {0, 1}, {1}}, {2, 2, 2}, {100.0, 30.0}, true);
  EXPECT_DOUBLE_EQ(r[1], 15.0);
  EXPECT_DOUBLE_EQ(r[2], 15.0);
  EXPECT_DOUBLE_EQ(r[0], 85.0);
}

TEST(MaxMin, StrictPriorityServesTheHigherClassFirst) {
  // A latency-critical flow (class 0) and a bulk flow (class 4) on one link: class 0 takes it all, unless
  // priorities are off.
  const auto on = FlowNetwork::max_min_rates({{0}, {0}}, {0, 4}, {100.0}, true);
  EXPECT_DOUBLE_EQ(on[0], 100.0);
  EXPECT_DOUBLE_EQ(on[1], 0.0);
  const auto off = FlowNetwork::max_min_rates({{0}, {0}}, {0, 4}, {100.0}, false);
  EXPECT_DOUBLE_EQ(off[0], 50.0);
  EXPECT_DOUBLE_EQ(off[1], 50.0);
}

TEST(MaxMin, ALowerClassUsesWhatTheHigherLeaves) {
  // Class 0 flow crosses links 0 and 1 (link 1 is 40); the bulk flow on link 0 gets the remaining 60.
  const auto r = FlowNetwork::max_min_rates({{0, 1}, {0}}, {0, 4}, {100.0, 40.0}, true);
  EXPECT_DOUBLE_EQ(r[0], 40.0);
  EXPECT_DOUBLE_EQ(r[1], 60.0);
}

}  // namespace
