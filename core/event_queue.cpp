#include "core/event_queue.h"

#include <algorithm>

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
  notify_for(at, now_ticks());
}

void Dispatcher::resume_next_delta(Resumable* r) {
  // Tagged with the delta cycle after the one asking (0 before the simulation starts: the first firing runs
  // it), so that a firing runs only what was asked for before its own delta cycle.
  m_resumes.push_back(Resume{sc_core::sc_is_running() ? sc_core::sc_delta_count() + 1 : 0, r});
  if (m_firing) return;  // fire() notifies for the next delta cycle when it ends
  const Tick now = now_ticks();
  notify_for(now, now);
}

void Dispatcher::notify_for(Tick at, Tick now) {
  if (at >= m_event_at) return;
  m_event_at = at;
  m_event.notify(ticks_to_time(at - now));
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
    Tick left = kNever;
    try {
      left = q->run_due(now);
    } catch (const SimulationError&) {
      if (!m_failure) m_failure = std::current_exception();
      m_firing = false;
      sc_core::sc_stop();
      return;
    }
    if (q->m_armed_at == kNever && left != kNever) arm(q, left);
  }
  // Then what threads woken now would do, after this delta's methods: queues armed for now meanwhile run in
  // the next delta cycle, as a thread's events would.
  if (!run_resumes()) {
    m_firing = false;
    sc_core::sc_stop();
    return;
  }
  m_firing = false;
  Tick next = m_resume_head < m_resumes.size() ? now : kNever;
  if (!m_armed.empty()) next = std::min(next, m_armed.earliest());
  if (next != kNever) notify_for(next, now);
}

bool Dispatcher::run_resumes() {
  const auto run = [this](Resumable* r) {
    try {
      r->resume();
    } catch (const SimulationError&) {
      if (!m_failure) m_failure = std::current_exception();
      return false;
    }
    return true;
  };
  // Those asked for in earlier delta cycles (resumes asked for meanwhile are tagged later): one delta's,
  // since every firing runs all of them. The kernel triggers the events notified in one delta cycle last
  // first, so the threads they would have woken run in the opposite order of their notifications; before the
  // simulation starts, threads run in the order they were made.
  const std::uint64_t delta = sc_core::sc_delta_count();
  std::size_t end = m_resume_head;
  while (end < m_resumes.size() && m_resumes[end].delta <= delta)
    ++end;
  if (end > m_resume_head) {
    const bool at_start = m_resumes[m_resume_head].delta == 0;
    const std::size_t first = m_resume_head;
    m_resume_head = end;
    for (std::size_t k = 0; k < end - first; ++k)
      if (!run(m_resumes[at_start ? first + k : end - 1 - k].r)) return false;
  }
  if (m_resume_head == m_resumes.size()) {
    m_resumes.clear();
    m_resume_head = 0;
  } else if (m_resume_head > m_resumes.size() / 2) {
    m_resumes.erase(m_resumes.begin(), m_resumes.begin() + static_cast<std::ptrdiff_t>(m_resume_head));
    m_resume_head = 0;
  }
  return true;
}

}  // namespace pjbit::core
