#include "core/event_queue.h"

#include <algorithm>

namespace pjbit::core {

Dispatcher& Dispatcher::current() {
  // One dispatcher per simulation context. SystemC 2.3 never tears a context down while the program runs,
  // so a dispatcher lives as long as its context and is not destroyed at exit, when its kernel may be gone.
  static sc_core::sc_simcontext* context = nullptr;
  static Dispatcher* dispatcher = nullptr;
  if (dispatcher == nullptr || context != sc_core::sc_get_curr_simcontext()) {
    context = sc_core::sc_get_curr_simcontext();
    dispatcher = new Dispatcher();
  }
  return *dispatcher;
}

Dispatcher::Dispatcher() : m_event(sc_core::sc_gen_unique_name("pjbit_dispatch")) {
  sc_core::sc_spawn_options opts;
  opts.spawn_method();
  opts.dont_initialize();
  opts.set_sensitivity(&m_event);
  sc_core::sc_spawn([this] { fire(); }, sc_core::sc_gen_unique_name("pjbit_dispatcher"), &opts);
}

void Dispatcher::arm(Queue* q, Tick at) {
  if (at >= q->m_armed_at) return;  // already due no later than that
  q->m_armed_at = at;
  q->m_armed_seq = m_seq++;
  m_heap.push_back(Entry{at, q->m_armed_seq, q});
  sift_up(m_heap.size() - 1);
  if (m_firing) return;  // fire() runs or re-arms for everything armed meanwhile
  if (at < m_event_at) {
    m_event_at = at;
    m_event.notify(ticks_to_time(at - now_ticks()));
  }
}

void Dispatcher::fire() {
  const Tick now = now_ticks();
  m_event_at = kNever;
  m_firing = true;
  while (!m_heap.empty() && m_heap.front().at <= now) {
    const Entry top = m_heap.front();
    Queue* q = top.q;
    if (q->m_armed_seq != top.seq || q->m_armed_at != top.at) {
      pop_top();  // stale: the queue was armed earlier since
      continue;
    }
    q->m_armed_at = kNever;
    q->run_due(now);
    // What was armed while it ran lies at or after now with a later order, so the top is still this entry.
    if (q->m_armed_at != kNever) {
      pop_top();  // it was armed again meanwhile and has a fresh entry
    } else if (q->has_entries()) {
      q->m_armed_at = q->earliest();
      q->m_armed_seq = m_seq++;
      m_heap.front() = Entry{q->m_armed_at, q->m_armed_seq, q};
      sift_down(0);
    } else {
      pop_top();
    }
  }
  m_firing = false;
  // Stale entries at the top would only wake the kernel for nothing.
  while (!m_heap.empty() && (m_heap.front().q->m_armed_seq != m_heap.front().seq ||
                             m_heap.front().q->m_armed_at != m_heap.front().at))
    pop_top();
  if (!m_heap.empty()) {
    m_event_at = m_heap.front().at;
    m_event.notify(ticks_to_time(m_event_at - now));
  }
}

void Dispatcher::pop_top() {
  m_heap.front() = m_heap.back();
  m_heap.pop_back();
  if (!m_heap.empty()) sift_down(0);
}

void Dispatcher::sift_up(std::size_t i) {
  const Entry e = m_heap[i];
  while (i > 0) {
    const std::size_t parent = (i - 1) / kArity;
    if (!e.before(m_heap[parent])) break;
    m_heap[i] = m_heap[parent];
    i = parent;
  }
  m_heap[i] = e;
}

void Dispatcher::sift_down(std::size_t i) {
  const Entry e = m_heap[i];
  const std::size_t n = m_heap.size();
  for (;;) {
    const std::size_t first = kArity * i + 1;
    if (first >= n) break;
    const std::size_t last = std::min(first + kArity, n);
    std::size_t best = first;
    for (std::size_t c = first + 1; c < last; ++c)
      if (m_heap[c].before(m_heap[best])) best = c;
    if (!m_heap[best].before(e)) break;
    m_heap[i] = m_heap[best];
    i = best;
  }
  m_heap[i] = e;
}

}  // namespace pjbit::core
