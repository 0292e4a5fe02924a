// The program as users and CI drive it: exit codes, one-line errors that name file, line, column and key,
// no partial output after a failure, no hang, determinism, and reports that follow the schema
// (docs/report.schema.json).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "support/testing.h"

namespace {
namespace test_cli {

using pjbit::testing::count_lines;
using pjbit::testing::ProcessResult;
using pjbit::testing::run_program;
using pjbit::testing::TempDir;

const char* const kRing = pjbit::testing::kRing4;

const char* const kWorkload = pjbit::testing::kAllReduce4MiB;

// Runs `pjbit run` on a bad platform and/or workload and checks the contract for bad input.
struct BadInput {
  std::string name;
  std::string platform;  // text, or empty for kRing
  std::string workload;  // text, or empty for kWorkload
  std::vector<std::string> extra;
  std::string expect;  // regex the error line must match
};

void PrintTo(const BadInput& b, std::ostream* os) {
  *os << b.name;
}

class MalformedInput : public ::testing::TestWithParam<BadInput> {};

TEST_P(MalformedInput, ExitsTwoWithOneErrorLineAndNoReport) {
  const BadInput& b = GetParam();
  TempDir dir;
  const std::string p = dir.write("plat.yaml", b.platform.empty() ? kRing : b.platform);
  const std::string w = dir.write("work.yaml", b.workload.empty() ? kWorkload : b.workload);
  const std::string json = dir.path() + "/r.json", csv = dir.path() + "/r.csv";
  std::vector<std::string> args = {"run", p, w, "--json", json, "--csv", csv};
  args.insert(args.end(), b.extra.begin(), b.extra.end());
  const ProcessResult r = run_program(args, 30.0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex(b.expect)))
      << "stderr: " << r.err << "expected: " << b.expect;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_FALSE(pjbit::testing::file_exists(json));
  EXPECT_FALSE(pjbit::testing::file_exists(csv));
}

std::string ring_with(const std::string& from, const std::string& to) {
  std::string s = kRing;
  s.replace(s.find(from), from.size(), to);
  return s;
}

std::string alias_bomb() {
  std::string s = "name: bomb\na: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    s += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i)
      s += std::string(i ? "," : "") + "*" + static_cast<char>(c - 1);
    s += "]\n";
  }
  return s + "topology: *j\n";
}

