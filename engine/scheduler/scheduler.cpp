#include "engine/scheduler/scheduler.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/errors.h"

namespace pjbit::engine::scheduler {

using workloads::Step;

namespace {

constexpr int kClasses = workloads::kNumClasses;
constexpr int kBulk = static_cast<int>(workloads::TransportClass::Bulk);

// Message latencies in a log histogram: 64 buckets per octave of ticks (each 1.09% wide).
constexpr int kPerOctave = 64;

int bucket_of(core::Tick t) {
  if (t <= 1) return 0;
  return static_cast<int>(std::floor(std::log2(static_cast<double>(t)) * kPerOctave)) + 1;
}

// The middle of a bucket, in ticks (geometric).
double bucket_value(int b) {
  if (b == 0) return 1.0;
  return std::exp2((static_cast<double>(b - 1) + 0.5) / kPerOctave);
}

// The planner the policy asks (i_policy.h): phases with their demands, circuits by id, forecasts memoized.
class Planner final : public IPlanner {
 public:
  Planner(Forecast& forecast, std::vector<PhaseInfo> phases, std::vector<int> demand_of,
          std::vector<StepDemand> demands, std::vector<std::string> demand_key)
      : m_forecast(forecast),
        m_phases(std::move(phases)),
        m_demand_of(std::move(demand_of)),
        m_demands(std::move(demands)),
        m_demand_key(std::move(demand_key)),
        m_fit(m_demands.size(), -1) {
    id_of(forecast.initial(), "initial");
  }

  int phases() const override { return static_cast<int>(m_phases.size()); }
  const PhaseInfo& phase(int p) const override { return m_phases[static_cast<std::size_t>(p)]; }
  int initial() const override { return 0; }
  int fit(int p) override {
    const int d = m_demand_of[static_cast<std::size_t>(p)];
    int& f = m_fit[static_cast<std::size_t>(d)];
    if (f < 0)
      f = id_of(m_forecast.fit(m_demands[static_cast<std::size_t>(d)], m_circuits[0]),
                "circuits fit for " + m_demand_key[static_cast<std::size_t>(d)]);
    return f;
  }
  double predict(int p, int circuits) override {
    const int d = m_demand_of[static_cast<std::size_t>(p)];
    const auto key = std::make_pair(d, circuits);
    auto it = m_predicted.find(key);
    if (it == m_predicted.end())
      it = m_predicted
               .emplace(key, m_forecast.predict(m_demands[static_cast<std::size_t>(d)],
                                                m_circuits[static_cast<std::size_t>(circuits)]))
               .first;
    return it->second;
  }
  double reconfiguration_s(int from, int to) override {
    return m_forecast.reconfiguration_s(m_circuits[static_cast<std::size_t>(from)],
                                        m_circuits[static_cast<std::size_t>(to)]);
  }
  std::string describe(int circuits) const override { return m_names[static_cast<std::size_t>(circuits)]; }

  const Circuits& circuits(int id) const { return m_circuits[static_cast<std::size_t>(id)]; }
  int configurations() const { return static_cast<int>(m_circuits.size()); }

 private:
  int id_of(const Circuits& c, const std::string& name) {
    for (std::size_t i = 0; i < m_circuits.size(); ++i)
      if (m_circuits[i] == c) return static_cast<int>(i);
    m_circuits.push_back(c);
    m_names.push_back(name);
    return static_cast<int>(m_circuits.size()) - 1;
  }

