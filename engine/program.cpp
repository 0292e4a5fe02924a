// Chapter 2 of a run: a workload's steps become each endpoint's program. Each top-level step of each
// iteration is an Instance with what every endpoint does in it: a collective's per-rank schedule (played by a
// PhaseMachine), compute, a pool's side of a memory step, random traffic, or parallel children.
#include <algorithm>
#include <functional>
#include <map>

#include "core/errors.h"
#include "engine/program.h"
#include "engine/recorder.h"
#include "engine/traffic.h"

namespace pjbit::engine::detail {

namespace {

// The ids an instance of `step` takes: its own, and its sub-steps'.
std::uint64_t id_span(const Step& step) {
  std::uint64_t span = 1;
  for (const Step& c : step.children)
    span += id_span(c);
  return span;
}

// Appends the ranks (below n) that random traffic of `step` (or of a sub-step) may involve in some iteration:
// its pairs are drawn anew each iteration among its ranks (every rank when it lists none).
void add_drawable(const Step& step, int n, std::vector<int>& out) {
  if (step.kind == Step::Kind::Traffic) {
    const workloads::TrafficStep& t = step.traffic;
    if (!t.pairs.empty()) return;
    if (t.ranks.empty()) {
      for (int r = 0; r < n; ++r)
        out.push_back(r);
    } else {
      for (int r : t.ranks)
        if (r < n) out.push_back(r);
    }
    return;
  }
  for (const Step& c : step.children)
    add_drawable(c, n, out);
}

}  // namespace

Part& Parts::set(int endpoint) {
  m_endpoints.push_back(endpoint);
  return m_parts.emplace_back();
}

void Parts::seal() {
  // Mostly given in ascending order already (a step's ranks), each once.
  if (std::adjacent_find(m_endpoints.begin(), m_endpoints.end(), std::greater_equal<int>()) ==
      m_endpoints.end())
    return;
  std::vector<std::size_t> order(m_endpoints.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return m_endpoints[a] < m_endpoints[b]; });
  std::vector<int> endpoints;
  std::vector<Part> parts;
  endpoints.reserve(order.size());
  parts.reserve(order.size());
  for (std::size_t i : order) {
    if (!endpoints.empty() && endpoints.back() == m_endpoints[i]) {
      parts.back() = m_parts[i];  // set again: the later part
      continue;
    }
    endpoints.push_back(m_endpoints[i]);
    parts.push_back(m_parts[i]);
  }
  m_endpoints = std::move(endpoints);
  m_parts = std::move(parts);
}

const Part& Parts::at(int endpoint) const {
  static const Part kNone{};
  const auto it = std::lower_bound(m_endpoints.begin(), m_endpoints.end(), endpoint);
  if (it == m_endpoints.end() || *it != endpoint) return kNone;
  return m_parts[static_cast<std::size_t>(it - m_endpoints.begin())];
}

