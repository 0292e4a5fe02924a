// Items ordered by time, and at one time by the order they were added: a bucket per distinct tick, a heap of
// the distinct ticks only, and the bucket used last found without a lookup. Discrete-event models tend to
// schedule many things for the same instant (every link of a ring finishing a packet at once, every flow of a
// collective phase finishing together): those cost O(1) each instead of a heap operation each. The ticks'
// buckets are found through an open-addressing table (TickIndex): a packet model makes and retires a bucket
// per distinct instant, millions a run, and a node-based map's allocation and hashing per bucket was a tenth
// of the whole run (docs/performance.md). Hand-written for the reason core/recv_table.h gives: Boost 1.74 has
// no open-addressing map.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/time.h"

namespace pjbit::core {

// A map from tick to a small non-negative int, for TickBuckets: linear probing in a power-of-two table kept
// at most half full, erase by backward shift (no tombstones), so a lookup touches a slot or two of one array.
class TickIndex {
 public:
  // The value of `at`, or -1 when it has none.
  int find(Tick at) const {
    if (m_size == 0) return -1;
    for (std::size_t i = home(at);; i = (i + 1) & m_mask) {
      const Slot& s = m_slots[i];
      if (s.value < 0) return -1;
      if (s.at == at) return s.value;
    }
  }

  // Gives `at` (which has none) the value `value` (>= 0).
  void insert(Tick at, int value) {
    if (2 * (m_size + 1) > m_slots.size()) grow();
    std::size_t i = home(at);
    while (m_slots[i].value >= 0)
      i = (i + 1) & m_mask;
    m_slots[i] = Slot{at, value};
    ++m_size;
  }

  // Removes `at`, which has a value.
  void erase(Tick at) {
    std::size_t i = home(at);
    while (m_slots[i].at != at || m_slots[i].value < 0)
      i = (i + 1) & m_mask;
    // Backward shift: each later slot of the probe run moves into the hole unless its home lies cyclically
    // after the hole (then the hole would hide it from its own lookups).
    for (std::size_t j = (i + 1) & m_mask;; j = (j + 1) & m_mask) {
      if (m_slots[j].value < 0) break;
      const std::size_t h = home(m_slots[j].at);
      if (((j - h) & m_mask) >= ((j - i) & m_mask)) {
        m_slots[i] = m_slots[j];
        i = j;
      }
    }
    m_slots[i].value = -1;
    --m_size;
  }

  std::size_t size() const { return m_size; }

 private:
  struct Slot {
    Tick at = 0;
    int value = -1;  // -1: empty
  };
  // Fibonacci hashing: ticks are often multiples of a common period, which the multiply spreads.
  std::size_t home(Tick at) const {
    return static_cast<std::size_t>((at * 0x9e3779b97f4a7c15ull) >> m_shift) & m_mask;
  }
  void grow() {
    std::vector<Slot> old;
    old.swap(m_slots);
    const std::size_t n = old.empty() ? 16 : 2 * old.size();
    m_slots.assign(n, Slot{});
    m_mask = n - 1;
    m_shift = 64;
    for (std::size_t k = n; k > 1; k >>= 1)
      --m_shift;
    m_size = 0;
    for (const Slot& s : old)
      if (s.value >= 0) insert(s.at, s.value);
  }

  std::vector<Slot> m_slots;
  std::size_t m_mask = 0;
  int m_shift = 64;
  std::size_t m_size = 0;
};

template <typename Item>
class TickBuckets {
 public:
  void push(Tick at, const Item& item) {
    int b = m_last;
    if (b < 0 || m_buckets[static_cast<std::size_t>(b)].at != at) {
      b = m_index.find(at);
      if (b < 0) {
        if (m_free.empty()) {
          b = static_cast<int>(m_buckets.size());
          m_buckets.emplace_back();
        } else {
          b = m_free.back();
          m_free.pop_back();
        }
        m_buckets[static_cast<std::size_t>(b)].at = at;
        m_index.insert(at, b);
        m_heap.emplace_back(at, b);
        std::push_heap(m_heap.begin(), m_heap.end(), later);
      }
      m_last = b;
    }
    m_buckets[static_cast<std::size_t>(b)].items.push_back(item);
  }

  bool empty() const { return m_heap.empty(); }
  Tick earliest() const { return m_heap.front().first; }

  // The item `k` places after the one pop() returns next, when the earliest tick holds that many; else null.
  // For looking ahead (prefetching what those items will touch).
  const Item* peek(std::size_t k) const {
    const Bucket& bucket = m_buckets[static_cast<std::size_t>(m_heap.front().second)];
    const std::size_t at = bucket.next + k;
    return at < bucket.items.size() ? &bucket.items[at] : nullptr;
  }

  // Removes and returns the first item due at earliest(). Items pushed for that same tick meanwhile come
  // after the ones already there.
  Item pop() {
    const int b = m_heap.front().second;
    Bucket& bucket = m_buckets[static_cast<std::size_t>(b)];
    const Item item = bucket.items[bucket.next++];
    if (bucket.next == bucket.items.size()) {
      std::pop_heap(m_heap.begin(), m_heap.end(), later);
      m_heap.pop_back();
      m_index.erase(bucket.at);
      bucket.items.clear();
      bucket.next = 0;
      m_free.push_back(b);
      if (m_last == b) m_last = -1;
    }
    return item;
  }

 private:
  struct Bucket {
    Tick at = 0;
    std::vector<Item> items;
    std::size_t next = 0;
  };
  static bool later(const std::pair<Tick, int>& a, const std::pair<Tick, int>& b) {
    return a.first > b.first;
  }

  std::vector<Bucket> m_buckets;
  std::vector<int> m_free;
  std::vector<std::pair<Tick, int>> m_heap;  // min-heap of (tick, bucket)
  TickIndex m_index;
  int m_last = -1;
};

}  // namespace pjbit::core
