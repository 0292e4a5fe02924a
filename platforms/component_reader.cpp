#include "platforms/component_reader.h"

#include <fmt/format.h>

#include <optional>
#include <string>

#include "core/errors.h"

namespace pjbit::platforms {

namespace {

using core::Dim;
using core::MapReader;
using core::YamlDoc;

constexpr int kMaxStack = 64;

const std::vector<std::string_view> kLinkCategories = {"serdes", "retimer", "dsp", "laser",
                                                       "switch", "ocs",     "nic"};
const std::vector<std::string_view> kRegimes = {"package", "board", "rack", "row"};

StackElement read_stack_element(const YamlDoc& doc, const YAML::Node& node, const std::string& path) {
  const MapReader m(doc, node, path, {"category", "energy", "power", "count", "latency"}, "a stack element");
  StackElement e;
  e.loc = m.loc();
  if (!m.has("category")) m.fail_missing("category", "one of " + core::join_names(kLinkCategories));
  e.category = *m.choice("category", kLinkCategories);
  if (auto v = m.quantity("energy", Dim::EnergyPerBit)) e.energy_pj_per_bit = *v;
  if (auto v = m.quantity("power", Dim::Power)) e.power_w = *v;
  if (auto v = m.integer("count", 1, 1'000'000)) e.count = static_cast<int>(*v);
  if (auto v = m.quantity("latency", Dim::Time)) e.latency_s = *v;
  return e;
}

// The optical part of a link: its budget (given, or launch power and sensitivity), fibre, connectors and
// external laser (fields override the preset's; platforms/optical_budget.md).
OpticsSpec read_optics(const YamlDoc& doc, const YAML::Node& node, const std::string& path,
                       OpticsSpec optics) {
  const MapReader m(doc, node, path,
                    {"budget", "launch", "sensitivity", "fibre_loss", "connector_loss", "connectors", "laser",
                     "placement", "engine_ports"},
                    "an optics description");
  optics.present = true;
  if (m.has("budget") && (m.has("launch") || m.has("sensitivity")))
    m.fail("budget",
           "expected either a budget or the launch power and sensitivity it follows from (budget = "
           "launch - sensitivity), not both");
  if (auto v = m.quantity("budget", Dim::Loss)) {
    optics.budget_db = *v;
    optics.launch_dbm.reset();
    optics.sensitivity_dbm.reset();
  }
  if (auto v = m.quantity("launch", Dim::PowerLevel)) optics.launch_dbm = *v;
  if (auto v = m.quantity("sensitivity", Dim::PowerLevel)) optics.sensitivity_dbm = *v;
  if (m.has("launch") || m.has("sensitivity")) optics.budget_db = 0.0;
  if (auto v = m.quantity("fibre_loss", Dim::LossPerLength)) optics.fibre_loss_db_per_m = *v;
  if (auto v = m.quantity("connector_loss", Dim::Loss)) optics.connector_loss_db = *v;
  if (auto v = m.integer("connectors", 0, 100)) optics.connectors = static_cast<int>(*v);
  if (auto v = m.integer("engine_ports", 1, 1024)) optics.engine_ports = static_cast<int>(*v);
  if (auto v = m.choice("placement", {"pluggable", "near-package", "co-packaged"})) optics.placement = *v;
  if (m.has("laser")) {
    const MapReader l(doc, m.node("laser"), m.path("laser"),
                      {"optical_power", "efficiency", "count", "shared_by", "split", "path_loss"},
                      "an external laser source");
    if (auto v = l.quantity("optical_power", Dim::Power)) optics.laser_optical_power_w = *v;
    if (auto v = l.number("efficiency", 0.0, 1.0)) optics.laser_wall_plug_efficiency = *v;
    if (auto v = l.integer("count", 0, 1'000'000)) optics.lasers = static_cast<int>(*v);
    if (auto v = l.integer("shared_by", 1, 1024)) optics.laser_shared_by = static_cast<int>(*v);
    if (auto v = l.integer("split", 1, 4096)) optics.laser_split = static_cast<int>(*v);
    if (auto v = l.quantity("path_loss", Dim::Loss)) optics.laser_path_loss_db = *v;
    if (optics.lasers > 0 && optics.laser_wall_plug_efficiency <= 0.0)
      l.fail("efficiency", "a laser needs a wall-plug efficiency above 0 (optical out / electrical in)");
    if (optics.laser_split > 0 && optics.laser_optical_power_w <= 0.0)
      l.fail(l.has("optical_power") ? "optical_power" : "split",
             "expected the optical output of a laser whose light is split to lanes, such as \"0.1 W\"");
  }
  if (optics.budget_db <= 0.0) {
    const std::optional<double> launch = optics.launch();
    if (!launch || !optics.sensitivity_dbm) {
      const char* missing = !launch && !optics.sensitivity_dbm ? "budget"
                            : !launch                          ? "launch"
                                                               : "sensitivity";
      m.fail_missing(missing,
                     "the optics' loss budget such as \"4 dB\", or the launch power and receiver "
                     "sensitivity per lane it follows from, such as launch: \"1.2 dBm\" and "
                     "sensitivity: \"-1.9 dBm\"");
    }
    if (*launch <= *optics.sensitivity_dbm)
      m.fail(m.has("sensitivity") ? "sensitivity"
             : m.has("launch")    ? "launch"
                                  : "laser",
             fmt::format("expected a receiver sensitivity below the launch power of {:.2f} dBm (no budget is "
                         "left for the "
                         "path), got {:.2f} dBm",
                         *launch, *optics.sensitivity_dbm));
  }
  return optics;
}

// A Reed-Solomon FEC: { n: 544, k: 514, t: 15, symbol_bits: 10 } (fields override the preset's).
FecSpec read_fec(const YamlDoc& doc, const YAML::Node& node, const std::string& path, FecSpec fec) {
  const MapReader m(doc, node, path, {"n", "k", "t", "symbol_bits"},
                    "a Reed-Solomon code such as { n: 544, k: 514, t: 15, symbol_bits: 10 }");
  if (auto v = m.integer("symbol_bits", 2, 16)) fec.symbol_bits = static_cast<int>(*v);
  if (auto v = m.integer("n", 2, 65535)) fec.n = static_cast<int>(*v);
  if (auto v = m.integer("k", 1, 65534)) fec.k = static_cast<int>(*v);
  if (auto v = m.integer("t", 0, 32767)) fec.t = static_cast<int>(*v);
  const int max_n = (1 << fec.symbol_bits) - 1;
  if (fec.n > max_n)
    m.fail(m.has("n") ? "n" : "symbol_bits", "a Reed-Solomon code of " + std::to_string(fec.symbol_bits) +
                                                 "-bit symbols has at most " + std::to_string(max_n) +
                                                 " symbols, got n = " + std::to_string(fec.n));
  if (fec.k >= fec.n)
    m.fail(m.has("k") ? "k" : "n",
           "expected k (data symbols) below n (" + std::to_string(fec.n) + "), got " + std::to_string(fec.k));
  if (2 * fec.t > fec.n - fec.k)
    m.fail(m.has("t") ? "t" : "k",
           "a code with " + std::to_string(fec.n - fec.k) + " parity symbols corrects at most " +
               std::to_string((fec.n - fec.k) / 2) + " symbols, got t = " + std::to_string(fec.t));
  return fec;
}

constexpr int kMaxParts = 64;
const std::vector<std::string_view> kPartKeys = {"name",       "fit",
                                                 "mtbf",       "count",
                                                 "repair",     "field_replaceable",
                                                 "takes_down", "repair_takes_down",
                                                 "spared",     "source",
                                                 "confidence", "derivation"};
const std::vector<std::string_view> kPartConfidences = {"high", "medium", "low", "derived", "estimate"};
constexpr double kHoursPerFitUnit = 1e9;  // FIT: failures per 10^9 device-hours

// What a part's failure may take out of service on each kind of component, and what its repair may take
// out when the part cannot be swapped alone (a co-packaged engine's switch, a GPU's node).
struct PartScopes {
  std::vector<std::string_view> fails;
  std::vector<std::string_view> repairs;
};
PartScopes part_scopes(std::string_view kind) {
  if (kind == "link") return {{"link", "nothing"}, {"link", "switch", "node"}};
  if (kind == "switch") return {{"switch", "nothing"}, {"switch"}};
  if (kind == "ocs") return {{"ocs", "nothing"}, {"ocs"}};
  if (kind == "nic") return {{"nic", "node", "nothing"}, {"nic", "node"}};
  return {{"accelerator", "node", "nothing"}, {"accelerator", "node"}};
}

// Text of a part's source or derivation: one paragraph, not empty.
std::string part_text(const MapReader& p, std::string_view key, const std::string& what) {
  const std::string text = *p.string(key, what);
  const std::size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) p.fail(key, "expected " + what + ", got " + core::describe(p.node(key)));
  return text.substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1);
}

