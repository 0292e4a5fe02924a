#include "sc_main/progress.h"

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "sc_main/output.h"

namespace pjbit::cli {

namespace {

constexpr int kBarWidth = 24;

std::string simulated(double s) {
  if (s < 1e-6) return fmt::format("{:.1f} ns", s * 1e9);
  if (s < 1e-3) return fmt::format("{:.1f} us", s * 1e6);
  if (s < 1.0) return fmt::format("{:.2f} ms", s * 1e3);
  return fmt::format("{:.3f} s", s);
}

void write_stderr(const std::string& text) {
  std::size_t at = 0;
  while (at < text.size()) {
    const ssize_t n = ::write(STDERR_FILENO, text.data() + at, text.size() - at);
    if (n <= 0) return;  // nothing to be done about a terminal that refuses: the run goes on
    at += static_cast<std::size_t>(n);
  }
}

}  // namespace

ProgressBar::ProgressBar(bool enabled, double delay_s) : m_started(std::chrono::steady_clock::now()) {
  if (!enabled || ::isatty(STDERR_FILENO) != 1) return;
  // The thread starts with SIGINT and SIGTERM blocked, so that they reach the main thread, whose handler
  // removes the run's temporary files (sc_main/output.h) while nothing else changes that list.
  sigset_t stop, old;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, &old);
  m_thread = std::thread([this, delay_s] { loop(delay_s); });
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

ProgressBar::~ProgressBar() {
  finish();
}

double ProgressBar::delay_from_environment() {
  const char* text = std::getenv("PJBIT_PROGRESS_DELAY");
  if (text == nullptr || *text == '\0') return 1.0;
  char* end = nullptr;
  const double s = std::strtod(text, &end);
  return end != nullptr && *end == '\0' && s >= 0.0 && s < 1e6 ? s : 1.0;
}

void ProgressBar::update(const engine::Progress& p) {
  m_total.store(p.total, std::memory_order_relaxed);
  m_sim_s.store(p.sim_time_s, std::memory_order_relaxed);
  m_done.store(p.done, std::memory_order_relaxed);
}

void ProgressBar::finish() {
  if (!m_thread.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_stop = true;
  }
  m_wake.notify_all();
  m_thread.join();
  if (m_drawn) write_stderr("\r\033[K");
  note_progress_line(false);
}

void ProgressBar::loop(double delay_s) {
  std::unique_lock<std::mutex> lock(m_mutex);
  if (m_wake.wait_for(lock, std::chrono::duration<double>(delay_s), [this] { return m_stop; })) return;
  do {
    draw();
  } while (!m_wake.wait_for(lock, std::chrono::milliseconds(100), [this] { return m_stop; }));
}

void ProgressBar::draw() {
  const std::uint64_t total = m_total.load(std::memory_order_relaxed);
  const std::uint64_t done = m_done.load(std::memory_order_relaxed);
  const double share =
      total > 0 ? static_cast<double>(std::min(done, total)) / static_cast<double>(total) : 0.0;
  const int filled = static_cast<int>(share * kBarWidth);
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_started).count();
  write_stderr(fmt::format("\r[{}{}] {:3.0f}%  {} simulated  {:.0f} s\033[K", std::string(filled, '#'),
                           std::string(kBarWidth - filled, '.'), 100.0 * share,
                           simulated(m_sim_s.load(std::memory_order_relaxed)), elapsed));
  m_drawn = true;
  note_progress_line(true);
}

}  // namespace pjbit::cli
