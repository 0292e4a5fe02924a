// The pjbit program (CONTRACT section 2). SystemC's kernel is set up by sc_elab_and_sim, which calls sc_main;
// our own main only silences SystemC's banner first so that stdout and stderr carry pjbit's output alone.
#include <cstdlib>
#include <systemc>

#include "sc_main/cli.h"
#ifdef PJBIT_RTL
#include "rtl/register.h"
#endif

int sc_main(int argc, char* argv[]) {
#ifdef PJBIT_RTL
  // The module kinds of the RTL co-simulation (`arbiter: rtl`), before any platform file is read.
  pjbit::rtl::register_modules();
#endif
  return pjbit::cli::main(argc, argv);
}

int main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  return sc_core::sc_elab_and_sim(argc, argv);
}