// A time that may exceed the simulated time the kernel counts (an MTBF of millions of hours).
double long_time(const MapReader& p, std::string_view key) {
  const std::string text = *p.string(key, "a time such as \"2000000 h\"");
  try {
    return core::parse_quantity(text, Dim::Time);
  } catch (const core::QuantityError& e) {
    p.fail(key, e.what());
  }
}

ReliabilityPart read_part(const YamlDoc& doc, const YAML::Node& node, const std::string& path,
                          std::string_view kind) {
  const MapReader p(doc, node, path, kPartKeys, "a part { name, fit or mtbf, count, repair, source, ... }");
  ReliabilityPart part;
  part.loc = p.loc();
  if (!p.has("name")) p.fail_missing("name", "the part's name, such as transceiver");
  part.name = *p.string("name", "the part's name, such as transceiver");
  if (part.name.empty() || part.name.size() > 64 || part.name.find_first_of(" \t\r\n") != std::string::npos)
    p.fail("name",
           "expected a part name of one word (at most 64 characters), got " + core::quote_text(part.name));
  if (p.has("fit") && p.has("mtbf")) p.fail("mtbf", "give either fit or mtbf, not both");
  if (p.has("fit")) {
    part.rate_per_s = *p.number("fit", 0.0, 1e12) / (kHoursPerFitUnit * 3600.0);
  } else if (p.has("mtbf")) {
    const double mtbf = long_time(p, "mtbf");
    if (!(mtbf > 0.0))
      p.fail("mtbf",
             "expected a time such as \"2000000 h\" above zero, got " + core::describe(p.node("mtbf")));
    part.rate_per_s = 1.0 / mtbf;
  } else {
    p.fail_missing("fit",
                   "a failure rate: fit (failures per 10^9 hours) or mtbf (a time such as \"2000000 h\")");
  }
  if (auto v = p.number("count", 0.0, 1e6)) {
    if (!(*v > 0.0))
      p.fail("count", "expected a number of parts per " + std::string(kind) + " above 0, got 0");
    part.count = *v;
  }
  if (!p.has("repair")) p.fail_missing("repair", "the mean time to repair or swap it, such as \"4 h\"");
  part.repair_s = long_time(p, "repair");
  if (auto v = p.boolean("field_replaceable")) part.field_replaceable = *v;
  if (auto v = p.boolean("spared")) part.spared = *v;
  const PartScopes scopes = part_scopes(kind);
  part.takes_down =
      p.has("takes_down") ? *p.choice("takes_down", scopes.fails) : std::string(scopes.fails[0]);
  if (p.has("repair_takes_down")) {
    if (part.field_replaceable)
      p.fail("repair_takes_down", "only a part with field_replaceable: false takes more down to be repaired");
    part.repair_takes_down = *p.choice("repair_takes_down", scopes.repairs);
  } else if (!part.field_replaceable) {
    p.fail_missing("repair_takes_down", "what replacing it takes out of service, one of " +
                                            core::join_names(scopes.repairs) +
                                            " (field_replaceable is false)");
  } else {
    part.repair_takes_down = part.takes_down;
  }
  if (!p.has("source")) p.fail_missing("source", "where its failure rate and repair time come from");
  part.source = part_text(p, "source", "where its failure rate and repair time come from");
  if (!p.has("confidence")) p.fail_missing("confidence", "one of " + core::join_names(kPartConfidences));
  part.confidence = *p.choice("confidence", kPartConfidences);
  if (p.has("derivation")) part.derivation = part_text(p, "derivation", "how its figures were derived");
  if ((part.confidence == "estimate" || part.confidence == "derived") && part.derivation.empty())
    p.fail_missing("derivation", "how its " + part.confidence + " figures were computed");
  return part;
}

