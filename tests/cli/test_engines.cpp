// The flow engine against the packet engine on the same inputs: every topology kind, the collective
// algorithms, mixed transport classes and memory pools. On bandwidth-bound cases both must agree within 2%
// in simulated time and 0.5% in energy (docs/engines.md says where and why they may differ otherwise).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "support/testing.h"

namespace {

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

class EnginesAgree : public ::testing::TestWithParam<Case> {};

TEST_P(EnginesAgree, OnTimeAndEnergy) {
  const Case& c = GetParam();
  TempDir dir;
  std::string platform = std::string("name: x\npacket: 64 KiB\n") + c.platform + "\n";
  for (std::size_t at; (at = platform.find("LINK")) != std::string::npos;)
    platform.replace(at, 4, "{ bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }");
  const std::string p = dir.write("p.yaml", platform);
  const std::string w = dir.write("w.yaml", std::string("name: w\nsteps:\n") + c.workload);
  nlohmann::json report[2];
  const char* engines[2] = {"packet", "flow"};
  for (int e = 0; e < 2; ++e) {
    const std::string out = dir.path() + "/" + engines[e] + ".json";
    const auto r = run_program(
        {"run", p, w, "--quiet", "--set", std::string("engine=") + engines[e], "--json", out}, 120.0);
    ASSERT_EQ(r.exit_code, 0) << engines[e] << ": " << r.err;
    report[e] = nlohmann::json::parse(pjbit::testing::read_file(out));
    EXPECT_EQ(report[e]["engine"], engines[e]);
  }
  const double t_packet = report[0]["sim_time_s"], t_flow = report[1]["sim_time_s"];
  const double e_packet = report[0]["energy_j"]["total"], e_flow = report[1]["energy_j"]["total"];
  EXPECT_NEAR(t_flow, t_packet, 0.02 * t_packet);
  EXPECT_NEAR(e_flow, e_packet, 0.005 * e_packet);
  EXPECT_EQ(report[0]["useful_bytes"], report[1]["useful_bytes"]);
  EXPECT_NEAR(report[1]["wire_bytes"].get<double>(), report[0]["wire_bytes"].get<double>(),
              1e-9 * report[0]["wire_bytes"].get<double>());
}

INSTANTIATE_TEST_SUITE_P(Engines, EnginesAgree, ::testing::ValuesIn(kCases),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

}  // namespace
