// Modules of a user's own kinds inside a platform (docs/embedding.md, "Placing your own module by name"): a
// registry of module kinds, which a program linking pjbit::pjbit adds to before it loads a platform file,
// and the four places a platform file puts them:
//
//   role        platform file key                      what the module is
//   link block  LINK `inline: [KIND, ...]`             a block after each link's wire, in each direction (a
//                                                      retimer, a FEC/CRC and retry block, an optical engine)
//   arbiter     SWITCH `arbiter: KIND`                 the arbiter of each of the switch's output ports
//   node        SWITCH `model: KIND`, NIC `model: KIND`  the whole switch or NIC
//   device      memory pool `device: KIND`             the pool's memory, read and written by b_transport
//
// Each KIND is a name, or a mapping `{ kind: NAME, KEY: VALUE, ... }` whose other keys are the module's
// parameters (docs/config.md). Link blocks and nodes carry pjbit's packets: TLM-2.0 generic payloads with a
// core::FabricExtension, by nb_transport_fw(BEGIN_REQ) with an annotated delay (approximately timed, the
// protocol of docs/embedding.md). A device is loosely timed: the pool calls its b_transport with a generic
// payload per access and keeps the delays it annotates with a quantum keeper. An arbiter decides which
// packet a port sends next and when (core/i_port_arbiter.h). Modules of a user's kinds see packets, so a run
// that places one takes the packet engine (docs/engines.md).
#pragma once

#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tlm>
#include <vector>

#include "core/component.h"
#include "core/i_port_arbiter.h"
#include "core/units.h"
#include "core/yaml_support.h"
#include "modules/link/link.h"
#include "platforms/spec.h"

namespace pjbit::platforms {

// A block inline on one link direction: packets reach `block_in` as the link delivers them (nb_transport_fw,
// BEGIN_REQ, the head's arrival as the annotated delay, the tail's in the extension), and the block hands
// them on through `block_out` to the node at that end of the link. It relays backward calls from
// `block_out` to `block_in`.
class LinkBlock : public core::Component {
 public:
  using core::Component::Component;
  virtual tlm::tlm_target_socket<>& block_in() = 0;
  virtual tlm::tlm_initiator_socket<>& block_out() = 0;
};

// An output port's arbiter: the link direction the port drives offers it every packet (core::IPortArbiter).
// An arbiter that is also a core::SignalSource shows its signals in the value change dump.
class PortArbiter : public core::Component, public core::IPortArbiter {
 public:
  using core::Component::Component;
};

// A whole switch or NIC: a forwarding node whose binding i of both sockets is its port i (one per link, in
// the order of the topology's ports) and that forwards each packet by its source route
// (`ext.route->ports[ext.hop++]`), as modules/switch/switch.md describes.
class ForwardingNode : public core::Component {
 public:
  // The bases of tlm_utils::multi_passthrough_target_socket<T> and multi_passthrough_initiator_socket<T>.
  using NodeIn = tlm_utils::multi_target_base<>;
  using NodeOut = tlm_utils::multi_init_base<>;
  using core::Component::Component;
  virtual NodeIn& node_in() = 0;
  virtual NodeOut& node_out() = 0;
};

// A memory pool's memory: `device_in` takes b_transport calls, one per access of at most the pool's chunk
// (memory_pool::Media), READ or WRITE at an address within the pool's capacity; it adds the access's time to
// the annotated delay and sets the response status.
class MemoryDevice : public core::Component {
 public:
  using core::Component::Component;
  virtual tlm::tlm_target_socket<>& device_in() = 0;
};

enum class ModuleRole : std::uint8_t { LinkBlock, Arbiter, Node, Device };
// "link block", "arbiter", "switch or NIC model", "device": for messages.
const char* role_name(ModuleRole role);

// What a factory gets: the name to give its module, its parameters from the platform file, and where it
// sits. Parameters are read by key and checked against the kind's keys when the platform file is loaded;
// a value of the wrong kind is an InputError naming its file, line and column.
class ModuleArgs {
 public:
  ModuleArgs(std::string name, const ModuleSpec& spec, const PlatformSpec& platform)
      : m_name(std::move(name)), m_spec(spec), m_platform(platform) {}

  // The SystemC name for the module (unique in the platform).
  const char* name() const { return m_name.c_str(); }
  const ModuleSpec& spec() const { return m_spec; }
  const PlatformSpec& platform() const { return m_platform; }

  bool has(std::string_view key) const { return find(key) != nullptr; }
  std::optional<std::string> string(std::string_view key) const;
  std::optional<bool> boolean(std::string_view key) const;
  std::optional<long long> integer(std::string_view key, long long min, long long max) const;
  std::optional<double> number(std::string_view key, double min, double max) const;
  // A quantity with its unit (CONTRACT section 3), in base units.
  std::optional<double> quantity(std::string_view key, core::Dim dim) const;
  // Throws core::InputError at the parameter (or at the module when it has no such parameter).
  [[noreturn]] void fail(std::string_view key, const std::string& message) const;

