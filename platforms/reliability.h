// Reliability of a platform over a long horizon (docs/reliability.md): the parts of every component (their
// `reliability:` lists) counted over the fabric's graph, without building any SystemC module, and grouped
// into independent Poisson failure streams, each with what one of its failures does to a training job that
// spans the whole platform.
#pragma once

#include <string>
#include <vector>

#include "platforms/spec.h"
#include "platforms/topology.h"

namespace pjbit::platforms {

// Failures of one part class at components that a failure affects alike. Streams are independent Poisson
// processes (a class split by effect is a thinning of one process, which stays Poisson).
struct FailureStream {
  std::string cause;             // "accelerator gpu", "scale_out link transceiver": where, then the part
  std::string where;             // accelerator | <tier> link | <tier> switch | <tier> ocs | <tier> nic
  std::string part;              // the part's name
  double parts = 0.0;            // parts in the stream: count per component x components
  double part_rate_per_s = 0.0;  // failures per second of one part
  double rate_per_s = 0.0;       // failures per second of the whole stream: parts x part_rate_per_s
  double repair_s = 0.0;         // mean time to repair or swap one
  // A failure stops the job (its part takes out something the job cannot run without): it loses the work
  // since the last checkpoint and restarts.
  bool interrupts = false;
  // Its repair takes out a unit the job still uses (a co-packaged engine's switch): the job checkpoints and
  // restarts when the part's repair is due, `repair_s` after the failure.
  bool planned_repair = false;
  std::string source, confidence;
};

// The streams of every part of every component: accelerators (per rank), and in each tier its links (those
// between an accelerator and its NIC left out: inside a node), switches, OCSes and NICs. What stops the job
// (docs/reliability.md): an accelerator or its node, a NIC, a link with an accelerator or a NIC at an end,
// a link whose lower switch has no other link up, a switch that an accelerator or NIC hangs off or that is
// a lower switch's only way up, an OCS that accelerators hang off; links into a bypass OCS and the
// spines of a fabric with path diversity are routed around. Stream order follows the graph (ranks, then
// tiers in order): deterministic.
std::vector<FailureStream> failure_streams(const PlatformSpec& spec, const Topology& topo);

// The platform's power while the job runs (W), without simulating: every accelerator at its compute power
// (its idle power when it gives none), every link's, switch's, NIC's and OCS's static power, and the flat
// cooling overhead on top. Fabric energy per bit moved is left out (a lower bound on the power).
double job_power_w(const PlatformSpec& spec, const Topology& topo);

}  // namespace pjbit::platforms
