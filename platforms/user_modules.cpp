#include "platforms/user_modules.h"

#include <algorithm>
#include <stdexcept>

#include "core/errors.h"

namespace pjbit::platforms {

const char* role_name(ModuleRole role) {
  switch (role) {
    case ModuleRole::LinkBlock:
      return "link block";
    case ModuleRole::Arbiter:
      return "arbiter";
    case ModuleRole::Node:
      return "switch or NIC model";
    case ModuleRole::Device:
      return "device";
  }
  return "module";
}

// ------------------------------------------------------------------------------------------------------------
// ModuleArgs: parameters are kept as the text the file gave; each is read as a YAML scalar of that text,
// through the same readers (and messages) as every other key.

const ModuleParam* ModuleArgs::find(std::string_view key) const {
  for (const auto& p : m_spec.params)
    if (p.key == key) return &p;
  return nullptr;
}

namespace {
std::string param_path(const ModuleSpec& spec, std::string_view key) {
  return core::join_path(spec.path, key);
}
}  // namespace

std::optional<std::string> ModuleArgs::string(std::string_view key) const {
  const ModuleParam* p = find(key);
  if (p == nullptr) return std::nullopt;
  return p->value;
}

std::optional<bool> ModuleArgs::boolean(std::string_view key) const {
  const ModuleParam* p = find(key);
  if (p == nullptr) return std::nullopt;
  return core::as_bool(YAML::Node(p->value), p->loc, param_path(m_spec, key));
}

std::optional<long long> ModuleArgs::integer(std::string_view key, long long min, long long max) const {
  const ModuleParam* p = find(key);
  if (p == nullptr) return std::nullopt;
  return core::as_int(YAML::Node(p->value), p->loc, param_path(m_spec, key), min, max);
}

std::optional<double> ModuleArgs::number(std::string_view key, double min, double max) const {
  const ModuleParam* p = find(key);
  if (p == nullptr) return std::nullopt;
  return core::as_number(YAML::Node(p->value), p->loc, param_path(m_spec, key), min, max);
}

std::optional<double> ModuleArgs::quantity(std::string_view key, core::Dim dim) const {
  const ModuleParam* p = find(key);
  if (p == nullptr) return std::nullopt;
  return core::as_quantity(YAML::Node(p->value), p->loc, param_path(m_spec, key), dim);
}

void ModuleArgs::fail(std::string_view key, const std::string& message) const {
  const ModuleParam* p = find(key);
  throw core::InputError(p != nullptr ? p->loc : m_spec.loc, param_path(m_spec, key), message);
}

// ------------------------------------------------------------------------------------------------------------
// ModuleRegistry

ModuleRegistry& ModuleRegistry::instance() {
  static ModuleRegistry registry;
  return registry;
}

ModuleRegistry::ModuleRegistry() {
  // The links' own arbitration and pjbit's own switch and NIC: names a platform file may give, which place
  // nothing of another kind.
  Kind tlm;
  tlm.builtin = true;
  tlm.description = "the link direction's own arbiter (core/arbiter.h): strict priority, round-robin";
  m_kinds[static_cast<int>(ModuleRole::Arbiter)][kTlmArbiter] = tlm;
  Kind own;
  own.builtin = true;
  own.description = "pjbit's own model";
  m_kinds[static_cast<int>(ModuleRole::Node)][kPjbitModel] = own;
}

namespace {
bool valid_kind_name(const std::string& kind) {
  if (kind.empty() || kind.size() > 64) return false;
  return std::all_of(kind.begin(), kind.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}
}  // namespace

ModuleRegistry::Kind& ModuleRegistry::add(ModuleRole role, const std::string& kind,
                                          std::vector<std::string> keys, std::string description) {
  if (!valid_kind_name(kind))
    throw std::invalid_argument("a module kind's name is 1 to 64 letters, digits, '_' or '-', got \"" + kind +
                                "\"");
  auto& kinds = m_kinds[static_cast<int>(role)];
  const auto it = kinds.find(kind);
  if (it != kinds.end() && it->second.builtin)
    throw std::invalid_argument("\"" + kind + "\" is pjbit's own " + role_name(role) + " kind");
  for (const auto& k : keys)
    if (k == "kind") throw std::invalid_argument("a module kind cannot take a parameter named \"kind\"");
  Kind& k = kinds[kind];
  k = Kind{};
  k.keys = std::move(keys);
  k.description = std::move(description);
  return k;
}

void ModuleRegistry::add_link_block(const std::string& kind, LinkBlockFactory make,
                                    std::vector<std::string> keys, std::string description) {
  add(ModuleRole::LinkBlock, kind, std::move(keys), std::move(description)).link_block = std::move(make);
}

void ModuleRegistry::add_arbiter(const std::string& kind, ArbiterFactory make, std::vector<std::string> keys,
                                 std::string description) {
  add(ModuleRole::Arbiter, kind, std::move(keys), std::move(description)).arbiter = std::move(make);
}

void ModuleRegistry::add_node(const std::string& kind, NodeFactory make, std::vector<std::string> keys,
                              std::string description) {
  add(ModuleRole::Node, kind, std::move(keys), std::move(description)).node = std::move(make);
}

void ModuleRegistry::add_device(const std::string& kind, DeviceFactory make, std::vector<std::string> keys,
                                std::string description) {
  add(ModuleRole::Device, kind, std::move(keys), std::move(description)).device = std::move(make);
}

std::vector<std::string> ModuleRegistry::kinds(ModuleRole role) const {
  std::vector<std::string> out;
  for (const auto& [name, kind] : m_kinds[static_cast<int>(role)])
    out.push_back(name);
  return out;
}

bool ModuleRegistry::has(ModuleRole role, const std::string& kind) const {
  return m_kinds[static_cast<int>(role)].count(kind) > 0;
}

std::vector<std::string> ModuleRegistry::keys(ModuleRole role, const std::string& kind) const {
  const auto& kinds = m_kinds[static_cast<int>(role)];
  const auto it = kinds.find(kind);
  return it == kinds.end() ? std::vector<std::string>{} : it->second.keys;
}

std::string ModuleRegistry::description(ModuleRole role, const std::string& kind) const {
  const auto& kinds = m_kinds[static_cast<int>(role)];
  const auto it = kinds.find(kind);
  return it == kinds.end() ? std::string{} : it->second.description;
}

namespace {
// "unknown arbiter kind "x"; registered: rtl, tlm".
std::string unknown_kind(ModuleRole role, const std::string& kind, const std::vector<std::string>& known) {
  std::string list;
  for (const auto& k : known)
    list += (list.empty() ? "" : ", ") + k;
  return "unknown " + std::string(role_name(role)) + " kind " + core::quote_text(kind) +
         "; registered: " + (list.empty() ? "none" : list);
}
}  // namespace

const ModuleRegistry::Kind& ModuleRegistry::find(ModuleRole role, const ModuleSpec& spec) const {
  const auto& kinds = m_kinds[static_cast<int>(role)];
  const auto it = kinds.find(spec.kind);
  if (it == kinds.end())
    throw core::InputError(spec.loc, spec.path, unknown_kind(role, spec.kind, this->kinds(role)));
  return it->second;
}

namespace {
// A factory that gives nothing is a bug of the kind's program, reported as the input that asked for it.
template <typename T>
std::unique_ptr<T> made(std::unique_ptr<T> module, const ModuleSpec& spec, ModuleRole role) {
  if (!module)
    throw core::InputError(
        spec.loc, spec.path,
        "the " + std::string(role_name(role)) + " kind " + core::quote_text(spec.kind) + " made no module");
  return module;
}
}  // namespace

std::unique_ptr<LinkBlock> ModuleRegistry::make_link_block(const ModuleSpec& spec,
                                                           const ModuleArgs& args) const {
  return made(find(ModuleRole::LinkBlock, spec).link_block(args), spec, ModuleRole::LinkBlock);
}

std::unique_ptr<PortArbiter> ModuleRegistry::make_arbiter(const ModuleSpec& spec,
                                                          const ModuleArgs& args) const {
  const Kind& k = find(ModuleRole::Arbiter, spec);
  if (!k.arbiter) return nullptr;  // tlm: the links' own
  return made(k.arbiter(args), spec, ModuleRole::Arbiter);
}

std::unique_ptr<ForwardingNode> ModuleRegistry::make_node(const ModuleSpec& spec,
                                                          const ModuleArgs& args) const {
  const Kind& k = find(ModuleRole::Node, spec);
  if (!k.node) return nullptr;  // pjbit's own
  return made(k.node(args), spec, ModuleRole::Node);
}

std::unique_ptr<MemoryDevice> ModuleRegistry::make_device(const ModuleSpec& spec,
                                                          const ModuleArgs& args) const {
  return made(find(ModuleRole::Device, spec).device(args), spec, ModuleRole::Device);
}

// ------------------------------------------------------------------------------------------------------------
// Reading placements

ModuleSpec read_module(const core::YamlDoc& doc, const core::MapReader& m, std::string_view key,
                       ModuleRole role) {
  const ModuleRegistry& registry = ModuleRegistry::instance();
  ModuleSpec spec;
  spec.path = m.path(key);
  spec.loc = m.loc(key);
  const YAML::Node node = m.node(key);
  if (node.IsMap()) {
    // The kind names the keys that may stand beside it: read it first, then check the mapping.
    const YAML::Node kind = node["kind"];
    if (!kind) m.fail(key, "a module placement needs its kind: { kind: NAME, ... }");
    spec.kind = core::as_string(kind, doc.loc(kind, core::join_path(spec.path, "kind")),
                                core::join_path(spec.path, "kind"), "a module kind's name");
    if (!registry.has(role, spec.kind))
      throw core::InputError(doc.loc(kind, core::join_path(spec.path, "kind")),
                             core::join_path(spec.path, "kind"),
                             unknown_kind(role, spec.kind, registry.kinds(role)));
    const std::vector<std::string> keys = registry.keys(role, spec.kind);
    std::vector<std::string_view> allowed = {"kind"};
    allowed.insert(allowed.end(), keys.begin(), keys.end());
    const core::MapReader params(doc, node, spec.path, allowed, "a module placement { kind: NAME, ... }");
    for (const auto& k : params.keys()) {
      if (k == "kind") continue;
      const YAML::Node value = params.node(k);
      if (!value.IsScalar())
        params.fail(k, "a module's parameter is one value, such as \"2 ns\", got " + core::describe(value));
      spec.params.push_back({k, value.Scalar(), params.loc(k)});
    }
  } else {
    spec.kind = *m.string(key, "a module kind's name, or { kind: NAME, ... }");
    if (!registry.has(role, spec.kind)) m.fail(key, unknown_kind(role, spec.kind, registry.kinds(role)));
  }
  // The built-in names place nothing of another kind.
  if ((role == ModuleRole::Arbiter && spec.kind == kTlmArbiter) ||
      (role == ModuleRole::Node && spec.kind == kPjbitModel)) {
    if (!spec.params.empty())
      throw core::InputError(spec.params.front().loc, core::join_path(spec.path, spec.params.front().key),
                             "pjbit's own " + std::string(role_name(role)) + " takes no parameters");
    spec.kind.clear();
  }
  return spec;
}

std::vector<const ModuleSpec*> placed_modules(const PlatformSpec& spec) {
  std::vector<const ModuleSpec*> out;
  const auto link = [&](const LinkSpec& l) {
    for (const auto& b : l.blocks)
      out.push_back(&b);
  };
  const auto sw = [&](const SwitchSpec& s) {
    if (s.arbiter.placed()) out.push_back(&s.arbiter);
    if (s.model.placed()) out.push_back(&s.model);
  };
  for (const auto& tier : spec.tiers) {
    link(tier.link);
    sw(tier.sw);
    if (tier.has_nic && tier.nic.model.placed()) out.push_back(&tier.nic.model);
    if (tier.bypass.present) link(tier.bypass.link);
    for (const auto& n : tier.graph_nodes)
      sw(n.sw);
    for (const auto& l : tier.graph_links)
      link(l.link);
  }
  for (const auto& pool : spec.memory_pools)
    if (pool.device.placed()) out.push_back(&pool.device);
  return out;
}

}  // namespace pjbit::platforms
