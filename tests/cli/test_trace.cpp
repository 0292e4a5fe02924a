// `pjbit run --trace`: the Chrome/Perfetto trace-event JSON of a run, on both engines. Its tracks exist and
// nest as trace viewers need them to, every transfer starts on a link no earlier than it was posted, a rank's
// compute and waiting spans never overlap and add up to the report's figures, the power counters add up to
// the report's energy, the size is bounded, and recording changes nothing in the report.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "support/testing.h"

namespace {
namespace test_trace {

using nlohmann::json;
using pjbit::testing::read_file;
using pjbit::testing::run_program;
using pjbit::testing::TempDir;

// Every kind of step: compute, a parallel step that overlaps compute with a collective, an all-to-all, a pool
// read and a checkpoint.
const char* kWorkload = R"(name: small
iterations: 2
steps:
  - compute: { duration: 20 us }
  - parallel:
      - compute: { duration: 30 us }
      - collective: all_reduce
        size: 2 MiB
  - collective: all_to_all
    size: 1 MiB
  - memory: { op: read, size: 256 KiB, pool: pool0 }
  - checkpoint: { size: 256 KiB, pool: pool0 }
)";

struct Case {
  std::string name;
  std::string platform;  // under platforms/
  std::vector<std::string> extra;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

std::int64_t ns(const json& micros) {
  return std::llround(micros.get<double>() * 1000.0);
}

struct Traced {
  json report;
  json trace;
};

Traced run_with_trace(const TempDir& dir, const Case& c, std::vector<std::string> more = {}) {
  const std::string w = dir.write("work.yaml", kWorkload);
  const std::string report = dir.path() + "/r.json", trace = dir.path() + "/t.json";
  std::vector<std::string> args = {"run",     pjbit::testing::source_dir() + "/platforms/" + c.platform,
                                   w,         "--quiet",
                                   "--json",  report,
                                   "--trace", trace};
  args.insert(args.end(), c.extra.begin(), c.extra.end());
  args.insert(args.end(), more.begin(), more.end());
  const auto r = run_program(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return {json::parse(read_file(report)), json::parse(read_file(trace))};
}

// Thread names per (pid, tid).
std::map<std::pair<int, int>, std::string> thread_names(const json& trace) {
  std::map<std::pair<int, int>, std::string> out;
  for (const auto& e : trace["traceEvents"])
    if (e["ph"] == "M" && e["name"] == "thread_name")
      out[{e["pid"].get<int>(), e["tid"].get<int>()}] = e["args"]["name"].get<std::string>();
  return out;
}

// A track's name without its lane suffix: "r0->sw0 (2)" -> "r0->sw0".
std::string track_of(const std::string& lane) {
  static const std::regex suffix(R"( \(\d+\)$)");
  return std::regex_replace(lane, suffix, "");
}

struct LinkTracks {
  int transfers = 0;                 // drawn one by one
  int merged = 0;                    // slices standing for several transfers at once
  std::map<std::string, int> lanes;  // rows per link direction
};

// Checks every slice on the link tracks against the report and counts them.
LinkTracks check_link_tracks(const json& t, const json& report) {
  LinkTracks out;
  const auto names = thread_names(t);
  std::map<std::string, double> reported;
  for (const auto& l : report["links"])
    reported[l["id"].get<std::string>()] = l["bytes"].get<double>();
  for (const auto& [track, name] : names)
    if (track.first == 2)
      ++out.lanes[track_of(std::regex_replace(name, std::regex(" \\(more at once\\)$"), ""))];
  std::map<std::string, double> carried;
  for (const auto& e : t["traceEvents"]) {
    if (e["ph"] != "X" || e["pid"] != 2) continue;
    const std::string lane = names.at({2, e["tid"].get<int>()});
    const json& a = e["args"];
    EXPECT_GT(a["bytes"].get<double>(), 0.0);
    if (e["cat"] == "transfers") {
      ++out.merged;
      EXPECT_NE(lane.find(" (more at once)"), std::string::npos) << lane;
      EXPECT_GT(a["transfers"].get<int>(), 0);
      carried[lane.substr(0, lane.find(" (more at once)"))] += a["bytes"].get<double>();
      continue;
    }
    ++out.transfers;
    EXPECT_EQ(e["cat"], "transfer");
    EXPECT_LE(ns(a["issued_us"]), ns(e["ts"])) << e.dump();
    EXPECT_TRUE(a["class"] == "collective" || a["class"] == "remote_memory" || a["class"] == "bulk")
        << e.dump();
    EXPECT_TRUE(a["src"].is_string() && a["dst"].is_string());
    carried[track_of(lane)] += a["bytes"].get<double>();
  }
  // What the transfers carried is what the report says each direction carried (payload; no overhead here).
  for (const auto& [id, bytes] : carried) {
    EXPECT_TRUE(reported.count(id)) << id;
    EXPECT_NEAR(bytes, reported[id], 1e-9 * bytes) << id;
  }
  for (const auto& [id, bytes] : reported)
    EXPECT_TRUE(bytes == 0.0 || carried.count(id) == 1) << id;
  return out;
}

class Trace : public ::testing::TestWithParam<Case> {};

TEST_P(Trace, TracksTransfersStatesAndPower) {
  TempDir dir;
  const Traced run = run_with_trace(dir, GetParam());
  const json& t = run.trace;
  const json& report = run.report;
  ASSERT_EQ(t["displayTimeUnit"], "ns");
  ASSERT_TRUE(t["traceEvents"].is_array());
  EXPECT_EQ(t["otherData"]["truncated"], false);
  EXPECT_EQ(t["otherData"]["engine"], report["engine"]);
  const int ranks = report["platform"]["ranks"].get<int>();
  const auto names = thread_names(t);

  // Processes: ranks, links, power.
  std::map<int, std::string> processes;
  for (const auto& e : t["traceEvents"])
    if (e["ph"] == "M" && e["name"] == "process_name") processes[e["pid"]] = e["args"]["name"];
  EXPECT_EQ(processes[1], "ranks");
  EXPECT_EQ(processes[2], "links");
  EXPECT_EQ(processes[4], "power");

  // Every complete event sits on a named track, and the slices of a track nest.
  std::map<std::pair<int, int>, std::vector<std::pair<std::int64_t, std::int64_t>>> slices;
  for (const auto& e : t["traceEvents"]) {
    if (e["ph"] != "X") continue;
    const std::pair<int, int> track{e["pid"].get<int>(), e["tid"].get<int>()};
    ASSERT_TRUE(names.count(track)) << e.dump();
    ASSERT_GE(ns(e["dur"]), 0);
    slices[track].push_back({ns(e["ts"]), ns(e["ts"]) + ns(e["dur"])});
  }
  for (auto& [track, list] : slices) {
    std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : a.second > b.second;
    });
    std::vector<std::int64_t> open;
    for (const auto& [start, end] : list) {
      while (!open.empty() && open.back() <= start)
        open.pop_back();
      EXPECT_TRUE(open.empty() || open.back() >= end) << names.at(track) << " at " << start;
      open.push_back(end);
    }
  }

