// ring: the classic one-direction ring in group order (CONTRACT section 5). Index i sends to i+1 and receives
// from i-1; the buffer is split into n chunks with split_even.
//   reduce_scatter: n-1 phases; in phase p index i sends chunk i-p-1 and reduces chunk i-p-2 it receives,
//                   so chunk c ends fully reduced at index c.
//   all_gather:     n-1 phases; in phase p index i forwards chunk i-p and receives chunk i-p-1.
//   all_reduce:     reduce_scatter then all_gather, 2(n-1) phases.
//   broadcast:      a pipelined chain group[0] -> group[1] -> ... -> group[n-1] carrying n chunks; hop j
//                   (index j to j+1) carries chunk p-j in phase p, 2n-2 phases in all.
// all_to_all is not supported.
#include "workloads/impl/algorithms.h"

namespace pjbit::workloads::impl {

void ring_reduce_scatter(ScheduleBuilder& b, int first_phase, int dir, int base) {
  const int n = b.group_size();
  for (int p = 0; p < n - 1; ++p) {
    for (int i = 0; i < n; ++i) {
      const int chunk = wrap(i - dir * (p + 1), n);
      b.transfer(first_phase + p, i, wrap(i + dir, n), {base + chunk}, /*reduce=*/true);
    }
  }
}

void ring_all_gather(ScheduleBuilder& b, int first_phase, int dir, int base) {
  const int n = b.group_size();
  for (int p = 0; p < n - 1; ++p) {
    for (int i = 0; i < n; ++i) {
      const int chunk = wrap(i - dir * p, n);
      b.transfer(first_phase + p, i, wrap(i + dir, n), {base + chunk}, /*reduce=*/false);
    }
  }
}

namespace {

class Ring final : public ICollective {
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
};

}  // namespace

const ICollective& ring() {
  static const Ring algorithm;
  return algorithm;
}

}  // namespace pjbit::workloads::impl
