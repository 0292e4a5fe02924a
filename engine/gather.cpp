// Chapter 4 of a run: what happened, gathered from the modules once the kernel has stopped: each step
// instance's times, bytes and energy, each link direction's traffic, and, in one walk of the module tree,
// what power/ prices (power::Usage).
#include <algorithm>
#include <sstream>
#include <unordered_map>

#include "core/errors.h"
#include "engine/flow/flow_network.h"
#include "engine/program.h"
#include "workloads/nccl_tests.h"

namespace pjbit::engine::detail {

void Runner::check_finished(platforms::Platform& platform) {
  std::ostringstream stuck;
  int count = 0;
  for (int e = 0; e < platform.endpoints(); ++e) {
    auto& acc = platform.endpoint(e);
    if (m_done[static_cast<std::size_t>(e)]) continue;
    if (count++ < 4) {
      stuck << (count > 1 ? "; " : "") << acc.basename() << " waits";
      for (const auto& p : acc.pending_receives())
        stuck << " " << p;
    }
  }
  if (count > 0) {
    throw core::SimulationError("deadlock at " + sc_core::sc_time_stamp().to_string() + ": " +
                                std::to_string(count) + " endpoints never finished (" + stuck.str() + ")");
  }
}

StepResult Runner::result_of(const Instance& inst) const {
  StepResult s;
  const Step& step = *inst.step;
  s.key = step.key;
  s.iteration = inst.iteration;
  s.ranks = static_cast<int>(inst.group.size());
  // Which ranks, when not all of them, or when a collective lists all of them in an order of its own (the
  // order its rings run in).
  if (s.ranks < m_spec.ranks() || !std::is_sorted(inst.group.begin(), inst.group.end())) s.group = inst.group;
  const bool ran = inst.start != std::numeric_limits<core::Tick>::max();
  s.start_s = ran ? core::to_seconds(inst.start) : 0.0;
  s.end_s = ran ? core::to_seconds(inst.end) : 0.0;
  s.wire_bytes = inst.tally.wire_bytes;
  s.dynamic_energy_j = inst.tally.energy_j;
  s.rank_time_s = core::to_seconds(inst.rank_ticks);
  s.compute_rank_s = inst.compute_rank_s;
  switch (step.kind) {
    case Step::Kind::Collective: {
      const auto& c = step.collective;
      s.kind = "collective";
      s.op = workloads::op_name(c.op);
      s.algorithm = inst.algorithm;
      if (inst.comm.on) s.protocol = accelerator::protocol_name(inst.comm.protocol);
      s.channels = inst.channels;
      s.cls = workloads::class_name(c.cls);
      s.size_bytes = c.size_bytes;
      s.useful_bytes = workloads::useful_bytes(c.op, c.size_bytes, s.ranks);
      break;
    }
    case Step::Kind::Compute:
      s.kind = "compute";
      break;
    case Step::Kind::Memory: {
      const auto& m = step.memory;
      s.kind = step.checkpoint ? "checkpoint" : "memory";
      s.mem_op = m.write ? "write" : "read";
      s.pool = m.pool;
      s.cls = workloads::class_name(m.cls);
      s.size_bytes = m.size_bytes;
      s.deadline_s = m.deadline_s;
      s.held_s = core::to_seconds(inst.held);
      s.useful_bytes = static_cast<double>(m.size_bytes) * s.ranks;
      break;
    }
    case Step::Kind::Traffic: {
      const auto& t = step.traffic;
      s.kind = "traffic";
      s.cls = workloads::class_name(t.cls);
      s.size_bytes = t.size_bytes;
      s.messages = t.messages;
      s.useful_bytes = static_cast<double>(t.size_bytes) * static_cast<double>(t.messages);
      break;
    }
    case Step::Kind::Parallel:
      s.kind = "parallel";
      for (const auto& child : inst.children) {
        s.children.push_back(result_of(*child));
        s.useful_bytes += s.children.back().useful_bytes;
        s.wire_bytes += s.children.back().wire_bytes;
        s.dynamic_energy_j += s.children.back().dynamic_energy_j;
        s.compute_rank_s += s.children.back().compute_rank_s;
      }
      break;
  }
  return s;
}

// ---- step instances, as they finish ----

namespace {

power::StepLoad load_of(const StepResult& s) {
  return {s.start_s, s.end_s, s.ranks, s.group, s.dynamic_energy_j, s.compute_rank_s};
}

}  // namespace

void LoadFront::add(std::size_t index, const power::StepLoad& load, double x, double y, double weight) {
  const double value = x + weight * y;
  if (value > m_best_value) {
    m_best_value = value;
    m_best = {index, x, y, load};
  }
  for (const Point& p : m_points)
    if (p.x >= x && p.y >= y) return;  // never the larger
  m_points.erase(
      std::remove_if(m_points.begin(), m_points.end(), [&](const Point& p) { return p.x <= x && p.y <= y; }),
      m_points.end());
  m_points.push_back({index, x, y, load});
  if (m_points.size() > kMaxPoints) prune();
}

// Keeps the vertices of the upper-right hull: by x rising (y then falls, none dominating another), a point on
// or below the segment between its neighbours is never alone the largest of a x x + b x y.
void LoadFront::prune() {
  std::stable_sort(m_points.begin(), m_points.end(),
                   [](const Point& a, const Point& b) { return a.x < b.x; });
  std::vector<Point> hull;
  for (const Point& p : m_points) {
    while (hull.size() >= 2) {
      const Point& a = hull[hull.size() - 2];
      const Point& b = hull.back();
      const double cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
      if (cross < 0.0) break;  // b lies above the segment from a to p
      hull.pop_back();
    }
    hull.push_back(p);
  }
  m_points = std::move(hull);
}

void LoadFront::append_to(std::map<std::size_t, power::StepLoad>& out) const {
  if (m_best_value >= 0.0) out.emplace(m_best.index, m_best.load);
  for (const Point& p : m_points)
    out.emplace(p.index, p.load);
}

// What instance i gives the results. Summed up, its load goes to the fronts power/'s peaks are taken over
// (power/ledger.cpp): an instance of time T, dynamic energy E and C rank-seconds computing on `ranks` ranks
// gives the run (E + A C) / T and rack k S_k E / T + A C h_k / (ranks T) over static power, with A the
// compute power above idle, S_k the rack's share of the fabric's energy (known when the run ends) and h_k
// the instance's ranks it houses. So fronts[0] holds the points (E/T, C/T) (the run's peak, exactly), and
// fronts[2 + k] (E/T, C h_k / (ranks T)) for the instances with ranks in rack k that compute; for a rack that
// houses none of an instance's ranks, or an instance that does not compute, what counts is E/T alone, whose
// largest over the instances with ranks fronts[1] keeps (power/ skips a rack's load without ranks).
void Runner::finish(std::size_t i, const Instance& inst) {
  const std::size_t steps = m_workload.steps.size();
  StepResult s = result_of(inst);
  m_scheduler->started(i, s.start_s);
  const auto checkpoint_done = [&] {
    // The positions from the first that have all finished (a position no endpoint takes part in is finished
    // when the run ends, so it does not hold the others back); a checkpoint that ends with every earlier one
    // finished is where a restart would resume after.
    m_finished[i] = 1;
    m_finished_last = std::max(m_finished_last, i);
    while (m_finished_prefix < m_top_count &&
           (m_finished[m_finished_prefix] || m_takers[m_finished_prefix % steps] == 0))
      ++m_finished_prefix;
    // Summed up, the aggregates as they stand must hold no later instance either: one of a later step that
    // some ranks reached while others still wrote the checkpoint would be counted again by the restart.
    return inst.step->checkpoint && m_finished_prefix > i && (!m_sum_up || m_finished_last == i);
  };
  const bool snapshot = m_restartable && checkpoint_done();
  if (m_sum_up) {
    m_useful_bytes += s.useful_bytes;
    aggregate(inst, s);
    const double t = s.end_s - s.start_s;
    if (t > 0.0) {  // power/ skips a load of no length
      const double idle = m_spec.accelerator.idle_power_w, busy = m_spec.accelerator.compute_power_w;
      const double active_w = busy > idle ? busy - idle : 0.0;
      const power::StepLoad load = load_of(s);
      const double x = s.dynamic_energy_j / t, y = s.compute_rank_s / t;
      m_fronts[0].add(i, load, x, y, active_w);
      if (s.ranks > 0) {
        m_fronts[1].add(i, load, x, 0.0, 0.0);
        if (s.compute_rank_s > 0.0 && !m_here.empty()) {
          std::fill(m_here.begin(), m_here.end(), 0);
          const auto count = [&](int r) {
            const int k = m_rank_rack[static_cast<std::size_t>(r)];
            if (k >= 0) ++m_here[static_cast<std::size_t>(k)];
          };
          if (s.group.empty()) {
            for (int r = 0; r < m_spec.ranks(); ++r)
              count(r);
          } else {
            for (int r : s.group)
              count(r);
          }
          for (std::size_t k = 0; k < m_here.size(); ++k)
            if (m_here[k] > 0) m_fronts[2 + k].add(i, load, x, y * m_here[k] / s.ranks, active_w);
        }
      }
    }
  }
  // Kept whole: every instance, or summed up, those of the first and the last iteration.
  if (!m_sum_up || inst.iteration == 0 || inst.iteration == m_workload.iterations - 1) {
    const std::size_t slot = !m_sum_up ? i : (inst.iteration == 0 ? 0 : steps) + i % steps;
    m_kept[slot] = std::move(s);
    m_kept_done[slot] = 1;
  }
  if (snapshot) {
    m_checkpoint.valid = true;
    m_checkpoint.position = i;
    m_checkpoint.end = core::now_ticks();
    if (m_sum_up) {
      m_checkpoint.aggregates = m_aggregates;
      m_checkpoint.useful_bytes = m_useful_bytes;
      m_checkpoint.fronts = m_fronts;
    }
  }
}

void Runner::aggregate(const Instance& inst, const StepResult& s) {
  StepAggregate& a = m_aggregates[m_aggregate_of.at(inst.step)];
  if (a.time_s.count == 0) {
    a.kind = s.kind;
    a.op = s.op;
    a.algorithm = s.algorithm;
    a.protocol = s.protocol;
    a.channels = s.channels;
  }
  // In whole ticks: the difference of two times in seconds would round.
  const bool ran = inst.start != std::numeric_limits<core::Tick>::max();
  a.time_s.add(ran ? core::to_seconds(inst.end - inst.start) : 0.0);
  a.energy_j.add(s.dynamic_energy_j);
  a.useful_bytes += s.useful_bytes;
  a.wire_bytes += s.wire_bytes;
  for (std::size_t c = 0; c < inst.children.size(); ++c)
    aggregate(*inst.children[c], s.children[c]);
}

SimulationResult Runner::gather(platforms::Platform& platform, core::Tick end) {
  SimulationResult r;
  r.platform_name = m_spec.name;
  r.workload_name = m_workload.name;
  r.ranks = platform.ranks();
  r.engine = m_engine;
  r.sim_time_s = core::to_seconds(end);
  for (int i = 0; i < platform.ranks(); ++i) {
    auto& acc = platform.accelerator(i);
    r.compute_time_s.push_back(acc.compute_time_s());
    r.end_time_s.push_back(core::to_seconds(m_end[static_cast<std::size_t>(i)]));
    r.hbm_bytes += static_cast<double>(acc.hbm().bytes_read() + acc.hbm().bytes_written());
  }
  if (m_serving) {
    r.serving_on = true;
    r.serving = m_serving->result(r.sim_time_s);
  }
  // Each rank's clock runs to the end of the run (what follows its last step is waiting), then the mean.
  for (RankClock& c : m_clocks) {
    clock_to(c, end);
    const double share = 1.0 / static_cast<double>(m_clocks.size());
    r.time_split.compute_s += c.compute_s * share;
    r.time_split.idle_s += c.idle_s * share;
    for (int d = 0; d < TimeSplit::kDims; ++d)
      r.time_split.exposed_s[d] += c.exposed_s[d] * share;
  }
  for (int e = 0; e < platform.endpoints(); ++e)
    r.transactions += platform.endpoint(e).packets_sent();
  // The flow engine's transactions are its flows (one per message).
  if (m_flows != nullptr) r.transactions += m_flows->flows_started();
  // A run cut short (cut()) gives what finished; the run that restarts it gives the rest.
  if (!m_cut.on) finish_untaken();
  for (std::size_t k = 0; k < m_kept.size(); ++k) {
    if (!m_kept_done[k] && m_cut.on) continue;
    if (!m_kept_done[k]) throw core::SimulationError("a step instance never finished");
    // (Copied from a cut run: the run that restarts it takes those before its checkpoint.)
    if (m_cut.on) {
      r.steps.push_back(m_kept[k]);
    } else {
      r.steps.push_back(std::move(m_kept[k]));
    }
    if (!m_sum_up) r.useful_bytes += r.steps.back().useful_bytes;
  }
  // A service's useful bytes: its all-reduces' (CONTRACT section 5) and its KV caches'.
  if (m_serving) r.useful_bytes += m_serving->useful_bytes();
  if (m_sum_up) {
    r.useful_bytes = m_useful_bytes;
    r.steps_summed_up = true;
    r.kept_iterations = m_kept_iterations;
    r.step_aggregates = std::move(m_aggregates);
  }
  for (const auto& info : platform.links()) {
    if (info.internal) continue;  // attachments inside a node (accelerator to NIC, switch to reducer)
    const double static_w = info.link->energy().static_total_w();
    for (int d = 0; d < 2; ++d) {
      const auto& st = info.link->direction(d);
      LinkResult l;
      l.id = info.id[d];
      l.tier = info.tier;
      l.regime = info.regime;
      l.bytes = st.wire_bytes;
      l.busy_s = core::to_seconds(st.busy);
      l.packets = st.packets;
      l.dynamic_j = st.dynamic_j;
      l.static_w = static_w / 2.0;
      l.slept_s = info.link->slept_s();
      l.wakes = info.link->wakes();
      for (double j : info.link->sleep_saved_j())
        l.saved_j += j / 2.0;
      r.wire_bytes += st.wire_bytes;
      r.packet_hops += st.packets;
      r.links.push_back(l);
    }
  }
  r.optics = platform.topology().optics;
  gather_flow_control(platform, r.flow_control);
  r.usage = usage_of(platform, r);
  r.scheduler = m_scheduler->result();
  return r;
}

void Runner::gather_flow_control(platforms::Platform& platform, FlowControlResult& fc) const {
  for (const auto& t : m_spec.tiers)
    if (t.flow_control.on()) fc.modes.emplace_back(t.name, t.flow_control.mode);
  fc.on = !fc.modes.empty();
  if (!fc.on) return;
  for (const auto& info : platform.links()) {
    for (int d = 0; d < 2; ++d) {
      const link::Link::FlowStats* st = info.link->flow_stats(d);
      if (st == nullptr) continue;
      const std::uint64_t buffer = info.link->params().flow_control.buffer_bytes;
      FlowControlPort p;
      p.id = info.id[d];
      p.tier = info.tier;
      p.buffer_bytes = buffer;
      p.max_bytes = double(st->max_bytes);
      p.p99_bytes = st->p99_bytes(buffer);
      p.paused_s = core::to_seconds(st->paused);
      p.pause_frames = st->pause_frames;
      p.drops = st->drops;
      p.dropped_bytes = st->dropped_bytes;
      p.dropped_j = st->dropped_j;
      p.ecn_marks = st->ecn_marks;
      fc.max_bytes = std::max(fc.max_bytes, p.max_bytes);
      fc.paused_s += p.paused_s;
      fc.pause_frames += p.pause_frames;
      fc.drops += p.drops;
      fc.dropped_bytes += p.dropped_bytes;
      fc.dropped_j += p.dropped_j;
      fc.ecn_marks += p.ecn_marks;
      // Every port that held anything (an idle one says nothing).
      if (st->samples > 0 || p.drops > 0) fc.ports.push_back(std::move(p));
    }
  }
  for (int e = 0; e < platform.endpoints(); ++e) {
    fc.retransmitted_bytes += double(platform.endpoint(e).retransmitted_bytes());
    fc.retransmitted_packets += platform.endpoint(e).retransmitted_packets();
  }
}

power::Usage Runner::usage_of(platforms::Platform& platform, const SimulationResult& r) const {
  using platforms::NodeKind;
  using power::ComponentKind;
  power::Usage u;
  u.ranks = r.ranks;
  u.sim_time_s = r.sim_time_s;
  u.useful_bytes = r.useful_bytes;
  u.compute_time_s = r.compute_time_s;
  u.end_time_s = r.end_time_s;
  if (m_sum_up) {
    std::map<std::size_t, power::StepLoad> kept;
    for (const LoadFront& front : m_fronts)
      front.append_to(kept);
    for (auto& [index, load] : kept)
      u.steps.push_back(std::move(load));
  } else {
    for (const StepResult& s : r.steps)
      u.steps.push_back(load_of(s));
  }
  power::Facility& f = u.facility;
  f.cooling_model = m_spec.cooling.model;
  f.cooling_overhead = m_spec.cooling.overhead;
  f.racks = m_spec.racks.present;
  f.rack_cooling = m_spec.racks.cooling;
  f.rack_power_limit_w = m_spec.racks.power_limit_w;
  f.packaging = m_spec.packaging.present;
  f.shoreline_m = m_spec.packaging.shoreline_m;
  f.bandwidth_density_Bps_per_m = m_spec.packaging.bandwidth_density_Bps_per_m;
  f.idle_power_w = m_spec.accelerator.idle_power_w;
  f.compute_power_w = m_spec.accelerator.compute_power_w;
  for (const auto& tier : m_spec.tiers)
    f.tiers.push_back(tier.name);
  f.package_cooling = m_spec.package_cooling();
  f.lifetime_s = m_spec.economics.lifetime_s;
  f.usd_per_kwh = m_spec.economics.usd_per_kwh;
  f.repairs = m_spec.economics.repairs;
  // A component's priced items and failing parts, as power/ prices them (power/cost.md).
  const auto priced = [](power::ComponentRecord& rec, const std::vector<platforms::CostItem>& items,
                         const std::vector<platforms::ReliabilityPart>& parts) {
    for (const platforms::CostItem& item : items)
      rec.capital.push_back({item.name, item.usd, item.count});
    for (const platforms::ReliabilityPart& part : parts)
      rec.parts.push_back({part.name, part.rate_per_s, part.count});
  };

  // A package's figures under the platform's cooling (power/thermal.md).
  const auto packaged = [&](power::ComponentRecord& rec, const platforms::PackageSpec& pkg) {
    if (!pkg.present) return;
    rec.package = {true, pkg.area_m2, pkg.r_k_per_w(f.package_cooling), pkg.heat_capacity_j_per_k,
                   pkg.tj_max_c};
  };

  // One record per topology node, then per link: where it sits and what it is.
  const platforms::Topology& topo = platform.topology();
  power::Inventory& inv = u.inventory;
  for (int k = 0; k < topo.racks(); ++k)
    inv.racks.push_back(topo.rack_name(k));
  inv.accelerator_racks = topo.accelerator_racks;
  std::unordered_map<const sc_core::sc_object*, std::size_t> record_of;  // a node's or link's module
  for (std::size_t i = 0; i < topo.nodes.size(); ++i) {
    const platforms::TopoNode& n = topo.nodes[i];
    power::ComponentRecord rec;
    rec.name = n.name;
    rec.rack[0] = n.rack;
    switch (n.kind) {
      case NodeKind::Rank:
        rec.kind = ComponentKind::Accelerator;
        rec.rank = n.rank;
        priced(rec, m_spec.accelerator.cost, m_spec.accelerator.reliability);
        packaged(rec, m_spec.accelerator.package);
        break;
      case NodeKind::Switch:
        rec.kind = ComponentKind::Switch;
        priced(rec, n.sw.cost, n.sw.reliability);
        packaged(rec, n.sw.package);
        break;
      case NodeKind::Ocs:
        rec.kind = ComponentKind::Ocs;
        priced(rec, n.ocs.cost, n.ocs.reliability);
        break;
      case NodeKind::Nic:
        rec.kind = ComponentKind::Nic;
        priced(rec, n.nic.cost, n.nic.reliability);
        break;
      case NodeKind::Pool:
        rec.kind = ComponentKind::Pool;
        break;
      case NodeKind::Reducer:
        rec.kind = ComponentKind::Reducer;
        break;
    }
    if (n.kind != NodeKind::Rank && n.tier >= 0) rec.tier = topo.tiers[static_cast<std::size_t>(n.tier)].name;
    if (n.kind == NodeKind::Switch || n.kind == NodeKind::Ocs || n.kind == NodeKind::Nic)
      rec.regime = platform.regime_of(static_cast<int>(i));
    if (n.kind == NodeKind::Switch || n.kind == NodeKind::Ocs) {
      int links = 0;
      for (int l : n.ports)
        links += !topo.links[static_cast<std::size_t>(l)].internal;
      rec.faceplate_ports =
          n.kind == NodeKind::Switch && n.sw.faceplate_ports > 0 ? n.sw.faceplate_ports : links;
    }
    record_of[platform.node_module(static_cast<int>(i))] = inv.components.size();
    if (const auto* media = platform.pool_media_at(static_cast<int>(i)))
      record_of[media] = inv.components.size();
    inv.components.push_back(rec);
  }
  for (std::size_t i = 0; i < topo.links.size(); ++i) {
    const platforms::TopoLink& l = topo.links[i];
    const platforms::LinkInfo& info = platform.links()[i];
    power::ComponentRecord rec;
    rec.kind = ComponentKind::Link;
    rec.name = info.id[0];
    rec.tier = info.tier;
    rec.regime = l.spec.regime;
    rec.ends[0] = l.a;
    rec.ends[1] = l.b;
    rec.rack[0] = topo.nodes[static_cast<std::size_t>(l.a)].rack;
    rec.rack[1] = topo.nodes[static_cast<std::size_t>(l.b)].rack;
    rec.internal = l.internal;
    rec.bandwidth_Bps = l.spec.bandwidth_Bps;
    rec.bandwidth_density_Bps_per_m = l.spec.bandwidth_density_Bps_per_m;
    // An accelerator's attachment to its NIC leaves the package through the NIC's host interface.
    for (int end : {l.a, l.b}) {
      const platforms::TopoNode& n = topo.nodes[static_cast<std::size_t>(end)];
      if (l.internal && n.kind == NodeKind::Nic)
        rec.bandwidth_density_Bps_per_m = n.nic.bandwidth_density_Bps_per_m;
    }
    if (l.spec.optics.present && l.spec.optics.placement == "co-packaged")
      for (const platforms::StackElement& e : l.spec.stack)
        if (e.category == "laser") rec.co_packaged_engine_w += e.power_w * e.count / 2.0;
    rec.static_saved_j = info.link->sleep_saved_j();
    if (!l.internal) priced(rec, l.spec.cost, l.spec.reliability);
    record_of[info.link] = inv.components.size();
    inv.components.push_back(rec);
  }
  // Modules of registered kinds count with the node or link they sit in (records: nodes, then links).
  for (const auto& placed : platform.placed())
    record_of[placed.module] = placed.link >= 0 ? topo.nodes.size() + static_cast<std::size_t>(placed.link)
                                                : static_cast<std::size_t>(placed.node);

  // One walk of the module tree: every component's energy goes to the record of the node or link it belongs
  // to and to the totals, both summed in the tree's order.
  core::for_each_component(
      [&](core::Component& c) {
        const sc_core::sc_object* o = &c;
        auto it = record_of.end();
        while (o != nullptr && (it = record_of.find(o)) == record_of.end())
          o = o->get_parent_object();
        if (it == record_of.end()) {
          SC_REPORT_ERROR(c.name(), "a component that belongs to no node or link of the platform");
          return;
        }
        power::ComponentRecord& rec = inv.components[it->second];
        for (std::size_t i = 0; i < core::kNumCategories; ++i) {
          u.energy.dynamic_j[i] += c.energy().dynamic_j()[i];
          u.energy.static_w[i] += c.energy().static_w()[i];
          rec.dynamic_j[i] += c.energy().dynamic_j()[i];
          rec.static_w[i] += c.energy().static_w()[i];
        }
      },
      &platform);
  for (const auto& info : platform.links()) {
    const core::PerCategory saved = info.link->sleep_saved_j();
    for (std::size_t i = 0; i < core::kNumCategories; ++i)
      u.energy.static_saved_j[i] += saved[i];
  }
  return u;
}

void Runner::gather_faults(SimulationResult& result) const {
  const auto& outcomes = m_flows->fault_outcomes();
  for (std::size_t k = 0; k < m_facts.faults.size(); ++k) {
    const platforms::ResolvedFault& fault = m_facts.faults[k];
    const flow::FlowNetwork::FaultOutcome& o = outcomes[k];
    FaultResult r;
    r.target = fault.spec.target;
    r.kind = fault.spec.kind == platforms::FaultSpec::Kind::Down    ? "down"
             : fault.spec.kind == platforms::FaultSpec::Kind::Lanes ? "lanes"
                                                                    : "ber";
    r.at_s = fault.spec.at_s;
    r.until_s = fault.spec.forever() ? -1.0 : fault.spec.at_s + fault.spec.for_s;
    r.links = static_cast<int>(fault.links.size());
    r.occurred = o.began && fault.spec.at_s <= result.sim_time_s;
    r.rerouted_bytes = o.rerouted_bytes;
    r.time_lost_s = o.time_lost_s;
    r.energy_j = o.energy_j;
    r.retransmitted_bytes = o.retransmitted_bytes;
    result.faults.push_back(r);
  }
}

}  // namespace pjbit::engine::detail
