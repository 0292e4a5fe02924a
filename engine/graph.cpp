// A dependency-graph workload's walk on one endpoint (GraphWalk, engine/program.h): independent steps
// overlap, each starting once the endpoint has left the steps it comes after.
#include <algorithm>

#include "engine/program.h"

namespace pjbit::engine::detail {

GraphWalk::GraphWalk(Runner& runner, accelerator::Accelerator& acc, int endpoint)
    : m_runner(runner), m_acc(acc), m_endpoint(endpoint) {}

void GraphWalk::run() {
  const auto& steps = m_runner.m_workload.steps;
  const std::size_t count = steps.size();
  m_mine = m_runner.steps_of(m_endpoint);
  for (int it = 0; it < m_runner.m_workload.iterations; ++it) {
    m_base = static_cast<std::size_t>(it) * count;
    for (m_begin = 0; m_begin < count; m_begin = m_end) {
      // The segment runs to the next step at which the scheduler may hold endpoints (every step before it
      // must then be over on every endpoint, as in a workload without dependencies).
      const std::size_t gate = m_runner.m_scheduler->next_gate(m_base + m_begin + 1);
      m_end = gate < m_base + count ? gate - m_base : count;
      m_runner.m_scheduler->before(m_base + m_begin, m_endpoint);
      // The steps of the segment the endpoint takes part in: m_mine[m_first .. last).
      m_first = static_cast<std::size_t>(
          std::lower_bound(m_mine.begin(), m_mine.end(), static_cast<int>(m_begin)) - m_mine.begin());
      const auto last = static_cast<std::size_t>(
          std::lower_bound(m_mine.begin(), m_mine.end(), static_cast<int>(m_end)) - m_mine.begin());
      m_runner.stepped(m_endpoint, (m_end - m_begin) - (last - m_first));  // those it takes no part in
      m_waiting.assign(last - m_first, 0);
      m_todo = last - m_first;
      for (std::size_t p = m_first; p < last; ++p)
        for (int a : steps[static_cast<std::size_t>(m_mine[p])].after)
          if (static_cast<std::size_t>(a) >= m_begin &&
              Runner::position(m_mine, static_cast<std::size_t>(a)) < last)
            ++m_waiting[p - m_first];
      for (std::size_t p = m_first; p < last; ++p)
        if (m_waiting[p - m_first] == 0) ready(static_cast<std::size_t>(m_mine[p]));
      reap();
      while (m_todo > 0) {
        m_wake.wait();
        reap();
      }
    }
  }
}

void GraphWalk::ready(std::size_t s) {
  if (m_runner.m_workload.steps[s].kind == workloads::Step::Kind::Compute) {
    if (m_computing) {
      m_compute_queue.push_back(s);
      return;
    }
    m_computing = true;
  }
  start(s);
}

void GraphWalk::start(std::size_t s) {
  Instance& inst = m_runner.acquire(m_base + s);
  auto& running = m_running[s];
  running = std::make_unique<Running>(*this, s);
  Running& r = *running;
  r.done.add();
  if (detachable(*inst.step)) {
    r.detached = std::make_unique<Detached>(m_runner, inst, m_acc, r.done);
    r.detached->start();
    return;
  }
  // A memory step (or a parallel step holding one) runs in a thread of its own, as it would at the top.
  sc_core::sc_spawn([this, &inst, &r] {
    m_runner.guard([&] {
      m_runner.execute(inst, m_acc);
      r.done.one_done();
    });
  });
}

void GraphWalk::left(std::size_t s) {
  // Only noted here: the walk's thread goes on (reap), as a program goes on from a step it has left, so that
  // a chain of steps runs as the same steps listed without dependencies do, instant for instant.
  m_left.push_back(s);
  m_wake.notify();
}

void GraphWalk::reap() {
  // The objects of steps left are given back here, in the walk's own thread, and not from inside left(): that
  // is called from the step's machine (or thread), which is still on the stack then. The objects go before
  // the instances they ran, which the last endpoint's release frees.
  while (!m_left.empty()) {
    std::vector<std::size_t> left;
    left.swap(m_left);
    for (std::size_t s : left)
      m_running.erase(s);
    for (std::size_t s : left) {
      --m_todo;
      m_runner.release(m_base + s);
      m_runner.stepped(m_endpoint);
      if (m_runner.m_workload.steps[s].kind == workloads::Step::Kind::Compute) {
        m_computing = false;
        if (!m_compute_queue.empty()) {
          const std::size_t next = m_compute_queue.front();
          m_compute_queue.pop_front();
          m_computing = true;
          start(next);
        }
      }
      for (int d : m_runner.m_dependents[s]) {
        const auto dep = static_cast<std::size_t>(d);
        if (dep >= m_end) break;  // ascending: the rest are in later segments
        const std::size_t p = Runner::position(m_mine, dep);
        if (p == m_mine.size()) continue;  // a step the endpoint takes no part in
        if (--m_waiting[p - m_first] == 0) ready(dep);
      }
    }
  }
}

}  // namespace pjbit::engine::detail