// Plans the top-level step instances, the scheduler that gates them, and each endpoint's program.
void Runner::program(platforms::Platform& platform) {
  m_platform = &platform;
  const int n = platform.ranks();
  m_endpoints = platform.endpoints();
  m_timers = std::make_unique<core::EventQueue<PhaseMachine*>>("phase_timers",
                                                               [](PhaseMachine* const& m) { m->resume(); });
  m_releases = std::make_unique<core::EventQueue<PhaseMachine*>>(
      "send_releases", [this](PhaseMachine* const& m) { guard([&] { m->release_sends(); }); });
  m_compute_ends = std::make_unique<core::EventQueue<Detached*>>(
      "compute_ends", [this](Detached* const& d) { guard([&] { d->compute_done(); }); });
  m_traffic_sends = std::make_unique<core::EventQueue<Detached*>>(
      "traffic_sends", [this](Detached* const& d) { guard([&] { d->send_due(); }); });
  // Per step: the ids of its instances (as if every instance were made in order, sub-steps after their step),
  // and the endpoints that may take part in one: those of an instance made here to see, and the ranks random
  // traffic may draw, whose pairs change with the iteration.
  const std::size_t steps = m_workload.steps.size();
  m_top_count = steps * static_cast<std::size_t>(m_workload.iterations);
  {
    // Per step its endpoints, then per endpoint its steps (ascending, as the steps are visited in order).
    std::vector<std::vector<int>> takers(steps);
    m_steps_from.assign(static_cast<std::size_t>(m_endpoints) + 1, 0);
    for (std::size_t s = 0; s < steps; ++s) {
      const Step& step = m_workload.steps[s];
      m_first_id.push_back(m_ids_per_iteration);
      m_ids_per_iteration += id_span(step);
      std::uint64_t scratch_id = 0;
      std::vector<int>& takes = takers[s];
      takes = instantiate(step, 0, n, scratch_id)->parts.endpoints();
      const std::size_t made = takes.size();
      add_drawable(step, n, takes);
      if (takes.size() > made) {
        std::sort(takes.begin(), takes.end());
        takes.erase(std::unique(takes.begin(), takes.end()), takes.end());
      }
      m_takers.push_back(static_cast<int>(takes.size()));
      for (int e : takes)
        ++m_steps_from[static_cast<std::size_t>(e) + 1];
    }
    for (std::size_t e = 0; e < static_cast<std::size_t>(m_endpoints); ++e)
      m_steps_from[e + 1] += m_steps_from[e];
    m_steps_of.resize(m_steps_from.back());
    std::vector<std::size_t> fill(m_steps_from.begin(), m_steps_from.end() - 1);
    for (std::size_t s = 0; s < steps; ++s) {
      for (int e : takers[s])
        m_steps_of[fill[static_cast<std::size_t>(e)]++] = static_cast<int>(s);
      std::vector<int>().swap(takers[s]);
    }
  }
  // What the results keep: every instance, or the first and last iteration's and every step's aggregate.
  m_sum_up = !m_all_steps && m_workload.iterations > kFullIterations;
  if (m_sum_up) m_kept_iterations = {0, m_workload.iterations - 1};
  m_kept.resize(m_sum_up ? 2 * steps : m_top_count);
  m_kept_done.assign(m_kept.size(), 0);
  if (m_sum_up) {
    // The fronts of step loads for power/'s peaks (Runner::finish): the run's, the largest dynamic power, and
    // one per rack.
    const platforms::Topology& topo = platform.topology();
    for (int r = 0; r < n; ++r)
      m_rank_rack.push_back(
          topo.nodes[static_cast<std::size_t>(topo.endpoint_node[static_cast<std::size_t>(r)])].rack);
    m_here.assign(static_cast<std::size_t>(topo.racks()), 0);
    m_fronts.resize(2 + m_here.size());
    const std::function<void(const Step&)> slot = [&](const Step& s) {
      m_aggregate_of[&s] = m_aggregates.size();
      m_aggregates.emplace_back();
      m_aggregates.back().key = s.key;
      for (const Step& c : s.children)
        slot(c);
    };
    for (const Step& step : m_workload.steps)
      slot(step);
  }
  // A job that restarts on faults keeps track of its checkpoints; a restarted run starts with the results of
  // the positions before the one it resumes at (engine/restart.md).
  m_restartable = m_workload.job.restart_on_fault && !m_spec.faults.empty();
  if (m_restartable) m_finished.assign(m_top_count, 0);
  if (m_resume.from > 0) {
    m_kept = std::move(m_resume.kept);
    m_kept_done = std::move(m_resume.kept_done);
    if (m_sum_up) {
      m_aggregates = std::move(m_resume.aggregates);
      m_useful_bytes = m_resume.useful_bytes;
      m_fronts = std::move(m_resume.fronts);
    }
    std::fill(m_finished.begin(), m_finished.begin() + static_cast<std::ptrdiff_t>(m_resume.from), 1);
    m_finished_prefix = m_resume.from;
    m_checkpoint.valid = true;
    m_checkpoint.position = m_resume.from - 1;
    m_checkpoint.end = m_resume.checkpoint_end;
    m_checkpoint.aggregates = m_aggregates;
    m_checkpoint.useful_bytes = m_useful_bytes;
    m_checkpoint.fronts = m_fronts;
  }
  if (m_workload.graph) {
    m_dependents.assign(steps, {});
    for (std::size_t s = 0; s < steps; ++s)
      for (int a : m_workload.steps[s].after)
        m_dependents[static_cast<std::size_t>(a)].push_back(static_cast<int>(s));
  }
  if (m_workload.serving.on) m_serving = std::make_unique<Serving>(*this, platform);
  m_end.assign(static_cast<std::size_t>(m_endpoints), 0);
  m_clocks.assign(static_cast<std::size_t>(n), RankClock{});
  m_done.assign(static_cast<std::size_t>(m_endpoints), 0);
  m_progress_total = static_cast<std::uint64_t>(m_top_count) * static_cast<std::uint64_t>(n);
  m_progress_done = static_cast<std::uint64_t>(m_resume.from) * static_cast<std::uint64_t>(n);
  // The scheduler plans the OCS circuits of every top-level step and gates the steps that need new ones.
  m_scheduler = std::make_unique<scheduler::Scheduler>(
      m_spec, platform, scheduler::TopSteps(m_workload.steps, m_workload.iterations));
  if (runs_without_threads(m_facts, m_workload)) {
    // Every program starts at time 0 in the order the endpoints were made, as their threads would (the
    // builder makes them in the order of their topology nodes).
    std::vector<int> order = all_ranks(m_endpoints);
    const auto& node_of = platform.topology().endpoint_node;
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
      return node_of[static_cast<std::size_t>(a)] < node_of[static_cast<std::size_t>(b)];
    });
    for (int e : order) {
      accelerator::Accelerator& acc = platform.endpoint(e);
      acc.run_without_thread();
      m_programs.push_back(std::make_unique<ProgramMachine>(*this, acc, e));
      core::Dispatcher::current().resume_next_delta(m_programs.back().get());
    }
    return;
  }
  for (int e = 0; e < m_endpoints; ++e) {
    platform.endpoint(e).set_program([this, e](accelerator::Accelerator& acc) {
      // SystemC would turn an exception leaving a process into a generic report: keep it whole instead,
      // stop the kernel, and rethrow it from run().
      guard([&] {
        if (m_serving) {
          m_serving->program(e);
        } else if (m_workload.graph) {
          GraphWalk(*this, acc, e).run();
        } else {
          // A restarted run waits out the cut and the restart's downtime first.
          if (m_resume.start > 0) sc_core::wait(core::delay_from_now(m_resume.start));
          // From step to step the endpoint takes part in, stopping at every gate of the scheduler's too.
          std::size_t i = m_resume.from;
          while (i < m_top_count) {
            const std::size_t taken = next_taken(e, i);
            const std::size_t next = std::min(taken, m_scheduler->next_gate(i));
            if (next >= m_top_count) {
              stepped(e, m_top_count - i);
              break;
            }
            stepped(e, next - i);
            m_scheduler->before(next, e);
            if (next == taken) {
              execute(acquire(next), acc);
              release(next);
            }
            stepped(e);
            i = next + 1;
          }
        }
        m_end[static_cast<std::size_t>(e)] = core::now_ticks();
        m_done[static_cast<std::size_t>(e)] = 1;
        // SystemC deletes a finished thread after finding it in its list of threads, searched from the
        // newest; endpoints tend to finish oldest first (in rank order), which makes that quadratic in
        // the endpoints (docs/performance.md). So programs end together: each waits for the last, and
        // the kernel wakes the waiters of one event latest first.
        if (++m_done_count < m_endpoints) {
          sc_core::wait(m_all_done);
        } else {
          m_all_done.notify(sc_core::SC_ZERO_TIME);
        }
      });
    });
  }
}

void Runner::stepped(int endpoint, std::size_t count) {
  if (count == 0 || !m_progress || endpoint >= m_spec.ranks()) return;
  m_progress_done += count;
  m_progress(Progress{m_progress_done, m_progress_total, sc_core::sc_time_stamp().to_seconds()});
}

