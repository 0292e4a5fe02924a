// `pjbit reliability PLATFORM.yaml WORKLOAD.yaml --horizon TIME --trials N [--seed S] [--json FILE]`: the
// seeded Monte Carlo of docs/reliability.md over the platform's parts and the workload's training job.
#pragma once

#include <string>
#include <vector>

namespace pjbit::cli {

struct ReliabilityArgs {
  std::string platform;
  std::string workload;
  std::string horizon;
  long long trials = 1000;
  std::string seed = "1";
  std::string json_path;
  bool json_given = false;
  std::vector<std::string> sets;
  std::vector<std::string> presets;
  bool quiet = false;
};

// Throws core::InputError for bad input; returns the exit code.
int cmd_reliability(const ReliabilityArgs& args);

}  // namespace pjbit::cli
