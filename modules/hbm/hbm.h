// High-bandwidth memory of one accelerator: one bandwidth resource shared by reads and writes, a fixed
// access latency, energy per bit moved, and the compute roofline the accelerator uses. It has no sockets:
// its accelerator owns it and calls it directly. Equations in hbm.md.
#pragma once

#include <algorithm>
#include <cstdint>
#include <systemc>

#include "core/component.h"
#include "core/time.h"

namespace pjbit::hbm {

struct Params {
  double bandwidth_Bps = 3.35e12;              // reads and writes together
  double latency_s = 0.0;                      // added to each access; does not occupy the bandwidth
  double energy_pj_per_bit = 3.9;              // estimate: no primary source (hbm.md)
  std::uint64_t capacity_bytes = 80ull << 30;  // carried for reports; not enforced

  // Time for one access of `bytes` on an idle memory: latency + bytes / bandwidth.
  static double transfer_time_s(std::uint64_t bytes, const Params& p) {
    return p.latency_s + double(bytes) / p.bandwidth_Bps;
  }
  // Energy of moving `bytes`, read or written: 8 bytes x pJ/bit.
  static double energy_j(std::uint64_t bytes, const Params& p) {
    return 8.0 * double(bytes) * p.energy_pj_per_bit * 1e-12;
  }
  // Roofline time of a kernel that does `work_flop` and moves `bytes` through this memory:
  // max(work / compute rate, bytes / bandwidth). Compute and memory overlap fully; latency is excluded.
  static double roofline_time_s(double work_flop, double compute_flops, std::uint64_t bytes,
                                const Params& p) {
    const double compute_s = work_flop > 0.0 ? work_flop / compute_flops : 0.0;
    const double memory_s = bytes > 0 ? double(bytes) / p.bandwidth_Bps : 0.0;
    return std::max(compute_s, memory_s);
  }
};

class Hbm : public core::Component {
 public:
  Hbm(const sc_core::sc_module_name& name, const Params& params);

  const Params& params() const { return m_params; }

  // Same as Params::roofline_time_s, for callers that hold an Hbm.
  static double roofline_time_s(double work_flop, double compute_flops, std::uint64_t bytes,
                                const Params& p) {
    return Params::roofline_time_s(work_flop, compute_flops, bytes, p);
  }

  // Reserves the bandwidth for one access of `bytes` at the current simulated time, from any process
  // (thread or method): it starts when the memory is free (max(now, busy_until)), holds it for
  // bytes / bandwidth, and charges its energy now. Returns the absolute tick at which the access completes
  // (end of transfer plus latency). `bytes = 0` does nothing and returns now. Inline: a collective's every
  // phase reserves its rank's HBM (engine/program.cpp).
  core::Tick reserve(std::uint64_t bytes, bool write = false);
  // The blocking form, for SC_THREADs: reserve, then wait until the access completes.
  void access(std::uint64_t bytes, bool write = false);

  core::Tick busy_until() const { return m_busy_until; }
  std::uint64_t bytes_read() const { return m_bytes_read; }
  std::uint64_t bytes_written() const { return m_bytes_written; }
  std::uint64_t reads() const { return m_reads; }
  std::uint64_t writes() const { return m_writes; }
  std::uint64_t accesses() const { return m_reads + m_writes; }
  core::Tick busy_ticks() const { return m_busy_ticks; }  // ticks the bandwidth was held

 private:
  Params m_params;
  double m_ticks_per_byte;
  core::Tick m_latency;
  core::Tick m_busy_until = 0;
  core::Tick m_busy_ticks = 0;
  std::uint64_t m_bytes_read = 0;
  std::uint64_t m_bytes_written = 0;
  std::uint64_t m_reads = 0;
  std::uint64_t m_writes = 0;
};

inline core::Tick Hbm::reserve(std::uint64_t bytes, bool write) {
  const core::Tick now = core::now_ticks();
  if (bytes == 0) return now;
  const core::Tick hold = core::round_ticks(double(bytes) * m_ticks_per_byte);
  const core::Tick start = std::max(now, m_busy_until);
  m_busy_until = core::later(start, hold);
  m_busy_ticks += hold;
  energy().charge(core::Category::Hbm, Params::energy_j(bytes, m_params));
  if (write) {
    m_bytes_written += bytes;
    ++m_writes;
  } else {
    m_bytes_read += bytes;
    ++m_reads;
  }
  return core::later(m_busy_until, m_latency);
}

}  // namespace pjbit::hbm