  // Ranks: a track each, with its steps; compute and waiting never overlap, and the compute adds up to what
  // the report says the rank did not wait.
  std::vector<std::vector<std::pair<std::int64_t, std::int64_t>>> states(static_cast<std::size_t>(ranks));
  std::vector<std::int64_t> computing(static_cast<std::size_t>(ranks), 0);
  std::vector<int> steps(static_cast<std::size_t>(ranks), 0);
  const std::regex rank_name(R"(^rank (\d+)( \(\d+\))?$)");
  for (const auto& e : t["traceEvents"]) {
    if (e["ph"] != "X" || e["pid"] != 1) continue;
    std::smatch m;
    const std::string& lane = names.at({1, e["tid"].get<int>()});
    ASSERT_TRUE(std::regex_match(lane, m, rank_name)) << lane;
    const auto r = static_cast<std::size_t>(std::stoi(m[1]));
    ASSERT_LT(r, states.size());
    const std::int64_t start = ns(e["ts"]), end = start + ns(e["dur"]);
    if (e["cat"] == "state") {
      ASSERT_TRUE(e["name"] == "compute" || e["name"] == "waiting") << e.dump();
      states[r].push_back({start, end});
      if (e["name"] == "compute") computing[r] += end - start;
    } else {
      EXPECT_EQ(e["cat"], "step");
      EXPECT_EQ(e["name"].get<std::string>().rfind(e["args"]["step"].get<std::string>() + " ", 0), 0u);
      ++steps[r];
    }
  }
  const double sim_ns = report["sim_time_s"].get<double>() * 1e9;
  for (int r = 0; r < ranks; ++r) {
    const auto ru = static_cast<std::size_t>(r);
    EXPECT_TRUE(names.count({1, r}) && names.at({1, r}) == "rank " + std::to_string(r));
    // 2 iterations of 5 top-level steps, and the two children of each parallel step.
    EXPECT_EQ(steps[ru], 14) << "rank " << r;
    auto& list = states[ru];
    std::sort(list.begin(), list.end());
    for (std::size_t i = 1; i < list.size(); ++i)
      EXPECT_LE(list[i - 1].second, list[i].first) << "rank " << r << ": compute and waiting overlap";
    const double compute_ns = sim_ns - report["waiting"]["per_rank_s"][ru].get<double>() * 1e9;
    EXPECT_NEAR(static_cast<double>(computing[ru]), compute_ns, 1.0 + 2.0 * static_cast<double>(list.size()))
        << "rank " << r;
  }

