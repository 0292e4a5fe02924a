#include "platforms/tech/preset_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "platforms/tech/presets.h"

namespace pjbit::platforms::tech {

namespace {

using nlohmann::ordered_json;

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

// Kinds in the order they are listed, with their headings.
struct Kind {
  const char* kind;
  const char* title;
};
constexpr Kind kKinds[] = {{"link", "Links"},
                           {"switch", "Switches"},
                           {"ocs", "Optical circuit switches"},
                           {"nic", "NICs"},
                           {"memory", "Memory"},
                           {"comm_library", "Collective libraries"},
                           {"accelerator", "Accelerators"}};

// ---- numbers for people
// -------------------------------------------------------------------------------------

// Up to four significant digits, whole numbers from 1000 up, no exponent for the values presets hold.
std::string num(double v) {
  if (v == 0.0) return "0";
  if (std::fabs(v) >= 1000.0) return fmt::format("{:.0f}", v);
  return fmt::format("{:.4g}", v);
}

std::string time_text(double s) {
  if (s == 0.0) return "0";
  if (s < 1e-6) return num(s * 1e9) + " ns";
  if (s < 1e-3) return num(s * 1e6) + " us";
  if (s < 1.0) return num(s * 1e3) + " ms";
  return num(s) + " s";
}

std::string rate_text(double Bps) {
  if (Bps >= 1e12) return num(Bps / 1e12) + " TB/s";
  return num(Bps / 1e9) + " GB/s";
}

std::string bytes_text(std::uint64_t bytes) {
  const auto gib = static_cast<std::uint64_t>(kGiB);
  if (bytes % (gib * 1024) == 0) return num(static_cast<double>(bytes / (gib * 1024))) + " TiB";
  if (bytes % gib == 0) return num(static_cast<double>(bytes / gib)) + " GiB";
  return num(static_cast<double>(bytes) / 1e9) + " GB";
}

// A device's packet buffer: in MB (or kB below a megabyte), as datasheets give it.
std::string buffer_text(std::uint64_t bytes) {
  if (bytes == 0) return "-";
  if (bytes >= 1000000) return num(static_cast<double>(bytes) / 1e6) + " MB";
  return num(static_cast<double>(bytes) / 1e3) + " kB";
}

std::string pj_text(double pj) {
  return num(pj) + " pJ/bit";
}
std::string watts_text(double w) {
  return num(w) + " W";
}

// A shoreline density (bytes/s per metre) as Tb/s per mm, or "-" when not known.
std::string density_text(double Bps_per_m) {
  if (Bps_per_m <= 0.0) return "-";
  return num(Bps_per_m * 8.0 * 1e-3 / 1e12) + " Tb/s/mm";
}

std::string stack_text(const LinkSpec& link) {
  std::string out;
  for (const auto& e : link.stack) {
    if (!out.empty()) out += "; ";
    out += e.category;
    if (e.energy_pj_per_bit > 0.0 || e.power_w == 0.0) out += " " + pj_text(e.energy_pj_per_bit);
    if (e.power_w > 0.0) out += " " + watts_text(e.power_w);
    if (e.count != 1) out += fmt::format(" x{}", e.count);
  }
  if (link.static_power_w > 0.0) out += "; static " + watts_text(link.static_power_w);
  if (link.optics.lasers > 0) {
    out += fmt::format("; {} ext. laser{} {}", link.optics.lasers, link.optics.lasers == 1 ? "" : "s",
                       watts_text(link.optics.laser_electrical_power_w() / link.optics.lasers));
  }
  return out;
}

std::string optics_text(const OpticsSpec& o) {
  if (!o.present) return "-";
  std::string out = fmt::format("{} dB budget", num(o.budget()));
  if (o.budget_db <= 0.0 && o.launch() && o.sensitivity_dbm) {
    out += fmt::format(" (launch {} dBm", num(*o.launch()));
    if (!o.launch_dbm)
      out += fmt::format(": laser {} dBm split {} ways, {} dB path", num(o.laser_dbm()), o.laser_split,
                         num(o.laser_path_loss_db));
    out += fmt::format(", sensitivity {} dBm)", num(*o.sensitivity_dbm));
  }
  out += fmt::format(", {} x {} dB connectors, fibre {} dB/km", o.connectors, num(o.connector_loss_db),
                     num(o.fibre_loss_db_per_m * 1e3));
  if (o.placement != "pluggable") out += ", " + o.placement;
  if (o.engine_ports > 0) out += fmt::format(", {} ports an engine", o.engine_ports);
  if (o.laser_shared_by > 0) out += fmt::format(", {} ports a laser source", o.laser_shared_by);
  return out;
}

// A preset's package (power/thermal.md), or null for kinds and presets that have none.
const PackageSpec* package_of(const Preset& p) {
  const PackageSpec* pkg = p.kind == "switch"        ? &p.sw.package
                           : p.kind == "accelerator" ? &p.accelerator.package
                                                     : nullptr;
  return pkg != nullptr && pkg->present ? pkg : nullptr;
}

// One line: area, resistance by cooling kind, heat capacity, junction limit, confidence, source, derivation.
std::string package_text(const PackageSpec& pkg) {
  std::string r;
  for (const char* kind : {"air", "liquid", "immersion"}) {
    const double v = pkg.r_k_per_w(kind);
    if (v > 0.0) r += (r.empty() ? "" : ", ") + std::string(kind) + " " + num(v) + " K/W";
  }
  std::string out = fmt::format("{} mm2, junction to coolant {}, heat capacity {} J/K, Tj max {} C",
                                num(pkg.area_m2 * 1e6), r, num(pkg.heat_capacity_j_per_k), num(pkg.tj_max_c));
  if (!pkg.confidence.empty()) out += " [" + pkg.confidence + "]";
  if (!pkg.source.empty()) out += ": " + pkg.source;
  if (!pkg.derivation.empty()) out += "; derivation: " + pkg.derivation;
  return out;
}

// A preset's priced items (power/cost.md); empty for kinds that carry none.
const std::vector<CostItem>& cost_of(const Preset& p) {
  static const std::vector<CostItem> none;
  if (p.kind == "link") return p.link.cost;
  if (p.kind == "switch") return p.sw.cost;
  if (p.kind == "ocs") return p.ocs.cost;
  if (p.kind == "nic") return p.nic.cost;
  if (p.kind == "accelerator") return p.accelerator.cost;
  return none;
}

bool priced_kind(std::string_view kind) {
  return kind == "link" || kind == "switch" || kind == "ocs" || kind == "nic" || kind == "accelerator";
}

// The capital of one component as a cell: "$1,900" or "-" when it has no price.
std::string capital_text(const Preset& p) {
  const auto& items = cost_of(p);
  if (items.empty()) return "-";
  return fmt::format("${:.0f}", capital_usd(items));
}

// One line per priced item: name, price x count, confidence, source and derivation.
std::string cost_item_text(const CostItem& item) {
  std::string out = fmt::format("{} ${:.0f}", item.name, item.usd);
  if (item.count != 1.0) out += fmt::format(" x {}", num(item.count));
  out += " [" + item.confidence + "]: " + item.source;
  if (!item.derivation.empty()) out += "; derivation: " + item.derivation;
  return out;
}

std::vector<const Preset*> of_kind(const std::vector<Preset>& presets, std::string_view kind) {
  std::vector<const Preset*> out;
  for (const auto& p : presets)
    if (p.kind == kind) out.push_back(&p);
  return out;
}

std::vector<std::string> figure_headings(std::string_view kind);

// The key figures of a preset as table cells (without name, summary, source and confidence).
std::vector<std::string> headings(std::string_view kind) {
  std::vector<std::string> out = figure_headings(kind);
  if (priced_kind(kind)) out.push_back("capital");
  return out;
}

std::vector<std::string> figure_headings(std::string_view kind) {
  if (kind == "link") {
    return {"regime", "bandwidth/dir",    "latency",           "stack",
            "optics", "full-rate pJ/bit", "shoreline density", "reach"};
  }
  if (kind == "switch") {
    return {"ports", "per bit", "static", "full-rate pJ/bit", "latency", "in-network reduction", "buffer"};
  }
  if (kind == "ocs") return {"ports", "reconfiguration", "insertion loss", "power"};
  if (kind == "nic") return {"per bit", "static", "latency", "host shoreline density", "buffer"};
  if (kind == "memory") return {"bandwidth", "latency", "energy", "capacity"};
  if (kind == "comm_library")
    return {"ring launch ll/ll128/simple",
            "ring hop ll/ll128/simple",
            "network hop simple",
            "NVLS hop",
            "net efficiency",
            "NVLS efficiency"};
  return {"compute", "HBM bandwidth", "HBM capacity", "HBM energy", "idle power", "compute power"};
}

std::vector<std::string> figure_cells(const Preset& p);

// The key figures, then the capital of one component for kinds that carry prices.
std::vector<std::string> cells(const Preset& p) {
  std::vector<std::string> out = figure_cells(p);
  if (priced_kind(p.kind)) out.push_back(capital_text(p));
  return out;
}

std::vector<std::string> figure_cells(const Preset& p) {
  if (p.kind == "link") {
    const LinkSpec& l = p.link;
    return {l.regime.empty() ? "-" : l.regime,
            rate_text(l.bandwidth_Bps),
            time_text(l.total_latency_s()),
            stack_text(l),
            optics_text(l.optics),
            num(link_full_rate_pj_per_bit(l)),
            density_text(l.bandwidth_density_Bps_per_m),
            l.reach_m > 0.0 ? num(l.reach_m) + " m" : "-"};
  }
  if (p.kind == "switch") {
    const SwitchSpec& s = p.sw;
    return {fmt::format("{} x {}", s.radix, rate_text(s.port_bandwidth_Bps)),
            pj_text(s.energy_pj_per_bit),
            watts_text(s.static_power_w),
            num(switch_full_rate_pj_per_bit(s)),
            time_text(s.latency_s),
            s.in_network_reduction ? "yes" : "no",
            buffer_text(s.buffer_bytes)};
  }
  if (p.kind == "ocs") {
    const OcsSpec& o = p.ocs;
    return {std::to_string(o.ports), time_text(o.reconfiguration_s), num(o.insertion_loss_db) + " dB",
            watts_text(o.power_w)};
  }
  if (p.kind == "nic") {
    const NicSpec& n = p.nic;
    return {pj_text(n.energy_pj_per_bit), watts_text(n.static_power_w), time_text(n.latency_s),
            density_text(n.bandwidth_density_Bps_per_m), buffer_text(n.buffer_bytes)};
  }
  if (p.kind == "memory") {
    const MemoryPoolSpec& m = p.memory;
    return {rate_text(m.bandwidth_Bps), time_text(m.latency_s), pj_text(m.energy_pj_per_bit),
            bytes_text(m.capacity_bytes)};
  }
  if (p.kind == "comm_library") {
    const accelerator::CommLibrary& c = p.comm;
    const auto three = [&](accelerator::Family f, auto field) {
      std::string out;
      for (int i = 0; i < accelerator::kProtocols; ++i) {
        const auto& l = c.of(f, static_cast<accelerator::Protocol>(i));
        out += (i ? " / " : "") + (l.available ? time_text(field(l)) : std::string("-"));
      }
      return out;
    };
    const auto& nvls = c.of(accelerator::Family::Nvls, accelerator::Protocol::Simple);
    return {
        three(accelerator::Family::Ring, [](const accelerator::ProtocolLatency& l) { return l.launch_s; }),
        three(accelerator::Family::Ring, [](const accelerator::ProtocolLatency& l) { return l.hop_s[0]; }),
        time_text(c.of(accelerator::Family::Ring, accelerator::Protocol::Simple).hop_s[1]),
        nvls.available ? time_text(nvls.hop_s[0]) : "-",
        num(c.net_efficiency),
        c.runs(accelerator::Family::Nvls) ? num(c.nvls_efficiency) : "-"};
  }
  const AcceleratorSpec& a = p.accelerator;
  return {num(a.compute_flops / 1e12) + " TFLOP/s",
          rate_text(a.hbm.bandwidth_Bps),
          bytes_text(a.hbm.capacity_bytes),
          pj_text(a.hbm.energy_pj_per_bit),
          watts_text(a.idle_power_w),
          a.compute_power_w > 0.0 ? watts_text(a.compute_power_w) : "= idle"};
}

// ---- JSON
// ---------------------------------------------------------------------------------------------------

ordered_json to_json(const Preset& p) {
  ordered_json j;
  j["name"] = p.name;
  j["kind"] = p.kind;
  j["summary"] = p.summary;
  j["source"] = p.source;
  j["confidence"] = p.confidence;
  if (!p.derivation.empty()) j["derivation"] = p.derivation;
  j["file"] = p.file;
  if (!cost_of(p).empty()) {
    ordered_json items = ordered_json::array();
    for (const CostItem& item : cost_of(p)) {
      ordered_json i = {{"name", item.name},
                        {"usd", item.usd},
                        {"count", item.count},
                        {"confidence", item.confidence},
                        {"source", item.source}};
      if (!item.derivation.empty()) i["derivation"] = item.derivation;
      items.push_back(i);
    }
    j["capital_usd"] = capital_usd(cost_of(p));
    j["cost"] = items;
  }
  if (const PackageSpec* pkg = package_of(p)) {
    ordered_json r = ordered_json::object();
    for (const char* kind : {"air", "liquid", "immersion"})
      if (pkg->r_k_per_w(kind) > 0.0) r[kind] = pkg->r_k_per_w(kind);
    ordered_json q = {{"area_m2", pkg->area_m2},
                      {"thermal_resistance_k_per_w", r},
                      {"heat_capacity_j_per_k", pkg->heat_capacity_j_per_k},
                      {"tj_max_c", pkg->tj_max_c},
                      {"confidence", pkg->confidence},
                      {"source", pkg->source}};
    if (!pkg->derivation.empty()) q["derivation"] = pkg->derivation;
    j["package"] = q;
  }
  if (p.kind == "link") {
    const LinkSpec& l = p.link;
    j["regime"] = l.regime;
    j["bandwidth_Bps"] = l.bandwidth_Bps;
    j["latency_s"] = l.latency_s;
    j["total_latency_s"] = l.total_latency_s();
    j["overhead"] = l.overhead;
    j["energy_pj_per_bit"] = l.energy_pj_per_bit();
    j["static_power_w"] = l.static_power_w;
    j["total_static_power_w"] = l.total_static_power_w();
    j["full_rate_pj_per_bit"] = link_full_rate_pj_per_bit(l);
    j["bandwidth_density_Bps_per_m"] = l.bandwidth_density_Bps_per_m;
    if (l.reach_m > 0.0) j["reach_m"] = l.reach_m;
    ordered_json stack = ordered_json::array();
    for (const auto& e : l.stack) {
      stack.push_back({{"category", e.category},
                       {"energy_pj_per_bit", e.energy_pj_per_bit},
                       {"power_w", e.power_w},
                       {"count", e.count},
                       {"latency_s", e.latency_s}});
    }
    j["stack"] = stack;
    if (l.optics.present) {
      const OpticsSpec& o = l.optics;
      j["optics"] = {
          {"present", true},
          {"placement", o.placement},
          {"budget_db", o.budget()},
          {"launch_dbm", o.launch() ? ordered_json(*o.launch()) : ordered_json(nullptr)},
          {"sensitivity_dbm", o.sensitivity_dbm ? ordered_json(*o.sensitivity_dbm) : ordered_json(nullptr)},
          {"fibre_loss_db_per_km", o.fibre_loss_db_per_m * 1e3},
          {"connectors", o.connectors},
          {"connector_loss_db", o.connector_loss_db},
          {"path_loss_db", o.connectors * o.connector_loss_db},
          {"laser_split", o.laser_split},
          {"laser_path_loss_db", o.laser_path_loss_db},
          {"laser_optical_power_w", o.laser_optical_power_w},
          {"laser_wall_plug_efficiency", o.laser_wall_plug_efficiency},
          {"lasers", o.lasers},
          {"laser_shared_by", o.laser_shared_by},
          {"engine_ports", o.engine_ports},
          {"laser_electrical_power_w", o.laser_electrical_power_w()}};
    }
  } else if (p.kind == "switch") {
    const SwitchSpec& s = p.sw;
    j["port_bandwidth_Bps"] = s.port_bandwidth_Bps;
    j["radix"] = s.radix;
    j["latency_s"] = s.latency_s;
    j["energy_pj_per_bit"] = s.energy_pj_per_bit;
    j["static_power_w"] = s.static_power_w;
    j["full_rate_pj_per_bit"] = switch_full_rate_pj_per_bit(s);
    j["in_network_reduction"] = s.in_network_reduction;
    j["store_and_forward"] = s.store_and_forward;
    j["buffer_bytes"] = s.buffer_bytes;
  } else if (p.kind == "ocs") {
    j["ports"] = p.ocs.ports;
    j["reconfiguration_s"] = p.ocs.reconfiguration_s;
    j["insertion_loss_db"] = p.ocs.insertion_loss_db;
    j["power_w"] = p.ocs.power_w;
  } else if (p.kind == "nic") {
    j["latency_s"] = p.nic.latency_s;
    j["energy_pj_per_bit"] = p.nic.energy_pj_per_bit;
    j["static_power_w"] = p.nic.static_power_w;
    j["bandwidth_density_Bps_per_m"] = p.nic.bandwidth_density_Bps_per_m;
    j["buffer_bytes"] = p.nic.buffer_bytes;
  } else if (p.kind == "memory") {
    j["bandwidth_Bps"] = p.memory.bandwidth_Bps;
    j["latency_s"] = p.memory.latency_s;
    j["energy_pj_per_bit"] = p.memory.energy_pj_per_bit;
    j["capacity_bytes"] = p.memory.capacity_bytes;
  } else if (p.kind == "comm_library") {
    const accelerator::CommLibrary& c = p.comm;
    for (int f = 0; f < accelerator::kFamilies; ++f) {
      const auto family = static_cast<accelerator::Family>(f);
      if (!c.runs(family)) continue;
      ordered_json row;
      for (int i = 0; i < accelerator::kProtocols; ++i) {
        const auto proto = static_cast<accelerator::Protocol>(i);
        const auto& l = c.of(family, proto);
        if (!l.available) continue;
        row[accelerator::protocol_name(proto)] = {
            {"launch_s", l.launch_s}, {"scale_up_hop_s", l.hop_s[0]}, {"network_hop_s", l.hop_s[1]}};
      }
      j[accelerator::family_name(family)] = row;
    }
    j["ll_max_rate_Bps"] = c.max_rate_Bps[0];
    j["ll128_max_rate_Bps"] = c.max_rate_Bps[1];
    j["net_efficiency"] = c.net_efficiency;
    j["nvls_efficiency"] = c.nvls_efficiency;
    if (c.nvls_channels > 0) {
      j["nvls_channels"] = c.nvls_channels;
      j["nvls_chunk_bytes"] = c.nvls_chunk_bytes;
    }
    if (c.nvls_tree_channel_Bps[0] > 0.0 || c.nvls_tree_channel_Bps[1] > 0.0)
      j["nvls_tree_channel_rate_Bps"] = {{"two_domains", c.nvls_tree_channel_Bps[0]},
                                         {"more_domains", c.nvls_tree_channel_Bps[1]}};
  } else if (p.kind == "accelerator") {
    const AcceleratorSpec& a = p.accelerator;
    if (!a.comm_library_preset.empty()) j["comm_library"] = a.comm_library_preset;
    j["compute_flops"] = a.compute_flops;
    j["router_latency_s"] = a.router_latency_s;
    j["idle_power_w"] = a.idle_power_w;
    j["compute_power_w"] = a.compute_power_w;
    j["hbm"] = {{"bandwidth_Bps", a.hbm.bandwidth_Bps},
                {"latency_s", a.hbm.latency_s},
                {"energy_pj_per_bit", a.hbm.energy_pj_per_bit},
                {"capacity_bytes", a.hbm.capacity_bytes}};
  }
  return j;
}

// ---- text
// ---------------------------------------------------------------------------------------------------

// `first` + `text` wrapped at `width` columns, every line after the first indented by `indent` spaces.
std::string wrap(const std::string& first, const std::string& text, std::size_t indent, std::size_t width) {
  std::string out, line = first;
  bool line_has_word = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(' ', pos);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(pos, end - pos);
    pos = end + 1;
    if (word.empty()) continue;
    if (line_has_word && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line = std::string(indent, ' ');
      line_has_word = false;
    }
    if (line_has_word) line += " ";
    line += word;
    line_has_word = true;
  }
  return out + line;
}

const char* kConventions =
    "Conventions: a link's bandwidth is per direction; optical modules, engines, DSPs and retimers are "
    "static "
    "power (per device x count), host SerDes are per-bit energy (one transceiver lane, count 1); full-rate "
    "pJ/bit = per-bit energy + all static power (external lasers included) over the bits of both directions "
    "at "
    "line rate (a switch: over radix x port rate). Switch presets leave out their port SerDes, which belong "
    "to "
    "the links, except co-packaged switches, which include their port optics. Confidence is that of the key "
    "figure; the source gives every other figure's, and ESTIMATE marks figures with no public source. "
    "Sections "
    "(§) and rows refer to docs/reference/tech-figures.md.";

// ---- markdown
// -----------------------------------------------------------------------------------------------

// The head of docs/presets.md: how the page is made, how to add a preset, the conventions.
const char* const kMarkdownPreamble = R"md(# Technology presets

This page is generated by `pjbit presets --markdown`; do not edit it by hand. Each preset is a YAML file in
`platforms/tech/<kind>/`; after changing one, regenerate this page with
`build/pjbit presets --markdown > docs/presets.md` (a unit test compares the two byte for byte).
`pjbit presets --json` gives the same presets with every parameter in base units, the derivation and the file.

A platform file names a preset with `preset:` and overrides any of its fields (CONTRACT section 4). Every
figure is traced to `docs/reference/tech-figures.md`: "§N" is its section and the quoted text its row,
followed by the original source and the reference's confidence (H, M, L, D).

Links, switches, OCSes, NICs and accelerators may carry prices in `cost:`, a list of items `{ name, usd,
count, source, confidence, derivation }`: the `capital` column is one component's capital (the sum of usd x
count), and each item is listed with its source under its kind's table. Prices are street or list prices where
one is published and estimates otherwise (confidence `estimate`, with the derivation); a run's report prices
them over a lifetime with its energy and repairs ([power/cost.md](../power/cost.md)). A preset without `cost:`
shows `-` and counts as unpriced in a report.

