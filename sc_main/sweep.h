// `pjbit sweep SWEEP.yaml --out DIR [--jobs N] [--shard K/N] [--quiet]` (CONTRACT sections 2 and 7): the
// cross product of parameter values over a base platform and workload, one child `pjbit run` per point, and
// DIR/results.csv rebuilt from every complete report in DIR. See docs/scaling-out.md.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace pjbit::cli {

struct SweepArgs {
  std::string file;                  // the sweep YAML file
  std::string out;                   // the folder that receives the reports and results.csv
  int jobs = 1;                      // children running at once
  std::string shard;                 // "K/N", or empty for every point
  bool quiet = false;                // no progress lines on stderr
  std::vector<std::string> presets;  // --presets folders, passed on to every point's run
};

// Validates the arguments, the sweep file and every point before running anything (bad input throws
// core::InputError, so nothing is written), then runs the points that have no complete report in DIR yet.
// Returns kOk; kSimulationFailed when a point failed with 3 (or died); kBadInput when a point failed with 2;
// 128 + the signal number when SIGINT or SIGTERM stopped the sweep.
int cmd_sweep(const SweepArgs& args);

// The checks `cmd_sweep` makes before it writes anything, and nothing else: reads the sweep file and the
// platform and workload files it names, and loads and validates every point. Returns the number of points;
// throws core::InputError. The sweep fuzz target and its replay test call it.
std::size_t check_sweep(const std::string& file);

}  // namespace pjbit::cli
