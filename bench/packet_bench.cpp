// Packet-engine throughput: ring all-reduces of several sizes, reported as packet hops per second (a hop is
// one packet serialized onto one link direction). Each iteration elaborates and runs a fresh SystemC
// context. Built with the project (`make bench` or build/bench/packet_bench); results in docs/performance.md.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <systemc>

#include "engine/simulation.h"
#include "platforms/loader.h"
#include "workloads/loader.h"

namespace {

void fresh_kernel() {
  // SystemC 2.3 cannot restart a finished simulation; a new simulation context gives a clean kernel.
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
}

void ring_all_reduce(benchmark::State& state) {
  const int ranks = static_cast<int>(state.range(0));
  const long long mib = state.range(1);
  const auto platform = pjbit::platforms::parse_platform(
      "name: bench\npacket: 4 KiB\ntopology:\n  kind: ring\n  ranks: " + std::to_string(ranks) +
          "\n  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }\n",
      "bench.yaml");
  const auto workload = pjbit::workloads::parse_workload(
      "name: ar\nsteps:\n  - collective: all_reduce\n    size: " + std::to_string(mib) +
          " MiB\n    algorithm: ring\n",
      "bench.yaml");
  std::uint64_t hops = 0;
  for (auto _ : state) {
    fresh_kernel();
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
    ->Args({64, 64})
    ->Args({8, 256})
    ->Args({64, 1024})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

int sc_main(int argc, char* argv[]) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

int main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  return sc_core::sc_elab_and_sim(argc, argv);
}
