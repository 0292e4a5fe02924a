// A seeded Monte Carlo of a training job over a long horizon (docs/reliability.md): every failure stream of
// the platform (platforms/reliability.h) is a Poisson process; a job that checkpoints periodically loses
// the work since its last checkpoint and restarts at each failure that stops it, and checkpoints then
// restarts for each repair that takes out a unit it uses. Trials give the mean and spread of interruptions
// by cause, goodput (useful time over wall time) and the energy lost. Deterministic for a seed on every
// platform: its own generator and arithmetic (no standard distribution, whose algorithms differ between
// standard libraries), one generator per trial and stream.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "platforms/reliability.h"
#include "workloads/spec.h"

namespace pjbit::engine {

struct ReliabilityOptions {
  double horizon_s = 0.0;  // the job's wall time
  int trials = 1000;
  std::uint64_t seed = 1;
  double power_w = 0.0;  // the platform's power while the job runs: lost time x this = energy lost
  workloads::JobSpec job;
};

// Mean, standard deviation (over trials, n - 1) and the 5th and 95th percentiles (linear between ranks).
struct TrialSpread {
  double mean = 0.0;
  double sd = 0.0;
  double p5 = 0.0;
  double p95 = 0.0;
};
TrialSpread spread_of(std::vector<double> values);

struct CauseResult {
  platforms::FailureStream stream;
  double expected_failures = 0.0;  // analytic: rate x horizon
  TrialSpread failures;            // failures of its parts, whether or not they stop the job
  TrialSpread interruptions;       // unplanned: failures that stop the job
  TrialSpread planned;             // planned: repairs that stop the job
  TrialSpread lost_s;              // wall time lost to them: work since the checkpoint, restarts, waits
  TrialSpread energy_j;            // lost_s x power
};

struct ReliabilityResult {
  std::vector<CauseResult> causes;  // in stream order
  TrialSpread interruptions, planned, failures;
  TrialSpread goodput;  // useful computing time / horizon
  TrialSpread lost_s;
  TrialSpread energy_lost_j;
  TrialSpread checkpoint_s;  // wall time spent writing checkpoints
  ReliabilityOptions options;
};

// One trial's outcome, for tests: per stream and in all; useful + checkpoint + lost = horizon.
struct TrialOutcome {
  std::vector<int> failures, interruptions, planned;
  std::vector<double> lost_s;
  double useful_s = 0.0;
  double checkpoint_s = 0.0;
};

// A 64-bit generator (std::mt19937_64, whose output the standard fixes) and exponential inter-arrival times
// by inversion.
class FailureSampler {
 public:
  explicit FailureSampler(std::uint64_t seed) : m_rng(seed) {}
  // A uniform number in (0, 1]: 53 random bits.
  double uniform();
  // The arrival times in [0, horizon_s) of a Poisson process of `rate_per_s`, in order; none for rate 0.
  std::vector<double> arrivals(double rate_per_s, double horizon_s);

 private:
  std::mt19937_64 m_rng;
};

// The seed of trial `trial`'s generator for stream `stream` (splitmix64 of the three).
std::uint64_t stream_seed(std::uint64_t seed, int trial, std::size_t stream);

TrialOutcome run_trial(const std::vector<platforms::FailureStream>& streams,
                       const ReliabilityOptions& options, int trial);

ReliabilityResult run_reliability(const std::vector<platforms::FailureStream>& streams,
                                  const ReliabilityOptions& options);

}  // namespace pjbit::engine
