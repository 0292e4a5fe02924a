// Chapter 1 of a run: checks that a workload can run on a platform before anything is elaborated (rank ids,
// group sizes, algorithms that support the op and accept the group, routes for every pair a schedule joins,
// pools and their capacity), and the default algorithm of a collective.
#include <algorithm>
#include <sstream>

#include "core/errors.h"
#include "core/yaml_support.h"
#include "engine/program.h"

namespace pjbit::engine {

using workloads::Op;
using workloads::Step;

namespace {

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

namespace detail {

std::vector<int> all_ranks(int n) {
  std::vector<int> r(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    r[static_cast<std::size_t>(i)] = i;
  return r;
}

namespace {

void check_ranks(const std::vector<int>& ranks, int n, const Step& step, const std::string& key) {
  for (int r : ranks)
    if (r >= n)
      throw core::InputError(step.loc, step.key + "." + key,
                             "rank " + std::to_string(r) + " does not exist: the platform has ranks 0 to " +
                                 std::to_string(n - 1));
}

}  // namespace

bool detachable(const Step& step) {
  switch (step.kind) {
    case Step::Kind::Compute:
    case Step::Kind::Collective:
      return true;
    case Step::Kind::Parallel:
      return std::all_of(step.children.begin(), step.children.end(),
                         [](const Step& c) { return detachable(c); });
    case Step::Kind::Memory:
    case Step::Kind::Traffic:
      return false;
  }
  return false;
}

long long endpoints_of(const Facts& f, const Step& step) {
  const long long n = f.spec.ranks();
  const auto ranks = [n](const std::vector<int>& list) {
    return list.empty() ? n : static_cast<long long>(list.size());
  };
  switch (step.kind) {
    case Step::Kind::Collective:
      return ranks(step.collective.ranks) + (algorithm_of(f.spec, step.collective) == "in_network" ? 1 : 0);
    case Step::Kind::Compute:
      return ranks(step.compute.ranks);
    case Step::Kind::Memory:
      return ranks(step.memory.ranks) + 1;
    case Step::Kind::Traffic:
      return step.traffic.pairs.empty() ? ranks(step.traffic.ranks)
                                        : std::min(n, 2 * static_cast<long long>(step.traffic.pairs.size()));
    case Step::Kind::Parallel: {
      long long sum = 0;
      for (const Step& c : step.children)
        sum += endpoints_of(f, c);
      return std::min(sum, static_cast<long long>(f.topo.endpoints()));
    }
  }
  return n;
}

bool detaches_sub_steps(const Facts& f, const Step& step) {
  long long threads = 0;
  for (const Step& c : step.children)
    threads += endpoints_of(f, c);
  return threads > kMaxSubStepThreads;
}

long long threads_of(const Facts& f, const Step& step) {
  switch (step.kind) {
    case Step::Kind::Memory:
      // A pool answers each read request in a thread of its own.
      return step.memory.write ? 0 : (step.memory.ranks.empty() ? f.spec.ranks() : step.memory.ranks.size());
    case Step::Kind::Parallel: {
      const bool detach = detaches_sub_steps(f, step);
      long long threads = 0;
      for (const Step& c : step.children)
        threads += detach && detachable(c) ? 0 : endpoints_of(f, c) + threads_of(f, c);
      return threads;
    }
    case Step::Kind::Collective:
    case Step::Kind::Compute:
    case Step::Kind::Traffic:
      return 0;
  }
  return 0;
}

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

// The SystemC threads the run needs at once: every endpoint's program, and the most any one top-level step
// spawns besides (sub-steps of parallel steps, a pool's answers to reads).
void check_threads(const Facts& f, const workloads::WorkloadSpec& workload) {
  const long long endpoints = f.topo.endpoints();
  const std::string limit = "at most " + std::to_string(kMaxThreads) +
                            " SystemC threads run at once (each has a stack of its own, one of the process's "
                            "memory mappings)";
  if (endpoints > kMaxThreads) {
    const bool flat = f.spec.flat();
    throw core::InputError(f.spec.tiers.back().loc, flat ? "topology" : "tiers",
                           "the platform has " + std::to_string(endpoints) +
                               " endpoints (ranks, pools, reduction engines), each a thread; " + limit);
  }
  for (const Step& step : workload.steps) {
    const long long threads = threads_of(f, step);
    if (endpoints + threads > kMaxThreads)
      throw core::InputError(step.loc, step.key,
                             "the step needs " + std::to_string(threads) + " threads besides the " +
                                 std::to_string(endpoints) + " of the endpoints' programs; " + limit);
  }
}

void validate_workload(Facts& f, const workloads::WorkloadSpec& workload) {
  for (const Step& step : workload.steps)
    validate_step(f, step);
  check_threads(f, workload);
}

}  // namespace detail

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
  detail::Facts facts(platform);
  detail::validate_workload(facts, workload);
}

}  // namespace pjbit::engine
