// Runs one endpoint's part of a traffic step (workloads/traffic.h): its receives, and its messages at their
// times.
#pragma once

#include <cstdint>
#include <vector>

#include "core/fabric_extension.h"
#include "modules/accelerator/accelerator.h"
#include "workloads/traffic.h"

namespace pjbit::engine {

// Posts a receive for every message to `acc`, then sends each message from it `at_s` after now (the time it
// entered the step), and blocks until all have completed.
void run_traffic(accelerator::Accelerator& acc, const std::vector<workloads::TrafficMessage>& messages,
                 std::uint64_t size, std::uint8_t cls, std::uint64_t tag, core::StepTally* tally);

}  // namespace pjbit::engine