## Adding a preset without recompiling

A preset is one YAML file. Its `parameters` are the keys a platform file gives that kind of component
([config.md](config.md)), with the same units; `source` says where the figures come from and `derivation`
(optional) how derived or estimated figures were computed:

```yaml
name: aoc-800g-30m
kind: link                   # link | switch | ocs | nic | memory | accelerator
summary: "800G active optical cable, 30 m (100 GB/s per direction)"
confidence: estimate         # high | medium | low | derived | estimate
parameters:
  regime: row
  bandwidth: 100 GB/s
  latency: 135 ns
  stack:
    - { category: serdes, energy: 5.5 pJ/bit, latency: 20 ns }
    - { category: laser, power: 12 W, count: 2 }
source: >-
  cable ends 12 W each: the vendor's datasheet; host SerDes as lr-112g-x8
derivation: >-
  latency 135 ns = 30 m of fibre x 4.5 ns/m
```

Put such files in a folder of your own and name it with `--presets DIR` (on `run`, `validate`, `presets` and
`sweep`; repeatable) or in the environment variable `PJBIT_PRESET_PATH` (folders separated by `:`). pjbit
reads the presets once, when a command first needs one: the `*.yaml` files of the shipped folder, then of each
`--presets` folder in order, then of each `PJBIT_PRESET_PATH` folder, subfolders included (names that start
with `.` are skipped). They are listed by kind, then by folder, then by file path, which is why the shipped
files' names start with a number. Your presets then appear in `pjbit presets` (also `--json` and
`--markdown`) and any platform can name them with `preset:`.

