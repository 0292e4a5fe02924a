// A FIFO in a ring buffer whose capacity is a power of two (indices wrap with a mask, not a division). It
// keeps its capacity, so a queue that has grown allocates nothing more: for the FIFOs of the hot paths (an
// arbiter's turns and packets, a node's deliveries), where a std::deque allocates and frees a block every
// few entries. The first `InPlace` entries (a power of two, or 0) live inside the ring itself, so a short
// queue costs no cache line of its own beside its owner's.
// Kept over boost::circular_buffer, which holds nothing in place: with it the packet engine's 64-rank ring
// ran 2.1% more instructions and 2.8% more first-level data misses (Cachegrind, docs/performance.md,
// 2026-12-06).
#pragma once

#include <array>
#include <cstddef>
#include <vector>

namespace pjbit::core {

template <typename T, std::size_t InPlace = 0>
class Ring {
  static_assert((InPlace & (InPlace - 1)) == 0, "Ring keeps a power of two of entries in place");

 public:
  bool empty() const { return m_size == 0; }
  std::size_t size() const { return m_size; }
  void push_back(const T& v) {
    if (m_size == capacity()) grow();
    (*this)[m_size] = v;
    ++m_size;
  }
  T pop_front() {
    T v = data()[m_head];
    m_head = (m_head + 1) & (capacity() - 1);
    --m_size;
    return v;
  }
  const T& front() const { return data()[m_head]; }
  const T& back() const { return (*this)[m_size - 1]; }
  // The i-th entry from the front.
  T& operator[](std::size_t i) { return data()[(m_head + i) & (capacity() - 1)]; }
  const T& operator[](std::size_t i) const { return data()[(m_head + i) & (capacity() - 1)]; }

 private:
  std::size_t capacity() const { return m_heap.empty() ? InPlace : m_heap.size(); }
  T* data() { return m_heap.empty() ? m_in_place.data() : m_heap.data(); }
  const T* data() const { return m_heap.empty() ? m_in_place.data() : m_heap.data(); }
  void grow() {
    const std::size_t cap = capacity();
    std::vector<T> bigger(cap == 0 ? 8 : 2 * cap);
    for (std::size_t i = 0; i < m_size; ++i)
      bigger[i] = (*this)[i];
    m_heap.swap(bigger);
    m_head = 0;
  }
  std::array<T, InPlace> m_in_place{};
  std::vector<T> m_heap;
  std::size_t m_head = 0;
  std::size_t m_size = 0;
};

}  // namespace pjbit::core
