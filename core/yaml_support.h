// YAML helpers shared by the platform and workload loaders (yaml-cpp 0.7): safe reading, strict mappings,
// typed scalar getters that throw InputError with file:line:col and the key path, and `--set` overrides.
//
// Alias bombs: yaml-cpp shares the node of an alias with its anchor, so a "billion laughs" file stays small
// in memory as long as nobody walks it recursively. Nothing here walks or copies a subtree it does not know:
// every reader looks at one level, and the loaders descend only along their schema, with depth and count
// limits.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.h"
#include "core/overrides.h"
#include "core/units.h"

namespace pjbit::core {

// Input files larger than this are refused.
inline constexpr std::size_t kMaxInputBytes = std::size_t{16} << 20;

// Reads a whole file of at most `max_bytes`, without hanging on a FIFO nobody writes to; `regular_only`
// refuses anything but a regular file. Throws InputError (file, "cannot read file: <reason>" or "file is
// larger than 16 MiB").
std::string read_text_file(const std::string& path, std::uint64_t max_bytes = kMaxInputBytes,
                           bool regular_only = false);

// Parses `text` as one YAML document whose top level is a mapping. `file` names it in messages. Throws
// InputError for text over 16 MiB, malformed YAML (file:line:col and the parser's message), an empty file and
// a top level that is not a mapping.
YAML::Node parse_yaml_mapping(const std::string& text, const std::string& file);

// Where `node` is in `file`: 1-based line and column, or just the file when the node has no position.
SourceLoc loc_of(const YAML::Node& node, const std::string& file);

// User text in quotes for a message: escaped (control characters, quotes) and cut short, so that an error
// stays one line whatever a name holds.
std::string quote_text(std::string_view text);

// "a sequence", "a mapping", "nothing" (null), or the scalar in quotes.
std::string describe(const YAML::Node& node);

// The overrides meant for one file, with "<prefix>." stripped: those that start with "<prefix>." (e.g.
// "platform."), and those whose first segment is one of `top_keys` other than "name" (which both files have).
std::vector<Override> select_overrides(const std::vector<Override>& overrides, std::string_view prefix,
                                       const std::vector<std::string>& top_keys);

// Throws InputError (key "--set") for an override that belongs to neither file, or that is an unprefixed
// "name" (ambiguous).
void check_overrides_matched(const std::vector<Override>& overrides,
                             const std::vector<std::string>& platform_keys,
                             const std::vector<std::string>& workload_keys);

// One parsed file: its name, its tree, and which key paths came from `--set`.
class YamlDoc {
 public:
  YamlDoc(std::string file, YAML::Node root) : m_file(std::move(file)), m_root(std::move(root)) {}

  const std::string& file() const { return m_file; }
  const YAML::Node& root() const { return m_root; }

  // Applies overrides (already selected for this file, prefix stripped) to the tree. Each dotted path is
  // followed from the top: integer segments index sequences (an index out of range is an error), missing
  // mappings are created. VALUE is parsed as YAML ("[4, 4]" is a sequence), or taken as a plain string when
  // it does not parse. Containers along the path are copied one level deep before they change, so nodes the
  // file shares through aliases stay as they were. Throws InputError (key "--set").
  void apply_overrides(const std::vector<Override>& overrides);

  // Whether `path` or a path above it was set by `--set`.
  bool from_override(const std::string& path) const;
  // Where the node at `path` came from: "--set" for overridden paths, else file:line:col.
  SourceLoc loc(const YAML::Node& node, const std::string& path) const;

 private:
  YAML::Node set_path(const YAML::Node& container, const std::vector<std::string>& segments, std::size_t i,
                      const YAML::Node& value, const std::string& key);