// `reliability:`: a list of parts. It replaces a preset's list as a whole.
std::vector<ReliabilityPart> read_reliability(const YamlDoc& doc, const MapReader& m, std::string_view kind) {
  const YAML::Node list = m.node("reliability");
  if (!list.IsSequence())
    m.fail("reliability",
           "expected a list of parts such as [{ name: transceiver, fit: 1000, repair: 1 h, "
           "source: ..., confidence: low }], got " +
               core::describe(list));
  std::vector<ReliabilityPart> parts;
  int index = 0;
  for (auto it = list.begin(); it != list.end(); ++it, ++index) {
    const std::string path = m.path("reliability") + "." + std::to_string(index);
    if (index >= kMaxParts)
      throw core::InputError(doc.loc(*it, path), m.path("reliability"),
                             "a component has at most " + std::to_string(kMaxParts) + " parts");
    ReliabilityPart part = read_part(doc, *it, path, kind);
    for (const ReliabilityPart& other : parts)
      if (other.name == part.name)
        throw core::InputError(part.loc, path + ".name",
                               "part " + core::quote_text(part.name) + " is listed twice");
    parts.push_back(std::move(part));
  }
  return parts;
}
constexpr int kMaxCostItems = 64;
const std::vector<std::string_view> kCostItemKeys = {"name",   "usd",        "count",
                                                     "source", "confidence", "derivation"};

