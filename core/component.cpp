#include "core/component.h"

namespace pjbit::core {

double Component::stat(const std::string& stat) const {
  auto it = m_stats.find(stat);
  return it == m_stats.end() ? 0.0 : it->second;
}

}  // namespace pjbit::core
