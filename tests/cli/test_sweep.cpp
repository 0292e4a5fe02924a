// `pjbit sweep` as users, clusters and CI drive it: one report per point, results.csv in point order, shards
// that add up to the unsharded run byte for byte, resume, parallel jobs, failing points, and bad sweep files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/testing.h"

namespace {
namespace test_sweep {

using pjbit::testing::count_lines;
namespace fs = std::filesystem;
using pjbit::testing::file_exists;
using pjbit::testing::ProcessResult;
using pjbit::testing::read_file;
using pjbit::testing::run_program;
using pjbit::testing::TempDir;

const char* const kRing = pjbit::testing::kRing4;

const char* kWorkload = R"(name: ar
steps:
  - collective: all_reduce
    size: 1 MiB
)";

// 3 x 2 = 6 points; paths relative to the sweep file.
const char* kSweep = R"(platform: plat.yaml
workload: work.yaml
seed: 3
vary:
  topology.link.bandwidth: ["100 GB/s", "200 GB/s", "400 GB/s"]
  steps.0.size: [1 MiB, "2 MiB"]
)";

// The progress lines of finished points on stderr.
std::vector<std::string> progress_lines(const std::string& err) {
  std::vector<std::string> out;
  const std::regex line(R"(sweep: \[\d+/\d+\] point \d+[^\n]*)");
  for (auto it = std::sregex_iterator(err.begin(), err.end(), line); it != std::sregex_iterator(); ++it)
    out.push_back(it->str());
  return out;
}

// A temporary folder holding a tiny platform, workload and sweep file.
class SweepFiles {
 public:
  explicit SweepFiles(const std::string& sweep = kSweep) {
    m_dir.write("plat.yaml", kRing);
    m_dir.write("work.yaml", kWorkload);
    m_sweep = m_dir.write("sweep.yaml", sweep);
  }
  const std::string& sweep() const { return m_sweep; }
  std::string path(const std::string& name) const { return m_dir.path() + "/" + name; }
  std::string write(const std::string& name, const std::string& text) const {
    return m_dir.write(name, text);
  }

  ProcessResult run(const std::string& out, const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> args = {"sweep", m_sweep, "--out", path(out)};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_program(args, 120.0);
  }

 private:
  TempDir m_dir;
  std::string m_sweep;
};

TEST(Sweep, WritesOneReportPerPointAndResultsInPointOrder) {
  SweepFiles f;
  const ProcessResult r = f.run("out");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(progress_lines(r.err).size(), 6u) << r.err;
  EXPECT_EQ(count_lines(r.out), 1) << r.out;
  EXPECT_NE(r.out.find("6 run, 0 failed"), std::string::npos) << r.out;
  for (int i = 0; i < 6; ++i)
    EXPECT_TRUE(file_exists(f.path("out/point-000" + std::to_string(i) + ".json"))) << i;
  EXPECT_FALSE(file_exists(f.path("out/point-0006.json")));

  const std::string csv = read_file(f.path("out/results.csv"));
  std::vector<std::string> lines;
  for (std::size_t begin = 0; begin < csv.size();) {
    const std::size_t end = csv.find('\n', begin);
    lines.push_back(csv.substr(begin, end - begin));
    begin = end + 1;
  }
  ASSERT_EQ(lines.size(), 7u) << csv;
  EXPECT_EQ(lines[0],
            "point,topology.link.bandwidth,steps.0.size,sim_time_s,energy_j.total,energy_j.fabric,"
            "fabric_pj_per_useful_bit,effective_compute,power_w.average,power_w.peak,useful_bytes,wire_bytes,"
            "cost.capital_usd,cost.run.total_usd,cost.run.energy_usd,cost.fabric_usd_per_delivered_tbps,"
            "cost.tco.total_usd,cost.tokens_per_usd,optics.min_margin_db,engine");
  // The first key varies slowest.
  EXPECT_EQ(lines[1].rfind("0,100 GB/s,1 MiB,", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2].rfind("1,100 GB/s,2 MiB,", 0), 0u) << lines[2];
  EXPECT_EQ(lines[3].rfind("2,200 GB/s,1 MiB,", 0), 0u) << lines[3];
  EXPECT_EQ(lines[6].rfind("5,400 GB/s,2 MiB,", 0), 0u) << lines[6];

  // Each report is that of `pjbit run` with the point's overrides and the sweep's seed.
  const auto report = nlohmann::json::parse(read_file(f.path("out/point-0005.json")));
  EXPECT_EQ(report["schema"], "pjbit.report/1");
  EXPECT_EQ(report["seed"], 3);
  EXPECT_EQ(report["steps"][0]["size_bytes"].get<std::uint64_t>(), 2u << 20);
  const auto slow = nlohmann::json::parse(read_file(f.path("out/point-0001.json")));
  EXPECT_NEAR(report["sim_time_s"].get<double>() * 4.0, slow["sim_time_s"].get<double>(),
              0.5 * slow["sim_time_s"].get<double>());
  EXPECT_NE(lines[6].find("," + report["sim_time_s"].dump() + ","), std::string::npos) << lines[6];
}

