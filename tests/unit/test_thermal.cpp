// The first-order thermal model (power/thermal.md): a junction under constant power moves towards
// T_coolant + P x R with time constant R x C, in closed form; a run starts in its periodic steady state (it
// ends where it started); the hottest junction is at a window's end or at the start.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "power/thermal.h"

namespace {
namespace test_thermal {

using pjbit::power::thermal::junction;
using pjbit::power::thermal::step;

TEST(Thermal, AStepMovesTowardsTheSteadyStateWithTheTimeConstant) {
  // 300 W through 0.1 K/W from a 30 C coolant: steady state 60 C. From 30 C, one time constant later the
  // junction has covered 1 - 1/e of the way.
  EXPECT_DOUBLE_EQ(step(30.0, 300.0, 2.0, 30.0, 0.1, 2.0), 60.0 + (30.0 - 60.0) * std::exp(-1.0));
  EXPECT_DOUBLE_EQ(step(45.0, 300.0, 0.0, 30.0, 0.1, 2.0), 45.0);    // no time: no change
  EXPECT_NEAR(step(30.0, 300.0, 1e3, 30.0, 0.1, 2.0), 60.0, 1e-12);  // long after: the steady state
  EXPECT_DOUBLE_EQ(step(80.0, 0.0, 2.0, 30.0, 0.1, 2.0), 30.0 + 50.0 * std::exp(-1.0));  // cooling down
  EXPECT_DOUBLE_EQ(step(80.0, 300.0, 2.0, 30.0, 0.1, 0.0), 60.0);  // no heat capacity: at once
}

TEST(Thermal, TheRunStartsWhereItEnds) {
  // Two windows: 100 W for 1 s, 500 W for 3 s; R 0.1 K/W, tau 2 s, coolant 25 C.
  const std::vector<double> p = {100.0, 500.0}, dt = {1.0, 3.0};
  const double r = 0.1, tau = 2.0, tc = 25.0;
  const auto t = junction(p, dt, tc, r, tau);
  ASSERT_EQ(t.end_c.size(), 2u);
  // By hand: T1 = Tss1 + (T0 - Tss1) a1, T2 = Tss2 + (T1 - Tss2) a2, and T2 = T0.
  const double a1 = std::exp(-0.5), a2 = std::exp(-1.5), s1 = tc + 10.0, s2 = tc + 50.0;
  const double t0 = (s2 + (s1 - s2) * a2 - s1 * a1 * a2) / (1.0 - a1 * a2);
  EXPECT_NEAR(t.initial_c, t0, 1e-12);
  EXPECT_NEAR(t.end_c[0], s1 + (t0 - s1) * a1, 1e-12);
  EXPECT_NEAR(t.end_c[1], t0, 1e-12);
  EXPECT_DOUBLE_EQ(t.max_c, std::max({t.initial_c, t.end_c[0], t.end_c[1]}));
  // Constant power: the steady state throughout.
  const auto flat = junction({200.0, 200.0, 200.0}, {1.0, 2.0, 0.5}, tc, r, tau);
  EXPECT_NEAR(flat.initial_c, 45.0, 1e-12);
  for (double x : flat.end_c)
    EXPECT_NEAR(x, 45.0, 1e-12);
  // A run far shorter than tau sits at the steady state of its average power.
  const auto quick = junction({100.0, 300.0}, {1e-6, 1e-6}, tc, r, 10.0);
  EXPECT_NEAR(quick.initial_c, tc + 0.1 * 200.0, 1e-4);
  // No windows: the coolant's temperature.
  const auto none = junction({}, {}, tc, r, tau);
  EXPECT_DOUBLE_EQ(none.initial_c, tc);
  EXPECT_DOUBLE_EQ(none.max_c, tc);
}

}  // namespace test_thermal
}  // namespace
