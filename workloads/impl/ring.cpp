// ring: the classic one-direction ring in group order (CONTRACT section 5). Index i sends to i+1 and receives
// from i-1; the buffer is split into n chunks with split_even.
//   reduce_scatter: n-1 phases; in phase p index i sends chunk i-p-1 and reduces chunk i-p-2 it receives,
//                   so chunk c ends fully reduced at index c.
//   all_gather:     n-1 phases; in phase p index i forwards chunk i-p and receives chunk i-p-1.
//   all_reduce:     reduce_scatter then all_gather, 2(n-1) phases.
//   broadcast:      a pipelined chain group[0] -> group[1] -> ... -> group[n-1] carrying n chunks; hop j
//                   (index j to j+1) carries chunk p-j in phase p, 2n-2 phases in all.
// all_to_all is not supported.
// With K channels (all_reduce, all_gather, reduce_scatter) channel c runs this ring over its own order
// (channel_index_orders, workloads/rings.h) on split_even(size, K)[c], chunk ids from c*n, every channel's
// phase p in phase p; a phase's transfers list channel 0's, then channel 1's, and so on.
#include <utility>

#include "workloads/impl/algorithms.h"
#include "workloads/rings.h"

namespace pjbit::workloads::impl {

namespace {

// Group index at position j of a ring in `order` (nullptr: the group's own order).
int at(const std::vector<int>* order, int j) {
  return order == nullptr ? j : (*order)[static_cast<std::size_t>(j)];
}

}  // namespace

void ring_reduce_scatter(ScheduleBuilder& b, int first_phase, int dir, int base,
                         const std::vector<int>* order) {
  const int n = b.group_size();
  for (int p = 0; p < n - 1; ++p) {
    for (int j = 0; j < n; ++j) {
      const int chunk = wrap(j - dir * (p + 1), n);
      b.transfer(first_phase + p, at(order, j), at(order, wrap(j + dir, n)), {base + chunk}, /*reduce=*/true);
    }
  }
}

void ring_all_gather(ScheduleBuilder& b, int first_phase, int dir, int base, const std::vector<int>* order) {
  const int n = b.group_size();
  for (int p = 0; p < n - 1; ++p) {
    for (int j = 0; j < n; ++j) {
      const int chunk = wrap(j - dir * p, n);
      b.transfer(first_phase + p, at(order, j), at(order, wrap(j + dir, n)), {base + chunk},
                 /*reduce=*/false);
    }
  }
}

Schedule ring_orders_schedule(Op op, const std::vector<int>& group, std::uint64_t size_bytes,
                              const std::vector<std::vector<int>>& orders, bool both_ways) {
  const int n = static_cast<int>(group.size());
  const int ways = both_ways ? 2 : 1;
  const bool scatter = op != Op::AllGather, gather = op != Op::ReduceScatter;
  const int channels = static_cast<int>(orders.size());
  ScheduleBuilder b(group, (scatter ? n - 1 : 0) + (gather ? n - 1 : 0),
                    channel_chunk_sizes(n, size_bytes, channels, both_ways));
  for (int c = 0; c < channels; ++c) {
    const std::vector<int>* order = &orders[static_cast<std::size_t>(c)];
    for (int half = 0; half < ways; ++half) {
      const int dir = half == 0 ? +1 : -1;
      const int base = ways * n * c + n * half;
      if (scatter) ring_reduce_scatter(b, 0, dir, base, order);
      if (gather) ring_all_gather(b, scatter ? n - 1 : 0, dir, base, order);
    }
  }
  return b.take();
}

std::shared_ptr<const SchedulePlan> ring_orders_plan(Op op, const std::vector<int>& group,
                                                     std::uint64_t size_bytes,
                                                     std::vector<std::vector<int>> orders, bool both_ways) {
  const int n = static_cast<int>(group.size());
  const int channels = static_cast<int>(orders.size());
  return ring_plan(group, channel_rings(n, size_bytes, channels, both_ways), op != Op::AllGather,
                   op != Op::ReduceScatter, std::move(orders));
}

namespace {

class Ring final : public RingChannels<false> {
 public:
  std::string_view name() const override { return "ring"; }

  bool supports(Op op) const override {
    return op == Op::AllReduce || op == Op::AllGather || op == Op::ReduceScatter || op == Op::Broadcast;
  }

  Schedule build(Op op, const std::vector<int>& group, std::uint64_t size_bytes) const override {
    require_buildable(*this, op, group);
    const int n = static_cast<int>(group.size());
    switch (op) {
      case Op::AllReduce: {
        ScheduleBuilder b(group, 2 * (n - 1), split_even(size_bytes, n));
        ring_reduce_scatter(b, 0, +1, 0);
        ring_all_gather(b, n - 1, +1, 0);
        return b.take();
      }
      case Op::ReduceScatter: {
        ScheduleBuilder b(group, n - 1, split_even(size_bytes, n));
        ring_reduce_scatter(b, 0, +1, 0);
        return b.take();
      }
      case Op::AllGather: {
        ScheduleBuilder b(group, n - 1, split_even(size_bytes, n));
        ring_all_gather(b, 0, +1, 0);
        return b.take();
      }
      case Op::Broadcast: {
        const int chunks = n;  // pipeline depth
        ScheduleBuilder b(group, chunks + n - 2, split_even(size_bytes, chunks));
        for (int p = 0; p < chunks + n - 2; ++p) {
          for (int hop = 0; hop < n - 1; ++hop) {
            const int chunk = p - hop;
            if (chunk >= 0 && chunk < chunks) b.transfer(p, hop, hop + 1, {chunk}, /*reduce=*/false);
          }
        }
        return b.take();
      }
      case Op::AllToAll:
        break;
    }
    return {};  // unreachable: require_buildable refused the op
  }

  std::shared_ptr<const SchedulePlan> plan(Op op, const std::vector<int>& group, std::uint64_t size_bytes,
                                           const TopologyFacts& facts) const override {
    if (op == Op::Broadcast || op == Op::AllToAll) return ICollective::plan(op, group, size_bytes, facts);
    require_buildable(*this, op, group);
    return ring_plan(group, {RingSpec{+1, 0, size_bytes}}, op != Op::AllGather, op != Op::ReduceScatter);
  }

  // Channels run all_reduce, all_gather and reduce_scatter; a broadcast is one chain from group[0].
  int max_channels(Op op) const override { return op == Op::Broadcast ? 1 : kMaxChannels; }
};

}  // namespace

const ICollective& ring() {
  static const Ring algorithm;
  return algorithm;
}

}  // namespace pjbit::workloads::impl