  Forecast& m_forecast;
  std::vector<PhaseInfo> m_phases;
  std::vector<int> m_demand_of;  // per phase: index into m_demands
  std::vector<StepDemand> m_demands;
  std::vector<std::string> m_demand_key;
  std::vector<int> m_fit;  // per demand, or -1 until asked
  std::vector<Circuits> m_circuits;
  std::vector<std::string> m_names;
  std::map<std::pair<int, int>, double> m_predicted;
};

}  // namespace

struct Scheduler::Gate {
  std::size_t quiesce = 0;  // top-level index where the fabric is quiesced and the reconfiguration asked for
  std::size_t ready = 0;    // top-level index that needs the new circuits
  std::vector<std::pair<int, std::vector<int>>> changes;  // (index into circuit_switches(), new map)
  std::string why;
  std::string before;
  int iteration = 0;
  int arrivals = 0;
  bool released = false;
  core::Tick first = 0;
  core::Tick ready_at = 0;
  core::Tick waited = 0;
  std::vector<std::size_t> log_index;  // per change: its entry in the OCS's log
  sc_core::sc_event released_event;
};

struct Scheduler::ClassStats {
  double bytes = 0.0;
  std::uint64_t messages = 0;
  std::uint64_t delivered = 0;
  double latency_sum = 0.0;  // ticks: exact while the total stays below 2^53
  core::Tick latency_max = 0;
  core::Tick latency_min = ~core::Tick{0};
  std::vector<std::uint64_t> histogram;
  // The bucket of the last latency seen: the messages of a collective mostly take the same time, and a
  // bucket costs a logarithm.
  core::Tick last_latency = ~core::Tick{0};
  std::size_t last_bucket = 0;
  double percentile_s(double q) const {
    if (delivered == 0) return 0.0;
    const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(delivered)));
    std::uint64_t seen = 0;
    for (std::size_t b = 0; b < histogram.size(); ++b) {
      seen += histogram[b];
      if (seen >= std::max<std::uint64_t>(rank, 1)) {
        const double ticks = std::clamp(bucket_value(static_cast<int>(b)), static_cast<double>(latency_min),
                                        static_cast<double>(latency_max));
        return ticks / core::ticks_per_second();
      }
    }
    return core::to_seconds(latency_max);
  }
};

Scheduler::Scheduler(const platforms::PlatformSpec& spec, platforms::Platform& platform,
                     const TopSteps& steps)
    : m_platform(platform),
      m_spec(spec.scheduler),
      m_forecast(spec, platform.topology()),
      m_endpoints(platform.endpoints()) {
  for (int c = 0; c < kClasses; ++c)
    m_classes.push_back(std::make_unique<ClassStats>());
  plan(steps);
  for (int e = 0; e < m_endpoints; ++e)
    platform.endpoint(e).set_observer(this);
}

Scheduler::~Scheduler() = default;

