// Technology presets (the files platforms/tech/<kind>/*.yaml, read by platforms/tech/presets.cpp) and their
// tables (platforms/tech/preset_table.cpp): every shipped file loads and every preset is sourced and well
// formed, the co-packaged-optics saving matches the sourced figures, one's own preset folders add presets in
// a stable order, a malformed preset file is one InputError naming its file, line, column and key, and
// docs/presets.md is exactly what `pjbit presets --markdown` prints for the shipped presets.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/errors.h"
#include "platforms/spec.h"
#include "platforms/tech/preset_table.h"
#include "platforms/tech/presets.h"
#include "support/testing.h"

namespace pjbit::platforms::tech {
namespace {
namespace test_presets {

const std::set<std::string> kConfidences = {"high", "medium", "low", "derived", "estimate"};
const std::set<std::string> kKinds = {"link", "switch", "accelerator", "ocs",
                                      "nic",  "memory", "comm_library"};
// CONTRACT section 4: the categories a link's stack may use.
const std::set<std::string> kLinkCategories = {"serdes", "retimer", "dsp", "laser", "switch", "ocs", "nic"};
const std::set<std::string> kRegimes = {"package", "board", "rack", "row"};

// The shipped presets, whatever PJBIT_PRESET_PATH holds where the test runs.
const std::vector<Preset>& shipped() {
  static const std::vector<Preset> presets = load_presets({{shipped_preset_folder(), ""}});
  return presets;
}

const Preset& get(const std::string& kind, const std::string& name) {
  for (const auto& p : shipped())
    if (p.kind == kind && p.name == name) return p;
  throw std::runtime_error("no " + kind + " preset " + name);
}

// What one bit costs on a link at line rate in both directions, computed here from the spec's fields:
// per-bit energy + static W (stack power x count, static_power, external lasers) / bits of both directions.
double full_rate_pj(const LinkSpec& l) {
  double dynamic_pj = 0.0, static_w = l.static_power_w;
  for (const auto& e : l.stack) {
    dynamic_pj += e.energy_pj_per_bit * e.count;
    static_w += e.power_w * e.count;
  }
  if (l.optics.lasers > 0)
    static_w += l.optics.lasers * l.optics.laser_optical_power_w / l.optics.laser_wall_plug_efficiency;
  return dynamic_pj + static_w / (2.0 * 8.0 * l.bandwidth_Bps) * 1e12;
}

TEST(Presets, AtLeastThirty) {
  EXPECT_GE(shipped().size(), 30u);
}

TEST(Presets, EveryPresetIsSourcedWithAnAllowedConfidence) {
  const std::regex kebab("^[a-z0-9]+(-[a-z0-9]+)*$");
  for (const auto& p : shipped()) {
    SCOPED_TRACE(p.kind + " " + p.name);
    EXPECT_TRUE(std::regex_match(p.name, kebab)) << "not kebab-case";
    EXPECT_EQ(kKinds.count(p.kind), 1u);
    EXPECT_FALSE(p.summary.empty());
    EXPECT_FALSE(p.source.empty());
    EXPECT_EQ(kConfidences.count(p.confidence), 1u) << p.confidence;
    // A preset sourced from the reference says so.
    EXPECT_NE(p.source.find("tech-figures.md"), std::string::npos);
    // An estimate says it is one.
    if (p.confidence == "estimate") {
      EXPECT_NE(p.source.find("ESTIMATE"), std::string::npos);
    }
  }
}

TEST(Presets, NamesAreUniquePerKindAndMatchTheSpec) {
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& p : shipped()) {
    EXPECT_TRUE(seen.insert({p.kind, p.name}).second) << "duplicate " << p.kind << " " << p.name;
    if (p.kind == "link") {
      EXPECT_EQ(p.link.preset, p.name);
    }
    if (p.kind == "switch") {
      EXPECT_EQ(p.sw.preset, p.name);
    }
    if (p.kind == "accelerator") {
      EXPECT_EQ(p.accelerator.preset, p.name);
    }
    if (p.kind == "ocs") {
      EXPECT_EQ(p.ocs.preset, p.name);
    }
    if (p.kind == "nic") {
      EXPECT_EQ(p.nic.preset, p.name);
    }
    if (p.kind == "memory") {
      EXPECT_EQ(p.memory.preset, p.name);
    }
  }
}

TEST(Presets, TheNamesThePlatformsUseAreThere) {
  EXPECT_NE(find_preset("link", "nvlink4-x18"), nullptr);
  EXPECT_NE(find_preset("link", "osfp-800g-dsp"), nullptr);
  EXPECT_NE(find_preset("link", "ucie-advanced"), nullptr);
  EXPECT_NE(find_preset("switch", "nvswitch-gen3"), nullptr);
  EXPECT_NE(find_preset("switch", "eth-51t"), nullptr);
  EXPECT_NE(find_preset("accelerator", "generic-npu"), nullptr);
  EXPECT_NE(find_preset("accelerator", "h100-sxm5"), nullptr);
}

TEST(Presets, EveryKindIsCovered) {
  std::map<std::string, int> count;
  for (const auto& p : shipped())
    ++count[p.kind];
  EXPECT_GE(count["link"], 15);
  EXPECT_GE(count["switch"], 6);
  EXPECT_GE(count["ocs"], 3);
  EXPECT_GE(count["nic"], 2);
  EXPECT_GE(count["memory"], 4);
  EXPECT_GE(count["accelerator"], 5);
}

TEST(Presets, LinksAreWellFormed) {
  for (const auto& p : shipped()) {
    if (p.kind != "link") continue;
    SCOPED_TRACE(p.name);
    const LinkSpec& l = p.link;
    EXPECT_GT(l.bandwidth_Bps, 0.0);
    EXPECT_GE(l.latency_s, 0.0);
    EXPECT_GE(l.total_latency_s(), l.latency_s);
    EXPECT_GE(l.overhead, 0.0);
    EXPECT_LT(l.overhead, 1.0);
    EXPECT_EQ(kRegimes.count(l.regime), 1u) << l.regime;
    ASSERT_FALSE(l.stack.empty());
    for (const auto& e : l.stack) {
      EXPECT_EQ(kLinkCategories.count(e.category), 1u) << e.category;
      EXPECT_GE(e.energy_pj_per_bit, 0.0);
      EXPECT_GE(e.power_w, 0.0);
      EXPECT_GT(e.energy_pj_per_bit + e.power_w, 0.0) << "an element that costs nothing";
      EXPECT_GE(e.count, 1);
      EXPECT_GE(e.latency_s, 0.0);
    }
    EXPECT_GE(l.static_power_w, 0.0);
    EXPECT_NEAR(link_full_rate_pj_per_bit(l), full_rate_pj(l), 1e-9);
  }
}

TEST(Presets, OpticalLinksHaveOpticsWithABudget) {
  const std::set<std::string> optical = {"osfp-800g-dsp", "osfp-1p6t-dsp",      "lpo-800g",    "npo-1p6t",
                                         "cpo-1p6t",      "cpo-bailly-800g",    "ib-hdr-200g", "ib-ndr-400g",
                                         "ib-xdr-800g",   "optical-io-teraphy", "roce-400g",   "roce-800g"};
  const std::set<std::string> external_laser = {"cpo-1p6t", "cpo-bailly-800g", "optical-io-teraphy"};
  for (const auto& p : shipped()) {
    if (p.kind != "link") continue;
    SCOPED_TRACE(p.name);
    const OpticsSpec& o = p.link.optics;
    // An optical front end in the stack and optics go together.
    const bool has_laser = std::any_of(p.link.stack.begin(), p.link.stack.end(),
                                       [](const StackElement& e) { return e.category == "laser"; });
    EXPECT_EQ(has_laser, o.present);
    EXPECT_EQ(optical.count(p.name) == 1, o.present);
    if (!o.present) continue;
    EXPECT_GT(o.budget(), 0.0);
    EXPECT_GE(o.connectors, 0);
    EXPECT_GE(o.connector_loss_db, 0.0);
    EXPECT_LT(o.connectors * o.connector_loss_db, o.budget())
        << "the path's own connectors exceed the budget";
    // An optics preset gives its launch power and sensitivity, from which its budget follows, or a budget
    // its source marks as an estimate.
    if (o.budget_db > 0.0) {
      EXPECT_NE(p.source.find("budget is an ESTIMATE"), std::string::npos);
    } else {
      ASSERT_TRUE(o.launch().has_value());
      ASSERT_TRUE(o.sensitivity_dbm.has_value());
      EXPECT_DOUBLE_EQ(o.budget(), *o.launch() - *o.sensitivity_dbm);
    }
    if (external_laser.count(p.name) == 1) {
      EXPECT_GT(o.lasers, 0);
      EXPECT_GT(o.laser_optical_power_w, 0.0);
      EXPECT_GT(o.laser_wall_plug_efficiency, 0.0);
      EXPECT_LE(o.laser_wall_plug_efficiency, 1.0);
      // ELSFP wall-plug efficiency is n/f in the reference: the source must say it is an estimate.
      EXPECT_NE(p.source.find("wall-plug efficiency 0.10 is an ESTIMATE"), std::string::npos);
    } else {
      EXPECT_EQ(o.lasers, 0);
    }
  }
}

TEST(Presets, OtherKindsAreWellFormed) {
  for (const auto& p : shipped()) {
    SCOPED_TRACE(p.kind + " " + p.name);
    if (p.kind == "switch") {
      EXPECT_GE(p.sw.radix, 2);
      EXPECT_GT(p.sw.port_bandwidth_Bps, 0.0);
      EXPECT_GT(p.sw.latency_s, 0.0);
      EXPECT_GE(p.sw.energy_pj_per_bit, 0.0);
      EXPECT_GE(p.sw.static_power_w, 0.0);
    } else if (p.kind == "ocs") {
      EXPECT_GT(p.ocs.ports, 0);
      EXPECT_GT(p.ocs.reconfiguration_s, 0.0);
      EXPECT_GE(p.ocs.insertion_loss_db, 0.0);
      EXPECT_GE(p.ocs.power_w, 0.0);
    } else if (p.kind == "nic") {
      EXPECT_GE(p.nic.latency_s, 0.0);
      EXPECT_GE(p.nic.energy_pj_per_bit, 0.0);
      EXPECT_GE(p.nic.static_power_w, 0.0);
    } else if (p.kind == "memory") {
      EXPECT_GT(p.memory.bandwidth_Bps, 0.0);
      EXPECT_GT(p.memory.latency_s, 0.0);
      EXPECT_GE(p.memory.energy_pj_per_bit, 0.0);
      EXPECT_GT(p.memory.capacity_bytes, 0u);
    } else if (p.kind == "accelerator") {
      EXPECT_GT(p.accelerator.compute_flops, 0.0);
      EXPECT_GT(p.accelerator.hbm.bandwidth_Bps, 0.0);
      EXPECT_GT(p.accelerator.hbm.capacity_bytes, 0u);
      EXPECT_GE(p.accelerator.idle_power_w, 0.0);
    }
  }
  EXPECT_TRUE(get("switch", "nvswitch-gen3").sw.in_network_reduction);  // SHARP
  EXPECT_FALSE(get("switch", "eth-51t").sw.in_network_reduction);
  EXPECT_DOUBLE_EQ(get("accelerator", "tpu-v4").accelerator.idle_power_w, 90.0);  // measured minimum
}

// Sourced figures (tech-figures.md §3): NVIDIA's co-packaged optics draw ~9 W per port against ~30 W for a
// pluggable port, with a 1.6 Tb/s port; a DSP module at each end of an 800G link draws 16 W.
TEST(Presets, CoPackagedOpticsSaveWhatTheSourcesSay) {
  const double cpo_port_w = 9.0, pluggable_port_w = 30.0, port_bps = 1.6e12;
  const double expected_ratio = cpo_port_w / pluggable_port_w;  // 0.3

  const LinkSpec& cpo = get("link", "cpo-1p6t").link;
  const LinkSpec& pluggable = get("link", "osfp-1p6t-dsp").link;
  ASSERT_DOUBLE_EQ(cpo.bandwidth_Bps * 8.0, port_bps);
  ASSERT_DOUBLE_EQ(pluggable.bandwidth_Bps * 8.0, port_bps);
  // The CPO port is exactly the sourced 9 W per 1.6 Tb/s at full rate (5.625 pJ/bit) ...
  EXPECT_NEAR(full_rate_pj(cpo), cpo_port_w / port_bps * 1e12, 1e-9);
  // ... and lower than the DSP pluggable's by the sourced ratio. The pluggable preset's port is its 25 W
  // module (§3 "1.6T pluggable", L) plus 5.5 pJ/bit of host SerDes x 1.6 Tb/s = 33.8 W against NVIDIA's "~30
  // W", so the "~" figures agree within 15%.
  const double ratio = full_rate_pj(cpo) / full_rate_pj(pluggable);
  EXPECT_LT(ratio, 1.0);
  EXPECT_NEAR(ratio, expected_ratio, 0.15 * expected_ratio)
      << "cpo " << full_rate_pj(cpo) << " pJ/bit, pluggable " << full_rate_pj(pluggable) << " pJ/bit";

  // Per module: the 800G DSP pluggable's static part is 16 W / 800 Gb/s = 20 pJ/bit (§3 "Same, per bit").
  const LinkSpec& dsp800 = get("link", "osfp-800g-dsp").link;
  EXPECT_NEAR(dsp800.total_static_power_w() / (2.0 * 8.0 * dsp800.bandwidth_Bps) * 1e12, 16.0 / 800e9 * 1e12,
              1e-9);
  // And every co-packaged or linear option is cheaper per bit than the DSP pluggable of its rate.
  EXPECT_LT(full_rate_pj(get("link", "lpo-800g").link), full_rate_pj(dsp800));
  EXPECT_LT(full_rate_pj(get("link", "cpo-bailly-800g").link), full_rate_pj(dsp800));
  EXPECT_LT(full_rate_pj(get("link", "npo-1p6t").link), full_rate_pj(pluggable));
  EXPECT_LT(full_rate_pj(cpo), full_rate_pj(get("link", "npo-1p6t").link));
}

TEST(Presets, RetimerAndSwitchFiguresFollowTheirSources) {
  // Aries 6: 11 W / (16 lanes x 64 Gb/s x 2 directions) = 5.4 pJ/bit (§2 "Same, per bit").
  const LinkSpec& pcie = get("link", "pcie6-x16-retimed").link;
  EXPECT_NEAR(pcie.total_static_power_w() / (2.0 * 8.0 * pcie.bandwidth_Bps) * 1e12, 11.0 / 2.048e12 * 1e12,
              1e-9);
  // Tomahawk 5: 475 W over 51.2 Tb/s, less 5.5 pJ/bit of SerDes that the links carry.
  const SwitchSpec& th5 = get("switch", "eth-51t").sw;
  EXPECT_NEAR(switch_full_rate_pj_per_bit(th5) + 5.5, 475.0 / 51.2e12 * 1e12, 1e-9);
  // NVSwitch gen 3: ~120 W over 64 x 25 GB/s switched, less the SerDes.
  const SwitchSpec& nvs = get("switch", "nvswitch-gen3").sw;
  EXPECT_NEAR(switch_full_rate_pj_per_bit(nvs) + 5.5, 120.0 / 12.8e12 * 1e12, 1e-9);
}

TEST(PresetTable, JsonHasEveryPresetInBaseUnits) {
  const auto j = nlohmann::ordered_json::parse(presets_json(shipped()));
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), shipped().size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    const auto& e = j[i];
    const Preset& p = shipped()[i];
    SCOPED_TRACE(p.name);
    EXPECT_EQ(e["name"], p.name);
    EXPECT_EQ(e["kind"], p.kind);
    EXPECT_EQ(e["summary"], p.summary);
    EXPECT_EQ(e["source"], p.source);
    EXPECT_EQ(e["confidence"], p.confidence);
    EXPECT_EQ(e["file"], p.file);
    EXPECT_EQ(e.contains("derivation"), !p.derivation.empty());
    if (p.kind == "link") {
      EXPECT_DOUBLE_EQ(e["bandwidth_Bps"].get<double>(), p.link.bandwidth_Bps);
      EXPECT_DOUBLE_EQ(e["latency_s"].get<double>(), p.link.latency_s);
      ASSERT_EQ(e["stack"].size(), p.link.stack.size());
      for (const auto& s : e["stack"]) {
        for (const char* key : {"category", "energy_pj_per_bit", "power_w", "count", "latency_s"}) {
          EXPECT_TRUE(s.contains(key)) << key;
        }
      }
      EXPECT_EQ(e.contains("optics"), p.link.optics.present);
      if (p.link.optics.present) {
        EXPECT_DOUBLE_EQ(e["optics"]["budget_db"].get<double>(), p.link.optics.budget());
      }
    } else if (p.kind == "switch") {
      EXPECT_EQ(e["radix"].get<int>(), p.sw.radix);
      EXPECT_DOUBLE_EQ(e["static_power_w"].get<double>(), p.sw.static_power_w);
      EXPECT_DOUBLE_EQ(e["port_bandwidth_Bps"].get<double>(), p.sw.port_bandwidth_Bps);
    } else if (p.kind == "ocs") {
      EXPECT_EQ(e["ports"].get<int>(), p.ocs.ports);
      EXPECT_DOUBLE_EQ(e["reconfiguration_s"].get<double>(), p.ocs.reconfiguration_s);
      EXPECT_DOUBLE_EQ(e["insertion_loss_db"].get<double>(), p.ocs.insertion_loss_db);
    } else if (p.kind == "accelerator") {
      EXPECT_DOUBLE_EQ(e["compute_flops"].get<double>(), p.accelerator.compute_flops);
      EXPECT_EQ(e["hbm"]["capacity_bytes"].get<std::uint64_t>(), p.accelerator.hbm.capacity_bytes);
    } else if (p.kind == "memory") {
      EXPECT_DOUBLE_EQ(e["latency_s"].get<double>(), p.memory.latency_s);
    }
  }
}

