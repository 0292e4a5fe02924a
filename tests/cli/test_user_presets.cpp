// One's own technology presets through the program: a folder named with --presets or PJBIT_PRESET_PATH adds
// its presets to `pjbit presets` (text, --json, --markdown) and to what platforms may name with `preset:`, on
// run, validate and sweep; a malformed preset file exits 2 with one error line naming its file, line, column
// and key.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/testing.h"

namespace {
namespace test_user_presets {

using pjbit::testing::count_lines;
using pjbit::testing::ProcessResult;
using pjbit::testing::run_program;
using pjbit::testing::TempDir;

// A link preset of one's own; the platforms below use it, and kInline gives the same link without it.
const char* kPreset = R"(name: test-aoc
kind: link
summary: "an active optical cable for a test"
confidence: estimate
parameters:
  regime: row
  bandwidth: 50 GB/s
  latency: 150 ns
  stack:
    - { category: serdes, energy: 5.5 pJ/bit, latency: 20 ns }
    - { category: laser, power: 6 W, count: 2 }
source: made up for a test
derivation: >-
  latency 150 ns = 30 m of fibre x 4.5 ns/m + 15 ns
)";

const char* kPlatform = R"(name: ring4-aoc
topology:
  kind: ring
  ranks: 4
  link: { preset: test-aoc }
)";

const char* kInline = R"(name: ring4-aoc
topology:
  kind: ring
  ranks: 4
  link:
    regime: row
    bandwidth: 50 GB/s
    latency: 150 ns
    stack:
      - { category: serdes, energy: 5.5 pJ/bit, latency: 20 ns }
      - { category: laser, power: 6 W, count: 2 }
)";

const char* const kWorkload = pjbit::testing::kAllReduce4MiB;

// The report without its wall-clock time, which differs from run to run, and the platform file's name.
nlohmann::json report(const std::string& path) {
  nlohmann::json j = nlohmann::json::parse(pjbit::testing::read_file(path));
  j["stats"].erase("wall_time_s");
  j["platform"].erase("file");
  return j;
}

