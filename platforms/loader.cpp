#include "platforms/loader.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.h"
#include "core/limits.h"
#include "core/time_limit.h"
#include "core/units.h"
#include "core/yaml_support.h"
#include "platforms/component_reader.h"
#include "platforms/tech/presets.h"
#include "platforms/user_modules.h"

namespace pjbit::platforms {

namespace {

using core::Dim;
using core::kMaxRanks;
using core::MapReader;
using core::YamlDoc;

constexpr int kMaxDims = 8;
constexpr std::uint64_t kMinPacket = 64;
constexpr std::uint64_t kMaxPacket = std::uint64_t{64} << 20;

// A component's keys with `preset` first: a platform may start any component from a preset; then the keys
// that place modules of registered kinds in it, which only a platform file has (platforms/user_modules.h).
std::vector<std::string_view> with_preset(const std::vector<std::string_view>& keys,
                                          const std::vector<std::string_view>& placements = {}) {
  std::vector<std::string_view> out = {"preset"};
  out.insert(out.end(), keys.begin(), keys.end());
  out.insert(out.end(), placements.begin(), placements.end());
  return out;
}

// The names of every preset of a kind, for messages.
std::string preset_names(std::string_view kind) {
  std::string out;
  for (const tech::Preset& p : tech::all_presets()) {
    if (p.kind != kind) continue;
    if (!out.empty()) out += ", ";
    out += p.name;
  }
  return out.empty() ? std::string("(none)") : out;
}

const tech::Preset& find_preset(const MapReader& m, std::string_view kind) {
  const std::string name = *m.string("preset", "a preset name");
  const tech::Preset* preset = tech::find_preset(kind, name);
  if (preset == nullptr) {
    m.fail("preset", "unknown " + std::string(kind) + " preset " + core::describe(m.node("preset")) +
                         "; expected one of: " + preset_names(kind));
  }
  return *preset;
}

// A name that appears in messages, reports and link ids: printable characters only.
std::string read_name(const MapReader& m, std::string_view key, const std::string& what) {
  const std::string name = *m.string(key, what);
  if (name.empty()) m.fail(key, "expected " + what + ", got \"\"");
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f)
      m.fail(key, "expected " + what + " of printable characters, got " + core::quote_text(name));
  return name;
}

LinkSpec read_link(const YamlDoc& doc, const YAML::Node& node, const std::string& path) {
  const MapReader m(doc, node, path, with_preset(kLinkKeys, {"inline"}), "a link");
  LinkSpec link;
  const bool from_preset = m.has("preset");
  if (from_preset) {
    link = find_preset(m, "link").link;
    link.preset = *m.string("preset");
  }
  link.loc = m.loc();
  read_link_keys(doc, m, link, from_preset);
  // Reach (platforms/reach.md): a link no longer than its technology carries, its length given or that of
  // its regime.
  const double length = link.length_m > 0.0 ? link.length_m : regime_length_m(link.regime);
  if (link.reach_m > 0.0 && length > link.reach_m) {
    const std::string what = link.preset.empty() ? "the link" : "the link (preset " + link.preset + ")";
    const std::string why = link.length_m > 0.0 ? "its length" : "a " + link.regime + "-scale link (regime)";
    throw core::InputError(link.loc, path,
                           what + " reaches " + core::format_number(link.reach_m) + " m, but " + why +
                               " spans " + core::format_number(length) +
                               " m; give a shorter length or a technology that reaches");
  }
  if (m.has("inline")) {
    // Blocks of registered kinds after the wire, in the order a packet crosses them.
    const YAML::Node list = m.node("inline");
    if (!list.IsSequence())
      m.fail("inline",
             "expected a list of link block kinds such as [crc_retry], got " + core::describe(list));
    constexpr int kMaxBlocks = 16;
    if (list.size() > kMaxBlocks)
      m.fail("inline", "a link has at most " + std::to_string(kMaxBlocks) + " blocks inline");
    // Each element read as the value of key "i" of a mapping {i: element}, for the one reader of placements.
    for (std::size_t i = 0; i < list.size(); ++i) {
      YAML::Node one(YAML::NodeType::Map);
      one[std::to_string(i)] = list[i];
      const MapReader e(doc, one, m.path("inline"), {std::to_string(i)}, "a link block");
      link.blocks.push_back(read_module(doc, e, std::to_string(i), ModuleRole::LinkBlock));
    }
  }
  return link;
}

SwitchSpec read_switch(const YamlDoc& doc, const YAML::Node& node, const std::string& path) {
  const MapReader m(doc, node, path, with_preset(kSwitchKeys, {"arbiter", "model"}), "a switch");
  SwitchSpec sw;
  if (m.has("preset")) {
    sw = find_preset(m, "switch").sw;
    sw.preset = *m.string("preset");
  }
  sw.loc = m.loc();
  read_switch_keys(m, sw);
  if (m.has("arbiter")) sw.arbiter = read_module(doc, m, "arbiter", ModuleRole::Arbiter);
  if (m.has("model")) sw.model = read_module(doc, m, "model", ModuleRole::Node);
  if (sw.arbiter.placed() && sw.model.placed())
    m.fail("arbiter", "a switch of another model (" + m.path("model") + ") arbitrates its ports itself");
  return sw;
}

AcceleratorSpec read_accelerator(const YamlDoc& doc, const YAML::Node& node, const std::string& path) {
  const MapReader m(doc, node, path, with_preset(kAcceleratorKeys), "an accelerator");
  AcceleratorSpec acc;
  if (m.has("preset")) {
    acc = find_preset(m, "accelerator").accelerator;
    acc.preset = *m.string("preset");
  }
  acc.loc = m.loc();
  const CommLibraryResolver resolve = [](const MapReader& r, std::string_view key) {
    const std::string name = *r.string(key, "a collective library preset name");
    const tech::Preset* preset = tech::find_preset("comm_library", name);
    if (preset == nullptr)
      r.fail(key, "unknown comm_library preset " + core::quote_text(name) +
                      "; expected none or one of: " + preset_names("comm_library"));
    return preset->comm;
  };
  read_accelerator_keys(doc, m, acc, resolve);
  // An accelerator preset names its library; the platform file may name another, or none.
  if (!m.has("comm_library") && !acc.comm_library_preset.empty() && acc.comm_library_preset != "none") {
    const tech::Preset* preset = tech::find_preset("comm_library", acc.comm_library_preset);
    if (preset == nullptr)
      throw core::InputError(acc.comm_library_loc, m.path("preset"),
                             "the accelerator preset names an unknown comm_library preset " +
                                 core::quote_text(acc.comm_library_preset) +
                                 "; expected one of: " + preset_names("comm_library"));
    acc.comm = preset->comm;
  }
  return acc;
}

OcsSpec read_ocs(const YamlDoc& doc, const YAML::Node& node, const std::string& path) {
  const MapReader m(doc, node, path, with_preset(kOcsKeys), "an OCS");
  OcsSpec ocs;
  if (m.has("preset")) {
    ocs = find_preset(m, "ocs").ocs;
    ocs.preset = *m.string("preset");
  }
  ocs.loc = m.loc();
  read_ocs_keys(m, ocs);
  return ocs;
}

NicSpec read_nic(const YamlDoc& doc, const YAML::Node& node, const std::string& path) {
  const MapReader m(doc, node, path, with_preset(kNicKeys, {"model"}), "a NIC");
  NicSpec nic;
  if (m.has("preset")) {
    nic = find_preset(m, "nic").nic;
    nic.preset = *m.string("preset");
  }
  nic.loc = m.loc();
  read_nic_keys(m, nic);
  if (m.has("model")) nic.model = read_module(doc, m, "model", ModuleRole::Node);
  return nic;
}

// A fat tree's optical bypass: { ocs: OCS, ports_per_leaf: 2, link: LINK }.
BypassSpec read_bypass(const YamlDoc& doc, const YAML::Node& node, const std::string& path,
                       const LinkSpec& tier_link) {
  const MapReader m(doc, node, path, {"ocs", "ports_per_leaf", "link"},
                    "an optical bypass such as { ocs: { reconfiguration: 1 ms }, ports_per_leaf: 2 }");
  BypassSpec b;
  b.present = true;
  b.loc = m.loc();
  if (!m.has("ocs")) m.fail_missing("ocs", "an OCS such as { ports: 136, reconfiguration: 10 ms }");
  b.ocs = read_ocs(doc, m.node("ocs"), m.path("ocs"));
  if (auto v = m.integer("ports_per_leaf", 1, 64)) b.ports_per_leaf = static_cast<int>(*v);
  b.link = m.has("link") ? read_link(doc, m.node("link"), m.path("link")) : tier_link;
  return b;
}

const std::vector<std::string_view> kKinds = {"ring",     "switch", "full_mesh", "torus",
                                              "fat_tree", "ocs",    "graph"};

std::vector<int> read_dims(const YamlDoc& doc, const MapReader& m) {
  std::vector<int> dims;
  const YAML::Node node = m.node("dims");
  if (!node.IsSequence() || node.size() == 0) {
    m.fail("dims", "expected a list of sizes such as [4, 4, 4], got " + core::describe(node));
  }
  int index = 0;
  for (auto it = node.begin(); it != node.end(); ++it, ++index) {
    const std::string dim_path = m.path("dims") + "." + std::to_string(index);
    if (index >= kMaxDims) {
      throw core::InputError(doc.loc(*it, dim_path), m.path("dims"),
                             "a torus has at most " + std::to_string(kMaxDims) + " dimensions");
    }
    dims.push_back(static_cast<int>(core::as_int(*it, doc.loc(*it, dim_path), dim_path, 1, kMaxRanks)));
  }
  return dims;
}

// The ranks a torus's dims give, or kMaxRanks + 1 when they give more: the product is checked at every
// factor, so dims whose product overflows 64 bits (and would wrap to a plausible count) are refused, not
// wrapped.
long long dims_product(const std::vector<int>& dims) {
  long long product = 1;
  for (int d : dims) {
    product *= d;  // at most (kMaxRanks + 1) x kMaxRanks: no overflow
    if (product > kMaxRanks) return kMaxRanks + 1;
  }
  return product;
}

// "N" for a product within the cap, "more than 65536" beyond it.
std::string describe_product(long long product) {
  return product > kMaxRanks ? "more than " + std::to_string(kMaxRanks) : std::to_string(product);
}

std::string known_node(const MapReader& r, std::string_view key, const std::vector<std::string>& names) {
  const std::string name = *r.string(key, "a node name");
  if (std::find(names.begin(), names.end(), name) == names.end())
    r.fail(key, "no node is named " + core::quote_text(name));
  return name;
}

// The explicit graph form: nodes (accelerators, switches, OCS), links between them, optional routes.
void read_graph(const YamlDoc& doc, const MapReader& m, TopologySpec& topo) {
  if (!m.has("nodes")) m.fail_missing("nodes", "a list of nodes such as [{ name: gpu0, kind: accelerator }]");
  if (!m.has("links")) m.fail_missing("links", "a list of links such as [{ a: gpu0, b: sw0 }]");
  const YAML::Node nodes = m.node("nodes");
  if (!nodes.IsSequence() || nodes.size() == 0)
    m.fail("nodes", "expected a list of nodes, got " + core::describe(nodes));
  std::vector<std::string> names;
  int index = 0;
  for (auto it = nodes.begin(); it != nodes.end(); ++it, ++index) {
    const std::string path = m.path("nodes") + "." + std::to_string(index);
    const MapReader n(doc, *it, path, {"name", "kind", "switch", "ocs"}, "a node");
    GraphNodeSpec node;
    node.loc = n.loc();
    if (!n.has("name")) n.fail_missing("name", "a node name");
    node.name = read_name(n, "name", "a node name");
    if (std::find(names.begin(), names.end(), node.name) != names.end())
      n.fail("name", "node " + core::quote_text(node.name) + " is defined twice");
    if (!n.has("kind")) n.fail_missing("kind", "one of accelerator, switch, ocs");
    node.kind = *n.choice("kind", {"accelerator", "switch", "ocs"});
    if (node.kind == "switch") {
      if (!n.has("switch"))
        n.fail_missing("switch", "a switch such as { latency: 300 ns, energy: 10 pJ/bit }");
      node.sw = read_switch(doc, n.node("switch"), n.path("switch"));
    } else if (n.has("switch")) {
      n.fail("switch", "only a node of kind switch has a switch");
    }
    if (node.kind == "ocs") {
      if (!n.has("ocs")) n.fail_missing("ocs", "an OCS such as { ports: 136, reconfiguration: 10 ms }");
      node.ocs = read_ocs(doc, n.node("ocs"), n.path("ocs"));
    } else if (n.has("ocs")) {
      n.fail("ocs", "only a node of kind ocs has an ocs");
    }
    names.push_back(node.name);
    topo.graph_nodes.push_back(node);
  }
  const YAML::Node links = m.node("links");
  if (!links.IsSequence() || links.size() == 0)
    m.fail("links", "expected a list of links, got " + core::describe(links));
  index = 0;
  for (auto it = links.begin(); it != links.end(); ++it, ++index) {
    const std::string path = m.path("links") + "." + std::to_string(index);
    const MapReader l(doc, *it, path, {"a", "b", "link"}, "a link between two nodes");
    GraphLinkSpec link;
    link.loc = l.loc();
    if (!l.has("a")) l.fail_missing("a", "a node name");
    if (!l.has("b")) l.fail_missing("b", "a node name");
    link.a = known_node(l, "a", names);
    link.b = known_node(l, "b", names);
    if (link.a == link.b) l.fail("b", "a link joins two different nodes");
    if (l.has("link")) {
      link.link = read_link(doc, l.node("link"), l.path("link"));
    } else if (m.has("link")) {
      link.link = topo.link;
    } else {
      l.fail_missing("link", "a link such as { bandwidth: 100 GB/s, latency: 500 ns }, or a default in " +
                                 m.path("link"));
    }
    topo.graph_links.push_back(link);
  }
  if (m.has("routes")) {
    const YAML::Node routes = m.node("routes");
    if (!routes.IsSequence()) m.fail("routes", "expected a list of routes, got " + core::describe(routes));
    index = 0;
    for (auto it = routes.begin(); it != routes.end(); ++it, ++index) {
      const std::string path = m.path("routes") + "." + std::to_string(index);
      const MapReader r(doc, *it, path, {"from", "to", "via"}, "a route");
      GraphRouteSpec route;
      route.loc = r.loc();
      if (!r.has("from")) r.fail_missing("from", "an accelerator name");
      if (!r.has("to")) r.fail_missing("to", "an accelerator name");
      route.from = known_node(r, "from", names);
      route.to = known_node(r, "to", names);
      if (r.has("via")) {
        const YAML::Node via = r.node("via");
        if (!via.IsSequence()) r.fail("via", "expected a list of node names, got " + core::describe(via));
        int k = 0;
        for (auto v = via.begin(); v != via.end(); ++v, ++k) {
          const std::string vpath = r.path("via") + "." + std::to_string(k);
          const std::string name = core::as_string(*v, doc.loc(*v, vpath), vpath, "a node name");
          if (std::find(names.begin(), names.end(), name) == names.end())
            throw core::InputError(doc.loc(*v, vpath), vpath, "no node is named " + core::quote_text(name));
          route.via.push_back(name);
        }
      }
      topo.graph_routes.push_back(route);
    }
  }
  int accelerators = 0;
  for (const auto& n : topo.graph_nodes)
    accelerators += n.kind == "accelerator";
  if (accelerators < 2) m.fail("nodes", "a graph needs at least two nodes of kind accelerator");
  topo.ranks = accelerators;
}

// A tier's flow_control: { mode, buffer, xoff, xon, retransmit, ecn: { kmin, kmax, pmax } }. What depends on
// the packet size and the links (the PFC headroom, defaults of xoff and xon) is checked once the whole
// platform is read (check_flow_control).
FlowControlSpec read_flow_control(const YamlDoc& doc, const YAML::Node& node, const std::string& path) {
  const MapReader m(doc, node, path, {"mode", "buffer", "xoff", "xon", "retransmit", "ecn"},
                    "a flow control block such as { mode: pfc, buffer: 1 MiB }");
  FlowControlSpec fc;
  fc.loc = m.loc();
  if (!m.has("mode")) m.fail_missing("mode", "one of off, credit, pfc, lossy");
  fc.mode = *m.choice("mode", {"off", "credit", "pfc", "lossy"});
  const auto positive_bytes = [&](const MapReader& r, std::string_view key, const std::string& example) {
    const std::uint64_t v = *r.bytes(key);
    if (v == 0)
      r.fail(key,
             "expected a data size above zero such as " + example + ", got " + core::describe(r.node(key)));
    return v;
  };
  // Without `buffer` the tier's switch or NIC gives it (check_flow_control), and the thresholds below are
  // checked against it there.
  if (m.has("buffer")) {
    fc.buffer_bytes = positive_bytes(m, "buffer", "\"1 MiB\" (a port with no buffer has no credits)");
    fc.buffer_loc = m.loc("buffer");
    fc.buffer_given = true;
  }
  const std::uint64_t limit = fc.buffer_given ? fc.buffer_bytes : std::numeric_limits<std::uint64_t>::max();
  if (m.has("xoff") || m.has("xon")) {
    const std::string_view key = m.has("xoff") ? "xoff" : "xon";
    if (fc.mode != "pfc") m.fail(key, "pause thresholds are for mode: pfc; this tier's mode is " + fc.mode);
  }
  if (m.has("xoff")) {
    fc.xoff_bytes = positive_bytes(m, "xoff", "\"512 KiB\"");
    fc.xoff_given = true;
    fc.xoff_loc = m.loc("xoff");
    if (fc.xoff_bytes > limit)
      m.fail("xoff", "expected at most the buffer (" + std::to_string(fc.buffer_bytes) + " B), got " +
                         std::to_string(fc.xoff_bytes) + " B");
  }
  if (m.has("xon")) {
    fc.xon_bytes = *m.bytes("xon");
    fc.xon_given = true;
    fc.xon_loc = m.loc("xon");
    if (fc.xon_bytes > limit)
      m.fail("xon", "expected at most the buffer (" + std::to_string(fc.buffer_bytes) + " B), got " +
                        std::to_string(fc.xon_bytes) + " B");
    if (fc.xoff_given && fc.xon_bytes >= fc.xoff_bytes)
      m.fail("xon", "expected less than xoff (" + std::to_string(fc.xoff_bytes) + " B), got " +
                        std::to_string(fc.xon_bytes) + " B");
  }
  if (m.has("retransmit")) {
    if (fc.mode != "lossy")
      m.fail("retransmit", "retransmission is for mode: lossy; this tier's mode is " + fc.mode);
    fc.retransmit_s = *m.quantity("retransmit", core::Dim::Time);
    if (!(fc.retransmit_s > 0.0))
      m.fail("retransmit",
             "expected a time above zero such as \"20 us\", got " + core::describe(m.node("retransmit")));
  }
  if (m.has("ecn")) {
    if (!fc.on()) m.fail("ecn", "ECN marks queues of a tier with flow control; this tier's mode is off");
    const MapReader e(doc, m.node("ecn"), m.path("ecn"), {"kmin", "kmax", "pmax"},
                      "ECN thresholds such as { kmin: 100 KiB, kmax: 400 KiB, pmax: 0.2 }");
    fc.ecn = true;
    if (!e.has("kmin")) e.fail_missing("kmin", "the queue at which marking starts, such as \"100 KiB\"");
    if (!e.has("kmax"))
      e.fail_missing("kmax", "the queue above which every packet is marked, such as \"400 KiB\"");
    fc.ecn_kmin_bytes = *e.bytes("kmin");
    fc.ecn_kmax_bytes = positive_bytes(e, "kmax", "\"400 KiB\"");
    fc.kmax_loc = e.loc("kmax");
    if (fc.ecn_kmin_bytes > fc.ecn_kmax_bytes)
      e.fail("kmin", "expected at most kmax (" + std::to_string(fc.ecn_kmax_bytes) + " B), got " +
                         std::to_string(fc.ecn_kmin_bytes) + " B");
    if (fc.ecn_kmax_bytes > limit)
      e.fail("kmax", "expected at most the buffer (" + std::to_string(fc.buffer_bytes) + " B), got " +
                         std::to_string(fc.ecn_kmax_bytes) + " B");
    if (auto v = e.number("pmax", 0.0, 1.0)) {
      if (!(*v > 0.0)) e.fail("pmax", "expected a probability above 0 and at most 1, got 0");
      fc.ecn_pmax = *v;
    }
  }
  return fc;
}

// A tier's congestion_control: { scheme, and the scheme's parameters }. Needs the tier's flow_control (the
// packet engine's queues), and DCQCN its ECN marks.
nic::CongestionControlParams read_congestion_control(const YamlDoc& doc, const YAML::Node& node,
                                                     const std::string& path, const TopologySpec& topo) {
  const MapReader m(doc, node, path,
                    {"scheme", "g", "alpha_timer", "increase_timer", "byte_counter", "fast_recovery",
                     "additive_increase", "hyper_increase", "cnp_interval", "min_rate", "target_delay",
                     "window_increase", "beta", "max_decrease"},
                    "a congestion control block such as { scheme: dcqcn }");
  nic::CongestionControlParams cc;
  if (!m.has("scheme")) m.fail_missing("scheme", "one of none, dcqcn, swift");
  cc.scheme = *m.choice("scheme", {"none", "dcqcn", "swift"});
  const auto only = [&](std::string_view key, const char* scheme) {
    if (m.has(key) && cc.scheme != scheme)
      m.fail(key, std::string("a parameter of ") + scheme + "; this scheme is " + cc.scheme);
    return m.has(key);
  };
  const auto positive = [&](std::string_view key, Dim dim) {
    const double v = *m.quantity(key, dim);
    if (!(v > 0.0))
      m.fail(key, "expected " + std::string(core::dim_name(dim)) + " above zero such as " +
                      std::string(core::dim_example(dim)) + ", got " + core::describe(m.node(key)));
    return v;
  };
  const auto fraction = [&](std::string_view key, bool one_allowed) {
    const double v = *m.number(key, 0.0, 1.0, !one_allowed);
    if (!(v > 0.0))
      m.fail(key, std::string("expected a fraction above 0 and ") + (one_allowed ? "at most" : "below") +
                      " 1, got " + core::describe(m.node(key)));
    return v;
  };
  nic::DcqcnParams& d = cc.dcqcn;
  if (only("g", "dcqcn")) d.g = fraction("g", true);
  if (only("alpha_timer", "dcqcn")) d.alpha_timer_s = positive("alpha_timer", Dim::Time);
  if (only("increase_timer", "dcqcn")) d.increase_timer_s = positive("increase_timer", Dim::Time);
  if (only("byte_counter", "dcqcn")) {
    const std::uint64_t v = *m.bytes("byte_counter");
    if (v == 0) m.fail("byte_counter", "expected a data size above zero such as \"10 MB\", got 0");
    d.byte_counter_bytes = double(v);
  }
  if (only("fast_recovery", "dcqcn"))
    d.fast_recovery_steps = static_cast<int>(*m.integer("fast_recovery", 1, 100));
  if (only("additive_increase", "dcqcn"))
    d.additive_increase_Bps = positive("additive_increase", Dim::DataRate);
  if (only("hyper_increase", "dcqcn")) d.hyper_increase_Bps = positive("hyper_increase", Dim::DataRate);
  if (only("cnp_interval", "dcqcn")) d.cnp_interval_s = positive("cnp_interval", Dim::Time);
  if (only("min_rate", "dcqcn")) d.min_rate_Bps = positive("min_rate", Dim::DataRate);
  nic::SwiftParams& w = cc.swift;
  if (only("target_delay", "swift")) w.target_delay_s = positive("target_delay", Dim::Time);
  if (only("window_increase", "swift")) {
    const std::uint64_t v = *m.bytes("window_increase");
    if (v == 0) m.fail("window_increase", "expected a data size above zero such as \"4 KiB\", got 0");
    w.additive_increase_bytes = double(v);
  }
  if (only("beta", "swift")) w.beta = fraction("beta", true);
  if (only("max_decrease", "swift")) w.max_decrease = fraction("max_decrease", false);
  if (cc.scheme != "none" && !topo.flow_control.on())
    m.fail("scheme",
           "congestion control acts on the packet engine's finite queues: give the tier a "
           "flow_control block too");
  if (cc.scheme == "dcqcn" && !topo.flow_control.ecn)
    m.fail("scheme", "DCQCN reacts to ECN marks: give the tier's flow_control an ecn block");
  const double line = topo.link.bandwidth_Bps * (1.0 - topo.link.overhead);
  cc.line_rate_Bps = line;
  if (cc.scheme == "dcqcn" && line > 0.0 && d.min_rate_Bps >= line)
    m.fail(m.has("min_rate") ? "min_rate" : "scheme",
           "expected a minimum rate below the link's payload rate (" + core::format_number(line / 1e9) +
               " GB/s)");
  return cc;
}

// The PFC headroom a tier's links need (the largest over them): 2 x latency x payload rate + 2 packets.
double pfc_headroom_bytes(const TopologySpec& topo, std::uint64_t packet) {
  const auto of = [&](const LinkSpec& l) {
    if (l.bandwidth_Bps <= 0.0) return 0.0;
    return 2.0 * l.total_latency_s() * l.bandwidth_Bps * (1.0 - l.overhead) + 2.0 * double(packet);
  };
  double h = of(topo.link);
  if (topo.bypass.present) h = std::max(h, of(topo.bypass.link));
  for (const auto& gl : topo.graph_links)
    h = std::max(h, of(gl.link));
  return h;
}

// A flow_control block without `buffer` takes it from the tier's devices (modules/link/flow_control.md,
// "Buffers from the presets"): a switched tier's switch shares its packet buffer evenly among its ports,
// buffer / radix, and each priority of a port may hold that share; a tier without switches takes its NIC's
// port buffer. The thresholds given beside it (xoff, xon, ECN's kmax) must then fit in what it took.
void take_device_buffer(TopologySpec& topo, const std::string& path) {
  FlowControlSpec& fc = topo.flow_control;
  const bool switched = topo.kind == "switch" || topo.kind == "fat_tree";
  std::string from;
  if (switched && topo.sw.buffer_bytes > 0) {
    fc.buffer_bytes = topo.sw.buffer_bytes / static_cast<std::uint64_t>(topo.sw.radix);
    fc.buffer_loc = topo.sw.buffer_loc;
    from = "the switch's buffer (" + std::to_string(topo.sw.buffer_bytes) + " B) over its radix (" +
           std::to_string(topo.sw.radix) + ")";
  } else if (!switched && topo.has_nic && topo.nic.buffer_bytes > 0) {
    fc.buffer_bytes = topo.nic.buffer_bytes;
    fc.buffer_loc = topo.nic.buffer_loc;
    from = "the NIC's buffer";
  } else {
    throw core::InputError(
        fc.loc, path + ".buffer",
        std::string("missing; expected the ingress buffer of a port, per priority, such as "
                    "\"1 MiB\" (") +
            (switched ? "the tier's switch gives no buffer"
                      : "the tier has no switch, and no NIC with a buffer") +
            ")");
  }
  fc.buffer_from = from;
  const auto fits = [&](std::uint64_t v, const core::SourceLoc& loc, const std::string& key) {
    if (v > fc.buffer_bytes)
      throw core::InputError(loc, path + "." + key,
                             "expected at most the buffer (" + std::to_string(fc.buffer_bytes) +
                                 " B: " + from + "), got " + std::to_string(v) + " B");
  };
  if (fc.xoff_given) fits(fc.xoff_bytes, fc.xoff_loc, "xoff");
  if (fc.xon_given) fits(fc.xon_bytes, fc.xon_loc, "xon");
  if (fc.ecn) fits(fc.ecn_kmax_bytes, fc.kmax_loc, "ecn.kmax");
}

// What flow control needs of the packet size and the links: a buffer of at least a packet, and with PFC a
// pause threshold that leaves the headroom of the link's round trip. Fills xoff and xon when not given.
void check_flow_control(PlatformSpec& spec) {
  for (std::size_t t = 0; t < spec.tiers.size(); ++t) {
    TopologySpec& topo = spec.tiers[t];
    FlowControlSpec& fc = topo.flow_control;
    if (!fc.on()) continue;
    const std::string path =
        (spec.flat() ? std::string("topology") : "tiers." + std::to_string(t)) + ".flow_control";
    const std::uint64_t packet = spec.packet_bytes;
    if (!fc.buffer_given) take_device_buffer(topo, path);
    const std::string from = fc.buffer_from.empty() ? "" : " (" + fc.buffer_from + ")";
    if (fc.buffer_bytes < packet)
      throw core::InputError(fc.buffer_loc, path + ".buffer",
                             "expected at least one packet (" + std::to_string(packet) + " B), got " +
                                 std::to_string(fc.buffer_bytes) + " B" + from);
    if (fc.mode != "pfc") continue;
    const double headroom = std::ceil(pfc_headroom_bytes(topo, packet));
    if (!fc.xoff_given) {
      if (double(fc.buffer_bytes) < headroom + double(packet))
        throw core::InputError(fc.buffer_loc, path + ".buffer",
                               "a PFC buffer must hold the headroom of its link's round trip (" +
                                   std::to_string(static_cast<std::uint64_t>(headroom)) +
                                   " B: 2 x latency x rate + 2 packets) and a packet more; got " +
                                   std::to_string(fc.buffer_bytes) + " B" + from);
      fc.xoff_bytes = fc.buffer_bytes - static_cast<std::uint64_t>(headroom);
    } else if (double(fc.buffer_bytes - fc.xoff_bytes) < headroom) {
      throw core::InputError(fc.xoff_loc, path + ".xoff",
                             "expected at most the buffer less the headroom of the link's round trip (" +
                                 std::to_string(fc.buffer_bytes) + " B - " +
                                 std::to_string(static_cast<std::uint64_t>(headroom)) +
                                 " B: 2 x latency x rate + 2 packets), got " + std::to_string(fc.xoff_bytes) +
                                 " B");
    }
    if (!fc.xon_given) fc.xon_bytes = fc.xoff_bytes > 2 * packet ? fc.xoff_bytes - 2 * packet : 0;
    if (fc.xon_bytes >= fc.xoff_bytes)
      throw core::InputError(fc.loc, path + ".xon",
                             "expected less than xoff (" + std::to_string(fc.xoff_bytes) + " B), got " +
                                 std::to_string(fc.xon_bytes) + " B");
  }
}

// A flat topology (tier < 0) or tier `tier` of `tiers`.
TopologySpec read_topology(const YamlDoc& doc, const YAML::Node& node, const std::string& path, int tier) {
  const MapReader m(doc, node, path,
                    {"name",
                     "kind",
                     "ranks",
                     "domains",
                     "dims",
                     "levels",
                     "radix",
                     "oversubscription",
                     "ports_per_rank",
                     "routing",
                     "link",
                     "switch",
                     "ocs",
                     "nic",
                     "ranks_per_nic",
                     "pxn",
                     "nodes",
                     "links",
                     "routes",
                     "bypass",
                     "flow_control",
                     "congestion_control"},
                    tier < 0 ? "a topology" : "a tier");
  TopologySpec topo;
  topo.loc = m.loc();
  if (tier >= 0) {
    if (!m.has("name")) m.fail_missing("name", "a tier name such as scale_up");
    topo.name = read_name(m, "name", "a tier name such as scale_up");
  } else if (m.has("name")) {
    m.fail("name", "a flat topology is named \"topology\"; names are for tiers");
  }
  if (!m.has("kind")) m.fail_missing("kind", "one of " + core::join_names(kKinds));
  topo.kind = *m.choice("kind", kKinds);
  const std::string kind = topo.kind;

  auto forbid = [&](std::string_view key, const std::string& why) {
    if (m.has(key)) m.fail(key, why);
  };
  if (kind != "graph") {
    forbid("nodes", "only a graph topology lists nodes");
    forbid("links", "only a graph topology lists links");
    forbid("routes", "only a graph topology lists routes");
  }
  if (m.has("link")) {
    topo.link = read_link(doc, m.node("link"), m.path("link"));
  } else if (kind != "graph") {
    m.fail_missing("link", "a link such as { bandwidth: 100 GB/s, latency: 500 ns }");
  }

  // Size: a flat topology or the innermost tier gives ranks (a torus its dims); an outer tier gives domains.
  if (tier > 0) {
    forbid("ranks", "an outer tier is sized by domains: the number of copies of the tier inside it");
    if (!m.has("domains"))
      m.fail_missing("domains", "the number of inner domains this tier joins, such as 16");
    topo.domains = static_cast<int>(*m.integer("domains", 1, kMaxRanks));
    if (kind == "torus") {
      if (!m.has("dims"))
        m.fail_missing("dims", "a list of sizes whose product is the ranks this tier holds");
      topo.dims = read_dims(doc, m);
    }
  } else {
    forbid("domains", tier == 0 ? "the innermost tier is sized by ranks" : "domains are for tiers");
    if (kind == "torus") {
      if (!m.has("dims")) m.fail_missing("dims", "a list of sizes such as [4, 4, 4]");
      topo.dims = read_dims(doc, m);
      const long long product = dims_product(topo.dims);
      if (product < 2 || product > kMaxRanks)
        m.fail("dims", "a torus has 2 to " + std::to_string(kMaxRanks) + " ranks, these dims give " +
                           describe_product(product));
      if (m.has("ranks") && *m.integer("ranks", 2, kMaxRanks) != product)
        m.fail("ranks", "the dims give " + std::to_string(product) + " ranks");
      topo.ranks = static_cast<int>(product);
    } else if (kind == "graph") {
      forbid("ranks", "a graph has as many ranks as nodes of kind accelerator");
    } else {
      if (!m.has("ranks")) m.fail_missing("ranks", "a whole number from 2 to " + std::to_string(kMaxRanks));
      topo.ranks = static_cast<int>(*m.integer("ranks", tier == 0 ? 1 : 2, kMaxRanks));
    }
  }
  if (kind != "torus") forbid("dims", "only a torus has dims");
  if (kind == "fat_tree") {
    if (auto v = m.integer("levels", 2, 3)) topo.levels = static_cast<int>(*v);
    if (auto v = m.integer("radix", 4, 4096)) topo.radix = static_cast<int>(*v);
    if (auto v = m.number("oversubscription", 1.0, 64.0)) topo.oversubscription = *v;
  } else {
    forbid("levels", "only a fat_tree has levels");
    forbid("radix", "only a fat_tree has a radix here; a switch gives its own in switch.radix");
    forbid("oversubscription", "only a fat_tree has an oversubscription");
  }
  if (kind == "ocs") {
    if (auto v = m.integer("ports_per_rank", 1, 64)) topo.ports_per_rank = static_cast<int>(*v);
    if (!m.has("ocs")) m.fail_missing("ocs", "an OCS such as { ports: 136, reconfiguration: 10 ms }");
    topo.ocs = read_ocs(doc, m.node("ocs"), m.path("ocs"));
  } else {
    forbid("ports_per_rank", "only an ocs topology has ports_per_rank");
    forbid("ocs", "only an ocs topology has an OCS; this one is a " + kind);
  }
  if (kind == "switch" || kind == "fat_tree") {
    if (!m.has("switch")) m.fail_missing("switch", "a switch such as { latency: 300 ns, energy: 10 pJ/bit }");
    topo.sw = read_switch(doc, m.node("switch"), m.path("switch"));
    if (kind == "fat_tree" && !m.has("radix")) topo.radix = topo.sw.radix;
  } else {
    forbid("switch",
           "a " + kind + " has no switch" + (kind == "graph" ? " here; give each switch node its own" : ""));
  }
  if (auto v = m.choice("routing", {"auto", "shortest", "ecmp", "spray", "adaptive", "dimension_order"})) {
    topo.routing = *v;
    if (topo.routing == "dimension_order" && kind != "torus")
      m.fail("routing", "dimension_order routing needs a torus");
    if (topo.routing == "spray" && kind != "fat_tree")
      m.fail("routing", "per-packet spraying is for fat trees");
    if (topo.routing == "adaptive" && kind != "fat_tree")
      m.fail("routing",
             "adaptive routing chooses between a fat tree's equal-cost paths; this topology is a " + kind);
  }
  if (m.has("nic")) {
    topo.nic = read_nic(doc, m.node("nic"), m.path("nic"));
    topo.has_nic = true;
  }
  if (m.has("ranks_per_nic")) {
    if (!topo.has_nic) m.fail("ranks_per_nic", "accelerators share a NIC only on a tier that has one (nic:)");
    if (kind == "graph") m.fail("ranks_per_nic", "a graph topology places its NICs as nodes");
    topo.ranks_per_nic = static_cast<int>(*m.integer("ranks_per_nic", 1, 64));
    topo.ranks_per_nic_loc = m.loc("ranks_per_nic");
    // A flat topology's (or the innermost tier's) NIC groups are runs of consecutive ranks of one instance;
    // an outer tier's are checked against its inner domain in read_tiers.
    if (tier <= 0 && topo.ranks % topo.ranks_per_nic != 0)
      m.fail("ranks_per_nic", "expected a divisor of the " + std::to_string(topo.ranks) +
                                  " ranks, so that every NIC serves as many; got " +
                                  std::to_string(topo.ranks_per_nic));
  }
  if (m.has("pxn")) {
    if (tier <= 0)
      m.fail("pxn", "PXN forwards through the inner domain to another rail: only an outer tier has one");
    topo.pxn = *m.boolean("pxn");
    topo.pxn_loc = m.loc("pxn");
  }
  if (m.has("bypass")) {
    if (kind != "fat_tree")
      m.fail("bypass", "optical bypass circuits join the leaves of a fat_tree; this topology is a " + kind);
    topo.bypass = read_bypass(doc, m.node("bypass"), m.path("bypass"), topo.link);
  }
  if (m.has("flow_control"))
    topo.flow_control = read_flow_control(doc, m.node("flow_control"), m.path("flow_control"));
  if (m.has("congestion_control")) {
    topo.congestion_control =
        read_congestion_control(doc, m.node("congestion_control"), m.path("congestion_control"), topo);
    topo.congestion_control_loc = m.loc("congestion_control");
  }
  if (kind == "graph") {
    if (tier >= 0) m.fail("kind", "a graph topology stands alone; it cannot be a tier");
    read_graph(doc, m, topo);
  }
  if (kind == "switch" && tier <= 0 && topo.ranks > topo.sw.radix) {
    m.fail("ranks", "a switch of radix " + std::to_string(topo.sw.radix) + " cannot connect " +
                        std::to_string(topo.ranks) + " ranks; raise " + m.path("switch") +
                        ".radix or lower " + m.path("ranks") + ", or use a fat_tree");
  }
  return topo;
}

MemoryPoolSpec read_pool(const YamlDoc& doc, const YAML::Node& node, const std::string& path) {
  std::vector<std::string_view> keys = {"preset", "name", "attach"};
  keys.insert(keys.end(), kPoolKeys.begin(), kPoolKeys.end());
  keys.insert(keys.end(), {"device", "quantum"});
  const MapReader m(doc, node, path, keys, "a memory pool");
  MemoryPoolSpec pool;
  if (m.has("preset")) {
    pool = find_preset(m, "memory").memory;
    pool.preset = *m.string("preset");
  }
  pool.loc = m.loc();
  if (!m.has("name")) m.fail_missing("name", "a pool name such as pool0");
  pool.name = read_name(m, "name", "a pool name such as pool0");
  if (!m.has("attach")) m.fail_missing("attach", "the name of the tier the pool hangs off");
  pool.attach = *m.string("attach", "a tier name");
  read_pool_keys(m, pool);
  if (m.has("device")) pool.device = read_module(doc, m, "device", ModuleRole::Device);
  if (m.has("quantum")) {
    if (!pool.device.placed()) m.fail("quantum", "only a pool with a device (device: KIND) keeps a quantum");
    pool.quantum_s = positive_quantity(m, "quantum", core::Dim::Time);
  }
  return pool;
}

void read_tiers(const YamlDoc& doc, const MapReader& top, PlatformSpec& spec) {
  const YAML::Node tiers = top.node("tiers");
  if (!tiers.IsSequence() || tiers.size() == 0)
    top.fail("tiers", "expected a list of tiers, innermost first, got " + core::describe(tiers));
  if (tiers.size() > 4) top.fail("tiers", "at most 4 tiers");
  int index = 0;
  for (auto it = tiers.begin(); it != tiers.end(); ++it, ++index) {
    const std::string path = "tiers." + std::to_string(index);
    spec.tiers.push_back(read_topology(doc, *it, path, index));
    for (int k = 0; k < index; ++k)
      if (spec.tiers[static_cast<std::size_t>(k)].name == spec.tiers.back().name)
        throw core::InputError(spec.tiers.back().loc, path + ".name",
                               "tier " + core::quote_text(spec.tiers.back().name) + " is defined twice");
  }
  long long total = spec.tiers[0].ranks;
  for (std::size_t k = 1; k < spec.tiers.size(); ++k) {
    const auto& t = spec.tiers[k];
    const std::string path = "tiers." + std::to_string(k);
    if (t.pxn && total < 2)
      throw core::InputError(
          t.pxn_loc, path + ".pxn",
          "PXN forwards through the inner domain to another rail; the inner domain has one rank");
    // The accelerators sharing a NIC sit in one inner domain: the NIC is cabled inside that node.
    if (total % t.ranks_per_nic != 0)
      throw core::InputError(t.ranks_per_nic_loc, path + ".ranks_per_nic",
                             "expected a divisor of the inner domain's " + std::to_string(total) +
                                 " ranks, so that the ranks sharing a NIC sit in one domain; got " +
                                 std::to_string(t.ranks_per_nic));
    total *= t.domains;
    if (total > kMaxRanks)
      throw core::InputError(
          t.loc, path + ".domains",
          "the tiers hold " + std::to_string(total) + " ranks; at most " + std::to_string(kMaxRanks));
    if (t.kind == "torus") {
      const long long product = dims_product(t.dims);
      if (product != total)
        throw core::InputError(
            t.loc, path + ".dims",
            "the dims give " + describe_product(product) + " ranks; the tier holds " + std::to_string(total));
    }
    if (t.kind == "switch" && total > t.sw.radix)
      throw core::InputError(t.loc, path + ".switch.radix",
                             "a switch of radix " + std::to_string(t.sw.radix) + " cannot connect the " +
                                 std::to_string(total) + " ranks of this tier; use a fat_tree");
  }
  if (spec.ranks() < 2) top.fail("tiers", "the tiers hold fewer than two ranks");
}

void read_pools(const YamlDoc& doc, const MapReader& top, PlatformSpec& spec) {
  const YAML::Node pools = top.node("memory_pools");
  if (!pools.IsSequence()) top.fail("memory_pools", "expected a list of pools, got " + core::describe(pools));
  int index = 0;
  for (auto it = pools.begin(); it != pools.end(); ++it, ++index) {
    const std::string path = "memory_pools." + std::to_string(index);
    MemoryPoolSpec pool = read_pool(doc, *it, path);
    std::string names;
    bool found = false;
    for (const auto& t : spec.tiers) {
      found = found || t.name == pool.attach;
      names += (names.empty() ? "" : ", ") + t.name;
    }
    if (!found)
      throw core::InputError(
          pool.loc, path + ".attach",
          "no tier is named " + core::quote_text(pool.attach) + "; expected one of: " + names);
    for (const auto& other : spec.memory_pools)
      if (other.name == pool.name)
        throw core::InputError(pool.loc, path + ".name",
                               "pool " + core::quote_text(pool.name) + " is defined twice");
    spec.memory_pools.push_back(pool);
  }
}

CoolingSpec read_cooling(const YamlDoc& doc, const MapReader& top) {
  const MapReader c(doc, top.node("cooling"), "cooling", {"model", "kind", "overhead"},
                    "a cooling description");
  CoolingSpec cooling;
  cooling.loc = c.loc();
  if (auto v = c.choice("model", {"flat", "density"})) cooling.model = *v;
  if (cooling.model == "density") {
    // The density model takes the kind from racks.cooling and sets the overhead of each rack itself.
    if (c.has("kind")) c.fail("kind", "the density model takes the cooling kind from racks.cooling");
    if (c.has("overhead")) c.fail("overhead", "the density model sets each rack's overhead from its heat");
    return cooling;
  }
  if (auto v = c.choice("kind", {"none", "air", "liquid", "immersion"})) cooling.kind = *v;
  if (auto v = c.number("overhead", 0.0, 10.0)) cooling.overhead = *v;
  return cooling;
}

// `economics:` (power/cost.md): the service life that capital is spread over, the price of energy and
// whether repairs are priced.
EconomicsSpec read_economics(const YamlDoc& doc, const MapReader& top) {
  const MapReader e(doc, top.node("economics"), "economics", {"lifetime", "energy_price", "repairs"},
                    "an economics description such as { lifetime: 1825 d, energy_price: 0.08 }");
  EconomicsSpec economics;
  economics.loc = e.loc();
  if (e.has("lifetime")) {
    // A lifetime of years exceeds the simulated time the kernel counts, so it is parsed here.
    const std::string text = *e.string("lifetime", "a time such as \"1825 d\"");
    try {
      economics.lifetime_s = core::parse_quantity(text, Dim::Time);
    } catch (const core::QuantityError& err) {
      e.fail("lifetime", err.what());
    }
    if (!(economics.lifetime_s > 0.0))
      e.fail("lifetime",
             "expected a time such as \"1825 d\" above zero, got " + core::describe(e.node("lifetime")));
  }
  if (auto v = e.number("energy_price", 0.0, 100.0)) economics.usd_per_kwh = *v;
  if (auto v = e.boolean("repairs")) economics.repairs = *v;
  return economics;
}

LinkSleepSpec read_link_sleep(const YamlDoc& doc, const MapReader& top) {
  const MapReader s(doc, top.node("link_sleep"), "link_sleep", {"after", "wake", "power"},
                    "a link sleep policy such as { after: 10 us, wake: 1 us }");
  LinkSleepSpec sleep;
  sleep.enabled = true;
  sleep.loc = s.loc();
  if (!s.has("after")) s.fail_missing("after", "the idle time after which a link sleeps, such as \"10 us\"");
  sleep.after_s = positive_quantity(s, "after", Dim::Time);
  if (!s.has("wake")) s.fail_missing("wake", "the time a sleeping link takes to wake, such as \"1 us\"");
  sleep.wake_s = positive_quantity(s, "wake", Dim::Time);
  if (auto v = s.number("power", 0.0, 1.0)) sleep.power_fraction = *v;
  return sleep;
}

PackagingSpec read_packaging(const YamlDoc& doc, const MapReader& top) {
  const MapReader p(doc, top.node("packaging"), "packaging", {"shoreline", "bandwidth_density"},
                    "a packaging description");
  PackagingSpec packaging;
  packaging.present = true;
  packaging.loc = p.loc();
  if (!p.has("shoreline"))
    p.fail_missing("shoreline", "the accelerator package's edge available for I/O, such as \"50 mm\"");
  packaging.shoreline_m = positive_quantity(p, "shoreline", Dim::Length);
  if (p.has("bandwidth_density"))
    packaging.bandwidth_density_Bps_per_m = positive_quantity(p, "bandwidth_density", Dim::BandwidthDensity);
  return packaging;
}

RacksSpec read_racks(const YamlDoc& doc, const MapReader& top, const PlatformSpec& spec) {
  const MapReader r(
      doc, top.node("racks"), "racks",
      {"accelerators_per_rack", "switches_per_rack", "network_rack_switches", "power_limit", "cooling"},
      "a racks description");
  RacksSpec racks;
  racks.present = true;
  racks.loc = r.loc();
  if (!r.has("accelerators_per_rack"))
    r.fail_missing("accelerators_per_rack", "the accelerators in one rack, such as 32");
  racks.accelerators_per_rack = static_cast<int>(*r.integer("accelerators_per_rack", 1, kMaxRanks));
  if (r.has("switches_per_rack")) {
    const YAML::Node node = r.node("switches_per_rack");
    if (node.IsMap()) {
      // Per tier: { scale_up: 4, scale_out: 0 }.
      std::vector<std::string_view> tiers;
      for (const auto& t : spec.tiers)
        tiers.push_back(t.name);
      const MapReader per(doc, node, r.path("switches_per_rack"), tiers, "switches per rack by tier name");
      racks.switches_per_tier = true;
      for (const std::string& name : per.keys())
        racks.switches_per_rack_tier.emplace_back(name, static_cast<int>(*per.integer(name, 0, 100000)));
    } else {
      racks.switches_per_rack = static_cast<int>(*r.integer("switches_per_rack", 0, 100000));
    }
  }
  if (auto v = r.integer("network_rack_switches", 1, 100000))
    racks.network_rack_switches = static_cast<int>(*v);
  if (r.has("power_limit")) racks.power_limit_w = positive_quantity(r, "power_limit", Dim::Power);
  if (auto v = r.choice("cooling", {"air", "liquid", "immersion"})) racks.cooling = *v;
  return racks;
}

// The scheduler (docs/scheduler.md). The policy may be one a user registered, so its name is checked against
// the registry by the engine (engine::validate), which names this position.
SchedulerSpec read_scheduler(const YamlDoc& doc, const MapReader& top) {
  const MapReader s(doc, top.node("scheduler"), "scheduler",
                    {"policy", "priorities", "arbitration", "weights", "defer_bulk", "bulk_chunk"},
                    "a scheduler description");
  SchedulerSpec sched;
  sched.policy_loc = s.loc();
  if (s.has("policy")) {
    sched.policy = read_name(s, "policy", "a scheduler policy name such as phase_aware");
    sched.policy_loc = s.loc("policy");
  }
  if (auto v = s.boolean("priorities")) sched.priorities = *v;
  if (auto v = s.choice("arbitration", {"strict", "weighted"})) sched.arbitration = *v;
  if (sched.arbitration == "weighted" && !sched.priorities)
    s.fail("arbitration",
           "weighted arbitration shares by transport class; priorities: false ignores classes");
  if (s.has("weights")) {
    if (sched.arbitration != "weighted")
      s.fail("weights",
             "weights apply to arbitration: weighted (this scheduler is " + sched.arbitration + ")");
    const std::vector<std::string_view> classes = {"latency_critical", "control", "collective",
                                                   "remote_memory", "bulk"};
    const MapReader w(doc, s.node("weights"), s.path("weights"), classes,
                      "weights by transport class such as { latency_critical: 16, bulk: 1 }");
    for (std::size_t c = 0; c < classes.size(); ++c)
      if (auto v = w.integer(classes[c], 1, 1000000)) sched.weights[c] = static_cast<int>(*v);
  }
  if (auto v = s.boolean("defer_bulk")) sched.defer_bulk = *v;
  if (s.has("bulk_chunk")) {
    const std::uint64_t bytes = *s.bytes("bulk_chunk");
    if (bytes < kMinPacket)
      s.fail("bulk_chunk",
             "expected a data size of at least 64 B, got " + core::describe(s.node("bulk_chunk")));
    sched.bulk_chunk_bytes = bytes;
  }
  return sched;
}

// faults: a list of { at, target, for, lanes | ber, detect } (CONTRACT section 9). The target's form is
// checked here; its name against the built topology (platforms/fault_targets.h).
FaultSpec read_fault(const YamlDoc& doc, const YAML::Node& node, const std::string& path) {
  const MapReader f(doc, node, path, {"at", "target", "for", "lanes", "ber", "detect"},
                    "a fault such as { at: 1 ms, target: \"link:r0->r1\", for: 10 ms }");
  FaultSpec fault;
  fault.loc = f.loc();
  fault.key = path;
  if (!f.has("at")) f.fail_missing("at", "the time the fault begins, such as \"1 ms\"");
  fault.at_s = *f.quantity("at", Dim::Time);
  if (!(fault.at_s >= 0.0 && fault.at_s < core::kTimeLimitS))
    f.fail("at",
           "expected a time from 0 to " + core::time_limit_text() + ", got " + core::describe(f.node("at")));
  if (!f.has("target"))
    f.fail_missing("target", "what fails, such as \"link:r0->r1\" or \"switch:scale_out.spine0\"");
  fault.target = *f.string("target", "a fault target such as \"link:r0->r1\"");
  fault.target_loc = f.loc("target");
  static const std::vector<std::string> kinds = {
      "link:", "switch:", "ocs_port:", "nic:", "laser_source:", "laser:", "optical_engine:"};
  std::string prefix;
  for (const auto& k : kinds)
    if (prefix.empty() && fault.target.rfind(k, 0) == 0 && fault.target.size() > k.size()) prefix = k;
  if (prefix.empty())
    f.fail("target",
           "expected link:A->B, switch:NAME, ocs_port:NAME/N, nic:NAME, laser:A->B, "
           "laser_source:NAME or optical_engine:NAME, got " +
               core::quote_text(fault.target));
  if (f.has("for")) {
    fault.for_s = positive_quantity(f, "for", Dim::Time);
    if (!(fault.at_s + fault.for_s < core::kTimeLimitS))
      f.fail("for", "the fault would end past " + core::time_limit_text());
  }
  if (f.has("lanes") && f.has("ber")) f.fail("ber", "a fault is either lanes or ber, not both");
  if (f.has("lanes")) {
    fault.kind = FaultSpec::Kind::Lanes;
    const double v = *f.number("lanes", 0.0, 1.0, true);
    if (!(v > 0.0))
      f.fail("lanes", "expected the fraction of lanes left, above 0 and below 1 (0 is target down), got " +
                          core::describe(f.node("lanes")));
    fault.lanes = v;
  }
  if (f.has("ber")) {
    fault.kind = FaultSpec::Kind::Ber;
    const double v = *f.number("ber", 0.0, 0.5, true);
    if (!(v > 0.0))
      f.fail("ber", "expected a bit error rate above 0 and below 0.5, such as 1e-4, got " +
                        core::describe(f.node("ber")));
    fault.ber = v;
  }
  if (fault.kind != FaultSpec::Kind::Down && prefix != "link:")
    f.fail(fault.kind == FaultSpec::Kind::Lanes ? "lanes" : "ber",
           "a degradation applies to a link (target link:A->B), got " + core::quote_text(fault.target));
  if (f.has("detect")) {
    if (fault.kind != FaultSpec::Kind::Down)
      f.fail("detect", "a degraded link stays up: there is nothing to detect");
    fault.detect_s = *f.quantity("detect", Dim::Time);
    if (!(fault.detect_s >= 0.0 && fault.detect_s < core::kTimeLimitS))
      f.fail("detect", "expected a time from 0 to " + core::time_limit_text() + ", got " +
                           core::describe(f.node("detect")));
  }
  return fault;
}

void read_faults(const YamlDoc& doc, const MapReader& top, PlatformSpec& spec) {
  const YAML::Node faults = top.node("faults");
  spec.faults_loc = top.loc("faults");
  if (!faults.IsSequence())
    top.fail("faults", "expected a list of faults such as [{ at: 1 ms, target: \"link:r0->r1\" }], got " +
                           core::describe(faults));
  int index = 0;
  for (auto it = faults.begin(); it != faults.end(); ++it, ++index)
    spec.faults.push_back(read_fault(doc, *it, "faults." + std::to_string(index)));
}

// With packaging: and no density of its own, every link that leaves an accelerator needs the shoreline
// density of its technology (a NIC's host interface for a tier with NICs).
// Every package the report assesses (power/thermal.md) has a resistance for the way the platform cools it.
void check_package_cooling(const PlatformSpec& spec) {
  const std::string kind = spec.package_cooling();
  auto check = [&](const PackageSpec& pkg, const std::string& path, const std::string& preset) {
    if (!pkg.present || pkg.r_k_per_w(kind) > 0.0) return;
    throw core::InputError(
        pkg.loc, path + ".package.thermal_resistance." + kind,
        "the platform cools its packages by " + kind + ", and the package" +
            (preset.empty() ? std::string() : " of preset " + preset) +
            " has no junction-to-coolant resistance for it; give one such as \"0.04 K/W\"");
  };
  check(spec.accelerator.package, "accelerator", spec.accelerator.preset);
  for (std::size_t k = 0; k < spec.tiers.size(); ++k) {
    const TopologySpec& t = spec.tiers[k];
    const std::string base = spec.flat() ? "topology" : "tiers." + std::to_string(k);
    check(t.sw.package, base + ".switch", t.sw.preset);
    for (std::size_t i = 0; i < t.graph_nodes.size(); ++i)
      check(t.graph_nodes[i].sw.package, base + ".nodes." + std::to_string(i), t.graph_nodes[i].sw.preset);
  }
}

void check_escape_densities(const PlatformSpec& spec) {
  if (spec.packaging.bandwidth_density_Bps_per_m > 0.0) return;
  auto fail = [&](const std::string& what, const std::string& preset, const std::string& key) {
    throw core::InputError(spec.packaging.loc, "packaging.bandwidth_density",
                           what + (preset.empty() ? "" : " (preset " + preset + ")") +
                               " has no known shoreline density; give packaging.bandwidth_density, or " +
                               key + ", such as \"1 Tb/s/mm\"");
  };
  for (std::size_t k = 0; k < spec.tiers.size(); ++k) {
    const TopologySpec& t = spec.tiers[k];
    const std::string base = spec.flat() ? "topology" : "tiers." + std::to_string(k);
    if (t.kind == "graph") {
      for (std::size_t i = 0; i < t.graph_links.size(); ++i) {
        const GraphLinkSpec& l = t.graph_links[i];
        bool leaves_accelerator = false;
        for (const auto& n : t.graph_nodes)
          leaves_accelerator =
              leaves_accelerator || (n.kind == "accelerator" && (n.name == l.a || n.name == l.b));
        if (leaves_accelerator && l.link.bandwidth_density_Bps_per_m <= 0.0)
          fail("the link " + l.a + " - " + l.b, l.link.preset,
               base + ".links." + std::to_string(i) + ".link.bandwidth_density");
      }
    } else if (t.has_nic) {
      if (t.nic.bandwidth_density_Bps_per_m <= 0.0)
        fail("the NIC host interface of tier " + t.name, t.nic.preset, base + ".nic.bandwidth_density");
    } else if (t.link.bandwidth_density_Bps_per_m <= 0.0) {
      fail("the link of tier " + t.name, t.link.preset, base + ".link.bandwidth_density");
    }
  }
}

// The kernel counts simulated time up to core::kTimeLimitS (2^64 ps): a rate at which one packet would take
// longer than that to cross, or a link whose latencies add up to more, could never be simulated. (Each time
// key alone is checked where it is read; what a workload makes of the rates is checked against its steps
// before it runs, in engine/validate.cpp.)
void check_rate(const core::SourceLoc& loc, const std::string& key, double rate_Bps, std::uint64_t packet) {
  const double seconds = static_cast<double>(packet) / rate_Bps;
  if (rate_Bps > 0.0 && seconds < core::kTimeLimitS) return;
  throw core::InputError(loc, key,
                         "expected a data rate at which one packet (" + std::to_string(packet) +
                             " B) crosses in under " + core::time_limit_text() + "; at " +
                             core::format_number(rate_Bps) + " B/s it takes " + core::format_number(seconds) +
                             " s");
}

void check_link_time(const LinkSpec& link, const std::string& key, std::uint64_t packet) {
  check_rate(link.loc, key + ".bandwidth", link.bandwidth_Bps * (1.0 - link.overhead), packet);
  const double latency = link.total_latency_s();
  if (!(latency < core::kTimeLimitS))
    throw core::InputError(link.loc, key + ".latency",
                           "the link's latency and its stack's add up to " + core::format_number(latency) +
                               " s, beyond " + core::time_limit_text());
}

void check_time_budget(const PlatformSpec& spec) {
  const std::uint64_t packet = spec.packet_bytes;
  for (std::size_t k = 0; k < spec.tiers.size(); ++k) {
    const TopologySpec& t = spec.tiers[k];
    const std::string base = spec.flat() ? "topology" : "tiers." + std::to_string(k);
    if (t.kind == "graph") {
      for (std::size_t i = 0; i < t.graph_links.size(); ++i)
        check_link_time(t.graph_links[i].link, base + ".links." + std::to_string(i) + ".link", packet);
      for (std::size_t i = 0; i < t.graph_nodes.size(); ++i)
        if (t.graph_nodes[i].sw.reduction_bandwidth_Bps > 0.0)
          check_rate(t.graph_nodes[i].loc,
                     base + ".nodes." + std::to_string(i) + ".switch.reduction_bandwidth",
                     t.graph_nodes[i].sw.reduction_bandwidth_Bps, packet);
      continue;
    }
    check_link_time(t.link, base + ".link", packet);
    if (t.bypass.present) check_link_time(t.bypass.link, base + ".bypass.link", packet);
    if (t.sw.reduction_bandwidth_Bps > 0.0)
      check_rate(t.sw.loc, base + ".switch.reduction_bandwidth", t.sw.reduction_bandwidth_Bps, packet);
  }
  for (std::size_t i = 0; i < spec.memory_pools.size(); ++i)
    check_rate(spec.memory_pools[i].loc, "memory_pools." + std::to_string(i) + ".bandwidth",
               spec.memory_pools[i].bandwidth_Bps, packet);
  if (spec.accelerator.hbm.bandwidth_Bps > 0.0)
    check_rate(spec.accelerator.loc, "accelerator.hbm.bandwidth", spec.accelerator.hbm.bandwidth_Bps, packet);
}

PlatformSpec build(const YamlDoc& doc) {
  const std::vector<std::string>& keys = platform_top_level_keys();
  const MapReader top(doc, doc.root(), "", {keys.begin(), keys.end()});
  PlatformSpec spec;
  spec.file = doc.file();

  if (!top.has("name")) top.fail_missing("name", "a platform name such as \"ring12\"");
  spec.name = read_name(top, "name", "a platform name such as \"ring12\"");

  if (top.has("accelerator"))
    spec.accelerator = read_accelerator(doc, top.node("accelerator"), "accelerator");
  else
    spec.accelerator.loc = top.loc();

  if (top.has("topology") == top.has("tiers")) {
    if (top.has("tiers")) top.fail("tiers", "give either topology (a flat fabric) or tiers, not both");
    top.fail_missing("topology", "a topology such as { kind: ring, ranks: 8, link: ... }, or tiers");
  }
  if (top.has("topology")) {
    spec.tiers.push_back(read_topology(doc, top.node("topology"), "topology", -1));
  } else {
    read_tiers(doc, top, spec);
  }
  if (top.has("memory_pools")) read_pools(doc, top, spec);

  if (top.has("packaging")) {
    spec.packaging = read_packaging(doc, top);
    check_escape_densities(spec);
  }
  if (top.has("racks")) spec.racks = read_racks(doc, top, spec);
  if (top.has("cooling")) {
    spec.cooling = read_cooling(doc, top);
    if (spec.cooling.model == "density" && !spec.racks.present)
      top.fail("cooling", "the density cooling model needs racks: to know each rack's heat");
  }
  check_package_cooling(spec);
  if (top.has("scheduler")) spec.scheduler = read_scheduler(doc, top);
  if (top.has("link_sleep")) spec.link_sleep = read_link_sleep(doc, top);
  if (top.has("economics")) spec.economics = read_economics(doc, top);
  if (top.has("faults")) read_faults(doc, top, spec);
  if (top.has("fault_detection")) {
    spec.fault_detection_s = *top.quantity("fault_detection", Dim::Time);
    if (!(spec.fault_detection_s >= 0.0 && spec.fault_detection_s < core::kTimeLimitS))
      top.fail("fault_detection", "expected a time from 0 to " + core::time_limit_text() + ", got " +
                                      core::describe(top.node("fault_detection")));
  }
  spec.engine_loc = top.loc();
  if (top.has("engine")) {
    spec.engine = *top.choice("engine", {"packet", "flow", "auto"});
    spec.engine_loc = top.loc("engine");
  }
  // Modules of registered kinds see packets: the flow engine, which sends none, would leave them out
  // (engine: auto takes packets for such a platform, docs/engines.md).
  if (spec.engine == "flow") {
    const auto placed = placed_modules(spec);
    if (!placed.empty())
      top.fail("engine", "the flow engine sends no packets through the modules this platform places (" +
                             placed.front()->path + ": " + placed.front()->kind +
                             "); use engine: packet or auto");
  }
  // Faults are modelled by the flow engine alone (docs/engines.md).
  if (!spec.faults.empty()) {
    if (spec.engine == "packet")
      top.fail("engine",
               "faults are modelled by the flow engine (docs/engines.md); use engine: flow or auto");
    const auto placed = placed_modules(spec);
    if (!placed.empty())
      top.fail("faults",
               "faults are modelled by the flow engine, which sends no packets through the modules "
               "this platform places (" +
                   placed.front()->path + ": " + placed.front()->kind + ")");
  }
  // The flow engine's batching of completions (docs/engines.md): a tolerance, relative to a flow's duration.
  if (auto v = top.number("flow_batch", 0.0, 0.5)) {
    if (spec.engine == "packet")
      top.fail("flow_batch", "batching of completions is the flow engine's; use engine: flow or auto");
    spec.flow_batch = *v;
  }
  if (top.has("packet")) {
    const std::uint64_t bytes = *top.bytes("packet");
    if (bytes < kMinPacket || bytes > kMaxPacket) {
      top.fail("packet",
               "expected a data size from 64 B to 64 MiB, got " + core::describe(top.node("packet")));
    }
    spec.packet_bytes = bytes;
  }
  check_flow_control(spec);
  if (const TopologySpec* t = spec.flow_controlled_tier(); t != nullptr && !spec.faults.empty())
    top.fail("faults", "faults are modelled by the flow engine, and tier " + core::quote_text(t->name) +
                           " has flow_control mode " + t->flow_control.mode +
                           ", which the packet engine alone models; give one or the other");
  if (const TopologySpec* t = spec.flow_controlled_tier(); t != nullptr) {
    const auto placed = placed_modules(spec);
    if (!placed.empty())
      top.fail("engine",
               "tier " + core::quote_text(t->name) + " has flow_control mode " + t->flow_control.mode +
                   ", which pjbit's own links and switches model, and the platform places a module of "
                   "a registered kind (" +
                   placed.front()->path + ": " + placed.front()->kind + "); give one or the other");
  }
  if (const TopologySpec* t = spec.flow_controlled_tier(); t != nullptr && spec.engine == "flow") {
    top.fail("engine", "the flow engine does not model finite buffers, pauses, drops or ECN, and tier " +
                           core::quote_text(t->name) + " has flow_control mode " + t->flow_control.mode +
                           "; use engine: packet or auto");
  }
  check_time_budget(spec);
  return spec;
}

}  // namespace

const std::vector<std::string>& platform_top_level_keys() {
  static const std::vector<std::string> keys = {"name",         "accelerator",     "topology",  "tiers",
                                                "memory_pools", "cooling",         "packaging", "racks",
                                                "scheduler",    "engine",          "packet",    "link_sleep",
                                                "faults",       "fault_detection", "economics", "flow_batch"};
  return keys;
}

PlatformSpec parse_platform(const std::string& text, const std::string& file,
                            const std::vector<core::Override>& overrides) {
  YamlDoc doc(file, core::parse_yaml_mapping(text, file));
  doc.apply_overrides(core::select_overrides(overrides, "platform", platform_top_level_keys()));
  return build(doc);
}

PlatformSpec load_platform(const std::string& path, const std::vector<core::Override>& overrides) {
  return parse_platform(core::read_text_file(path), path, overrides);
}

}  // namespace pjbit::platforms
