// Internal to workloads/: the built-in collective algorithms (CONTRACT section 5) and the helpers they share.
// collectives.cpp registers them by name; nothing outside workloads/ should include this header.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "workloads/i_collective.h"
#include "workloads/rings.h"

namespace pjbit::workloads::impl {

// The algorithm objects, one each, living for the whole program.
const ICollective& ring();
const ICollective& bidir_ring();
const ICollective& halving_doubling();
const ICollective& direct();
const ICollective& torus_ring();
const ICollective& torus_unidir();
const ICollective& mesh_ring();

// Fills a Schedule addressed by group index. Chunk ids index `chunk_sizes`; empty chunks are dropped from a
// transfer and a transfer left with no bytes is not posted at all, so no zero-byte transfer ever appears.
class ScheduleBuilder {
 public:
  ScheduleBuilder(const std::vector<int>& group, int phases, std::vector<std::uint64_t> chunk_sizes)
      : m_group(group),
        m_sizes(std::move(chunk_sizes)),
        m_schedule(group.size(), std::vector<Phase>(static_cast<std::size_t>(phases))) {}

  int group_size() const { return static_cast<int>(m_group.size()); }

  // Group index `from` sends `chunks` to group index `to` in `phase`; when `reduce`, `to` adds them into its
  // buffer (reduce_bytes).
  void transfer(int phase, int from, int to, const std::vector<int>& chunks, bool reduce) {
    Transfer t;
    for (int c : chunks) {
      const std::uint64_t bytes = m_sizes.at(static_cast<std::size_t>(c));
      if (bytes == 0) continue;
      t.bytes += bytes;
      t.chunks.push_back(c);
    }
    if (t.bytes == 0) return;
    Phase& src = m_schedule.at(static_cast<std::size_t>(from)).at(static_cast<std::size_t>(phase));
    Phase& dst = m_schedule.at(static_cast<std::size_t>(to)).at(static_cast<std::size_t>(phase));
    t.peer = m_group[static_cast<std::size_t>(to)];
    src.sends.push_back(t);
    t.peer = m_group[static_cast<std::size_t>(from)];
    if (reduce) dst.reduce_bytes += t.bytes;
    dst.recvs.push_back(std::move(t));
  }

  Schedule take() { return std::move(m_schedule); }

