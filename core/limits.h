// The most ranks a platform may have. The platform loader (ranks, torus dims, tiers), the workload loader
// (rank ids) and the model reader (parallel degrees and ranks) all check against this one limit
// (docs/cli.md, "What pjbit refuses").
#pragma once

namespace pjbit::core {

constexpr int kMaxRanks = 131072;

}  // namespace pjbit::core
