// core::RecvTable against std::map under random inserts, updates and erases (probe runs that wrap around the
// end of the array, backward-shift erases and growth included).
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <utility>

#include "core/recv_table.h"

namespace {
namespace test_recv_table {

TEST(RecvTable, AgreesWithAMapUnderRandomOperations) {
  pjbit::core::RecvTable<std::uint64_t> table;
  std::map<std::pair<int, std::uint64_t>, std::uint64_t> reference;
  std::mt19937_64 rng(7);
  for (int step = 0; step < 200000; ++step) {
    // Few distinct keys, so that entries collide, are found again and are erased often.
    const int src = static_cast<int>(rng() % 64);
    const std::uint64_t tag = rng() % 16;
    if (rng() % 3 == 0) {
      table.erase(src, tag);
      reference.erase({src, tag});
    } else {
      const std::uint64_t add = rng() % 1000;
      table.at(src, tag) += add;
      reference[{src, tag}] += add;
    }
    ASSERT_EQ(table.size(), reference.size());
  }
  std::size_t seen = 0;
  table.for_each([&](int src, std::uint64_t tag, const std::uint64_t& value) {
    const auto it = reference.find({src, tag});
    ASSERT_NE(it, reference.end());
    EXPECT_EQ(value, it->second);
    ++seen;
  });
  EXPECT_EQ(seen, reference.size());
  table.erase(1000, 1);  // absent: nothing happens
  EXPECT_EQ(table.size(), reference.size());
}

}  // namespace test_recv_table
}  // namespace
