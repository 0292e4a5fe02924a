// Chakra execution traces through the program (CONTRACT section 8): `run` and `validate` with a trace's
// prefix or a workload file naming one, `export-chakra`, the round trip (export, then run the trace: the
// report of the workload file), and malformed traces as one `error:` line and exit 2. Every trace here is
// written by the tests (support/chakra_trace.h) or by the program itself.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "support/chakra_trace.h"
#include "support/testing.h"

namespace {
namespace test_chakra_cli {

using nlohmann::json;
using pjbit::testing::count_lines;
using pjbit::testing::file_exists;
using pjbit::testing::ProcessResult;
using pjbit::testing::run_program;
using pjbit::testing::TempDir;
namespace et = pjbit::testing::chakra;
namespace fs = std::filesystem;

constexpr std::int64_t kMiB = 1 << 20;

// A small job of four ranks: compute, a pipeline of sends, an all-reduce over all and an all-gather over
// each half.
et::Trace job() {
  et::Trace t(4);
  t.add_all(et::compute(1, 20));
  t.add(0, et::send(2, 1, 65536).dep(1));
  t.add(1, et::recv(2, 0, 65536).dep(1));
  t.add(2, et::compute(2, 5).dep(1));
  t.add(3, et::compute(2, 5).dep(1));
  t.add_all(et::collective(3, et::kAllReduce, 4 * kMiB).dep(2));
  for (int r = 0; r < 4; ++r)
    t.add(r, et::collective(4, et::kAllGather, kMiB, r < 2 ? "low" : "high").dep(3));
  return t;
}

// Runs the program and checks the contract for bad input: exit 2, one `error:` line matching `pattern`,
// nothing on stdout, and no report.
void expect_bad_input(std::vector<std::string> args, const std::string& pattern, const TempDir& dir) {
  const std::string report = dir.path() + "/report.json";
  if (args.front() == "run") {
    args.push_back("--json");
    args.push_back(report);
  }
  const ProcessResult r = run_program(args, 60.0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex(pattern)))
      << "stderr: " << r.err << "expected: " << pattern;
  // `validate` describes the platform before it reads the workload.
  if (args.front() != "validate") {
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  EXPECT_FALSE(file_exists(report));
}

json run_json(const std::vector<std::string>& args, const TempDir& dir, const std::string& cwd = "") {
  const std::string report = dir.path() + "/report.json";
  std::vector<std::string> full = args;
  full.insert(full.end(), {"--quiet", "--json", report});
  const ProcessResult r = run_program(full, 240.0, pjbit::testing::Stderr::Pipe, cwd);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  return json::parse(pjbit::testing::read_file(report));
}

TEST(ChakraCli, RunsATraceByItsPrefix) {
  TempDir dir;
  const std::string platform = dir.write("ring4.yaml", pjbit::testing::kRing4);
  const std::string prefix = job().write(dir.path() + "/job");
  const json j = run_json({"run", platform, prefix}, dir);
  EXPECT_EQ(j["workload"]["name"], "job");
  EXPECT_GT(j["sim_time_s"].get<double>(), 0.0);
  // node 1 of all ranks, the exchange, node 2 of ranks 2 and 3, the all-reduce, and two all-gathers.
  ASSERT_EQ(j["steps"].size(), 6u);
  EXPECT_EQ(j["steps"][0]["kind"], "compute");
  EXPECT_EQ(j["steps"][0]["key"], "job.0.et node 1");
  EXPECT_EQ(j["steps"][1]["kind"], "traffic");
  EXPECT_EQ(j["steps"][3]["op"], "all_reduce");
  EXPECT_EQ(j["steps"][3]["size_bytes"], 4 * kMiB);
  EXPECT_EQ(j["steps"][4]["op"], "all_gather");
  EXPECT_EQ(j["steps"][4]["ranks"], 2);
  EXPECT_EQ(j["steps"][4]["size_bytes"], 2 * kMiB);  // two ranks' parts of 1 MiB
  // Ranks 0 and 1 enter the all-reduce after their exchange, ranks 2 and 3 after their compute: it starts
  // with the first and cannot end before the last has come.
  EXPECT_GE(j["steps"][3]["start_s"].get<double>(), j["steps"][1]["end_s"].get<double>());
  EXPECT_GT(j["steps"][3]["end_s"].get<double>(), j["steps"][2]["end_s"].get<double>());
}

TEST(ChakraCli, EveryCollectiveKindRuns) {
  TempDir dir;
  const std::string platform = dir.write("ring4.yaml", pjbit::testing::kRing4);
  et::Trace t(4);
  const int types[] = {et::kAllReduce, et::kAllGather, et::kReduceScatter,
                       et::kAllToAll,  et::kBroadcast, et::kBarrier};
  for (std::uint64_t k = 0; k < 6; ++k) {
    et::NodeMsg n = et::collective(k + 1, types[k], kMiB);
    if (k > 0) n.dep(k);
    t.add_all(n);
  }
  const json j = run_json({"run", platform, t.write(dir.path() + "/kinds")}, dir);
  ASSERT_EQ(j["steps"].size(), 6u);
  const char* ops[] = {"all_reduce", "all_gather", "reduce_scatter", "all_to_all", "broadcast", "all_reduce"};
  const std::int64_t sizes[] = {kMiB, 4 * kMiB, kMiB, kMiB, kMiB, kMiB};
  for (std::size_t k = 0; k < 6; ++k) {
    EXPECT_EQ(j["steps"][k]["op"], ops[k]) << k;
    EXPECT_EQ(j["steps"][k]["size_bytes"], sizes[k]) << k;
    EXPECT_EQ(j["steps"][k]["ranks"], 4) << k;
    EXPECT_GT(j["steps"][k]["time_s"].get<double>(), 0.0) << k;
    // One after another on each rank, without a barrier between: a step ends after the last rank has come
    // from the one before.
    if (k > 0) {
      EXPECT_GT(j["steps"][k]["end_s"].get<double>(), j["steps"][k - 1]["end_s"].get<double>()) << k;
    }
  }
}

TEST(ChakraCli, ValidateChecksATraceWithoutSimulating) {
  TempDir dir;
  const std::string platform = dir.write("ring4.yaml", pjbit::testing::kRing4);
  const std::string prefix = job().write(dir.path() + "/job");
  const ProcessResult r = run_program({"validate", platform, prefix});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(
      r.out.find("workload job: 6 steps x 1 iterations (a Chakra trace of 4 ranks), runs on this platform"),
      std::string::npos)
      << r.out;
}

TEST(ChakraCli, AWorkloadFileNamesATraceRelativeToItself) {
  TempDir dir;
  const std::string platform = dir.write("ring4.yaml", pjbit::testing::kRing4);
  fs::create_directories(dir.path() + "/traces");
  et::Trace t(4);
  t.add_all(et::collective(1, et::kAllReduce, kMiB));
  t.write(dir.path() + "/traces/ar");
  // Two of the four files: the all-reduce spans ranks 0 and 1.
  const std::string w =
      dir.write("w.yaml", "name: mine\niterations: 2\nchakra: { prefix: traces/ar, ranks: 2 }\n");
  const json j = run_json({"run", platform, w}, dir);
  EXPECT_EQ(j["workload"]["name"], "mine");
  EXPECT_EQ(j["workload"]["iterations"], 2);
  ASSERT_EQ(j["steps"].size(), 2u);
  EXPECT_EQ(j["steps"][0]["ranks"], 2);
  // Named after the trace when the file gives no name; --set reaches the block.
  const std::string unnamed = dir.write("u.yaml", "chakra: { prefix: traces/ar }\n");
  const json k = run_json({"run", platform, unnamed, "--set", "chakra.ranks=3"}, dir);
  EXPECT_EQ(k["workload"]["name"], "ar");
  EXPECT_EQ(k["steps"][0]["ranks"], 3);
}

TEST(ChakraCli, ATraceNeedsAPlatformRankForEachFile) {
  TempDir dir;
  const std::string platform = dir.write("ring4.yaml", pjbit::testing::kRing4);
  et::Trace t(8);
  t.add_all(et::collective(1, et::kAllReduce, kMiB));
  const std::string prefix = t.write(dir.path() + "/big");
  expect_bad_input({"run", platform, prefix},
                   R"(^error: .*big\.0\.et: the trace has 8 rank files, but the platform has only 4 ranks)",
                   dir);
  expect_bad_input({"validate", platform, prefix}, R"(the trace has 8 rank files)", dir);
}

TEST(ChakraCli, WorkloadKeysCannotBeSetOnATrace) {
  TempDir dir;
  const std::string platform = dir.write("ring4.yaml", pjbit::testing::kRing4);
  const std::string prefix = job().write(dir.path() + "/job");
  expect_bad_input({"run", platform, prefix, "--set", "iterations=2"},
                   R"(^error: --set: "iterations": a Chakra trace has no workload keys)", dir);
}

// A malformed trace: the files' bytes, and what the one error line says.
struct BadTrace {
  std::string name;
  std::vector<std::string> files;
  std::string expect;
};

void PrintTo(const BadTrace& b, std::ostream* os) {
  *os << b.name;
}

std::vector<BadTrace> bad_traces() {
  std::vector<BadTrace> out;
  const auto add = [&](const std::string& name, et::Trace t, const std::string& expect) {
    out.push_back({name, t.files(), expect});
  };
  {
    et::Trace t(2);
    t.add_all(et::compute(1, 1)).raw(1, "\x93");
    add("TruncatedVarint", t,
        R"(bad\.1\.et: byte \d+: truncated: the file ends inside the varint length prefix)");
  }
  {
    et::Trace t(2);
    t.file(0) = et::frame(et::collective(1, et::kAllReduce, kMiB).encode());
    add("WrongMessage", t, R"(bad\.0\.et: byte 0: message 1 (is not|does not parse as) the GlobalMetadata)");
  }
  {
    et::Trace t(2);
    t.add_all(et::collective(5, 77, kMiB));
    add("UnknownCommType", t, R"(bad\.0\.et: node 5\.comm_type: unknown collective type 77)");
  }
  {
    et::Trace t(2);
    t.add_all(et::compute(1, 1).dep(7));
    add("DanglingDependency", t,
        R"(bad\.0\.et: node 1\.data_deps: depends on node 7, which the file does not have)");
  }
  {
    et::Trace t(2);
    t.add_all(et::compute(1, 1).dep(2)).add_all(et::compute(2, 1).dep(1));
    add("Cycle", t, R"(bad\.0\.et: node \d\.data_deps: a dependency cycle)");
  }
  {
    et::Trace t(2);
    t.add(0, et::collective(1, et::kAllReduce, kMiB)).add(1, et::collective(1, et::kAllToAll, kMiB));
    add("InconsistentCollective", t,
        R"(bad\.1\.et: node 1\.comm_type: this and bad\.0\.et node 1 are the 1st collective .* disagree)");
  }
  {
    et::Trace t(2);
    t.add(1, et::send(1, 0, 64));
    add("SendWithoutRecv", t, R"(bad\.1\.et: node 1\.type: .*a send without a receive)");
  }
  {
    // Files 0, 1 and 3: rank 2's is missing.
    et::Trace t(4);
    t.add_all(et::compute(1, 1));
    BadTrace b{"RankFileMissing", t.files(), R"(bad\.2\.et: missing, but bad\.3\.et exists)"};
    b.files[2].clear();  // not written (see below)
    out.push_back(b);
  }
  return out;
}

class MalformedTrace : public ::testing::TestWithParam<BadTrace> {};

TEST_P(MalformedTrace, ExitsTwoWithOneErrorLineAndNoReport) {
  const BadTrace& b = GetParam();
  TempDir dir;
  const std::string platform = dir.write("ring4.yaml", pjbit::testing::kRing4);
  for (std::size_t r = 0; r < b.files.size(); ++r)
    if (b.name != "RankFileMissing" || r != 2) dir.write("bad." + std::to_string(r) + ".et", b.files[r]);
  expect_bad_input({"run", platform, dir.path() + "/bad"}, b.expect, dir);
  expect_bad_input({"validate", platform, dir.path() + "/bad"}, b.expect, dir);
}

INSTANTIATE_TEST_SUITE_P(Chakra, MalformedTrace, ::testing::ValuesIn(bad_traces()),
                         [](const ::testing::TestParamInfo<BadTrace>& i) { return i.param.name; });

TEST(ChakraCli, AWorkloadFileMissingRankFiles) {
  TempDir dir;
  const std::string platform = dir.write("ring4.yaml", pjbit::testing::kRing4);
  et::Trace t(2);
  t.add_all(et::compute(1, 1));
  t.write(dir.path() + "/two");
  const std::string w = dir.write("w.yaml", "chakra: { prefix: two, ranks: 3 }\n");
  expect_bad_input({"run", platform, w}, R"(two\.2\.et: missing: the trace has 3 ranks)", dir);
  const std::string none = dir.write("n.yaml", "chakra: { prefix: nothing }\n");
  expect_bad_input({"run", platform, none}, R"(n\.yaml:1:\d+: chakra\.prefix: no trace "nothing")", dir);
  const std::string both = dir.write("b.yaml", "name: b\nchakra: { prefix: two }\nsteps: []\n");
  expect_bad_input({"run", platform, both}, R"(b\.yaml:3:8: steps: give either steps or chakra)", dir);
}

// Compares a report of a trace with the report of the workload file it was exported from: every field
// alike (numbers to a relative 1e-9, as the golden tier), but the wall time, the workload's file and the
// steps' keys (which name the trace's nodes; the scheduler's decisions quote them too).
void expect_same_report(json trace, json yaml) {
  trace["stats"].erase("wall_time_s");
  yaml["stats"].erase("wall_time_s");
  trace["workload"].erase("file");
  yaml["workload"].erase("file");
  std::vector<std::pair<std::string, std::string>> keys;  // the trace's key, the file's
  std::function<void(json&, json&)> pair_keys = [&](json& a, json& b) {
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i].contains("key")) keys.emplace_back(a[i]["key"], b[i]["key"]);
      if (a[i].contains("children")) pair_keys(a[i]["children"], b[i]["children"]);
    }
  };
  pair_keys(trace["steps"], yaml["steps"]);
  std::sort(keys.begin(), keys.end(),
            [](const auto& x, const auto& y) { return x.first.size() > y.first.size(); });
  std::function<void(json&)> rename = [&](json& j) {
    if (j.is_string()) {
      std::string s = j;
      for (const auto& [from, to] : keys)
        for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
          s.replace(at, from.size(), to);
      j = s;
    } else if (j.is_structured()) {
      for (auto& v : j)
        rename(v);
    }
  };
  rename(trace);
  std::function<void(const json&, const json&, const std::string&)> same = [&](const json& a, const json& b,
                                                                               const std::string& path) {
    if (a.is_number_float() || b.is_number_float()) {
      ASSERT_TRUE(a.is_number() && b.is_number()) << path;
      const double x = a.get<double>(), y = b.get<double>();
      EXPECT_LE(std::fabs(x - y), 1e-9 * std::max(std::fabs(x), std::fabs(y)))
          << path << ": " << x << " vs " << y;
    } else if (a.is_object()) {
      ASSERT_TRUE(b.is_object()) << path;
      std::vector<std::string> ka, kb;
      for (auto it = a.begin(); it != a.end(); ++it)
        ka.push_back(it.key());
      for (auto it = b.begin(); it != b.end(); ++it)
        kb.push_back(it.key());
      ASSERT_EQ(ka, kb) << path;
      for (const std::string& k : ka)
        same(a[k], b[k], path + "." + k);
    } else if (a.is_array()) {
      ASSERT_TRUE(b.is_array()) << path;
      ASSERT_EQ(a.size(), b.size()) << path;
      for (std::size_t i = 0; i < a.size(); ++i)
        same(a[i], b[i], path + "." + std::to_string(i));
    } else {
      EXPECT_EQ(a, b) << path;
    }
  };
  same(trace, yaml, "");
}

