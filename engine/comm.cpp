// The collective library's share of a collective's cost: the protocol of each instance and what it adds.
#include "engine/comm.h"

#include <algorithm>
#include <cmath>

#include "engine/program.h"

namespace pjbit::engine::detail {

using accelerator::Family;

Family family_of(const std::string& algorithm) {
  if (algorithm == "in_network" || algorithm == "nvls") return Family::Nvls;
  if (algorithm == "tree") return Family::Tree;
  return Family::Ring;
}

bool crosses_network(const Facts& f, int a, int b) {
  const int t = f.topo.tier_of(a, b);
  return f.spec.tiers[static_cast<std::size_t>(t)].has_nic;
}

double tier_payload_rate(const Facts& f, int a, int b) {
  const platforms::LinkSpec& l = f.spec.tiers[static_cast<std::size_t>(f.topo.tier_of(a, b))].link;
  return l.bandwidth_Bps * (1.0 - l.overhead);
}

CommCosts comm_costs(const Facts& f, const std::string& algorithm, const std::vector<int>& group,
                     const workloads::SchedulePlan& plan) {
  const accelerator::CommLibrary& lib = f.spec.accelerator.comm;
  CommCosts c;
  c.family = family_of(algorithm);
  if (!lib.enabled() || !lib.runs(c.family)) return c;
  c.on = true;
  c.net_efficiency = lib.net_efficiency;
  c.nvls_efficiency = lib.nvls_efficiency;
  // The shape the tuner prices: the phases and bytes group[0] sends (every rank of the built-in schedules
  // sends as much), and the share of the first phase's transfers, over the whole group, that cross the
  // network.
  accelerator::CommLibrary::Shape shape;
  shape.family = c.family;
  shape.steps = plan.phases(0);
  double up_rate = 0.0, net_rate = 0.0;
  workloads::Phase scratch;
  for (int k = 0; k < shape.steps; ++k)
    for (const auto& s : plan.phase(0, k, scratch).sends)
      shape.bytes_sent += static_cast<double>(s.bytes);
  double transfers = 0.0, crossing = 0.0;
  for (std::size_t i = 0; i < group.size() && shape.steps > 0; ++i) {
    for (const auto& s : plan.phase(static_cast<int>(i), 0, scratch).sends) {
      if (s.peer == workloads::kInNetworkPeer) continue;
      transfers += 1.0;
      const double rate = tier_payload_rate(f, group[i], s.peer);
      if (crosses_network(f, group[i], s.peer)) {
        crossing += 1.0;
        net_rate = net_rate > 0.0 ? std::min(net_rate, rate) : rate;
      } else {
        up_rate = up_rate > 0.0 ? std::min(up_rate, rate) : rate;
      }
    }
  }
  const double share = transfers > 0.0 ? crossing / transfers : 0.0;
  shape.network_steps = static_cast<int>(std::lround(share * shape.steps));
  if (c.family == Family::Nvls) {
    // The reduction engine hangs off the switch the group's scale-up links join.
    const platforms::LinkSpec& l = f.spec.tiers.front().link;
    shape.rate_Bps = l.bandwidth_Bps * (1.0 - l.overhead) * lib.nvls_efficiency;
  } else if (net_rate > 0.0) {
    shape.rate_Bps = net_rate * lib.net_efficiency;
  } else {
    shape.rate_Bps = up_rate;
  }
  c.protocol = lib.choose(shape);
  const accelerator::ProtocolLatency& l = lib.of(c.family, c.protocol);
  c.launch = core::to_ticks(l.launch_s);
  c.hop = core::to_ticks((1.0 - share) * l.hop_s[0] + share * l.hop_s[1]);
  c.max_payload_Bps = lib.max_rate_Bps[static_cast<std::size_t>(c.protocol)];
  return c;
}

}  // namespace pjbit::engine::detail