// One priced item: { name, usd, count, source, confidence, derivation } (power/cost.md).
CostItem read_cost_item(const YamlDoc& doc, const YAML::Node& node, const std::string& path,
                        std::string_view kind) {
  const MapReader p(doc, node, path, kCostItemKeys, "a priced item { name, usd, count, source, confidence }");
  CostItem item;
  item.loc = p.loc();
  if (!p.has("name")) p.fail_missing("name", "the item's name, such as transceiver");
  item.name = *p.string("name", "the item's name, such as transceiver");
  if (item.name.empty() || item.name.size() > 64 || item.name.find_first_of(" \t\r\n") != std::string::npos)
    p.fail("name",
           "expected an item name of one word (at most 64 characters), got " + core::quote_text(item.name));
  if (!p.has("usd")) p.fail_missing("usd", "the price of one item in US dollars, such as 900");
  item.usd = *p.number("usd", 0.0, 1e12);
  if (auto v = p.number("count", 0.0, 1e6)) {
    if (!(*v > 0.0))
      p.fail("count", "expected a number of items per " + std::string(kind) + " above 0, got 0");
    item.count = *v;
  }
  if (!p.has("source")) p.fail_missing("source", "where its price comes from");
  item.source = part_text(p, "source", "where its price comes from");
  if (!p.has("confidence")) p.fail_missing("confidence", "one of " + core::join_names(kPartConfidences));
  item.confidence = *p.choice("confidence", kPartConfidences);
  if (p.has("derivation")) item.derivation = part_text(p, "derivation", "how its price was derived");
  if ((item.confidence == "estimate" || item.confidence == "derived") && item.derivation.empty())
    p.fail_missing("derivation", "how its " + item.confidence + " price was computed");
  return item;
}

// `cost:`: a list of priced items. It replaces a preset's list as a whole.
std::vector<CostItem> read_cost(const YamlDoc& doc, const MapReader& m, std::string_view kind) {
  const YAML::Node list = m.node("cost");
  if (!list.IsSequence())
    m.fail("cost",
           "expected a list of priced items such as [{ name: transceiver, usd: 900, count: 2, "
           "source: ..., confidence: low }], got " +
               core::describe(list));
  std::vector<CostItem> items;
  int index = 0;
  for (auto it = list.begin(); it != list.end(); ++it, ++index) {
    const std::string path = m.path("cost") + "." + std::to_string(index);
    if (index >= kMaxCostItems)
      throw core::InputError(doc.loc(*it, path), m.path("cost"),
                             "a component has at most " + std::to_string(kMaxCostItems) + " priced items");
    CostItem item = read_cost_item(doc, *it, path, kind);
    for (const CostItem& other : items)
      if (other.name == item.name)
        throw core::InputError(item.loc, path + ".name",
                               "item " + core::quote_text(item.name) + " is listed twice");
    items.push_back(std::move(item));
  }
  return items;
}
}  // namespace

const std::vector<std::string_view> kLinkKeys = {
    "bandwidth", "latency",           "overhead", "stack",       "energy", "static_power", "optics",
    "regime",    "bandwidth_density", "fec",      "reliability", "cost",   "reach",        "length"};
const std::vector<std::string_view> kSwitchKeys = {"latency",
                                                   "energy",
                                                   "static_power",
                                                   "radix",
                                                   "store_and_forward",
                                                   "port_bandwidth",
                                                   "in_network",
                                                   "reduction_bandwidth",
                                                   "regime",
                                                   "faceplate_ports",
                                                   "buffer",
                                                   "reliability",
                                                   "cost",
                                                   "package"};
const std::vector<std::string_view> kOcsKeys = {
    "ports", "reconfiguration", "insertion_loss", "power", "regime", "reliability", "cost"};
const std::vector<std::string_view> kNicKeys = {"latency", "energy",      "static_power", "bandwidth_density",
                                                "buffer",  "reliability", "cost"};
const std::vector<std::string_view> kPoolKeys = {"bandwidth", "latency", "energy", "capacity"};
const std::vector<std::string_view> kAcceleratorKeys = {"compute",     "hbm",           "router_latency",
                                                        "idle_power",  "compute_power", "comm_library",
                                                        "reliability", "cost",          "package"};
const std::vector<std::string_view> kCommLibraryKeys = {"ring",
                                                        "tree",
                                                        "nvls",
                                                        "ll_max_rate",
                                                        "ll128_max_rate",
                                                        "net_efficiency",
                                                        "nvls_efficiency",
                                                        "nvls_channels",
                                                        "nvls_chunk",
                                                        "nvls_tree_channel_rate"};

