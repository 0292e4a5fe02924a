// The recorder's energy profile (engine/recorder.h): amounts spread over intervals land in the windows they
// overlap, in proportion, and nothing is lost when the windows double to cover a longer run.
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "engine/recorder.h"

namespace pjbit::engine {
namespace {
namespace test_energy_profile {

double sum(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0);
}

TEST(EnergyProfile, SpreadsInProportionToOverlap) {
  EnergyProfile p;
  const core::Tick w = p.window();
  // From the middle of window 1 to the middle of window 4: a half, two whole and a half window.
  p.spread(0, w + w / 2, 4 * w + w / 2, 6.0);
  const std::vector<double> a = p.amounts(0, 6);
  EXPECT_DOUBLE_EQ(a[0], 0.0);
  EXPECT_DOUBLE_EQ(a[1], 1.0);
  EXPECT_DOUBLE_EQ(a[2], 2.0);
  EXPECT_DOUBLE_EQ(a[3], 2.0);
  EXPECT_DOUBLE_EQ(a[4], 1.0);
  EXPECT_DOUBLE_EQ(a[5], 0.0);
  // An instant lands in its window; other series are untouched.
  p.spread(1, 2 * w, 2 * w, 5.0);
  EXPECT_DOUBLE_EQ(p.amounts(1, 6)[2], 5.0);
  EXPECT_DOUBLE_EQ(sum(p.amounts(0, 6)), 6.0);
}

TEST(EnergyProfile, WindowsDoubleWithoutLosingAnything) {
  EnergyProfile p;
  const core::Tick w0 = p.window();
  p.spread(2, 0, 10 * w0, 10.0);  // 1 per window
  p.spread(2, 3 * w0, 3 * w0, 4.0);
  // Far beyond the windows: they double until it fits, at most kWindows of them.
  const core::Tick far = 1000 * EnergyProfile::kWindows * w0;
  p.spread(2, far - 8 * w0, far, 8.0);
  const core::Tick w = p.window();
  EXPECT_GT(w, w0);
  EXPECT_EQ(w % w0, 0u);
  EXPECT_LE(far, EnergyProfile::kWindows * w);
  EXPECT_GT(far, EnergyProfile::kWindows * w / 2);
  const std::vector<double> a = p.amounts(2, EnergyProfile::kWindows);
  EXPECT_NEAR(sum(a), 22.0, 1e-12);
  EXPECT_NEAR(a[0], 14.0, 1e-12);  // the first two spreads now fit in the first window
  EXPECT_NEAR(a[(far - 1) / w], 8.0, 1e-12);
  // extend() covers a time without adding anything.
  p.extend(4 * far);
  EXPECT_LE(4 * far, EnergyProfile::kWindows * p.window());
  EXPECT_NEAR(sum(p.amounts(2, EnergyProfile::kWindows)), 22.0, 1e-12);
}

// Whole windows are kept as differences, whose running sum leaves rounding dust where intervals of different
// amounts end at different windows; a window that no interval spans is exactly 0 all the same, before and
// after the windows double.
TEST(EnergyProfile, AWindowNoIntervalSpansIsExactlyZero) {
  for (const bool doubled : {false, true}) {
    EnergyProfile p;
    const core::Tick w = p.window();
    // From window 1 to windows 10-16 (amounts chosen so that the differences leave a positive residue of
    // about 3e-16 without the count); nothing in windows 17-19; then more over windows 20-30.
    for (int i = 0; i < 100; ++i)
      p.spread(0, w + 1, static_cast<core::Tick>(11 + i % 7) * w - 1, 0.01 * (i + 1) / 3.0);
    for (int i = 0; i < 100; ++i)
      p.spread(0, 20 * w, 31 * w, 1e-3 * (i + 7) / 7.0);
    if (doubled) p.extend(2 * EnergyProfile::kWindows * w);  // windows 2j and 2j + 1 fold into j
    const core::Tick width = p.window();
    const std::vector<double> a = p.amounts(0, 40);
    for (core::Tick k = 17 * w / width + (doubled ? 1 : 0); k < 20 * w / width; ++k)
      EXPECT_EQ(a[static_cast<std::size_t>(k)], 0.0) << "window " << k << (doubled ? " (doubled)" : "");
    EXPECT_GT(a[static_cast<std::size_t>(5 * w / width)], 0.0);
    EXPECT_GT(a[static_cast<std::size_t>(25 * w / width)], 0.0);
  }
}

}  // namespace test_energy_profile
}  // namespace
}  // namespace pjbit::engine
