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

FlowNetwork::FlowNetwork(Platform& platform, bool priorities)
    : m_platform(platform),
      m_priorities(priorities),
      m_wakeups("flow_wakeups", [this](const int&) { wake(); }),
      m_deliveries("flow_deliveries", [this](const Delivery& d) { deliver(d); }) {
  const auto& links = platform.links();
  m_capacity.resize(2 * links.size());
  for (std::size_t i = 0; i < links.size(); ++i) {
    const auto& p = links[i].link->params();
    m_capacity[2 * i] = m_capacity[2 * i + 1] = p.bandwidth_Bps * (1.0 - p.overhead);
  }
}

void FlowNetwork::start(accelerator::Accelerator& from, int dst, std::uint64_t bytes, std::uint8_t cls,
                        std::uint64_t tag, const core::Route& route, core::StepTally* tally,
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
  f.resources.clear();
  f.hops.clear();
  f.switches.clear();
  f.nics.clear();
  f.bytes = bytes;
  f.remaining = static_cast<double>(bytes);
  f.rate = 0.0;
  f.cls = std::min<int>(cls, kClasses - 1);
  f.src = from.rank();
  f.dst = dst;
  f.tag = tag;
  f.tally = tally;
  f.sink = sink;
  // Walk the route as the packets would: every port names a link; switches, NICs and forwarding ranks
  // add their latency (and switches and NICs their energy).
  const Topology& topo = m_platform.topology();
  double latency_s = 0.0;
  int node = topo.endpoint_node[static_cast<std::size_t>(f.src)];
  const int last = topo.endpoint_node[static_cast<std::size_t>(dst)];
  for (std::size_t h = 0; h < route.ports.size(); ++h) {
    const TopoNode& n = topo.nodes[static_cast<std::size_t>(node)];
    const int port = route.ports[h];
    if (h > 0) {
      if (n.kind == NodeKind::Switch) {
        f.switches.push_back(static_cast<fabric_switch::Switch*>(m_platform.node_module(node)));
        latency_s += n.sw.latency_s;
      } else if (n.kind == NodeKind::Nic) {
        f.nics.emplace_back(static_cast<nic::Nic*>(m_platform.node_module(node)), port);
        latency_s += n.nic.latency_s;
      } else if (n.kind == NodeKind::Rank) {
        latency_s += m_platform.spec().accelerator.router_latency_s;
      }  // an OCS is passive: no latency or energy of its own on the data path
    }
    const int link = n.ports[static_cast<std::size_t>(port)];
    const TopoLink& l = topo.links[static_cast<std::size_t>(link)];
    const int dir = l.a == node ? 0 : 1;
    f.hops.push_back(Hop{m_platform.links()[static_cast<std::size_t>(link)].link, dir});
    f.resources.push_back(2 * link + dir);
    latency_s += f.hops.back().link->params().latency_s;
    node = topo.other_end(link, node);
  }
  if (node != last) throw core::SimulationError("flow route does not end at its destination");
  f.latency = core::to_ticks(latency_s);
  ++m_started;

  const core::Tick now = core::now_ticks();
  advance(now);
  m_active.push_back(slot);
  m_dirty = true;
  // Rates are recomputed once for all flows that start at this instant.
  m_wakeups.push(now, 0);
  m_armed_for = std::min(m_armed_for, now);
}

void FlowNetwork::advance(core::Tick now) {
  if (now <= m_last) return;
  const double dt = core::to_seconds(now - m_last);
  for (int slot : m_active) {
    Flow& f = m_flows[static_cast<std::size_t>(slot)];
    f.remaining -= f.rate * dt;
  }
  m_last = now;
}

void FlowNetwork::wake() {
  const core::Tick now = core::now_ticks();
  if (now < m_armed_for && !m_dirty) return;  // a wake-up that a later reallocation made stale
  advance(now);
  m_armed_for = ~core::Tick{0};
  // Flows whose bytes have all left: account for them and deliver after their path latency.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < m_active.size(); ++i) {
    const int slot = m_active[i];
    Flow& f = m_flows[static_cast<std::size_t>(slot)];
    const double tolerance = 1e-9 * static_cast<double>(f.bytes) + 1e-3;
    if (f.remaining > tolerance) {
      m_active[kept++] = slot;
      continue;
    }
    const double bytes = static_cast<double>(f.bytes);
    for (const Hop& h : f.hops)
      h.link->carry(h.dir, bytes, f.tally);
    for (auto* sw : f.switches)
      sw->carry(bytes, f.tally);
    for (auto& [n, port] : f.nics)
      n->carry(port, bytes, f.tally);
    m_deliveries.push(now + f.latency, Delivery{f.src, f.dst, f.tag, f.bytes, f.sink});
    m_free.push_back(slot);
    m_dirty = true;
  }
  m_active.resize(kept);
  if (m_dirty) reallocate();
  arm(now);
}

