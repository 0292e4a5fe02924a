#include "sc_main/reliability.h"

#include <iostream>

#include "core/errors.h"
#include "core/overrides.h"
#include "core/units.h"
#include "core/yaml_support.h"
#include "engine/reliability.h"
#include "engine/simulation.h"
#include "platforms/loader.h"
#include "platforms/reliability.h"
#include "platforms/topology.h"
#include "report/reliability.h"
#include "sc_main/cli.h"
#include "sc_main/output.h"
#include "workloads/loader.h"

namespace pjbit::cli {

namespace {

constexpr long long kMaxTrials = 1'000'000;
constexpr double kMaxHorizonS = 100.0 * 365.0 * 86400.0;  // a century

double parse_horizon(const std::string& text) {
  double horizon = 0.0;
  try {
    horizon = core::parse_quantity(text, core::Dim::Time);
  } catch (const core::QuantityError& e) {
    throw core::InputError(core::SourceLoc{}, "--horizon", e.what());
  }
  if (!(horizon > 0.0) || horizon > kMaxHorizonS)
    throw core::InputError(
        core::SourceLoc{}, "--horizon",
        "expected a time above zero and at most 100 years such as \"30 d\", got " + core::quote_text(text));
  return horizon;
}

}  // namespace

int cmd_reliability(const ReliabilityArgs& args) {
  engine::ReliabilityOptions options;
  options.horizon_s = parse_horizon(args.horizon);
  if (args.trials < 1 || args.trials > kMaxTrials)
    throw core::InputError(core::SourceLoc{}, "--trials",
                           "expected a whole number from 1 to " + std::to_string(kMaxTrials) + ", got " +
                               std::to_string(args.trials));
  options.trials = static_cast<int>(args.trials);
  options.seed = parse_seed(args.seed, core::SourceLoc{}, "--seed");
  std::vector<core::Override> overrides;
  for (const auto& s : args.sets)
    overrides.push_back(core::parse_override(s));
  core::check_overrides_matched(overrides, platforms::platform_top_level_keys(),
                                workloads::workload_top_level_keys());
  const platforms::PlatformSpec platform = platforms::load_platform(args.platform, overrides);
  const workloads::WorkloadSpec workload = workloads::load_workload(args.workload, overrides);
  engine::validate_platform(platform);
  // The output is declared before the trials, so that one that cannot be written is refused first.
  OutputSet outputs;
  std::size_t json_out = 0;
  if (args.json_given) json_out = outputs.add(args.json_path, "--json");
  const platforms::Topology topo = platforms::make_topology(platform);
  const std::vector<platforms::FailureStream> streams = platforms::failure_streams(platform, topo);
  options.power_w = platforms::job_power_w(platform, topo);
  options.job = workload.job;
  const engine::ReliabilityResult result = engine::run_reliability(streams, options);
  const report::ReliabilityInputs in{platform.name, workload.name, platform.ranks(), &result};
  if (args.json_given) outputs.write(json_out, report::reliability_json(in));
  outputs.commit();
  if (!args.quiet && !outputs.writes_to_stdout()) std::cout << report::reliability_table(in) << std::flush;
  return kOk;
}

}  // namespace pjbit::cli
