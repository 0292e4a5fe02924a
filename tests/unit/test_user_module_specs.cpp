// Placing modules of registered kinds from a platform file (platforms/user_modules.h), without a kernel: the
// registry, the keys that place them, the messages for kinds and parameters that do not exist, and the engine
// a platform that places some takes.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "core/errors.h"
#include "engine/simulation.h"
#include "platforms/loader.h"
#include "platforms/user_modules.h"

namespace {
namespace test_user_module_specs {

using pjbit::platforms::ModuleArgs;
using pjbit::platforms::ModuleRegistry;
using pjbit::platforms::ModuleRole;

std::string platform(const std::string& link_extra, const std::string& switch_extra,
                     const std::string& more = "", int ranks = 4) {
  return "name: p\ntopology:\n  kind: switch\n  ranks: " + std::to_string(ranks) +
         "\n  link: { bandwidth: 100 GB/s, latency: 200 ns, energy: 5 pJ/bit" + link_extra +
         " }\n  switch: { latency: 300 ns, radix: 128" + switch_extra + " }\n" + more;
}

std::string error_of(const std::string& text) {
  try {
    pjbit::platforms::parse_platform(text, "p.yaml");
  } catch (const pjbit::core::InputError& e) {
    return e.what();
  }
  return "(no error)";
}

void register_kinds() {
  auto& r = ModuleRegistry::instance();
  r.add_link_block(
      "crc", [](const ModuleArgs&) { return nullptr; }, {"latency", "retry_every"}, "a CRC block");
  r.add_device("expander", [](const ModuleArgs&) { return nullptr; }, {"latency"});
  r.add_arbiter("fair", [](const ModuleArgs&) { return nullptr; }, {});
}

TEST(UserModuleSpecs, TheRegistryKnowsItsOwnKindsAndRefusesBadNames) {
  auto& r = ModuleRegistry::instance();
  EXPECT_TRUE(r.has(ModuleRole::Arbiter, "tlm"));
  EXPECT_TRUE(r.has(ModuleRole::Node, "pjbit"));
  EXPECT_THROW(r.add_arbiter("tlm", [](const ModuleArgs&) { return nullptr; }), std::invalid_argument);
  EXPECT_THROW(r.add_device("has space", [](const ModuleArgs&) { return nullptr; }), std::invalid_argument);
  EXPECT_THROW(r.add_device("", [](const ModuleArgs&) { return nullptr; }), std::invalid_argument);
  EXPECT_THROW(r.add_device("x", [](const ModuleArgs&) { return nullptr; }, {"kind"}), std::invalid_argument);
  register_kinds();
  EXPECT_EQ(r.kinds(ModuleRole::LinkBlock), (std::vector<std::string>{"crc"}));
  EXPECT_EQ(r.keys(ModuleRole::LinkBlock, "crc"), (std::vector<std::string>{"latency", "retry_every"}));
  EXPECT_EQ(r.description(ModuleRole::LinkBlock, "crc"), "a CRC block");
}

TEST(UserModuleSpecs, PlacementsAreReadWithTheirParameters) {
  register_kinds();
  const auto spec = pjbit::platforms::parse_platform(
      platform(", inline: [crc, { kind: crc, latency: 2 ns, retry_every: 100 }]", ", arbiter: fair",
               "memory_pools:\n  - { name: m, attach: topology, bandwidth: 64 GB/s, capacity: 1 TiB, device: "
               "{ kind: "
               "expander, latency: 250 ns }, quantum: 2 us }\n"),
      "p.yaml");
  const auto& link = spec.tiers[0].link;
  ASSERT_EQ(link.blocks.size(), 2u);
  EXPECT_EQ(link.blocks[0].kind, "crc");
  EXPECT_TRUE(link.blocks[0].params.empty());
  EXPECT_EQ(link.blocks[1].path, "topology.link.inline.1");
  ASSERT_EQ(link.blocks[1].params.size(), 2u);
  EXPECT_EQ(link.blocks[1].params[0].key, "latency");
  EXPECT_EQ(link.blocks[1].params[0].value, "2 ns");
  EXPECT_EQ(link.blocks[1].params[0].loc.str(), "p.yaml:5:103");
  EXPECT_EQ(spec.tiers[0].sw.arbiter.kind, "fair");
  EXPECT_EQ(spec.memory_pools[0].device.kind, "expander");
  EXPECT_DOUBLE_EQ(spec.memory_pools[0].quantum_s, 2e-6);
  const auto placed = pjbit::platforms::placed_modules(spec);
  ASSERT_EQ(placed.size(), 4u);
  EXPECT_EQ(placed[2]->path, "topology.switch.arbiter");
  EXPECT_EQ(placed[3]->path, "memory_pools.0.device");
  // A factory reads them by kind of value, with the messages of every other key.
  ModuleArgs args("b", link.blocks[1], spec);
  EXPECT_DOUBLE_EQ(*args.quantity("latency", pjbit::core::Dim::Time), 2e-9);
  EXPECT_EQ(*args.integer("retry_every", 1, 1000), 100);
  EXPECT_FALSE(args.has("energy"));
  try {
    args.quantity("retry_every", pjbit::core::Dim::Time);
    ADD_FAILURE() << "a bare number read as a time";
  } catch (const pjbit::core::InputError& e) {
    EXPECT_EQ(
        std::string(e.what()).rfind("p.yaml:5:122: topology.link.inline.1.retry_every: expected a time", 0),
        0u)
        << e.what();
  }
}

TEST(UserModuleSpecs, PjbitsOwnNamesPlaceNothing) {
  const auto spec = pjbit::platforms::parse_platform(platform("", ", arbiter: tlm, model: pjbit"), "p.yaml");
  EXPECT_FALSE(spec.tiers[0].sw.arbiter.placed());
  EXPECT_FALSE(spec.tiers[0].sw.model.placed());
  EXPECT_TRUE(pjbit::platforms::placed_modules(spec).empty());
  EXPECT_EQ(error_of(platform("", ", arbiter: { kind: tlm, fast: true }")),
            "p.yaml:6:64: topology.switch.arbiter.fast: unknown key \"fast\"; expected one of: kind");
}

TEST(UserModuleSpecs, UnknownKindsAndParametersAreOneMessageEach) {
  register_kinds();
  EXPECT_EQ(
      error_of(platform("", ", arbiter: round_robin")),
      "p.yaml:6:51: topology.switch.arbiter: unknown arbiter kind \"round_robin\"; registered: fair, tlm");
  EXPECT_EQ(error_of(platform(", inline: [fec]", "")),
            "p.yaml:5:76: topology.link.inline.0: unknown link block kind \"fec\"; registered: crc");
  EXPECT_EQ(
      error_of(platform(", inline: [{ kind: crc, latncy: 2 ns }]", "")),
      "p.yaml:5:89: topology.link.inline.0.latncy: unknown key \"latncy\"; expected one of: kind, latency, "
      "retry_every");
  EXPECT_EQ(
      error_of(platform(", inline: [{ kind: crc, latency: [2 ns] }]", "")),
      "p.yaml:5:98: topology.link.inline.0.latency: a module's parameter is one value, such as \"2 ns\", got "
      "a sequence");
  EXPECT_EQ(error_of(platform(", inline: crc", "")),
            "p.yaml:5:75: topology.link.inline: expected a list of link block kinds such as [crc_retry], got "
            "\"crc\"");
  EXPECT_EQ(error_of(platform("", ", model: { latency: 2 ns }")),
            "p.yaml:6:49: topology.switch.model: a module placement needs its kind: { kind: NAME, ... }");
  EXPECT_EQ(error_of(platform("", ", arbiter: fair, model: pjbit")), "(no error)");
  EXPECT_EQ(error_of(platform("", "",
                              "memory_pools:\n  - { name: m, attach: topology, bandwidth: 64 GB/s, "
                              "capacity: 1 TiB, quantum: 1 us }\n")),
            "p.yaml:8:80: memory_pools.0.quantum: only a pool with a device (device: KIND) keeps a quantum");
}

TEST(UserModuleSpecs, PlacedModulesTakeThePacketEngine) {
  register_kinds();
  // 128 ranks: auto would take flows; a placed module needs packets.
  auto spec = pjbit::platforms::parse_platform(platform("", "", "", 128), "p.yaml");
  EXPECT_EQ(pjbit::engine::chosen_engine(spec), "flow");
  spec = pjbit::platforms::parse_platform(platform("", ", arbiter: fair", "", 128), "p.yaml");
  EXPECT_EQ(pjbit::engine::chosen_engine(spec), "packet");
  EXPECT_EQ(error_of(platform("", ", arbiter: fair", "engine: flow\n")),
            "p.yaml:7:9: engine: the flow engine sends no packets through the modules this platform places "
            "(topology.switch.arbiter: fair); use engine: packet or auto");
}

}  // namespace test_user_module_specs
}  // namespace
