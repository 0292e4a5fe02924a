#include "platforms/faults.h"

#include <algorithm>
#include <cmath>

#include "core/errors.h"
#include "core/yaml_support.h"

namespace pjbit::platforms {

namespace {

// A short list of names for a message: the first few, then how many more.
std::string some_names(const std::vector<std::string>& names) {
  constexpr std::size_t kShown = 8;
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < kShown; ++i)
    out += (i == 0 ? "" : ", ") + names[i];
  if (names.size() > kShown) out += ", ... (" + std::to_string(names.size()) + " in all)";
  return out.empty() ? "none" : out;
}

[[noreturn]] void fail(const FaultSpec& f, const std::string& message) {
  throw core::InputError(f.target_loc, f.key + ".target", message);
}

int node_named(const Topology& topo, const std::string& name) {
  for (std::size_t n = 0; n < topo.nodes.size(); ++n)
    if (topo.nodes[n].name == name) return static_cast<int>(n);
  return -1;
}

std::vector<std::string> names_of(const Topology& topo, NodeKind kind) {
  std::vector<std::string> out;
  for (const auto& n : topo.nodes)
    if (n.kind == kind) out.push_back(n.name);
  return out;
}

// The links joining the two nodes of "A->B" (either way round).
std::vector<int> links_between(const Topology& topo, const FaultSpec& f, const std::string& pair) {
  const auto arrow = pair.find("->");
  if (arrow == std::string::npos || arrow == 0 || arrow + 2 >= pair.size())
    fail(f, "expected a link as A->B (two node names, as the report's links name them), got " +
                core::quote_text(pair));
  const std::string a = pair.substr(0, arrow), b = pair.substr(arrow + 2);
  const int na = node_named(topo, a), nb = node_named(topo, b);
  if (na < 0 || nb < 0) {
    std::vector<std::string> ranks;
    for (int r = 0; r < topo.ranks && r < 4; ++r)
      ranks.push_back(topo.nodes[static_cast<std::size_t>(r)].name);
    fail(f, "no node is named " + core::quote_text(na < 0 ? a : b) + " (nodes are named as in the report's " +
                "links, such as " + some_names(ranks) + ")");
  }
  std::vector<int> out;
  std::vector<std::string> theirs;
  for (int l : topo.nodes[static_cast<std::size_t>(na)].ports) {
    const int other = topo.other_end(l, na);
    if (other == nb) out.push_back(l);
    theirs.push_back(a + "->" + topo.nodes[static_cast<std::size_t>(other)].name);
  }
  if (out.empty())
    fail(f, "no link joins " + a + " and " + b + "; the links of " + a + ": " + some_names(theirs));
  return out;
}

std::vector<int> node_links(const Topology& topo, const FaultSpec& f, const std::string& name, NodeKind kind,
                            const char* what) {
  const int n = node_named(topo, name);
  if (n < 0 || topo.nodes[static_cast<std::size_t>(n)].kind != kind)
    fail(f, std::string("no ") + what + " is named " + core::quote_text(name) + "; " + what +
                " names: " + some_names(names_of(topo, kind)));
  return topo.nodes[static_cast<std::size_t>(n)].ports;
}

}  // namespace

double codeword_error_rate(double ber, const FecSpec& fec) {
  if (!(ber > 0.0)) return 0.0;
  // A symbol is wrong when any of its bits is; the code fails when more than t symbols are. The tail is
  // summed term by term in logarithms (n is at most 65,535), so that rates of 1e-20 keep their digits.
  const double ps = -std::expm1(fec.symbol_bits * std::log1p(-ber));
  if (ps >= 1.0) return 1.0;
  const double lp = std::log(ps), lq = std::log1p(-ps);
  const double lgn = std::lgamma(fec.n + 1.0);
  double tail = 0.0;
  for (int i = fec.t + 1; i <= fec.n; ++i) {
    const double term =
        std::exp(lgn - std::lgamma(i + 1.0) - std::lgamma(fec.n - i + 1.0) + i * lp + (fec.n - i) * lq);
    tail += term;
    if (term < tail * 1e-17 && i > fec.n * ps) break;  // past the peak, the rest cannot show
  }
  return std::min(tail, 1.0);
}

double unit_error_rate(double ber, const FecSpec& fec, double bytes) {
  const double cer = codeword_error_rate(ber, fec);
  if (cer >= 1.0) return 1.0;
  const double codewords = std::ceil(8.0 * bytes / (static_cast<double>(fec.k) * fec.symbol_bits));
  return -std::expm1(codewords * std::log1p(-cer));
}

namespace {
// A node's optical ports grouped in port order: `size(optics)` ports of a kind to a group (0: the port is in
// none), each group named NODE/<prefix>K.
template <typename Size>
std::vector<LaserSource> port_groups(const Topology& topo, const std::string& prefix, Size size) {
  std::vector<LaserSource> out;
  for (std::size_t n = 0; n < topo.nodes.size(); ++n) {
    int optical = 0;
    for (int l : topo.nodes[n].ports) {
      const OpticsSpec& o = topo.links[static_cast<std::size_t>(l)].spec.optics;
      const int per = o.present ? size(o) : 0;
      if (per <= 0) continue;
      const int group = optical++ / per;
      const std::string name = topo.nodes[n].name + "/" + prefix + std::to_string(group);
      if (out.empty() || out.back().name != name) out.push_back(LaserSource{name, static_cast<int>(n), {}});
      out.back().links.push_back(l);
    }
  }
  return out;
}
}  // namespace

