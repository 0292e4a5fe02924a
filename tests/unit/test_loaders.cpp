// Platform and workload loaders (CONTRACT sections 2, 4, 5): valid files parse to exact specs; malformed
// input throws InputError naming file:line:col and the key path; `--set` overrides; hostile YAML (alias
// bombs, deep nesting) fails fast.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.h"
#include "core/overrides.h"
#include "core/yaml_support.h"
#include "engine/simulation.h"
#include "platforms/loader.h"
#include "platforms/tech/presets.h"
#include "platforms/topology.h"
#include "workloads/i_collective.h"
#include "workloads/loader.h"

namespace pjbit {
namespace {
namespace test_loaders {

using core::InputError;
using core::Override;

// A four-rank ring; line numbers matter to the tests below.
const std::string kRing =
    "name: ring4\n"            // 1
    "# a four-rank ring\n"     // 2
    "topology:\n"              // 3
    " kind: ring\n"            // 4
    " ranks: 4\n"              // 5
    " link:\n"                 // 6
    "  bandwidth: 100 GB/s\n"  // 7  (the value starts at column 14)
    "  latency: 500 ns\n";     // 8

const std::string kWorkload =
    "name: step\n"                        // 1
    "steps:\n"                            // 2
    "  - collective: all_reduce\n"        // 3
    "    size: 256 MiB\n"                 // 4
    "  - compute: { duration: 2 ms }\n";  // 5

// `text` with its 1-based line `line` replaced by `replacement` (which may hold several lines, or be empty).
std::string with_line(const std::string& text, int line, const std::string& replacement) {
  std::istringstream in(text);
  std::string out;
  std::string current;
  for (int n = 1; std::getline(in, current); ++n) {
    if (n == line) {
      if (!replacement.empty()) out += replacement + "\n";
    } else {
      out += current + "\n";
    }
  }
  return out;
}

std::string platform_error(const std::string& text, const std::vector<Override>& overrides = {}) {
  try {
    platforms::parse_platform(text, "ring.yaml", overrides);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "parse_platform did not throw for:\n" << text;
  return {};
}

std::string workload_error(const std::string& text, const std::vector<Override>& overrides = {}) {
  try {
    workloads::parse_workload(text, "step.yaml", overrides);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "parse_workload did not throw for:\n" << text;
  return {};
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "in: " << (haystack)
#define EXPECT_STARTS_WITH(text, prefix) EXPECT_EQ(std::string(text).rfind(prefix, 0), 0u) << "in: " << (text)

// ---- valid platforms -------------------------------------------------------------------------------------

TEST(PlatformLoader, RingParsesToExactSpec) {
  const std::string text =
      "name: ring12\n"
      "accelerator:\n"
      "  compute: 500 TFLOP/s\n"
      "  hbm: { bandwidth: 2 TB/s, energy: 4 pJ/bit, capacity: 64 GiB }\n"
      "  router_latency: 20 ns\n"
      "  idle_power: 100 W\n"
      "topology:\n"
      "  kind: ring\n"
      "  ranks: 12\n"
      "  link:\n"
      "    bandwidth: 100 GB/s\n"
      "    latency: 500 ns\n"
      "    overhead: 0.05\n"
      "    stack:\n"
      "      - { category: serdes,  energy: 2 pJ/bit }\n"
      "      - { category: retimer, energy: 1.5 pJ/bit, count: 2, latency: 10 ns }\n"
      "      - { category: laser,   power: 1 W }\n"
      "    static_power: 0.5 W\n"
      "cooling: { kind: liquid, overhead: 0.10 }\n"
      "scheduler: { policy: static, priorities: false }\n"
      "engine: packet\n"
      "packet: 8 KiB\n";
  const platforms::PlatformSpec spec = platforms::parse_platform(text, "ring.yaml");
  EXPECT_EQ(spec.name, "ring12");
  EXPECT_EQ(spec.file, "ring.yaml");
  EXPECT_DOUBLE_EQ(spec.accelerator.compute_flops, 500e12);
  EXPECT_DOUBLE_EQ(spec.accelerator.hbm.bandwidth_Bps, 2e12);
  EXPECT_DOUBLE_EQ(spec.accelerator.hbm.energy_pj_per_bit, 4.0);
  EXPECT_EQ(spec.accelerator.hbm.capacity_bytes, 64ull << 30);
  EXPECT_DOUBLE_EQ(spec.accelerator.router_latency_s, 20e-9);
  EXPECT_DOUBLE_EQ(spec.accelerator.idle_power_w, 100.0);
  EXPECT_EQ(spec.accelerator.loc.str(), "ring.yaml:3:3");
  EXPECT_EQ(spec.tiers[0].kind, "ring");
  EXPECT_EQ(spec.tiers[0].ranks, 12);
  EXPECT_EQ(spec.ranks(), 12);
  EXPECT_EQ(spec.tiers[0].loc.str(), "ring.yaml:8:3");
  const platforms::LinkSpec& link = spec.tiers[0].link;
  EXPECT_EQ(link.preset, "");
  EXPECT_DOUBLE_EQ(link.bandwidth_Bps, 100e9);
  EXPECT_DOUBLE_EQ(link.latency_s, 500e-9);
  EXPECT_DOUBLE_EQ(link.overhead, 0.05);
  EXPECT_DOUBLE_EQ(link.static_power_w, 0.5);
  EXPECT_EQ(link.loc.str(), "ring.yaml:11:5");
  ASSERT_EQ(link.stack.size(), 3u);
  EXPECT_EQ(link.stack[0].category, "serdes");
  EXPECT_DOUBLE_EQ(link.stack[0].energy_pj_per_bit, 2.0);
  EXPECT_EQ(link.stack[0].count, 1);
  EXPECT_EQ(link.stack[0].loc.str(), "ring.yaml:15:9");
  EXPECT_EQ(link.stack[1].category, "retimer");
  EXPECT_DOUBLE_EQ(link.stack[1].energy_pj_per_bit, 1.5);
  EXPECT_EQ(link.stack[1].count, 2);
  EXPECT_DOUBLE_EQ(link.stack[1].latency_s, 10e-9);
  EXPECT_EQ(link.stack[2].category, "laser");
  EXPECT_DOUBLE_EQ(link.stack[2].power_w, 1.0);
  EXPECT_DOUBLE_EQ(link.stack[2].energy_pj_per_bit, 0.0);
  EXPECT_EQ(spec.cooling.kind, "liquid");
  EXPECT_DOUBLE_EQ(spec.cooling.overhead, 0.10);
  EXPECT_EQ(spec.scheduler.policy, "static");
  EXPECT_FALSE(spec.scheduler.priorities);
  EXPECT_EQ(spec.engine, "packet");
  EXPECT_EQ(spec.packet_bytes, 8192u);
}

TEST(PlatformLoader, MinimalRingKeepsDefaults) {
  const platforms::PlatformSpec spec = platforms::parse_platform(kRing, "ring.yaml");
  const platforms::PlatformSpec defaults;
  EXPECT_EQ(spec.name, "ring4");
  EXPECT_EQ(spec.tiers[0].ranks, 4);
  EXPECT_EQ(spec.tiers[0].loc.str(), "ring.yaml:4:2");
  EXPECT_EQ(spec.tiers[0].link.loc.str(), "ring.yaml:7:3");
  EXPECT_TRUE(spec.tiers[0].link.stack.empty());
  EXPECT_DOUBLE_EQ(spec.tiers[0].link.overhead, 0.0);
  EXPECT_DOUBLE_EQ(spec.accelerator.compute_flops, defaults.accelerator.compute_flops);
  EXPECT_EQ(spec.accelerator.hbm.capacity_bytes, defaults.accelerator.hbm.capacity_bytes);
  EXPECT_EQ(spec.cooling.kind, "none");
  EXPECT_EQ(spec.scheduler.policy, "phase_aware");
  EXPECT_TRUE(spec.scheduler.priorities);
  EXPECT_EQ(spec.engine, "auto");
  EXPECT_EQ(spec.packet_bytes, 4096u);
}

TEST(PlatformLoader, EnergyShorthandIsOneSerdesElement) {
  const platforms::PlatformSpec spec =
      platforms::parse_platform(with_line(kRing, 8, "  latency: 500 ns\n  energy: 5 pJ/bit"), "ring.yaml");
  ASSERT_EQ(spec.tiers[0].link.stack.size(), 1u);
  EXPECT_EQ(spec.tiers[0].link.stack[0].category, "serdes");
  EXPECT_DOUBLE_EQ(spec.tiers[0].link.stack[0].energy_pj_per_bit, 5.0);
  EXPECT_EQ(spec.tiers[0].link.stack[0].count, 1);
}

TEST(PlatformLoader, SwitchParsesToExactSpec) {
  const std::string text =
      "name: sw8\n"
      "topology:\n"
      "  kind: switch\n"
      "  ranks: 8\n"
      "  link: { bandwidth: 400 Gb/s, latency: 1 us, energy: 3 pJ/bit }\n"
      "  switch: { latency: 250 ns, energy: 10 pJ/bit, static_power: 50 W, radix: 32, store_and_forward: "
      "true }\n";
  const platforms::PlatformSpec spec = platforms::parse_platform(text, "sw.yaml");
  EXPECT_EQ(spec.name, "sw8");
  EXPECT_EQ(spec.tiers[0].kind, "switch");
  EXPECT_EQ(spec.tiers[0].ranks, 8);
  EXPECT_DOUBLE_EQ(spec.tiers[0].link.bandwidth_Bps, 50e9);
  EXPECT_DOUBLE_EQ(spec.tiers[0].link.latency_s, 1e-6);
  const platforms::SwitchSpec& sw = spec.tiers[0].sw;
  EXPECT_DOUBLE_EQ(sw.latency_s, 250e-9);
  EXPECT_DOUBLE_EQ(sw.energy_pj_per_bit, 10.0);
  EXPECT_DOUBLE_EQ(sw.static_power_w, 50.0);
  EXPECT_EQ(sw.radix, 32);
  EXPECT_TRUE(sw.store_and_forward);
  EXPECT_EQ(sw.loc.str(), "sw.yaml:6:11");
}

TEST(PlatformLoader, SwitchDefaultsWhenFieldsOmitted) {
  const std::string text =
      "name: sw4\n"
      "topology: { kind: switch, ranks: 4, link: { bandwidth: 1 TB/s, latency: 0 s }, switch: {} }\n";
  const platforms::PlatformSpec spec = platforms::parse_platform(text, "sw.yaml");
  const platforms::SwitchSpec defaults;
  EXPECT_DOUBLE_EQ(spec.tiers[0].sw.latency_s, defaults.latency_s);
  EXPECT_EQ(spec.tiers[0].sw.radix, defaults.radix);
  EXPECT_FALSE(spec.tiers[0].sw.store_and_forward);
}

// ---- presets ---------------------------------------------------------------------------------------------

// The first preset of a kind, or nullptr.
const platforms::tech::Preset* first_preset(const std::string& kind) {
  for (const auto& p : platforms::tech::all_presets())
    if (p.kind == kind) return &p;
  return nullptr;
}

TEST(PlatformLoader, LinkPresetIsTheBaseAndFieldsOverrideIt) {
  const platforms::tech::Preset* preset = first_preset("link");
  if (preset == nullptr) GTEST_SKIP() << "no link presets";
  const std::string text =
      "name: p\n"
      "topology:\n"
      "  kind: ring\n"
      "  ranks: 4\n"
      "  link: { preset: " +
      preset->name + ", bandwidth: 7 GB/s }\n";
  const platforms::PlatformSpec spec = platforms::parse_platform(text, "ring.yaml");
  const platforms::LinkSpec& link = spec.tiers[0].link;
  EXPECT_EQ(link.preset, preset->name);
  EXPECT_DOUBLE_EQ(link.bandwidth_Bps, 7e9);                 // overridden
  EXPECT_DOUBLE_EQ(link.latency_s, preset->link.latency_s);  // from the preset
  EXPECT_DOUBLE_EQ(link.overhead, preset->link.overhead);
  ASSERT_EQ(link.stack.size(), preset->link.stack.size());
  for (std::size_t i = 0; i < link.stack.size(); ++i) {
    EXPECT_EQ(link.stack[i].category, preset->link.stack[i].category);
    EXPECT_DOUBLE_EQ(link.stack[i].energy_pj_per_bit, preset->link.stack[i].energy_pj_per_bit);
    EXPECT_DOUBLE_EQ(link.stack[i].power_w, preset->link.stack[i].power_w);
    EXPECT_EQ(link.stack[i].count, preset->link.stack[i].count);
  }
  EXPECT_EQ(link.loc.str(), "ring.yaml:5:9");  // the flow mapping's "{"

  // A given stack replaces the preset's.
  const platforms::PlatformSpec replaced = platforms::parse_platform(
      with_line(text, 5,
                "  link: { preset: " + preset->name + ", stack: [{ category: dsp, energy: 1 pJ/bit }] }"),
      "ring.yaml");
  ASSERT_EQ(replaced.tiers[0].link.stack.size(), 1u);
  EXPECT_EQ(replaced.tiers[0].link.stack[0].category, "dsp");
  EXPECT_DOUBLE_EQ(replaced.tiers[0].link.bandwidth_Bps, preset->link.bandwidth_Bps);
}

TEST(PlatformLoader, SwitchAndAcceleratorPresets) {
  const platforms::tech::Preset* sw = first_preset("switch");
  const platforms::tech::Preset* acc = first_preset("accelerator");
  if (sw == nullptr || acc == nullptr) GTEST_SKIP() << "no switch or accelerator presets";
  const std::string text =
      "name: p\n"
      "accelerator: { preset: " +
      acc->name +
      ", idle_power: 42 W }\n"
      "topology:\n"
      "  kind: switch\n"
      "  ranks: 2\n"
      "  link: { bandwidth: 1 GB/s, latency: 1 ns }\n"
      "  switch: { preset: " +
      sw->name + ", latency: 1 us }\n";
  const platforms::PlatformSpec spec = platforms::parse_platform(text, "ring.yaml");
  EXPECT_EQ(spec.accelerator.preset, acc->name);
  EXPECT_DOUBLE_EQ(spec.accelerator.compute_flops, acc->accelerator.compute_flops);
  EXPECT_DOUBLE_EQ(spec.accelerator.hbm.bandwidth_Bps, acc->accelerator.hbm.bandwidth_Bps);
  EXPECT_DOUBLE_EQ(spec.accelerator.idle_power_w, 42.0);
  EXPECT_EQ(spec.tiers[0].sw.preset, sw->name);
  EXPECT_EQ(spec.tiers[0].sw.radix, sw->sw.radix);
  EXPECT_DOUBLE_EQ(spec.tiers[0].sw.energy_pj_per_bit, sw->sw.energy_pj_per_bit);
  EXPECT_DOUBLE_EQ(spec.tiers[0].sw.latency_s, 1e-6);
}

// ---- power, heat and density: regimes, packaging, racks, cooling, accelerator power
// --------------------------

// Two tiers (eight-rank switch pods joined by a leaf-spine with NICs) and the power keys after them.
std::string two_tiers(const std::string& extra, const std::string& accelerator = "{ preset: h100-sxm5 }") {
  return "name: pods\n"
         "accelerator: " +
         accelerator +
         "\n"
         "tiers:\n"
         "  - { name: scale_up, kind: switch, ranks: 8, link: { preset: nvlink4-x18 },\n"
         "      switch: { preset: nvswitch-gen3, radix: 256, regime: board, faceplate_ports: 144 } }\n"
         "  - { name: scale_out, kind: fat_tree, domains: 4, levels: 2, radix: 16,\n"
         "      link: { preset: osfp-1p6t-dsp }, switch: { preset: eth-102t }, nic: { preset: nic-800g } "
         "}\n" +
         extra;
}

std::string pods_error(const std::string& text) {
  try {
    platforms::parse_platform(text, "pods.yaml");
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "parse_platform did not throw for:\n" << text;
  return {};
}

// `text` with the first `from` replaced by `to`.
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(PlatformLoader, PowerAndDensityKeysParse) {
  const auto spec =
      platforms::parse_platform(two_tiers("packaging: { shoreline: 50 mm, bandwidth_density: 1.3 TB/s/mm }\n"
                                          "racks:\n"
                                          "  accelerators_per_rack: 16\n"
                                          "  switches_per_rack: { scale_up: 2 }\n"
                                          "  network_rack_switches: 8\n"
                                          "  power_limit: 40.8 kW\n"
                                          "  cooling: liquid\n"
                                          "cooling: { model: density }\n",
                                          "{ preset: h100-sxm5, idle_power: 300 W, compute_power: 650 W }"),
                                "pods.yaml");
  EXPECT_DOUBLE_EQ(spec.accelerator.idle_power_w, 300.0);
  EXPECT_DOUBLE_EQ(spec.accelerator.compute_power_w, 650.0);
  EXPECT_EQ(spec.tiers[0].sw.regime, "board");
  EXPECT_EQ(spec.tiers[0].sw.faceplate_ports, 144);
  EXPECT_EQ(spec.tiers[1].link.regime, "row");  // from the preset
  EXPECT_GT(spec.tiers[1].link.bandwidth_density_Bps_per_m, 0.0);
  EXPECT_GT(spec.tiers[1].nic.bandwidth_density_Bps_per_m, 0.0);
  EXPECT_TRUE(spec.packaging.present);
  EXPECT_DOUBLE_EQ(spec.packaging.shoreline_m, 0.05);
  EXPECT_DOUBLE_EQ(spec.packaging.bandwidth_density_Bps_per_m, 1.3e12 / 1e-3);
  EXPECT_TRUE(spec.racks.present);
  EXPECT_EQ(spec.racks.accelerators_per_rack, 16);
  EXPECT_EQ(spec.racks.switches_in_rack("scale_up"), 2);
  EXPECT_EQ(spec.racks.switches_in_rack("scale_out"), 0);
  EXPECT_EQ(spec.racks.network_rack_switches, 8);
  EXPECT_DOUBLE_EQ(spec.racks.power_limit_w, 40.8e3);
  EXPECT_EQ(spec.racks.cooling, "liquid");
  EXPECT_EQ(spec.cooling.model, "density");
  // The preset's power while computing, and a number for switches_per_rack that applies to every tier.
  const auto every = platforms::parse_platform(
      two_tiers("racks: { accelerators_per_rack: 8, switches_per_rack: 3 }\n"), "pods.yaml");
  EXPECT_DOUBLE_EQ(every.accelerator.compute_power_w, 700.0);
  EXPECT_EQ(every.racks.switches_in_rack("scale_up"), 3);
  EXPECT_EQ(every.racks.switches_in_rack("scale_out"), 3);
  EXPECT_EQ(every.racks.cooling, "air");
  EXPECT_EQ(every.cooling.model, "flat");
}

TEST(PlatformLoader, PowerAndDensityKeyErrors) {
  EXPECT_EQ(pods_error(two_tiers("racks: { accelerators_per_rack: 8, cooling: water }\n")),
            "pods.yaml:8:45: racks.cooling: expected one of air, liquid, immersion, got \"water\"");
  EXPECT_EQ(
      pods_error(two_tiers("racks: { accelerators_per_rack: 0 }\n")),
      "pods.yaml:8:33: racks.accelerators_per_rack: expected a whole number from 1 to 131072, got \"0\"");
  EXPECT_EQ(
      pods_error(two_tiers("racks: { switches_per_rack: 2 }\n")),
      "pods.yaml:8:8: racks.accelerators_per_rack: missing; expected the accelerators in one rack, such as "
      "32");
  EXPECT_EQ(
      pods_error(two_tiers("racks: { accelerators_per_rack: 8, switches_per_rack: { scale_upp: 1 } }\n")),
      "pods.yaml:8:57: racks.switches_per_rack.scale_upp: unknown key \"scale_upp\"; expected one of: "
      "scale_up, scale_out");
  EXPECT_EQ(pods_error(two_tiers("racks: { accelerators_per_rack: 8, power_limit: 40 }\n")),
            "pods.yaml:8:49: racks.power_limit: expected a power such as \"16 W\", got \"40\" (a unit is "
            "required)");
  EXPECT_EQ(pods_error(two_tiers("packaging: { shoreline: 50 }\n")),
            "pods.yaml:8:25: packaging.shoreline: expected a length such as \"2 m\", got \"50\" (a unit is "
            "required)");
  EXPECT_EQ(
      pods_error(two_tiers("packaging: { bandwidth_density: 1 Tb/s/mm }\n")),
      "pods.yaml:8:12: packaging.shoreline: missing; expected the accelerator package's edge available for "
      "I/O, such as \"50 mm\"");
  EXPECT_EQ(
      pods_error(two_tiers("packaging: { shoreline: 50 mm, bandwidth_density: 1 Tb/s }\n")),
      "pods.yaml:8:51: packaging.bandwidth_density: expected a bandwidth density such as \"1.3 TB/s/mm\", "
      "got \"1 Tb/s\" (a data rate)");
  EXPECT_EQ(pods_error(two_tiers("cooling: { model: density }\n")),
            "pods.yaml:8:10: cooling: the density cooling model needs racks: to know each rack's heat");
  EXPECT_EQ(pods_error(two_tiers(
                "racks: { accelerators_per_rack: 8 }\ncooling: { model: density, overhead: 0.2 }\n")),
            "pods.yaml:9:38: cooling.overhead: the density model sets each rack's overhead from its heat");
  EXPECT_EQ(pods_error(two_tiers("cooling: { model: wind }\n")),
            "pods.yaml:8:19: cooling.model: expected one of flat, density, got \"wind\"");
  EXPECT_EQ(
      pods_error(two_tiers("", "{ idle_power: 800 W, compute_power: 700 W }")),
      "pods.yaml:2:50: accelerator.compute_power: expected compute_power (700 W) to be at least idle_power "
      "(800 W)");
  EXPECT_EQ(
      pods_error(replaced(two_tiers(""), "regime: board", "regime: planet")),
      "pods.yaml:5:60: tiers.0.switch.regime: expected one of package, board, rack, row, got \"planet\"");
  EXPECT_EQ(
      pods_error(replaced(two_tiers(""), "faceplate_ports: 144", "faceplate_ports: 0")),
      "pods.yaml:5:84: tiers.0.switch.faceplate_ports: expected a whole number from 1 to 100000, got \"0\"");
  EXPECT_EQ(
      pods_error(replaced(two_tiers(""), "{ preset: osfp-1p6t-dsp }",
                          "{ preset: osfp-1p6t-dsp, bandwidth_density: 0 Tb/s/mm }")),
      "pods.yaml:7:57: tiers.1.link.bandwidth_density: expected a bandwidth density such as \"1.3 TB/s/mm\" "
      "above zero, got \"0 Tb/s/mm\"");
  // A link technology with no known shoreline density needs one when the package is assessed.
  EXPECT_EQ(
      pods_error(replaced(two_tiers("packaging: { shoreline: 50 mm }\n"), "preset: nvlink4-x18",
                          "preset: xsr-112g")),
      "pods.yaml:8:12: packaging.bandwidth_density: the link of tier scale_up (preset xsr-112g) has no known "
      "shoreline density; give packaging.bandwidth_density, or tiers.0.link.bandwidth_density, such as "
      "\"1 Tb/s/mm\"");
}

TEST(PlatformLoader, UnknownPresetIsRejectedWithTheList) {
  const std::string message = platform_error(with_line(kRing, 7, "  preset: warp-drive"));
  EXPECT_STARTS_WITH(message,
                     "ring.yaml:7:11: topology.link.preset: unknown link preset \"warp-drive\"; "
                     "expected one of: ");
  if (const auto* p = first_preset("link")) {
    EXPECT_CONTAINS(message, p->name);
  }
}

// ---- --set -----------------------------------------------------------------------------------------------

TEST(PlatformLoader, SetOverridesChangeValues) {
  const std::vector<Override> overrides = {
      {"topology.link.bandwidth", "200 GB/s"},
      {"topology.ranks", "8"},
      {"platform.name", "renamed"},
      {"cooling.kind", "air"},                                           // creates the missing mapping
      {"topology.link.stack", "[{ category: dsp, energy: 2 pJ/bit }]"},  // a sequence value
      {"steps.0.size", "1 GiB"},                                         // the workload's: ignored here
      {"name", "ambiguous"},  // unprefixed name: ignored by both loaders
  };
  const platforms::PlatformSpec spec = platforms::parse_platform(kRing, "ring.yaml", overrides);
  EXPECT_DOUBLE_EQ(spec.tiers[0].link.bandwidth_Bps, 200e9);
  EXPECT_DOUBLE_EQ(spec.tiers[0].link.latency_s, 500e-9);
  EXPECT_EQ(spec.tiers[0].ranks, 8);
  EXPECT_EQ(spec.name, "renamed");
  EXPECT_EQ(spec.cooling.kind, "air");
  ASSERT_EQ(spec.tiers[0].link.stack.size(), 1u);
  EXPECT_EQ(spec.tiers[0].link.stack[0].category, "dsp");
  EXPECT_DOUBLE_EQ(spec.tiers[0].link.stack[0].energy_pj_per_bit, 2.0);
  // Untouched nodes keep their positions, copied containers too.
  EXPECT_EQ(spec.tiers[0].loc.str(), "ring.yaml:4:2");
  EXPECT_EQ(spec.tiers[0].link.loc.str(), "ring.yaml:7:3");
}

TEST(PlatformLoader, SetErrorsAreReportedAsSet) {
  EXPECT_EQ(platform_error(kRing, {{"topology.link.bandwidth", "fast"}}),
            "--set: topology.link.bandwidth: expected a data rate such as \"100 GB/s\", got \"fast\"");
  EXPECT_EQ(
      platform_error(kRing, {{"topology.link", "{ bandwith: 1 GB/s }"}}),
      "--set: topology.link.bandwith: unknown key \"bandwith\"; expected one of: preset, bandwidth, latency, "
      "overhead, stack, energy, static_power, optics, regime, bandwidth_density, fec, reliability, cost, "
      "reach, length, "
      "inline");
  EXPECT_EQ(platform_error(kRing, {{"topology.linkk", "1"}}),
            "--set: topology.linkk: unknown key \"linkk\"; expected one of: name, kind, ranks, domains, "
            "dims, levels, "
            "radix, oversubscription, ports_per_rank, routing, link, switch, ocs, nic, ranks_per_nic, pxn, "
            "nodes, links, routes, bypass, flow_control, congestion_control");
  EXPECT_EQ(platform_error(kRing, {{"topology.kind.x", "1"}}),
            "--set: topology.kind.x: cannot set \"x\" inside topology.kind, which is a single value");
  // An error elsewhere in the file still points into the file.
  EXPECT_EQ(platform_error(with_line(kRing, 8, "  latency: soon"), {{"topology.link.bandwidth", "1 GB/s"}}),
            "ring.yaml:8:12: topology.link.latency: expected a time such as \"500 ns\", got \"soon\"");
  // A missing key in a mapping that --set copied points at the mapping in the file.
  EXPECT_EQ(platform_error(with_line(kRing, 8, ""), {{"topology.link.bandwidth", "1 GB/s"}}),
            "ring.yaml:7:3: topology.link.latency: missing; expected a time such as \"500 ns\"");
}

TEST(PlatformLoader, SetValueThatIsNotYamlIsAPlainString) {
  const platforms::PlatformSpec spec =
      platforms::parse_platform(kRing, "ring.yaml", {{"platform.name", "a: b: c"}});
  EXPECT_EQ(spec.name, "a: b: c");
}

TEST(Overrides, EveryOverrideMustMatchAFile) {
  const auto& pk = platforms::platform_top_level_keys();
  const auto& wk = workloads::workload_top_level_keys();
  EXPECT_NO_THROW(core::check_overrides_matched(
      {{"topology.ranks", "4"}, {"steps.0.size", "1 MiB"}, {"platform.name", "a"}, {"workload.name", "b"}},
      pk, wk));
  try {
    core::check_overrides_matched({{"foo.bar", "1"}}, pk, wk);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.key(), "--set");
    EXPECT_EQ(std::string(e.what()),
              "--set: unknown key \"foo.bar\"; expected a platform or workload key such as "
              "topology.link.bandwidth or steps.0.size");
  }
  try {
    core::check_overrides_matched({{"name", "x"}}, pk, wk);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "--set: \"name\" is a key of both files; write platform.name or workload.name");
  }
}

// ---- malformed platforms ---------------------------------------------------------------------------------

TEST(PlatformLoader, ContractExampleMessage) {
  EXPECT_EQ(
      platform_error(with_line(kRing, 7, "  bandwidth: fast")),
      "ring.yaml:7:14: topology.link.bandwidth: expected a data rate such as \"100 GB/s\", got \"fast\"");
}

TEST(PlatformLoader, EmptyFile) {
  EXPECT_EQ(platform_error(""), "ring.yaml: file is empty");
  EXPECT_EQ(platform_error("# only a comment\n\n"), "ring.yaml: file is empty");
  EXPECT_EQ(platform_error("---\n"), "ring.yaml: file is empty");
}

TEST(PlatformLoader, NonYamlBytes) {
  const std::string message = platform_error(std::string("\x00\xff{[:", 5));
  EXPECT_STARTS_WITH(message, "ring.yaml:1:3: ");
  EXPECT_EQ(message.find('\n'), std::string::npos);
  EXPECT_EQ(platform_error("name: [unclosed\n"), "ring.yaml:2:1: end of sequence flow not found");
  EXPECT_EQ(platform_error("name: x\n\tbad: tab\n"),
            "ring.yaml:2:1: illegal tab when looking for indentation");
}

// yaml-cpp 0.7's LoadAll loops for ever on these (yaml-cpp issue 1040); the loader must not.
TEST(PlatformLoader, LeadingCommaDoesNotHang) {
  EXPECT_EQ(platform_error(","), "ring.yaml:1:1: expected a mapping at the top level, got \",\"");
  EXPECT_EQ(platform_error("# c\n  , a: b\nname: x\n"),
            "ring.yaml:2:3: expected a mapping at the top level, got \", a: b\"");
  EXPECT_EQ(workload_error("---\n,name: step\n"),
            "step.yaml:2:1: expected a mapping at the top level, got \",name: step\"");
}

TEST(PlatformLoader, TrailingDocumentMarkerIsFine) {
  EXPECT_EQ(platforms::parse_platform(kRing + "---\n", "ring.yaml").name, "ring4");
  EXPECT_EQ(platforms::parse_platform(kRing + "...\n", "ring.yaml").name, "ring4");
}

TEST(PlatformLoader, TopLevelMustBeAMapping) {
  EXPECT_EQ(platform_error("- name: ring4\n"),
            "ring.yaml:1:1: expected a mapping at the top level, got a sequence");
  EXPECT_EQ(platform_error("just text\n"),
            "ring.yaml:1:1: expected a mapping at the top level, got \"just text\"");
}

TEST(PlatformLoader, MoreThanOneDocument) {
  EXPECT_EQ(platform_error(kRing + "---\nname: other\n"),
            "ring.yaml:10:1: expected one YAML document, found another one here");
}

TEST(PlatformLoader, UnknownTopLevelKey) {
  EXPECT_EQ(platform_error(with_line(kRing, 2, "topologyy: 1")),
            "ring.yaml:2:1: topologyy: unknown key \"topologyy\"; expected one of: name, accelerator, "
            "topology, tiers, "
            "memory_pools, cooling, packaging, racks, scheduler, engine, packet, link_sleep, faults, "
            "fault_detection, economics, flow_batch");
}

// flow_batch (docs/engines.md, "Batched completions"): a tolerance from 0 to 0.5, for the flow engine.
TEST(PlatformLoader, FlowBatch) {
  EXPECT_EQ(pjbit::platforms::parse_platform(kRing + "flow_batch: 0.01\n", "ring.yaml").flow_batch, 0.01);
  EXPECT_EQ(pjbit::platforms::parse_platform(kRing, "ring.yaml").flow_batch, 0.0);
  EXPECT_EQ(platform_error(kRing + "flow_batch: 0.6\n"),
            "ring.yaml:9:13: flow_batch: expected a number from 0 to 0.5, got \"0.6\"");
  EXPECT_EQ(platform_error(kRing + "flow_batch: 1%\n"),
            "ring.yaml:9:13: flow_batch: expected a number from 0 to 0.5, got \"1%\"");
  EXPECT_EQ(platform_error(kRing + "engine: packet\nflow_batch: 0.01\n"),
            "ring.yaml:10:13: flow_batch: batching of completions is the flow engine's; use engine: flow or "
            "auto");
}

TEST(PlatformLoader, UnknownNestedKey) {
  EXPECT_EQ(
      platform_error(with_line(kRing, 7, "  bandwith: 100 GB/s")),
      "ring.yaml:7:3: topology.link.bandwith: unknown key \"bandwith\"; expected one of: preset, bandwidth, "
      "latency, overhead, stack, energy, static_power, optics, regime, bandwidth_density, fec, reliability, "
      "cost, reach, length, "
      "inline");
}

TEST(PlatformLoader, MergeKeysAreRejectedClearly) {
  EXPECT_EQ(
      platform_error("name: x\naccelerator: &a { compute: 1 TFLOP/s }\ntopology:\n <<: *a\n"),
      "ring.yaml:4:2: topology.<<: YAML merge keys are not supported (yaml-cpp 0.7); write the keys out");
}

TEST(PlatformLoader, DuplicateKey) {
  EXPECT_EQ(platform_error(kRing + " ranks: 5\n"), "ring.yaml:9:2: topology.ranks: duplicate key \"ranks\"");
}

TEST(PlatformLoader, BareNumberWhereAUnitIsNeeded) {
  const std::string message = platform_error(with_line(kRing, 7, "  bandwidth: 100"));
  EXPECT_STARTS_WITH(
      message,
      "ring.yaml:7:14: topology.link.bandwidth: expected a data rate such as \"100 GB/s\", got \"100\"");
  // Quoted, it is still a bare number.
  EXPECT_STARTS_WITH(
      platform_error(with_line(kRing, 7, "  bandwidth: \"100\"")),
      "ring.yaml:7:14: topology.link.bandwidth: expected a data rate such as \"100 GB/s\", got \"100\"");
}

TEST(PlatformLoader, WrongUnitKind) {
  EXPECT_STARTS_WITH(
      platform_error(with_line(kRing, 7, "  bandwidth: 100 ns")),
      "ring.yaml:7:14: topology.link.bandwidth: expected a data rate such as \"100 GB/s\", got "
      "\"100 ns\"");
  EXPECT_STARTS_WITH(
      platform_error(with_line(kRing, 8, "  latency: 5 GB")),
      "ring.yaml:8:12: topology.link.latency: expected a time such as \"500 ns\", got \"5 GB\"");
}

TEST(PlatformLoader, NegativeValue) {
  EXPECT_STARTS_WITH(
      platform_error(with_line(kRing, 8, "  latency: -5 ns")),
      "ring.yaml:8:12: topology.link.latency: expected a time such as \"500 ns\", got \"-5 ns\"");
  EXPECT_EQ(platform_error(with_line(kRing, 8, "  latency: 1 ns\n  overhead: -0.1")),
            "ring.yaml:9:13: topology.link.overhead: expected a number from 0 to below 1, got \"-0.1\"");
}

TEST(PlatformLoader, NanAndInf) {
  EXPECT_EQ(
      platform_error(with_line(kRing, 7, "  bandwidth: .nan")),
      "ring.yaml:7:14: topology.link.bandwidth: expected a data rate such as \"100 GB/s\", got \".nan\"");
  EXPECT_EQ(
      platform_error(with_line(kRing, 7, "  bandwidth: .inf")),
      "ring.yaml:7:14: topology.link.bandwidth: expected a data rate such as \"100 GB/s\", got \".inf\"");
  EXPECT_STARTS_WITH(
      platform_error(with_line(kRing, 7, "  bandwidth: inf GB/s")),
      "ring.yaml:7:14: topology.link.bandwidth: expected a data rate such as \"100 GB/s\", got "
      "\"inf GB/s\"");
  EXPECT_EQ(platform_error(kRing + "cooling: { overhead: .nan }\n"),
            "ring.yaml:9:22: cooling.overhead: expected a number from 0 to 10, got \".nan\"");
  EXPECT_EQ(platform_error(kRing + "cooling: { overhead: 1e999 }\n"),
            "ring.yaml:9:22: cooling.overhead: expected a number from 0 to 10, got \"1e999\"");
}

TEST(PlatformLoader, ZeroBandwidth) {
  EXPECT_EQ(
      platform_error(with_line(kRing, 7, "  bandwidth: 0 GB/s")),
      "ring.yaml:7:14: topology.link.bandwidth: expected a data rate such as \"100 GB/s\" above zero, got "
      "\"0 GB/s\"");
}

TEST(PlatformLoader, RanksOutOfRange) {
  EXPECT_EQ(platform_error(with_line(kRing, 5, " ranks: 0")),
            "ring.yaml:5:9: topology.ranks: expected a whole number from 2 to 131072, got \"0\"");
  EXPECT_EQ(platform_error(with_line(kRing, 5, " ranks: 1000000000")),
            "ring.yaml:5:9: topology.ranks: expected a whole number from 2 to 131072, got \"1000000000\"");
  EXPECT_EQ(platform_error(with_line(kRing, 5, " ranks: 4.5")),
            "ring.yaml:5:9: topology.ranks: expected a whole number from 2 to 131072, got \"4.5\"");
  EXPECT_EQ(platform_error(with_line(kRing, 5, " ranks: [4]")),
            "ring.yaml:5:9: topology.ranks: expected a whole number from 2 to 131072, got a sequence");
  EXPECT_EQ(platform_error(with_line(kRing, 5, " ranks:")),
            "ring.yaml:5:2: topology.ranks: expected a whole number from 2 to 131072, got nothing");
  EXPECT_EQ(platform_error(with_line(kRing, 5, "")),
            "ring.yaml:4:2: topology.ranks: missing; expected a whole number from 2 to 131072");
}

TEST(PlatformLoader, UnknownAndUnsupportedTopologyKinds) {
  EXPECT_EQ(platform_error(with_line(kRing, 4, " kind: hypercube")),
            "ring.yaml:4:8: topology.kind: expected one of ring, switch, full_mesh, torus, fat_tree, ocs, "
            "graph, got "
            "\"hypercube\"");
  EXPECT_EQ(platform_error(with_line(kRing, 4, " kind: torus")),
            "ring.yaml:4:2: topology.dims: missing; expected a list of sizes such as [4, 4, 4]");
  EXPECT_EQ(platform_error(kRing + "tiers: []\n"),
            "ring.yaml:9:8: tiers: give either topology (a flat fabric) or tiers, not both");
  EXPECT_EQ(
      platform_error(kRing +
                     "memory_pools: [{ name: p, attach: scale_up, bandwidth: 1 GB/s, capacity: 1 GiB }]\n"),
      "ring.yaml:9:16: memory_pools.0.attach: no tier is named \"scale_up\"; expected one of: topology");
  EXPECT_EQ(platforms::parse_platform(kRing + "engine: flow\n", "ring.yaml").engine, "flow");
  EXPECT_EQ(platform_error(kRing + "engine: warp\n"),
            "ring.yaml:9:9: engine: expected one of packet, flow, auto, got \"warp\"");
}

TEST(PlatformLoader, TopologyShapeErrors) {
  EXPECT_EQ(platform_error(kRing + " switch: { radix: 8 }\n"),
            "ring.yaml:9:10: topology.switch: a ring has no switch");
  EXPECT_EQ(platform_error(with_line(kRing, 4, " kind: switch")),
            "ring.yaml:4:2: topology.switch: missing; expected a switch such as { latency: 300 ns, energy: "
            "10 pJ/bit }");
  EXPECT_EQ(platform_error(
                with_line(with_line(kRing, 4, " kind: switch"), 5, " ranks: 100\n switch: { radix: 64 }")),
            "ring.yaml:5:9: topology.ranks: a switch of radix 64 cannot connect 100 ranks; raise "
            "topology.switch.radix "
            "or lower topology.ranks, or use a fat_tree");
  EXPECT_EQ(platform_error("name: x\ntopology: { kind: ring, ranks: 4 }\n"),
            "ring.yaml:2:11: topology.link: missing; expected a link such as { bandwidth: 100 GB/s, latency: "
            "500 ns }");
  EXPECT_EQ(platform_error("topology: { kind: ring, ranks: 4 }\n"),
            "ring.yaml:1:1: name: missing; expected a platform name such as \"ring12\"");
  EXPECT_EQ(
      platform_error("name: x\n"),
      "ring.yaml:1:1: topology: missing; expected a topology such as { kind: ring, ranks: 8, link: ... }, or "
      "tiers");
  EXPECT_EQ(
      platform_error(with_line(kRing, 8, "  latency: 1 ns\n  energy: 1 pJ/bit\n  stack: []")),
      "ring.yaml:9:11: topology.link.energy: give either energy (one serdes element) or stack, not both");
  EXPECT_EQ(
      platform_error(with_line(kRing, 8, "  latency: 1 ns\n  stack: [{ category: cooling }]")),
      "ring.yaml:9:23: topology.link.stack.0.category: expected one of serdes, retimer, dsp, laser, switch, "
      "ocs, nic, got \"cooling\"");
  EXPECT_EQ(
      platform_error(with_line(kRing, 8, "  latency: 1 ns\n  stack: [{ category: dsp, count: 0 }]")),
      "ring.yaml:9:35: topology.link.stack.0.count: expected a whole number from 1 to 1000000, got \"0\"");
  EXPECT_EQ(platform_error(kRing + "scheduler: { priorities: yes }\n"),
            "ring.yaml:9:26: scheduler.priorities: expected true or false, got \"yes\"");
  EXPECT_EQ(platform_error(kRing + "packet: 1 B\n"),
            "ring.yaml:9:9: packet: expected a data size from 64 B to 64 MiB, got \"1 B\"");
  EXPECT_EQ(platform_error(kRing + "accelerator: [1]\n"),
            "ring.yaml:9:14: accelerator: expected an accelerator, got a sequence");
}

// Torus dims whose product overflows 64 bits: 27449 x 17729 x 3797 x 2281 x 7729 x 47 is 83 x 2^64 + 12683,
// which a wrapping product takes for 12,683 ranks. The product is checked at every factor instead.
TEST(PlatformLoader, TorusDimsProductOverflowIsRefused) {
  const std::string dims = "[27449, 17729, 3797, 2281, 7729, 47]";
  EXPECT_EQ(platform_error(with_line(with_line(kRing, 4, " kind: torus"), 5, " dims: " + dims)),
            "ring.yaml:5:8: topology.dims: a torus has 2 to 131072 ranks, these dims give more than 131072");
  EXPECT_EQ(platform_error(with_line(with_line(kRing, 4, " kind: torus"), 5, " dims: [256, 512, 2]")),
            "ring.yaml:5:8: topology.dims: a torus has 2 to 131072 ranks, these dims give more than 131072");
  const std::string tiers =
      "name: t\n"
      "tiers:\n"
      "  - { name: inner, kind: switch, ranks: 1, link: { bandwidth: 1 GB/s, latency: 1 us }, switch: { "
      "radix: 8 } }\n"
      "  - { name: outer, kind: torus, domains: 12683, dims: " +
      dims + ", link: { bandwidth: 1 GB/s, latency: 1 us } }\n";
  EXPECT_EQ(platform_error(tiers),
            "ring.yaml:4:5: tiers.1.dims: the dims give more than 131072 ranks; the tier holds 12683");
  // The largest torus there is still loads.
  EXPECT_EQ(platforms::parse_platform(with_line(with_line(kRing, 4, " kind: torus"), 5, " dims: [256, 512]"),
                                      "ring.yaml")
                .ranks(),
            131072);
}

TEST(PlatformLoader, UnreadableFiles) {
  try {
    platforms::load_platform("/nonexistent/pjbit/ring.yaml");
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "/nonexistent/pjbit/ring.yaml: cannot read file: No such file or directory");
  }
  try {
    platforms::load_platform("/");
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "/: cannot read file: Is a directory");
  }
  EXPECT_EQ(platform_error(std::string(core::kMaxInputBytes + 1, '#')),
            "ring.yaml: file is larger than 16 MiB");
}

// "Billion laughs": ten anchors each aliasing the previous one ten times. yaml-cpp shares aliased nodes, so
// this is small in memory; the loaders must not walk it.
std::string laughs(const std::string& indent, int levels) {
  std::string out = indent + "- &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int level = 1; level < levels; ++level) {
    const std::string prev = "*l" + std::to_string(level - 1);
    out += indent + "- &l" + std::to_string(level) + " [";
    for (int i = 0; i < 10; ++i)
      out += (i > 0 ? ", " : "") + prev;
    out += "]\n";
  }
  return out;
}

// The bombs below expand to 10^10 nodes: a loader that walked the expansion would not finish within the
// test's ctest timeout. What is checked is that it stops at the first thing it refuses, not how fast.
TEST(PlatformLoader, BillionLaughsStopAtTheFirstRefusal) {
  // Anchors under an unknown key.
  EXPECT_EQ(platform_error("lols:\n" + laughs("  ", 10) + "name: *l9\n"),
            "ring.yaml:1:1: lols: unknown key \"lols\"; expected one of: name, accelerator, topology, tiers, "
            "memory_pools, cooling, packaging, racks, scheduler, engine, packet, link_sleep, faults, "
            "fault_detection, economics, flow_batch");
  // Anchors inside a list the loader reads.
  EXPECT_EQ(platform_error(with_line(kRing, 4, " kind: torus") + " dims:\n" + laughs("  ", 10)),
            "ring.yaml:10:5: topology.dims.0: expected a whole number from 1 to 131072, got a sequence");
  // An alias to the bomb where a value is expected.
  EXPECT_EQ(
      platform_error(with_line(kRing, 4, " kind: torus") + " dims:\n" + laughs("  ", 10) + "packet: *l9\n"),
      "ring.yaml:10:5: topology.dims.0: expected a whole number from 1 to 131072, got a sequence");
  EXPECT_EQ(platform_error("name: &n [" + std::string("x]\n") + "topology: *n\n"),
            "ring.yaml:1:7: name: expected a platform name such as \"ring12\", got a sequence");
}

TEST(PlatformLoader, DeepNestingDoesNotCrash) {
  EXPECT_EQ(platform_error(std::string(10000, '[')), "ring.yaml: YAML is nested too deeply");
  EXPECT_EQ(platform_error("name: " + std::string(10000, '{')), "ring.yaml: YAML is nested too deeply");
  std::string blocks;
  for (int i = 0; i < 10000; ++i)
    blocks += std::string(static_cast<std::size_t>(i % 200), ' ') + "- \n";
  EXPECT_FALSE(platform_error(blocks).empty());
}

TEST(PlatformLoader, ControlCharactersAreEscapedInMessages) {
  const std::string message = platform_error(kRing + "\"bad\\nkey\\u0001\": 1\n");
  EXPECT_EQ(
      message,
      "ring.yaml:9:1: bad\\nkey\\x01: unknown key \"bad\\nkey\\x01\"; expected one of: name, "
      "accelerator, topology, tiers, memory_pools, cooling, packaging, racks, scheduler, engine, packet, "
      "link_sleep, faults, fault_detection, economics, flow_batch");
}

// ---- workloads -------------------------------------------------------------------------------------------

TEST(WorkloadLoader, ValidWorkloadParsesToExactSpec) {
  const std::string text =
      "name: step\n"
      "iterations: 3\n"
      "steps:\n"
      "  - collective: all_gather\n"
      "    size: 256 MiB\n"
      "    algorithm: ring\n"
      "    ranks: [3, 0, 2, 1]\n"
      "    class: bulk\n"
      "  - compute: { work: 500 TFLOP, ranks: [1] }\n"
      "  - parallel:\n"
      "      - { collective: broadcast, size: 1 KiB, ranks: all }\n"
      "      - compute: { duration: 2 ms }\n";
  const workloads::WorkloadSpec spec = workloads::parse_workload(text, "step.yaml");
  EXPECT_EQ(spec.name, "step");
  EXPECT_EQ(spec.file, "step.yaml");
  EXPECT_EQ(spec.iterations, 3);
  ASSERT_EQ(spec.steps.size(), 3u);

  const workloads::Step& c = spec.steps[0];
  EXPECT_EQ(c.kind, workloads::Step::Kind::Collective);
  EXPECT_EQ(c.key, "steps.0");
  EXPECT_EQ(c.loc.str(), "step.yaml:4:5");
  EXPECT_EQ(c.collective.op, workloads::Op::AllGather);
  EXPECT_EQ(c.collective.size_bytes, 256ull << 20);
  EXPECT_EQ(c.collective.algorithm, "ring");
  EXPECT_EQ(c.collective.ranks, (std::vector<int>{3, 0, 2, 1}));  // the ring's order, as listed
  EXPECT_EQ(c.collective.cls, workloads::TransportClass::Bulk);
  EXPECT_EQ(c.collective.channels, 1);

  const workloads::Step& w = spec.steps[1];
  EXPECT_EQ(w.kind, workloads::Step::Kind::Compute);
  EXPECT_EQ(w.key, "steps.1");
  EXPECT_TRUE(w.compute.has_work);
  EXPECT_DOUBLE_EQ(w.compute.work_flop, 500e12);
  EXPECT_EQ(w.compute.ranks, (std::vector<int>{1}));

  const workloads::Step& p = spec.steps[2];
  EXPECT_EQ(p.kind, workloads::Step::Kind::Parallel);
  ASSERT_EQ(p.children.size(), 2u);
  EXPECT_EQ(p.children[0].key, "steps.2.parallel.0");
  EXPECT_EQ(p.children[0].loc.str(), "step.yaml:11:9");
  EXPECT_EQ(p.children[0].collective.op, workloads::Op::Broadcast);
  EXPECT_EQ(p.children[0].collective.size_bytes, 1024u);
  EXPECT_TRUE(p.children[0].collective.ranks.empty());
  EXPECT_TRUE(p.children[0].collective.algorithm.empty());
  EXPECT_EQ(p.children[0].collective.cls, workloads::TransportClass::Collective);
  EXPECT_EQ(p.children[1].key, "steps.2.parallel.1");
  EXPECT_FALSE(p.children[1].compute.has_work);
  EXPECT_DOUBLE_EQ(p.children[1].compute.duration_s, 2e-3);
}

TEST(WorkloadLoader, DefaultIterations) {
  const workloads::WorkloadSpec spec = workloads::parse_workload(kWorkload, "step.yaml");
  EXPECT_EQ(spec.iterations, 1);
  ASSERT_EQ(spec.steps.size(), 2u);
  EXPECT_EQ(spec.steps[0].collective.op, workloads::Op::AllReduce);
}

TEST(WorkloadLoader, SetOverrides) {
  const workloads::WorkloadSpec spec = workloads::parse_workload(kWorkload, "step.yaml",
                                                                 {{"steps.0.size", "1 GiB"},
                                                                  {"workload.name", "renamed"},
                                                                  {"iterations", "5"},
                                                                  {"topology.ranks", "9"}});
  EXPECT_EQ(spec.steps[0].collective.size_bytes, 1ull << 30);
  EXPECT_EQ(spec.name, "renamed");
  EXPECT_EQ(spec.iterations, 5);
  EXPECT_EQ(spec.steps[0].loc.str(), "step.yaml:3:5");

  EXPECT_EQ(workload_error(kWorkload, {{"steps.9.size", "1 GiB"}}),
            "--set: steps.9.size: index 9 is out of range; steps has 2 entries");
  EXPECT_EQ(workload_error(kWorkload, {{"steps.x.size", "1 GiB"}}),
            "--set: steps.x.size: steps is a sequence; expected an index such as steps.0, got \"x\"");
  EXPECT_EQ(workload_error(kWorkload, {{"steps.0.size", "lots"}}),
            "--set: steps.0.size: expected a data size such as \"64 MiB\", got \"lots\"");
  EXPECT_EQ(workload_error(kWorkload, {{"steps.00.sise", "1 MiB"}}),
            "--set: steps.0.sise: unknown key \"sise\"; expected one of: collective, size, algorithm, ranks, "
            "class, channels, compute, parallel, memory, checkpoint, traffic, id, after, dim");
}

TEST(WorkloadLoader, SetDoesNotChangeAliasedCopies) {
  const std::string text =
      "name: step\n"
      "steps:\n"
      "  - &s { collective: all_reduce, size: 1 MiB }\n"
      "  - *s\n";
  const workloads::WorkloadSpec spec =
      workloads::parse_workload(text, "step.yaml", {{"steps.0.size", "2 MiB"}});
  ASSERT_EQ(spec.steps.size(), 2u);
  EXPECT_EQ(spec.steps[0].collective.size_bytes, 2ull << 20);
  EXPECT_EQ(spec.steps[1].collective.size_bytes, 1ull << 20);
}

TEST(WorkloadLoader, UnknownOp) {
  EXPECT_EQ(workload_error(with_line(kWorkload, 3, "  - collective: all_reduse")),
            "step.yaml:3:17: steps.0.collective: expected one of all_reduce, all_gather, reduce_scatter, "
            "all_to_all, "
            "broadcast, got \"all_reduse\"");
}

TEST(WorkloadLoader, UnknownAlgorithm) {
  std::string names;
  for (const std::string& n : workloads::collective_names())
    names += (names.empty() ? "" : ", ") + n;
  EXPECT_EQ(
      workload_error(with_line(kWorkload, 4, "    size: 1 MiB\n    algorithm: magic")),
      "step.yaml:5:16: steps.0.algorithm: unknown algorithm \"magic\"; expected auto or one of: " + names);
}

TEST(WorkloadLoader, AlgorithmThatCannotDoTheOp) {
  const char* ops[] = {"all_reduce", "all_gather", "reduce_scatter", "all_to_all", "broadcast"};
  const workloads::Op values[] = {workloads::Op::AllReduce, workloads::Op::AllGather,
                                  workloads::Op::ReduceScatter, workloads::Op::AllToAll,
                                  workloads::Op::Broadcast};
  for (const std::string& name : workloads::collective_names()) {
    const workloads::ICollective* algo = workloads::find_collective(name);
    for (int i = 0; i < 5; ++i) {
      if (algo->supports(values[i])) continue;
      const std::string text = "name: s\nsteps:\n  - collective: " + std::string(ops[i]) +
                               "\n    size: 1 MiB\n    algorithm: " + name + "\n";
      EXPECT_EQ(workload_error(text),
                "step.yaml:5:16: steps.0.algorithm: algorithm \"" + name + "\" does not implement " + ops[i]);
      return;
    }
  }
  GTEST_SKIP() << "every algorithm implements every op";
}

// torus_unidir is accepted for the ops torus_ring is, and refused for the others with torus_ring's error.
TEST(WorkloadLoader, TorusUnidirIsAcceptedWhereTorusRingIs) {
  const char* ops[] = {"all_reduce", "all_gather", "reduce_scatter", "all_to_all", "broadcast"};
  const workloads::Op values[] = {workloads::Op::AllReduce, workloads::Op::AllGather,
                                  workloads::Op::ReduceScatter, workloads::Op::AllToAll,
                                  workloads::Op::Broadcast};
  for (int i = 0; i < 5; ++i) {
    SCOPED_TRACE(ops[i]);
    const auto text = [&](const std::string& algorithm) {
      return "name: s\nsteps:\n  - collective: " + std::string(ops[i]) +
             "\n    size: 1 MiB\n    algorithm: " + algorithm + "\n    ranks: [0, 1, 2, 3]\n";
    };
    if (workloads::find_collective("torus_ring")->supports(values[i])) {
      const auto spec = workloads::parse_workload(text("torus_unidir"), "step.yaml");
      EXPECT_EQ(spec.steps[0].collective.algorithm, "torus_unidir");
      EXPECT_EQ(spec.steps[0].collective.ranks, (std::vector<int>{0, 1, 2, 3}));
      EXPECT_NO_THROW(workloads::parse_workload(text("torus_ring"), "step.yaml"));
    } else {
      for (const std::string name : {"torus_ring", "torus_unidir"})
        EXPECT_EQ(workload_error(text(name)), "step.yaml:5:16: steps.0.algorithm: algorithm \"" + name +
                                                  "\" does not implement " + ops[i]);
    }
  }
}

TEST(WorkloadLoader, UnknownClass) {
  EXPECT_EQ(
      workload_error(with_line(kWorkload, 4, "    size: 1 MiB\n    class: urgent")),
      "step.yaml:5:12: steps.0.class: expected one of latency_critical, collective, remote_memory, bulk, "
      "control, got \"urgent\"");
}

TEST(WorkloadLoader, BadRanksLists) {
  const auto with_ranks = [](const std::string& ranks) {
    return with_line(kWorkload, 4, "    size: 1 MiB\n    ranks: " + ranks);
  };
  EXPECT_EQ(workload_error(with_ranks("[0, 1, 1]")),
            "step.yaml:5:19: steps.0.ranks.2: rank 1 is listed twice");
  EXPECT_EQ(workload_error(with_ranks("[0, -1]")),
            "step.yaml:5:16: steps.0.ranks.1: expected a whole number from 0 to 131071, got \"-1\"");
  EXPECT_EQ(workload_error(with_ranks("[3]")),
            "step.yaml:5:12: steps.0.ranks: expected at least 2 ranks, got 1");
  EXPECT_EQ(
      workload_error(with_ranks("some")),
      "step.yaml:5:12: steps.0.ranks: expected all or a list of rank ids such as [0, 1, 2, 3], got \"some\"");
  EXPECT_EQ(workload_error(with_ranks("[0, x]")),
            "step.yaml:5:16: steps.0.ranks.1: expected a whole number from 0 to 131071, got \"x\"");
}

// A collective's ranks keep their order (a ring runs in it); compute, memory and traffic steps, where the
// order means nothing, keep theirs sorted. A rank listed twice is an error everywhere.
TEST(WorkloadLoader, CollectiveRanksKeepTheirOrder) {
  const workloads::WorkloadSpec spec = workloads::parse_workload(
      "name: w\nsteps:\n"
      "  - { collective: all_reduce, size: 1 MiB, algorithm: ring, ranks: [0, 2, 4, 6, 1, 3, 5, 7] }\n"
      "  - { collective: all_gather, size: 1 MiB, ranks: [7, 6, 5] }\n"
      "  - compute: { duration: 1 us, ranks: [5, 1, 3] }\n"
      "  - memory: { op: read, size: 1 MiB, pool: p, ranks: [4, 0] }\n"
      "  - traffic: { messages: 2, size: 4 KiB, ranks: [3, 1, 2] }\n",
      "step.yaml");
  ASSERT_EQ(spec.steps.size(), 5u);
  EXPECT_EQ(spec.steps[0].collective.ranks, (std::vector<int>{0, 2, 4, 6, 1, 3, 5, 7}));
  EXPECT_EQ(spec.steps[1].collective.ranks, (std::vector<int>{7, 6, 5}));
  EXPECT_EQ(spec.steps[2].compute.ranks, (std::vector<int>{1, 3, 5}));
  EXPECT_EQ(spec.steps[3].memory.ranks, (std::vector<int>{0, 4}));
  EXPECT_EQ(spec.steps[4].traffic.ranks, (std::vector<int>{1, 2, 3}));

  const std::string head = "name: w\nsteps:\n";
  EXPECT_EQ(workload_error(head + "  - { collective: all_reduce, size: 1 MiB, ranks: [4, 2, 0, 2] }\n"),
            "step.yaml:3:61: steps.0.ranks.3: rank 2 is listed twice");
  EXPECT_EQ(workload_error(head + "  - compute: { duration: 1 us, ranks: [3, 1, 3] }\n"),
            "step.yaml:3:46: steps.0.compute.ranks.2: rank 3 is listed twice");
  EXPECT_EQ(workload_error(head + "  - memory: { op: read, size: 1 MiB, pool: p, ranks: [1, 1] }\n"),
            "step.yaml:3:58: steps.0.memory.ranks.1: rank 1 is listed twice");
  EXPECT_EQ(workload_error(head + "  - traffic: { size: 4 KiB, ranks: [0, 5, 0] }\n"),
            "step.yaml:3:43: steps.0.traffic.ranks.2: rank 0 is listed twice");
  EXPECT_EQ(workload_error(head + "  - { collective: all_reduce, size: 1 MiB, ranks: [140000, 1] }\n"),
            "step.yaml:3:52: steps.0.ranks.0: expected a whole number from 0 to 131071, got \"140000\"");
}

TEST(WorkloadLoader, Channels) {
  const auto with_channels = [](const std::string& algorithm, const std::string& channels,
                                const std::string& op = "all_reduce") {
    return "name: w\nsteps:\n  - collective: " + op + "\n    size: 1 MiB\n" +
           (algorithm.empty() ? "" : "    algorithm: " + algorithm + "\n") + "    channels: " + channels +
           "\n";
  };
  const auto channels_of = [](const std::string& text) {
    const workloads::WorkloadSpec spec = workloads::parse_workload(text, "step.yaml");
    return spec.steps.at(0).collective.channels;
  };
  EXPECT_EQ(channels_of(with_channels("ring", "8")), 8);
  EXPECT_EQ(channels_of(with_channels("ring", "1")), 1);
  EXPECT_EQ(channels_of(with_channels("ring", "64")), 64);
  EXPECT_EQ(channels_of(with_channels("bidir_ring", "4", "reduce_scatter")), 4);
  EXPECT_EQ(channels_of(with_channels("", "16", "all_gather")),
            16);  // the default algorithm: the engine checks
  EXPECT_EQ(workloads::parse_workload(with_channels("ring", "8"), "step.yaml")
                .steps[0]
                .collective.channels_loc.str(),
            "step.yaml:6:15");
  EXPECT_EQ(workloads::parse_workload(kWorkload, "step.yaml").steps[0].collective.channels, 1);

  const std::string expected = "expected a whole number from 1 to 64, got ";
  EXPECT_EQ(workload_error(with_channels("ring", "0")),
            "step.yaml:6:15: steps.0.channels: " + expected + "\"0\"");
  EXPECT_EQ(workload_error(with_channels("ring", "65")),
            "step.yaml:6:15: steps.0.channels: " + expected + "\"65\"");
  EXPECT_EQ(workload_error(with_channels("ring", "-1")),
            "step.yaml:6:15: steps.0.channels: " + expected + "\"-1\"");
  EXPECT_EQ(workload_error(with_channels("ring", "two")),
            "step.yaml:6:15: steps.0.channels: " + expected + "\"two\"");
  EXPECT_EQ(workload_error(with_channels("ring", "1.5")),
            "step.yaml:6:15: steps.0.channels: " + expected + "\"1.5\"");
  EXPECT_EQ(workload_error(with_channels("ring", "[2]")),
            "step.yaml:6:15: steps.0.channels: " + expected + "a sequence");
  // Only the rings run several channels, and not for a broadcast.
  EXPECT_EQ(workload_error(with_channels("direct", "2")),
            "step.yaml:6:15: steps.0.channels: algorithm direct runs one channel; channels above 1 need "
            "algorithm ring or bidir_ring, got 2");
  for (const char* one : {"tree", "halving_doubling", "hierarchical", "in_network", "torus_ring"})
    EXPECT_CONTAINS(workload_error(with_channels(one, "4")), "runs one channel");
  EXPECT_EQ(workload_error(with_channels("ring", "2", "broadcast")),
            "step.yaml:6:15: steps.0.channels: a broadcast runs one channel (channels above 1 split an "
            "all_reduce, all_gather or reduce_scatter over several rings), got 2");
  EXPECT_EQ(
      workload_error("name: w\nsteps:\n  - compute: { duration: 1 us }\n    channels: 2\n"),
      "step.yaml:4:15: steps.0.channels: only a collective step takes channels; this is a compute step");
}

TEST(WorkloadLoader, StepShapeErrors) {
  EXPECT_EQ(workload_error(with_line(kWorkload, 4, "")),
            "step.yaml:3:5: steps.0.size: missing; expected a data size such as \"64 MiB\"");
  EXPECT_EQ(workload_error(with_line(kWorkload, 4, "    size: 0 B")),
            "step.yaml:4:11: steps.0.size: expected a data size above zero, got \"0 B\"");
  EXPECT_EQ(
      workload_error(with_line(kWorkload, 4, "    size: 1.5 b")),
      "step.yaml:4:11: steps.0.size: expected a data size such as \"64 MiB\", got \"1.5 b\" (not a whole "
      "number of bytes)");
  EXPECT_EQ(
      workload_error(with_line(kWorkload, 4, "    size: 1 MiB\n    compute: { duration: 1 s }")),
      "step.yaml:5:14: steps.0.compute: a step has exactly one of collective, compute, memory, checkpoint, "
      "traffic or parallel; this one also has \"collective\"");
  EXPECT_EQ(workload_error(kWorkload + "  - { size: 1 MiB }\n"),
            "step.yaml:6:5: steps.2: expected a step with one of collective, compute, memory, checkpoint, "
            "traffic or parallel");
  EXPECT_EQ(workload_error(kWorkload + "  - { compute: { duration: 1 s }, size: 1 MiB }\n"),
            "step.yaml:6:41: steps.2.size: only a collective step takes size; this is a compute step");
  EXPECT_EQ(workload_error(kWorkload + "  - compute: { duration: 1 s, work: 1 TFLOP }\n"),
            "step.yaml:6:26: steps.2.compute.duration: give either work or duration, not both");
  EXPECT_EQ(workload_error(kWorkload + "  - compute: {}\n"),
            "step.yaml:6:14: steps.2.compute: missing work or duration; expected { work: 500 TFLOP } or { "
            "duration: 2 "
            "ms }");
  EXPECT_EQ(
      workload_error(kWorkload + "  - compute: { duration: 2 }\n"),
      "step.yaml:6:26: steps.2.compute.duration: expected a time such as \"500 ns\", got \"2\" (a unit is "
      "required)");
  EXPECT_EQ(
      workload_error(kWorkload + "  - memory: { op: read, size: 1 GiB }\n"),
      "step.yaml:6:13: steps.2.memory.pool: missing; expected the name of a memory pool of the platform");
  EXPECT_EQ(
      workload_error(kWorkload + "  - checkpoint: { size: 1 GiB }\n"),
      "step.yaml:6:17: steps.2.checkpoint.pool: missing; expected the name of a memory pool of the platform");
  EXPECT_EQ(workload_error(kWorkload + "  - parallel: []\n"),
            "step.yaml:6:15: steps.2.parallel: expected at least one step, got an empty list");
  EXPECT_EQ(workload_error(kWorkload + "  - [1]\n"),
            "step.yaml:6:5: steps.2: expected a step (a mapping with collective, compute or parallel), got a "
            "sequence");
  EXPECT_EQ(workload_error("name: x\nsteps: []\n"),
            "step.yaml:2:8: steps: expected at least one step, got an empty list");
  EXPECT_EQ(workload_error("name: x\nsteps: {}\n"),
            "step.yaml:2:8: steps: expected a list of steps, got a mapping");
  EXPECT_EQ(workload_error("name: x\n"),
            "step.yaml:1:1: steps: missing; expected a list of steps (or a model block)");
  EXPECT_EQ(workload_error("name: x\niterations: 0\nsteps: []\n"),
            "step.yaml:2:13: iterations: expected a whole number from 1 to 1000000, got \"0\"");
  EXPECT_EQ(
      workload_error(with_line(kWorkload, 1, "nam: step")),
      "step.yaml:1:1: nam: unknown key \"nam\"; expected one of: name, iterations, graph, steps, model, "
      "chakra, job");
}

TEST(WorkloadLoader, ParallelNestingIsLimited) {
  std::string nested = "{ compute: { duration: 1 s } }";
  for (int i = 0; i < 17; ++i)
    nested = "{ parallel: [" + nested + "] }";
  const std::string message = workload_error("name: x\nsteps:\n  - " + nested + "\n");
  EXPECT_CONTAINS(message, "parallel: parallel steps nest at most 16 deep");
  EXPECT_STARTS_WITH(message, "step.yaml:3:");

  // A step list that contains itself.
  EXPECT_CONTAINS(workload_error("name: x\nsteps: &s\n  - parallel: *s\n"),
                  "parallel steps nest at most 16 deep");
}

// 10^10 steps once expanded: the loader counts steps as it reads them and stops at the cap (a loader that
// expanded first would not finish within the test's ctest timeout).
TEST(WorkloadLoader, BillionLaughsStopAtTheStepCap) {
  std::string text = "name: lol\nsteps:\n  - &s0 { compute: { duration: 1 us } }\n";
  for (int level = 1; level <= 10; ++level) {
    const std::string prev = "*s" + std::to_string(level - 1);
    text += "  - &s" + std::to_string(level) + " { parallel: [";
    for (int i = 0; i < 10; ++i)
      text += (i > 0 ? ", " : "") + prev;
    text += "] }\n";
  }
  const std::string message = workload_error(text);
  EXPECT_CONTAINS(message, "a workload has at most 100000 steps, parallel sub-steps included");
  EXPECT_STARTS_WITH(message, "step.yaml:");
}

TEST(WorkloadLoader, EmptyAndMalformedFiles) {
  EXPECT_EQ(workload_error(""), "step.yaml: file is empty");
  EXPECT_EQ(workload_error("[1, 2]\n"), "step.yaml:1:1: expected a mapping at the top level, got a sequence");
  EXPECT_EQ(workload_error(std::string(10000, '[')), "step.yaml: YAML is nested too deeply");
  EXPECT_EQ(workload_error("name: x\nsteps: *nowhere\n"),
            "step.yaml:2:8: the referenced anchor is not defined");
}

}  // namespace test_loaders
}  // namespace
}  // namespace pjbit

