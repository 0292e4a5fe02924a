#include "report/csv.h"

namespace pjbit::report {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Skips digits from `i`; returns how many.
std::size_t digits(std::string_view text, std::size_t& i) {
  const std::size_t start = i;
  while (i < text.size() && is_digit(text[i]))
    ++i;
  return i - start;
}

}  // namespace

bool is_plain_number(std::string_view text) {
  std::size_t i = 0;
  if (i < text.size() && text[i] == '-') ++i;
  if (digits(text, i) == 0) return false;
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (digits(text, i) == 0) return false;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (digits(text, i) == 0) return false;
  }
  return i == text.size();
}

std::string csv_text(std::string_view text) {
  if (is_plain_number(text)) return std::string(text);
  const bool formula = !text.empty() && (text.front() == '=' || text.front() == '+' || text.front() == '-' ||
                                         text.front() == '@' || text.front() == '\t' || text.front() == '\r');
  if (!formula && text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = formula ? "\"'" : "\"";
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace pjbit::report
