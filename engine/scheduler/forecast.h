// The scheduler's forecast (docs/scheduler.md): what a step asks of the fabric (its demand), how long it
// would take on given OCS circuits, and which circuits fit it best. Plain computation over the topology and
// the router, no SystemC: the same inputs always give the same forecast.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "platforms/routing.h"
#include "platforms/spec.h"
#include "platforms/topology.h"
#include "workloads/spec.h"

namespace pjbit::engine::scheduler {

// Bytes from one endpoint to another.
struct Demand {
  int src = 0;
  int dst = 0;
  double bytes = 0.0;
};

// Transfers that run together (one phase of a collective), the HBM time of its busiest rank, and a fixed
// time added after it (a pool's access latency).
struct Stage {
  std::vector<Demand> transfers;
  double hbm_s = 0.0;
  double extra_s = 0.0;
};

// Stages one after another: one step, or one sub-step of a parallel step. `fixed_s` is a time the track
// takes whatever the fabric (a compute step, or the span over which messages are issued).
struct Track {
  std::vector<Stage> stages;
  double fixed_s = 0.0;
};

// What one top-level step instance asks of the fabric.
struct StepDemand {
  std::vector<Track> tracks;
  bool moves_data = false;  // some track has a transfer
  double compute_s = 0.0;   // a compute step over every rank: how long it leaves the fabric idle
};

// Circuits of every OCS of the platform, in the order of Forecast::ocs_nodes().
using Circuits = std::vector<std::vector<int>>;

class Forecast {
 public:
  Forecast(const platforms::PlatformSpec& spec, const platforms::Topology& topo);

  // The topology node ids of the platform's OCSes, in node order.
  const std::vector<int>& ocs_nodes() const { return m_ocs_nodes; }
  Circuits initial() const;

  // The demand of one instance of `step` (a traffic step with random pairs: its expected demand, uniform
  // over the pairs, since a scheduler cannot foresee which pairs a random draw picks).
  StepDemand demand(const workloads::Step& step) const;

  // The forecast duration of `d` on `circuits` [s]: per track, the sum over its stages of
  //   max(max over link directions of bytes / capacity + the longest path latency, HBM time) + extra,
  // at least its fixed time; then the longest track, at least the busiest link direction's bytes over all
  // tracks / its capacity. +infinity when a transfer has no route on these circuits.
  double predict(const StepDemand& d, const Circuits& circuits);

  // The circuits that fit `d` best, starting from `base` (docs/scheduler.md): per OCS, the pairs of its
  // owners (the ranks, or leaves, at its ports) that exchange the most bytes get circuits, greedily by bytes
  // per circuit, as many as their ports allow; circuits of `base` that the result keeps stay on their ports.
  Circuits fit(const StepDemand& d, const Circuits& base) const;

  // How long going from `from` to `to` keeps ports dark: the longest reconfiguration time of the OCSes whose
  // circuits change (0 when none does).
  double reconfiguration_s(const Circuits& from, const Circuits& to) const;

 private:
  struct Path {
    bool ok = false;
    std::vector<int> resources;  // link directions: 2 x link + direction
    double latency_s = 0.0;
    double store_forward_s_per_byte = 0.0;  // one packet into each store-and-forward switch, as flows pay it
  };
  struct RouteSet {
    Circuits circuits;
    std::unique_ptr<platforms::Router> router;
    std::map<std::pair<int, int>, Path> paths;
  };

  RouteSet& routes_for(const Circuits& circuits);
  const Path& path(RouteSet& set, int src, int dst);
  void add_demand(const workloads::Step& step, StepDemand& out) const;
  // The owner (index into m_owners[k]) of endpoint `e` at OCS k, or -1 when its traffic never reaches it.
  int owner_of(std::size_t k, int endpoint) const;

  const platforms::PlatformSpec& m_spec;
  const platforms::Topology& m_topo;
  std::vector<int> m_ocs_nodes;
  std::vector<std::vector<int>> m_owners;      // per OCS: the nodes at its ports, distinct, in port order
  std::vector<std::vector<int>> m_port_owner;  // per OCS and port: index into m_owners[k]
  std::vector<double> m_link_latency_s;        // per link, one way
  std::vector<double> m_capacity;              // per link direction, payload bytes per second
  std::vector<std::unique_ptr<RouteSet>> m_routes;
  std::vector<double> m_load, m_total;  // scratch per link direction
  std::vector<int> m_touched, m_touched_total;
};

}  // namespace pjbit::engine::scheduler