core::Span<int> Runner::steps_of(int e) const {
  const std::size_t from = m_steps_from[static_cast<std::size_t>(e)];
  return {m_steps_of.data() + from, m_steps_from[static_cast<std::size_t>(e) + 1] - from};
}

std::size_t Runner::position(core::Span<int> steps, std::size_t s) {
  const auto it = std::lower_bound(steps.begin(), steps.end(), static_cast<int>(s));
  return it != steps.end() && *it == static_cast<int>(s) ? static_cast<std::size_t>(it - steps.begin())
                                                         : steps.size();
}

std::size_t Runner::next_taken(int e, std::size_t i) const {
  const core::Span<int> mine = steps_of(e);
  if (mine.empty() || i >= m_top_count) return m_top_count;
  const std::size_t steps = m_workload.steps.size();
  const std::size_t base = i - i % steps;
  const auto it = std::lower_bound(mine.begin(), mine.end(), static_cast<int>(i % steps));
  // In this iteration, or the next one's first.
  const std::size_t next = it != mine.end() ? base + static_cast<std::size_t>(*it) : base + steps + mine[0];
  return std::min(next, m_top_count);
}

Instance& Runner::acquire(std::size_t i) {
  Live& live = m_live[i];
  if (!live.inst) {
    const std::size_t steps = m_workload.steps.size();
    const int iteration = static_cast<int>(i / steps);
    std::uint64_t id = static_cast<std::uint64_t>(iteration) * m_ids_per_iteration + m_first_id[i % steps];
    live.inst = instantiate(m_workload.steps[i % steps], iteration, m_spec.ranks(), id);
    live.pending = m_takers[i % steps];
  }
  return *live.inst;
}

void Runner::release(std::size_t i) {
  const auto it = m_live.find(i);
  if (--it->second.pending > 0) return;
  finish(i, *it->second.inst);
  m_live.erase(it);
}

void Runner::finish_untaken() {
  const std::size_t steps = m_workload.steps.size();
  for (std::size_t i = m_resume.from; i < m_top_count; ++i) {
    if (m_takers[i % steps] > 0) continue;
    const int iteration = static_cast<int>(i / steps);
    std::uint64_t id = static_cast<std::uint64_t>(iteration) * m_ids_per_iteration + m_first_id[i % steps];
    finish(i, *instantiate(m_workload.steps[i % steps], iteration, m_spec.ranks(), id));
  }
}

std::unique_ptr<Instance> Runner::instantiate(const Step& step, int iteration, int n,
                                              std::uint64_t& next_id) {
  auto inst = std::make_unique<Instance>();
  inst->step = &step;
  inst->iteration = iteration;
  inst->id = next_id++;
  switch (step.kind) {
    case Step::Kind::Collective: {
      const auto& c = step.collective;
      inst->group = c.ranks.empty() ? all_ranks(n) : c.ranks;
      inst->algorithm = algorithm_of(m_spec, c);
      inst->channels = channels_of(m_spec, c, inst->algorithm);
      auto& cached = m_plans[&step];
      if (!cached) {
        cached = workloads::find_collective(inst->algorithm)
                     ->plan_channels(c.op, inst->group, c.size_bytes, m_facts.collective, inst->channels);
      }
      inst->plan = cached;
      auto comm = m_comm.find(&step);
      if (comm == m_comm.end())
        comm = m_comm.emplace(&step, comm_costs(m_facts, inst->algorithm, inst->group, *cached, c.size_bytes))
                   .first;
      inst->comm = comm->second;
      for (std::size_t i = 0; i < inst->group.size(); ++i)
        inst->parts.set(inst->group[i]) = Part{cached.get(), static_cast<int>(i), nullptr};
      auto reducers = m_reducers.find(&step);
      if (reducers == m_reducers.end())
        reducers = m_reducers
                       .emplace(&step, reducers_for(m_facts, *workloads::find_collective(inst->algorithm),
                                                    inst->group, step))
                       .first;
      inst->reducers = reducers->second;
      if (!inst->reducers.empty()) add_reducer_phases(*inst);
      break;
    }
    case Step::Kind::Compute: {
      const auto& c = step.compute;
      inst->group = c.ranks.empty() ? all_ranks(n) : c.ranks;
      inst->duration_s = c.has_work ? c.work_flop / m_spec.accelerator.compute_flops : c.duration_s;
      inst->hbm_bytes = c.bytes;
      if (c.bytes > 0)
        inst->duration_s =
            std::max(inst->duration_s, static_cast<double>(c.bytes) / m_spec.accelerator.hbm.bandwidth_Bps);
      mark_all(*inst);
      break;
    }
    case Step::Kind::Memory: {
      const auto& m = step.memory;
      inst->group = m.ranks.empty() ? all_ranks(n) : m.ranks;
      inst->pool = m_facts.topo.pool_endpoint(m.pool);
      const auto& pool = m_facts.topo
                             .nodes[static_cast<std::size_t>(
                                 m_facts.topo.endpoint_node[static_cast<std::size_t>(inst->pool)])]
                             .pool;
      inst->pool_latency_s = pool.latency_s;
      // One phase: every rank moves its share to or from the pool; the pool serves them all at once.
      inst->own.resize(inst->group.size() + 1);
      Phase& pool_phase = inst->own.back().emplace_back();
      for (std::size_t i = 0; i < inst->group.size(); ++i) {
        Phase& ph = inst->own[i].emplace_back();
        const int r = inst->group[i];
        if (m.write) {
          ph.sends.push_back({inst->pool, m.size_bytes, {}});
          pool_phase.recvs.push_back({r, m.size_bytes, {}});
        } else {
          // A read is asked for: the rank sends a request and receives the data; the pool answers each
          // request on its own (see execute), so it never sends before a rank has reached the step.
          ph.sends.push_back({inst->pool, kReadRequestBytes, {}});
          ph.recvs.push_back({inst->pool, m.size_bytes, {}});
          pool_phase.recvs.push_back({r, kReadRequestBytes, {}});
          pool_phase.sends.push_back({r, m.size_bytes, {}});
        }
        inst->parts.set(r).own = &inst->own[i];
      }
      inst->parts.set(inst->pool).own = &inst->own.back();
      break;
    }
    case Step::Kind::Traffic: {
      inst->messages =
          workloads::traffic_messages(step.traffic, n, m_seed, workloads::traffic_salt(step.key, iteration));
      std::vector<bool> in(static_cast<std::size_t>(n), false);
      for (const auto& m : inst->messages)
        in[static_cast<std::size_t>(m.src)] = in[static_cast<std::size_t>(m.dst)] = true;
      for (int r = 0; r < n; ++r)
        if (in[static_cast<std::size_t>(r)]) inst->group.push_back(r);
      mark_all(*inst);
      break;
    }
    case Step::Kind::Parallel: {
      // The endpoints of every sub-step, in order.
      std::vector<int> in;
      for (const Step& child : step.children) {
        inst->children.push_back(instantiate(child, iteration, n, next_id));
        const std::vector<int>& its = inst->children.back()->parts.endpoints();
        in.insert(in.end(), its.begin(), its.end());
      }
      std::sort(in.begin(), in.end());
      in.erase(std::unique(in.begin(), in.end()), in.end());
      for (int e : in) {
        if (e < n) inst->group.push_back(e);
        inst->parts.set(e).own = &m_empty;
      }
      inst->detach = detaches_sub_steps(m_facts, step);
      break;
    }
  }
  inst->parts.seal();
  return inst;
}

