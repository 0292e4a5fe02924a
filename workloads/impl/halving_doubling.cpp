// halving_doubling: recursive halving then recursive doubling (CONTRACT section 5), for a power-of-two n. The
// buffer is split into n chunks with split_even; every exchange moves the chunks of the half being exchanged.
//   reduce_scatter (halving): log2 n phases; in phase k index i pairs with i ^ d, d = n >> (k+1). Both hold
//                  the same range of 2d chunks; the one with bit d clear keeps the lower half, the other the
//                  upper half, each sends the half it gives up and reduces the half it keeps. Index i ends
//                  holding chunk i reduced over all ranks.
//   all_gather (doubling): log2 n phases; in phase k index i pairs with i ^ d, d = 1 << k, sends the d
//                  chunks it holds (the aligned range containing i) and receives the partner's d chunks.
//   all_reduce:    halving then doubling, 2 log2 n phases.
#include "workloads/impl/algorithms.h"

namespace pjbit::workloads::impl {

namespace {

bool is_power_of_two(int n) {
  return n > 0 && (n & (n - 1)) == 0;
}

int log2_exact(int n) {
  int k = 0;
  while ((1 << k) < n)
    ++k;
  return k;
}

std::vector<int> range(int first, int count) {
  std::vector<int> ids(static_cast<std::size_t>(count));
  for (int c = 0; c < count; ++c)
    ids[static_cast<std::size_t>(c)] = first + c;
  return ids;
}

void halving(ScheduleBuilder& b, int first_phase) {
  const int n = b.group_size();
  const int steps = log2_exact(n);
  for (int k = 0; k < steps; ++k) {
    const int d = n >> (k + 1);
    for (int i = 0; i < n; ++i) {
      const int lo = i & ~(2 * d - 1);  // the range of 2d chunks i and its partner share
      const bool keeps_lower = (i & d) == 0;
      const int give = keeps_lower ? lo + d : lo;
      b.transfer(first_phase + k, i, i ^ d, range(give, d), /*reduce=*/true);
    }
  }
}

void doubling(ScheduleBuilder& b, int first_phase) {
  const int n = b.group_size();
  const int steps = log2_exact(n);
  for (int k = 0; k < steps; ++k) {
    const int d = 1 << k;
    for (int i = 0; i < n; ++i) {
      const int lo = i & ~(d - 1);  // the d chunks i holds
      b.transfer(first_phase + k, i, i ^ d, range(lo, d), /*reduce=*/false);
    }
  }
}

class HalvingDoubling final : public ICollective {
 public:
  std::string_view name() const override { return "halving_doubling"; }

  bool supports(Op op) const override {
    return op == Op::AllReduce || op == Op::AllGather || op == Op::ReduceScatter;
  }

  bool accepts_group_size(int n, std::string* why) const override {
    if (is_power_of_two(n)) return true;
    if (why != nullptr)
      *why = "halving_doubling needs a power-of-two number of ranks, got " + std::to_string(n);
    return false;
  }

  Schedule build(Op op, const std::vector<int>& group, std::uint64_t size_bytes) const override {
    require_buildable(*this, op, group);
    const int n = static_cast<int>(group.size());
    const int steps = log2_exact(n);
    const bool scatter = op == Op::AllReduce || op == Op::ReduceScatter;
    const bool gather = op == Op::AllReduce || op == Op::AllGather;
    ScheduleBuilder b(group, (scatter ? steps : 0) + (gather ? steps : 0), split_even(size_bytes, n));
    if (scatter) halving(b, 0);
    if (gather) doubling(b, scatter ? steps : 0);
    return b.take();
  }
};

}  // namespace

const ICollective& halving_doubling() {
  static const HalvingDoubling algorithm;
  return algorithm;
}

}  // namespace pjbit::workloads::impl
