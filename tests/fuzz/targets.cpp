#include "tests/fuzz/targets.h"

#include <cxxabi.h>
#include <stdlib.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <streambuf>
#include <typeinfo>

#include "core/errors.h"
#include "core/units.h"
#include "engine/simulation.h"
#include "platforms/loader.h"
#include "sc_main/compare.h"
#include "sc_main/sweep.h"
#include "workloads/chakra/chakra.h"
#include "workloads/loader.h"

namespace pjbit::fuzz {

namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------------------
// Fixed inputs the targets pair the fuzzed one with. They are written here rather than read from the shipped
// files so that a corpus replays the same way whatever becomes of platforms/ and workloads/.

// The workload every fuzzed platform is validated with: a collective over every rank and a compute step.
constexpr const char* kWorkload = R"(name: fuzz_workload
steps:
  - collective: all_reduce
    size: 1 MiB
  - compute: { duration: 1 us }
)";

// The platforms every fuzzed workload is validated on: a ring with a pool, a switch that reduces in the
// network, two tiers (switches joined by a fat tree) with a pool on the outer tier, and a torus.
constexpr const char* kPlatforms[] = {
    R"(name: fuzz_ring
topology:
  kind: ring
  ranks: 8
  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }
memory_pools:
  - { name: pool0, attach: topology, bandwidth: 400 GB/s, latency: 600 ns, energy: 10 pJ/bit, capacity: 4 TiB }
)",
    R"(name: fuzz_switch
topology:
  kind: switch
  ranks: 8
  link: { bandwidth: 450 GB/s, latency: 100 ns, energy: 2 pJ/bit }
  switch: { latency: 300 ns, energy: 10 pJ/bit, in_network: true }
memory_pools:
  - { name: pool0, attach: topology, bandwidth: 400 GB/s, latency: 600 ns, energy: 10 pJ/bit, capacity: 4 TiB }
)",
    R"(name: fuzz_tiers
tiers:
  - name: scale_up
    kind: switch
    ranks: 4
    link: { bandwidth: 450 GB/s, latency: 100 ns, energy: 2 pJ/bit }
    switch: { latency: 300 ns, energy: 10 pJ/bit }
  - name: scale_out
    kind: fat_tree
    domains: 4
    levels: 2
    radix: 8
    link: { bandwidth: 50 GB/s, latency: 500 ns, energy: 15 pJ/bit }
    switch: { latency: 500 ns, energy: 20 pJ/bit }
memory_pools:
  - { name: pool0, attach: scale_out, bandwidth: 400 GB/s, latency: 600 ns, energy: 10 pJ/bit, capacity: 4 TiB }
)",
    R"(name: fuzz_torus
topology:
  kind: torus
  dims: [2, 4]
  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }
)",
};

// The files a fuzzed sweep file names (relative to its own folder, as in a real sweep).
constexpr const char* kSweepPlatform = R"(name: sweep_ring
topology:
  kind: ring
  ranks: 8
  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 5 pJ/bit }
memory_pools:
  - { name: pool0, attach: topology, bandwidth: 400 GB/s, latency: 600 ns, energy: 10 pJ/bit, capacity: 4 TiB }
)";
constexpr const char* kSweepWorkload = R"(name: sweep_step
steps:
  - compute: { work: 20 TFLOP }
  - collective: all_reduce
    size: 64 MiB
  - checkpoint: { size: 64 MiB, pool: pool0 }
)";

// A complete report with every headline metric, for `compare` against the fuzzed one.
constexpr const char* kReport = R"({
  "schema": "pjbit.report/1",
  "platform": { "name": "ring8" },
  "workload": { "name": "allreduce_1g" },
  "sim_time_s": 0.0094,
  "energy_j": { "total": 1.83, "fabric": 0.5 },
  "fabric_pj_per_useful_bit": 12.5,
  "effective_compute": 0.75,
  "power_w": { "average": 195.0, "peak": 800.0 },
  "useful_bytes": 1073741824,
  "wire_bytes": 1879048192
}
)";

// A folder of this process for the targets that read files, removed at exit.
class Scratch {
 public:
  Scratch() {
    std::string pattern = (fs::temp_directory_path() / "pjbit-fuzz-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create a temporary folder");
    m_dir = pattern;
    write("platform.yaml", kSweepPlatform);
    write("workload.yaml", kSweepWorkload);
    write("baseline.json", kReport);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(m_dir, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  std::string path(const std::string& name) const { return (m_dir / name).string(); }
  std::string write(const std::string& name, std::string_view text) const {
    const std::string p = path(name);
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out) throw std::runtime_error("cannot write " + p);
    return p;
  }

 private:
  fs::path m_dir;
};

const Scratch& scratch() {
  static const Scratch s;
  return s;
}

// What `compare` prints goes nowhere: the target checks that it runs, not what it says.
class NullBuffer : public std::streambuf {
 protected:
  int overflow(int c) override { return traits_type::not_eof(c); }
  std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

class SilentStdout {
 public:
  SilentStdout() : m_old(std::cout.rdbuf(&m_null)) {}
  ~SilentStdout() { std::cout.rdbuf(m_old); }
  SilentStdout(const SilentStdout&) = delete;
  SilentStdout& operator=(const SilentStdout&) = delete;

