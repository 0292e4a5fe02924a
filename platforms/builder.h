// The model parameters a platform spec stands for: what the builder (builder.cpp, Platform's constructor)
// gives each module, and what the engine's flow transport and the scheduler's forecasts read, so that every
// consumer prices a hop from the same model Params.
#pragma once

#include "core/arbiter.h"
#include "modules/link/link.h"
#include "modules/memory_pool/memory_pool.h"
#include "modules/nic/nic.h"
#include "modules/ocs/ocs.h"
#include "modules/switch/switch.h"
#include "platforms/spec.h"

namespace pjbit::platforms {

// A link's parameters (count folded into the stack, latencies summed, lasers added).
link::Params link_params(const LinkSpec& spec, bool priorities);
// The arbitration between transport classes that scheduler.arbitration and scheduler.weights ask for.
core::ClassArbitration class_arbitration(const SchedulerSpec& spec);
// A tier's flow control as its links apply it, for packets of at most `packet_bytes`.
link::FlowControl flow_control_params(const FlowControlSpec& spec, std::uint64_t packet_bytes);
fabric_switch::Params switch_params(const SwitchSpec& spec);
ocs::Params ocs_params(const OcsSpec& spec);
nic::Params nic_params(const NicSpec& spec);
memory_pool::Params pool_params(const MemoryPoolSpec& spec);

}  // namespace pjbit::platforms
