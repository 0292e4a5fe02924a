#include "modules/nic/i_congestion_control.h"

#include "modules/nic/impl/dcqcn.h"
#include "modules/nic/impl/swift.h"

namespace pjbit::nic {

std::unique_ptr<ICongestionControl> make_congestion_control(const CongestionControlParams& params) {
  if (params.scheme == "dcqcn") return std::make_unique<Dcqcn>(params.dcqcn, params.line_rate_Bps);
  if (params.scheme == "swift") return std::make_unique<Swift>(params.swift, params.line_rate_Bps);
  return nullptr;
}

const std::vector<std::string>& congestion_control_names() {
  static const std::vector<std::string> names = {"none", "dcqcn", "swift"};
  return names;
}

}  // namespace pjbit::nic
