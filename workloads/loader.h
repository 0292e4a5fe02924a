// Workload files (CONTRACT section 5): YAML in, validated WorkloadSpec out. Throws core::InputError.
#pragma once

#include <string>
#include <vector>

#include "core/overrides.h"
#include "workloads/spec.h"

namespace pjbit::workloads {

const std::vector<std::string>& workload_top_level_keys();

// Reads `path`, applies the overrides whose first segment is a workload key (or that start with
// "workload."), validates what can be checked without a platform, and returns the spec.
WorkloadSpec load_workload(const std::string& path, const std::vector<core::Override>& overrides = {});
WorkloadSpec parse_workload(const std::string& text, const std::string& file,
                            const std::vector<core::Override>& overrides = {});

}  // namespace pjbit::workloads
