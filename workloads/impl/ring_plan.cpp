// Ring phases generated on demand (the plans of ring and bidir_ring, with any number of channels): phase k of
// index i follows from i's position in each ring, k and the chunk sizes alone, so a 4096-rank ring all-reduce
// runs without holding its 33 million transfers. A ring in an order of its own (a channel, workloads/rings.h)
// keeps that order and its inverse, 2n ints; a ring in the group's order keeps nothing, and a plan whose
// rings are all in the group's order (every plan of one channel) is compiled without the order tables'
// lookups. The phases of all the rings are merged phase by phase: phase k of index i lists ring 0's
// transfers, then ring 1's, and so on. They equal, transfer for transfer and in order, what
// ring_reduce_scatter and ring_all_gather write into a ScheduleBuilder ring after ring
// (tests/unit/test_collectives.cpp compares the two). Each ring is also a lane of its own (lane_phase), for a
// collective library that runs its channels' rings each at its own pace.
#include <stdexcept>
#include <string>

#include "workloads/impl/algorithms.h"

namespace pjbit::workloads::impl {

namespace {

// The rings' orders as tables: per order, the group index at each position and the position of each group
// index; empty for an order that is the group's own. Rings naming such an order are set to -1.
struct OrderTables {
  std::vector<std::vector<int>> at;
  std::vector<std::vector<int>> position;
  bool any = false;  // some ring has an order of its own

  OrderTables(std::size_t n, std::vector<std::vector<int>> orders, std::vector<RingSpec>& rings)
      : at(orders.size()), position(orders.size()) {
    for (std::size_t o = 0; o < orders.size(); ++o) {
      std::vector<int>& order = orders[o];
      if (order.size() != n)
        throw std::invalid_argument("ring plan: an order of " + std::to_string(order.size()) +
                                    " indices for a group of " + std::to_string(n));
      bool identity = true;
      for (std::size_t j = 0; identity && j < n; ++j)
        identity = order[j] == static_cast<int>(j);
      if (identity) continue;
      std::vector<int>& pos = position[o];
      pos.assign(n, -1);
      for (std::size_t j = 0; j < n; ++j) {
        const int i = order[j];
        if (i < 0 || i >= static_cast<int>(n) || pos[static_cast<std::size_t>(i)] >= 0)
          throw std::invalid_argument("ring plan: an order that is not a permutation of the group's indices");
        pos[static_cast<std::size_t>(i)] = static_cast<int>(j);
      }
      at[o] = std::move(order);
    }
    for (RingSpec& r : rings) {
      if (r.order >= static_cast<int>(at.size()))
        throw std::invalid_argument("ring plan: a ring names order " + std::to_string(r.order) + " of " +
                                    std::to_string(at.size()));
      if (r.order >= 0 && at[static_cast<std::size_t>(r.order)].empty()) r.order = -1;
      any = any || r.order >= 0;
    }
  }
};

// kOrdered: some ring has an order of its own (else every position is its group index).
template <bool kOrdered>
class RingPlan final : public SchedulePlan {
 public:
  RingPlan(const std::vector<int>& group, std::vector<RingSpec> rings, bool scatter, bool gather,
           OrderTables tables)
      : m_group(group),
        m_rings(std::move(rings)),
        m_at(std::move(tables.at)),
        m_position(std::move(tables.position)),
        m_scatter(scatter),
        m_gather(gather) {
    const auto n = static_cast<std::uint64_t>(group.size());
    for (const RingSpec& r : m_rings)
      m_split.emplace_back(r.total / n, r.total % n);
  }

  int group_size() const override { return static_cast<int>(m_group.size()); }

  int phases(int) const override {
    const int n = group_size();
    return (m_scatter ? n - 1 : 0) + (m_gather ? n - 1 : 0);
  }

  const Phase& phase(int index, int k, Phase& out) const override {
    Writer w{out, k, is_scattering(k)};
    std::size_t ring = 0;
    for (const RingSpec& r : m_rings)  // ring: r's index (a range loop: no division by sizeof(RingSpec))
      add(r, ring++, index, w);
    return w.done();
  }

  int lanes() const override { return static_cast<int>(m_rings.size()); }

  const Phase& lane_phase(int index, int lane, int k, Phase& out) const override {
    Writer w{out, k, is_scattering(k)};
    add(m_rings[static_cast<std::size_t>(lane)], static_cast<std::size_t>(lane), index, w);
    return w.done();
  }

