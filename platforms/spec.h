// The platform as plain, validated data (DESIGN: PlatformSpec). Built by platforms/loader from YAML, read by
// platforms/builder to elaborate SystemC modules. Units are in the names: _s seconds, _Bps bytes/s,
// _w watts, _pj_per_bit picojoules per bit, _bytes bytes, _flops FLOP/s, _m metres, _Bps_per_m bytes/s per
// metre of edge.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.h"
#include "modules/accelerator/comm_library.h"
#include "modules/nic/i_congestion_control.h"

namespace pjbit::platforms {

// A module of a registered kind that a platform file places (platforms/user_modules.h): its kind and the
// parameters written beside it, as text, for the kind's factory to read when the platform is built.
struct ModuleParam {
  std::string key;
  std::string value;
  core::SourceLoc loc;
};

struct ModuleSpec {
  std::string kind;  // a registered kind; empty: pjbit's own model
  std::string path;  // its key path, "topology.switch.arbiter", for messages
  core::SourceLoc loc;
  std::vector<ModuleParam> params;
  bool placed() const { return !kind.empty(); }
};

// One class of part of a component, for reliability (docs/reliability.md): how often one such part fails,
// how many a component holds, how long a repair takes and what a failure and a repair take out of service.
// A component's list comes from its preset's `reliability:` or the platform file's (which replaces it).
struct ReliabilityPart {
  std::string name;               // e.g. transceiver, laser, gpu, hbm
  double rate_per_s = 0.0;        // failures per second of one part (from `fit` or `mtbf`)
  double count = 1.0;             // parts per component (per link, switch, OCS, NIC or accelerator)
  double repair_s = 0.0;          // mean time to repair or swap it
  bool field_replaceable = true;  // swapped alone; false: its repair replaces `repair_takes_down`
  std::string takes_down;         // its failure: nothing | link | switch | ocs | nic | accelerator | node
  std::string repair_takes_down;  // what its repair takes out of service (takes_down when replaceable)
  bool spared = false;            // a spare takes over at once: its failure takes nothing down
  std::string source;             // where its rate and repair time come from
  std::string confidence;         // high | medium | low | derived | estimate
  std::string derivation;         // how derived or estimated figures were computed; may be empty
  core::SourceLoc loc;
};

// One priced item of a component, for its capital cost (power/cost.md): what one such item costs, how many a
// component holds, and where the price comes from. A component's list comes from its preset's `cost:` or the
// platform file's (which replaces it).
struct CostItem {
  std::string name;        // e.g. gpu, transceiver, optical_engine, laser_source, fibre, switch_system
  double usd = 0.0;        // price of one item, US dollars
  double count = 1.0;      // items per component (per link, switch, OCS, NIC or accelerator)
  std::string source;      // where the price comes from
  std::string confidence;  // high | medium | low | derived | estimate
  std::string derivation;  // how derived or estimated prices were computed; may be empty
  core::SourceLoc loc;
};

// A package's thermal figures (power/thermal.md): the silicon area its heat leaves through, the resistance
// from its junction to the coolant under each cooling kind, its heat capacity and its junction limit. From
// an accelerator's or switch's preset `package:` or the platform file's (fields override the preset's).
struct PackageSpec {
  bool present = false;
  double area_m2 = 0.0;  // dies (and co-packaged engines) the heat leaves through
  // Junction to coolant, K/W, by cooling kind: air, liquid (cold plate), immersion; 0: not given.
  double r_air_k_per_w = 0.0;
  double r_liquid_k_per_w = 0.0;
  double r_immersion_k_per_w = 0.0;
  double heat_capacity_j_per_k = 0.0;  // die, lid and what is bonded to them: tau = R x C
  double tj_max_c = 0.0;               // the junction limit
  std::string source;
  std::string confidence;  // high | medium | low | derived | estimate
  std::string derivation;
  core::SourceLoc loc;

