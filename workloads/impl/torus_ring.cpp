// torus_ring and torus_unidir: an all-reduce shaped for a torus (CONTRACT section 5 lets the default be the
// best fit for the topology). TopologyFacts::torus_dims (d_0, ..., d_{k-1}) give rank r the coordinates
// x_m = (r / s_m) mod d_m with s_0 = 1, s_m = s_{m-1} d_{m-1}, the numbering of the torus generator. The two
// differ only in how many rings run along each dimension, D:
//   torus_ring (D = 2):   like bidir_ring, the buffer is two halves split_even(size, 2), half 0 running every
//                         ring with dir +1 (coordinate x to x+1) and half 1 with dir -1, in the same phases;
//   torus_unidir (D = 1): one ring a dimension, dir +1, carrying the whole buffer (the per-dimension ring of
//                         ASTRA-sim's analytical backend).
// Part h (of D) is cut into n chunks in mixed radix: chunk (j_0, ..., j_{k-1}), j_0 most significant, has id
// h*n + sum_m j_m w_m with w_m = d_{m+1} ... d_{k-1}, and its size comes from nesting split_even:
// split_even(part, d_0)[j_0], then split_even of that by d_1 at j_1, and so on.
//   reduce_scatter: for m = 0 .. k-1, a ring reduce-scatter along dimension m (over the ranks that differ
//                   only in x_m) of the w_{m-1} chunks the rank is responsible for so far (prefix
//                   j_0..j_{m-1} = x_0..x_{m-1}), cut into d_m pieces of w_m chunks: d_m - 1 phases. Rank r
//                   ends holding chunk (x_0, ..., x_{k-1}) of each part reduced over the whole torus.
//   all_gather:     the reverse, dimensions k-1 down to 0, each a ring all-gather.
//   all_reduce:     reduce_scatter then all_gather: 2 sum_m (d_m - 1) phases instead of the flat ring's
//                   2(n - 1), every phase between torus neighbours.
// Each op moves the nccl-tests useful bytes exactly. Without dims (or when they do not multiply to the group
// size) it is one dimension of n: the same schedule as bidir_ring (D = 2) or ring (D = 1) in group order,
// chunk for chunk. With dims the group is the whole torus listed in any order: the coordinates, not the
// listing, shape the rings, and group[i] runs the phases of rank group[i] in rank order (the schedule is that
// of the sorted group, with each rank's phases at its own index).
#include <algorithm>
#include <numeric>
#include <string>
#include <string_view>

#include "workloads/impl/algorithms.h"

namespace pjbit::workloads::impl {

namespace {

struct Shape {
  std::vector<int> dims;
  std::vector<int> stride;  // s_m
  std::vector<int> weight;  // w_m
  int n = 0;
  explicit Shape(std::vector<int> d, int group_size) : dims(std::move(d)) {
    const long long product =
        std::accumulate(dims.begin(), dims.end(), 1LL, [](long long a, int b) { return a * b; });
    if (dims.empty() || product != group_size) dims = {group_size};
    n = group_size;
    const std::size_t k = dims.size();
    stride.assign(k, 1);
    weight.assign(k, 1);
    for (std::size_t m = 1; m < k; ++m)
      stride[m] = stride[m - 1] * dims[m - 1];
    for (std::size_t m = k - 1; m > 0; --m)
      weight[m - 1] = weight[m] * dims[m];
  }
  int coord(int rank, std::size_t m) const { return (rank / stride[m]) % dims[m]; }
};

// Sizes of one part's n chunks in id order, appended to `out`, by nesting split_even.
void nest(std::uint64_t bytes, const Shape& s, std::size_t m, std::vector<std::uint64_t>& out) {
  if (m == s.dims.size()) {
    out.push_back(bytes);
    return;
  }
  for (std::uint64_t part : split_even(bytes, s.dims[m]))
    nest(part, s, m + 1, out);
}

class TorusPlan final : public SchedulePlan {
 public:
  // `directions` rings a dimension: 1 (dir +1 only) or 2 (+1 and -1, half the buffer each).
  TorusPlan(Op op, const std::vector<int>& group, std::uint64_t size_bytes, std::vector<int> dims,
            int directions)
      : m_group(group), m_shape(std::move(dims), static_cast<int>(group.size())), m_directions(directions) {
    for (std::uint64_t part : split_even(size_bytes, directions))
      nest(part, m_shape, 0, m_sizes);
    m_prefix.assign(m_sizes.size() + 1, 0);
    for (std::size_t c = 0; c < m_sizes.size(); ++c)
      m_prefix[c + 1] = m_prefix[c] + m_sizes[c];
    m_none_empty = std::find(m_sizes.begin(), m_sizes.end(), std::uint64_t{0}) == m_sizes.end();
    const int k = static_cast<int>(m_shape.dims.size());
    // The stages in order: (dimension, reduce-scatter?).
    if (op != Op::AllGather)
      for (int m = 0; m < k; ++m)
        add_stage(m, true);
    if (op != Op::ReduceScatter)
      for (int m = k - 1; m >= 0; --m)
        add_stage(m, false);
  }

