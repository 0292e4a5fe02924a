// A read-only view of consecutive values (what std::span is in C++20): a pointer and a count, for code that
// reads a list without caring whether a std::vector or a core::SmallVector holds it.
#pragma once

#include <cstddef>
#include <vector>

#include "core/small_vector.h"

namespace pjbit::core {

template <typename T>
class Span {
 public:
  Span() = default;
  Span(const T* data, std::size_t size) : m_data(data), m_size(size) {}
  Span(const std::vector<T>& v) : m_data(v.data()), m_size(v.size()) {}  // NOLINT: implicit on purpose
  template <std::uint32_t N>
  Span(const SmallVector<T, N>& v) : m_data(v.data()), m_size(v.size()) {}  // NOLINT: implicit on purpose

  const T* begin() const { return m_data; }
  const T* end() const { return m_data + m_size; }
  std::size_t size() const { return m_size; }
  bool empty() const { return m_size == 0; }
  const T& operator[](std::size_t i) const { return m_data[i]; }

 private:
  const T* m_data = nullptr;
  std::size_t m_size = 0;
};

}  // namespace pjbit::core
