// Replays fuzz inputs through a target's entry function without libFuzzer (any compiler): every file named,
// and every file under every folder named, in path order. An input passes when the entry function returns
// within the time limit; an exception that escapes it, or an input slower than the limit, fails the run
// (exit 1) and is named with the reason. A crash or sanitizer report ends the process; the last
// "replaying" line on stderr names the input.
//
//   pjbit_fuzz_replay [--limit SECONDS] TARGET PATH...
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/fuzz/targets.h"

namespace fs = std::filesystem;

namespace {

int usage() {
  std::cerr << "usage: pjbit_fuzz_replay [--limit SECONDS] TARGET PATH...\ntargets:\n";
  for (const auto& t : pjbit::fuzz::targets())
    std::cerr << "  " << t.name << ": " << t.what << "\n";
  return 2;
}

}  // namespace

int main(int argc, char* argv[]) {
  std::vector<std::string> args(argv + 1, argv + argc);
  double limit_s = 10.0;
  if (args.size() >= 2 && args[0] == "--limit") {
    limit_s = std::atof(args[1].c_str());
    args.erase(args.begin(), args.begin() + 2);
  }
  if (args.size() < 2 || limit_s <= 0.0) return usage();
  const pjbit::fuzz::Target* target = pjbit::fuzz::find_target(args[0]);
  if (target == nullptr) {
    std::cerr << "error: no fuzz target named " << args[0] << "\n";
    return usage();
  }

  std::vector<fs::path> files;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const fs::path p(args[i]);
    if (fs::is_directory(p)) {
      for (const auto& entry : fs::recursive_directory_iterator(p))
        if (entry.is_regular_file() && entry.path().filename().string()[0] != '.')
          files.push_back(entry.path());
    } else if (fs::is_regular_file(p)) {
      files.push_back(p);
    } else {
      std::cerr << "error: " << p.string() << ": no such file or folder\n";
      return 2;
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::cerr << "error: no inputs to replay\n";
    return 2;
  }

  int failed = 0;
  double slowest = 0.0;
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    const std::string input((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::cerr << "replaying " << file.string() << "\n";
    const auto t0 = std::chrono::steady_clock::now();
    try {
      target->run(input);
    } catch (...) {
      std::cerr << "FAIL " << file.string() << ": unexpected exception "
                << pjbit::fuzz::describe_current_exception() << "\n";
      ++failed;
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    slowest = std::max(slowest, s);
    if (s > limit_s) {
      std::cerr << "FAIL " << file.string() << ": took " << s << " s, more than the limit of " << limit_s
                << " s\n";
      ++failed;
    }
  }
  std::cout << "fuzz target " << target->name << ": " << files.size() << " inputs replayed, " << failed
            << " failed, slowest " << slowest << " s\n";
  return failed == 0 ? 0 : 1;
}
