// direct: every rank to every other at once (CONTRACT section 5). The buffer is split into n chunks with
// split_even; chunk j belongs to index j.
//   all_to_all:     one phase; index i sends its chunk j to every j != i and receives chunk i from each.
//   reduce_scatter: one phase; index i sends chunk j to every j != i and reduces the n-1 copies of chunk i.
//   all_gather:     one phase; index i sends chunk i to every other index.
//   all_reduce:     reduce_scatter then all_gather, two phases.
//   broadcast:      one phase; group[0] sends the whole buffer to every other rank.
#include "workloads/impl/algorithms.h"

namespace pjbit::workloads::impl {

namespace {

class Direct final : public ICollective {
 public:
  std::string_view name() const override { return "direct"; }

  bool supports(Op /*op*/) const override { return true; }

  Schedule build(Op op, const std::vector<int>& group, std::uint64_t size_bytes) const override {
    require_buildable(*this, op, group);
    const int n = static_cast<int>(group.size());
    const bool two_phases = op == Op::AllReduce;
    ScheduleBuilder b(group, two_phases ? 2 : 1, split_even(size_bytes, n));
    // Rank i posts its sends to i+1, i+2, ... (mod n): were every rank to start with the same destination,
    // the first packets of all of them would meet at one port.
    const auto scatter = [&](int phase, bool reduce) {  // chunk j from everyone to j
      for (int i = 0; i < n; ++i) {
        for (int d = 1; d < n; ++d) {
          const int j = (i + d) % n;
          b.transfer(phase, i, j, {j}, reduce);
        }
      }
    };
    const auto gather = [&](int phase) {  // chunk i from i to everyone
      for (int i = 0; i < n; ++i) {
        for (int d = 1; d < n; ++d)
          b.transfer(phase, i, (i + d) % n, {i}, /*reduce=*/false);
      }
    };
    switch (op) {
      case Op::AllToAll:
        scatter(0, /*reduce=*/false);
        break;
      case Op::ReduceScatter:
        scatter(0, /*reduce=*/true);
        break;
      case Op::AllGather:
        gather(0);
        break;
      case Op::AllReduce:
        scatter(0, /*reduce=*/true);
        gather(1);
        break;
      case Op::Broadcast: {
        std::vector<int> all(static_cast<std::size_t>(n));
        for (int c = 0; c < n; ++c)
          all[static_cast<std::size_t>(c)] = c;
        for (int j = 1; j < n; ++j)
          b.transfer(0, 0, j, all, /*reduce=*/false);
        break;
      }
    }
    return b.take();
  }
};

}  // namespace

const ICollective& direct() {
  static const Direct algorithm;
  return algorithm;
}

}  // namespace pjbit::workloads::impl
