// Technology presets: named, sourced parameter sets that a platform's `preset:` key starts from (fields given
// in the platform file override the preset's). Each preset is a YAML file (docs/presets.md describes them):
// those shipped with pjbit are under platforms/tech/<kind>/ (installed under share/pjbit/presets), and users
// add their own folders with `--presets DIR` or PJBIT_PRESET_PATH, without recompiling.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/errors.h"
#include "platforms/spec.h"

namespace pjbit::platforms::tech {

struct Preset {
  std::string name;
  std::string kind;               // link | switch | ocs | nic | memory | comm_library | accelerator
  std::string summary;            // one line: what it is
  std::string source;             // where its figures come from (never empty)
  std::string confidence;         // high | medium | low | derived | estimate, as in reference/tech-figures.md
  std::string derivation;         // how its derived and estimated figures were computed; may be empty
  std::string file;               // the file it was read from
  core::SourceLoc loc;            // where its name is in that file
  LinkSpec link;                  // kind == link
  SwitchSpec sw;                  // kind == switch
  AcceleratorSpec accelerator;    // kind == accelerator
  OcsSpec ocs;                    // kind == ocs
  NicSpec nic;                    // kind == nic
  MemoryPoolSpec memory;          // kind == memory (a pool or a CXL expander)
  accelerator::CommLibrary comm;  // kind == comm_library
};

// The kinds of preset in the order they are listed: link, switch, ocs, nic, memory, comm_library,
// accelerator.
const std::vector<std::string_view>& preset_kinds();

// A folder of preset files, and what named it for messages: "" for the shipped folder, "--presets" or
// "PJBIT_PRESET_PATH".
struct PresetFolder {
  std::string path;
  std::string origin;
};

// Reads one preset file's text (`file` names it in messages and in Preset::file). Throws core::InputError
// naming file:line:col and the key: malformed YAML, a top level that is not a mapping, an unknown or missing
// key, a wrong unit or an impossible value.
Preset parse_preset(const std::string& text, const std::string& file);

// Every preset in `folders`: the *.yaml files of each folder and its subfolders (names that start with '.'
// left out). Ordered by kind (preset_kinds()), then by folder in the order given, then by path within the
// folder; a folder that appears twice is read once. Throws core::InputError for a folder that cannot be read,
// a malformed file, and a second preset of the same kind and name (naming both files).
std::vector<Preset> load_presets(const std::vector<PresetFolder>& folders);

// The folder of the presets that come with pjbit: share/pjbit/presets beside an installed program, else the
// source tree's platforms/tech (a build), else share/pjbit/presets under the install prefix the library was
// configured with. Throws core::InputError when none of them exists.
std::string shipped_preset_folder();

// Folders of one's own presets, read after the shipped folder (the program's --presets). Must be called
// before the presets are first read; throws std::logic_error afterwards.
void set_user_preset_folders(std::vector<std::string> folders);

// The folders all_presets() reads, in order: the shipped folder, the user's folders, then each folder named
// in the environment variable PJBIT_PRESET_PATH (colon-separated, empty entries left out).
std::vector<PresetFolder> preset_folders();

// Every preset, read from preset_folders() on first use (once per process). Throws core::InputError when a
// folder or file is bad; the next call tries again.
const std::vector<Preset>& all_presets();
// The preset of that kind and name, or nullptr.
const Preset* find_preset(std::string_view kind, std::string_view name);

}  // namespace pjbit::platforms::tech