  // The resistance under cooling kind `kind` (air | liquid | immersion); 0: not given.
  double r_k_per_w(const std::string& kind) const {
    return kind == "air"         ? r_air_k_per_w
           : kind == "liquid"    ? r_liquid_k_per_w
           : kind == "immersion" ? r_immersion_k_per_w
                                 : 0.0;
  }
};

// The typical length of a link of `regime` (platforms/reach.md): package 0.05 m, board 0.5 m, rack 2 m,
// row 50 m; 0 for an unknown regime.
double regime_length_m(const std::string& regime);

// The capital cost of one component: the sum of its items' usd x count.
double capital_usd(const std::vector<CostItem>& items);

// One element of a link's cost stack: what one bit crossing the link costs, end to end.
struct StackElement {
  std::string category = "serdes";  // serdes, retimer, dsp, laser, switch, ocs or nic
  double energy_pj_per_bit = 0.0;   // charged per bit crossing the link
  double power_w = 0.0;             // drawn by the whole link (both directions) for the whole run
  int count = 1;                    // multiplies energy, power and latency
  double latency_s = 0.0;           // added to the link's latency
  core::SourceLoc loc;
};

// The optical part of a link, when it has one: an external laser source that is always on, and the optical
// power budget that the path's losses (connectors, an OCS) must fit in.
// The optical part of a link (platforms/optical_budget.md). Its budget, the loss a path may have end to end,
// is either given (`budget`) or follows from the transmitter's launch power and the receiver's sensitivity,
// per lane: budget = launch - sensitivity. Without `launch`, an external laser source gives it: launch =
// its output in dBm - 10 log10(split) - its path loss to the modulated light.
struct OpticsSpec {
  bool present = false;
  double budget_db = 0.0;                   // given budget (0: from launch and sensitivity)
  std::optional<double> launch_dbm;         // transmitter launch power per lane
  std::optional<double> sensitivity_dbm;    // receiver sensitivity per lane
  double fibre_loss_db_per_m = 0.5e-3;      // cabled single-mode fibre at 1310 nm: 0.5 dB/km
  double connector_loss_db = 0.5;           // per connector
  int connectors = 2;                       // on the path, one at each end
  double laser_optical_power_w = 0.0;       // optical output of one laser
  double laser_wall_plug_efficiency = 0.0;  // optical out / electrical in, (0, 1]
  int lasers = 0;                           // lasers feeding the link, both ends together
  int laser_split = 0;                      // lanes one external laser's light is split to (0: no split)
  double laser_path_loss_db = 0.0;          // external laser to modulated light, the split excluded
  // Links whose lasers at one node come from one external laser source (ELS): the optical ports of a node
  // on links of this kind are grouped in port order, this many to a source, and a source that fails takes
  // all of its links down (platforms/faults.h). 0: every link has lasers of its own.
  int laser_shared_by = 0;
  // The ports one optical engine serves at a node (a co-packaged engine of 6.4 Tb/s serves eight 800G ports):
  // a node's optical ports on links of this kind are grouped in port order, this many to an engine, and an
  // engine that fails takes all of its links down (platforms/faults.h). 0: every port its own engine.
  int engine_ports = 0;
  // Where the optical engines sit (power/thermal.md): pluggable (a module in a cage), near-package (beside
  // the package on its board) or co-packaged (inside the package of the switch or accelerator at each end,
  // whose heat they add to). The external laser source is never in the package.
  std::string placement = "pluggable";

  // Electrical power drawn by the link's lasers (category laser), whether or not bits flow.
  double laser_electrical_power_w() const {
    return lasers > 0 && laser_wall_plug_efficiency > 0.0
               ? lasers * laser_optical_power_w / laser_wall_plug_efficiency
               : 0.0;
  }
  // The external laser source's output, in dBm, and its split to lanes, in dB (only with a laser).
  double laser_dbm() const;
  double split_db() const;
  // The launch power per lane, given or from the external laser source; none when neither says.
  std::optional<double> launch() const;
  // The loss a path may have end to end: given, or launch - sensitivity.
  double budget() const;
};

// The forward error correction of a link's lanes: a Reed-Solomon code of n symbols of m bits carrying k,
// which corrects up to t symbol errors per codeword. Only a rising bit error rate (a fault) reads it: the
// share of codewords it cannot correct is retransmitted (engine/faults.md). Default: RS(544,514), t = 15,
// 10-bit symbols ("KP4", IEEE 802.3 clause 91, used by 100G-per-lane Ethernet and NDR/XDR InfiniBand).
struct FecSpec {
  int n = 544;
  int k = 514;
  int t = 15;
  int symbol_bits = 10;
};

struct LinkSpec {
  std::string preset;
  double bandwidth_Bps = 0.0;  // per direction
  double latency_s = 0.0;      // one-way fixed latency, before stack latencies
  double overhead = 0.0;       // protocol/FEC overhead as a fraction of wire bits, in [0, 1)
  std::vector<StackElement> stack;
  double static_power_w = 0.0;  // further idle power of the whole link
  OpticsSpec optics;
  std::string regime;  // package | board | rack | row (for power density); empty: unknown
  // Edge bandwidth density of the I/O at the link's accelerator end (both directions per metre of package
  // shoreline); 0: not known. Sets how much shoreline an accelerator's escape bandwidth takes.
  double bandwidth_density_Bps_per_m = 0.0;
  // Blocks of registered kinds inline on every link of this spec (`inline:`), in the order a packet crosses
  // them after the wire, in each direction.
  std::vector<ModuleSpec> blocks;
  FecSpec fec;
  std::vector<ReliabilityPart> reliability;  // its parts, counted per link
  std::vector<CostItem> cost;                // its priced items, counted per link
  // Reach (platforms/reach.md): the longest the link's technology carries its rate (0: not known), and its
  // length (0: the typical length of its regime, regime_length_m).
  double reach_m = 0.0;
  double length_m = 0.0;
  core::SourceLoc loc;

