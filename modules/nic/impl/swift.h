// Swift (congestion_control.md): a congestion window that grows additively while the round-trip delay stays
// under the target and shrinks in proportion to the excess, at most once a round trip; the connection is
// paced at window / round trip.
#pragma once

#include "modules/nic/i_congestion_control.h"

namespace pjbit::nic {

class Swift final : public ICongestionControl {
 public:
  Swift(const SwiftParams& params, double line_rate_Bps);

  double rate_Bps(core::Tick now) override;
  void sent(std::uint32_t, core::Tick) override {}
  bool wants_feedback(bool) const override { return true; }
  double feedback_interval_s() const override { return 0.0; }
  void feedback(const Feedback& f, core::Tick now) override;

  double window_bytes() const { return m_window; }

 private:
  SwiftParams m_p;
  double m_line;
  double m_window;       // bytes
  double m_rtt_s = 0.0;  // the last round trip measured
  core::Tick m_last_decrease = 0;
  bool m_decreased = false;
};

}  // namespace pjbit::nic
