// A job that restarts from its last checkpoint when faults cut rank pairs off (engine/restart.md): the run
// that was cut, then a run of the same platform that waits out the downtime and resumes after the
// checkpoint, with the failed parts swapped or repaired; the results of both are one run's.
#include <algorithm>
#include <string>
#include <systemc>
#include <utility>

#include "core/errors.h"
#include "core/yaml_support.h"
#include "engine/program.h"

namespace pjbit::engine::detail {

Resume Runner::resume_after_cut() {
  Resume r;
  r.from = m_checkpoint.valid ? m_checkpoint.position + 1 : 0;
  r.checkpoint_end = m_checkpoint.end;
  if (r.from == 0) return r;
  // The results kept at the positions before `from`: every instance (slot = position), or summed up those
  // of the first iteration (slot k = position k) and of the last (slot S + k = position (N - 1) S + k).
  const std::size_t steps = m_workload.steps.size();
  const auto position = [&](std::size_t slot) {
    if (!m_sum_up) return slot;
    return slot < steps ? slot : static_cast<std::size_t>(m_workload.iterations - 1) * steps + slot - steps;
  };
  r.kept = std::move(m_kept);
  r.kept_done = std::move(m_kept_done);
  for (std::size_t k = 0; k < r.kept.size(); ++k) {
    if (position(k) < r.from) continue;
    r.kept[k] = StepResult{};
    r.kept_done[k] = 0;
  }
  r.aggregates = m_checkpoint.aggregates;
  r.useful_bytes = m_checkpoint.useful_bytes;
  r.fronts = m_checkpoint.fronts;
  return r;
}

namespace {

// Adds what the cut run `earlier` did (until its cut at `earlier_end`) to `later`, the run that restarted
// it: both ran the same platform, so their links, components and faults line up. `later`'s steps already
// hold those of `earlier` up to the checkpoint (Resume); its ranks idled from 0 to its start, and the part
// of that idle time up to the cut is `earlier`'s own.
void add_earlier(SimulationResult& later, const SimulationResult& earlier, double earlier_end) {
  for (std::size_t r = 0; r < later.compute_time_s.size(); ++r)
    later.compute_time_s[r] += earlier.compute_time_s[r];
  later.time_split.compute_s += earlier.time_split.compute_s;
  later.time_split.idle_s += earlier.time_split.idle_s - earlier_end;
  for (int d = 0; d < TimeSplit::kDims; ++d)
    later.time_split.exposed_s[d] += earlier.time_split.exposed_s[d];
  later.wire_bytes += earlier.wire_bytes;
  later.hbm_bytes += earlier.hbm_bytes;
  later.transactions += earlier.transactions;
  later.packet_hops += earlier.packet_hops;
  for (std::size_t i = 0; i < later.links.size(); ++i) {
    LinkResult& l = later.links[i];
    const LinkResult& e = earlier.links[i];
    l.bytes += e.bytes;
    l.busy_s += e.busy_s;
    l.packets += e.packets;
    l.dynamic_j += e.dynamic_j;
    l.slept_s += e.slept_s;
    l.wakes += e.wakes;
    l.saved_j += e.saved_j;
  }
  for (std::size_t k = 0; k < later.faults.size(); ++k) {
    FaultResult& f = later.faults[k];
    const FaultResult& e = earlier.faults[k];
    f.occurred = f.occurred || e.occurred;
    f.rerouted_bytes += e.rerouted_bytes;
    f.time_lost_s += e.time_lost_s;
    f.energy_j += e.energy_j;
    f.retransmitted_bytes += e.retransmitted_bytes;
  }
  // The scheduler: what it did in both runs, in order; per class, traffic of both (latency percentiles are
  // those of the run with more messages).
  scheduler::SchedulerResult& s = later.scheduler;
  const scheduler::SchedulerResult& es = earlier.scheduler;
  s.reconfigurations.insert(s.reconfigurations.begin(), es.reconfigurations.begin(),
                            es.reconfigurations.end());
  s.decisions.insert(s.decisions.begin(), es.decisions.begin(), es.decisions.end());
  s.reconfiguration_dark_s += es.reconfiguration_dark_s;
  s.reconfiguration_lost_s += es.reconfiguration_lost_s;
  for (std::size_t c = 0; c < s.classes.size() && c < es.classes.size(); ++c) {
    scheduler::ClassRecord& a = s.classes[c];
    const scheduler::ClassRecord& b = es.classes[c];
    const double messages = static_cast<double>(a.messages + b.messages);
    if (messages > 0.0)
      a.latency_mean_s = (a.latency_mean_s * static_cast<double>(a.messages) +
                          b.latency_mean_s * static_cast<double>(b.messages)) /
                         messages;
    if (b.messages > a.messages) {
      a.latency_p50_s = b.latency_p50_s;
      a.latency_p99_s = b.latency_p99_s;
    }
    a.latency_max_s = std::max(a.latency_max_s, b.latency_max_s);
    a.bytes += b.bytes;
    a.messages += b.messages;
  }
  // What power/ prices: every component spent in both runs; static power and the run's time are the later
  // run's, which spans both.
  power::Usage& u = later.usage;
  const power::Usage& eu = earlier.usage;
  u.compute_time_s = later.compute_time_s;
  for (std::size_t i = 0; i < u.inventory.components.size(); ++i) {
    power::ComponentRecord& c = u.inventory.components[i];
    const power::ComponentRecord& e = eu.inventory.components[i];
    for (std::size_t k = 0; k < c.dynamic_j.size(); ++k) {
      c.dynamic_j[k] += e.dynamic_j[k];
      c.static_saved_j[k] += e.static_saved_j[k];
    }
  }
  for (std::size_t k = 0; k < u.energy.dynamic_j.size(); ++k) {
    u.energy.dynamic_j[k] += eu.energy.dynamic_j[k];
    u.energy.static_saved_j[k] += eu.energy.static_saved_j[k];
  }
}

// The step key and iteration of top-level position `p`.
std::pair<std::string, int> position_of(const workloads::WorkloadSpec& w, std::size_t p) {
  const std::size_t steps = w.steps.size();
  return {w.steps[p % steps].key, static_cast<int>(p / steps)};
}

}  // namespace

SimulationResult restart(const platforms::PlatformSpec& platform, const workloads::WorkloadSpec& workload,
                         const RunOptions& options, Runner& first, SimulationResult result) {
  const workloads::JobSpec& job = workload.job;
  platforms::PlatformSpec spec = platform;  // its faults change at each restart
  const double tps = core::ticks_per_second();
  std::vector<RestartResult> restarts;
  Cut cut = *first.cut();
  Resume resume = first.resume_after_cut();
  // Each restart ends the faults that cut the run before (swapped or repaired), so a later run is cut only
  // by faults that begin later: the loop ends.
  while (true) {
    RestartResult rs;
    rs.at_s = static_cast<double>(cut.at) / tps;
    for (std::size_t k : cut.faults)
      rs.cause += (rs.cause.empty() ? "" : ", ") + platform.faults[k].target + " at " +
                  core::format_number(platform.faults[k].at_s) + " s";
    if (cut.checkpoint) {
      const auto [key, iteration] = position_of(workload, cut.position);
      rs.checkpoint = key;
      rs.checkpoint_iteration = iteration;
      rs.checkpoint_end_s = static_cast<double>(cut.checkpoint_end) / tps;
    }
    rs.lost_s = rs.at_s - rs.checkpoint_end_s;
    rs.spares = job.spares;
    // With spares the job restarts at once on them; without, it waits for the failed parts' repair, which
    // a fault that lasts forever never brings.
    double back_s = rs.at_s;
    for (std::size_t k : cut.faults) {
      platforms::FaultSpec& f = spec.faults[k];
      if (f.kind != platforms::FaultSpec::Kind::Down) continue;
      if (job.spares) {
        f.for_s = rs.at_s - f.at_s;  // swapped for a spare at the cut
      } else if (f.forever()) {
        throw core::SimulationError(cut.message + "; the job cannot restart: " + f.target +
                                    " is never repaired and the job has no spares (job.spares: false)");
      } else {
        back_s = std::max(back_s, f.at_s + f.for_s);
      }
    }
    rs.downtime_s = back_s - rs.at_s + job.restart_s;
    rs.resumed_s = rs.at_s + rs.downtime_s;
    restarts.push_back(rs);
    resume.start = core::to_ticks(rs.resumed_s);
    // A run in a context of its own: the cut run's modules stay with the context they were made in.
    sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
    sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
    Facts facts(spec);
    validate_workload(facts, workload);
    Runner runner(spec, workload, facts, options);
    runner.resume(std::move(resume));
    SimulationResult later = runner.run();
    add_earlier(later, result, rs.at_s);
    result = std::move(later);
    if (runner.cut() == nullptr) break;
    cut = *runner.cut();
    resume = runner.resume_after_cut();
  }
  result.restarts = std::move(restarts);
  return result;
}

}  // namespace pjbit::engine::detail