A link, switch, OCS, NIC or accelerator preset may also list its parts' failure rates, repair times and what
a failure or a repair takes out of service, each part with its source, in `reliability:` among its
parameters; `pjbit reliability` counts them over a platform ([reliability.md](reliability.md)). The shipped
parts are those of h100-sxm5, nic-400g, eth-51t, ib-ndr-400g, osfp-800g-dsp, lpo-800g and cpo-1p6t; the
sources of their figures are tabled there.

A preset of the same kind and name as another one, shipped or not, is an error naming both files: a preset
never hides another, so a platform file means the same on every machine. Give yours a name of its own. A
malformed preset file is an error like a malformed platform file: one `error:` line with the file, line,
column and key, exit 2.

The shipped presets are in `platforms/tech/` of the source tree; `cmake --install` puts them in
`share/pjbit/presets` under the prefix, where the installed program finds them. A derived figure is written as
the exact number its derivation computes to (`0.8677966101694916 Tb/s/mm`, not `0.87 Tb/s/mm`), so the reports
stay the same to the last digit; the derivation shows the arithmetic with rounded numbers.

## Conventions

- A link's bandwidth is per direction; vendors' bidirectional totals are halved.
- Optical modules, optical engines, DSPs and retimers draw nearly constant power, so they are static `power`
  stack elements (one per device, times `count`); host SerDes are per-bit `energy`. A SerDes figure is one
  transceiver lane (transmitter and receiver) per bit, so a link's host SerDes has count 1.
