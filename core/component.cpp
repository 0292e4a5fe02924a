#include "core/component.h"

namespace pjbit::core {

int log_verbosity(LogLevel level) {
  switch (level) {
    case LogLevel::Off:
      return sc_core::SC_NONE;
    case LogLevel::Info:
      return sc_core::SC_MEDIUM;
    case LogLevel::Debug:
      return sc_core::SC_HIGH;
    case LogLevel::Trace:
      return sc_core::SC_DEBUG;
  }
  return sc_core::SC_NONE;
}

namespace {

// SystemC drops an SC_INFO report whose verbosity is above its own level (SC_MEDIUM by default).
void admit(LogLevel level) {
  const int v = log_verbosity(level);
  if (sc_core::sc_report_handler::get_verbosity_level() < v)
    sc_core::sc_report_handler::set_verbosity_level(v);
}

}  // namespace

void Component::set_global_log_level(LogLevel level) {
  s_global_log_level = static_cast<std::int8_t>(level);
  admit(level);
}

void Component::set_log_level(LogLevel level) {
  m_log_level = static_cast<std::int8_t>(level);
  admit(level);
}

void Component::report(LogLevel level, const std::string& text) const {
  const std::string message = sc_core::sc_time_stamp().to_string() + ": " + text;
  sc_core::sc_report_handler::report(sc_core::SC_INFO, name(), message.c_str(), log_verbosity(level),
                                     __FILE__, __LINE__);
}

}  // namespace pjbit::core