  // Energy per payload bit on the wire, summed over the stack (pJ/bit, count included).
  double energy_pj_per_bit() const;
  // Latency including the stack's latencies (s).
  double total_latency_s() const;
  // Static power of the whole link: static_power, the stack's power elements and the external lasers (W).
  double total_static_power_w() const;
};

struct SwitchSpec {
  std::string preset;
  double port_bandwidth_Bps = 0.0;       // per port and direction; 0: not checked
  bool in_network_reduction = false;     // can reduce in the switch (NVLink SHARP class)
  double reduction_bandwidth_Bps = 0.0;  // throughput of its reduction engine; 0: as fast as all its ports
  double latency_s = 300e-9;             // port to port, cut-through
  double energy_pj_per_bit = 0.0;        // per bit switched
  double static_power_w = 0.0;
  int radix = 64;
  bool store_and_forward = false;
  std::string regime;       // package | board | rack | row; empty: that of its first link
  int faceplate_ports = 0;  // front-panel ports its power is spread over; 0: one per link it terminates
  // Its packet buffer, all ports together (a shared on-chip buffer); 0: not given. A tier's flow_control
  // without `buffer` gives each port and priority buffer_bytes / radix (modules/link/flow_control.md).
  std::uint64_t buffer_bytes = 0;
  core::SourceLoc buffer_loc;
  ModuleSpec arbiter;  // its output ports' arbiter, of a registered kind; unplaced: the links' own (tlm)
  ModuleSpec model;    // the whole switch, of a registered kind; unplaced: pjbit's switch
  std::vector<ReliabilityPart> reliability;  // its parts, counted per switch
  std::vector<CostItem> cost;                // its priced items, counted per switch
  PackageSpec package;                       // its package's thermal figures (power/thermal.md)
  core::SourceLoc loc;
};

struct OcsSpec {
  std::string preset;
  int ports = 136;
  double reconfiguration_s = 10e-3;
  double insertion_loss_db = 2.0;
  double power_w = 0.0;
  std::string regime;                        // package | board | rack | row; empty: that of its first link
  std::vector<ReliabilityPart> reliability;  // its parts, counted per OCS
  std::vector<CostItem> cost;                // its priced items, counted per OCS
  core::SourceLoc loc;
};

struct NicSpec {
  std::string preset;
  double latency_s = 0.0;
  double energy_pj_per_bit = 0.0;
  double static_power_w = 0.0;
  // Edge bandwidth density of its host interface at the accelerator's package (as LinkSpec's); 0: unknown.
  double bandwidth_density_Bps_per_m = 0.0;
  // Its port's receive buffer; 0: not given. A switchless tier's flow_control without `buffer` takes it.
  std::uint64_t buffer_bytes = 0;
  core::SourceLoc buffer_loc;
  ModuleSpec model;                          // the whole NIC, of a registered kind; unplaced: pjbit's NIC
  std::vector<ReliabilityPart> reliability;  // its parts, counted per NIC
  std::vector<CostItem> cost;                // its priced items, counted per NIC
  core::SourceLoc loc;
};

struct MemoryPoolSpec {
  std::string preset;
  std::string name;
  std::string attach;  // the tier it hangs off
  double bandwidth_Bps = 0.0;
  double latency_s = 0.0;
  double energy_pj_per_bit = 0.0;
  std::uint64_t capacity_bytes = 0;
  // The pool's memory, of a registered kind, reached by b_transport; unplaced: pjbit's media model.
  ModuleSpec device;
  double quantum_s = 1e-6;  // how far the pool may run ahead of the kernel between device accesses
  core::SourceLoc loc;
};

struct HbmSpec {
  double latency_s = 0.0;
  double bandwidth_Bps = 3.35e12;
  double energy_pj_per_bit = 3.9;
  std::uint64_t capacity_bytes = 80ull << 30;
};

struct AcceleratorSpec {
  std::string preset;
  double compute_flops = 1000e12;  // peak dense compute
  double router_latency_s = 0.0;   // forwarding latency of its router in direct topologies
  double idle_power_w = 0.0;       // drawn for the whole run, computing or not (static, category compute)
  double compute_power_w = 0.0;    // drawn while computing; 0: the idle power (no dynamic compute energy)
  HbmSpec hbm;
  // The collective library (modules/accelerator/comm_library.h): `comm_library_preset` names the preset the
  // platform file or the accelerator's preset gave ("none": no library), resolved by the loader into `comm`.
  std::string comm_library_preset;
  core::SourceLoc comm_library_loc;
  accelerator::CommLibrary comm;
  std::vector<ReliabilityPart> reliability;  // its parts and its host's, counted per accelerator
  std::vector<CostItem> cost;                // its priced items, counted per accelerator
  PackageSpec package;                       // its package's thermal figures (power/thermal.md)
  core::SourceLoc loc;
};

// The explicit graph form: any topology a user draws.
struct GraphNodeSpec {
  std::string name;
  std::string kind;  // accelerator | switch | ocs
  SwitchSpec sw;
  OcsSpec ocs;
  core::SourceLoc loc;
};

struct GraphLinkSpec {
  std::string a, b;  // node names
  LinkSpec link;
  core::SourceLoc loc;
};

struct GraphRouteSpec {
  std::string from, to;          // accelerator names
  std::vector<std::string> via;  // the nodes in between, in order
  core::SourceLoc loc;
};

// Optical bypass circuits beside a fat tree's packet fabric (a hybrid fabric): every leaf (top-of-rack)
// switch has `ports_per_leaf` links into one OCS, whose circuits join leaves directly. Traffic between two
// leaves that hold a circuit takes it; the rest goes through the spines as packets.
struct BypassSpec {
  bool present = false;
  OcsSpec ocs;
  int ports_per_leaf = 2;
  LinkSpec link;  // leaf to OCS (default: the tier's link)
  core::SourceLoc loc;
};

// Link-level flow control on a tier's links (modules/link/flow_control.md): the ingress buffer at the far
// end of every link direction, per priority, and how the sending end is held back. Off (the default): queues
// are unbounded, as without the block.
struct FlowControlSpec {
  std::string mode = "off";        // off | credit | pfc | lossy
  std::uint64_t buffer_bytes = 0;  // per port and priority
  std::uint64_t xoff_bytes = 0;    // pfc: pause at this occupancy (0: buffer less the headroom)
  std::uint64_t xon_bytes = 0;     // pfc: resume at this occupancy (0: xoff less two packets)
  double retransmit_s = 20e-6;     // lossy: from a drop until the sender sends it again
  bool ecn = false;                // mark at output queues (ECN)
  std::uint64_t ecn_kmin_bytes = 0;
  std::uint64_t ecn_kmax_bytes = 0;
  double ecn_pmax = 0.01;
  bool buffer_given = false, xoff_given = false, xon_given = false;
  std::string buffer_from;  // without `buffer`: where it came from (messages), e.g. the switch's buffer
  core::SourceLoc loc, buffer_loc, xoff_loc, xon_loc, kmax_loc;
  bool on() const { return mode != "off"; }
};

// One fabric: a flat topology, or one tier of a tiered platform.
struct TopologySpec {
  std::string name = "topology";  // the tier's name (links[].tier in the report)
  std::string kind;               // ring | switch | full_mesh | torus | fat_tree | ocs | graph
  int ranks = 0;                  // endpoints of one instance of this fabric
  int domains = 1;                // tiers: copies of the tier inside that this one joins
  std::vector<int> dims;          // torus
  int levels = 2;                 // fat_tree: 2 = leaf-spine, 3 = three tiers
  int radix = 64;                 // fat_tree switch radix
  double oversubscription = 1.0;  // fat_tree: leaf down/up ratio
  int ports_per_rank = 2;         // ocs
  std::string routing = "auto";   // auto | shortest | ecmp | spray | dimension_order
  LinkSpec link;
  SwitchSpec sw;
  OcsSpec ocs;
  NicSpec nic;  // scale-out NIC between each accelerator and this fabric
  bool has_nic = false;
  // Accelerators that share one NIC: neighbours by index inside the inner domain (the ranks of one rail
  // group), each with its own host link to it; the NIC's one fabric link carries them all.
  int ranks_per_nic = 1;
  core::SourceLoc ranks_per_nic_loc;
  // PXN (an outer tier): traffic to a rank on another rail first crosses the inner domain to the rank on the
  // destination's rail, which sends it on over its own NIC, so that it stays on that rail of this tier.
  bool pxn = false;
  core::SourceLoc pxn_loc;
  BypassSpec bypass;  // fat_tree: optical circuits between leaves beside the packet fabric
  std::vector<GraphNodeSpec> graph_nodes;
  std::vector<GraphLinkSpec> graph_links;
  std::vector<GraphRouteSpec> graph_routes;
  FlowControlSpec flow_control;
  // Congestion control at the NICs of the tier's senders (modules/nic/congestion_control.md): scheme none
  // (the default), dcqcn or swift, with its parameters; line_rate_Bps is the tier link's payload rate.
  nic::CongestionControlParams congestion_control;
  core::SourceLoc congestion_control_loc;
  core::SourceLoc loc;
};

struct CoolingSpec {
  std::string model =
      "flat";                 // flat: overhead x IT energy | density: from each rack's heat (power/cooling.h)
  std::string kind = "none";  // flat: none | air | liquid | immersion (a label)
  double overhead = 0.0;      // flat: cooling energy = overhead x IT energy
  core::SourceLoc loc;
};

// The accelerator package's edge available for I/O, and how densely it carries bandwidth.
struct PackagingSpec {
  bool present = false;
  double shoreline_m = 0.0;                  // package edge available for I/O
  double bandwidth_density_Bps_per_m = 0.0;  // all I/O at this density; 0: each link's own technology
  core::SourceLoc loc;
};

// How the platform sits in racks: accelerators fill racks in rank order; switches (and OCSes) of a tier
// share those racks `switches_per_rack` at a time; the rest, and memory pools, fill network racks.
struct RacksSpec {
  bool present = false;
  int accelerators_per_rack = 0;
  int switches_per_rack = 0;                                        // every tier, unless listed below
  std::vector<std::pair<std::string, int>> switches_per_rack_tier;  // per tier name
  bool switches_per_tier = false;                                   // given as a map of tiers
  int network_rack_switches = 0;  // switches, OCSes or pools per network rack; 0: not given
  double power_limit_w = 0.0;     // IT power a rack may draw; 0: no limit given
  std::string cooling = "air";    // air | liquid | immersion
  core::SourceLoc loc;

