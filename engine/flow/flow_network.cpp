#include "engine/flow/flow_network.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "core/errors.h"

namespace pjbit::engine::flow {

using platforms::NodeKind;
using platforms::TopoLink;
using platforms::Topology;
using platforms::TopoNode;

namespace {
constexpr int kClasses = 5;
}

FlowNetwork::FlowNetwork(Platform& platform, bool priorities, const core::ClassArbitration& arbitration)
    : m_platform(platform),
      m_priorities(priorities),
      m_weighted(priorities && arbitration.rule == core::ClassRule::Weighted),
      m_weights(arbitration.weights),
      m_ticks_per_second(core::ticks_per_second()),
      m_packet_bytes(static_cast<double>(platform.spec().packet_bytes)),
      m_wakeups("flow_wakeups", [this](const int&) { wake(); }),
      m_waking("flow_waking", [this](const int& slot) { activate(slot); }),
      m_fault_events("flow_faults", [this](const int& code) { fault_event(code); }) {
  const auto& links = platform.links();
  // Each link sleeps by its own rule (link::Params::sleep_rule), as its packets would.
  m_sleep.resize(links.size());
  for (std::size_t i = 0; i < links.size(); ++i) {
    m_sleep[i] = links[i].link->params().sleep_rule();
    m_sleeps = m_sleeps || m_sleep[i].enabled();
  }
  if (m_sleeps) {
    m_idle_since.assign(links.size(), 0);
    m_awake_at.assign(links.size(), 0);
    m_slept.assign(links.size(), 0);
    m_wakes.assign(links.size(), 0);
  }
  m_capacity.resize(2 * links.size());
  m_into_store_forward.assign(2 * links.size(), 0);
  const auto store_and_forward = [&](int node) {
    return platform.topology().nodes[static_cast<std::size_t>(node)].kind == NodeKind::Switch &&
           platform.switch_at(node)->params().store_and_forward;
  };
  for (std::size_t i = 0; i < links.size(); ++i) {
    const auto& p = links[i].link->params();
    m_capacity[2 * i] = m_capacity[2 * i + 1] = p.payload_rate_Bps();
    const TopoLink& l = platform.topology().links[i];
    m_into_store_forward[2 * i] = store_and_forward(l.b);  // direction 0 runs from a to b
    m_into_store_forward[2 * i + 1] = store_and_forward(l.a);
  }
  m_on.resize(m_capacity.size());
  m_node_index.assign(platform.topology().nodes.size(), {-1, -1});
  m_recent.assign(static_cast<std::size_t>(platform.endpoints()) * kRecentWays, Recent{});
  m_recent_next.assign(static_cast<std::size_t>(platform.endpoints()), 0);
  m_carried.assign(m_capacity.size(), 0.0);
  m_is_dirty.assign(m_capacity.size(), 0);
  m_res_seen.assign(m_capacity.size(), 0);
  m_joined.assign(m_capacity.size(), 0);
}

void FlowNetwork::start(accelerator::Accelerator& from, int dst, std::uint64_t bytes, std::uint8_t cls,
                        std::uint64_t tag, std::uint64_t hash, core::StepTally* tally,
                        accelerator::ITrafficObserver* observer, accelerator::Completion& done) {
  int slot;
  if (m_free.empty()) {
    slot = static_cast<int>(m_flows.size());
    m_flows.emplace_back();
  } else {
    slot = m_free.back();
    m_free.pop_back();
  }
  Flow& f = m_flows[static_cast<std::size_t>(slot)];
  f.bytes = bytes;
  f.cls = std::min<int>(cls, kClasses - 1);
  f.src = from.rank();
  f.dst = dst;
  f.tag = tag;
  f.tally = tally;
  f.observer = observer;
  f.done = &done;
  f.hash = hash;
  f.charged = 0.0;
  f.moved = false;
  if (!m_parked.empty() || m_faulted) {
    // A fault may have cut the pair off: the flow waits for a fault to end, or the run fails.
    if (!m_platform.router().reachable(f.src, dst)) {
      ++f.version;
      ++m_started;
      f.started = core::now_ticks();
      f.rem0 = static_cast<double>(bytes);
      f.rate = 0.0;
      f.position.clear();
      f.cached = nullptr;
      f.own.clear(m_platform.route_generation());
      if (cuts_now()) cut_off({slot});
      m_parked.push_back(slot);
      return;
    }
  }
  f.cached = path_for(f.src, dst, hash, f);
  ++f.version;
  ++m_started;
  const core::Tick now = core::now_ticks();
  f.started = now;
  // Sleeping links on the path wake first (in parallel); the flow starts when the last is awake.
  if (m_sleeps) {
    core::Tick delay = 0;
    for (int r : f.resources()) {
      const auto l = static_cast<std::size_t>(r / 2);
      const link::Params::SleepRule& rule = m_sleep[l];
      if (!rule.enabled()) continue;
      if (m_awake_at[l] > now) {
        delay = std::max(delay, m_awake_at[l] - now);
      } else if (m_on[2 * l].empty() && m_on[2 * l + 1].empty() && rule.slept(now - m_idle_since[l]) > 0) {
        m_slept[l] += rule.slept(now - m_idle_since[l]);
        ++m_wakes[l];
        m_awake_at[l] = m_idle_since[l] = core::later(now, rule.wake);
        delay = std::max(delay, rule.wake);
      }
    }
    if (delay > 0) {
      m_waking.push(core::later(now, delay), slot);
      return;
    }
  }
  activate(slot);
}

void FlowNetwork::activate(int slot) {
  Flow& f = m_flows[static_cast<std::size_t>(slot)];
  if (stale(f)) {
    // Routes changed while its links woke (a fault was detected): it takes the route of now.
    if (!m_platform.router().reachable(f.src, f.dst)) {
      f.rem0 = static_cast<double>(f.bytes);
      f.rate = 0.0;
      f.position.clear();
      if (cuts_now()) cut_off({slot});
      m_parked.push_back(slot);
      return;
    }
    f.cached = path_for(f.src, f.dst, f.hash, f);
  }
  const auto& resources = f.resources();
  f.position.clear();
  f.position.reserve(static_cast<std::uint32_t>(resources.size()));
  bool alone = true;
  const core::Tick now = core::now_ticks();
  for (int r : resources) {
    auto& on = m_on[static_cast<std::size_t>(r)];
    f.position.push_back(static_cast<int>(on.size()));
    on.push_back(slot);
    alone = alone && on.size() == 1;
    if (m_batch > 0.0) m_joined[static_cast<std::size_t>(r)] = now;
  }
  f.rem0 = static_cast<double>(f.bytes);
  f.t0 = now;
  f.rate = 0.0;
  f.seen = false;
  if (resources.empty()) {
    f.finish = now;
    m_finishes.push(now, {slot, f.version});
    arm(now);
  } else if (alone) {
    // Alone on every link it crosses (so far): its rate is theirs now. A flow that joins one of them at
    // this instant marks it, and the solve then gives both their shares.
    set_rate(f, slot, alone_rate(f.path()), now);
    arm(f.finish);
  } else {
    // Rates are re-solved once for all flows that start at this instant.
    for (int r : resources)
      mark_dirty(r);
    arm(now);
  }
}

void FlowNetwork::add_node(Path& out, int node, int port, double fraction, double& latency_s) {
  const TopoNode& n = m_platform.topology().nodes[static_cast<std::size_t>(node)];
  if (n.kind == NodeKind::Switch) {
    fabric_switch::Switch* sw = m_platform.switch_at(node);
    int& index = m_node_index[static_cast<std::size_t>(node)][0];
    if (index < 0) {
      index = static_cast<int>(m_switches.size());
      m_switches.push_back(sw);
      m_switch_carried.push_back(0.0);
    }
    out.switches.push_back(index);
    out.switch_weights.push_back(static_cast<float>(fraction));
    out.joules_per_byte += fraction * sw->params().joules_per_payload_byte();
    latency_s += fraction * n.sw.latency_s;
  } else if (n.kind == NodeKind::Nic) {
    nic::Nic* nic = m_platform.nic_at(node);
    const int dir = nic::Nic::direction(port);
    int& index = m_node_index[static_cast<std::size_t>(node)][static_cast<std::size_t>(dir)];
    if (index < 0) {
      index = static_cast<int>(m_nics.size());
      m_nics.emplace_back(nic, dir);
      m_nic_carried.push_back(0.0);
    }
    out.nics.push_back(index);
    out.nic_weights.push_back(static_cast<float>(fraction));
    out.joules_per_byte += fraction * nic->params().joules_per_payload_byte();
    latency_s += fraction * n.nic.latency_s;
  } else if (n.kind == NodeKind::Rank) {
    latency_s += fraction * m_platform.spec().accelerator.router_latency_s;
  }  // an OCS is passive: no latency or energy of its own on the data path
}

void FlowNetwork::add_link(Path& out, int node, int link, double fraction, double& latency_s) {
  const TopoLink& l = m_platform.topology().links[static_cast<std::size_t>(link)];
  const int dir = l.a == node ? 0 : 1;
  const auto& p = m_platform.links()[static_cast<std::size_t>(link)].link->params();
  latency_s += fraction * p.latency_s;
  for (const auto& e : p.stack)
    out.joules_per_byte += fraction * p.joules_per_payload_byte(e);
  if (p.fabric) out.wire_per_byte += fraction * p.wire_per_payload_byte();
  // A store-and-forward switch sends a packet on once its tail is in: the packet's serialization on the link
  // that enters the switch, at that link's payload rate (link::Params), adds to the path's delay.
  if (m_into_store_forward[static_cast<std::size_t>(2 * link + dir)])
    out.store_forward_s_per_byte += fraction / p.payload_rate_Bps();
  out.resources.push_back(2 * link + dir);
  out.weights.push_back(static_cast<float>(fraction));
}

core::Tick FlowNetwork::store_forward_delay(const Path& path, std::uint64_t bytes) const {
  // One packet, or the whole message when it is shorter: a message's first packet fills the pipeline of
  // store-and-forward hops, and the packets behind it keep that lag (docs/engines.md).
  const double packet = std::min(m_packet_bytes, static_cast<double>(bytes));
  return core::later(path.latency, core::to_ticks(packet * path.store_forward_s_per_byte));
}

void FlowNetwork::Path::shrink() {
  resources.shrink_to_fit();
  weights.shrink_to_fit();
  switches.shrink_to_fit();
  switch_weights.shrink_to_fit();
  nics.shrink_to_fit();
  nic_weights.shrink_to_fit();
}

void FlowNetwork::Path::clear(std::uint64_t gen) {
  resources.clear();
  weights.clear();
  switches.clear();
  switch_weights.clear();
  nics.clear();
  nic_weights.clear();
  joules_per_byte = 0.0;
  wire_per_byte = 0.0;
  store_forward_s_per_byte = 0.0;
  generation = gen;
  id = -1;
}

void FlowNetwork::make_path(int src, int dst, const core::Route& route, Path& out) {
  out.clear(m_platform.route_generation());
  // Walk the route as the packets would: every port names a link; switches, NICs and forwarding ranks
  // add their latency (and switches and NICs their energy). The energy per byte adds up what carry()
  // charges at each of them (link.md, switch.md, nic.md).
  const Topology& topo = m_platform.topology();
  double latency_s = 0.0;
  int node = topo.endpoint_node[static_cast<std::size_t>(src)];
  const int last = topo.endpoint_node[static_cast<std::size_t>(dst)];
  for (std::size_t h = 0; h < route.ports.size(); ++h) {
    const int port = route.ports[h];
    if (h > 0) add_node(out, node, port, 1.0, latency_s);
    const int link = topo.nodes[static_cast<std::size_t>(node)].ports[static_cast<std::size_t>(port)];
    add_link(out, node, link, 1.0, latency_s);
    node = topo.other_end(link, node);
  }
  if (node != last) throw core::SimulationError("flow route does not end at its destination");
  out.weights.clear();  // every weight is 1
  out.latency = core::to_ticks(latency_s);
}

void FlowNetwork::make_split_path(int src, int dst, Path& out) {
  out.clear(m_platform.route_generation());
  if (!m_platform.router().split(src, dst, m_split))
    throw core::SimulationError("no route from rank " + std::to_string(src) + " to rank " +
                                std::to_string(dst));
  // The expected latency: every hop's latency weighted by the share of bytes that take it (all shortest paths
  // of a fat tree have the same latency, so it is that latency).
  const Topology& topo = m_platform.topology();
  const int first = topo.endpoint_node[static_cast<std::size_t>(src)];
  double latency_s = 0.0;
  for (const auto& hop : m_split) {
    if (hop.node != first) add_node(out, hop.node, hop.port, hop.fraction, latency_s);
    const int link = topo.nodes[static_cast<std::size_t>(hop.node)].ports[static_cast<std::size_t>(hop.port)];
    add_link(out, hop.node, link, hop.fraction, latency_s);
  }
  out.latency = core::to_ticks(latency_s);
}

const FlowNetwork::Path* FlowNetwork::path_for(int src, int dst, std::uint64_t hash, Flow& f) {
  const auto route = [&] {
    if (!m_platform.route(src, dst, hash, m_route))
      throw core::SimulationError("no route from rank " + std::to_string(src) + " to rank " +
                                  std::to_string(dst));
  };
  // A route that depends on nothing but the circuits, and a sprayed flow's split over all of them, are worked
  // out once per pair; a route chosen by a hash (ECMP) gets a path of its own. The bound keeps all-pairs
  // traffic on the largest fabrics from holding every pair's path.
  constexpr std::size_t kMaxCachedPaths = 1u << 22;
  const auto recent = static_cast<std::size_t>(src) * kRecentWays;
  for (std::size_t w = 0; w < kRecentWays; ++w) {
    const Recent& r = m_recent[recent + w];
    if (r.dst == dst && r.path->generation == m_platform.route_generation()) return r.path;
  }
  const auto remember = [&](const Path* p) {
    auto& next = m_recent_next[static_cast<std::size_t>(src)];
    m_recent[recent + next] = Recent{dst, p};
    next = static_cast<std::uint8_t>((next + 1) % kRecentWays);
    return p;
  };
  const bool spray = m_platform.sprays(src, dst);
  if (spray || m_platform.fixed_route(src, dst)) {
    const std::uint64_t key =
        static_cast<std::uint64_t>(src) * static_cast<std::uint64_t>(m_platform.endpoints()) +
        static_cast<std::uint64_t>(dst);
    auto it = m_paths.find(key);
    if (it != m_paths.end() && it->second->generation == m_platform.route_generation())
      return remember(it->second.get());
    if (it != m_paths.end() || m_paths.size() < kMaxCachedPaths) {
      auto path = std::make_unique<Path>();
      if (spray) {
        make_split_path(src, dst, *path);
      } else {
        route();
        make_path(src, dst, m_route, *path);
      }
      path->shrink();  // a sprayed path lists dozens of links
      path->id = m_path_ids++;
      if (it == m_paths.end()) {
        it = m_paths.emplace(key, std::move(path)).first;
      } else {
        m_retired.push_back(std::move(it->second));  // flows on the old circuits may still point at it
        it->second = std::move(path);
      }
      return remember(it->second.get());
    }
  }
  if (spray) {
    make_split_path(src, dst, f.own);
  } else {
    route();
    make_path(src, dst, m_route, f.own);
  }
  return nullptr;
}

void FlowNetwork::mark_dirty(int resource, bool urgent) {
  m_urgent = m_urgent || urgent;
  const auto r = static_cast<std::size_t>(resource);
  if (m_is_dirty[r]) return;
  m_is_dirty[r] = 1;
  m_dirty.push_back(resource);
}

void FlowNetwork::arm(core::Tick at) {
  if (at >= m_armed_for) return;
  m_armed_for = at;
  m_wakeups.push(at, 0);
}

void FlowNetwork::wake() {
  const core::Tick now = core::now_ticks();
  if (now < m_armed_for) return;  // a wake-up that an earlier one superseded
  m_armed_for = ~core::Tick{0};
  // Completions free bandwidth, arrivals start the receivers' next transfers, and re-solving may finish
  // flows at once (a rate so high that the bytes left drain within the tick): repeat until nothing is due
  // now.
  const auto due = [now](const FlowQueue& q) { return !q.empty() && q.earliest() <= now; };
  for (;;) {
    bool any = false;
    while (due(m_finishes)) {
      const auto [slot, version] = m_finishes.pop();
      if (m_flows[static_cast<std::size_t>(slot)].version != version) continue;  // superseded
      complete(slot, now);
      any = true;
    }
    while (due(m_arrivals)) {
      prefetch_arrivals();
      deliver(m_arrivals.pop().first, now);  // a slot waits for one arrival: no version to check
      any = true;
    }
    if (!m_dirty.empty()) {
      if (m_urgent || now >= m_solve_by) {
        m_urgent = false;
        m_solve_by = ~core::Tick{0};
        resolve(now);
        any = true;
      } else {
        arm(m_solve_by);  // batched completions (set_batch): solved together by then
      }
    }
    if (!any || !(due(m_finishes) || due(m_arrivals))) break;
  }
  // A stale entry may wake the network for nothing; it is skipped then.
  if (!m_finishes.empty()) arm(m_finishes.earliest());
  if (!m_arrivals.empty()) arm(m_arrivals.earliest());
}

void FlowNetwork::complete(int slot, core::Tick now) {
  Flow& f = m_flows[static_cast<std::size_t>(slot)];
  const Path& path = f.path();
  // A flow moved off a failed route has charged the bytes it sent before to that route (reroute()).
  charge(f, path, static_cast<double>(f.bytes) - f.charged);
  if (m_observer != nullptr)
    m_observer->flow(path.resources, path.weights, path.id, f.src, f.dst,
                     f.bytes - static_cast<std::uint64_t>(f.charged), static_cast<std::uint8_t>(f.cls), f.tag,
                     f.moved ? f.resumed : f.started, now);
  // Finished: no finish queued for this flow counts any more. The slot is kept until the last byte arrives,
  // one path latency (and the store-and-forward lag) from now.
  ++f.version;
  m_arrivals.push(core::later(now, delivery_delay(path, f.bytes)), {slot, f.version});
  const bool batched = m_batch > 0.0;
  leave(slot, now, !batched);
  if (!batched) return;
  // Batched: the flows left keep their rates (still feasible: this one's bandwidth goes unused) until the
  // solve, at most the tolerance times the age of the youngest flow that may gain from it. The latest start
  // on a link direction this one leaves bounds that age (a flow that has left since only makes it tighter).
  core::Tick since = f.started;
  for (int r : path.resources)
    since = std::max(since, m_joined[static_cast<std::size_t>(r)]);
  const auto lag = static_cast<core::Tick>(m_batch * static_cast<double>(now - since));
  m_solve_by = std::min(m_solve_by, core::later(now, lag));
}

void FlowNetwork::resolve(core::Tick now) {
  // Max-min rates decompose over the connected components of the flow-resource graph: only the components
  // that hold a changed resource can change. Gather them (a flow joins through any resource it crosses).
  m_component.clear();
  m_stack.clear();
  for (int r : m_dirty) {
    m_is_dirty[static_cast<std::size_t>(r)] = 0;
    if (m_res_seen[static_cast<std::size_t>(r)]) continue;
    if (alone(r)) continue;
    m_res_seen[static_cast<std::size_t>(r)] = 1;
    m_stack.push_back(r);
    while (!m_stack.empty()) {
      const int res = m_stack.back();
      m_stack.pop_back();
      for (int slot : m_on[static_cast<std::size_t>(res)]) {
        Flow& f = m_flows[static_cast<std::size_t>(slot)];
        if (f.seen) continue;
        f.seen = true;
        m_component.push_back(slot);
        for (int r2 : f.resources()) {
          if (m_res_seen[static_cast<std::size_t>(r2)]) continue;
          m_res_seen[static_cast<std::size_t>(r2)] = 1;
          m_stack.push_back(r2);
        }
      }
    }
  }
  // Clear the marks: every resource seen belongs to a gathered flow, or is a dirty one that lost its flows.
  for (int r : m_dirty)
    m_res_seen[static_cast<std::size_t>(r)] = 0;
  m_dirty.clear();
  for (int slot : m_alone)
    m_flows[static_cast<std::size_t>(slot)].seen = false;
  m_alone.clear();
  for (int slot : m_component) {
    Flow& f = m_flows[static_cast<std::size_t>(slot)];
    f.seen = false;
    for (int r : f.resources())
      m_res_seen[static_cast<std::size_t>(r)] = 0;
  }
  if (m_component.empty()) return;
  // Solve in slot order, so that the result does not depend on the order the search met the flows.
  std::sort(m_component.begin(), m_component.end());
  m_uses.clear();
  m_usage.clear();
  m_classes.clear();
  bool weighted = false;
  for (int slot : m_component) {
    const Path& path = m_flows[static_cast<std::size_t>(slot)].path();
    m_uses.push_back(path.resources);
    m_usage.push_back(path.weights);
    weighted = weighted || !path.weights.empty();
    m_classes.push_back(m_flows[static_cast<std::size_t>(slot)].cls);
  }
  m_solver.solve(m_uses, m_classes, m_capacity, m_priorities, m_rates, weighted ? &m_usage : nullptr,
                 m_weighted ? &m_weights : nullptr);
  for (std::size_t i = 0; i < m_component.size(); ++i)
    set_rate(m_flows[static_cast<std::size_t>(m_component[i])], m_component[i], m_rates[i], now);
}

bool FlowNetwork::alone(int resource) {
  // The common case of rings and tori: a flow that shares none of its links is a component of its own, and
  // its max-min rate is the smallest capacity on its path, whatever its class.
  const auto& on = m_on[static_cast<std::size_t>(resource)];
  if (on.size() != 1) return false;
  const int slot = on.front();
  Flow& f = m_flows[static_cast<std::size_t>(slot)];
  // Found alone at this solve through another of its link directions: its rate is set. (A sprayed flow
  // crosses hundreds of them, each marked when a flow left it: checking the path once per mark was
  // quadratic in the path's length.)
  if (f.seen) return true;
  const Path& path = f.path();
  for (int r : path.resources)
    if (m_on[static_cast<std::size_t>(r)].size() != 1) return false;
  set_rate(f, slot, alone_rate(path), core::now_ticks());
  f.seen = true;
  m_alone.push_back(slot);
  return true;
}

double FlowNetwork::alone_rate(const Path& path) const {
  double rate = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < path.resources.size(); ++i)
    rate = std::min(rate, m_capacity[static_cast<std::size_t>(path.resources[i])] /
                              (path.weights.empty() ? 1.0 : path.weights[i]));
  return rate;
}

