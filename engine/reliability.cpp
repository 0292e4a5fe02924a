#include "engine/reliability.h"

#include <algorithm>
#include <cmath>
#include <tuple>

namespace pjbit::engine {

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

struct Event {
  double t = 0.0;
  std::size_t stream = 0;
  bool planned = false;
};

}  // namespace

double FailureSampler::uniform() {
  return static_cast<double>((m_rng() >> 11) + 1) * (1.0 / 9007199254740992.0);  // 2^-53
}

std::vector<double> FailureSampler::arrivals(double rate_per_s, double horizon_s) {
  std::vector<double> out;
  if (!(rate_per_s > 0.0)) return out;
  double t = 0.0;
  for (;;) {
    t += -std::log(uniform()) / rate_per_s;
    if (!(t < horizon_s)) break;
    out.push_back(t);
  }
  return out;
}

std::uint64_t stream_seed(std::uint64_t seed, int trial, std::size_t stream) {
  return splitmix64(splitmix64(splitmix64(seed) ^ static_cast<std::uint64_t>(trial)) ^
                    static_cast<std::uint64_t>(stream));
}

TrialSpread spread_of(std::vector<double> values) {
  TrialSpread s;
  if (values.empty()) return s;
  const double n = static_cast<double>(values.size());
  double sum = 0.0;
  for (double v : values)
    sum += v;
  s.mean = sum / n;
  double sq = 0.0;
  for (double v : values)
    sq += (v - s.mean) * (v - s.mean);
  s.sd = values.size() > 1 ? std::sqrt(sq / (n - 1.0)) : 0.0;
  std::sort(values.begin(), values.end());
  const auto percentile = [&](double p) {
    const double pos = p * (n - 1.0);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const std::size_t hi = std::min(lo + 1, values.size() - 1);
    return values[lo] + (pos - static_cast<double>(lo)) * (values[hi] - values[lo]);
  };
  s.p5 = percentile(0.05);
  s.p95 = percentile(0.95);
  return s;
}

TrialOutcome run_trial(const std::vector<platforms::FailureStream>& streams,
                       const ReliabilityOptions& options, int trial) {
  const double horizon = options.horizon_s;
  const workloads::JobSpec& job = options.job;
  const double cycle = job.checkpoint_every_s + job.checkpoint_time_s;
  TrialOutcome out;
  out.failures.assign(streams.size(), 0);
  out.interruptions.assign(streams.size(), 0);
  out.planned.assign(streams.size(), 0);
  out.lost_s.assign(streams.size(), 0.0);

  std::vector<Event> events;
  for (std::size_t s = 0; s < streams.size(); ++s) {
    const platforms::FailureStream& stream = streams[s];
    FailureSampler sampler(stream_seed(options.seed, trial, s));
    for (double t : sampler.arrivals(stream.rate_per_s, horizon)) {
      ++out.failures[s];
      if (stream.interrupts) events.push_back({t, s, false});
      // The repair that takes out a unit the job uses is due once the part has been repaired.
      if (stream.planned_repair && t + stream.repair_s < horizon)
        events.push_back({t + stream.repair_s, s, true});
    }
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return std::tie(a.t, a.stream, a.planned) < std::tie(b.t, b.stream, b.planned);
  });

  // The job computes from `up` (a restart, at a checkpoint) in cycles of computing then writing.
  double up = 0.0;
  const auto run_until = [&](double t, bool keep_partial) {
    const double elapsed = t - up;
    const double cycles = std::floor(elapsed / cycle);
    const double rem = elapsed - cycles * cycle;
    out.useful_s += cycles * job.checkpoint_every_s;
    out.checkpoint_s += cycles * job.checkpoint_time_s;
    if (keep_partial) {
      out.useful_s += std::min(rem, job.checkpoint_every_s);
      out.checkpoint_s += std::max(0.0, rem - job.checkpoint_every_s);
    }
    return rem;
  };
  for (const Event& e : events) {
    const platforms::FailureStream& stream = streams[e.stream];
    const double wait = job.spares ? 0.0 : stream.repair_s;
    (e.planned ? out.planned : out.interruptions)[e.stream] += 1;
    if (e.t < up) {
      // Down already (restarting): the restart starts again.
      const double next = e.t + job.restart_s + wait;
      if (next > up) {
        out.lost_s[e.stream] += std::min(next, horizon) - std::min(up, horizon);
        up = next;
      }
      continue;
    }
    if (e.planned) {
      // Checkpoint now (the work since the last one is kept), then restart on other nodes.
      run_until(e.t, true);
      const double next = e.t + job.checkpoint_time_s + job.restart_s + wait;
      out.lost_s[e.stream] += std::min(next, horizon) - e.t;
      up = next;
    } else {
      // The work since the last checkpoint is lost, then the restart.
      const double lost_work = run_until(e.t, false);
      const double next = e.t + job.restart_s + wait;
      out.lost_s[e.stream] += lost_work + std::min(next, horizon) - e.t;
      up = next;
    }
  }
  if (up < horizon) run_until(horizon, true);
  return out;
}

ReliabilityResult run_reliability(const std::vector<platforms::FailureStream>& streams,
                                  const ReliabilityOptions& options) {
  const std::size_t n = streams.size();
  const auto trials = static_cast<std::size_t>(std::max(options.trials, 0));
  std::vector<std::vector<double>> failures(n), interruptions(n), planned(n), lost(n);
  std::vector<double> t_failures, t_interruptions, t_planned, t_lost, t_goodput, t_checkpoint;
  for (std::size_t trial = 0; trial < trials; ++trial) {
    const TrialOutcome o = run_trial(streams, options, static_cast<int>(trial));
    double f = 0, i = 0, p = 0, l = 0;
    for (std::size_t s = 0; s < n; ++s) {
      failures[s].push_back(o.failures[s]);
      interruptions[s].push_back(o.interruptions[s]);
      planned[s].push_back(o.planned[s]);
      lost[s].push_back(o.lost_s[s]);
      f += o.failures[s];
      i += o.interruptions[s];
      p += o.planned[s];
      l += o.lost_s[s];
    }
    t_failures.push_back(f);
    t_interruptions.push_back(i);
    t_planned.push_back(p);
    t_lost.push_back(l);
    t_goodput.push_back(options.horizon_s > 0.0 ? o.useful_s / options.horizon_s : 0.0);
    t_checkpoint.push_back(o.checkpoint_s);
  }
  const auto energy = [&](std::vector<double> seconds) {
    for (double& v : seconds)
      v *= options.power_w;
    return spread_of(std::move(seconds));
  };
  ReliabilityResult r;
  r.options = options;
  for (std::size_t s = 0; s < n; ++s) {
    CauseResult c;
    c.stream = streams[s];
    c.expected_failures = streams[s].rate_per_s * options.horizon_s;
    c.failures = spread_of(failures[s]);
    c.interruptions = spread_of(interruptions[s]);
    c.planned = spread_of(planned[s]);
    c.lost_s = spread_of(lost[s]);
    c.energy_j = energy(lost[s]);
    r.causes.push_back(std::move(c));
  }
  r.failures = spread_of(t_failures);
  r.interruptions = spread_of(t_interruptions);
  r.planned = spread_of(t_planned);
  r.lost_s = spread_of(t_lost);
  r.energy_lost_j = energy(t_lost);
  r.goodput = spread_of(t_goodput);
  r.checkpoint_s = spread_of(t_checkpoint);
  return r;
}

}  // namespace pjbit::engine
