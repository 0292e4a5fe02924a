#include "engine/simulation.h"

#include <algorithm>
#include <exception>
#include <limits>
#include <map>
#include <memory>
#include <sstream>

#include "core/errors.h"
#include "core/time.h"
#include "core/yaml_support.h"
#include "engine/recorder.h"
#include "engine/scheduler/scheduler.h"
#include "engine/traffic.h"
#include "platforms/builder.h"
#include "platforms/routing.h"
#include "platforms/topology.h"
#include "workloads/i_collective.h"
#include "workloads/traffic.h"

namespace pjbit::engine {

using workloads::Op;
using workloads::Phase;
using workloads::Step;

namespace {

// What a rank sends a pool to ask for a read.
constexpr std::uint64_t kReadRequestBytes = 64;

// The peer id a schedule uses for "the reduction engine of the switch the group hangs off" (in_network).
constexpr int kInNetwork = -1;

bool reduces_in_network(const platforms::PlatformSpec& p) {
  return p.tiers[0].kind == "switch" && p.tiers[0].sw.in_network_reduction;
}

}  // namespace

std::string default_algorithm(const platforms::PlatformSpec& platform, Op op) {
  if (op == Op::AllToAll) return "direct";
  if (op == Op::Broadcast) return "ring";
  if (platform.tiers.size() > 1) return "hierarchical";
  const std::string& kind = platform.tiers[0].kind;
  if (op == Op::AllReduce && reduces_in_network(platform)) return "in_network";
  if (kind == "full_mesh") return "direct";
  if (kind == "torus" && op != Op::Broadcast) return "torus_ring";
  if (kind == "ring" || kind == "torus" || kind == "ocs") return "bidir_ring";
  return "ring";
}

namespace {

std::vector<int> all_ranks(int n) {
  std::vector<int> r(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    r[static_cast<std::size_t>(i)] = i;
  return r;
}

void check_ranks(const std::vector<int>& ranks, int n, const Step& step, const std::string& key) {
  for (int r : ranks)
    if (r >= n)
      throw core::InputError(step.loc, step.key + "." + key,
                             "rank " + std::to_string(r) + " does not exist: the platform has ranks 0 to " +
                                 std::to_string(n - 1));
}

// What the engine needs of a platform before any module exists: its topology, for routing checks.
struct Facts {
  const platforms::PlatformSpec& spec;
  platforms::Topology topo;
  platforms::Router router;
  workloads::TopologyFacts collective;
  // Plans made while validating, kept for the run (a built schedule can be large: make it once).
  std::map<const Step*, std::shared_ptr<const workloads::SchedulePlan>> plans;
  explicit Facts(const platforms::PlatformSpec& s)
      : spec(s), topo(platforms::make_topology(s)), router(topo) {
    collective.inner_domain = s.tiers.size() > 1 ? s.domain_size(0) : 0;
    if (s.tiers.size() == 1 && s.tiers[0].kind == "torus") collective.torus_dims = s.tiers[0].dims;
  }
};

// The reduction engine that serves `group` with in_network, or an explanation of why there is none.
int reducer_for(const Facts& f, const std::vector<int>& group, std::string* why) {
  if (f.spec.tiers[0].kind != "switch") {
    *why =
        "in_network needs ranks that share a switch (topology kind switch, or an inner tier of kind switch)";
    return -1;
  }
  const int domain = f.spec.domain_size(0);
  const int first = group.front() / domain;
  for (int r : group) {
    if (r / domain != first) {
      *why = "in_network reduces inside one switch; ranks " + std::to_string(group.front()) + " and " +
             std::to_string(r) + " hang off different switches";
      return -1;
    }
  }
  const int link = f.topo.nodes[static_cast<std::size_t>(group.front())].ports.front();
  const int sw = f.topo.other_end(link, group.front());
  const int reducer = f.topo.nodes[static_cast<std::size_t>(sw)].reducer;
  if (reducer < 0)
    *why = "the switch " + f.topo.nodes[static_cast<std::size_t>(sw)].name +
           " cannot reduce (set in_network: true on it)";
  return reducer;
}

std::string algorithm_of(const platforms::PlatformSpec& p, const workloads::CollectiveStep& c) {
  if (!c.algorithm.empty()) return c.algorithm;
  std::string name = default_algorithm(p, c.op);
  // torus_ring spans the whole torus; a subset of it gets the bidirectional ring.
  if (name == "torus_ring" && !c.ranks.empty() && c.ranks != all_ranks(p.ranks())) name = "bidir_ring";
  return name;
}

void validate_step(Facts& f, const Step& step) {
  const int n = f.spec.ranks();
  switch (step.kind) {
    case Step::Kind::Collective: {
      const auto& c = step.collective;
      check_ranks(c.ranks, n, step, "ranks");
      const std::vector<int> group = c.ranks.empty() ? all_ranks(n) : c.ranks;
      const std::string name = algorithm_of(f.spec, c);
      const workloads::ICollective* algo = workloads::find_collective(name);
      if (algo == nullptr)
        throw core::InputError(step.loc, step.key + ".algorithm",
                               "unknown algorithm " + core::quote_text(name));
      if (!algo->supports(c.op)) {
        throw core::InputError(step.loc, step.key + ".algorithm",
                               "algorithm " + name + " does not implement " + workloads::op_name(c.op));
      }
      std::string why;
      if (!algo->accepts_group_size(static_cast<int>(group.size()), &why))
        throw core::InputError(step.loc, step.key + ".ranks", why);
      if (name == "in_network" && reducer_for(f, group, &why) < 0)
        throw core::InputError(step.loc, step.key + ".algorithm", why);
      why = algo->refusal(group, f.collective);
      if (!why.empty()) throw core::InputError(step.loc, step.key + ".algorithm", why);
      // Every pair the schedule joins must be routable.
      // (A buffer smaller than the group leaves some pairs without bytes: check with one byte each.)
      auto plan = algo->plan(c.op, group, std::max<std::uint64_t>(c.size_bytes, group.size()), f.collective);
      if (c.size_bytes >= group.size()) f.plans[&step] = plan;
      std::vector<int> peers;
      for (std::size_t i = 0; i < group.size(); ++i) {
        peers.clear();
        plan->send_peers(static_cast<int>(i), peers);
        for (int peer : peers) {
          if (peer == kInNetwork) continue;
          if (!f.router.reachable(group[i], peer))
            throw core::InputError(
                step.loc, step.key,
                "rank " + std::to_string(group[i]) + " cannot reach rank " + std::to_string(peer) +
                    " on platform " + f.spec.name + ": no path in tier " +
                    f.topo.tiers[static_cast<std::size_t>(f.router.tier_of(group[i], peer))].name);
        }
      }
      break;
    }
    case Step::Kind::Compute:
      check_ranks(step.compute.ranks, n, step, "compute.ranks");
      if (step.compute.bytes > 0 && f.spec.accelerator.hbm.bandwidth_Bps <= 0.0)
        throw core::InputError(step.loc, step.key + ".compute.bytes", "the accelerator has no HBM bandwidth");
      break;
    case Step::Kind::Memory: {
      const auto& m = step.memory;
      const std::string kind = step.checkpoint ? "checkpoint" : "memory";
      check_ranks(m.ranks, n, step, kind + ".ranks");
      const int pool = f.topo.pool_endpoint(m.pool);
      if (pool < 0) {
        std::string names;
        for (const auto& p : f.spec.memory_pools)
          names += (names.empty() ? "" : ", ") + p.name;
        throw core::InputError(
            step.loc, step.key + "." + kind + ".pool",
            "the platform has no pool " + core::quote_text(m.pool) + "" +
                (names.empty() ? std::string("; it has none") : "; expected one of: " + names));
      }
      const auto& spec =
          f.topo.nodes[static_cast<std::size_t>(f.topo.endpoint_node[static_cast<std::size_t>(pool)])].pool;
      const std::uint64_t ranks = m.ranks.empty() ? static_cast<std::uint64_t>(n) : m.ranks.size();
      const long double total = static_cast<long double>(m.size_bytes) * ranks;
      if (total > static_cast<long double>(spec.capacity_bytes)) {
        std::ostringstream msg;
        msg << ranks << " ranks x " << m.size_bytes << " bytes = " << static_cast<double>(total)
            << " bytes do not fit in pool " << m.pool << " of " << spec.capacity_bytes << " bytes";
        throw core::InputError(step.loc, step.key + "." + kind + ".size", msg.str());
      }
      for (int r : m.ranks.empty() ? all_ranks(n) : m.ranks)
        if (!f.router.reachable(r, pool))
          throw core::InputError(step.loc, step.key + "." + kind + ".pool",
                                 "rank " + std::to_string(r) + " cannot reach pool " + m.pool +
                                     " (it hangs off tier " + spec.attach + ", which does not join them)");
      if (m.deadline_s > 0.0 && !step.checkpoint)
        throw core::InputError(step.loc, step.key, "only a checkpoint has a deadline");
      break;
    }
    case Step::Kind::Traffic: {
      const auto& t = step.traffic;
      check_ranks(t.ranks, n, step, "traffic.ranks");
      for (std::size_t i = 0; i < t.pairs.size(); ++i) {
        const auto [a, b] = t.pairs[i];
        const std::string key = "traffic.pairs." + std::to_string(i);
        check_ranks({a, b}, n, step, key);
        if (!f.router.reachable(a, b))
          throw core::InputError(step.loc, step.key + "." + key,
                                 "rank " + std::to_string(a) + " cannot reach rank " + std::to_string(b) +
                                     " on platform " + f.spec.name);
      }
      if (t.pairs.empty() && (t.ranks.empty() ? n : static_cast<int>(t.ranks.size())) < 2)
        throw core::InputError(step.loc, step.key + ".traffic.ranks", "random pairs need at least two ranks");
      break;
    }
    case Step::Kind::Parallel:
      for (const Step& child : step.children)
        validate_step(f, child);
      break;
  }
}

// What one endpoint does in a step: phase `index` of a plan, or phases of its own (pools, reducers, and an
// empty list for compute and parallel steps); nothing when neither is set.
struct Part {
  const workloads::SchedulePlan* plan = nullptr;
  int index = 0;
  const std::vector<Phase>* own = nullptr;
  bool active() const { return plan != nullptr || own != nullptr; }
  int phases() const { return plan != nullptr ? plan->phases(index) : static_cast<int>(own->size()); }
  const Phase& phase(int k, Phase& scratch) const {
    return plan != nullptr ? plan->phase(index, k, scratch) : (*own)[static_cast<std::size_t>(k)];
  }
};

// One step of one iteration, with what each endpoint does in it.
struct Instance {
  const Step* step = nullptr;
  int iteration = 0;
  std::uint64_t id = 0;
  std::vector<int> group;                               // participating ranks
  std::vector<Part> parts;                              // per endpoint
  std::shared_ptr<const workloads::SchedulePlan> plan;  // shared by iterations
  std::vector<std::vector<Phase>> own;                  // phases made for this step (pools, reducers)
  std::string algorithm;
  double duration_s = 0.0;      // compute
  std::uint64_t hbm_bytes = 0;  // compute: HBM traffic per rank
  int pool = -1;                // memory: the pool's endpoint id
  double pool_latency_s = 0.0;
  double pool_energy_pj_per_bit = 0.0;
  std::vector<std::unique_ptr<Instance>> children;
  std::vector<workloads::TrafficMessage> messages;  // traffic
  // Gathered while running.
  core::Tick start = std::numeric_limits<core::Tick>::max();
  core::Tick end = 0;
  core::Tick rank_ticks = 0;    // summed over ranks: time in the step
  double compute_rank_s = 0.0;  // summed over ranks: time computing in the step
  core::Tick held = 0;          // a deferred checkpoint: the longest a rank held it
  core::StepTally tally;
  bool participates(int endpoint) const { return parts[static_cast<std::size_t>(endpoint)].active(); }
};

class Runner;

// One endpoint's phases of one step, advanced by completions. A phase posts every send and receive at once
// (receives from one peer added up) and reserves the HBM traffic it implies; it ends when all of them have
// completed and the HBM is done, and the next phase starts at that instant.
class PhaseMachine final : public accelerator::CompletionListener {
 public:
  PhaseMachine(Runner& runner, Instance& inst, accelerator::Accelerator& acc, const Part& part, bool is_rank);
  // Posts phases until one is outstanding (or none is left).
  void run();
  // Blocks the calling thread until the last phase has completed.
  void wait() {
    while (!m_finished)
      sc_core::wait(m_finished_event);
  }
  // The HBM this phase waited for is done.
  void resume();
  void completed() override;

 private:
  // The phase's transfers are done; when its HBM traffic is not, schedules resume() for then (true).
  bool waits_for_hbm();
  // Generates phase m_k and posts it.
  void post_next();
  // Posts `ph`, summing receives from one peer in `sums` when it has to.
  void post(const Phase& ph, std::vector<std::pair<int, std::uint64_t>>& sums);

  Runner& m_runner;
  Instance& m_inst;
  accelerator::Accelerator& m_acc;
  Part m_part;
  bool m_is_rank;
  std::uint8_t m_cls;
  int m_k = 0;
  int m_count;
  bool m_posting = false;
  bool m_finished = false;
  core::Tick m_hbm_done = 0;
  accelerator::Completion m_done{this};
  sc_core::sc_event m_finished_event;
};

// Where a generated phase is written and its receives are summed while it is posted. One per run, shared by
// every machine: posting reads it at once and keeps nothing, and a buffer of each machine's own would be
// one more cold cache line per rank and phase on a large fabric. A machine that posts while another is
// posting (none does today) uses a buffer of its own instead.
struct PostScratch {
  Phase phase;
  std::vector<std::pair<int, std::uint64_t>> recvs;
  bool busy = false;
};

class Runner {
 public:
  Runner(const platforms::PlatformSpec& platform, const workloads::WorkloadSpec& workload, Facts& facts,
         const RunOptions& options)
      : m_spec(platform),
        m_workload(workload),
        m_facts(facts),
        m_plans(facts.plans),
        m_recorder(options.recorder),
        m_progress(options.progress),
        m_seed(options.seed),
        m_direct_calls(options.direct_calls) {}

  SimulationResult run() {
    platforms::Platform platform("platform", m_spec, m_direct_calls);
    const int n = platform.ranks();
    m_endpoints = platform.endpoints();
    m_timers = std::make_unique<core::EventQueue<PhaseMachine*>>("phase_timers",
                                                                 [](PhaseMachine* const& m) { m->resume(); });
    for (int it = 0; it < m_workload.iterations; ++it)
      for (const Step& step : m_workload.steps)
        m_top.push_back(instantiate(step, it, n));
    m_end.assign(static_cast<std::size_t>(m_endpoints), 0);
    m_done.assign(static_cast<std::size_t>(m_endpoints), 0);
    m_progress_total = static_cast<std::uint64_t>(m_top.size()) * static_cast<std::uint64_t>(n);
    // The scheduler plans the OCS circuits of every top-level step and gates the steps that need new ones.
    std::vector<scheduler::TopStep> top;
    for (const auto& inst : m_top)
      top.push_back({inst->step, inst->iteration});
    m_scheduler = std::make_unique<scheduler::Scheduler>(m_spec, platform, std::move(top));
    for (int e = 0; e < m_endpoints; ++e) {
      platform.endpoint(e).set_program([this, e, n](accelerator::Accelerator& acc) {
        // SystemC would turn an exception leaving a process into a generic report: keep it whole instead,
        // stop the kernel, and rethrow it from run().
        guard([&] {
          for (std::size_t i = 0; i < m_top.size(); ++i) {
            m_scheduler->before(i, e);
            execute(*m_top[i], acc);
            if (m_progress && e < n)
              m_progress(
                  Progress{++m_progress_done, m_progress_total, sc_core::sc_time_stamp().to_seconds()});
          }
          m_end[static_cast<std::size_t>(e)] = core::now_ticks();
          m_done[static_cast<std::size_t>(e)] = 1;
          // SystemC deletes a finished thread after finding it in its list of threads, searched from the
          // newest; endpoints tend to finish oldest first (in rank order), which makes that quadratic in
          // the endpoints (3% of a 4096-rank ring all-reduce). So programs end together: each waits for
          // the last, and the kernel wakes the waiters of one event latest first.
          if (++m_done_count < m_endpoints) {
            sc_core::wait(m_all_done);
          } else {
            m_all_done.notify(sc_core::SC_ZERO_TIME);
          }
        });
      });
    }
    if (m_recorder) m_recorder->attach(platform);
    sc_core::sc_start();
    if (m_failure) std::rethrow_exception(m_failure);
    // The run ends when the last rank does; that closes the flows' counters and the links' sleep.
    core::Tick end = 0;
    for (int i = 0; i < platform.ranks(); ++i)
      end = std::max(end, m_end[static_cast<std::size_t>(i)]);
    if (auto* flows = platform.flow_network()) {
      flows->flush(end);
    } else {
      for (const auto& info : platform.links())
        info.link->close_sleep(end);
    }
    check_finished(platform);
    if (m_recorder) m_recorder->detach(platform);
    return gather(platform, end);
  }

 private:
  template <typename F>
  void guard(F&& f) {
    try {
      f();
    } catch (...) {
      if (!m_failure) m_failure = std::current_exception();
      sc_core::sc_stop();
    }
  }

  std::unique_ptr<Instance> instantiate(const Step& step, int iteration, int n) {
    auto inst = std::make_unique<Instance>();
    inst->step = &step;
    inst->iteration = iteration;
    inst->id = m_next_id++;
    inst->parts.assign(static_cast<std::size_t>(m_endpoints), Part{});
    switch (step.kind) {
      case Step::Kind::Collective: {
        const auto& c = step.collective;
        inst->group = c.ranks.empty() ? all_ranks(n) : c.ranks;
        inst->algorithm = algorithm_of(m_spec, c);
        auto& cached = m_plans[&step];
        if (!cached) {
          cached = workloads::find_collective(inst->algorithm)
                       ->plan(c.op, inst->group, c.size_bytes, m_facts.collective);
        }
        inst->plan = cached;
        for (std::size_t i = 0; i < inst->group.size(); ++i)
          inst->parts[static_cast<std::size_t>(inst->group[i])] =
              Part{cached.get(), static_cast<int>(i), nullptr};
        if (inst->algorithm == "in_network") add_reducer_phases(*inst);
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
        inst->pool_energy_pj_per_bit = pool.energy_pj_per_bit;
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
          inst->parts[static_cast<std::size_t>(r)].own = &inst->own[i];
        }
        inst->parts[static_cast<std::size_t>(inst->pool)].own = &inst->own.back();
        break;
      }
      case Step::Kind::Traffic: {
        inst->messages = workloads::traffic_messages(step.traffic, n, m_seed,
                                                     workloads::traffic_salt(step.key, iteration));
        std::vector<bool> in(static_cast<std::size_t>(n), false);
        for (const auto& m : inst->messages)
          in[static_cast<std::size_t>(m.src)] = in[static_cast<std::size_t>(m.dst)] = true;
        for (int r = 0; r < n; ++r)
          if (in[static_cast<std::size_t>(r)]) inst->group.push_back(r);
        mark_all(*inst);
        break;
      }
      case Step::Kind::Parallel: {
        std::vector<bool> in(static_cast<std::size_t>(m_endpoints), false);
        for (const Step& child : step.children) {
          inst->children.push_back(instantiate(child, iteration, n));
          for (int e = 0; e < m_endpoints; ++e)
            if (inst->children.back()->participates(e)) in[static_cast<std::size_t>(e)] = true;
        }
        for (int e = 0; e < m_endpoints; ++e)
          if (in[static_cast<std::size_t>(e)]) {
            if (e < n) inst->group.push_back(e);
            inst->parts[static_cast<std::size_t>(e)].own = &m_empty;
          }
        break;
      }
    }
    return inst;
  }

  friend class PhaseMachine;
  PostScratch m_post_scratch;

  void mark_all(Instance& inst) {
    for (int r : inst.group)
      inst.parts[static_cast<std::size_t>(r)].own = &m_empty;
  }

  // in_network: every rank's transfers with kInNetwork are mirrored into the reduction engine's phases.
  void add_reducer_phases(Instance& inst) {
    std::string why;
    const int reducer = reducer_for(m_facts, inst.group, &why);
    // in_network's plan is its built schedule.
    const workloads::Schedule* built = inst.plan->materialized();
    if (built == nullptr) throw core::SimulationError("in_network needs a built schedule");
    const auto& schedule = *built;
    inst.own.assign(1, std::vector<Phase>(schedule.front().size()));
    auto& mine = inst.own.front();
    for (std::size_t i = 0; i < schedule.size(); ++i) {
      for (std::size_t k = 0; k < schedule[i].size(); ++k) {
        for (const auto& t : schedule[i][k].sends)
          if (t.peer == kInNetwork) mine[k].recvs.push_back({inst.group[i], t.bytes, t.chunks});
        for (const auto& t : schedule[i][k].recvs)
          if (t.peer == kInNetwork) mine[k].sends.push_back({inst.group[i], t.bytes, t.chunks});
      }
    }
    inst.pool = reducer;
    inst.parts[static_cast<std::size_t>(reducer)].own = &mine;
  }

  // Runs `part`'s phases for `acc`, blocking the calling thread until the last completes. The phases are
  // driven by completions, not by the thread: one wake-up per step and rank instead of one per phase.
  void run_phases(Instance& inst, accelerator::Accelerator& acc, const Part& part, bool is_rank) {
    // On the heap rather than the thread's stack: the machines of one step sit together in memory, where the
    // fabric's completions reach them, instead of one per rank's stack.
    auto machine = std::make_unique<PhaseMachine>(*this, inst, acc, part, is_rank);
    machine->run();
    machine->wait();
  }

  void execute(Instance& inst, accelerator::Accelerator& acc) {
    const int me = acc.rank();
    const Part& part = inst.parts[static_cast<std::size_t>(me)];
    if (!part.active()) return;
    const bool is_rank = me < m_spec.ranks();
    const core::Tick entered = core::now_ticks();
    if (is_rank) inst.start = std::min(inst.start, entered);
    if (is_rank && m_recorder)
      m_recorder->step_begin(me, inst.id, *inst.step, inst.iteration, inst.algorithm);
    switch (inst.step->kind) {
      case Step::Kind::Collective:
        run_phases(inst, acc, part, is_rank);
        break;
      case Step::Kind::Memory: {
        const bool write = inst.step->memory.write;
        const std::uint64_t size = inst.step->memory.size_bytes;
        if (!is_rank) {
          // The pool spends its media energy per bit moved.
          acc.energy().charge(core::Category::Hbm, 8.0 * static_cast<double>(size * inst.group.size()) *
                                                       inst.pool_energy_pj_per_bit * 1e-12);
        }
        if (!is_rank && !write) {
          // Each read request is served on its own: after it arrives and the pool's access latency, the data.
          const std::uint64_t tag = inst.id << 24;
          const auto cls = static_cast<std::uint8_t>(inst.step->memory.cls);
          std::vector<sc_core::sc_process_handle> served;
          for (int r : inst.group) {
            served.push_back(sc_core::sc_spawn([this, &inst, &acc, r, tag, cls, size] {
              guard([&] {
                accelerator::Completion asked;
                acc.recv(r, kReadRequestBytes, tag, asked);
                asked.wait();
                if (inst.pool_latency_s > 0.0)
                  sc_core::wait(core::ticks_to_time(core::to_ticks(inst.pool_latency_s)));
                accelerator::Completion sent;
                acc.send(r, size, cls, tag, sent, &inst.tally);
                sent.wait();
              });
            }));
          }
          for (auto& t : served)
            if (!t.terminated()) sc_core::wait(t.terminated_event());
          break;
        }
        if (is_rank && m_scheduler->defers(*inst.step)) {
          // A bulk checkpoint with a deadline waits for idle windows (engine/scheduler/scheduler.h).
          const core::Tick held = m_scheduler->write_deferred(acc, inst.pool, size, inst.id << 24,
                                                              &inst.tally, *inst.step, inst.start);
          inst.held = std::max(inst.held, held);
        } else {
          run_phases(inst, acc, part, is_rank);
        }
        // A write is durable once the pool has committed it.
        if (is_rank && write && inst.pool_latency_s > 0.0)
          sc_core::wait(core::ticks_to_time(core::to_ticks(inst.pool_latency_s)));
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
      case Step::Kind::Parallel: {
        std::vector<sc_core::sc_process_handle> threads;
        for (auto& child : inst.children) {
          if (!child->participates(me)) continue;
          Instance* c = child.get();
          threads.push_back(sc_core::sc_spawn([this, c, &acc] { guard([&] { execute(*c, acc); }); }));
        }
        for (auto& t : threads)
          if (!t.terminated()) sc_core::wait(t.terminated_event());
        break;
      }
    }
    if (is_rank) {
      inst.end = std::max(inst.end, core::now_ticks());
      inst.rank_ticks += core::now_ticks() - entered;
      if (m_recorder) m_recorder->step_end(me, inst.id);
    }
  }

  void check_finished(platforms::Platform& platform) {
    std::ostringstream stuck;
    int count = 0;
    for (int e = 0; e < platform.endpoints(); ++e) {
      auto& acc = platform.endpoint(e);
      if (m_done[static_cast<std::size_t>(e)]) continue;
      if (count++ < 4) {
        stuck << (count > 1 ? "; " : "") << acc.basename() << " waits";
        for (const auto& p : acc.pending_receives())
          stuck << " " << p;
      }
    }
    if (count > 0) {
      throw core::SimulationError("deadlock at " + sc_core::sc_time_stamp().to_string() + ": " +
                                  std::to_string(count) + " endpoints never finished (" + stuck.str() + ")");
    }
  }

  StepResult result_of(const Instance& inst) const {
    StepResult s;
    const Step& step = *inst.step;
    s.key = step.key;
    s.iteration = inst.iteration;
    s.ranks = static_cast<int>(inst.group.size());
    if (s.ranks < m_spec.ranks()) s.group = inst.group;
    const bool ran = inst.start != std::numeric_limits<core::Tick>::max();
    s.start_s = ran ? core::to_seconds(inst.start) : 0.0;
    s.end_s = ran ? core::to_seconds(inst.end) : 0.0;
    s.wire_bytes = inst.tally.wire_bytes;
    s.dynamic_energy_j = inst.tally.energy_j;
    s.rank_time_s = core::to_seconds(inst.rank_ticks);
    s.compute_rank_s = inst.compute_rank_s;
    switch (step.kind) {
      case Step::Kind::Collective: {
        const auto& c = step.collective;
        s.kind = "collective";
        s.op = workloads::op_name(c.op);
        s.algorithm = inst.algorithm;
        s.cls = workloads::class_name(c.cls);
        s.size_bytes = c.size_bytes;
        const double n = s.ranks;
        const double factor = c.op == Op::AllReduce ? 2.0 * (n - 1.0) : (n - 1.0);
        s.useful_bytes = factor * static_cast<double>(c.size_bytes);
        break;
      }
      case Step::Kind::Compute:
        s.kind = "compute";
        break;
      case Step::Kind::Memory: {
        const auto& m = step.memory;
        s.kind = step.checkpoint ? "checkpoint" : "memory";
        s.mem_op = m.write ? "write" : "read";
        s.pool = m.pool;
        s.cls = workloads::class_name(m.cls);
        s.size_bytes = m.size_bytes;
        s.deadline_s = m.deadline_s;
        s.held_s = core::to_seconds(inst.held);
        s.useful_bytes = static_cast<double>(m.size_bytes) * s.ranks;
        break;
      }
      case Step::Kind::Traffic: {
        const auto& t = step.traffic;
        s.kind = "traffic";
        s.cls = workloads::class_name(t.cls);
        s.size_bytes = t.size_bytes;
        s.messages = t.messages;
        s.useful_bytes = static_cast<double>(t.size_bytes) * static_cast<double>(t.messages);
        break;
      }
      case Step::Kind::Parallel:
        s.kind = "parallel";
        for (const auto& child : inst.children) {
          s.children.push_back(result_of(*child));
          s.useful_bytes += s.children.back().useful_bytes;
          s.wire_bytes += s.children.back().wire_bytes;
          s.dynamic_energy_j += s.children.back().dynamic_energy_j;
          s.compute_rank_s += s.children.back().compute_rank_s;
        }
        break;
    }
    return s;
  }

  SimulationResult gather(platforms::Platform& platform, core::Tick end) {
    SimulationResult r;
    r.platform_name = m_spec.name;
    r.workload_name = m_workload.name;
    r.ranks = platform.ranks();
    r.engine = platform.engine();
    r.sim_time_s = core::to_seconds(end);
    for (int i = 0; i < platform.ranks(); ++i) {
      auto& acc = platform.accelerator(i);
      r.compute_time_s.push_back(acc.compute_time_s());
      r.end_time_s.push_back(core::to_seconds(m_end[static_cast<std::size_t>(i)]));
      r.hbm_bytes += static_cast<double>(acc.hbm().bytes_read() + acc.hbm().bytes_written());
    }
    for (int e = 0; e < platform.endpoints(); ++e)
      r.transactions += platform.endpoint(e).packets_sent();
    // The flow engine's transactions are its flows (one per message).
    if (platform.flow_network() != nullptr) r.transactions += platform.flow_network()->flows_started();
    for (const auto& inst : m_top) {
      r.steps.push_back(result_of(*inst));
      r.useful_bytes += r.steps.back().useful_bytes;
    }
    for (const auto& info : platform.links()) {
      if (info.internal) continue;  // attachments inside a node (accelerator to NIC, switch to reducer)
      const double static_w = info.link->energy().static_total_w();
      for (int d = 0; d < 2; ++d) {
        const auto& st = info.link->direction(d);
        LinkResult l;
        l.id = info.id[d];
        l.tier = info.tier;
        l.regime = info.regime;
        l.bytes = st.wire_bytes;
        l.busy_s = core::to_seconds(st.busy);
        l.packets = st.packets;
        l.dynamic_j = st.dynamic_j;
        l.static_w = static_w / 2.0;
        l.slept_s = info.link->slept_s();
        l.wakes = info.link->wakes();
        for (double j : info.link->sleep_saved_j())
          l.saved_j += j / 2.0;
        r.wire_bytes += st.wire_bytes;
        r.packet_hops += st.packets;
        r.links.push_back(l);
      }
    }
    core::for_each_component(
        [&](core::Component& c) {
          for (std::size_t i = 0; i < core::kNumCategories; ++i) {
            r.energy.dynamic_j[i] += c.energy().dynamic_j()[i];
            r.energy.static_w[i] += c.energy().static_w()[i];
          }
        },
        &platform);
    for (const auto& info : platform.links()) {
      const core::PerCategory saved = info.link->sleep_saved_j();
      for (std::size_t i = 0; i < core::kNumCategories; ++i)
        r.energy.static_saved_j[i] += saved[i];
    }
    r.inventory = platform.inventory();
    r.scheduler = m_scheduler->result();
    return r;
  }

  const platforms::PlatformSpec& m_spec;
  const workloads::WorkloadSpec& m_workload;
  Facts& m_facts;
  int m_endpoints = 0;
  std::vector<std::unique_ptr<Instance>> m_top;
  std::map<const Step*, std::shared_ptr<const workloads::SchedulePlan>>& m_plans;
  std::unique_ptr<core::EventQueue<PhaseMachine*>> m_timers;  // phases waiting for their HBM
  std::vector<core::Tick> m_end;
  std::vector<char> m_done;  // per endpoint: its program has ended
  int m_done_count = 0;
  sc_core::sc_event m_all_done;  // the last program has ended
  std::uint64_t m_next_id = 0;
  std::exception_ptr m_failure;
  Recorder* m_recorder;  // null unless the timeline is recorded
  std::function<void(const Progress&)> m_progress;
  std::uint64_t m_progress_done = 0;
  std::uint64_t m_progress_total = 0;
  const std::vector<Phase> m_empty;
  std::uint64_t m_seed;
  bool m_direct_calls;
  std::unique_ptr<scheduler::Scheduler> m_scheduler;
};

PhaseMachine::PhaseMachine(Runner& runner, Instance& inst, accelerator::Accelerator& acc, const Part& part,
                           bool is_rank)
    : m_runner(runner),
      m_inst(inst),
      m_acc(acc),
      m_part(part),
      m_is_rank(is_rank),
      m_cls(static_cast<std::uint8_t>(inst.step->kind == Step::Kind::Memory ? inst.step->memory.cls
                                                                            : inst.step->collective.cls)),
      m_count(part.phases()) {}

void PhaseMachine::run() {
  while (m_k < m_count) {
    // Hold the completion open while posting, so that receives whose data is already here cannot end the
    // phase before every operation of it is posted.
    m_posting = true;
    m_done.add();
    post_next();
    m_posting = false;
    m_done.one_done();
    if (m_done.outstanding() > 0) return;  // completed() continues
    if (waits_for_hbm()) return;           // resume() continues
    ++m_k;
  }
  m_finished = true;
  m_finished_event.notify(sc_core::SC_ZERO_TIME);
}

void PhaseMachine::completed() {
  if (m_posting) return;  // run() sees it once posting is over
  if (!waits_for_hbm()) resume();
}

bool PhaseMachine::waits_for_hbm() {
  if (m_hbm_done <= core::now_ticks()) return false;
  m_runner.m_timers->push(m_hbm_done, this);
  return true;
}

void PhaseMachine::resume() {
  // Called from whichever process completed the phase: keep a failure whole for run() to rethrow.
  m_runner.guard([&] {
    ++m_k;
    run();
  });
}

void PhaseMachine::post_next() {
  PostScratch& shared = m_runner.m_post_scratch;
  if (!shared.busy) {
    shared.busy = true;
    post(m_part.phase(m_k, shared.phase), shared.recvs);
    shared.busy = false;
    return;
  }
  Phase own;
  std::vector<std::pair<int, std::uint64_t>> sums;
  post(m_part.phase(m_k, own), sums);
}

void PhaseMachine::post(const Phase& ph, std::vector<std::pair<int, std::uint64_t>>& sums) {
  const std::uint64_t tag = (m_inst.id << 24) | static_cast<std::uint64_t>(m_k);
  std::uint64_t hbm = ph.reduce_bytes;
  for (const auto& s : ph.sends) {
    m_acc.send(s.peer == kInNetwork ? m_inst.pool : s.peer, s.bytes, m_cls, tag, m_done, &m_inst.tally);
    hbm += s.bytes;
  }
  // Receives from one peer in one phase add up: post them as one, so that data that already arrived for all
  // of them never exceeds what is posted. Most phases receive from a few distinct peers: those are posted as
  // they are.
  const auto peer_of = [&](const workloads::Transfer& r) {
    return r.peer == kInNetwork ? m_inst.pool : r.peer;
  };
  constexpr std::size_t kFew = 4;
  bool distinct = ph.recvs.size() <= kFew;
  for (std::size_t i = 0; distinct && i < ph.recvs.size(); ++i)
    for (std::size_t j = 0; distinct && j < i; ++j)
      distinct = peer_of(ph.recvs[i]) != peer_of(ph.recvs[j]);
  if (distinct) {
    for (const auto& r : ph.recvs) {
      m_acc.recv(peer_of(r), r.bytes, tag, m_done);
      hbm += r.bytes;
    }
  } else {
    sums.clear();
    for (const auto& r : ph.recvs) {
      const int peer = peer_of(r);
      auto it = std::find_if(sums.begin(), sums.end(), [peer](const auto& e) { return e.first == peer; });
      if (it == sums.end()) {
        sums.emplace_back(peer, r.bytes);
      } else {
        it->second += r.bytes;
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
}

}  // namespace

// scheduler.policy names a registered policy (user policies register at run time, so the loader cannot tell).
void validate_platform(const platforms::PlatformSpec& platform) {
  if (scheduler::find_policy(platform.scheduler.policy) != nullptr) return;
  std::string names;
  for (const auto& n : scheduler::policy_names())
    names += (names.empty() ? "" : ", ") + n;
  throw core::InputError(
      platform.scheduler.policy_loc, "scheduler.policy",
      "unknown policy " + core::quote_text(platform.scheduler.policy) + "; expected one of: " + names);
}

void validate(const platforms::PlatformSpec& platform, const workloads::WorkloadSpec& workload) {
  validate_platform(platform);
  Facts facts(platform);
  for (const Step& step : workload.steps)
    validate_step(facts, step);
}

SimulationResult simulate(const platforms::PlatformSpec& platform, const workloads::WorkloadSpec& workload,
                          const RunOptions& options) {
  validate_platform(platform);
  Facts facts(platform);  // validation's topology, routes and schedules serve the run too
  for (const Step& step : workload.steps)
    validate_step(facts, step);
  Runner runner(platform, workload, facts, options);
  return runner.run();
}

}  // namespace pjbit::engine
