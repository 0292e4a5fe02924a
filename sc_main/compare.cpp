#include "sc_main/compare.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <iostream>
#include <limits>
#include <string_view>

#include "core/errors.h"
#include "core/yaml_support.h"
#include "report/report.h"
#include "sc_main/cli.h"

namespace pjbit::cli {

namespace {

using json = nlohmann::json;

// Reports of large fabrics list every link direction, so they may well exceed the 16 MiB that input YAML
// files are allowed; this bounds the memory a report file can take.
constexpr std::size_t kMaxReportBytes = std::size_t{256} << 20;

std::string read_report_text(const std::string& path) {
  return core::read_text_file(path, kMaxReportBytes, /*regular_only=*/true);
}

// A parser message made safe for a one-line error: no control characters or stray bytes, not too long.
std::string one_line(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u >= 0x7F) ? '?' : c;
    if (out.size() >= 200) {
      out += "...";
      break;
    }
  }
  return out;
}

std::string json_type(const json& j) {
  if (j.is_object()) return "an object";
  if (j.is_array()) return "an array";
  if (j.is_null()) return "null";
  if (j.is_string()) return core::quote_text(j.get<std::string>());
  return one_line(j.dump());
}

// The relative change of a metric from `base` to `cand`: (cand - base) / |base|. A zero baseline gives 0
// when the candidate is zero too, else an infinite change with the candidate's sign.
double relative_change(double base, double cand) {
  if (cand == base) return 0.0;
  if (base == 0.0)
    return cand > base ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
  return (cand - base) / std::fabs(base);
}

double parse_rtol(const std::string& text) {
  double value = -1.0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  bool ok = !text.empty() && text.size() <= 64 && text.find_first_of("0123456789") != std::string::npos &&
            text.find_first_not_of("0123456789.eE+-") == std::string::npos;
  if (ok) {
    if (*begin == '+') ++begin;
    const auto [ptr, ec] = std::from_chars(begin, end, value);
    ok = ec == std::errc() && ptr == end && std::isfinite(value) && value >= 0.0;
  }
  if (!ok) {
    throw core::InputError(
        core::SourceLoc{}, "--rtol",
        "expected a relative tolerance such as 0.01 (a number from 0 up), got " + core::quote_text(text));
  }
  return value;
}

std::string format_value(const json& value) {
  if (value.is_number_integer()) return value.dump();
  return fmt::format("{:.6g}", value.get<double>());
}

std::string format_change(double change) {
  if (std::isinf(change)) return change > 0 ? "+inf %" : "-inf %";
  return fmt::format("{:+.2f} %", 100.0 * change);
}

// "platform ring8, workload allreduce_1g", from what the report names; empty when it names neither.
std::string describe_run(const json& report) {
  std::string out;
  for (const char* part : {"platform", "workload"}) {
    const json* name = report_value(report, std::string(part) + ".name");
    if (name == nullptr || !name->is_string()) continue;
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", part, one_line(name->get<std::string>()));
  }
  return out;
}

}  // namespace

const std::vector<HeadlineMetric>& headline_metrics() {
  static const std::vector<HeadlineMetric> metrics = {
      {"sim_time_s", Better::Lower},
      {"energy_j.total", Better::Lower},
      {"fabric_pj_per_useful_bit", Better::Lower},
      {"effective_compute", Better::Higher},
      {"energy_j.fabric", Better::Info},
      {"power_w.average", Better::Info},
      {"power_w.peak", Better::Info},
      {"useful_bytes", Better::Info},
      {"wire_bytes", Better::Info},
  };
  return metrics;
}

json load_report(const std::string& path) {
  const std::string text = read_report_text(path);
  const core::SourceLoc loc{path};
  json report;
  try {
    report = json::parse(text);
  } catch (const json::parse_error& e) {
    // nlohmann's message starts with "[json.exception.parse_error.101] "; the rest says where and why.
    std::string_view what = e.what();
    const std::size_t cut = what.find("] ");
    if (cut != std::string_view::npos) what.remove_prefix(cut + 2);
    throw core::InputError(loc, "", "expected a pjbit report (JSON): " + one_line(what));
  }
  if (!report.is_object())
    throw core::InputError(loc, "", "expected a pjbit report (a JSON object), got " + json_type(report));
  const auto schema = report.find("schema");
  if (schema == report.end())
    throw core::InputError(loc, "schema", "missing; expected \"pjbit.report/1\", so not a pjbit report");
  if (!schema->is_string() || schema->get<std::string>() != "pjbit.report/1")
    throw core::InputError(loc, "schema", "expected \"pjbit.report/1\", got " + json_type(*schema));
  return report;
}