  std::string m_file;
  YAML::Node m_root;
  std::set<std::string> m_overridden;
  std::map<std::string, YAML::Mark> m_marks;  // positions of containers copied by apply_overrides
};

// "a.b" + "c" -> "a.b.c"; "" + "c" -> "c".
std::string join_path(const std::string& path, std::string_view key);

// Typed reads of one node; `loc` and `path` name it in messages. A non-scalar where a scalar is expected, or
// null, is "expected <thing>, got a sequence / a mapping / nothing".
std::string as_string(const YAML::Node& node, const SourceLoc& loc, const std::string& path,
                      std::string_view what = "a string");
// true or false only.
bool as_bool(const YAML::Node& node, const SourceLoc& loc, const std::string& path);
// A decimal whole number in [min, max]: "expected a whole number from 1 to 65536, got \"x\"".
long long as_int(const YAML::Node& node, const SourceLoc& loc, const std::string& path, long long min,
                 long long max);
// A plain finite number in [min, max] (or [min, max) with max_exclusive).
double as_number(const YAML::Node& node, const SourceLoc& loc, const std::string& path, double min,
                 double max, bool max_exclusive = false);
// A quantity with its unit (core::parse_quantity), in base units. A bare number is rejected.
double as_quantity(const YAML::Node& node, const SourceLoc& loc, const std::string& path, Dim dim);
// A data size in whole bytes (core::parse_bytes).
std::uint64_t as_bytes(const YAML::Node& node, const SourceLoc& loc, const std::string& path);
// One of `options`: "expected one of a, b, c, got \"x\"".
std::string as_choice(const YAML::Node& node, const SourceLoc& loc, const std::string& path,
                      const std::vector<std::string_view>& options);

// "a, b, c".
std::string join_names(const std::vector<std::string_view>& names, std::string_view sep = ", ");
// "%g"-style number for messages: 0, 1, 0.5, 1e+06.
std::string format_number(double value);

// A strict mapping: construction checks that `node` is a mapping (null counts as empty), that no key repeats
// and that every key is in `allowed` (`unknown key "xyz"; expected one of: a, b, c` at the key's position,
// with its full key path). Getters return nullopt when the key is absent.
class MapReader {
 public:
  MapReader(const YamlDoc& doc, const YAML::Node& node, std::string path,
            std::vector<std::string_view> allowed, std::string_view what = "a mapping");

  const std::string& path() const { return m_path; }
  std::string path(std::string_view key) const { return join_path(m_path, key); }
  // The file it was read from.
  const YamlDoc& doc() const { return m_doc; }
  // The mapping's position.
  SourceLoc loc() const { return m_loc; }
  // The position of the key's value (of the key itself when the value is null), or of the mapping.
  SourceLoc loc(std::string_view key) const;

  bool has(std::string_view key) const { return find(key) != nullptr; }
  // The value node, or a null node when the key is absent.
  YAML::Node node(std::string_view key) const;
  // The keys present, in file order.
  std::vector<std::string> keys() const;

  // Throws InputError at loc(key) with key path path(key).
  [[noreturn]] void fail(std::string_view key, const std::string& message) const;
  // Throws "missing; expected <what>" at the mapping's position.
  [[noreturn]] void fail_missing(std::string_view key, std::string_view what) const;

  std::optional<std::string> string(std::string_view key, std::string_view what = "a string") const;
  std::optional<bool> boolean(std::string_view key) const;
  std::optional<long long> integer(std::string_view key, long long min, long long max) const;
  std::optional<double> number(std::string_view key, double min, double max,
                               bool max_exclusive = false) const;
  std::optional<double> quantity(std::string_view key, Dim dim) const;
  std::optional<std::uint64_t> bytes(std::string_view key) const;
  std::optional<std::string> choice(std::string_view key, const std::vector<std::string_view>& options) const;

 private:
  struct Entry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
  };
  const Entry* find(std::string_view key) const;

  const YamlDoc& m_doc;
  std::string m_path;
  SourceLoc m_loc;
  std::vector<Entry> m_entries;
};

}  // namespace pjbit::core
