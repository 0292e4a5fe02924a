// An endpoint's program without a SystemC thread (ProgramMachine, engine/program.h): the program loop of
// Runner::program and the step bodies of Runner::execute, with each wait of the thread for a step's end
// turned into a resume by the dispatcher at the instant, and in the order, the thread would have gone on.
#include <fstream>
#include <string>

#include "engine/program.h"
#include "engine/recorder.h"

namespace pjbit::engine::detail {

std::string threads_needed_for(const Facts& f, const workloads::WorkloadSpec& workload) {
  if (workload.graph) return "the workload is a dependency graph";
  if (workload.serving.on) return "the workload serves inference";
  // A restarted run's programs wait out the cut and the downtime before their first step (engine/restart.md).
  if (workload.job.restart_on_fault && !f.spec.faults.empty()) return "the job restarts on faults";
  for (const platforms::TopoNode& node : f.topo.nodes)
    if (node.kind == platforms::NodeKind::Ocs)
      return "the platform has optical circuit switches, whose reconfigurations hold the programs";
  for (const Step& step : workload.steps) {
    switch (step.kind) {
      case Step::Kind::Collective:
        break;
      case Step::Kind::Compute:
      case Step::Kind::Traffic:
        // A thread's timed waits end, at one instant, in the order of SystemC's heap of timed events, which
        // nothing else can reproduce (a sub-step of a parallel step runs without a thread either way).
        return "step " + step.key + " waits out a time on each endpoint";
      case Step::Kind::Parallel:
        // Sub-steps in threads of their own (a small parallel step) need the program's thread to wait.
        if (!detachable(step)) return "step " + step.key + " holds a memory step";
        if (!detaches_sub_steps(f, step)) return "step " + step.key + " runs its sub-steps in threads";
        break;
      case Step::Kind::Memory:
        return "step " + step.key + " moves memory";
    }
  }
  return "";
}

bool runs_without_threads(const Facts& f, const workloads::WorkloadSpec& workload) {
  return threads_needed_for(f, workload).empty();
}

long long max_map_count() {
  constexpr long long kDefault = 65530;  // Linux's default
  std::ifstream in("/proc/sys/vm/max_map_count");
  long long count = 0;
  if (in >> count && count > 0) return count;
  return kDefault;
}

ProgramMachine::ProgramMachine(Runner& runner, accelerator::Accelerator& acc, int endpoint)
    : m_runner(runner),
      m_acc(acc),
      m_dispatcher(core::Dispatcher::current()),
      m_endpoint(endpoint),
      m_is_rank(endpoint < runner.m_spec.ranks()) {}

void ProgramMachine::resume() {
  // As the program's thread runs inside Runner::guard: a failure stops the kernel and is rethrown by run().
  m_runner.guard([&] {
    if (!m_begun) {
      m_begun = true;
      m_acc.begin_program();
      run();
      return;
    }
    if (!m_waiting_over) {
      SC_REPORT_ERROR("pjbit.engine", "an endpoint's program was resumed while it waited for nothing");
      return;
    }
    m_waiting_over = false;
    end_step();
    run();
  });
}

void ProgramMachine::completed() {
  // Completions while a step is being started, or between traffic's sends, wake nobody: the program looks
  // at what is outstanding when it would wait, as the thread does.
  if (!m_waiting) return;
  m_waiting = false;
  m_waiting_over = true;
  m_dispatcher.resume_next_delta(this);
}

bool ProgramMachine::wait_for_completion() {
  m_waiting = true;
  return true;
}

void ProgramMachine::run() {
  const auto e = static_cast<std::size_t>(m_endpoint);
  while (m_index < m_runner.m_top_count) {
    // Straight to the next step the endpoint takes part in: the platform has no circuits, so the scheduler
    // holds nobody at the steps between.
    const std::size_t next = m_runner.next_taken(m_endpoint, m_index);
    m_runner.stepped(m_endpoint, next - m_index);
    m_index = next;
    if (m_index == m_runner.m_top_count) break;
    m_runner.m_scheduler->before(m_index, m_endpoint);
    m_inst = &m_runner.acquire(m_index);
    if (start(*m_inst)) return;  // resume() ends the step and goes on from the next
    end_step();                  // moves past the step
  }
  m_runner.m_end[e] = core::now_ticks();
  m_runner.m_done[e] = 1;
  ++m_runner.m_done_count;
  m_acc.end_program();
}

bool ProgramMachine::start(Instance& inst) {
  const Part& part = inst.parts.at(m_endpoint);
  m_entered = part.active();
  if (!m_entered) return false;
  m_entered_at = m_runner.enter(inst, m_acc, m_is_rank);
  switch (inst.step->kind) {
    case Step::Kind::Collective:
      // Runner::run_phases, with this program told when the machine (or the last lane) finishes.
      return !m_players.collective(m_runner, inst, m_acc, part, m_is_rank, this) && wait_for_completion();
    case Step::Kind::Parallel:
      // Runner::run_children when the sub-steps go detached (runs_without_threads).
      m_players.children(m_runner, inst, m_acc, m_ops);
      return m_ops.outstanding() > 0 && wait_for_completion();
    case Step::Kind::Compute:
    case Step::Kind::Traffic:
    case Step::Kind::Memory:
      break;
  }
  throw core::SimulationError("a " + inst.step->key + " step cannot run without its endpoint's thread");
}

void ProgramMachine::end_step() {
  // The step's objects go before the endpoint leaves it (the last endpoint's release frees the instance
  // they point into), as they do on the thread when run_phases or run_children return.
  m_players.clear();
  if (m_entered) m_runner.leave(*m_inst, m_acc, m_is_rank, m_entered_at);
  m_entered = false;
  m_inst = nullptr;
  m_runner.release(m_index);
  m_runner.stepped(m_endpoint);
  ++m_index;
}

}  // namespace pjbit::engine::detail
