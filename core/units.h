// Quantities with units (CONTRACT section 3). Every dimensioned value in a platform or workload file is a
// string "<number> <unit>"; a bare number, an unknown unit, a unit of the wrong kind, a negative, NaN or
// infinite value is rejected with a QuantityError that says what was expected.
//
// Values come back in the project's base units:
//   DataSize      bytes            DataRate     bytes per second
//   Time          seconds          EnergyPerBit picojoules per bit
//   Energy        joules           Power        watts
//   Length        metres           Area         square metres
//   ComputeRate   FLOP per second  Work         FLOP
//   Loss          decibels (optical insertion loss and budgets)
//   BandwidthDensity  bytes per second per metre of edge (shoreline or faceplate)
//   ThermalResistance kelvin per watt (junction to coolant)
//   HeatCapacity      joules per kelvin
//   Temperature       degrees Celsius (never below 0 C: coolants and junction limits)
//   PowerLevel        decibels relative to a milliwatt (dBm), the one kind that may be negative ("-1.9 dBm")
//   LossPerLength     decibels per metre (fibre attenuation, given as "0.5 dB/km")
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace pjbit::core {

enum class Dim {
  DataSize,
  DataRate,
  Time,
  EnergyPerBit,
  Energy,
  Power,
  Length,
  Area,
  ComputeRate,
  Work,
  Loss,
  BandwidthDensity,
  ThermalResistance,
  HeatCapacity,
  Temperature,
  PowerLevel,
  LossPerLength
};

// The quantity text did not parse as the expected kind. what() reads, for example,
// `expected a data rate such as "100 GB/s", got "fast"`.
class QuantityError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// "a data rate", "a time", ...
std::string_view dim_name(Dim dim);
// An example value in quotes, e.g. "\"100 GB/s\"".
std::string_view dim_example(Dim dim);

// Parses "<number> <unit>" (space optional; number in decimal or scientific notation, never negative except
// for a PowerLevel, which may carry a minus sign) and returns the value in base units. Throws QuantityError.
double parse_quantity(std::string_view text, Dim dim);

// Parses a data size and returns an exact whole number of bytes. Decimal mantissas are scaled exactly
// ("1.5 GiB" is 1610612736); a size that is not a whole number of bytes, or exceeds 2^63, is rejected.
std::uint64_t parse_bytes(std::string_view text);

// Formats a byte count for people: "1 GiB", "64 MiB", "1.5 KiB", "123 B".
std::string format_bytes(double bytes);

}  // namespace pjbit::core