void Scheduler::plan(const TopSteps& steps) {
  const IPolicy* policy = find_policy(m_spec.policy);  // engine::validate_platform has checked the name
  if (policy == nullptr)
    throw core::SimulationError("scheduler policy " + m_spec.policy + " is not registered");
  if (m_forecast.ocs_nodes().empty()) {
    // No circuits to plan: bulk deferral still needs forecasts of its checkpoints (the same every iteration).
    for (const Step& step : steps.steps())
      plan_bulk(step, {});
    return;
  }
  // Phases: the top-level steps that move data; compute over every rank between two phases is a window in
  // which a reconfiguration hides. The iterations of a step share its demand (random traffic included: its
  // forecast is its expected demand, the same each time).
  std::vector<PhaseInfo> phases;
  std::vector<std::size_t> phase_index;  // per phase: its top-level index
  std::vector<int> demand_of;
  std::vector<StepDemand> demands;
  std::vector<std::string> demand_key;
  std::map<const Step*, int> known;
  double window = 0.0;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Step& step = *steps[i].step;
    int d;
    auto it = known.find(&step);
    if (it != known.end()) {
      d = it->second;
    } else {
      demands.push_back(m_forecast.demand(step));
      demand_key.push_back(step.key);
      d = static_cast<int>(demands.size()) - 1;
      known.emplace(&step, d);
    }
    const StepDemand& demand = demands[static_cast<std::size_t>(d)];
    if (!demand.moves_data) {
      window += demand.compute_s;
      continue;
    }
    phases.push_back(PhaseInfo{step.key, steps[i].iteration, window});
    phase_index.push_back(i);
    demand_of.push_back(d);
    window = 0.0;
  }
  Planner planner(m_forecast, phases, demand_of, demands, demand_key);
  const std::vector<Decision> decisions = policy->plan(planner);
  if (decisions.size() != phases.size())
    throw core::SimulationError("scheduler policy " + m_spec.policy + " decided " +
                                std::to_string(decisions.size()) + " phases of " +
                                std::to_string(phases.size()));
  const auto& modules = m_platform.circuit_switches();
  int current = planner.initial();
  std::size_t previous_end = 0;  // the top-level index after the previous phase
  for (std::size_t p = 0; p < phases.size(); ++p) {
    const Decision& d = decisions[p];
    if (d.circuits < 0 || d.circuits >= planner.configurations())
      throw core::SimulationError("scheduler policy " + m_spec.policy + " chose unknown circuits");
    const int pi = static_cast<int>(p);
    DecisionRecord rec;
    rec.key = phases[p].key;
    rec.iteration = phases[p].iteration;
    rec.circuits = planner.describe(d.circuits);
    rec.predicted_s = planner.predict(pi, d.circuits);
    rec.predicted_current_s = planner.predict(pi, current);
    rec.predicted_fit_s = planner.predict(pi, planner.fit(pi));
    rec.window_s = phases[p].window_s;
    rec.why = d.why;
    if (!std::isfinite(rec.predicted_s))
      throw core::SimulationError("scheduler policy " + m_spec.policy + " left " + phases[p].key +
                                  " on circuits that cannot route it");
    m_predicted_static_s += planner.predict(pi, planner.initial());
    m_predicted_s += rec.predicted_s;
    if (d.circuits == current) {
      rec.action = "keep";
    } else {
      rec.action = "reconfigure";
      rec.reconfiguration_s = planner.reconfiguration_s(current, d.circuits);
      m_predicted_s += std::max(0.0, rec.reconfiguration_s - rec.window_s);
      auto gate = std::make_unique<Gate>();
      gate->quiesce = previous_end;
      gate->ready = phase_index[p];
      gate->why = d.why;
      gate->before = phases[p].key;
      gate->iteration = phases[p].iteration;
      const Circuits& from = planner.circuits(current);
      const Circuits& to = planner.circuits(d.circuits);
      for (std::size_t k = 0; k < to.size(); ++k) {
        if (from[k] == to[k]) continue;
        for (std::size_t m = 0; m < modules.size(); ++m)
          if (m_platform.ocs_node(m) == m_forecast.ocs_nodes()[k])
            gate->changes.emplace_back(static_cast<int>(m), to[k]);
      }
      m_quiesce_at[gate->quiesce] = gate.get();
      m_ready_at[gate->ready] = gate.get();
      m_gates.push_back(std::move(gate));
      current = d.circuits;
    }
    m_decision_at.emplace(phase_index[p], m_decisions.size());
    m_decisions.push_back(rec);
    previous_end = phase_index[p] + 1;
  }
  // Checkpoints with a deadline: their forecast alone, on the circuits of the phase they run in.
  std::size_t p = 0;
  current = planner.initial();
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (p < phase_index.size() && phase_index[p] == i) current = decisions[p++].circuits;
    plan_bulk(*steps[i].step, planner.circuits(current));
  }
}

void Scheduler::plan_bulk(const Step& step, const Circuits& circuits) {
  if (step.kind == Step::Kind::Parallel) {
    for (const Step& c : step.children)
      plan_bulk(c, circuits);
    return;
  }
  if (!defers(step)) return;
  const Circuits on = circuits.empty() ? m_forecast.initial() : circuits;
  const double alone = m_forecast.predict(m_forecast.demand(step), on);
  double& f = m_bulk_forecast_s[&step];
  f = std::max(f, std::isfinite(alone) ? alone : 0.0);
}

