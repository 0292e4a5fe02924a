// DCQCN's reaction point (congestion_control.md): a current rate Rc and a target rate Rt; a CNP cuts Rc by
// alpha/2 and raises alpha; timers and a byte counter raise Rc back toward Rt (fast recovery), then Rt itself
// (additive, then hyper increase).
#pragma once

#include "modules/nic/i_congestion_control.h"

namespace pjbit::nic {

class Dcqcn final : public ICongestionControl {
 public:
  Dcqcn(const DcqcnParams& params, double line_rate_Bps);

  double rate_Bps(core::Tick now) override;
  void sent(std::uint32_t bytes, core::Tick now) override;
  bool wants_feedback(bool ecn) const override { return ecn; }
  double feedback_interval_s() const override { return m_p.cnp_interval_s; }
  void feedback(const Feedback& f, core::Tick now) override;

  double alpha() const { return m_alpha; }
  double target_Bps() const { return m_target; }

 private:
  // Runs the alpha and rate-increase timers due by `now`, in time order.
  void advance(core::Tick now);
  // One rate-increase event: fast recovery, additive or hyper increase by the stages reached.
  void increase();

  DcqcnParams m_p;
  double m_line;
  double m_rate;    // Rc
  double m_target;  // Rt
  double m_alpha = 1.0;
  core::Tick m_alpha_period, m_increase_period;
  core::Tick m_next_alpha = 0;     // when alpha next decays (0: no CNP yet, nothing to decay)
  core::Tick m_next_increase = 0;  // when the next timer increase is due (0: at line rate, idle)
  int m_timer_stage = 0;           // timer events since the last cut
  int m_byte_stage = 0;            // byte-counter events since the last cut
  double m_bytes = 0.0;            // sent since the last byte-counter event
};

}  // namespace pjbit::nic
