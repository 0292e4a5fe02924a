// Scheduler policies: how OCS circuits follow a workload's communication phases (docs/scheduler.md).
//
// A policy plans the whole run before it starts. The scheduler hands it the run's phases (the top-level step
// instances that move data, in order) and a planner that forecasts: the circuits that best fit a phase's
// traffic, how long a phase would take on given circuits, and how long going from one set of circuits to
// another keeps ports dark. The policy answers with the circuits each phase runs on; the scheduler then
// quiesces the fabric and reconfigures the OCS between phases where the circuits change. Policies are
// chosen by name (`scheduler.policy`); a program that embeds pjbit may register its own.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pjbit::engine::scheduler {

// A phase: a top-level step instance that moves data over the fabric.
struct PhaseInfo {
  std::string key;  // its step's key, e.g. "steps.1"
  int iteration = 0;
  // Compute (over every rank) between the previous phase and this one: a reconfiguration requested when the
  // previous phase ends is hidden behind it up to this long.
  double window_s = 0.0;
};

// The planner's forecasts. Circuits are named by ids; equal circuits have equal ids.
class IPlanner {
 public:
  virtual ~IPlanner() = default;
  virtual int phases() const = 0;
  virtual const PhaseInfo& phase(int p) const = 0;
  // The circuits the platform starts with.
  virtual int initial() const = 0;
  // The circuits that best fit phase p's traffic (rings for ring collectives, direct circuits for the
  // heaviest pairs, per group when groups run concurrently), changing as few circuits of the initial ones as
  // it can.
  virtual int fit(int p) = 0;
  // Forecast duration of phase p on `circuits` [s]; +infinity when some of its traffic has no route there.
  virtual double predict(int p, int circuits) = 0;
  // How long going from `from` to `to` keeps the changed ports dark [s] (0 when they are equal).
  virtual double reconfiguration_s(int from, int to) = 0;
  // "initial", "fit for steps.3", for the report.
  virtual std::string describe(int circuits) const = 0;
};

// What a policy decides for one phase.
struct Decision {
  int circuits = 0;  // the circuits the phase runs on (a planner id)
  std::string why;   // its reason, in a sentence, for the report
};

class IPolicy {
 public:
  virtual ~IPolicy() = default;
  virtual std::string_view name() const = 0;
  // One line for `pjbit presets`-style listings and the docs.
  virtual std::string_view summary() const = 0;
  // One decision per phase, in phase order.
  virtual std::vector<Decision> plan(IPlanner& planner) const = 0;
};

// The policy registered under `name`, or nullptr.
const IPolicy* find_policy(std::string_view name);
// Every registered name: the built-in ones (static, phase_aware), then those registered, in that order.
std::vector<std::string> policy_names();
// Adds a policy. Throws std::invalid_argument when its name is empty or already taken.
void register_policy(std::unique_ptr<IPolicy> policy);

}  // namespace pjbit::engine::scheduler
