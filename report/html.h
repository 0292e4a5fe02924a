// The self-contained HTML page of a report (`pjbit run --html FILE`): inline CSS and inline SVG charts drawn
// here, no scripts and nothing loaded from the network, so the file can be mailed, archived or opened
// offline.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

namespace pjbit::report {

// Renders `report` (schema pjbit.report/1, as to_json writes it) into one HTML page: a headline table, energy
// by category (and by regime and by tier when the report has them), power over time, link utilization by
// tier, a step timeline and a step table. Every string taken from the report is escaped; a missing key or a
// value of the wrong type leaves its part of the page out instead of failing. The same report gives the same
// bytes.
std::string to_html(const nlohmann::json& report);

}  // namespace pjbit::report
