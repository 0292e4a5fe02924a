// Faults in the flow engine (engine/faults.md): a link direction that is down has no capacity, so the flows
// crossing it stand still; once the fault is detected, routes avoid it and those flows move onto them with
// the bytes they have left. A degraded link runs at a fraction of its capacity: its lanes' share, or the
// share of units the FEC leaves whole (the rest are sent again, and cost their energy).
#include <algorithm>
#include <cmath>
#include <exception>
#include <string>
#include <systemc>

#include "core/errors.h"
#include "core/yaml_support.h"
#include "engine/flow/flow_network.h"

namespace pjbit::engine::flow {

namespace {
// Event codes: fault k begins, is detected, ends.
constexpr int kBegin = 0, kDetect = 1, kEnd = 2;

// The share of link `link`'s capacity a degradation leaves: its lanes', or the share of units (packets of
// `packet_bytes` payload, on the wire with the link's overhead) its FEC corrects at the fault's bit error
// rate.
double degradation(const platforms::ResolvedFault& fault, const platforms::Platform& platform, int link,
                   double packet_bytes) {
  if (fault.spec.kind != platforms::FaultSpec::Kind::Ber) return fault.spec.lanes;
  const auto l = static_cast<std::size_t>(link);
  const double unit = packet_bytes * platform.links()[l].link->params().wire_per_payload_byte();
  return 1.0 - platforms::unit_error_rate(fault.spec.ber, platform.topology().links[l].spec.fec, unit);
}
}  // namespace

void FlowNetwork::set_faults(std::vector<platforms::ResolvedFault> faults) {
  m_faults = std::move(faults);
  m_outcomes.assign(m_faults.size(), FaultOutcome{});
  m_fault_state.assign(m_faults.size(), FaultState{});
  if (m_faults.empty()) return;
  const std::size_t links = m_platform.links().size();
  m_base_capacity = m_capacity;
  m_down.assign(links, 0);
  m_known_down.assign(links, 0);
  m_factor.assign(links, 1.0);
  for (std::size_t k = 0; k < m_faults.size(); ++k) {
    const auto& f = m_faults[k].spec;
    const int code = static_cast<int>(3 * k);
    m_fault_events.push(core::to_ticks(f.at_s), code + kBegin);
    if (f.kind == platforms::FaultSpec::Kind::Down)
      m_fault_events.push(core::to_ticks(f.at_s + m_faults[k].detect_s), code + kDetect);
    if (!f.forever()) m_fault_events.push(core::to_ticks(f.at_s + f.for_s), code + kEnd);
  }
}

void FlowNetwork::fault_event(int code) {
  const core::Tick now = core::now_ticks();
  const auto k = static_cast<std::size_t>(code / 3);
  switch (code % 3) {
    case kBegin:
      fault_begin(k, now);
      break;
    case kDetect:
      fault_detect(k, now);
      break;
    default:
      fault_end(k, now);
      break;
  }
  arm(now);
}

void FlowNetwork::rebase_on(const std::vector<int>& links, core::Tick now) {
  for (int l : links)
    for (int r = 2 * l; r < 2 * l + 2; ++r)
      for (int slot : m_on[static_cast<std::size_t>(r)])
        rebase(m_flows[static_cast<std::size_t>(slot)], now);
}

void FlowNetwork::set_link_capacity(int link) {
  const auto l = static_cast<std::size_t>(link);
  for (std::size_t r = 2 * l; r < 2 * l + 2; ++r) {
    m_capacity[r] = m_down[l] > 0 ? 0.0 : m_base_capacity[r] * m_factor[l];
    if (!m_on[r].empty()) mark_dirty(static_cast<int>(r));
  }
}

double FlowNetwork::carried_so_far(int resource, core::Tick now) const {
  double bytes = m_carried[static_cast<std::size_t>(resource)];
  for (int slot : m_on[static_cast<std::size_t>(resource)]) {
    const Flow& f = m_flows[static_cast<std::size_t>(slot)];
    const Path& path = f.path();
    double share = 1.0;
    for (std::size_t i = 0; i < path.resources.size() && !path.weights.empty(); ++i)
      if (path.resources[i] == resource) share = path.weights[i];
    const double left = f.rem0 - f.rate * (static_cast<double>(now - f.t0) / m_ticks_per_second);
    bytes += share * (static_cast<double>(f.bytes) - f.charged - std::max(left, 0.0));
  }
  return bytes;
}

void FlowNetwork::fault_begin(std::size_t k, core::Tick now) {
  const platforms::ResolvedFault& fault = m_faults[k];
  FaultState& state = m_fault_state[k];
  state.active = true;
  state.begin = now;
  m_outcomes[k].began = true;
  // Every flow's bytes up to now are counted at the old rates before any capacity changes.
  rebase_on(fault.links, now);
  switch (fault.spec.kind) {
    case platforms::FaultSpec::Kind::Down:
      for (int l : fault.links) {
        ++m_down[static_cast<std::size_t>(l)];
        set_link_capacity(l);
      }
      break;
    case platforms::FaultSpec::Kind::Lanes:
    case platforms::FaultSpec::Kind::Ber: {
      state.carried0.clear();
      for (int l : fault.links) {
        for (int r = 2 * l; r < 2 * l + 2; ++r)
          state.carried0.push_back(carried_so_far(r, now));
        m_factor[static_cast<std::size_t>(l)] *= degradation(fault, m_platform, l, m_packet_bytes);
        set_link_capacity(l);
      }
      break;
    }
  }
}

void FlowNetwork::fault_close(std::size_t k, core::Tick now) {
  // A degradation's outcome from the bytes its links carried while it lasted: the time those bytes took
  // beyond what the whole link would have taken, and for a bit error rate the bytes sent again and their
  // energy (charged to the link, as the flows' own bytes are).
  const platforms::ResolvedFault& fault = m_faults[k];
  FaultState& state = m_fault_state[k];
  if (fault.spec.kind == platforms::FaultSpec::Kind::Down || state.carried0.empty()) return;
  std::size_t i = 0;
  for (int l : fault.links) {
    const auto& p = m_platform.links()[static_cast<std::size_t>(l)].link->params();
    const double factor = degradation(fault, m_platform, l, m_packet_bytes);
    for (int r = 2 * l; r < 2 * l + 2; ++r, ++i) {
      const double bytes = carried_so_far(r, now) - state.carried0[i];
      const double full = m_base_capacity[static_cast<std::size_t>(r)];
      if (bytes <= 0.0 || full <= 0.0) continue;
      if (fault.spec.kind == platforms::FaultSpec::Kind::Lanes) {
        m_outcomes[k].time_lost_s += bytes / (full * factor) - bytes / full;
      } else {
        const double resent = bytes * (1.0 - factor) / factor;
        m_outcomes[k].retransmitted_bytes += resent;
        m_outcomes[k].time_lost_s += resent / full;
        double joules_per_byte = 0.0;
        for (const auto& e : p.stack)
          joules_per_byte += p.joules_per_payload_byte(e);
        m_outcomes[k].energy_j += resent * joules_per_byte;
        m_carried[static_cast<std::size_t>(r)] += resent;  // the link charges their energy and bytes
      }
    }
  }
  state.carried0.clear();
}

void FlowNetwork::detach(int slot, core::Tick now) {
  Flow& f = m_flows[static_cast<std::size_t>(slot)];
  // What it sent so far went over the route it leaves: charged there, and shown there on the timeline.
  rebase(f, now);
  f.rate = 0.0;
  const double sent = static_cast<double>(f.bytes) - f.charged - std::max(f.rem0, 0.0);
  const Path& old = f.path();
  if (sent > 0.0) {
    charge(f, old, sent);
    if (m_observer != nullptr)
      m_observer->flow(old.resources, old.weights, old.id, f.src, f.dst, static_cast<std::uint64_t>(sent),
                       static_cast<std::uint8_t>(f.cls), f.tag, f.moved ? f.resumed : f.started, now);
    f.charged += sent;
  }
  leave(slot, now);
  ++f.version;  // its finish, if one was queued, no longer counts
  f.moved = true;
  f.resumed = now;
}

bool FlowNetwork::reroute(int slot, core::Tick now, double& rerouted, double& extra_energy) {
  Flow& f = m_flows[static_cast<std::size_t>(slot)];
  if (!m_platform.router().reachable(f.src, f.dst)) return false;
  const double old_joules = f.path().joules_per_byte;
  detach(slot, now);
  f.cached = path_for(f.src, f.dst, f.hash, f);
  const double left = std::max(f.rem0, 0.0);
  rerouted += left;
  extra_energy += left * (f.path().joules_per_byte - old_joules);
  join(slot, now);
  return true;
}

void FlowNetwork::join(int slot, core::Tick now) {
  Flow& f = m_flows[static_cast<std::size_t>(slot)];
  const auto& resources = f.resources();
  f.position.clear();
  for (int r : resources) {
    auto& on = m_on[static_cast<std::size_t>(r)];
    f.position.push_back(static_cast<int>(on.size()));
    on.push_back(slot);
    mark_dirty(r);
    if (m_batch > 0.0) m_joined[static_cast<std::size_t>(r)] = now;
  }
  f.rate = 0.0;
  f.t0 = now;
  if (resources.empty()) {
    ++f.version;
    f.finish = now;
    m_finishes.push(now, {slot, f.version});
  }
}

void FlowNetwork::fault_detect(std::size_t k, core::Tick now) {
  FaultState& state = m_fault_state[k];
  if (!state.active) return;  // it ended first: a flap too short to be detected
  const platforms::ResolvedFault& fault = m_faults[k];
  state.detected = true;
  state.detect = now;
  m_faulted = true;
  for (int l : fault.links)
    if (m_known_down[static_cast<std::size_t>(l)]++ == 0) m_platform.set_link_down(l, true);
  // The flows on the links down, in slot order (a deterministic result): each onto a route that avoids
  // them, or, with none left, waiting for a fault to end, or the run fails.
  std::vector<int> slots;
  for (int l : fault.links)
    for (int r = 2 * l; r < 2 * l + 2; ++r)
      for (int slot : m_on[static_cast<std::size_t>(r)])
        slots.push_back(slot);
  std::sort(slots.begin(), slots.end());
  slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
  if (!slots.empty()) {
    state.held = true;
    m_outcomes[k].time_lost_s += static_cast<double>(now - state.begin) / m_ticks_per_second;
  }
  std::vector<int> cut;
  for (int slot : slots) {
    if (reroute(slot, now, m_outcomes[k].rerouted_bytes, m_outcomes[k].energy_j)) continue;
    cut.push_back(slot);
  }
  if (cut.empty()) {
    state.held = false;
    return;
  }
  if (cuts_now()) cut_off(cut);
  for (int slot : cut) {
    detach(slot, now);
    m_parked.push_back(slot);
  }
}

void FlowNetwork::fault_end(std::size_t k, core::Tick now) {
  const platforms::ResolvedFault& fault = m_faults[k];
  FaultState& state = m_fault_state[k];
  state.active = false;
  m_outcomes[k].end_s = static_cast<double>(now) / m_ticks_per_second;
  fault_close(k, now);
  if (state.held) {
    // Traffic waited for this fault to end: that wait is lost too.
    m_outcomes[k].time_lost_s += static_cast<double>(now - state.detect) / m_ticks_per_second;
    state.held = false;
  } else if (!state.detected && fault.spec.kind == platforms::FaultSpec::Kind::Down) {
    // Ended before it was detected: whatever crossed it stood still from its beginning to now.
    bool crossed = false;
    for (int l : fault.links)
      crossed = crossed || !m_on[static_cast<std::size_t>(2 * l)].empty() ||
                !m_on[static_cast<std::size_t>(2 * l + 1)].empty();
    if (crossed) m_outcomes[k].time_lost_s += static_cast<double>(now - state.begin) / m_ticks_per_second;
  }
  // The flows still on its links count their bytes at the old rates before the capacity comes back.
  rebase_on(fault.links, now);
  for (int l : fault.links) {
    const auto li = static_cast<std::size_t>(l);
    if (fault.spec.kind == platforms::FaultSpec::Kind::Down) {
      --m_down[li];
      if (state.detected && --m_known_down[li] == 0) m_platform.set_link_down(l, false);
    } else {
      m_factor[li] /= degradation(fault, m_platform, l, m_packet_bytes);
      // Back to exactly 1 once no degradation is left on the link (no drift from dividing).
      bool other = false;
      for (std::size_t j = 0; j < m_faults.size(); ++j)
        other = other || (j != k && m_fault_state[j].active &&
                          m_faults[j].spec.kind != platforms::FaultSpec::Kind::Down &&
                          std::binary_search(m_faults[j].links.begin(), m_faults[j].links.end(), l));
      if (!other) m_factor[li] = 1.0;
    }
    set_link_capacity(l);
  }
  retry_parked(now);
}

void FlowNetwork::retry_parked(core::Tick now) {
  if (m_parked.empty()) return;
  std::vector<int> parked;
  parked.swap(m_parked);
  std::sort(parked.begin(), parked.end());
  std::vector<int> cut;
  for (int slot : parked) {
    Flow& f = m_flows[static_cast<std::size_t>(slot)];
    if (!m_platform.router().reachable(f.src, f.dst)) {
      cut.push_back(slot);
      continue;
    }
    f.cached = path_for(f.src, f.dst, f.hash, f);
    join(slot, now);
  }
  if (cut.empty()) return;
  if (cuts_now()) cut_off(cut);
  m_parked = std::move(cut);
}

bool FlowNetwork::temporary_outage() const {
  for (std::size_t k = 0; k < m_faults.size(); ++k)
    if (m_fault_state[k].active && m_fault_state[k].detected && !m_faults[k].spec.forever()) return true;
  return false;
}

void FlowNetwork::cut_off(const std::vector<int>& slots) {
  if (!m_failure.empty()) return;  // the kernel is stopping already; the first cut names the pairs
  // Rank pairs, each once, in order; and the faults that hold links down (for good, without a restart).
  std::vector<std::pair<int, int>> pairs;
  for (int slot : slots) {
    const Flow& f = m_flows[static_cast<std::size_t>(slot)];
    pairs.emplace_back(f.src, f.dst);
  }
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  std::string list;
  constexpr std::size_t kShown = 16;
  for (std::size_t i = 0; i < pairs.size() && i < kShown; ++i)
    list += (i == 0 ? "" : ", ") + std::to_string(pairs[i].first) + "->" + std::to_string(pairs[i].second);
  if (pairs.size() > kShown) list += ", ... (" + std::to_string(pairs.size()) + " pairs)";
  std::string causes;
  for (std::size_t k = 0; k < m_faults.size(); ++k) {
    if (!m_fault_state[k].active || !m_fault_state[k].detected) continue;
    causes += (causes.empty() ? "" : ", ") + m_faults[k].spec.target + " at " +
              core::format_number(m_faults[k].spec.at_s) + " s";
    m_cut_faults.push_back(k);
  }
  m_cut_at = core::now_ticks();
  m_failure = "faults cut off rank pairs " + list + ": no route is left (down: " + causes + ")";
  sc_core::sc_stop();
}

}  // namespace pjbit::engine::flow