void Runner::mark_all(Instance& inst) {
  for (int r : inst.group)
    inst.parts.set(r).own = &m_empty;
}

// In-switch reduction: every rank's transfers with slot s are mirrored into the phases of slot s's reduction
// engine (slots served by one engine share its phases).
void Runner::add_reducer_phases(Instance& inst) {
  // The plans of algorithms that reduce in switches are their built schedules.
  const workloads::Schedule* built = inst.plan->materialized();
  if (built == nullptr) throw core::SimulationError(inst.algorithm + " needs a built schedule");
  const auto& schedule = *built;
  std::vector<std::size_t> own_of(inst.reducers.size());  // slot -> index in inst.own
  std::vector<int> engines;
  for (std::size_t slot = 0; slot < inst.reducers.size(); ++slot) {
    const auto it = std::find(engines.begin(), engines.end(), inst.reducers[slot]);
    own_of[slot] = static_cast<std::size_t>(it - engines.begin());
    if (it == engines.end()) engines.push_back(inst.reducers[slot]);
  }
  inst.own.assign(engines.size(), std::vector<Phase>(schedule.front().size()));
  for (std::size_t i = 0; i < schedule.size(); ++i) {
    for (std::size_t k = 0; k < schedule[i].size(); ++k) {
      for (const auto& t : schedule[i][k].sends)
        if (t.peer < 0)
          inst.own[own_of[static_cast<std::size_t>(workloads::in_network_slot(t.peer))]][k].recvs.push_back(
              {inst.group[i], t.bytes, t.chunks});
      for (const auto& t : schedule[i][k].recvs)
        if (t.peer < 0)
          inst.own[own_of[static_cast<std::size_t>(workloads::in_network_slot(t.peer))]][k].sends.push_back(
              {inst.group[i], t.bytes, t.chunks});
    }
  }
  for (std::size_t e = 0; e < engines.size(); ++e)
    inst.parts.set(engines[e]).own = &inst.own[e];
}

// Runs `part`'s phases for `acc`, blocking the calling thread until the last completes. The phases are
// driven by completions, not by the thread: one wake-up per step and rank instead of one per phase.
void Runner::run_phases(Instance& inst, accelerator::Accelerator& acc, const Part& part, bool is_rank) {
  const int lanes = lanes_of(inst, part, is_rank);
  if (lanes > 1) {
    Lanes run(*this, inst, acc, part, is_rank, lanes);
    run.run();
    run.wait();
    return;
  }
  // On the heap rather than the thread's stack: the machines of one step sit together in memory, where the
  // fabric's completions reach them, instead of one per rank's stack.
  auto machine = std::make_unique<PhaseMachine>(*this, inst, acc, part, is_rank);
  machine->run();
  machine->wait();
}

int lanes_of(const Instance& inst, const Part& part, bool is_rank) {
  if (!is_rank || !inst.comm.on || inst.comm.family != accelerator::Family::Ring || part.plan == nullptr ||
      part.lane >= 0)
    return 1;
  const int lanes = part.plan->lanes();
  // A lane's tags hold its index in 7 bits and the phase in 17 (PhaseMachine::post): a ring of up to 65,536
  // ranks (2 x 65,535 phases) in up to 128 lanes (64 channels of bidir_ring). Beyond, the lanes run merged.
  constexpr int kMaxLanes = 1 << 7;
  constexpr int kMaxPhases = 1 << 17;
  if (lanes <= 1 || lanes > kMaxLanes || part.phases() > kMaxPhases) return 1;
  return lanes;
}

Lanes::Lanes(Runner& runner, Instance& inst, accelerator::Accelerator& acc, const Part& part, bool is_rank,
             int lanes, accelerator::CompletionListener* finished)
    : m_left(static_cast<std::size_t>(lanes)), m_finished_listener(finished) {
  m_machines.reserve(m_left);
  for (int l = 0; l < lanes; ++l) {
    Part mine = part;
    mine.lane = l;
    m_machines.push_back(std::make_unique<PhaseMachine>(runner, inst, acc, mine, is_rank, this, lanes));
  }
}

void Lanes::run() {
  // A lane may finish while starting (nothing to move): completed() counts it, and the last one ends the run.
  for (auto& m : m_machines)
    m->run();
}

void Lanes::completed() {
  if (--m_left > 0) return;
  if (m_finished_listener != nullptr) {
    m_finished_listener->completed();
  } else {
    m_finished_event.notify();
  }
}

