// The technology presets as text for people and programs: `pjbit presets` (a table per kind), `pjbit presets
// --json` and `pjbit presets --markdown` (the content of docs/presets.md, which a unit test keeps in step).
#pragma once

#include <string>
#include <vector>

#include "platforms/spec.h"
#include "platforms/tech/presets.h"

namespace pjbit::platforms::tech {

// What one bit costs on a link that runs at line rate in both directions: the stack's per-bit energy plus the
// static power divided by the bits of both directions per second (pJ/bit). With a module at each end this is
// the industry's "module W / one-direction line rate".
double link_full_rate_pj_per_bit(const LinkSpec& link);
// What one switched bit costs with every port busy: per-bit energy plus static power divided by radix x port
// bandwidth (pJ/bit); the per-bit energy alone when the port bandwidth is 0.
double switch_full_rate_pj_per_bit(const SwitchSpec& sw);

// Each takes the presets to show (all_presets() by default, which may throw core::InputError).
// The presets as a JSON array (name, kind, summary, source, confidence, derivation when there is one, the
// file, then the parameters in base units with unit-suffixed keys); pretty-printed, ends with a newline.
std::string presets_json(const std::vector<Preset>& presets = all_presets());
// A table per kind with the key figures and confidence, then each preset's source, derivation and file; for
// the terminal.
std::string presets_text(const std::vector<Preset>& presets = all_presets());
// docs/presets.md: a title, how the page is made, how to add a preset, the conventions, and per kind a table
// with the key figures, source and confidence, then the derivations.
std::string presets_markdown(const std::vector<Preset>& presets = all_presets());

}  // namespace pjbit::platforms::tech
