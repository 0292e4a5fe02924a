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
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "core/errors.h"
#include "core/yaml_support.h"
#include "sc_main/cli.h"
#include "sc_main/output.h"

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

// The position of the reader in the text, kept up to date by CountingIterator: where the last character read
// ends, and the line it is on.
struct Cursor {
  const char* at;
  int line;
  const char* line_start;
};

// An input iterator over the text that moves `cursor` along as the parser reads.
class CountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator(const char* at, Cursor* cursor) : m_at(at), m_cursor(cursor) {}
  reference operator*() const { return *m_at; }
  CountingIterator& operator++() {
    if (*m_at == '\n') {
      ++m_cursor->line;
      m_cursor->line_start = m_at + 1;
    }
    ++m_at;
    m_cursor->at = m_at;
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const CountingIterator& other) const { return m_at == other.m_at; }
  bool operator!=(const CountingIterator& other) const { return m_at != other.m_at; }

 private:
  const char* m_at;
  Cursor* m_cursor;
};

// Builds the document from nlohmann's SAX events, as json::parse does, and also refuses what json::parse
// lets through or reports without a place: a key given twice in one object (json::parse keeps the last), a
// number beyond a double (an out_of_range exception that names neither line nor key) and absurd nesting.
// Remembers where the keys of the top two levels are, for messages about headline metrics.
class ReportReader {
 public:
  static constexpr std::size_t kMaxDepth = 64;

  ReportReader(const std::string& text, std::string path) : m_text(text), m_path(std::move(path)) {}
  void set_cursor(const Cursor* cursor) { m_cursor = cursor; }

