// Items ordered by time, and at one time by the order they were added: a bucket per distinct tick, a heap of
// the distinct ticks only, and the bucket used last found without a lookup. Discrete-event models tend to
// schedule many things for the same instant (every link of a ring finishing a packet at once, every flow of a
// collective phase finishing together): those cost O(1) each instead of a heap operation each. The ticks'
// buckets are found through the open-addressing table of core/recv_table.h (keyed by (0, tick)): a packet
// model makes and retires a bucket per distinct instant, millions a run, and a node-based map's allocation
// and hashing per bucket was a tenth of the whole run (docs/performance.md).
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/recv_table.h"
#include "core/time.h"

namespace pjbit::core {

template <typename Item>
class TickBuckets {
 public:
  void push(Tick at, const Item& item) {
    int b = m_last;
    if (b < 0 || m_buckets[static_cast<std::size_t>(b)].at != at) {
      int& indexed = m_index.at(0, at).bucket;  // -1 when the tick had none: made now
      b = indexed;
      if (b < 0) {
        if (m_free.empty()) {
          b = static_cast<int>(m_buckets.size());
          m_buckets.emplace_back();
        } else {
          b = m_free.back();
          m_free.pop_back();
        }
        m_buckets[static_cast<std::size_t>(b)].at = at;
        indexed = b;
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
      m_index.erase(0, bucket.at);
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
  struct Indexed {
    int bucket = -1;
  };
  RecvTable<Indexed> m_index;  // tick -> its bucket
  int m_last = -1;
};

}  // namespace pjbit::core