- Category `dsp` is a module's DSP; `laser` is the optical front end (light sources with their drivers,
  modulators and receivers) of a module or engine; an external laser source is given by the link's `optics`
  (lasers x optical power / wall-plug efficiency) and is drawn in category laser.
- Full-rate pJ/bit of a link = per-bit energy + all static power (stack, `static_power`, external lasers) over
  the bits of both directions at line rate; with a module at each end this is the industry's "module W /
  one-direction line rate". Full-rate pJ/bit of a switch = per-bit energy + static power over radix x port
  rate.
- Switch presets leave out the chip's port SerDes, which belong to the links' stacks; the co-packaged switches
  (`cpo-eth-102t`, `spectrum-x-photonics`, `quantum-x-photonics`) include their port optics, so pair them with
  a link whose stack holds only the far end. The split of a switch chip between static power and per-bit
  energy is an estimate (half and half); no vendor publishes one.
- Confidence (high, medium, low, derived, estimate, as H, M, L, D in the reference) is that of the preset's
  key figure; the source gives every other figure's, and ESTIMATE marks each figure that has no public source,
  with how it was derived.
)md";

std::string md_cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string md_row(const std::vector<std::string>& row) {
  std::string out = "|";
  for (const auto& c : row)
    out += " " + md_cell(c) + " |";
  return out + "\n";
}

}  // namespace

