// An open-addressing hash table from (source, tag) to a receive's progress, for an endpoint's posted and
// early-arrived receives. Every message and every receive looks one up, and a std::map paid an allocation and
// a tree walk for each: here an entry lives in one flat array (linear probing, at most half full, erased by
// shifting later entries back, so there are no tombstones). Iteration order depends on the keys' hashes;
// callers that print entries sort them. TickBuckets (core/tick_buckets.h) indexes its ticks with one too.
// Kept over boost::unordered_map (Boost 1.74 has no open-addressing table: unordered_flat_map came in 1.81):
// with it the packet engine's rings took 1.10 to 1.20 times the CPU time and the flow engine's rings of 1024
// and 4096 ranks 1.12 and 1.27 times (medians of 6 alternating pairs, docs/performance.md, 2026-12-06).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace pjbit::core {

template <typename Value>
class RecvTable {
 public:
  // The entry for (src, tag), made with a default Value when there is none. The reference holds until the
  // next insertion or erase.
  Value& at(int src, std::uint64_t tag) {
    if (2 * (m_size + 1) > m_slots.size()) grow();
    std::size_t i = home(src, tag);
    for (;;) {
      Slot& s = m_slots[i];
      if (!s.used) {
        s = Slot{true, src, tag, Value{}};
        ++m_size;
        return s.value;
      }
      if (s.src == src && s.tag == tag) return s.value;
      i = (i + 1) & mask();
    }
  }

  void erase(int src, std::uint64_t tag) {
    if (m_size == 0) return;
    std::size_t i = home(src, tag);
    while (m_slots[i].used && !(m_slots[i].src == src && m_slots[i].tag == tag))
      i = (i + 1) & mask();
    if (!m_slots[i].used) return;
    // Shift back every later entry of the run that may sit at i (its home is not cyclically in (i, j]).
    std::size_t j = i;
    for (;;) {
      j = (j + 1) & mask();
      if (!m_slots[j].used) break;
      const std::size_t h = home(m_slots[j].src, m_slots[j].tag);
      const bool between = i <= j ? (i < h && h <= j) : (i < h || h <= j);
      if (between) continue;
      m_slots[i] = std::move(m_slots[j]);
      i = j;
    }
    m_slots[i].used = false;
    --m_size;
  }

  // Asks the processor to fetch the slot where (src, tag) is looked for first.
  void prefetch(int src, std::uint64_t tag) const {
    if (!m_slots.empty()) __builtin_prefetch(&m_slots[home(src, tag)]);
  }

  template <typename F>
  void for_each(F&& f) const {
    for (const Slot& s : m_slots)
      if (s.used) f(s.src, s.tag, s.value);
  }

  std::size_t size() const { return m_size; }

 private:
  struct Slot {
    bool used = false;
    int src = 0;
    std::uint64_t tag = 0;
    Value value{};
  };
  std::size_t mask() const { return m_slots.size() - 1; }
  std::size_t home(int src, std::uint64_t tag) const {
    std::uint64_t h = tag * 0x9e3779b97f4a7c15ull ^ (static_cast<std::uint64_t>(src) * 0xc2b2ae3d27d4eb4full);
    h ^= h >> 29;
    return static_cast<std::size_t>(h) & mask();
  }
  void grow() {
    std::vector<Slot> old;
    old.swap(m_slots);
    m_slots.resize(old.empty() ? 8 : 2 * old.size());
    m_size = 0;
    for (Slot& s : old)
      if (s.used) at(s.src, s.tag) = std::move(s.value);
  }

  std::vector<Slot> m_slots;
  std::size_t m_size = 0;
};

}  // namespace pjbit::core
