// core::SmallVector against std::vector under random pushes, pops, clears and swaps of the last element into
// a slot (the flow network's use), across the step from in-place to heap storage; and copies and moves of
// both.
#include <gtest/gtest.h>

#include <random>
#include <utility>
#include <vector>

#include "core/small_vector.h"

namespace {
namespace test_small_vector {

using Small = pjbit::core::SmallVector<int, 4>;

void expect_same(const Small& s, const std::vector<int>& v) {
  ASSERT_EQ(s.size(), v.size());
  ASSERT_EQ(s.empty(), v.empty());
  for (std::size_t i = 0; i < v.size(); ++i)
    ASSERT_EQ(s[i], v[i]) << "at " << i;
  std::vector<int> walked(s.begin(), s.end());
  ASSERT_EQ(walked, v);
}

TEST(SmallVector, AgreesWithAVectorUnderRandomOperations) {
  Small s;
  std::vector<int> v;
  std::mt19937 rng(11);
  for (int step = 0; step < 100000; ++step) {
    const unsigned op = rng() % 16;
    if (op < 8 || v.empty()) {
      const int x = static_cast<int>(rng());
      s.push_back(x);
      v.push_back(x);
    } else if (op < 13) {
      // The last element takes the place of another, and the list shrinks by one.
      const std::size_t at = rng() % v.size();
      s[at] = s.back();
      s.pop_back();
      v[at] = v.back();
      v.pop_back();
    } else if (op < 14) {
      s.clear();
      v.clear();
    } else {
      ASSERT_EQ(s.front(), v.front());
      ASSERT_EQ(s.back(), v.back());
    }
    expect_same(s, v);
  }
}

TEST(SmallVector, CopiesAndMovesKeepTheValuesInPlaceAndOnTheHeap) {
  for (int n : {0, 3, 4, 5, 40}) {
    Small s;
    std::vector<int> v;
    for (int i = 0; i < n; ++i) {
      s.push_back(i * 7);
      v.push_back(i * 7);
    }
    const Small copy(s);
    expect_same(copy, v);
    Small assigned;
    assigned.push_back(99);
    assigned = copy;
    expect_same(assigned, v);
    Small moved(std::move(assigned));
    expect_same(moved, v);
    EXPECT_TRUE(assigned.empty());  // a moved-from list is empty
    Small target;
    for (int i = 0; i < 9; ++i)
      target.push_back(-i);  // on the heap before the move replaces it
    target = std::move(moved);
    expect_same(target, v);
    expect_same(s, v);  // the source of the copies is untouched
  }
}

TEST(SmallVector, ShrinkToFitKeepsTheValuesAndFreesTheSlack) {
  // Back in place when the values fit there, else on the heap at their exact count; growing again works.
  for (int n : {0, 2, 4, 5, 9, 33}) {
    Small s;
    std::vector<int> v;
    for (int i = 0; i < 40; ++i)
      s.push_back(i);
    s.clear();
    for (int i = 0; i < n; ++i) {
      s.push_back(3 * i);
      v.push_back(3 * i);
    }
    s.shrink_to_fit();
    expect_same(s, v);
    s.push_back(-1);
    v.push_back(-1);
    expect_same(s, v);
    const Small copy(s);
    expect_same(copy, v);
  }
}

TEST(SmallVector, ReserveKeepsTheValuesAndGrowsOnlyWhenAsked) {
  Small s;
  s.push_back(1);
  s.push_back(2);
  s.reserve(2);
  expect_same(s, {1, 2});
  s.reserve(100);
  expect_same(s, {1, 2});
  for (int i = 3; i <= 100; ++i)
    s.push_back(i);
  ASSERT_EQ(s.size(), 100u);
  EXPECT_EQ(s[99], 100);
}

TEST(SmallVector, AVectorOfThemSurvivesGrowth) {
  // The network keeps one per link direction in a std::vector: reallocation moves them.
  std::vector<Small> lists;
  for (int i = 0; i < 200; ++i) {
    lists.emplace_back();
    for (int k = 0; k < i % 9; ++k)
      lists.back().push_back(i * 100 + k);
  }
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(lists[static_cast<std::size_t>(i)].size(), static_cast<unsigned>(i % 9));
    for (int k = 0; k < i % 9; ++k)
      ASSERT_EQ(lists[static_cast<std::size_t>(i)][static_cast<std::size_t>(k)], i * 100 + k);
  }
}

}  // namespace test_small_vector
}  // namespace
