#include "engine/simulation.h"

#include <algorithm>
#include <exception>
#include <limits>
#include <map>
#include <memory>
#include <sstream>

#include "core/errors.h"
#include "core/time.h"
#include "platforms/builder.h"
#include "workloads/i_collective.h"

namespace pjbit::engine {

using workloads::Op;
using workloads::Step;

std::string default_algorithm(const platforms::PlatformSpec&, Op op) {
  // Rings are bandwidth-optimal on both fabrics this version builds; all-to-all goes direct.
  return op == Op::AllToAll ? "direct" : "ring";
}

namespace {

std::vector<int> all_ranks(int n) {
  std::vector<int> r(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) r[static_cast<std::size_t>(i)] = i;
  return r;
}

void check_ranks(const std::vector<int>& ranks, int n, const Step& step, const std::string& key) {
  for (int r : ranks)
    if (r >= n)
      throw core::InputError(step.loc, step.key + "." + key,
                             "rank " + std::to_string(r) + " does not exist: the platform has ranks 0 to " +
                                 std::to_string(n - 1));
}

void validate_step(const platforms::PlatformSpec& platform, const Step& step) {
  const int n = platform.ranks();
  switch (step.kind) {
    case Step::Kind::Collective: {
      const auto& c = step.collective;
      check_ranks(c.ranks, n, step, "ranks");
      const int group = c.ranks.empty() ? n : static_cast<int>(c.ranks.size());
      const std::string name = c.algorithm.empty() ? default_algorithm(platform, c.op) : c.algorithm;
      const workloads::ICollective* algo = workloads::find_collective(name);
      if (algo == nullptr) {
        throw core::InputError(step.loc, step.key + ".algorithm", "unknown algorithm \"" + name + "\"");
      }
      if (!algo->supports(c.op)) {
        throw core::InputError(step.loc, step.key + ".algorithm",
                               "algorithm " + name + " does not implement " + workloads::op_name(c.op));
      }
      std::string why;
      if (!algo->accepts_group_size(group, &why)) throw core::InputError(step.loc, step.key + ".ranks", why);
      break;
    }
    case Step::Kind::Compute:
      check_ranks(step.compute.ranks, n, step, "compute.ranks");
      break;
    case Step::Kind::Parallel:
      for (const Step& child : step.children) validate_step(platform, child);
      break;
  }
}

// One step of one iteration, with what it needs at run time.
struct Instance {
  const Step* step = nullptr;
  int iteration = 0;
  std::uint64_t id = 0;
  std::vector<int> group;                  // participating ranks (sorted for compute, ring order otherwise)
  std::vector<int> position;               // rank -> index in group, -1 when not participating
  std::shared_ptr<const workloads::Schedule> schedule;
  std::string algorithm;
  double duration_s = 0.0;                 // compute
  std::vector<std::unique_ptr<Instance>> children;
  // Gathered while running.
  core::Tick start = std::numeric_limits<core::Tick>::max();
  core::Tick end = 0;
  core::StepTally tally;
};

class Runner {
 public:
  Runner(const platforms::PlatformSpec& platform, const workloads::WorkloadSpec& workload)
      : m_platform_spec(platform), m_workload(workload) {
    m_facts.inner_domain = platform.tiers.size() > 1 ? platform.domain_size(0) : 0;
  }

  SimulationResult run() {
    platforms::Platform platform("platform", m_platform_spec);
    const int n = platform.ranks();
    for (int it = 0; it < m_workload.iterations; ++it)
      for (const Step& step : m_workload.steps) m_top.push_back(instantiate(step, it, n));
    m_rank_end.assign(static_cast<std::size_t>(n), 0);
    for (int r = 0; r < n; ++r) {
      platform.accelerator(r).set_program([this, r](accelerator::Accelerator& acc) {
        // SystemC would turn an exception leaving a process into a generic report: keep it whole instead,
        // stop the kernel, and rethrow it from run().
        try {
          for (auto& inst : m_top) execute(*inst, acc);
          m_rank_end[static_cast<std::size_t>(r)] = core::now_ticks();
        } catch (...) {
          if (!m_failure) m_failure = std::current_exception();
          sc_core::sc_stop();
        }
      });
    }
    sc_core::sc_start();
    if (m_failure) std::rethrow_exception(m_failure);
    check_finished(platform);
    return gather(platform);
  }

