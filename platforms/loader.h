// Platform files (CONTRACT section 4): YAML in, validated PlatformSpec out. Unknown keys, wrong units and
// impossible values throw core::InputError naming file, line, column and key path.
#pragma once

#include <string>
#include <vector>

#include "core/overrides.h"
#include "platforms/spec.h"

namespace pjbit::platforms {

// The top-level keys a platform file may hold; `--set` uses them to route an override to its file.
const std::vector<std::string>& platform_top_level_keys();

// Reads `path`, applies the overrides whose first path segment is a platform key (or that start with
// "platform."), validates, and returns the spec. Throws core::InputError.
PlatformSpec load_platform(const std::string& path, const std::vector<core::Override>& overrides = {});

// Same, from text already in memory (`file` names it in messages). For tests and presets.
PlatformSpec parse_platform(const std::string& text, const std::string& file,
                            const std::vector<core::Override>& overrides = {});

}  // namespace pjbit::platforms
