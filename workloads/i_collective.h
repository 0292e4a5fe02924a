// Collective algorithms are pure schedules (DESIGN): from (group, op, size) to a per-rank list of phases,
// with no SystemC and no fabric in sight. The engine runs a rank's phases in order; in a phase it posts every
// send and receive at once, and the phase ends when all of them have completed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/small_vector.h"
#include "workloads/spec.h"

namespace pjbit::workloads {

// The peer of a transfer to or from a switch's reduction engine. An algorithm that reduces in one switch
// (in_network, nvls) uses slot 0, kInNetworkPeer; one that reduces in several (nvls_tree: one per domain;
// collnet: one per rail) numbers them 0, 1, ... (ICollective::reduction_groups says which ranks each serves)
// and names slot s as the peer in_network_peer(s). The engine maps each slot to a reduction engine.
inline constexpr int kInNetworkPeer = -1;
inline constexpr int in_network_peer(int slot) {
  return -1 - slot;
}
inline constexpr int in_network_slot(int peer) {
  return -1 - peer;
}

struct Transfer {
  int peer = 0;  // global rank id of the other side
  std::uint64_t bytes = 0;
  // Which chunks the transfer carries, for tests and tracing: indices into split_even(size, n), n the group
  // size (bidir_ring: k + n*h for chunk k of split_even(half h, n), halves = split_even(size, 2)). With K
  // channels (ICollective::max_channels), channel c carries split_even(size, K)[c] and its ids follow the
  // same convention over that share, offset by c times the ids one channel uses: chunk k of channel c is
  // c*n + k for ring, c*2n + k + n*h for bidir_ring. Only non-empty chunks are listed, and `bytes` is the
  // sum of their sizes.
  core::SmallVector<int, 2> chunks;  // in place: most transfers carry one or two chunks
};

struct Phase {
  std::vector<Transfer> sends;
  std::vector<Transfer> recvs;
  std::uint64_t reduce_bytes = 0;  // bytes this rank reduces (adds) in this phase, for HBM and compute cost
};

// schedule[i] is the phase list of group[i]. Every rank has the same number of phases, and a send from a to
// b in phase k is matched by a receive of the same size at b from a in phase k.
using Schedule = std::vector<std::vector<Phase>>;

// A schedule as the engine consumes it: a rank asks for its phases one at a time as it reaches them, so an
// algorithm with a closed form (the rings) need not hold n x phases transfers at once. phase(i, k) of a plan
// equals schedule[i][k] of the algorithm's build_on, transfer for transfer and in the same order.
class SchedulePlan {
 public:
  virtual ~SchedulePlan() = default;
  virtual int group_size() const = 0;
  // How many phases group[index] runs.
  virtual int phases(int index) const = 0;
  // Phase k of group[index]. May fill `scratch` (whose buffers it reuses) and return it, or return a phase
  // the plan holds.
  virtual const Phase& phase(int index, int k, Phase& scratch) const = 0;
  // Every rank group[index] sends to in some phase, for routability checks (in any order; may repeat).
  virtual void send_peers(int index, std::vector<int>& out) const = 0;
  // The whole schedule when the plan holds one, nullptr when it generates phases.
  virtual const Schedule* materialized() const { return nullptr; }
  // Lanes: parts of the schedule that depend on no other part's data (a ring of several channels: each ring),
  // which a collective library runs each at its own pace. phase(i, k) lists lane 0's transfers, then lane
  // 1's, and so on; lane_phase(i, l, k) is lane l's alone. A plan that cannot be split has one lane.
  virtual int lanes() const { return 1; }
  virtual const Phase& lane_phase(int index, int /*lane*/, int k, Phase& scratch) const {
    return phase(index, k, scratch);
  }
};

// A plan over a built schedule.
class MaterializedPlan final : public SchedulePlan {
 public:
  explicit MaterializedPlan(Schedule s) : m_schedule(std::move(s)) {}
  int group_size() const override { return static_cast<int>(m_schedule.size()); }
  int phases(int index) const override {
    return static_cast<int>(m_schedule[static_cast<std::size_t>(index)].size());
  }
  const Phase& phase(int index, int k, Phase&) const override {
    return m_schedule[static_cast<std::size_t>(index)][static_cast<std::size_t>(k)];
  }
  void send_peers(int index, std::vector<int>& out) const override {
    for (const Phase& ph : m_schedule[static_cast<std::size_t>(index)])
      for (const Transfer& t : ph.sends)
        out.push_back(t.peer);
  }
  const Schedule* materialized() const override { return &m_schedule; }

