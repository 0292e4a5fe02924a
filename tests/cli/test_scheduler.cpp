// The fabric-aware scheduler end to end (docs/scheduler.md), through the program: OCS circuits that follow
// the workload's phases, fine-grained traffic that never pays for a reconfiguration, latency-critical
// transfers beside a bulk checkpoint with and without priorities, a checkpoint deferred to idle windows up
// to its deadline, mixed workloads over several seeds, and a hybrid fat tree with optical bypass circuits.
// The figures these tests measure are recorded in docs/scheduler.md.
#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/testing.h"

namespace {
namespace test_scheduler {

using nlohmann::json;
using pjbit::testing::run_program;
using pjbit::testing::TempDir;

// Runs the program and returns its report.
json run(const TempDir& dir, const std::string& platform, const std::string& workload,
         const std::vector<std::string>& sets = {}, std::uint64_t seed = 1) {
  const std::string p = dir.write("p.yaml", platform);
  const std::string w = dir.write("w.yaml", workload);
  const std::string out = dir.path() + "/r.json";
  std::vector<std::string> args = {"run", p, w, "--quiet", "--json", out, "--seed", std::to_string(seed)};
  for (const auto& s : sets) {
    args.push_back("--set");
    args.push_back(s);
  }
  const auto r = run_program(args, 120.0);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (r.exit_code != 0) return json::object();
  return json::parse(pjbit::testing::read_file(out));
}

double seconds(const json& step) {
  return step["end_s"].get<double>() - step["start_s"].get<double>();
}

// Eight ranks with two ports each into one OCS whose circuits start as a ring (CONTRACT section 4).
std::string ocs8(const std::string& reconfiguration, const std::string& engine = "flow") {
  return "name: ocs8\ntopology:\n  kind: ocs\n  ranks: 8\n  ports_per_rank: 2\n"
         "  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }\n"
         "  ocs: { ports: 136, reconfiguration: " +
         reconfiguration + " }\nengine: " + engine + "\npacket: 64 KiB\n";
}

// A ring all-reduce, then two concurrent all-reduces over the even and the odd ranks.
std::string ring_then_strided(const std::string& first, const std::string& groups) {
  return "name: phases\nsteps:\n"
         "  - { collective: all_reduce, size: " +
         first +
         ", algorithm: ring }\n"
         "  - parallel:\n"
         "      - { collective: all_reduce, size: " +
         groups +
         ", algorithm: ring, ranks: [0, 2, 4, 6] }\n"
         "      - { collective: all_reduce, size: " +
         groups + ", algorithm: ring, ranks: [1, 3, 5, 7] }\n";
}

// Acceptance 1: with 1 ms reconfigurations, phase_aware gives the strided groups a ring each and takes at
// most 0.75 of the static time; with 100 ms it keeps the ring and is never more than 1% slower.
TEST(Scheduler, StridedGroupsAfterARingGetCircuitsOfTheirOwnWhenItPays) {
  TempDir dir;
  const std::string w = ring_then_strided("256 MiB", "1 GiB");
  const json fast_aware = run(dir, ocs8("1 ms"), w);
  const json fast_static = run(dir, ocs8("1 ms"), w, {"scheduler.policy=static"});
  const double aware = fast_aware["sim_time_s"], fixed = fast_static["sim_time_s"];
  EXPECT_LE(aware, 0.75 * fixed) << aware << " s against " << fixed << " s";
  const json& s = fast_aware["scheduler"];
  EXPECT_EQ(s["policy"], "phase_aware");
  ASSERT_EQ(s["reconfigurations"].size(), 1u);
  const json& r = s["reconfigurations"][0];
  EXPECT_EQ(r["before"], "steps.1");
  EXPECT_EQ(r["ocs"], "ocs0");
  EXPECT_EQ(r["ports"].size(), 16u);
  EXPECT_NEAR(r["duration_s"].get<double>(), 1e-3, 1e-12);
  EXPECT_NEAR(s["reconfiguration_lost_s"].get<double>(), 1e-3, 1e-9);
  // No bit crosses a dark circuit: the strided step starts once the new circuits are up.
  EXPECT_GE(fast_aware["steps"][1]["start_s"].get<double>(), r["end_s"].get<double>());
  EXPECT_EQ(s["decisions"][0]["action"], "keep");
  EXPECT_EQ(s["decisions"][1]["action"], "reconfigure");
  EXPECT_NE(s["decisions"][1]["why"].get<std::string>().find("shorter"), std::string::npos);
  // The strided groups themselves run twice as fast on their own rings.
  EXPECT_NEAR(seconds(fast_static["steps"][1]) / seconds(fast_aware["steps"][1]), 2.0, 0.02);

  const json slow_aware = run(dir, ocs8("100 ms"), w);
  const json slow_static = run(dir, ocs8("100 ms"), w, {"scheduler.policy=static"});
  EXPECT_LE(slow_aware["sim_time_s"].get<double>(), 1.01 * slow_static["sim_time_s"].get<double>());
  EXPECT_EQ(slow_aware["scheduler"]["reconfigurations"].size(), 0u);
  EXPECT_EQ(slow_aware["scheduler"]["decisions"][1]["action"], "keep");
}

// Both engines run the same plan, quiescence and reconfiguration included.
TEST(Scheduler, PacketsAndFlowsAgreeAcrossAReconfiguration) {
  TempDir dir;
  const std::string w = ring_then_strided("32 MiB", "64 MiB");
  const json packets = run(dir, ocs8("100 us", "packet"), w);
  const json flows = run(dir, ocs8("100 us", "flow"), w);
  ASSERT_EQ(packets["scheduler"]["reconfigurations"].size(), 1u);
  ASSERT_EQ(flows["scheduler"]["reconfigurations"].size(), 1u);
  const double tp = packets["sim_time_s"], tf = flows["sim_time_s"];
  EXPECT_NEAR(tf, tp, 0.02 * tp);
  EXPECT_NEAR(flows["energy_j"]["total"].get<double>(), packets["energy_j"]["total"].get<double>(),
              0.005 * packets["energy_j"]["total"].get<double>());
}

// Acceptance 2: short random messages never make a reconfiguration that loses time: their forecast gain is
// microseconds, and a random draw has no structure for circuits to follow.
TEST(Scheduler, RandomFineGrainedTrafficNeverPaysForAReconfiguration) {
  TempDir dir;
  const std::string w =
      "name: chatter\niterations: 3\nsteps:\n"
      "  - traffic: { messages: 200, size: 4 KiB, interval: 1 us }\n"
      "  - compute: { duration: 50 us }\n"
      "  - traffic: { messages: 50, size: 64 KiB, interval: 2 us, class: collective }\n";
  for (const std::string reconfiguration : {"1 ms", "10 us"}) {
    for (std::uint64_t seed = 1; seed <= 4; ++seed) {
      const json aware = run(dir, ocs8(reconfiguration, "packet"), w, {}, seed);
      const json fixed = run(dir, ocs8(reconfiguration, "packet"), w, {"scheduler.policy=static"}, seed);
      EXPECT_LE(aware["sim_time_s"].get<double>(), fixed["sim_time_s"].get<double>())
          << reconfiguration << ", seed " << seed;
      EXPECT_EQ(aware["scheduler"]["reconfigurations"].size(), 0u) << reconfiguration << ", seed " << seed;
    }
  }
}

// A ring of eight with a pool at rank 0: a checkpoint from every rank funnels into rank 0's links.
const std::string kRingWithPool =
    "name: ring8p\ntopology:\n  kind: ring\n  ranks: 8\n"
    "  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }\n"
    "memory_pools:\n  - { name: pool0, attach: topology, bandwidth: 400 GB/s, latency: 600 ns, energy: 10 "
    "pJ/bit, capacity: 4 TiB }\nengine: packet\n";

const std::string kCritical =
    "traffic: { pairs: [[2, 0], [6, 0], [3, 1]], messages: 30, size: 4 KiB, interval: 10 us, class: "
    "latency_critical }";

// Acceptance 3: 4 KiB latency-critical transfers toward rank 0 while every rank writes a checkpoint through
// the same links: with priorities they wait for at most the packet on the wire at each hop and stay within
// 10% of their latency on an idle fabric; without, they take turns with every bulk flow on each link.
TEST(Scheduler, LatencyCriticalTransfersOvertakeABulkCheckpointOnlyWithPriorities) {
  TempDir dir;
  const json idle = run(dir, kRingWithPool, "name: idle\nsteps:\n  - " + kCritical + "\n");
  const std::string beside =
      "name: beside\nsteps:\n  - parallel:\n      - checkpoint: { size: 64 MiB, pool: pool0 }\n"
      "      - " +
      kCritical + "\n";
  const json on = run(dir, kRingWithPool, beside);
  const json off = run(dir, kRingWithPool, beside, {"scheduler.priorities=false"});
  const auto p99 = [](const json& r) {
    return r["scheduler"]["classes"]["latency_critical"]["latency_p99_s"].get<double>();
  };
  const auto p50 = [](const json& r) {
    return r["scheduler"]["classes"]["latency_critical"]["latency_p50_s"].get<double>();
  };
  // The transfers are issued over 290 us, all while the checkpoint runs.
  EXPECT_GT(seconds(on["steps"][0]["children"][0]), 5.0 * 290e-6);
  EXPECT_EQ(on["scheduler"]["classes"]["latency_critical"]["messages"], 30);
  EXPECT_LE(p99(on), 1.10 * p99(idle)) << p99(on) << " s against " << p99(idle) << " s idle";
  EXPECT_LE(p50(on), 1.10 * p50(idle));
  EXPECT_GE(p50(off), 1.2 * p50(idle)) << p50(off) << " s against " << p50(idle) << " s idle";
  EXPECT_GE(p99(off), 1.3 * p99(on));
}

// The same in flows: strict priority gives the transfers the whole link, fair sharing a share of it.
TEST(Scheduler, FlowsGiveLatencyCriticalTransfersTheWholeLinkOnlyWithPriorities) {
  TempDir dir;
  const json idle = run(dir, kRingWithPool, "name: idle\nsteps:\n  - " + kCritical + "\n", {"engine=flow"});
  const std::string beside =
      "name: beside\nsteps:\n  - parallel:\n      - checkpoint: { size: 64 MiB, pool: pool0 }\n"
      "      - " +
      kCritical + "\n";
  const json on = run(dir, kRingWithPool, beside, {"engine=flow"});
  const json off = run(dir, kRingWithPool, beside, {"engine=flow", "scheduler.priorities=false"});
  const auto p99 = [](const json& r) {
    return r["scheduler"]["classes"]["latency_critical"]["latency_p99_s"].get<double>();
  };
  EXPECT_NEAR(p99(on), p99(idle), 1e-3 * p99(idle));
  EXPECT_GT(p99(off), 1.05 * p99(idle));
}

// Acceptance 4: a checkpoint with a deadline beside an all-reduce waits for the all-reduce to finish (its
// idle window), delays it by less than 5%, still meets its deadline, and the report says how long it waited.
TEST(Scheduler, ACheckpointWithADeadlineWaitsForAnIdleWindow) {
  TempDir dir;
  const std::string alone = "name: alone\nsteps:\n  - { collective: all_reduce, size: 256 MiB }\n";
  const std::string beside =
      "name: beside\nsteps:\n  - parallel:\n      - { collective: all_reduce, size: 256 MiB }\n"
      "      - checkpoint: { size: 64 MiB, pool: pool0, deadline: 20 ms }\n";
  for (const std::string priorities : {"true", "false"}) {
    const std::vector<std::string> sets = {"scheduler.priorities=" + priorities};
    const double reference = seconds(run(dir, kRingWithPool, alone, sets)["steps"][0]);
    const json r = run(dir, kRingWithPool, beside, sets);
    const json& all_reduce = r["steps"][0]["children"][0];
    const json& checkpoint = r["steps"][0]["children"][1];
    EXPECT_LT(seconds(all_reduce), 1.05 * reference) << "priorities " << priorities;
    EXPECT_LE(seconds(checkpoint), 20e-3);
    EXPECT_EQ(checkpoint["deadline_met"], true);
    // It waited for the all-reduce: about as long as the all-reduce took.
    EXPECT_NEAR(checkpoint["held_s"].get<double>(), seconds(all_reduce), 0.05 * seconds(all_reduce));
  }
  // Without deferral and without priorities the checkpoint takes its fair share of the all-reduce's links.
  const json shared =
      run(dir, kRingWithPool, beside, {"scheduler.priorities=false", "scheduler.defer_bulk=false"});
  const double reference =
      seconds(run(dir, kRingWithPool, alone, {"scheduler.priorities=false"})["steps"][0]);
  EXPECT_GT(seconds(shared["steps"][0]["children"][0]), 1.5 * reference);
  EXPECT_EQ(shared["steps"][0]["children"][1]["held_s"], 0.0);
}

// A deadline too short to wait for the whole window: the checkpoint waits only until the deadline less its
// forecast time alone, then goes. Beside an all-reduce of a higher class it still yields at every link, so it
// misses a deadline that no schedule short of preempting the all-reduce could meet, and the report says so.
TEST(Scheduler, ADeferredCheckpointStopsWaitingWhenItsDeadlineComesNear) {
  TempDir dir;
  const double alone =
      seconds(run(dir, kRingWithPool,
                  "name: alone\nsteps:\n  - checkpoint: { size: 64 MiB, pool: pool0 }\n")["steps"][0]);
  const json r =
      run(dir, kRingWithPool,
          "name: beside\nsteps:\n  - parallel:\n      - { collective: all_reduce, size: 256 MiB }\n"
          "      - checkpoint: { size: 64 MiB, pool: pool0, deadline: 3 ms }\n");
  const json& all_reduce = r["steps"][0]["children"][0];
  const json& checkpoint = r["steps"][0]["children"][1];
  EXPECT_NEAR(checkpoint["held_s"].get<double>(), 3e-3 - alone, 0.02 * alone);
  EXPECT_LT(checkpoint["held_s"].get<double>(), seconds(all_reduce));
  EXPECT_EQ(checkpoint["deadline_met"], false) << seconds(checkpoint);
}

// A mixed workload drawn from a seed: ring and strided all-reduces, all-reduces over random groups of four,
// all-to-alls, random and paired traffic, compute.
std::string mixed(std::uint64_t seed) {
  std::uint64_t state = seed * 0x9e3779b97f4a7c15ull + 1;
  const auto next = [&](std::uint64_t n) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state % n;
  };
  const char* sizes[] = {"16 MiB", "64 MiB", "256 MiB", "1 GiB"};
  std::string w = "name: mixed\niterations: " + std::to_string(1 + next(3)) + "\nsteps:\n";
  const std::uint64_t steps = 4 + next(5);
  for (std::uint64_t i = 0; i < steps; ++i) {
    const std::string size = sizes[next(4)];
    switch (next(7)) {
      case 0:
        w += "  - { collective: all_reduce, size: " + size + " }\n";
        break;
      case 1:
        w += "  - parallel:\n      - { collective: all_reduce, size: " + size +
             ", ranks: [0, 2, 4, 6] }\n      - { collective: all_reduce, size: " + size +
             ", ranks: [1, 3, 5, 7] }\n";
        break;
      case 2:
        w += "  - { collective: all_to_all, size: " + std::string(sizes[next(3)]) + " }\n";
        break;
      case 3: {
        std::vector<int> group;
        for (int r = 0; r < 8; ++r)
          group.push_back(r);
        for (int k = 7; k > 0; --k)
          std::swap(group[static_cast<std::size_t>(k)], group[next(static_cast<std::uint64_t>(k) + 1)]);
        group.resize(4);
        std::sort(group.begin(), group.end());
        w += "  - { collective: all_reduce, size: " + size + ", ranks: [" + std::to_string(group[0]) + ", " +
             std::to_string(group[1]) + ", " + std::to_string(group[2]) + ", " + std::to_string(group[3]) +
             "] }\n";
        break;
      }
      case 4:
        w += "  - { traffic: { messages: " + std::to_string(10 + next(190)) +
             ", size: 4 KiB, interval: 1 us } }\n";
        break;
      case 5: {
        const std::uint64_t a = next(8), b = (a + 1 + next(7)) % 8;
        w += "  - { traffic: { pairs: [[" + std::to_string(a) + ", " + std::to_string(b) +
             "]], messages: 4, size: " + std::string(sizes[next(2)]) + ", class: collective } }\n";
        break;
      }
      default:
        w += "  - { compute: { duration: " + std::string(next(2) ? "500 us" : "2 ms") + " } }\n";
        break;
    }
  }
  return w;
}

// Acceptance 5: over seeds of a mixed workload, phase_aware is never worse than static by more than 1%,
// and it wins where phases fit circuits of their own.
TEST(Scheduler, OnMixedWorkloadsPhaseAwareIsNeverWorseThanStatic) {
  TempDir dir;
  int wins = 0;
  for (const std::string reconfiguration : {"1 ms", "10 ms"}) {
    for (std::uint64_t seed = 1; seed <= 6; ++seed) {
      const std::string w = mixed(seed);
      const double aware = run(dir, ocs8(reconfiguration), w, {}, seed)["sim_time_s"];
      const double fixed =
          run(dir, ocs8(reconfiguration), w, {"scheduler.policy=static"}, seed)["sim_time_s"];
      EXPECT_LE(aware, 1.01 * fixed) << reconfiguration << ", seed " << seed << ":\n" << w;
      wins += aware < 0.95 * fixed;
    }
  }
  EXPECT_GE(wins, 2);
}

// The shipped hybrid platform: racks that exchange get bypass circuits, phase by phase.
TEST(Scheduler, AHybridFabricMovesItsBypassCircuitsToTheRacksThatTalk) {
  TempDir dir;
  const std::string platform =
      pjbit::testing::read_file(pjbit::testing::source_dir() + "/platforms/hybrid-fattree-ocs.yaml");
  const std::string workload =
      pjbit::testing::read_file(pjbit::testing::source_dir() + "/workloads/rack_phases.yaml");
  const json aware =
      pjbit::testing::golden_report("hybrid-fattree-ocs", "rack_phases", "flow");  // as shipped
  const json fixed = run(dir, platform, workload, {"engine=flow", "scheduler.policy=static"});
  EXPECT_LT(aware["sim_time_s"].get<double>(), 0.8 * fixed["sim_time_s"].get<double>());
  EXPECT_GE(aware["scheduler"]["reconfigurations"].size(), 2u);
  // Flows between racks joined by a circuit take it; in the static run the ring of leaves joins racks 0 and
  // 1 but not 0 and 2.
  double bypass = 0.0;
  for (const auto& l : aware["links"])
    if (l["id"].get<std::string>().find("bypass") != std::string::npos) bypass += l["bytes"].get<double>();
  EXPECT_GT(bypass, 0.0);
}

// The report's scheduler section and the summary's lines for it.
TEST(Scheduler, TheReportAndTheSummaryShowPolicyReconfigurationsAndClasses) {
  TempDir dir;
  const std::string p = dir.write("p.yaml", ocs8("1 ms"));
  const std::string w = dir.write("w.yaml", ring_then_strided("64 MiB", "256 MiB"));
  const auto r = run_program({"run", p, w, "--json", dir.path() + "/r.json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("scheduler                   phase_aware, strict priorities; 1 reconfiguration"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("reconfigure for steps.1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("class collective"), std::string::npos) << r.out;
  const json j = json::parse(pjbit::testing::read_file(dir.path() + "/r.json"));
  const json& s = j["scheduler"];
  for (const char* key : {"policy", "priorities", "arbitration", "defer_bulk", "reconfiguration_count",
                          "reconfiguration_dark_s", "reconfiguration_lost_s", "predicted_s",
                          "predicted_static_s", "reconfigurations", "decisions", "classes"})
    EXPECT_TRUE(s.contains(key)) << key;
  for (const char* key : {"ocs", "before", "iteration", "quiesce_s", "requested_s", "start_s", "end_s",
                          "duration_s", "lost_s", "ports", "peers", "why"})
    EXPECT_TRUE(s["reconfigurations"][0].contains(key)) << key;
  for (const char* key : {"step", "iteration", "action", "circuits", "predicted_s", "predicted_current_s",
                          "predicted_fit_s", "reconfiguration_s", "window_s", "why"})
    EXPECT_TRUE(s["decisions"][0].contains(key)) << key;
  for (const char* cls : {"latency_critical", "control", "collective", "remote_memory", "bulk"}) {
    ASSERT_TRUE(s["classes"].contains(cls)) << cls;
    for (const char* key :
         {"bytes", "messages", "latency_mean_s", "latency_p50_s", "latency_p99_s", "latency_max_s"})
      EXPECT_TRUE(s["classes"][cls].contains(key)) << cls << "." << key;
  }
  // Every byte of the workload went as class collective: 14 + 2 x 6 messages per rank of the rings.
  EXPECT_EQ(s["classes"]["collective"]["messages"], 8 * 14 + 8 * 6);
  EXPECT_GT(s["classes"]["collective"]["latency_p99_s"].get<double>(),
            s["classes"]["collective"]["latency_p50_s"].get<double>() * 0.999);
}

TEST(Scheduler, AnUnknownPolicyExitsTwoNamingTheKey) {
  TempDir dir;
  const std::string p = dir.write("p.yaml", ocs8("1 ms") + "scheduler: { policy: greedy }\n");
  const std::string w = dir.write("w.yaml", ring_then_strided("64 MiB", "64 MiB"));
  const auto r = run_program({"run", p, w, "--json", dir.path() + "/r.json"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("p.yaml:10:22: scheduler.policy: unknown policy \"greedy\"; expected one of: static, "
                       "phase_aware"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(pjbit::testing::file_exists(dir.path() + "/r.json"));
}

}  // namespace test_scheduler
}  // namespace
