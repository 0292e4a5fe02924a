// bidir_ring: two rings in opposite directions, each carrying half the buffer (CONTRACT section 5). The
// halves are split_even(size, 2); half h is split into n chunks with ids k + n*h. Half 0 runs the ring
// schedule clockwise (index i to i+1), half 1 counter-clockwise (i to i-1), in the same phases, so every
// phase has two sends and two receives per rank. Supports all_reduce, all_gather and reduce_scatter.
// With K channels channel c runs this pair of rings over its own order (channel_index_orders,
// workloads/rings.h) on split_even(size, K)[c], halved with split_even, chunk ids from c*2n, every channel's
// phase p in phase p; a phase's transfers list channel 0's two rings, then channel 1's, and so on.
#include "workloads/impl/algorithms.h"

namespace pjbit::workloads::impl {

namespace {

class BidirRing final : public RingChannels<true> {
 public:
  std::string_view name() const override { return "bidir_ring"; }

  bool supports(Op op) const override {
    return op == Op::AllReduce || op == Op::AllGather || op == Op::ReduceScatter;
  }

  Schedule build(Op op, const std::vector<int>& group, std::uint64_t size_bytes) const override {
    require_buildable(*this, op, group);
    const int n = static_cast<int>(group.size());
    const std::vector<std::uint64_t> halves = split_even(size_bytes, 2);
    std::vector<std::uint64_t> sizes = split_even(halves[0], n);
    const std::vector<std::uint64_t> second = split_even(halves[1], n);
    sizes.insert(sizes.end(), second.begin(), second.end());

    const bool scatter = op == Op::AllReduce || op == Op::ReduceScatter;
    const bool gather = op == Op::AllReduce || op == Op::AllGather;
    ScheduleBuilder b(group, (scatter ? n - 1 : 0) + (gather ? n - 1 : 0), std::move(sizes));
    for (int half = 0; half < 2; ++half) {
      const int dir = half == 0 ? +1 : -1;
      if (scatter) ring_reduce_scatter(b, 0, dir, n * half);
      if (gather) ring_all_gather(b, scatter ? n - 1 : 0, dir, n * half);
    }
    return b.take();
  }

  std::shared_ptr<const SchedulePlan> plan(Op op, const std::vector<int>& group, std::uint64_t size_bytes,
                                           const TopologyFacts&) const override {
    require_buildable(*this, op, group);
    const int n = static_cast<int>(group.size());
    const std::vector<std::uint64_t> halves = split_even(size_bytes, 2);
    return ring_plan(group, {RingSpec{+1, 0, halves[0]}, RingSpec{-1, n, halves[1]}}, op != Op::AllGather,
                     op != Op::ReduceScatter);
  }

  int max_channels(Op) const override { return kMaxChannels; }
};

}  // namespace

const ICollective& bidir_ring() {
  static const BidirRing algorithm;
  return algorithm;
}

}  // namespace pjbit::workloads::impl