std::string quantity_example(Dim dim) {
  return std::string(core::dim_name(dim)) + " such as " + std::string(core::dim_example(dim));
}

// A device's packet buffer: a data size above zero (a switch or NIC without one leaves the key out).
std::uint64_t positive_buffer(const MapReader& m, std::string_view key, const char* example) {
  const std::uint64_t value = *m.bytes(key);
  if (value == 0)
    m.fail(key, std::string("expected a data size above zero such as ") + example + ", got " +
                    core::describe(m.node(key)));
  return value;
}

double positive_quantity(const MapReader& m, std::string_view key, Dim dim) {
  const double value = *m.quantity(key, dim);
  if (!(value > 0.0))
    m.fail(key, "expected " + quantity_example(dim) + " above zero, got " + core::describe(m.node(key)));
  return value;
}

namespace {

const std::vector<std::string_view> kPackageKeys = {"area",   "thermal_resistance", "heat_capacity", "tj_max",
                                                    "source", "confidence",         "derivation"};
constexpr double kMaxJunctionC = 200.0;  // above any silicon's rated junction

// `package:` of an accelerator or switch (power/thermal.md): fields override the preset's; a complete
// package has an area, a resistance for at least one cooling kind, a heat capacity and a junction limit.
PackageSpec read_package(const YamlDoc& doc, const MapReader& m, PackageSpec pkg) {
  const MapReader p(
      doc, m.node("package"), m.path("package"), kPackageKeys,
      "a package { area, thermal_resistance: { air, liquid, immersion }, heat_capacity, tj_max, "
      "source, confidence }");
  pkg.present = true;
  pkg.loc = p.loc();
  if (p.has("area")) pkg.area_m2 = positive_quantity(p, "area", Dim::Area);
  if (p.has("thermal_resistance")) {
    const MapReader r(doc, p.node("thermal_resistance"), p.path("thermal_resistance"),
                      {"air", "liquid", "immersion"},
                      "junction-to-coolant resistances by cooling kind such as { air: 0.08 K/W, liquid: 0.04 "
                      "K/W }");
    if (r.has("air")) pkg.r_air_k_per_w = positive_quantity(r, "air", Dim::ThermalResistance);
    if (r.has("liquid")) pkg.r_liquid_k_per_w = positive_quantity(r, "liquid", Dim::ThermalResistance);
    if (r.has("immersion"))
      pkg.r_immersion_k_per_w = positive_quantity(r, "immersion", Dim::ThermalResistance);
  }
  if (p.has("heat_capacity"))
    pkg.heat_capacity_j_per_k = positive_quantity(p, "heat_capacity", Dim::HeatCapacity);
  if (p.has("tj_max")) {
    pkg.tj_max_c = positive_quantity(p, "tj_max", Dim::Temperature);
    if (pkg.tj_max_c > kMaxJunctionC)
      p.fail("tj_max", "expected a junction limit of at most " + core::format_number(kMaxJunctionC) +
                           " C, got " + core::describe(p.node("tj_max")));
  }
  if (p.has("source")) pkg.source = part_text(p, "source", "where its figures come from");
  if (p.has("confidence")) pkg.confidence = *p.choice("confidence", kPartConfidences);
  if (p.has("derivation")) pkg.derivation = part_text(p, "derivation", "how its figures were derived");
  if (pkg.area_m2 <= 0.0)
    p.fail_missing("area", "the silicon area its heat leaves through, such as \"814 mm2\"");
  if (pkg.r_air_k_per_w <= 0.0 && pkg.r_liquid_k_per_w <= 0.0 && pkg.r_immersion_k_per_w <= 0.0)
    p.fail_missing(
        "thermal_resistance",
        "junction-to-coolant resistances by cooling kind such as { air: 0.08 K/W, liquid: 0.04 K/W }");
  if (pkg.heat_capacity_j_per_k <= 0.0)
    p.fail_missing("heat_capacity",
                   quantity_example(Dim::HeatCapacity) + " (die, lid and what is bonded to them)");
  if (pkg.tj_max_c <= 0.0) p.fail_missing("tj_max", "the junction limit, such as \"105 C\"");
  if ((pkg.confidence == "estimate" || pkg.confidence == "derived") && pkg.derivation.empty())
    p.fail_missing("derivation", "how its " + pkg.confidence + " figures were computed");
  return pkg;
}

}  // namespace