void Runner::clock_to(RankClock& c, core::Tick now) {
  if (now <= c.since) return;
  const double elapsed = core::to_seconds(now - c.since);
  c.since = now;
  if (c.computing > 0) {
    c.compute_s += elapsed;
    return;
  }
  int active = 0;
  for (int open : c.open)
    active += open > 0 ? 1 : 0;
  if (active == 0) {
    c.idle_s += elapsed;
    return;
  }
  for (int d = 0; d < TimeSplit::kDims; ++d)
    if (c.open[d] > 0) c.exposed_s[d] += elapsed / active;
}

void Runner::clock(int rank, Instance& inst, int delta) {
  if (inst.step->kind == Step::Kind::Parallel) return;  // its sub-steps count
  RankClock& c = m_clocks[static_cast<std::size_t>(rank)];
  clock_to(c, core::now_ticks());
  if (inst.step->kind == Step::Kind::Compute) {
    // A step of no duration computes for no time.
    if (inst.duration_s > 0.0) c.computing += delta;
    return;
  }
  const int dim = TimeSplit::index_of(inst.step->dim);
  if (inst.step->kind == Step::Kind::Traffic && inst.step->dim == "pp" && !inst.step->traffic.pairs.empty()) {
    // A pipeline message: a receiver waits for its stage before it, which is the pipeline's bubble (idle),
    // until its sender has finished computing and entered the step; from then on, for the transfer itself
    // (exposed pipeline communication).
    const auto& pairs = inst.step->traffic.pairs;
    const auto has = [](const std::vector<int>& v, int r) {
      return std::find(v.begin(), v.end(), r) != v.end();
    };
    const auto sender_of = [&](int r) {
      for (const auto& [src, dst] : pairs)
        if (dst == r) return src;
      return -1;
    };
    const int sender = sender_of(rank);
    if (delta > 0) {
      if (sender >= 0 && !has(inst.stage_senders, sender)) {
        inst.stage_waiting.push_back(rank);
        return;  // idle until the sender enters
      }
      c.open[dim] += 1;
      const bool sends =
          std::any_of(pairs.begin(), pairs.end(), [&](const auto& p) { return p.first == rank; });
      if (!sends) return;
      inst.stage_senders.push_back(rank);
      // The receivers that waited for this sender now wait for its message.
      for (auto it = inst.stage_waiting.begin(); it != inst.stage_waiting.end();) {
        if (sender_of(*it) != rank) {
          ++it;
          continue;
        }
        RankClock& w = m_clocks[static_cast<std::size_t>(*it)];
        clock_to(w, core::now_ticks());
        w.open[dim] += 1;
        it = inst.stage_waiting.erase(it);
      }
      return;
    }
    // Leaving: a receiver still waiting for its sender never opened the step.
    const auto waiting = std::find(inst.stage_waiting.begin(), inst.stage_waiting.end(), rank);
    if (waiting != inst.stage_waiting.end()) {
      inst.stage_waiting.erase(waiting);
      return;
    }
  }
  c.open[dim] += delta;
}

core::Tick Runner::enter(Instance& inst, accelerator::Accelerator& acc, bool is_rank) {
  const core::Tick entered = core::now_ticks();
  if (is_rank) inst.start = std::min(inst.start, entered);
  if (is_rank) clock(acc.rank(), inst, +1);
  if (is_rank && m_recorder)
    m_recorder->step_begin(acc.rank(), inst.id, *inst.step, inst.iteration, inst.algorithm, inst.channels);
  return entered;
}

void Runner::leave(Instance& inst, accelerator::Accelerator& acc, bool is_rank, core::Tick entered) {
  if (!is_rank) return;
  clock(acc.rank(), inst, -1);
  inst.end = std::max(inst.end, core::now_ticks());
  inst.rank_ticks += core::now_ticks() - entered;
  if (m_recorder) m_recorder->step_end(acc.rank(), inst.id);
}

namespace {
// A pool's memory takes rank `rank`'s part of a memory step: a device of a registered kind by b_transport,
// taking its own time (modules/memory_pool/memory_pool.md), else the pool's latency.
void access_pool(memory_pool::Media& media, const Instance& inst, int rank, bool write) {
  if (media.has_device()) {
    const std::uint64_t size = inst.step->memory.size_bytes;
    const auto at = static_cast<std::uint64_t>(std::find(inst.group.begin(), inst.group.end(), rank) -
                                               inst.group.begin());
    media.transfer(write, at * size, size);
  } else if (inst.pool_latency_s > 0.0) {
    sc_core::wait(core::delay_from_now(core::to_ticks(inst.pool_latency_s)));
  }
}
}  // namespace

