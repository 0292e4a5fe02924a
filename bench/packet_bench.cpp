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

// The ring's platform; `controlled` adds PFC with ECN marking and DCQCN (modules/link/flow_control.md,
// modules/nic/congestion_control.md), to measure what flow and congestion control cost per hop.
std::string ring_platform(int ranks, bool controlled) {
  std::string text = "name: bench\nengine: packet\npacket: 4 KiB\ntopology:\n  kind: ring\n  ranks: " +
                     std::to_string(ranks) +
                     "\n  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }\n";
  if (controlled)
    text +=
        "  flow_control: { mode: pfc, buffer: 1 MiB, ecn: { kmin: 100 KiB, kmax: 400 KiB, pmax: 0.2 } }\n"
        "  congestion_control: { scheme: dcqcn }\n";
  return text;
}

void run_ring(benchmark::State& state, bool controlled) {
  const int ranks = static_cast<int>(state.range(0));
  const long long mib = state.range(1);
  const auto platform = pjbit::platforms::parse_platform(ring_platform(ranks, controlled), "bench.yaml");
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

void ring_all_reduce(benchmark::State& state) {
  run_ring(state, false);
}

// The same with flow control and congestion control on (docs/performance.md, "Flow and congestion control").
void ring_all_reduce_lossless(benchmark::State& state) {
  run_ring(state, true);
}

BENCHMARK(ring_all_reduce_lossless)
    ->Args({8, 64})
    ->Args({64, 64})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

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
