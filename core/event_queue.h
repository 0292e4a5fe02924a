// A payload event queue (the pattern of tlm_utils::peq_with_cb_and_phase) without per-entry allocation:
// entries wait in a binary heap ordered by (time, insertion order) and are handed to the owner's callback
// at their time, in that order, from one SystemC method process. Entries at the same time are handed out in
// the order they were queued, so runs are deterministic.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <systemc>
#include <vector>

#include "core/time.h"

namespace pjbit::core {

template <typename Item>
class EventQueue {
 public:
  using Callback = std::function<void(const Item&)>;

  EventQueue(const char* name, Callback cb)
      : m_event((std::string(name) + "_event").c_str()), m_cb(std::move(cb)) {
    sc_core::sc_spawn_options opts;
    opts.spawn_method();
    opts.dont_initialize();
    opts.set_sensitivity(&m_event);
    sc_core::sc_spawn([this] { fire(); }, name, &opts);
  }

  // Hands `item` to the callback at absolute time `at` (never earlier than now).
  void push(Tick at, const Item& item) {
    const Tick now = now_ticks();
    if (at < now) at = now;
    m_heap.push_back(Entry{at, m_seq++, item});
    sift_up(m_heap.size() - 1);
    if (m_firing) return;  // fire() hands out or re-arms for everything queued meanwhile
    if (at < m_armed_for) {
      m_armed_for = at;
      m_event.notify(ticks_to_time(at - now));
    }
  }

  bool empty() const { return m_heap.empty(); }
  std::size_t size() const { return m_heap.size(); }

 private:
  struct Entry {
    Tick at;
    std::uint64_t seq;
    Item item;
    bool before(const Entry& o) const { return at < o.at || (at == o.at && seq < o.seq); }
  };

  void fire() {
    const Tick now = now_ticks();
    m_armed_for = kNever;
    m_firing = true;
    while (!m_heap.empty() && m_heap.front().at <= now) {
      Entry e = m_heap.front();
      m_heap.front() = m_heap.back();
      m_heap.pop_back();
      if (!m_heap.empty()) sift_down(0);
      m_cb(e.item);
    }
    m_firing = false;
    if (!m_heap.empty() && m_heap.front().at < m_armed_for) {
      m_armed_for = m_heap.front().at;
      m_event.notify(ticks_to_time(m_armed_for - now));
    }
  }

  void sift_up(std::size_t i) {
    while (i > 0) {
      const std::size_t parent = (i - 1) / 2;
      if (!m_heap[i].before(m_heap[parent])) break;
      std::swap(m_heap[i], m_heap[parent]);
      i = parent;
    }
  }

  void sift_down(std::size_t i) {
    const std::size_t n = m_heap.size();
    for (;;) {
      std::size_t best = i;
      const std::size_t l = 2 * i + 1, r = l + 1;
      if (l < n && m_heap[l].before(m_heap[best])) best = l;
      if (r < n && m_heap[r].before(m_heap[best])) best = r;
      if (best == i) return;
      std::swap(m_heap[i], m_heap[best]);
      i = best;
    }
  }

  static constexpr Tick kNever = ~Tick{0};
  sc_core::sc_event m_event;
  Callback m_cb;
  std::vector<Entry> m_heap;
  std::uint64_t m_seq = 0;
  Tick m_armed_for = kNever;
  bool m_firing = false;
};

}  // namespace pjbit::core
