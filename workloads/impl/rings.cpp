// Rail rings (workloads/rings.h): each channel's ring order, by rotating every innermost domain's members.
#include "workloads/rings.h"

#include <map>
#include <stdexcept>
#include <string>

#include "workloads/impl/algorithms.h"

namespace pjbit::workloads {

std::vector<std::vector<int>> channel_index_orders(const std::vector<int>& group, const TopologyFacts& facts,
                                                   int channels) {
  if (channels < 1)
    throw std::invalid_argument("channel orders: need at least one channel, got " + std::to_string(channels));
  // Each domain's positions in the group, in group order (domains in a std::map: a stable order).
  std::map<int, std::vector<int>> positions;
  for (std::size_t i = 0; i < group.size(); ++i)
    positions[facts.inner_domain > 0 ? group[i] / facts.inner_domain : 0].push_back(static_cast<int>(i));
  std::vector<std::vector<int>> orders(static_cast<std::size_t>(channels), std::vector<int>(group.size()));
  for (const auto& [domain, at] : positions) {
    const int m = static_cast<int>(at.size());
    for (int c = 0; c < channels; ++c) {
      const int shift = c % m;
      std::vector<int>& order = orders[static_cast<std::size_t>(c)];
      for (int j = 0; j < m; ++j)
        order[static_cast<std::size_t>(at[static_cast<std::size_t>(j)])] =
            at[static_cast<std::size_t>(impl::wrap_near(j + shift, m))];
    }
  }
  return orders;
}

std::vector<std::vector<int>> channel_orders(const std::vector<int>& group, const TopologyFacts& facts,
                                             int channels) {
  std::vector<std::vector<int>> orders = channel_index_orders(group, facts, channels);
  for (std::vector<int>& order : orders)
    for (int& i : order)
      i = group[static_cast<std::size_t>(i)];
  return orders;
}

int mesh_ring_count(int n) {
  if (n < 2) throw std::invalid_argument("mesh rings: need at least 2 ranks, got " + std::to_string(n));
  return n % 2 == 0 ? 2 * (n - 1) : n - 1;
}

std::vector<std::vector<int>> mesh_ring_index_orders(int n, int channels) {
  const int count = mesh_ring_count(n);
  if (channels < 1)
    throw std::invalid_argument("mesh rings: need at least one channel, got " + std::to_string(channels));
  const int q = n - 1;
  // The zig-zag 0, 1, -1, 2, -2, ... (mod q): every integer mod q once.
  std::vector<int> zig(static_cast<std::size_t>(q));
  for (int j = 1; j < q; ++j)
    zig[static_cast<std::size_t>(j)] = impl::wrap(j % 2 == 1 ? (j + 1) / 2 : -(j / 2), q);
  // Relabelling: the integer zig[j] (C_0's (j+1)-th index) is group index j + 1, so that C_0 is 0, 1, ...,
  // n-1.
  std::vector<int> label(static_cast<std::size_t>(q));
  for (int j = 0; j < q; ++j)
    label[static_cast<std::size_t>(zig[static_cast<std::size_t>(j)])] = j + 1;
  const int forward = count / 2;  // q for even n, q/2 for odd n: the cycles before their reverses
  std::vector<std::vector<int>> orders(static_cast<std::size_t>(channels),
                                       std::vector<int>(static_cast<std::size_t>(n), 0));
  for (int c = 0; c < channels; ++c) {
    const int ring = c % count;
    const int k = ring % forward;
    const bool reverse = ring >= forward;
    std::vector<int>& order = orders[static_cast<std::size_t>(c)];
    for (int j = 0; j < q; ++j) {
      // Forward: position j + 1 holds k + zig[j]; reversed: position j + 1 holds k + zig[q - 1 - j].
      const int z = zig[static_cast<std::size_t>(reverse ? q - 1 - j : j)];
      order[static_cast<std::size_t>(j + 1)] = label[static_cast<std::size_t>(impl::wrap(k + z, q))];
    }
  }
  return orders;
}

namespace impl {

std::vector<RingSpec> channel_rings(int n, std::uint64_t size_bytes, int channels, bool both_ways) {
  std::vector<RingSpec> rings;
  const std::vector<std::uint64_t> shares = split_even(size_bytes, channels);
  for (int c = 0; c < channels; ++c) {
    const std::uint64_t share = shares[static_cast<std::size_t>(c)];
    if (!both_ways) {
      rings.push_back(RingSpec{+1, c * n, share, c});
      continue;
    }
    const std::vector<std::uint64_t> halves = split_even(share, 2);
    rings.push_back(RingSpec{+1, 2 * n * c, halves[0], c});
    rings.push_back(RingSpec{-1, 2 * n * c + n, halves[1], c});
  }
  return rings;
}

std::vector<std::uint64_t> channel_chunk_sizes(int n, std::uint64_t size_bytes, int channels,
                                               bool both_ways) {
  std::vector<std::uint64_t> sizes;
  for (const RingSpec& r : channel_rings(n, size_bytes, channels, both_ways))
    for (std::uint64_t chunk : split_even(r.total, n))
      sizes.push_back(chunk);
  return sizes;
}

}  // namespace impl

}  // namespace pjbit::workloads