 private:
  std::unique_ptr<Instance> instantiate(const Step& step, int iteration, int n) {
    auto inst = std::make_unique<Instance>();
    inst->step = &step;
    inst->iteration = iteration;
    inst->id = m_next_id++;
    inst->position.assign(static_cast<std::size_t>(n), -1);
    switch (step.kind) {
      case Step::Kind::Collective: {
        const auto& c = step.collective;
        inst->group = c.ranks.empty() ? all_ranks(n) : c.ranks;
        inst->algorithm = c.algorithm.empty() ? default_algorithm(m_platform_spec, c.op) : c.algorithm;
        // Iterations share one schedule per step.
        auto& cached = m_schedules[&step];
        if (!cached) {
          cached = std::make_shared<workloads::Schedule>(
              workloads::find_collective(inst->algorithm)->build_on(c.op, inst->group, c.size_bytes, m_facts));
        }
        inst->schedule = cached;
        break;
      }
      case Step::Kind::Compute: {
        const auto& c = step.compute;
        inst->group = c.ranks.empty() ? all_ranks(n) : c.ranks;
        inst->duration_s = c.has_work ? c.work_flop / m_platform_spec.accelerator.compute_flops : c.duration_s;
        break;
      }
      case Step::Kind::Parallel: {
        std::vector<bool> in(static_cast<std::size_t>(n), false);
        for (const Step& child : step.children) {
          inst->children.push_back(instantiate(child, iteration, n));
          for (int r : inst->children.back()->group) in[static_cast<std::size_t>(r)] = true;
        }
        for (int r = 0; r < n; ++r)
          if (in[static_cast<std::size_t>(r)]) inst->group.push_back(r);
        break;
      }
    }
    for (std::size_t i = 0; i < inst->group.size(); ++i)
      inst->position[static_cast<std::size_t>(inst->group[i])] = static_cast<int>(i);
    return inst;
  }

  void execute(Instance& inst, accelerator::Accelerator& acc) {
    const int pos = inst.position[static_cast<std::size_t>(acc.rank())];
    if (pos < 0) return;
    inst.start = std::min(inst.start, core::now_ticks());
    switch (inst.step->kind) {
      case Step::Kind::Collective: {
        const auto& phases = (*inst.schedule)[static_cast<std::size_t>(pos)];
        const auto cls = static_cast<std::uint8_t>(inst.step->collective.cls);
        for (std::size_t k = 0; k < phases.size(); ++k) {
          const std::uint64_t tag = (inst.id << 24) | k;
          accelerator::Completion done;
          for (const auto& s : phases[k].sends) acc.send(s.peer, s.bytes, cls, tag, done, &inst.tally);
          for (const auto& r : phases[k].recvs) acc.recv(r.peer, r.bytes, tag, done);
          done.wait();
        }
        break;
      }
      case Step::Kind::Compute:
        acc.compute(inst.duration_s);
        break;
      case Step::Kind::Parallel: {
        std::vector<sc_core::sc_process_handle> threads;
        for (auto& child : inst.children) {
          if (child->position[static_cast<std::size_t>(acc.rank())] < 0) continue;
          Instance* c = child.get();
          threads.push_back(sc_core::sc_spawn([this, c, &acc] {
            try {
              execute(*c, acc);
            } catch (...) {
              if (!m_failure) m_failure = std::current_exception();
              sc_core::sc_stop();
            }
          }));
        }
        for (auto& t : threads)
          if (!t.terminated()) sc_core::wait(t.terminated_event());
        break;
      }
    }
    inst.end = std::max(inst.end, core::now_ticks());
  }

