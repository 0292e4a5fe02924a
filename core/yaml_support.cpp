#include "core/yaml_support.h"

#include "core/time_limit.h"
#include "core/units.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <system_error>

namespace pjbit::core {

namespace {

// Longest scalar quoted in a message; longer ones are cut with "...".
constexpr std::size_t kMaxQuoted = 64;
// A --set key may have at most this many dotted segments.
constexpr std::size_t kMaxSetSegments = 64;

// Length of the valid UTF-8 sequence at s[i], or 0 when the byte does not start one.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  return n;
}

// Makes text safe for a one-line message: control characters and bytes that are not UTF-8 become escapes;
// with `quote_marks`, '"' and '\' are escaped too. At most `limit` bytes of input are kept ("..." marks a
// cut).
std::string escape(std::string_view s, bool quote_marks, std::size_t limit) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (i >= limit) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_length(s, i);
      if (n > 0) {
        out.append(s.substr(i, n));
        i += n;
        continue;
      }
    }
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (quote_marks && (c == '"' || c == '\\')) {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  return out;
}

std::string quote(std::string_view s) {
  return "\"" + escape(s, true, kMaxQuoted) + "\"";
}

SourceLoc mark_loc(const std::string& file, const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0 || mark.column < 0) return SourceLoc{file};
  return SourceLoc{file, mark.line + 1, mark.column + 1};
}

[[noreturn]] void fail_expected(const SourceLoc& loc, const std::string& path, std::string_view what,
                                const YAML::Node& got) {
  throw InputError(loc, path, "expected " + std::string(what) + ", got " + describe(got));
}

std::string first_segment(const std::string& key) {
  return key.substr(0, key.find('.'));
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::vector<std::string> split_path(const std::string& key) {
  std::vector<std::string> out;
  std::size_t begin = 0;
  for (;;) {
    const std::size_t dot = key.find('.', begin);
    out.push_back(key.substr(begin, dot == std::string::npos ? std::string::npos : dot - begin));
    if (dot == std::string::npos) break;
    begin = dot + 1;
  }
  return out;
}

// A sequence index: decimal digits only, at most 9 of them.
std::optional<std::size_t> parse_index(const std::string& seg) {
  if (seg.empty() || seg.size() > 9) return std::nullopt;
  std::size_t value = 0;
  for (char c : seg) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::size_t>(c - '0');
  }
  return value;
}

// The text of a --set VALUE as YAML; a plain string when it does not parse.
YAML::Node parse_value(const std::string& text) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception&) {
    return YAML::Node(text);
  }
}

const std::string& scalar_or_fail(const YAML::Node& node, const SourceLoc& loc, const std::string& path,
                                  std::string_view what) {
  if (!node.IsScalar()) fail_expected(loc, path, what, node);
  return node.Scalar();
}

// Notes whether a YAML document holds anything but null, and where that starts. Sees events only, so aliases
// are not expanded.
class ContentSniffer : public YAML::EventHandler {
 public:
  bool seen = false;
  YAML::Mark mark;

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { note(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t, const std::string&) override {
    note(m);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    note(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    note(m);
  }
  void OnMapEnd() override {}

 private:
  void note(const YAML::Mark& m) {
    if (!seen) mark = m;
    seen = true;
  }
};

// The position of the first character that is not blank, a comment, a directive or a document marker.
std::optional<SourceLoc> first_content(const std::string& text, const std::string& file) {
  int line = 1;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    const std::string_view l = std::string_view(text).substr(begin, end - begin);
    const std::size_t col = l.find_first_not_of(" \t\r");
    if (col != std::string_view::npos && l[col] != '#' && !(col == 0 && l[0] == '%')) {
      const std::string_view rest = l.substr(col);
      const bool marker = col == 0 && (rest.substr(0, 3) == "---" || rest.substr(0, 3) == "...") &&
                          rest.substr(3).find_first_not_of(" \t\r") == std::string_view::npos;
      if (!marker) return SourceLoc{file, line, static_cast<int>(col) + 1};
    }
    begin = end + 1;
    ++line;
  }
  return std::nullopt;
}

// The text of `loc`'s line from its column on.
std::string line_at(const std::string& text, const SourceLoc& loc) {
  std::size_t begin = 0;
  for (int line = 1; line < loc.line; ++line)
    begin = text.find('\n', begin) + 1;
  begin += static_cast<std::size_t>(loc.column - 1);
  const std::size_t end = text.find('\n', begin);
  return text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// Reading and parsing

std::string read_text_file(const std::string& path, std::uint64_t max_bytes, bool regular_only) {
  const SourceLoc loc{path.empty() ? std::string("\"\"") : path};
  const auto cannot = [&](int err) {
    throw InputError(loc, "", std::string("cannot read file: ") + std::strerror(err));
  };
  const auto too_large = [&] {
    throw InputError(loc, "", "file is larger than " + format_bytes(double(max_bytes)));
  };
  // O_NONBLOCK so that opening a FIFO nobody writes to does not hang; cleared again for reading.
  int fd = -1;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) cannot(errno);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};