void Runner::execute(Instance& inst, accelerator::Accelerator& acc) {
  const int me = acc.rank();
  const Part& part = inst.parts.at(me);
  if (!part.active()) return;
  const bool is_rank = me < m_spec.ranks();
  const core::Tick entered = enter(inst, acc, is_rank);
  switch (inst.step->kind) {
    case Step::Kind::Collective:
      run_phases(inst, acc, part, is_rank);
      break;
    case Step::Kind::Memory: {
      const bool write = inst.step->memory.write;
      const std::uint64_t size = inst.step->memory.size_bytes;
      if (!is_rank) {
        memory_pool::Media& media =
            *m_platform->pool_media_at(m_facts.topo.endpoint_node[static_cast<std::size_t>(inst.pool)]);
        const double moved = static_cast<double>(size * inst.group.size());
        if (write) {
          run_phases(inst, acc, part, is_rank);
        } else {
          // Each read request is served on its own: after it arrives and the pool's access latency, the data.
          const std::uint64_t tag = inst.id << 24;
          const auto cls = static_cast<std::uint8_t>(inst.step->memory.cls);
          std::vector<sc_core::sc_process_handle> served;
          for (int r : inst.group) {
            served.push_back(sc_core::sc_spawn([this, &inst, &acc, &media, r, tag, cls, size] {
              guard([&] {
                accelerator::Completion asked;
                acc.recv(r, kReadRequestBytes, tag, asked);
                asked.wait();
                access_pool(media, inst, r, false);
                accelerator::Completion sent;
                acc.send(r, size, cls, tag, sent, &inst.tally);
                sent.wait();
              });
            }));
          }
          for (auto& t : served)
            if (!t.terminated()) sc_core::wait(t.terminated_event());
        }
        // The pool's media spends its energy per byte moved (modules/memory_pool/memory_pool.md), once they
        // have: a run cut short by faults does not pay for a step the pool entered and never served.
        media.access(moved);
        if (m_recorder)
          m_recorder->charged(core::Category::MemoryPool, entered, core::now_ticks(),
                              memory_pool::Params::energy_j(moved, media.params()));
        break;
      }
      if (is_rank && m_scheduler->defers(*inst.step)) {
        // A bulk checkpoint with a deadline waits for idle windows (engine/scheduler/scheduler.h).
        const core::Tick held = m_scheduler->write_deferred(acc, inst.pool, size, inst.id << 24, &inst.tally,
                                                            *inst.step, inst.start);
        inst.held = std::max(inst.held, held);
      } else {
        run_phases(inst, acc, part, is_rank);
      }
      // A write is durable once the pool has committed it.
      if (is_rank && write)
        access_pool(
            *m_platform->pool_media_at(m_facts.topo.endpoint_node[static_cast<std::size_t>(inst.pool)]), inst,
            me, true);
      break;
    }
    case Step::Kind::Compute:
      if (inst.hbm_bytes > 0) acc.hbm().reserve(inst.hbm_bytes);
      if (is_rank && m_recorder && inst.duration_s > 0.0) m_recorder->compute_begin(me);
      acc.compute(inst.duration_s);
      if (is_rank && m_recorder && inst.duration_s > 0.0) m_recorder->compute_end(me);
      // As long as the rank waited: whole ticks.
      if (is_rank && inst.duration_s > 0.0)
        inst.compute_rank_s += core::to_seconds(core::to_ticks(inst.duration_s));
      break;
    case Step::Kind::Traffic:
      run_traffic(acc, inst.messages, inst.step->traffic.size_bytes,
                  static_cast<std::uint8_t>(inst.step->traffic.cls), inst.id << 24, &inst.tally);
      break;
    case Step::Kind::Parallel:
      run_children(inst, acc);
      break;
  }
  leave(inst, acc, is_rank, entered);
}

void Runner::run_children(Instance& inst, accelerator::Accelerator& acc) {
  const int me = acc.rank();
  // Held open while the sub-steps start, so that one that ends at once cannot release the wait early.
  accelerator::Completion open;
  open.add();
  std::vector<std::unique_ptr<Detached>> detached;
  std::vector<sc_core::sc_process_handle> threads;
  for (auto& child : inst.children) {
    if (!child->participates(me)) continue;
    Instance* c = child.get();
    if (inst.detach && detachable(*c->step)) {
      open.add();
      detached.push_back(std::make_unique<Detached>(*this, *c, acc, open));
      detached.back()->start();
    } else {
      threads.push_back(sc_core::sc_spawn([this, c, &acc] { guard([&] { execute(*c, acc); }); }));
    }
  }
  open.one_done();
  open.wait();
  for (auto& t : threads)
    if (!t.terminated()) sc_core::wait(t.terminated_event());
}

StepPlayers::StepPlayers() = default;
StepPlayers::~StepPlayers() = default;

bool StepPlayers::collective(Runner& runner, Instance& inst, accelerator::Accelerator& acc, const Part& part,
                             bool is_rank, accelerator::CompletionListener* finished) {
  const int count = lanes_of(inst, part, is_rank);
  if (count > 1) {
    lanes = std::make_unique<Lanes>(runner, inst, acc, part, is_rank, count, finished);
    lanes->run();
    return lanes->finished();
  }
  machine = std::make_unique<PhaseMachine>(runner, inst, acc, part, is_rank, finished);
  machine->run();
  return machine->finished();
}

void StepPlayers::children(Runner& runner, Instance& inst, accelerator::Accelerator& acc,
                           accelerator::Completion& open) {
  open.add();
  for (auto& child : inst.children) {
    if (!child->participates(acc.rank())) continue;
    open.add();
    sub_steps.push_back(std::make_unique<Detached>(runner, *child, acc, open));
    sub_steps.back()->start();
  }
  open.one_done();
}

void StepPlayers::clear() {
  machine.reset();
  lanes.reset();
  sub_steps.clear();
}

void Detached::start() {
  const bool is_rank = m_acc.rank() < m_runner.m_spec.ranks();
  m_entered = m_runner.enter(m_inst, m_acc, is_rank);
  switch (m_inst.step->kind) {
    case Step::Kind::Compute:
      if (m_inst.hbm_bytes > 0) m_acc.hbm().reserve(m_inst.hbm_bytes);
      if (m_inst.duration_s <= 0.0) {
        ended();
        return;
      }
      if (is_rank && m_runner.m_recorder) m_runner.m_recorder->compute_begin(m_acc.rank());
      // As Accelerator::compute waits: whole ticks from now.
      m_runner.m_compute_ends->push(core::later(core::now_ticks(), core::to_ticks(m_inst.duration_s)), this);
      return;
    case Step::Kind::Collective:
      m_players.collective(m_runner, m_inst, m_acc, m_inst.parts.at(m_acc.rank()), is_rank, this);
      return;
    case Step::Kind::Parallel:
      m_players.children(m_runner, m_inst, m_acc, m_open);
      return;
    case Step::Kind::Traffic: {
      // As run_traffic does with a thread: one receive per source for all its messages (data that arrived
      // before this rank entered the step never exceeds what is posted), then each send at its time.
      const int me = m_acc.rank();
      std::map<int, std::uint64_t> expected;
      for (const auto& m : m_inst.messages)
        if (m.dst == me) expected[m.src] += m_inst.step->traffic.size_bytes;
      m_open.add();  // held until the last send is posted
      for (const auto& [src, bytes] : expected)
        m_acc.recv(src, bytes, m_inst.id << 24, m_open);
      send_due();
      return;
    }
    case Step::Kind::Memory:
      break;
  }
  throw core::SimulationError("a " + m_inst.step->key + " step cannot run without a thread");
}