double link_full_rate_pj_per_bit(const LinkSpec& link) {
  const double both_directions_bps = 2.0 * 8.0 * link.bandwidth_Bps;
  const double static_pj =
      both_directions_bps > 0.0 ? link.total_static_power_w() / both_directions_bps * 1e12 : 0.0;
  return link.energy_pj_per_bit() + static_pj;
}

double switch_full_rate_pj_per_bit(const SwitchSpec& sw) {
  const double switched_bps = sw.radix * sw.port_bandwidth_Bps * 8.0;
  return sw.energy_pj_per_bit + (switched_bps > 0.0 ? sw.static_power_w / switched_bps * 1e12 : 0.0);
}

std::string presets_json(const std::vector<Preset>& presets) {
  ordered_json all = ordered_json::array();
  for (const auto& p : presets)
    all.push_back(to_json(p));
  return all.dump(2) + "\n";
}

std::string presets_text(const std::vector<Preset>& all) {
  std::string out = wrap("", kConventions, 0, 110) + "\n";
  for (const Kind& k : kKinds) {
    const auto presets = of_kind(all, k.kind);
    if (presets.empty()) continue;
    std::vector<std::string> head = {"name"};
    for (auto& h : headings(k.kind))
      head.push_back(h);
    head.push_back("confidence");
    std::vector<std::vector<std::string>> rows;
    for (const Preset* p : presets) {
      std::vector<std::string> row = {p->name};
      for (auto& c : cells(*p))
        row.push_back(c);
      row.push_back(p->confidence);
      rows.push_back(row);
    }
    std::vector<std::size_t> width(head.size());
    for (std::size_t i = 0; i < head.size(); ++i) {
      width[i] = head[i].size();
      for (const auto& r : rows)
        width[i] = std::max(width[i], r[i].size());
    }
    auto line = [&](const std::vector<std::string>& r) {
      std::string s;
      for (std::size_t i = 0; i < r.size(); ++i) {
        s += i + 1 < r.size() ? fmt::format("{:<{}}  ", r[i], width[i]) : r[i];
      }
      return s + "\n";
    };
    out += fmt::format("\n{} ({})\n", k.title, presets.size());
    out += line(head);
    for (const auto& r : rows)
      out += line(r);
    out += "\n";
    for (const Preset* p : presets) {
      out += wrap(p->name + ": ", p->summary, 4, 110) + "\n";
      out += wrap("    source: ", p->source + " [" + p->confidence + "]", 6, 110) + "\n";
      if (!p->derivation.empty()) out += wrap("    derivation: ", p->derivation, 6, 110) + "\n";
      for (const CostItem& item : cost_of(*p))
        out += wrap("    cost: ", cost_item_text(item), 6, 110) + "\n";
      if (const PackageSpec* pkg = package_of(*p))
        out += wrap("    package: ", package_text(*pkg), 6, 110) + "\n";
      out += "    file: " + p->file + "\n";
    }
  }
  return out;
}

