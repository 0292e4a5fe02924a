// `--set KEY=VALUE` overrides (CONTRACT section 2), applied to the parsed YAML tree before validation.
#pragma once

#include <string>
#include <vector>

namespace pjbit::core {

struct Override {
  std::string key;    // dotted path, e.g. "topology.link.bandwidth" or "steps.0.size"
  std::string value;  // YAML scalar or flow text, e.g. "200 GB/s" or "[4, 4]"
};

// Splits "KEY=VALUE" at the first '='. Throws InputError (key "--set") for text without '=' or an empty key.
Override parse_override(const std::string& text);

}  // namespace pjbit::core
