// The flow engine's bandwidth sharing, by hand: max-min fairness by progressive filling, with strict
// priority, and weighted by class.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "engine/flow/max_min.h"

namespace {
namespace test_max_min {

using pjbit::engine::flow::max_min_rates;
using pjbit::engine::flow::weighted_max_min_rates;

TEST(MaxMin, TwoFlowsOnOneLinkSplitIt) {
  const auto r = max_min_rates({{0}, {0}}, {2, 2}, {100.0}, true);
  EXPECT_DOUBLE_EQ(r[0], 50.0);
  EXPECT_DOUBLE_EQ(r[1], 50.0);
}

TEST(MaxMin, AFlowHeldElsewhereLeavesTheRestToTheOthers) {
  // Link 0 (100) carries flows A and B; link 1 (30) carries B and C. B and C get 15 each at link 1; A takes
  // the 85 that B leaves on link 0.
  const auto r = max_min_rates({{0}, {0, 1}, {1}}, {2, 2, 2}, {100.0, 30.0}, true);
  EXPECT_DOUBLE_EQ(r[1], 15.0);
  EXPECT_DOUBLE_EQ(r[2], 15.0);
  EXPECT_DOUBLE_EQ(r[0], 85.0);
}

TEST(MaxMin, StrictPriorityServesTheHigherClassFirst) {
  // A latency-critical flow (class 0) and a bulk flow (class 4) on one link: class 0 takes it all, unless
  // priorities are off.
  const auto on = max_min_rates({{0}, {0}}, {0, 4}, {100.0}, true);
  EXPECT_DOUBLE_EQ(on[0], 100.0);
  EXPECT_DOUBLE_EQ(on[1], 0.0);
  const auto off = max_min_rates({{0}, {0}}, {0, 4}, {100.0}, false);
  EXPECT_DOUBLE_EQ(off[0], 50.0);
  EXPECT_DOUBLE_EQ(off[1], 50.0);
}

TEST(MaxMin, ALowerClassUsesWhatTheHigherLeaves) {
  // Class 0 flow crosses links 0 and 1 (link 1 is 40); the bulk flow on link 0 gets the remaining 60.
  const auto r = max_min_rates({{0, 1}, {0}}, {0, 4}, {100.0, 40.0}, true);
  EXPECT_DOUBLE_EQ(r[0], 40.0);
  EXPECT_DOUBLE_EQ(r[1], 60.0);
}

TEST(WeightedMaxMin, FlowsOnOneLinkShareItInProportionToTheirWeights) {
  // Collective (weight 4) and bulk (weight 1) on one link of 100: 80 and 20.
  const std::array<int, 5> w{16, 8, 4, 2, 1};
  const auto r = weighted_max_min_rates({{0}, {0}}, {2, 4}, {100.0}, w);
  EXPECT_DOUBLE_EQ(r[0], 80.0);
  EXPECT_DOUBLE_EQ(r[1], 20.0);
}

TEST(WeightedMaxMin, WhatABottleneckedFlowLeavesGoesToTheOthersByWeight) {
  // Link 0 (100): A (weight 4) and B (weight 1); link 1 (10): B alone. B is held to 10 by link 1, so A takes
  // the 90 that B leaves on link 0 although its weighted share there would be 80.
  const std::array<int, 5> w{16, 8, 4, 2, 1};
  const auto r = weighted_max_min_rates({{0}, {0, 1}}, {2, 4}, {100.0, 10.0}, w);
  EXPECT_DOUBLE_EQ(r[1], 10.0);
  EXPECT_DOUBLE_EQ(r[0], 90.0);
}

TEST(WeightedMaxMin, EqualWeightsAreMaxMin) {
  const std::array<int, 5> w{1, 1, 1, 1, 1};
  const std::vector<std::vector<int>> uses = {{0}, {0, 1}, {1}, {1, 2}};
  const std::vector<int> classes = {0, 2, 4, 3};
  const std::vector<double> capacity = {100.0, 30.0, 50.0};
  EXPECT_EQ(weighted_max_min_rates(uses, classes, capacity, w),
            max_min_rates(uses, classes, capacity, false));
}

}  // namespace test_max_min
}  // namespace