void FlowNetwork::set_rate(Flow& f, int slot, double rate, core::Tick now) {
  if (f.rate == rate && f.t0 != now) return;  // unchanged: its finish stands (a new flow has t0 == now)
  f.rem0 -= f.rate * (static_cast<double>(now - f.t0) / m_ticks_per_second);
  f.t0 = now;
  f.rate = rate;
  schedule_finish(f, slot, now);
}

void FlowNetwork::schedule_finish(Flow& f, int slot, core::Tick now) {
  ++f.version;
  const double tolerance = 1e-9 * static_cast<double>(f.bytes) + 1e-3;
  if (f.rem0 <= tolerance) {
    f.finish = now;
  } else if (f.rate <= 0.0) {
    return;  // starved by higher classes: no finish until its rate changes
  } else {
    const double ticks = f.rem0 / f.rate * m_ticks_per_second;
    // A rate so small that the flow would end past the kernel's count is what is left of a link's capacity
    // after higher classes took it, up to rounding: starved as well, until its rate changes. (Inputs whose
    // flows cannot end in time are refused before the run, engine/validate.cpp.)
    if (!(ticks < core::kTickLimit - static_cast<double>(now))) return;
    f.finish = core::later(now, core::ceil_ticks(ticks));
  }
  m_finishes.push(f.finish, {slot, f.version});
}