std::string presets_markdown(const std::vector<Preset>& all) {
  std::string out = kMarkdownPreamble;
  for (const Kind& k : kKinds) {
    const auto presets = of_kind(all, k.kind);
    if (presets.empty()) continue;
    out += fmt::format("\n## {}\n\n", k.title);
    std::vector<std::string> head = {"name", "what"};
    for (auto& h : headings(k.kind))
      head.push_back(h);
    head.push_back("confidence");
    head.push_back("source");
    out += md_row(head);
    out += md_row(std::vector<std::string>(head.size(), "---"));
    for (const Preset* p : presets) {
      std::vector<std::string> row = {"`" + p->name + "`", p->summary};
      for (auto& c : cells(*p))
        row.push_back(c);
      row.push_back(p->confidence);
      row.push_back(p->source);
      out += md_row(row);
    }
    std::string derivations;
    for (const Preset* p : presets)
      if (!p->derivation.empty()) derivations += "- `" + p->name + "`: " + p->derivation + "\n";
    if (!derivations.empty()) out += "\nHow the figures were derived:\n\n" + derivations;
    std::string prices;
    for (const Preset* p : presets)
      for (const CostItem& item : cost_of(*p))
        prices += "- `" + p->name + "`: " + cost_item_text(item) + "\n";
    if (!prices.empty())
      out += "\nPrices (capital of one component, power/cost.md), each with its source:\n\n" + prices;
    std::string packages;
    for (const Preset* p : presets)
      if (const PackageSpec* pkg = package_of(*p))
        packages += "- `" + p->name + "`: " + package_text(*pkg) + "\n";
    if (!packages.empty())
      out += "\nPackages (area and thermal figures, power/thermal.md), each with its source:\n\n" + packages;
  }
  return out;
}

}  // namespace pjbit::platforms::tech
