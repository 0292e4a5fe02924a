// Direct calls between pjbit's modules (core/direct.h) are the sockets' calls made in one step: a run with
// them gives the report of the same run with every hop on the TLM sockets, byte for byte, on fabrics with
// every kind of module on the packet path (accelerators forwarding on a ring, switches, NICs, an optical
// circuit switch, a memory pool).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <systemc>

#include "engine/simulation.h"
#include "platforms/loader.h"
#include "power/density.h"
#include "power/ledger.h"
#include "report/report.h"
#include "workloads/loader.h"

namespace {
namespace test_direct_calls {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The report of one run in a fresh SystemC context.
std::string report(const pjbit::platforms::PlatformSpec& platform,
                   const pjbit::workloads::WorkloadSpec& workload, bool direct) {
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
  pjbit::engine::RunOptions options;
  options.direct_calls = direct;
  const auto sim = pjbit::engine::simulate(platform, workload, options);
  const auto ledger = pjbit::power::price(sim.usage);
  const auto density = pjbit::power::assess_density(sim.usage, ledger);
  pjbit::report::Inputs in;
  in.platform = &platform;
  in.workload = &workload;
  in.sim = &sim;
  in.ledger = &ledger;
  in.density = &density;
  return pjbit::report::to_json(in);
}

void expect_same_reports(const std::string& platform_file, const std::string& workload_yaml) {
  auto platform = pjbit::platforms::parse_platform(read(std::string(PJBIT_SOURCE_DIR) + "/" + platform_file),
                                                   platform_file);
  platform.engine = "packet";
  const auto workload = pjbit::workloads::parse_workload(workload_yaml, "workload.yaml");
  const std::string direct = report(platform, workload, true);
  const std::string sockets = report(platform, workload, false);
  EXPECT_GT(direct.size(), 1000u);
  EXPECT_EQ(direct, sockets);
}

TEST(DirectCalls, RingWithForwardingGivesTheSocketsReport) {
  // All-to-all on a ring: ranks forward each other's packets.
  expect_same_reports("platforms/ring8.yaml",
                      "name: w\nsteps:\n  - collective: all_to_all\n    size: 8 MiB\n    algorithm: direct\n"
                      "  - collective: all_reduce\n    size: 8 MiB\n");
}

TEST(DirectCalls, LeafSpineWithNicsAndAPoolGivesTheSocketsReport) {
  expect_same_reports("platforms/pods-fattree-dsp.yaml",
                      "name: w\nsteps:\n  - collective: all_reduce\n    size: 8 MiB\n"
                      "  - collective: all_to_all\n    size: 4 MiB\n    algorithm: direct\n"
                      "  - memory: { op: read, size: 1 MiB, pool: pool0 }\n");
}

TEST(DirectCalls, OpticalCircuitSwitchGivesTheSocketsReport) {
  expect_same_reports("platforms/pods-ocs.yaml",
                      "name: w\nsteps:\n  - collective: all_reduce\n    size: 8 MiB\n"
                      "  - collective: all_to_all\n    size: 2 MiB\n    algorithm: direct\n"
                      "  - checkpoint: { size: 1 MiB, pool: pool0 }\n");
}

}  // namespace test_direct_calls
}  // namespace
