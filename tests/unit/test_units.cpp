// Quantities and units (CONTRACT section 3) and `--set` overrides.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/errors.h"
#include "core/overrides.h"
#include "core/time.h"
#include "core/units.h"

namespace pjbit::core {
namespace {
namespace test_units {

// Relative comparison for values far from 1 (EXPECT_DOUBLE_EQ is 4 ULPs, which is what we want, but this
// reads better next to values like 1e-12).
void expect_near_rel(double actual, double expected) {
  EXPECT_NEAR(actual, expected, std::fabs(expected) * 1e-15) << "expected " << expected << ", got " << actual;
}

// The QuantityError message for `text` parsed as `dim`; fails the test when nothing is thrown.
std::string quantity_error(const std::string& text, Dim dim) {
  try {
    parse_quantity(text, dim);
  } catch (const QuantityError& e) {
    return e.what();
  }
  ADD_FAILURE() << "parse_quantity(\"" << text << "\") did not throw";
  return {};
}

std::string bytes_error(const std::string& text) {
  try {
    parse_bytes(text);
  } catch (const QuantityError& e) {
    return e.what();
  }
  ADD_FAILURE() << "parse_bytes(\"" << text << "\") did not throw";
  return {};
}

std::string prefix(Dim dim, const std::string& text) {
  return "expected " + std::string(dim_name(dim)) + " such as " + std::string(dim_example(dim)) + ", got \"" +
         text + "\"";
}

// Checks the message starts with the standard prefix and contains every one of `parts`.
void expect_message(const std::string& message, Dim dim, const std::string& text,
                    const std::vector<std::string>& parts) {
  EXPECT_EQ(message.rfind(prefix(dim, text), 0), 0u) << message;
  for (const std::string& part : parts)
    EXPECT_NE(message.find(part), std::string::npos) << message;
}

// ---- names and examples --------------------------------------------------------------------------------

TEST(Units, DimNamesAndExamples) {
  EXPECT_EQ(dim_name(Dim::DataSize), "a data size");
  EXPECT_EQ(dim_name(Dim::DataRate), "a data rate");
  EXPECT_EQ(dim_name(Dim::Time), "a time");
  EXPECT_EQ(dim_name(Dim::EnergyPerBit), "an energy per bit");
  EXPECT_EQ(dim_name(Dim::Energy), "an energy");
  EXPECT_EQ(dim_name(Dim::Power), "a power");
  EXPECT_EQ(dim_name(Dim::Length), "a length");
  EXPECT_EQ(dim_name(Dim::Area), "an area");
  EXPECT_EQ(dim_name(Dim::ComputeRate), "a compute rate");
  EXPECT_EQ(dim_name(Dim::Work), "an amount of work");
  EXPECT_EQ(dim_name(Dim::BandwidthDensity), "a bandwidth density");
  EXPECT_EQ(dim_name(Dim::ThermalResistance), "a thermal resistance");
  EXPECT_EQ(dim_name(Dim::HeatCapacity), "a heat capacity");
  EXPECT_EQ(dim_name(Dim::Temperature), "a temperature");

  EXPECT_EQ(dim_example(Dim::DataSize), "\"64 MiB\"");
  EXPECT_EQ(dim_example(Dim::DataRate), "\"100 GB/s\"");
  EXPECT_EQ(dim_example(Dim::Time), "\"500 ns\"");
  EXPECT_EQ(dim_example(Dim::EnergyPerBit), "\"5 pJ/bit\"");
  EXPECT_EQ(dim_example(Dim::Energy), "\"2 J\"");
  EXPECT_EQ(dim_example(Dim::Power), "\"16 W\"");
  EXPECT_EQ(dim_example(Dim::Length), "\"2 m\"");
  EXPECT_EQ(dim_example(Dim::Area), "\"400 mm2\"");
  EXPECT_EQ(dim_example(Dim::ComputeRate), "\"1000 TFLOP/s\"");
  EXPECT_EQ(dim_example(Dim::Work), "\"500 TFLOP\"");
  EXPECT_EQ(dim_example(Dim::BandwidthDensity), "\"1.3 TB/s/mm\"");
  EXPECT_EQ(dim_example(Dim::ThermalResistance), "\"0.04 K/W\"");
  EXPECT_EQ(dim_example(Dim::HeatCapacity), "\"60 J/K\"");
  EXPECT_EQ(dim_example(Dim::Temperature), "\"105 C\"");
}

TEST(Units, EveryExampleParsesAsItsOwnKind) {
  for (Dim dim : {Dim::DataSize, Dim::DataRate, Dim::Time, Dim::EnergyPerBit, Dim::Energy, Dim::Power,
                  Dim::Length, Dim::Area, Dim::ComputeRate, Dim::Work, Dim::BandwidthDensity,
                  Dim::ThermalResistance, Dim::HeatCapacity, Dim::Temperature}) {
    std::string example(dim_example(dim));
    example = example.substr(1, example.size() - 2);  // strip the quotes
    EXPECT_NO_THROW(parse_quantity(example, dim)) << example;
  }
}

// ---- every unit ----------------------------------------------------------------------------------------

TEST(Units, DataSizeUnits) {
  EXPECT_EQ(parse_bytes("8 b"), 1u);
  EXPECT_EQ(parse_bytes("8 Kb"), 1000u);
  EXPECT_EQ(parse_bytes("8 Mb"), 1000000u);
  EXPECT_EQ(parse_bytes("8 Gb"), 1000000000u);
  EXPECT_EQ(parse_bytes("1 B"), 1u);
  EXPECT_EQ(parse_bytes("1 KB"), 1000u);
  EXPECT_EQ(parse_bytes("1 MB"), 1000000u);
  EXPECT_EQ(parse_bytes("1 GB"), 1000000000u);
  EXPECT_EQ(parse_bytes("1 TB"), 1000000000000u);
  EXPECT_EQ(parse_bytes("1 KiB"), 1024u);
  EXPECT_EQ(parse_bytes("1 MiB"), 1048576u);
  EXPECT_EQ(parse_bytes("1 GiB"), 1073741824u);
  EXPECT_EQ(parse_bytes("1 TiB"), 1099511627776u);

  EXPECT_DOUBLE_EQ(parse_quantity("1 b", Dim::DataSize), 0.125);
  EXPECT_DOUBLE_EQ(parse_quantity("1 Kb", Dim::DataSize), 125.0);
  EXPECT_DOUBLE_EQ(parse_quantity("1 Mb", Dim::DataSize), 125e3);
  EXPECT_DOUBLE_EQ(parse_quantity("1 Gb", Dim::DataSize), 125e6);
  EXPECT_DOUBLE_EQ(parse_quantity("3 B", Dim::DataSize), 3.0);
  EXPECT_DOUBLE_EQ(parse_quantity("3 KB", Dim::DataSize), 3e3);
  EXPECT_DOUBLE_EQ(parse_quantity("3 MB", Dim::DataSize), 3e6);
  EXPECT_DOUBLE_EQ(parse_quantity("3 GB", Dim::DataSize), 3e9);
  EXPECT_DOUBLE_EQ(parse_quantity("3 TB", Dim::DataSize), 3e12);
  EXPECT_DOUBLE_EQ(parse_quantity("3 KiB", Dim::DataSize), 3.0 * 1024);
  EXPECT_DOUBLE_EQ(parse_quantity("3 MiB", Dim::DataSize), 3.0 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(parse_quantity("3 GiB", Dim::DataSize), 3.0 * 1024 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(parse_quantity("3 TiB", Dim::DataSize), 3.0 * 1024 * 1024 * 1024 * 1024);
}

TEST(Units, DataRateUnitsReturnBytesPerSecond) {
  EXPECT_DOUBLE_EQ(parse_quantity("400 Gb/s", Dim::DataRate), 50e9);
  EXPECT_DOUBLE_EQ(parse_quantity("1.6 Tb/s", Dim::DataRate), 200e9);
  EXPECT_DOUBLE_EQ(parse_quantity("400 Gbps", Dim::DataRate), 50e9);
  EXPECT_DOUBLE_EQ(parse_quantity("1.6 Tbps", Dim::DataRate), 200e9);
  EXPECT_DOUBLE_EQ(parse_quantity("100 GB/s", Dim::DataRate), 100e9);
  EXPECT_DOUBLE_EQ(parse_quantity("2 TB/s", Dim::DataRate), 2e12);
  // Extras beyond the contract.
  EXPECT_DOUBLE_EQ(parse_quantity("800 Mb/s", Dim::DataRate), 100e6);
  EXPECT_DOUBLE_EQ(parse_quantity("800 Mbps", Dim::DataRate), 100e6);
  EXPECT_DOUBLE_EQ(parse_quantity("5 MB/s", Dim::DataRate), 5e6);
  EXPECT_DOUBLE_EQ(parse_quantity("5 KB/s", Dim::DataRate), 5e3);
}

TEST(Units, TimeUnitsReturnSeconds) {
  EXPECT_DOUBLE_EQ(parse_quantity("250 ps", Dim::Time), 250e-12);
  EXPECT_DOUBLE_EQ(parse_quantity("500 ns", Dim::Time), 500e-9);
  EXPECT_DOUBLE_EQ(parse_quantity("1.5 us", Dim::Time), 1.5e-6);
  EXPECT_DOUBLE_EQ(parse_quantity("20 ms", Dim::Time), 20e-3);
  EXPECT_DOUBLE_EQ(parse_quantity("2 s", Dim::Time), 2.0);
}

TEST(Units, EnergyPerBitUnitsReturnPicojoulesPerBit) {
  EXPECT_DOUBLE_EQ(parse_quantity("500 fJ/bit", Dim::EnergyPerBit), 0.5);
  EXPECT_DOUBLE_EQ(parse_quantity("5 pJ/bit", Dim::EnergyPerBit), 5.0);
  EXPECT_DOUBLE_EQ(parse_quantity("0.02 nJ/bit", Dim::EnergyPerBit), 20.0);
}

TEST(Units, EnergyUnitsReturnJoules) {
  EXPECT_DOUBLE_EQ(parse_quantity("7 pJ", Dim::Energy), 7e-12);
  EXPECT_DOUBLE_EQ(parse_quantity("7 nJ", Dim::Energy), 7e-9);
  EXPECT_DOUBLE_EQ(parse_quantity("7 uJ", Dim::Energy), 7e-6);
  EXPECT_DOUBLE_EQ(parse_quantity("7 mJ", Dim::Energy), 7e-3);
  EXPECT_DOUBLE_EQ(parse_quantity("2 J", Dim::Energy), 2.0);
  EXPECT_DOUBLE_EQ(parse_quantity("1.5 kJ", Dim::Energy), 1500.0);
}

TEST(Units, PowerUnitsReturnWatts) {
  EXPECT_DOUBLE_EQ(parse_quantity("250 mW", Dim::Power), 0.25);
  EXPECT_DOUBLE_EQ(parse_quantity("16 W", Dim::Power), 16.0);
  EXPECT_DOUBLE_EQ(parse_quantity("1.2 kW", Dim::Power), 1200.0);
  EXPECT_DOUBLE_EQ(parse_quantity("3 MW", Dim::Power), 3e6);
}

TEST(Units, LengthAndAreaUnitsReturnMetres) {
  EXPECT_DOUBLE_EQ(parse_quantity("30 mm", Dim::Length), 0.03);
  EXPECT_DOUBLE_EQ(parse_quantity("30 cm", Dim::Length), 0.3);
  EXPECT_DOUBLE_EQ(parse_quantity("2 m", Dim::Length), 2.0);
  EXPECT_DOUBLE_EQ(parse_quantity("400 mm2", Dim::Area), 400e-6);
  EXPECT_DOUBLE_EQ(parse_quantity("25 cm2", Dim::Area), 25e-4);
  EXPECT_DOUBLE_EQ(parse_quantity("1.5 m2", Dim::Area), 1.5);
}

TEST(Units, ThermalUnitsReturnKelvinPerWattJoulesPerKelvinAndCelsius) {
  // A kelvin and a degree Celsius are the same step, so K/W and C/W are one unit.
  EXPECT_DOUBLE_EQ(parse_quantity("0.04 K/W", Dim::ThermalResistance), 0.04);
  EXPECT_DOUBLE_EQ(parse_quantity("0.04 C/W", Dim::ThermalResistance), 0.04);
  EXPECT_DOUBLE_EQ(parse_quantity("60 J/K", Dim::HeatCapacity), 60.0);
  EXPECT_DOUBLE_EQ(parse_quantity("1.2 kJ/K", Dim::HeatCapacity), 1200.0);
  EXPECT_DOUBLE_EQ(parse_quantity("105 C", Dim::Temperature), 105.0);
  // A bare number, or a power where a resistance is expected, says what was expected.
  EXPECT_THROW(parse_quantity("105", Dim::Temperature), QuantityError);
  EXPECT_THROW(parse_quantity("0.04 W", Dim::ThermalResistance), QuantityError);
  EXPECT_THROW(parse_quantity("-5 C", Dim::Temperature), QuantityError);
}

TEST(Units, BandwidthDensityUnitsReturnBytesPerSecondPerMetre) {
  // Bits or bytes per second per millimetre of edge (package shoreline, faceplate).
  EXPECT_DOUBLE_EQ(parse_quantity("224 GB/s/mm", Dim::BandwidthDensity), 224e9 / 1e-3);
  EXPECT_DOUBLE_EQ(parse_quantity("1.3 TB/s/mm", Dim::BandwidthDensity), 1.3e12 / 1e-3);
  EXPECT_DOUBLE_EQ(parse_quantity("320 Gb/s/mm", Dim::BandwidthDensity), 320e9 / 8.0 / 1e-3);
  EXPECT_DOUBLE_EQ(parse_quantity("1 Tb/s/mm", Dim::BandwidthDensity), 1e12 / 8.0 / 1e-3);
  // A rate or a length alone is the wrong kind, and the message says what it is.
  try {
    parse_quantity("1 Tb/s", Dim::BandwidthDensity);
    FAIL() << "a data rate parsed as a bandwidth density";
  } catch (const QuantityError& e) {
    EXPECT_EQ(std::string(e.what()),
              "expected a bandwidth density such as \"1.3 TB/s/mm\", got \"1 Tb/s\" (a data rate)");
  }
  EXPECT_THROW(parse_quantity("5 mm", Dim::BandwidthDensity), QuantityError);
  EXPECT_THROW(parse_quantity("1 Tb/s/mm", Dim::DataRate), QuantityError);
}

TEST(Units, ComputeUnitsReturnFlop) {
  EXPECT_DOUBLE_EQ(parse_quantity("500 GFLOP/s", Dim::ComputeRate), 500e9);
  EXPECT_DOUBLE_EQ(parse_quantity("1000 TFLOP/s", Dim::ComputeRate), 1e15);
  EXPECT_DOUBLE_EQ(parse_quantity("2 PFLOP/s", Dim::ComputeRate), 2e15);
  EXPECT_DOUBLE_EQ(parse_quantity("500 GFLOP", Dim::Work), 500e9);
  EXPECT_DOUBLE_EQ(parse_quantity("500 TFLOP", Dim::Work), 500e12);
  EXPECT_DOUBLE_EQ(parse_quantity("1.25 PFLOP", Dim::Work), 1.25e15);
}

// ---- number syntax -------------------------------------------------------------------------------------

TEST(Units, NumberFormsAndSpacing) {
  EXPECT_DOUBLE_EQ(parse_quantity("100GB/s", Dim::DataRate), 100e9);
  EXPECT_DOUBLE_EQ(parse_quantity("100   GB/s", Dim::DataRate), 100e9);
  EXPECT_DOUBLE_EQ(parse_quantity("  \t100 GB/s \n", Dim::DataRate), 100e9);
  EXPECT_DOUBLE_EQ(parse_quantity("0.25 s", Dim::Time), 0.25);
  EXPECT_DOUBLE_EQ(parse_quantity("2e3 ns", Dim::Time), 2e-6);
  EXPECT_DOUBLE_EQ(parse_quantity("1.5E-3 s", Dim::Time), 1.5e-3);
  EXPECT_DOUBLE_EQ(parse_quantity("1e+2 W", Dim::Power), 100.0);
  EXPECT_DOUBLE_EQ(parse_quantity("0 W", Dim::Power), 0.0);
  EXPECT_DOUBLE_EQ(parse_quantity("0.0e5 s", Dim::Time), 0.0);
  EXPECT_DOUBLE_EQ(parse_quantity("007 ns", Dim::Time), 7e-9);
}

TEST(Units, DecimalValuesAreCorrectlyRounded) {
  // One rounding from the decimal text: "0.1 ns" is the double nearest 1e-10, not 0.1 * 1e-9.
  EXPECT_EQ(parse_quantity("0.1 ns", Dim::Time), 1e-10);
  EXPECT_EQ(parse_quantity("3 ns", Dim::Time), 3e-9);
  EXPECT_EQ(parse_quantity("1.1 pJ", Dim::Energy), 1.1e-12);
  expect_near_rel(parse_quantity("123.456 ps", Dim::Time), 123.456e-12);
}

// ---- exact byte counts ---------------------------------------------------------------------------------

TEST(Units, ParseBytesIsExact) {
  EXPECT_EQ(parse_bytes("1.5 GiB"), 1610612736u);
  EXPECT_EQ(parse_bytes("0.5 KiB"), 512u);
  EXPECT_EQ(parse_bytes("16 b"), 2u);
  EXPECT_EQ(parse_bytes("1e3 B"), 1000u);
  EXPECT_EQ(parse_bytes("1.000 B"), 1u);
  EXPECT_EQ(parse_bytes("0 B"), 0u);
  EXPECT_EQ(parse_bytes("0.0009765625 KiB"), 1u);  // 2^-10 KiB, written out exactly
  EXPECT_EQ(parse_bytes("2.5e-3 MB"), 2500u);
  EXPECT_EQ(parse_bytes("12.8 Kb"), 1600u);
  EXPECT_EQ(parse_bytes("100 Kb"), 12500u);
  EXPECT_EQ(parse_bytes("1.25 TB"), 1250000000000u);
  EXPECT_EQ(parse_bytes("64 MiB"), 67108864u);
  EXPECT_EQ(parse_bytes("  2GiB  "), 2147483648u);
  // 2^53 + 1 cannot be a double; the exact path keeps it.
  EXPECT_EQ(parse_bytes("9007199254740993 B"), 9007199254740993u);
  // The largest accepted size is 2^63 bytes.
  EXPECT_EQ(parse_bytes("8388608 TiB"), std::uint64_t{1} << 63);
  EXPECT_EQ(parse_bytes("9223372036854775808 B"), std::uint64_t{1} << 63);
}

TEST(Units, ParseQuantityDataSizeMatchesParseBytes) {
  for (const char* text : {"1.5 GiB", "0.5 KiB", "16 b", "1e3 B", "64 MiB", "1.25 TB", "400 Kb"}) {
    EXPECT_EQ(parse_quantity(text, Dim::DataSize), static_cast<double>(parse_bytes(text))) << text;
  }
}

TEST(Units, ParseBytesRejectsFractionsOfBytes) {
  expect_message(bytes_error("1 b"), Dim::DataSize, "1 b", {"not a whole number of bytes"});
  expect_message(bytes_error("12 b"), Dim::DataSize, "12 b", {"not a whole number of bytes"});
  expect_message(bytes_error("1.0000000001 B"), Dim::DataSize, "1.0000000001 B",
                 {"not a whole number of bytes"});
  expect_message(bytes_error("0.3 B"), Dim::DataSize, "0.3 B", {"not a whole number of bytes"});
  expect_message(bytes_error("12.5 Kb"), Dim::DataSize, "12.5 Kb", {"not a whole number of bytes"});
  expect_message(bytes_error("1e-30 TiB"), Dim::DataSize, "1e-30 TiB", {"not a whole number of bytes"});
  expect_message(bytes_error("1.00000000000000000000000000000000000000000000001 KiB"), Dim::DataSize,
                 "1.00000000000000000000000000000000000000000000001 KiB", {"not a whole number of bytes"});
}

TEST(Units, ParseBytesRejectsOverflow) {
  expect_message(bytes_error("9223372036854775809 B"), Dim::DataSize, "9223372036854775809 B", {"2^63"});
  expect_message(bytes_error("8388609 TiB"), Dim::DataSize, "8388609 TiB", {"2^63"});
  expect_message(bytes_error("1e19 B"), Dim::DataSize, "1e19 B", {"2^63"});
  expect_message(bytes_error("1e400 GB"), Dim::DataSize, "1e400 GB", {"2^63"});
  expect_message(bytes_error("99999999999999999999999999999999999999999 B"), Dim::DataSize,
                 "99999999999999999999999999999999999999999 B", {"2^63"});
}

// ---- rejections ----------------------------------------------------------------------------------------

TEST(Units, RejectsBareNumber) {
  const std::string message = quantity_error("100", Dim::DataRate);
  expect_message(message, Dim::DataRate, "100", {"unit"});
  EXPECT_EQ(message.rfind("expected a data rate such as \"100 GB/s\", got \"100\"", 0), 0u) << message;
  expect_message(bytes_error("4096"), Dim::DataSize, "4096", {"unit"});
}

TEST(Units, RejectsUnitOfAnotherKind) {
  EXPECT_EQ(quantity_error("5 ns", Dim::DataRate),
            "expected a data rate such as \"100 GB/s\", got \"5 ns\" (a time)");
  expect_message(quantity_error("100 GB", Dim::DataRate), Dim::DataRate, "100 GB", {"(a data size)"});
  expect_message(quantity_error("100 GB/s", Dim::DataSize), Dim::DataSize, "100 GB/s", {"(a data rate)"});
  expect_message(quantity_error("5 pJ", Dim::EnergyPerBit), Dim::EnergyPerBit, "5 pJ", {"(an energy)"});
  expect_message(quantity_error("5 mm2", Dim::Length), Dim::Length, "5 mm2", {"(an area)"});
  expect_message(quantity_error("5 TFLOP", Dim::ComputeRate), Dim::ComputeRate, "5 TFLOP",
                 {"(an amount of work)"});
  expect_message(quantity_error("5 W", Dim::Energy), Dim::Energy, "5 W", {"(a power)"});
}

TEST(Units, RejectsUnknownUnitAndListsAcceptedUnits) {
  expect_message(bytes_error("1 gb"), Dim::DataSize, "1 gb",
                 {"unknown unit \"gb\"", "b, Kb, Mb, Gb, B, KB, MB, GB, TB, KiB, MiB, GiB, TiB"});
  expect_message(quantity_error("1 GB/S", Dim::DataRate), Dim::DataRate, "1 GB/S",
                 {"unknown unit \"GB/S\"", "Gb/s", "Tb/s", "Gbps", "Tbps", "GB/s", "TB/s"});
  expect_message(quantity_error("3 sec", Dim::Time), Dim::Time, "3 sec",
                 {"unknown unit \"sec\"", "ps, ns, us, ms, s"});
  expect_message(quantity_error("3 NS", Dim::Time), Dim::Time, "3 NS", {"unknown unit \"NS\""});
  expect_message(quantity_error("3 w", Dim::Power), Dim::Power, "3 w",
                 {"unknown unit \"w\"", "mW, W, kW, MW"});
}

TEST(Units, RejectsNegativeValues) {
  expect_message(bytes_error("-1 GB"), Dim::DataSize, "-1 GB", {"negative values are not allowed"});
  expect_message(quantity_error("-5 ns", Dim::Time), Dim::Time, "-5 ns", {"negative values are not allowed"});
  expect_message(quantity_error(" -0 W", Dim::Power), Dim::Power, " -0 W",
                 {"negative values are not allowed"});
  expect_message(quantity_error("+5 ns", Dim::Time), Dim::Time, "+5 ns", {"sign"});
}

TEST(Units, RejectsNonFiniteValues) {
  expect_message(quantity_error("nan GB/s", Dim::DataRate), Dim::DataRate, "nan GB/s",
                 {"not a finite number"});
  expect_message(quantity_error("NaN s", Dim::Time), Dim::Time, "NaN s", {"not a finite number"});
  expect_message(quantity_error("inf W", Dim::Power), Dim::Power, "inf W", {"not a finite number"});
  expect_message(quantity_error("Infinity J", Dim::Energy), Dim::Energy, "Infinity J",
                 {"not a finite number"});
  expect_message(bytes_error("inf B"), Dim::DataSize, "inf B", {"not a finite number"});
}

TEST(Units, RejectsEmptyText) {
  expect_message(quantity_error("", Dim::Time), Dim::Time, "", {"empty"});
  expect_message(quantity_error("   ", Dim::Time), Dim::Time, "   ", {"empty"});
  expect_message(bytes_error(""), Dim::DataSize, "", {"empty"});
}

TEST(Units, RejectsGarbageAndMalformedNumbers) {
  expect_message(quantity_error("fast", Dim::DataRate), Dim::DataRate, "fast", {"not a number"});
  expect_message(quantity_error("GB/s", Dim::DataRate), Dim::DataRate, "GB/s", {"missing number"});
  expect_message(quantity_error(". s", Dim::Time), Dim::Time, ". s", {"not a number"});
  expect_message(quantity_error("0x10 GB", Dim::DataSize), Dim::DataSize, "0x10 GB", {"hexadecimal"});
  expect_message(quantity_error("1e GB", Dim::DataSize), Dim::DataSize, "1e GB", {"malformed exponent"});
  expect_message(quantity_error("1e+ s", Dim::Time), Dim::Time, "1e+ s", {"malformed exponent"});
  expect_message(quantity_error("1.2.3 s", Dim::Time), Dim::Time, "1.2.3 s", {"unknown unit \".3\""});
  expect_message(quantity_error("1,000 W", Dim::Power), Dim::Power, "1,000 W", {"unknown unit"});
}

TEST(Units, RejectsTrailingText) {
  expect_message(quantity_error("5 GB/s x", Dim::DataRate), Dim::DataRate, "5 GB/s x",
                 {"\"x\"", "after the unit"});
  expect_message(quantity_error("5 ns 3 ns", Dim::Time), Dim::Time, "5 ns 3 ns",
                 {"\"3 ns\"", "after the unit"});
  expect_message(bytes_error("1 GiB extra"), Dim::DataSize, "1 GiB extra", {"after the unit"});
}

TEST(Units, RejectsValuesOutOfDoubleRange) {
  expect_message(quantity_error("1e400 s", Dim::Time), Dim::Time, "1e400 s", {"too large"});
  expect_message(quantity_error("1e308 TB/s", Dim::DataRate), Dim::DataRate, "1e308 TB/s", {"too large"});
  expect_message(quantity_error("1e999999999999999999999 W", Dim::Power), Dim::Power,
                 "1e999999999999999999999 W", {"too large"});
  expect_message(quantity_error("1e-400 s", Dim::Time), Dim::Time, "1e-400 s", {"too small"});
}

TEST(Units, QuantityErrorIsAnInvalidArgument) {
  EXPECT_THROW(parse_quantity("x", Dim::Time), std::invalid_argument);
  EXPECT_THROW(parse_bytes("x"), QuantityError);
}

// ---- format_bytes --------------------------------------------------------------------------------------

TEST(Time, RoundAndCeilTicksMatchTheLibrary) {
  // round_ticks and ceil_ticks stand in for std::llround and std::ceil on the hot paths: they must agree on
  // every non-negative value, halves and values just either side of a whole number included.
  std::vector<double> values = {0.0,
                                0.25,
                                0.5,
                                0.75,
                                1.0,
                                1.5,
                                2.5,
                                3.4999999999999996,
                                1e6 + 0.5,
                                4503599627370495.5,
                                9007199254740992.0,
                                1e17};
  for (double v = 0.0; v < 2000.0; v += 0.125)
    values.push_back(v);
  double x = 0.3;
  for (int i = 0; i < 2000; ++i) {
    x = std::fmod(x * 7919.0 + 0.618, 1e12);
    values.push_back(x);
    values.push_back(std::nextafter(std::floor(x), 0.0));
    values.push_back(std::nextafter(std::floor(x) + 0.5, 0.0));
    values.push_back(std::floor(x) + 0.5);
  }
  for (double v : values) {
    EXPECT_EQ(round_ticks(v), static_cast<Tick>(std::llround(v))) << v;
    EXPECT_EQ(ceil_ticks(v), static_cast<Tick>(std::ceil(v))) << v;
  }
}

TEST(Units, FormatBytes) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(123), "123 B");
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(1024), "1 KiB");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(1537), "1.501 KiB");
  EXPECT_EQ(format_bytes(64.0 * 1024 * 1024), "64 MiB");
  EXPECT_EQ(format_bytes(1073741824.0), "1 GiB");
  EXPECT_EQ(format_bytes(1.25 * 1099511627776.0), "1.25 TiB");
  EXPECT_EQ(format_bytes(1e9), "953.674 MiB");
  EXPECT_EQ(format_bytes(1024.0 * 1024 - 0.1), "1 MiB");  // rounds up into the next unit
  EXPECT_EQ(format_bytes(0.5), "0.5 B");
  EXPECT_EQ(format_bytes(-2048), "-2 KiB");
  EXPECT_EQ(format_bytes(static_cast<double>(parse_bytes("1.5 GiB"))), "1.5 GiB");
}

// ---- --set overrides -----------------------------------------------------------------------------------

std::string override_error(const std::string& text) {
  try {
    parse_override(text);
  } catch (const InputError& e) {
    EXPECT_EQ(e.key(), "--set");
    return e.what();
  }
  ADD_FAILURE() << "parse_override(\"" << text << "\") did not throw";
  return {};
}

TEST(Units, ParseOverride) {
  Override o = parse_override("a.b=1 GB");
  EXPECT_EQ(o.key, "a.b");
  EXPECT_EQ(o.value, "1 GB");

  o = parse_override("  topology.link.bandwidth  =  200 GB/s ");
  EXPECT_EQ(o.key, "topology.link.bandwidth");
  EXPECT_EQ(o.value, "200 GB/s");

  o = parse_override("steps.0.expr=a=b");  // split at the first '='
  EXPECT_EQ(o.key, "steps.0.expr");
  EXPECT_EQ(o.value, "a=b");

  o = parse_override("shape=[4, 4]");
  EXPECT_EQ(o.key, "shape");
  EXPECT_EQ(o.value, "[4, 4]");

  o = parse_override("name=");
  EXPECT_EQ(o.key, "name");
  EXPECT_EQ(o.value, "");
}

TEST(Units, ParseOverrideRejectsMalformedText) {
  EXPECT_EQ(override_error("a.b"), "--set: expected KEY=VALUE, got \"a.b\"");
  EXPECT_EQ(override_error(""), "--set: expected KEY=VALUE, got \"\"");
  EXPECT_EQ(override_error("=5").rfind("--set: expected KEY=VALUE, got \"=5\"", 0), 0u);
  EXPECT_EQ(override_error("  =5").rfind("--set: expected KEY=VALUE, got \"  =5\"", 0), 0u);
  for (const char* bad : {"a..b=1", ".a=1", "a.=1", ".=1", " a. .b = 1"}) {
    const std::string message = override_error(bad);
    EXPECT_NE(message.find("expected KEY=VALUE, got \""), std::string::npos) << message;
    EXPECT_NE(message.find("empty key segment"), std::string::npos) << message;
  }
}

}  // namespace test_units
}  // namespace
}  // namespace pjbit::core