  // The switches of tier `tier` placed in each accelerator rack.
  int switches_in_rack(const std::string& tier) const;
};

// The fabric-aware scheduler (docs/scheduler.md): how OCS circuits follow the workload's phases, how
// transport classes share a resource, and whether bulk transfers wait for idle windows.
struct SchedulerSpec {
  std::string policy = "phase_aware";  // a registered policy (engine/scheduler/i_policy.h)
  core::SourceLoc policy_loc;          // where the policy is named, for messages
  bool priorities = true;              // arbitrate between transport classes
  std::string arbitration = "strict";  // strict | weighted (with priorities)
  // Weighted arbitration: a weight per class, latency_critical, control, collective, remote_memory, bulk.
  std::array<int, 5> weights{16, 8, 4, 2, 1};
  bool defer_bulk = true;  // bulk transfers with a deadline wait for idle windows (up to the deadline)
  std::uint64_t bulk_chunk_bytes = std::uint64_t{16} << 20;  // a deferred transfer moves in pieces this big
};

// Links that sleep when idle (a platform option): a link whose two directions have carried nothing for
// `after` seconds sleeps, drawing `power` (a fraction) of its static power but for its lasers, which stay on;
// the next transfer on it waits `wake` seconds for it to wake (modules/link/link.md).
struct LinkSleepSpec {
  bool enabled = false;
  double after_s = 0.0;
  double wake_s = 0.0;
  double power_fraction = 0.0;
  core::SourceLoc loc;
};

// A fault during a run (CONTRACT section 9; engine/faults.md): from `at_s` on, the target is down, or runs
// at a fraction of its lanes, or at a raised bit error rate, for `for_s` seconds (forever when negative).
struct FaultSpec {
  enum class Kind { Down, Lanes, Ber };
  Kind kind = Kind::Down;
  double at_s = 0.0;
  double for_s = -1.0;
  std::string target;      // as written: link:A->B, switch:NAME, ocs_port:NAME/N, nic:NAME, laser:A->B,
                           // laser_source:NAME
  double lanes = 1.0;      // Kind::Lanes: the fraction of the lanes left, in (0, 1)
  double ber = 0.0;        // Kind::Ber: the lanes' bit error rate before FEC, in (0, 0.5)
  double detect_s = -1.0;  // how long until routes avoid a target that is down; < 0: the platform's
  core::SourceLoc loc;     // the entry
  core::SourceLoc target_loc;
  std::string key;  // "faults.3", for messages
  bool forever() const { return for_s < 0.0; }
};

// Fault detection: the time from a target going down to routes that avoid it. The default, 2 ms, is the 10 s
// a subnet manager of a large InfiniBand fabric takes to recompute its routes (the low end of "10-20 s")
// made 5,000 times faster by switches that pick an alternative port themselves (Mellanox SHIELD,
// EnterpriseAI, 15 June 2017; NVIDIA, "InfiniBand Cluster Bring-up Procedure: SHIELD"): derived, docs in
// engine/faults.md.
constexpr double kDefaultFaultDetectionS = 2e-3;

// How the run's costs are priced (power/cost.md): capital spread over a service life, energy at a price per
// kWh (cooling included, as the ledger counts it). Defaults: 5 years and the 2023 US industrial average of
// 8.06 cents per kWh (EIA via Statista); the lifetime is an estimate (power/cost.md).
struct EconomicsSpec {
  double lifetime_s = 5.0 * 365.0 * 86400.0;
  double usd_per_kwh = 0.0806;
  bool repairs = true;  // price the repairs that reliability parts predict over the lifetime
  core::SourceLoc loc;
};

struct PlatformSpec {
  std::string name;
  std::string file;  // as given on the command line, for messages
  AcceleratorSpec accelerator;
  // Innermost first. A flat `topology:` is one tier named "topology"; in `tiers:` an outer tier joins
  // `domains` copies of the tier inside it, and every accelerator has a port into every tier.
  std::vector<TopologySpec> tiers;
  std::vector<MemoryPoolSpec> memory_pools;
  CoolingSpec cooling;
  PackagingSpec packaging;
  RacksSpec racks;
  SchedulerSpec scheduler;
  LinkSleepSpec link_sleep;
  EconomicsSpec economics;
  std::vector<FaultSpec> faults;  // in the order given
  double fault_detection_s = kDefaultFaultDetectionS;
  core::SourceLoc faults_loc;
  std::string engine = "auto";  // packet | flow | auto
  core::SourceLoc engine_loc;   // where engine is given (the file's top when it is not)
  std::uint64_t packet_bytes = 4096;
  // The flow engine's batching of completions (docs/engines.md, "Batched completions"): the bandwidth a
  // finished flow frees is handed out at most flow_batch x the age of the youngest flow that may gain from it
  // later (never more than x the finished flow's duration); 0: at once (exact).
  double flow_batch = 0.0;

  // Ranks per instance of tier k (its domain size); ranks() is that of the outermost tier.
  int domain_size(std::size_t tier) const;
  int ranks() const { return tiers.empty() ? 0 : domain_size(tiers.size() - 1); }
  bool flat() const { return tiers.size() == 1; }
  // How its packages are cooled (power/thermal.md): the racks' kind under the density cooling model, the
  // flat model's kind when it names one (air, liquid, immersion), else air.
  std::string package_cooling() const {
    if (cooling.model == "density") return racks.cooling;
    return cooling.kind == "liquid" || cooling.kind == "immersion" ? cooling.kind : std::string("air");
  }
  // The first tier with flow control on, or null: such a platform runs on the packet engine.
  const TopologySpec* flow_controlled_tier() const {
    for (const auto& t : tiers)
      if (t.flow_control.on()) return &t;
    return nullptr;
  }
};

}  // namespace pjbit::platforms
