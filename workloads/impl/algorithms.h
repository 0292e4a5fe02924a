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

namespace pjbit::workloads::impl {

// The algorithm objects, one each, living for the whole program.
const ICollective& ring();
const ICollective& bidir_ring();
const ICollective& halving_doubling();
const ICollective& direct();
const ICollective& torus_ring();
const ICollective& torus_unidir();

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

// (a mod n) for any sign of a.
inline int wrap(int a, int n) {
  return ((a % n) + n) % n;
}
// (a mod n) for -n <= a < 2n, without a division (ring plans compute several per transfer).
inline int wrap_near(int a, int n) {
  return a < 0 ? a + n : a >= n ? a - n : a;
}

// Ring phases written into `b` (shared by ring and bidir_ring), over n = b.group_size() ranks in group order.
// dir = +1 sends to index i+1, dir = -1 to index i-1; chunk ids are k + base for chunk k. Reduce-scatter
// leaves index i holding chunk i reduced over all ranks; all-gather starts from index i holding chunk i.
void ring_reduce_scatter(ScheduleBuilder& b, int first_phase, int dir, int base);
void ring_all_gather(ScheduleBuilder& b, int first_phase, int dir, int base);

// One ring of a ring plan: its direction (+1: index i sends to i+1), the id of its first chunk, and the bytes
// it carries (split into n chunks with split_even).
struct RingSpec {
  int dir = +1;
  int base = 0;
  std::uint64_t total = 0;
};
// The phases of ring_reduce_scatter (when `scatter`) followed by ring_all_gather (when `gather`) for every
// ring in `rings`, generated per index and phase (ring_plan.cpp).
std::shared_ptr<const SchedulePlan> ring_plan(const std::vector<int>& group, std::vector<RingSpec> rings,
                                              bool scatter, bool gather);

}  // namespace pjbit::workloads::impl
