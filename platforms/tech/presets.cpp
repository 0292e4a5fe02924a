// Technology presets as data: one YAML file per preset (docs/presets.md), read with the platform loader's
// machinery (core/yaml_support.h for strict mappings and positions, platforms/component_reader.h for the keys
// of each kind), so a preset file takes exactly the keys and units that a platform file gives that component.
#include "platforms/tech/presets.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "core/yaml_support.h"
#include "platforms/component_reader.h"

// Set by CMake for this file: the shipped presets relative to an installed program's folder, the source
// tree's folder, and the folder under the configured install prefix.
#ifndef PJBIT_PRESETS_FROM_BINDIR
#define PJBIT_PRESETS_FROM_BINDIR ""
#endif
#ifndef PJBIT_SOURCE_PRESETS
#define PJBIT_SOURCE_PRESETS ""
#endif
#ifndef PJBIT_INSTALL_PRESETS
#define PJBIT_INSTALL_PRESETS ""
#endif

namespace pjbit::platforms::tech {

namespace {

namespace fs = std::filesystem;
using core::MapReader;
using core::YamlDoc;

const std::vector<std::string_view> kConfidences = {"high", "medium", "low", "derived", "estimate"};
const std::vector<std::string_view> kTopKeys = {"name",       "kind",   "summary",   "confidence",
                                                "parameters", "source", "derivation"};
// More preset files than this in the folders together is refused (a folder named by mistake, such as /).
constexpr std::size_t kMaxPresetFiles = 10000;
constexpr std::size_t kMaxNameLength = 64;

const char* const kNameWhat = "a preset name of letters, digits, '.', '_' and '-', such as osfp-800g-dsp";

// A preset's name: platform files refer to it and tables show it, so it is one plain word.
std::string read_preset_name(const MapReader& m) {
  if (!m.has("name")) m.fail_missing("name", kNameWhat);
  const std::string name = *m.string("name", kNameWhat);
  bool ok = !name.empty() && name.size() <= kMaxNameLength;
  for (char c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    ok = ok && (alnum || c == '.' || c == '_' || c == '-');
  }
  if (!ok) m.fail("name", std::string("expected ") + kNameWhat + ", got " + core::quote_text(name));
  return name;
}

// Text for tables and the reference (summary, source, derivation): one paragraph, so that it fits a table
// cell. Surrounding blanks and line breaks (a block scalar's last one) are dropped.
std::string read_text(const MapReader& m, std::string_view key, const std::string& what) {
  if (!m.has(key)) m.fail_missing(key, what);
  const std::string text = *m.string(key, what);
  const std::size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) m.fail(key, "expected " + what + ", got " + core::describe(m.node(key)));
  const std::string trimmed = text.substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1);
  for (unsigned char c : trimmed) {
    if (c < 0x20 || c == 0x7f)
      m.fail(key, "expected " + what +
                      " as one paragraph without line breaks or control characters (fold "
                      "long text with `>-`)");
  }
  return trimmed;
}

