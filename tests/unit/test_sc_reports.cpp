// The tests' SystemC report check (support/sc_reports.h): an unexpected warning or error fails the test, an
// expected one is recorded instead, and an expectation that nothing met fails the test.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <string>
#include <systemc>
#include <vector>

#include "support/sc_reports.h"

namespace pjbit::testing {
namespace {
namespace test_sc_reports {

void warn() {
  SC_REPORT_WARNING("pjbit.test", "something odd");
}

void error_caught() {
  try {
    SC_REPORT_ERROR("pjbit.test", "something wrong");
  } catch (const sc_core::sc_report&) {  // the check leaves SystemC's actions as they were: errors throw
  }
}

void expect_in_vain() {
  const ExpectScReport nothing(sc_core::SC_ERROR, "never reported");
}

TEST(ScReportCheck, AnUnexpectedWarningFailsTheTest) {
  EXPECT_NONFATAL_FAILURE(warn(), "unexpected SystemC warning: pjbit.test: something odd");
}

TEST(ScReportCheck, AnUnexpectedErrorFailsTheTestAndStillThrows) {
  EXPECT_NONFATAL_FAILURE(error_caught(), "unexpected SystemC error: pjbit.test: something wrong");
}

TEST(ScReportCheck, AnExpectationThatNothingMetFailsTheTest) {
  EXPECT_NONFATAL_FAILURE(expect_in_vain(), "expected a SystemC error containing \"never reported\"");
}

TEST(ScReportCheck, AnExpectedReportIsRecordedNotThrown) {
  const int errors = sc_core::sc_report_handler::get_count(sc_core::SC_ERROR);
  const ExpectScReport expected(sc_core::SC_ERROR, "something wrong");
  const ExpectScReport warning(sc_core::SC_WARNING, "odd");
  SC_REPORT_ERROR("pjbit.test", "something wrong here");
  SC_REPORT_ERROR("pjbit.test", "something wrong again");
  SC_REPORT_WARNING("pjbit.test", "odd");
  EXPECT_EQ(expected.reports(), (std::vector<std::string>{"pjbit.test: something wrong here",
                                                          "pjbit.test: something wrong again"}));
  EXPECT_EQ(warning.count(), 1u);
  EXPECT_EQ(sc_core::sc_report_handler::get_count(sc_core::SC_ERROR), errors + 2);
}

}  // namespace test_sc_reports
}  // namespace
}  // namespace pjbit::testing