namespace {
// The links of the group (a laser source or an optical engine) named `name`; an input error at `f` naming
// the groups there are (`what`: "optical engine"; `plural`: "engines"), or saying why there are none.
std::vector<int> group_links(const FaultSpec& f, const std::vector<LaserSource>& groups,
                             const std::string& name, const std::string& what, const std::string& plural,
                             const std::string& none) {
  std::vector<std::string> names;
  for (const auto& g : groups) {
    if (g.name == name) return g.links;
    names.push_back(g.name);
  }
  fail(f, "no " + what + " is named " + core::quote_text(name) +
              (groups.empty() ? "; " + none : "; the " + plural + " are: " + some_names(names)));
}
}  // namespace

std::vector<LaserSource> laser_sources(const Topology& topo) {
  return port_groups(topo, "els", [](const OpticsSpec& o) { return o.laser_shared_by; });
}

std::vector<LaserSource> optical_engines(const Topology& topo) {
  return port_groups(topo, "oe", [](const OpticsSpec& o) { return std::max(1, o.engine_ports); });
}

std::vector<ResolvedFault> resolve_faults(const PlatformSpec& spec, const Topology& topo) {
  std::vector<ResolvedFault> out;
  std::vector<LaserSource> sources, engines;
  for (const FaultSpec& f : spec.faults) {
    ResolvedFault r;
    r.spec = f;
    r.detect_s = f.detect_s >= 0.0 ? f.detect_s : spec.fault_detection_s;
    const auto colon = f.target.find(':');
    const std::string kind = f.target.substr(0, colon), name = f.target.substr(colon + 1);
    if (kind == "link") {
      r.links = links_between(topo, f, name);
    } else if (kind == "laser") {
      r.links = links_between(topo, f, name);
      for (int l : r.links) {
        const OpticsSpec& o = topo.links[static_cast<std::size_t>(l)].spec.optics;
        if (!o.present || o.lasers <= 0)
          fail(f, "the link " + name + " has no lasers (its optics give no laser); use link:" + name);
      }
    } else if (kind == "switch") {
      r.links = node_links(topo, f, name, NodeKind::Switch, "switch");
    } else if (kind == "nic") {
      r.links = node_links(topo, f, name, NodeKind::Nic, "NIC");
    } else if (kind == "ocs_port") {
      const auto slash = name.rfind('/');
      const std::string ocs = slash == std::string::npos ? name : name.substr(0, slash);
      const auto ports = node_links(topo, f, ocs, NodeKind::Ocs, "OCS");
      long long port = -1;
      if (slash != std::string::npos && slash + 1 < name.size() &&
          std::all_of(name.begin() + static_cast<long>(slash) + 1, name.end(),
                      [](char c) { return c >= '0' && c <= '9'; }) &&
          name.size() - slash - 1 <= 9)
        port = std::stoll(name.substr(slash + 1));
      if (port < 0 || port >= static_cast<long long>(ports.size()))
        fail(f, "expected ocs_port:" + ocs + "/N with N a port of " + ocs + " from 0 to " +
                    std::to_string(ports.size() - 1) + ", got " + core::quote_text(f.target));
      r.links = {ports[static_cast<std::size_t>(port)]};
    } else if (kind == "optical_engine") {
      if (engines.empty()) engines = optical_engines(topo);
      r.links =
          group_links(f, engines, name, "optical engine", "engines", "no link of this platform has optics");
    } else {  // laser_source
      if (sources.empty()) sources = laser_sources(topo);
      r.links = group_links(f, sources, name, "external laser source", "sources",
                            "no link of this platform shares its lasers (optics.laser.shared_by)");
    }
    if (f.kind == FaultSpec::Kind::Ber) {
      for (int l : r.links) {
        const LinkSpec& ls = topo.links[static_cast<std::size_t>(l)].spec;
        const double unit = static_cast<double>(spec.packet_bytes) / (1.0 - ls.overhead);
        const double per = unit_error_rate(f.ber, ls.fec, unit);
        if (per > 0.999)
          throw core::InputError(
              f.loc, f.key + ".ber",
              "at a bit error rate of " + core::format_number(f.ber) + " the link's FEC (RS(" +
                  std::to_string(ls.fec.n) + "," + std::to_string(ls.fec.k) + "), t = " +
                  std::to_string(ls.fec.t) + ") leaves " + core::format_number(100.0 * (1.0 - per)) +
                  "% of packets whole: the link is down; give a fault without ber instead");
      }
    }
    std::sort(r.links.begin(), r.links.end());
    r.links.erase(std::unique(r.links.begin(), r.links.end()), r.links.end());
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace pjbit::platforms