void FlowNetwork::arm(core::Tick now) {
  core::Tick next = ~core::Tick{0};
  const double tps = core::ticks_per_second();
  for (int slot : m_active) {
    const Flow& f = m_flows[static_cast<std::size_t>(slot)];
    if (f.rate <= 0.0) continue;
    const double t = std::max(0.0, f.remaining) / f.rate * tps;
    next = std::min(next, now + static_cast<core::Tick>(std::ceil(t)));
  }
  if (next == ~core::Tick{0}) return;
  m_armed_for = next;
  m_wakeups.push(next, 0);
}

void FlowNetwork::reallocate() {
  m_dirty = false;
  ++m_reallocations;
  m_uses.clear();
  m_classes.clear();
  for (int slot : m_active) {
    m_uses.push_back(&m_flows[static_cast<std::size_t>(slot)].resources);
    m_classes.push_back(m_flows[static_cast<std::size_t>(slot)].cls);
  }
  m_solver.solve(m_uses, m_classes, m_capacity, m_priorities, m_rates);
  for (std::size_t i = 0; i < m_active.size(); ++i)
    m_flows[static_cast<std::size_t>(m_active[i])].rate = m_rates[i];
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

void FlowNetwork::Solver::solve(const std::vector<const std::vector<int>*>& uses,
                                const std::vector<int>& classes, const std::vector<double>& capacity,
                                bool priorities, std::vector<double>& rate) {
  // The bottleneck algorithm, equivalent to progressive filling: the resource whose fair share
  // (residual / unfrozen flows) is smallest saturates first; its flows are frozen at that share, which is
  // taken from every other resource they cross, and the shares of those resources are updated. Shares
  // only grow as flows freeze, so a heap of (share, resource) with lazy deletion visits them in order:
  // O((F x path + R) log R) per solve. With priorities, classes are served one after another on what the
  // higher ones left.
  const std::size_t n = uses.size();
  rate.assign(n, 0.0);
  residual = capacity;
  if (count.size() != capacity.size()) {
    count.assign(capacity.size(), 0);
    flows_of.resize(capacity.size());
  }
  frozen.assign(n, 0);
  const auto later = std::greater<std::pair<double, int>>();
  const int passes = priorities ? kClasses : 1;
  for (int c = 0; c < passes; ++c) {
    touched.clear();
    for (std::size_t i = 0; i < n; ++i) {
      if (priorities && classes[i] != c) continue;
      if (uses[i]->empty()) {
        frozen[i] = 1;
        continue;
      }
      for (int r : *uses[i]) {
        const auto ru = static_cast<std::size_t>(r);
        if (count[ru]++ == 0) touched.push_back(r);
        flows_of[ru].push_back(static_cast<int>(i));
      }
    }
    heap.clear();
    for (int r : touched) {
      const auto ru = static_cast<std::size_t>(r);
      heap.emplace_back(std::max(0.0, residual[ru]) / count[ru], r);
    }
    std::make_heap(heap.begin(), heap.end(), later);
    while (!heap.empty()) {
      std::pop_heap(heap.begin(), heap.end(), later);
      const auto [share, r] = heap.back();
      heap.pop_back();
      const auto ru = static_cast<std::size_t>(r);
      if (count[ru] == 0) continue;
      if (std::max(0.0, residual[ru]) / count[ru] != share) continue;  // stale: a newer entry is queued
      for (int f : flows_of[ru]) {
        const auto fu = static_cast<std::size_t>(f);
        if (frozen[fu]) continue;
        frozen[fu] = 1;
        rate[fu] = share;
        for (int r2 : *uses[fu]) {
          const auto r2u = static_cast<std::size_t>(r2);
          residual[r2u] -= share;
          --count[r2u];
          if (r2 != r && count[r2u] > 0) {
            heap.emplace_back(std::max(0.0, residual[r2u]) / count[r2u], r2);
            std::push_heap(heap.begin(), heap.end(), later);
          }
        }
      }
    }
    for (int r : touched) {
      flows_of[static_cast<std::size_t>(r)].clear();
      count[static_cast<std::size_t>(r)] = 0;
    }
  }
}

void FlowNetwork::deliver(const Delivery& d) {
  m_platform.endpoint(d.dst).receive(d.src, d.tag, d.bytes);
  if (d.sink) d.sink->delivered(d.bytes);
}

}  // namespace pjbit::platforms