void FlowNetwork::flush(core::Tick end) {
  // Degradations that last to the end count their bytes to here (their resent bytes join the links').
  for (std::size_t k = 0; k < m_faults.size(); ++k)
    if (m_fault_state[k].active) fault_close(k, end);
  const auto& links = m_platform.links();
  if (m_sleeps) {
    for (std::size_t l = 0; l < links.size(); ++l) {
      if (!m_sleep[l].enabled()) continue;
      const core::Tick since = std::max(m_idle_since[l], m_awake_at[l]);
      if (m_on[2 * l].empty() && m_on[2 * l + 1].empty() && end > since)
        m_slept[l] += m_sleep[l].slept(end - since);
      links[l].link->add_sleep(m_slept[l], m_wakes[l]);
      m_slept[l] = 0;
      m_wakes[l] = 0;
    }
  }
  for (std::size_t r = 0; r < m_carried.size(); ++r) {
    if (m_carried[r] <= 0.0) continue;
    links[r / 2].link->carry(static_cast<int>(r % 2), m_carried[r], nullptr);
    m_carried[r] = 0.0;
  }
  for (std::size_t i = 0; i < m_switches.size(); ++i) {
    if (m_switch_carried[i] <= 0.0) continue;
    m_switches[i]->carry(m_switch_carried[i], nullptr);
    m_switch_carried[i] = 0.0;
  }
  for (std::size_t i = 0; i < m_nics.size(); ++i) {
    if (m_nic_carried[i] <= 0.0) continue;
    m_nics[i].first->carry(m_nics[i].second, m_nic_carried[i], nullptr);
    m_nic_carried[i] = 0.0;
  }
}

