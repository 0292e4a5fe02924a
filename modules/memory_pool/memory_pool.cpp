#include "modules/memory_pool/memory_pool.h"

#include <tlm_utils/tlm_quantumkeeper.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "core/errors.h"

namespace pjbit::memory_pool {

namespace {

// A quantum keeper whose quantum is the pool's own rather than the process's global one: local time may
// grow to the next multiple of `quantum` in simulated time before the access waits for the kernel.
class Keeper final : public tlm_utils::tlm_quantumkeeper {
 public:
  explicit Keeper(const sc_core::sc_time& quantum) : m_quantum(quantum) { reset(); }

 protected:
  sc_core::sc_time compute_local_quantum() override {
    if (m_quantum == sc_core::SC_ZERO_TIME) return sc_core::SC_ZERO_TIME;
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    const sc_core::sc_time next = m_quantum * (std::floor(now / m_quantum) + 1.0);
    return next - now;
  }

 private:
  sc_core::sc_time m_quantum;
};

}  // namespace

void Media::transfer(bool write, std::uint64_t address, std::uint64_t bytes) {
  Keeper keeper(sc_core::sc_time(m_quantum_s, sc_core::SC_SEC));
  const std::uint64_t chunk = std::min(bytes, kChunkBytes);
  if (m_buffer.size() < chunk) m_buffer.assign(chunk, 0);
  tlm::tlm_generic_payload p;
  for (std::uint64_t done = 0; done < bytes;) {
    const auto length = static_cast<unsigned int>(std::min(bytes - done, kChunkBytes));
    p.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    p.set_address(address + done);
    p.set_data_ptr(m_buffer.data());
    p.set_data_length(length);
    p.set_streaming_width(length);
    p.set_byte_enable_ptr(nullptr);
    p.set_byte_enable_length(0);
    p.set_dmi_allowed(false);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time local = keeper.get_local_time();
    device->b_transport(p, local);
    if (p.get_response_status() != tlm::TLM_OK_RESPONSE)
      throw core::SimulationError(std::string(name()) + ": the device answered " + p.get_response_string() +
                                  " to a " + (write ? "write" : "read") + " of " + std::to_string(length) +
                                  " bytes at address " + std::to_string(address + done));
    keeper.set(local);
    if (keeper.need_sync()) keeper.sync();
    done += length;
  }
  keeper.sync();
}

}  // namespace pjbit::memory_pool
