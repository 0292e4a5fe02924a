// A run, chapter by chapter: validate the workload against the platform (validate.cpp), make every
// endpoint's program (program.cpp), elaborate the platform and its transport and run the kernel (here), and
// gather what happened (gather.cpp).
#include "engine/simulation.h"

#include <algorithm>

#include "engine/flow/flow_network.h"
#include "engine/program.h"
#include "engine/recorder.h"
#include "platforms/user_modules.h"
#include "workloads/nccl_tests.h"

namespace pjbit::engine {

namespace {
// engine: auto runs packets up to this many ranks and flows above (docs/engines.md).
constexpr int kAutoFlowRanks = 64;
// ... and flows for workloads of more packets than this: the packet engine moves some 1.3 million packet
// hops a second (a 17 GiB all_reduce on 8 ranks in 4 KiB packets, 80 M hops, took 62 s), so 10 M packets of
// two hops or so are about a quarter of a minute (docs/engines.md).
constexpr double kAutoFlowPackets = 1e7;

double step_bytes(const workloads::Step& step, int ranks) {
  using Kind = workloads::Step::Kind;
  switch (step.kind) {
    case Kind::Collective: {
      const auto& c = step.collective;
      const int n = c.ranks.empty() ? ranks : static_cast<int>(c.ranks.size());
      return workloads::useful_bytes(c.op, c.size_bytes, n);
    }
    case Kind::Memory: {
      const auto& m = step.memory;
      const int n = m.ranks.empty() ? ranks : static_cast<int>(m.ranks.size());
      return static_cast<double>(m.size_bytes) * n;
    }
    case Kind::Traffic:
      return static_cast<double>(step.traffic.size_bytes) * static_cast<double>(step.traffic.messages);
    case Kind::Parallel: {
      double bytes = 0.0;
      for (const auto& child : step.children)
        bytes += step_bytes(child, ranks);
      return bytes;
    }
    case Kind::Compute:
      break;
  }
  return 0.0;
}
}  // namespace

std::string chosen_engine(const platforms::PlatformSpec& platform) {
  // Modules of registered kinds (platforms/user_modules.h) see packets: auto takes packets for them, and the
  // loader refuses engine: flow. Flow control (finite buffers, pauses, drops, ECN) lives in the packet path
  // only: auto takes packets, and the loader refuses engine: flow with it. Faults are modelled by the flow
  // engine (docs/engines.md): auto takes flows for them, and the loader refuses engine: packet, and faults
  // beside placed modules or flow control.
  if (platform.engine == "auto" && !platforms::placed_modules(platform).empty()) return "packet";
  if (platform.flow_controlled_tier() != nullptr) return "packet";
  return platform.engine == "flow" || (platform.engine == "auto" &&
                                       (platform.ranks() > kAutoFlowRanks || !platform.faults.empty()))
             ? "flow"
             : "packet";
}

double estimated_packets(const platforms::PlatformSpec& platform, const workloads::WorkloadSpec& workload) {
  double bytes = 0.0;
  for (const auto& step : workload.steps)
    bytes += step_bytes(step, platform.ranks());
  return bytes * workload.iterations / static_cast<double>(std::max<std::uint64_t>(platform.packet_bytes, 1));
}

std::string chosen_engine(const platforms::PlatformSpec& platform, const workloads::WorkloadSpec& workload) {
  if (platform.engine == "auto" && platforms::placed_modules(platform).empty() &&
      platform.flow_controlled_tier() == nullptr && estimated_packets(platform, workload) > kAutoFlowPackets)
    return "flow";
  return chosen_engine(platform);
}

namespace detail {

SimulationResult Runner::run() {
  platforms::Platform platform("platform", m_spec, m_facts.topo_shared, m_direct_calls);
  // The transport: packets through the modules, or the flow engine over the same modules (engine/flow/).
  std::unique_ptr<flow::FlowNetwork> flows;
  m_engine = chosen_engine(m_spec, m_workload);
  if (m_engine == "flow") {
    flows = std::make_unique<flow::FlowNetwork>(platform, m_spec.scheduler.priorities,
                                                platforms::class_arbitration(m_spec.scheduler));
    for (int e = 0; e < platform.endpoints(); ++e)
      platform.endpoint(e).set_flow_fabric(flows.get());
    flows->set_faults(m_facts.faults);
    flows->set_restart_on_cut(m_workload.job.restart_on_fault);
    flows->set_batch(m_spec.flow_batch);
  }
  m_flows = flows.get();
  program(platform);
  if (m_recorder) m_recorder->attach(platform, m_flows);
  sc_core::sc_start();
  if (m_failure) std::rethrow_exception(m_failure);
  if (auto failure = core::Dispatcher::current().failure()) std::rethrow_exception(failure);
  if (m_flows != nullptr && !m_flows->failure().empty()) {
    if (!m_workload.job.restart_on_fault) throw core::SimulationError(m_flows->failure());
    // The job restarts (engine/restart.md): this run ends at the cut with what it did until then.
    m_cut.on = true;
    m_cut.at = m_flows->cut_at();
    m_cut.message = m_flows->failure();
    m_cut.faults = m_flows->cut_faults();
    m_cut.checkpoint = m_checkpoint.valid;
    m_cut.position = m_checkpoint.position;
    m_cut.checkpoint_end = m_checkpoint.end;
  }
  // The run ends when the last rank does (or at its cut); that closes the flows' counters and the links'
  // sleep.
  core::Tick end = m_cut.at;
  for (int i = 0; i < platform.ranks() && !m_cut.on; ++i)
    end = std::max(end, m_end[static_cast<std::size_t>(i)]);
  if (m_flows != nullptr) {
    m_flows->flush(end);
  } else {
    for (const auto& info : platform.links()) {
      info.link->close_sleep(end);
      info.link->close_flow_control(end);
    }
  }
  if (!m_cut.on) check_finished(platform);
  if (m_recorder) m_recorder->detach(platform);
  SimulationResult result = gather(platform, end);
  if (m_flows != nullptr) gather_faults(result);
  m_flows = nullptr;
  return result;
}

}  // namespace detail

SimulationResult simulate(const platforms::PlatformSpec& platform, const workloads::WorkloadSpec& workload,
                          const RunOptions& options) {
  validate_platform(platform);
  detail::Facts facts(platform);  // validation's topology, routes and schedules serve the run too
  detail::validate_workload(facts, workload);
  detail::Runner runner(platform, workload, facts, options);
  SimulationResult result = runner.run();
  if (runner.cut() == nullptr) return result;
  return detail::restart(platform, workload, options, runner, std::move(result));
}

int TimeSplit::index_of(const std::string& dim) {
  for (int d = 0; d < kDims - 1; ++d)
    if (dim == kDimNames[d]) return d;
  return kDims - 1;
}

}  // namespace pjbit::engine
