// The HTML report page (`pjbit run --html`): complete, self-contained (nothing from the network), escaped,
// deterministic, small on large fabrics, and robust to reports with missing or unexpected keys.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "report/html.h"
#include "support/testing.h"

namespace {
namespace test_html {

using nlohmann::json;
using pjbit::testing::read_file;
using pjbit::testing::run_program;
using pjbit::testing::TempDir;

const char* const kCharts[] = {"chart-energy-category", "chart-energy-regime", "chart-energy-tier",
                               "chart-power",           "chart-links",         "chart-timeline"};

// Runs the program on the small ring with a 1 MiB all-reduce; `extra` adds arguments (e.g. --html FILE).
json small_report(const TempDir& dir, const std::vector<std::string>& extra = {},
                  const std::string& platform = pjbit::testing::source_dir() + "/platforms/ring8.yaml") {
  const std::string out = dir.path() + "/report.json";
  std::vector<std::string> args = {
      "run",     platform, pjbit::testing::source_dir() + "/workloads/allreduce_1g.yaml",
      "--quiet", "--set",  "steps.0.size=1 MiB",
      "--json",  out};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = run_program(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return json::parse(read_file(out));
}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size()))
    ++n;
  return n;
}

std::string svg_open_tag(const std::string& id) {
  return "<svg id=\"" + id + "\" class=\"chart\"";
}

