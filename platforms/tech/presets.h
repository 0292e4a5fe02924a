// Technology presets (platforms/tech/): named, sourced parameter sets that a platform's `preset:` key starts
// from. Fields given in the platform file override the preset's.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "platforms/spec.h"

namespace pjbit::platforms::tech {

struct Preset {
  std::string name;
  std::string kind;             // link | switch | accelerator | ocs | nic | memory
  std::string summary;          // one line: what it is
  std::string source;           // where its figures come from (never empty)
  std::string confidence;       // high | medium | low | derived | estimate, as in reference/tech-figures.md
  LinkSpec link;                // kind == link
  SwitchSpec sw;                // kind == switch
  AcceleratorSpec accelerator;  // kind == accelerator
  OcsSpec ocs;                  // kind == ocs
  NicSpec nic;                  // kind == nic
  MemoryPoolSpec memory;        // kind == memory (a pool or a CXL expander)
};

// Every preset in a stable order.
const std::vector<Preset>& all_presets();
// The preset of that kind and name, or nullptr.
const Preset* find_preset(std::string_view kind, std::string_view name);

}  // namespace pjbit::platforms::tech
