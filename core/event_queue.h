// Payload event queues (the pattern of tlm_utils::peq_with_cb_and_phase) without per-entry allocation.
// Each queue keeps its entries in its own binary heap ordered by (time, insertion order); one Dispatcher per
// simulation context keeps, in a second heap, the earliest time of every queue that has entries, and runs the
// queues from one SystemC method process, so the kernel sees one timed notification per distinct time
// instead of one per queue and hop. Entries at the same time run in the order they were queued within a
// queue, and queues in the order they were armed: runs are deterministic.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <systemc>
#include <utility>
#include <vector>

#include "core/ring.h"
#include "core/small_vector.h"
#include "core/tick_buckets.h"
#include "core/time.h"

namespace pjbit::core {

// Work that goes on the way a SystemC thread would after waiting for an event, without a thread of its own
// (a thread's stack takes memory mappings, of which Linux allows 65,530): see Dispatcher::resume_next_delta.
class Resumable {
 public:
  virtual ~Resumable() = default;
  virtual void resume() = 0;
};

class Dispatcher {
 public:
  // No time: nothing armed, no entry left.
  static constexpr Tick kNever = ~Tick{0};

  class Queue {
   public:
    virtual ~Queue() = default;
    // Runs every entry due at or before now; returns the time of the earliest entry left, kNever when none is
    // (one virtual call a firing, where asking whether entries are left and when took two more).
    virtual Tick run_due(Tick now) = 0;

   private:
    friend class Dispatcher;
    Tick m_armed_at = kNever;       // when the dispatcher runs this queue next
    std::uint64_t m_armed_seq = 0;  // tie-break between queues armed for the same time; names its live entry
  };

  // The dispatcher of the current SystemC simulation context (made on first use, during elaboration).
  static Dispatcher& current();

  // `q`'s earliest entry is now at `at`: make sure it runs then.
  void arm(Queue* q, Tick at);

  // Resumes `r` where a thread notified now (by an event notified for the next delta cycle) would run: in
  // the next delta cycle, after the queues' entries due then (the dispatcher is a method, and the kernel
  // runs a delta's methods before its threads), in the order SystemC 2.3 wakes such threads: the opposite
  // of the order they were notified in (asked for before the simulation starts: in order, as threads start).
  // Resuming an endpoint's program this way keeps every instant's order of events as its thread had it.
  void resume_next_delta(Resumable* r);

  // A core::SimulationError raised by an entry (simulated time past the kernel's count, core/time.h) stops
  // the kernel and is kept here whole, for the caller of sc_start to rethrow: SystemC would turn it into a
  // generic report. Null when there was none.
  std::exception_ptr failure() const { return m_failure; }

 private:
  Dispatcher();
  // The armed queues by (armed time, arming order): one bucket per distinct time (core::TickBuckets), so
  // the many queues armed for one instant cost O(1) each. Arming an armed queue earlier adds an entry and
  // leaves the old one stale (its order no longer matches the queue's); stale entries are skipped.
  struct Entry {
    Queue* q;
    std::uint64_t seq;
  };
  void fire();
  // Runs the resumes asked for before this delta cycle: false when one failed.
  bool run_resumes();
  // The dispatcher's method is to run at `at` (now: the next delta cycle), unless it is due no later.
  void notify_for(Tick at, Tick now);

  sc_core::sc_event m_event;
  TickBuckets<Entry> m_armed;
  // Resumes in the order asked for, each with the delta cycle it was asked in; those of earlier deltas run
  // in the next firing, after its queues' entries. From m_resume_head on.
  struct Resume {
    std::uint64_t delta;
    Resumable* r;
  };
  std::vector<Resume> m_resumes;
  std::size_t m_resume_head = 0;
  std::uint64_t m_seq = 0;
  Tick m_event_at = kNever;
  bool m_firing = false;
  std::exception_ptr m_failure;
};

template <typename Item>
class EventQueue : private Dispatcher::Queue {
 public:
  using Callback = std::function<void(const Item&)>;

  EventQueue(const char* /*name*/, Callback cb) : m_dispatcher(Dispatcher::current()), m_cb(std::move(cb)) {}
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;

  // Hands `item` to the callback at absolute time `at` (never earlier than now).
  void push(Tick at, const Item& item) {
    const Tick now = now_ticks();
    if (at < now) at = now;
    m_heap.push_back(Entry{at, m_seq++, item});
    sift_up(m_heap.size() - 1);
    if (!m_running) m_dispatcher.arm(this, m_heap.front().at);
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

  Tick run_due(Tick now) override {
    m_running = true;
    while (!m_heap.empty() && m_heap.front().at <= now) {
      Entry e = m_heap.front();
      m_heap.front() = m_heap.back();
      m_heap.pop_back();
      if (!m_heap.empty()) sift_down(0);
      m_cb(e.item);
    }
    m_running = false;
    return m_heap.empty() ? Dispatcher::kNever : m_heap.front().at;
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

  Dispatcher& m_dispatcher;
  Callback m_cb;
  SmallVector<Entry, 4> m_heap;  // a link's queue holds a packet or two and a wake-up: in place
  std::uint64_t m_seq = 0;
  bool m_running = false;
};

// A queue whose entries mostly come in time order (each no earlier than the last), such as the packets a
// node receives over one link: a FIFO in a ring buffer, O(1) per entry, touching one or two cache lines where
// a heap's sifting touches several. An entry pushed out of order is placed by a search from the back. It runs
// entries in the order EventQueue would: by time, and at one time in the order they were pushed.
template <typename Item>
class FifoQueue : private Dispatcher::Queue {
 public:
  using Callback = std::function<void(const Item&)>;

  FifoQueue(const char* /*name*/, Callback cb) : m_dispatcher(Dispatcher::current()), m_cb(std::move(cb)) {}
  FifoQueue(const FifoQueue&) = delete;
  FifoQueue& operator=(const FifoQueue&) = delete;

  // Hands `item` to the callback at absolute time `at` (never earlier than now).
  void push(Tick at, const Item& item) {
    const Tick now = now_ticks();
    if (at < now) at = now;
    m_entries.push_back({at, item});
    for (std::size_t i = m_entries.size() - 1; i > 0 && m_entries[i - 1].first > at; --i)
      std::swap(m_entries[i - 1], m_entries[i]);
    if (!m_running) m_dispatcher.arm(this, m_entries.front().first);
  }

  bool empty() const { return m_entries.empty(); }
  std::size_t size() const { return m_entries.size(); }

 private:
  Tick run_due(Tick now) override {
    m_running = true;
    while (!m_entries.empty() && m_entries.front().first <= now)
      m_cb(m_entries.pop_front().second);
    m_running = false;
    return m_entries.empty() ? Dispatcher::kNever : m_entries.front().first;
  }

  Dispatcher& m_dispatcher;
  Callback m_cb;
  Ring<std::pair<Tick, Item>> m_entries;
  bool m_running = false;
};

}  // namespace pjbit::core