TEST(PresetTable, TextNamesEveryPreset) {
  const std::string text = presets_text(shipped());
  for (const auto& p : shipped())
    EXPECT_NE(text.find(p.name + ": "), std::string::npos) << p.name;
}

// docs/presets.md never drifts from the shipped presets. If this fails after a change to the presets,
// regenerate it:
//   build/pjbit presets --markdown > docs/presets.md
TEST(PresetTable, DocsPresetsMdIsGenerated) {
  const std::string path = pjbit::testing::source_dir() + "/docs/presets.md";
  ASSERT_TRUE(pjbit::testing::file_exists(path)) << path
                                                 << " is missing; run: build/pjbit presets --markdown > "
                                                    "docs/presets.md";
  // The shipped presets only, whatever PJBIT_PRESET_PATH holds where the test runs.
  const std::vector<Preset> shipped = load_presets({{shipped_preset_folder(), ""}});
  const std::string md = presets_markdown(shipped);
  EXPECT_TRUE(pjbit::testing::read_file(path) == md)
      << "docs/presets.md differs from `pjbit presets --markdown`; regenerate it with: build/pjbit presets "
         "--markdown > docs/presets.md";
  EXPECT_EQ(md.rfind("# Technology presets\n", 0), 0u);
  EXPECT_NE(md.find("generated by `pjbit presets --markdown`"), std::string::npos);
  for (const auto& p : shipped) {
    EXPECT_NE(md.find("| `" + p.name + "` |"), std::string::npos) << p.name;
    if (!p.derivation.empty()) {
      EXPECT_NE(md.find("- `" + p.name + "`: " + p.derivation + "\n"), std::string::npos) << p.name;
    }
  }
}

