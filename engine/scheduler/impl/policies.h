// The built-in scheduler policies (engine/scheduler/i_policy.h).
#pragma once

#include "engine/scheduler/i_policy.h"

namespace pjbit::engine::scheduler::impl {

// Circuits never change.
const IPolicy& static_policy();
// Reconfigures for a phase only where the forecast gain over the rest of the run exceeds what the
// reconfigurations cost (docs/scheduler.md).
const IPolicy& phase_aware();

}  // namespace pjbit::engine::scheduler::impl
