// The fabric-aware scheduler at run time (docs/scheduler.md): it plans which OCS circuits each phase of the
// workload runs on (through the configured policy), quiesces the fabric and reconfigures the OCS between
// phases where they change, holds bulk transfers with a deadline for idle windows, and accounts traffic by
// transport class. The engine calls it at step boundaries; everything else happens inside.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/time.h"
#include "engine/scheduler/forecast.h"
#include "engine/scheduler/i_policy.h"
#include "engine/scheduler/result.h"
#include "modules/accelerator/accelerator.h"
#include "platforms/platform.h"
#include "workloads/spec.h"

namespace pjbit::engine::scheduler {

// A top-level step instance, in the order every endpoint runs them.
struct TopStep {
  const workloads::Step* step = nullptr;
  int iteration = 0;
};

// Every top-level step instance of a run, in order: instance i is step i % S of iteration i / S (S steps),
// without a list of them (a run may repeat its steps a million times).
class TopSteps {
 public:
  TopSteps(const std::vector<workloads::Step>& steps, int iterations)
      : m_steps(&steps), m_iterations(iterations) {}
  std::size_t size() const { return m_steps->size() * static_cast<std::size_t>(m_iterations); }
  TopStep operator[](std::size_t i) const {
    return {&(*m_steps)[i % m_steps->size()], static_cast<int>(i / m_steps->size())};
  }
  // The workload's steps, each once.
  const std::vector<workloads::Step>& steps() const { return *m_steps; }

 private:
  const std::vector<workloads::Step>* m_steps;
  int m_iterations;
};

class Scheduler final : public accelerator::ITrafficObserver {
 public:
  // Plans the run with the platform's policy (throws core::InputError when it names none that is
  // registered) and attaches itself to every endpoint as its traffic observer. Call during elaboration.
  Scheduler(const platforms::PlatformSpec& spec, platforms::Platform& platform, const TopSteps& steps);
  ~Scheduler() override;

  // Called by every endpoint's program before it runs top-level step `index`, from its own thread: at a
  // quiescence point it waits until every endpoint is there (the fabric is then empty) and the last to
  // arrive reconfigures the OCS; before a step that needs new circuits it waits until they are up.
  void before(std::size_t index, int endpoint);
  // Whether before() may hold an endpoint at top-level step `index` (a quiescence point or circuits to wait
  // for): a dependency-graph walk drains the steps it has started before it calls before() there.
  bool gates(std::size_t index) const { return m_quiesce_at.count(index) > 0 || m_ready_at.count(index) > 0; }
  // The first top-level index from `index` on that gates (SIZE_MAX: none), so that a program may skip the
  // steps it takes no part in up to there.
  std::size_t next_gate(std::size_t index) const;
  // Top-level step `index` started at `start_s` (its first rank in): the time of its decision, if a phase.
  void started(std::size_t index, double start_s);

  // Whether the rank part of a checkpoint is written by write_deferred: a bulk checkpoint with a deadline,
  // when scheduler.defer_bulk is on.
  bool defers(const workloads::Step& step) const;
  // Writes `bytes` from `acc` to `pool` in pieces of scheduler.bulk_chunk, each sent only while no traffic
  // of a higher class is in flight, unless waiting longer would miss the deadline (step start + deadline,
  // less the forecast time of what is left); from then on, the rest at once. Blocks until every piece is
  // delivered. Returns how long it held the transfer.
  core::Tick write_deferred(accelerator::Accelerator& acc, int pool, std::uint64_t bytes, std::uint64_t tag,
                            core::StepTally* tally, const workloads::Step& step, core::Tick step_start);

  // What it did: reconfigurations, decisions, classes.
  SchedulerResult result() const;

  // accelerator::ITrafficObserver
  void sent(int src, int dst, std::uint8_t cls, std::uint64_t bytes) override;
  void delivered(int src, int dst, std::uint8_t cls, std::uint64_t bytes, core::Tick latency) override;

 private:
  struct Gate;
  struct ClassStats;
  void plan(const TopSteps& steps);
  void plan_bulk(const workloads::Step& step, const Circuits& circuits);

  platforms::Platform& m_platform;
  const platforms::SchedulerSpec& m_spec;
  Forecast m_forecast;
  int m_endpoints = 0;
  std::vector<std::unique_ptr<Gate>> m_gates;
  std::map<std::size_t, Gate*> m_quiesce_at;  // by top-level index, where there is a gate
  std::map<std::size_t, Gate*> m_ready_at;
  std::vector<DecisionRecord> m_decisions;
  std::map<std::size_t, std::size_t> m_decision_at;  // top-level index of a phase -> its decision
  double m_predicted_s = 0.0;
  double m_predicted_static_s = 0.0;
  std::map<const workloads::Step*, double> m_bulk_forecast_s;  // checkpoints with a deadline, alone
  std::vector<std::unique_ptr<ClassStats>> m_classes;
  int m_above_bulk_in_flight = 0;  // messages of a class above bulk sent and not yet delivered
  sc_core::sc_event m_idle;        // notified when that count falls to zero
};

}  // namespace pjbit::engine::scheduler