// ---- the files

namespace fs = std::filesystem;
using pjbit::testing::TempDir;

// A valid link preset of one's own; the line numbers below refer to it.
const char* kUserLink = R"(name: test-link
kind: link
summary: "a link for a test"
confidence: estimate
parameters:
  bandwidth: 50 GB/s
  latency: 100 ns
  energy: 3 pJ/bit
source: made up for a test
)";

// `text` with the line that starts with `prefix` replaced by `line` (removed when `line` is empty).
std::string with_line(const std::string& text, const std::string& prefix, const std::string& line) {
  std::string out;
  std::size_t begin = 0;
  while (begin < text.size()) {
    const std::size_t end = text.find('\n', begin) + 1;
    const std::string l = text.substr(begin, end - begin);
    if (l.rfind(prefix, 0) == 0) {
      if (!line.empty()) out += line + "\n";
    } else {
      out += l;
    }
    begin = end;
  }
  return out;
}

std::string two_digits(std::size_t n) {
  return (n < 10 ? "0" : "") + std::to_string(n);
}

TEST(PresetFiles, TheShippedFolderOfABuildIsTheSourceTrees) {
  EXPECT_EQ(fs::canonical(shipped_preset_folder()),
            fs::canonical(pjbit::testing::source_dir() + "/platforms/tech"));
}