  struct stat st {};
  if (::fstat(fd, &st) != 0) cannot(errno);
  if (S_ISDIR(st.st_mode)) cannot(EISDIR);
  if (regular_only && !S_ISREG(st.st_mode)) throw InputError(loc, "", "cannot read file: not a regular file");
  if (S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) > max_bytes) too_large();
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);

  std::string text;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      cannot(errno);
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > max_bytes) too_large();
  }
  return text;
}

YAML::Node parse_yaml_mapping(const std::string& text, const std::string& file) {
  const SourceLoc file_loc{file};
  if (text.size() > kMaxInputBytes) throw InputError(file_loc, "", "file is larger than 16 MiB");
  YAML::Node root;
  ContentSniffer second;
  try {
    // Not YAML::LoadAll: in yaml-cpp 0.7 it loops for ever, allocating, on text such as "," (yaml-cpp issue
    // 1040, fixed upstream by PR 1319). Load reads the first document; the sniffer then looks at most one
    // document further, for content after the first.
    root = YAML::Load(text);
    std::istringstream in(text);
    YAML::Parser parser(in);
    ContentSniffer first;
    if (parser.HandleNextDocument(first)) parser.HandleNextDocument(second);
  } catch (const YAML::DeepRecursion&) {
    throw InputError(file_loc, "", "YAML is nested too deeply");
  } catch (const YAML::Exception& e) {
    throw InputError(mark_loc(file, e.mark), "", escape(e.msg, false, 200));
  }
  if (root.IsNull()) {
    // yaml-cpp also gives null for text it stops reading at once (a leading ',' for one).
    const std::optional<SourceLoc> content = first_content(text, file);
    if (!content) throw InputError(file_loc, "", "file is empty");
    throw InputError(*content, "",
                     "expected a mapping at the top level, got " + quote(line_at(text, *content)));
  }
  if (second.seen)
    throw InputError(mark_loc(file, second.mark), "", "expected one YAML document, found another one here");
  if (!root.IsMap()) {
    throw InputError(loc_of(root, file), "", "expected a mapping at the top level, got " + describe(root));
  }
  return root;
}

SourceLoc loc_of(const YAML::Node& node, const std::string& file) {
  try {
    return mark_loc(file, node.Mark());
  } catch (const YAML::Exception&) {
    return SourceLoc{file};
  }
}

