// Packet-engine throughput: ring all-reduces of several sizes, reported as packet hops per second (a hop is
// one packet serialized onto one link direction). Each iteration elaborates and runs a fresh SystemC
// context. Built with the project (`make bench` or build/bench/packet_bench); results in docs/performance.md.
#include <benchmark/benchmark.h>

#include "bench/bench_support.h"

#include <cstdlib>
#include <string>
#include <systemc>

#include "engine/simulation.h"
#include "platforms/loader.h"
#include "workloads/loader.h"

namespace {

void ring_all_reduce(benchmark::State& state) {
  const int ranks = static_cast<int>(state.range(0));
  const long long mib = state.range(1);
  const auto platform = pjbit::platforms::parse_platform(
      "name: bench\nengine: packet\npacket: 4 KiB\ntopology:\n  kind: ring\n  ranks: " +
          std::to_string(ranks) + "\n  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }\n",
      "bench.yaml");
  const auto workload = pjbit::workloads::parse_workload(
      "name: ar\nsteps:\n  - collective: all_reduce\n    size: " + std::to_string(mib) +
          " MiB\n    algorithm: ring\n",
      "bench.yaml");
  std::uint64_t hops = 0;
  for (auto _ : state) {
    pjbit::bench::fresh_kernel();
    const auto result = pjbit::engine::simulate(platform, workload);
    hops += result.packet_hops;
    benchmark::DoNotOptimize(result.sim_time_s);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(hops));
  state.counters["hops_per_s"] = benchmark::Counter(static_cast<double>(hops), benchmark::Counter::kIsRate);
  state.counters["hops"] = benchmark::Counter(static_cast<double>(hops), benchmark::Counter::kAvgIterations);
}

BENCHMARK(ring_all_reduce)
    ->Args({8, 64})
    ->Args({32, 64})
    ->Args({64, 64})
    ->Args({128, 64})
    ->Args({256, 64})
    ->Args({8, 256})
    ->Args({64, 1024})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

int sc_main(int argc, char* argv[]) {
  return pjbit::bench::run_benchmarks({argv, argv + argc});
}

int main(int argc, char* argv[]) {
  return pjbit::bench::main_with_systemc(argc, argv);
}