TEST(Sweep, ShardsIntoOneFolderGiveTheUnshardedResults) {
  SweepFiles f;
  const ProcessResult whole = f.run("whole");
  ASSERT_EQ(whole.exit_code, 0) << whole.err;

  const ProcessResult first = f.run("shared", {"--shard", "1/2"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto first_lines = progress_lines(first.err);
  ASSERT_EQ(first_lines.size(), 3u) << first.err;
  for (const auto& line : first_lines)
    EXPECT_TRUE(std::regex_search(line, std::regex(R"(point [024] )"))) << line;
  EXPECT_EQ(count_lines(read_file(f.path("shared/results.csv"))), 1 + 3);

  const ProcessResult second = f.run("shared", {"--shard", "2/2", "--jobs", "2"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(progress_lines(second.err).size(), 3u) << second.err;
  EXPECT_EQ(read_file(f.path("shared/results.csv")), read_file(f.path("whole/results.csv")));

  // Once every shard has finished, an unsharded run runs nothing and only rebuilds results.csv.
  fs::remove(f.path("shared/results.csv"));
  const ProcessResult rebuild = f.run("shared");
  ASSERT_EQ(rebuild.exit_code, 0) << rebuild.err;
  EXPECT_TRUE(progress_lines(rebuild.err).empty()) << rebuild.err;
  EXPECT_NE(rebuild.out.find("0 run, 0 failed, 6 already done"), std::string::npos) << rebuild.out;
  EXPECT_EQ(read_file(f.path("shared/results.csv")), read_file(f.path("whole/results.csv")));
}

TEST(Sweep, ResumeRunsOnlyThePointsWithoutAReport) {
  SweepFiles f;
  ASSERT_EQ(f.run("out").exit_code, 0);
  const std::string before = read_file(f.path("out/results.csv"));
  std::map<int, fs::file_time_type> mtimes;
  for (int i = 0; i < 6; ++i)
    mtimes[i] = fs::last_write_time(f.path("out/point-000" + std::to_string(i) + ".json"));

  fs::remove(f.path("out/point-0003.json"));
  const ProcessResult r = f.run("out");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = progress_lines(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_NE(lines[0].find("point 3 ("), std::string::npos) << lines[0];
  EXPECT_NE(r.out.find("1 run, 0 failed, 5 already done"), std::string::npos) << r.out;
  for (int i = 0; i < 6; ++i) {
    if (i == 3) continue;
    EXPECT_EQ(fs::last_write_time(f.path("out/point-000" + std::to_string(i) + ".json")), mtimes[i]) << i;
  }
  EXPECT_TRUE(file_exists(f.path("out/point-0003.json")));
  EXPECT_EQ(read_file(f.path("out/results.csv")), before);

  // A report that is not complete (here: not JSON) is run again too.
  f.write("out/point-0004.json", "{\"schema\": \"pjbit.rep");
  const ProcessResult again = f.run("out", {"--quiet"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(again.err.empty()) << again.err;
  EXPECT_NE(again.out.find("1 run, 0 failed, 5 already done"), std::string::npos) << again.out;
  EXPECT_EQ(read_file(f.path("out/results.csv")), before);
}

TEST(Sweep, AReportThatIsNotAValidReportIsRunAgain) {
  SweepFiles f;
  ASSERT_EQ(f.run("out").exit_code, 0);
  const std::string before = read_file(f.path("out/results.csv"));
  // A number beyond a double, a key twice, a negative time: the point is not done, and the sweep says so.
  const auto edit = [&](int point, const std::string& from, const std::string& to) {
    const std::string name = "out/point-000" + std::to_string(point) + ".json";
    const std::string text = read_file(f.path(name));
    f.write(name, std::regex_replace(text, std::regex(from), to, std::regex_constants::format_first_only));
  };
  edit(2, R"("sim_time_s": [^,\n]*)", R"("sim_time_s": 1e999)");
  edit(3, R"("sim_time_s": )", R"("sim_time_s": 1, "sim_time_s": )");
  edit(4, R"("sim_time_s": [^,\n]*)", R"("sim_time_s": -1)");
  edit(5, R"("energy_j": \{)", "\"energy_j\": {\"total\": 1" + std::string(400, '0') + ",");
  const ProcessResult r = f.run("out");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("4 run, 0 failed, 2 already done"), std::string::npos) << r.out;
  for (
      const char* expect :
      {R"(sweep: [^\n]*point-0002\.json:\d+:\d+: sim_time_s: expected a number within the range of a double)"
       R"([^\n]*; running point 2 again\n)",
       R"(sweep: [^\n]*point-0003\.json:\d+:\d+: sim_time_s: the key appears twice[^\n]*; running point 3 again\n)",
       R"(sweep: [^\n]*point-0004\.json:\d+:\d+: sim_time_s: expected a number of 0 or more, got -1; running )"
       R"(point 4 again\n)",
       R"(sweep: [^\n]*point-0005\.json:\d+:\d+: energy_j\.total: expected a number within the range of a )"
       R"(double[^\n]*; running point 5 again\n)"})
    EXPECT_TRUE(std::regex_search(r.err, std::regex(expect))) << r.err << "expected: " << expect;
  EXPECT_EQ(read_file(f.path("out/results.csv")), before);
}

// The records of an RFC 4180 text, each a list of cells; throws std::runtime_error where the text breaks
// the format (a quote inside an unquoted cell, text after a closing quote, an unterminated quote, a record
// that does not end with a line break).
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> records(1, std::vector<std::string>(1));
  std::size_t i = 0;
  bool quoted_cell_ended = false;
  while (i < text.size()) {
    const char c = text[i];
    std::string& cell = records.back().back();
    if (c == '"') {
      if (!cell.empty() || quoted_cell_ended) throw std::runtime_error("a quote inside a cell");
      for (++i;; ++i) {
        if (i >= text.size()) throw std::runtime_error("an unterminated quote");
        if (text[i] == '"' && i + 1 < text.size() && text[i + 1] == '"') {
          cell += '"';
          ++i;
        } else if (text[i] == '"') {
          break;
        } else {
          cell += text[i];
        }
      }
      quoted_cell_ended = true;
      ++i;
    } else if (c == ',') {
      records.back().emplace_back();
      quoted_cell_ended = false;
      ++i;
    } else if (c == '\n' || (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
      records.emplace_back(1);
      quoted_cell_ended = false;
      i += c == '\r' ? 2 : 1;
    } else {
      if (quoted_cell_ended) throw std::runtime_error("text after a closing quote");
      cell += c;
      ++i;
    }
  }
  if (records.back() != std::vector<std::string>(1)) throw std::runtime_error("no line break at the end");
  records.pop_back();
  return records;
}

TEST(Sweep, ResultsCsvQuotesTextAndNeutralisesFormulas) {
  // Names with a comma, a quote or a formula, and a value with a line break (a size may end with one).
  SweepFiles f(R"(platform: plat.yaml
workload: work.yaml
vary:
  workload.name: ["=1+2", "-1", "a,b", "@x", "say \"hi\""]
  steps.0.size: ["1 MiB\n"]
)");
  const ProcessResult r = f.run("out", {"--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string csv = read_file(f.path("out/results.csv"));
  EXPECT_NE(csv.find("\n0,\"'=1+2\","), std::string::npos) << csv;
  EXPECT_NE(csv.find("\n1,-1,"), std::string::npos) << csv;  // a plain number stays a number
  EXPECT_NE(csv.find("\n2,\"a,b\","), std::string::npos) << csv;
  EXPECT_NE(csv.find("\n3,\"'@x\","), std::string::npos) << csv;
  EXPECT_NE(csv.find("\n4,\"say \"\"hi\"\"\",\"1 MiB\n\","), std::string::npos) << csv;
  // Read back by the format's rules: one header and five rows of the same width, each cell as written.
  std::vector<std::vector<std::string>> records;
  ASSERT_NO_THROW(records = parse_csv(csv)) << csv;
  ASSERT_EQ(records.size(), 6u) << csv;
  for (const auto& record : records)
    EXPECT_EQ(record.size(), records[0].size()) << csv;
  const std::vector<std::string> names = {"'=1+2", "-1", "a,b", "'@x", "say \"hi\""};
  for (std::size_t k = 0; k < names.size(); ++k) {
    EXPECT_EQ(records[k + 1][0], std::to_string(k));
    EXPECT_EQ(records[k + 1][1], names[k]);
    EXPECT_EQ(records[k + 1][2], "1 MiB\n");
  }
}

TEST(Sweep, TwoJobsGiveTheSameResultsAsOne) {
  SweepFiles f;
  const ProcessResult one = f.run("one", {"--jobs", "1"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const ProcessResult two = f.run("two", {"--jobs", "2"});
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_EQ(progress_lines(two.err).size(), 6u) << two.err;
  EXPECT_EQ(read_file(f.path("two/results.csv")), read_file(f.path("one/results.csv")));
}

TEST(Sweep, AFailingPointDoesNotStopTheOthers) {
  SweepFiles f;
  // A folder where point 1's report should go: that child cannot write its report and exits with 2.
  fs::create_directories(f.path("out/point-0001.json"));
  const ProcessResult r = f.run("out", {"--jobs", "2"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(std::regex_search(
      r.err,
      std::regex(R"((^|\n)error: point 1 \(topology\.link\.bandwidth=100 GB/s, steps\.0\.size=2 MiB\): )"
                 R"([^\n]*point-0001\.json: cannot write file)")))
      << r.err;
  EXPECT_EQ(progress_lines(r.err).size(), 6u) << r.err;
  for (int i : {0, 2, 3, 4, 5})
    EXPECT_TRUE(file_exists(f.path("out/point-000" + std::to_string(i) + ".json"))) << i;
  const std::string csv = read_file(f.path("out/results.csv"));
  EXPECT_EQ(count_lines(csv), 1 + 5) << csv;
  EXPECT_EQ(csv.find("\n1,"), std::string::npos) << csv;
  EXPECT_NE(r.out.find("5 run, 1 failed"), std::string::npos) << r.out;
}

TEST(Sweep, RefusesAFolderThatHoldsAnotherSweep) {
  SweepFiles f;
  ASSERT_EQ(f.run("out").exit_code, 0);
  const std::string before = read_file(f.path("out/results.csv"));
  std::string other = kSweep;
  other.replace(other.find("400 GB/s"), 8, "300 GB/s");
  f.write("sweep.yaml", other);
  const ProcessResult r = f.run("out");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_TRUE(
      std::regex_search(r.err, std::regex(R"(^error: .*sweep\.json: the folder holds another sweep)")))
      << r.err;
  EXPECT_EQ(read_file(f.path("out/results.csv")), before);
}

TEST(Sweep, ListValuesAndPathsRelativeToTheSweepFile) {
  SweepFiles f;
  fs::create_directories(f.path("sweeps"));
  f.write("sweeps/dims.yaml", R"(platform: ../plat.yaml
workload: ../work.yaml
vary:
  topology.kind: [torus]
  topology.dims: [[2, 2], [4]]
)");
  const ProcessResult r =
      run_program({"sweep", f.path("sweeps/dims.yaml"), "--out", f.path("out"), "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  const std::string csv = read_file(f.path("out/results.csv"));
  EXPECT_NE(csv.find("\n0,torus,\"[2, 2]\","), std::string::npos) << csv;
  EXPECT_NE(csv.find("\n1,torus,[4],"), std::string::npos) << csv;
}

TEST(Sweep, ShippedExampleRuns) {
  // One point of the example (its fastest), so that its paths and keys stay right.
  TempDir dir;
  const std::string example = pjbit::testing::source_dir() + "/examples/sweeps/link_bandwidth.yaml";
  const ProcessResult r =
      run_program({"sweep", example, "--out", dir.path() + "/out", "--shard", "7/8", "--quiet"}, 120.0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("1 run, 0 failed, 0 already done, 7 in other shards"), std::string::npos) << r.out;
  EXPECT_EQ(count_lines(read_file(dir.path() + "/out/results.csv")), 2);
}

// Bad sweep files and arguments: exit 2, one `error:` line, nothing written.
struct BadSweep {
  std::string name;
  std::string sweep;  // text of sweep.yaml
  std::vector<std::string> extra;
  std::string expect;  // regex the error line must match
};

void PrintTo(const BadSweep& b, std::ostream* os) {
  *os << b.name;
}

std::string with_vary(const std::string& vary, const std::string& before = "") {
  return "platform: plat.yaml\nworkload: work.yaml\n" + before + "vary:\n" + vary;
}

const std::string kGoodVary = "  topology.link.bandwidth: [\"100 GB/s\", \"200 GB/s\"]\n";

class BadSweepInput : public ::testing::TestWithParam<BadSweep> {};

TEST_P(BadSweepInput, ExitsTwoWithOneErrorLineAndWritesNothing) {
  const BadSweep& b = GetParam();
  SweepFiles f(b.sweep);
  const ProcessResult r = f.run("out", b.extra);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex(b.expect)))
      << "stderr: " << r.err << "expected: " << b.expect;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_FALSE(file_exists(f.path("out/results.csv")));
  EXPECT_FALSE(file_exists(f.path("out")));
}

const BadSweep kBadSweeps[] = {
    {"EmptyFile", "\n", {}, R"(sweep\.yaml: file is empty)"},
    {"TopLevelList", "- a\n- b\n", {}, R"(sweep\.yaml:1:1: .*mapping)"},
    {"UnknownKey", with_vary(kGoodVary, "seeds: 2\n"), {}, R"(sweep\.yaml:3:1: seeds: unknown key "seeds")"},
    {"MissingPlatform",
     "workload: work.yaml\nvary:\n" + kGoodVary,
     {},
     R"(sweep\.yaml:1:1: platform: missing; expected the path of the platform)"},
    {"MissingWorkload",
     "platform: plat.yaml\nvary:\n" + kGoodVary,
     {},
     R"(sweep\.yaml:1:1: workload: missing; expected the path of the workload)"},
    {"MissingVary", "platform: plat.yaml\nworkload: work.yaml\n", {}, R"(sweep\.yaml:1:1: vary: missing)"},
    {"UnreadablePlatform",
     "platform: nope.yaml\nworkload: work.yaml\nvary:\n" + kGoodVary,
     {},
     R"(sweep\.yaml:1:11: platform: cannot read file ".*nope\.yaml": No such file)"},
    {"EmptyVary",
     with_vary("  {}\n"),
     {},
     R"(sweep\.yaml:4:3: vary: expected a mapping .*got an empty mapping)"},
    {"VaryNotAMapping", with_vary("  - a\n"), {}, R"(sweep\.yaml:4:3: vary: expected a mapping)"},
    {"EmptyList",
     with_vary("  steps.0.size: []\n"),
     {},
     R"(sweep\.yaml:4:17: vary\.steps\.0\.size: expected at least one value, got an empty list)"},
    {"NotAList",
     with_vary("  steps.0.size: 1 MiB\n"),
     {},
     R"(sweep\.yaml:4:17: vary\.steps\.0\.size: expected a list of values .*got "1 MiB")"},
    {"NullValue",
     with_vary("  steps.0.size: [1 MiB, ~]\n"),
     {},
     R"(sweep\.yaml:4:\d+: vary\.steps\.0\.size: expected a value)"},
    {"DuplicateKey",
     with_vary(kGoodVary + kGoodVary),
     {},
     R"(sweep\.yaml:5:3: vary\.topology\.link\.bandwidth: duplicate key)"},
    {"MalformedKey",
     with_vary("  topology..ranks: [4]\n"),
     {},
     R"(sweep\.yaml:4:3: vary: expected a dotted key)"},
    {"KeyWithAControlCharacter",
     with_vary("  \"topology.link.band\\x01width\": [\"100 GB/s\"]\n"),
     {},
     R"(^error: [^\n]*sweep\.yaml:4:3: vary: expected a dotted key .*got "topology\.link\.band\\x01width"\n$)"},
    {"KeyWithAnEscapeSequence",
     with_vary("  \"workload.name\\e[31m\": [ab]\n"),
     {},
     R"(^error: [^\n]*sweep\.yaml:4:3: vary: expected a dotted key .*got "workload\.name\\x1B\[31m"\n$)"},
    {"UnknownTopLevelVaryKey",
     with_vary("  nonsense.key: [1]\n"),
     {},
     R"(sweep\.yaml:4:3: vary\.nonsense\.key: unknown key "nonsense\.key")"},
    {"UnknownNestedVaryKey",
     with_vary("  topology.link.bandwith: [\"100 GB/s\"]\n"),
     {},
     R"(sweep\.yaml:4:3: vary\.topology\.link\.bandwith: unknown key "bandwith")"},
    {"BadValue",
     with_vary("  topology.link.bandwidth: [\"100 GB/s\", fast]\n"),
     {},
     R"(sweep\.yaml:4:41: vary\.topology\.link\.bandwidth: expected a data rate such as "100 GB/s", got "fast")"},
    {"IndexOutOfRange",
     with_vary("  steps.3.size: [1 MiB]\n"),
     {},
     R"(sweep\.yaml:4:3: vary\.steps\.3\.size: index 3 is out of range)"},
    {"WorkloadCannotRunOnAPoint",
     with_vary("  topology.ranks: [4, 3]\n  steps.0.algorithm: [halving_doubling]\n"),
     {},
     R"(sweep\.yaml: point 1 \(topology\.ranks=3, steps\.0\.algorithm=halving_doubling\): .*work\.yaml:\d+:\d+: )"
     R"(steps\.0\.ranks: .*power-of-two)"},
    {"AliasBombValue",
     with_vary("  topology.dims: [&a [1, 1, 1, 1, 1, 1, 1, 1], &b [*a, *a, *a, *a, *a, *a, *a, *a], "
               "&c [*b, *b, *b, *b, *b, *b, *b, *b], &d [*c, *c, *c, *c, *c, *c, *c, *c], "
               "&e [*d, *d, *d, *d, *d, *d, *d, *d]]\n"),
     {},
     R"(sweep\.yaml:4:\d+: vary\.topology\.dims: a value has at most 10000 parts)"},
    {"BadSeed", with_vary(kGoodVary, "seed: -1\n"), {}, R"(sweep\.yaml:3:7: seed: expected a whole number)"},
    {"SeedBeyond64Bits",
     with_vary(kGoodVary, "seed: 18446744073709551616\n"),
     {},
     R"(sweep\.yaml:3:7: seed: expected a whole number from 0 to 18446744073709551615, got "18446744073709551616")"},
    {"SameKeyWithAndWithoutItsFile",
     with_vary(kGoodVary + "  platform.topology.link.bandwidth: [\"300 GB/s\"]\n"),
     {},
     R"(sweep\.yaml:5:3: vary\.platform\.topology\.link\.bandwidth: varies the same key as )"
     R"(vary\.topology\.link\.bandwidth \(line 4\))"},
    {"SameWorkloadKeyWithAndWithoutItsFile",
     with_vary("  workload.steps.0.size: [1 MiB]\n  steps.0.size: [2 MiB]\n"),
     {},
     R"(sweep\.yaml:5:3: vary\.steps\.0\.size: varies the same key as vary\.workload\.steps\.0\.size)"},
    {"ShardZero",
     kSweep,
     {"--shard", "0/2"},
     R"(--shard: expected K/N with 1 <= K <= N, such as 1/4, got "0/2")"},
    {"ShardAboveCount", kSweep, {"--shard", "3/2"}, R"(--shard: expected K/N .*got "3/2")"},
    {"ShardNotANumber", kSweep, {"--shard", "x"}, R"(--shard: expected K/N .*got "x")"},
    {"JobsZero", kSweep, {"--jobs", "0"}, R"(--jobs: expected a whole number from 1)"},
    {"JobsNotANumber", kSweep, {"--jobs", "many"}, R"(--jobs)"},
};

INSTANTIATE_TEST_SUITE_P(Sweep, BadSweepInput, ::testing::ValuesIn(kBadSweeps),
                         [](const auto& param_info) { return param_info.param.name; });

TEST(Sweep, MissingSweepFileOrOutIsBadInput) {
  TempDir dir;
  const auto missing = run_program({"sweep", dir.path() + "/nope.yaml", "--out", dir.path() + "/out"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(count_lines(missing.err), 1) << missing.err;
  EXPECT_NE(missing.err.find("nope.yaml: cannot read file"), std::string::npos) << missing.err;
  EXPECT_FALSE(file_exists(dir.path() + "/out"));

  SweepFiles f;
  const auto no_out = run_program({"sweep", f.sweep()});
  EXPECT_EQ(no_out.exit_code, 2);
  EXPECT_EQ(no_out.err.rfind("error: ", 0), 0u) << no_out.err;
  EXPECT_NE(no_out.err.find("--out"), std::string::npos) << no_out.err;

  const auto out_is_a_file = f.run("sweep.yaml");
  EXPECT_EQ(out_is_a_file.exit_code, 2);
  EXPECT_EQ(count_lines(out_is_a_file.err), 1) << out_is_a_file.err;
  EXPECT_NE(out_is_a_file.err.find("--out"), std::string::npos) << out_is_a_file.err;
}

TEST(Sweep, OpticsPresetsSideBySideInDollars) {
  // examples/sweeps/optics_cost.yaml: every optics preset's capital, run cost and fabric $ per delivered
  // Tb/s in results.csv, each the sum of the presets' priced items (power/cost.md).
  TempDir dir;
  const std::string example = pjbit::testing::source_dir() + "/examples/sweeps/optics_cost.yaml";
  const ProcessResult r =
      run_program({"sweep", example, "--out", dir.path() + "/out", "--jobs", "2", "--quiet"}, 300.0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto records = parse_csv(read_file(dir.path() + "/out/results.csv"));
  ASSERT_EQ(records.size(), 6u);
  const auto column = [&](const std::string& name) {
    const auto& head = records[0];
    const auto it = std::find(head.begin(), head.end(), name);
    EXPECT_NE(it, head.end()) << name;
    return static_cast<std::size_t>(it - head.begin());
  };
  const std::size_t preset = column("tiers.1.link.preset"), capital = column("cost.capital_usd"),
                    run = column("cost.run.total_usd"),
                    per_tbps = column("cost.fabric_usd_per_delivered_tbps"),
                    margin = column("optics.min_margin_db");
  std::map<std::string, double> capital_of, margin_of;
  for (std::size_t i = 1; i < records.size(); ++i) {
    capital_of[records[i][preset]] = std::stod(records[i][capital]);
    margin_of[records[i][preset]] = std::stod(records[i][margin]);
    EXPECT_GT(std::stod(records[i][run]), 0.0) << records[i][preset];
    EXPECT_GT(std::stod(records[i][per_tbps]), 0.0) << records[i][preset];
  }
  // The five platforms differ only in the links of their scale-out tier: 32 NIC-to-leaf, 4 x 8 leaf-to-spine
  // and the memory pool's, 65 in all: each capital differs from the DSP 1.6T one by 65 x the difference of a
  // link's priced items.
  const double links = 65.0;
  const double dsp1600 = 2 * 1800.0 + 100.0, cpo = 2 * 1200.0 + 2 * 300.0 + 100.0, dsp800 = 2 * 900.0 + 100.0,
               lpo = 2 * 720.0 + 100.0, npo = 2 * 1350.0 + 100.0;
  EXPECT_NEAR(capital_of["cpo-1p6t"] - capital_of["osfp-1p6t-dsp"], links * (cpo - dsp1600), 1e-6);
  EXPECT_NEAR(capital_of["osfp-800g-dsp"] - capital_of["osfp-1p6t-dsp"], links * (dsp800 - dsp1600), 1e-6);
  EXPECT_NEAR(capital_of["lpo-800g"] - capital_of["osfp-1p6t-dsp"], links * (lpo - dsp1600), 1e-6);
  EXPECT_NEAR(capital_of["npo-1p6t"] - capital_of["osfp-1p6t-dsp"], links * (npo - dsp1600), 1e-6);
  // And their optical margins (platforms/optical_budget.md): 50 m of row-scale fibre (0.025 dB) and two
  // connectors (1 dB) against DR-class launch and sensitivity (3.1 dB), or the co-packaged engine's split
  // external laser (20 dBm - 10 log10(8) - 8 dB of launch).
  const double loss = 0.025 + 1.0;
  for (const char* dr : {"osfp-800g-dsp", "lpo-800g", "osfp-1p6t-dsp", "npo-1p6t"})
    EXPECT_NEAR(margin_of[dr], 1.2 + 1.9 - loss, 1e-12) << dr;
  EXPECT_NEAR(margin_of["cpo-1p6t"], 20.0 - 10.0 * std::log10(8.0) - 8.0 + 1.9 - loss, 1e-12);
}

}  // namespace test_sweep
}  // namespace