 private:
  Schedule m_schedule;
};

// What an algorithm may know of the fabric it runs on (filled by the engine from the platform).
struct TopologyFacts {
  TopologyFacts() = default;
  explicit TopologyFacts(int inner) : inner_domain(inner) {}
  int inner_domain = 0;  // ranks per innermost domain (a scale-up pod) in a tiered platform; 0 when flat
  std::vector<int> torus_dims;  // a flat torus's dimensions (rank r at x_m = (r / s_m) mod d_m); else empty
};

// The group's innermost domains (the domain of global rank r is r / facts.inner_domain) in order of first
// appearance, each its members' group indices in group order; one domain holding everything when
// inner_domain is 0. (hierarchical.cpp)
std::vector<std::vector<int>> group_domains(const std::vector<int>& group, const TopologyFacts& facts);

class ICollective {
 public:
  virtual ~ICollective() = default;
  virtual std::string_view name() const = 0;
  virtual bool supports(Op op) const = 0;
  // Group sizes the algorithm accepts (e.g. powers of two only); `why` explains a refusal.
  virtual bool accepts_group_size(int n, std::string* why) const {
    (void)n;
    (void)why;
    return true;
  }
  // Why the algorithm cannot run on this group on this fabric ("" when it can), for input errors.
  virtual std::string refusal(const std::vector<int>& group, const TopologyFacts& facts) const {
    (void)group;
    (void)facts;
    return {};
  }
  // For an algorithm that reduces in switches: per slot (in_network_peer), the global ranks whose transfers
  // with that slot its reduction engine serves; empty for the others.
  virtual std::vector<std::vector<int>> reduction_groups(const std::vector<int>& group,
                                                         const TopologyFacts& facts) const {
    (void)group;
    (void)facts;
    return {};
  }
  // group: global rank ids, distinct, size >= 2, in the order the step lists them (the ring order of the
  // rings; docs/collectives.md says for each algorithm whether the order matters).
  virtual Schedule build(Op op, const std::vector<int>& group, std::uint64_t size_bytes) const = 0;
  // The same, for algorithms that shape their schedule to the fabric (hierarchical); the engine calls this.
  virtual Schedule build_on(Op op, const std::vector<int>& group, std::uint64_t size_bytes,
                            const TopologyFacts& facts) const {
    (void)facts;
    return build(op, group, size_bytes);
  }
  // The schedule as a plan (what the engine runs). By default the built schedule; algorithms with a closed
  // form generate phases on demand instead.
  virtual std::shared_ptr<const SchedulePlan> plan(Op op, const std::vector<int>& group,
                                                   std::uint64_t size_bytes,
                                                   const TopologyFacts& facts) const {
    return std::make_shared<MaterializedPlan>(build_on(op, group, size_bytes, facts));
  }

  // Channels (`channels: K` of a collective step): K instances of the algorithm at once, channel c over its
  // own order of the group (channel_orders in workloads/rings.h) carrying split_even(size, K)[c], every
  // channel's phase p in the step's phase p. The most channels the algorithm runs for `op`: 1 unless it
  // overrides build_channels and plan_channels (ring and bidir_ring, kMaxChannels).
  virtual int max_channels(Op op) const {
    (void)op;
    return 1;
  }
  // build_on and plan with `channels` channels (1 <= channels <= max_channels(op)); with 1 they are build_on
  // and plan. Throws std::invalid_argument beyond max_channels (a caller bug: callers check it first).
  virtual Schedule build_channels(Op op, const std::vector<int>& group, std::uint64_t size_bytes,
                                  const TopologyFacts& facts, int channels) const {
    require_channels(op, channels);
    return build_on(op, group, size_bytes, facts);
  }
  virtual std::shared_ptr<const SchedulePlan> plan_channels(Op op, const std::vector<int>& group,
                                                            std::uint64_t size_bytes,
                                                            const TopologyFacts& facts, int channels) const {
    require_channels(op, channels);
    return plan(op, group, size_bytes, facts);
  }

 protected:
  void require_channels(Op op, int channels) const;
};

// The most channels a collective step may ask for (`channels: 1` to `channels: 64`).
inline constexpr int kMaxChannels = 64;

// Why `algo` cannot run `op` over `channels` channels, for an input error ("" when it can).
std::string channels_refusal(const ICollective& algo, Op op, int channels);

// Looks an algorithm up by its CONTRACT name; nullptr when there is none.
const ICollective* find_collective(std::string_view name);
// Every registered algorithm name, in a stable order.
std::vector<std::string> collective_names();

// Splits `total` bytes into `n` chunks whose sizes differ by at most one byte (larger chunks first).
std::vector<std::uint64_t> split_even(std::uint64_t total, int n);

}  // namespace pjbit::workloads