std::string quote_text(std::string_view text) {
  return quote(text);
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return quote(node.Scalar());
    case YAML::NodeType::Sequence:
      return "a sequence";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

// ---------------------------------------------------------------------------------------------------------
// Overrides

std::vector<Override> select_overrides(const std::vector<Override>& overrides, std::string_view prefix,
                                       const std::vector<std::string>& top_keys) {
  const std::string pre = std::string(prefix) + ".";
  std::vector<Override> out;
  for (const Override& o : overrides) {
    if (o.key.size() > pre.size() && o.key.compare(0, pre.size(), pre) == 0) {
      out.push_back(Override{o.key.substr(pre.size()), o.value});
      continue;
    }
    const std::string first = first_segment(o.key);
    if (first != "name" && contains(top_keys, first)) out.push_back(o);
  }
  return out;
}

void check_overrides_matched(const std::vector<Override>& overrides,
                             const std::vector<std::string>& platform_keys,
                             const std::vector<std::string>& workload_keys) {
  for (const Override& o : overrides) {
    const std::string first = first_segment(o.key);
    if ((first == "platform" || first == "workload") && o.key.size() > first.size() + 1) continue;
    if (first == "name") {
      throw InputError(SourceLoc{}, "--set",
                       "\"name\" is a key of both files; write platform." + o.key + " or workload." + o.key);
    }
    if (contains(platform_keys, first) || contains(workload_keys, first)) continue;
    throw InputError(
        SourceLoc{}, "--set",
        "unknown key " + quote(o.key) +
            "; expected a platform or workload key such as topology.link.bandwidth or steps.0.size");
  }
}

void YamlDoc::apply_overrides(const std::vector<Override>& overrides) {
  for (const Override& o : overrides) {
    const std::vector<std::string> segments = split_path(o.key);
    if (segments.size() > kMaxSetSegments) {
      throw InputError(SourceLoc{}, "--set", quote(o.key) + ": a key has at most 64 dotted parts");
    }
    for (const std::string& seg : segments) {
      if (seg.empty()) throw InputError(SourceLoc{}, "--set", quote(o.key) + ": empty key segment");
    }
    const YAML::Node value = parse_value(o.value);
    m_root = set_path(m_root, segments, 0, value, o.key);
  }
}

// Returns a copy of `container` (one level deep) with segments[i..] set to `value`; records the canonical
// path of what it set (sequence indexes without leading zeros) and the positions of the containers it copied.
YAML::Node YamlDoc::set_path(const YAML::Node& container, const std::vector<std::string>& segments,
                             std::size_t i, const YAML::Node& value, const std::string& key) {
  // The canonical path of `container`.
  std::string here;
  for (std::size_t k = 0; k < i; ++k)
    here = join_path(here, segments[k]);
  if (i == segments.size()) {
    m_overridden.insert(here);
    return value;
  }
  const YAML::Mark mark = container.Mark();
  if (!mark.is_null()) m_marks.emplace(here, mark);
  const std::string& seg = segments[i];
  const std::string shown = escape(key, false, 200);

  if (container.IsSequence()) {
    const std::optional<std::size_t> index = parse_index(seg);
    if (!index) {
      throw InputError(SourceLoc{}, "--set",
                       shown + ": " + here + " is a sequence; expected an index such as " + here +
                           ".0, got " + quote(seg));
    }
    const std::size_t size = container.size();
    if (*index >= size) {
      throw InputError(SourceLoc{}, "--set",
                       shown + ": index " + std::to_string(*index) + " is out of range; " + here + " has " +
                           std::to_string(size) + (size == 1 ? " entry" : " entries"));
    }
    // Canonical form of the index for the paths below.
    std::vector<std::string> canonical = segments;
    canonical[i] = std::to_string(*index);
    YAML::Node out(YAML::NodeType::Sequence);
    std::size_t k = 0;
    for (auto it = container.begin(); it != container.end(); ++it, ++k) {
      const YAML::Node element = *it;
      out.push_back(k == *index ? set_path(element, canonical, i + 1, value, key) : element);
    }
    return out;
  }
  if (container.IsScalar()) {
    throw InputError(SourceLoc{}, "--set",
                     shown + ": cannot set " + quote(seg) + " inside " + here + ", which is a single value");
  }

  YAML::Node out(YAML::NodeType::Map);
  bool found = false;
  if (container.IsMap()) {
    for (auto it = container.begin(); it != container.end(); ++it) {
      const YAML::Node k = it->first;
      if (!found && k.IsScalar() && k.Scalar() == seg) {
        out.force_insert(k, set_path(it->second, segments, i + 1, value, key));
        found = true;
      } else {
        out.force_insert(k, it->second);
      }
    }
  } else {
    m_overridden.insert(here);  // created by --set
  }
  if (!found) out.force_insert(seg, set_path(YAML::Node(), segments, i + 1, value, key));
  return out;
}

bool YamlDoc::from_override(const std::string& path) const {
  if (m_overridden.empty()) return false;
  if (m_overridden.count(path) != 0) return true;
  for (std::size_t dot = path.find('.'); dot != std::string::npos; dot = path.find('.', dot + 1)) {
    if (m_overridden.count(path.substr(0, dot)) != 0) return true;
  }
  return false;
}

SourceLoc YamlDoc::loc(const YAML::Node& node, const std::string& path) const {
  if (from_override(path)) return SourceLoc{"--set"};
  YAML::Mark mark = YAML::Mark::null_mark();
  try {
    mark = node.Mark();
  } catch (const YAML::Exception&) {
  }
  if (mark.is_null()) {
    const auto it = m_marks.find(path);
    if (it != m_marks.end()) mark = it->second;
  }
  return mark_loc(m_file, mark);
}

// ---------------------------------------------------------------------------------------------------------
// Typed reads

std::string join_path(const std::string& path, std::string_view key) {
  if (path.empty()) return std::string(key);
  std::string out = path;
  out += '.';
  out += key;
  return out;
}

std::string join_names(const std::vector<std::string_view>& names, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += sep;
    out += names[i];
  }
  return out;
}

