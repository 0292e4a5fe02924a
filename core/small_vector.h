// A vector of trivially copyable values that keeps its first N in place and goes to the heap only beyond:
// for the many short lists of the hot paths (the flows on a link, a flow's place in each), where a
// std::vector's separate buffer would be one more cache miss per use.
// Kept over boost::container::small_vector (docs/performance.md, 2026-12-06): the packet engine ran as fast
// with either, but the flow engine's rings of 1024 and 4096 ranks took 1.24 and 1.82 times the CPU time with
// Boost's (medians of 6 alternating pairs), whose small_vector<int, 4> is 40 bytes against 24 here.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <new>
#include <type_traits>

namespace pjbit::core {

template <typename T, std::uint32_t N>
class SmallVector {
  static_assert(std::is_trivially_copyable_v<T>, "SmallVector holds trivially copyable values");
  static_assert(N > 0, "SmallVector needs room for one value in place");

 public:
  using value_type = T;
  using iterator = T*;
  using const_iterator = const T*;

  SmallVector() = default;
  SmallVector(std::initializer_list<T> values) {
    reserve(static_cast<std::uint32_t>(values.size()));
    for (const T& v : values)
      push_back(v);
  }
  SmallVector(const SmallVector& other) { assign(other); }
  SmallVector(SmallVector&& other) noexcept { take(other); }
  SmallVector& operator=(const SmallVector& other) {
    if (this != &other) {
      clear();
      assign(other);
    }
    return *this;
  }
  SmallVector& operator=(SmallVector&& other) noexcept {
    if (this != &other) {
      release();
      take(other);
    }
    return *this;
  }
  ~SmallVector() { release(); }

  std::uint32_t size() const { return m_size; }
  bool empty() const { return m_size == 0; }
  T* data() { return m_capacity > N ? m_heap : m_inline; }
  const T* data() const { return m_capacity > N ? m_heap : m_inline; }
  T* begin() { return data(); }
  T* end() { return data() + m_size; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + m_size; }
  T& operator[](std::size_t i) { return data()[i]; }
  const T& operator[](std::size_t i) const { return data()[i]; }
  T& front() { return data()[0]; }
  const T& front() const { return data()[0]; }
  T& back() { return data()[m_size - 1]; }
  const T& back() const { return data()[m_size - 1]; }

  void push_back(const T& value) {
    if (m_size == m_capacity) grow(m_capacity * 2);
    data()[m_size++] = value;
  }
  void pop_back() { --m_size; }
  void resize(std::uint32_t size) {
    reserve(size);
    for (std::uint32_t i = m_size; i < size; ++i)
      data()[i] = T{};
    m_size = size;
  }
  void clear() { m_size = 0; }
  void reserve(std::uint32_t capacity) {
    if (capacity > m_capacity) grow(capacity);
  }
  // Gives back the heap room beyond the values held (back in place when they fit there).
  void shrink_to_fit() {
    if (m_capacity <= N || m_size == m_capacity) return;
    T* heap = m_heap;
    if (m_size <= N) {
      std::memcpy(m_inline, heap, sizeof(T) * m_size);
      m_capacity = N;
    } else {
      T* exact = static_cast<T*>(std::malloc(sizeof(T) * m_size));
      if (exact == nullptr) throw std::bad_alloc();
      std::memcpy(exact, heap, sizeof(T) * m_size);
      m_heap = exact;
      m_capacity = m_size;
    }
    std::free(heap);
  }

  friend bool operator==(const SmallVector& a, const SmallVector& b) {
    if (a.m_size != b.m_size) return false;
    for (std::uint32_t i = 0; i < a.m_size; ++i)
      if (!(a.data()[i] == b.data()[i])) return false;
    return true;
  }
  friend bool operator!=(const SmallVector& a, const SmallVector& b) { return !(a == b); }

 private:
  void grow(std::uint32_t capacity) {
    T* bigger = static_cast<T*>(std::malloc(sizeof(T) * capacity));
    if (bigger == nullptr) throw std::bad_alloc();
    std::memcpy(bigger, data(), sizeof(T) * m_size);
    release();
    m_heap = bigger;
    m_capacity = capacity;
  }
  void release() {
    if (m_capacity > N) std::free(m_heap);
    m_capacity = N;
  }
  void assign(const SmallVector& other) {
    reserve(other.m_size);
    std::memcpy(data(), other.data(), sizeof(T) * other.m_size);
    m_size = other.m_size;
  }
  void take(SmallVector& other) {
    m_size = other.m_size;
    m_capacity = other.m_capacity;
    if (other.m_capacity > N) {
      m_heap = other.m_heap;
    } else {
      std::memcpy(m_inline, other.m_inline, sizeof(T) * other.m_size);
    }
    other.m_size = 0;
    other.m_capacity = N;
  }

  union {
    T m_inline[N];
    T* m_heap;
  };
  std::uint32_t m_size = 0;
  std::uint32_t m_capacity = N;
};

}  // namespace pjbit::core