  void check_finished(platforms::Platform& platform) {
    std::ostringstream stuck;
    int count = 0;
    for (int r = 0; r < platform.ranks(); ++r) {
      auto& acc = platform.accelerator(r);
      if (acc.finished()) continue;
      if (count++ < 4) {
        stuck << (count > 1 ? "; " : "") << "rank " << r << " waits";
        for (const auto& p : acc.pending_receives()) stuck << " " << p;
      }
    }
    if (count > 0) {
      throw core::SimulationError("deadlock at " + sc_core::sc_time_stamp().to_string() + ": " +
                                  std::to_string(count) + " ranks never finished (" + stuck.str() + ")");
    }
  }

  StepResult result_of(const Instance& inst) const {
    StepResult s;
    const Step& step = *inst.step;
    s.key = step.key;
    s.iteration = inst.iteration;
    s.ranks = static_cast<int>(inst.group.size());
    const bool ran = inst.start != std::numeric_limits<core::Tick>::max();
    s.start_s = ran ? core::to_seconds(inst.start) : 0.0;
    s.end_s = ran ? core::to_seconds(inst.end) : 0.0;
    s.wire_bytes = inst.tally.wire_bytes;
    s.dynamic_energy_j = inst.tally.energy_j;
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
      case Step::Kind::Parallel:
        s.kind = "parallel";
        for (const auto& child : inst.children) {
          s.children.push_back(result_of(*child));
          s.useful_bytes += s.children.back().useful_bytes;
          s.wire_bytes += s.children.back().wire_bytes;
          s.dynamic_energy_j += s.children.back().dynamic_energy_j;
        }
        break;
    }
    return s;
  }

  SimulationResult gather(platforms::Platform& platform) {
    SimulationResult r;
    r.platform_name = m_platform_spec.name;
    r.workload_name = m_workload.name;
    r.ranks = platform.ranks();
    core::Tick end = 0;
    for (core::Tick t : m_rank_end) end = std::max(end, t);
    r.sim_time_s = core::to_seconds(end);
    for (int i = 0; i < platform.ranks(); ++i) {
      r.compute_time_s.push_back(platform.accelerator(i).compute_time_s());
      r.transactions += platform.accelerator(i).packets_sent();
    }
    for (const auto& inst : m_top) {
      r.steps.push_back(result_of(*inst));
      r.useful_bytes += r.steps.back().useful_bytes;
    }
    for (const auto& info : platform.links()) {
      if (info.internal) continue;  // an accelerator's attachment to its NIC is not a fabric link
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
        r.wire_bytes += st.wire_bytes;
        r.packet_hops += st.packets;
        r.links.push_back(l);
      }
    }
    core::for_each_component(
        [&](core::Component& c) {
          for (int i = 0; i < core::kNumCategories; ++i) {
            r.energy.dynamic_j[static_cast<std::size_t>(i)] += c.energy().dynamic_j()[static_cast<std::size_t>(i)];
            r.energy.static_w[static_cast<std::size_t>(i)] += c.energy().static_w()[static_cast<std::size_t>(i)];
          }
        },
        &platform);
    return r;
  }

  const platforms::PlatformSpec& m_platform_spec;
  const workloads::WorkloadSpec& m_workload;
  std::vector<std::unique_ptr<Instance>> m_top;
  std::map<const Step*, std::shared_ptr<const workloads::Schedule>> m_schedules;
  std::vector<core::Tick> m_rank_end;
  std::uint64_t m_next_id = 0;
  std::exception_ptr m_failure;
  workloads::TopologyFacts m_facts;
};

}  // namespace

void validate(const platforms::PlatformSpec& platform, const workloads::WorkloadSpec& workload) {
  for (const Step& step : workload.steps) validate_step(platform, step);
}

SimulationResult simulate(const platforms::PlatformSpec& platform, const workloads::WorkloadSpec& workload,
                          const RunOptions&) {
  validate(platform, workload);
  Runner runner(platform, workload);
  return runner.run();
}

}  // namespace pjbit::engine
