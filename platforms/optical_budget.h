// The optical link budget of a platform (platforms/optical_budget.md): for each kind of optical path its
// fibre, connectors and OCS add up to a loss, which the budget (the transmitter's launch power less the
// receiver's sensitivity) must cover. The margin is what is left; a negative margin is an input error.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/errors.h"
#include "platforms/spec.h"

namespace pjbit::platforms {

struct Topology;

// One kind of optical path: the links of one tier end to end, or two of them through an OCS. Of the
// platform's paths of that kind, the one with the least margin (the longest fibre).
struct OpticalPath {
  std::string tier;     // the tier's name ("" on a flat topology)
  std::string key;      // the platform key of its optics: "tiers.1.link.optics" or "topology.link.optics"
  core::SourceLoc loc;  // where that link is described
  std::string from, via, to;  // an example: its endpoints, and the OCS it crosses ("" when direct)
  std::string preset;         // the link preset ("" for a link described in full)
  int links = 0;              // platform links of this kind (through an OCS: links into it)
  double fibre_m = 0.0;       // fibre on the path
  double fibre_db = 0.0;      // fibre_m x the optics' loss per metre
  int connectors = 0;         // on the path (an OCS's own port connectors are in its insertion loss)
  double connectors_db = 0.0;
  double ocs_db = 0.0;               // the OCS's insertion loss, 0 when direct
  double loss_db = 0.0;              // fibre_db + connectors_db + ocs_db
  std::optional<double> laser_dbm;   // an external laser source's output, when it gives the launch power
  double split_db = 0.0;             // its split to lanes, 10 log10(split)
  double laser_path_db = 0.0;        // its path to the modulated light
  std::optional<double> launch_dbm;  // launch power per lane, when known
  std::optional<double> sensitivity_dbm;
  double budget_db = 0.0;
  double margin_db = 0.0;  // budget_db - loss_db

  // "r0 -> ocs0 -> r8" or "r0 -> sw1"
  std::string route() const;
  // The loss itemised: "fibre 100 m x 0.5 dB/km = 0.05 dB + 2 connectors x 0.5 dB + OCS 2 dB".
  std::string loss_terms() const;
  // The budget explained: "launch 1.2 dBm - sensitivity -1.9 dBm" or "given".
  std::string budget_terms() const;
};

// Every kind of optical path of the topology, in tier order, direct paths before paths through an OCS.
std::vector<OpticalPath> optical_paths(const PlatformSpec& spec, const Topology& topo);

// Throws core::InputError naming the link's key for the first path whose margin is negative.
void check_optical_budgets(const std::vector<OpticalPath>& paths);

}  // namespace pjbit::platforms