std::string format_number(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", value);
  return buf;
}

std::string as_string(const YAML::Node& node, const SourceLoc& loc, const std::string& path,
                      std::string_view what) {
  return scalar_or_fail(node, loc, path, what);
}

bool as_bool(const YAML::Node& node, const SourceLoc& loc, const std::string& path) {
  const std::string& text = scalar_or_fail(node, loc, path, "true or false");
  if (text == "true") return true;
  if (text == "false") return false;
  fail_expected(loc, path, "true or false", node);
}

long long as_int(const YAML::Node& node, const SourceLoc& loc, const std::string& path, long long min,
                 long long max) {
  const std::string what = "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  const std::string& text = scalar_or_fail(node, loc, path, what);
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  const std::size_t digits = text.size() - i;
  if (digits == 0 || digits > 18) fail_expected(loc, path, what, node);
  long long value = 0;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') fail_expected(loc, path, what, node);
    value = value * 10 + (text[i] - '0');
  }
  if (negative) value = -value;
  if (value < min || value > max) fail_expected(loc, path, what, node);
  return value;
}

double as_number(const YAML::Node& node, const SourceLoc& loc, const std::string& path, double min,
                 double max, bool max_exclusive) {
  const std::string what =
      "a number from " + format_number(min) + (max_exclusive ? " to below " : " to ") + format_number(max);
  const std::string& text = scalar_or_fail(node, loc, path, what);
  if (text.empty() || text.size() > 64) fail_expected(loc, path, what, node);
  for (char c : text) {
    const bool ok = (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
    if (!ok) fail_expected(loc, path, what, node);
  }
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (*begin == '+') ++begin;
  double value = 0.0;
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) fail_expected(loc, path, what, node);
  if (value < min || value > max || (max_exclusive && value >= max)) fail_expected(loc, path, what, node);
  return value;
}

double as_quantity(const YAML::Node& node, const SourceLoc& loc, const std::string& path, Dim dim) {
  const std::string what = std::string(dim_name(dim)) + " such as " + std::string(dim_example(dim));
  const std::string& text = scalar_or_fail(node, loc, path, what);
  // Text without a digit, or too long to quote whole, gets the plain message; units.cpp explains the rest.
  if (text.size() > kMaxQuoted || text.find_first_of("0123456789") == std::string::npos) {
    fail_expected(loc, path, what, node);
  }
  double value = 0.0;
  try {
    value = parse_quantity(text, dim);
  } catch (const QuantityError& e) {
    throw InputError(loc, path, escape(e.what(), false, 400));
  }
  if (!std::isfinite(value) || (value < 0.0 && dim != Dim::PowerLevel)) fail_expected(loc, path, what, node);
  // Every time is simulated time, and the kernel cannot count past its limit (core/time_limit.h).
  if (dim == Dim::Time && !(value < kTimeLimitS))
    fail_expected(loc, path, "a time below " + time_limit_text(), node);
  return value;
}

std::uint64_t as_bytes(const YAML::Node& node, const SourceLoc& loc, const std::string& path) {
  const std::string what =
      std::string(dim_name(Dim::DataSize)) + " such as " + std::string(dim_example(Dim::DataSize));
  const std::string& text = scalar_or_fail(node, loc, path, what);
  if (text.size() > kMaxQuoted || text.find_first_of("0123456789") == std::string::npos) {
    fail_expected(loc, path, what, node);
  }
  try {
    return parse_bytes(text);
  } catch (const QuantityError& e) {
    throw InputError(loc, path, escape(e.what(), false, 400));
  }
}

