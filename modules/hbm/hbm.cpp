#include "modules/hbm/hbm.h"

#include <algorithm>
#include <cmath>

namespace pjbit::hbm {

Hbm::Hbm(const sc_core::sc_module_name& name, const Params& params)
    : core::Component(name),
      m_params(params),
      m_ticks_per_byte(params.bandwidth_Bps > 0.0 ? core::ticks_per_second() / params.bandwidth_Bps : 0.0),
      m_latency(core::to_ticks(params.latency_s)) {
  if (!(params.bandwidth_Bps > 0.0)) SC_REPORT_ERROR(this->name(), "HBM bandwidth must be positive");
}

void Hbm::access(std::uint64_t bytes, bool write) {
  const core::Tick done = reserve(bytes, write);
  const core::Tick now = core::now_ticks();
  if (done > now) sc_core::wait(core::ticks_to_time(done - now));
}

}  // namespace pjbit::hbm
