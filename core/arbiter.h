// Output arbitration of one serialization resource (a link direction, which is also the output port of the
// switch or router that drives it). Packets wait in per-flow FIFOs; flows are served round-robin, one
// packet per turn, which shares the resource fairly between flows (and so approximates max-min fairness).
// Between transport classes, one of three rules (ClassRule): none (every flow takes its turn whatever its
// class), strict priority (a packet of a higher-priority class always goes first; within a class, flows take
// turns), or weighted fair sharing (every flow takes its turn, and a turn is as many packets as its class's
// weight: deficit round-robin with a quantum of `weight` packets, so backlogged flows of equal packet sizes
// share the resource in proportion to their weights, as the flow engine's weighted max-min does).
//
// It sits on the hot path of every busy hop, so it allocates nothing in steady state: flow queues are slots
// whose buffers are kept and reused, flows are found by a linear scan while few are active (the common case)
// and through a hash index beyond that, and turns are ring buffers.
#pragma once

#include <array>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "core/ring.h"
#include "core/small_vector.h"

namespace pjbit::core {

// How a shared resource chooses between transport classes (scheduler.priorities and scheduler.arbitration).
enum class ClassRule : std::uint8_t {
  None,      // classes are ignored: flows take turns, one packet each
  Strict,    // strict priority, class 0 (latency_critical) first
  Weighted,  // flows take turns of `weight of their class` packets
};

// The rule and, for Weighted, a weight per class (index = class, 0 = latency_critical .. 4 = bulk).
struct ClassArbitration {
  ClassRule rule = ClassRule::Strict;
  std::array<int, 5> weights{16, 8, 4, 2, 1};
  // The weight of class `cls` under this rule (1 for every class unless Weighted).
  int weight(int cls) const {
    if (rule != ClassRule::Weighted) return 1;
    const int c = cls < 0 ? 0 : cls > 4 ? 4 : cls;
    return weights[static_cast<std::size_t>(c)] > 0 ? weights[static_cast<std::size_t>(c)] : 1;
  }
};

template <typename Packet, int NumClasses>
class Arbiter {
 public:
  explicit Arbiter(bool priorities = true) { set_priorities(priorities); }

  // Strict priority (true) or no classes (false).
  void set_priorities(bool on) { m_arbitration.rule = on ? ClassRule::Strict : ClassRule::None; }
  void set_arbitration(const ClassArbitration& a) { m_arbitration = a; }
  bool empty() const { return m_queued == 0; }
  std::size_t queued() const { return m_queued; }

  void push(std::uint64_t flow, int cls, Packet p) {
    // A lone packet waits in place (a credited sender keeps one packet queued behind the one on the wire):
    // pushed into the queues only when another joins it, which leaves them as pushing both would have.
    // Not with weighted turns, whose bursts carry over from one packet to the next.
    if (m_queued == 0 && m_arbitration.rule != ClassRule::Weighted) {
      m_lone = Lone{flow, cls, p};
      m_has_lone = true;
      m_queued = 1;
      return;
    }
    if (m_has_lone) {
      m_has_lone = false;
      --m_queued;
      enqueue(m_lone.flow, m_lone.cls, m_lone.packet);
    }
    enqueue(flow, cls, p);
  }

  // The priority a class's packets are paused or held back by under link-level flow control: its class
  // with strict priorities (a queue, virtual lane or PFC priority per class), else 0 (one for all).
  int priority_of(int cls) const {
    if (m_arbitration.rule != ClassRule::Strict) return 0;
    return cls < 0 ? 0 : cls >= NumClasses ? NumClasses - 1 : cls;
  }

  // The next packet of a priority not in `blocked` (bit p: priority p may not be served), or Packet{} when
  // every queued packet is of a blocked priority. The order among the others is pop()'s.
  Packet pop_allowed(std::uint8_t blocked) {
    if (blocked == 0) return pop();
    if (m_has_lone) return (blocked >> priority_of(m_lone.cls)) & 1u ? Packet{} : pop();
    if (m_arbitration.rule != ClassRule::Strict) return blocked & 1u ? Packet{} : pop();
    for (int c = 0; c < NumClasses; ++c)
      if (!m_turns[c].empty() && ((blocked >> c) & 1u) == 0) return take_turn(c);
    return Packet{};
  }