struct RoundTrip {
  std::string platform, workload, engine;
  int ranks;
};

void PrintTo(const RoundTrip& c, std::ostream* os) {
  *os << c.platform << "." << c.workload << "." << c.engine;
}

class ExportThenRun : public ::testing::TestWithParam<RoundTrip> {};

// export-chakra, then run the trace: the report of the workload file (its golden report), but for keys.
TEST_P(ExportThenRun, GivesTheReportOfTheWorkloadFile) {
  const RoundTrip& c = GetParam();
  TempDir dir;
  const std::string root = pjbit::testing::source_dir();
  const std::string prefix = dir.path() + "/" + c.workload;  // the trace is named after its prefix
  const ProcessResult e = run_program({"export-chakra", root + "/workloads/" + c.workload + ".yaml",
                                       "--ranks", std::to_string(c.ranks), "--out", prefix});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_TRUE(file_exists(prefix + ".0.et"));
  EXPECT_TRUE(file_exists(prefix + "." + std::to_string(c.ranks - 1) + ".et"));
  // From the repository root, as the golden reports were made.
  const json trace = run_json(
      {"run", "platforms/" + c.platform + ".yaml", prefix, "--set", "engine=" + c.engine}, dir, root);
  expect_same_report(trace, pjbit::testing::golden_report(c.platform, c.workload, c.engine));
}

