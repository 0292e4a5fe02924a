#include "platforms/flow_network.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "core/errors.h"
#include "platforms/builder.h"

namespace pjbit::platforms {

namespace {
constexpr int kClasses = 5;
}

FlowNetwork::FlowNetwork(Platform& platform, bool priorities, const core::ClassArbitration& arbitration)
    : m_platform(platform),
      m_priorities(priorities),
      m_weighted(priorities && arbitration.rule == core::ClassRule::Weighted),
      m_weights(arbitration.weights),
      m_wakeups("flow_wakeups", [this](const int&) { wake(); }),
      m_deliveries("flow_deliveries", [this](const Delivery& d) { deliver(d); }) {
  const auto& links = platform.links();
  m_capacity.resize(2 * links.size());
  for (std::size_t i = 0; i < links.size(); ++i) {
    const auto& p = links[i].link->params();
    m_capacity[2 * i] = m_capacity[2 * i + 1] = p.bandwidth_Bps * (1.0 - p.overhead);
  }
  m_on.resize(m_capacity.size());
  m_carried.assign(m_capacity.size(), 0.0);
  m_is_dirty.assign(m_capacity.size(), 0);
  m_res_seen.assign(m_capacity.size(), 0);
}

void FlowNetwork::start(accelerator::Accelerator& from, int dst, std::uint64_t bytes, std::uint8_t cls,
                        std::uint64_t tag, std::uint64_t hash, core::StepTally* tally,
                        core::MessageSink* sink) {
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
  f.sink = sink;
  f.cached = path_for(f.src, dst, hash, f);
  f.position.clear();
  for (int r : f.resources()) {
    auto& on = m_on[static_cast<std::size_t>(r)];
    f.position.push_back(static_cast<int>(on.size()));
    on.push_back(slot);
    mark_dirty(r);
  }
  const core::Tick now = core::now_ticks();
  f.rem0 = static_cast<double>(bytes);
  f.t0 = now;
  f.rate = 0.0;
  f.seen = false;
  ++f.version;
  ++m_started;
  // Rates are re-solved once for all flows that start at this instant.
  if (f.resources().empty()) {
    f.finish = now;
    m_finishes.push_back(Finish{now, m_finish_seq++, slot, f.version});
    std::push_heap(m_finishes.begin(), m_finishes.end(),
                   [](const Finish& a, const Finish& b) { return a.after(b); });
  }
  arm(now);
}

void FlowNetwork::make_path(int src, int dst, const core::Route& route, Path& out) {
  out.resources.clear();
  out.switches.clear();
  out.nics.clear();
  out.joules_per_byte = 0.0;
  out.wire_per_byte = 0.0;
  out.generation = m_platform.route_generation();
  // Walk the route as the packets would: every port names a link; switches, NICs and forwarding ranks
  // add their latency (and switches and NICs their energy). The energy per byte adds up what carry()
  // charges at each of them (link.md, switch.md, nic.md).
  const Topology& topo = m_platform.topology();
  double latency_s = 0.0;
  int node = topo.endpoint_node[static_cast<std::size_t>(src)];
  const int last = topo.endpoint_node[static_cast<std::size_t>(dst)];
  for (std::size_t h = 0; h < route.ports.size(); ++h) {
    const TopoNode& n = topo.nodes[static_cast<std::size_t>(node)];
    const int port = route.ports[h];
    if (h > 0) {
      if (n.kind == NodeKind::Switch) {
        auto* sw = static_cast<fabric_switch::Switch*>(m_platform.node_module(node));
        const auto [it, added] = m_switch_index.try_emplace(sw, static_cast<int>(m_switches.size()));
        if (added) {
          m_switches.push_back(sw);
          m_switch_carried.push_back(0.0);
        }
        out.switches.push_back(it->second);
        out.joules_per_byte += 8.0 * sw->params().energy_pj_per_bit * 1e-12;
        latency_s += n.sw.latency_s;
      } else if (n.kind == NodeKind::Nic) {
        auto* nic = static_cast<nic::Nic*>(m_platform.node_module(node));
        const auto key = std::make_pair(nic, port);
        auto found = std::find(m_nics.begin(), m_nics.end(), key);
        if (found == m_nics.end()) {
          m_nics.push_back(key);
          m_nic_carried.push_back(0.0);
          found = m_nics.end() - 1;
        }
        out.nics.push_back(static_cast<int>(found - m_nics.begin()));
        out.joules_per_byte += 8.0 * nic->params().energy_pj_per_bit * 1e-12;
        latency_s += n.nic.latency_s;
      } else if (n.kind == NodeKind::Rank) {
        latency_s += m_platform.spec().accelerator.router_latency_s;
      }  // an OCS is passive: no latency or energy of its own on the data path
    }
    const int link = n.ports[static_cast<std::size_t>(port)];
    const TopoLink& l = topo.links[static_cast<std::size_t>(link)];
    const int dir = l.a == node ? 0 : 1;
    const auto& p = m_platform.links()[static_cast<std::size_t>(link)].link->params();
    latency_s += p.latency_s;
    const double wire = 1.0 / (1.0 - p.overhead);
    for (const auto& e : p.stack)
      out.joules_per_byte += 8.0 * wire * e.energy_pj_per_bit * 1e-12;
    if (p.fabric) out.wire_per_byte += wire;
    out.resources.push_back(2 * link + dir);
    node = topo.other_end(link, node);
  }
  if (node != last) throw core::SimulationError("flow route does not end at its destination");
  out.latency = core::to_ticks(latency_s);
}

const FlowNetwork::Path* FlowNetwork::path_for(int src, int dst, std::uint64_t hash, Flow& f) {
  const auto route = [&] {
    if (!m_platform.route(src, dst, hash, m_route))
      throw core::SimulationError("no route from rank " + std::to_string(src) + " to rank " +
                                  std::to_string(dst));
  };
  // A route that depends on nothing but the circuits is worked out once per pair; one chosen by a hash
  // (ECMP, spraying) gets a path of its own.
  constexpr std::size_t kMaxCachedPaths = 1u << 18;
  if (m_platform.fixed_route(src, dst)) {
    const std::uint64_t key =
        static_cast<std::uint64_t>(src) * static_cast<std::uint64_t>(m_platform.endpoints()) +
        static_cast<std::uint64_t>(dst);
    auto it = m_paths.find(key);
    if (it != m_paths.end() && it->second->generation == m_platform.route_generation())
      return it->second.get();
    if (it != m_paths.end() || m_paths.size() < kMaxCachedPaths) {
      route();
      auto path = std::make_unique<Path>();
      make_path(src, dst, m_route, *path);
      if (it == m_paths.end()) {
        it = m_paths.emplace(key, std::move(path)).first;
      } else {
        m_retired.push_back(std::move(it->second));  // flows on the old circuits may still point at it
        it->second = std::move(path);
      }
      return it->second.get();
    }
  }
  route();
  make_path(src, dst, m_route, f.own);
  return nullptr;
}

void FlowNetwork::mark_dirty(int resource) {
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
  const auto later = [](const Finish& a, const Finish& b) { return a.after(b); };
  // Completions free bandwidth, re-solving may finish flows at once (a rate so high that the bytes left
  // drain within the tick): repeat until nothing is due now.
  for (;;) {
    bool any = false;
    while (!m_finishes.empty() && m_finishes.front().at <= now) {
      const Finish e = m_finishes.front();
      std::pop_heap(m_finishes.begin(), m_finishes.end(), later);
      m_finishes.pop_back();
      if (m_flows[static_cast<std::size_t>(e.slot)].version != e.version) continue;  // superseded
      complete(e.slot, now);
      any = true;
    }
    if (!m_dirty.empty()) {
      resolve(now);
      any = true;
    }
    if (!any || m_finishes.empty() || m_finishes.front().at > now) break;
  }
  // Skip stale entries so that the next wake-up is for a real finish.
  while (!m_finishes.empty() &&
         m_flows[static_cast<std::size_t>(m_finishes.front().slot)].version != m_finishes.front().version) {
    std::pop_heap(m_finishes.begin(), m_finishes.end(), later);
    m_finishes.pop_back();
  }
  if (!m_finishes.empty()) arm(m_finishes.front().at);
}

void FlowNetwork::complete(int slot, core::Tick now) {
  Flow& f = m_flows[static_cast<std::size_t>(slot)];
  const double bytes = static_cast<double>(f.bytes);
  const Path& path = f.path();
  for (int r : path.resources)
    m_carried[static_cast<std::size_t>(r)] += bytes;
  for (int i : path.switches)
    m_switch_carried[static_cast<std::size_t>(i)] += bytes;
  for (int i : path.nics)
    m_nic_carried[static_cast<std::size_t>(i)] += bytes;
  if (f.tally != nullptr) {
    f.tally->energy_j += bytes * path.joules_per_byte;
    f.tally->wire_bytes += bytes * path.wire_per_byte;
  }
  queue_delivery(now, path.latency, Delivery{f.src, f.dst, f.tag, f.bytes, f.sink});
  // Leave every resource's list (the last flow of the list takes this one's place) and mark it: the flows
  // still there may now get more.
  for (std::size_t i = 0; i < path.resources.size(); ++i) {
    const int r = path.resources[i];
    auto& on = m_on[static_cast<std::size_t>(r)];
    const int pos = f.position[i];
    const int moved = on.back();
    on[static_cast<std::size_t>(pos)] = moved;
    on.pop_back();
    if (moved != slot) {
      Flow& g = m_flows[static_cast<std::size_t>(moved)];
      const auto& res = g.resources();
      for (std::size_t j = 0; j < res.size(); ++j) {
        if (res[j] == r) {
          g.position[j] = pos;
          break;
        }
      }
    }
    if (!on.empty()) mark_dirty(r);
  }
  ++f.version;
  m_free.push_back(slot);
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
  for (int slot : m_component) {
    Flow& f = m_flows[static_cast<std::size_t>(slot)];
    f.seen = false;
    for (int r : f.resources())
      m_res_seen[static_cast<std::size_t>(r)] = 0;
  }
  if (m_component.empty()) return;
  // Solve in slot order, so that the result does not depend on the order the search met the flows.
  std::sort(m_component.begin(), m_component.end());
  ++m_reallocations;
  m_flows_resolved += m_component.size();
  m_uses.clear();
  m_classes.clear();
  for (int slot : m_component) {
    m_uses.push_back(&m_flows[static_cast<std::size_t>(slot)].resources());
    m_classes.push_back(m_flows[static_cast<std::size_t>(slot)].cls);
  }
  m_solver.solve(m_uses, m_classes, m_capacity, m_priorities, m_rates, m_weighted ? &m_weights : nullptr);
  for (std::size_t i = 0; i < m_component.size(); ++i) {
    const int slot = m_component[i];
    Flow& f = m_flows[static_cast<std::size_t>(slot)];
    if (f.rate == m_rates[i] && f.t0 != now) continue;  // unchanged: its finish stands
    f.rem0 -= f.rate * core::to_seconds(now - f.t0);
    f.t0 = now;
    f.rate = m_rates[i];
    schedule_finish(f, slot, now);
  }
}

bool FlowNetwork::alone(int resource) {
  // The common case of rings and tori: a flow that shares none of its links is a component of its own, and
  // its max-min rate is the smallest capacity on its path, whatever its class.
  const auto& on = m_on[static_cast<std::size_t>(resource)];
  if (on.size() != 1) return false;
  const int slot = on.front();
  Flow& f = m_flows[static_cast<std::size_t>(slot)];
  double rate = std::numeric_limits<double>::infinity();
  for (int r : f.resources()) {
    if (m_on[static_cast<std::size_t>(r)].size() != 1) return false;
    rate = std::min(rate, m_capacity[static_cast<std::size_t>(r)]);
  }
  const core::Tick now = core::now_ticks();
  ++m_reallocations;
  ++m_flows_resolved;
  if (f.rate == rate && f.t0 != now) return true;
  f.rem0 -= f.rate * core::to_seconds(now - f.t0);
  f.t0 = now;
  f.rate = rate;
  schedule_finish(f, slot, now);
  return true;
}

void FlowNetwork::schedule_finish(Flow& f, int slot, core::Tick now) {
  ++f.version;
  const double tolerance = 1e-9 * static_cast<double>(f.bytes) + 1e-3;
  if (f.rem0 <= tolerance) {
    f.finish = now;
  } else if (f.rate <= 0.0) {
    return;  // starved by higher classes: no finish until its rate changes
  } else {
    f.finish = now + static_cast<core::Tick>(std::ceil(f.rem0 / f.rate * core::ticks_per_second()));
  }
  m_finishes.push_back(Finish{f.finish, m_finish_seq++, slot, f.version});
  std::push_heap(m_finishes.begin(), m_finishes.end(),
                 [](const Finish& a, const Finish& b) { return a.after(b); });
}

std::vector<double> FlowNetwork::max_min_rates(const std::vector<std::vector<int>>& uses,
                                               const std::vector<int>& classes,
                                               const std::vector<double>& capacity, bool priorities) {
  std::vector<const std::vector<int>*> pointers;
  for (const auto& u : uses)
    pointers.push_back(&u);
  Solver solver;
  std::vector<double> rate;
  solver.solve(pointers, classes, capacity, priorities, rate);
  return rate;
}

std::vector<double> FlowNetwork::weighted_max_min_rates(const std::vector<std::vector<int>>& uses,
                                                        const std::vector<int>& classes,
                                                        const std::vector<double>& capacity,
                                                        const std::array<int, 5>& weights) {
  std::vector<const std::vector<int>*> pointers;
  for (const auto& u : uses)
    pointers.push_back(&u);
  Solver solver;
  std::vector<double> rate;
  solver.solve(pointers, classes, capacity, true, rate, &weights);
  return rate;
}

void FlowNetwork::Solver::prepare(std::size_t resources) {
  if (count.size() == resources) return;
  residual.assign(resources, 0.0);
  count.assign(resources, 0);
  weight.assign(resources, 0.0);
  stamp.assign(resources, 0);
  flows_of.assign(resources, {});
  mark.assign(resources, 0);
  heap_pos.assign(resources, -1);
  key.assign(resources, 0.0);
  epoch = 0;
}

bool FlowNetwork::Solver::less(int a, int b) const {
  const double ka = key[static_cast<std::size_t>(a)], kb = key[static_cast<std::size_t>(b)];
  return ka < kb || (ka == kb && a < b);
}

void FlowNetwork::Solver::sift_up(std::size_t i) {
  const int r = heap[i];
  while (i > 0) {
    const std::size_t parent = (i - 1) / 2;
    if (!less(r, heap[parent])) break;
    heap[i] = heap[parent];
    heap_pos[static_cast<std::size_t>(heap[i])] = static_cast<int>(i);
    i = parent;
  }
  heap[i] = r;
  heap_pos[static_cast<std::size_t>(r)] = static_cast<int>(i);
}

void FlowNetwork::Solver::sift_down(std::size_t i) {
  const int r = heap[i];
  const std::size_t n = heap.size();
  for (;;) {
    std::size_t best = 2 * i + 1;
    if (best >= n) break;
    if (best + 1 < n && less(heap[best + 1], heap[best])) ++best;
    if (!less(heap[best], r)) break;
    heap[i] = heap[best];
    heap_pos[static_cast<std::size_t>(heap[i])] = static_cast<int>(i);
    i = best;
  }
  heap[i] = r;
  heap_pos[static_cast<std::size_t>(r)] = static_cast<int>(i);
}

void FlowNetwork::Solver::heap_update(int r) {
  const auto ru = static_cast<std::size_t>(r);
  key[ru] = std::max(0.0, residual[ru]) / weight[ru];
  const int pos = heap_pos[ru];
  if (pos < 0) {
    heap.push_back(r);
    sift_up(heap.size() - 1);
    return;
  }
  sift_up(static_cast<std::size_t>(pos));
  sift_down(static_cast<std::size_t>(heap_pos[ru]));
}

void FlowNetwork::Solver::heap_remove(int r) {
  const auto ru = static_cast<std::size_t>(r);
  const int pos = heap_pos[ru];
  if (pos < 0) return;
  heap_pos[ru] = -1;
  const int last = heap.back();
  heap.pop_back();
  if (last == r) return;
  heap[static_cast<std::size_t>(pos)] = last;
  heap_pos[static_cast<std::size_t>(last)] = pos;
  sift_up(static_cast<std::size_t>(pos));
  sift_down(static_cast<std::size_t>(heap_pos[static_cast<std::size_t>(last)]));
}

int FlowNetwork::Solver::heap_pop() {
  const int r = heap.front();
  heap_remove(r);
  return r;
}

void FlowNetwork::Solver::solve(const std::vector<const std::vector<int>*>& uses,
                                const std::vector<int>& classes, const std::vector<double>& capacity,
                                bool priorities, std::vector<double>& rate,
                                const std::array<int, 5>* weights) {
  // The bottleneck algorithm, equivalent to progressive filling: the resource whose fair share
  // (residual / summed weights of its unfrozen flows) is smallest saturates first; its flows are frozen at
  // their weight times that share, which is taken from every other resource they cross, and the shares of
  // those resources are updated in an indexed heap (each resource once). Without weights every flow weighs
  // 1. With priorities, classes are served one after another on what the higher ones left; with weights,
  // all classes are filled together.
  const auto weight_of = [&](std::size_t i) {
    if (weights == nullptr) return 1.0;
    const int c = std::clamp(classes[i], 0, kClasses - 1);
    return static_cast<double>(std::max(1, (*weights)[static_cast<std::size_t>(c)]));
  };
  if (weights != nullptr) priorities = false;
  prepare(capacity.size());
  if (++epoch == 0) {
    std::fill(stamp.begin(), stamp.end(), 0u);
    epoch = 1;
  }
  const std::size_t n = uses.size();
  rate.assign(n, 0.0);
  frozen.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    for (int r : *uses[i]) {
      const auto ru = static_cast<std::size_t>(r);
      if (stamp[ru] == epoch) continue;
      stamp[ru] = epoch;
      residual[ru] = capacity[ru];
    }
  }
  const int passes = priorities ? kClasses : 1;
  for (int c = 0; c < passes; ++c) {
    touched.clear();
    for (std::size_t i = 0; i < n; ++i) {
      if (priorities && classes[i] != c) continue;
      if (uses[i]->empty()) {
        frozen[i] = 1;
        continue;
      }
      const double w = weight_of(i);
      for (int r : *uses[i]) {
        const auto ru = static_cast<std::size_t>(r);
        if (count[ru]++ == 0) {
          touched.push_back(r);
          weight[ru] = 0.0;
        }
        weight[ru] += w;
        flows_of[ru].push_back(static_cast<int>(i));
      }
    }
    heap.clear();
    for (int r : touched)
      heap_update(r);
    while (!heap.empty()) {
      const int r = heap_pop();
      const auto ru = static_cast<std::size_t>(r);
      const double share = key[ru];
      changed.clear();
      for (int f : flows_of[ru]) {
        const auto fu = static_cast<std::size_t>(f);
        if (frozen[fu]) continue;
        frozen[fu] = 1;
        const double w = weight_of(fu);
        rate[fu] = w * share;
        for (int r2 : *uses[fu]) {
          const auto r2u = static_cast<std::size_t>(r2);
          residual[r2u] -= w * share;
          weight[r2u] -= w;
          --count[r2u];
          if (r2 != r && !mark[r2u]) {
            mark[r2u] = 1;
            changed.push_back(r2);
          }
        }
      }
      for (int r2 : changed) {
        const auto r2u = static_cast<std::size_t>(r2);
        mark[r2u] = 0;
        if (count[r2u] > 0) {
          heap_update(r2);
        } else {
          heap_remove(r2);
        }
      }
    }
    for (int r : touched) {
      flows_of[static_cast<std::size_t>(r)].clear();
      count[static_cast<std::size_t>(r)] = 0;
    }
  }
}

void FlowNetwork::flush() {
  const auto& links = m_platform.links();
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

void FlowNetwork::queue_delivery(core::Tick now, core::Tick latency, const Delivery& d) {
  constexpr std::size_t kMaxLanes = 64;
  for (auto& [l, lane] : m_lanes) {
    if (l == latency) {
      lane->push(now + latency, d);
      return;
    }
  }
  if (m_lanes.size() < kMaxLanes) {
    m_lanes.emplace_back(latency, std::make_unique<core::FifoQueue<Delivery>>(
                                      "flow_delivery_lane", [this](const Delivery& e) { deliver(e); }));
    m_lanes.back().second->push(now + latency, d);
    return;
  }
  m_deliveries.push(now + latency, d);
}

void FlowNetwork::deliver(const Delivery& d) {
  m_platform.endpoint(d.dst).receive(d.src, d.tag, d.bytes);
  if (d.sink) d.sink->delivered(d.bytes);
}

}  // namespace pjbit::platforms
