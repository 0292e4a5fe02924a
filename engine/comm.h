// The collective library's share of a collective's cost (modules/accelerator/comm_library.h): when the
// platform's accelerator runs one, each collective instance gets its protocol, chosen as NCCL's tuner would
// choose it, and the latencies and rate caps the phase machines apply (engine/program.cpp). Equations in
// docs/collectives.md, "The collective library".
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/time.h"
#include "modules/accelerator/comm_library.h"
#include "workloads/i_collective.h"

namespace pjbit::engine::detail {

struct Facts;

// What the library adds to one collective instance. Off (the default) when the accelerator has no library:
// the collective costs what the fabric makes it cost, as the closed forms of docs/validation.md say.
struct CommCosts {
  bool on = false;
  accelerator::Protocol protocol = accelerator::Protocol::Simple;
  accelerator::Family family = accelerator::Family::Ring;
  core::Tick launch = 0;  // before a rank's first phase
  // The step latency: the protocol's hop averaged by the share of the schedule's steps that cross the
  // network, x: the share of the transfers of its first phase, over the whole group, that cross (a ring's
  // edges), or for node_tree ceil(log2 G) of its (m - 1) + ceil(log2 G) levels. So steps x hop is NCCL's
  // (steps - net_steps) x scale-up hop + net_steps x network hop. NVLS waits it before its first phase only;
  // a buffered rank's sends each leave a hop after they are posted, and it waits one after a phase in which
  // it received nothing (PhaseMachine, engine/program.h).
  core::Tick hop = 0;
  double max_payload_Bps = 0.0;  // the protocol's cap on what one rank sends per second (0: none)
  double buffer_bytes = 0.0;     // the protocol's buffer: undelivered line-format bytes a rank may have out
  double net_efficiency = 1.0;   // share of a NIC link's payload rate the library sustains
  double nvls_efficiency = 1.0;  // share of a scale-up link's payload rate NVLS sustains
  double nvls_rate_Bps = 0.0;  // what NVLS sustains on a rank's scale-up link: its payload rate x the share,
                               // or less under the NVLS tree's channel cap
  bool nvls_held = false;      // whether that rate holds a rank (below what its links give it anyway)
  // nvls only: what NCCL's copies into and out of its NVLS buffer add to the call (the first loop's copy in
  // and the last loop's copy out, CommLibrary::nvls_copy_stages_s); a rank waits it before its first phase.
  core::Tick nvls_copies = 0;

  // The latency a rank waits before posting phase k.
  core::Tick before_phase(int k) const {
    if (!on) return 0;
    const core::Tick h = family == accelerator::Family::Nvls && k > 0 ? 0 : hop;
    return (k == 0 ? launch + nvls_copies : 0) + h;
  }
};

// What one rank moves in one phase, as the library's rate caps see it (phase_sends).
struct PhaseSends {
  double all = 0.0;       // payload sent
  double up = 0.0;        // sent to the switch's reduction engine
  double down = 0.0;      // received from it
  double net = 0.0;       // sent over a tier with NICs
  double net_rate = 0.0;  // that tier's link payload rate
};

// The least time the library lets a rank take over `s`: the protocol's cap, the library's share of a NIC's
// rate, and NVLS's share of the scale-up link both ways; 0 when nothing holds it. A rank's part run in
// `lanes` lanes gives each 1/lanes of the protocol's cap.
double hold_s(const CommCosts& c, const PhaseSends& s, int lanes = 1);

// The library's family for an algorithm name: in_network, nvls and nvls_tree are NVLS, tree, node_tree and
// collnet are trees, the rest rings.
accelerator::Family family_of(const std::string& algorithm);

// Whether a transfer between endpoints a and b crosses the network (the tier joining them has NICs).
bool crosses_network(const Facts& f, int a, int b);
// The payload rate of the links of the tier joining endpoints a and b (bandwidth less protocol overhead), a
// rank's share of it where ranks share a NIC (ranks_per_nic; the built-in schedules have every rank send
// alike, so each gets an equal share).
double tier_payload_rate(const Facts& f, int a, int b);
// What `rank` moves in `phase` (PhaseSends); `reducers`: the endpoints of the step's reduction slots
// (Instance::reducers), or empty to count every transfer with one as the scale-up switch's.
PhaseSends phase_sends(const Facts& f, int rank, const workloads::Phase& phase,
                       const std::vector<int>& reducers = {});

// The library's costs of a `size_bytes` collective running `algorithm` over `group` with `plan`, the protocol
// chosen by the least estimated time (CommLibrary::choose) for the shape group[0] sees. Off when the
// platform's accelerator has no library.
CommCosts comm_costs(const Facts& f, const std::string& algorithm, const std::vector<int>& group,
                     const workloads::SchedulePlan& plan, std::uint64_t size_bytes);

}  // namespace pjbit::engine::detail
