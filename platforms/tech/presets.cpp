// Technology presets. Every figure is traced to docs/reference/tech-figures.md ("§N" is its section,
// the quoted text its row) and, through it, to the original source; a figure the reference does not have is
// an estimate, and the preset's `source` says how it was derived.
//
// Conventions (also stated at the top of docs/presets.md):
// - A link's bandwidth is per direction. Vendors quote bidirectional totals; we halve them and say so.
// - Optical modules, optical engines, DSPs and retimers draw nearly constant power, so they are static
// `power`
//   stack elements (one per module or device, `count` of them on the link). Host SerDes are per-bit `energy`.
// - A SerDes figure in pJ/bit is the energy of one transceiver lane (transmitter plus receiver) per bit. A
// bit
//   crossing a link meets the transmitter at one end and the receiver at the other, so a link's host SerDes
//   element has count 1.
// - Full-rate equivalent of a link: dynamic pJ/bit + all static W (stack, static_power and external lasers)
//   divided by the bits of both directions at line rate. With a module at each end this equals the industry's
//   "module W / one-direction line rate" (tech-figures.md, unit conventions).
// - Categories: `dsp` is a module's DSP; `laser` is the optical front end (light sources with their drivers,
//   modulators and receivers) of a module or an engine; an external laser source is in `optics` and is drawn
//   in category laser. A DSP pluggable's watts are split into these two with the LPO-vs-DSP row of §3.
// - Switch presets hold the switch chip without its port SerDes (modules/switch/switch.md: per-port SerDes
//   belong to the links' stacks), except the co-packaged switches, which hold their port optics too.
// - `confidence` is that of the preset's key figure (the one it is chosen for); the source names the
//   confidence of every other figure, and every estimate says so.
#include "platforms/tech/presets.h"

#include <utility>

