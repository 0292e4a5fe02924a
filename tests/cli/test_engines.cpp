// The flow engine against the packet engine on the same inputs: every topology kind, the collective
// algorithms, mixed transport classes and memory pools. Both price a crossing with the same model Params, so
// dynamic energy agrees to rounding (1e-9 relative) in every category, and static energy differs only by
// the run's length (the same static power); on bandwidth-bound cases the times agree within 2%
// (docs/engines.md says where and why they may differ otherwise: the incast victim below is one).
#include <gtest/gtest.h>

#include <array>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "support/testing.h"

namespace {
namespace test_engines {

using pjbit::testing::run_program;
using pjbit::testing::TempDir;

struct Case {
  const char* name;
  const char* platform;
  const char* workload;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

const Case kCases[] = {
    {"RingAllReduce", "topology: { kind: ring, ranks: 8, link: LINK }",
     "  - collective: all_reduce\n    size: 256 MiB\n    algorithm: ring\n"},
    {"RingBidirAllGather", "topology: { kind: ring, ranks: 6, link: LINK }",
     "  - collective: all_gather\n    size: 192 MiB\n    algorithm: bidir_ring\n"},
    {"SwitchTreeAllReduce",
     "topology: { kind: switch, ranks: 8, link: LINK, switch: { latency: 300 ns, energy: 10 pJ/bit, radix: "
     "64 } }",
     "  - collective: all_reduce\n    size: 256 MiB\n    algorithm: tree\n"},
    {"SwitchHalvingDoubling",
     "topology: { kind: switch, ranks: 16, link: LINK, switch: { latency: 300 ns, energy: 10 pJ/bit, radix: "
     "64 } }",
     "  - collective: reduce_scatter\n    size: 256 MiB\n    algorithm: halving_doubling\n"},
    {"SwitchInNetwork",
     "topology: { kind: switch, ranks: 8, link: LINK, switch: { latency: 300 ns, energy: 10 pJ/bit, radix: "
     "64, "
     "in_network: true } }",
     "  - collective: all_reduce\n    size: 256 MiB\n    algorithm: in_network\n"},
    {"FullMeshDirect", "topology: { kind: full_mesh, ranks: 6, link: LINK }",
     "  - collective: all_to_all\n    size: 120 MiB\n    algorithm: direct\n"},
    {"TorusDimensionOrder", "topology: { kind: torus, dims: [4, 4], link: LINK }",
     "  - collective: all_reduce\n    size: 256 MiB\n    algorithm: bidir_ring\n"},
    {"FatTreeEcmpAllToAll",
     "topology: { kind: fat_tree, ranks: 16, radix: 8, link: LINK, switch: { latency: 300 ns, energy: 10 "
     "pJ/bit, "
     "radix: 8 } }",
     "  - collective: all_to_all\n    size: 64 MiB\n    algorithm: direct\n"},
    {"FatTreeSprayAllToAll",
     "topology: { kind: fat_tree, ranks: 16, radix: 8, routing: spray, link: LINK, switch: { latency: 300 "
     "ns, "
     "energy: 10 pJ/bit, radix: 8 } }",
     "  - collective: all_to_all\n    size: 64 MiB\n    algorithm: direct\n"},
    {"TorusRingAllReduce", "topology: { kind: torus, dims: [4, 2, 2], link: LINK }",
     "  - collective: all_reduce\n    size: 256 MiB\n    algorithm: torus_ring\n"},
    {"OcsRing",
     "topology: { kind: ocs, ranks: 8, link: LINK, ocs: { ports: 136, reconfiguration: 1 ms, power: 10 W } }",
     "  - collective: all_reduce\n    size: 256 MiB\n    algorithm: ring\n"},
    {"TiersHierarchical",
     "tiers:\n  - { name: up, kind: switch, ranks: 4, link: { bandwidth: 400 GB/s, latency: 300 ns, energy: "
     "2 pJ/bit }, "
     "switch: { latency: 300 ns, energy: 4 pJ/bit, radix: 64 } }\n  - { name: out, kind: fat_tree, domains: "
     "4, "
     "radix: 16, link: LINK, switch: { latency: 500 ns, energy: 10 pJ/bit, radix: 16 } }",
     "  - collective: all_reduce\n    size: 256 MiB\n    algorithm: hierarchical\n"},
    {"MixedClassesAndAPool",
     "topology: { kind: switch, ranks: 8, link: LINK, switch: { latency: 300 ns, energy: 10 pJ/bit, radix: "
     "64 } }\n"
     "memory_pools:\n  - { name: pool0, attach: topology, bandwidth: 200 GB/s, latency: 600 ns, energy: 10 "
     "pJ/bit, "
     "capacity: 1 TiB }",
     "  - parallel:\n      - collective: all_reduce\n        size: 256 MiB\n        algorithm: ring\n"
     "      - checkpoint: { size: 128 MiB, pool: pool0 }\n  - memory: { op: read, size: 128 MiB, pool: pool0 "
     "}\n"},
    {"OcsPhaseAwareReconfigures",
     "topology: { kind: ocs, ranks: 8, link: LINK, ocs: { ports: 136, reconfiguration: 100 us } }",
     "  - collective: all_reduce\n    size: 64 MiB\n    algorithm: ring\n"
     "  - parallel:\n      - { collective: all_reduce, size: 128 MiB, algorithm: ring, ranks: [0, 2, 4, 6] "
     "}\n"
     "      - { collective: all_reduce, size: 128 MiB, algorithm: ring, ranks: [1, 3, 5, 7] }\n"},
    {"HybridBypass",
     "topology: { kind: fat_tree, ranks: 16, radix: 5, oversubscription: 4, link: LINK, switch: { latency: "
     "300 "
     "ns, energy: 10 pJ/bit, radix: 16 }, bypass: { ocs: { ports: 32, reconfiguration: 100 us }, "
     "ports_per_leaf: 2 } }",
     "  - collective: all_to_all\n    size: 64 MiB\n    ranks: [0, 1, 2, 3, 4, 5, 6, 7]\n"
     "  - collective: all_to_all\n    size: 64 MiB\n    ranks: [0, 1, 2, 3, 8, 9, 10, 11]\n"},
    {"WeightedClasses",
     "topology: { kind: switch, ranks: 4, link: LINK, switch: { latency: 300 ns, energy: 10 pJ/bit, radix: "
     "64 "
     "} }\nscheduler: { arbitration: weighted }",
     "  - parallel:\n      - traffic: { pairs: [[0, 2]], size: 64 MiB, class: collective }\n"
     "      - traffic: { pairs: [[1, 2]], size: 64 MiB, class: bulk }\n"
     "      - traffic: { pairs: [[0, 3]], size: 16 MiB, class: latency_critical }\n"},
    {"DeferredCheckpoint",
     "topology: { kind: ring, ranks: 8, link: LINK }\nscheduler: { priorities: false }\n"
     "memory_pools:\n  - { name: pool0, attach: topology, bandwidth: 400 GB/s, latency: 600 ns, energy: 10 "
     "pJ/bit, capacity: 1 TiB }",
     "  - parallel:\n      - { collective: all_reduce, size: 256 MiB }\n"
     "      - checkpoint: { size: 64 MiB, pool: pool0, deadline: 20 ms }\n"},
};

constexpr const char* kEngines[2] = {"packet", "flow"};

// Runs the platform and workload files on the packet engine, then the flow engine; their reports in that
// order (a failed run is a test failure, with an empty report).
std::array<nlohmann::json, 2> run_both(const TempDir& dir, const std::string& p, const std::string& w) {
  std::array<nlohmann::json, 2> report;
  for (int e = 0; e < 2; ++e) {
    const std::string out = dir.path() + "/" + kEngines[e] + ".json";
    const auto r = run_program(
        {"run", p, w, "--quiet", "--set", std::string("engine=") + kEngines[e], "--json", out}, 120.0);
    EXPECT_EQ(r.exit_code, 0) << kEngines[e] << ": " << r.err;
    if (r.exit_code != 0) continue;
    report[static_cast<std::size_t>(e)] = nlohmann::json::parse(pjbit::testing::read_file(out));
    EXPECT_EQ(report[static_cast<std::size_t>(e)]["engine"], kEngines[e]);
  }
  return report;
}

class EnginesAgree : public ::testing::TestWithParam<Case> {};

TEST_P(EnginesAgree, OnTimeAndEnergy) {
  const Case& c = GetParam();
  TempDir dir;
  std::string platform = std::string("name: x\npacket: 64 KiB\n") + c.platform + "\n";
  for (std::size_t at; (at = platform.find("LINK")) != std::string::npos;)
    platform.replace(at, 4, "{ bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }");
  const std::string p = dir.write("p.yaml", platform);
  const std::string w = dir.write("w.yaml", std::string("name: w\nsteps:\n") + c.workload);
  const auto report = run_both(dir, p, w);
  if (HasFailure()) return;
  const double t_packet = report[0]["sim_time_s"], t_flow = report[1]["sim_time_s"];
  EXPECT_NEAR(t_flow, t_packet, 0.02 * t_packet);
  const auto& e_packet = report[0]["energy_j"];
  const auto& e_flow = report[1]["energy_j"];
  const double d_packet = e_packet["dynamic"], d_flow = e_flow["dynamic"];
  EXPECT_GT(d_packet, 0.0);
  EXPECT_NEAR(d_flow, d_packet, 1e-9 * d_packet);
  for (const auto& [category, joules] : e_packet["dynamic_by_category"].items()) {
    const double j = joules;
    EXPECT_NEAR(e_flow["dynamic_by_category"][category].get<double>(), j, 1e-9 * j) << category;
  }
  // Static energy is static power x the run's length: the same power on both.
  const double s_packet = e_packet["static"], s_flow = e_flow["static"];
  EXPECT_NEAR(s_flow * t_packet, s_packet * t_flow, 1e-9 * s_packet * t_flow);
  EXPECT_EQ(report[0]["useful_bytes"], report[1]["useful_bytes"]);
  EXPECT_NEAR(report[1]["wire_bytes"].get<double>(), report[0]["wire_bytes"].get<double>(),
              1e-9 * report[0]["wire_bytes"].get<double>());
}

// An 8-rank switch: ranks 1 to 7 each send 64 MiB to rank 0 (incast) while rank 1 also sends 64 MiB to rank
// 2 (the victim, which shares only rank 1's uplink with the incast). Both engines finish the run when rank
// 0's downlink has carried the incast, but they give the victim different shares of the uplink, by design:
// - flows are max-min fair over the whole path: the incast flows are held to B/7 by the downlink, so the
//   victim gets the uplink's remaining 6B/7;
// - packets see only the next wire: rank 1's NIC alternates its two messages packet by packet (queues are
//   unbounded, so nothing downstream pushes back), and the victim gets B/2.
// docs/engines.md documents the difference; this pins both closed forms.
TEST(EnginesIncast, VictimGetsMaxMinShareOnFlowsAndHalfTheUplinkOnPackets) {
  TempDir dir;
  const std::string p = dir.write("p.yaml",
                                  "name: incast\npacket: 64 KiB\n"
                                  "topology: { kind: switch, ranks: 8,\n"
                                  "  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit },\n"
                                  "  switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 64 } }\n");
  const std::string w =
      dir.write("w.yaml",
                "name: victim\nsteps:\n  - parallel:\n"
                "      - traffic: { pairs: [[1, 0], [2, 0], [3, 0], [4, 0], [5, 0], [6, 0], [7, 0]],"
                " messages: 7, size: 64 MiB }\n"
                "      - traffic: { pairs: [[1, 2]], size: 64 MiB }\n");
  const double bytes = 64.0 * 1024 * 1024, bandwidth = 100e9, latency = 500e-9 + 300e-9 + 500e-9;
  const auto reports = run_both(dir, p, w);
  if (HasFailure()) return;
  double total[2] = {0.0, 0.0};
  for (std::size_t e = 0; e < 2; ++e) {
    const auto& report = reports[e];
    total[e] = report["sim_time_s"];
    const auto& children = report["steps"][0]["children"];
    ASSERT_EQ(children.size(), 2u);
    const double victim = children[1]["end_s"].get<double>() - children[1]["start_s"].get<double>();
    const double share = e == 0 ? bandwidth / 2.0 : bandwidth * 6.0 / 7.0;
    EXPECT_NEAR(victim, bytes / share + latency, 0.01 * bytes / share) << kEngines[e];
    EXPECT_NEAR(total[e], 7.0 * bytes / bandwidth + latency, 0.01 * 7.0 * bytes / bandwidth) << kEngines[e];
  }
  EXPECT_NEAR(total[1], total[0], 0.01 * total[0]);
}

INSTANTIATE_TEST_SUITE_P(Engines, EnginesAgree, ::testing::ValuesIn(kCases),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

}  // namespace test_engines
}  // namespace
