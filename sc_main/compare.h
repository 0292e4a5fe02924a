// `pjbit compare BASELINE.json CANDIDATE.json [--rtol X] [--json FILE]` (CONTRACT section 2): headline
// metrics of two reports side by side, exit 1 when the candidate is worse beyond the tolerance. Also the
// reading of report files, which `pjbit sweep` shares.
#pragma once

#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/errors.h"

namespace pjbit::cli {

// Which way a headline metric improves; Info metrics are shown but never gate.
enum class Better { Lower, Higher, Info };

struct HeadlineMetric {
  const char* key;  // dotted path in the report, e.g. "energy_j.total"
  Better better;
  double max = std::numeric_limits<double>::infinity();  // every headline metric is 0 or more
};

// The headline metrics in display order: the four that gate `compare` first, then the informational ones.
const std::vector<HeadlineMetric>& headline_metrics();
// The cost figures (power/cost.md), informational, shown when both reports carry them.
const std::vector<HeadlineMetric>& cost_metrics();

// A report as read from its file, with where its keys are.
struct Report {
  std::string path;
  nlohmann::json json;
  // The position of every key of the top two levels of objects, by dotted path ("energy_j.total").
  std::map<std::string, core::SourceLoc> keys;
};

// Parses a report (schema pjbit.report/1) read from `path`. Throws core::InputError naming `path` (and the
// line, column and key where there are) for text that is not JSON, a number beyond the range of a double, a
// key that appears twice in one object, nesting deeper than 64 levels, and another schema.
Report parse_report(const std::string& text, const std::string& path);
// Reads and parses a report; an unreadable file throws core::InputError too.
Report load_report(const std::string& path);

// The headline metric at dotted `key` in `report`. Throws core::InputError naming the file, the key and
// where it is when it is missing, not a number, negative or above the metric's maximum.
double report_number(const Report& report, const std::string& key);

// The JSON value at dotted `key`, or nullptr when a part of the path is missing.
const nlohmann::json* report_value(const nlohmann::json& report, const std::string& key);

struct CompareArgs {
  std::string baseline;
  std::string candidate;
  std::string rtol = "0.01";
  std::string json_path;  // the comparison as JSON (schema pjbit.compare/1), when json_given
  bool json_given = false;
};

// Prints the comparison table to stdout; returns kOk, or kRegression when a gating metric is worse beyond
// the tolerance. Throws core::InputError for bad input.
int cmd_compare(const CompareArgs& args);

}  // namespace pjbit::cli
