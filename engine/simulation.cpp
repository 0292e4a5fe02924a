// A run, chapter by chapter: validate the workload against the platform (validate.cpp), make every
// endpoint's program (program.cpp), elaborate the platform and its transport and run the kernel (here), and
// gather what happened (gather.cpp).
#include "engine/simulation.h"

#include <algorithm>

#include "engine/flow/flow_network.h"
#include "engine/program.h"
#include "engine/recorder.h"

namespace pjbit::engine {

namespace {
// engine: auto runs packets up to this many ranks and flows above (docs/engines.md).
constexpr int kAutoFlowRanks = 64;
}  // namespace

std::string chosen_engine(const platforms::PlatformSpec& platform) {
  return platform.engine == "flow" || (platform.engine == "auto" && platform.ranks() > kAutoFlowRanks)
             ? "flow"
             : "packet";
}

namespace detail {

SimulationResult Runner::run() {
  platforms::Platform platform("platform", m_spec, m_direct_calls);
  // The transport: packets through the modules, or the flow engine over the same modules (engine/flow/).
  std::unique_ptr<flow::FlowNetwork> flows;
  m_engine = chosen_engine(m_spec);
  if (m_engine == "flow") {
    flows = std::make_unique<flow::FlowNetwork>(platform, m_spec.scheduler.priorities,
                                                platforms::class_arbitration(m_spec.scheduler));
    for (int e = 0; e < platform.endpoints(); ++e)
      platform.endpoint(e).set_flow_fabric(flows.get());
  }
  m_flows = flows.get();
  program(platform);
  if (m_recorder) m_recorder->attach(platform, m_flows);
  sc_core::sc_start();
  if (m_failure) std::rethrow_exception(m_failure);
  if (auto failure = core::Dispatcher::current().failure()) std::rethrow_exception(failure);
  // The run ends when the last rank does; that closes the flows' counters and the links' sleep.
  core::Tick end = 0;
  for (int i = 0; i < platform.ranks(); ++i)
    end = std::max(end, m_end[static_cast<std::size_t>(i)]);
  if (m_flows != nullptr) {
    m_flows->flush(end);
  } else {
    for (const auto& info : platform.links())
      info.link->close_sleep(end);
  }
  check_finished(platform);
  if (m_recorder) m_recorder->detach(platform);
  SimulationResult result = gather(platform, end);
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
  return runner.run();
}

}  // namespace pjbit::engine