const BadInput kCases[] = {
    {"EmptyFile", "\n", "", {}, R"(plat\.yaml.*empty)"},
    {"NotYaml", std::string("\x7f\x45\x4c\x46\x00\x01{[:\xff\xfe", 11), "", {}, R"(plat\.yaml)"},
    {"TopLevelList", "- a\n- b\n", "", {}, R"(plat\.yaml:1:1: .*mapping)"},
    {"UnknownTopKey",
     ring_with("name: ring4", "name: ring4\ntopolgy: 3"),
     "",
     {},
     R"(plat\.yaml:2:1: topolgy: unknown key)"},
    {"UnknownNestedKey",
     ring_with("latency: 500 ns", "latency: 500 ns\n    bandwith: 3 GB/s"),
     "",
     {},
     R"(plat\.yaml:8:5: topology\.link\.bandwith: unknown key)"},
    {"BareNumberForUnit",
     ring_with("100 GB/s", "100"),
     "",
     {},
     R"(plat\.yaml:6:16: topology\.link\.bandwidth: expected a data rate such as "100 GB/s", got "100")"},
    {"WrongUnit",
     ring_with("100 GB/s", "5 ns"),
     "",
     {},
     R"(plat\.yaml:6:16: topology\.link\.bandwidth: expected a data rate.*a time)"},
    {"Words",
     ring_with("100 GB/s", "fast"),
     "",
     {},
     R"(plat\.yaml:6:16: topology\.link\.bandwidth: expected a data rate such as "100 GB/s", got "fast")"},
    {"NegativeLatency",
     ring_with("500 ns", "-5 ns"),
     "",
     {},
     R"(plat\.yaml:7:14: topology\.link\.latency: .*negative)"},
    {"NaN", ring_with("5 pJ/bit", ".nan pJ/bit"), "", {}, R"(plat\.yaml:8:13: topology\.link\.energy:)"},
    {"Infinite",
     ring_with("100 GB/s", ".inf GB/s"),
     "",
     {},
     R"(plat\.yaml:6:16: topology\.link\.bandwidth:)"},
    {"ZeroRanks", ring_with("ranks: 4", "ranks: 0"), "", {}, R"(plat\.yaml:4:10: topology\.ranks:)"},
    {"AbsurdRanks",
     ring_with("ranks: 4", "ranks: 1000000000"),
     "",
     {},
     R"(plat\.yaml:4:10: topology\.ranks:)"},
    {"UnknownKind",
     ring_with("kind: ring", "kind: hypercube"),
     "",
     {},
     R"(plat\.yaml:3:9: topology\.kind: .*hypercube)"},
    {"UnknownOp",
     "",
     "name: w\nsteps:\n  - collective: all_sum\n    size: 1 MiB\n",
     {},
     R"(work\.yaml:3:17: steps\.0\.collective: .*all_sum)"},
    {"UnknownAlgorithm",
     "",
     "name: w\nsteps:\n  - collective: all_reduce\n    size: 1 MiB\n    algorithm: magic\n",
     {},
     R"(work\.yaml:5:16: steps\.0\.algorithm: .*magic)"},
    {"RankOutOfRange",
     "",
     "name: w\nsteps:\n  - collective: all_reduce\n    size: 1 MiB\n    ranks: [0, 9]\n",
     {},
     R"(work\.yaml:3:5: steps\.0\.ranks: rank 9 does not exist)"},
    {"AlgorithmRefusesGroup",
     "",
     "name: w\nsteps:\n  - collective: all_reduce\n    size: 1 MiB\n    algorithm: halving_doubling\n    "
     "ranks: [0, 1, 2]\n",
     {},
     R"(work\.yaml:6:12: steps\.0\.ranks: .*halving_doubling needs a power-of-two)"},
    // The torus algorithms span the whole torus: a subset is refused naming the ring to use instead.
    {"TorusRingOnASubset",
     "name: t\ntopology: { kind: torus, dims: [2, 2], link: { bandwidth: 100 GB/s, latency: 500 ns } }\n",
     "name: w\nsteps:\n  - collective: all_reduce\n    size: 1 MiB\n    algorithm: torus_ring\n    "
     "ranks: [0, 1, 2]\n",
     {},
     R"(work\.yaml:3:5: steps\.0\.algorithm: torus_ring runs over the whole torus \(ranks 0 to 3, in any order\); use bidir_ring for a subset)"},
    {"TorusUnidirOnASubset",
     "name: t\ntopology: { kind: torus, dims: [2, 2], link: { bandwidth: 100 GB/s, latency: 500 ns } }\n",
     "name: w\nsteps:\n  - collective: all_reduce\n    size: 1 MiB\n    algorithm: torus_unidir\n    "
     "ranks: [0, 1, 2]\n",
     {},
     R"(work\.yaml:3:5: steps\.0\.algorithm: torus_unidir runs over the whole torus \(ranks 0 to 3, in any order\); use ring for a subset)"},
    {"TorusUnidirCannotBroadcast",
     "",
     "name: w\nsteps:\n  - collective: broadcast\n    size: 1 MiB\n    algorithm: torus_unidir\n",
     {},
     R"(work\.yaml:5:16: steps\.0\.algorithm: algorithm "torus_unidir" does not implement broadcast)"},
    {"RankListedTwice",
     "",
     "name: w\nsteps:\n  - collective: all_reduce\n    size: 1 MiB\n    ranks: [1, 0, 1]\n",
     {},
     R"(work\.yaml:5:19: steps\.0\.ranks\.2: rank 1 is listed twice)"},
    {"ChannelsOutOfRange",
     "",
     "name: w\nsteps:\n  - collective: all_reduce\n    size: 1 MiB\n    algorithm: ring\n    channels: 65\n",
     {},
     R"(work\.yaml:6:15: steps\.0\.channels: expected a whole number from 1 to 64, got "65")"},
    {"ChannelsOnDirect",
     "",
     "name: w\nsteps:\n  - collective: all_reduce\n    size: 1 MiB\n    algorithm: direct\n    channels: 2\n",
     {},
     R"(work\.yaml:6:15: steps\.0\.channels: algorithm direct runs one channel; channels above 1 need )"
     R"(algorithm ring or bidir_ring, got 2)"},
    {"ChannelsOnTheDefaultAlgorithm",
     "name: mesh\ntopology: { kind: full_mesh, ranks: 4, link: { bandwidth: 100 GB/s, latency: 500 ns } }\n",
     "name: w\nsteps:\n  - collective: all_reduce\n    size: 1 MiB\n    channels: 2\n",
     {},
     R"(work\.yaml:5:15: steps\.0\.channels: algorithm direct runs one channel; .*got 2 \(direct is this )"
     R"(platform's default: name the algorithm\))"},
    {"BadSetNoEquals", "", "", {"--set", "topology.ranks"}, R"(--set: expected KEY=VALUE)"},
    {"BadSetUnknownKey", "", "", {"--set", "nonsense.key=3"}, R"(--set: .*nonsense)"},
    {"BadSetValue",
     "",
     "",
     {"--set", "topology.link.bandwidth=fast"},
     R"(--set: topology\.link\.bandwidth: expected a data rate)"},
    {"BadSetIndex", "", "", {"--set", "steps.7.size=1 GiB"}, R"(--set: .*steps\.7)"},
    {"AliasBomb", alias_bomb(), "", {}, R"(plat\.yaml)"},
    {"DeepNesting", "name: x\ntopology: " + std::string(20000, '[') + "\n", "", {}, R"(plat\.yaml)"},
    {"UnknownSubcommandOption", "", "", {"--frobnicate"}, R"(frobnicate)"},
    {"SeedNotANumber", "", "", {"--seed", "abc"}, R"(seed)"},
    {"SeedNegative",
     "",
     "",
     {"--seed", "-1"},
     R"(^error: --seed: expected a whole number from 0 to 18446744073709551615, got "-1"\n$)"},
    {"SeedNegativeAttached", "", "", {"--seed=-1"}, R"(--seed: expected a whole number .*got "-1")"},
    {"SeedEmpty", "", "", {"--seed", ""}, R"(--seed: expected a whole number .*got ""\n$)"},
    {"SeedBeyond64Bits",
     "",
     "",
     {"--seed", "18446744073709551616"},
     R"(--seed: expected a whole number .*got "18446744073709551616")"},
    {"SeedWithBlank", "", "", {"--seed", " 7"}, R"(--seed: expected a whole number .*got " 7")"},
    {"SeedHex", "", "", {"--seed", "0x10"}, R"(--seed: expected a whole number .*got "0x10")"},
};

