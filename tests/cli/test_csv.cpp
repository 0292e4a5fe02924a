// The CSV row of `--csv`: names are text cells, quoted by RFC 4180 and neutralised against spreadsheet
// formulas; a name that is a plain number stays a number; every other cell is a number as written. Names with
// control characters are refused. (A sweep's results.csv: test_sweep.cpp.)
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <string>
#include <vector>

#include "support/testing.h"

namespace {
namespace test_csv {

using pjbit::testing::count_lines;
using pjbit::testing::file_exists;
using pjbit::testing::ProcessResult;
using pjbit::testing::read_file;
using pjbit::testing::run_program;
using pjbit::testing::TempDir;

const char* const kRing = pjbit::testing::kRing4;

const char* const kWorkload = pjbit::testing::kAllReduce4MiB;

struct CsvName {
  std::string name;
  std::string yaml;  // the workload's name as written in YAML
  std::string cell;  // its CSV cell
};

void PrintTo(const CsvName& c, std::ostream* os) {
  *os << c.name;
}

class CsvNames : public ::testing::TestWithParam<CsvName> {};

TEST_P(CsvNames, AreQuotedAndNeutralised) {
  const CsvName& c = GetParam();
  TempDir dir;
  const std::string p = dir.write("plat.yaml", std::string(kRing).replace(0, 11, "name: 'ring,\"4\"'"));
  const std::string w = dir.write("work.yaml", "name: " + c.yaml + std::string(kWorkload).substr(8));
  const ProcessResult r = run_program({"run", p, w, "--quiet", "--csv", dir.path() + "/r.csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string csv = read_file(dir.path() + "/r.csv");
  const std::string row = csv.substr(csv.find('\n') + 1);
  const std::string prefix = "\"ring,\"\"4\"\"\"," + c.cell + ",4,";
  EXPECT_EQ(row.rfind(prefix, 0), 0u) << row << "expected to start with " << prefix;
  // The rest are numbers.
  EXPECT_TRUE(std::regex_match(row.substr(prefix.size()), std::regex(R"(([-+.eE0-9]+,)*[-+.eE0-9]+\n)")))
      << row;
}

const CsvName kCsvNames[] = {
    {"Plain", "plain", "plain"},
    {"Formula", "'=1+2'", "\"'=1+2\""},
    {"Hyperlink", "'=HYPERLINK(\"http://example.invalid\",\"x\")'",
     "\"'=HYPERLINK(\"\"http://example.invalid\"\",\"\"x\"\")\""},
    {"Plus", "'+1'", "\"'+1\""},
    {"MinusFormula", "'-1+2'", "\"'-1+2\""},
    {"At", "'@SUM(A1)'", "\"'@SUM(A1)\""},
    {"NegativeNumber", "'-1'", "-1"},
    {"NegativeExponent", "'-2.5e3'", "-2.5e3"},
    {"Comma", "'a,b'", "\"a,b\""},
    {"Quotes", "'say \"hi\"'", "\"say \"\"hi\"\"\""},
};

INSTANTIATE_TEST_SUITE_P(Csv, CsvNames, ::testing::ValuesIn(kCsvNames),
                         [](const auto& param_info) { return param_info.param.name; });

TEST(Csv, NamesWithControlCharactersAreRefused) {
  TempDir dir;
  const std::string p = dir.write("plat.yaml", kRing);
  const struct {
    std::string platform;
    std::string workload;
    std::string expect;
  } cases[] = {
      {"", "name: \"a\\x01b\"\n",
       R"(work\.yaml:1:7: name: expected a workload name of printable characters)"},
      {"", "name: \"a\\nb\"\n", R"(work\.yaml:1:7: name: expected a workload name of printable characters)"},
      {"name: \"ring\\r4\"\n", "name: ok\n",
       R"(bad\.yaml:1:7: name: expected a platform name .*of printable characters)"},
  };
  for (const auto& c : cases) {
    const std::string plat =
        c.platform.empty() ? p : dir.write("bad.yaml", c.platform + std::string(kRing).substr(11));
    const std::string work = dir.write("work.yaml", c.workload + std::string(kWorkload).substr(9));
    const ProcessResult r = run_program({"run", plat, work, "--quiet", "--csv", dir.path() + "/r.csv"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_TRUE(std::regex_search(r.err, std::regex(c.expect))) << r.err << "expected: " << c.expect;
    EXPECT_FALSE(file_exists(dir.path() + "/r.csv"));
  }
  // Set from the command line too.
  const std::string work = dir.write("work.yaml", kWorkload);
  const ProcessResult r = run_program({"run", p, work, "--quiet", "--set", "workload.name=a\tb"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex(R"(name: expected a workload name of printable)")))
      << r.err;
}

}  // namespace test_csv
}  // namespace