  // Links: a track per busy direction, named as in the report; every transfer starts at or after it was
  // posted and carries its bytes, class and endpoints, and the transfers carry what the report says.
  const LinkTracks links = check_link_tracks(t, report);
  EXPECT_GT(links.transfers, 0);
  EXPECT_EQ(links.merged, 0);

  // Power: the counters integrate to the report's energy, category by category.
  std::vector<const json*> power;
  for (const auto& e : t["traceEvents"])
    if (e["ph"] == "C" && e["name"] == "power (W)") power.push_back(&e);
  ASSERT_GE(power.size(), 2u);
  EXPECT_NEAR(ns((*power.back())["ts"]), sim_ns, 1.0);
  std::map<std::string, double> joules;
  for (std::size_t i = 0; i + 1 < power.size(); ++i) {
    const double dt = static_cast<double>(ns((*power[i + 1])["ts"]) - ns((*power[i])["ts"])) * 1e-9;
    for (const auto& [category, watts] : (*power[i])["args"].items())
      joules[category] += watts.get<double>() * dt;
  }
  double total = 0.0;
  for (const auto& [category, j] : report["energy_j"]["by_category"].items()) {
    EXPECT_NEAR(joules[category], j.get<double>(), 1e-6 * report["energy_j"]["total"].get<double>())
        << category;
    total += joules[category];
  }
  EXPECT_NEAR(total, report["energy_j"]["total"].get<double>(), 1e-6 * total);
}

TEST_P(Trace, RecordingChangesNothingInTheReport) {
  TempDir dir;
  const Case& c = GetParam();
  json traced = run_with_trace(dir, c).report;
  const std::string plain = dir.path() + "/plain.json";
  std::vector<std::string> args = {"run",
                                   pjbit::testing::source_dir() + "/platforms/" + c.platform,
                                   dir.path() + "/work.yaml",
                                   "--quiet",
                                   "--json",
                                   plain};
  args.insert(args.end(), c.extra.begin(), c.extra.end());
  const auto r = run_program(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json untraced = json::parse(read_file(plain));
  traced["stats"].erase("wall_time_s");
  untraced["stats"].erase("wall_time_s");
  EXPECT_EQ(traced, untraced);
}

const Case kCases[] = {
    {"SwitchPackets", "switch8.yaml", {}},
    {"SwitchFlows", "switch8.yaml", {"--set", "engine=flow"}},
    {"RingPackets", "ring8.yaml", {"--set", "topology.link.overhead=0"}},
};

INSTANTIATE_TEST_SUITE_P(Engines, Trace, ::testing::ValuesIn(kCases),
                         [](const auto& param_info) { return param_info.param.name; });

TEST(TraceFile, ShowsTheSchedulersDecisionsAndTheReconfigurations) {
  // The hybrid fat tree's OCS bypass follows the workload's phases: every decision of the policy is an
  // instant on the scheduler track, and every reconfiguration it asked for a slice on the OCS track.
  TempDir dir;
  const std::string trace = dir.path() + "/t.json", report = dir.path() + "/r.json";
  const auto r = run_program({"run", pjbit::testing::source_dir() + "/platforms/hybrid-fattree-ocs.yaml",
                              pjbit::testing::source_dir() + "/workloads/rack_phases.yaml", "--quiet",
                              "--trace", trace, "--json", report},
                             120.0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json t = json::parse(read_file(trace));
  const json rep = json::parse(read_file(report));
  std::size_t decisions = 0, reconfigurations = 0;
  for (const json& e : t.at("traceEvents")) {
    const std::string cat = e.value("cat", "");
    if (cat == "scheduler") {
      ++decisions;
      EXPECT_EQ(e.at("ph"), "i");
      EXPECT_TRUE(e.at("args").contains("predicted_s"));
      EXPECT_FALSE(e.at("args").at("why").get<std::string>().empty());
    }
    if (cat == "ocs" && e.value("ph", "") == "X") ++reconfigurations;
  }
  EXPECT_EQ(decisions, rep.at("scheduler").at("decisions").size());
  EXPECT_EQ(reconfigurations, rep.at("scheduler").at("reconfigurations").size());
  EXPECT_GT(reconfigurations, 0u);
}

TEST(TraceFile, ASprayedFlowPutsItsShareOnEveryLink) {
  // A sprayed all-to-all on a leaf-spine: every flow splits over the spines, and each link's slices (single
  // or merged rows) carry exactly the bytes the report gives that link.
  TempDir dir;
  const std::string platform = dir.write(
      "p.yaml",
      "name: fts\nengine: flow\ntopology: { kind: fat_tree, ranks: 16, radix: 8, routing: spray, link: { "
      "bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }, switch: { latency: 300 ns, energy: 10 "
      "pJ/bit, "
      "radix: 8 } }\n");
  const std::string workload = dir.write(
      "w.yaml", "name: a2a\nsteps:\n  - collective: all_to_all\n    size: 16 MiB\n    algorithm: direct\n");
  const std::string trace = dir.path() + "/t.json", report = dir.path() + "/r.json";
  const auto r = run_program({"run", platform, workload, "--quiet", "--trace", trace, "--json", report});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json t = json::parse(read_file(trace));
  std::map<int, std::string> track;
  for (const json& e : t.at("traceEvents"))
    if (e.value("ph", "") == "M" && e.value("name", "") == "thread_name" && e.at("pid") == 2)
      track[e.at("tid").get<int>()] =
          std::regex_replace(e.at("args").at("name").get<std::string>(), std::regex(R"( \(.*\)$)"), "");
  std::map<std::string, double> bytes;
  for (const json& e : t.at("traceEvents")) {
    const std::string cat = e.value("cat", "");
    if (e.at("pid") == 2 && (cat == "transfer" || cat == "transfers"))
      bytes[track.at(e.at("tid").get<int>())] += e.at("args").at("bytes").get<double>();
  }
  const json rep = json::parse(read_file(report));
  int spine_links = 0;
  for (const json& l : rep.at("links")) {
    const std::string id = l.at("id").get<std::string>();
    EXPECT_NEAR(bytes[id], l.at("bytes").get<double>(), 64.0) << id;
    spine_links += id.find("spine") != std::string::npos;
  }
  EXPECT_GT(spine_links, 0);
}

TEST(TraceFile, SameInputsGiveTheSameTrace) {
  TempDir a, b;
  const Case c{"", "switch8.yaml", {}};
  run_with_trace(a, c);
  run_with_trace(b, c);
  EXPECT_EQ(read_file(a.path() + "/t.json"), read_file(b.path() + "/t.json"));
}

TEST(TraceFile, CrowdedLinksKeepTheirRowsBounded) {
  // 24 ranks all-to-all directly: 23 messages at once on every rank's links.
  TempDir dir;
  const std::string p = dir.write("switch24.yaml", R"(name: switch24
topology:
  kind: switch
  ranks: 24
  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }
  switch: { latency: 100 ns, energy: 1 pJ/bit }
)");
  const std::string w =
      dir.write("a2a.yaml", "name: a2a\nsteps:\n  - collective: all_to_all\n    size: 4 MiB\n");
  for (const char* engine : {"packet", "flow"}) {
    const std::string report = dir.path() + "/r.json", trace = dir.path() + "/t.json";
    const auto r = run_program({"run", p, w, "--quiet", "--set", std::string("engine=") + engine, "--json",
                                report, "--trace", trace});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const LinkTracks links = check_link_tracks(json::parse(read_file(trace)), json::parse(read_file(report)));
    EXPECT_GT(links.merged, 0) << engine;
    EXPECT_EQ(links.lanes.size(), 48u) << engine;
    for (const auto& [id, lanes] : links.lanes)
      EXPECT_LE(lanes, 16) << engine << " " << id;
  }
}

TEST(TraceFile, LimitBoundsTheTraceAndSaysSo) {
  TempDir dir;
  const Traced run = run_with_trace(dir, {"", "switch8.yaml", {}}, {"--trace-limit", "40"});
  const json& t = run.trace;
  EXPECT_EQ(t["otherData"]["truncated"], true);
  EXPECT_EQ(t["otherData"]["max_events"], 40);
  EXPECT_GT(t["otherData"]["truncated_at_s"].get<double>(), 0.0);
  int slices = 0, marks = 0;
  for (const auto& e : t["traceEvents"]) {
    if (e["ph"] == "X") ++slices;
    if (e["ph"] == "i" && e["name"].get<std::string>().rfind("trace truncated", 0) == 0) ++marks;
  }
  EXPECT_LE(slices, 40);
  EXPECT_GT(slices, 0);
  EXPECT_EQ(marks, 1);
}

TEST(TraceFile, UnwritablePathFailsBeforeRunningAndLeavesNothing) {
  TempDir dir;
  const std::string w = dir.write("work.yaml", kWorkload);
  const std::string report = dir.path() + "/r.json";
  for (const std::string& bad : {dir.path() + "/missing/t.json", dir.path()}) {
    for (const char* option : {"--trace", "--vcd"}) {
      const auto r = run_program({"run", pjbit::testing::source_dir() + "/platforms/switch8.yaml", w,
                                  "--json", report, option, bad});
      EXPECT_EQ(r.exit_code, 2) << r.err;
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
      EXPECT_EQ(r.err.rfind("error: " + bad + ": cannot write file", 0), 0u) << r.err;
      EXPECT_TRUE(r.out.empty()) << r.out;
      EXPECT_FALSE(pjbit::testing::file_exists(report));
    }
  }
  std::vector<std::string> left;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    left.push_back(entry.path().filename().string());
  EXPECT_EQ(left, std::vector<std::string>{"work.yaml"});
  const auto r = run_program({"run", pjbit::testing::source_dir() + "/platforms/switch8.yaml", w, "--trace",
                              dir.path() + "/t.json", "--trace-limit", "0"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_FALSE(pjbit::testing::file_exists(dir.path() + "/t.json"));
}

}  // namespace test_trace
}  // namespace
