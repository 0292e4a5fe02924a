#include "platforms/reliability.h"

#include <cstddef>

namespace pjbit::platforms {

namespace {

bool is_endpoint_side(NodeKind kind) {
  return kind == NodeKind::Rank || kind == NodeKind::Nic;
}

// Links of the fabric (not the accelerator-to-NIC attachments inside a node) at every node.
struct Graph {
  const Topology& topo;
  // Links from each switch to a switch one level up in its tier: its ways up.
  std::vector<int> uplinks;

  explicit Graph(const Topology& t) : topo(t), uplinks(t.nodes.size(), 0) {
    for (const TopoLink& l : t.links) {
      if (l.internal || l.bypass) continue;
      const TopoNode& a = t.nodes[static_cast<std::size_t>(l.a)];
      const TopoNode& b = t.nodes[static_cast<std::size_t>(l.b)];
      if (a.kind != NodeKind::Switch || b.kind != NodeKind::Switch) continue;
      if (a.level < b.level) ++uplinks[static_cast<std::size_t>(l.a)];
      if (b.level < a.level) ++uplinks[static_cast<std::size_t>(l.b)];
    }
  }

  const TopoNode& node(int id) const { return topo.nodes[static_cast<std::size_t>(id)]; }

  // Whether losing the link stops the job: it is an accelerator's or a NIC's way into its tier, joins two
  // accelerators of a direct topology, or is its lower switch's only way up.
  bool link_stops_job(const TopoLink& l) const {
    if (l.bypass) return false;
    const TopoNode& a = node(l.a);
    const TopoNode& b = node(l.b);
    if (is_endpoint_side(a.kind) || is_endpoint_side(b.kind)) return true;
    if (a.kind == NodeKind::Switch && b.kind == NodeKind::Switch && a.level != b.level) {
      const int lower = a.level < b.level ? l.a : l.b;
      return uplinks[static_cast<std::size_t>(lower)] < 2;
    }
    return true;
  }

  // Whether losing the node (a switch or an OCS) stops the job: an accelerator or NIC hangs off it, or it is
  // a lower switch's only way up.
  bool unit_stops_job(int id) const {
    const TopoNode& n = node(id);
    bool all_bypass = !n.ports.empty();
    for (int link : n.ports) {
      const TopoLink& l = topo.links[static_cast<std::size_t>(link)];
      if (l.internal) continue;
      all_bypass = all_bypass && l.bypass;
      if (l.bypass) continue;
      const TopoNode& other = node(topo.other_end(link, id));
      if (is_endpoint_side(other.kind)) return true;
      if (other.kind == NodeKind::Switch && n.kind == NodeKind::Switch && other.level < n.level &&
          uplinks[static_cast<std::size_t>(topo.other_end(link, id))] < 2)
        return true;
      if (n.kind == NodeKind::Ocs) return true;
    }
    return n.kind == NodeKind::Ocs && !all_bypass;
  }
};

// Streams under construction: parts of one class with one effect are summed into one stream.
class Streams {
 public:
  void add(const std::string& where, const ReliabilityPart& part, double parts, bool interrupts,
           bool planned_repair) {
    if (parts <= 0.0) return;
    const std::string cause = where + " " + part.name;
    for (FailureStream& s : m_streams) {
      if (s.cause == cause && s.interrupts == interrupts && s.planned_repair == planned_repair &&
          s.repair_s == part.repair_s && s.part_rate_per_s == part.rate_per_s) {
        s.parts += parts;
        s.rate_per_s = s.parts * part.rate_per_s;
        return;
      }
    }
    FailureStream s;
    s.cause = cause;
    s.where = where;
    s.part = part.name;
    s.parts = parts;
    s.part_rate_per_s = part.rate_per_s;
    s.rate_per_s = parts * part.rate_per_s;
    s.repair_s = part.repair_s;
    s.interrupts = interrupts;
    s.planned_repair = planned_repair;
    s.source = part.source;
    s.confidence = part.confidence;
    m_streams.push_back(s);
  }
  std::vector<FailureStream> take() { return std::move(m_streams); }