  bool null() { return place(json(nullptr)); }
  bool boolean(bool v) { return place(json(v)); }
  bool number_integer(json::number_integer_t v) { return place(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return place(json(v)); }
  bool number_float(json::number_float_t v, const std::string& /*text*/) { return place(json(v)); }
  bool string(std::string& v) { return place(json(std::move(v))); }
  bool binary(json::binary_t& v) { return place(json::binary(std::move(v))); }
  bool start_object(std::size_t /*size*/) { return open(json::object()); }
  bool start_array(std::size_t /*size*/) { return open(json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(std::string& k) {
    Frame& f = m_frames.back();
    const char* end = m_cursor->at;  // just after the key's closing quote
    const char* start = key_start(end);
    const core::SourceLoc loc{m_path, m_cursor->line, static_cast<int>(start - m_cursor->line_start) + 1};
    f.key = k;
    if (f.node->contains(k)) {
      m_error =
          core::InputError(loc, path(false), "the key appears twice in one object; a report has each once");
      return false;
    }
    m_member = &(*f.node)[k];
    if (m_frames.size() <= 2 && (m_frames.size() == 1 || !m_frames.front().node->is_array()))
      m_keys[path(false)] = loc;
    return true;
  }

  bool parse_error(std::size_t position, const std::string& token, const json::exception& e) {
    if (dynamic_cast<const json::out_of_range*>(&e) != nullptr) {
      // A number too large for a double (1e999, 400 digits): the token ends at `position`.
      const std::size_t end = std::min(position, m_text.size());
      const std::size_t begin = end >= token.size() ? end - token.size() : 0;
      std::string shown = one_line(token);
      if (shown.size() > 40) shown = shown.substr(0, 40) + "...";
      m_error = core::InputError(
          loc_at(begin), path(true),
          "expected a number within the range of a double (up to about 1.8e308), got " + shown);
    } else {
      // nlohmann's message starts with "[json.exception.parse_error.101] "; the rest says where and why.
      std::string_view what = e.what();
      const std::size_t cut = what.find("] ");
      if (cut != std::string_view::npos) what.remove_prefix(cut + 2);
      m_error =
          core::InputError(core::SourceLoc{m_path}, "", "expected a pjbit report (JSON): " + one_line(what));
    }
    return false;
  }

  [[noreturn]] void rethrow() const {
    if (m_error) throw *m_error;
    throw core::InputError(core::SourceLoc{m_path}, "", "expected a pjbit report (JSON)");
  }
  json take_root() { return std::move(m_root); }
  std::map<std::string, core::SourceLoc> take_keys() { return std::move(m_keys); }

 private:
  struct Frame {
    json* node;
    std::string key;  // objects: the current key
  };

  // Puts a value where the parser is: the root, the next element of an array, or the current key's value.
  json* put(json&& value) {
    if (m_frames.empty()) {
      m_root = std::move(value);
      return &m_root;
    }
    json& parent = *m_frames.back().node;
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    *m_member = std::move(value);
    return m_member;
  }
  bool place(json&& value) {
    put(std::move(value));
    return true;
  }
  bool open(json&& container) {
    if (m_frames.size() >= kMaxDepth) {
      m_error = core::InputError(loc_at(static_cast<std::size_t>(m_cursor->at - m_text.data())), path(true),
                                 "expected a pjbit report: nested deeper than 64 levels");
      return false;
    }
    m_frames.push_back(Frame{put(std::move(container)), ""});
    return true;
  }
  bool close() {
    m_frames.pop_back();
    return true;
  }

  // The dotted path of the value being read; `pending` when an array's next element is not placed yet.
  std::string path(bool pending) const {
    std::string out;
    for (std::size_t i = 0; i < m_frames.size(); ++i) {
      const Frame& f = m_frames[i];
      std::string part = f.key;
      if (f.node->is_array()) {
        const std::size_t n = f.node->size();
        const bool top = i + 1 == m_frames.size();
        part = std::to_string(top && pending ? n : (n > 0 ? n - 1 : 0));
      }
      out += (out.empty() ? "" : ".") + one_line(part);
    }
    return out;
  }

  // The opening quote of a key whose closing quote is just before `end`.
  const char* key_start(const char* end) const {
    const char* p = end - 1;  // the closing quote
    while (p > m_text.data()) {
      --p;
      if (*p != '"') continue;
      std::size_t backslashes = 0;
      for (const char* q = p; q > m_text.data() && *(q - 1) == '\\'; --q)
        ++backslashes;
      if (backslashes % 2 == 0) return p;
    }
    return m_text.data();
  }

  core::SourceLoc loc_at(std::size_t offset) const {
    int line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < offset && i < m_text.size(); ++i) {
      if (m_text[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    return core::SourceLoc{m_path, line, static_cast<int>(offset - line_start) + 1};
  }

  const std::string& m_text;
  std::string m_path;
  const Cursor* m_cursor = nullptr;
  json m_root;
  std::vector<Frame> m_frames;
  json* m_member = nullptr;
  std::map<std::string, core::SourceLoc> m_keys;
  std::optional<core::InputError> m_error;
};

}  // namespace

const std::vector<HeadlineMetric>& headline_metrics() {
  static const std::vector<HeadlineMetric> metrics = {
      {"sim_time_s", Better::Lower},
      {"energy_j.total", Better::Lower},
      {"fabric_pj_per_useful_bit", Better::Lower},
      {"effective_compute", Better::Higher, 1.0},
      {"energy_j.fabric", Better::Info},
      {"power_w.average", Better::Info},
      {"power_w.peak", Better::Info},
      {"useful_bytes", Better::Info},
      {"wire_bytes", Better::Info},
  };
  return metrics;
}

const std::vector<HeadlineMetric>& cost_metrics() {
  static const std::vector<HeadlineMetric> metrics = {
      {"cost.capital_usd", Better::Info},    {"cost.run.total_usd", Better::Info},
      {"cost.run.energy_usd", Better::Info}, {"cost.fabric_usd_per_delivered_tbps", Better::Info},
      {"cost.tco.total_usd", Better::Info},  {"cost.tokens_per_usd", Better::Info},
  };
  return metrics;
}

Report parse_report(const std::string& text, const std::string& path) {
  ReportReader reader(text, path);
  Cursor cursor{text.data(), 1, text.data()};
  reader.set_cursor(&cursor);
  const bool ok = json::sax_parse(CountingIterator(text.data(), &cursor),
                                  CountingIterator(text.data() + text.size(), &cursor), &reader,
                                  json::input_format_t::json, /*strict=*/true);
  if (!ok) reader.rethrow();
  Report report{path, reader.take_root(), reader.take_keys()};
  const core::SourceLoc loc{path};
  if (!report.json.is_object())
    throw core::InputError(loc, "", "expected a pjbit report (a JSON object), got " + json_type(report.json));
  const auto schema = report.json.find("schema");
  if (schema == report.json.end())
    throw core::InputError(loc, "schema", "missing; expected \"pjbit.report/1\", so not a pjbit report");
  if (!schema->is_string() || schema->get<std::string>() != "pjbit.report/1")
    throw core::InputError(report.keys.count("schema") ? report.keys.at("schema") : loc, "schema",
                           "expected \"pjbit.report/1\", got " + json_type(*schema));
  return report;
}

Report load_report(const std::string& path) {
  return parse_report(read_report_text(path), path);
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

double report_number(const Report& report, const std::string& key) {
  const auto known = report.keys.find(key);
  const core::SourceLoc loc = known != report.keys.end() ? known->second : core::SourceLoc{report.path};
  const json* value = report_value(report.json, key);
  if (value == nullptr) throw core::InputError(loc, key, "missing; expected a number");
  if (!value->is_number()) throw core::InputError(loc, key, "expected a number, got " + json_type(*value));
  const double number = value->get<double>();
  double max = std::numeric_limits<double>::infinity();
  for (const HeadlineMetric& m : headline_metrics())
    if (key == m.key) max = m.max;
  // No headline metric can be negative (a time, an energy, a power, a count, a share).
  if (!(number >= 0.0) || number > max) {
    const std::string range = std::isinf(max) ? "of 0 or more" : "from 0 to " + format_value(json(max));
    throw core::InputError(loc, key, "expected a number " + range + ", got " + one_line(value->dump()));
  }
  return number;
}

int cmd_compare(const CompareArgs& args) {
  const double rtol = parse_rtol(args.rtol);
  // The output is declared (its temporary file created) before anything is read, so that an output that
  // cannot be written is refused first.
  OutputSet outputs;
  std::size_t json_out = 0;
  if (args.json_given) json_out = outputs.add(args.json_path, "--json");
  const Report base_report = load_report(args.baseline);
  const Report cand_report = load_report(args.candidate);
  const json& base = base_report.json;
  const json& cand = cand_report.json;

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
    Row row{&m, report_number(base_report, m.key), report_number(cand_report, m.key), 0.0, "info"};
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
  // The cost columns, where both reports price the run (reports of earlier versions have no cost block).
  for (const HeadlineMetric& m : cost_metrics()) {
    if (report_value(base, m.key) == nullptr || report_value(cand, m.key) == nullptr) continue;
    Row row{&m, report_number(base_report, m.key), report_number(cand_report, m.key), 0.0, "info"};
    row.change = relative_change(row.base, row.cand);
    rows.push_back(row);
  }

  if (args.json_given) {
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
    outputs.write(json_out, out.dump(2) + "\n");
  }
  outputs.commit();

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
  // With --json -, standard output carries the JSON alone.
  if (!outputs.writes_to_stdout()) std::cout << text << std::flush;
  return regressions.empty() ? kOk : kRegression;
}

}  // namespace pjbit::cli