std::string as_choice(const YAML::Node& node, const SourceLoc& loc, const std::string& path,
                      const std::vector<std::string_view>& options) {
  const std::string what = "one of " + join_names(options);
  const std::string& text = scalar_or_fail(node, loc, path, what);
  if (std::find(options.begin(), options.end(), text) == options.end()) fail_expected(loc, path, what, node);
  return text;
}

// ---------------------------------------------------------------------------------------------------------
// MapReader

MapReader::MapReader(const YamlDoc& doc, const YAML::Node& node, std::string path,
                     std::vector<std::string_view> allowed, std::string_view what)
    : m_doc(doc), m_path(std::move(path)), m_loc(doc.loc(node, m_path)) {
  if (node.IsNull()) return;
  if (!node.IsMap()) fail_expected(m_loc, m_path, what, node);
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;
    if (!key.IsScalar()) fail_expected(doc.loc(key, m_path), m_path, "a key name", key);
    const std::string& name = key.Scalar();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      const std::string key_path = join_path(m_path, escape(name, false, kMaxQuoted));
      if (name == "<<") {
        throw InputError(doc.loc(key, key_path), key_path,
                         "YAML merge keys are not supported (yaml-cpp 0.7); write the keys out");
      }
      throw InputError(doc.loc(key, key_path), key_path,
                       "unknown key " + quote(name) + "; expected one of: " + join_names(allowed));
    }
    if (find(name) != nullptr) {
      const std::string key_path = join_path(m_path, name);
      throw InputError(doc.loc(key, key_path), key_path, "duplicate key " + quote(name));
    }
    m_entries.push_back(Entry{name, key, it->second});
  }
}

const MapReader::Entry* MapReader::find(std::string_view key) const {
  for (const Entry& e : m_entries) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

SourceLoc MapReader::loc(std::string_view key) const {
  const Entry* e = find(key);
  if (e == nullptr) return m_loc;
  return m_doc.loc(e->value.IsNull() ? e->key_node : e->value, path(key));
}

YAML::Node MapReader::node(std::string_view key) const {
  const Entry* e = find(key);
  return e != nullptr ? e->value : YAML::Node();
}

std::vector<std::string> MapReader::keys() const {
  std::vector<std::string> out;
  for (const Entry& e : m_entries)
    out.push_back(e.key);
  return out;
}

void MapReader::fail(std::string_view key, const std::string& message) const {
  throw InputError(loc(key), path(key), message);
}

void MapReader::fail_missing(std::string_view key, std::string_view what) const {
  throw InputError(m_loc, path(key), "missing; expected " + std::string(what));
}

std::optional<std::string> MapReader::string(std::string_view key, std::string_view what) const {
  const Entry* e = find(key);
  if (e == nullptr) return std::nullopt;
  return as_string(e->value, loc(key), path(key), what);
}

std::optional<bool> MapReader::boolean(std::string_view key) const {
  const Entry* e = find(key);
  if (e == nullptr) return std::nullopt;
  return as_bool(e->value, loc(key), path(key));
}

std::optional<long long> MapReader::integer(std::string_view key, long long min, long long max) const {
  const Entry* e = find(key);
  if (e == nullptr) return std::nullopt;
  return as_int(e->value, loc(key), path(key), min, max);
}

std::optional<double> MapReader::number(std::string_view key, double min, double max,
                                        bool max_exclusive) const {
  const Entry* e = find(key);
  if (e == nullptr) return std::nullopt;
  return as_number(e->value, loc(key), path(key), min, max, max_exclusive);
}

std::optional<double> MapReader::quantity(std::string_view key, Dim dim) const {
  const Entry* e = find(key);
  if (e == nullptr) return std::nullopt;
  return as_quantity(e->value, loc(key), path(key), dim);
}

std::optional<std::uint64_t> MapReader::bytes(std::string_view key) const {
  const Entry* e = find(key);
  if (e == nullptr) return std::nullopt;
  return as_bytes(e->value, loc(key), path(key));
}

std::optional<std::string> MapReader::choice(std::string_view key,
                                             const std::vector<std::string_view>& options) const {
  const Entry* e = find(key);
  if (e == nullptr) return std::nullopt;
  return as_choice(e->value, loc(key), path(key), options);
}

}  // namespace pjbit::core