// Every shipped file loads on its own, lives in the folder of its kind and is named NN-<name>.yaml with NN
// counting from 01 in each kind; loaded together they come in kind order, then file order.
TEST(PresetFiles, EveryShippedFileLoadsAndIsNamedByItsKindOrderAndName) {
  const std::string folder = shipped_preset_folder();
  std::map<std::string, std::vector<std::string>> files;  // kind folder -> file names
  for (const auto& entry : fs::recursive_directory_iterator(folder))
    if (entry.path().extension() == ".yaml")
      files[entry.path().parent_path().filename().string()].push_back(entry.path().filename().string());
  std::vector<std::string> expected_order;
  std::size_t count = 0;
  for (std::string_view kind : preset_kinds()) {
    auto& names = files[std::string(kind)];
    std::sort(names.begin(), names.end());
    for (std::size_t i = 0; i < names.size(); ++i) {
      const std::string path = folder + "/" + std::string(kind) + "/" + names[i];
      SCOPED_TRACE(path);
      const Preset p = parse_preset(pjbit::testing::read_file(path), path);
      EXPECT_EQ(p.kind, kind);
      EXPECT_EQ(names[i], two_digits(i + 1) + "-" + p.name + ".yaml");
      EXPECT_EQ(p.file, path);
      expected_order.push_back(p.name);
      ++count;
    }
  }
  EXPECT_EQ(files.size(), preset_kinds().size()) << "a folder that is no kind";
  const std::vector<Preset> all = load_presets({{folder, ""}});
  ASSERT_EQ(all.size(), count);
  for (std::size_t i = 0; i < all.size(); ++i)
    EXPECT_EQ(all[i].name, expected_order[i]);
}

