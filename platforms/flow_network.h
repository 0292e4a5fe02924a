// The flow engine (DESIGN: "max-min fair sharing of bandwidth, events only when a flow starts or ends"):
// a message crosses the fabric as one flow over the same route the packet engine would use. Every link
// direction is shared max-min fairly among the flows crossing it (progressive filling), with strict priority
// between transport classes when they are on; rates change only when a flow starts or ends. A flow's last
// byte leaves the source when its bytes have drained at its rates, and arrives one path latency later. It
// charges the same per-bit energies to the same links, switches and NICs, so static power, cooling and pJ
// per useful bit come out as with packets. Equations and limits in docs/engines.md.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "core/event_queue.h"
#include "core/fabric_extension.h"
#include "modules/accelerator/accelerator.h"
#include "modules/link/link.h"
#include "modules/nic/nic.h"
#include "modules/switch/switch.h"

namespace pjbit::platforms {

class Platform;

class FlowNetwork : public accelerator::IFlowFabric {
 public:
  FlowNetwork(Platform& platform, bool priorities);

  void start(accelerator::Accelerator& from, int dst, std::uint64_t bytes, std::uint8_t cls,
             std::uint64_t tag, const core::Route& route, core::StepTally* tally,
             core::MessageSink* sink) override;

  std::uint64_t flows_started() const { return m_started; }
  std::uint64_t reallocations() const { return m_reallocations; }

  // Max-min fair rates by progressive filling: flows[i] uses resources uses[i] (indices into capacity);
  // with priorities, lower classes[i] are served first and higher ones share what is left. Pure; for tests.
  static std::vector<double> max_min_rates(const std::vector<std::vector<int>>& uses,
                                           const std::vector<int>& classes,
                                           const std::vector<double>& capacity, bool priorities);

  // The solver's working memory, kept between solves so that a solve allocates nothing once warm.
  struct Solver {
    std::vector<double> residual;
    std::vector<int> count;
    std::vector<std::vector<int>> flows_of;
    std::vector<char> frozen;
    std::vector<int> touched;
    std::vector<std::pair<double, int>> heap;
    // rate[i] for the flow crossing *uses[i] (pointers: a caller's flows need not be copied).
    void solve(const std::vector<const std::vector<int>*>& uses, const std::vector<int>& classes,
               const std::vector<double>& capacity, bool priorities, std::vector<double>& rate);
  };

 private:
  struct Hop {
    link::Link* link;
    int dir;
  };
  struct Flow {
    std::vector<int> resources;  // link direction ids: 2 x link + dir
    std::vector<Hop> hops;
    std::vector<fabric_switch::Switch*> switches;
    std::vector<std::pair<nic::Nic*, int>> nics;
    double remaining = 0.0;  // payload bytes still to leave the source
    double rate = 0.0;       // payload bytes per second
    std::uint64_t bytes = 0;
    int cls = 2;
    core::Tick latency = 0;  // path latency: links, switches, NICs, forwarding routers
    int src = 0, dst = 0;
    std::uint64_t tag = 0;
    core::StepTally* tally = nullptr;
    core::MessageSink* sink = nullptr;
  };
  struct Delivery {
    int src, dst;
    std::uint64_t tag, bytes;
    core::MessageSink* sink;
  };

  void wake();
  void advance(core::Tick now);
  void reallocate();
  void arm(core::Tick now);
  void deliver(const Delivery& d);

  Platform& m_platform;
  bool m_priorities;
  std::vector<Flow> m_flows;  // slots
  std::vector<int> m_free;
  std::vector<int> m_active;
  std::vector<double> m_capacity;  // per link direction, payload bytes per second
  core::Tick m_last = 0;
  bool m_dirty = false;
  core::Tick m_armed_for = ~core::Tick{0};
  std::uint64_t m_started = 0;
  std::uint64_t m_reallocations = 0;
  Solver m_solver;
  std::vector<const std::vector<int>*> m_uses;
  std::vector<int> m_classes;
  std::vector<double> m_rates;
  core::EventQueue<int> m_wakeups;
  core::EventQueue<Delivery> m_deliveries;
};

}  // namespace pjbit::platforms
