// Ring phases generated on demand (the plans of ring and bidir_ring): phase k of index i follows from i, k
// and the chunk sizes alone, so a 4096-rank ring all-reduce runs without holding its 33 million transfers.
// The phases equal, transfer for transfer and in order, what ring_reduce_scatter and ring_all_gather write
// into a ScheduleBuilder (tests/unit/test_collectives.cpp compares the two).
#include "workloads/impl/algorithms.h"

namespace pjbit::workloads::impl {

namespace {

class RingPlan final : public SchedulePlan {
 public:
  RingPlan(const std::vector<int>& group, std::vector<RingSpec> rings, bool scatter, bool gather)
      : m_group(group), m_rings(std::move(rings)), m_scatter(scatter), m_gather(gather) {
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
    const int n = group_size();
    std::size_t sends = 0, recvs = 0;
    out.reduce_bytes = 0;
    const bool scattering = m_scatter && k < n - 1;
    const int p = scattering ? k : k - (m_scatter ? n - 1 : 0);
    // Reduce-scatter phase p: index i sends chunk i - dir (p + 1); all-gather phase p: chunk i - dir p.
    const int lag = scattering ? p + 1 : p;
    for (std::size_t ring = 0; ring < m_rings.size(); ++ring) {
      const RingSpec& r = m_rings[ring];
      // index and from lie in [0, n), lag in [0, n - 1] and dir is +1 or -1: every sum is in [-n, 2n).
      const int from = wrap_near(index - r.dir, n);
      const int send_chunk = wrap_near(index - r.dir * lag, n);
      const int recv_chunk = wrap_near(from - r.dir * lag, n);
      const std::uint64_t send_bytes = chunk_bytes(ring, send_chunk);
      const std::uint64_t recv_bytes = chunk_bytes(ring, recv_chunk);
      if (send_bytes > 0)
        set(out.sends, sends++, m_group[static_cast<std::size_t>(wrap_near(index + r.dir, n))], send_bytes,
            r.base + send_chunk);
      if (recv_bytes > 0) {
        set(out.recvs, recvs++, m_group[static_cast<std::size_t>(from)], recv_bytes, r.base + recv_chunk);
        if (scattering) out.reduce_bytes += recv_bytes;
      }
    }
    out.sends.resize(sends);
    out.recvs.resize(recvs);
    return out;
  }

  void send_peers(int index, std::vector<int>& out) const override {
    const int n = group_size();
    for (const RingSpec& r : m_rings)
      out.push_back(m_group[static_cast<std::size_t>(wrap(index + r.dir, n))]);
  }

 private:
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
  bool m_scatter;
  bool m_gather;
};

}  // namespace

std::shared_ptr<const SchedulePlan> ring_plan(const std::vector<int>& group, std::vector<RingSpec> rings,
                                              bool scatter, bool gather) {
  return std::make_shared<RingPlan>(group, std::move(rings), scatter, gather);
}

}  // namespace pjbit::workloads::impl
