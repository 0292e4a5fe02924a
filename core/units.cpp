#include "core/units.h"

#include <charconv>
#include <cmath>
#include <cstddef>
#include <string>
#include <system_error>
#include <vector>

namespace pjbit::core {

namespace {

// A unit scales the number by 10^p10 * 2^p2 to reach the base unit of its kind. Keeping the scale as two
// exponents lets parse_bytes scale exactly and parse_quantity round once (decimal text -> double). Units of
// time longer than a second (min, h, d) are not powers of ten of it: `factor` multiplies once more.
struct Unit {
  std::string_view name;
  Dim dim;
  int p10;
  int p2;
  double factor = 1.0;
};

// Units of each kind in the order they are listed in error messages (CONTRACT section 3 first, extras after).
constexpr Unit kUnits[] = {
    // data size -> bytes
    {"b", Dim::DataSize, 0, -3},
    {"Kb", Dim::DataSize, 3, -3},
    {"Mb", Dim::DataSize, 6, -3},
    {"Gb", Dim::DataSize, 9, -3},
    {"B", Dim::DataSize, 0, 0},
    {"KB", Dim::DataSize, 3, 0},
    {"MB", Dim::DataSize, 6, 0},
    {"GB", Dim::DataSize, 9, 0},
    {"TB", Dim::DataSize, 12, 0},
    {"KiB", Dim::DataSize, 0, 10},
    {"MiB", Dim::DataSize, 0, 20},
    {"GiB", Dim::DataSize, 0, 30},
    {"TiB", Dim::DataSize, 0, 40},
    // data rate -> bytes per second
    {"Gb/s", Dim::DataRate, 9, -3},
    {"Tb/s", Dim::DataRate, 12, -3},
    {"Gbps", Dim::DataRate, 9, -3},
    {"Tbps", Dim::DataRate, 12, -3},
    {"GB/s", Dim::DataRate, 9, 0},
    {"TB/s", Dim::DataRate, 12, 0},
    {"Mb/s", Dim::DataRate, 6, -3},
    {"Mbps", Dim::DataRate, 6, -3},
    {"KB/s", Dim::DataRate, 3, 0},
    {"MB/s", Dim::DataRate, 6, 0},
    // time -> seconds
    {"ps", Dim::Time, -12, 0},
    {"ns", Dim::Time, -9, 0},
    {"us", Dim::Time, -6, 0},
    {"ms", Dim::Time, -3, 0},
    {"s", Dim::Time, 0, 0},
    {"min", Dim::Time, 0, 0, 60.0},
    {"h", Dim::Time, 0, 0, 3600.0},
    {"d", Dim::Time, 0, 0, 86400.0},
    // energy per bit -> picojoules per bit
    {"fJ/bit", Dim::EnergyPerBit, -3, 0},
    {"pJ/bit", Dim::EnergyPerBit, 0, 0},
    {"nJ/bit", Dim::EnergyPerBit, 3, 0},
    // energy -> joules
    {"pJ", Dim::Energy, -12, 0},
    {"nJ", Dim::Energy, -9, 0},
    {"uJ", Dim::Energy, -6, 0},
    {"mJ", Dim::Energy, -3, 0},
    {"J", Dim::Energy, 0, 0},
    {"kJ", Dim::Energy, 3, 0},
    // power -> watts
    {"mW", Dim::Power, -3, 0},
    {"W", Dim::Power, 0, 0},
    {"kW", Dim::Power, 3, 0},
    {"MW", Dim::Power, 6, 0},
    // length -> metres
    {"mm", Dim::Length, -3, 0},
    {"cm", Dim::Length, -2, 0},
    {"m", Dim::Length, 0, 0},
    // area -> square metres
    {"mm2", Dim::Area, -6, 0},
    {"cm2", Dim::Area, -4, 0},
    {"m2", Dim::Area, 0, 0},
    // compute rate -> FLOP per second
    {"GFLOP/s", Dim::ComputeRate, 9, 0},
    {"TFLOP/s", Dim::ComputeRate, 12, 0},
    {"PFLOP/s", Dim::ComputeRate, 15, 0},
    // work -> FLOP
    {"GFLOP", Dim::Work, 9, 0},
    {"TFLOP", Dim::Work, 12, 0},
    {"PFLOP", Dim::Work, 15, 0},
    // optical loss -> decibels
    {"dB", Dim::Loss, 0, 0},
    // bandwidth per length of edge -> bytes per second per metre
    {"Gb/s/mm", Dim::BandwidthDensity, 12, -3},
    {"Tb/s/mm", Dim::BandwidthDensity, 15, -3},
    {"GB/s/mm", Dim::BandwidthDensity, 12, 0},
    {"TB/s/mm", Dim::BandwidthDensity, 15, 0},
    // thermal resistance -> kelvin per watt (a kelvin and a degree Celsius are the same step)
    {"K/W", Dim::ThermalResistance, 0, 0},
    {"C/W", Dim::ThermalResistance, 0, 0},
    // heat capacity -> joules per kelvin
    {"J/K", Dim::HeatCapacity, 0, 0},
    {"kJ/K", Dim::HeatCapacity, 3, 0},
    // temperature -> degrees Celsius
    {"C", Dim::Temperature, 0, 0},
    // optical power level -> dBm
    {"dBm", Dim::PowerLevel, 0, 0},
    // fibre attenuation -> decibels per metre
    {"dB/km", Dim::LossPerLength, -3, 0},
    {"dB/m", Dim::LossPerLength, 0, 0},
};

const Unit* find_unit(std::string_view name) {
  for (const Unit& unit : kUnits) {
    if (unit.name == name) return &unit;
  }
  return nullptr;
}

std::string accepted_units(Dim dim) {
  std::string out;
  for (const Unit& unit : kUnits) {
    if (unit.dim != dim) continue;
    if (!out.empty()) out += ", ";
    out += unit.name;
  }
  return out;
}

[[noreturn]] void fail(std::string_view text, Dim dim, std::string_view why = {}) {
  std::string message = "expected ";
  message += dim_name(dim);
  message += " such as ";
  message += dim_example(dim);
  message += ", got \"";
  message += text;
  message += '"';
  if (!why.empty()) {
    message += " (";
    message += why;
    message += ')';
  }
  throw QuantityError(message);
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (lower(s[i]) != prefix[i]) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

// A parsed quantity: the value is digits * 10^e10 * 10^unit->p10 * 2^unit->p2, where `digits` holds the
// significant decimal digits without leading or trailing zeros (empty for zero).
struct Parsed {
  std::string digits;
  std::int64_t e10 = 0;
  const Unit* unit = nullptr;

  bool zero() const { return digits.empty(); }
  // The decimal magnitude: the number (before the unit) lies in [10^mag10, 10^(mag10 + 1)).
  std::int64_t mag10() const { return static_cast<std::int64_t>(digits.size()) - 1 + e10; }
  // Bounds on log2 of the value in base units (up to floating-point error); for range checks only.
  double log2_lower() const { return log2_of_decade(mag10()); }
  double log2_upper() const { return log2_of_decade(mag10() + 1); }

 private:
  double log2_of_decade(std::int64_t decade) const {
    return static_cast<double>(decade + unit->p10) * 3.321928094887362 + static_cast<double>(unit->p2);
  }
};

Parsed scan(std::string_view text, Dim dim) {
  const std::string_view s = trim(text);
  if (s.empty()) fail(text, dim, "empty");
  if (s.front() == '-') fail(text, dim, "negative values are not allowed");
  if (s.front() == '+') fail(text, dim, "a sign is not allowed");
  if (starts_with_nocase(s, "nan") || starts_with_nocase(s, "inf")) fail(text, dim, "not a finite number");
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    fail(text, dim, "hexadecimal numbers are not allowed");
  }

  Parsed out;
  std::size_t i = 0;
  std::int64_t frac_digits = 0;
  bool any_digit = false;
  while (i < s.size() && is_digit(s[i])) {
    out.digits += s[i++];
    any_digit = true;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) {
      out.digits += s[i++];
      ++frac_digits;
      any_digit = true;
    }
  }
  if (!any_digit) {
    const std::string_view word = s.substr(0, s.find_first_of(" \t\n\r\f\v"));
    if (find_unit(word) != nullptr) fail(text, dim, "missing number");
    fail(text, dim, "not a number");
  }

