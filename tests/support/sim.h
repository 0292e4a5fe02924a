// Runs a platform and workload given as YAML text through the library (one simulation per test process).
#pragma once

#include <string>

#include "engine/simulation.h"
#include "platforms/loader.h"
#include "power/density.h"
#include "power/ledger.h"
#include "workloads/loader.h"

namespace pjbit::testing {

struct Outcome {
  platforms::PlatformSpec platform;
  workloads::WorkloadSpec workload;
  engine::SimulationResult sim;
  power::Ledger ledger;
  power::Density density;
};

inline Outcome simulate_yaml(const std::string& platform_yaml, const std::string& workload_yaml) {
  Outcome o;
  o.platform = platforms::parse_platform(platform_yaml, "platform.yaml");
  o.workload = workloads::parse_workload(workload_yaml, "workload.yaml");
  o.sim = engine::simulate(o.platform, o.workload);
  o.ledger = power::price(o.sim.usage);
  o.density = power::assess_density(o.sim.usage, o.ledger);
  return o;
}

}  // namespace pjbit::testing