// The page asks nothing from the network: no external scripts, style sheets, fonts, images or frames.
void expect_self_contained(const std::string& page) {
  EXPECT_FALSE(std::regex_search(
      page, std::regex(R"((src|href|action|poster)\s*=\s*["']?\s*(https?:)?//)", std::regex::icase)));
  EXPECT_FALSE(std::regex_search(page, std::regex(R"(https?://)", std::regex::icase)));
  EXPECT_FALSE(std::regex_search(page, std::regex(R"(<script[^>]*\ssrc)", std::regex::icase)));
  EXPECT_FALSE(
      std::regex_search(page, std::regex(R"(<(link|iframe|img|object|embed)\b)", std::regex::icase)));
  EXPECT_FALSE(std::regex_search(page, std::regex(R"(@import|url\(\s*["']?[^#"'\s])", std::regex::icase)));
}

TEST(Html, PageOfARunHasEveryChartAndTheHeadline) {
  TempDir dir;
  const json report = small_report(dir);
  const std::string page = pjbit::report::to_html(report);
  EXPECT_EQ(page.rfind("<!DOCTYPE html>\n<html lang=\"en\">", 0), 0u);
  EXPECT_EQ(page.substr(page.size() - 8), "</html>\n");
  EXPECT_EQ(count(page, "<head>"), 1u);
  EXPECT_EQ(count(page, "<body>"), 1u);
  EXPECT_EQ(count(page, "</body>"), 1u);
  EXPECT_NE(page.find("<title>pjbit report: allreduce_1g on ring8</title>"), std::string::npos);
  for (const char* id : kCharts)
    EXPECT_EQ(count(page, svg_open_tag(id)), 1u) << id;
  EXPECT_EQ(count(page, "<svg "), std::size(kCharts));
  EXPECT_EQ(count(page, "</svg>"), std::size(kCharts));
  EXPECT_EQ(count(page, "<figcaption>"), std::size(kCharts));  // one line of explanation under each chart
  // The report carries its power over time: the power chart stacks it by category.
  EXPECT_NE(page.find("Power drawn in each window of"), std::string::npos);
  // The headline: names, engine, ranks and the figures, SI-formatted.
  for (const char* expected :
       {"<td>ring8 · topology (ring)</td>", "<td>allreduce_1g · 1 iteration</td>", "<td>packet</td>",
        "<td>8</td>", "<td>25.4 µs</td>", "<td>0.0 %</td>", "<td>14 MiB</td>", "<td>1.79 mJ</td>",
        "<td>646 µJ (36.1 % of total)</td>", "<td>5.50 pJ/bit</td>", "<td>70.6 W</td>"})
    EXPECT_NE(page.find(expected), std::string::npos) << expected;
  EXPECT_NE(page.find(">serdes</text>"), std::string::npos);
  EXPECT_NE(page.find(">hbm</text>"), std::string::npos);
  expect_self_contained(page);
}

TEST(Html, EscapesEveryStringFromTheReport) {
  TempDir dir;
  std::string platform = read_file(pjbit::testing::source_dir() + "/platforms/ring8.yaml");
  platform.replace(platform.find("name: ring8"), 11, "name: 'ring<b>&\"x'");
  const std::string html = dir.path() + "/report.html";
  small_report(dir, {"--html", html}, dir.write("platform.yaml", platform));
  const std::string page = read_file(html);
  EXPECT_EQ(page.find("<b>"), std::string::npos);
  EXPECT_EQ(page.find("&\"x"), std::string::npos);
  EXPECT_NE(page.find("<h1>allreduce_1g on ring&lt;b&gt;&amp;&quot;x</h1>"), std::string::npos);
  // Link ids and step keys are report strings too.
  EXPECT_EQ(page.find("r0->r1"), std::string::npos);
  EXPECT_NE(page.find("r0-&gt;r1"), std::string::npos);
  // Every other '&' starts an entity.
  EXPECT_FALSE(std::regex_search(page, std::regex(R"(&(?!(amp|lt|gt|quot|#39);))")));
}

TEST(Html, SameInputsGiveTheSameBytes) {
  TempDir dir;
  const std::string a = dir.path() + "/a.html", b = dir.path() + "/b.html";
  const json ra = small_report(dir, {"--html", a});
  const json rb = small_report(dir, {"--html", b});
  EXPECT_EQ(read_file(a), read_file(b));  // the runs' wall times differ; the page does not show them
  // The page the program wrote is the one the report gives.
  EXPECT_EQ(read_file(a), pjbit::report::to_html(ra));
  EXPECT_EQ(read_file(b), pjbit::report::to_html(rb));
  // Reports that differ only in their wall time give the same page ...
  json later = ra;
  later["stats"]["wall_time_s"] = ra["stats"]["wall_time_s"].get<double>() + 1.5;
  ASSERT_NE(later, ra);
  EXPECT_EQ(pjbit::report::to_html(later), read_file(a));
  // ... while a figure the page shows changes it.
  json slower = ra;
  slower["sim_time_s"] = 2.0 * ra["sim_time_s"].get<double>();
  EXPECT_NE(pjbit::report::to_html(slower), read_file(a));
}

TEST(Html, DrawsRegimeTierAndPowerTraceWhenTheReportHasThem) {
  TempDir dir;
  json report = small_report(dir);
  report["energy_j"]["by_regime"] = {{"bandwidth_bound", 0.0012}, {"latency_bound", 0.0005}};
  report["energy_j"]["by_tier"] = {{"topology", 0.0017}};
  const double t = report["sim_time_s"].get<double>();
  report["power_trace"] = {
      {"window_s", t / 4},
      {"t_s", {0.0, t / 4, t / 2, 3 * t / 4}},
      {"by_category", {{"serdes", {10.0, 20.0, 30.0, 5.0}}, {"hbm", {1.0, 1.0, 2.0, 0.0}}}}};
  const std::string page = pjbit::report::to_html(report);
  for (const char* id : {"chart-energy-regime", "chart-energy-tier", "chart-power"})
    EXPECT_EQ(count(page, svg_open_tag(id)), 1u) << id;
  EXPECT_NE(page.find("bandwidth_bound"), std::string::npos);
  EXPECT_NE(page.find("70.6 %"), std::string::npos);  // bandwidth_bound's share: 1.2 of 1.7 mJ
  EXPECT_NE(page.find("window of 6.34 µs"), std::string::npos);
  EXPECT_EQ(page.find("static power"), std::string::npos);  // the trace replaces the chart from the steps
  // The trace's categories get the same colours as in the energy chart.
  EXPECT_NE(page.find("fill=\"#4e79a7\"><title>serdes</title>"), std::string::npos);
  expect_self_contained(page);
}

TEST(Html, TheOpticalLinkBudgetHasARowPerKindOfPath) {
  // The golden report of pods-ocs: DR8 pluggables through the OCS, 3.05 dB of a 3.1 dB budget.
  const json report = pjbit::testing::golden_report("pods-ocs", "allreduce_1g", "flow");
  const std::string page = pjbit::report::to_html(report);
  EXPECT_EQ(count(page, "<section id=\"optics\">"), 1u);
  EXPECT_NE(
      page.find(
          "<td>scale_out via OCS</td><td>r0 -&gt; scale_out.ocs0 -&gt; r8</td><td class=\"num\">100</td>"
          "<td class=\"num\">0.05</td><td class=\"num\">2</td><td class=\"num\">2.00</td>"
          "<td class=\"num\">3.05</td><td class=\"num\">1.20</td><td class=\"num\">-1.90</td>"
          "<td class=\"num\">3.10</td><td class=\"num\">0.05</td></tr>"),
      std::string::npos);
  expect_self_contained(page);
  // A report without optics has no such section.
  TempDir dir;
  EXPECT_EQ(pjbit::report::to_html(small_report(dir)).find("id=\"optics\""), std::string::npos);
}

TEST(Html, ThousandsOfLinksKeepThePageSmall) {
  TempDir dir;
  json report = small_report(dir);
  for (int i = 0; i < 20000; ++i)
    report["links"].push_back({{"id", "sw" + std::to_string(i) + "->sw" + std::to_string(i + 1)},
                               {"tier", "big"},
                               {"bytes", i},
                               {"utilization", (i % 100) / 100.0},
                               {"energy_j", 0.0}});
  const std::string page = pjbit::report::to_html(report);
  EXPECT_LT(page.size(), 300u * 1000u);
  EXPECT_NE(page.find("big · 20000 links"), std::string::npos);
  EXPECT_NE(page.find("shown sorted, busiest first"), std::string::npos);
  EXPECT_NE(page.find("r0-&gt;r1: 72.4 % busy"),
            std::string::npos);  // the small tier is still drawn link by link
}

TEST(Html, ManyStepsAreCapped) {
  TempDir dir;
  json report = small_report(dir);
  const json step = report["steps"][0];
  for (int i = 1; i < 10000; ++i) {
    json s = step;
    s["key"] = "steps." + std::to_string(i % 200);
    report["steps"].push_back(s);
  }
  const std::string page = pjbit::report::to_html(report);
  EXPECT_LT(page.size(), 2u * 1000u * 1000u);
  EXPECT_NE(page.find("The chart draws 3000 of the 10000 steps"), std::string::npos);
  EXPECT_NE(page.find("The first 200 of 10000 steps"), std::string::npos);
}

TEST(Html, ReportsWithMissingOrOddKeysStillRender) {
  const json cases[] = {
      json::object(),
      json::array(),
      json(nullptr),
      json::parse(R"({"platform": 3, "energy_j": {"by_category": "x", "static_by_category": [1]},
                      "steps": {"a": 1}, "links": [1, "x", {"tier": 2}], "sim_time_s": -1})"),
      json::parse(R"({"sim_time_s": 1e-3, "steps": [{"kind": "collective", "start_s": 2e-3, "end_s": 1e-4,
                      "energy_j": 5, "children": [7]}], "power_trace": {"t_s": [0, "x"], "by_category": {"z": [1e300]}},
                      "links": [{"id": "a", "tier": "t", "utilization": 7}]})"),
      json::parse(R"({"optics": 3})"),
      json::parse(R"({"packages": {"items": [{"kind": "accelerator", "count": "x", "over_limit": 1}]}})"),
      json::parse(
          R"({"optics": [3, {"through_ocs": "x", "connectors": "y", "launch_dbm": "z", "ocs_db": null}]})"),
  };
  for (const auto& report : cases) {
    std::string page;
    EXPECT_NO_THROW(page = pjbit::report::to_html(report)) << report.dump();
    EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u) << report.dump();
    EXPECT_EQ(page.substr(page.size() - 8), "</html>\n") << report.dump();
    expect_self_contained(page);
  }
}

TEST(Html, UnwritablePathIsBadInput) {
  TempDir dir;
  const std::string src = pjbit::testing::source_dir();
  const auto r =
      run_program({"run", src + "/platforms/ring8.yaml", src + "/workloads/allreduce_1g.yaml", "--quiet",
                   "--set", "steps.0.size=1 MiB", "--html", dir.path() + "/no/such/dir/r.html"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("r.html"), std::string::npos) << r.err;
}

}  // namespace test_html
}  // namespace
