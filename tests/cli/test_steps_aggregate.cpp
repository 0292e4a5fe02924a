// `pjbit run` of a workload of more than two iterations: the report keeps the first and the last iteration's
// steps whole and sums up every step over all of them (steps_aggregate). Everything else the report, the
// CSV, the summary, the HTML page and the trace show is what `--steps full`, which keeps every step, gives:
// time, energy, useful bytes, average and peak power, every rack's peak, waiting, busbw of the steps kept.
// On both engines.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/testing.h"

namespace {
namespace test_steps_aggregate {

using nlohmann::json;
using pjbit::testing::read_file;
using pjbit::testing::run_program;
using pjbit::testing::TempDir;

// Eight ranks in four racks behind a switch, with a pool: the report has every rack's peak power.
const char* kRacked = R"(name: racked
accelerator: { preset: h100-sxm5 }
topology:
  kind: switch
  ranks: 8
  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }
  switch: { latency: 300 ns, energy: 10 pJ/bit, radix: 64, static_power: 50 W }
memory_pools:
  - { name: pool0, attach: topology, bandwidth: 400 GB/s, latency: 600 ns, energy: 10 pJ/bit, capacity: 4 TiB }
racks: { accelerators_per_rack: 2, switches_per_rack: 1, network_rack_switches: 4 }
)";

// Steps on some ranks, random traffic (other ranks every iteration) beside compute, a checkpoint and a read.
const char* kWorkload = R"(name: five
iterations: 5
steps:
  - compute: { work: 100 GFLOP, ranks: [0, 1, 2, 3] }
  - collective: all_reduce
    size: 4 MiB
  - parallel:
      - compute: { duration: 20 us, ranks: [4, 5] }
      - traffic: { size: 64 KiB, messages: 8 }
  - checkpoint: { size: 1 MiB, pool: pool0 }
  - memory: { op: read, size: 512 KiB, pool: pool0, ranks: [2, 6] }
)";
constexpr std::size_t kSteps = 5, kIterations = 5;

struct Outputs {
  json report;
  std::string csv, html, trace, table;
};

Outputs run(const TempDir& dir, const std::string& engine, bool full) {
  const std::string p = dir.path() + "/plat.yaml", w = dir.path() + "/work.yaml";
  const std::string base = dir.path() + "/" + engine + (full ? ".full" : ".summed");
  std::vector<std::string> args = {"run",
                                   p,
                                   w,
                                   "--set",
                                   "engine=" + engine,
                                   "--json",
                                   base + ".json",
                                   "--csv",
                                   base + ".csv",
                                   "--html",
                                   base + ".html",
                                   "--trace",
                                   base + ".trace.json"};
  if (full) args.insert(args.end(), {"--steps", "full"});
  const auto r = run_program(args, 120.0);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  Outputs o;
  o.report = json::parse(read_file(base + ".json"));
  o.csv = read_file(base + ".csv");
  o.html = read_file(base + ".html");
  o.trace = read_file(base + ".trace.json");
  o.table = r.out;
  return o;
}

// The steps of a report, each with its sub-steps after it, by key: an aggregate's instances.
void by_key(const json& steps, std::map<std::string, std::vector<json>>& out) {
  for (const auto& s : steps) {
    out[s["key"].get<std::string>()].push_back(s);
    if (s.contains("children")) by_key(s["children"], out);
  }
}

// What comes before the first line that starts with `marker`.
std::string before(const std::string& text, const std::string& marker) {
  const auto at = text.find(marker);
  EXPECT_NE(at, std::string::npos) << marker;
  return text.substr(0, at);
}

class StepsAggregate : public ::testing::TestWithParam<std::string> {};