TEST(PresetFiles, OnesOwnFoldersComeAfterTheShippedOnesInKindThenFolderThenPathOrder) {
  TempDir a, b;
  fs::create_directories(a.path() + "/sub");
  fs::create_directories(a.path() + "/.hidden");
  a.write("z.yaml", with_line(kUserLink, "name:", "name: a-z"));
  a.write("sub/m.yaml", with_line(kUserLink, "name:", "name: a-sub-m"));
  a.write(".hidden/x.yaml", "not read: [");
  a.write(".swap.yaml", "not read: [");
  a.write("notes.txt", "not a preset");
  b.write("b.yaml", R"(name: b-switch
kind: switch
summary: "a switch for a test"
confidence: low
parameters: { radix: 8, latency: 100 ns, energy: 1 pJ/bit }
source: made up
)");
  b.write("a.yaml", with_line(kUserLink, "name:", "name: b-a"));
  const std::string shipped = shipped_preset_folder();
  const std::vector<Preset> all = load_presets(
      {{shipped, ""}, {a.path(), "--presets"}, {b.path(), "--presets"}, {a.path(), "--presets"}});
  const std::vector<Preset> only_shipped = load_presets({{shipped, ""}});
  ASSERT_EQ(all.size(), only_shipped.size() + 4);  // a folder named twice is read once
  // Kind first: the shipped links, then a's (by path: "sub/m.yaml" before "z.yaml"), then b's; then the
  // shipped switches and b's.
  std::vector<std::string> names;
  for (const auto& p : all)
    names.push_back(p.kind + " " + p.name);
  const auto at = [&](const std::string& name) {
    return std::find(names.begin(), names.end(), name) - names.begin();
  };
  EXPECT_EQ(at("link a-sub-m"), at("link roce-800g") + 1);  // the last shipped link
  EXPECT_EQ(at("link a-z"), at("link a-sub-m") + 1);
  EXPECT_EQ(at("link b-a"), at("link a-z") + 1);
  EXPECT_EQ(at("switch nvswitch-gen3"), at("link b-a") + 1);
  EXPECT_EQ(at("switch b-switch"), at("switch quantum-x-photonics") + 1);
  EXPECT_EQ(at("ocs ocs-palomar"), at("switch b-switch") + 1);
  const Preset& mine = *std::find_if(all.begin(), all.end(), [](const Preset& p) { return p.name == "a-z"; });
  EXPECT_EQ(mine.file, a.path() + "/z.yaml");
  EXPECT_EQ(mine.link.preset, "a-z");
  EXPECT_DOUBLE_EQ(mine.link.bandwidth_Bps, 50e9);
  EXPECT_DOUBLE_EQ(mine.link.latency_s, 100e-9);
  ASSERT_EQ(mine.link.stack.size(), 1u);
  EXPECT_DOUBLE_EQ(mine.link.stack[0].energy_pj_per_bit, 3.0);
  EXPECT_TRUE(mine.derivation.empty());
}

