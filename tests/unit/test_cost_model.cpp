// The models' cost functions, which every consumer calls (the packet path, the flow engine, the recorder,
// the scheduler's forecasts): each against its closed form, and against each other where two express one
// figure (a crossing priced per packet and per payload byte must agree).
#include <gtest/gtest.h>

#include <cstdint>

#include "core/energy.h"
#include "modules/link/link.h"
#include "modules/memory_pool/memory_pool.h"
#include "modules/nic/nic.h"
#include "modules/switch/switch.h"

namespace {
namespace test_cost_model {

using pjbit::core::Category;

pjbit::link::Params stacked_link() {
  pjbit::link::Params p;
  p.bandwidth_Bps = 100e9;
  p.overhead = 0.2;
  p.stack = {{Category::Serdes, 2.0, 0.0}, {Category::Dsp, 5.0, 1.5}, {Category::Laser, 0.0, 3.0}};
  return p;
}

TEST(LinkCostModel, PayloadRateAndWireBytesFollowTheOverhead) {
  const auto p = stacked_link();
  EXPECT_DOUBLE_EQ(p.payload_rate_Bps(), 80e9);
  EXPECT_DOUBLE_EQ(p.wire_per_payload_byte(), 1.25);
  EXPECT_DOUBLE_EQ(pjbit::link::Params::wire_bits(1000.0, p), 10000.0);
  // Serializing a payload at the line rate takes as long as draining it at the payload rate.
  EXPECT_DOUBLE_EQ(pjbit::link::Params::serialization_time_s(1000, p), 1000.0 / p.payload_rate_Bps());
  // Ticks per wire bit at a 1 ps resolution: 1e12 / (8 x 100e9) = 1.25.
  EXPECT_DOUBLE_EQ(p.ticks_per_wire_bit(1e12), 1.25);
}

TEST(LinkCostModel, PerByteAndPerPacketEnergyAgree) {
  const auto p = stacked_link();
  const double bytes = 4096.0;
  const double wire_bits = pjbit::link::Params::wire_bits(bytes, p);
  double per_packet = 0.0, per_byte = 0.0;
  for (const auto& e : p.stack) {
    per_packet += pjbit::link::Params::stack_energy_j(e.energy_pj_per_bit, wire_bits);
    per_byte += bytes * p.joules_per_payload_byte(e);
    EXPECT_NEAR(bytes * p.joules_per_payload_byte(e),
                pjbit::link::Params::stack_energy_j(e.energy_pj_per_bit, wire_bits),
                1e-12 * per_packet + 1e-30);
  }
  // 4096 B x 8 / 0.8 wire bits x 7 pJ/bit.
  EXPECT_NEAR(per_packet, 4096.0 * 8.0 / 0.8 * 7e-12, 1e-24);
  EXPECT_NEAR(per_byte, per_packet, 1e-12 * per_packet);
  EXPECT_NEAR(pjbit::link::Params::energy_j(4096, p), per_packet, 1e-12 * per_packet);
  EXPECT_DOUBLE_EQ(p.energy_pj_per_bit(), 7.0);
}

TEST(LinkCostModel, SleepRuleCountsOnlyWhatLiesPastTheThreshold) {
  pjbit::link::Params p;
  EXPECT_FALSE(p.sleep_rule().enabled());
  EXPECT_EQ(p.sleep_rule().slept(1'000'000), 0u);
  p.sleep_after_s = 1e-6;  // 1 us = 1e6 ticks at 1 ps
  p.wake_s = 2e-6;
  const auto rule = p.sleep_rule();
  ASSERT_TRUE(rule.enabled());
  EXPECT_EQ(rule.wake, 2'000'000u);
  EXPECT_EQ(rule.slept(999'999), 0u);
  EXPECT_EQ(rule.slept(1'000'000), 0u);  // idle exactly `after`: not asleep yet
  EXPECT_EQ(rule.slept(1'000'001), 1u);
  EXPECT_EQ(rule.slept(5'000'000), 4'000'000u);
}

TEST(SwitchNicPoolCostModel, PerByteMatchesTheirEnergyFunctions) {
  pjbit::fabric_switch::Params sw;
  sw.energy_pj_per_bit = 10.0;
  pjbit::nic::Params nic;
  nic.energy_pj_per_bit = 3.0;
  pjbit::memory_pool::Params pool;
  pool.energy_pj_per_bit = 12.0;
  const double bytes = 1 << 20;
  EXPECT_NEAR(bytes * sw.joules_per_payload_byte(), pjbit::fabric_switch::Params::energy_j(bytes, sw), 1e-18);
  EXPECT_NEAR(pjbit::fabric_switch::Params::energy_j(bytes, sw), bytes * 8.0 * 10e-12, 1e-18);
  EXPECT_NEAR(bytes * nic.joules_per_payload_byte(), pjbit::nic::Params::energy_j(bytes, nic), 1e-18);
  EXPECT_NEAR(pjbit::memory_pool::Params::energy_j(bytes, pool), bytes * 8.0 * 12e-12, 1e-18);
}

TEST(Categories, MemoryPoolIsItsOwnCategoryOutsideTheFabric) {
  EXPECT_EQ(pjbit::core::category_name(Category::MemoryPool), "memory_pool");
  EXPECT_EQ(pjbit::core::category_from_name("memory_pool"), Category::MemoryPool);
  EXPECT_FALSE(pjbit::core::is_fabric(Category::MemoryPool));
  EXPECT_FALSE(pjbit::core::is_fabric(Category::Hbm));
  EXPECT_TRUE(pjbit::core::is_fabric(Category::Nic));
  EXPECT_EQ(pjbit::core::category_name(static_cast<Category>(pjbit::core::kNumCategories - 1)), "cooling");
}

}  // namespace test_cost_model
}  // namespace