 private:
  NullBuffer m_null;
  std::streambuf* m_old;
};

void require(bool ok, const std::string& what) {
  if (!ok) throw InvariantBroken(what);
}

// ---------------------------------------------------------------------------------------------------------
// The targets

constexpr core::Dim kDims[] = {
    core::Dim::DataSize,    core::Dim::DataRate, core::Dim::Time,   core::Dim::EnergyPerBit,
    core::Dim::Energy,      core::Dim::Power,    core::Dim::Length, core::Dim::Area,
    core::Dim::ComputeRate, core::Dim::Work,     core::Dim::Loss,   core::Dim::BandwidthDensity,
};

// core/units.h: the text as every kind of quantity, and as a whole number of bytes. A value that parses is
// finite and not negative; a whole number of bytes is at most 2^63 and is, as a double, exactly the data
// size parse_quantity gives for the same text (both round the exact value once).
void quantity(std::string_view input) {
  for (core::Dim dim : kDims) {
    try {
      const double v = core::parse_quantity(input, dim);
      require(std::isfinite(v) && v >= 0.0, "parse_quantity returned " + std::to_string(v));
      (void)core::format_bytes(v);
    } catch (const core::QuantityError&) {
    }
  }
  std::uint64_t bytes = 0;
  try {
    bytes = core::parse_bytes(input);
  } catch (const core::QuantityError&) {
    return;
  }
  require(bytes <= (std::uint64_t{1} << 63), "parse_bytes returned more than 2^63");
  double as_size = -1.0;
  try {
    as_size = core::parse_quantity(input, core::Dim::DataSize);
  } catch (const core::QuantityError& e) {
    throw InvariantBroken(std::string("parse_bytes accepted what parse_quantity refused: ") + e.what());
  }
  require(as_size == static_cast<double>(bytes),
          "parse_bytes gave " + std::to_string(bytes) + ", parse_quantity " + std::to_string(as_size));
  (void)core::format_bytes(static_cast<double>(bytes));
}

const workloads::WorkloadSpec& fixed_workload() {
  static const workloads::WorkloadSpec w = workloads::parse_workload(kWorkload, "fuzz_workload.yaml");
  return w;
}

const std::vector<platforms::PlatformSpec>& fixed_platforms() {
  static const std::vector<platforms::PlatformSpec> out = [] {
    std::vector<platforms::PlatformSpec> v;
    for (const char* text : kPlatforms)
      v.push_back(platforms::parse_platform(text, "fuzz_platform.yaml"));
    return v;
  }();
  return out;
}

// platforms/loader.h, then what `pjbit validate` does with the spec short of elaborating SystemC modules:
// the engine's checks, the topology (with its optical budgets), the routes and a collective's plan.
void platform(std::string_view input) {
  try {
    const platforms::PlatformSpec spec = platforms::parse_platform(std::string(input), "fuzz.yaml");
    require(spec.ranks() >= 1, "a platform of " + std::to_string(spec.ranks()) + " ranks");
    (void)engine::chosen_engine(spec);
    engine::validate(spec, fixed_workload());
  } catch (const core::InputError&) {
  }
}

// workloads/loader.h, then the engine's checks of the workload on each fixed platform.
void workload(std::string_view input) {
  workloads::WorkloadSpec spec;
  try {
    spec = workloads::parse_workload(std::string(input), "fuzz.yaml");
  } catch (const core::InputError&) {
    return;
  }
  require(spec.iterations >= 1, "a workload of " + std::to_string(spec.iterations) + " iterations");
  for (const platforms::PlatformSpec& p : fixed_platforms()) {
    try {
      engine::validate(p, spec);
    } catch (const core::InputError&) {
    }
  }
}

// sc_main/sweep.h: a sweep file beside platform.yaml and workload.yaml, checked as `pjbit sweep` checks it
// before it writes anything (every point loaded and validated).
void sweep(std::string_view input) {
  const std::string file = scratch().write("sweep.yaml", input);
  try {
    const std::size_t points = cli::check_sweep(file);
    require(points >= 1, "a sweep of no points");
  } catch (const core::InputError&) {
  }
}

// sc_main/compare.h: the report reader and `pjbit compare`, the fuzzed report against a complete one both
// ways round.
void report(std::string_view input) {
  const std::string file = scratch().write("report.json", input);
  const std::string baseline = scratch().path("baseline.json");
  const SilentStdout silent;
  for (int order = 0; order < 2; ++order) {
    cli::CompareArgs args;
    args.baseline = order == 0 ? file : baseline;
    args.candidate = order == 0 ? baseline : file;
    try {
      const int code = cli::cmd_compare(args);
      require(code == 0 || code == 1, "compare returned " + std::to_string(code));
    } catch (const core::InputError&) {
    }
  }
}

// workloads/chakra/chakra.h: the input as the rank files of a Chakra trace, split at kRankSeparator (at most
// kMaxTraceFiles). A trace that reads is a sequence without `after`, or a dependency graph whose every
// `after` names an earlier step; it is checked on each fixed platform, then written as a trace again, which
// reads back to as many steps.
constexpr std::string_view kRankSeparator = "%%rank%%";
constexpr std::size_t kMaxTraceFiles = 8;

void chakra(std::string_view input) {
  std::vector<workloads::chakra::TraceFile> files;
  for (std::size_t start = 0; files.size() < kMaxTraceFiles;) {
    const std::size_t end = input.find(kRankSeparator, start);
    const std::string_view part = input.substr(start, end == std::string_view::npos ? end : end - start);
    files.push_back({"fuzz." + std::to_string(files.size()) + ".et", std::string(part)});
    if (end == std::string_view::npos) break;
    start = end + kRankSeparator.size();
  }
  workloads::WorkloadSpec spec;
  try {
    spec = workloads::chakra::read_trace(files, "fuzz");
  } catch (const core::InputError&) {
    return;
  }
  require(
      spec.trace_ranks == static_cast<int>(files.size()),
      "a trace of " + std::to_string(files.size()) + " files read as " + std::to_string(spec.trace_ranks));
  require(spec.iterations >= 1, "a trace of " + std::to_string(spec.iterations) + " iterations");
  for (std::size_t i = 0; i < spec.steps.size(); ++i) {
    for (int d : spec.steps[i].after) {
      require(spec.graph, "a sequence whose step " + std::to_string(i) + " has an after");
      require(d >= 0 && d < static_cast<int>(i),
              "step " + std::to_string(i) + " after step " + std::to_string(d));
    }
  }
  for (const platforms::PlatformSpec& p : fixed_platforms()) {
    try {
      workloads::chakra::check_platform_ranks(spec, p.ranks());
      engine::validate(p, spec);
    } catch (const core::InputError&) {
    }
  }
  workloads::chakra::ExportOptions options;
  options.ranks = spec.trace_ranks;
  std::vector<workloads::chakra::TraceFile> again;
  for (std::string& bytes : workloads::chakra::write_trace(spec, options))
    again.push_back({"again." + std::to_string(again.size()) + ".et", std::move(bytes)});
  const workloads::WorkloadSpec back = workloads::chakra::read_trace(again, "again");
  require(back.steps.size() == spec.steps.size(), "a trace of " + std::to_string(spec.steps.size()) +
                                                      " steps, written and read again, has " +
                                                      std::to_string(back.steps.size()));
}

}  // namespace

const std::vector<Target>& targets() {
  static const std::vector<Target> all = {
      {"quantity", "core::parse_quantity (every kind) and core::parse_bytes", quantity},
      {"platform", "platforms::parse_platform, then the engine's checks, topology and routes", platform},
      {"workload", "workloads::parse_workload, then the engine's checks on four platforms", workload},
      {"sweep", "a sweep file, loaded and every point validated (cli::check_sweep)", sweep},
      {"report", "a report read by `pjbit compare` (cli::cmd_compare)", report},
      {"chakra", "a Chakra trace read (rank files split at %%rank%%), validated, written and read again",
       chakra},
  };
  return all;
}

const Target* find_target(std::string_view name) {
  for (const Target& t : targets())
    if (name == t.name) return &t;
  return nullptr;
}

std::string describe_current_exception() {
  const std::type_info* type = abi::__cxa_current_exception_type();
  std::string name = type != nullptr ? type->name() : "unknown";
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(
      abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status), std::free);
  if (status == 0 && demangled) name = demangled.get();
  try {
    throw;
  } catch (const std::exception& e) {
    return name + ": " + e.what();
  } catch (...) {
    return name;
  }
}

}  // namespace pjbit::fuzz

// libsystemc refers to sc_main (its sc_elab_and_sim calls it). The fuzz and replay programs have main()s of
// their own and never start the kernel: nothing the targets call elaborates a module.
extern "C" int sc_main(int, char*[]) {
  return 0;
}
