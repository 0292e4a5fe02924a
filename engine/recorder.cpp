#include "engine/recorder.h"

#include <algorithm>
#include <cmath>

#include "engine/flow/flow_network.h"
#include "platforms/platform.h"

namespace pjbit::engine {

const char* rank_state_name(RankState s) {
  switch (s) {
    case RankState::Idle:
      return "idle";
    case RankState::Waiting:
      return "waiting";
    case RankState::Computing:
      return "compute";
  }
  return "idle";
}

// ------------------------------------------------------------------------------------------------------------
// EnergyProfile

void EnergyProfile::spread(std::size_t series, core::Tick start, core::Tick end, double amount) {
  if (amount == 0.0) return;
  end = std::max(end, start);
  grow(std::max(end, start + 1));
  const core::Tick w = m_width;
  const std::size_t first = static_cast<std::size_t>(start / w);
  const std::size_t last = end > start ? static_cast<std::size_t>((end - 1) / w) : first;
  if (first == last) {
    m_amount[first * m_series + series] += amount;
    return;
  }
  // The partial windows at both ends get their share; the whole windows between, as differences.
  const double per_tick = amount / static_cast<double>(end - start);
  m_amount[first * m_series + series] += per_tick * static_cast<double>((first + 1) * w - start);
  m_amount[last * m_series + series] += per_tick * static_cast<double>(end - last * w);
  if (last > first + 1) {
    const double whole = per_tick * static_cast<double>(w);
    m_full[(first + 1) * m_series + series] += whole;
    m_full[last * m_series + series] -= whole;
    ++m_open[(first + 1) * m_series + series];
    --m_open[last * m_series + series];
  }
}

void EnergyProfile::fold() {
  for (std::size_t s = 0; s < m_series; ++s)
    whole_windows(s, kWindows, [&](std::size_t w, double whole) { m_amount[w * m_series + s] += whole; });
  std::fill(m_full.begin(), m_full.end(), 0.0);
  std::fill(m_open.begin(), m_open.end(), 0);
}

void EnergyProfile::grow(core::Tick end) {
  while (end > static_cast<core::Tick>(kWindows) * m_width) {
    // Twice as wide: window j takes windows 2j and 2j + 1.
    fold();
    for (std::size_t j = 0; j < kWindows / 2; ++j)
      for (std::size_t s = 0; s < m_series; ++s)
        m_amount[j * m_series + s] = m_amount[2 * j * m_series + s] + m_amount[(2 * j + 1) * m_series + s];
    std::fill(m_amount.begin() + static_cast<std::ptrdiff_t>(kWindows / 2 * m_series), m_amount.end(), 0.0);
    m_width *= 2;
  }
}

std::vector<double> EnergyProfile::amounts(std::size_t series, std::size_t count) const {
  count = std::min(count, kWindows);
  std::vector<double> out(count);
  // Differences that cancel leave rounding dust: none where no interval spans the window (so that an idle
  // window is exactly 0, whatever order the intervals came in), and never less than nothing.
  whole_windows(series, count, [&](std::size_t w, double whole) {
    out[w] = std::max(0.0, m_amount[w * m_series + series] + whole);
  });
  return out;
}

// ------------------------------------------------------------------------------------------------------------
// VcdLog

VcdLog::VcdLog(std::vector<Kind> kinds, std::size_t budget)
    : m_kinds(std::move(kinds)),
      m_spans(m_kinds.size()),
      m_budget(std::max<std::size_t>({budget, kPerVariable * m_kinds.size(), 1})) {}

void VcdLog::add(std::size_t variable, core::Tick start, core::Tick end, std::uint32_t value) {
  if (end <= start || value == 0) return;
  // To whole steps of the resolution: the step that holds `start` to the one that holds `end - 1`.
  start -= start % m_step;
  end = end % m_step == 0 ? end : core::later(end - end % m_step, m_step);
  std::vector<Span>& spans = m_spans[variable];
  // The intervals of one variable mostly come in time order: one that meets the last with its value (or, for
  // a Max variable, overlaps it) extends it.
  if (!spans.empty() && spans.back().value == value && start >= spans.back().start &&
      (start == spans.back().end || (m_kinds[variable] == Kind::Max && start < spans.back().end))) {
    spans.back().end = std::max(spans.back().end, end);
    return;
  }
  m_horizon = std::max(m_horizon, end);
  spans.push_back({start, end, value});
  if (++m_count > m_budget) coarsen();
}

void VcdLog::normalize(std::vector<Span>& spans, Kind kind) {
  if (spans.empty()) return;
  // A sweep over the interval ends: at each boundary, the value is the largest (or the sum) of those open.
  std::vector<std::pair<core::Tick, std::int64_t>> edges;  // (time, +value at a start, -value at an end)
  edges.reserve(2 * spans.size());
  for (const Span& s : spans) {
    edges.emplace_back(s.start, static_cast<std::int64_t>(s.value));
    edges.emplace_back(s.end, -static_cast<std::int64_t>(s.value));
  }
  std::sort(edges.begin(), edges.end());
  std::vector<Span> out;
  std::map<std::uint32_t, int> open;  // Max: the values open, with their counts
  std::int64_t sum = 0;
  std::uint32_t current = 0;
  for (std::size_t i = 0; i < edges.size();) {
    const core::Tick at = edges[i].first;
    for (; i < edges.size() && edges[i].first == at; ++i) {
      const std::int64_t v = edges[i].second;
      sum += v;
      if (kind == Kind::Max) {
        const auto value = static_cast<std::uint32_t>(v > 0 ? v : -v);
        if (v > 0) {
          ++open[value];
        } else if (--open[value] == 0) {
          open.erase(value);
        }
      }
    }
    const std::uint64_t now =
        kind == Kind::Sum ? static_cast<std::uint64_t>(sum) : (open.empty() ? 0 : open.rbegin()->first);
    const auto value = static_cast<std::uint32_t>(std::min<std::uint64_t>(now, ~std::uint32_t{0}));
    if (value == current) continue;
    if (current != 0) out.back().end = at;
    if (value != 0) out.push_back({at, at, value});  // its end comes with the next change
    current = value;
  }
  spans = std::move(out);
}

void VcdLog::coarsen() {
  // First at the present resolution: intervals that overlap or meet merge into the variable's values.
  const auto regroup = [this] {
    m_count = 0;
    for (std::size_t v = 0; v < m_spans.size(); ++v) {
      for (Span& s : m_spans[v]) {
        s.start -= s.start % m_step;
        s.end = s.end % m_step == 0 ? s.end : core::later(s.end - s.end % m_step, m_step);
      }
      normalize(m_spans[v], m_kinds[v]);
      m_count += m_spans[v].size();
    }
  };
  regroup();
  // Then coarser, until half the budget is left for what comes. Once one step holds everything so far, a
  // coarser one merges nothing more (with kPerVariable intervals per variable in the budget, the count is
  // below half of it long before).
  while (m_count > m_budget / 2 && m_step < m_horizon && m_step < (core::Tick{1} << 62)) {
    m_step *= 2;
    regroup();
  }
}

std::vector<VcdLog::Span> VcdLog::values(std::size_t variable) const {
  std::vector<Span> spans = m_spans[variable];
  normalize(spans, m_kinds[variable]);
  return spans;
}

// ------------------------------------------------------------------------------------------------------------
// Recorder

Recorder::Recorder(RecorderOptions options) : m_options(options) {
  if (options.power_window_s > 0.0) m_profile.set_window(core::to_ticks(options.power_window_s));
}

void Recorder::attach(platforms::Platform& platform, flow::FlowNetwork* flows) {
  using platforms::NodeKind;
  m_flows = flows;
  m_packets = flows == nullptr;
  const platforms::Topology& topo = platform.topology();
  const auto& links = platform.links();
  // Attached again to the run that restarts a job cut short (engine/restart.md): the same platform, whose
  // timeline goes on where the cut run's ended, in the same profile and link activity log.
  const bool resumed = !m_channels.empty();
  m_channels.assign(2 * links.size(), Channel{});
  m_tiers.clear();
  for (const auto& t : topo.tiers)
    m_tiers.push_back(t.name);
  if (!resumed) m_profile.set_tiers(m_tiers.size());
  for (std::size_t i = 0; i < links.size(); ++i) {
    const platforms::LinkInfo& info = links[i];
    const link::Params& p = info.link->params();
    for (int d = 0; d < 2; ++d) {
      Channel& c = m_channels[2 * i + static_cast<std::size_t>(d)];
      c.id = info.id[d];
      c.tier = info.tier;
      c.internal = info.internal;
      for (const auto& e : p.stack)
        if (e.energy_pj_per_bit > 0.0)
          c.joules_per_byte.emplace_back(core::EnergyAccount::index(e.category),
                                         p.joules_per_payload_byte(e));
      // A switch or NIC charges per byte it forwards, and forwards every byte onto one of its links.
      const platforms::TopoLink& l = topo.links[i];
      const int from = d == 0 ? l.a : l.b;
      const NodeKind kind = topo.nodes[static_cast<std::size_t>(from)].kind;
      if (kind == NodeKind::Switch) {
        // (A switch of a registered kind charges what it charges: the timeline does not know its cost.)
        const fabric_switch::Switch* sw = platform.switch_at(from);
        if (sw != nullptr && sw->params().energy_pj_per_bit > 0.0)
          c.joules_per_byte.emplace_back(core::EnergyAccount::index(core::Category::Switch),
                                         sw->params().joules_per_payload_byte());
      } else if (kind == NodeKind::Nic) {
        const nic::Nic* nic = platform.nic_at(from);
        if (nic != nullptr && nic->params().energy_pj_per_bit > 0.0)
          c.joules_per_byte.emplace_back(core::EnergyAccount::index(core::Category::Nic),
                                         nic->params().joules_per_payload_byte());
      }
    }
    for (int d = 0; d < 2; ++d) {
      Channel& c = m_channels[2 * i + static_cast<std::size_t>(d)];
      c.tier_index =
          static_cast<std::size_t>(std::find(m_tiers.begin(), m_tiers.end(), c.tier) - m_tiers.begin());
      if (c.tier_index >= m_tiers.size() || c.internal) continue;
      for (const auto& [category, joules] : c.joules_per_byte)
        c.fabric_joules_per_byte += joules;
    }
    if (m_packets) info.link->observe(this, static_cast<int>(2 * i));
  }
  if (!m_packets) m_flows->set_observer(this);
  m_channel_state.assign(m_channels.size(), ChannelState{});
  m_endpoints.clear();
  for (int e = 0; e < topo.endpoints(); ++e)
    m_endpoints.push_back(
        topo.nodes[static_cast<std::size_t>(topo.endpoint_node[static_cast<std::size_t>(e)])].name);
  m_ranks.assign(static_cast<std::size_t>(platform.ranks()), Rank{});
  if (m_options.link_activity) {
    std::vector<VcdLog::Kind> kinds(m_ranks.size(), VcdLog::Kind::Max);
    for (std::size_t c = 0; c < m_channels.size(); ++c)
      kinds.insert(kinds.end(), {VcdLog::Kind::Max, VcdLog::Kind::Sum, VcdLog::Kind::Max});
    // The signals of models that have their own, after the links: one variable each.
    m_signal_groups.clear();
    for (core::SignalSource* source : platform.signal_sources()) {
      SignalGroup g{source->signal_scope(), source->signals(), kinds.size()};
      kinds.insert(kinds.end(), g.signals.size(), VcdLog::Kind::Max);
      m_signal_groups.push_back(std::move(g));
    }
    // As many intervals as the slices the timeline keeps, and as many again: the link activity.
    if (!resumed) m_vcd = std::make_unique<VcdLog>(std::move(kinds), 2 * m_options.max_events);
    for (std::size_t i = 0; i < m_signal_groups.size(); ++i)
      platform.signal_sources()[i]->observe_signals(this, m_signal_groups[i].first);
  }
}

void Recorder::piece(int channel, std::uint64_t flow, core::Tick start, core::Tick end) {
  std::vector<Piece>& pieces = m_channel_state[static_cast<std::size_t>(channel)].pieces;
  for (Piece& p : pieces) {
    if (p.flow != flow) continue;
    p.end = std::max(p.end, end);
    return;
  }
  if (pieces.size() >= kPieces) {
    // The message whose last packet ended first is done (or, with more than kPieces at once, counted again
    // from its next packet on).
    const auto done = std::min_element(pieces.begin(), pieces.end(),
                                       [](const Piece& a, const Piece& b) { return a.end < b.end; });
    m_vcd->add(transfers_variable(channel), done->start, done->end, 1);
    *done = pieces.back();
    pieces.pop_back();
  }
  pieces.push_back({flow, start, end});
}

void Recorder::detach(platforms::Platform& platform) {
  const core::Tick now = core::now_ticks();
  m_end = now;
  m_profile.extend(now);
  for (int r = 0; r < ranks(); ++r)
    settle(r, now, true);
  for (std::size_t c = 0; c < m_channel_state.size() && m_vcd; ++c) {
    ChannelState& cs = m_channel_state[c];
    const int channel = static_cast<int>(c);
    if (cs.busy_open) m_vcd->add(busy_variable(channel), cs.busy_start, cs.busy_end, 1);
    cs.busy_open = false;
    if (cs.pending) keep_depth(channel);
    m_vcd->add(queue_variable(channel), cs.depth_since, now, cs.depth);
    for (const Piece& p : cs.pieces)
      m_vcd->add(transfers_variable(channel), p.start, p.end, 1);
    cs.pieces.clear();
  }
  const platforms::Topology& topo = platform.topology();
  for (std::size_t k = 0; k < platform.circuit_switches().size(); ++k) {
    const std::string& name = topo.nodes[static_cast<std::size_t>(platform.ocs_node(k))].name;
    for (const auto& r : platform.circuit_switches()[k]->reconfigurations())
      if (admit(r.start))
        m_reconfigurations.push_back({name, r.requested, r.start, r.end, r.ports.size(), r.why});
  }
  for (const auto& info : platform.links())
    info.link->observe(nullptr, 0);
  if (m_vcd) {
    for (core::SignalSource* source : platform.signal_sources()) {
      source->flush_signals(now);
      source->observe_signals(nullptr, 0);
    }
  }
  if (m_flows != nullptr) m_flows->set_observer(nullptr);
  m_flows = nullptr;
}

void Recorder::held(std::size_t id, core::Tick start, core::Tick end, std::uint32_t value) {
  if (m_vcd) m_vcd->add(id, start, end, value);
}

void Recorder::charged(core::Category c, core::Tick start, core::Tick end, double joules) {
  if (joules > 0.0) m_profile.spread(core::EnergyAccount::index(c), start, std::max(end, start + 1), joules);
}

const Recorder::StepLabel& Recorder::label(std::uint64_t instance) const {
  static const StepLabel unknown{};
  const auto it = m_labels.find(instance);
  return it != m_labels.end() ? it->second : unknown;
}

bool Recorder::admit(core::Tick now) {
  if (m_events < m_options.max_events) {
    ++m_events;
    return true;
  }
  m_truncated_at = m_truncated ? std::min(m_truncated_at, now) : now;
  m_truncated = true;
  return false;
}

void Recorder::step_begin(int rank, std::uint64_t instance, const workloads::Step& step, int iteration,
                          const std::string& algorithm, int channels) {
  using Kind = workloads::Step::Kind;
  const core::Tick now = core::now_ticks();
  Rank& r = m_ranks[static_cast<std::size_t>(rank)];
  const bool blocks = step.kind == Kind::Collective || step.kind == Kind::Memory;
  const int depth = static_cast<int>(r.open.size());
  if (depth == 0) settle(rank, now, true);  // state spans never cross a top-level step's boundary
  std::size_t index = kNone;
  if (admit(now)) {
    index = m_steps.size();
    m_steps.push_back({rank, depth, instance, now, now});
  }
  r.open.push_back({instance, index, blocks});
  if (blocks) ++r.blocked;
  settle(rank, now, false);
  // Labels for the instances that have a slice: those of the slices the timeline keeps (the transfers of an
  // instance come after its first slice, and once a slice is left out every later one is too), so that a run
  // of a million iterations does not keep a label per instance.
  if (index == kNone) return;
  StepLabel& l = m_labels[instance];
  if (!l.known) {
    l.known = true;
    l.key = step.key;
    l.iteration = iteration;
    switch (step.kind) {
      case Kind::Collective:
        l.kind = "collective";
        l.op = workloads::op_name(step.collective.op);
        l.algorithm = algorithm;
        l.channels = channels;
        l.cls = workloads::class_name(step.collective.cls);
        l.size_bytes = step.collective.size_bytes;
        l.name = l.key + " " + l.op + " " + l.algorithm;
        break;
      case Kind::Compute:
        l.kind = "compute";
        l.name = l.key + " compute";
        break;
      case Kind::Memory:
        l.kind = step.checkpoint ? "checkpoint" : "memory";
        l.op = step.memory.write ? "write" : "read";
        l.cls = workloads::class_name(step.memory.cls);
        l.pool = step.memory.pool;
        l.size_bytes = step.memory.size_bytes;
        l.name = l.key + " " + (step.checkpoint ? l.kind : l.kind + " " + l.op) + " " + l.pool;
        break;
      case Kind::Traffic:
        l.kind = "traffic";
        l.cls = workloads::class_name(step.traffic.cls);
        l.size_bytes = step.traffic.size_bytes;
        l.name = l.key + " traffic";
        break;
      case Kind::Parallel:
        l.kind = "parallel";
        l.name = l.key + " parallel";
        break;
    }
  }
}

void Recorder::step_end(int rank, std::uint64_t instance) {
  const core::Tick now = core::now_ticks();
  Rank& r = m_ranks[static_cast<std::size_t>(rank)];
  const auto it = std::find_if(r.open.rbegin(), r.open.rend(),
                               [instance](const Open& o) { return o.instance == instance; });
  if (it == r.open.rend()) return;
  if (it->index != kNone) m_steps[it->index].end = now;
  if (it->blocks) --r.blocked;
  r.open.erase(std::next(it).base());
  settle(rank, now, r.open.empty());
}

void Recorder::compute_begin(int rank) {
  ++m_ranks[static_cast<std::size_t>(rank)].computing;
  settle(rank, core::now_ticks(), false);
}

void Recorder::compute_end(int rank) {
  --m_ranks[static_cast<std::size_t>(rank)].computing;
  settle(rank, core::now_ticks(), false);
}

void Recorder::settle(int rank, core::Tick now, bool split) {
  Rank& r = m_ranks[static_cast<std::size_t>(rank)];
  const RankState next = r.computing > 0 ? RankState::Computing
                         : r.blocked > 0 ? RankState::Waiting
                                         : RankState::Idle;
  if (next == r.state && !split) return;
  if (r.state != RankState::Idle && now > r.since) {
    m_profile.spread(r.state == RankState::Computing ? EnergyProfile::kComputing : EnergyProfile::kWaiting,
                     r.since, now, core::to_seconds(now - r.since));
    if (admit(r.since)) m_states.push_back({rank, r.state, r.since, now});
    if (m_vcd) m_vcd->add(static_cast<std::size_t>(rank), r.since, now, static_cast<std::uint32_t>(r.state));
  }
  r.state = next;
  r.since = now;
}

void Recorder::charge(int channel, double bytes, core::Tick start, core::Tick end) {
  each_series(m_channels[static_cast<std::size_t>(channel)], [&](std::size_t series, double joules) {
    m_profile.spread(series, start, end, bytes * joules);
  });
}

void Recorder::note_depth(int channel, std::size_t depth, core::Tick now) {
  ChannelState& cs = m_channel_state[static_cast<std::size_t>(channel)];
  if (cs.pending && cs.pending_at != now) keep_depth(channel);
  cs.pending = true;
  cs.pending_at = now;
  cs.pending_depth = static_cast<std::uint32_t>(depth);
}

void Recorder::keep_depth(int channel) {
  ChannelState& cs = m_channel_state[static_cast<std::size_t>(channel)];
  cs.pending = false;
  if (cs.pending_depth == cs.depth) return;
  m_vcd->add(queue_variable(channel), cs.depth_since, cs.pending_at, cs.depth);
  cs.depth = cs.pending_depth;
  cs.depth_since = cs.pending_at;
}

void Recorder::packet(int channel, const core::FabricExtension& ext, core::Tick start, core::Tick end,
                      std::size_t queued) {
  charge(channel, ext.bytes, start, end);
  ChannelState& cs = m_channel_state[static_cast<std::size_t>(channel)];
  if (m_vcd) {
    // Back-to-back packets make one busy interval.
    if (cs.busy_open && start <= cs.busy_end) {
      cs.busy_end = std::max(cs.busy_end, end);
    } else {
      if (cs.busy_open) m_vcd->add(busy_variable(channel), cs.busy_start, cs.busy_end, 1);
      cs.busy_open = true;
      cs.busy_start = start;
      cs.busy_end = end;
    }
    note_depth(channel, queued, start);
  }
  if (m_channels[static_cast<std::size_t>(channel)].internal) return;
  if (m_vcd) piece(channel, ext.flow, start, end);
  // One transfer per message and link direction: the packets of a message mostly follow each other, so the
  // direction remembers the last message it saw before anything is looked up.
  std::size_t index = kNone;
  if (cs.last_flow == ext.flow) {
    index = cs.last_transfer;
  } else {
    const auto it = m_open_transfers.find(FlowKey{ext.flow, channel});
    if (it != m_open_transfers.end()) {
      index = it->second;
    } else if (admit(start)) {
      index = m_transfers.size();
      m_transfers.push_back({channel, ext.src, ext.dst, ext.cls, ext.tag >> 24, 0, ext.issued, start, end});
      m_open_transfers.emplace(FlowKey{ext.flow, channel}, index);
    }
    if (index != kNone) {
      cs.last_flow = ext.flow;
      cs.last_transfer = index;
    }
  }
  if (index == kNone) return;
  Transfer& t = m_transfers[index];
  t.bytes += ext.bytes;
  t.end = std::max(t.end, end);
}

void Recorder::paused(int channel, core::Tick start, core::Tick end) {
  if (admit(start)) m_pauses.push_back({channel, start, end});
}

void Recorder::queued(int channel, std::size_t queued) {
  if (m_vcd) note_depth(channel, queued, core::now_ticks());
}

void Recorder::route_joules(core::Span<int> channels, core::Span<float> shares, SeriesJoules& out) {
  m_series_sum.assign(m_profile.series(), 0.0);
  for (std::size_t k = 0; k < channels.size(); ++k) {
    const double share = shares.empty() ? 1.0 : static_cast<double>(shares[k]);
    each_series(m_channels[static_cast<std::size_t>(channels[k])],
                [&](std::size_t series, double joules) { m_series_sum[series] += share * joules; });
  }
  out.clear();
  for (std::size_t series = 0; series < m_series_sum.size(); ++series)
    if (m_series_sum[series] != 0.0) out.emplace_back(series, m_series_sum[series]);
}

void Recorder::flow(core::Span<int> channels, core::Span<float> shares, int path, int src, int dst,
                    std::uint64_t bytes, std::uint8_t cls, std::uint64_t tag, core::Tick issued,
                    core::Tick end) {
  // Every link of the flow spends its energy over the same interval: its route's joules per byte are summed
  // per series of the power profile (once per route the engine keeps) and spread once each. A sprayed flow
  // crosses dozens of links, whose parameters would otherwise be read for every flow.
  const SeriesJoules* joules = &m_own_joules;
  if (path >= 0) {
    const auto id = static_cast<std::size_t>(path);
    if (id >= m_path_joules.size()) m_path_joules.resize(id + 1);
    if (!m_path_joules[id]) route_joules(channels, shares, m_path_joules[id].emplace());
    joules = &*m_path_joules[id];
  } else {
    route_joules(channels, shares, m_own_joules);
  }
  for (const auto& [series, per_byte] : *joules)
    m_profile.spread(series, issued, end, per_byte * static_cast<double>(bytes));
  // The timeline's transfers and the value change dump, per link.
  if (!m_vcd && m_options.max_events == 0) return;
  for (std::size_t k = 0; k < channels.size(); ++k) {
    const int channel = channels[k];
    if (m_channels[static_cast<std::size_t>(channel)].internal) continue;
    const double share = shares.empty() ? 1.0 : static_cast<double>(shares[k]);
    const double on_link = share * static_cast<double>(bytes);
    if (m_vcd) {
      // Busy while any flow crosses it.
      m_vcd->add(busy_variable(channel), issued, end, 1);
      m_vcd->add(transfers_variable(channel), issued, end, 1);
    }
    if (admit(issued))
      m_transfers.push_back({channel, src, dst, cls, tag >> 24,
                             static_cast<std::uint64_t>(std::llround(on_link)), issued, issued, end});
  }
}

}  // namespace pjbit::engine
