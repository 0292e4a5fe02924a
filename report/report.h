// The report of CONTRACT section 6 (schema pjbit.report/1), the human summary table and the CSV row, all
// from one walk over the same figures.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

#include "engine/simulation.h"
#include "platforms/spec.h"
#include "power/cost.h"
#include "power/density.h"
#include "power/ledger.h"
#include "workloads/spec.h"

namespace pjbit::engine {
class Recorder;
}

namespace pjbit::report {

struct Inputs {
  const platforms::PlatformSpec* platform = nullptr;
  const workloads::WorkloadSpec* workload = nullptr;
  const engine::SimulationResult* sim = nullptr;
  const power::Ledger* ledger = nullptr;
  const power::Density* density = nullptr;
  std::uint64_t seed = 1;
  double wall_time_s = 0.0;
  // The run's recorder, when there was one: the report then carries its power over time (power_trace).
  const engine::Recorder* recorder = nullptr;
  // The run in dollars (power/cost.md), when priced: the report then carries its cost block.
  const power::Cost* cost = nullptr;
};

// Whether the report splits a step's time by parallelism dimension (step_breakdown): some step names one.
bool has_step_breakdown(const workloads::WorkloadSpec& workload);
// The mean over ranks of time computing / simulated time (0 when nothing computes).
double effective_compute(const engine::SimulationResult& sim);

// A model-driven run in operators' units (CONTRACT section 8): tokens of every iteration over the simulated
// time and over the energy, and model FLOPs over what the ranks used could do at peak in that time.
struct Throughput {
  double tokens = 0.0;  // every iteration's
  double tokens_per_s = 0.0;
  double mfu = 0.0;  // model FLOPs / (simulated time x peak FLOP/s of a rank x ranks used)
  double tokens_per_j = 0.0;
  double fabric_j_per_token = 0.0;
};
// Of a run whose workload has a model block (workload->model.on); zeros where a divisor is 0.
Throughput throughput(const Inputs& in);

std::string to_json(const Inputs& in);        // pretty-printed, ends with a newline
std::string summary_table(const Inputs& in);  // for stdout
std::string csv(const Inputs& in);            // header line and one row (report/csv.h)

}  // namespace pjbit::report