  // Where the module sits, by role. Link block: the link's parameters, the direction's id ("sw0->r3") and
  // direction (0: a to b). Arbiter: the same for the link direction the port drives. Device: the pool.
  const link::Params* link = nullptr;
  std::string link_id;
  int direction = 0;
  const MemoryPoolSpec* pool = nullptr;

 private:
  const ModuleParam* find(std::string_view key) const;

  std::string m_name;
  const ModuleSpec& m_spec;
  const PlatformSpec& m_platform;
};

using LinkBlockFactory = std::function<std::unique_ptr<LinkBlock>(const ModuleArgs&)>;
using ArbiterFactory = std::function<std::unique_ptr<PortArbiter>(const ModuleArgs&)>;
using NodeFactory = std::function<std::unique_ptr<ForwardingNode>(const ModuleArgs&)>;
using DeviceFactory = std::function<std::unique_ptr<MemoryDevice>(const ModuleArgs&)>;

// The module kinds a process knows, by role and name. pjbit registers its own (the arbiter `tlm`, which is
// the links' own arbitration, and `rtl` when built with Verilator); a program adds its kinds before it loads
// a platform file that names them. Kind names are letters, digits, '_' and '-'.
class ModuleRegistry {
 public:
  // The process's registry.
  static ModuleRegistry& instance();

  // Each adds a kind (replacing one of the same role and name), with the parameter keys it takes and a line
  // that says what it is (for messages and `pjbit presets`-like listings). Throws std::invalid_argument for
  // a name that is empty or not made of letters, digits, '_' and '-', or that a built-in kind holds.
  void add_link_block(const std::string& kind, LinkBlockFactory make, std::vector<std::string> keys = {},
                      std::string description = {});
  void add_arbiter(const std::string& kind, ArbiterFactory make, std::vector<std::string> keys = {},
                   std::string description = {});
  void add_node(const std::string& kind, NodeFactory make, std::vector<std::string> keys = {},
                std::string description = {});
  void add_device(const std::string& kind, DeviceFactory make, std::vector<std::string> keys = {},
                  std::string description = {});

  // The kinds of a role, in name order (built-in ones included).
  std::vector<std::string> kinds(ModuleRole role) const;
  bool has(ModuleRole role, const std::string& kind) const;
  // The parameter keys of a kind (none for an unknown one).
  std::vector<std::string> keys(ModuleRole role, const std::string& kind) const;
  std::string description(ModuleRole role, const std::string& kind) const;

  // Make a module of the spec's kind; throw core::InputError for an unknown kind (listing the registered
  // ones) or for what the factory refuses. make_arbiter returns null for `tlm` (the links' own).
  std::unique_ptr<LinkBlock> make_link_block(const ModuleSpec& spec, const ModuleArgs& args) const;
  std::unique_ptr<PortArbiter> make_arbiter(const ModuleSpec& spec, const ModuleArgs& args) const;
  std::unique_ptr<ForwardingNode> make_node(const ModuleSpec& spec, const ModuleArgs& args) const;
  std::unique_ptr<MemoryDevice> make_device(const ModuleSpec& spec, const ModuleArgs& args) const;

 private:
  ModuleRegistry();
  struct Kind {
    std::vector<std::string> keys;
    std::string description;
    LinkBlockFactory link_block;
    ArbiterFactory arbiter;
    NodeFactory node;
    DeviceFactory device;
    bool builtin = false;
  };
  Kind& add(ModuleRole role, const std::string& kind, std::vector<std::string> keys, std::string description);
  const Kind& find(ModuleRole role, const ModuleSpec& spec) const;

  std::map<std::string, Kind> m_kinds[4];
};

// The arbiter kind that stands for the links' own arbitration (core/arbiter.h).
inline constexpr const char* kTlmArbiter = "tlm";
// The switch and NIC model that stands for pjbit's own.
inline constexpr const char* kPjbitModel = "pjbit";

// Reads a module placement at `key` of `m`: a kind's name, or `{ kind: NAME, KEY: VALUE ... }` with scalar
// values; checks that the kind is registered for `role` and that every other key is one of its parameters.
// Throws core::InputError: an unknown kind is one message listing the registered kinds.
ModuleSpec read_module(const core::YamlDoc& doc, const core::MapReader& m, std::string_view key,
                       ModuleRole role);

// Every module of a registered kind the platform places, with its key path, in file order; the arbiter
// `tlm` and the models `pjbit` are not placements.
std::vector<const ModuleSpec*> placed_modules(const PlatformSpec& spec);

}  // namespace pjbit::platforms
