// The one small base of every model (DESIGN house style): a SystemC module with a name, an energy account
// and a logger. A model adds only behaviour.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <systemc>

#include "core/energy.h"

namespace pjbit::core {

// How much a component logs, in increasing detail: nothing (the default), notable events, what a model
// developer follows (an OCS reconfiguring, a link waking), and more.
enum class LogLevel : std::int8_t { Off = 0, Info = 1, Debug = 2, Trace = 3 };

// The SystemC verbosity of a message at `level`: SC_MEDIUM, SC_HIGH, SC_DEBUG (SC_NONE for Off).
int log_verbosity(LogLevel level);

class Component : public sc_core::sc_module {
 public:
  explicit Component(const sc_core::sc_module_name& name) : sc_core::sc_module(name) {}

  EnergyAccount& energy() { return m_energy; }
  const EnergyAccount& energy() const { return m_energy; }

  // Logging goes through SystemC's report handler as SC_INFO reports whose message type is the module's
  // full name ("fabric.ocs0") and whose text starts with the simulated time, so sc_report_handler's actions,
  // handlers and log file apply to it as to any report. A level is set per component, or for every component
  // without one of its own (the global level, Off until set). Setting a level raises SystemC's verbosity to
  // let its messages through (sc_report_handler::set_verbosity_level; it never lowers it).
  static void set_global_log_level(LogLevel level);
  static LogLevel global_log_level() { return static_cast<LogLevel>(s_global_log_level); }
  void set_log_level(LogLevel level);
  // Back to the global level.
  void clear_log_level() { m_log_level = kUnset; }
  // The level in force: the component's own, or the global one.
  LogLevel log_level() const {
    return static_cast<LogLevel>(m_log_level != kUnset ? m_log_level : s_global_log_level);
  }
  // Whether a message at `level` is reported: all a disabled message costs.
  bool logs(LogLevel level) const { return level != LogLevel::Off && level <= log_level(); }

  // Reports the parts (each written with operator<<, one after the other) at the level, if logs(level);
  // nothing is formatted otherwise.
  template <typename... Parts>
  void log(LogLevel level, const Parts&... parts) const {
    if (!logs(level)) return;
    std::ostringstream text;
    (text << ... << parts);
    report(level, text.str());
  }
  template <typename... Parts>
  void log_info(const Parts&... parts) const {
    log(LogLevel::Info, parts...);
  }
  template <typename... Parts>
  void log_debug(const Parts&... parts) const {
    log(LogLevel::Debug, parts...);
  }
  template <typename... Parts>
  void log_trace(const Parts&... parts) const {
    log(LogLevel::Trace, parts...);
  }

 private:
  static constexpr std::int8_t kUnset = -1;
  void report(LogLevel level, const std::string& text) const;

  EnergyAccount m_energy;
  std::int8_t m_log_level = kUnset;
  static inline std::int8_t s_global_log_level = static_cast<std::int8_t>(LogLevel::Off);
};

// Every Component below `root` (or below every top-level object when root is null), depth first, in
// SystemC's child order, which is construction order.
template <typename F>
void for_each_component(F&& f, sc_core::sc_object* root = nullptr) {
  auto visit = [&](auto&& self, sc_core::sc_object* obj) -> void {
    if (auto* c = dynamic_cast<Component*>(obj)) f(*c);
    for (sc_core::sc_object* child : obj->get_child_objects())
      self(self, child);
  };
  if (root) {
    visit(visit, root);
  } else {
    for (sc_core::sc_object* top : sc_core::sc_get_top_level_objects())
      visit(visit, top);
  }
}

}  // namespace pjbit::core