  // The next packet to send; only when !empty().
  Packet pop() {
    if (m_has_lone) {
      m_has_lone = false;
      m_queued = 0;
      return m_lone.packet;
    }
    if (m_arbitration.rule == ClassRule::Weighted) return pop_weighted();
    for (int c = 0; c < NumClasses; ++c)
      if (!m_turns[c].empty()) return take_turn(c);
    return Packet{};
  }

 private:
  // The next packet of class queue `c` (not empty): its first flow's, which then goes to the back of the
  // turns if it has more.
  Packet take_turn(int c) {
    auto& turns = m_turns[c];
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

  void enqueue(std::uint64_t flow, int cls, Packet p) {
    const int c = m_arbitration.rule == ClassRule::Strict ? cls : 0;
    int slot = find(flow);
    if (slot < 0) {
      slot = open(flow);
      m_slots[static_cast<std::size_t>(slot)].weight = m_arbitration.weight(cls);
      if (m_pending >= 0 && flow == m_pending_flow) {
        // Weighted: the flow in its turn ran dry and refilled before the next pick: its turn goes on.
        m_burst = slot;
        m_pending = -1;
      } else {
        m_turns[c].push_back(slot);
      }
    }
    m_slots[static_cast<std::size_t>(slot)].packets.push_back(p);
    ++m_queued;
  }

  static constexpr std::size_t kLinear = 16;  // active flows found by scanning up to this many

  struct Slot {
    std::uint64_t flow = 0;
    int weight = 1;  // packets per turn (Weighted)
    Ring<Packet, 4> packets;
  };

  // Weighted: the flow whose turn it is sends up to `weight` packets before the next flow's turn. The flow
  // in its turn is out of the ring until the turn ends.
  // A flow whose only queued packet is served keeps its turn if its next packet arrives before the next
  // pick (a sender that refills as each packet leaves, like a credited NIC, is backlogged for the arbiter).
  Packet pop_weighted() {
    m_pending = -1;
    if (m_burst < 0) {
      m_burst = m_turns[0].pop_front();
      m_burst_left = m_slots[static_cast<std::size_t>(m_burst)].weight;
    }
    const int slot = m_burst;
    Slot& s = m_slots[static_cast<std::size_t>(slot)];
    Packet p = s.packets.pop_front();
    --m_queued;
    if (s.packets.empty()) {
      if (--m_burst_left > 0) {
        m_pending = 1;
        m_pending_flow = s.flow;
      }
      close(slot);
      m_burst = -1;
    } else if (--m_burst_left <= 0) {
      m_turns[0].push_back(slot);
      m_burst = -1;
    }
    return p;
  }

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

  // What every push and pop reads first.
  std::size_t m_queued = 0;
  struct Lone {
    std::uint64_t flow;
    int cls;
    Packet packet;
  };
  Lone m_lone{};
  bool m_has_lone = false;
  ClassArbitration m_arbitration;
  int m_burst = -1;  // Weighted: the slot whose turn it is, or -1
  int m_burst_left = 0;
  int m_pending = -1;  // Weighted: >= 0 while the flow in its turn ran dry and may still refill
  std::uint64_t m_pending_flow = 0;
  std::vector<Slot> m_slots;
  // The lists a busy hop reads are kept in place for a few flows: a link direction usually serves one or
  // two, and a separate buffer would be a cache line more per packet.
  SmallVector<int, 4> m_free;
  SmallVector<int, 4> m_active;  // order is irrelevant: service order comes from the turns
  // Lookup only, while many flows are active; the order of service never depends on it.
  std::unordered_map<std::uint64_t, int> m_index;
  Ring<int, 4> m_turns[NumClasses];
};

}  // namespace pjbit::core
