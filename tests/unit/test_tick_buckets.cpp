// core::TickIndex against std::map under random inserts and erases (keys that share probe runs, and keys
// that are multiples of one period, as simulated times are), and core::TickBuckets against a reference
// ordered by (tick, insertion order) under random pushes and pops.
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
using pjbit::core::TickIndex;

void check_index(std::uint64_t seed, Tick period, Tick spread) {
  TickIndex index;
  std::map<Tick, int> ref;
  std::mt19937_64 rng(seed);
  for (int step = 0; step < 200000; ++step) {
    const Tick at = period * (rng() % spread);
    const auto it = ref.find(at);
    ASSERT_EQ(index.find(at), it == ref.end() ? -1 : it->second) << "step " << step << " tick " << at;
    if (it == ref.end()) {
      const int value = static_cast<int>(rng() % 1000);
      index.insert(at, value);
      ref.emplace(at, value);
    } else if (rng() % 3 != 0) {  // erase more than insert now and then: the table empties and refills
      index.erase(at);
      ref.erase(it);
    }
    ASSERT_EQ(index.size(), ref.size());
  }
  for (const auto& [at, value] : ref)
    ASSERT_EQ(index.find(at), value);
  for (const auto& [at, value] : ref)
    index.erase(at);
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(index.find(ref.empty() ? 0 : ref.begin()->first), -1);
}

TEST(TickIndex, AgreesWithAMapUnderRandomInsertsAndErases) {
  check_index(1, 1, 64);             // a few keys, dense: long probe runs, many backward shifts
  check_index(2, 1, 5000);           // the table grows through several sizes
  check_index(3, 1u << 20, 3000);    // multiples of a power of two
  check_index(4, 500000, 3000);      // multiples of a link's latency in picoseconds
  check_index(5, 1, ~Tick{0} >> 1);  // anywhere: few repeats
}

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