INSTANTIATE_TEST_SUITE_P(Cli, MalformedInput, ::testing::ValuesIn(kCases),
                         [](const auto& param_info) { return param_info.param.name; });

TEST(Cli, MissingFileIsBadInput) {
  TempDir dir;
  const std::string w = dir.write("work.yaml", kWorkload);
  const auto r = run_program({"run", dir.path() + "/nope.yaml", w});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(count_lines(r.err), 1);
  EXPECT_NE(r.err.find("nope.yaml"), std::string::npos) << r.err;
}

// The summary's step table names the algorithm and the protocol the collective library chose; a collective
// without a library has no protocol, and the line ends with its busbw.
TEST(Cli, TheStepTableNamesAlgorithmAndProtocol) {
  TempDir dir;
  const std::string w =
      dir.write("work.yaml", "name: w\nsteps:\n  - { collective: all_reduce, size: 64 MiB }\n");
  const auto nvls = run_program({"run", pjbit::testing::source_dir() + "/platforms/pod8-nvswitch.yaml", w});
  ASSERT_EQ(nvls.exit_code, 0) << nvls.err;
  EXPECT_NE(nvls.out.find("busbw GB/s  protocol\n"), std::string::npos) << nvls.out;
  const std::size_t row = nvls.out.find("steps.0");
  ASSERT_NE(row, std::string::npos) << nvls.out;
  const std::string line = nvls.out.substr(row, nvls.out.find('\n', row) - row);
  EXPECT_NE(line.find(" nvls "), std::string::npos) << line;
  EXPECT_EQ(line.substr(line.size() - 8), "  simple") << line;
  const auto bare = run_program({"run", dir.write("ring.yaml", kRing), w});
  ASSERT_EQ(bare.exit_code, 0) << bare.err;
  const std::size_t r2 = bare.out.find("steps.0");
  ASSERT_NE(r2, std::string::npos) << bare.out;
  const std::string l2 = bare.out.substr(r2, bare.out.find('\n', r2) - r2);
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(l2.back()))) << l2;
}

TEST(Cli, NoArgumentsIsUsageError) {
  const auto r = run_program({});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
}

TEST(Cli, VersionAndHelp) {
  const auto v = run_program({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out.rfind("pjbit ", 0), 0u) << v.out;
  const auto h = run_program({"--help"});
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.out.find("run"), std::string::npos);
  EXPECT_NE(h.out.find("validate"), std::string::npos);
}