  void send_peers(int index, std::vector<int>& out) const override {
    const int n = group_size();
    for (const RingSpec& r : m_rings)
      out.push_back(rank_at(r, wrap(position(r, index) + r.dir, n)));
  }

 private:
  // A phase being written: the transfers so far, and what the phase is.
  struct Writer {
    Phase& out;
    int k;
    bool scattering;
    std::size_t sends = 0, recvs = 0;
    Writer(Phase& o, int phase, bool scatter) : out(o), k(phase), scattering(scatter) {
      out.reduce_bytes = 0;
    }
    const Phase& done() {
      out.sends.resize(sends);
      out.recvs.resize(recvs);
      return out;
    }
  };

  bool is_scattering(int k) const { return m_scatter && k < group_size() - 1; }

  // Ring `r`'s (index `ring`) transfers of group index `index` in phase w.k.
  void add(const RingSpec& r, std::size_t ring, int index, Writer& w) const {
    const int n = group_size();
    const int p = w.scattering ? w.k : w.k - (m_scatter ? n - 1 : 0);
    // Reduce-scatter phase p: position j sends chunk j - dir (p + 1); all-gather phase p: chunk j - dir p.
    const int lag = w.scattering ? p + 1 : p;
    const int pos = position(r, index);
    // pos and from lie in [0, n), lag in [0, n - 1] and dir is +1 or -1: every sum is in [-n, 2n).
    const int from = wrap_near(pos - r.dir, n);
    const int send_chunk = wrap_near(pos - r.dir * lag, n);
    const int recv_chunk = wrap_near(from - r.dir * lag, n);
    const std::uint64_t send_bytes = chunk_bytes(ring, send_chunk);
    const std::uint64_t recv_bytes = chunk_bytes(ring, recv_chunk);
    if (send_bytes > 0)
      set(w.out.sends, w.sends++, rank_at(r, wrap_near(pos + r.dir, n)), send_bytes, r.base + send_chunk);
    if (recv_bytes > 0) {
      set(w.out.recvs, w.recvs++, rank_at(r, from), recv_bytes, r.base + recv_chunk);
      if (w.scattering) w.out.reduce_bytes += recv_bytes;
    }
  }

  // Group index `index`'s position in ring `r`.
  int position(const RingSpec& r, int index) const {
    if (!kOrdered || r.order < 0) return index;
    return m_position[static_cast<std::size_t>(r.order)][static_cast<std::size_t>(index)];
  }
  // The global rank at position `pos` of ring `r`.
  int rank_at(const RingSpec& r, int pos) const {
    const int i = !kOrdered || r.order < 0
                      ? pos
                      : m_at[static_cast<std::size_t>(r.order)][static_cast<std::size_t>(pos)];
    return m_group[static_cast<std::size_t>(i)];
  }
  // split_even(total, n)[c] without the vector.
  std::uint64_t chunk_bytes(std::size_t ring, int c) const {
    const auto& [base, extra] = m_split[ring];
    return base + (static_cast<std::uint64_t>(c) < extra ? 1 : 0);
  }
  // Writes transfer `at` of `list`, reusing the buffers of the one already there.
  static void set(std::vector<Transfer>& list, std::size_t at, int peer, std::uint64_t bytes, int chunk) {
    if (list.size() <= at) list.resize(at + 1);
    Transfer& t = list[at];
    t.peer = peer;
    t.bytes = bytes;
    t.chunks.clear();
    t.chunks.push_back(chunk);
  }

  std::vector<int> m_group;
  std::vector<RingSpec> m_rings;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> m_split;  // per ring: total / n, total % n
  std::vector<std::vector<int>> m_at;        // per order: the group index at each position (empty: identity)
  std::vector<std::vector<int>> m_position;  // per order: the position of each group index (its inverse)
  bool m_scatter;
  bool m_gather;
};

}  // namespace

std::shared_ptr<const SchedulePlan> ring_plan(const std::vector<int>& group, std::vector<RingSpec> rings,
                                              bool scatter, bool gather,
                                              std::vector<std::vector<int>> orders) {
  OrderTables tables(group.size(), std::move(orders), rings);
  if (tables.any)
    return std::make_shared<RingPlan<true>>(group, std::move(rings), scatter, gather, std::move(tables));
  return std::make_shared<RingPlan<false>>(group, std::move(rings), scatter, gather, std::move(tables));
}

}  // namespace pjbit::workloads::impl