// `parameters:`: the keys a platform file gives a component of the preset's kind, without `preset`.
void read_parameters(const YamlDoc& doc, const MapReader& top, Preset& p) {
  if (!top.has("parameters"))
    top.fail_missing("parameters", "the preset's parameters: the keys a platform file gives a " + p.kind +
                                       " (docs/config.md), such as { bandwidth: 100 GB/s }");
  const YAML::Node node = top.node("parameters");
  const std::string path = top.path("parameters");
  const std::string what = "a mapping of " + p.kind + " parameters";
  if (p.kind == "link") {
    const MapReader m(doc, node, path, kLinkKeys, what);
    p.link.loc = m.loc();
    read_link_keys(doc, m, p.link, false);
    p.link.preset = p.name;
  } else if (p.kind == "switch") {
    const MapReader m(doc, node, path, kSwitchKeys, what);
    p.sw.loc = m.loc();
    read_switch_keys(m, p.sw);
    p.sw.preset = p.name;
  } else if (p.kind == "ocs") {
    const MapReader m(doc, node, path, kOcsKeys, what);
    p.ocs.loc = m.loc();
    read_ocs_keys(m, p.ocs);
    p.ocs.preset = p.name;
  } else if (p.kind == "nic") {
    const MapReader m(doc, node, path, kNicKeys, what);
    p.nic.loc = m.loc();
    read_nic_keys(m, p.nic);
    p.nic.preset = p.name;
  } else if (p.kind == "memory") {
    const MapReader m(doc, node, path, kPoolKeys, what);
    p.memory.loc = m.loc();
    read_pool_keys(m, p.memory);
    p.memory.preset = p.name;
  } else if (p.kind == "comm_library") {
    const MapReader m(doc, node, path, kCommLibraryKeys, what);
    read_comm_library_keys(doc, m, p.comm);
    p.comm.name = p.name;
  } else {
    const MapReader m(doc, node, path, kAcceleratorKeys, what);
    p.accelerator.loc = m.loc();
    read_accelerator_keys(doc, m, p.accelerator);
    p.accelerator.preset = p.name;
  }
}

[[noreturn]] void fail_folder(const PresetFolder& folder, const std::string& why) {
  throw core::InputError(core::SourceLoc{}, folder.origin,
                         "cannot read the preset folder " + core::quote_text(folder.path) + ": " + why);
}

// The preset files of a folder, relative to it and sorted: *.yaml in it and its subfolders, leaving out names
// that start with '.' (editors' and version control's files). Symbolic links to folders are not followed.
std::vector<std::string> preset_files(const PresetFolder& folder, std::size_t& total) {
  std::error_code ec;
  if (!fs::is_directory(folder.path, ec)) fail_folder(folder, ec ? ec.message() : "not a folder");
  std::vector<std::string> files;
  const fs::path root(folder.path);
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path& path = it->path();
    const std::string name = path.filename().string();
    std::error_code type_ec;
    const bool is_dir = it->is_directory(type_ec);
    if (name.empty() || name[0] == '.') {
      if (is_dir) it.disable_recursion_pending();
      continue;
    }
    if (is_dir || path.extension() != ".yaml") continue;
    if (++total > kMaxPresetFiles)
      fail_folder(folder, "the preset folders hold more than " + std::to_string(kMaxPresetFiles) + " files");
    files.push_back(path.lexically_relative(root).generic_string());
  }
  if (ec) fail_folder(folder, ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

std::size_t kind_index(std::string_view kind) {
  const auto& kinds = preset_kinds();
  return static_cast<std::size_t>(std::find(kinds.begin(), kinds.end(), kind) - kinds.begin());
}

// The folders a program has been given with --presets.
std::vector<std::string>& user_folders() {
  static std::vector<std::string> folders;
  return folders;
}
bool& presets_read() {
  static bool read = false;
  return read;
}

}  // namespace

const std::vector<std::string_view>& preset_kinds() {
  static const std::vector<std::string_view> kinds = {"link",   "switch",       "ocs",        "nic",
                                                      "memory", "comm_library", "accelerator"};
  return kinds;
}

Preset parse_preset(const std::string& text, const std::string& file) {
  const YamlDoc doc(file, core::parse_yaml_mapping(text, file));
  const MapReader top(doc, doc.root(), "", kTopKeys, "a preset");
  Preset p;
  p.file = file;
  p.name = read_preset_name(top);
  p.loc = top.loc("name");
  if (!top.has("kind")) top.fail_missing("kind", "one of " + core::join_names(preset_kinds()));
  p.kind = *top.choice("kind", preset_kinds());
  p.summary = read_text(top, "summary", "one line saying what the preset is");
  if (!top.has("confidence"))
    top.fail_missing("confidence",
                     "the confidence of its key figure, one of " + core::join_names(kConfidences));
  p.confidence = *top.choice("confidence", kConfidences);
  p.source = read_text(top, "source", "where the preset's figures come from");
  if (top.has("derivation"))
    p.derivation = read_text(top, "derivation", "how its derived or estimated figures were computed");
  read_parameters(doc, top, p);
  return p;
}

