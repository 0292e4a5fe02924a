// `pjbit compare BASELINE.json CANDIDATE.json [--rtol X] [--json FILE]` (CONTRACT section 2): headline
// metrics of two reports side by side, exit 1 when the candidate is worse beyond the tolerance. Also the
// reading of report files, which `pjbit sweep` shares.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pjbit::cli {

// Which way a headline metric improves; Info metrics are shown but never gate.
enum class Better { Lower, Higher, Info };

struct HeadlineMetric {
  const char* key;  // dotted path in the report, e.g. "energy_j.total"
  Better better;
};

// The headline metrics in display order: the four that gate `compare` first, then the informational ones.
const std::vector<HeadlineMetric>& headline_metrics();

// Reads and parses a report (schema pjbit.report/1). Throws core::InputError naming `path` for an unreadable
// file, text that is not JSON, and another schema.
nlohmann::json load_report(const std::string& path);

// The number at dotted `key` in `report`. Throws core::InputError naming `path` and `key` when it is missing
// or not a number.
double report_number(const nlohmann::json& report, const std::string& path, const std::string& key);

// The JSON value at dotted `key`, or nullptr when a part of the path is missing.
const nlohmann::json* report_value(const nlohmann::json& report, const std::string& key);

struct CompareArgs {
  std::string baseline;
  std::string candidate;
  std::string rtol = "0.01";
  std::string json_path;  // optional: the comparison as JSON (schema pjbit.compare/1)
};

// Prints the comparison table to stdout; returns kOk, or kRegression when a gating metric is worse beyond
// the tolerance. Throws core::InputError for bad input.
int cmd_compare(const CompareArgs& args);

}  // namespace pjbit::cli
