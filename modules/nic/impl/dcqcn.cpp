#include "modules/nic/impl/dcqcn.h"

#include <algorithm>

namespace pjbit::nic {

Dcqcn::Dcqcn(const DcqcnParams& params, double line_rate_Bps)
    : m_p(params),
      m_line(line_rate_Bps),
      m_rate(line_rate_Bps),
      m_target(line_rate_Bps),
      m_alpha_period(std::max<core::Tick>(1, core::to_ticks(params.alpha_timer_s))),
      m_increase_period(std::max<core::Tick>(1, core::to_ticks(params.increase_timer_s))) {}

double Dcqcn::rate_Bps(core::Tick now) {
  advance(now);
  return m_rate;
}

void Dcqcn::sent(std::uint32_t bytes, core::Tick now) {
  advance(now);
  if (m_rate >= m_line) return;  // at line rate nothing counts toward an increase
  m_bytes += bytes;
  while (m_bytes >= m_p.byte_counter_bytes) {
    m_bytes -= m_p.byte_counter_bytes;
    ++m_byte_stage;
    increase();
  }
}

void Dcqcn::feedback(const Feedback& f, core::Tick now) {
  if (!f.ecn) return;
  advance(now);
  // A CNP: the target remembers the rate before the cut, the rate drops by alpha/2 and alpha rises.
  m_target = m_rate;
  m_rate = std::max(m_p.min_rate_Bps, m_rate * (1.0 - m_alpha / 2.0));
  m_alpha = (1.0 - m_p.g) * m_alpha + m_p.g;
  m_next_alpha = now + m_alpha_period;
  m_next_increase = now + m_increase_period;
  m_timer_stage = m_byte_stage = 0;
  m_bytes = 0.0;
}

void Dcqcn::advance(core::Tick now) {
  for (;;) {
    const bool alpha_due = m_next_alpha != 0 && m_next_alpha <= now;
    const bool increase_due = m_next_increase != 0 && m_next_increase <= now;
    if (!alpha_due && !increase_due) return;
    if (alpha_due && (!increase_due || m_next_alpha <= m_next_increase)) {
      m_alpha *= 1.0 - m_p.g;
      m_next_alpha += m_alpha_period;
    } else {
      ++m_timer_stage;
      increase();
      m_next_increase = m_rate >= m_line ? 0 : m_next_increase + m_increase_period;
    }
  }
}

void Dcqcn::increase() {
  const int f = m_p.fast_recovery_steps;
  if (std::max(m_timer_stage, m_byte_stage) < f) {
    // Fast recovery: halfway back to the target.
  } else if (std::min(m_timer_stage, m_byte_stage) < f) {
    m_target += m_p.additive_increase_Bps;
  } else {
    m_target += m_p.hyper_increase_Bps * (std::min(m_timer_stage, m_byte_stage) - f + 1);
  }
  m_target = std::min(m_target, m_line);
  m_rate = std::min(m_line, (m_target + m_rate) / 2.0);
}

}  // namespace pjbit::nic
