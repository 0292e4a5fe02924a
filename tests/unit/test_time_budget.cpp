// The time budget (docs/cli.md, "Limits"): the SystemC kernel counts simulated time up to 2^64 ps (about 213
// days). Time keys beyond it, rates at which a packet cannot cross within it, and workloads whose lower bound
// of simulated time passes it are refused before anything runs, naming the key and the limit; the tick
// conversions and sums stop a run that passes it anyway.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "core/errors.h"
#include "core/time.h"
#include "engine/simulation.h"
#include "platforms/loader.h"
#include "workloads/loader.h"

namespace pjbit {
namespace {
namespace test_time_budget {

const std::string kLimit =
    "2^64 ps (18446744 s, about 213 days), the most simulated time the SystemC kernel counts";

std::string ring(const std::string& link, const std::string& extra = "") {
  return "name: r\ntopology: { kind: ring, ranks: 4, link: " + link + " }\n" + extra;
}
const std::string kLink = "{ bandwidth: 100 GB/s, latency: 1 us }";

std::string platform_error(const std::string& text) {
  try {
    platforms::parse_platform(text, "p.yaml");
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "no error";
}

std::string workload_error(const std::string& platform, const std::string& workload) {
  try {
    const auto p = platforms::parse_platform(platform, "p.yaml");
    engine::validate(p, workloads::parse_workload(workload, "w.yaml"));
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "no error";
}

// ---- time keys, where they are read ----

TEST(TimeBudget, TimesBeyondTheKernelsCountAreRefusedWhereTheyAreRead) {
  for (const std::string t : {"2e7 s", "1e300 s", "18446745 s"})
    EXPECT_EQ(platform_error(ring("{ bandwidth: 100 GB/s, latency: " + t + " }")),
              "p.yaml:2:73: topology.link.latency: expected a time below " + kLimit + ", got \"" + t + "\"");
  EXPECT_EQ(platform_error(ring(kLink, "link_sleep: { after: 1 us, wake: 3e7 s }\n")),
            "p.yaml:3:34: link_sleep.wake: expected a time below " + kLimit + ", got \"3e7 s\"");
  EXPECT_EQ(workload_error(ring(kLink), "name: w\nsteps:\n  - compute: { duration: 1e8 s }\n"),
            "w.yaml:3:26: steps.0.compute.duration: expected a time below " + kLimit + ", got \"1e8 s\"");
  // Just below the limit is a time.
  EXPECT_EQ(platform_error(ring("{ bandwidth: 100 GB/s, latency: 18446744 s }")), "no error");
}

// ---- rates and latencies of the platform ----

TEST(TimeBudget, RatesAtWhichNoPacketCrossesInTimeAreRefused) {
  EXPECT_EQ(platform_error(ring("{ bandwidth: 1e-310 GB/s, latency: 1 us }")),
            "p.yaml:2:41: topology.link.bandwidth: expected a data rate at which one packet (4096 B) crosses "
            "in under " +
                kLimit + "; at 1e-301 B/s it takes 4.096e+304 s");
  // The payload rate counts: all but a sliver of the wire lost to overhead.
  EXPECT_NE(platform_error(ring("{ bandwidth: 1e-9 Gb/s, latency: 1 us, overhead: 0.999999 }"))
                .find("topology.link.bandwidth: expected a data rate at which one packet (4096 B)"),
            std::string::npos);
  EXPECT_EQ(
      platform_error(ring(kLink,
                          "memory_pools: [{ name: p, attach: topology, bandwidth: 1e-20 GB/s, capacity: 1 "
                          "GiB }]\n")),
      "p.yaml:3:16: memory_pools.0.bandwidth: expected a data rate at which one packet (4096 B) crosses "
      "in under " +
          kLimit + "; at 1e-11 B/s it takes 4.096e+14 s");
  // 1 bit/s carries a packet in 32768 s: a platform that can run, if slowly.
  EXPECT_EQ(platform_error(ring("{ bandwidth: 1e-9 Gb/s, latency: 1 us }")), "no error");
  // Latencies that are times each but add up to more.
  EXPECT_EQ(
      platform_error(ring("{ bandwidth: 100 GB/s, latency: 1e7 s, stack: [{ category: retimer, "
                          "latency: 5e6 s, count: 2 }] }")),
      "p.yaml:2:41: topology.link.latency: the link's latency and its stack's add up to 2e+07 s, beyond " +
          kLimit);
}

// ---- the workload on the platform: a lower bound of its simulated time ----

TEST(TimeBudget, WorkloadsWhoseBoundPassesTheLimitAreRefusedNamingTheKey) {
  const std::string slow = ring("{ bandwidth: 1e-9 Gb/s, latency: 1 us }");
  EXPECT_EQ(workload_error(slow, "name: w\nsteps:\n  - collective: all_reduce\n    size: 1 GiB\n"),
            "w.yaml:3:5: steps.0.size: the step takes at least 6.44245e+09 s of simulated time (a rank moves "
            "1.61061e+09 B of a 1073741824 B all_reduce at most 0.25 B/s, in 6 phases of at least 1e-06 s), "
            "beyond " +
                kLimit);
  // 1 MiB takes 6.3e6 s: it runs.
  EXPECT_EQ(workload_error(slow, "name: w\nsteps:\n  - collective: all_reduce\n    size: 1 MiB\n"),
            "no error");
  // A 1e-6 GFLOP/s accelerator.
  EXPECT_EQ(
      workload_error(ring(kLink, "accelerator: { compute: 1e-6 GFLOP/s }\n"),
                     "name: w\nsteps:\n  - compute: { work: 1 TFLOP }\n"),
      "w.yaml:3:5: steps.0.compute.work: the step takes at least 1e+09 s of simulated time (it computes "
      "1e+12 FLOP at 1000 FLOP/s), beyond " +
          kLimit);
  // Iterations: one of 1e7 s runs, three do not.
  const std::string step = "steps:\n  - compute: { duration: 1e7 s }\n";
  EXPECT_EQ(workload_error(ring(kLink), "name: w\n" + step), "no error");
  EXPECT_EQ(
      workload_error(ring(kLink), "name: w\niterations: 3\n" + step),
      "w.yaml:2:13: iterations: 3 iterations take at least 3e+07 s of simulated time, beyond " + kLimit);
  // Steps one after another on the same ranks add up; on disjoint ranks (two jobs) they do not; sub-steps of
  // a parallel step run at once.
  EXPECT_EQ(
      workload_error(ring(kLink),
                     "name: w\nsteps:\n  - compute: { duration: 1e7 s }\n"
                     "  - compute: { duration: 1e7 s, ranks: [1] }\n"),
      "w.yaml:3:5: steps: one after another, the steps take at least 2e+07 s of simulated time, beyond " +
          kLimit);
  EXPECT_EQ(workload_error(ring(kLink),
                           "name: w\nsteps:\n  - compute: { duration: 1e7 s, ranks: [0] }\n"
                           "  - compute: { duration: 1e7 s, ranks: [1] }\n"),
            "no error");
  EXPECT_EQ(workload_error(ring(kLink),
                           "name: w\nsteps:\n  - parallel:\n      - compute: { duration: 1e7 s }\n"
                           "      - compute: { duration: 1e7 s }\n"),
            "no error");
  // Messages issued over longer than the limit.
  EXPECT_EQ(
      workload_error(ring(kLink),
                     "name: w\nsteps:\n  - traffic: { size: 1 KiB, messages: 1000, interval: 1e5 s }\n"),
      "w.yaml:3:5: steps.0.traffic: the step takes at least 9.99e+07 s of simulated time (its last message "
      "is issued 9.99e+07 s after the first), beyond " +
          kLimit);
}

// Transfers usually take longer than their bound, so they count twice: an all-reduce of 2^61 bytes whose
// bound is 1.7e7 s (just under the limit) is refused up front rather than stopped when its time runs out.
TEST(TimeBudget, TransfersCountTwiceAgainstTheLimit) {
  EXPECT_EQ(
      workload_error(ring("{ bandwidth: 100 GB/s, latency: 1 us }"),
                     "name: w\nsteps:\n  - collective: all_reduce\n    size: 2305843009213693952 B\n"),
      "w.yaml:3:5: steps.0.size: the step takes at least 1.72938e+07 s of simulated time (a rank moves "
      "3.45876e+18 B of a 2305843009213693952 B all_reduce at most 2e+11 B/s, in 6 phases of at least "
      "1e-06 s), 3.45876e+07 s with transfers counted twice for the contention and overheads that bound "
      "leaves out, beyond " +
          kLimit);
  EXPECT_EQ(workload_error(ring("{ bandwidth: 100 GB/s, latency: 1 us }"),
                           "name: w\nsteps:\n  - collective: all_reduce\n    size: 1024 TiB\n"),
            // Within the time limit; only HBM capacity (engine/capacity.md), checked after it, refuses it.
            "w.yaml:3:5: steps.0: its all_reduce buffer keeps 1.049e+06 GiB resident on each rank, more than "
            "the accelerator's 80 GiB of HBM (accelerator.hbm.capacity)");
}

// ---- during the run ----

TEST(TimeBudget, TickConversionsAndSumsPastTheCountStopTheRun) {
  EXPECT_EQ(core::later(1, 2), 3u);
  EXPECT_EQ(core::later(~core::Tick{0} - 1, 1), ~core::Tick{0});
  EXPECT_THROW(core::later(~core::Tick{0}, 1), core::SimulationError);
  EXPECT_THROW(core::later(std::uint64_t{1} << 63, std::uint64_t{1} << 63), core::SimulationError);
  EXPECT_EQ(core::round_ticks(1.5), 2u);
  EXPECT_EQ(core::ceil_ticks(1.25), 2u);
  EXPECT_THROW(core::round_ticks(1.8446744073709552e19), core::SimulationError);
  EXPECT_THROW(core::ceil_ticks(1e300), core::SimulationError);
  EXPECT_THROW(core::round_ticks(std::numeric_limits<double>::infinity()), core::SimulationError);
  EXPECT_THROW(core::round_ticks(std::numeric_limits<double>::quiet_NaN()), core::SimulationError);
  try {
    core::to_ticks(2e7);
    ADD_FAILURE() << "no error";
  } catch (const core::SimulationError& e) {
    EXPECT_EQ(std::string(e.what()), "simulated time would reach 2e+07 s, beyond " + kLimit);
  }
}

}  // namespace test_time_budget
}  // namespace
}  // namespace pjbit