void FlowNetwork::prefetch_arrivals() {
  // A phase's transfers arrive at thousands of endpoints at one instant, each touching a flow, the
  // receiver's table of receives and the sender's completion, scattered in memory: fetch the flow 12
  // arrivals ahead, what it names 8 ahead (the receiver's table, the sender's completion), and the
  // receiver's entry 4 ahead, so that the misses overlap instead of coming one after another.
  const auto flow_at = [this](std::size_t k) -> const Flow* {
    const auto* item = m_arrivals.peek(k);
    return item != nullptr ? &m_flows[static_cast<std::size_t>(item->first)] : nullptr;
  };
  if (const Flow* f = flow_at(12)) __builtin_prefetch(f);
  if (const Flow* f = flow_at(8)) {
    m_platform.endpoint(f->dst).prefetch_table();
    __builtin_prefetch(f->done);
  }
  if (const Flow* f = flow_at(4)) m_platform.endpoint(f->dst).prefetch_receive(f->src, f->tag);
}

void FlowNetwork::deliver(int slot, core::Tick now) {
  const Flow& f = m_flows[static_cast<std::size_t>(slot)];
  const int src = f.src, dst = f.dst;
  const std::uint64_t tag = f.tag, bytes = f.bytes;
  const core::Tick started = f.started;
  const auto cls = static_cast<std::uint8_t>(f.cls);
  accelerator::ITrafficObserver* observer = f.observer;
  accelerator::Completion* done = f.done;
  // Free the slot first: what the delivery sets off (the receiver's next sends) may start flows.
  m_free.push_back(slot);
  m_platform.endpoint(dst).receive(src, tag, bytes);
  if (observer != nullptr) observer->delivered(src, dst, cls, bytes, now - started);
  done->one_done();
}

}  // namespace pjbit::engine::flow
