// Output arbitration of one serialization resource (a link direction, which is also the output port of the
// switch or router that drives it). Packets wait in per-flow FIFOs; flows are served round-robin, one
// packet per turn, which shares the resource fairly between flows (and so approximates max-min fairness).
// With priorities on, a packet of a higher-priority transport class always goes first (strict priority);
// within a class, flows take turns.
#pragma once

#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

namespace pjbit::core {

template <typename Packet, int NumClasses>
class Arbiter {
 public:
  explicit Arbiter(bool priorities = true) : m_priorities(priorities) {}

  void set_priorities(bool on) { m_priorities = on; }
  bool empty() const { return m_queued == 0; }
  std::size_t queued() const { return m_queued; }

  void push(std::uint64_t flow, int cls, Packet p) {
    const int c = m_priorities ? cls : 0;
    auto [it, inserted] = m_flows.try_emplace(flow);
    FlowQueue& q = it->second;
    if (q.packets.empty()) m_turns[c].push_back(flow);
    q.packets.push_back(p);
    ++m_queued;
  }

  // The next packet to send; only when !empty().
  Packet pop() {
    for (auto& turns : m_turns) {
      if (turns.empty()) continue;
      const std::uint64_t flow = turns.front();
      turns.pop_front();
      auto it = m_flows.find(flow);
      FlowQueue& q = it->second;
      Packet p = q.packets.front();
      q.packets.pop_front();
      if (q.packets.empty()) {
        m_flows.erase(it);
      } else {
        turns.push_back(flow);
      }
      --m_queued;
      return p;
    }
    return Packet{};
  }

 private:
  struct FlowQueue {
    std::deque<Packet> packets;
  };
  bool m_priorities;
  std::size_t m_queued = 0;
  // Lookup only: the order of service comes from m_turns, so runs stay deterministic.
  std::unordered_map<std::uint64_t, FlowQueue> m_flows;
  std::deque<std::uint64_t> m_turns[NumClasses];
};

}  // namespace pjbit::core
