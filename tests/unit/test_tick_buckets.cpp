// core::TickBuckets against a reference ordered by (tick, insertion order) under random pushes and pops.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <utility>
#include <vector>

#include "core/tick_buckets.h"

namespace {
namespace test_tick_buckets {

using pjbit::core::Tick;
using pjbit::core::TickBuckets;

TEST(TickBuckets, PopsInTickOrderAndAtOneTickInPushOrder) {
  TickBuckets<int> buckets;
  std::multimap<std::pair<Tick, int>, int> ref;  // (tick, push number) -> item
  std::mt19937_64 rng(7);
  int pushed = 0;
  Tick now = 0;
  for (int step = 0; step < 200000; ++step) {
    if (ref.empty() || rng() % 5 < 3) {
      // Never before the last popped tick, as a simulator schedules: often the same tick, else soon after.
      const Tick at = now + (rng() % 4 == 0 ? 0 : rng() % 50);
      buckets.push(at, pushed);
      ref.emplace(std::make_pair(at, pushed), pushed);
      ++pushed;
    } else {
      ASSERT_FALSE(buckets.empty());
      ASSERT_EQ(buckets.earliest(), ref.begin()->first.first);
      now = buckets.earliest();
      const auto next = std::next(ref.begin());
      const int* ahead = buckets.peek(1);
      if (next != ref.end() && next->first.first == now) {
        ASSERT_NE(ahead, nullptr);
        EXPECT_EQ(*ahead, next->second);
      } else {
        EXPECT_EQ(ahead, nullptr);
      }
      ASSERT_EQ(buckets.pop(), ref.begin()->second);
      ref.erase(ref.begin());
    }
    ASSERT_EQ(buckets.empty(), ref.empty());
  }
  while (!ref.empty()) {
    ASSERT_EQ(buckets.pop(), ref.begin()->second);
    ref.erase(ref.begin());
  }
  EXPECT_TRUE(buckets.empty());
}

}  // namespace test_tick_buckets
}  // namespace
