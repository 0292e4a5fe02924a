#include "core/event_queue.h"

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
  q->m_armed_seq = m_seq;
  push(Entry{at, m_seq++, q});
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
    const Entry e = pop();
    Queue* q = e.queue;
    if (e.seq != q->m_armed_seq || e.at != q->m_armed_at) continue;  // superseded by an earlier arm
    q->m_armed_at = kNever;
    q->run_due(now);
    if (q->has_entries()) arm(q, q->earliest());
  }
  m_firing = false;
  if (!m_heap.empty()) {
    m_event_at = m_heap.front().at;
    m_event.notify(ticks_to_time(m_event_at - now));
  }
}

void Dispatcher::push(const Entry& e) {
  m_heap.push_back(e);
  std::size_t i = m_heap.size() - 1;
  while (i > 0) {
    const std::size_t parent = (i - 1) / 2;
    if (!m_heap[i].before(m_heap[parent])) break;
    std::swap(m_heap[i], m_heap[parent]);
    i = parent;
  }
}

Dispatcher::Entry Dispatcher::pop() {
  const Entry top = m_heap.front();
  m_heap.front() = m_heap.back();
  m_heap.pop_back();
  const std::size_t n = m_heap.size();
  std::size_t i = 0;
  for (;;) {
    std::size_t best = i;
    const std::size_t l = 2 * i + 1, r = l + 1;
    if (l < n && m_heap[l].before(m_heap[best])) best = l;
    if (r < n && m_heap[r].before(m_heap[best])) best = r;
    if (best == i) break;
    std::swap(m_heap[i], m_heap[best]);
    i = best;
  }
  return top;
}

}  // namespace pjbit::core
