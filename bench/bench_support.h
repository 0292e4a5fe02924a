// What the benchmarks share: a fresh SystemC context per iteration, and running Google Benchmark from
// sc_main with SystemC's banner silenced.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <systemc>
#include <vector>

namespace pjbit::bench {

// SystemC 2.3 cannot restart a finished simulation; a new simulation context gives a clean kernel.
inline void fresh_kernel() {
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
}

// Runs the registered benchmarks with `args` (argv, possibly with extra flags appended).
inline int run_benchmarks(std::vector<char*> args) {
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

inline int main_with_systemc(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  return sc_core::sc_elab_and_sim(argc, argv);
}

}  // namespace pjbit::bench