TEST(PresetFiles, TheSearchPathIsTheShippedFolderThenPjbitPresetPath) {
  ASSERT_EQ(setenv("PJBIT_PRESET_PATH", "first::second:", 1), 0);
  const std::vector<PresetFolder> folders = preset_folders();
  ASSERT_EQ(folders.size(), 3u);
  EXPECT_EQ(folders[0].path, shipped_preset_folder());
  EXPECT_EQ(folders[0].origin, "");
  EXPECT_EQ(folders[1].path, "first");
  EXPECT_EQ(folders[1].origin, "PJBIT_PRESET_PATH");
  EXPECT_EQ(folders[2].path, "second");
  // A folder that cannot be read is named with what named it.
  try {
    load_presets({{"/nonexistent-preset-folder", "--presets"}});
    FAIL() << "no error";
  } catch (const core::InputError& e) {
    EXPECT_EQ(e.key(), "--presets");
    EXPECT_NE(e.message().find("\"/nonexistent-preset-folder\""), std::string::npos) << e.what();
  }
}

// all_presets() reads the shipped folder, the program's --presets folders and PJBIT_PRESET_PATH's, once. (It
// caches for the process, and every test runs in a process of its own under ctest.)
TEST(PresetFiles, AllPresetsReadsEveryFolderOfTheSearchPathOnce) {
  TempDir mine, theirs;
  mine.write("a.yaml", with_line(kUserLink, "name:", "name: from-presets"));
  theirs.write("a.yaml", with_line(kUserLink, "name:", "name: from-environment"));
  ASSERT_EQ(setenv("PJBIT_PRESET_PATH", theirs.path().c_str(), 1), 0);
  try {
    set_user_preset_folders({mine.path()});
  } catch (const std::logic_error&) {
    GTEST_SKIP() << "an earlier test of this process has read the presets; ctest runs each test alone";
  }
  const std::vector<Preset>& all = all_presets();
  EXPECT_EQ(all.size(), shipped().size() + 2);
  ASSERT_NE(find_preset("link", "from-presets"), nullptr);
  ASSERT_NE(find_preset("link", "from-environment"), nullptr);
  EXPECT_EQ(find_preset("link", "from-presets") + 1, find_preset("link", "from-environment"));
  EXPECT_EQ(find_preset("switch", "from-presets"), nullptr);
  EXPECT_EQ(&all_presets(), &all);
  EXPECT_THROW(set_user_preset_folders({}), std::logic_error);
}