const json* report_value(const json& report, const std::string& key) {
  const json* node = &report;
  std::size_t begin = 0;
  for (;;) {
    const std::size_t dot = key.find('.', begin);
    const std::string part = key.substr(begin, dot == std::string::npos ? std::string::npos : dot - begin);
    if (!node->is_object()) return nullptr;
    const auto it = node->find(part);
    if (it == node->end()) return nullptr;
    node = &*it;
    if (dot == std::string::npos) return node;
    begin = dot + 1;
  }
}

double report_number(const json& report, const std::string& path, const std::string& key) {
  const json* value = report_value(report, key);
  if (value == nullptr) throw core::InputError(core::SourceLoc{path}, key, "missing; expected a number");
  if (!value->is_number())
    throw core::InputError(core::SourceLoc{path}, key, "expected a number, got " + json_type(*value));
  return value->get<double>();
}

int cmd_compare(const CompareArgs& args) {
  const double rtol = parse_rtol(args.rtol);
  const json base = load_report(args.baseline);
  const json cand = load_report(args.candidate);

  struct Row {
    const HeadlineMetric* metric;
    double base;
    double cand;
    double change;
    std::string verdict;
  };
  std::vector<Row> rows;
  std::vector<std::string> regressions;
  // Every metric is read before anything is printed, so that bad input gives one error line and no table.
  for (const HeadlineMetric& m : headline_metrics()) {
    Row row{&m, report_number(base, args.baseline, m.key), report_number(cand, args.candidate, m.key), 0.0,
            "info"};
    row.change = relative_change(row.base, row.cand);
    if (m.better != Better::Info) {
      // Signed so that positive means worse.
      const double worse_by = m.better == Better::Lower ? row.change : -row.change;
      if (worse_by > rtol) {
        row.verdict = "worse";
        regressions.push_back(fmt::format("{} {}", m.key, format_change(row.change)));
      } else {
        row.verdict = -worse_by > rtol ? "better" : "ok";
      }
    }
    rows.push_back(row);
  }

  if (!args.json_path.empty()) {
    nlohmann::ordered_json out;
    out["schema"] = "pjbit.compare/1";
    out["baseline"] = args.baseline;
    out["candidate"] = args.candidate;
    out["rtol"] = rtol;
    out["regression"] = !regressions.empty();
    nlohmann::ordered_json metrics = nlohmann::ordered_json::array();
    for (const Row& r : rows) {
      nlohmann::ordered_json m;
      m["metric"] = r.metric->key;
      m["baseline"] = r.base;
      m["candidate"] = r.cand;
      m["change"] = std::isinf(r.change) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.change);
      m["better"] = r.metric->better == Better::Lower    ? "lower"
                    : r.metric->better == Better::Higher ? "higher"
                                                         : "info";
      m["verdict"] = r.verdict;
      metrics.push_back(m);
    }
    out["metrics"] = metrics;
    report::write_file_atomically(args.json_path, out.dump(2) + "\n");
  }

  std::string text;
  const std::string base_run = describe_run(base), cand_run = describe_run(cand);
  text += fmt::format("baseline   {}{}\n", args.baseline, base_run.empty() ? "" : " (" + base_run + ")");
  text += fmt::format("candidate  {}{}\n", args.candidate, cand_run.empty() ? "" : " (" + cand_run + ")");
  text += fmt::format("  {:<26} {:>14} {:>14} {:>11}  {}\n", "metric", "baseline", "candidate", "change",
                      "verdict");
  for (const Row& r : rows) {
    text += fmt::format("  {:<26} {:>14} {:>14} {:>11}  {}\n", r.metric->key,
                        format_value(*report_value(base, r.metric->key)),
                        format_value(*report_value(cand, r.metric->key)), format_change(r.change), r.verdict);
  }
  if (regressions.empty()) {
    text += fmt::format("no regression beyond rtol {:g}\n", rtol);
  } else {
    std::string list;
    for (const auto& r : regressions)
      list += (list.empty() ? "" : ", ") + r;
    text += fmt::format("regression beyond rtol {:g}: {}\n", rtol, list);
  }
  std::cout << text << std::flush;
  return regressions.empty() ? kOk : kRegression;
}

}  // namespace pjbit::cli
