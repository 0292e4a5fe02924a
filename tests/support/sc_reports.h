// SystemC reports under test. Every test of the GoogleTest tiers runs with a report handler (installed by
// test_main.cpp before each test and the default one restored after) that fails the test on any SC_WARNING,
// SC_ERROR or SC_FATAL, and then handles the report as SystemC would (an error still throws). A test that
// means to provoke a report says so with an ExpectScReport in scope: a matching report is recorded instead
// (not displayed, not thrown), and the test fails if none came. Infos pass through unless expected.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <systemc>
#include <vector>

namespace pjbit::testing {

class ExpectScReport {
 public:
  // Expects, while in scope, reports of `severity` whose text ("message type: message") contains `substring`.
  ExpectScReport(sc_core::sc_severity severity, std::string substring);
  ~ExpectScReport();
  ExpectScReport(const ExpectScReport&) = delete;
  ExpectScReport& operator=(const ExpectScReport&) = delete;

  // The texts of the reports it took, in order.
  const std::vector<std::string>& reports() const { return m_reports; }
  std::size_t count() const { return m_reports.size(); }

  // The handler's part: takes the report if it matches.
  bool take(sc_core::sc_severity severity, const std::string& text);

 private:
  sc_core::sc_severity m_severity;
  std::string m_substring;
  std::vector<std::string> m_reports;
};

// Fails the current test on every SystemC warning, error or fatal that no ExpectScReport takes.
class ScReportCheck : public ::testing::EmptyTestEventListener {
 public:
  void OnTestStart(const ::testing::TestInfo&) override;
  void OnTestEnd(const ::testing::TestInfo&) override;
};

}  // namespace pjbit::testing
