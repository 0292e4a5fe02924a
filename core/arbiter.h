// Output arbitration of one serialization resource (a link direction, which is also the output port of the
// switch or router that drives it). Packets wait in per-flow FIFOs; flows are served round-robin, one
// packet per turn, which shares the resource fairly between flows (and so approximates max-min fairness).
// With priorities on, a packet of a higher-priority transport class always goes first (strict priority);
// within a class, flows take turns.
//
// It sits on the hot path of every busy hop, so it allocates nothing in steady state: flow queues are slots
// whose buffers are kept and reused, flows are found by a linear scan while few are active (the common case)
// and through a hash index beyond that, and turns are ring buffers.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace pjbit::core {

// A FIFO on a vector that keeps its capacity.
template <typename T>
class Ring {
 public:
  bool empty() const { return m_size == 0; }
  std::size_t size() const { return m_size; }
  void push_back(const T& v) {
    if (m_size == m_buf.size()) grow();
    m_buf[(m_head + m_size) % m_buf.size()] = v;
    ++m_size;
  }
  T pop_front() {
    T v = m_buf[m_head];
    m_head = (m_head + 1) % m_buf.size();
    --m_size;
    return v;
  }
  const T& front() const { return m_buf[m_head]; }

 private:
  void grow() {
    std::vector<T> bigger(m_buf.empty() ? 8 : 2 * m_buf.size());
    for (std::size_t i = 0; i < m_size; ++i)
      bigger[i] = m_buf[(m_head + i) % m_buf.size()];
    m_buf.swap(bigger);
    m_head = 0;
  }
  std::vector<T> m_buf;
  std::size_t m_head = 0;
  std::size_t m_size = 0;
};

template <typename Packet, int NumClasses>
class Arbiter {
 public:
  explicit Arbiter(bool priorities = true) : m_priorities(priorities) {}

  void set_priorities(bool on) { m_priorities = on; }
  bool empty() const { return m_queued == 0; }
  std::size_t queued() const { return m_queued; }

  void push(std::uint64_t flow, int cls, Packet p) {
    const int c = m_priorities ? cls : 0;
    int slot = find(flow);
    if (slot < 0) {
      slot = open(flow);
      m_turns[c].push_back(slot);
    }
    m_slots[static_cast<std::size_t>(slot)].packets.push_back(p);
    ++m_queued;
  }

  // The next packet to send; only when !empty().
  Packet pop() {
    for (auto& turns : m_turns) {
      if (turns.empty()) continue;
      const int slot = turns.pop_front();
      Slot& s = m_slots[static_cast<std::size_t>(slot)];
      Packet p = s.packets.pop_front();
      if (s.packets.empty()) {
        close(slot);
      } else {
        turns.push_back(slot);
      }
      --m_queued;
      return p;
    }
    return Packet{};
  }

 private:
  static constexpr std::size_t kLinear = 16;  // active flows found by scanning up to this many

  struct Slot {
    std::uint64_t flow = 0;
    Ring<Packet> packets;
  };

  int find(std::uint64_t flow) const {
    if (m_active.size() <= kLinear) {
      for (int slot : m_active)
        if (m_slots[static_cast<std::size_t>(slot)].flow == flow) return slot;
      return -1;
    }
    auto it = m_index.find(flow);
    return it == m_index.end() ? -1 : it->second;
  }

  int open(std::uint64_t flow) {
    int slot;
    if (m_free.empty()) {
      slot = static_cast<int>(m_slots.size());
      m_slots.emplace_back();
    } else {
      slot = m_free.back();
      m_free.pop_back();
    }
    m_slots[static_cast<std::size_t>(slot)].flow = flow;
    m_active.push_back(slot);
    if (m_active.size() > kLinear) {
      if (m_index.empty())
        for (int s : m_active)
          m_index[m_slots[static_cast<std::size_t>(s)].flow] = s;
      m_index[flow] = slot;
    }
    return slot;
  }

  void close(int slot) {
    for (std::size_t i = 0; i < m_active.size(); ++i) {
      if (m_active[i] != slot) continue;
      m_active[i] = m_active.back();
      m_active.pop_back();
      break;
    }
    if (!m_index.empty()) {
      m_index.erase(m_slots[static_cast<std::size_t>(slot)].flow);
      if (m_active.size() <= kLinear) m_index.clear();
    }
    m_free.push_back(slot);
  }

  bool m_priorities;
  std::size_t m_queued = 0;
  std::vector<Slot> m_slots;
  std::vector<int> m_free;
  std::vector<int> m_active;  // order is irrelevant: service order comes from the turns
  // Lookup only, while many flows are active; the order of service never depends on it.
  std::unordered_map<std::uint64_t, int> m_index;
  Ring<int> m_turns[NumClasses];
};

}  // namespace pjbit::core
