#include "core/overrides.h"

#include <cstddef>
#include <string_view>

#include "core/errors.h"

namespace pjbit::core {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

[[noreturn]] void fail(const std::string& text, std::string_view why = {}) {
  std::string message = "expected KEY=VALUE, got \"" + text + "\"";
  if (!why.empty()) {
    message += " (";
    message += why;
    message += ')';
  }
  throw InputError(SourceLoc{}, "--set", message);
}

}  // namespace

Override parse_override(const std::string& text) {
  const std::size_t eq = text.find('=');
  if (eq == std::string::npos) fail(text);
  const std::string_view key = trim(std::string_view(text).substr(0, eq));
  if (key.empty()) fail(text, "empty key");
  // Every dotted segment must name something: "a..b", ".a", "a." and "a. .b" are errors.
  for (std::size_t begin = 0;;) {
    const std::size_t dot = key.find('.', begin);
    const std::size_t end = dot == std::string_view::npos ? key.size() : dot;
    if (trim(key.substr(begin, end - begin)).empty()) {
      fail(text, "empty key segment in \"" + std::string(key) + "\"");
    }
    if (dot == std::string_view::npos) break;
    begin = dot + 1;
  }
  Override out;
  out.key = std::string(key);
  out.value = std::string(trim(std::string_view(text).substr(eq + 1)));
  return out;
}

}  // namespace pjbit::core
