#include "modules/nic/impl/swift.h"

#include <algorithm>

namespace pjbit::nic {

Swift::Swift(const SwiftParams& params, double line_rate_Bps)
    : m_p(params), m_line(line_rate_Bps), m_window(line_rate_Bps * params.target_delay_s) {}

double Swift::rate_Bps(core::Tick) {
  // Before the first acknowledgement the connection runs at line rate (its window is a target's worth).
  if (m_rtt_s <= 0.0) return m_line;
  return std::min(m_line, m_window / m_rtt_s);
}

void Swift::feedback(const Feedback& f, core::Tick now) {
  // The round trip: the packet's way there and the acknowledgement's way back, which queues nowhere.
  const double rtt = core::to_seconds(f.one_way + f.base_one_way);
  m_rtt_s = rtt;
  if (rtt < m_p.target_delay_s) {
    m_window += m_p.additive_increase_bytes * double(f.bytes) / m_window;
  } else if (!m_decreased || now - m_last_decrease >= core::to_ticks(rtt)) {
    const double cut = std::min(m_p.beta * (rtt - m_p.target_delay_s) / rtt, m_p.max_decrease);
    m_window *= 1.0 - cut;
    m_last_decrease = now;
    m_decreased = true;
  }
  m_window = std::clamp(m_window, m_p.min_window_bytes, m_line * m_p.target_delay_s * 4.0);
}

}  // namespace pjbit::nic
