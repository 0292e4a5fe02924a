// The output of `pjbit reliability` (docs/reliability.md): a JSON document of schema pjbit.reliability/1
// (docs/reliability.schema.json) and a table for the terminal.
#pragma once

#include <string>

#include "engine/reliability.h"

namespace pjbit::report {

struct ReliabilityInputs {
  std::string platform;  // names
  std::string workload;
  int ranks = 0;
  const engine::ReliabilityResult* result = nullptr;
};

std::string reliability_json(const ReliabilityInputs& in);
std::string reliability_table(const ReliabilityInputs& in);

}  // namespace pjbit::report
