// The progress bar of `pjbit run` on stderr: the share of the workload's (rank, step) pairs done and the
// simulated time reached, for runs that take more than a moment. It is drawn by a thread of its own at most
// ten times a second from what the simulation last reported (two atomic stores per report), so it neither
// slows the simulation down nor changes it, and it wipes its line when the run ends. Silent unless stderr is
// a terminal.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "engine/simulation.h"

namespace pjbit::cli {

class ProgressBar {
 public:
  // Draws when `enabled` and stderr is a terminal, from `delay_s` after construction on.
  ProgressBar(bool enabled, double delay_s);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  bool active() const { return m_thread.joinable(); }
  // From the simulation: how far it has come.
  void update(const engine::Progress& p);
  // Stops drawing and wipes the line (also done by the destructor).
  void finish();

  // The delay before the bar first appears: PJBIT_PROGRESS_DELAY (seconds) when set and valid, else 1 s.
  static double delay_from_environment();

 private:
  void loop(double delay_s);
  void draw();

  std::atomic<std::uint64_t> m_done{0};
  std::atomic<std::uint64_t> m_total{0};
  std::atomic<double> m_sim_s{0.0};
  std::chrono::steady_clock::time_point m_started;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stop = false;
  bool m_drawn = false;
  std::thread m_thread;
};

}  // namespace pjbit::cli