// A malformed preset file: the error names the file, line, column and key.
struct BadPreset {
  std::string name;
  std::string text;
  std::string key;
  int line;
  int column;
  std::string message;  // a part of the message
};

void PrintTo(const BadPreset& b, std::ostream* os) {
  *os << b.name;
}

class MalformedPreset : public ::testing::TestWithParam<BadPreset> {};

TEST_P(MalformedPreset, IsOneInputErrorNamingFileLineColumnAndKey) {
  const BadPreset& b = GetParam();
  TempDir dir;
  dir.write("a-fine.yaml", with_line(kUserLink, "name:", "name: fine"));  // read before bad.yaml
  const std::string file = dir.write("bad.yaml", b.text);
  try {
    load_presets({{shipped_preset_folder(), ""}, {dir.path(), "--presets"}});
    FAIL() << "no error";
  } catch (const core::InputError& e) {
    EXPECT_EQ(e.loc().file, file) << e.what();
    EXPECT_EQ(e.loc().line, b.line) << e.what();
    EXPECT_EQ(e.loc().column, b.column) << e.what();
    EXPECT_EQ(e.key(), b.key) << e.what();
    EXPECT_NE(e.message().find(b.message), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    PresetFiles, MalformedPreset,
    ::testing::Values(
        BadPreset{"NotYaml", "name: x\nkind: [link\n", "", 3, 1, "end of sequence"},
        BadPreset{"AList", "- name: test-link\n  kind: link\n", "", 1, 1,
                  "expected a mapping at the top level"},
        BadPreset{"UnknownKey", std::string(kUserLink) + "colour: blue\n", "colour", 10, 1,
                  "unknown key \"colour\"; expected one of: name, kind"},
        BadPreset{"UnknownParameter", with_line(kUserLink, "  energy:", "  energy: 3 pJ/bit\n  colour: blue"),
                  "parameters.colour", 9, 3, "unknown key \"colour\"; expected one of: bandwidth"},
        BadPreset{"APresetInAPreset",
                  with_line(kUserLink, "  energy:", "  energy: 3 pJ/bit\n  preset: lpo-800g"),
                  "parameters.preset", 9, 3, "unknown key \"preset\""},
        BadPreset{"WrongUnit", with_line(kUserLink, "  bandwidth:", "  bandwidth: 50 GW"),
                  "parameters.bandwidth", 6, 14, "expected a data rate such as \"100 GB/s\", got \"50 GW\""},
        BadPreset{"BareNumber", with_line(kUserLink, "  latency:", "  latency: 100"), "parameters.latency", 7,
                  12, "a unit is required"},
        BadPreset{"MissingSource", with_line(kUserLink, "source:", ""), "source", 1, 1,
                  "missing; expected where the preset's figures come from"},
        BadPreset{"EmptySource", with_line(kUserLink, "source:", "source: \" \""), "source", 9, 9,
                  "expected where the preset's figures come from"},
        BadPreset{"MissingBandwidth", with_line(kUserLink, "  bandwidth:", ""), "parameters.bandwidth", 6, 3,
                  "missing; expected a data rate"},
        BadPreset{"MissingParameters", "name: test-link\nkind: nic\nsummary: s\nconfidence: low\nsource: s\n",
                  "parameters", 1, 1,
                  "missing; expected the preset's parameters: the keys a platform file gives a nic"},
        BadPreset{"UnknownKind", with_line(kUserLink, "kind:", "kind: cable"), "kind", 2, 7,
                  "expected one of link, switch, ocs, nic, memory, comm_library, accelerator, got \"cable\""},
        BadPreset{"UnknownConfidence", with_line(kUserLink, "confidence:", "confidence: sure"), "confidence",
                  4, 13, "expected one of high, medium, low, derived, estimate"},
        BadPreset{"NameWithASpace", with_line(kUserLink, "name:", "name: my link"), "name", 1, 7,
                  "expected a preset name of letters, digits"},
        BadPreset{"SummaryOnTwoLines", with_line(kUserLink, "summary:", "summary: |\n  one\n  two"),
                  "summary", 3, 10, "one paragraph without line breaks"},
        BadPreset{"DuplicateKey", std::string(kUserLink) + "name: again\n", "name", 10, 1,
                  "duplicate key \"name\""},
        BadPreset{"DuplicateName", with_line(kUserLink, "name:", "name: fine"), "name", 1, 7,
                  "link preset \"fine\" is already defined at "},
        BadPreset{"ShippedName", with_line(kUserLink, "name:", "name: osfp-800g-dsp"), "name", 1, 7,
                  "link preset \"osfp-800g-dsp\" is already defined at "},
        BadPreset{
            "ComputeBelowIdle",
            "name: t\nkind: accelerator\nsummary: s\nconfidence: low\nsource: s\nparameters:\n  idle_power: "
            "100 W\n  compute_power: 50 W\n",
            "parameters.compute_power", 8, 18, "to be at least idle_power"},
        BadPreset{"Empty", "", "", 0, 0, "file is empty"}),
    [](const ::testing::TestParamInfo<BadPreset>& param) { return param.param.name; });

// The MI300X node's presets (accelerator, xGMI link, RCCL) are read as any preset is: a bad value in one of
// them is one input error naming the file, line and key.
TEST(PresetFiles, TheMi300xPresetsRefuseBadValuesLikeAnyOther) {
  struct Case {
    const char* file;
    const char* from;
    const char* to;
    const char* key;
    int line;
    const char* message;
  };
  const Case cases[] = {
      {"comm_library/04-rccl-mi300x.yaml", "ll_max_rate: 26.88 GB/s", "ll_max_rate: 0 GB/s",
       "parameters.ll_max_rate", 12, "above zero"},
      {"comm_library/04-rccl-mi300x.yaml", "launch: 12 us", "launch: 12", "parameters.ring.ll.launch", 7,
       "a unit is required"},
      {"comm_library/04-rccl-mi300x.yaml", "ll: { launch: 12 us", "ll128: { launch: 12 GB/s",
       "parameters.ring.ll128.launch", 7, "expected a time"},
      {"link/20-xgmi-mi300x.yaml", "overhead: 0.25", "overhead: 1.25", "parameters.overhead", 8, "1"},
      {"accelerator/08-mi300x-oam.yaml", "compute_power: 750 W", "compute_power: 100 W",
       "parameters.compute_power", 10, "to be at least idle_power"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.file) + ": " + c.to);
    const std::string path = shipped_preset_folder() + "/" + c.file;
    std::string text = pjbit::testing::read_file(path);
    EXPECT_NO_THROW(parse_preset(text, path));
    const std::size_t at = text.find(c.from);
    ASSERT_NE(at, std::string::npos);
    text.replace(at, std::string(c.from).size(), c.to);
    try {
      parse_preset(text, path);
      ADD_FAILURE() << "no error";
    } catch (const core::InputError& e) {
      EXPECT_EQ(e.loc().file, path) << e.what();
      EXPECT_EQ(e.loc().line, c.line) << e.what();
      EXPECT_EQ(e.key(), c.key) << e.what();
      EXPECT_NE(e.message().find(c.message), std::string::npos) << e.what();
    }
  }
}

// The duplicate's error names both files: where it is and where the first one is.
TEST(PresetFiles, ADuplicateNamesBothFiles) {
  TempDir dir;
  const std::string file = dir.write("mine.yaml", with_line(kUserLink, "name:", "name: osfp-800g-dsp"));
  try {
    load_presets({{shipped_preset_folder(), ""}, {dir.path(), "PJBIT_PRESET_PATH"}});
    FAIL() << "no error";
  } catch (const core::InputError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind(file + ":1:7: name: ", 0), 0u) << what;
    EXPECT_NE(what.find("/link/07-osfp-800g-dsp.yaml:1:7"), std::string::npos) << what;
  }
}

// The example in docs/presets.md is a preset file that loads.
TEST(PresetFiles, TheDocumentedExampleLoads) {
  const std::string md = presets_markdown(load_presets({{shipped_preset_folder(), ""}}));
  const std::size_t begin = md.find("```yaml\n");
  ASSERT_NE(begin, std::string::npos);
  const std::size_t end = md.find("```\n", begin + 8);
  ASSERT_NE(end, std::string::npos);
  const Preset p = parse_preset(md.substr(begin + 8, end - begin - 8), "example.yaml");
  EXPECT_EQ(p.kind, "link");
  EXPECT_EQ(p.link.preset, p.name);
  EXPECT_FALSE(p.derivation.empty());
  EXPECT_GT(p.link.total_static_power_w(), 0.0);
}

}  // namespace test_presets
}  // namespace
}  // namespace pjbit::platforms::tech