TEST_P(StepsAggregate, EverythingButTheStepsIsWhatStepsFullGives) {
  TempDir dir;
  dir.write("plat.yaml", kRacked);
  dir.write("work.yaml", kWorkload);
  const Outputs full = run(dir, GetParam(), true);
  const Outputs summed = run(dir, GetParam(), false);
  ASSERT_EQ(full.report["engine"], GetParam());
  ASSERT_EQ(summed.report["engine"], GetParam());

  // --steps full: every instance, no aggregate. Default: iterations 0 and 4, each step as --steps full has it
  // (times, energy, useful bytes, algbw and busbw, wait), and the aggregate.
  EXPECT_FALSE(full.report.contains("steps_aggregate"));
  ASSERT_EQ(full.report["steps"].size(), kSteps * kIterations);
  ASSERT_EQ(summed.report["steps"].size(), kSteps * 2);
  for (std::size_t k = 0; k < kSteps; ++k) {
    EXPECT_EQ(summed.report["steps"][k], full.report["steps"][k]) << k;
    EXPECT_EQ(summed.report["steps"][kSteps + k], full.report["steps"][kSteps * (kIterations - 1) + k]) << k;
  }
  const json& a = summed.report["steps_aggregate"];
  EXPECT_EQ(a["iterations"], kIterations);
  EXPECT_EQ(a["kept_iterations"], json({0, kIterations - 1}));

  // Every step key, sub-steps included, in the workload's order, against the instances --steps full lists.
  std::map<std::string, std::vector<json>> instances;
  by_key(full.report["steps"], instances);
  const std::vector<std::string> keys = {
      "steps.0", "steps.1", "steps.2", "steps.2.parallel.0", "steps.2.parallel.1", "steps.3", "steps.4"};
  ASSERT_EQ(a["steps"].size(), keys.size());
  for (std::size_t k = 0; k < keys.size(); ++k) {
    const json& s = a["steps"][k];
    ASSERT_EQ(s["key"], keys[k]);
    const auto& list = instances.at(keys[k]);
    ASSERT_EQ(list.size(), kIterations);
    EXPECT_EQ(s["kind"], list[0]["kind"]);
    EXPECT_EQ(s["count"], kIterations);
    double time = 0.0, shortest = 1e300, longest = 0.0, energy = 0.0, useful = 0.0, wire = 0.0;
    for (const auto& i : list) {
      const double t = i["time_s"].get<double>();
      time += t;
      shortest = std::min(shortest, t);
      longest = std::max(longest, t);
      energy += i["energy_j"].get<double>();
      useful += i["useful_bytes"].get<double>();
      wire += i["wire_bytes"].get<double>();
    }
    // Times in whole ticks: within a picosecond of the steps' end_s - start_s.
    EXPECT_NEAR(s["time_s"]["min"].get<double>(), shortest, 1e-12) << keys[k];
    EXPECT_NEAR(s["time_s"]["max"].get<double>(), longest, 1e-12) << keys[k];
    EXPECT_NEAR(s["time_s"]["total"].get<double>(), time, 1e-11) << keys[k];
    EXPECT_NEAR(s["time_s"]["mean"].get<double>(), time / kIterations, 1e-12) << keys[k];
    EXPECT_NEAR(s["energy_j"]["total"].get<double>(), energy, 1e-12 * energy + 1e-300) << keys[k];
    EXPECT_EQ(s["useful_bytes"].get<double>(), useful) << keys[k];
    EXPECT_EQ(s["wire_bytes"].get<double>(), wire) << keys[k];
    if (s["kind"] == "collective") {
      EXPECT_EQ(s["op"], "all_reduce");
      EXPECT_EQ(s["algorithm"], list[0]["algorithm"]);
    }
  }
  // The random traffic runs between other ranks from one iteration to the next.
  const auto& traffic = instances.at("steps.2.parallel.1");
  EXPECT_TRUE(std::any_of(traffic.begin(), traffic.end(), [&](const json& t) {
    return t.value("group", json()) != traffic[0].value("group", json());
  }));

  // The rest of the report is the same, byte for byte: time, energy, useful bytes, waiting, average and peak
  // power (taken over every instance) and every rack's peak, links, the power trace, the scheduler.
  json f = full.report, s = summed.report;
  for (json* r : {&f, &s}) {
    r->erase("steps");
    r->erase("steps_aggregate");
    (*r)["stats"].erase("wall_time_s");
  }
  EXPECT_EQ(s, f);
  EXPECT_GT(f["power_w"]["peak"].get<double>(), f["power_w"]["average"].get<double>());
  ASSERT_EQ(f["density"]["racks"].size(), 5u);  // four of accelerators, one of the switch
  for (const auto& rack : f["density"]["racks"]) {
    if (rack["kind"] != "accelerator") continue;
    EXPECT_GT(rack["peak_kw"].get<double>(), rack["average_kw"].get<double>()) << rack["name"];
  }

  // The CSV is the headline figures, and the trace what happened when (every instance, up to --trace-limit):
  // the same.
  EXPECT_EQ(summed.csv, full.csv);
  EXPECT_EQ(summed.trace, full.trace);
  // The summary table up to its step table is the same; after it, a row per step key over all iterations.
  EXPECT_EQ(before(summed.table, "  iter "), before(full.table, "  iter "));
  EXPECT_EQ(full.table.find("every step over all"), std::string::npos);
  const std::string tail = summed.table.substr(summed.table.find("every step over all 5 iterations"));
  for (const auto& key : keys)
    EXPECT_NE(tail.find("  " + key + " "), std::string::npos) << key << "\n" << tail;
  // The page is the same up to its steps section, which shows the aggregate after the steps kept.
  EXPECT_EQ(before(summed.html, "<section id=\"timeline\">"), before(full.html, "<section id=\"timeline\">"));
  EXPECT_NE(summed.html.find("The table above shows iterations 0 and 4 of 5"), std::string::npos);
  EXPECT_NE(summed.html.find("steps.2.parallel.1"), std::string::npos);
  EXPECT_EQ(full.html.find("steps_aggregate"), std::string::npos);

  // Both reports pass the report's JSON Schema.
  const std::string python = PJBIT_PYTHON;
  ASSERT_FALSE(python.empty()) << "no python3 with jsonschema: run scripts/install-deps.sh";
  const std::string checker = pjbit::testing::source_dir() + "/tests/golden/check_report_schema.py";
  const std::string schema = pjbit::testing::source_dir() + "/docs/report.schema.json";
  for (const char* which : {".full", ".summed"}) {
    const std::string report = dir.path() + "/" + GetParam() + which + ".json";
    const int rc = std::system(
        (python + " " + checker + " " + schema + " " + report + " > " + dir.path() + "/schema.txt 2>&1")
            .c_str());
    EXPECT_EQ(rc, 0) << which << ": " << read_file(dir.path() + "/schema.txt");
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, StepsAggregate, ::testing::Values("packet", "flow"),
                         [](const auto& param_info) { return param_info.param; });

// Two iterations are reported whole, as every run was before; --steps takes auto or full and nothing else.
TEST(StepsOption, TwoIterationsAreWholeAndBadValuesAreRefused) {
  TempDir dir;
  const std::string p = dir.write("plat.yaml", kRacked);
  const std::string w = dir.write(
      "work.yaml",
      "name: two\niterations: 2\nsteps:\n  - compute: { duration: 1 us }\n  - collective: all_reduce\n"
      "    size: 1 MiB\n");
  const std::string json_path = dir.path() + "/r.json";
  ASSERT_EQ(run_program({"run", p, w, "--quiet", "--json", json_path}).exit_code, 0);
  const json r = json::parse(read_file(json_path));
  EXPECT_EQ(r["steps"].size(), 4u);
  EXPECT_FALSE(r.contains("steps_aggregate"));
  for (const char* bad : {"some", "", "FULL"}) {
    const auto refused = run_program({"run", p, w, "--quiet", "--steps", bad, "--json", json_path + ".2"});
    EXPECT_EQ(refused.exit_code, 2) << bad;
    EXPECT_EQ(refused.err.rfind("error: ", 0), 0u) << refused.err;
    EXPECT_FALSE(pjbit::testing::file_exists(json_path + ".2"));
  }
}

}  // namespace test_steps_aggregate
}  // namespace
