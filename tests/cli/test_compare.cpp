// `pjbit compare` as CI drives it: exit 0 without a regression, 1 with one, 2 on bad input (or an output
// that cannot be written).
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "support/testing.h"

namespace {
namespace test_compare {

using pjbit::testing::count_lines;
using pjbit::testing::ProcessResult;
using pjbit::testing::read_file;
using pjbit::testing::run_program;
using pjbit::testing::TempDir;

const char* kRing = R"(name: ring4
topology:
  kind: ring
  ranks: 4
  link:
    bandwidth: 200 GB/s
    latency: 500 ns
    energy: 5 pJ/bit
)";

const char* kWorkload = R"(name: ar
steps:
  - collective: all_reduce
    size: 1 MiB
)";

// Two reports of the same run, and one of a run over links of half the bandwidth (slower, same energy).
class CompareReports : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string p = m_dir.write("plat.yaml", kRing), w = m_dir.write("work.yaml", kWorkload);
    ASSERT_EQ(run_program({"run", p, w, "--quiet", "--json", path("base.json")}).exit_code, 0);
    ASSERT_EQ(run_program({"run", p, w, "--quiet", "--json", path("same.json")}).exit_code, 0);
    ASSERT_EQ(run_program({"run", p, w, "--quiet", "--json", path("slow.json"), "--set",
                           "topology.link.bandwidth=100 GB/s"})
                  .exit_code,
              0);
  }
  std::string path(const std::string& name) const { return m_dir.path() + "/" + name; }
  std::string write(const std::string& name, const std::string& text) const {
    return m_dir.write(name, text);
  }
  // A copy of base.json with `edit` applied.
  std::string edited(const std::string& name, void (*edit)(nlohmann::json&)) const {
    auto j = nlohmann::json::parse(read_file(path("base.json")));
    edit(j);
    return write(name, j.dump(2));
  }

  TempDir m_dir;
};

// The table row of `metric`.
std::string row(const std::string& out, const std::string& metric) {
  std::smatch m;
  if (std::regex_search(out, m, std::regex("\n  " + metric + " [^\n]*"))) return m.str();
  return "";
}

