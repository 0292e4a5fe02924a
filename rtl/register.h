// The module kinds of pjbit's RTL co-simulation (docs/rtl-cosim.md), for platforms::ModuleRegistry.
#pragma once

namespace pjbit::rtl {

// Adds the arbiter kind `rtl` (a switch's `arbiter: rtl`): each output port arbitrated by the Verilated
// rtl/port_arbiter.v behind its transactor (rtl/arbiter_transactor.h). Parameters: `clock_period`, a time
// (default 1 ns), and `gated`, true or false (default true). Idempotent.
void register_modules();

}  // namespace pjbit::rtl
