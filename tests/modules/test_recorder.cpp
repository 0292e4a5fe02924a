// The timeline recorder (engine/recorder.h) on an elaborated platform: it learns the link directions as the
// report names them, reads the reconfigurations of an optical circuit switch when the run ends, and the trace
// draws them on the ocs track. (Runs of whole workloads are tested through the program: tests/cli.)
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <systemc>
#include <vector>

#include "core/time.h"
#include "engine/recorder.h"
#include "platforms/loader.h"
#include "platforms/platform.h"
#include "power/ledger.h"
#include "report/trace.h"

namespace pjbit::engine {
namespace {
namespace test_recorder {

const char* kOcs = R"(name: ocs4
topology:
  kind: ocs
  ranks: 4
  ports_per_rank: 2
  link: { bandwidth: 100 GB/s, latency: 100 ns, energy: 1 pJ/bit }
  ocs: { ports: 16, reconfiguration: 10 us, power: 10 W }
)";

TEST(Recorder, ReadsOcsReconfigurationsAndTheTraceDrawsThem) {
  const platforms::PlatformSpec spec = platforms::parse_platform(kOcs, "ocs4.yaml");
  platforms::Platform platform("platform", spec);
  Recorder recorder;
  recorder.attach(platform, nullptr);
  ASSERT_EQ(recorder.channels().size(), 2 * platform.links().size());
  for (std::size_t i = 0; i < platform.links().size(); ++i)
    for (int d = 0; d < 2; ++d)
      EXPECT_EQ(recorder.channels()[2 * i + static_cast<std::size_t>(d)].id, platform.links()[i].id[d]);
  EXPECT_EQ(recorder.ranks(), 4);

  // At 1 us, swap two circuits: OCS ports 0-3 and 2-5 become 0-5 and 2-3.
  ocs::Ocs& ocs = *platform.circuit_switches().front();
  std::vector<int> map(static_cast<std::size_t>(ocs.ports()));
  for (int p = 0; p < ocs.ports(); ++p)
    map[static_cast<std::size_t>(p)] = ocs.target_circuit(p);
  ASSERT_EQ(map[0], 3);
  ASSERT_EQ(map[2], 5);
  map[0] = 5;
  map[5] = 0;
  map[2] = 3;
  map[3] = 2;
  sc_core::sc_spawn([&] {
    sc_core::wait(sc_core::sc_time(1, sc_core::SC_US));
    ocs.reconfigure(map, "swap for the test");
  });
  sc_core::sc_start();
  recorder.detach(platform);

  ASSERT_EQ(recorder.reconfigurations().size(), 1u);
  const auto& r = recorder.reconfigurations().front();
  EXPECT_EQ(r.ocs, "ocs0");
  EXPECT_EQ(r.requested, core::to_ticks(1e-6));
  EXPECT_EQ(r.start, core::to_ticks(1e-6));
  EXPECT_EQ(r.end, core::to_ticks(11e-6));
  EXPECT_EQ(r.ports, 4u);
  EXPECT_EQ(r.why, "swap for the test");

  SimulationResult sim;
  sim.platform_name = "ocs4";
  sim.workload_name = "none";
  sim.ranks = 4;
  power::Ledger ledger;
  report::Inputs in;
  in.sim = &sim;
  in.ledger = &ledger;
  std::ostringstream out;
  report::write_trace(out, recorder, in);
  const nlohmann::json trace = nlohmann::json::parse(out.str());
  bool named = false, drawn = false;
  for (const auto& e : trace["traceEvents"]) {
    if (e["pid"] != 3) continue;
    if (e["ph"] == "M" && e["name"] == "thread_name") named = e["args"]["name"] == "ocs0";
    if (e["ph"] == "X") {
      drawn = true;
      EXPECT_EQ(e["name"], "reconfiguration");
      EXPECT_EQ(e["ts"], 1.0);
      EXPECT_EQ(e["dur"], 10.0);
      EXPECT_EQ(e["args"]["ports"], 4);
      EXPECT_EQ(e["args"]["why"], "swap for the test");
    }
  }
  EXPECT_TRUE(named);
  EXPECT_TRUE(drawn);
}

}  // namespace test_recorder
}  // namespace
}  // namespace pjbit::engine