  std::int64_t exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    // No unit starts with 'e' or 'E', so this must be an exponent.
    std::size_t j = i + 1;
    bool negative = false;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) negative = s[j++] == '-';
    if (j >= s.size() || !is_digit(s[j])) fail(text, dim, "malformed exponent");
    constexpr std::int64_t kExponentCap = 1'000'000'000'000;  // far beyond any double; saturate here
    while (j < s.size() && is_digit(s[j])) {
      if (exponent < kExponentCap) exponent = exponent * 10 + (s[j] - '0');
      ++j;
    }
    if (negative) exponent = -exponent;
    i = j;
  }
  out.e10 = exponent - frac_digits;

  // Normalise the digits: drop leading zeros, fold trailing zeros into the exponent.
  const std::size_t first = out.digits.find_first_not_of('0');
  if (first == std::string::npos) {
    out.digits.clear();
    out.e10 = 0;
  } else {
    out.digits.erase(0, first);
    const std::size_t last = out.digits.find_last_not_of('0');
    out.e10 += static_cast<std::int64_t>(out.digits.size() - 1 - last);
    out.digits.erase(last + 1);
  }

  while (i < s.size() && is_space(s[i]))
    ++i;
  std::size_t unit_end = i;
  while (unit_end < s.size() && !is_space(s[unit_end]))
    ++unit_end;
  const std::string_view unit_name = s.substr(i, unit_end - i);
  if (unit_name.empty()) fail(text, dim, "a unit is required");
  out.unit = find_unit(unit_name);
  if (out.unit == nullptr) {
    fail(text, dim,
         "unknown unit \"" + std::string(unit_name) + "\"; accepted units: " + accepted_units(dim));
  }
  if (out.unit->dim != dim) fail(text, dim, dim_name(out.unit->dim));
  const std::string_view rest = trim(s.substr(unit_end));
  if (!rest.empty()) fail(text, dim, "unexpected \"" + std::string(rest) + "\" after the unit");
  return out;
}

