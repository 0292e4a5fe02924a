// The keys of one component (link, switch, OCS, NIC, memory pool, accelerator) read from YAML into its spec.
// Platform files (platforms/loader.cpp) and preset files (platforms/tech/presets.cpp, their `parameters:`)
// read the same keys through these functions, so both accept the same units and give the same messages. A
// platform's reader adds `preset:` (the starting values) and, for a pool, `name:` and `attach:`.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/units.h"
#include "core/yaml_support.h"
#include "platforms/spec.h"

namespace pjbit::platforms {

// The keys each component takes, in the order messages list them (CONTRACT section 4, docs/config.md).
extern const std::vector<std::string_view> kLinkKeys;
extern const std::vector<std::string_view> kSwitchKeys;
extern const std::vector<std::string_view> kOcsKeys;
extern const std::vector<std::string_view> kNicKeys;
extern const std::vector<std::string_view> kPoolKeys;  // without a pool's name and attach
extern const std::vector<std::string_view> kAcceleratorKeys;
extern const std::vector<std::string_view> kCommLibraryKeys;  // a collective library's (comm_library.h)

// Looks up the collective library preset named at `key` of `m`; throws core::InputError when there is none.
using CommLibraryResolver =
    std::function<accelerator::CommLibrary(const core::MapReader& m, std::string_view key)>;

// "a data rate such as \"100 GB/s\"".
std::string quantity_example(core::Dim dim);
// The quantity at `key`, which must be above zero. Throws core::InputError.
double positive_quantity(const core::MapReader& m, std::string_view key, core::Dim dim);

// Each reads the keys present in `m` (a mapping of that component's keys) over `spec`, which holds a
// preset's values or the defaults, and checks them. `from_preset`: whether `spec` came from a preset, which
// makes a link's bandwidth and latency optional. A pool needs a bandwidth and a capacity from `m` or `spec`.
// Throw core::InputError.
void read_link_keys(const core::YamlDoc& doc, const core::MapReader& m, LinkSpec& link, bool from_preset);
void read_switch_keys(const core::MapReader& m, SwitchSpec& sw);
void read_ocs_keys(const core::MapReader& m, OcsSpec& ocs);
void read_nic_keys(const core::MapReader& m, NicSpec& nic);
void read_pool_keys(const core::MapReader& m, MemoryPoolSpec& pool);
// `resolve` looks `comm_library:` presets up (a platform file); without it (an accelerator preset, read
// before the other presets exist) the name is kept for the platform's loader to resolve, and the mapping
// form is refused.
void read_accelerator_keys(const core::YamlDoc& doc, const core::MapReader& m, AcceleratorSpec& acc,
                           const CommLibraryResolver& resolve = {});
void read_comm_library_keys(const core::YamlDoc& doc, const core::MapReader& m,
                            accelerator::CommLibrary& lib);

}  // namespace pjbit::platforms
