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
