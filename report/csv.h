// CSV cells as RFC 4180 has them, for the `--csv` row and a sweep's results.csv. Text that a spreadsheet
// would run as a formula is neutralised; numbers the program formats itself are written as they are.
#pragma once

#include <string>
#include <string_view>

namespace pjbit::report {

// One cell of text (a name, a varied value, a key):
// - a plain decimal number ("12", "-1.5", "2e-3") is written as it is, so that it stays a number;
// - other text that starts with `=`, `+`, `-`, `@`, a tab or a carriage return, which spreadsheets read as
//   the start of a formula, gets a `'` in front and is quoted: `=1+2` is written `"'=1+2"`;
// - text with a comma, a double quote, a carriage return or a line feed is quoted, its quotes doubled.
std::string csv_text(std::string_view text);

// Whether `text` is a plain decimal number: an optional `-`, digits, an optional fraction and an optional
// exponent (as JSON writes numbers).
bool is_plain_number(std::string_view text);

}  // namespace pjbit::report