TEST(Cli, SameInputsAndSeedGiveTheSameReport) {
  // Every kind of step on a shipped platform, with random traffic, the one thing the seed draws.
  TempDir dir;
  const std::string p = pjbit::testing::source_dir() + "/platforms/switch8.yaml";
  const std::string w = dir.write("seeded.yaml",
                                  "name: seeded_step\n"
                                  "iterations: 2\n"
                                  "steps:\n"
                                  "  - compute: { work: 1 TFLOP }\n"
                                  "  - parallel:\n"
                                  "      - compute: { work: 2 TFLOP }\n"
                                  "      - collective: all_reduce\n"
                                  "        size: 4 MiB\n"
                                  "  - traffic: { size: 256 KiB, messages: 16 }\n"
                                  "  - collective: all_to_all\n"
                                  "    size: 2 MiB\n"
                                  "  - checkpoint: { size: 1 MiB, pool: pool0 }\n");
  const std::string a = dir.path() + "/a.json", b = dir.path() + "/b.json", c = dir.path() + "/c.json";
  ASSERT_EQ(run_program({"run", p, w, "--quiet", "--seed", "7", "--json", a}).exit_code, 0);
  ASSERT_EQ(run_program({"run", p, w, "--quiet", "--seed", "7", "--json", b}).exit_code, 0);
  ASSERT_EQ(run_program({"run", p, w, "--quiet", "--seed", "8", "--json", c}).exit_code, 0);
  auto ja = nlohmann::json::parse(pjbit::testing::read_file(a));
  auto jb = nlohmann::json::parse(pjbit::testing::read_file(b));
  auto jc = nlohmann::json::parse(pjbit::testing::read_file(c));
  ASSERT_TRUE(ja["stats"].contains("wall_time_s"));
  ja["stats"].erase("wall_time_s");
  jb["stats"].erase("wall_time_s");
  EXPECT_EQ(ja.dump(), jb.dump());
  // And the text itself is identical apart from the wall-time line.
  auto strip = [](std::string s) {
    return std::regex_replace(s, std::regex(R"("wall_time_s": [^\n]*)"), "");
  };
  EXPECT_EQ(strip(pjbit::testing::read_file(a)), strip(pjbit::testing::read_file(b)));
  // Another seed draws other traffic, which takes another time.
  EXPECT_NE(ja["sim_time_s"].get<double>(), jc["sim_time_s"].get<double>());
}

TEST(Cli, SeedsFromZeroToTheLargest64BitNumberAreAccepted) {
  TempDir dir;
  const std::string p = dir.write("plat.yaml", kRing), w = dir.write("work.yaml", kWorkload);
  for (const std::string seed : {"0", "18446744073709551615", "007"}) {
    const std::string out = dir.path() + "/r.json";
    const ProcessResult r = run_program({"run", p, w, "--quiet", "--seed", seed, "--json", out});
    ASSERT_EQ(r.exit_code, 0) << seed << ": " << r.err;
    EXPECT_EQ(nlohmann::json::parse(pjbit::testing::read_file(out))["seed"].get<std::uint64_t>(),
              std::stoull(seed));
  }
}

TEST(Cli, SetOverridesChangeTheRun) {
  TempDir dir;
  const std::string p = dir.write("plat.yaml", kRing), w = dir.write("work.yaml", kWorkload);
  const std::string a = dir.path() + "/a.json", b = dir.path() + "/b.json";
  ASSERT_EQ(run_program({"run", p, w, "--quiet", "--json", a}).exit_code, 0);
  ASSERT_EQ(run_program({"run", p, w, "--quiet", "--json", b, "--set", "topology.link.bandwidth=200 GB/s",
                         "--set", "steps.0.size=8 MiB"})
                .exit_code,
            0);
  const auto ja = nlohmann::json::parse(pjbit::testing::read_file(a));
  const auto jb = nlohmann::json::parse(pjbit::testing::read_file(b));
  EXPECT_EQ(jb["steps"][0]["size_bytes"].get<std::uint64_t>(), 8u << 20);
  // Twice the data over twice the bandwidth: the same bandwidth term, the same latency term.
  EXPECT_NEAR(jb["sim_time_s"].get<double>(), ja["sim_time_s"].get<double>(), 1e-9);
}