namespace pjbit::platforms::tech {

namespace {

// ---- shared figures
// -----------------------------------------------------------------------------------------

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

// §1 "112G LR SerDes (vendor comparison)", L.
constexpr double kLr112gPj = 5.5;
// Estimate: no 224G-class figure (§1 "224G PAM4 SerDes" n/f); the 112G LR figure held constant per bit.
constexpr double kLr224gPj = kLr112gPj;
// §1 "112G LR latency", L: PAM4 + FEC, up to ~20 ns.
constexpr double kLrLatencyS = 20e-9;
// §1 "112G-class XSR (die-to-die) transceiver", H.
constexpr double kXsrPj = 1.1;
// Derived: §1 "NVLink-C2C energy" 1.3 pJ/bit, "5x more efficient than PCIe Gen5" (NVIDIA blog, M).
constexpr double kPcie5Pj = 1.3 * 5.0;
// §3 "Fibre delay", M; the 50 m row-scale reach is our choice.
constexpr double kFibreSPerM = 4.5e-9;
constexpr double kRowReachM = 50.0;
// §4 "LPO/direct-drive latency saving" ~100 ns per link (L), over the link's two modules.
constexpr double kDspModuleLatencyS = 100e-9 / 2.0;
// Estimates: a retimer's and a short electrical reach's latency (no source).
constexpr double kRetimerLatencyS = 10e-9;
// §3 "800G LPO vs DSP module" ~8-9 W (LPO), L: midpoint.
constexpr double kLpo800gW = 8.5;
// §3 "NVIDIA 800G twin-port OSFP" 16 W typical, H.
constexpr double kDsp800gW = 16.0;
// §3 "1.6T pluggable" up to 25 W, L.
constexpr double kDsp1p6tW = 25.0;
// §3 "NVIDIA CPO vs pluggable per port" ~30 -> ~9 W per port, M; 1.6 Tb/s port rate assumed (§3 "Same, per
// bit", D; gap 5).
constexpr double kCpoPortW = 9.0;
constexpr double kCpoPortBps = 1.6e12;
// §3 "ELSFP laser output classes": VHP = 20 dBm = 0.1 W per fibre, L. One source per 1.6 Tb/s engine and the
// wall-plug efficiency are estimates (§3 "ELSFP wall-plug efficiency / W per module": n/f).
constexpr double kElsfpOpticalW = 0.1;
constexpr double kElsfpWallPlug = 0.10;
constexpr double kElsfpElectricalW = kElsfpOpticalW / kElsfpWallPlug;
// Estimates: optical budget and connectors (no figure in the reference).
constexpr double kOpticalBudgetDb = 4.0;
constexpr double kLpoBudgetDb = 3.0;
// Estimate: HBM energy per bit (§6 "HBM energy per bit" is L, do not ship; gap 3).
constexpr double kHbmPj = 3.9;
// Estimate: DRAM device energy of a pooled-memory access (§6 "DDR5 energy per bit": n/f).
constexpr double kDramPoolPj = 10.0;
// §1 "UCIe latency" ~2 ns round trip, M: one way.
constexpr double kUcieLatencyS = 2e-9 / 2.0;
// §7 "TPU v4 power" 90 / 192 W min / max measured, H: the ratio used to estimate other accelerators' idle.
constexpr double kTpuV4MinOverMax = 90.0 / 192.0;
// Shoreline densities (bytes/s per metre of die or package edge, both directions together).
// §10 "Lithography reticle field" 26 mm x 33 mm, L: the most edge a monolithic die can have.
constexpr double kReticlePerimeterM = 2.0 * (26e-3 + 33e-3);
// Derived: Tomahawk 5 puts 512 x 100G-PAM4 SerDes (51.2 Tb/s each way, §4 "Broadcom Tomahawk 5 capacity", H)
// on one monolithic die, so 112G-class long-reach SerDes carry at least 2 x 51.2 Tb/s over the reticle's
// perimeter: 0.87 Tb/s per mm (a lower bound, since the die is no larger than the reticle).
constexpr double kLr112gDensity = 2.0 * 51.2e12 / 8.0 / kReticlePerimeterM;
// Estimate: 224G-class lanes at the same lane pitch carry twice as much.
constexpr double kLr224gDensity = 2.0 * kLr112gDensity;
// Estimates: PCIe lanes at the same pitch as 100G lanes, scaled by their rate (64 and 32 GT/s).
constexpr double kPcie6Density = kLr112gDensity * 64.0 / 100.0;
constexpr double kPcie5Density = kLr112gDensity * 32.0 / 100.0;
// §1 "UCIe-2D shoreline density" up to 224 GB/s/mm and "UCIe-2.5D shoreline density" up to 1.3 TB/s/mm, M.
constexpr double kUcieStandardDensity = 224e9 / 1e-3;
constexpr double kUcieAdvancedDensity = 1.3e12 / 1e-3;

// ---- shared source text
// ---------------------------------------------------------------------------------------

const std::string kSrcLr112g =
    "host SerDes 5.5 pJ/bit (one lane, TX+RX, count 1): tech-figures.md §1 row \"112G LR SerDes (vendor "
    "comparison)\" (besthub.dev summary of NVIDIA NVLink-C2C material, L; Ayar Labs quotes 6-10, §1, M)";
const std::string kSrcLr224g =
    "host SerDes 5.5 pJ/bit is an ESTIMATE: tech-figures.md §1 row \"224G PAM4 SerDes\" is n/f (gap 1), so "
    "the "
    "112G LR figure (§1 row \"112G LR SerDes (vendor comparison)\", L) is held constant per bit";
const std::string kSrcLrLatency = "SerDes+FEC latency 20 ns: §1 row \"112G LR latency\" (besthub.dev, L)";
const std::string kSrcXsr =
    "host-to-engine SerDes 1.1 pJ/bit: §1 row \"112G-class XSR (die-to-die) transceiver\" (Gangasani et al., "
    "IEEE SSC-L 2025, H; a 112G figure, used for this lane rate as an estimate), 2 ns latency (estimate)";
const std::string kSrcFibre =
    "latency: 50 m of fibre at 4.5 ns/m = 225 ns (§3 row \"Fibre delay\", NVIDIA MMS4X50-NM, M; the 50 m "
    "reach "
    "is an estimate)";
const std::string kSrcDspLatency =
    "DSP 50 ns per module (§4 row \"LPO/direct-drive latency saving\", ~100 ns per link, chipcraft.tech, L, "
    "split over the two modules)";
const std::string kSrcBudget =
    "optics: 4 dB budget, 2 connectors at 0.5 dB are ESTIMATES (the reference has no optical budget figure)";
const std::string kSrcElsfp =
    "external laser: one 20 dBm (0.1 W) source per 1.6 Tb/s engine (§3 row \"ELSFP laser output classes\", "
    "VHP "
    "class, wavesplitter.jp, L; one source per engine is an estimate); wall-plug efficiency 0.10 is an "
    "ESTIMATE: ELSFP wall-plug efficiency is n/f (§3 row \"ELSFP wall-plug efficiency / W per module\", gap "
    "4)";
const std::string kSrcHbmEnergy =
    "HBM energy 3.9 pJ/bit is an ESTIMATE (tech-figures.md §6 row \"HBM energy per bit\" is L and marked do "
    "not ship; gap 3)";
const std::string kSrcIdleRatio =
    "idle power is an ESTIMATE: TPU v4's measured min/max ratio 90/192 W (§7 row \"TPU v4 power\", Cloud TPU "
    "docs, H) applied to the TDP; a powered, clocked chip that is not computing, not deep idle";
const std::string kSrcSwitchSplit =
    "static/per-bit split is an ESTIMATE: no idle figure is published, so the chip without SerDes is split "
    "evenly between static (clock tree, SRAM buffers and tables stay powered) and per bit (packet "
    "processing); "
    "set static_power: 0 W and energy to the full-rate figure to charge it all per bit";
const std::string kSrcLr112gDensity =
    "shoreline density 0.87 Tb/s per mm (both directions) is DERIVED as a lower bound: Tomahawk 5's 512 x "
    "100G SerDes, 2 x 51.2 Tb/s (tech-figures.md §4 row \"Broadcom Tomahawk 5 capacity\", H), on one die no "
    "larger than the 26 x 33 mm reticle (§10 row \"Lithography reticle field\", L), whose perimeter is 118 "
    "mm";
const std::string kSrcLr224gDensity =
    "shoreline density 1.74 Tb/s per mm is an ESTIMATE: the 112G-class 0.87 Tb/s per mm (derived from "
    "Tomahawk 5, §4 H, and the reticle, §10 L) at the same lane pitch and twice the lane rate";
const std::string kSrcSwitchLatency =
    "latency is an ESTIMATE (§4 row \"Switch port-to-port latency\": n/f; gap 2)";

// ---- builders
// -----------------------------------------------------------------------------------------------

StackElement dynamic(const char* category, double pj_per_bit, int count = 1, double latency_s = 0.0) {
  StackElement e;
  e.category = category;
  e.energy_pj_per_bit = pj_per_bit;
  e.count = count;
  e.latency_s = latency_s;
  return e;
}

StackElement static_power(const char* category, double watts, int count = 1, double latency_s = 0.0) {
  StackElement e;
  e.category = category;
  e.power_w = watts;
  e.count = count;
  e.latency_s = latency_s;
  return e;
}

// Fibre optics with the estimated budget; `lasers` external laser sources (both ends together), if any.
OpticsSpec optics(double budget_db, int lasers = 0) {
  OpticsSpec o;
  o.present = true;
  o.budget_db = budget_db;
  o.connectors = 2;
  o.connector_loss_db = 0.5;
  if (lasers > 0) {
    o.lasers = lasers;
    o.laser_optical_power_w = kElsfpOpticalW;
    o.laser_wall_plug_efficiency = kElsfpWallPlug;
  }
  return o;
}

Preset base(std::string name, const char* kind, std::string summary, std::string source,
            const char* confidence) {
  Preset p;
  p.name = std::move(name);
  p.kind = kind;
  p.summary = std::move(summary);
  p.source = std::move(source);
  p.confidence = confidence;
  return p;
}

Preset link(std::string name, std::string summary, std::string source, const char* confidence,
            const char* regime, double bandwidth_Bps, double latency_s, std::vector<StackElement> stack,
            OpticsSpec optics_spec = {}) {
  Preset p = base(std::move(name), "link", std::move(summary), std::move(source), confidence);
  p.link.preset = p.name;
  p.link.regime = regime;
  p.link.bandwidth_Bps = bandwidth_Bps;
  p.link.latency_s = latency_s;
  p.link.stack = std::move(stack);
  p.link.optics = optics_spec;
  return p;
}

// A switch whose chip (without port SerDes) draws `core_w` at full rate, split evenly between static power
// and per-bit energy; `extra_static_w` and `extra_pj` add co-packaged optics and their SerDes.
Preset switch_chip(std::string name, std::string summary, std::string source, const char* confidence,
                   int radix, double port_Bps, double core_w, double latency_s, bool in_network_reduction,
                   double extra_static_w = 0.0, double extra_pj = 0.0) {
  Preset p = base(std::move(name), "switch", std::move(summary), std::move(source), confidence);
  const double switched_bps = radix * port_Bps * 8.0;
  p.sw.preset = p.name;
  p.sw.radix = radix;
  p.sw.port_bandwidth_Bps = port_Bps;
  p.sw.static_power_w = core_w / 2.0 + extra_static_w;
  p.sw.energy_pj_per_bit = core_w / 2.0 / switched_bps * 1e12 + extra_pj;
  p.sw.latency_s = latency_s;
  p.sw.in_network_reduction = in_network_reduction;
  return p;
}

Preset ocs(std::string name, std::string summary, std::string source, const char* confidence, int ports,
           double reconfiguration_s, double insertion_loss_db, double power_w) {
  Preset p = base(std::move(name), "ocs", std::move(summary), std::move(source), confidence);
  p.ocs.preset = p.name;
  p.ocs.ports = ports;
  p.ocs.reconfiguration_s = reconfiguration_s;
  p.ocs.insertion_loss_db = insertion_loss_db;
  p.ocs.power_w = power_w;
  return p;
}

Preset nic(std::string name, std::string summary, std::string source, const char* confidence,
           double latency_s, double energy_pj_per_bit, double static_power_w) {
  Preset p = base(std::move(name), "nic", std::move(summary), std::move(source), confidence);
  p.nic.preset = p.name;
  p.nic.latency_s = latency_s;
  p.nic.energy_pj_per_bit = energy_pj_per_bit;
  p.nic.static_power_w = static_power_w;
  return p;
}

Preset memory(std::string name, std::string summary, std::string source, const char* confidence,
              double bandwidth_Bps, double latency_s, double energy_pj_per_bit,
              std::uint64_t capacity_bytes) {
  Preset p = base(std::move(name), "memory", std::move(summary), std::move(source), confidence);
  p.memory.preset = p.name;
  p.memory.bandwidth_Bps = bandwidth_Bps;
  p.memory.latency_s = latency_s;
  p.memory.energy_pj_per_bit = energy_pj_per_bit;
  p.memory.capacity_bytes = capacity_bytes;
  return p;
}

Preset accelerator(std::string name, std::string summary, std::string source, const char* confidence,
                   double compute_flops, double hbm_Bps, std::uint64_t hbm_bytes, double idle_power_w,
                   double compute_power_w) {
  Preset p = base(std::move(name), "accelerator", std::move(summary), std::move(source), confidence);
  p.accelerator.preset = p.name;
  p.accelerator.compute_flops = compute_flops;
  p.accelerator.hbm.bandwidth_Bps = hbm_Bps;
  p.accelerator.hbm.capacity_bytes = hbm_bytes;
  p.accelerator.hbm.energy_pj_per_bit = kHbmPj;
  p.accelerator.idle_power_w = idle_power_w;
  p.accelerator.compute_power_w = compute_power_w;
  return p;
}

std::uint64_t gib(double n) {
  return static_cast<std::uint64_t>(n * kGiB);
}

// ---- links
// --------------------------------------------------------------------------------------------------

void add_links(std::vector<Preset>& all) {
  const double row_flight_s = kRowReachM * kFibreSPerM;

  // Electrical scale-up.
  all.push_back(
      link("nvlink4-x18", "NVLink 4 port of one H100: 18 links, 450 GB/s per direction, 100G-class SerDes",
           "bandwidth: tech-figures.md §1 row \"NVLink 4 per GPU (H100)\" (NVIDIA Hopper page, H): 900 GB/s "
           "bidirectional, halved; " +
               kSrcLr112g + "; " + kSrcLrLatency +
               "; base latency 80 ns (link layer and ~2 m of copper) is an ESTIMATE",
           "low", "rack", 450e9, 80e-9, {dynamic("serdes", kLr112gPj, 1, kLrLatencyS)}));
  all.push_back(
      link("nvlink5-x18", "NVLink 5 port of one B200: 18 links, 900 GB/s per direction, 200G-class SerDes",
           "bandwidth: tech-figures.md §1 row \"NVLink 5 per GPU (B200)\" (glennklockwood.com, NVIDIA DGX "
           "B200, H/M): "
           "1.8 TB/s bidirectional, halved; " +
               kSrcLr224g + "; " + kSrcLrLatency + " (a 112G figure); base latency 80 ns is an ESTIMATE",
           "estimate", "rack", 900e9, 80e-9, {dynamic("serdes", kLr224gPj, 1, kLrLatencyS)}));
  all.push_back(
      link("lr-112g-x8", "8 lanes of 112G long-reach electrical SerDes (800G, 100 GB/s per direction)",
           "bandwidth: 8 x 100 Gb/s payload per 112G-class lane (tech-figures.md §4 row \"Tomahawk 5 "
           "capacity\": 512 x 100G-PAM4 "
           "SerDes = 51.2 Tb/s, H); " +
               kSrcLr112g + "; " + kSrcLrLatency + "; base latency 10 ns (~2 m of copper) is an ESTIMATE",
           "low", "rack", 100e9, 10e-9, {dynamic("serdes", kLr112gPj, 1, kLrLatencyS)}));
  all.push_back(
      link("lr-224g-x8", "8 lanes of 224G-class long-reach electrical SerDes (1.6T, 200 GB/s per direction)",
           "bandwidth: 8 x 200 Gb/s payload per 224G-class lane (tech-figures.md §4 row \"Tomahawk 6 "
           "capacity\": 512 x 200G, "
           "H); " +
               kSrcLr224g +
               "; latency 20 ns SerDes+FEC (§1 row \"112G LR latency\", L, a 112G figure) plus 10 ns of "
               "copper, both ESTIMATES for 224G",
           "estimate", "rack", 200e9, 10e-9, {dynamic("serdes", kLr224gPj, 1, kLrLatencyS)}));
  all.push_back(link(
      "pcie6-x16-retimed", "PCIe 6.0 x16 with one Aries-class retimer on the path (128 GB/s per direction)",
      "bandwidth: tech-figures.md §1 row \"PCIe 6.0 x16\" (PCI-SIG 6.0 summaries, M): 256 GB/s "
      "bidirectional, "
      "halved, raw rate (FLIT overhead not applied); retimer 11 W static per device: §2 row \"PCIe 6 / CXL 3 "
      "retimer (Astera Aries 6)\" (TweakTown GTC 2024, M) = 5.4 pJ/bit at full rate (§2 row \"Same, per "
      "bit\", "
      "D); host SerDes 6.5 pJ/bit is an ESTIMATE: PCIe 5 derived from NVLink-C2C's 1.3 pJ/bit and \"5x more "
      "efficient than PCIe Gen5\" (§1 row \"NVLink-C2C energy\", NVIDIA blog, M), used for PCIe 6; latency: "
      "retimer 10 ns, SerDes 10 ns, 5 ns of board trace are ESTIMATES",
      "medium", "board", 128e9, 5e-9,
      {dynamic("serdes", kPcie5Pj, 1, 10e-9), static_power("retimer", 11.0, 1, kRetimerLatencyS)}));
  {
    // §2 "Same, per lane" 0.69 W/lane (11 W / 16 lanes, D) at 64 GT/s, scaled to 112G lanes by line rate.
    const double aec_end_w = 11.0 / 16.0 * (112.0 / 64.0) * 8.0;
    all.push_back(link(
        "aec-800g", "800G active electrical cable: a retimer in each cable end (100 GB/s per direction)",
        "AEC power is n/f (tech-figures.md §2 row \"AEC 800G (112G/lane) power\"; Credo AECs reach ~7 m, "
        "connextion.news), so each end's retimer is an ESTIMATE: Aries 6 at 0.69 W per lane (§2 row \"Same, "
        "per "
        "lane\", D from M) scaled to 112G by line rate (x1.75) x 8 lanes = 9.6 W per end; " +
            kSrcLr112g + "; " + kSrcLrLatency +
            "; retimer 10 ns each and 15 ns of cable (3 m) are ESTIMATES; context: an HDR 200G active cable "
            "draws 6 W per port (§2 row \"Active cable port power\", NVIDIA SuperPOD guide, H)",
        "estimate", "rack", 100e9, 15e-9,
        {dynamic("serdes", kLr112gPj, 1, kLrLatencyS),
         static_power("retimer", aec_end_w, 2, kRetimerLatencyS)}));
  }

  // Pluggable optics.
  {
    const double dsp_w = kDsp800gW - kLpo800gW;  // the DSP's share of a DSP module, 7.5 W
    all.push_back(link(
        "osfp-800g-dsp", "800G twin-port OSFP DSP pluggable at each end over SMF (100 GB/s per direction)",
        "module 16 W typical (17 W max, 1.5 W low-power mode) x 2 modules: tech-figures.md §3 row \"NVIDIA "
        "800G "
        "twin-port OSFP\" (docs.nvidia.com MMS4X00-NS specifications, H) = 20 pJ/bit at full rate (§3 row "
        "\"Same, per bit\", D); split per module into 8.5 W optical front end (laser) and 7.5 W DSP (dsp) "
        "with "
        "§3 row \"800G LPO vs DSP module\" (8-9 vs 14-16 W, L); bandwidth: 800 Gb/s per direction per "
        "module; " +
            kSrcLr112g + "; " + kSrcFibre + "; " + kSrcDspLatency + "; " + kSrcLrLatency + "; " + kSrcBudget,
        "high", "row", 100e9, row_flight_s,
        {dynamic("serdes", kLr112gPj, 1, kLrLatencyS), static_power("dsp", dsp_w, 2, kDspModuleLatencyS),
         static_power("laser", kLpo800gW, 2)},
        optics(kOpticalBudgetDb)));
  }
  {
    const double dsp_w = kDsp1p6tW * (kDsp800gW - kLpo800gW) / kDsp800gW;
    all.push_back(link(
        "osfp-1p6t-dsp", "1.6T DSP pluggable at each end over SMF (200 GB/s per direction)",
        "module up to 25 W x 2 modules: tech-figures.md §3 row \"1.6T pluggable\" (aicplight.com, L) = 15.6 "
        "pJ/bit at full rate (§3 row \"Same, per bit\", D); the DSP/front-end split uses the 800G ratio (7.5 "
        "of "
        "16 W, §3 rows \"800G LPO vs DSP module\" L and \"NVIDIA 800G twin-port OSFP\" H) and is an "
        "ESTIMATE; "
        "baseline for NVIDIA's ~30 W pluggable port (§3 row \"NVIDIA CPO vs pluggable per port\", M): this "
        "preset's port is 25 W + 5.5 pJ/bit x 1.6 Tb/s = 33.8 W; " +
            kSrcLr224g + "; " + kSrcFibre + "; " + kSrcDspLatency + "; " + kSrcLrLatency + "; " + kSrcBudget,
        "low", "row", 200e9, row_flight_s,
        {dynamic("serdes", kLr224gPj, 1, kLrLatencyS), static_power("dsp", dsp_w, 2, kDspModuleLatencyS),
         static_power("laser", kDsp1p6tW - dsp_w, 2)},
        optics(kOpticalBudgetDb)));
  }
  all.push_back(link(
      "lpo-800g", "800G linear pluggable optics (no DSP) at each end over SMF (100 GB/s per direction)",
      "module ~8-9 W (8.5 used) x 2 modules, in category laser (optical front end, no DSP): tech-figures.md "
      "§3 "
      "row \"800G LPO vs DSP module\" (axiomupgrades.com, journalnewsinfo.com, L) = 10.6 pJ/bit at full rate "
      "(§3 row \"Same, per bit\", D); reach <=500 m, host DSP SerDes and RS(544,514) FEC drive the optics "
      "(§3 row \"LPO MSA 100G-DR-LPO\", M); " +
          kSrcLr112g + "; " + kSrcFibre +
          "; no DSP latency (§4 row \"LPO/direct-drive latency saving\", L); " + kSrcLrLatency +
          "; optics: 3 dB budget (less margin than a DSP module), 2 connectors at 0.5 dB are ESTIMATES",
      "low", "row", 100e9, row_flight_s,
      {dynamic("serdes", kLr112gPj, 1, kLrLatencyS), static_power("laser", kLpo800gW, 2)},
      optics(kLpoBudgetDb)));
  {
    // Halfway between LPO and CPO optics per bit, SerDes excluded: 10.6 and 4.5 pJ/bit.
    const double lpo_pj = kLpo800gW / 0.8;
    const double cpo_optics_pj = (kCpoPortW - kXsrPj * kCpoPortBps * 1e-12) / (kCpoPortBps * 1e-12);
    const double npo_end_w = (lpo_pj + cpo_optics_pj) / 2.0 * kCpoPortBps * 1e-12;
    all.push_back(link(
        "npo-1p6t",
        "1.6T near-package optics: an optical engine beside the package at each end (200 GB/s per "
        "direction)",
        "NPO figures are n/f (tech-figures.md §3 row \"NPO (near-package optics) figures\"), so the engine "
        "is an "
        "ESTIMATE halfway between LPO and CPO optics per bit: LPO 8.5 W / 800 Gb/s = 10.6 pJ/bit (§3 row "
        "\"800G "
        "LPO vs DSP module\", L) and CPO (9 W - 1.76 W of SerDes) / 1.6 Tb/s = 4.5 pJ/bit (§3 row \"NVIDIA "
        "CPO vs "
        "pluggable per port\", M) give 7.6 pJ/bit = 12.1 W per end, lasers inside the engine (estimate); the "
        "host drives a XSR+-class channel of up to 13 dB (§1 row \"OIF CEI-112G-XSR+ channel\", H): " +
            kSrcXsr + "; " + kSrcFibre + "; " + kSrcBudget,
        "estimate", "row", 200e9, row_flight_s,
        {dynamic("serdes", kXsrPj, 1, 2e-9), static_power("laser", npo_end_w, 2)}, optics(kOpticalBudgetDb)));
  }

  // Co-packaged optics and optical I/O.
  {
    const double serdes_w = kXsrPj * kCpoPortBps * 1e-12;              // 1.76 W per port at full rate
    const double engine_w = kCpoPortW - serdes_w - kElsfpElectricalW;  // 6.24 W per port
    all.push_back(
        link("cpo-1p6t",
             "1.6T co-packaged optics port at each end, external laser source (200 GB/s per direction)",
             "~9 W per port vs ~30 W pluggable: tech-figures.md §3 row \"NVIDIA CPO vs pluggable per port\" "
             "(NVIDIA "
             "Hot Chips 2025 / NVIDIA blog via Notebookcheck and particle.news, M; electrical loss 22 dB -> "
             "4 dB), "
             "1.6 Tb/s port rate assumed (§3 row \"Same, per bit\", D; gap 5) = 5.6 pJ/bit at full rate; the "
             "9 W per "
             "port is split into host SerDes 1.1 pJ/bit x 1.6 Tb/s = 1.76 W, external laser 1 W and optical "
             "engine "
             "6.24 W (category laser, derived); " +
                 kSrcXsr + "; " + kSrcElsfp + "; " + kSrcFibre + "; " + kSrcBudget,
             "medium", "row", 200e9, row_flight_s,
             {dynamic("serdes", kXsrPj, 1, 2e-9), static_power("laser", engine_w, 2)},
             optics(kOpticalBudgetDb, 2)));
  }
  {
    const double port_bps = 800e9;
    const double optics_w = 5.5e-12 * port_bps;            // 4.4 W per 800G port end
    const double laser_share_w = kElsfpElectricalW / 2.0;  // one source per 1.6 Tb/s, half per 800G end
    all.push_back(
        link("cpo-bailly-800g",
             "800G port of a 51.2T CPO switch (Broadcom Bailly class) at each end (100 GB/s per "
             "direction)",
             "optics ~5.5 pJ/bit (vs 15+ pluggable): tech-figures.md §3 row \"Bailly optical efficiency\" "
             "(chipcraft.tech, no primary source, L) = 4.4 W per 800G port end, taken to include the "
             "external laser "
             "(0.5 W per end, the source does not say) and an engine of 3.9 W (category laser); Bailly is "
             "51.2 Tb/s "
             "with 8 engines of 6.4 Tb/s (§3 row \"Broadcom Bailly (TH5 CPO)\", Electronic Design, M); " +
                 kSrcXsr + "; " + kSrcElsfp + "; " + kSrcFibre + "; " + kSrcBudget,
             "low", "row", 100e9, row_flight_s,
             {dynamic("serdes", kXsrPj, 1, 2e-9), static_power("laser", optics_w - laser_share_w, 2)},
             optics(kOpticalBudgetDb, 1)));
  }
  all.push_back(link(
      "optical-io-teraphy",
      "optical I/O chiplet at each end (Ayar Labs TeraPHY gen 2 class, 250 GB/s per "
      "direction)",
      "<5 pJ/bit, 10 W per 4 Tb/s bidirectional chiplet, 5 ns per chiplet plus time of flight, no FEC: "
      "tech-figures.md §3 row \"Ayar Labs TeraPHY (gen 2)\" (ayarlabs.com, M vendor); bandwidth 4 Tb/s "
      "bidirectional halved; 10 W static per chiplet (category laser) x 2 = 5.0 pJ/bit at full rate, the "
      "claim's "
      "upper end; whether the claim includes the external laser is not stated, so the laser is added: " +
          kSrcElsfp +
          "; host side over UCIe 2.5D 0.3 pJ/bit (§1 row \"UCIe-2.5D (advanced package)\", M; the chiplet's "
          "own "
          "side is in its 10 W); base latency: 10 m of fibre at 4.5 ns/m = 45 ns (§3 row \"Fibre delay\", M; "
          "the 10 m reach is an ESTIMATE); " +
          kSrcBudget,
      "medium", "rack", 250e9, 10.0 * kFibreSPerM,
      {dynamic("serdes", 0.3, 1, kUcieLatencyS), static_power("laser", 10.0, 2, 5e-9)},
      optics(kOpticalBudgetDb, 2)));

  // Package and board.
  all.push_back(
      link("ucie-standard", "UCIe 2D (standard package) die-to-die at >16 GT/s, per 1 mm of die edge",
           "0.6 pJ/bit (>16 GT/s; 0.5 at <=16 GT/s) and up to 224 GB/s per mm of shoreline: tech-figures.md "
           "§1 rows "
           "\"UCIe-2D (standard package)\" and \"UCIe-2D shoreline density\" (D. Das Sharma et al., IEEE Hot "
           "Interconnects 2025, arXiv 2510.06513, via Converge Digest, M); bandwidth 224 GB/s for 1 mm of "
           "edge read as "
           "both directions together and halved (the source does not say; scale bandwidth with the edge); "
           "latency: "
           "~2 ns round trip (§1 row \"UCIe latency\", M) halved",
           "medium", "package", 112e9, kUcieLatencyS, {dynamic("serdes", 0.6)}));
  all.push_back(link(
      "ucie-advanced", "UCIe 2.5D (advanced package) die-to-die at >16 GT/s, per 1 mm of die edge",
      "0.3 pJ/bit (>16 GT/s; 0.25 at <=16 GT/s) and up to 1.3 TB/s per mm of shoreline: tech-figures.md §1 "
      "rows "
      "\"UCIe-2.5D (advanced package)\" and \"UCIe-2.5D shoreline density\" (D. Das Sharma et al., IEEE Hot "
      "Interconnects 2025, arXiv 2510.06513, M); bandwidth 1.3 TB/s for 1 mm of edge read as both directions "
      "together and halved (the source does not say; scale bandwidth with the edge); latency: ~2 ns round "
      "trip "
      "(§1 row \"UCIe latency\", M) halved",
      "medium", "package", 650e9, kUcieLatencyS, {dynamic("serdes", 0.3)}));
  all.push_back(link(
      "ucie-3d", "UCIe-3D hybrid-bonded die stacking, per 1 mm^2 of bonded area",
      "0.01-0.05 pJ/bit (0.05 used, the conservative end) and 300 TB/s per mm^2: tech-figures.md §1 row "
      "\"UCIe-3D (hybrid bonding)\" (D. Das Sharma et al., IEEE Hot Interconnects 2025, M); bandwidth for 1 "
      "mm^2 "
      "read as both directions together and halved (scale with the area); latency 1 ns is an ESTIMATE (no 3D "
      "figure; UCIe 2D/2.5D is ~2 ns round trip, §1 row \"UCIe latency\", M)",
      "medium", "package", 150e12, 1e-9, {dynamic("serdes", 0.05)}));
  all.push_back(link(
      "xsr-112g", "112G-class XSR die-to-die chiplet link, 16 lanes (1.8 Tb/s)",
      "<1.1 pJ/bit per lane, 16 x 113 Gb/s = 1.8 Tb/s, 1-12 dB loss: tech-figures.md §1 row \"112G-class XSR "
      "(die-to-die) transceiver\" (Gangasani et al., IEEE Solid-State Circuits Letters 8, 2025, "
      "doi:10.1109/LSSC.2025.3526877, H); 1.8 Tb/s read as per direction (16 transceiver lanes, each sending "
      "and "
      "receiving; the abstract does not say); reach <=50 mm (§1 row \"OIF XSR channel length\", M); latency "
      "2 ns "
      "is an ESTIMATE (no FEC; no figure)",
      "high", "package", 225e9, 2e-9, {dynamic("serdes", kXsrPj)}));
  all.push_back(link(
      "nvlink-c2c", "NVLink-C2C chip-to-chip (Grace Hopper), 450 GB/s per direction",
      "1.3 pJ/bit: tech-figures.md §1 row \"NVLink-C2C energy\" (NVIDIA blog \"What Is NVLink?\", M); 900 "
      "GB/s "
      "bidirectional, 450 GB/s per direction: §1 row \"NVLink-C2C bandwidth\" (NVIDIA Grace Hopper blog, H); "
      "latency <5 ns (5 used): §1 row \"NVLink-C2C interface latency\" (besthub.dev, L)",
      "medium", "board", 450e9, 5e-9, {dynamic("serdes", 1.3)}));
}

// The shoreline density of each link's accelerator-end I/O, where one is sourced or can be estimated; the
// others (co-packaged and near-package optics, XSR, NVLink-C2C, UCIe-3D, which is areal) stay 0: not known.
void add_link_densities(std::vector<Preset>& all) {
  const std::string ucie_advanced =
      "shoreline density 1.3 TB/s per mm: tech-figures.md §1 row \"UCIe-2.5D shoreline density\" (M)";
  const struct {
    const char* name;
    double density;
    std::string text;
  } rows[] = {
      {"nvlink4-x18", kLr112gDensity, kSrcLr112gDensity},
      {"nvlink5-x18", kLr224gDensity, kSrcLr224gDensity},
      {"lr-112g-x8", kLr112gDensity, kSrcLr112gDensity},
      {"lr-224g-x8", kLr224gDensity, kSrcLr224gDensity},
      {"pcie6-x16-retimed", kPcie6Density,
       "shoreline density 0.56 Tb/s per mm is an ESTIMATE: 64 GT/s lanes at the pitch of 100G lanes (0.87 "
       "Tb/s "
       "per mm, derived from Tomahawk 5, §4 H, and the reticle, §10 L)"},
      {"aec-800g", kLr112gDensity, "host " + kSrcLr112gDensity},
      {"osfp-800g-dsp", kLr112gDensity, "host " + kSrcLr112gDensity},
      {"osfp-1p6t-dsp", kLr224gDensity, "host " + kSrcLr224gDensity},
      {"lpo-800g", kLr112gDensity, "host " + kSrcLr112gDensity},
      {"optical-io-teraphy", kUcieAdvancedDensity, "host side over UCIe 2.5D: " + ucie_advanced},
      {"ucie-standard", kUcieStandardDensity,
       "shoreline density 224 GB/s per mm: tech-figures.md §1 row \"UCIe-2D shoreline density\" (M)"},
      {"ucie-advanced", kUcieAdvancedDensity, ucie_advanced},
  };
  for (const auto& row : rows) {
    for (Preset& p : all) {
      if (p.kind != "link" || p.name != row.name) continue;
      p.link.bandwidth_density_Bps_per_m = row.density;
      p.source += "; " + row.text;
    }
  }
}

// ---- switches
// -----------------------------------------------------------------------------------------------

void add_switches(std::vector<Preset>& all) {
  // Tomahawk 5: 450-500 W for 51.2 Tb/s including its 512 SerDes lanes; the links carry the SerDes.
  const double th5_bps = 51.2e12;
  const double th5_chip_w = (450.0 + 500.0) / 2.0;
  const double th5_core_w = th5_chip_w - kLr112gPj * 1e-12 * th5_bps;  // 193.4 W
  const double th5_core_pj = th5_core_w / th5_bps * 1e12;              // 3.78 pJ/bit
  // Tomahawk 6 class: TH5's whole-chip pJ/bit held constant (estimate), minus 224G-class SerDes.
  const double th6_bps = 102.4e12;
  const double th6_core_w = th5_chip_w / th5_bps * th6_bps - kLr224gPj * 1e-12 * th6_bps;  // 386.8 W
  // NVIDIA CPO port optics without the host SerDes: (9 - 1.76) W per 1.6 Tb/s = 4.525 pJ/bit.
  const double cpo_optics_pj = (kCpoPortW - kXsrPj * kCpoPortBps * 1e-12) / (kCpoPortBps * 1e-12);
  const std::string th5_text =
      "whole chip 450-500 W (475 used): tech-figures.md §4 rows \"Tomahawk 5 power\" (TechInsights / J. "
      "Byrne "
      "analyst estimate ~500 W, M; chipcraft.tech ~450 W, L) and \"Same, per bit\" (8.8-9.8 pJ/bit including "
      "SerDes, D); the SerDes belong to the links' stacks in pjbit, so 51.2 Tb/s x 5.5 pJ/bit = 281.6 W (§1 "
      "row "
      "\"112G LR SerDes (vendor comparison)\", L) is taken off: 193.4 W = 3.78 pJ/bit at full rate";

  const double gen3_bps = 64 * 25e9 * 8.0;                          // 12.8 Tb/s switched
  const double gen3_core_w = 120.0 - kLr112gPj * 1e-12 * gen3_bps;  // 49.6 W
  all.push_back(switch_chip(
      "nvswitch-gen3", "NVSwitch gen 3 (Hopper): 64 NVLink4 ports of 25 GB/s per direction, SHARP",
      "64 NVLink4 ports, 3.2 TB/s, SHARP in-network reduction: tech-figures.md §4 row \"NVSwitch gen 3 "
      "(Hopper)\" "
      "(NVIDIA developer blog on the third-generation NVSwitch, H); port 50 GB/s bidirectional = 25 GB/s per "
      "direction (§1 row \"NVLink 4 per GPU (H100)\": 18 x 50 GB/s, H); power ~120 W: §4 row \"NVSwitch gen "
      "3 "
      "power\" (fridayswithfaraday.com, L) over 12.8 Tb/s switched = 9.4 pJ/bit (the reference's 4.7 divides "
      "by "
      "the 25.6 Tb/s bidirectional total); SerDes 12.8 Tb/s x 5.5 pJ/bit = 70.4 W (§1, L) belong to the "
      "links, "
      "leaving 49.6 W = 3.9 pJ/bit; " +
          kSrcSwitchSplit + "; " + kSrcSwitchLatency + " (300 ns)",
      "low", 64, 25e9, gen3_core_w, 300e-9, true));
  all.push_back(switch_chip(
      "nvlink5-switch", "NVLink 5 switch (Blackwell): 72 ports of 50 GB/s per direction",
      "72 x 800G ports: tech-figures.md §4 row \"NVLink 5 switch\" (glennklockwood.com, M); 800 Gb/s = 100 "
      "GB/s "
      "bidirectional per NVLink5 link (§1 row \"NVLink 5 per GPU (B200)\", H/M) = 50 GB/s per direction, "
      "consistent with 18 chips x 7.2 TB/s = 130 TB/s (§4 row \"GB200 NVL72 switching\", M); power is n/f: "
      "ESTIMATE holding NVSwitch gen 3's chip-without-SerDes 3.9 pJ/bit (from ~120 W, L) over 28.8 Tb/s = "
      "111.6 W; SHARP carried over from gen 3 (the NVLink 5 rows do not mention it); " +
          kSrcSwitchSplit + "; " + kSrcSwitchLatency + " (300 ns)",
      "estimate", 72, 50e9, gen3_core_w / gen3_bps * (72 * 50e9 * 8.0), 300e-9, true));
  all.push_back(switch_chip("eth-51t", "51.2 Tb/s Ethernet switch ASIC (Tomahawk 5 class), 64 x 800G",
                            "capacity 51.2 Tb/s, 64 x 800G, 5 nm: tech-figures.md §4 row \"Broadcom Tomahawk "
                            "5 capacity\" (Broadcom "
                            "press release, H); " +
                                th5_text + "; " + kSrcSwitchSplit + "; " + kSrcSwitchLatency + " (500 ns)",
                            "low", 64, 100e9, th5_core_w, 500e-9, false));
  all.push_back(switch_chip(
      "eth-102t", "102.4 Tb/s Ethernet switch ASIC (Tomahawk 6 class), 64 x 1.6T",
      "capacity 102.4 Tb/s, 64 x 1.6TbE, 3 nm: tech-figures.md §4 row \"Tomahawk 6 capacity\" (Gazettabyte, "
      "ServeTheHome, Blocks & Files, H); power is not published (§4 row \"Tomahawk 6 power\", Gazettabyte, H "
      "as "
      "a statement of absence; the 0.35 pJ/bit trade claim, L, is not used), so it is an ESTIMATE: Tomahawk "
      "5's "
      "whole-chip 9.28 pJ/bit (475 W / 51.2 Tb/s, §4, M/L) held constant = 950 W, less 224G-class SerDes "
      "102.4 Tb/s x 5.5 pJ/bit = 563.2 W (estimate, §1 gap) = 386.8 W = 3.78 pJ/bit at full rate; " +
          kSrcSwitchSplit + "; " + kSrcSwitchLatency + " (500 ns)",
      "estimate", 64, 200e9, th6_core_w, 500e-9, false));
  {
    const double optics_w = 64 * kDsp1p6tW * (1.0 - 0.70);  // 70% lower than 64 pluggables of 25 W: 480 W
    all.push_back(switch_chip(
        "cpo-eth-102t",
        "102.4 Tb/s co-packaged-optics Ethernet switch (Tomahawk 6 Davisson class), 64 x 1.6T, "
        "port optics included",
        "70% lower optics power than pluggables (>3.5x less per bit): tech-figures.md §3 row \"Broadcom "
        "TH6-Davisson CPO\" (Broadcom via cloudnews.tech, M marketing), applied to 64 x 25 W 1.6T pluggables "
        "(§3 row \"1.6T pluggable\", L) = 480 W static for the port optics and their lasers; the ASIC's "
        "SerDes "
        "now drive the engines at 1.1 pJ/bit per bit (§1 row \"112G-class XSR\", H, for 200G an estimate); "
        "chip "
        "without SerDes as eth-102t (ESTIMATE, 386.8 W); includes its port optics: pair it with a link whose "
        "stack holds only the far end; " +
            kSrcSwitchSplit + "; " + kSrcSwitchLatency + " (500 ns)",
        "estimate", 64, 200e9, th6_core_w, 500e-9, false, optics_w, kXsrPj));
  }
  all.push_back(switch_chip(
      "spectrum-x-photonics",
      "Spectrum-X Photonics class CPO Ethernet switch, 128 x 800G (102.4 Tb/s), port "
      "optics included",
      "SN6810 102.4 Tb/s, 128 x 800G, liquid-cooled: tech-figures.md §3 row \"Spectrum-X Photonics "
      "(Ethernet)\" "
      "(particle.news, M); power is n/f, so it is an ESTIMATE: port optics at NVIDIA's CPO ~9 W per 1.6 Tb/s "
      "port (§3 row \"NVIDIA CPO vs pluggable per port\", M; port rate assumed, gap 5) less its 1.1 pJ/bit "
      "host "
      "SerDes = 4.5 pJ/bit x 102.4 Tb/s = 463.4 W static, SerDes 1.1 pJ/bit per bit (§1 row \"112G-class "
      "XSR\", "
      "H), chip without SerDes as eth-102t (ESTIMATE, 386.8 W); NVIDIA claims 3.5x power efficiency vs "
      "pluggables (§3 row \"NVIDIA Spectrum-X / Quantum-X Photonics claim\", M marketing); includes its port "
      "optics: pair it with a link whose stack holds only the far end; " +
          kSrcSwitchSplit + "; " + kSrcSwitchLatency + " (500 ns)",
      "estimate", 128, 100e9, th6_core_w, 500e-9, false, cpo_optics_pj * 1e-12 * th6_bps, kXsrPj));
  {
    const double qx_bps = 144 * 100e9 * 8.0;  // 115.2 Tb/s
    all.push_back(switch_chip(
        "quantum-x-photonics",
        "Quantum-X Photonics class CPO InfiniBand switch, 144 x 800G (115 Tb/s), port "
        "optics included",
        "144 x 800G, 115 Tb/s, liquid-cooled: tech-figures.md §3 row \"Quantum-X Photonics (InfiniBand)\" "
        "(particle.news, Converge Digest, M); power is n/f, so it is an ESTIMATE built as "
        "spectrum-x-photonics: "
        "port optics 4.5 pJ/bit x 115.2 Tb/s = 521.3 W static (§3 row \"NVIDIA CPO vs pluggable per port\", "
        "M), "
        "SerDes 1.1 pJ/bit (§1, H), chip without SerDes at eth-102t's 3.78 pJ/bit (ESTIMATE) = 435.1 W; "
        "in-network "
        "reduction left off (not in the reference for this switch); includes its port optics; " +
            kSrcSwitchSplit + "; " + kSrcSwitchLatency + " (300 ns)",
        "estimate", 144, 100e9, th5_core_pj * 1e-12 * qx_bps, 300e-9, false, cpo_optics_pj * 1e-12 * qx_bps,
        kXsrPj));
  }
}

// ---- optical circuit switches
// -------------------------------------------------------------------------------

void add_ocs(std::vector<Preset>& all) {
  const double palomar_w = 100.0;
  all.push_back(ocs(
      "ocs-palomar", "Google Palomar-class 3D-MEMS optical circuit switch, 136 x 136",
      "radix 136 x 136 (circulators make links bidirectional): tech-figures.md §5 row \"Google Palomar OCS "
      "radix\" (Urata et al., \"Mission Apollo\", arXiv 2208.10041, H); insertion loss <2 dB and "
      "reconfiguration "
      "1.2 ms median (<3 ms p99): §5 rows \"Palomar insertion loss\" and \"Palomar reconfiguration\" "
      "(emergentmind.com summary of Urata et al., M); power per OCS is n/f (§5 row \"Palomar power per "
      "OCS\", gap "
      "4): 100 W is an ESTIMATE of the mirror drivers, control and monitoring of one chassis; bound: all "
      "OCSes "
      "and their optics are <3% of TPU v4 system power (§5 row \"TPU v4 OCS power share\", Jouppi et al. "
      "ISCA "
      "2023, H); the data path is passive",
      "medium", 136, 1.2e-3, 2.0, palomar_w));
  all.push_back(ocs("ocs-mems-320",
                    "commercial 3D-MEMS optical circuit switch (Calient S320 class), 320 ports",
                    "320 ports, bulk reconfiguration <200 ms controller-managed (up to 500 ms worst case): "
                    "tech-figures.md §5 "
                    "row \"Calient S320 bulk reconfiguration\" (Calient S320 OCS Hardware User Guide, "
                    "Appendix A, H); insertion "
                    "loss and power are n/f (§5 row \"Calient S320 IL / power\"): 2.5 dB is an ESTIMATE "
                    "(Palomar's <2 dB, M, "
                    "plus the guide's +0.5 dB for MTP-12), power 235 W is an ESTIMATE (ocs-palomar's 100 W "
                    "scaled by ports)",
                    "high", 320, 0.2, 2.5, palomar_w * 320.0 / 136.0));
  all.push_back(ocs(
      "ocs-fast-tunable",
      "nanosecond optical switching by tunable lasers and passive gratings (Sirius class)",
      "3.84 ns end-to-end reconfiguration, <912 ps laser tuning, 50 Gb/s channels: tech-figures.md §5 row "
      "\"Sirius fast optical switching\" (Ballani et al., SIGCOMM 2020, doi:10.1145/3387514.3406221, H); the "
      "core is passive gratings, so power 0 W here (the tunable lasers are at the endpoints; their power is "
      "n/f; "
      "Sirius reports up to 74-77% lower network power in simulation, §5 row \"Sirius power\", H); port "
      "count 128 "
      "and insertion loss 6 dB are ESTIMATES (not in the reference)",
      "high", 128, 3.84e-9, 6.0, 0.0));
}

// ---- NICs
// ---------------------------------------------------------------------------------------------------

void add_nics(std::vector<Preset>& all) {
  const std::string pcie_text =
      "per-bit energy is the host PCIe crossing, 6.5 pJ/bit: PCIe 5 derived from NVLink-C2C's 1.3 pJ/bit and "
      "\"5x more efficient than PCIe Gen5\" (tech-figures.md §1 row \"NVLink-C2C energy\", NVIDIA blog, M)";
  all.push_back(nic(
      "nic-400g", "400G scale-out NIC on PCIe 5 x16",
      "the reference has no NIC figures: static power 15 W and latency 300 ns are ESTIMATES (order of a 400G "
      "PCIe 5 NIC card, not sourced); " +
          pcie_text +
          "; PCIe 5 x16 = 64 GB/s per direction carries 400 Gb/s (§1 row \"PCIe 5.0 x16\", H); the "
          "port SerDes are in the link's stack",
      "estimate", 300e-9, kPcie5Pj, 15.0));
  all.back().nic.bandwidth_density_Bps_per_m = kPcie5Density;
  all.back().source +=
      "; host interface shoreline density 0.28 Tb/s per mm is an ESTIMATE: 32 GT/s lanes at the pitch of "
      "100G "
      "lanes (0.87 Tb/s per mm, derived from Tomahawk 5, §4 H, and the reticle, §10 L)";
  all.push_back(nic(
      "nic-800g", "800G scale-out NIC on PCIe 6 x16",
      "the reference has no NIC figures: static power 20 W and latency 300 ns are ESTIMATES (not sourced); " +
          pcie_text +
          ", used for PCIe 6 as an ESTIMATE; PCIe 6 x16 = 128 GB/s per direction carries 800 Gb/s "
          "(§1 row \"PCIe 6.0 x16\", M); the port SerDes are in the link's stack",
      "estimate", 300e-9, kPcie5Pj, 20.0));
  all.back().nic.bandwidth_density_Bps_per_m = kPcie6Density;
  all.back().source +=
      "; host interface shoreline density 0.56 Tb/s per mm is an ESTIMATE: 64 GT/s lanes at the pitch of "
      "100G "
      "lanes (0.87 Tb/s per mm, derived from Tomahawk 5, §4 H, and the reticle, §10 L)";
}

// ---- memory
// -------------------------------------------------------------------------------------------------

void add_memory(std::vector<Preset>& all) {
  const std::string hbm_latency =
      "latency 100 ns is an ESTIMATE (no HBM latency in the reference; local DRAM "
      "is <100 ns, §6 row \"Local DDR latency\", M)";
  const std::string dram_text = "DRAM device 10 pJ/bit is an ESTIMATE (§6 row \"DDR5 energy per bit\": n/f)";
  const std::string pcie_text =
      "a PCIe 5 crossing is 6.5 pJ/bit (derived from §1 row \"NVLink-C2C energy\" 1.3 pJ/bit and its \"5x "
      "more "
      "efficient than PCIe Gen5\", M)";
  const std::string x16_text =
      "bandwidth: link-bound, PCIe 5 x16 = 128 GB/s bidirectional halved (§6 row \"CXL bandwidth\", D; §1 "
      "row "
      "\"PCIe 5.0 x16\", H)";
  all.push_back(memory(
      "hbm3-stack", "one HBM3 stack: 819 GB/s, up to 64 GiB (16-high)",
      "819 GB/s (6.4 Gb/s/pin x 1024 bits), up to 16-high, 64 GB: tech-figures.md §6 row \"HBM3 per stack\" "
      "(JEDEC HBM3 summary via TechSpot, SemiWiki, H); capacity stored as 64 GiB (binary die densities); " +
          kSrcHbmEnergy + "; " + hbm_latency,
      "high", 819e9, 100e-9, kHbmPj, gib(64)));
  all.push_back(memory(
      "hbm3e-stack", "one HBM3E stack: ~1.2 TB/s, 36 GiB (12-high)",
      "~1.2 TB/s (9.2+ Gb/s/pin), 24 GB 8-high / 36 GB 12-high: tech-figures.md §6 row \"HBM3E per stack\" "
      "(Micron HBM3 Gen2 announcement via Tom's Hardware, H); capacity stored as 36 GiB; " +
          kSrcHbmEnergy + " (the reference's 7-9 pJ/bit for HBM3E is L); " + hbm_latency,
      "high", 1.2e12, 100e-9, kHbmPj, gib(36)));
  all.push_back(memory(
      "cxl-pool", "CXL memory pool (Pond class): +70-90 ns over local DRAM",
      "latency 180 ns = local DRAM <100 ns (100 used; tech-figures.md §6 row \"Local DDR latency\", Next "
      "Platform, M) + 80 "
      "ns "
      "(midpoint of +70-90 ns, §6 row \"CXL pool latency add\", Li et al., Pond, ASPLOS 2023, M), derived; " +
          x16_text + "; energy 16.5 pJ/bit is an ESTIMATE: " + pcie_text + " + " + dram_text +
          "; capacity 1 TiB is an example",
      "derived", 64e9, 180e-9, kPcie5Pj + kDramPoolPj, gib(1024)));
  all.push_back(memory(
      "cxl-expander", "CXL memory expander card: 2-5x local DRAM latency",
      "latency 350 ns = 3.5x (midpoint of 2-5x) local DRAM 100 ns: tech-figures.md §6 row \"CXL expander "
      "latency "
      "(measured)\" (\"Exploring and Evaluating Real-world CXL\", arXiv 2405.14209, H) and row \"Local DDR "
      "latency\" (M), derived; " +
          x16_text + "; energy 16.5 pJ/bit is an ESTIMATE: " + pcie_text + " + " + dram_text +
          "; capacity 256 GiB is an example",
      "derived", 64e9, 350e-9, kPcie5Pj + kDramPoolPj, gib(256)));
  all.push_back(memory(
      "pcie-fabric-pool", "memory pool over a PCIe fabric (GigaIO class, not CXL): 0.5-1.5 us",
      "latency 1 us, midpoint of 500 ns - 1.5 us: tech-figures.md §6 row \"PCIe-DMA memory pooling "
      "(GigaIO)\" "
      "(Next Platform, Dec 2022, M); bandwidth 64 GB/s per direction is an ESTIMATE (PCIe 5 x16-bound; the "
      "row gives none); energy 23 pJ/bit is an ESTIMATE: two PCIe crossings through a PCIe switch, " +
          pcie_text + ", x 2 + " + dram_text +
          " (the PCIe switch's own power is n/f and left out); capacity 4 "
          "TiB is an example",
      "medium", 64e9, 1e-6, 2.0 * kPcie5Pj + kDramPoolPj, gib(4096)));
}

// ---- accelerators
// -------------------------------------------------------------------------------------------

void add_accelerators(std::vector<Preset>& all) {
  {
    Preset p = base(
        "generic-npu", "accelerator", "a generic training accelerator: 1000 TFLOP/s, 3.35 TB/s HBM, 80 GiB",
        "round figures near H100 SXM5 (tech-figures.md §7 rows \"H100 SXM5 BF16\" and \"H100 SXM5 HBM\", "
        "NVIDIA H100 datasheet, H), rounded, so an ESTIMATE; " +
            kSrcHbmEnergy + "; idle power 0 W (not charged)",
        "estimate");
    p.accelerator.preset = p.name;
    all.push_back(p);
  }
  all.push_back(
      accelerator("h100-sxm5", "NVIDIA H100 SXM5: 989.4 TFLOP/s dense BF16, 80 GB HBM3 at 3.35 TB/s, 700 W",
                  "989.4 TFLOP/s dense BF16, 80 GB HBM3 at 3.35 TB/s (5 stacks), 700 W TDP: tech-figures.md "
                  "§7 rows \"H100 "
                  "SXM5 BF16\", \"H100 SXM5 HBM\" and \"H100 SXM5 TDP\" (NVIDIA H100 datasheet, H); " +
                      kSrcHbmEnergy + "; " + kSrcIdleRatio +
                      ": 0.47 x 700 W = 328 W; power while computing: the 700 W TDP",
                  "high", 989.4e12, 3.35e12, 80000000000ull, kTpuV4MinOverMax * 700.0, 700.0));
  all.push_back(accelerator("b200-hgx",
                            "NVIDIA B200 (HGX, 1000 W): 2250 TFLOP/s dense BF16, 192 GB HBM3e at 8 TB/s",
                            "2250 TFLOP/s dense BF16 at 1000 W, 192 GB HBM3e at 8 TB/s (8 stacks): "
                            "tech-figures.md §7 rows \"B200 (HGX, "
                            "1000 W)\" and \"B200 memory\" (glennklockwood.com citing NVIDIA, M); " +
                                kSrcHbmEnergy + "; " + kSrcIdleRatio +
                                ": 0.47 x 1000 W = 469 W; power while computing: the 1000 W TDP",
                            "medium", 2250e12, 8e12, 192000000000ull, kTpuV4MinOverMax * 1000.0, 1000.0));
  all.push_back(accelerator("b200-gb200",
                            "NVIDIA B200 in GB200 (1200 W): 2500 TFLOP/s dense BF16, 192 GB HBM3e at 8 TB/s",
                            "2500 TFLOP/s dense BF16 at 1200 W, 192 GB HBM3e at 8 TB/s: tech-figures.md §7 "
                            "rows \"B200 (GB200, 1200 "
                            "W)\" and \"B200 memory\" (glennklockwood.com citing NVIDIA, M); " +
                                kSrcHbmEnergy + "; " + kSrcIdleRatio +
                                ": 0.47 x 1200 W = 563 W; power while computing: the 1200 W TDP",
                            "medium", 2500e12, 8e12, 192000000000ull, kTpuV4MinOverMax * 1200.0, 1200.0));
  all.push_back(accelerator(
      "tpu-v4", "Google TPU v4: 275 TFLOP/s BF16, 32 GiB HBM2 at 1200 GB/s, 90 W measured minimum",
      "275 TFLOP/s bf16, 32 GiB HBM2 at 1200 GB/s, power 90 / 170 / 192 W min / mean / max measured: "
      "tech-figures.md §7 rows \"TPU v4\" and \"TPU v4 power\" (Cloud TPU docs, \"TPU v4\", H); idle power = "
      "the "
      "measured minimum 90 W, power while computing = the measured maximum 192 W; " +
          kSrcHbmEnergy,
      "high", 275e12, 1200e9, gib(32), 90.0, 192.0));
  all.push_back(accelerator(
      "tpu-v5p", "Google TPU v5p: 459 TFLOP/s BF16, 95 GB HBM2e at 2765 GB/s",
      "459 TFLOP/s bf16, 95 GB HBM2e at 2765 GB/s: tech-figures.md §7 row \"TPU v5p\" (Cloud TPU docs, \"TPU "
      "v5p\", H); power is n/f (§7 row \"TPU v5p power\", gap 4): idle 90 W is an ESTIMATE, TPU v4's "
      "measured "
      "minimum (§7 row \"TPU v4 power\", H) assumed unchanged; power while computing is not set (n/f), so "
      "computing draws the idle power; " +
          kSrcHbmEnergy,
      "high", 459e12, 2765e9, 95000000000ull, 90.0, 0.0));
}

std::vector<Preset> make_presets() {
  std::vector<Preset> all;
  add_links(all);
  add_link_densities(all);
  add_switches(all);
  add_ocs(all);
  add_nics(all);
  add_memory(all);
  add_accelerators(all);
  return all;
}

}  // namespace

const std::vector<Preset>& all_presets() {
  static const std::vector<Preset> presets = make_presets();
  return presets;
}

const Preset* find_preset(std::string_view kind, std::string_view name) {
  for (const auto& p : all_presets())
    if (p.kind == kind && p.name == name) return &p;
  return nullptr;
}

}  // namespace pjbit::platforms::tech
