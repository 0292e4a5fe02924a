#include "rtl/register.h"

#include <cmath>
#include <memory>

#include "core/errors.h"
#include "core/time.h"
#include "platforms/user_modules.h"
#include "rtl/arbiter_transactor.h"

namespace pjbit::rtl {

namespace {

std::unique_ptr<platforms::PortArbiter> make_arbiter(const platforms::ModuleArgs& args) {
  const platforms::PlatformSpec& platform = args.platform();
  if (platform.scheduler.priorities && platform.scheduler.arbitration == "weighted")
    throw core::InputError(
        args.spec().loc, args.spec().path,
        "the rtl arbiter serves classes by strict priority; scheduler.arbitration: weighted "
        "has no RTL (use strict, or the tlm arbiter)");
  ArbiterParams params;
  if (auto period = args.quantity("clock_period", core::Dim::Time)) {
    // Edges fall on whole ticks: the period is a whole number of them (to rounding), at least two.
    const double ticks = *period * core::ticks_per_second();
    const core::Tick whole = ticks < 1e18 ? core::round_ticks(ticks) : 0;
    if (whole < 2 || std::fabs(ticks - static_cast<double>(whole)) > 1e-6 * ticks)
      args.fail("clock_period",
                "expected a whole number of the kernel's ticks, at least two (such as \"1 ns\")");
    params.period = whole;
  }
  if (auto gated = args.boolean("gated")) params.gated = *gated;
  params.scope = args.link_id;
  return std::make_unique<ArbiterTransactor>(args.name(), params);
}

}  // namespace

void register_modules() {
  platforms::ModuleRegistry::instance().add_arbiter(
      "rtl", make_arbiter, {"clock_period", "gated"},
      "the Verilated output-port arbiter of rtl/port_arbiter.v (strict priority, round-robin, credits)");
}

}  // namespace pjbit::rtl
