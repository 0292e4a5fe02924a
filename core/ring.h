// A FIFO in a ring buffer whose capacity is a power of two (indices wrap with a mask, not a division). It
// keeps its capacity, so a queue that has grown allocates nothing more: for the FIFOs of the hot paths (an
// arbiter's turns and packets, the flow engine's deliveries), where a std::deque allocates and frees a block
// every few entries.
#pragma once

#include <cstddef>
#include <vector>

namespace pjbit::core {

template <typename T>
class Ring {
 public:
  bool empty() const { return m_size == 0; }
  std::size_t size() const { return m_size; }
  void push_back(const T& v) {
    if (m_size == m_buf.size()) grow();
    m_buf[(m_head + m_size) & (m_buf.size() - 1)] = v;
    ++m_size;
  }
  T pop_front() {
    T v = m_buf[m_head];
    m_head = (m_head + 1) & (m_buf.size() - 1);
    --m_size;
    return v;
  }
  const T& front() const { return m_buf[m_head]; }
  const T& back() const { return (*this)[m_size - 1]; }
  // The i-th entry from the front.
  T& operator[](std::size_t i) { return m_buf[(m_head + i) & (m_buf.size() - 1)]; }
  const T& operator[](std::size_t i) const { return m_buf[(m_head + i) & (m_buf.size() - 1)]; }

 private:
  void grow() {
    std::vector<T> bigger(m_buf.empty() ? 8 : 2 * m_buf.size());
    for (std::size_t i = 0; i < m_size; ++i)
      bigger[i] = (*this)[i];
    m_buf.swap(bigger);
    m_head = 0;
  }
  std::vector<T> m_buf;
  std::size_t m_head = 0;
  std::size_t m_size = 0;
};

}  // namespace pjbit::core
