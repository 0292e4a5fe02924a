// Faults as the platform describes them. What a fault takes down, in links of the topology (CONTRACT section
// 9): a link, every link of a switch or NIC, the link on an OCS port, the link a laser feeds, or every link
// an external laser source feeds. Pure: no kernel, no modules; the engine turns the links into capacity and
// routes (engine/faults.md).
#pragma once

#include <string>
#include <vector>

#include "platforms/spec.h"
#include "platforms/topology.h"

namespace pjbit::platforms {

// An external laser source: one node's optical ports on links whose optics say `laser.shared_by: N`, N to a
// source in port order. Named "<node>/els<k>" (k from 0 at each node).
struct LaserSource {
  std::string name;
  int node = -1;
  std::vector<int> links;  // topology link ids, in port order
};

// Every laser source of the topology, by node then port order.
std::vector<LaserSource> laser_sources(const Topology& topo);
// Every optical engine of the topology (`NODE/oeK`, optics.engine_ports optical ports each, else one), by
// node then port order.
std::vector<LaserSource> optical_engines(const Topology& topo);

// A fault with its target found: the links it takes down or degrades, and the target's kind.
struct ResolvedFault {
  FaultSpec spec;
  std::vector<int> links;  // topology link ids, ascending, none twice
  double detect_s = 0.0;   // the fault's own detection time, else the platform's
};

// A Reed-Solomon FEC's codeword error rate at a raw bit error rate `ber`: the chance that more than t of a
// codeword's n symbols (of m bits, each wrong when any of its bits is) are wrong, a binomial tail.
double codeword_error_rate(double ber, const FecSpec& fec);
// The chance that a unit of `bytes` (payload and overhead on the wire) holds a codeword the FEC cannot
// correct, and is sent again: 1 - (1 - CER)^codewords, codewords = ceil(8 bytes / (k m)).
double unit_error_rate(double ber, const FecSpec& fec, double bytes);

// Finds every fault's target; throws core::InputError at the fault's target naming what exists instead (an
// unknown node, a pair no link joins, a link without lasers, a port out of range).
std::vector<ResolvedFault> resolve_faults(const PlatformSpec& spec, const Topology& topo);

}  // namespace pjbit::platforms
