// One libFuzzer program per target (tests/fuzz/CMakeLists.txt defines PJBIT_FUZZ_TARGET): hands every input
// to the target's entry function and turns whatever escapes it into a finding, with the exception's type
// and message on stderr, by aborting (libFuzzer then saves the input as crash-<hash>).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tests/fuzz/targets.h"

#ifndef PJBIT_FUZZ_TARGET
#error "PJBIT_FUZZ_TARGET names the target this program fuzzes"
#endif

namespace {

const pjbit::fuzz::Target& target() {
  static const pjbit::fuzz::Target* t = [] {
    const pjbit::fuzz::Target* found = pjbit::fuzz::find_target(PJBIT_FUZZ_TARGET);
    if (found == nullptr) {
      std::fprintf(stderr, "fuzz: no target named %s\n", PJBIT_FUZZ_TARGET);
      std::abort();
    }
    return found;
  }();
  return *t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    target().run(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (...) {
    const std::string what = pjbit::fuzz::describe_current_exception();
    std::fprintf(stderr, "fuzz target %s: unexpected exception %s\n", target().name, what.c_str());
    std::abort();
  }
  return 0;
}