// The value as a double, correctly rounded from the decimal text (one rounding; the power-of-two part of
// the unit is exact barring overflow and subnormals).
double to_double(const Parsed& q, std::string_view text, Dim dim) {
  if (q.zero()) return 0.0;
  if (q.log2_lower() > 1100.0) fail(text, dim, "too large");
  if (q.log2_upper() < -1200.0) fail(text, dim, "too small to represent");
  const std::string decimal = q.digits + "e" + std::to_string(q.e10 + q.unit->p10);
  double value = 0.0;
  const auto [ptr, ec] = std::from_chars(decimal.data(), decimal.data() + decimal.size(), value);
  if (ec == std::errc::result_out_of_range)
    fail(text, dim, q.log2_lower() > 0.0 ? "too large" : "too small to represent");
  if (ec != std::errc() || ptr != decimal.data() + decimal.size()) fail(text, dim, "not a number");
  value = std::ldexp(value, q.unit->p2) * q.unit->factor;
  if (!std::isfinite(value)) fail(text, dim, "too large");
  if (value == 0.0) fail(text, dim, "too small to represent");
  return value;
}

// A minimal unsigned big integer in base 10^9 (least significant limb first), enough to scale a decimal
// mantissa of any length exactly.
class BigUint {
 public:
  explicit BigUint(const std::string& digits) {
    for (std::size_t end = digits.size(); end > 0;) {
      const std::size_t begin = end >= 9 ? end - 9 : 0;
      std::uint32_t limb = 0;
      for (std::size_t k = begin; k < end; ++k)
        limb = limb * 10 + static_cast<std::uint32_t>(digits[k] - '0');
      m_limbs.push_back(limb);
      end = begin;
    }
    normalise();
  }

