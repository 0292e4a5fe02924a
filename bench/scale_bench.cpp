// Scale cases of the flow engine (and the packet engine for comparison): wall time per run, flows or packet
// hops per second, and the process's peak memory. Built with the project, not run by `make test`:
//   build/bench/scale_bench                       the cases that finish in seconds today
//   build/bench/scale_bench --benchmark_filter=.  all of them, including the 1024- and 4096-rank targets
// Results and the machine they ran on: docs/performance.md.
#include <benchmark/benchmark.h>

#include <sys/resource.h>
#include "bench/bench_support.h"

#include <cstdlib>
#include <string>
#include <systemc>

#include "engine/simulation.h"
#include "platforms/loader.h"
#include "workloads/loader.h"

namespace {

double peak_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

void run_case(benchmark::State& state, const std::string& platform, const std::string& workload) {
  const auto p = pjbit::platforms::parse_platform(platform, "bench.yaml");
  const auto w = pjbit::workloads::parse_workload(workload, "bench.yaml");
  std::uint64_t transactions = 0;
  for (auto _ : state) {
    pjbit::bench::fresh_kernel();
    const auto result = pjbit::engine::simulate(p, w);
    transactions += result.transactions + result.packet_hops;
    benchmark::DoNotOptimize(result.sim_time_s);
  }
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(transactions), benchmark::Counter::kIsRate);
  state.counters["peak_MiB"] = peak_mib();
}

std::string link() {
  return "{ bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }";
}

void ring_all_reduce(benchmark::State& state) {
  const int ranks = static_cast<int>(state.range(0));
  run_case(state,
           "name: ring\nengine: flow\ntopology: { kind: ring, ranks: " + std::to_string(ranks) +
               ", link: " + link() + " }\n",
           "name: ar\nsteps:\n  - collective: all_reduce\n    size: 1 GiB\n    algorithm: ring\n");
}

// The same with `channels: K` (range(1)): K rings at once, each on 1/K of the buffer, their phases merged
// on demand as one ring's are (workloads/impl/ring_plan.cpp). On a flat ring every channel has the same
// edges, so each phase carries K flows per link where one ring carries one.
void ring_all_reduce_channels(benchmark::State& state) {
  const int ranks = static_cast<int>(state.range(0));
  run_case(state,
           "name: ring\nengine: flow\ntopology: { kind: ring, ranks: " + std::to_string(ranks) +
               ", link: " + link() + " }\n",
           "name: ar\nsteps:\n  - collective: all_reduce\n    size: 1 GiB\n    algorithm: ring\n"
           "    channels: " +
               std::to_string(state.range(1)) + "\n");
}

// The torus's default all-reduce (torus_ring: a bidirectional ring per dimension).
void torus_all_reduce(benchmark::State& state) {
  const std::string d = std::to_string(state.range(0));
  run_case(state,
           "name: torus\nengine: flow\ntopology: { kind: torus, dims: [" + d + ", " + d + ", " + d +
               "], link: " + link() + " }\n",
           "name: ar\nsteps:\n  - collective: all_reduce\n    size: 1 GiB\n");
}

// Direct all-to-all on a 2-level fat tree; range(2) = 1 sprays packets over every shortest path (each flow
// split evenly, hop by hop), 0 hashes each flow onto one path (ECMP); range(3), when given, is flow_batch in
// thousandths (docs/engines.md, "Batched completions").
void fat_tree_all_to_all(benchmark::State& state) {
  const std::string ranks = std::to_string(state.range(0));
  const std::string radix = std::to_string(state.range(1));
  const std::string routing = state.range(2) != 0 ? "spray" : "ecmp";
  const std::string batch =
      state.range(3) != 0
          ? "flow_batch: " + std::to_string(static_cast<double>(state.range(3)) / 1000.0) + "\n"
          : "";
  run_case(state,
           "name: ft\nengine: flow\n" + batch + "topology: { kind: fat_tree, ranks: " + ranks +
               ", radix: " + radix + ", routing: " + routing + ", link: " + link() +
               ", switch: { latency: 300 ns, energy: 10 pJ/bit, radix: " + radix + " } }\n",
           "name: a2a\nsteps:\n  - collective: all_to_all\n    size: 64 MiB\n    algorithm: direct\n");
}

BENCHMARK(ring_all_reduce)
    ->Arg(256)
    ->Arg(512)
    ->Arg(1024)
    ->Arg(2048)
    ->Arg(4096)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);
BENCHMARK(ring_all_reduce_channels)
    ->Args({256, 8})
    ->Args({1024, 8})
    ->Args({4096, 8})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);
BENCHMARK(torus_all_reduce)->Arg(8)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK(fat_tree_all_to_all)
    ->Args({64, 16, 1, 0})
    ->Args({256, 32, 1, 0})
    ->Args({1024, 64, 1, 0})
    ->Args({64, 16, 0, 0})
    ->Args({256, 32, 0, 0})
    ->Args({256, 32, 0, 10})
    ->Args({1024, 64, 0, 10})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);

}  // namespace

int sc_main(int argc, char* argv[]) {
  // Without a filter, run the cases that finish in seconds today.
  bool filtered = false;
  for (int i = 1; i < argc; ++i)
    filtered = filtered || std::string(argv[i]).rfind("--benchmark_filter", 0) == 0;
  std::string quick =
      "--benchmark_filter=ring_all_reduce/(256|512|1024)/|torus_all_reduce/8/|fat_tree_all_to_all/(64|256)/";
  std::vector<char*> args(argv, argv + argc);
  if (!filtered) args.push_back(quick.data());
  return pjbit::bench::run_benchmarks(args);
}

int main(int argc, char* argv[]) {
  return pjbit::bench::main_with_systemc(argc, argv);
}