namespace pjbit {
namespace {
namespace test_loaders {

std::string ring_with(const std::string& extra) {
  return "name: ring4\ntopology: { kind: ring, ranks: 4, link: { bandwidth: 100 GB/s, latency: 500 ns } }\n" +
         extra + "\n";
}

TEST(PlatformLoader, SchedulerKeysParse) {
  const auto spec = platforms::parse_platform(
      ring_with(
          "scheduler: { policy: static, arbitration: weighted, weights: { latency_critical: 32, bulk: 3 },\n"
          "             defer_bulk: false, bulk_chunk: 4 MiB }"),
      "p.yaml");
  EXPECT_EQ(spec.scheduler.policy, "static");
  EXPECT_TRUE(spec.scheduler.priorities);
  EXPECT_EQ(spec.scheduler.arbitration, "weighted");
  EXPECT_EQ(spec.scheduler.weights, (std::array<int, 5>{32, 8, 4, 2, 3}));
  EXPECT_FALSE(spec.scheduler.defer_bulk);
  EXPECT_EQ(spec.scheduler.bulk_chunk_bytes, 4u << 20);
  const auto defaults = platforms::parse_platform(ring_with(""), "p.yaml");
  EXPECT_EQ(defaults.scheduler.policy, "phase_aware");
  EXPECT_EQ(defaults.scheduler.arbitration, "strict");
  EXPECT_TRUE(defaults.scheduler.defer_bulk);
  EXPECT_EQ(defaults.scheduler.bulk_chunk_bytes, 16u << 20);
}

TEST(PlatformLoader, SchedulerKeyErrors) {
  EXPECT_EQ(
      platform_error(ring_with("scheduler: { priorities: false, arbitration: weighted }")),
      "ring.yaml:3:46: scheduler.arbitration: weighted arbitration shares by transport class; priorities: "
      "false ignores classes");
  EXPECT_EQ(
      platform_error(ring_with("scheduler: { weights: { bulk: 2 } }")),
      "ring.yaml:3:23: scheduler.weights: weights apply to arbitration: weighted (this scheduler is strict)");
  EXPECT_EQ(
      platform_error(ring_with("scheduler: { arbitration: weighted, weights: { bulky: 2 } }")),
      "ring.yaml:3:48: scheduler.weights.bulky: unknown key \"bulky\"; expected one of: latency_critical, "
      "control, collective, remote_memory, bulk");
  EXPECT_EQ(platform_error(ring_with("scheduler: { arbitration: weighted, weights: { bulk: 0 } }")),
            "ring.yaml:3:54: scheduler.weights.bulk: expected a whole number from 1 to 1000000, got \"0\"");
  EXPECT_EQ(platform_error(ring_with("scheduler: { arbitration: fair }")),
            "ring.yaml:3:27: scheduler.arbitration: expected one of strict, weighted, got \"fair\"");
  EXPECT_EQ(platform_error(ring_with("scheduler: { bulk_chunk: 8 B }")),
            "ring.yaml:3:26: scheduler.bulk_chunk: expected a data size of at least 64 B, got \"8 B\"");
  EXPECT_EQ(
      platform_error(ring_with("scheduler: { bulk_chunk: 1 }")),
      "ring.yaml:3:26: scheduler.bulk_chunk: expected a data size such as \"64 MiB\", got \"1\" (a unit is "
      "required)");
  EXPECT_EQ(platform_error(ring_with("scheduler: { defer_bulk: maybe }")),
            "ring.yaml:3:26: scheduler.defer_bulk: expected true or false, got \"maybe\"");
  EXPECT_EQ(
      platform_error(ring_with("scheduler: { policy: \"\" }")),
      "ring.yaml:3:22: scheduler.policy: expected a scheduler policy name such as phase_aware, got \"\"");
  EXPECT_EQ(platform_error(ring_with("scheduler: [1]")),
            "ring.yaml:3:12: scheduler: expected a scheduler description, got a sequence");
  EXPECT_EQ(platform_error(ring_with("scheduler: { speed: 1 }")),
            "ring.yaml:3:14: scheduler.speed: unknown key \"speed\"; expected one of: policy, priorities, "
            "arbitration, weights, defer_bulk, bulk_chunk");
}

const std::string kHybrid =
    "name: h\ntopology: { kind: fat_tree, ranks: 16, radix: 5, oversubscription: 4, link: { bandwidth: 100 "
    "GB/s, "
    "latency: 500 ns }, switch: { radix: 16 }, BYPASS }\n";

std::string hybrid_with(const std::string& bypass) {
  std::string text = kHybrid;
  text.replace(text.find("BYPASS"), 6, bypass);
  return text;
}

TEST(PlatformLoader, BypassParsesAndBuildsAnOcsBesideTheLeaves) {
  const auto spec = platforms::parse_platform(
      hybrid_with(
          "bypass: { ocs: { ports: 32, reconfiguration: 1 ms }, ports_per_leaf: 3, link: { bandwidth: 50 "
          "GB/s, latency: 1 us } }"),
      "p.yaml");
  const auto& b = spec.tiers[0].bypass;
  EXPECT_TRUE(b.present);
  EXPECT_EQ(b.ports_per_leaf, 3);
  EXPECT_DOUBLE_EQ(b.ocs.reconfiguration_s, 1e-3);
  EXPECT_DOUBLE_EQ(b.link.bandwidth_Bps, 50e9);
  const auto topo = platforms::make_topology(spec);
  int bypass_links = 0;
  for (const auto& l : topo.links)
    bypass_links += l.bypass;
  EXPECT_EQ(bypass_links, 4 * 3);  // four leaves
  EXPECT_EQ(topo.count(platforms::NodeKind::Ocs), 1);
  EXPECT_TRUE(topo.tiers[0].bypass);
  // Without its own link, the bypass takes the tier's.
  const auto same = platforms::parse_platform(hybrid_with("bypass: { ocs: { ports: 32 } }"), "p.yaml");
  EXPECT_DOUBLE_EQ(same.tiers[0].bypass.link.bandwidth_Bps, 100e9);
  EXPECT_EQ(same.tiers[0].bypass.ports_per_leaf, 2);
}

TEST(PlatformLoader, RanksPerNicErrors) {
  const std::string flat =
      "name: h\ntopology: { kind: fat_tree, ranks: 16, radix: 8, link: { bandwidth: 100 GB/s, latency: 500 "
      "ns "
      "}, switch: { radix: 8 }, ";
  EXPECT_EQ(platform_error(flat + "ranks_per_nic: 2 }\n"),
            "ring.yaml:2:135: topology.ranks_per_nic: accelerators share a NIC only on a tier that has one "
            "(nic:)");
  EXPECT_EQ(platform_error(flat + "nic: { latency: 1 us }, ranks_per_nic: 3 }\n"),
            "ring.yaml:2:159: topology.ranks_per_nic: expected a divisor of the 16 ranks, so that every NIC "
            "serves as many; got 3");
  EXPECT_EQ(platform_error(flat + "nic: { latency: 1 us }, ranks_per_nic: 0 }\n"),
            "ring.yaml:2:159: topology.ranks_per_nic: expected a whole number from 1 to 64, got \"0\"");
  EXPECT_EQ(platform_error(flat + "nic: { latency: 1 us }, ranks_per_nic: two }\n"),
            "ring.yaml:2:159: topology.ranks_per_nic: expected a whole number from 1 to 64, got \"two\"");
  // On an outer tier, the NIC's ranks sit in one inner domain.
  EXPECT_EQ(
      platform_error("name: h\ntiers:\n"
                     "  - { name: up, kind: switch, ranks: 6, link: { bandwidth: 400 GB/s, latency: 100 ns "
                     "}, switch: { radix: 64 } }\n"
                     "  - { name: out, kind: switch, domains: 2, link: { bandwidth: 50 GB/s, latency: 500 "
                     "ns }, switch: { radix: 64 }, nic: { latency: 1 us }, ranks_per_nic: 4 }\n"),
      "ring.yaml:4:153: tiers.1.ranks_per_nic: expected a divisor of the inner domain's 6 ranks, so that "
      "the ranks sharing a NIC sit in one domain; got 4");
}

TEST(PlatformLoader, PxnErrors) {
  EXPECT_EQ(
      platform_error("name: h\ntopology: { kind: switch, ranks: 8, link: { bandwidth: 100 GB/s, latency: "
                     "500 ns }, switch: { radix: 8 }, pxn: true }\n"),
      "ring.yaml:2:112: topology.pxn: PXN forwards through the inner domain to another rail: only an outer "
      "tier has one");
  const std::string tiers =
      "name: h\ntiers:\n"
      "  - { name: up, kind: switch, ranks: 1, link: { bandwidth: 400 GB/s, latency: 100 "
      "ns }, switch: { radix: 64 } }\n"
      "  - { name: out, kind: switch, domains: 8, link: { bandwidth: 50 GB/s, latency: 500 "
      "ns }, switch: { radix: 64 }, pxn: ";
  EXPECT_EQ(platform_error(tiers + "true }\n"),
            "ring.yaml:4:119: tiers.1.pxn: PXN forwards through the inner domain to another rail; the inner "
            "domain has one rank");
  EXPECT_EQ(platform_error(tiers + "maybe }\n"),
            "ring.yaml:4:119: tiers.1.pxn: expected true or false, got \"maybe\"");
}

TEST(PlatformLoader, BypassErrors) {
  const auto error = [](const std::string& text) {
    try {
      platforms::make_topology(platforms::parse_platform(text, "h.yaml"));
    } catch (const core::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(
      error("name: h\ntopology: { kind: ring, ranks: 4, link: { bandwidth: 100 GB/s, latency: 500 ns }, "
            "bypass: { ports_per_leaf: 2 } }\n"),
      "h.yaml:2:91: topology.bypass: optical bypass circuits join the leaves of a fat_tree; this topology "
      "is a ring");
  EXPECT_EQ(
      error(hybrid_with("bypass: { ports_per_leaf: 2 }")),
      "h.yaml:2:150: topology.bypass.ocs: missing; expected an OCS such as { ports: 136, reconfiguration: "
      "10 ms }");
  EXPECT_EQ(error(hybrid_with("bypass: { ocs: { ports: 4 }, ports_per_leaf: 2 }")),
            "h.yaml:2:11: topology.bypass.ocs.ports: the bypass OCS has 4 ports, 4 leaves x 2 ports_per_leaf "
            "need 8");
  EXPECT_EQ(error(hybrid_with("bypass: { ocs: { ports: 32 }, ports_per_leaf: 0 }")),
            "h.yaml:2:188: topology.bypass.ports_per_leaf: expected a whole number from 1 to 64, got \"0\"");
  EXPECT_EQ(
      error(hybrid_with("bypass: { ocs: { ports: 32 }, lasers: 2 }")),
      "h.yaml:2:172: topology.bypass.lasers: unknown key \"lasers\"; expected one of: ocs, ports_per_leaf, "
      "link");
  // The bypass ports count against the leaf switch's radix.
  std::string small = hybrid_with("bypass: { ocs: { ports: 32 } }");
  small.replace(small.find("radix: 16"), 9, "radix: 5");
  EXPECT_EQ(error(small),
            "h.yaml:2:127: topology.switch.radix: switch leaf0 needs 7 ports for its 7 links but has "
            "radix 5");
}

TEST(WorkloadLoader, TrafficStepParses) {
  const auto w = workloads::parse_workload(
      "name: w\nsteps:\n  - traffic: { messages: 20, size: 4 KiB, interval: 10 us, pairs: [[2, 0], [6, 0]] "
      "}\n"
      "  - traffic: { size: 64 KiB, ranks: [1, 3, 5], class: bulk }\n",
      "w.yaml");
  ASSERT_EQ(w.steps.size(), 2u);
  const auto& a = w.steps[0].traffic;
  EXPECT_EQ(w.steps[0].kind, workloads::Step::Kind::Traffic);
  EXPECT_EQ(a.messages, 20u);
  EXPECT_EQ(a.size_bytes, 4096u);
  EXPECT_DOUBLE_EQ(a.interval_s, 10e-6);
  EXPECT_EQ(a.pairs, (std::vector<std::pair<int, int>>{{2, 0}, {6, 0}}));
  EXPECT_EQ(a.cls, workloads::TransportClass::LatencyCritical);
  const auto& b = w.steps[1].traffic;
  EXPECT_EQ(b.messages, 1u);
  EXPECT_EQ(b.ranks, (std::vector<int>{1, 3, 5}));
  EXPECT_EQ(b.cls, workloads::TransportClass::Bulk);
}

TEST(WorkloadLoader, TrafficStepErrors) {
  const auto step = [](const std::string& s) { return workload_error("name: w\nsteps:\n  - " + s + "\n"); };
  EXPECT_EQ(
      step("traffic: { messages: 3 }"),
      "step.yaml:3:14: steps.0.traffic.size: missing; expected a data size per message such as \"4 KiB\"");
  EXPECT_EQ(step("traffic: { size: 0 B }"),
            "step.yaml:3:22: steps.0.traffic.size: expected a data size above zero, got \"0 B\"");
  EXPECT_EQ(
      step("traffic: { size: 4 KiB, messages: 0 }"),
      "step.yaml:3:39: steps.0.traffic.messages: expected a whole number from 1 to 10000000, got \"0\"");
  EXPECT_EQ(
      step("traffic: { size: 4 KiB, pairs: [[0, 1]], ranks: [0, 1] }"),
      "step.yaml:3:53: steps.0.traffic.ranks: give either pairs (messages between them in turn) or ranks "
      "(random pairs), not both");
  EXPECT_EQ(step("traffic: { size: 4 KiB, pairs: [[0, 0]] }"),
            "step.yaml:3:37: steps.0.traffic.pairs.0: a message goes from one rank to another; both are 0");
  EXPECT_EQ(
      step("traffic: { size: 4 KiB, pairs: [[0, 1, 2]] }"),
      "step.yaml:3:37: steps.0.traffic.pairs.0: expected a pair [source, destination] of rank ids, got a "
      "sequence");
  EXPECT_EQ(
      step("traffic: { size: 4 KiB, pairs: [] }"),
      "step.yaml:3:36: steps.0.traffic.pairs: expected a list of [source, destination] rank pairs such as "
      "[[0, 4], [1, 5]], got an empty list");
  EXPECT_EQ(
      step("traffic: { size: 4 KiB, interval: 3 }"),
      "step.yaml:3:39: steps.0.traffic.interval: expected a time such as \"500 ns\", got \"3\" (a unit is "
      "required)");
  EXPECT_EQ(
      step("traffic: { size: 4 KiB, class: urgent }"),
      "step.yaml:3:36: steps.0.traffic.class: expected one of latency_critical, collective, remote_memory, "
      "bulk, control, got \"urgent\"");
  EXPECT_EQ(step("traffic: { size: 4 KiB, speed: 1 }"),
            "step.yaml:3:29: steps.0.traffic.speed: unknown key \"speed\"; expected one of: size, messages, "
            "interval, ranks, pairs, class");
  EXPECT_EQ(step("{ traffic: { size: 4 KiB }, size: 1 MiB }"),
            "step.yaml:3:39: steps.0.size: only a collective step takes size; this is a traffic step");
}

TEST(WorkloadLoader, TrafficRanksAreCheckedAgainstThePlatform) {
  const auto spec = platforms::parse_platform(ring_with(""), "p.yaml");
  const auto error = [&](const std::string& s) {
    try {
      engine::validate(spec, workloads::parse_workload("name: w\nsteps:\n  - " + s + "\n", "w.yaml"));
    } catch (const core::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error("traffic: { size: 4 KiB, pairs: [[0, 9]] }"),
            "w.yaml:3:5: steps.0.traffic.pairs.0: rank 9 does not exist: the platform has ranks 0 to 3");
  EXPECT_EQ(error("traffic: { size: 4 KiB, ranks: [1, 9] }"),
            "w.yaml:3:5: steps.0.traffic.ranks: rank 9 does not exist: the platform has ranks 0 to 3");
  EXPECT_EQ(error("traffic: { size: 4 KiB, pairs: [[0, 3]] }"), "no error");
}

TEST(WorkloadLoader, GraphStepsParse) {
  const auto w = workloads::parse_workload(
      "name: g\ngraph: true\nsteps:\n"
      "  - { id: a, compute: { duration: 1 ms } }\n"
      "  - { id: b, collective: all_reduce, size: 1 MiB }\n"
      "  - { compute: { duration: 1 ms }, after: [b, a] }\n"
      "  - { compute: { duration: 1 ms }, after: b }\n"
      "  - { compute: { duration: 1 ms }, after: [] }\n",
      "g.yaml");
  EXPECT_TRUE(w.graph);
  ASSERT_EQ(w.steps.size(), 5u);
  EXPECT_EQ(w.steps[0].id, "a");
  EXPECT_TRUE(w.steps[0].after.empty());
  EXPECT_EQ(w.steps[2].after, (std::vector<int>{1, 0}));
  EXPECT_EQ(w.steps[3].after, (std::vector<int>{1}));
  EXPECT_TRUE(w.steps[4].after.empty());
  EXPECT_FALSE(
      workloads::parse_workload("name: s\nsteps:\n  - { compute: { duration: 1 ms } }\n", "s.yaml").graph);
}

TEST(WorkloadLoader, GraphStepErrors) {
  const std::string head = "name: g\ngraph: true\nsteps:\n  - { id: a, compute: { duration: 1 ms } }\n";
  EXPECT_EQ(
      workload_error("name: g\nsteps:\n  - { id: a, compute: { duration: 1 ms } }\n"
                     "  - { compute: { duration: 1 ms }, after: [a] }\n"),
      "step.yaml:4:43: steps.1.after: a step waits for others only in a dependency graph: add graph: true "
      "at the top of the workload");
  EXPECT_EQ(workload_error(head + "  - { compute: { duration: 1 ms }, after: [x] }\n"),
            "step.yaml:5:44: steps.1.after.0: no step before this one has id \"x\"");
  EXPECT_EQ(
      workload_error(head + "  - { id: b, compute: { duration: 1 ms }, after: [b] }\n"),
      "step.yaml:5:51: steps.1.after.0: step \"b\" is this one or comes after it; a step waits only for "
      "steps listed before it");
  EXPECT_EQ(workload_error(head + "  - { compute: { duration: 1 ms }, after: [a, a] }\n"),
            "step.yaml:5:47: steps.1.after.1: step \"a\" is listed twice");
  EXPECT_EQ(workload_error(head + "  - { id: a, compute: { duration: 1 ms } }\n"),
            "step.yaml:5:5: steps.1.id: step id \"a\" is already used by steps.0");
  EXPECT_EQ(workload_error(head + "  - { id: '', compute: { duration: 1 ms } }\n"),
            "step.yaml:5:11: steps.1.id: expected a step id such as \"fwd0\", got \"\"");
  EXPECT_EQ(
      workload_error(head + "  - { id: 'a b', compute: { duration: 1 ms } }\n"),
      "step.yaml:5:11: steps.1.id: expected a step id of printable characters without spaces, got \"a b\"");
  EXPECT_EQ(workload_error(head + "  - { compute: { duration: 1 ms }, after: }\n"),
            "step.yaml:5:36: steps.1.after: expected a list of step ids such as [fwd0, fwd1], got nothing");
  EXPECT_EQ(workload_error(head + "  - { compute: { duration: 1 ms }, after: [[a]] }\n"),
            "step.yaml:5:44: steps.1.after.0: expected a step id, got a sequence");
  EXPECT_EQ(workload_error(head + "  - parallel:\n      - { compute: { duration: 1 ms }, after: [a] }\n"),
            "step.yaml:6:47: steps.1.parallel.0.after: only a top-level step takes after; the sub-steps of a "
            "parallel step start and end with it");
  EXPECT_EQ(workload_error("name: g\ngraph: maybe\nsteps:\n  - { compute: { duration: 1 ms } }\n"),
            "step.yaml:2:8: graph: expected true or false, got \"maybe\"");
}

}  // namespace test_loaders
}  // namespace
}  // namespace pjbit