void Scheduler::started(std::size_t index, double start_s) {
  const auto it = m_decision_at.find(index);
  if (it != m_decision_at.end()) m_decisions[it->second].start_s = start_s;
}

void Scheduler::before(std::size_t index, int endpoint) {
  if (m_quiesce_at.empty()) return;  // no circuits change
  const auto quiesce = m_quiesce_at.find(index);
  if (Gate* g = quiesce == m_quiesce_at.end() ? nullptr : quiesce->second) {
    const core::Tick now = core::now_ticks();
    if (g->arrivals++ == 0) g->first = now;
    if (g->arrivals == m_endpoints) {
      // Every endpoint has finished every step before this one: no bit is in flight, so none can cross a
      // circuit while it is dark.
      for (const auto& [module, map] : g->changes) {
        ocs::Ocs& o = *m_platform.circuit_switches()[static_cast<std::size_t>(module)];
        g->ready_at = std::max(g->ready_at, o.reconfigure(map, "scheduler " + m_spec.policy + " for " +
                                                                   g->before + ": " + g->why));
        g->log_index.push_back(o.reconfigurations().size() - 1);
      }
      g->released = true;
      g->released_event.notify(sc_core::SC_ZERO_TIME);
    } else {
      while (!g->released)
        sc_core::wait(g->released_event);
    }
  }
  const auto ready = m_ready_at.find(index);
  if (Gate* g = ready == m_ready_at.end() ? nullptr : ready->second) {
    const core::Tick now = core::now_ticks();
    if (now < g->ready_at) {
      // Time lost is what accelerators wait; pools and reduction engines wait too, but lose nothing.
      if (endpoint < m_platform.ranks()) g->waited = std::max(g->waited, g->ready_at - now);
      sc_core::wait(core::ticks_to_time(g->ready_at - now));
    }
  }
}

std::size_t Scheduler::next_gate(std::size_t index) const {
  std::size_t next = std::numeric_limits<std::size_t>::max();
  for (const auto* gates : {&m_quiesce_at, &m_ready_at}) {
    const auto it = gates->lower_bound(index);
    if (it != gates->end()) next = std::min(next, it->first);
  }
  return next;
}

bool Scheduler::defers(const Step& step) const {
  return m_spec.defer_bulk && step.kind == Step::Kind::Memory && step.checkpoint && step.memory.write &&
         step.memory.cls == workloads::TransportClass::Bulk && step.memory.deadline_s > 0.0;
}

core::Tick Scheduler::write_deferred(accelerator::Accelerator& acc, int pool, std::uint64_t bytes,
                                     std::uint64_t tag, core::StepTally* tally, const Step& step,
                                     core::Tick step_start) {
  const auto it = m_bulk_forecast_s.find(&step);
  const double alone_s = it == m_bulk_forecast_s.end() ? 0.0 : it->second;
  const core::Tick deadline = core::later(step_start, core::to_ticks(step.memory.deadline_s));
  const auto cls = static_cast<std::uint8_t>(step.memory.cls);
  core::Tick held = 0;
  std::uint64_t left = bytes;
  while (left > 0) {
    const core::Tick now = core::now_ticks();
    // The latest time the rest can start and still end by the deadline at the forecast rate.
    const core::Tick need = core::to_ticks(alone_s * static_cast<double>(left) /
                                           static_cast<double>(std::max<std::uint64_t>(bytes, 1)));
    const core::Tick latest = deadline > need ? deadline - need : 0;
    if (now < latest && m_above_bulk_in_flight > 0) {
      sc_core::wait(core::ticks_to_time(latest - now), m_idle);
      held += core::now_ticks() - now;
      continue;
    }
    const std::uint64_t piece = now >= latest ? left : std::min(left, m_spec.bulk_chunk_bytes);
    accelerator::Completion done;
    acc.send(pool, piece, cls, tag, done, tally);
    done.wait();
    left -= piece;
  }
  return held;
}