INSTANTIATE_TEST_SUITE_P(Shipped, ExportThenRun,
                         ::testing::Values(RoundTrip{"ring8", "allreduce_1g", "packet", 8},
                                           RoundTrip{"switch8", "train_step", "packet", 8},
                                           RoundTrip{"pod8-nvswitch", "train_step", "flow", 8},
                                           RoundTrip{"hybrid-fattree-ocs", "rack_phases", "flow", 32},
                                           RoundTrip{"pods-ocs", "train_step", "flow", 32},
                                           RoundTrip{"pods-fattree-dsp", "train_step", "flow", 32},
                                           RoundTrip{"pods-fattree-cpo", "rack_phases", "packet", 32}),
                         [](const ::testing::TestParamInfo<RoundTrip>& i) {
                           std::string name =
                               i.param.platform + "_" + i.param.workload + "_" + i.param.engine;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(ChakraCli, ExportRefusesWhatATraceCannotHoldAndWritesNothing) {
  TempDir dir;
  const std::string root = pjbit::testing::source_dir();
  const std::string w = dir.write("w.yaml",
                                  "name: w\nsteps:\n  - collective: all_reduce\n    size: 1 MiB\n"
                                  "    ranks: [0, 5]\n");
  expect_bad_input({"export-chakra", w, "--ranks", "4", "--out", dir.path() + "/w"},
                   R"(w\.yaml:3:5: steps\.0\.ranks: rank 5 is beyond the trace's 4 ranks \(--ranks 4\))",
                   dir);
  expect_bad_input({"export-chakra", root + "/workloads/allreduce_1g.yaml", "--ranks", "4", "--out",
                    dir.path() + "/no/such/folder/t"},
                   R"(no/such/folder/t\.0\.et: cannot write file)", dir);
  expect_bad_input(
      {"export-chakra", root + "/workloads/allreduce_1g.yaml", "--ranks", "0", "--out", dir.path() + "/t"},
      R"(--ranks)", dir);
  for (const auto& entry : fs::directory_iterator(dir.path()))
    EXPECT_TRUE(entry.path().extension() == ".yaml") << "left behind: " << entry.path();
}

TEST(ChakraCli, ExportOfATraceAgainIsTheSameTrace) {
  TempDir dir;
  const std::string root = pjbit::testing::source_dir();
  ASSERT_EQ(run_program({"export-chakra", root + "/workloads/train_step.yaml", "--ranks", "8", "--out",
                         dir.path() + "/a"})
                .exit_code,
            0);
  const ProcessResult again =
      run_program({"export-chakra", dir.path() + "/a", "--ranks", "8", "--out", dir.path() + "/b"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  // Written from the trace, whose steps are named after its nodes: the same nodes but for their names.
  for (int r = 0; r < 8; ++r) {
    const auto a = et::messages(pjbit::testing::read_file(dir.path() + "/a." + std::to_string(r) + ".et"));
    const auto b = et::messages(pjbit::testing::read_file(dir.path() + "/b." + std::to_string(r) + ".et"));
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 1; i < a.size(); ++i) {
      et::Fields fa = et::decode_fields(a[i]), fb = et::decode_fields(b[i]);
      fa.bytes.erase(2);  // name
      fb.bytes.erase(2);
      EXPECT_EQ(fa.numbers, fb.numbers);
      EXPECT_EQ(fa.bytes, fb.bytes);
    }
  }
}

}  // namespace test_chakra_cli
}  // namespace
