// `pjbit reliability` (docs/reliability.md): the table and the JSON (against docs/reliability.schema.json),
// the same output for a seed, one error line and exit 2 for each bad input with no output file left, and
// the 16,384-GPU, 54-day figures of docs/reliability.md are what the command prints today.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/testing.h"

namespace {
namespace test_reliability_cli {

using pjbit::testing::file_exists;
using pjbit::testing::read_file;
using pjbit::testing::run_program;
using pjbit::testing::TempDir;

std::string src(const std::string& path) {
  return pjbit::testing::source_dir() + "/" + path;
}

TEST(ReliabilityCli, PrintsATableAndWritesJsonThatFollowsTheSchema) {
  TempDir dir;
  const std::string out = dir.path() + "/rel.json";
  const auto r = run_program({"reliability", src("platforms/systems/h100-ndr.yaml"),
                              src("examples/reliability/llama3-job.yaml"), "--horizon", "30 d", "--trials",
                              "200", "--seed", "3", "--json", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("accelerator gpu"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("goodput %"), std::string::npos) << r.out;
  const auto j = nlohmann::json::parse(read_file(out));
  EXPECT_EQ(j["schema"], "pjbit.reliability/1");
  EXPECT_EQ(j["trials"], 200);
  EXPECT_EQ(j["horizon_s"], 30 * 86400.0);
  EXPECT_EQ(j["platform"]["ranks"], 16);
  // 16 GPUs at 6,970.1 FIT (h100-sxm5's gpu) over 720 h: 0.08 faulty-GPU failures a trial.
  EXPECT_NEAR(j["causes"][0]["expected_failures"].get<double>(), 16 * 720.0 * 6970.1e-9, 1e-12);
  const double goodput = j["totals"]["goodput"]["mean"];
  EXPECT_GT(goodput, 0.9);
  EXPECT_LT(goodput, 1.0);
  // The same seed gives the same document.
  const std::string again = dir.path() + "/again.json";
  const auto r2 = run_program({"reliability", src("platforms/systems/h100-ndr.yaml"),
                               src("examples/reliability/llama3-job.yaml"), "--horizon", "30 d", "--trials",
                               "200", "--seed", "3", "--json", again, "--quiet"});
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  EXPECT_TRUE(r2.out.empty());
  EXPECT_EQ(read_file(out), read_file(again));

  const std::string python = PJBIT_PYTHON;
  ASSERT_FALSE(python.empty()) << "no python3 with jsonschema: run scripts/install-deps.sh";
  const std::string script =
      "import json, sys, jsonschema\n"
      "jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))\n";
  const std::string check = dir.write("check.py", script);
  const int rc = std::system((python + " " + check + " " + src("docs/reliability.schema.json") + " " + out +
                              " > " + dir.path() + "/schema.txt 2>&1")
                                 .c_str());
  EXPECT_EQ(rc, 0) << read_file(dir.path() + "/schema.txt");
}

TEST(ReliabilityCli, BadInputIsOneErrorLineAndNoFile) {
  TempDir dir;
  const std::string out = dir.path() + "/rel.json";
  const std::string bad_part =
      dir.write("bad.yaml",
                "name: b\ntopology:\n  kind: ring\n  ranks: 4\n  link: { bandwidth: 1 GB/s, latency: 1 us,\n"
                "    reliability: [{ name: x, fit: -1, repair: 1 h, source: s, confidence: low }] }\n");
  const std::string p = src("platforms/systems/h100-ndr.yaml");
  const std::string w = src("examples/reliability/llama3-job.yaml");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"reliability", p, w, "--horizon", "soon", "--trials", "10", "--json", out},
       "error: --horizon: expected a time such as \"500 ns\", got \"soon\" (not a number)\n"},
      {{"reliability", p, w, "--horizon", "0 s", "--trials", "10", "--json", out},
       "error: --horizon: expected a time above zero and at most 100 years such as \"30 d\", got \"0 s\"\n"},
      {{"reliability", p, w, "--horizon", "1 d", "--trials", "0", "--json", out},
       "error: --trials: expected a whole number from 1 to 1000000, got 0\n"},
      {{"reliability", p, w, "--horizon", "1 d", "--seed", "-1", "--json", out},
       "error: --seed: expected a whole number from 0 to 18446744073709551615, got \"-1\"\n"},
      {{"reliability", bad_part, w, "--horizon", "1 d", "--json", out},
       "error: " + bad_part +
           ":6:35: topology.link.reliability.0.fit: expected a number from 0 to 1e+12, got \"-1\"\n"},
  };
  for (const auto& [args, message] : cases) {
    const auto r = run_program(args);
    EXPECT_EQ(r.exit_code, 2) << args[3];
    EXPECT_EQ(r.err, message);
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_FALSE(file_exists(out));
  }
  const auto unknown = run_program({"reliability", p, w, "--horizon", "1 d", "--colour", "red"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.err.rfind("error: ", 0), 0u) << unknown.err;
}

// The table of docs/reliability.md between its reliability-16k markers: cause -> mean, sd, p5, p95.
std::vector<std::vector<std::string>> doc_rows() {
  std::istringstream doc(read_file(src("docs/reliability.md")));
  std::vector<std::vector<std::string>> rows;
  bool in = false;
  for (std::string line; std::getline(doc, line);) {
    if (line.find("<!-- reliability-16k") == 0) in = true;
    if (line.find("<!-- end reliability-16k") == 0) in = false;
    if (!in || line.rfind("| ", 0) != 0 || line.find("| cause") == 0) continue;
    std::vector<std::string> cells;
    std::istringstream row(line.substr(1));
    for (std::string cell; std::getline(row, cell, '|');) {
      const auto b = cell.find_first_not_of(' ');
      cells.push_back(b == std::string::npos ? "" : cell.substr(b, cell.find_last_not_of(' ') - b + 1));
    }
    rows.push_back(cells);
  }
  return rows;
}

TEST(ReliabilityCli, TheDocsFiguresOfSixteenThousandGpusOverFiftyFourDaysHold) {
  TempDir dir;
  const std::string out = dir.path() + "/rel.json";
  const auto r = run_program({"reliability", src("platforms/systems/h100-ndr-16k.yaml"),
                              src("examples/reliability/llama3-job.yaml"), "--horizon", "54 d", "--trials",
                              "1000", "--seed", "1", "--json", out, "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(read_file(out));
  const auto rows = doc_rows();
  ASSERT_GE(rows.size(), 15u);
  const auto fixed = [](double v, int digits) {
    std::ostringstream s;
    s.setf(std::ios::fixed);
    s.precision(digits);
    s << v;
    return s.str();
  };
  const auto check = [&](const std::vector<std::string>& row, const nlohmann::json& spread) {
    EXPECT_EQ(row[1], fixed(spread["mean"].get<double>(), 1)) << row[0];
    EXPECT_EQ(row[2], fixed(spread["sd"].get<double>(), 1)) << row[0];
    EXPECT_EQ(row[3], fixed(std::round(spread["p5"].get<double>()), 0)) << row[0];
    EXPECT_EQ(row[4], fixed(std::round(spread["p95"].get<double>()), 0)) << row[0];
  };
  for (const auto& row : rows) {
    if (row[0] == "all unplanned") {
      check(row, j["totals"]["interruptions"]);
      continue;
    }
    bool found = false;
    for (const auto& c : j["causes"]) {
      if (c["cause"] != row[0] || !c["interrupts"].get<bool>()) continue;
      check(row, c["interruptions"]);
      found = true;
    }
    EXPECT_TRUE(found) << row[0];
  }
  EXPECT_NEAR(j["totals"]["goodput"]["mean"].get<double>(), 0.835, 0.0005);
}

}  // namespace test_reliability_cli
}  // namespace
