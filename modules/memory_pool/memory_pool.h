// A memory pool's media (CXL-class pooled memory, a PCIe-fabric pool, a checkpoint target): what reading and
// writing it costs. The pool's endpoint on the fabric (its NIC and packets) is an accelerator::Accelerator
// without compute; this model is its memory, charged in category memory_pool (outside fabric energy: a
// pool's DRAM is memory the job would use wherever it sat). Equations in memory_pool.md.
#pragma once

#include <cstdint>

#include "core/component.h"

namespace pjbit::memory_pool {

struct Params {
  double bandwidth_Bps = 0.0;  // media bandwidth (also the bandwidth of its attach link)
  double latency_s = 0.0;      // access latency
  double energy_pj_per_bit = 0.0;
  std::uint64_t capacity_bytes = 0;

  // The cost model: media energy of `bytes` read or written.
  static double energy_j(double bytes, const Params& p) { return 8.0 * bytes * p.energy_pj_per_bit * 1e-12; }
};

class Media : public core::Component {
 public:
  Media(const sc_core::sc_module_name& name, const Params& params)
      : core::Component(name), m_params(params) {}

  const Params& params() const { return m_params; }
  // `bytes` read from or written to the pool: their media energy.
  void access(double bytes) {
    energy().charge(core::Category::MemoryPool, Params::energy_j(bytes, m_params));
    m_bytes += bytes;
  }
  double bytes() const { return m_bytes; }

 private:
  Params m_params;
  double m_bytes = 0.0;
};

}  // namespace pjbit::memory_pool