 private:
  std::vector<FailureStream> m_streams;
};

// A part whose failure takes something out that the job needs (`unit_stops_job`: the component's loss).
bool failure_stops(const ReliabilityPart& part, bool unit_stops_job) {
  return !part.spared && part.takes_down != "nothing" && unit_stops_job;
}

// Whether the repair of a part that cannot be swapped alone stops the job once more: it replaces a unit
// (`unit_stops_job`: one the job cannot run without) beyond what the failure took out. A job stopped by the
// failure restarts on spare nodes, so it has left the failed part's node already, but not a switch.
bool repair_stops(const ReliabilityPart& part, bool failure_stopped, bool unit_stops_job) {
  if (part.field_replaceable || part.repair_takes_down == part.takes_down) return false;
  if (failure_stopped && part.repair_takes_down != "switch") return false;
  return unit_stops_job;
}

void add_unit_parts(Streams& out, const std::string& where, const std::vector<ReliabilityPart>& parts,
                    bool stops_job) {
  for (const ReliabilityPart& part : parts) {
    const bool fails = failure_stops(part, stops_job);
    out.add(where, part, part.count, fails, repair_stops(part, fails, stops_job));
  }
}

}  // namespace

std::vector<FailureStream> failure_streams(const PlatformSpec& spec, const Topology& topo) {
  Streams out;
  const Graph g(topo);
  // Accelerators: every part stops the job, whether it takes out the accelerator or its node.
  for (const ReliabilityPart& part : spec.accelerator.reliability) {
    const bool fails = failure_stops(part, true);
    out.add("accelerator", part, part.count * topo.ranks, fails, repair_stops(part, fails, true));
  }
  for (std::size_t t = 0; t < topo.tiers.size(); ++t) {
    const std::string& tier = topo.tiers[t].name;
    for (const TopoLink& l : topo.links) {
      if (l.internal || static_cast<std::size_t>(l.tier) != t) continue;
      const bool stops = g.link_stops_job(l);
      for (const ReliabilityPart& part : l.spec.reliability) {
        const bool fails = failure_stops(part, stops);
        if (part.field_replaceable || part.repair_takes_down == "link") {
          out.add(tier + " link", part, part.count, fails, false);
          continue;
        }
        // Not replaceable alone: a part counted per link sits at either end alike (count 2: one at each), and
        // its repair replaces the unit at that end: the switch there, or else the node of the accelerator or
        // NIC there.
        for (int end : {l.a, l.b}) {
          const TopoNode& n = g.node(end);
          const bool at_switch = n.kind == NodeKind::Switch;
          const bool unit_stops = at_switch ? g.unit_stops_job(end) : is_endpoint_side(n.kind);
          ReliabilityPart at_end = part;
          if (!at_switch && part.repair_takes_down == "switch") at_end.repair_takes_down = "node";
          out.add(tier + " link", part, part.count / 2.0, fails, repair_stops(at_end, fails, unit_stops));
        }
      }
    }
    for (std::size_t id = 0; id < topo.nodes.size(); ++id) {
      const TopoNode& n = topo.nodes[id];
      if (static_cast<std::size_t>(n.tier) != t) continue;
      if (n.kind == NodeKind::Switch)
        add_unit_parts(out, tier + " switch", n.sw.reliability, g.unit_stops_job(static_cast<int>(id)));
      if (n.kind == NodeKind::Ocs)
        add_unit_parts(out, tier + " ocs", n.ocs.reliability, g.unit_stops_job(static_cast<int>(id)));
      if (n.kind == NodeKind::Nic) add_unit_parts(out, tier + " nic", n.nic.reliability, true);
    }
  }
  return out.take();
}

double job_power_w(const PlatformSpec& spec, const Topology& topo) {
  const AcceleratorSpec& acc = spec.accelerator;
  double watts = topo.ranks * (acc.compute_power_w > 0.0 ? acc.compute_power_w : acc.idle_power_w);
  for (const TopoLink& l : topo.links)
    if (!l.internal) watts += l.spec.total_static_power_w();
  for (const TopoNode& n : topo.nodes) {
    if (n.kind == NodeKind::Switch) watts += n.sw.static_power_w;
    if (n.kind == NodeKind::Ocs) watts += n.ocs.power_w;
    if (n.kind == NodeKind::Nic) watts += n.nic.static_power_w;
  }
  if (spec.cooling.model == "flat") watts *= 1.0 + spec.cooling.overhead;
  return watts;
}

}  // namespace pjbit::platforms