void read_link_keys(const YamlDoc& doc, const MapReader& m, LinkSpec& link, bool from_preset) {
  if (m.has("bandwidth")) {
    link.bandwidth_Bps = positive_quantity(m, "bandwidth", Dim::DataRate);
  } else if (!from_preset) {
    m.fail_missing("bandwidth", quantity_example(Dim::DataRate));
  }
  if (auto v = m.quantity("latency", Dim::Time)) {
    link.latency_s = *v;
  } else if (!from_preset) {
    m.fail_missing("latency", quantity_example(Dim::Time));
  }
  if (auto v = m.number("overhead", 0.0, 1.0, true)) link.overhead = *v;

  if (m.has("energy") && m.has("stack")) {
    m.fail("energy", "give either energy (one serdes element) or stack, not both");
  }
  if (m.has("energy")) {
    StackElement e;
    e.category = "serdes";
    e.energy_pj_per_bit = *m.quantity("energy", Dim::EnergyPerBit);
    e.loc = m.loc("energy");
    link.stack = {e};
  }
  if (m.has("stack")) {
    const YAML::Node stack = m.node("stack");
    if (!stack.IsSequence()) {
      m.fail("stack",
             "expected a list of stack elements such as [{ category: serdes, energy: 2 pJ/bit }], got " +
                 core::describe(stack));
    }
    link.stack.clear();
    int index = 0;
    for (auto it = stack.begin(); it != stack.end(); ++it, ++index) {
      const std::string element_path = m.path("stack") + "." + std::to_string(index);
      if (index >= kMaxStack) {
        throw core::InputError(doc.loc(*it, element_path), m.path("stack"),
                               "a stack has at most " + std::to_string(kMaxStack) + " elements");
      }
      link.stack.push_back(read_stack_element(doc, *it, element_path));
    }
  }
  if (auto v = m.quantity("static_power", Dim::Power)) link.static_power_w = *v;
  if (m.has("optics")) link.optics = read_optics(doc, m.node("optics"), m.path("optics"), link.optics);
  if (auto v = m.choice("regime", kRegimes)) link.regime = *v;
  if (m.has("bandwidth_density"))
    link.bandwidth_density_Bps_per_m = positive_quantity(m, "bandwidth_density", Dim::BandwidthDensity);
  if (m.has("fec")) link.fec = read_fec(doc, m.node("fec"), m.path("fec"), link.fec);
  if (m.has("reliability")) link.reliability = read_reliability(doc, m, "link");
  if (m.has("cost")) link.cost = read_cost(doc, m, "link");
  if (m.has("reach")) link.reach_m = positive_quantity(m, "reach", Dim::Length);
  if (m.has("length")) link.length_m = positive_quantity(m, "length", Dim::Length);
}

void read_switch_keys(const MapReader& m, SwitchSpec& sw) {
  if (auto v = m.quantity("latency", Dim::Time)) sw.latency_s = *v;
  if (auto v = m.quantity("energy", Dim::EnergyPerBit)) sw.energy_pj_per_bit = *v;
  if (auto v = m.quantity("static_power", Dim::Power)) sw.static_power_w = *v;
  if (auto v = m.integer("radix", 2, 4096)) sw.radix = static_cast<int>(*v);
  if (auto v = m.boolean("store_and_forward")) sw.store_and_forward = *v;
  if (m.has("port_bandwidth")) sw.port_bandwidth_Bps = positive_quantity(m, "port_bandwidth", Dim::DataRate);
  if (auto v = m.boolean("in_network")) sw.in_network_reduction = *v;
  if (m.has("reduction_bandwidth")) {
    sw.reduction_bandwidth_Bps = positive_quantity(m, "reduction_bandwidth", Dim::DataRate);
    if (!sw.in_network_reduction)
      m.fail("reduction_bandwidth", "only a switch with in_network: true reduces");
  }
  if (auto v = m.choice("regime", kRegimes)) sw.regime = *v;
  if (auto v = m.integer("faceplate_ports", 1, 100000)) sw.faceplate_ports = static_cast<int>(*v);
  if (m.has("buffer")) {
    sw.buffer_bytes = positive_buffer(m, "buffer", "\"64 MB\" (the chip's packet buffer, all ports)");
    sw.buffer_loc = m.loc("buffer");
  }
  if (m.has("reliability")) sw.reliability = read_reliability(m.doc(), m, "switch");
  if (m.has("cost")) sw.cost = read_cost(m.doc(), m, "switch");
  if (m.has("package")) sw.package = read_package(m.doc(), m, sw.package);
}