void Detached::send_due() {
  const workloads::TrafficStep& t = m_inst.step->traffic;
  const int me = m_acc.rank();
  for (; m_next_send < m_inst.messages.size(); ++m_next_send) {
    const workloads::TrafficMessage& m = m_inst.messages[m_next_send];
    if (m.src != me) continue;
    const core::Tick at = core::later(m_entered, core::to_ticks(m.at_s));
    if (at > core::now_ticks()) {
      m_runner.m_traffic_sends->push(at, this);
      return;
    }
    m_acc.send(m.dst, t.size_bytes, static_cast<std::uint8_t>(t.cls), m_inst.id << 24, m_open, &m_inst.tally);
  }
  m_open.one_done();  // the hold start() put on it
}

void Detached::compute_done() {
  const bool is_rank = m_acc.rank() < m_runner.m_spec.ranks();
  m_acc.computed(m_inst.duration_s);
  if (is_rank && m_runner.m_recorder) m_runner.m_recorder->compute_end(m_acc.rank());
  // As long as the rank waited: whole ticks.
  if (is_rank) m_inst.compute_rank_s += core::to_seconds(core::to_ticks(m_inst.duration_s));
  ended();
}

void Detached::completed() {
  ended();
}

void Detached::ended() {
  m_runner.leave(m_inst, m_acc, m_acc.rank() < m_runner.m_spec.ranks(), m_entered);
  m_parent.one_done();
}

PhaseMachine::PhaseMachine(Runner& runner, Instance& inst, accelerator::Accelerator& acc, const Part& part,
                           bool is_rank, accelerator::CompletionListener* finished, int lanes)
    : m_runner(runner),
      m_inst(inst),
      m_acc(acc),
      m_part(part),
      m_is_rank(is_rank),
      m_cls(static_cast<std::uint8_t>(inst.step->kind == Step::Kind::Memory ? inst.step->memory.cls
                                                                            : inst.step->collective.cls)),
      m_count(part.phases()),
      m_finished_listener(finished),
      m_lanes(lanes) {
  // A lane's transfers carry its index (lanes_of bounds both fields), so that lanes between one pair of ranks
  // never take each other's data.
  const std::uint64_t lane_bits = part.lane >= 0 ? static_cast<std::uint64_t>(part.lane) << 17 : 0;
  m_tag = (inst.id << 24) | lane_bits;
  const CommCosts& comm = inst.comm;
  m_library = is_rank && comm.on;
  m_buffered = m_library && comm.family != accelerator::Family::Nvls;
}

core::Tick PhaseMachine::delay_before_phase() const {
  if (!m_buffered) return m_inst.comm.before_phase(m_k);
  // Buffered, the hop rides on the sends; a rank waits it only after a phase in which it received nothing
  // (no data to wait for, as in a phase with nothing to move), so that every step still costs it.
  const core::Tick launch = m_k == 0 ? m_inst.comm.launch : 0;
  return launch + (m_k > 0 && m_received_nothing ? m_inst.comm.hop : 0);
}

void PhaseMachine::release_sends() {
  const core::Tick now = core::now_ticks();
  // One timer is armed at a time, for the earliest pending send; a timer that is not the armed one is stale.
  // A send can complete a receive of this rank and so post its next phase from inside the loop below, and
  // that post arms a timer for the earliest pending send, which may be one the loop then releases: that
  // timer fires in this same instant, while the machine still waits for the send's delivery.
  if (now != m_release_at) return;
  m_release_at = kNoRelease;
  while (m_pending_head < m_pending.size() && m_pending[m_pending_head].at <= now) {
    const Pending p = m_pending[m_pending_head++];
    if (m_pending_head == m_pending.size()) {
      m_pending.clear();
      m_pending_head = 0;
    }
    m_acc.send(p.peer, p.bytes, m_cls, p.tag, m_sent, &m_inst.tally);
    m_sent.one_done();  // the hold post_library_sends() put on it while the send waited
  }
  // Armed from inside the loop for a send the loop has since released: that timer fires now, and is stale.
  if (m_release_at <= now) m_release_at = kNoRelease;
  arm_release();
}

void PhaseMachine::arm_release() {
  if (m_pending_head == m_pending.size() || m_pending[m_pending_head].at >= m_release_at) return;
  m_release_at = m_pending[m_pending_head].at;
  m_runner.m_releases->push(m_release_at, this);
}

bool PhaseMachine::library_holds() {
  if (m_buffered && m_inflight > m_inst.comm.buffer_bytes && m_sent.outstanding() > 0) {
    m_draining = true;
    return true;  // sends_delivered() goes on
  }
  // The collective library's launch and per-step latency come before the phase's transfers.
  const core::Tick delay = delay_before_phase();
  if (delay == 0) return false;
  m_delayed = true;
  m_runner.m_timers->push(core::later(core::now_ticks(), delay), this);
  return true;  // resume() posts the phase
}

void PhaseMachine::run() {
  while (m_k < m_count) {
    if (m_library) {
      if (!m_delayed && library_holds()) return;
      m_delayed = false;
    }
    // Hold the completion open while posting, so that receives whose data is already here cannot end the
    // phase before every operation of it is posted.
    // The phase may be complete the moment posting ends (no transfers, or only receives whose data is here):
    // completed() then returns at once and this loop goes on, so that the phase is counted once.
    m_posting = true;
    m_done.add();
    post_next();
    m_done.one_done();
    m_posting = false;
    if (m_done.outstanding() > 0) return;  // completed() continues
    if (waits_for_hbm()) return;           // resume() continues
    ++m_k;
  }
  if (m_sent.outstanding() > 0) return;  // sends_delivered() finishes
  finish();
}

