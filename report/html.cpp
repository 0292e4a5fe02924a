#include "report/html.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/units.h"

namespace pjbit::report {

namespace {

using json = nlohmann::json;

constexpr double kWidth = 1120.0;              // every chart's width in SVG user units (about one pixel each)
constexpr std::size_t kMaxBins = 400;          // power chart: at most this many time bins
constexpr std::size_t kMaxCellsPerTier = 420;  // link heatmap: beyond this, links are grouped
constexpr std::size_t kMaxTimelineRows = 60;
constexpr std::size_t kMaxTimelineBars = 3000;
constexpr std::size_t kMaxTableRows = 200;

// ------------------------------------------------------------------------------------------------------------
// Reading the report. Every accessor tolerates a missing key or a value of the wrong type, so a report from
// an older or newer pjbit still renders what it can.

const json& null_json() {
  static const json kNull;
  return kNull;
}

const json& field(const json& j, const std::string& key) {
  if (!j.is_object()) return null_json();
  const auto it = j.find(key);
  return it == j.end() ? null_json() : *it;
}

double number(const json& j, double fallback = 0.0) {
  if (!j.is_number()) return fallback;
  const double v = j.get<double>();
  return std::isfinite(v) ? v : fallback;
}

double number(const json& j, const std::string& key, double fallback = 0.0) {
  return number(field(j, key), fallback);
}

std::string text(const json& j, const std::string& key) {
  const json& v = field(j, key);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  return "";
}

const json& array(const json& j, const std::string& key) {
  static const json kEmpty = json::array();
  const json& v = field(j, key);
  return v.is_array() ? v : kEmpty;
}

// ------------------------------------------------------------------------------------------------------------
// Text: escaping and SI formatting.

std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

struct Prefix {
  double scale;
  const char* symbol;
};

constexpr Prefix kPrefixes[] = {{1e15, "P"}, {1e12, "T"}, {1e9, "G"},  {1e6, "M"},   {1e3, "k"},  {1.0, ""},
                                {1e-3, "m"}, {1e-6, "µ"}, {1e-9, "n"}, {1e-12, "p"}, {1e-15, "f"}};
constexpr std::size_t kNumPrefixes = std::size(kPrefixes);

// The prefix that puts |v| in [1, 1000), clamped to the table's ends.
std::size_t prefix_index(double v) {
  const double a = std::fabs(v);
  for (std::size_t i = 0; i < kNumPrefixes; ++i)
    if (a >= kPrefixes[i].scale) return i;
  return kNumPrefixes - 1;
}

int decimals_for(double mantissa, int digits) {
  return std::max(0, digits - 1 - static_cast<int>(std::floor(std::log10(std::fabs(mantissa)))));
}

// `v` with an SI prefix and `digits` significant digits: si(2.54e-5, "s") is "25.4 µs".
std::string si(double v, std::string_view unit, int digits = 3) {
  if (!std::isfinite(v)) return "n/a";
  if (v == 0.0) return fmt::format("0 {}", unit);
  std::size_t i = prefix_index(v);
  double m = v / kPrefixes[i].scale;
  int d = decimals_for(m, digits);
  // Rounding may carry into the next prefix: 999.96 µs is "1.00 ms", not "1000 µs".
  if (i > 0 && std::fabs(std::round(m * std::pow(10.0, d)) / std::pow(10.0, d)) >= 1000.0) {
    --i;
    m = v / kPrefixes[i].scale;
    d = decimals_for(m, digits);
  }
  return fmt::format("{:.{}f} {}{}", m, d, kPrefixes[i].symbol, unit);
}

std::string percent(double fraction) {
  return fmt::format("{:.1f} %", 100.0 * fraction);
}

std::string bytes(double b) {
  return core::format_bytes(b);
}

// A coordinate in SVG user units: one decimal is plenty and keeps the page small.
std::string px(double v) {
  if (!std::isfinite(v) || std::fabs(v) < 0.05) return "0";
  return fmt::format("{:.1f}", v);
}

// Whether `c` continues a UTF-8 sequence rather than starting a character.
bool continues_utf8(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// A generous estimate of the width of `s` set in the charts' 11 px sans-serif face, for layout decisions
// (does a label fit inside its bar, where does the next legend entry go).
double text_width(std::string_view s, double font_px = 11.0) {
  const auto glyphs = std::count_if(s.begin(), s.end(), [](char c) { return !continues_utf8(c); });
  return 0.62 * font_px * static_cast<double>(glyphs);
}

// `s` cut to at most `max_glyphs` characters, the last of them an ellipsis when cut.
std::string shorten(const std::string& s, std::size_t max_glyphs) {
  std::vector<std::size_t> starts;  // where each character starts
  for (std::size_t at = 0; at < s.size(); ++at)
    if (!continues_utf8(s[at])) starts.push_back(at);
  if (starts.size() <= max_glyphs) return s;
  return s.substr(0, starts[max_glyphs - 1]) + "…";
}

// ------------------------------------------------------------------------------------------------------------
// Axes: round tick steps, and tick labels that share one SI prefix.

struct Axis {
  double top = 1.0;   // the axis ends here (a multiple of step)
  double step = 1.0;  // 1, 2, 2.5 or 5 x 10^k
};

Axis nice_axis(double max, int target_ticks) {
  if (!(max > 0.0) || !std::isfinite(max)) max = 1.0;
  const double raw = max / std::max(1, target_ticks);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double n = raw / magnitude;
  const double step = (n <= 1.0 ? 1.0 : n <= 2.0 ? 2.0 : n <= 2.5 ? 2.5 : n <= 5.0 ? 5.0 : 10.0) * magnitude;
  return {std::ceil(max / step - 1e-9) * step, step};
}

class TickFormat {
 public:
  TickFormat(const Axis& axis, std::string unit) : m_unit(std::move(unit)) {
    m_prefix = kPrefixes[prefix_index(axis.top)];
    const double step = axis.step / m_prefix.scale;
    while (m_decimals < 3) {
      const double scaled = step * std::pow(10.0, m_decimals);
      if (std::fabs(scaled - std::round(scaled)) < 1e-6 * scaled) break;
      ++m_decimals;
    }
  }
  std::string operator()(double v) const {
    if (std::fabs(v) < 1e-300) return fmt::format("0 {}", m_unit);
    return fmt::format("{:.{}f} {}{}", v / m_prefix.scale, m_decimals, m_prefix.symbol, m_unit);
  }

 private:
  std::string m_unit;
  Prefix m_prefix{1.0, ""};
  int m_decimals = 0;
};

// ------------------------------------------------------------------------------------------------------------
// Colours. One colour per energy category, the same in every chart; step kinds have their own set.

struct Swatch {
  std::string_view name;
  std::string_view colour;
};

constexpr Swatch kCategoryColours[] = {
    {"serdes", "#4e79a7"},      {"retimer", "#76b7b2"}, {"dsp", "#f28e2b"},    {"laser", "#e15759"},
    {"switch", "#59a14f"},      {"ocs", "#edc948"},     {"nic", "#b07aa1"},    {"hbm", "#ff9da7"},
    {"memory_pool", "#d37295"}, {"compute", "#9c755f"}, {"cooling", "#bab0ac"}};
constexpr std::string_view kExtraColours[] = {"#8cd17d", "#86bcb6", "#f1ce63",
                                              "#d4a6c8", "#79706e", "#a0cbe8"};

constexpr Swatch kKindColours[] = {{"collective", "#3b6ea8"},
                                   {"memory", "#2a9d8f"},
                                   {"checkpoint", "#d08c2f"},
                                   {"compute", "#a3acb9"},
                                   {"parallel", "#e4e8ef"}};
constexpr std::string_view kOtherKindColour = "#7d6b9e";

// For parts of a whole that are not energy categories (regimes, tiers): blues and teals, dark and light in
// turn so that neighbours stand apart.
constexpr std::string_view kOrdinalColours[] = {"#27408b", "#7b9fd4", "#1b7f79", "#9fd3c7",
                                                "#5b4a8b", "#b9a8dc", "#5f6b7a", "#c3cad3"};

std::string kind_colour(const std::string& kind) {
  for (const auto& s : kKindColours)
    if (s.name == kind) return std::string(s.colour);
  return std::string(kOtherKindColour);
}

struct Rgb {
  double r, g, b;
};

Rgb parse_hex(std::string_view hex) {
  auto channel = [&](std::size_t at) {
    return static_cast<double>(std::stoi(std::string(hex.substr(at, 2)), nullptr, 16));
  };
  return {channel(1), channel(3), channel(5)};
}

std::string to_hex(const Rgb& c) {
  auto clamp = [](double v) { return static_cast<int>(std::lround(std::clamp(v, 0.0, 255.0))); };
  return fmt::format("#{:02x}{:02x}{:02x}", clamp(c.r), clamp(c.g), clamp(c.b));
}

// `hex` moved `amount` (0..1) of the way toward white.
std::string tint(std::string_view hex, double amount) {
  const Rgb c = parse_hex(hex);
  return to_hex({c.r + (255.0 - c.r) * amount, c.g + (255.0 - c.g) * amount, c.b + (255.0 - c.b) * amount});
}

// Whether text on `hex` should be light rather than dark.
bool is_dark(std::string_view hex) {
  const Rgb c = parse_hex(hex);
  return 0.299 * c.r + 0.587 * c.g + 0.114 * c.b < 150.0;
}

constexpr std::string_view kIdleColour = "#eceef1";

// Link utilization on a sequential blue ramp (ColorBrewer Blues); an idle link is grey, so that a link busy
// for a few percent of the run still stands apart from one that carried nothing.
std::string utilization_colour(double u) {
  static constexpr std::string_view kStops[] = {"#deebf7", "#c6dbef", "#9ecae1", "#6baed6",
                                                "#4292c6", "#2171b5", "#08519c", "#08306b"};
  if (!(u > 0.0)) return std::string(kIdleColour);
  constexpr double kSegments = static_cast<double>(std::size(kStops) - 1);
  const double t = std::min(u, 1.0) * kSegments;
  const auto i = std::min(static_cast<std::size_t>(t), std::size(kStops) - 2);
  const Rgb a = parse_hex(kStops[i]), b = parse_hex(kStops[i + 1]);
  const double f = t - static_cast<double>(i);
  return to_hex({a.r + (b.r - a.r) * f, a.g + (b.g - a.g) * f, a.b + (b.b - a.b) * f});
}

// The energy categories of a report in display order: the schema's own first, then any other the report
// names, alphabetically; each with its colour.
class Palette {
 public:
  explicit Palette(const json& report) {
    for (const auto& s : kCategoryColours) {
      m_names.emplace_back(s.name);
      m_colours[std::string(s.name)] = std::string(s.colour);
    }
    std::set<std::string> extra;
    const json& energy = field(report, "energy_j");
    for (const json* map :
         {&field(energy, "by_category"), &field(energy, "static_by_category"),
          &field(energy, "dynamic_by_category"), &field(field(report, "power_trace"), "by_category")})
      if (map->is_object())
        for (const auto& item : map->items())
          if (!m_colours.count(item.key())) extra.insert(item.key());
    std::size_t next = 0;
    for (const auto& name : extra) {
      m_names.push_back(name);
      m_colours[name] = std::string(kExtraColours[next++ % std::size(kExtraColours)]);
    }
  }
  const std::vector<std::string>& categories() const { return m_names; }
  const std::string& colour(const std::string& category) const { return m_colours.at(category); }

 private:
  std::vector<std::string> m_names;
  std::map<std::string, std::string> m_colours;
};

// ------------------------------------------------------------------------------------------------------------
// SVG. A chart is built top to bottom into a string; its height is known only at the end. Every text and
// tooltip handed to it is already escaped.

class Svg {
 public:
  Svg(std::string id, std::string label) : m_id(std::move(id)), m_label(std::move(label)) {}

  const std::string& id() const { return m_id; }

  void rect(double x, double y, double w, double h, std::string_view fill, std::string_view tooltip = {},
            std::string_view extra = {}) {
    element("rect",
            fmt::format(R"(x="{}" y="{}" width="{}" height="{}" fill="{}"{}{})", px(x), px(y),
                        px(std::max(w, 0.0)), px(std::max(h, 0.0)), fill, extra.empty() ? "" : " ", extra),
            tooltip);
  }
  void path(std::string_view d, std::string_view fill, std::string_view tooltip = {}) {
    element("path", fmt::format(R"(d="{}" fill="{}")", d, fill), tooltip);
  }
  void line(double x1, double y1, double x2, double y2, std::string_view cls) {
    element("line",
            fmt::format(R"(x1="{}" y1="{}" x2="{}" y2="{}" class="{}")", px(x1), px(y1), px(x2), px(y2), cls),
            {});
  }
  // `anchor` is start, middle or end; `cls` a class of the page's style sheet.
  void text(double x, double y, std::string_view escaped, std::string_view cls = {},
            std::string_view anchor = "start") {
    fmt::format_to(std::back_inserter(m_body), R"(<text x="{}" y="{}")", px(x), px(y));
    if (anchor != "start") fmt::format_to(std::back_inserter(m_body), R"( text-anchor="{}")", anchor);
    if (!cls.empty()) fmt::format_to(std::back_inserter(m_body), R"( class="{}")", cls);
    fmt::format_to(std::back_inserter(m_body), ">{}</text>", escaped);
  }
  void defs(std::string_view content) {
    fmt::format_to(std::back_inserter(m_body), "<defs>{}</defs>", content);
  }

  std::string str(double height) const {
    return fmt::format(R"(<svg id="{}" class="chart" viewBox="0 0 {} {}" )"
                       R"(width="{}" height="{}" role="img" aria-label="{}">{}</svg>)",
                       m_id, px(kWidth), px(height), px(kWidth), px(height), esc(m_label), m_body);
  }

 private:
  void element(std::string_view name, const std::string& attributes, std::string_view tooltip) {
    if (tooltip.empty())
      fmt::format_to(std::back_inserter(m_body), "<{} {}/>", name, attributes);
    else
      fmt::format_to(std::back_inserter(m_body), "<{} {}><title>{}</title></{}>", name, attributes, tooltip,
                     name);
  }

  std::string m_id;
  std::string m_label;
  std::string m_body;
};

// A diagonal hatch of `colour` over a tint of it: how static energy is drawn.
std::string hatch_pattern(const std::string& id, std::string_view colour) {
  return fmt::format(R"(<pattern id="{}" width="6" height="6" patternUnits="userSpaceOnUse" )"
                     R"svg(patternTransform="rotate(45)"><rect width="6" height="6" fill="{}"/>)svg"
                     R"(<rect width="2.5" height="6" fill="{}"/></pattern>)",
                     id, tint(colour, 0.6), colour);
}

struct LegendItem {
  std::string label;  // escaped
  std::string fill;   // a colour or url(#pattern); empty for a dashed reference line
};

// Draws legend entries left to right from (x, y), wrapping before `right`; returns the y below the legend.
double legend(Svg& svg, double x, double y, double right, const std::vector<LegendItem>& items) {
  double cx = x;
  for (const auto& item : items) {
    const double w = 18.0 + text_width(item.label) + 20.0;
    if (cx > x && cx + w > right) {
      cx = x;
      y += 20.0;
    }
    if (item.fill.empty())
      svg.line(cx, y - 4.0, cx + 13.0, y - 4.0, "ref");
    else
      svg.rect(cx, y - 10.0, 12.0, 12.0, item.fill, {}, R"(rx="2")");
    svg.text(cx + 18.0, y, item.label);
    cx += w;
  }
  return y + 12.0;
}

// Vertical grid lines and labels of a time axis from 0 to `t_end` over [x0, x1], below y1.
void time_axis(Svg& svg, double x0, double x1, double y0, double y1, double t_end) {
  const Axis axis = nice_axis(t_end, std::max(2, static_cast<int>((x1 - x0) / 110.0)));
  const TickFormat label(axis, "s");
  const auto ticks = static_cast<int>(std::floor(t_end / axis.step + 1e-9));
  for (int k = 0; k <= ticks; ++k) {
    const double t = k * axis.step;
    const double x = x0 + (x1 - x0) * t / t_end;
    svg.line(x, y0, x, y1 + 4.0, k == 0 ? "axis" : "grid");
    svg.text(x, y1 + 17.0, esc(label(t)), "tick", k == 0 ? "start" : x > x1 - 30.0 ? "end" : "middle");
  }
  svg.line(x0, y1, x1, y1, "axis");
}

// Horizontal grid lines and labels of a value axis over [y1 (0), y0 (axis.top)], left of x0.
void value_axis(Svg& svg, double x0, double x1, double y0, double y1, const Axis& axis,
                const std::string& unit) {
  const TickFormat label(axis, unit);
  const auto ticks = static_cast<int>(std::lround(axis.top / axis.step));
  for (int k = 0; k <= ticks; ++k) {
    const double y = y1 - (y1 - y0) * k / std::max(1, ticks);
    svg.line(x0 - 4.0, y, x1, y, k == 0 ? "axis" : "grid");
    svg.text(x0 - 8.0, y + 4.0, esc(label(k * axis.step)), "tick", "end");
  }
  svg.line(x0, y0, x0, y1, "axis");
}

std::string figure(const std::string& svg, const std::string& caption) {
  return fmt::format("<figure>{}<figcaption>{}</figcaption></figure>\n", svg, caption);
}

// ------------------------------------------------------------------------------------------------------------
// The page's head, header and headline table.

constexpr std::string_view kStyle = R"(
:root{--ink:#1f2430;--muted:#5b6474;--line:#e2e6ec;--bg:#f4f5f7}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"DejaVu Sans",sans-serif}
main{max-width:1200px;margin:0 auto;padding:24px}
header h1{font-size:24px;margin:0 0 2px;font-weight:650}
header p{margin:0;color:var(--muted)}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px 20px 12px;margin-top:16px}
h2{font-size:17px;margin:0 0 10px;font-weight:650}
h3{font-size:13px;margin:14px 0 6px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.04em}
figure{margin:0 0 10px}
figcaption,p.note{color:var(--muted);font-size:12.5px;margin:4px 0 0}
svg.chart{display:block;width:100%;height:auto;overflow:visible}
svg.chart text{font-size:11px;fill:#3d4656}
svg.chart text.tick{fill:#6b7383}
svg.chart text.label{font-size:12px;fill:#1f2430}
svg.chart text.strong{font-weight:600;fill:#1f2430}
svg.chart text.on-dark{fill:#fff}
svg.chart line.axis{stroke:#9aa3b2;stroke-width:1}
svg.chart line.grid{stroke:#eceff3;stroke-width:1}
svg.chart line.ref{stroke:#1f2430;stroke-width:1.5;stroke-dasharray:5 4}
svg.chart .cell{stroke:#d5dbe4;stroke-width:.5}
.headline{display:grid;grid-template-columns:1fr 1fr;gap:8px 40px}
.headline table{border-collapse:collapse;width:100%}
.headline th{text-align:left;font-weight:400;color:var(--muted);padding:5px 12px 5px 0;border-bottom:1px solid var(--line);width:45%}
.headline td{font-weight:600;padding:5px 0;border-bottom:1px solid var(--line);font-variant-numeric:tabular-nums}
table.steps{border-collapse:collapse;width:100%;font-size:12px;font-variant-numeric:tabular-nums}
table.steps th{text-align:left;color:var(--muted);font-weight:600;border-bottom:1px solid #c9cfd8;padding:4px 8px 4px 0}
table.steps td{border-bottom:1px solid var(--line);padding:3px 8px 3px 0;white-space:nowrap}
table.steps .num{text-align:right}
@media (max-width:800px){.headline{grid-template-columns:1fr}}
footer{color:var(--muted);font-size:12px;margin:16px 2px}
)";

std::string page_head(const json& r) {
  const std::string title = fmt::format("pjbit report: {} on {}", text(field(r, "workload"), "name"),
                                        text(field(r, "platform"), "name"));
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n",
      esc(title), kStyle);
}

std::string page_header(const json& r) {
  const json& platform = field(r, "platform");
  const json& workload = field(r, "workload");
  std::string meta = "pjbit " + text(r, "version");
  const std::string engine = text(r, "engine"), seed = text(r, "seed");
  if (!engine.empty()) meta += " · " + engine + " engine";
  if (!seed.empty()) meta += " · seed " + seed;
  for (const std::string& file : {text(platform, "file"), text(workload, "file")})
    if (!file.empty()) meta += " · " + file;
  return fmt::format("<header>\n<h1>{} on {}</h1>\n<p>{}</p>\n</header>\n", esc(text(workload, "name")),
                     esc(text(platform, "name")), esc(meta));
}

std::string table_rows(const std::vector<std::pair<std::string, std::string>>& rows) {
  std::string out;
  for (const auto& [key, value] : rows)
    out += fmt::format("<tr><th>{}</th><td>{}</td></tr>", esc(key), esc(value));
  return out;
}

std::string platform_description(const json& platform) {
  std::string tiers;
  for (const auto& t : array(platform, "tiers"))
    tiers += fmt::format("{}{} ({})", tiers.empty() ? "" : ", ", text(t, "name"), text(t, "kind"));
  std::string out = text(platform, "name");
  if (!tiers.empty()) out += " · " + tiers;
  return out;
}

std::string workload_description(const json& workload) {
  std::string iterations = text(workload, "iterations");
  if (iterations.empty()) iterations = "1";
  return fmt::format("{} · {} iteration{}", text(workload, "name"), iterations, iterations == "1" ? "" : "s");
}

std::string headline_section(const json& r) {
  const json& energy = field(r, "energy_j");
  const json& power = field(r, "power_w");
  const double total = number(energy, "total"), fabric = number(energy, "fabric");
  std::vector<std::pair<std::string, std::string>> run = {
      {"platform", platform_description(field(r, "platform"))},
      {"workload", workload_description(field(r, "workload"))},
      {"engine", text(r, "engine")},
      {"ranks", text(field(r, "platform"), "ranks")},
      {"simulated time", si(number(r, "sim_time_s"), "s")},
      {"effective compute", percent(number(r, "effective_compute"))},
      {"useful bytes", bytes(number(r, "useful_bytes"))},
      {"wire bytes", bytes(number(r, "wire_bytes"))}};
  std::vector<std::pair<std::string, std::string>> cost = {
      {"energy, total", si(total, "J")},
      {"energy, fabric",
       fmt::format("{} ({} of total)", si(fabric, "J"), percent(total > 0.0 ? fabric / total : 0.0))},
      {"energy, static / dynamic",
       fmt::format("{} / {}", si(number(energy, "static"), "J"), si(number(energy, "dynamic"), "J"))},
      {"fabric energy per useful bit", si(number(r, "fabric_pj_per_useful_bit") * 1e-12, "J/bit")},
      {"power, average", si(number(power, "average"), "W")},
      {"power, peak", si(number(power, "peak"), "W")},
      {"power, static", si(number(power, "static"), "W")}};
  // A model-driven run: its throughput in operators' units.
  if (const json& t = field(r, "throughput"); t.is_object()) {
    const json& model = field(field(r, "workload"), "model");
    run.push_back({"model", text(model, "name")});
    run.push_back({"tokens per second", fmt::format("{:.4g}", number(t, "tokens_per_s"))});
    run.push_back({"model FLOPs utilization", percent(number(t, "mfu"))});
    cost.push_back({"tokens per joule", fmt::format("{:.4g}", number(t, "tokens_per_j"))});
    cost.push_back({"fabric energy per token", si(number(t, "fabric_j_per_token"), "J/token")});
  }
  // One iteration's time split (a workload whose steps name their parallelism dimension).
  if (const json& b = field(r, "step_breakdown"); b.is_object()) {
    std::string split = "compute " + si(number(b, "compute_s"), "s");
    for (const auto& [dim, seconds] : field(b, "exposed_comm_s").items())
      if (seconds.is_number() && seconds.get<double>() > 0.0)
        split += ", " + dim + " " + si(seconds.get<double>(), "s");
    split += ", bubble " + si(number(b, "bubble_s"), "s");
    run.push_back({"step time split", split});
  }
  return fmt::format(
      "<section id=\"headline\">\n<h2>Headline</h2>\n<div class=\"headline\">"
      "<table>{}</table><table>{}</table></div>\n</section>\n",
      table_rows(run), table_rows(cost));
}

// ------------------------------------------------------------------------------------------------------------
// Energy: by category (dynamic and static), by regime and by tier.

struct CategoryEnergy {
  std::string name;
  double dynamic_j = 0.0;
  double static_j = 0.0;
};

std::vector<CategoryEnergy> category_energy(const json& energy, const Palette& palette) {
  const json& st = field(energy, "static_by_category");
  const json& dy = field(energy, "dynamic_by_category");
  const bool split = st.is_object() || dy.is_object();  // older reports have only by_category
  std::vector<CategoryEnergy> out;
  for (const auto& name : palette.categories()) {
    CategoryEnergy c{name, split ? number(dy, name) : number(field(energy, "by_category"), name),
                     split ? number(st, name) : 0.0};
    if (c.dynamic_j + c.static_j > 0.0) out.push_back(c);
  }
  return out;
}

std::string category_chart(const std::vector<CategoryEnergy>& categories, double total_j,
                           const Palette& palette) {
  constexpr double kLabels = 110.0, kValues = 200.0, kRow = 26.0, kBar = 16.0;
  Svg svg("chart-energy-category", "energy by category, dynamic and static");
  std::string patterns = hatch_pattern(svg.id() + "-hatch-key", "#6b7383");
  for (std::size_t i = 0; i < categories.size(); ++i)
    patterns += hatch_pattern(fmt::format("{}-hatch-{}", svg.id(), i), palette.colour(categories[i].name));
  svg.defs(patterns);
  double y = legend(svg, kLabels, 14.0, kWidth,
                    {{"dynamic: charged per bit moved", "#6b7383"},
                     {"static: drawn for the whole run", fmt::format("url(#{}-hatch-key)", svg.id())}});
  double max = 0.0;
  for (const auto& c : categories)
    max = std::max(max, c.dynamic_j + c.static_j);
  const Axis axis = nice_axis(max, 6);
  const double x0 = kLabels, x1 = kWidth - kValues, top = y + 4.0;
  const double bottom = top + kRow * static_cast<double>(categories.size());
  const double scale = (x1 - x0) / axis.top;
  const TickFormat label(axis, "J");
  const auto ticks = static_cast<int>(std::lround(axis.top / axis.step));
  for (int k = 0; k <= ticks; ++k) {
    const double x = x0 + k * axis.step * scale;
    svg.line(x, top, x, bottom + 4.0, k == 0 ? "axis" : "grid");
    svg.text(x, bottom + 17.0, esc(label(k * axis.step)), "tick", k == 0 ? "start" : "middle");
  }
  for (std::size_t i = 0; i < categories.size(); ++i) {
    const auto& c = categories[i];
    const double yc = top + kRow * static_cast<double>(i) + (kRow - kBar) / 2.0;
    const std::string tip =
        esc(fmt::format("{}: {} dynamic, {} static", c.name, si(c.dynamic_j, "J"), si(c.static_j, "J")));
    svg.text(x0 - 8.0, yc + 12.0, esc(shorten(c.name, 16)), "label", "end");
    svg.rect(x0, yc, c.dynamic_j * scale, kBar, palette.colour(c.name), tip);
    svg.rect(x0 + c.dynamic_j * scale, yc, c.static_j * scale, kBar,
             fmt::format("url(#{}-hatch-{})", svg.id(), i), tip);
    const double sum = c.dynamic_j + c.static_j;
    svg.text(x0 + sum * scale + 6.0, yc + 12.0,
             esc(fmt::format("{} · {}", si(sum, "J"), percent(total_j > 0.0 ? sum / total_j : 0.0))));
  }
  return svg.str(bottom + 26.0);
}

struct Part {
  std::string name;
  double joules = 0.0;
};

// A map name -> joules as parts of a whole, in `order` first and then by name. A value may also be an object
// (e.g. joules by category): its "total" when it has one, else the sum of its numbers.
std::vector<Part> energy_parts(const json& map, const std::vector<std::string>& order) {
  auto joules = [](const json& v) {
    if (!v.is_object()) return number(v);
    if (field(v, "total").is_number()) return number(v, "total");
    double sum = 0.0;
    for (const auto& item : v.items())
      sum += number(item.value());
    return sum;
  };
  std::vector<Part> out;
  for (const auto& name : order)
    if (map.is_object() && map.contains(name)) out.push_back({name, joules(map.at(name))});
  if (map.is_object())
    for (const auto& item : map.items())
      if (std::find(order.begin(), order.end(), item.key()) == order.end())
        out.push_back({item.key(), joules(item.value())});
  out.erase(std::remove_if(out.begin(), out.end(), [](const Part& p) { return !(p.joules > 0.0); }),
            out.end());
  return out;
}

// One bar split into the parts of a whole, with a legend of names, joules and shares below it.
std::string composition_chart(const std::string& id, const std::string& what,
                              const std::vector<Part>& parts) {
  constexpr double kBar = 30.0, kPad = 1.0;
  Svg svg(id, "energy by " + what);
  double total = 0.0;
  for (const auto& p : parts)
    total += p.joules;
  double x = kPad;
  std::vector<LegendItem> items;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto& p = parts[i];
    const std::string colour(kOrdinalColours[i % std::size(kOrdinalColours)]);
    const double w = (kWidth - 2.0 * kPad) * p.joules / total;
    const std::string share = percent(p.joules / total);
    svg.rect(x, 4.0, w, kBar, colour, esc(fmt::format("{}: {} ({})", p.name, si(p.joules, "J"), share)),
             R"(stroke="#fff" stroke-width="1")");
    const std::string inside = fmt::format("{} {}", p.name, share);
    if (text_width(inside) + 12.0 < w)
      svg.text(x + w / 2.0, 4.0 + kBar / 2.0 + 4.0, esc(inside), is_dark(colour) ? "on-dark" : "", "middle");
    items.push_back({esc(fmt::format("{}: {} ({})", p.name, si(p.joules, "J"), share)), colour});
    x += w;
  }
  const double bottom = legend(svg, kPad, kBar + 26.0, kWidth, items);
  return svg.str(bottom + 2.0);
}

std::vector<std::string> tier_names(const json& report) {
  std::vector<std::string> out;
  for (const auto& t : array(field(report, "platform"), "tiers"))
    out.push_back(text(t, "name"));
  return out;
}

std::string energy_section(const json& r, const Palette& palette) {
  const json& energy = field(r, "energy_j");
  const auto categories = category_energy(energy, palette);
  std::string out = "<section id=\"energy\">\n<h2>Energy</h2>\n";
  if (categories.empty())
    out += "<p class=\"note\">The report records no energy.</p>\n";
  else
    out += figure(
        category_chart(categories, number(energy, "total"), palette),
        "Energy of each category over the run: solid is dynamic energy, charged per bit moved; striped is "
        "static energy, drawn whether or not bits flow. Labels give the total and its share of all energy.");
  const auto regimes = energy_parts(field(energy, "by_regime"), {});
  if (!regimes.empty()) {
    out += "<h3>By regime</h3>\n";
    out += figure(composition_chart("chart-energy-regime", "regime", regimes),
                  "All energy split by the operating regime it was spent in.");
  }
  const auto tiers = energy_parts(field(energy, "by_tier"), tier_names(r));
  if (!tiers.empty()) {
    out += "<h3>By tier</h3>\n";
    out += figure(composition_chart("chart-energy-tier", "tier", tiers),
                  "All energy split by the fabric tier that spent it, innermost tier first.");
  }
  return out + "</section>\n";
}

// ------------------------------------------------------------------------------------------------------------
// Power over time: a stacked area of piecewise-constant layers.

struct Layer {
  std::string name;
  std::string colour;
  std::vector<double> watts;  // one value per bin
};

struct PowerSeries {
  std::vector<double> edges;  // bin i spans [edges[i], edges[i + 1]]
  std::vector<Layer> layers;
  std::string merged;  // when bins were merged to keep the page small, says how (escaped); else empty
};

struct RefLine {
  double watts;
  std::string label;  // escaped
};

// Adds `joules`, spent evenly over [start, end], to the bins of `edges` as average watts per bin.
void spread(const std::vector<double>& edges, double start, double end, double joules,
            std::vector<double>& watts) {
  if (!(end > start) || edges.size() < 2) return;
  const double power = joules / (end - start);
  auto i = static_cast<std::size_t>(
      std::max<std::ptrdiff_t>(0, std::upper_bound(edges.begin(), edges.end(), start) - edges.begin() - 1));
  for (; i + 1 < edges.size() && edges[i] < end; ++i) {
    const double overlap = std::min(end, edges[i + 1]) - std::max(start, edges[i]);
    const double width = edges[i + 1] - edges[i];
    if (overlap > 0.0 && width > 0.0) watts[i] += power * overlap / width;
  }
}

// The steps without children: a parallel step's energy is that of its sub-steps.
void collect_leaves(const json& steps, std::vector<const json*>& out) {
  for (const auto& s : steps) {
    if (!array(s, "children").empty())
      collect_leaves(array(s, "children"), out);
    else
      out.push_back(&s);
  }
}

// Each step's dynamic energy spread evenly over its duration, stacked by step kind. The bins are the steps'
// own boundaries, or equal bins when there are too many of those.
PowerSeries step_series(const json& steps, double t_end) {
  std::vector<const json*> leaves;
  collect_leaves(steps, leaves);
  std::set<double> cuts = {0.0, t_end};
  for (const json* s : leaves)
    if (number(*s, "energy_j") > 0.0) {
      cuts.insert(std::clamp(number(*s, "start_s"), 0.0, t_end));
      cuts.insert(std::clamp(number(*s, "end_s"), 0.0, t_end));
    }
  PowerSeries series;
  if (cuts.size() - 1 <= kMaxBins) {
    series.edges.assign(cuts.begin(), cuts.end());
  } else {
    for (std::size_t i = 0; i <= kMaxBins; ++i)
      series.edges.push_back(t_end * static_cast<double>(i) / static_cast<double>(kMaxBins));
    series.merged = esc(fmt::format("Averaged over {} equal time bins.", kMaxBins));
  }
  std::map<std::string, std::vector<double>> by_kind;
  for (const json* s : leaves) {
    const double e = number(*s, "energy_j");
    if (!(e > 0.0)) continue;
    auto& watts = by_kind[text(*s, "kind")];
    watts.resize(series.edges.size() - 1, 0.0);
    spread(series.edges, number(*s, "start_s"), number(*s, "end_s"), e, watts);
  }
  for (const auto& k : kKindColours) {  // the known kinds in their order, then any other by name
    const auto it = by_kind.find(std::string(k.name));
    if (it == by_kind.end()) continue;
    series.layers.push_back({it->first, std::string(k.colour), it->second});
    by_kind.erase(it);
  }
  for (auto& [kind, watts] : by_kind)
    series.layers.push_back({kind, kind_colour(kind), watts});
  return series;
}

// The report's power trace: windows of `window_s` starting at `t_s`, watts by category. Windows are merged
// (energy kept) when there are more than kMaxBins.
PowerSeries trace_series(const json& trace, const Palette& palette) {
  PowerSeries series;
  const json& starts = array(trace, "t_s");
  const json& by = field(trace, "by_category");
  const std::size_t n = starts.size();
  if (n == 0 || !by.is_object()) return series;
  std::vector<double> edges;
  for (const auto& t : starts)
    edges.push_back(number(t));
  const double window = number(trace, "window_s", n > 1 ? edges[n - 1] - edges[n - 2] : 0.0);
  edges.push_back(edges.back() + window);
  const std::size_t group = (n + kMaxBins - 1) / kMaxBins;
  for (std::size_t i = 0; i < n; i += group)
    series.edges.push_back(edges[i]);
  series.edges.push_back(edges.back());
  if (group > 1) series.merged = esc(fmt::format("{} windows merged {} to a bin.", n, group));
  for (const auto& name : palette.categories()) {
    const json& values = array(by, name);
    std::vector<double> watts;
    bool any = false;
    for (std::size_t i = 0; i < n; i += group) {
      double joules = 0.0, span = 0.0;
      for (std::size_t k = i; k < std::min(n, i + group); ++k) {
        const double w = k < values.size() ? number(values[k]) : 0.0;
        joules += w * (edges[k + 1] - edges[k]);
        span += edges[k + 1] - edges[k];
        any = any || w > 0.0;
      }
      watts.push_back(span > 0.0 ? joules / span : 0.0);
    }
    if (any) series.layers.push_back({name, palette.colour(name), std::move(watts)});
  }
  return series;
}

// Appends the boundary of a piecewise-constant level to an SVG path as H and V moves: level ys[i] over
// [xs[i], xs[i + 1]], walked forward or backward, equal neighbours merged. The pen is already at the start.
void append_steps(std::string& d, const std::vector<std::string>& xs, const std::vector<std::string>& ys,
                  bool forward) {
  const std::size_t n = ys.size();
  std::string pending_x;
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = forward ? k : n - 1 - k;
    const bool level_changes = k > 0 && ys[i] != ys[forward ? i - 1 : i + 1];
    if (level_changes || (k == 0 && !forward)) {
      if (!pending_x.empty()) d += "H" + pending_x;
      d += "V" + ys[i];
    }
    pending_x = forward ? xs[i + 1] : xs[i];
  }
  d += "H" + pending_x;
}

std::string power_chart(const PowerSeries& s, double t_end, const std::vector<RefLine>& refs) {
  Svg svg("chart-power", "power over time");
  std::vector<LegendItem> items;
  for (const auto& layer : s.layers)
    items.push_back({esc(layer.name), layer.colour});
  for (const auto& ref : refs)
    items.push_back({ref.label, ""});
  const double x0 = 72.0, x1 = kWidth - 16.0;
  const double y0 = legend(svg, x0, 14.0, kWidth, items) + 8.0, y1 = y0 + 230.0;
  const std::size_t bins = s.edges.size() - 1;
  std::vector<double> stack(bins, 0.0);
  double max = 0.0;
  for (const auto& layer : s.layers)
    for (std::size_t i = 0; i < bins; ++i)
      max = std::max(max, stack[i] += layer.watts[i]);
  for (const auto& ref : refs)
    max = std::max(max, ref.watts);
  const Axis axis = nice_axis(max, 5);
  value_axis(svg, x0, x1, y0, y1, axis, "W");
  time_axis(svg, x0, x1, y0, y1, t_end);
  auto x_of = [&](double t) { return px(x0 + (x1 - x0) * std::clamp(t / t_end, 0.0, 1.0)); };
  auto y_of = [&](double w) { return px(y1 - (y1 - y0) * w / axis.top); };
  std::vector<std::string> xs;
  for (const double e : s.edges)
    xs.push_back(x_of(e));
  std::vector<double> base(bins, 0.0);
  for (const auto& layer : s.layers) {
    std::vector<std::string> lower, upper;
    for (std::size_t i = 0; i < bins; ++i) {
      lower.push_back(y_of(base[i]));
      upper.push_back(y_of(base[i] += layer.watts[i]));
    }
    std::string d = "M" + xs[0] + " " + upper[0];
    append_steps(d, xs, upper, true);
    append_steps(d, xs, lower, false);
    svg.path(d + "Z", layer.colour, esc(layer.name));
  }
  for (const auto& ref : refs) {
    const double y = y1 - (y1 - y0) * ref.watts / axis.top;
    svg.line(x0, y, x1, y, "ref");  // named in the legend: a label in the plot would cover the areas
  }
  return svg.str(y1 + 28.0);
}

std::string power_section(const json& r, const Palette& palette) {
  const json& power = field(r, "power_w");
  const json& trace = field(r, "power_trace");
  const double sim_time = number(r, "sim_time_s");
  std::string out = "<section id=\"power\">\n<h2>Power over time</h2>\n";
  PowerSeries series;
  std::vector<RefLine> refs;
  std::string caption;
  if (trace.is_object()) {
    series = trace_series(trace, palette);
    refs.push_back({number(power, "average"), esc("average " + si(number(power, "average"), "W"))});
    caption = fmt::format(
        "Power drawn in each window of {} by energy category, stacked; dashed: the average "
        "power over the run.",
        si(number(trace, "window_s"), "s"));
  } else if (sim_time > 0.0) {
    series = step_series(array(r, "steps"), sim_time);
    refs.push_back({number(power, "static"), esc("static power " + si(number(power, "static"), "W"))});
    caption =
        "Dynamic power of the steps' own traffic (each step's energy over its duration), stacked by step "
        "kind; dashed: the static power drawn for the whole run. HBM and compute energy are not in the "
        "steps.";
  }
  const double t_end = std::max(sim_time, series.edges.empty() ? 0.0 : series.edges.back());
  if (!(t_end > 0.0) || series.edges.size() < 2)
    return out + "<p class=\"note\">Nothing ran.</p>\n</section>\n";
  if (!series.merged.empty()) caption += " " + series.merged;
  return out + figure(power_chart(series, t_end, refs), esc(caption)) + "</section>\n";
}

// ------------------------------------------------------------------------------------------------------------
// Link utilization by tier: one cell per link, or per group of links on large fabrics.

struct TierLinks {
  std::string tier;
  std::vector<const json*> links;
};

// Links grouped by tier, tiers in the order the report first names them.
std::vector<TierLinks> links_by_tier(const json& links) {
  std::vector<TierLinks> out;
  std::map<std::string, std::size_t> index;
  for (const auto& link : links) {
    const std::string tier = text(link, "tier");
    const auto [it, added] = index.emplace(tier, out.size());
    if (added) out.push_back({tier, {}});
    out[it->second].links.push_back(&link);
  }
  return out;
}

struct Cell {
  double utilization;
  std::string tooltip;  // escaped
};

std::vector<Cell> link_cells(const TierLinks& t) {
  std::vector<Cell> cells;
  const std::size_t n = t.links.size();
  if (n <= kMaxCellsPerTier) {
    for (const json* l : t.links)
      cells.push_back({number(*l, "utilization"),
                       esc(fmt::format("{}: {} busy, {} carried", text(*l, "id"),
                                       percent(number(*l, "utilization")), bytes(number(*l, "bytes"))))});
    return cells;
  }
  // Too many to draw one by one: sort by utilization, busiest first, and give each cell a group's mean.
  std::vector<const json*> sorted = t.links;
  std::stable_sort(sorted.begin(), sorted.end(), [](const json* a, const json* b) {
    return number(*a, "utilization") > number(*b, "utilization");
  });
  const std::size_t group = (n + kMaxCellsPerTier - 1) / kMaxCellsPerTier;
  for (std::size_t i = 0; i < n; i += group) {
    const std::size_t end = std::min(n, i + group);
    double sum = 0.0;
    for (std::size_t k = i; k < end; ++k)
      sum += number(*sorted[k], "utilization");
    const double mean = sum / static_cast<double>(end - i);
    cells.push_back({mean, esc(fmt::format("links {} to {} of {} by utilization: mean {}, busiest {} ({})",
                                           i + 1, end, n, percent(mean), text(*sorted[i], "id"),
                                           percent(number(*sorted[i], "utilization"))))});
  }
  return cells;
}

std::string tier_heading(const TierLinks& t) {
  double sum = 0.0;
  const json* busiest = t.links.front();
  for (const json* l : t.links) {
    sum += number(*l, "utilization");
    if (number(*l, "utilization") > number(*busiest, "utilization")) busiest = l;
  }
  std::string out = fmt::format("{} · {} links · mean {} · busiest {} at {}", t.tier, t.links.size(),
                                percent(sum / static_cast<double>(t.links.size())), text(*busiest, "id"),
                                percent(number(*busiest, "utilization")));
  if (t.links.size() > kMaxCellsPerTier)
    out +=
        fmt::format(" · sorted, {} links a cell", (t.links.size() + kMaxCellsPerTier - 1) / kMaxCellsPerTier);
  return out;
}

std::string links_chart(const std::vector<TierLinks>& tiers) {
  std::size_t most = 0;
  for (const auto& t : tiers)
    most = std::max(most, t.links.size());
  // Small fabrics get bigger cells.
  const double size = most <= 100 ? 24.0 : 14.0, gap = 2.0, pitch = size + gap;
  const auto columns = static_cast<std::size_t>((kWidth + gap) / pitch);
  Svg svg("chart-links", "link utilization by tier");
  // The colour key: idle, then 0 % to 100 % in ten steps.
  svg.text(0.0, 14.0, "utilization", "tick");
  svg.rect(72.0, 4.0, 12.0, 12.0, kIdleColour, "idle", R"(class="cell")");
  svg.text(78.0, 30.0, "idle", "tick", "middle");
  for (int k = 1; k <= 10; ++k)
    svg.rect(96.0 + k * 16.0, 4.0, 16.0, 12.0, utilization_colour(k / 10.0), esc(percent(k / 10.0)),
             R"(class="cell")");
  svg.text(112.0, 30.0, "0 %", "tick", "middle");
  svg.text(192.0, 30.0, "50 %", "tick", "middle");
  svg.text(272.0, 30.0, "100 %", "tick", "middle");
  double y = 54.0;
  for (const auto& t : tiers) {
    svg.text(0.0, y, esc(tier_heading(t)), "strong");
    y += 8.0;
    const auto cells = link_cells(t);
    for (std::size_t i = 0; i < cells.size(); ++i)
      svg.rect(static_cast<double>(i % columns) * pitch, y + static_cast<double>(i / columns) * pitch, size,
               size, utilization_colour(cells[i].utilization), cells[i].tooltip, R"(class="cell")");
    y += static_cast<double>((cells.size() + columns - 1) / columns) * pitch + 24.0;
  }
  return svg.str(y - 14.0);
}

std::string links_section(const json& r) {
  const auto tiers = links_by_tier(array(r, "links"));
  std::string out = "<section id=\"links\">\n<h2>Link utilization</h2>\n";
  if (tiers.empty()) return out + "<p class=\"note\">The report lists no links.</p>\n</section>\n";
  bool grouped = false;
  for (const auto& t : tiers)
    grouped = grouped || t.links.size() > kMaxCellsPerTier;
  std::string caption =
      "Each cell is one link direction, coloured by the fraction of the run it was busy; hover for its name.";
  if (grouped)
    caption += fmt::format(
        " Tiers with more than {} links are shown sorted, busiest first, each cell the mean of "
        "a group of links, to keep the page small.",
        kMaxCellsPerTier);
  return out + figure(links_chart(tiers), esc(caption)) + "</section>\n";
}

// ------------------------------------------------------------------------------------------------------------
// Flow control (a report with a flow_control block): totals and the ports that held most, a table.

std::string flow_control_section(const json& r) {
  const json& f = field(r, "flow_control");
  if (!f.is_object()) return {};
  std::string modes;
  for (const auto& [tier, mode] : f.at("modes").items())
    modes += (modes.empty() ? "" : ", ") + tier + " " + mode.get<std::string>();
  std::string out = "<section id=\"flow_control\">\n<h2>Flow control</h2>\n";
  out += fmt::format(
      "<p>{}: peak queue {}, senders held back {} in all ({} pause frames), {} ECN marks, {} drops ({}, {} "
      "spent on them), {} retransmitted.</p>\n",
      esc(modes), bytes(number(f, "max_queue_bytes")), si(number(f, "paused_s"), "s"),
      esc(text(f, "pause_frames")), esc(text(f, "ecn_marks")), esc(text(f, "drops")),
      bytes(number(f, "dropped_bytes")), si(number(f, "dropped_energy_j"), "J"),
      bytes(number(f, "retransmitted_bytes")));
  // The ports that held most, deepest peak first.
  std::vector<const json*> ports;
  for (const auto& p : array(f, "ports"))
    ports.push_back(&p);
  std::stable_sort(ports.begin(), ports.end(), [](const json* a, const json* b) {
    return number(*a, "max_bytes") > number(*b, "max_bytes");
  });
  std::string rows;
  for (std::size_t i = 0; i < ports.size() && i < kMaxTableRows; ++i) {
    const json& p = *ports[i];
    rows += fmt::format(
        "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "</tr>\n",
        esc(text(p, "id")), bytes(number(p, "buffer_bytes")), bytes(number(p, "max_bytes")),
        bytes(number(p, "p99_bytes")), si(number(p, "paused_s"), "s"), esc(text(p, "pause_frames")),
        esc(text(p, "ecn_marks")), esc(text(p, "drops")));
  }
  out +=
      "<table class=\"steps\"><thead><tr><th>port (link direction into it)</th><th class=\"num\">buffer</th>"
      "<th class=\"num\">peak</th><th class=\"num\">p99</th><th class=\"num\">held back</th>"
      "<th class=\"num\">pause frames</th><th class=\"num\">ECN marks</th><th class=\"num\">drops</th></tr>"
      "</thead>\n<tbody>\n" +
      rows + "</tbody></table>\n";
  if (ports.size() > kMaxTableRows)
    out += fmt::format("<p class=\"note\">The {} deepest of {} ports; the JSON report has them all.</p>\n",
                       kMaxTableRows, ports.size());
  return out + "</section>\n";
}

// ------------------------------------------------------------------------------------------------------------
// Steps: a Gantt timeline (one row per step key) and a table.

// What a step did, in a few words: "all_reduce · ring", "all_reduce · ring x8" (eight channels),
// "checkpoint write · pool0".
std::string step_summary(const json& s) {
  const std::string kind = text(s, "kind");
  auto joined = [](const std::string& a, const std::string& b) { return b.empty() ? a : a + " · " + b; };
  if (kind == "collective") {
    const std::string channels = text(s, "channels");
    return joined(text(s, "op"), text(s, "algorithm") + (channels.empty() ? "" : " x" + channels));
  }
  if (kind == "memory" || kind == "checkpoint") return joined(kind + " " + text(s, "op"), text(s, "pool"));
  if (kind == "parallel") return fmt::format("parallel, {} sub-steps", array(s, "children").size());
  if (kind == "traffic") return joined(fmt::format("{} messages", text(s, "messages")), text(s, "class"));
  return kind;
}

std::string step_tooltip(const json& s) {
  const double start = number(s, "start_s"), end = number(s, "end_s");
  std::string out =
      fmt::format("{}, iteration {}\n{}", text(s, "key"), text(s, "iteration"), step_summary(s));
  if (field(s, "size_bytes").is_number())
    out += fmt::format(", {} over {} ranks", bytes(number(s, "size_bytes")), text(s, "ranks"));
  out += fmt::format("\n{} to {} ({})", si(start, "s"), si(end, "s"), si(end - start, "s"));
  if (field(s, "algbw_GBps").is_number())
    out += fmt::format("\nalgbw {:.1f} GB/s, busbw {:.1f} GB/s", number(s, "algbw_GBps"),
                       number(s, "busbw_GBps"));
  if (number(s, "energy_j") > 0.0) out += fmt::format("\n{} dynamic", si(number(s, "energy_j"), "J"));
  return esc(out);
}

struct Timeline {
  std::vector<std::pair<std::string, int>> rows;          // key, nesting depth
  std::vector<std::pair<std::size_t, const json*>> bars;  // row, step
  std::size_t steps = 0;                                  // every step, drawn or not
};

// Rows in order of first appearance, a parallel step's sub-steps right below it.
void collect_timeline(const json& steps, int depth, std::map<std::string, std::size_t>& index, Timeline& t) {
  for (const auto& s : steps) {
    ++t.steps;
    const auto [it, added] = index.emplace(text(s, "key"), t.rows.size());
    if (added && t.rows.size() < kMaxTimelineRows) t.rows.emplace_back(it->first, depth);
    if (it->second < t.rows.size() && t.bars.size() < kMaxTimelineBars) t.bars.emplace_back(it->second, &s);
    collect_timeline(array(s, "children"), depth + 1, index, t);
  }
}

std::string timeline_chart(const Timeline& t, double t_end) {
  constexpr double kRow = 22.0, kBar = 14.0;
  Svg svg("chart-timeline", "step timeline");
  std::set<std::string> kinds;
  double label_width = 80.0;
  for (const auto& [row, step] : t.bars)
    kinds.insert(text(*step, "kind"));
  for (const auto& [key, depth] : t.rows)
    label_width = std::max(label_width, text_width(shorten(key, 34)) + 12.0 * depth);
  std::vector<LegendItem> items;
  for (const auto& k : kKindColours)
    if (kinds.count(std::string(k.name))) items.push_back({esc(std::string(k.name)), std::string(k.colour)});
  for (const auto& k : kinds)
    if (kind_colour(k) == kOtherKindColour) items.push_back({esc(k), std::string(kOtherKindColour)});
  const double x0 = label_width + 16.0, x1 = kWidth - 16.0;
  const double y0 = legend(svg, x0, 14.0, kWidth, items) + 6.0;
  const double y1 = y0 + kRow * static_cast<double>(t.rows.size());
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const double y = y0 + kRow * static_cast<double>(i);
    if (i % 2 == 0) svg.rect(0.0, y, kWidth, kRow, "#f7f8fa");
    svg.text(4.0 + 12.0 * t.rows[i].second, y + 15.0, esc(shorten(t.rows[i].first, 34)), "label");
  }
  time_axis(svg, x0, x1, y0, y1, t_end);
  auto x_of = [&](double s) { return x0 + (x1 - x0) * std::clamp(s / t_end, 0.0, 1.0); };
  for (const auto& [row, step] : t.bars) {
    const std::string kind = text(*step, "kind"), colour = kind_colour(kind);
    const double x = x_of(number(*step, "start_s")), w = std::max(1.5, x_of(number(*step, "end_s")) - x);
    const double y = y0 + kRow * static_cast<double>(row) + (kRow - kBar) / 2.0;
    svg.rect(x, y, w, kBar, colour, step_tooltip(*step),
             kind == "parallel" ? R"(rx="2" stroke="#8a94a6" stroke-width="1")" : R"(rx="2")");
    const std::string label = step_summary(*step);
    if (text_width(label) + 10.0 < w)
      svg.text(x + 5.0, y + 11.0, esc(label), is_dark(colour) ? "on-dark" : "");
  }
  return svg.str(y1 + 28.0);
}

std::string cell(const std::string& s, bool numeric = false) {
  return fmt::format("<td{}>{}</td>", numeric ? " class=\"num\"" : "", esc(s));
}

std::string step_row(const json& s, int depth) {
  const bool has_size = field(s, "size_bytes").is_number(), has_bw = field(s, "algbw_GBps").is_number();
  std::string out = "<tr>" + cell(text(s, "iteration"), true);
  out += fmt::format("<td style=\"padding-left:{}px\">{}</td>", 12 * depth, esc(text(s, "key")));
  out += cell(text(s, "kind")) + cell(step_summary(s));
  out += cell(has_size ? bytes(number(s, "size_bytes")) : "", true) + cell(text(s, "ranks"), true);
  out += cell(si(number(s, "start_s"), "s"), true) + cell(si(number(s, "time_s"), "s"), true);
  out += cell(has_bw ? fmt::format("{:.1f}", number(s, "algbw_GBps")) : "", true);
  out += cell(has_bw ? fmt::format("{:.1f}", number(s, "busbw_GBps")) : "", true);
  return out + cell(si(number(s, "energy_j"), "J"), true) + "</tr>\n";
}

// Rows for the first kMaxTableRows steps, sub-steps below their parallel step; `count` ends as the number of
// steps in all.
void step_rows(const json& steps, int depth, std::size_t& count, std::string& out) {
  for (const auto& s : steps) {
    if (count++ < kMaxTableRows) out += step_row(s, depth);
    step_rows(array(s, "children"), depth + 1, count, out);
  }
}

std::string steps_table(const json& steps) {
  std::string rows;
  std::size_t count = 0;
  step_rows(steps, 0, count, rows);
  std::string out =
      "<table class=\"steps\"><thead><tr><th class=\"num\">iter</th><th>step</th><th>kind</th><th>what</th>"
      "<th class=\"num\">size</th><th class=\"num\">ranks</th><th class=\"num\">start</th>"
      "<th class=\"num\">time</th><th class=\"num\">algbw GB/s</th><th class=\"num\">busbw GB/s</th>"
      "<th class=\"num\">energy</th></tr></thead>\n<tbody>\n" +
      rows + "</tbody></table>\n";
  if (count > kMaxTableRows)
    out += fmt::format("<p class=\"note\">The first {} of {} steps; the JSON report has them all.</p>\n",
                       kMaxTableRows, count);
  return out;
}

// steps_aggregate: which iterations the step table shows, and every step key over all of them.
std::string aggregate_table(const json& a) {
  std::string kept;
  for (const auto& it : array(a, "kept_iterations"))
    kept += (kept.empty() ? "" : " and ") + it.dump();
  std::string out = fmt::format(
      "<p class=\"note\">The table above shows iterations {} of {}; below, every step over all of them "
      "(<code>steps_aggregate</code> in the JSON report).</p>\n",
      esc(kept), esc(text(a, "iterations")));
  out +=
      "<table class=\"steps\"><thead><tr><th>step</th><th>kind</th><th class=\"num\">count</th>"
      "<th class=\"num\">time mean</th><th class=\"num\">min</th><th class=\"num\">max</th>"
      "<th class=\"num\">total</th><th class=\"num\">energy</th></tr></thead>\n<tbody>\n";
  const json& steps = array(a, "steps");
  for (std::size_t i = 0; i < steps.size() && i < kMaxTableRows; ++i) {
    const json& s = steps[i];
    const json& t = field(s, "time_s");
    const std::string key = text(s, "key");
    const int depth = static_cast<int>(std::count(key.begin(), key.end(), '.')) / 2;  // steps.2.parallel.0
    out += fmt::format("<tr><td style=\"padding-left:{}px\">{}</td>", 12 * depth, esc(key));
    out += cell(text(s, "kind") == "collective" ? text(s, "op") : text(s, "kind"));
    out += cell(text(s, "count"), true) + cell(si(number(t, "mean"), "s"), true);
    out += cell(si(number(t, "min"), "s"), true) + cell(si(number(t, "max"), "s"), true);
    out += cell(si(number(t, "total"), "s"), true);
    out += cell(si(number(field(s, "energy_j"), "total"), "J"), true) + "</tr>\n";
  }
  out += "</tbody></table>\n";
  if (steps.size() > kMaxTableRows)
    out += fmt::format("<p class=\"note\">The first {} of {} steps; the JSON report has them all.</p>\n",
                       kMaxTableRows, steps.size());
  return out;
}

std::string timeline_section(const json& r) {
  const json& steps = array(r, "steps");
  const double t_end = number(r, "sim_time_s");
  std::string out = "<section id=\"timeline\">\n<h2>Steps</h2>\n";
  if (steps.empty() || !(t_end > 0.0)) return out + "<p class=\"note\">Nothing ran.</p>\n</section>\n";
  Timeline t;
  std::map<std::string, std::size_t> index;
  collect_timeline(steps, 0, index, t);
  std::string caption =
      "When each step ran, one row per step of the workload (every iteration on the same row), "
      "coloured by kind; a parallel step's sub-steps sit below it. Hover a bar for its figures.";
  if (t.bars.size() < t.steps)
    caption +=
        fmt::format(" The chart draws {} of the {} steps, to keep the page small.", t.bars.size(), t.steps);
  out += figure(timeline_chart(t, t_end), esc(caption));
  out += "<h3>Step table</h3>\n" + steps_table(steps);
  // A run whose iterations are summed up: the steps above are those of its first and last iteration, and
  // every step over all iterations follows.
  const json& aggregate = field(r, "steps_aggregate");
  if (aggregate.is_object()) out += aggregate_table(aggregate);
  return out + "</section>\n";
}

// The platform's faults, one row each: what failed, when, and what it cost.
std::string faults_section(const json& r) {
  const json& faults = array(r, "faults");
  if (faults.empty()) return "";
  std::string rows;
  for (const auto& f : faults) {
    const json& until = field(f, "until_s");
    const bool occurred = !f.contains("occurred") || field(f, "occurred").get<bool>();
    rows += fmt::format(
        "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td></tr>\n",
        esc(text(f, "target")), esc(occurred ? text(f, "kind") : text(f, "kind") + " (after the run)"),
        si(number(f, "at_s"), "s"), until.is_number() ? si(until.get<double>(), "s") : "for good",
        si(number(f, "time_lost_s"), "s"), bytes(number(f, "rerouted_bytes")),
        bytes(number(f, "retransmitted_bytes")), si(number(f, "energy_j"), "J"));
  }
  std::string restarts;
  for (const auto& x : array(r, "restarts")) {
    const json& c = field(x, "checkpoint");
    restarts += fmt::format(
        "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
        si(number(x, "at_s"), "s"), esc(text(x, "cause")),
        c.is_object() ? esc(fmt::format("{} (iteration {}, ended {})", text(c, "key"),
                                        field(c, "iteration").get<int>(), si(number(c, "end_s"), "s")))
                      : std::string("the start"),
        si(number(x, "lost_s"), "s"), si(number(x, "downtime_s"), "s"), si(number(x, "resumed_s"), "s"),
        si(number(x, "energy_j"), "J"));
  }
  if (!restarts.empty())
    restarts =
        "<h3>Restarts</h3>\n<p class=\"note\">The job stopped where faults cut ranks off, lost the work "
        "since its last checkpoint and resumed after it. Energy: everything the run spent from the "
        "checkpoint's end to the resumption.</p>\n<table class=\"steps\"><thead><tr>"
        "<th class=\"num\">at</th><th>faults down</th><th>resumed after</th>"
        "<th class=\"num\">work lost</th><th class=\"num\">downtime</th><th class=\"num\">resumed</th>"
        "<th class=\"num\">energy</th></tr></thead>\n<tbody>\n" +
        restarts + "</tbody></table>\n";
  return "<section id=\"faults\">\n<h2>Faults</h2>\n<p class=\"note\">Time lost: traffic standing still "
         "until the fault was detected or repaired, or the extra time of fewer lanes or resent bytes. "
         "Energy: resent bytes and the detours' extra energy.</p>\n"
         "<table class=\"steps\"><thead><tr><th>target</th><th>kind</th><th class=\"num\">at</th>"
         "<th class=\"num\">until</th><th class=\"num\">time lost</th><th class=\"num\">rerouted</th>"
         "<th class=\"num\">resent</th><th class=\"num\">energy</th></tr></thead>\n<tbody>\n" +
         rows + "</tbody></table>\n" + restarts + "</section>\n";
}

// ------------------------------------------------------------------------------------------------------------
// Heat at the package (a report with a packages block, power/thermal.md): one row per package.

std::string packages_section(const json& r) {
  if (!r.contains("packages")) return "";
  const json& pk = r.at("packages");
  std::string rows;
  for (const auto& p : array(pk, "items")) {
    const json& tj = field(p, "tj_c");
    const bool over = field(p, "over_limit").is_boolean() && field(p, "over_limit").get<bool>();
    rows += fmt::format(
        "<tr><td>{}</td><td class=\"num\">{:g}</td><td class=\"num\">{:.0f} / {:.0f}</td>"
        "<td class=\"num\">{:.3f} / {:.3f}</td><td class=\"num\">{:.3g}</td><td class=\"num\">{:.3g}</td>"
        "<td class=\"num\">{:.1f}</td><td class=\"num\">{:g}</td><td>{}</td></tr>\n",
        esc(text(p, "kind") == "switch"
                ? "switch " + text(p, "name")
                : "accelerator (mean of " + fmt::format("{:g}", number(p, "count")) + ")"),
        number(p, "area_mm2"), number(field(p, "power_w"), "average"), number(field(p, "power_w"), "peak"),
        number(field(p, "w_per_mm2"), "average"), number(field(p, "w_per_mm2"), "peak"),
        number(p, "r_th_k_per_w"), number(p, "time_constant_s"), number(tj, "max"), number(tj, "limit"),
        over ? "above its limit" : "");
  }
  return fmt::format(
             "<section id=\"packages\">\n<h2>Heat at the package</h2>\n<p class=\"note\">{} cooling, coolant "
             "at "
             "{:g} C; junction temperature from each package's power over the run (first-order RC model, "
             "power/thermal.md). Policy: warn.</p>\n",
             esc(text(pk, "cooling")), number(pk, "coolant_c")) +
         "<table class=\"steps\"><thead><tr><th>package</th><th class=\"num\">mm2</th>"
         "<th class=\"num\">W avg / peak</th><th class=\"num\">W/mm2 avg / peak</th>"
         "<th class=\"num\">K/W</th><th class=\"num\">tau s</th><th class=\"num\">Tj max C</th>"
         "<th class=\"num\">limit C</th><th></th></tr></thead>\n<tbody>\n" +
         rows + "</tbody></table>\n</section>\n";
}

// ------------------------------------------------------------------------------------------------------------
// The optical link budget (a report with an optics block, platforms/optical_budget.md): one row per kind of
// optical path, its losses, budget and margin.

std::string optics_section(const json& r) {
  const json& paths = array(r, "optics");
  if (paths.empty()) return "";
  // A level, or "-" for a given budget (null) and anything that is not a number.
  auto level = [](const json& p, const char* key) {
    const json& v = field(p, key);
    return v.is_number() ? fmt::format("{:.2f}", number(v)) : std::string("-");
  };
  std::string rows;
  for (const auto& p : paths) {
    const bool ocs = field(p, "through_ocs").is_boolean() && field(p, "through_ocs").get<bool>();
    rows += fmt::format(
        "<tr><td>{}</td><td>{}</td><td class=\"num\">{:g}</td><td class=\"num\">{:.2f}</td>"
        "<td class=\"num\">{:g}</td><td class=\"num\">{}</td><td class=\"num\">{:.2f}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:.2f}</td>"
        "<td class=\"num\">{:.2f}</td></tr>\n",
        esc(text(p, "tier") + (ocs ? " via OCS" : "")), esc(text(p, "path")), number(p, "fibre_m"),
        number(p, "fibre_db"), number(p, "connectors"), ocs ? level(p, "ocs_db") : std::string("-"),
        number(p, "loss_db"), level(p, "launch_dbm"), level(p, "sensitivity_dbm"), number(p, "budget_db"),
        number(p, "margin_db"));
  }
  return "<section id=\"optics\">\n<h2>Optical link budget</h2>\n<p class=\"note\">The worst path of each "
         "kind: "
         "what its fibre, connectors and OCS lose against its budget, the launch power less the receiver's "
         "sensitivity (platforms/optical_budget.md).</p>\n"
         "<table class=\"steps\"><thead><tr><th>tier</th><th>path</th><th class=\"num\">fibre m</th>"
         "<th class=\"num\">fibre dB</th><th class=\"num\">connectors</th><th class=\"num\">OCS dB</th>"
         "<th class=\"num\">loss dB</th><th class=\"num\">launch dBm</th><th class=\"num\">sensitivity "
         "dBm</th>"
         "<th class=\"num\">budget dB</th><th class=\"num\">margin dB</th></tr></thead>\n<tbody>\n" +
         rows + "</tbody></table>\n</section>\n";
}

}  // namespace

std::string to_html(const json& report) {
  const Palette palette(report);
  std::string page = page_head(report);
  page += page_header(report);
  page += headline_section(report);
  page += energy_section(report, palette);
  page += power_section(report, palette);
  page += links_section(report);
  page += faults_section(report);
  page += packages_section(report);
  page += optics_section(report);
  page += flow_control_section(report);
  page += timeline_section(report);
  page += fmt::format(
      "<footer>Made by pjbit {} from a {} report. This page is self-contained: no scripts, "
      "nothing loaded from the network.</footer>\n</main>\n</body>\n</html>\n",
      esc(text(report, "version")), esc(text(report, "schema")));
  return page;
}

}  // namespace pjbit::report
