// Test entry point: SystemC's own main calls sc_main, which runs GoogleTest. Under ctest every test is its
// own process, so each test that elaborates a model gets a fresh kernel. Every test fails on a SystemC
// warning or error it did not expect (support/sc_reports.h).
#include <gtest/gtest.h>

#include <cstdlib>
#include <systemc>

#include "support/sc_reports.h"

int sc_main(int argc, char* argv[]) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::UnitTest::GetInstance()->listeners().Append(new pjbit::testing::ScReportCheck);
  return RUN_ALL_TESTS();
}

int main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  return sc_core::sc_elab_and_sim(argc, argv);
}