  int group_size() const override { return m_shape.n; }
  int phases(int) const override { return static_cast<int>(m_stage_of.size()); }

  const Phase& phase(int index, int k, Phase& out) const override {
    const auto& [m, p, scatter] = m_stage_of[static_cast<std::size_t>(k)];
    const auto dim = static_cast<std::size_t>(m);
    const int d = m_shape.dims[dim];
    const int x = m_shape.coord(index, dim);
    // The chunks this rank is responsible for so far: prefix j_0..j_{m-1} = its own coordinates.
    int prefix = 0;
    for (std::size_t q = 0; q < dim; ++q)
      prefix += m_shape.coord(index, q) * m_shape.weight[q];
    const int width = m_shape.weight[dim];
    const int lag = scatter ? p + 1 : p;
    std::size_t sends = 0, recvs = 0;
    out.reduce_bytes = 0;
    for (int h = 0; h < m_directions; ++h) {
      const int dir = h == 0 ? +1 : -1;
      const int to = index + (wrap(x + dir, d) - x) * m_shape.stride[dim];
      const int from_x = wrap(x - dir, d);
      const int from = index + (from_x - x) * m_shape.stride[dim];
      const int base = h * m_shape.n + prefix;
      if (fill(out.sends, sends, base + wrap(x - dir * lag, d) * width, width,
               m_group[static_cast<std::size_t>(to)]))
        ++sends;
      if (fill(out.recvs, recvs, base + wrap(from_x - dir * lag, d) * width, width,
               m_group[static_cast<std::size_t>(from)])) {
        if (scatter) out.reduce_bytes += out.recvs[recvs].bytes;
        ++recvs;
      }
    }
    out.sends.resize(sends);
    out.recvs.resize(recvs);
    return out;
  }

  void send_peers(int index, std::vector<int>& out) const override {
    for (std::size_t m = 0; m < m_shape.dims.size(); ++m) {
      const int d = m_shape.dims[m];
      if (d < 2) continue;
      const int x = m_shape.coord(index, m);
      for (int h = 0; h < m_directions; ++h) {
        const int dir = h == 0 ? +1 : -1;
        out.push_back(m_group[static_cast<std::size_t>(index + (wrap(x + dir, d) - x) * m_shape.stride[m])]);
      }
    }
  }

 private:
  struct Stage {
    int dim;
    int p;
    bool scatter;
  };
  void add_stage(int m, bool scatter) {
    for (int p = 0; p < m_shape.dims[static_cast<std::size_t>(m)] - 1; ++p)
      m_stage_of.push_back(Stage{m, p, scatter});
  }
  // Writes the transfer of chunks [first, first + count) to `peer` at list[at] (reusing its buffers), listing
  // only the non-empty chunks; false when they hold no bytes, as ScheduleBuilder drops such a transfer.
  bool fill(std::vector<Transfer>& list, std::size_t at, int first, int count, int peer) const {
    const auto a = static_cast<std::size_t>(first), b = static_cast<std::size_t>(first + count);
    const std::uint64_t bytes = m_prefix[b] - m_prefix[a];
    if (bytes == 0) return false;
    if (list.size() <= at) list.resize(at + 1);
    Transfer& t = list[at];
    t.peer = peer;
    t.bytes = bytes;
    t.chunks.clear();
    if (m_none_empty) {
      // Every chunk holds bytes (the usual case: a buffer of more bytes than chunks): the range as it is, in
      // one pass without a test per chunk (a transfer of the first dimension lists n / d of them).
      t.chunks.resize(static_cast<std::uint32_t>(count));
      int* out = t.chunks.data();
      for (int i = 0; i < count; ++i)
        out[i] = first + i;
      return true;
    }
    for (std::size_t c = a; c < b; ++c)
      if (m_sizes[c] > 0) t.chunks.push_back(static_cast<int>(c));
    return true;
  }