void Scheduler::sent(int, int, std::uint8_t cls, std::uint64_t bytes) {
  const int c = std::min<int>(cls, kClasses - 1);
  ClassStats& s = *m_classes[static_cast<std::size_t>(c)];
  s.bytes += static_cast<double>(bytes);
  ++s.messages;
  if (c < kBulk) ++m_above_bulk_in_flight;
}

void Scheduler::delivered(int, int, std::uint8_t cls, std::uint64_t, core::Tick latency) {
  const int c = std::min<int>(cls, kClasses - 1);
  ClassStats& s = *m_classes[static_cast<std::size_t>(c)];
  ++s.delivered;
  s.latency_sum += static_cast<double>(latency);
  s.latency_max = std::max(s.latency_max, latency);
  s.latency_min = std::min(s.latency_min, latency);
  if (latency != s.last_latency) {
    s.last_latency = latency;
    s.last_bucket = static_cast<std::size_t>(bucket_of(latency));
  }
  const std::size_t b = s.last_bucket;
  if (s.histogram.size() <= b) s.histogram.resize(b + 1, 0);
  ++s.histogram[b];
  if (c < kBulk && --m_above_bulk_in_flight == 0) m_idle.notify(sc_core::SC_ZERO_TIME);
}

SchedulerResult Scheduler::result() const {
  SchedulerResult r;
  r.policy = m_spec.policy;
  r.priorities = m_spec.priorities;
  r.arbitration = m_spec.priorities ? m_spec.arbitration : "none";
  r.weights = m_spec.weights;
  r.defer_bulk = m_spec.defer_bulk;
  r.decisions = m_decisions;
  r.predicted_s = m_predicted_s;
  r.predicted_static_s = m_predicted_static_s;
  const auto& topo = m_platform.topology();
  for (const auto& g : m_gates) {
    for (std::size_t c = 0; c < g->changes.size() && c < g->log_index.size(); ++c) {
      const auto module = static_cast<std::size_t>(g->changes[c].first);
      const ocs::Ocs& o = *m_platform.circuit_switches()[module];
      const ocs::Reconfiguration& log = o.reconfigurations()[g->log_index[c]];
      ReconfigurationRecord rec;
      rec.ocs = topo.nodes[static_cast<std::size_t>(m_platform.ocs_node(module))].name;
      rec.before = g->before;
      rec.iteration = g->iteration;
      rec.quiesce_s = core::to_seconds(g->first);
      rec.requested_s = core::to_seconds(log.requested);
      rec.start_s = core::to_seconds(log.start);
      rec.end_s = core::to_seconds(log.end);
      rec.duration_s = core::to_seconds(log.end - log.start);
      rec.lost_s = core::to_seconds(g->waited);
      rec.ports = log.ports;
      rec.peers = log.peers;
      rec.why = g->why;
      r.reconfiguration_dark_s += rec.duration_s;
      if (c == 0) r.reconfiguration_lost_s += rec.lost_s;  // one wait per gate, whatever it changed
      r.reconfigurations.push_back(rec);
    }
  }
  for (int c = 0; c < kClasses; ++c) {
    const ClassStats& s = *m_classes[static_cast<std::size_t>(c)];
    ClassRecord rec;
    rec.name = workloads::class_name(static_cast<workloads::TransportClass>(c));
    rec.bytes = s.bytes;
    rec.messages = s.messages;
    if (s.delivered > 0) {
      rec.latency_mean_s = s.latency_sum / static_cast<double>(s.delivered) / core::ticks_per_second();
      rec.latency_p50_s = s.percentile_s(0.50);
      rec.latency_p99_s = s.percentile_s(0.99);
      rec.latency_max_s = core::to_seconds(s.latency_max);
    }
    r.classes.push_back(rec);
  }
  return r;
}

}  // namespace pjbit::engine::scheduler
