// A memory pool in a testbench: a platform with one pool behind a switch; the pool's endpoint streams to
// two ranks at once through its attach link, which limits them to the pool's bandwidth together.
#include <gtest/gtest.h>

#include "core/time.h"
#include "platforms/loader.h"
#include "platforms/platform.h"

namespace {
namespace test_memory_pool {

TEST(MemoryPool, ItsAttachLinkSharesThePoolBandwidthAmongReaders) {
  const auto spec = pjbit::platforms::parse_platform(R"(name: pool
packet: 64 KiB
topology:
  kind: switch
  ranks: 2
  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 1 pJ/bit }
  switch: { latency: 300 ns, energy: 0 pJ/bit, radix: 8 }
memory_pools:
  - { name: pool0, attach: topology, bandwidth: 50 GB/s, latency: 1 us, energy: 10 pJ/bit, capacity: 1 TiB }
)",
                                                     "pool.yaml");
  pjbit::platforms::Platform platform("platform", spec);
  ASSERT_EQ(platform.endpoints(), 3);  // two ranks and the pool
  const int pool = platform.topology().pool_endpoint("pool0");
  ASSERT_EQ(pool, 2);
  constexpr std::uint64_t kBytes = 64ull << 20;
  pjbit::core::Tick done[2] = {0, 0};
  platform.endpoint(pool).set_program([&](pjbit::accelerator::Accelerator& acc) {
    pjbit::accelerator::Completion c;
    acc.send(0, kBytes, 3, 1, c);
    acc.send(1, kBytes, 3, 1, c);
    c.wait();
  });
  for (int r = 0; r < 2; ++r) {
    platform.accelerator(r).set_program([&, r](pjbit::accelerator::Accelerator& acc) {
      pjbit::accelerator::Completion c;
      acc.recv(pool, kBytes, 1, c);
      c.wait();
      done[r] = pjbit::core::now_ticks();
    });
  }
  sc_core::sc_start();
  // Both readers share the 50 GB/s attach link, packet by packet: together 2 x 64 MiB at 50 GB/s, then the
  // last packet crosses the switch and the rank's link (cut-through: latencies only).
  const double expected = 2.0 * kBytes / 50e9 + 2 * 500e-9 + 300e-9;
  for (int r = 0; r < 2; ++r)
    EXPECT_NEAR(pjbit::core::to_seconds(done[r]), expected, 0.01 * expected) << r;
  // The attach link is a fabric link with the tier's per-bit stack.
  bool found = false;
  for (const auto& l : platform.links()) {
    if (l.id[0] != "pool0->sw0") continue;
    found = true;
    EXPECT_DOUBLE_EQ(l.link->params().bandwidth_Bps, 50e9);
    EXPECT_NEAR(l.link->direction(0).dynamic_j, 2.0 * kBytes * 8 * 1e-12, 1e-12);
  }
  EXPECT_TRUE(found);
}

}  // namespace test_memory_pool
}  // namespace
