// engine::detail::LoadFront, the step loads a run whose iterations are summed up keeps for power/'s peaks:
// whatever the weights a, b >= 0, the largest a x + b y over what it keeps is the largest over every point it
// was given, the largest x + weight y exactly, while it keeps a bounded number of them.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "engine/program.h"

namespace {
namespace test_load_front {

using pjbit::engine::detail::LoadFront;
using pjbit::power::StepLoad;

struct Given {
  double x, y;
};

double largest(const std::vector<Given>& points, double a, double b) {
  double best = 0.0;
  for (const auto& p : points)
    best = std::max(best, a * p.x + b * p.y);
  return best;
}

// The points of the loads kept, found by their index among those given.
std::vector<Given> kept_points(const LoadFront& front, const std::vector<Given>& given) {
  std::map<std::size_t, StepLoad> kept;
  front.append_to(kept);
  std::vector<Given> out;
  for (const auto& [index, load] : kept) {
    EXPECT_EQ(load.start_s, static_cast<double>(index)) << "the load given with the index";
    out.push_back(given[index]);
  }
  return out;
}

// Points of random energy and compute: a trade-off, as a step whose energy and compute vary from iteration
// to iteration makes.
TEST(LoadFront, KeepsTheLargestOfEveryWeighingInFewLoads) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const double weight = 300.0;
  for (int trial = 0; trial < 20; ++trial) {
    LoadFront front;
    std::vector<Given> given;
    for (std::size_t i = 0; i < 5000; ++i) {
      const double share = u(rng), t = 0.5 + u(rng);
      given.push_back({100.0 * share * u(rng) / t, 8.0 * (1.0 - share) * u(rng) / t});
      StepLoad load;
      load.start_s = static_cast<double>(i);
      front.add(i, load, given.back().x, given.back().y, weight);
    }
    const auto kept = kept_points(front, given);
    EXPECT_LE(kept.size(), 34u);
    EXPECT_LE(front.size(), 33u);
    // The largest x + weight y, exactly.
    EXPECT_EQ(largest(kept, 1.0, weight), largest(given, 1.0, weight));
    for (int k = 0; k < 200; ++k) {
      const double a = u(rng), b = k % 10 == 0 ? 0.0 : u(rng) * 50.0;
      const double all = largest(given, a, b);
      EXPECT_NEAR(largest(kept, a, b), all, 1e-12 * all) << "a " << a << " b " << b;
    }
    // x alone and y alone: the two ends of the hull.
    EXPECT_EQ(largest(kept, 1.0, 0.0), largest(given, 1.0, 0.0));
    EXPECT_EQ(largest(kept, 0.0, 1.0), largest(given, 0.0, 1.0));
  }
}

TEST(LoadFront, IdenticalIterationsKeepTheFirst) {
  LoadFront front;
  for (std::size_t i = 0; i < 1000; ++i) {
    StepLoad load;
    load.start_s = static_cast<double>(i);
    front.add(i, load, 2.0, 1.0, 100.0);
  }
  std::map<std::size_t, StepLoad> kept;
  front.append_to(kept);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept.begin()->first, 0u);
}

// Points along y = 0 (instances that do not compute): only the largest x counts.
TEST(LoadFront, PointsOnOneAxisKeepTheLargest) {
  LoadFront front;
  const std::vector<double> xs = {3.0, 1.0, 7.0, 7.0, 2.0, 5.0};
  for (std::size_t i = 0; i < xs.size(); ++i)
    front.add(i, StepLoad{}, xs[i], 0.0, 0.0);
  std::map<std::size_t, StepLoad> kept;
  front.append_to(kept);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept.begin()->first, 2u);  // the first of the largest
}

}  // namespace test_load_front
}  // namespace
