// engine: auto (engine/simulation.cpp, docs/engines.md): packets up to 64 ranks, flows above, and flows for a
// workload of more than ten million packets whatever the ranks; a platform that names its engine gets it.
#include <gtest/gtest.h>

#include <string>

#include "engine/simulation.h"
#include "platforms/loader.h"
#include "workloads/loader.h"

namespace {
namespace test_engine_choice {

using pjbit::engine::chosen_engine;
using pjbit::engine::estimated_packets;

pjbit::platforms::PlatformSpec platform(int ranks, const std::string& engine, const std::string& packet) {
  return pjbit::platforms::parse_platform(
      "name: p\nengine: " + engine + "\npacket: " + packet +
          "\ntopology: { kind: switch, ranks: " + std::to_string(ranks) +
          ", link: { bandwidth: 100 GB/s, latency: 500 ns }, switch: { radix: 256 } }\n",
      "p.yaml");
}

pjbit::workloads::WorkloadSpec workload(const std::string& steps, int iterations = 1) {
  return pjbit::workloads::parse_workload(
      "name: w\niterations: " + std::to_string(iterations) + "\nsteps:\n" + steps, "w.yaml");
}

TEST(EngineChoice, EstimatesPacketsFromTheUsefulBytesOfEveryStep) {
  const auto p = platform(8, "auto", "64 KiB");
  // all_reduce: 2(n-1) S = 14 GiB over 8 ranks, 229,376 packets of 64 KiB.
  EXPECT_DOUBLE_EQ(estimated_packets(p, workload("  - { collective: all_reduce, size: 1 GiB }\n")), 229376.0);
  // all_gather on four ranks: (n-1) S = 3 x 64 MiB.
  EXPECT_DOUBLE_EQ(
      estimated_packets(p, workload("  - { collective: all_gather, size: 64 MiB, ranks: [0, 1, 2, 3] }\n")),
      3.0 * 1024.0);
  // A checkpoint of 64 MiB a rank, traffic of 16 messages of 1 MiB, a compute step, under a parallel step,
  // three iterations.
  EXPECT_DOUBLE_EQ(estimated_packets(p, workload("  - parallel:\n"
                                                 "      - checkpoint: { size: 64 MiB, pool: pool0 }\n"
                                                 "      - traffic: { size: 1 MiB, messages: 16 }\n"
                                                 "      - compute: { work: 1 TFLOP }\n",
                                                 3)),
                   3.0 * (8.0 * 1024.0 + 16.0 * 16.0));
}

TEST(EngineChoice, AutoTakesFlowsForManyRanksOrManyPackets) {
  const auto big = workload("  - { collective: all_reduce, size: 17 GiB }\n");   // 62 M packets of 4 KiB
  const auto small = workload("  - { collective: all_reduce, size: 1 GiB }\n");  // 3.7 M packets of 4 KiB
  EXPECT_EQ(chosen_engine(platform(8, "auto", "4 KiB"), small), "packet");
  EXPECT_EQ(chosen_engine(platform(8, "auto", "4 KiB"), big), "flow");
  EXPECT_EQ(chosen_engine(platform(8, "auto", "2 MiB"), big), "packet");  // 122 thousand packets
  EXPECT_EQ(chosen_engine(platform(128, "auto", "4 KiB"), small), "flow");
  // A named engine is what runs.
  EXPECT_EQ(chosen_engine(platform(8, "packet", "4 KiB"), big), "packet");
  EXPECT_EQ(chosen_engine(platform(8, "flow", "4 KiB"), small), "flow");
  EXPECT_EQ(chosen_engine(platform(128, "packet", "4 KiB"), small), "packet");
}

}  // namespace test_engine_choice
}  // namespace
