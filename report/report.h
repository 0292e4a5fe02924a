// The report of CONTRACT section 6 (schema pjbit.report/1), the human summary table and the CSV row, all
// from one walk over the same figures.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

#include "engine/simulation.h"
#include "platforms/spec.h"
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
};

// The mean over ranks of time computing / simulated time (0 when nothing computes).
double effective_compute(const engine::SimulationResult& sim);

std::string to_json(const Inputs& in);        // pretty-printed, ends with a newline
std::string summary_table(const Inputs& in);  // for stdout
std::string csv(const Inputs& in);            // header line and one row (report/csv.h)

// Writes `text` to `path` through a temporary file in the same folder and a rename, so a reader never sees
// a partial file. Throws core::InputError naming the path when it cannot.
void write_file_atomically(const std::string& path, const std::string& text);
// The same for a file written piece by piece by `write`.
void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write);

// Throws core::InputError naming the path when a file cannot be written there (a folder that does not exist
// or is not writable, or a folder in its place), so that a run can refuse before it simulates. Leaves
// nothing behind.
void check_writable(const std::string& path);

}  // namespace pjbit::report