 private:
  const std::vector<int>& m_group;
  std::vector<std::uint64_t> m_sizes;
  Schedule m_schedule;
};

// One binary tree over indices 0..n-1: parent (-1 for the root), children and depth (root 0) of each index.
struct BinaryTree {
  std::vector<int> parent;
  std::vector<std::vector<int>> children;
  std::vector<int> depth;
};
// Tree `which` (0 or 1) of NCCL's double binary tree over n indices (tree.cpp).
BinaryTree double_tree(int n, int which);

// Throws std::invalid_argument when `algo` cannot build `op` over `group` (a caller bug: callers check
// supports() and accepts_group_size() first and report bad input themselves).
inline void require_buildable(const ICollective& algo, Op op, const std::vector<int>& group) {
  const int n = static_cast<int>(group.size());
  if (n < 2) {
    throw std::invalid_argument(std::string(algo.name()) + ": a collective needs at least 2 ranks, got " +
                                std::to_string(n));
  }
  if (!algo.supports(op)) {
    throw std::invalid_argument(std::string(algo.name()) + " does not support " + op_name(op));
  }
  std::string why;
  if (!algo.accepts_group_size(n, &why)) throw std::invalid_argument(why);
}

// The whole schedule a plan generates, phase by phase: build_on of the algorithms whose plan is their
// definition (torus_ring, hierarchical).
inline Schedule collect(const SchedulePlan& plan) {
  Schedule s(static_cast<std::size_t>(plan.group_size()));
  Phase scratch;
  for (int i = 0; i < plan.group_size(); ++i)
    for (int k = 0; k < plan.phases(i); ++k)
      s[static_cast<std::size_t>(i)].push_back(plan.phase(i, k, scratch));
  return s;
}

// (a mod n) for any sign of a.
inline int wrap(int a, int n) {
  return ((a % n) + n) % n;
}
// (a mod n) for -n <= a < 2n, without a division (ring plans compute several per transfer).
inline int wrap_near(int a, int n) {
  return a < 0 ? a + n : a >= n ? a - n : a;
}

// Ring phases written into `b` (shared by ring and bidir_ring), over n = b.group_size() ranks in ring order:
// `order` lists the group indices in ring order (nullptr: the group's own order, index j at position j).
// dir = +1 sends from position j to j+1, dir = -1 to j-1; chunk ids are k + base for chunk k. Reduce-scatter
// leaves position j holding chunk j reduced over all ranks; all-gather starts from position j holding chunk
// j.
void ring_reduce_scatter(ScheduleBuilder& b, int first_phase, int dir, int base,
                         const std::vector<int>* order = nullptr);
void ring_all_gather(ScheduleBuilder& b, int first_phase, int dir, int base,
                     const std::vector<int>* order = nullptr);

// One ring of a ring plan: its direction (+1: position j sends to j+1), the id of its first chunk, the bytes
// it carries (split into n chunks with split_even), and its order: an index into ring_plan's `orders`, or -1
// for the group's own order.
struct RingSpec {
  int dir = +1;
  int base = 0;
  std::uint64_t total = 0;
  int order = -1;
};
// The phases of ring_reduce_scatter (when `scatter`) followed by ring_all_gather (when `gather`) for every
// ring in `rings`, in that order within each phase, generated per index and phase (ring_plan.cpp). `orders`
// holds ring orders as group indices (each a permutation of 0 .. n-1) for the rings that name one.
std::shared_ptr<const SchedulePlan> ring_plan(const std::vector<int>& group, std::vector<RingSpec> rings,
                                              bool scatter, bool gather,
                                              std::vector<std::vector<int>> orders = {});

// The rings of `channels` channels over `group` for ring_plan (channel_index_orders gives their orders):
// channel c carries split_even(size, channels)[c]; with `both_ways` (bidir_ring) as two rings, +1 with chunk
// ids from c*2n carrying split_even(share, 2)[0] and -1 from c*2n + n carrying [1]; else as one ring, +1,
// ids from c*n. Channel c's rings use order c.
std::vector<RingSpec> channel_rings(int n, std::uint64_t size_bytes, int channels, bool both_ways);
// The chunk sizes of those rings in chunk id order, for a ScheduleBuilder.
std::vector<std::uint64_t> channel_chunk_sizes(int n, std::uint64_t size_bytes, int channels, bool both_ways);

// orders.size() channels at once over `group` (ring: one direction each; both_ways, bidir_ring: two, half
// each), channel c in orders[c] (group indices), as a built schedule and as a plan that generates the same
// phases. Channel c's chunk k of half h has id ways*n*c + n*h + k. Callers check the op and the group first.
Schedule ring_orders_schedule(Op op, const std::vector<int>& group, std::uint64_t size_bytes,
                              const std::vector<std::vector<int>>& orders, bool both_ways);
std::shared_ptr<const SchedulePlan> ring_orders_plan(Op op, const std::vector<int>& group,
                                                     std::uint64_t size_bytes,
                                                     std::vector<std::vector<int>> orders, bool both_ways);
// ring's, bidir_ring's and mesh_ring's channels: with one, the algorithm's own build_on and plan; with more,
// ring_orders_schedule and ring_orders_plan over channel_orders (both_ways for bidir_ring).
template <bool kBothWays>
class RingChannels : public ICollective {
 public:
  Schedule build_channels(Op op, const std::vector<int>& group, std::uint64_t size_bytes,
                          const TopologyFacts& facts, int channels) const override {
    require_channels(op, channels);
    if (channels == 1) return build_on(op, group, size_bytes, facts);
    require_buildable(*this, op, group);
    return ring_orders_schedule(op, group, size_bytes, channel_orders(group, facts, channels), kBothWays);
  }

  std::shared_ptr<const SchedulePlan> plan_channels(Op op, const std::vector<int>& group,
                                                    std::uint64_t size_bytes, const TopologyFacts& facts,
                                                    int channels) const override {
    require_channels(op, channels);
    if (channels == 1) return plan(op, group, size_bytes, facts);
    require_buildable(*this, op, group);
    return ring_orders_plan(op, group, size_bytes, channel_orders(group, facts, channels), kBothWays);
  }

 protected:
  // The channels' orders as group indices: the rail rings of workloads/rings.h (channel_index_orders), or
  // an algorithm's own.
  virtual std::vector<std::vector<int>> channel_orders(const std::vector<int>& group,
                                                       const TopologyFacts& facts, int channels) const {
    return channel_index_orders(group, facts, channels);
  }
};

}  // namespace pjbit::workloads::impl
