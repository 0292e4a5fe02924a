// The golden tier: every shipped platform (platforms/*.yaml) with every shipped workload (workloads/*.yaml),
// on both engines, run through the program and compared field by field with its committed report in
// tests/golden/reports/ (scripts/golden.sh, `make golden`, writes them). Strings, integers, nulls, booleans,
// keys, their order and array lengths must be equal; numbers written as floats agree to a relative 1e-9 (an
// absolute 1e-300 near zero), so that a change of results shows up here while a last-digit difference of
// another compiler's floating point does not. stats.wall_time_s is the one field that differs between runs.
// A combination the program cannot run (exit 2) has no golden report, and must still be refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/testing.h"

namespace {
namespace test_golden {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;  // the order of keys is part of the report
using pjbit::testing::run_program;
using pjbit::testing::source_dir;
using pjbit::testing::TempDir;

constexpr double kRelTol = 1e-9;
constexpr double kAbsTol = 1e-300;
constexpr std::size_t kShownDifferences = 20;
const char* const kRegenerate =
    "if the change is intended, regenerate the golden reports with `make golden` and review "
    "`git diff tests/golden/reports`";

struct Case {
  std::string platform;  // file name without .yaml
  std::string workload;
  std::string engine;
  std::string name() const { return platform + "." + workload + "." + engine; }
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name();
}

std::vector<std::string> stems(const std::string& folder) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(source_dir() + "/" + folder))
    if (entry.path().extension() == ".yaml") out.push_back(entry.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Every shipped platform x workload x engine, whether it runs or not.
std::vector<Case> all_cases() {
  std::vector<Case> out;
  for (const auto& p : stems("platforms"))
    for (const auto& w : stems("workloads"))
      for (const char* e : {"packet", "flow"})
        out.push_back({p, w, e});
  return out;
}

std::string test_name(const ::testing::TestParamInfo<Case>& info) {
  std::string name = info.param.name();
  for (char& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name;
}

std::string shown(const json& v) {
  std::string s = v.dump();
  return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

// A JSON path for people: energy_j.by_category.serdes, links[3].bytes.
std::string key_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

bool numbers_agree(const json& a, const json& b) {
  if (a.is_number_float() != b.is_number_float()) return false;  // 1 and 1.0 are written differently
  if (!a.is_number_float()) {                                    // integers: exactly
    if (a.is_number_unsigned() && b.is_number_unsigned())
      return a.get<std::uint64_t>() == b.get<std::uint64_t>();
    return a.is_number_unsigned() == b.is_number_unsigned() && a.get<std::int64_t>() == b.get<std::int64_t>();
  }
  const double x = a.get<double>(), y = b.get<double>();
  if (x == y) return true;
  const double diff = std::fabs(x - y);
  return diff <= kAbsTol || diff <= kRelTol * std::max(std::fabs(x), std::fabs(y));
}

// Every difference between `want` (golden) and `got`, as "path: golden X, now Y" lines.
void diff(const json& want, const json& got, const std::string& path, std::vector<std::string>& out) {
  if (path == "stats.wall_time_s") return;  // the one field that differs between runs
  const auto line = [&](const std::string& what) {
    out.push_back((path.empty() ? "(report)" : path) + ": " + what);
  };
  if (want.is_number() && got.is_number()) {
    if (!numbers_agree(want, got)) line("golden " + shown(want) + ", now " + shown(got));
    return;
  }
  if (want.type() != got.type()) {
    line("golden " + std::string(want.type_name()) + " " + shown(want) + ", now " + got.type_name() + " " +
         shown(got));
    return;
  }
  if (want.is_object()) {
    std::vector<std::string> want_keys, got_keys;
    for (const auto& [k, v] : want.items())
      want_keys.push_back(k);
    for (const auto& [k, v] : got.items())
      got_keys.push_back(k);
    for (const auto& k : want_keys)
      if (!got.contains(k)) out.push_back(key_path(path, k) + ": golden " + shown(want[k]) + ", now missing");
    for (const auto& k : got_keys)
      if (!want.contains(k))
        out.push_back(key_path(path, k) + ": not in the golden report, now " + shown(got[k]));
    std::vector<std::string> common_want, common_got;
    std::copy_if(want_keys.begin(), want_keys.end(), std::back_inserter(common_want),
                 [&](const std::string& k) { return got.contains(k); });
    std::copy_if(got_keys.begin(), got_keys.end(), std::back_inserter(common_got),
                 [&](const std::string& k) { return want.contains(k); });
    if (common_want != common_got) line("the keys are in another order");
    for (const auto& k : common_want)
      diff(want[k], got[k], key_path(path, k), out);
    return;
  }
  if (want.is_array()) {
    if (want.size() != got.size())
      line("golden " + std::to_string(want.size()) + " elements, now " + std::to_string(got.size()));
    for (std::size_t i = 0; i < std::min(want.size(), got.size()); ++i)
      diff(want[i], got[i], path + "[" + std::to_string(i) + "]", out);
    return;
  }
  if (want != got) line("golden " + shown(want) + ", now " + shown(got));
}

std::string golden_path(const Case& c) {
  return pjbit::testing::golden_report_path(c.platform, c.workload, c.engine);
}

class Golden : public ::testing::TestWithParam<Case> {};

TEST_P(Golden, ReportEqualsTheCommittedOne) {
  const Case& c = GetParam();
  const std::string golden = golden_path(c);
  // Relative paths, run from the repository root: the report records them (platform.file, workload.file).
  const std::vector<std::string> inputs = {"platforms/" + c.platform + ".yaml",
                                           "workloads/" + c.workload + ".yaml", "--set",
                                           "engine=" + c.engine};
  if (!pjbit::testing::file_exists(golden)) {
    // No golden report: the program must refuse the combination as bad input, as `make golden` found.
    std::vector<std::string> args = {"validate"};
    args.insert(args.end(), inputs.begin(), inputs.end());
    const auto r = run_program(args, 60.0, pjbit::testing::Stderr::Pipe, source_dir());
    ASSERT_EQ(r.exit_code, 2) << "no golden report " << golden << " for " << c.name()
                              << ", which the program can run: `make golden` writes it\n"
                              << r.err;
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
    return;
  }
  TempDir dir;
  const std::string out = dir.path() + "/report.json";
  std::vector<std::string> args = {"run"};
  args.insert(args.end(), inputs.begin(), inputs.end());
  args.insert(args.end(), {"--quiet", "--json", out});
  const auto r = run_program(args, 240.0, pjbit::testing::Stderr::Pipe, source_dir());
  ASSERT_EQ(r.exit_code, 0) << c.name() << ": " << r.err;
  const json want = json::parse(pjbit::testing::read_file(golden));
  const json got = json::parse(pjbit::testing::read_file(out));
  std::vector<std::string> differences;
  diff(want, got, "", differences);
  if (differences.empty()) return;
  std::ostringstream msg;
  msg << c.name() << ": the report differs from " << golden << " in " << differences.size() << " field"
      << (differences.size() == 1 ? "" : "s") << ":\n";
  for (std::size_t i = 0; i < differences.size() && i < kShownDifferences; ++i)
    msg << "  " << differences[i] << "\n";
  if (differences.size() > kShownDifferences)
    msg << "  ... and " << differences.size() - kShownDifferences << " more\n";
  msg << kRegenerate;
  ADD_FAILURE() << msg.str();
}

INSTANTIATE_TEST_SUITE_P(Shipped, Golden, ::testing::ValuesIn(all_cases()), test_name);

// Every committed golden report belongs to a shipped platform, workload and engine: one left behind by a
// removed platform or workload would otherwise be kept without being checked.
TEST(GoldenFiles, EachIsOfAShippedPlatformWorkloadAndEngine) {
  std::set<std::string> expected;
  for (const auto& c : all_cases())
    expected.insert(c.name() + ".json");
  int count = 0;
  for (const auto& entry : fs::directory_iterator(source_dir() + "/tests/golden/reports")) {
    ++count;
    EXPECT_TRUE(expected.count(entry.path().filename().string()))
        << entry.path() << " is not the report of a shipped platform, workload and engine; " << kRegenerate;
  }
  EXPECT_GE(count, 2 * 7 * 2);  // at least each of the seven platforms with two workloads on both engines
}

// The comparison itself: it sees what it must, and only that.
TEST(GoldenFiles, ComparisonFindsEveryKindOfDifference) {
  const json golden = json::parse(R"({"a": 1, "b": 1.0, "c": "x", "d": [1, 2], "e": {"f": 2.5, "g": null},
                                      "stats": {"transactions": 3, "wall_time_s": 0.0}})");
  std::vector<std::string> none;
  json same = golden;
  same["stats"]["wall_time_s"] = 12.5;  // wall time excepted
  same["b"] = 1.0 + 1e-12;              // within the relative tolerance
  diff(golden, same, "", none);
  EXPECT_TRUE(none.empty()) << none.front();

  json changed = json::parse(R"({"a": 2, "b": 1.01, "c": "y", "d": [1], "e": {"f": "2.5", "h": 1},
                                 "stats": {"transactions": 3, "wall_time_s": 1.0}})");
  std::vector<std::string> found;
  diff(golden, changed, "", found);
  const std::vector<std::string> expected = {
      "a: golden 1, now 2",
      "b: golden 1.0, now 1.01",
      "c: golden \"x\", now \"y\"",
      "d: golden 2 elements, now 1",
      "e.g: golden null, now missing",
      "e.h: not in the golden report, now 1",
      "e.f: golden number 2.5, now string \"2.5\"",
  };
  EXPECT_EQ(found, expected);

  std::vector<std::string> integer_for_float;
  diff(json::parse(R"({"x": 0.0})"), json::parse(R"({"x": 0})"), "", integer_for_float);
  EXPECT_EQ(integer_for_float, std::vector<std::string>{"x: golden 0.0, now 0"});
  std::vector<std::string> reordered;
  diff(json::parse(R"({"x": 1, "y": 2})"), json::parse(R"({"y": 2, "x": 1})"), "", reordered);
  EXPECT_EQ(reordered, std::vector<std::string>{"(report): the keys are in another order"});
}

}  // namespace test_golden
}  // namespace
