#include "core/event_queue.h"

#include "core/errors.h"

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
  m_armed.push(at, Entry{q, q->m_armed_seq});
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
  while (!m_armed.empty() && m_armed.earliest() <= now) {
    const Tick at = m_armed.earliest();
    const Entry e = m_armed.pop();
    Queue* q = e.q;
    if (q->m_armed_seq != e.seq || q->m_armed_at != at) continue;  // stale: armed earlier since
    q->m_armed_at = kNever;
    try {
      q->run_due(now);
    } catch (const SimulationError&) {
      if (!m_failure) m_failure = std::current_exception();
      m_firing = false;
      sc_core::sc_stop();
      return;
    }
    if (q->m_armed_at == kNever && q->has_entries()) arm(q, q->earliest());
  }
  m_firing = false;
  if (!m_armed.empty()) {
    m_event_at = m_armed.earliest();
    m_event.notify(ticks_to_time(m_event_at - now));
  }
}

}  // namespace pjbit::core