TEST_F(CompareReports, IdenticalReportsPass) {
  const ProcessResult r = run_program({"compare", path("base.json"), path("same.json")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  for (const char* metric : {"sim_time_s", "energy_j.total", "fabric_pj_per_useful_bit", "effective_compute"})
    EXPECT_TRUE(std::regex_search(row(r.out, metric), std::regex(R"(\+0\.00 %  ok$)"))) << r.out;
  for (const char* metric : {"energy_j.fabric", "power_w.peak", "wire_bytes"})
    EXPECT_TRUE(std::regex_search(row(r.out, metric), std::regex(R"( info$)"))) << r.out;
  EXPECT_NE(r.out.find("no regression beyond rtol 0.01"), std::string::npos) << r.out;
}

TEST_F(CompareReports, SlowerCandidateBeyondTheToleranceIsARegression) {
  const ProcessResult r = run_program({"compare", path("base.json"), path("slow.json")});
  EXPECT_EQ(r.exit_code, 1) << r.err << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_TRUE(std::regex_search(row(r.out, "sim_time_s"), std::regex(R"(\+\d+\.\d\d %  worse$)"))) << r.out;
  EXPECT_TRUE(std::regex_search(row(r.out, "energy_j.total"), std::regex(R"( ok$)"))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\nregression beyond rtol 0\.01: sim_time_s \+)")))
      << r.out;
}

TEST_F(CompareReports, WithinALooseTolerancePasses) {
  const ProcessResult r = run_program({"compare", path("base.json"), path("slow.json"), "--rtol", "2"});
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_TRUE(std::regex_search(row(r.out, "sim_time_s"), std::regex(R"( ok$)"))) << r.out;
}

TEST_F(CompareReports, FasterCandidateIsBetterNotARegression) {
  const ProcessResult r = run_program({"compare", path("slow.json"), path("base.json"), "--rtol", "0"});
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_TRUE(std::regex_search(row(r.out, "sim_time_s"), std::regex(R"(-\d+\.\d\d %  better$)"))) << r.out;
}

TEST_F(CompareReports, LessEffectiveComputeIsARegression) {
  const std::string base = edited("busy.json", [](nlohmann::json& j) { j["effective_compute"] = 0.5; });
  const std::string cand = edited("idle.json", [](nlohmann::json& j) { j["effective_compute"] = 0.4; });
  const ProcessResult r = run_program({"compare", base, cand});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_TRUE(std::regex_search(row(r.out, "effective_compute"), std::regex(R"(-20\.00 %  worse$)")))
      << r.out;
  EXPECT_EQ(run_program({"compare", cand, base}).exit_code, 0);
}

TEST_F(CompareReports, ZeroBaselines) {
  // 0 -> 0 is no change; 0 -> anything more is an infinite relative change, a regression whatever the
  // tolerance.
  const std::string zero = edited("zero.json", [](nlohmann::json& j) { j["energy_j"]["total"] = 0.0; });
  const ProcessResult same = run_program({"compare", zero, zero, "--rtol", "0"});
  EXPECT_EQ(same.exit_code, 0) << same.out;
  const ProcessResult grew = run_program({"compare", zero, path("base.json"), "--rtol", "1000"});
  EXPECT_EQ(grew.exit_code, 1) << grew.out;
  EXPECT_TRUE(std::regex_search(row(grew.out, "energy_j.total"), std::regex(R"(\+inf %  worse$)")))
      << grew.out;
  const ProcessResult fell = run_program({"compare", path("base.json"), zero});
  EXPECT_EQ(fell.exit_code, 0) << fell.out;
  EXPECT_TRUE(std::regex_search(row(fell.out, "energy_j.total"), std::regex(R"(-100\.00 %  better$)")))
      << fell.out;
}

TEST_F(CompareReports, JsonOutput) {
  const std::string out = path("cmp.json");
  const ProcessResult r = run_program({"compare", path("base.json"), path("slow.json"), "--json", out});
  EXPECT_EQ(r.exit_code, 1);
  const auto j = nlohmann::json::parse(read_file(out));
  EXPECT_EQ(j["schema"], "pjbit.compare/1");
  EXPECT_EQ(j["regression"], true);
  EXPECT_EQ(j["metrics"][0]["metric"], "sim_time_s");
  EXPECT_EQ(j["metrics"][0]["verdict"], "worse");
  EXPECT_GT(j["metrics"][0]["change"].get<double>(), 0.01);
}

TEST_F(CompareReports, JsonToADeviceIsWrittenInPlace) {
  // A null device: the comparison is written there (and the table printed), the device left a device.
  const std::string null = pjbit::testing::make_device(m_dir, "null", 3);
  bool checked = false;
  if (!null.empty()) {
    const ProcessResult r = run_program({"compare", path("base.json"), path("same.json"), "--json", null});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(r.err.empty()) << r.err;
    EXPECT_NE(row(r.out, "sim_time_s"), "") << r.out;
    ASSERT_TRUE(pjbit::testing::is_device(null, 1, 3)) << "the device node was replaced by a file";
    checked = true;
  }
  // A full device: exit 2, one line with the reason, no table (the comparison was not delivered).
  const std::string full = pjbit::testing::make_device(m_dir, "full", 7);
  if (!full.empty()) {
    const ProcessResult r = run_program({"compare", path("base.json"), path("slow.json"), "--json", full});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_TRUE(std::regex_match(
        r.err, std::regex(R"(error: .*/full: cannot write file: No space left on device\n)")))
        << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    ASSERT_TRUE(pjbit::testing::is_device(full, 1, 7)) << "the device node was replaced by a file";
  }
  if (!pjbit::testing::may_use_system_device(checked))
    GTEST_SKIP() << "cannot make a device node to check first";
  const ProcessResult r =
      run_program({"compare", path("base.json"), path("same.json"), "--json", "/dev/null"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(pjbit::testing::is_device("/dev/null", 1, 3)) << "/dev/null is no longer the null device";
  const ProcessResult f =
      run_program({"compare", path("base.json"), path("same.json"), "--json", "/dev/full"});
  EXPECT_EQ(f.exit_code, 2) << f.err;
  EXPECT_EQ(f.err, "error: /dev/full: cannot write file: No space left on device\n");
  EXPECT_TRUE(pjbit::testing::is_device("/dev/full", 1, 7)) << "/dev/full is no longer the full device";
}

TEST_F(CompareReports, BadInputExitsTwoWithOneErrorLine) {
  const std::string base = path("base.json");
  const std::string missing_metric =
      edited("missing.json", [](nlohmann::json& j) { j["energy_j"].erase("total"); });
  const std::string text_metric = edited("text.json", [](nlohmann::json& j) { j["sim_time_s"] = "fast"; });
  const std::string other_schema =
      edited("schema.json", [](nlohmann::json& j) { j["schema"] = "pjbit.report/2"; });
  const std::string no_schema = edited("noschema.json", [](nlohmann::json& j) { j.erase("schema"); });
  const std::string not_json = write("notjson.json", "{\"schema\": \"pjbit.report/1\",");
  const std::string array = write("array.json", "[1, 2]");
  const std::string text = read_file(base);
  const auto replaced = [&](const std::string& name, const std::string& from, const std::string& to) {
    return write(name,
                 std::regex_replace(text, std::regex(from), to, std::regex_constants::format_first_only));
  };
  const std::string huge = replaced("huge.json", R"("sim_time_s": [^,\n]*)", R"("sim_time_s": 1e999)");
  const std::string digits =
      replaced("digits.json", R"("total": [^,\n]*)", "\"total\": 1" + std::string(400, '0'));
  const std::string huge_in_steps = replaced("hugestep.json", R"("time_s": [^,\n]*)", R"("time_s": 1e400)");
  const std::string duplicate =
      replaced("dup.json", R"(\n  "sim_time_s": )", "\n  \"sim_time_s\": 1,\n  \"sim_time_s\": ");
  const std::string negative = edited("negative.json", [](nlohmann::json& j) { j["sim_time_s"] = -1.5; });
  const std::string above_one = edited("share.json", [](nlohmann::json& j) { j["effective_compute"] = 1.5; });
  const std::string deep = replaced(
      "deep.json", R"("stats": )", "\"stats\": " + std::string(70, '[') + std::string(70, ']') + ", \"x\": ");
  const std::string yaml = write("report.yaml", "schema: pjbit.report/1\n");
  const struct {
    std::vector<std::string> args;
    std::string expect;
  } cases[] = {
      {{base, path("nope.json")}, R"(nope\.json: cannot read file: No such file)"},
      {{m_dir.path(), base}, R"(: cannot read file: Is a directory)"},
      {{base, not_json}, R"(notjson\.json: expected a pjbit report \(JSON\): parse error)"},
      {{yaml, base}, R"(report\.yaml: expected a pjbit report \(JSON\))"},
      {{base, array}, R"(array\.json: expected a pjbit report \(a JSON object\), got an array)"},
      {{other_schema, base},
       R"(schema\.json:\d+:3: schema: expected "pjbit\.report/1", got "pjbit\.report/2")"},
      {{no_schema, base}, R"(noschema\.json: schema: missing)"},
      {{base, missing_metric}, R"(missing\.json: energy_j\.total: missing; expected a number)"},
      {{text_metric, base}, R"(text\.json:\d+:3: sim_time_s: expected a number, got "fast")"},
      // Numbers beyond a double, keys twice, negative times: bad input (2), not a regression (1) or an
      // internal error (3), with the file, line, column and key.
      {{base, huge},
       R"(huge\.json:\d+:17: sim_time_s: expected a number within the range of a double .*got 1e999)"},
      {{digits, base},
       R"(digits\.json:\d+:\d+: energy_j\.total: expected a number within the range of a double .*got 1000)"},
      {{base, huge_in_steps},
       R"(hugestep\.json:\d+:\d+: steps\.0\.time_s: expected a number within the range of a double)"},
      {{duplicate, base}, R"(dup\.json:\d+:3: sim_time_s: the key appears twice in one object)"},
      {{base, negative}, R"(negative\.json:\d+:3: sim_time_s: expected a number of 0 or more, got -1\.5)"},
      {{base, above_one}, R"(share\.json:\d+:3: effective_compute: expected a number from 0 to 1, got 1\.5)"},
      {{base, deep}, R"(deep\.json:\d+:\d+: .*nested deeper than 64 levels)"},
      {{base, base, "--rtol", "-0.5"}, R"(--rtol: expected a relative tolerance .*got "-0\.5")"},
      {{base, base, "--rtol", "abc"}, R"(--rtol: expected a relative tolerance .*got "abc")"},
      {{base, base, "--rtol", "nan"}, R"(--rtol: .*got "nan")"},
      {{base}, R"(CANDIDATE)"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"compare"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const std::string out = path("cmp.json");
    args.insert(args.end(), {"--json", out});
    const ProcessResult r = run_program(args);
    EXPECT_EQ(r.exit_code, 2) << c.expect << ": " << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
    EXPECT_TRUE(std::regex_search(r.err, std::regex(c.expect)))
        << "stderr: " << r.err << "expected: " << c.expect;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_FALSE(pjbit::testing::file_exists(out)) << c.expect;
  }
}

TEST(CompareCost, ShowsTheCostFiguresWhenBothReportsCarryThem) {
  // The committed reports of the CPO and DSP pods (tests/golden/reports): their cost rows are informational,
  // and a report without a cost block (an earlier version's) simply has none.
  const std::string golden = pjbit::testing::source_dir() + "/tests/golden/reports/";
  const std::string dsp = golden + "pods-fattree-dsp.allreduce_1g.flow.json",
                    cpo = golden + "pods-fattree-cpo.allreduce_1g.flow.json";
  TempDir dir;
  const ProcessResult r = run_program({"compare", dsp, cpo, "--json", dir.path() + "/c.json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto base = nlohmann::json::parse(read_file(dsp)), cand = nlohmann::json::parse(read_file(cpo));
  const auto c = nlohmann::json::parse(read_file(dir.path() + "/c.json"));
  int cost_rows = 0;
  for (const auto& m : c.at("metrics")) {
    const std::string key = m.at("metric");
    if (key.rfind("cost.", 0) != 0) continue;
    ++cost_rows;
    EXPECT_EQ(m.at("verdict"), "info") << key;
    EXPECT_NE(row(r.out, key), "") << r.out;
  }
  EXPECT_EQ(cost_rows, 5);  // no tokens_per_usd: not a model-driven workload
  EXPECT_LT(cand.at("cost").at("capital_usd").get<double>(), base.at("cost").at("capital_usd").get<double>());
  // Without the cost block in one report, no cost rows and still a comparison.
  auto stripped = base;
  stripped.erase("cost");
  const std::string old = dir.write("old.json", stripped.dump(2));
  const ProcessResult o = run_program({"compare", old, cpo});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out.find("cost."), std::string::npos) << o.out;
}

}  // namespace test_compare
}  // namespace