void read_ocs_keys(const MapReader& m, OcsSpec& ocs) {
  if (auto v = m.integer("ports", 2, 100000)) ocs.ports = static_cast<int>(*v);
  if (auto v = m.quantity("reconfiguration", Dim::Time)) ocs.reconfiguration_s = *v;
  if (auto v = m.quantity("insertion_loss", Dim::Loss)) ocs.insertion_loss_db = *v;
  if (auto v = m.quantity("power", Dim::Power)) ocs.power_w = *v;
  if (auto v = m.choice("regime", kRegimes)) ocs.regime = *v;
  if (m.has("reliability")) ocs.reliability = read_reliability(m.doc(), m, "ocs");
  if (m.has("cost")) ocs.cost = read_cost(m.doc(), m, "ocs");
}

void read_nic_keys(const MapReader& m, NicSpec& nic) {
  if (auto v = m.quantity("latency", Dim::Time)) nic.latency_s = *v;
  if (auto v = m.quantity("energy", Dim::EnergyPerBit)) nic.energy_pj_per_bit = *v;
  if (auto v = m.quantity("static_power", Dim::Power)) nic.static_power_w = *v;
  if (m.has("bandwidth_density"))
    nic.bandwidth_density_Bps_per_m = positive_quantity(m, "bandwidth_density", Dim::BandwidthDensity);
  if (m.has("buffer")) {
    nic.buffer_bytes = positive_buffer(m, "buffer", "\"256 KiB\" (its port's receive buffer)");
    nic.buffer_loc = m.loc("buffer");
  }
  if (m.has("reliability")) nic.reliability = read_reliability(m.doc(), m, "nic");
  if (m.has("cost")) nic.cost = read_cost(m.doc(), m, "nic");
}

void read_pool_keys(const MapReader& m, MemoryPoolSpec& pool) {
  if (m.has("bandwidth")) {
    pool.bandwidth_Bps = positive_quantity(m, "bandwidth", Dim::DataRate);
  } else if (pool.bandwidth_Bps <= 0.0) {
    m.fail_missing("bandwidth", quantity_example(Dim::DataRate));
  }
  if (auto v = m.quantity("latency", Dim::Time)) pool.latency_s = *v;
  if (auto v = m.quantity("energy", Dim::EnergyPerBit)) pool.energy_pj_per_bit = *v;
  if (auto v = m.bytes("capacity")) pool.capacity_bytes = *v;
  if (pool.capacity_bytes == 0) m.fail_missing("capacity", quantity_example(Dim::DataSize));
}

namespace {

// One family's row: { ll: {...}, ll128: {...}, simple: {...} }, each protocol it runs with its latencies.
void read_family(const YamlDoc& doc, const MapReader& m, std::string_view key,
                 std::array<accelerator::ProtocolLatency, accelerator::kProtocols>& row) {
  const MapReader f(doc, m.node(key), m.path(key), {"ll", "ll128", "simple"},
                    "a mapping from protocol (ll, ll128, simple) to its latencies");
  for (int i = 0; i < accelerator::kProtocols; ++i) {
    const auto p = static_cast<accelerator::Protocol>(i);
    const char* name = accelerator::protocol_name(p);
    if (!f.has(name)) continue;
    const MapReader l(doc, f.node(name), f.path(name), {"launch", "scale_up_hop", "network_hop"},
                      "a protocol's latencies { launch, scale_up_hop, network_hop }");
    accelerator::ProtocolLatency& out = row[static_cast<std::size_t>(i)];
    out.available = true;
    if (auto v = l.quantity("launch", Dim::Time)) out.launch_s = *v;
    if (auto v = l.quantity("scale_up_hop", Dim::Time)) out.hop_s[0] = *v;
    if (auto v = l.quantity("network_hop", Dim::Time)) out.hop_s[1] = *v;
  }
}

double efficiency(const MapReader& m, std::string_view key) {
  const double v = *m.number(key, 0.0, 1.0);
  if (v <= 0.0) m.fail(key, "expected a share of the payload rate above 0 and at most 1, got 0");
  return v;
}

}  // namespace