// The shipped platforms' reports are checked against docs/report.schema.json in the golden tier
// (golden.report_schema); this run adds the parts of a report that only some platforms and workloads have:
// link sleep, weighted arbitration, memory and checkpoint steps with a deadline, traffic, a step on a subset
// of the ranks, parallel branches and rack warnings.
const char* kEverythingPlatform = R"(name: ring8-everything
engine: packet
accelerator: { idle_power: 500 W, compute_power: 1200 W }
link_sleep: { after: 10 us, wake: 2 us, power: 0.1 }
topology:
  kind: ring
  ranks: 8
  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit, static_power: 10 W }
memory_pools:
  - { name: pool0, attach: topology, bandwidth: 400 GB/s, latency: 600 ns, energy: 10 pJ/bit, capacity: 4 TiB }
scheduler: { priorities: true, arbitration: weighted, weights: { latency_critical: 8, bulk: 2 } }
racks: { accelerators_per_rack: 4, network_rack_switches: 1, power_limit: 3 kW, cooling: air }
cooling: { model: density }
)";

const char* kEverythingWorkload = R"(name: everything
steps:
  - compute: { duration: 100 us }
  - memory: { op: read, size: 1 MiB, pool: pool0 }
  - parallel:
      - { collective: all_reduce, size: 4 MiB, ranks: [0, 1, 2, 3] }
      - checkpoint: { size: 1 MiB, pool: pool0, deadline: 5 ms }
      - traffic: { pairs: [[2, 0]], messages: 5, size: 4 KiB, interval: 1 us, class: latency_critical }
  - { collective: all_reduce, size: 4 MiB, algorithm: ring, channels: 4, ranks: [7, 6, 5, 4, 3, 2, 1, 0] }
)";

TEST(Cli, ReportsFollowTheSchema) {
  const std::string python = PJBIT_PYTHON;
  ASSERT_FALSE(python.empty()) << "no python3 with jsonschema: run scripts/install-deps.sh";
  TempDir dir;
  const std::string p = dir.write("plat.yaml", kEverythingPlatform);
  const std::string w = dir.write("work.yaml", kEverythingWorkload);
  const std::string out = dir.path() + "/r.json";
  const auto r = run_program({"run", p, w, "--quiet", "--json", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The report has what the run is for.
  const auto j = nlohmann::json::parse(pjbit::testing::read_file(out));
  EXPECT_TRUE(j.contains("link_sleep"));
  EXPECT_TRUE(j["links"][0].contains("slept_s"));
  EXPECT_EQ(j["scheduler"]["weights"]["latency_critical"], 8);
  EXPECT_EQ(j["steps"][1]["kind"], "memory");
  const auto& branches = j["steps"][2]["children"];
  ASSERT_EQ(branches.size(), 3u);
  EXPECT_EQ(branches[0]["group"], nlohmann::json({0, 1, 2, 3}));
  EXPECT_EQ(branches[1]["kind"], "checkpoint");
  EXPECT_TRUE(branches[1].contains("deadline_met"));
  EXPECT_EQ(branches[2]["kind"], "traffic");
  EXPECT_FALSE(j["density"]["warnings"].empty());
  // Channels above 1 are reported; a group in an order of its own is listed in that order.
  EXPECT_EQ(j["steps"][3]["channels"], 4);
  EXPECT_EQ(j["steps"][3]["group"], nlohmann::json({7, 6, 5, 4, 3, 2, 1, 0}));
  EXPECT_FALSE(branches[0].contains("channels"));
  const std::string checker = pjbit::testing::source_dir() + "/tests/golden/check_report_schema.py";
  const std::string schema = pjbit::testing::source_dir() + "/docs/report.schema.json";
  const int rc = std::system(
      (python + " " + checker + " " + schema + " " + out + " > " + dir.path() + "/schema.txt 2>&1").c_str());
  EXPECT_EQ(rc, 0) << pjbit::testing::read_file(dir.path() + "/schema.txt");
}

TEST(Cli, ValidatePrintsWhatWouldBeBuilt) {
  const std::string src = pjbit::testing::source_dir();
  const auto r =
      run_program({"validate", src + "/platforms/switch8.yaml", src + "/workloads/train_step.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("8 ranks"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("links:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("switches:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ports:"), std::string::npos) << r.out;
}

TEST(Cli, UnwritableReportPathIsBadInputAndLeavesNothing) {
  TempDir dir;
  const std::string p = dir.write("plat.yaml", kRing), w = dir.write("work.yaml", kWorkload);
  const auto r = run_program({"run", p, w, "--quiet", "--json", dir.path() + "/no/such/dir/r.json"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
}

}  // namespace test_cli
}  // namespace