  std::vector<int> m_group;
  Shape m_shape;
  int m_directions;
  std::vector<std::uint64_t> m_sizes;
  std::vector<std::uint64_t> m_prefix;
  bool m_none_empty = false;  // no chunk of m_sizes is empty
  std::vector<Stage> m_stage_of;
};

// A plan over the group in rank order (0 .. n-1) whose index i is group[i]: the torus's schedule whatever
// order the group lists its ranks in.
class ByRank final : public SchedulePlan {
 public:
  ByRank(const std::vector<int>& group, std::shared_ptr<const SchedulePlan> sorted)
      : m_group(group), m_sorted(std::move(sorted)) {}
  int group_size() const override { return m_sorted->group_size(); }
  int phases(int index) const override { return m_sorted->phases(rank(index)); }
  const Phase& phase(int index, int k, Phase& scratch) const override {
    return m_sorted->phase(rank(index), k, scratch);
  }
  void send_peers(int index, std::vector<int>& out) const override { m_sorted->send_peers(rank(index), out); }

 private:
  int rank(int index) const { return m_group[static_cast<std::size_t>(index)]; }
  std::vector<int> m_group;
  std::shared_ptr<const SchedulePlan> m_sorted;
};

// Whether dims describe a torus of exactly n ranks (else the plan is one dimension in group order).
bool fits(const std::vector<int>& dims, std::size_t n) {
  const long long product =
      std::accumulate(dims.begin(), dims.end(), 1LL, [](long long a, int b) { return a * b; });
  return !dims.empty() && product == static_cast<long long>(n);
}

// Both algorithms: `directions` rings a dimension; `subset` is the ring the refusal points a subset of the
// torus to.
class TorusRing final : public ICollective {
 public:
  TorusRing(std::string_view name, int directions, std::string_view subset)
      : m_name(name), m_directions(directions), m_subset(subset) {}

  std::string_view name() const override { return m_name; }

  bool supports(Op op) const override {
    return op == Op::AllReduce || op == Op::AllGather || op == Op::ReduceScatter;
  }

  std::string refusal(const std::vector<int>& group, const TopologyFacts& facts) const override {
    if (facts.torus_dims.empty()) return "";
    const long long product = std::accumulate(facts.torus_dims.begin(), facts.torus_dims.end(), 1LL,
                                              [](long long a, int b) { return a * b; });
    // The whole torus, in any order: group's ranks are distinct, so n of them below n are all of them.
    bool whole = product == static_cast<long long>(group.size());
    for (std::size_t i = 0; whole && i < group.size(); ++i)
      whole = group[i] >= 0 && group[i] < static_cast<int>(product);
    if (whole) return "";
    return std::string(m_name) + " runs over the whole torus (ranks 0 to " + std::to_string(product - 1) +
           ", in any order); use " + std::string(m_subset) + " for a subset";
  }

  Schedule build(Op op, const std::vector<int>& group, std::uint64_t size_bytes) const override {
    return build_on(op, group, size_bytes, TopologyFacts{});
  }

  Schedule build_on(Op op, const std::vector<int>& group, std::uint64_t size_bytes,
                    const TopologyFacts& facts) const override {
    return collect(*plan(op, group, size_bytes, facts));
  }

  std::shared_ptr<const SchedulePlan> plan(Op op, const std::vector<int>& group, std::uint64_t size_bytes,
                                           const TopologyFacts& facts) const override {
    require_buildable(*this, op, group);
    if (!fits(facts.torus_dims, group.size()))
      return std::make_shared<TorusPlan>(op, group, size_bytes, facts.torus_dims, m_directions);
    if (const std::string why = refusal(group, facts); !why.empty()) throw std::invalid_argument(why);
    bool sorted = true;
    for (std::size_t i = 0; sorted && i < group.size(); ++i)
      sorted = group[i] == static_cast<int>(i);
    if (sorted) return std::make_shared<TorusPlan>(op, group, size_bytes, facts.torus_dims, m_directions);
    std::vector<int> by_rank(group.size());
    for (std::size_t r = 0; r < group.size(); ++r)
      by_rank[r] = static_cast<int>(r);
    return std::make_shared<ByRank>(
        group, std::make_shared<TorusPlan>(op, by_rank, size_bytes, facts.torus_dims, m_directions));
  }

 private:
  std::string_view m_name;
  int m_directions;
  std::string_view m_subset;
};

}  // namespace

const ICollective& torus_ring() {
  static const TorusRing algorithm("torus_ring", 2, "bidir_ring");
  return algorithm;
}

const ICollective& torus_unidir() {
  static const TorusRing algorithm("torus_unidir", 1, "ring");
  return algorithm;
}

}  // namespace pjbit::workloads::impl
