// The messages of a traffic step (workloads/spec.h, TrafficStep) as a pure schedule: who sends to whom, and
// when after entering the step. Random pairs come from a seeded generator, so the same inputs and seed give
// the same messages on every platform and standard library.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "workloads/spec.h"

namespace pjbit::workloads {

struct TrafficMessage {
  double at_s = 0.0;  // issued this long after the sender entered the step
  int src = 0;
  int dst = 0;
};

// The messages of `step` on a platform of `ranks` ranks, in issue order: message k at k x interval, from
// pairs[k mod pairs] when pairs are given, else from a source drawn uniformly from the step's ranks to a
// destination drawn uniformly from the others. `seed` is the run's seed and `salt` tells instances apart
// (a step's position and iteration), so that each instance draws its own pairs.
std::vector<TrafficMessage> traffic_messages(const TrafficStep& step, int ranks, std::uint64_t seed,
                                             std::uint64_t salt);

// The salt of one instance of a step: its key and iteration, so that each draws its own pairs.
std::uint64_t traffic_salt(const std::string& key, int iteration);

}  // namespace pjbit::workloads
