// engine::detail::Parts, what the endpoints taking part in a step instance do: kept for those endpoints only,
// found by endpoint whatever order they were given in, and an inactive part for any other endpoint.
#include <gtest/gtest.h>

#include <vector>

#include "engine/program.h"

namespace {
namespace test_parts {

using pjbit::engine::detail::Part;
using pjbit::engine::detail::Parts;

TEST(Parts, FoundByEndpointWhateverTheOrderGiven) {
  const std::vector<pjbit::engine::detail::Phase> phases(3);
  Parts parts;
  // A group listed out of rank order, as a collective's ring order may be, and a pool's endpoint beyond the
  // ranks.
  for (int e : {40, 7, 1000000, 12})
    parts.set(e).own = &phases;
  parts.seal();
  EXPECT_EQ(parts.endpoints(), (std::vector<int>{7, 12, 40, 1000000}));
  for (int e : {7, 12, 40, 1000000}) {
    EXPECT_TRUE(parts.at(e).active()) << e;
    EXPECT_EQ(parts.at(e).phases(), 3) << e;
  }
  for (int e : {0, 8, 41, 999999, 1000001})
    EXPECT_FALSE(parts.at(e).active()) << e;
}

TEST(Parts, AnEndpointGivenTwiceKeepsItsLaterPart) {
  const std::vector<pjbit::engine::detail::Phase> first(1), second(2);
  Parts parts;
  parts.set(5).own = &first;
  parts.set(3).own = &first;
  parts.set(5).own = &second;
  parts.seal();
  EXPECT_EQ(parts.endpoints(), (std::vector<int>{3, 5}));
  EXPECT_EQ(parts.at(5).phases(), 2);
  EXPECT_EQ(parts.at(3).phases(), 1);
}

TEST(Parts, NoneGivenHoldsNothing) {
  Parts parts;
  parts.seal();
  EXPECT_TRUE(parts.endpoints().empty());
  EXPECT_FALSE(parts.at(0).active());
}

}  // namespace test_parts
}  // namespace