TEST(UserPresets, AFolderNamedWithPresetsShowsInEveryListingAndRunsOnAPlatform) {
  TempDir mine, work;
  std::filesystem::create_directories(mine.path() + "/links");
  const std::string file = mine.write("links/aoc.yaml", kPreset);
  const std::string platform = work.write("plat.yaml", kPlatform);
  const std::string inline_platform = work.write("inline.yaml", kInline);
  const std::string workload = work.write("w.yaml", kWorkload);

  const ProcessResult text = run_program({"presets", "--presets", mine.path()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("test-aoc: an active optical cable for a test"), std::string::npos);
  EXPECT_NE(text.out.find("    file: " + file + "\n"), std::string::npos);
  EXPECT_NE(text.out.find("osfp-800g-dsp: "), std::string::npos) << "the shipped presets are still there";

  const ProcessResult json = run_program({"presets", "--json", "--presets", mine.path()});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto all = nlohmann::json::parse(json.out);
  const auto mine_json =
      std::find_if(all.begin(), all.end(), [](const auto& p) { return p["name"] == "test-aoc"; });
  ASSERT_NE(mine_json, all.end());
  EXPECT_EQ((*mine_json)["kind"], "link");
  EXPECT_EQ((*mine_json)["file"], file);
  EXPECT_EQ((*mine_json)["derivation"], "latency 150 ns = 30 m of fibre x 4.5 ns/m + 15 ns");
  EXPECT_DOUBLE_EQ((*mine_json)["bandwidth_Bps"].get<double>(), 50e9);
  EXPECT_DOUBLE_EQ((*mine_json)["total_static_power_w"].get<double>(), 12.0);

  const ProcessResult md = run_program({"presets", "--markdown", "--presets", mine.path()});
  ASSERT_EQ(md.exit_code, 0) << md.err;
  EXPECT_NE(md.out.find("| `test-aoc` | an active optical cable for a test |"), std::string::npos);

  // Without the folder the platform names an unknown preset.
  const ProcessResult unknown = run_program({"validate", platform, workload});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("plat.yaml:5:19: topology.link.preset: unknown link preset \"test-aoc\""),
            std::string::npos)
      << unknown.err;

  const ProcessResult validate = run_program({"validate", platform, workload, "--presets", mine.path()});
  EXPECT_EQ(validate.exit_code, 0) << validate.err;

  // The platform that names the preset runs exactly as the one that writes its fields out.
  const std::string a = work.path() + "/a.json", b = work.path() + "/b.json";
  const ProcessResult run =
      run_program({"run", platform, workload, "--quiet", "--json", a, "--presets", mine.path()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const ProcessResult run_inline = run_program({"run", inline_platform, workload, "--quiet", "--json", b});
  ASSERT_EQ(run_inline.exit_code, 0) << run_inline.err;
  const nlohmann::json ra = report(a), rb = report(b);
  EXPECT_GT(ra["energy_j"]["by_category"]["laser"].get<double>(), 0.0);
  EXPECT_TRUE(ra == rb) << "the reports differ";
}

TEST(UserPresets, FoldersInPjbitPresetPathAddPresetsAfterThoseOfPresets) {
  TempDir first, second, work;
  first.write("aoc.yaml", kPreset);
  std::string other = kPreset;
  other.replace(other.find("test-aoc"), 8, "test-aoc-2");
  second.write("aoc2.yaml", other);
  const std::string platform = work.write("plat.yaml", kPlatform);
  const std::string workload = work.write("w.yaml", kWorkload);
  // Children inherit this process's environment (every test runs in a process of its own).
  ASSERT_EQ(setenv("PJBIT_PRESET_PATH", (":" + first.path() + "::" + second.path()).c_str(), 1), 0);

  const ProcessResult json = run_program({"presets", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  std::vector<std::string> names;
  for (const auto& p : nlohmann::json::parse(json.out))
    names.push_back(p["name"]);
  const auto at = [&](const std::string& n) {
    return std::find(names.begin(), names.end(), n) - names.begin();
  };
  ASSERT_LT(at("test-aoc-2"), static_cast<long>(names.size()));
  EXPECT_EQ(at("test-aoc"), at("roce-800g") + 1);  // after the last shipped link
  EXPECT_EQ(at("test-aoc-2"), at("test-aoc") + 1);

  const std::string r = work.path() + "/r.json";
  const ProcessResult run = run_program({"run", platform, workload, "--quiet", "--json", r});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(pjbit::testing::file_exists(r));

  // The same folder in both places is read once; a folder that does not exist is an error naming it.
  const ProcessResult twice = run_program({"presets", "--presets", first.path()});
  EXPECT_EQ(twice.exit_code, 0) << twice.err;
  ASSERT_EQ(setenv("PJBIT_PRESET_PATH", (first.path() + ":" + work.path() + "/missing").c_str(), 1), 0);
  const ProcessResult missing = run_program({"presets"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err, "error: PJBIT_PRESET_PATH: cannot read the preset folder \"" + work.path() +
                             "/missing\": No such file or directory\n");
}

TEST(UserPresets, ASweepPassesItsPresetFoldersToEveryPoint) {
  TempDir mine, work;
  mine.write("aoc.yaml", kPreset);
  work.write("plat.yaml", kInline);
  work.write("w.yaml", kWorkload);
  const std::string sweep = work.write("sweep.yaml", R"(platform: plat.yaml
workload: w.yaml
vary:
  topology.link.preset: [test-aoc, lpo-800g]
)");
  const std::string out = work.path() + "/out";
  const ProcessResult r = run_program({"sweep", sweep, "--out", out, "--quiet", "--presets", mine.path()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string csv = pjbit::testing::read_file(out + "/results.csv");
  EXPECT_EQ(count_lines(csv), 3) << csv;
  EXPECT_NE(csv.find("test-aoc"), std::string::npos) << csv;

  // Without the folder, the point that names the preset is refused before anything runs.
  const ProcessResult refused = run_program({"sweep", sweep, "--out", work.path() + "/out2", "--quiet"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("unknown link preset \"test-aoc\""), std::string::npos) << refused.err;
}

// A malformed preset file in a folder of one's own: exit 2, one error line naming the file, line, column and
// key, on every command that reads the presets.
struct BadFile {
  std::string name;
  std::string text;
  std::string where;  // the error line after "error: <file>:"
};

void PrintTo(const BadFile& b, std::ostream* os) {
  *os << b.name;
}

class MalformedUserPreset : public ::testing::TestWithParam<BadFile> {};

TEST_P(MalformedUserPreset, ExitsTwoWithOneErrorLine) {
  const BadFile& b = GetParam();
  TempDir mine, work;
  const std::string file = mine.write("bad.yaml", b.text);
  const std::string platform = work.write("plat.yaml", kPlatform);
  const std::string workload = work.write("w.yaml", kWorkload);
  const std::string json = work.path() + "/r.json";
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"presets", "--presets", mine.path()},
        std::vector<std::string>{"presets", "--json", "--presets", mine.path()},
        std::vector<std::string>{"validate", platform, "--presets", mine.path()},
        std::vector<std::string>{"run", platform, workload, "--json", json, "--presets", mine.path()}}) {
    SCOPED_TRACE(args[0]);
    const ProcessResult r = run_program(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_EQ(r.err.rfind("error: " + file + ":" + b.where, 0), 0u) << r.err;
    EXPECT_FALSE(pjbit::testing::file_exists(json));
  }
}

std::string with(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

INSTANTIATE_TEST_SUITE_P(
    UserPresets, MalformedUserPreset,
    ::testing::Values(BadFile{"NotYaml", "name: x\nkind: [link\n", "3:1: "},
                      BadFile{"AList", "- name: test-aoc\n- kind: link\n",
                              "1:1: expected a mapping at the top level"},
                      BadFile{"UnknownKey", with(kPreset, "confidence:", "colour: blue\nconfidence:"),
                              "4:1: colour: unknown key \"colour\""},
                      BadFile{"WrongUnit", with(kPreset, "50 GB/s", "50 GHz"),
                              "7:14: parameters.bandwidth: expected a data rate"},
                      BadFile{"MissingSource", with(kPreset, "source: made up for a test\n", ""),
                              "1:1: source: missing; expected where the preset's figures come from"},
                      BadFile{"DuplicateName", with(kPreset, "test-aoc", "cpo-1p6t"),
                              "1:7: name: link preset \"cpo-1p6t\" is already defined at "}),
    [](const ::testing::TestParamInfo<BadFile>& param) { return param.param.name; });

}  // namespace test_user_presets
}  // namespace