void PhaseMachine::finish() {
  m_finished = true;
  if (m_finished_listener != nullptr) {
    m_finished_listener->completed();
  } else {
    m_finished_event.notify();
  }
}

void PhaseMachine::sends_delivered() {
  m_inflight = 0.0;
  if (m_draining) {
    m_draining = false;
    m_runner.guard([&] { run(); });
    return;
  }
  // Before the last phase is over, run() finishes when it is.
  if (m_k < m_count || m_finished) return;
  m_runner.guard([&] { finish(); });
}

void PhaseMachine::completed() {
  if (m_posting) return;  // run() sees it once posting is over
  if (waits_for_hbm()) return;
  // Called from whichever process completed the phase: keep a failure whole for run() to rethrow. (resume()
  // without the check of m_delayed: no latency is pending while a phase's transfers are.)
  m_runner.guard([&] {
    ++m_k;
    run();
  });
}

void PhaseMachine::resume() {
  // Called from a timer: keep a failure whole for run() to rethrow.
  m_runner.guard([&] {
    if (!m_delayed) ++m_k;  // else the latency before phase m_k is over: post it
    run();
  });
}

double PhaseMachine::post_library_sends(const Phase& ph, std::uint64_t tag, std::uint64_t& hbm) {
  const CommCosts& comm = m_inst.comm;
  const auto wire = [&](std::uint64_t bytes) {
    return accelerator::CommLibrary::wire_bytes(bytes, comm.protocol);
  };
  m_received_nothing = ph.recvs.empty();
  if (m_buffered && comm.hop > 0) {
    // Each send goes out a hop from now, in order; the rank moves on (release_sends).
    const core::Tick at = core::later(core::now_ticks(), comm.hop);
    for (const auto& s : ph.sends) {
      m_sent.add();  // held open until the send goes out
      m_pending.push_back(Pending{at, m_inst.peer_of(s.peer), wire(s.bytes), tag});
      m_inflight += static_cast<double>(wire(s.bytes));
      hbm += s.bytes;
    }
    arm_release();
  } else {
    accelerator::Completion& sent = m_buffered ? m_sent : m_done;
    for (const auto& s : ph.sends) {
      m_acc.send(m_inst.peer_of(s.peer), wire(s.bytes), m_cls, tag, sent, &m_inst.tally);
      if (m_buffered) m_inflight += static_cast<double>(wire(s.bytes));
      hbm += s.bytes;
    }
  }
  // A lane is held to its share of the rank's protocol cap.
  return hold_s(comm, phase_sends(m_runner.m_facts, m_acc.rank(), ph, m_inst.reducers), m_lanes);
}

void PhaseMachine::post(const Phase& ph, std::vector<std::pair<int, std::uint64_t>>& sums) {
  // Most runs name no collective library: their phases post without the library's branches.
  if (m_inst.comm.on) {
    post_phase<true>(ph, sums);
  } else {
    post_phase<false>(ph, sums);
  }
}

template <bool kComm>
void PhaseMachine::post_phase(const Phase& ph, std::vector<std::pair<int, std::uint64_t>>& sums) {
  const std::uint64_t tag = m_tag | static_cast<std::uint64_t>(m_k);
  std::uint64_t hbm = ph.reduce_bytes;
  // With a collective library, bytes travel in its protocol's line format (both ends agree on the size) and
  // what a rank sends is held to the library's rates: the protocol's cap, the share of a NIC's payload rate
  // its proxy sustains, the share of a scale-up link NVLS sustains (engine/comm.h).
  const CommCosts& comm = m_inst.comm;
  const auto wire = [&](std::uint64_t bytes) {
    if constexpr (kComm) {
      return accelerator::CommLibrary::wire_bytes(bytes, comm.protocol);
    } else {
      return bytes;
    }
  };
  double floor_s = 0.0;
  if (kComm && m_library) {
    floor_s = post_library_sends(ph, tag, hbm);
  } else {
    for (const auto& s : ph.sends) {
      m_acc.send(m_inst.peer_of(s.peer), wire(s.bytes), m_cls, tag, m_done, &m_inst.tally);
      hbm += s.bytes;
    }
  }
  // Receives from one peer in one phase add up: post them as one, so that data that already arrived for all
  // of them never exceeds what is posted. Most phases receive from a few distinct peers: those are posted as
  // they are.
  const auto peer_of = [&](const workloads::Transfer& r) { return m_inst.peer_of(r.peer); };
  constexpr std::size_t kFew = 4;
  bool distinct = ph.recvs.size() <= kFew;
  for (std::size_t i = 0; distinct && i < ph.recvs.size(); ++i)
    for (std::size_t j = 0; distinct && j < i; ++j)
      distinct = peer_of(ph.recvs[i]) != peer_of(ph.recvs[j]);
  if (distinct) {
    for (const auto& r : ph.recvs) {
      m_acc.recv(peer_of(r), wire(r.bytes), tag, m_done);
      hbm += r.bytes;
    }
  } else {
    sums.clear();
    for (const auto& r : ph.recvs) {
      const int peer = peer_of(r);
      auto it = std::find_if(sums.begin(), sums.end(), [peer](const auto& e) { return e.first == peer; });
      if (it == sums.end()) {
        sums.emplace_back(peer, wire(r.bytes));
      } else {
        it->second += wire(r.bytes);
      }
      hbm += r.bytes;
    }
    for (const auto& [peer, bytes] : sums)
      m_acc.recv(peer, bytes, tag, m_done);
  }
  // A rank reads what it sends and writes what it receives (and reads its operand to reduce) in its HBM,
  // pipelined with the transfers: the phase takes the longer of the two.
  m_hbm_done = m_is_rank && hbm > 0 && m_inst.step->kind == Step::Kind::Collective
                   ? m_acc.hbm().reserve(hbm, !ph.recvs.empty())
                   : 0;
  if (kComm && floor_s > 0.0)
    m_hbm_done = std::max(m_hbm_done, core::later(core::now_ticks(), core::to_ticks(floor_s)));
}

}  // namespace pjbit::engine::detail
