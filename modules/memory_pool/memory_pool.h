// A memory pool's media (CXL-class pooled memory, a PCIe-fabric pool, a checkpoint target): what reading and
// writing it costs. The pool's endpoint on the fabric (its NIC and packets) is an accelerator::Accelerator
// without compute; this model is its memory, charged in category memory_pool (outside fabric energy: a
// pool's DRAM is memory the job would use wherever it sat). Equations in memory_pool.md.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <cstdint>
#include <tlm>
#include <vector>

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
  // The pool's memory of a user's kind (a platform file's `device:`), when the builder binds one: a
  // loosely-timed target that reads and writes take by b_transport.
  tlm_utils::simple_initiator_socket_optional<Media> device{"device"};

  // What one b_transport moves at most: an access is cut into pieces of this many bytes.
  static constexpr std::uint64_t kChunkBytes = 64 * 1024;

  Media(const sc_core::sc_module_name& name, const Params& params)
      : core::Component(name), m_params(params) {}

  const Params& params() const { return m_params; }
  bool has_device() const { return device.size() > 0; }
  // How far an access may run ahead of the kernel between synchronisations with it (the quantum keeper's
  // quantum; 0: none).
  void set_quantum(double seconds) { m_quantum_s = seconds; }
  // Reads or writes `bytes` at `address` through the device, from a thread: one b_transport per chunk of at
  // most kChunkBytes, each with a generic payload (READ or WRITE, the address, a buffer of the chunk's
  // length, streaming width the length, no byte enables) and the local time a quantum keeper keeps, which
  // waits whenever that time passes the quantum and once at the end. Returns when the device has done it all.
  // Throws core::SimulationError when the device answers anything but TLM_OK_RESPONSE.
  void transfer(bool write, std::uint64_t address, std::uint64_t bytes);
  // `bytes` read from or written to the pool: their media energy.
  void access(double bytes) {
    energy().charge(core::Category::MemoryPool, Params::energy_j(bytes, m_params));
    m_bytes += bytes;
  }
  double bytes() const { return m_bytes; }

 private:
  Params m_params;
  double m_bytes = 0.0;
  double m_quantum_s = 0.0;
  std::vector<unsigned char> m_buffer;  // what a chunk reads into or writes from
};

}  // namespace pjbit::memory_pool