  void mul(std::uint32_t factor) {
    std::uint64_t carry = 0;
    for (std::uint32_t& limb : m_limbs) {
      const std::uint64_t cur = static_cast<std::uint64_t>(limb) * factor + carry;
      limb = static_cast<std::uint32_t>(cur % kBase);
      carry = cur / kBase;
    }
    while (carry != 0) {
      m_limbs.push_back(static_cast<std::uint32_t>(carry % kBase));
      carry /= kBase;
    }
  }

  // Divides in place; returns the remainder.
  std::uint32_t div(std::uint32_t divisor) {
    std::uint64_t rem = 0;
    for (std::size_t k = m_limbs.size(); k-- > 0;) {
      const std::uint64_t cur = rem * kBase + m_limbs[k];
      m_limbs[k] = static_cast<std::uint32_t>(cur / divisor);
      rem = cur % divisor;
    }
    normalise();
    return static_cast<std::uint32_t>(rem);
  }

  // Whether the value is at most `limit`, and if so the value.
  bool to_u64(std::uint64_t limit, std::uint64_t& out) const {
    std::uint64_t acc = 0;
    for (std::size_t k = m_limbs.size(); k-- > 0;) {
      if (m_limbs[k] > limit || acc > (limit - m_limbs[k]) / kBase) return false;
      acc = acc * kBase + m_limbs[k];
    }
    out = acc;
    return true;
  }

 private:
  static constexpr std::uint64_t kBase = 1'000'000'000;

  void normalise() {
    while (!m_limbs.empty() && m_limbs.back() == 0)
      m_limbs.pop_back();
  }

  std::vector<std::uint32_t> m_limbs;
};

}  // namespace

std::string_view dim_name(Dim dim) {
  switch (dim) {
    case Dim::DataSize:
      return "a data size";
    case Dim::DataRate:
      return "a data rate";
    case Dim::Time:
      return "a time";
    case Dim::EnergyPerBit:
      return "an energy per bit";
    case Dim::Energy:
      return "an energy";
    case Dim::Loss:
      return "a loss";
    case Dim::Power:
      return "a power";
    case Dim::Length:
      return "a length";
    case Dim::Area:
      return "an area";
    case Dim::ComputeRate:
      return "a compute rate";
    case Dim::Work:
      return "an amount of work";
    case Dim::BandwidthDensity:
      return "a bandwidth density";
    case Dim::ThermalResistance:
      return "a thermal resistance";
    case Dim::HeatCapacity:
      return "a heat capacity";
    case Dim::Temperature:
      return "a temperature";
    case Dim::PowerLevel:
      return "an optical power level";
    case Dim::LossPerLength:
      return "a loss per length";
  }
  return "a quantity";
}

std::string_view dim_example(Dim dim) {
  switch (dim) {
    case Dim::DataSize:
      return "\"64 MiB\"";
    case Dim::DataRate:
      return "\"100 GB/s\"";
    case Dim::Time:
      return "\"500 ns\"";
    case Dim::EnergyPerBit:
      return "\"5 pJ/bit\"";
    case Dim::Energy:
      return "\"2 J\"";
    case Dim::Power:
      return "\"16 W\"";
    case Dim::Length:
      return "\"2 m\"";
    case Dim::Area:
      return "\"400 mm2\"";
    case Dim::ComputeRate:
      return "\"1000 TFLOP/s\"";
    case Dim::Work:
      return "\"500 TFLOP\"";
    case Dim::Loss:
      return "\"2 dB\"";
    case Dim::BandwidthDensity:
      return "\"1.3 TB/s/mm\"";
    case Dim::ThermalResistance:
      return "\"0.04 K/W\"";
    case Dim::HeatCapacity:
      return "\"60 J/K\"";
    case Dim::Temperature:
      return "\"105 C\"";
    case Dim::PowerLevel:
      return "\"-1.9 dBm\"";
    case Dim::LossPerLength:
      return "\"0.5 dB/km\"";
  }
  return "\"1 s\"";
}

