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

core::Tick Hbm::reserve(std::uint64_t bytes, bool write) {
  const core::Tick now = core::now_ticks();
  if (bytes == 0) return now;
  const core::Tick hold = core::round_ticks(double(bytes) * m_ticks_per_byte);
  const core::Tick start = std::max(now, m_busy_until);
  m_busy_until = core::later(start, hold);
  m_busy_ticks += hold;
  energy().charge(core::Category::Hbm, Params::energy_j(bytes, m_params));
  if (write) {
    m_bytes_written += bytes;
    ++m_writes;
  } else {
    m_bytes_read += bytes;
    ++m_reads;
  }
  return core::later(m_busy_until, m_latency);
}

void Hbm::access(std::uint64_t bytes, bool write) {
  const core::Tick done = reserve(bytes, write);
  const core::Tick now = core::now_ticks();
  if (done > now) sc_core::wait(core::ticks_to_time(done - now));
}

}  // namespace pjbit::hbm