std::vector<Preset> load_presets(const std::vector<PresetFolder>& folders) {
  std::vector<std::vector<Preset>> by_kind(preset_kinds().size());
  std::vector<fs::path> read;                                        // folders read, canonical
  std::map<std::pair<std::string, std::string>, std::string> where;  // (kind, name) -> file:line:col
  std::size_t total = 0;
  for (const PresetFolder& folder : folders) {
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(folder.path, ec);
    if (!ec && std::find(read.begin(), read.end(), canonical) != read.end()) continue;
    const std::vector<std::string> files = preset_files(folder, total);
    read.push_back(canonical);
    for (const std::string& relative : files) {
      const std::string file = (fs::path(folder.path) / relative).string();
      Preset p = parse_preset(core::read_text_file(file, core::kMaxInputBytes, true), file);
      const auto [it, added] = where.emplace(std::make_pair(p.kind, p.name), p.loc.str());
      if (!added)
        throw core::InputError(p.loc, "name",
                               p.kind + " preset " + core::quote_text(p.name) + " is already defined at " +
                                   it->second + "; each kind's preset names must be unique");
      by_kind[kind_index(p.kind)].push_back(std::move(p));
    }
  }
  std::vector<Preset> all;
  for (auto& presets : by_kind)
    for (auto& p : presets)
      all.push_back(std::move(p));
  return all;
}

std::string shipped_preset_folder() {
  std::vector<fs::path> candidates;
  std::error_code ec;
  const fs::path program = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && *PJBIT_PRESETS_FROM_BINDIR != '\0')
    candidates.push_back((program.parent_path() / PJBIT_PRESETS_FROM_BINDIR).lexically_normal());
  if (*PJBIT_SOURCE_PRESETS != '\0') candidates.emplace_back(PJBIT_SOURCE_PRESETS);
  if (*PJBIT_INSTALL_PRESETS != '\0') candidates.emplace_back(PJBIT_INSTALL_PRESETS);
  std::string looked;
  for (const fs::path& folder : candidates) {
    if (fs::is_directory(folder, ec)) return folder.string();
    looked += (looked.empty() ? "" : ", ") + core::quote_text(folder.string());
  }
  throw core::InputError(core::SourceLoc{}, "",
                         "the presets that come with pjbit were not found (looked in " +
                             (looked.empty() ? std::string("no folder") : looked) +
                             "); install pjbit with cmake --install, or run it from its build folder");
}

void set_user_preset_folders(std::vector<std::string> folders) {
  if (presets_read()) throw std::logic_error("set_user_preset_folders: the presets have been read already");
  user_folders() = std::move(folders);
}

std::vector<PresetFolder> preset_folders() {
  std::vector<PresetFolder> out = {{shipped_preset_folder(), ""}};
  for (const std::string& folder : user_folders())
    out.push_back({folder, "--presets"});
  if (const char* env = std::getenv("PJBIT_PRESET_PATH")) {
    const std::string path = env;
    std::size_t begin = 0;
    while (begin <= path.size()) {
      std::size_t end = path.find(':', begin);
      if (end == std::string::npos) end = path.size();
      if (end > begin) out.push_back({path.substr(begin, end - begin), "PJBIT_PRESET_PATH"});
      begin = end + 1;
    }
  }
  return out;
}

const std::vector<Preset>& all_presets() {
  static const std::vector<Preset> presets = [] {
    std::vector<Preset> all = load_presets(preset_folders());
    presets_read() = true;
    return all;
  }();
  return presets;
}

const Preset* find_preset(std::string_view kind, std::string_view name) {
  for (const auto& p : all_presets())
    if (p.kind == kind && p.name == name) return &p;
  return nullptr;
}

}  // namespace pjbit::platforms::tech
