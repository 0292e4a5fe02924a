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
  q->m_armed_seq = m_seq++;
  if (q->m_heap_index == ~std::size_t{0}) {
    m_heap.push_back(nullptr);
    place(m_heap.size() - 1, q);
  }
  sift_up(q->m_heap_index);
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
  while (!m_heap.empty() && m_heap.front()->m_armed_at <= now) {
    Queue* q = pop();
    q->m_armed_at = kNever;
    q->run_due(now);
    if (q->has_entries()) arm(q, q->earliest());
  }
  m_firing = false;
  if (!m_heap.empty()) {
    m_event_at = m_heap.front()->m_armed_at;
    m_event.notify(ticks_to_time(m_event_at - now));
  }
}

void Dispatcher::sift_up(std::size_t i) {
  Queue* q = m_heap[i];
  while (i > 0) {
    const std::size_t parent = (i - 1) / 2;
    if (!before(q, m_heap[parent])) break;
    place(i, m_heap[parent]);
    i = parent;
  }
  place(i, q);
}

void Dispatcher::sift_down(std::size_t i) {
  Queue* q = m_heap[i];
  const std::size_t n = m_heap.size();
  for (;;) {
    std::size_t best = i;
    const std::size_t l = 2 * i + 1, r = l + 1;
    const Queue* best_q = q;
    if (l < n && before(m_heap[l], best_q)) {
      best = l;
      best_q = m_heap[l];
    }
    if (r < n && before(m_heap[r], best_q)) best = r;
    if (best == i) break;
    place(i, m_heap[best]);
    i = best;
  }
  place(i, q);
}

Dispatcher::Queue* Dispatcher::pop() {
  Queue* top = m_heap.front();
  top->m_heap_index = ~std::size_t{0};
  Queue* last = m_heap.back();
  m_heap.pop_back();
  if (!m_heap.empty()) {
    place(0, last);
    sift_down(0);
  }
  return top;
}

}  // namespace pjbit::core
