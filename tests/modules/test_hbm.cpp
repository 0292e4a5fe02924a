// The HBM model (modules/hbm) in a testbench: test threads and methods call it directly, as its accelerator
// does. Expected ticks and joules are computed here from the parameters (hbm.md's equations). Each TEST
// elaborates at most once.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <systemc>
#include <utility>
#include <vector>

#include "core/energy.h"
#include "core/time.h"
#include "modules/hbm/hbm.h"
#include "support/testbench.h"

namespace pjbit::hbm {
namespace {
namespace test_hbm {

using core::Category;
using core::Tick;
using testing::dynamic;
using testing::expect_near_rel;
using testing::ticks;

// 1 TB/s: one byte is exactly one tick, so expected times are plain sums.
Params round_params() {
  Params p;
  p.bandwidth_Bps = 1e12;
  p.latency_s = 100e-9;
  p.energy_pj_per_bit = 3.9;
  return p;
}

// Spawns `body` as a thread (or a method, run once at time 0) under the testbench.
void spawn_thread(std::function<void()> body, const char* name) {
  sc_core::sc_spawn(std::move(body), name);
}

// --- static functions ---

TEST(HbmParams, DefaultsAreTheGenericAccelerator) {
  const Params p;
  EXPECT_DOUBLE_EQ(p.bandwidth_Bps, 3.35e12);
  EXPECT_DOUBLE_EQ(p.latency_s, 0.0);
  EXPECT_DOUBLE_EQ(p.energy_pj_per_bit, 3.9);
  EXPECT_EQ(p.capacity_bytes, 80ull << 30);
}

TEST(HbmParams, TransferTimeIsLatencyPlusBytesOverBandwidth) {
  Params p;
  p.bandwidth_Bps = 3.35e12;
  p.latency_s = 120e-9;
  expect_near_rel(Params::transfer_time_s(1 << 20, p), 120e-9 + double(1 << 20) / 3.35e12);
  expect_near_rel(Params::transfer_time_s(0, p), 120e-9);
  p.latency_s = 0.0;
  expect_near_rel(Params::transfer_time_s(3'350'000'000'000ull, p), 1.0);
}

TEST(HbmParams, EnergyIsBitsTimesPicojoulesPerBit) {
  Params p;
  p.energy_pj_per_bit = 3.9;
  expect_near_rel(Params::energy_j(1000, p), 8.0 * 1000 * 3.9e-12);
  expect_near_rel(Params::energy_j(1ull << 30, p), 8.0 * double(1ull << 30) * 3.9e-12);
  EXPECT_DOUBLE_EQ(Params::energy_j(0, p), 0.0);
  p.energy_pj_per_bit = 0.0;
  EXPECT_DOUBLE_EQ(Params::energy_j(4096, p), 0.0);
}

TEST(HbmParams, RooflineChoosesTheLargerAndExcludesLatency) {
  Params p;
  p.bandwidth_Bps = 2e12;
  p.latency_s = 1e-3;  // excluded from the roofline
  const double flops = 1000e12;
  // Compute-bound: 500 TFLOP at 1000 TFLOP/s = 0.5 s; 1 GB at 2 TB/s = 0.5 ms.
  expect_near_rel(Params::roofline_time_s(500e12, flops, 1'000'000'000ull, p), 0.5);
  // Memory-bound: 1 TFLOP = 1 ms; 10 GB = 5 ms.
  expect_near_rel(Params::roofline_time_s(1e12, flops, 10'000'000'000ull, p), 5e-3);
  // Either term alone.
  expect_near_rel(Params::roofline_time_s(0.0, flops, 2'000'000'000ull, p), 1e-3);
  expect_near_rel(Params::roofline_time_s(2e12, flops, 0, p), 2e-3);
  EXPECT_DOUBLE_EQ(Params::roofline_time_s(0.0, flops, 0, p), 0.0);
  // Balanced: both terms equal.
  expect_near_rel(Params::roofline_time_s(1e12, flops, 2'000'000'000ull, p), 1e-3);
  EXPECT_DOUBLE_EQ(Hbm::roofline_time_s(1e12, flops, 10'000'000'000ull, p),
                   Params::roofline_time_s(1e12, flops, 10'000'000'000ull, p));
}

// --- timing ---

TEST(Hbm, BackToBackAccessesSerializeAndLatencyIsAdded) {
  const Params p = round_params();
  Hbm hbm("hbm", p);
  const Tick lat = ticks(p.latency_s);
  std::vector<Tick> got;
  spawn_thread(
      [&] {
        got.push_back(hbm.reserve(1'000'000));      // [0, 1 us)
        got.push_back(hbm.reserve(500'000, true));  // [1 us, 1.5 us): queued behind the first
        hbm.access(250'000);                        // [1.5 us, 1.75 us), blocks until done + latency
        got.push_back(core::now_ticks());
        sc_core::wait(5, sc_core::SC_US);  // memory idle again
        got.push_back(hbm.reserve(1000));  // starts now, not at busy_until
        hbm.access(2000, true);            // right behind it
        got.push_back(core::now_ticks());
      },
      "user");
  sc_core::sc_start();

  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0], 1'000'000u + lat);
  EXPECT_EQ(got[1], 1'500'000u + lat);
  EXPECT_EQ(got[2], 1'750'000u + lat);
  const Tick t5 = 1'750'000u + lat + ticks(5e-6);
  EXPECT_EQ(got[3], t5 + 1000 + lat);
  EXPECT_EQ(got[4], t5 + 3000 + lat);
  EXPECT_EQ(got[0], 1'100'000u);
  EXPECT_EQ(hbm.busy_until(), t5 + 3000);
  EXPECT_EQ(hbm.busy_ticks(), 1'753'000u);  // latency does not hold the bandwidth

  EXPECT_EQ(hbm.bytes_read(), 1'000'000u + 250'000u + 1000u);
  EXPECT_EQ(hbm.bytes_written(), 500'000u + 2000u);
  EXPECT_EQ(hbm.reads(), 3u);
  EXPECT_EQ(hbm.writes(), 2u);
  EXPECT_EQ(hbm.accesses(), 5u);
}

TEST(Hbm, ConcurrentThreadsShareTheBandwidth) {
  Params p;  // default 3.35 TB/s: 1 MiB is not a whole number of ticks
  p.latency_s = 50e-9;
  Hbm hbm("hbm", p);
  const std::uint64_t n = 1 << 20;
  std::vector<Tick> done;
  auto user = [&](Tick at) {
    return [&, at] {
      if (at > 0) sc_core::wait(core::ticks_to_time(at));
      hbm.access(n, at > 0);
      done.push_back(core::now_ticks());
    };
  };
  spawn_thread(user(0), "a");
  spawn_thread(user(0), "b");
  spawn_thread(user(ticks(100e-9)), "c");  // arrives while both are still being served
  sc_core::sc_start();

  const Tick hold = ticks(double(n) / p.bandwidth_Bps);
  const Tick lat = ticks(p.latency_s);
  EXPECT_EQ(hold, 313'008u);
  ASSERT_EQ(done.size(), 3u);
  std::sort(done.begin(), done.end());
  EXPECT_EQ(done[0], hold + lat);
  EXPECT_EQ(done[1], 2 * hold + lat);  // the second completes after both sizes / bandwidth
  EXPECT_EQ(done[2], 3 * hold + lat);
  EXPECT_EQ(hbm.busy_ticks(), 3 * hold);
  EXPECT_EQ(hbm.bytes_read(), 2 * n);
  EXPECT_EQ(hbm.bytes_written(), n);
  expect_near_rel(dynamic(hbm.energy(), Category::Hbm), 8.0 * 3 * double(n) * 3.9e-12);
}

// reserve() needs no thread: a method process (as an event-queue callback would be) gets the completion
// tick and schedules its own wake-up.
TEST(Hbm, ReserveFromAMethodProcess) {
  const Params p = round_params();
  Hbm hbm("hbm", p);
  const Tick lat = ticks(p.latency_s);
  std::vector<Tick> reserved;
  Tick woke = 0;
  sc_core::sc_event done_event;
  sc_core::sc_spawn_options once;
  once.spawn_method();
  sc_core::sc_spawn(
      [&] {
        reserved.push_back(hbm.reserve(4000, true));
        reserved.push_back(hbm.reserve(6000));
        done_event.notify(core::ticks_to_time(reserved.back() - core::now_ticks()));
      },
      "method", &once);
  spawn_thread(
      [&] {
        sc_core::wait(done_event);
        woke = core::now_ticks();
      },
      "waiter");
  sc_core::sc_start();

  ASSERT_EQ(reserved.size(), 2u);
  EXPECT_EQ(reserved[0], 4000 + lat);
  EXPECT_EQ(reserved[1], 10'000 + lat);
  EXPECT_EQ(woke, 10'000 + lat);
  EXPECT_EQ(hbm.writes(), 1u);
  EXPECT_EQ(hbm.reads(), 1u);
}

// --- energy and stats ---

TEST(Hbm, EnergyIsChargedToHbmForReadsAndWrites) {
  const Params p = round_params();
  Hbm hbm("hbm", p);
  spawn_thread(
      [&] {
        hbm.access(3000);
        hbm.access(5000, true);
        hbm.reserve(2000, true);
      },
      "user");
  sc_core::sc_start();

  const core::EnergyAccount& e = hbm.energy();
  expect_near_rel(dynamic(e, Category::Hbm), 8.0 * (3000 + 5000 + 2000) * 3.9e-12);
  expect_near_rel(e.dynamic_total_j(), dynamic(e, Category::Hbm));
  EXPECT_DOUBLE_EQ(e.static_total_w(), 0.0);
  EXPECT_EQ(hbm.bytes_read(), 3000u);
  EXPECT_EQ(hbm.bytes_written(), 7000u);
  EXPECT_EQ(hbm.accesses(), 3u);
  EXPECT_EQ(hbm.busy_ticks(), 10'000u);
}

TEST(Hbm, ZeroBytesIsANoOp) {
  const Params p = round_params();
  Hbm hbm("hbm", p);
  Tick got = 1;
  Tick after = 1;
  spawn_thread(
      [&] {
        sc_core::wait(7, sc_core::SC_NS);
        got = hbm.reserve(0);
        hbm.access(0, true);
        after = core::now_ticks();
      },
      "user");
  sc_core::sc_start();

  EXPECT_EQ(got, ticks(7e-9));
  EXPECT_EQ(after, ticks(7e-9));  // no latency either: nothing was accessed
  EXPECT_EQ(hbm.accesses(), 0u);
  EXPECT_EQ(hbm.busy_until(), 0u);
  EXPECT_DOUBLE_EQ(hbm.energy().dynamic_total_j(), 0.0);
}

}  // namespace test_hbm
}  // namespace
}  // namespace pjbit::hbm
