// `pjbit run --vcd`: a value change dump of rank states and link activity that waveform viewers read. The
// header declares every variable once inside balanced scopes, value changes come in increasing time and name
// declared variables with values of their width, and the rank states agree with the report.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "support/testing.h"

namespace {
namespace test_vcd {

using nlohmann::json;
using pjbit::testing::read_file;
using pjbit::testing::run_program;
using pjbit::testing::TempDir;

const char* kWorkload = R"(name: small
steps:
  - compute: { duration: 20 us }
  - parallel:
      - compute: { duration: 30 us }
      - collective: all_reduce
        size: 2 MiB
  - collective: all_to_all
    size: 1 MiB
  - checkpoint: { size: 256 KiB, pool: pool0 }
)";

struct Var {
  std::string type;
  int width = 0;
  std::string name;  // scope path and name: "pjbit.links.r0_to_sw0.busy"
};

struct Dump {
  std::string timescale;
  std::map<std::string, Var> vars;  // by identifier
  // Per identifier: (time, value) in order.
  std::map<std::string, std::vector<std::pair<std::uint64_t, std::uint64_t>>> changes;
  std::uint64_t last_time = 0;
};

// Parses the subset of IEEE 1364 VCD that pjbit writes, checking it as it goes.
Dump parse(const std::string& text) {
  Dump d;
  std::istringstream in(text);
  std::string word;
  std::vector<std::string> scopes;
  bool definitions = true, in_dumpvars = false, any_time = false;
  auto rest_until_end = [&in]() {
    std::string s, w;
    while (in >> w && w != "$end")
      s += (s.empty() ? "" : " ") + w;
    return s;
  };
  auto value_change = [&](const std::string& id, std::uint64_t value, int width) {
    EXPECT_TRUE(d.vars.count(id)) << "undeclared identifier " << id;
    if (!d.vars.count(id)) return;
    EXPECT_EQ(d.vars[id].width, width == 0 ? d.vars[id].width : width);
    EXPECT_LT(value, std::uint64_t{1} << std::min(d.vars[id].width, 63)) << d.vars[id].name;
    d.changes[id].push_back({d.last_time, value});
  };
  while (in >> word) {
    if (definitions) {
      if (word == "$timescale") {
        d.timescale = rest_until_end();
      } else if (word == "$scope") {
        std::string kind, name;
        in >> kind >> name;
        EXPECT_EQ(kind, "module");
        scopes.push_back(name);
        EXPECT_EQ(rest_until_end(), "");
      } else if (word == "$upscope") {
        EXPECT_FALSE(scopes.empty());
        if (!scopes.empty()) scopes.pop_back();
        EXPECT_EQ(rest_until_end(), "");
      } else if (word == "$var") {
        Var v;
        std::string id;
        in >> v.type >> v.width >> id >> v.name;
        EXPECT_EQ(rest_until_end(), "");
        for (auto it = scopes.rbegin(); it != scopes.rend(); ++it)
          v.name = *it + "." + v.name;
        EXPECT_TRUE(v.type == "wire" || v.type == "reg" || v.type == "integer") << v.type;
        EXPECT_FALSE(d.vars.count(id)) << "identifier declared twice: " << id;
        d.vars[id] = v;
      } else if (word == "$enddefinitions") {
        EXPECT_EQ(rest_until_end(), "");
        EXPECT_TRUE(scopes.empty()) << "unbalanced scopes";
        definitions = false;
      } else if (word == "$comment" || word == "$version" || word == "$date") {
        rest_until_end();
      } else {
        ADD_FAILURE() << "unexpected in the header: " << word;
      }
      continue;
    }
    if (word == "$dumpvars") {
      in_dumpvars = true;
    } else if (word == "$end") {
      EXPECT_TRUE(in_dumpvars);
      in_dumpvars = false;
    } else if (word[0] == '#') {
      const std::uint64_t t = std::stoull(word.substr(1));
      EXPECT_TRUE(!any_time || t > d.last_time) << "time goes back or repeats: #" << t;
      any_time = true;
      d.last_time = t;
    } else if (word[0] == 'b') {
      std::string id;
      in >> id;
      const std::string bits = word.substr(1);
      EXPECT_TRUE(std::regex_match(bits, std::regex("[01]+"))) << word;
      value_change(id, std::stoull(bits, nullptr, 2), 0);
    } else if (word[0] == '0' || word[0] == '1') {
      value_change(word.substr(1), static_cast<std::uint64_t>(word[0] - '0'), 1);
    } else {
      ADD_FAILURE() << "unexpected value change: " << word;
    }
  }
  EXPECT_FALSE(definitions) << "no $enddefinitions";
  return d;
}

struct Case {
  std::string name;
  std::vector<std::string> extra;
  bool packets;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

class Vcd : public ::testing::TestWithParam<Case> {};

TEST_P(Vcd, HeaderAndValueChangesAgreeWithTheReport) {
  TempDir dir;
  const std::string w = dir.write("work.yaml", kWorkload);
  const std::string report_path = dir.path() + "/r.json", vcd_path = dir.path() + "/r.vcd";
  std::vector<std::string> args = {"run",    pjbit::testing::source_dir() + "/platforms/switch8.yaml",
                                   w,        "--quiet",
                                   "--json", report_path,
                                   "--vcd",  vcd_path};
  args.insert(args.end(), GetParam().extra.begin(), GetParam().extra.end());
  const auto r = run_program(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json report = json::parse(read_file(report_path));
  const Dump d = parse(read_file(vcd_path));
  EXPECT_EQ(d.timescale, "1 ps");

  // One state per rank, and per link direction that carried something: busy, transfers and (packets) queue.
  const int ranks = report["platform"]["ranks"].get<int>();
  std::map<std::string, std::string> id_of;
  for (const auto& [id, v] : d.vars)
    id_of[v.name] = id;
  for (int rank = 0; rank < ranks; ++rank)
    ASSERT_TRUE(id_of.count("pjbit.ranks.rank" + std::to_string(rank))) << rank;
  int links = 0;
  for (const auto& l : report["links"]) {
    if (l["bytes"].get<double>() == 0.0) continue;
    ++links;
    const std::string scope =
        "pjbit.links." + std::regex_replace(l["id"].get<std::string>(), std::regex("->"), "_to_");
    ASSERT_TRUE(id_of.count(scope + ".busy")) << scope;
    EXPECT_EQ(d.vars.at(id_of[scope + ".busy"]).width, 1);
    EXPECT_TRUE(id_of.count(scope + ".transfers")) << scope;
    EXPECT_EQ(id_of.count(scope + ".queue"), GetParam().packets ? 1u : 0u) << scope;
    // The direction is busy at some point and idle again at the end.
    const auto& busy = d.changes.at(id_of[scope + ".busy"]);
    EXPECT_GE(busy.size(), 3u) << scope;  // the initial 0, then at least one 1 and one 0
    EXPECT_EQ(busy.back().second, 0u) << scope;
    EXPECT_EQ(d.changes.at(id_of[scope + ".transfers"]).back().second, 0u) << scope;
  }
  EXPECT_EQ(d.vars.size(), static_cast<std::size_t>(ranks + links * (GetParam().packets ? 3 : 2)));

  // Time computing per rank (state 2) is what the report says the rank did not wait; states are 0, 1 or 2.
  const double sim_ps = report["sim_time_s"].get<double>() * 1e12;
  EXPECT_NEAR(static_cast<double>(d.last_time), sim_ps, 1.0);
  for (int rank = 0; rank < ranks; ++rank) {
    const auto& list = d.changes.at(id_of["pjbit.ranks.rank" + std::to_string(rank)]);
    std::uint64_t computing = 0;
    for (std::size_t i = 0; i < list.size(); ++i) {
      EXPECT_LE(list[i].second, 2u);
      const std::uint64_t until = i + 1 < list.size() ? list[i + 1].first : d.last_time;
      if (list[i].second == 2) computing += until - list[i].first;
    }
    EXPECT_EQ(list.back().second, 0u);
    const double expected =
        sim_ps - report["waiting"]["per_rank_s"][static_cast<std::size_t>(rank)].get<double>() * 1e12;
    EXPECT_NEAR(static_cast<double>(computing), expected, 2.0) << "rank " << rank;
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, Vcd,
                         ::testing::Values(Case{"Packets", {}, true},
                                           Case{"Flows", {"--set", "engine=flow"}, false}),
                         [](const auto& param_info) { return param_info.param.name; });

// A run with more activity than the limit allows at full resolution: the dump still runs to the run's end
// (it used to stop where the limit was reached, 65 ms into a 72 ms run), in steps of a coarser resolution
// that its $comment states, with at most twice the limit's intervals.
class VcdLimit : public ::testing::TestWithParam<Case> {};

TEST_P(VcdLimit, CoversTheWholeRunInCoarserSteps) {
  TempDir dir;
  const std::string w = dir.write("work.yaml", std::string(kWorkload) + "iterations: 12\n");
  const std::string vcd = dir.path() + "/r.vcd", report_path = dir.path() + "/r.json";
  // Limits that take the dump of this run to a few steps per iteration (packets change far more often).
  const std::string limit = GetParam().packets ? "5000" : "1000";
  std::vector<std::string> args = {"run",
                                   pjbit::testing::source_dir() + "/platforms/switch8.yaml",
                                   w,
                                   "--quiet",
                                   "--vcd",
                                   vcd,
                                   "--json",
                                   report_path,
                                   "--trace-limit",
                                   limit};
  args.insert(args.end(), GetParam().extra.begin(), GetParam().extra.end());
  const auto r = run_program(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json report = json::parse(read_file(report_path));
  const std::string text = read_file(vcd);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      text, m,
      std::regex(R"(\$comment [^$]*shown in steps of ([0-9.e+-]+) s to stay within ([0-9]+) intervals)")))
      << text.substr(0, 400);
  const double step_s = std::stod(m[1]);
  const std::size_t budget = std::stoul(m[2]);
  EXPECT_EQ(budget, 2 * std::stoul(limit));
  const double sim_s = report["sim_time_s"].get<double>();
  EXPECT_GT(step_s, 0.0);
  EXPECT_LT(step_s, sim_s / 20) << "coarser than needed";
  const Dump d = parse(text);
  EXPECT_NEAR(static_cast<double>(d.last_time), sim_s * 1e12, 1.0);
  // The last value change is at the run's end: the ranks that finish last go idle there.
  std::uint64_t last_change = 0;
  std::size_t changes = 0;
  for (const auto& [id, list] : d.changes) {
    for (std::size_t i = 1; i < list.size(); ++i)  // past the initial value
      last_change = std::max(last_change, list[i].first);
    changes += list.size() - 1;
  }
  EXPECT_NEAR(static_cast<double>(last_change), sim_s * 1e12, 1.0);
  // Every rank computes in the last iteration's first step, which starts after 11 of the 12 iterations.
  std::map<std::string, std::string> id_of;
  for (const auto& [id, v] : d.vars)
    id_of[v.name] = id;
  for (int rank = 0; rank < 8; ++rank) {
    const auto& list = d.changes.at(id_of["pjbit.ranks.rank" + std::to_string(rank)]);
    std::uint64_t last_computing = 0;
    for (const auto& [at, value] : list)
      if (value == 2) last_computing = at;
    EXPECT_GT(static_cast<double>(last_computing), 11.0 / 12.0 * 0.9 * sim_s * 1e12) << "rank " << rank;
    EXPECT_EQ(list.back().second, 0u) << "rank " << rank;
  }
  // `budget` intervals kept at most, each a change where it starts and one where it ends; where intervals of
  // a variable overlap, the value changes at most once more per interval.
  EXPECT_LE(changes, 4 * budget);
}

INSTANTIATE_TEST_SUITE_P(Engines, VcdLimit,
                         ::testing::Values(Case{"Packets", {}, true},
                                           Case{"Flows", {"--set", "engine=flow"}, false}),
                         [](const auto& param_info) { return param_info.param.name; });

}  // namespace test_vcd
}  // namespace