void read_comm_library_keys(const YamlDoc& doc, const MapReader& m, accelerator::CommLibrary& lib) {
  const char* families[] = {"ring", "tree", "nvls"};
  for (int f = 0; f < accelerator::kFamilies; ++f)
    if (m.has(families[f])) read_family(doc, m, families[f], lib.latency[static_cast<std::size_t>(f)]);
  if (m.has("ll_max_rate")) lib.max_rate_Bps[0] = positive_quantity(m, "ll_max_rate", Dim::DataRate);
  if (m.has("ll128_max_rate")) lib.max_rate_Bps[1] = positive_quantity(m, "ll128_max_rate", Dim::DataRate);
  if (m.has("net_efficiency")) lib.net_efficiency = efficiency(m, "net_efficiency");
  if (m.has("nvls_efficiency")) lib.nvls_efficiency = efficiency(m, "nvls_efficiency");
  if (auto v = m.integer("nvls_channels", 1, 1024)) lib.nvls_channels = static_cast<int>(*v);
  if (m.has("nvls_chunk"))
    lib.nvls_chunk_bytes = static_cast<double>(positive_buffer(m, "nvls_chunk", "128 KiB"));
  if (m.has("nvls_tree_channel_rate")) {
    // { two_domains: RATE, more_domains: RATE }: NCCL's per-channel cap of its NVLS tree.
    const MapReader r(doc, m.node("nvls_tree_channel_rate"), m.path("nvls_tree_channel_rate"),
                      {"two_domains", "more_domains"},
                      "a channel's most bus bandwidth { two_domains: RATE, more_domains: RATE }");
    if (r.has("two_domains"))
      lib.nvls_tree_channel_Bps[0] = positive_quantity(r, "two_domains", Dim::DataRate);
    if (r.has("more_domains"))
      lib.nvls_tree_channel_Bps[1] = positive_quantity(r, "more_domains", Dim::DataRate);
  }
  if (!lib.runs(accelerator::Family::Ring)) {
    if (m.has("ring"))
      m.fail("ring", "expected at least one protocol (ll, ll128, simple) with its latencies");
    m.fail_missing("ring",
                   "the ring latencies of the collective library, such as ring: { simple: { launch: "
                   "8.4 us, scale_up_hop: 3.4 us, network_hop: 14 us } }");
  }
}

void read_accelerator_keys(const YamlDoc& doc, const MapReader& m, AcceleratorSpec& acc,
                           const CommLibraryResolver& resolve) {
  if (m.has("compute")) acc.compute_flops = positive_quantity(m, "compute", Dim::ComputeRate);
  if (m.has("hbm")) {
    const MapReader h(doc, m.node("hbm"), m.path("hbm"), {"bandwidth", "latency", "energy", "capacity"},
                      "an HBM description");
    if (auto v = h.quantity("latency", Dim::Time)) acc.hbm.latency_s = *v;
    if (h.has("bandwidth")) acc.hbm.bandwidth_Bps = positive_quantity(h, "bandwidth", Dim::DataRate);
    if (auto v = h.quantity("energy", Dim::EnergyPerBit)) acc.hbm.energy_pj_per_bit = *v;
    if (auto v = h.bytes("capacity")) acc.hbm.capacity_bytes = *v;
  }
  if (auto v = m.quantity("router_latency", Dim::Time)) acc.router_latency_s = *v;
  if (auto v = m.quantity("idle_power", Dim::Power)) acc.idle_power_w = *v;
  if (auto v = m.quantity("compute_power", Dim::Power)) acc.compute_power_w = *v;
  if (m.has("comm_library")) {
    // A preset's name ("none": no library), or in a platform file { preset: NAME, KEY: VALUE, ... }.
    const YAML::Node node = m.node("comm_library");
    acc.comm_library_loc = m.loc("comm_library");
    if (node.IsMap()) {
      if (!resolve)
        m.fail("comm_library",
               "an accelerator preset names its collective library's preset, such as nccl-h100");
      std::vector<std::string_view> keys = {"preset"};
      keys.insert(keys.end(), kCommLibraryKeys.begin(), kCommLibraryKeys.end());
      const MapReader c(doc, node, m.path("comm_library"), keys, "a collective library");
      acc.comm = c.has("preset") ? resolve(c, "preset") : accelerator::CommLibrary{};
      acc.comm_library_preset = c.has("preset") ? *c.string("preset") : std::string("(platform file)");
      acc.comm.name = acc.comm_library_preset;
      read_comm_library_keys(doc, c, acc.comm);
    } else {
      acc.comm_library_preset = *m.string("comm_library", "a collective library preset name, or none");
      acc.comm = resolve && acc.comm_library_preset != "none" ? resolve(m, "comm_library")
                                                              : accelerator::CommLibrary{};
    }
  }
  if (m.has("reliability")) acc.reliability = read_reliability(doc, m, "accelerator");
  if (m.has("cost")) acc.cost = read_cost(doc, m, "accelerator");
  if (m.has("package")) acc.package = read_package(doc, m, acc.package);
  // Computing never draws less than idling (0 stands for "the idle power").
  if (acc.compute_power_w > 0.0 && acc.compute_power_w < acc.idle_power_w) {
    const std::string key = m.has("compute_power") ? "compute_power" : "idle_power";
    m.fail(key, "expected compute_power (" + core::format_number(acc.compute_power_w) +
                    " W) to be at least idle_power (" + core::format_number(acc.idle_power_w) + " W)");
  }
}

}  // namespace pjbit::platforms
