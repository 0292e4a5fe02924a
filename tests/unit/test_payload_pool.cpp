// core::PayloadPool: a packet is reused with fresh values (its own route's buffer kept), its reference count
// returns it to the pool, and it sits in its slot where the pool's comment says, so that a hop reads three of
// its cache lines (a property of SystemC 2.3's payload layout: a library whose payload differs fails here).
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <vector>

#include "core/fabric_extension.h"

namespace {
namespace test_payload_pool {

using pjbit::core::FabricExtension;
using pjbit::core::PayloadPool;

std::uintptr_t line_of(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p) / 64;
}

TEST(PayloadPool, ReusesAPacketWithFreshValuesAndItsRouteBuffer) {
  PayloadPool pool;
  tlm::tlm_generic_payload* p = pool.acquire();
  EXPECT_EQ(p->get_ref_count(), 1);
  FabricExtension& ext = pjbit::core::fabric(*p);
  FabricExtension* by_array = nullptr;
  p->get_extension(by_array);
  EXPECT_EQ(by_array, &ext);  // also found the standard way
  ext.src = 3;
  ext.dst = 9;
  ext.bytes = 4096;
  ext.ecn = true;
  ext.spent_j = 1.5;
  ext.own_route.ports = {1, 2, 3};
  const auto* buffer = ext.own_route.ports.data();
  p->release();
  EXPECT_EQ(pool.in_use(), 0u);

  tlm::tlm_generic_payload* q = pool.acquire();
  EXPECT_EQ(q, p);
  EXPECT_EQ(q->get_ref_count(), 1);
  const FabricExtension& fresh = pjbit::core::fabric(*q);
  EXPECT_EQ(fresh.src, 0);
  EXPECT_EQ(fresh.dst, 0);
  EXPECT_EQ(fresh.bytes, 0u);
  EXPECT_FALSE(fresh.ecn);
  EXPECT_EQ(fresh.spent_j, 0.0);
  EXPECT_EQ(fresh.cls, 2);
  EXPECT_EQ(fresh.route, nullptr);
  EXPECT_EQ(fresh.own_route.ports.data(), buffer);  // kept for the next route
  q->release();
}

TEST(PayloadPool, MakesDistinctPacketsAcrossBlocks) {
  PayloadPool pool;
  std::vector<tlm::tlm_generic_payload*> held;
  std::set<tlm::tlm_generic_payload*> seen;
  for (int i = 0; i < 300; ++i) {  // several blocks
    held.push_back(pool.acquire());
    EXPECT_TRUE(seen.insert(held.back()).second);
    pjbit::core::fabric(*held.back()).src = i;
  }
  EXPECT_EQ(pool.allocated(), 300u);
  EXPECT_EQ(pool.in_use(), 300u);
  for (int i = 0; i < 300; ++i)
    EXPECT_EQ(pjbit::core::fabric(*held[static_cast<std::size_t>(i)]).src, i);  // no two overlap
  for (auto* p : held)
    p->release();
  EXPECT_EQ(pool.in_use(), 0u);
}

TEST(PayloadPool, PlacesWhatAHopReadsOnThreeCacheLines) {
  PayloadPool pool;
  std::vector<tlm::tlm_generic_payload*> held;
  for (int i = 0; i < 100; ++i) {
    tlm::tlm_generic_payload* p = pool.acquire();
    held.push_back(p);
    const FabricExtension& ext = pjbit::core::fabric(*p);
    const std::uintptr_t first = line_of(p);  // the vtable pointer, command, length, status
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 64, 8u);
    // The extension's head (and with it the payload's reference count just before it) in the third line.
    for (const void* f : {static_cast<const void*>(&ext), static_cast<const void*>(&ext.src),
                          static_cast<const void*>(&ext.dst), static_cast<const void*>(&ext.flow),
                          static_cast<const void*>(&ext.tag), static_cast<const void*>(&ext.route),
                          static_cast<const void*>(&ext.bytes)})
      EXPECT_EQ(line_of(f), first + 2);
    // The rest of what a hop reads, or the destination, in the fourth.
    for (const void* f : {static_cast<const void*>(&ext.tail), static_cast<const void*>(&ext.tally),
                          static_cast<const void*>(&ext.message), static_cast<const void*>(&ext.held),
                          static_cast<const void*>(&ext.spent_j), static_cast<const void*>(&ext.feedback),
                          static_cast<const void*>(&ext.issued)})
      EXPECT_EQ(line_of(f), first + 3);
  }
  for (auto* p : held)
    p->release();
}

}  // namespace test_payload_pool
}  // namespace