double parse_quantity(std::string_view text, Dim dim) {
  // A level in dBm is a logarithm: below a milliwatt it is negative, the only sign any quantity may carry.
  if (dim == Dim::PowerLevel) {
    const std::string_view s = trim(text);
    if (!s.empty() && s.front() == '-') {
      const std::string_view rest = s.substr(1);
      if (rest.empty() || rest.front() == '-' || rest.front() == '+' || is_space(rest.front()))
        fail(text, dim, "one minus sign directly before the number");
      const double level = to_double(scan(rest, dim), text, dim);
      return level == 0.0 ? 0.0 : -level;
    }
  }
  const Parsed q = scan(text, dim);
  return to_double(q, text, dim);
}

std::uint64_t parse_bytes(std::string_view text) {
  constexpr Dim dim = Dim::DataSize;
  const Parsed q = scan(text, dim);
  if (q.zero()) return 0;
  constexpr std::uint64_t kLimit = std::uint64_t{1} << 63;
  // Cheap range checks first (with slack for rounding), so the exact arithmetic below stays small: at least
  // 2^63.5 cannot fit, and under 2^-0.5 is a positive value below one byte.
  if (q.log2_lower() > 63.5) fail(text, dim, "exceeds 2^63 bytes");
  if (q.log2_upper() < -0.5) fail(text, dim, "not a whole number of bytes");

  // value = digits * 10^e * 2^p2, exactly.
  BigUint value(q.digits);
  const std::int64_t e = q.e10 + q.unit->p10;
  for (std::int64_t k = 0; k < e; ++k) {
    value.mul(10);
  }
  for (int k = 0; k < q.unit->p2; ++k) {
    value.mul(2);
  }
  for (std::int64_t k = 0; k < -e; ++k) {
    if (value.div(10) != 0) fail(text, dim, "not a whole number of bytes");
  }
  for (int k = 0; k < -q.unit->p2; ++k) {
    if (value.div(2) != 0) fail(text, dim, "not a whole number of bytes");
  }
  std::uint64_t bytes = 0;
  if (!value.to_u64(kLimit, bytes)) fail(text, dim, "exceeds 2^63 bytes");
  return bytes;
}

std::string format_bytes(double bytes) {
  if (std::isnan(bytes)) return "nan B";
  if (std::isinf(bytes)) return bytes > 0 ? "inf B" : "-inf B";
  static constexpr std::string_view kUnitNames[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  constexpr std::size_t kCount = sizeof(kUnitNames) / sizeof(kUnitNames[0]);
  const double magnitude = std::fabs(bytes);
  std::size_t index = 0;
  double scaled = magnitude;
  while (index + 1 < kCount && scaled >= 1024.0) {
    scaled /= 1024.0;
    ++index;
  }
  // Rounding to three decimals may carry into the next unit (1023.9999 KiB is "1 MiB", not "1024 KiB").
  if (index + 1 < kCount && std::round(scaled * 1000.0) >= 1024.0 * 1000.0) {
    scaled /= 1024.0;
    ++index;
  }
  char buffer[400];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), scaled, std::chars_format::fixed, 3);
  std::string number(buffer, result.ec == std::errc() ? result.ptr : buffer);
  if (const std::size_t dot = number.find('.'); dot != std::string::npos) {
    const std::size_t last = number.find_last_not_of('0');
    number.erase(last == dot ? dot : last + 1);
  }
  std::string out;
  if (bytes < 0 && number != "0") out += '-';
  out += number;
  out += ' ';
  out += kUnitNames[index];
  return out;
}

}  // namespace pjbit::core
