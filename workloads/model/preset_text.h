// The shipped model presets (workloads/model/presets/*.yaml) as text, compiled into the library by CMake so
// that a workload can name one wherever the program runs.
#pragma once

#include <string>
#include <vector>

namespace pjbit::workloads::model {

struct PresetText {
  const char* file;  // its path in the source tree, for messages
  const char* text;
};

// Every preset file, sorted by path (generated from the files at configure time).
const std::vector<PresetText>& preset_texts();

}  // namespace pjbit::workloads::model
