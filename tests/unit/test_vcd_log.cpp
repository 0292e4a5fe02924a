// engine::VcdLog, what a value change dump shows: a variable's value at an instant is the largest (Max) or
// the sum (Sum) of the intervals given over it; past its budget it halves its time resolution, so that it
// keeps at most the budget's intervals and still reaches the last instant given.
#include <gtest/gtest.h>

#include <vector>

#include "engine/recorder.h"

namespace {
namespace test_vcd_log {

using pjbit::engine::VcdLog;
using Span = VcdLog::Span;

std::vector<Span> spans(std::initializer_list<Span> list) {
  return list;
}

bool same(const std::vector<Span>& a, const std::vector<Span>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].start != b[i].start || a[i].end != b[i].end || a[i].value != b[i].value) return false;
  return true;
}

TEST(VcdLog, MaxAndSumOfOverlappingIntervals) {
  VcdLog log({VcdLog::Kind::Max, VcdLog::Kind::Sum}, 1000);
  log.add(0, 0, 10, 1);
  log.add(0, 5, 15, 2);
  log.add(0, 20, 30, 1);
  log.add(0, 25, 25, 3);  // empty: nothing
  log.add(1, 0, 10, 1);
  log.add(1, 5, 15, 1);
  log.add(1, 15, 20, 2);
  EXPECT_TRUE(same(log.values(0), spans({{0, 5, 1}, {5, 15, 2}, {20, 30, 1}})));
  EXPECT_TRUE(same(log.values(1), spans({{0, 5, 1}, {5, 10, 2}, {10, 15, 1}, {15, 20, 2}})));
  EXPECT_EQ(log.step(), 1u);
}

TEST(VcdLog, IntervalsThatMeetWithOneValueAreOne) {
  VcdLog log({VcdLog::Kind::Sum}, 1000);
  for (pjbit::core::Tick t = 0; t < 100; t += 10)
    log.add(0, t, t + 10, 4);
  EXPECT_TRUE(same(log.values(0), spans({{0, 100, 4}})));
}

TEST(VcdLog, PastTheBudgetItCoarsensAndStillReachesTheEnd) {
  VcdLog log({VcdLog::Kind::Max, VcdLog::Kind::Sum}, 100);
  // 10,000 pulses of 1 tick every 3 on one variable, and overlapping pairs on the other.
  for (pjbit::core::Tick t = 0; t < 30000; t += 3) {
    log.add(0, t, t + 1, t % 2 == 0 ? 1u : 2u);
    log.add(1, t, t + 4, 1);
  }
  const std::vector<Span> max = log.values(0), sum = log.values(1);
  EXPECT_GT(log.step(), 1u);
  EXPECT_EQ(log.step() & (log.step() - 1), 0u) << "a power of two";
  EXPECT_LE(max.size() + sum.size(), 2 * log.budget());
  // Each step shows the largest value it saw: 2 everywhere the pulses of 2 fall, the whole run long.
  ASSERT_FALSE(max.empty());
  EXPECT_EQ(max.front().start, 0u);
  EXPECT_GE(max.back().end, 29998u);
  for (const Span& s : max) {
    EXPECT_EQ(s.start % log.step(), 0u);
    EXPECT_EQ(s.value, 2u);
  }
  ASSERT_FALSE(sum.empty());
  EXPECT_GE(sum.back().end, 30001u);
  for (const Span& s : sum)
    EXPECT_GE(s.value, 1u);
}

TEST(VcdLog, TheBudgetHoldsSomeIntervalsForEveryVariable) {
  VcdLog log(std::vector<VcdLog::Kind>(100, VcdLog::Kind::Max), 10);
  EXPECT_GE(log.budget(), 800u);
  for (std::size_t v = 0; v < 100; ++v)
    for (pjbit::core::Tick t = 0; t < 32; t += 4)
      log.add(v, t, t + 1, 1);
  EXPECT_EQ(log.step(), 1u);  // 800 intervals fit
  EXPECT_EQ(log.values(99).size(), 8u);
}

}  // namespace test_vcd_log
}  // namespace
