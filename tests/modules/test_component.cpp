// core::Component's logger: a level per component and a global one, off by default, checked before anything
// is formatted, and reports through SystemC's report handler with the module's full name and the time.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <systemc>
#include <vector>

#include "core/component.h"
#include "support/sc_reports.h"

namespace pjbit::core {
namespace {
namespace test_component {

// Counts how often it is written to a stream, i.e. whether a message holding it was formatted.
struct Counted {
  int* writes;
};
std::ostream& operator<<(std::ostream& os, const Counted& c) {
  ++*c.writes;
  return os << "counted";
}

class Parent : public sc_core::sc_module {
 public:
  Component child{"child"};
  explicit Parent(const sc_core::sc_module_name& name) : sc_core::sc_module(name) {}
};

// Puts the global level back to its default when a test ends.
struct RestoreGlobalLevel {
  ~RestoreGlobalLevel() { Component::set_global_log_level(LogLevel::Off); }
};

TEST(ComponentLog, OffByDefaultAndNothingFormatted) {
  Component c("c");
  EXPECT_EQ(Component::global_log_level(), LogLevel::Off);
  EXPECT_EQ(c.log_level(), LogLevel::Off);
  for (const LogLevel l : {LogLevel::Off, LogLevel::Info, LogLevel::Debug, LogLevel::Trace})
    EXPECT_FALSE(c.logs(l));
  const int infos = sc_core::sc_report_handler::get_count(sc_core::SC_INFO);
  int writes = 0;
  c.log_info(Counted{&writes});
  c.log_debug(Counted{&writes});
  c.log_trace(Counted{&writes});
  EXPECT_EQ(writes, 0);
  EXPECT_EQ(sc_core::sc_report_handler::get_count(sc_core::SC_INFO), infos);
}

TEST(ComponentLog, LevelPerComponentAndGlobal) {
  const RestoreGlobalLevel restore;
  Component a("a");
  Component b("b");
  a.set_log_level(LogLevel::Debug);
  EXPECT_TRUE(a.logs(LogLevel::Info));
  EXPECT_TRUE(a.logs(LogLevel::Debug));
  EXPECT_FALSE(a.logs(LogLevel::Trace));
  EXPECT_FALSE(b.logs(LogLevel::Info));  // b has no level of its own: the global one, off

  Component::set_global_log_level(LogLevel::Info);
  EXPECT_TRUE(b.logs(LogLevel::Info));
  EXPECT_FALSE(b.logs(LogLevel::Debug));
  EXPECT_TRUE(a.logs(LogLevel::Debug));  // a's own level stands

  a.set_log_level(LogLevel::Off);  // one component silenced under a global level
  EXPECT_FALSE(a.logs(LogLevel::Info));
  a.clear_log_level();
  EXPECT_EQ(a.log_level(), LogLevel::Info);

  Component::set_global_log_level(LogLevel::Trace);
  EXPECT_TRUE(a.logs(LogLevel::Trace));
  EXPECT_TRUE(b.logs(LogLevel::Trace));
  EXPECT_FALSE(b.logs(LogLevel::Off));  // a message at Off is never reported
}

TEST(ComponentLog, LevelsMapToSystemCVerbosities) {
  EXPECT_EQ(log_verbosity(LogLevel::Off), sc_core::SC_NONE);
  EXPECT_EQ(log_verbosity(LogLevel::Info), sc_core::SC_MEDIUM);
  EXPECT_EQ(log_verbosity(LogLevel::Debug), sc_core::SC_HIGH);
  EXPECT_EQ(log_verbosity(LogLevel::Trace), sc_core::SC_DEBUG);
  Component c("c");
  ASSERT_EQ(sc_core::sc_report_handler::get_verbosity_level(), sc_core::SC_MEDIUM);  // SystemC's default
  c.set_log_level(LogLevel::Debug);  // raises SystemC's verbosity so that debug reports get through
  EXPECT_EQ(sc_core::sc_report_handler::get_verbosity_level(), sc_core::SC_HIGH);
  c.set_log_level(LogLevel::Info);  // and never lowers it
  EXPECT_EQ(sc_core::sc_report_handler::get_verbosity_level(), sc_core::SC_HIGH);
}

TEST(ComponentLog, ReportsAnInfoWithTheFullNameAndTheTime) {
  Parent top("top");
  top.child.set_log_level(LogLevel::Debug);
  int writes = 0;
  {
    const testing::ExpectScReport info(sc_core::SC_INFO, "top.child: ");
    top.child.log_debug("x = ", 3, ", ", Counted{&writes});
    top.child.log_info("ready");
    top.child.log_trace(Counted{&writes});  // above the component's level: not formatted
    EXPECT_EQ(info.reports(),
              (std::vector<std::string>{"top.child: 0 s: x = 3, counted", "top.child: 0 s: ready"}));
  }
  EXPECT_EQ(writes, 1);
}

}  // namespace test_component
}  // namespace
}  // namespace pjbit::core
