// A user's own modules placed by name in a platform file: the program registers two module kinds with pjbit,
// then runs a platform file that places them (platform.yaml) with a workload (workload.yaml):
//
//   crc_retry    a link block after each link's wire (`inline:`): it checks every packet (a fixed latency and
//                energy per bit) and replays one packet in `retry_every` (its serialization once more), in
//                order. Approximately timed: pjbit's packets reach it by nb_transport_fw.
//   lt_expander  a memory pool's memory (`device:`), a loosely-timed CXL-class memory expander: pjbit reads
//                and writes it by b_transport with a quantum keeper; the first access of a sequential stream
//                waits its latency, and every byte its bandwidth, which all streams share.
//
// It exits 0 when what the modules saw agrees with the run's report, 1 when not, 2 on bad input.
//   user_modules platform.yaml workload.yaml
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <systemc>
#include <tlm>

#include "core/errors.h"
#include "core/fabric_extension.h"
#include "core/time.h"
#include "engine/simulation.h"
#include "platforms/loader.h"
#include "platforms/user_modules.h"
#include "workloads/loader.h"

namespace {

using pjbit::core::Tick;

// What the modules saw, over the run.
struct Seen {
  std::uint64_t packets = 0;  // crossing a crc_retry block
  std::uint64_t retries = 0;
  double block_j = 0.0;
  std::uint64_t read_bytes = 0, written_bytes = 0, accesses = 0;
  double expander_j = 0.0;
} seen;

class CrcRetry final : public pjbit::platforms::LinkBlock {
 public:
  tlm_utils::simple_target_socket<CrcRetry> in{"in"};
  tlm_utils::simple_initiator_socket<CrcRetry> out{"out"};

  CrcRetry(const sc_core::sc_module_name& name, Tick latency, double pj_per_bit, long long retry_every,
           const pjbit::link::Params& link)
      : LinkBlock(name),
        m_latency(latency),
        m_pj_per_bit(pj_per_bit),
        m_retry_every(retry_every),
        m_link(link) {
    in.register_nb_transport_fw(this, &CrcRetry::forward);
    out.register_nb_transport_bw(this, &CrcRetry::backward);
  }
  tlm::tlm_target_socket<>& block_in() override { return in; }
  tlm::tlm_initiator_socket<>& block_out() override { return out; }

 private:
  tlm::tlm_sync_enum forward(tlm::tlm_generic_payload& p, tlm::tlm_phase& phase, sc_core::sc_time& delay) {
    pjbit::core::FabricExtension& ext = pjbit::core::fabric(p);
    const Tick now = pjbit::core::now_ticks();
    const Tick head = now + delay.value();
    Tick extra = m_latency;
    if (m_retry_every > 0 && ++m_count % static_cast<std::uint64_t>(m_retry_every) == 0) {
      // A failed check: the packet is sent once more over the wire behind it.
      extra += pjbit::core::to_ticks(pjbit::link::Params::serialization_time_s(ext.bytes, m_link));
      ++seen.retries;
    }
    // In order: a packet leaves no earlier than the one before it.
    const Tick out_head = std::max(head + extra, m_last_head);
    ext.tail = std::max(ext.tail + (out_head - head), m_last_tail);
    m_last_head = out_head;
    m_last_tail = ext.tail;
    const double joules = 8.0 * ext.bytes * m_pj_per_bit * 1e-12;
    energy().charge(pjbit::core::Category::Dsp, joules);
    if (ext.tally != nullptr) ext.tally->energy_j += joules;
    seen.block_j += joules;
    ++seen.packets;
    sc_core::sc_time next = pjbit::core::ticks_to_time(out_head - now);
    return out->nb_transport_fw(p, phase, next);
  }
  // Calls back from the node (none in pjbit's protocol) go on to the link.
  tlm::tlm_sync_enum backward(tlm::tlm_generic_payload& p, tlm::tlm_phase& phase, sc_core::sc_time& delay) {
    return in->nb_transport_bw(p, phase, delay);
  }

  Tick m_latency;
  double m_pj_per_bit;
  long long m_retry_every;
  pjbit::link::Params m_link;
  std::uint64_t m_count = 0;
  Tick m_last_head = 0, m_last_tail = 0;
};

class LtExpander final : public pjbit::platforms::MemoryDevice {
 public:
  tlm_utils::simple_target_socket<LtExpander> in{"in"};

  LtExpander(const sc_core::sc_module_name& name, Tick latency, double bandwidth_Bps, double pj_per_bit,
             std::uint64_t capacity)
      : MemoryDevice(name),
        m_latency(latency),
        m_ticks_per_byte(pjbit::core::ticks_per_second() / bandwidth_Bps),
        m_pj_per_bit(pj_per_bit),
        m_capacity(capacity) {
    in.register_b_transport(this, &LtExpander::b_transport);
  }
  tlm::tlm_target_socket<>& device_in() override { return in; }

 private:
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
    const std::uint64_t address = p.get_address(), length = p.get_data_length();
    if (address + length > m_capacity || p.get_byte_enable_ptr() != nullptr) {
      p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    const Tick at = pjbit::core::now_ticks() + delay.value();
    // The media's bandwidth is shared: this access's bytes go after those already taken.
    const Tick start = std::max(at, m_busy);
    m_busy = start + pjbit::core::round_ticks(static_cast<double>(length) * m_ticks_per_byte);
    // A stream that goes on where it left off is already open; another pays the latency first.
    Tick done = m_busy;
    const auto stream = m_streams.find(address);
    if (stream == m_streams.end()) done = std::max(done, at + m_latency);
    if (stream != m_streams.end()) m_streams.erase(stream);
    m_streams[address + length] = done;
    delay = pjbit::core::ticks_to_time(done - pjbit::core::now_ticks());
    const double joules = 8.0 * static_cast<double>(length) * m_pj_per_bit * 1e-12;
    energy().charge(pjbit::core::Category::MemoryPool, joules);
    seen.expander_j += joules;
    ++seen.accesses;
    (p.is_write() ? seen.written_bytes : seen.read_bytes) += length;
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }

  Tick m_latency;
  double m_ticks_per_byte;
  double m_pj_per_bit;
  std::uint64_t m_capacity;
  Tick m_busy = 0;
  std::map<std::uint64_t, Tick> m_streams;  // where each open stream goes on -> when its last access ended
};

void register_kinds() {
  using pjbit::core::Dim;
  auto& registry = pjbit::platforms::ModuleRegistry::instance();
  registry.add_link_block(
      "crc_retry",
      [](const pjbit::platforms::ModuleArgs& a) {
        return std::make_unique<CrcRetry>(a.name(),
                                          pjbit::core::to_ticks(a.quantity("latency", Dim::Time).value_or(0)),
                                          a.quantity("energy", Dim::EnergyPerBit).value_or(0),
                                          a.integer("retry_every", 0, 1'000'000).value_or(0), *a.link);
      },
      {"latency", "energy", "retry_every"}, "a CRC check with link-level retry after the wire");
  registry.add_device(
      "lt_expander",
      [](const pjbit::platforms::ModuleArgs& a) {
        const double bandwidth = a.quantity("bandwidth", Dim::DataRate).value_or(0);
        if (!(bandwidth > 0)) a.fail("bandwidth", "expected the expander's bandwidth, such as \"64 GB/s\"");
        return std::make_unique<LtExpander>(
            a.name(), pjbit::core::to_ticks(a.quantity("latency", Dim::Time).value_or(0)), bandwidth,
            a.quantity("energy", Dim::EnergyPerBit).value_or(0), a.pool->capacity_bytes);
      },
      {"latency", "bandwidth", "energy"}, "a loosely-timed CXL-class memory expander");
}

bool near(double a, double b) {
  return std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  if (argc != 3) {
    std::cerr << "usage: user_modules PLATFORM.yaml WORKLOAD.yaml\n";
    return 2;
  }
  register_kinds();
  try {
    const auto platform = pjbit::platforms::load_platform(argv[1]);
    const auto workload = pjbit::workloads::load_workload(argv[2]);
    const auto sim = pjbit::engine::simulate(platform, workload);
    const auto& dynamic = sim.usage.energy.dynamic_j;
    const double dsp_j = dynamic[pjbit::core::EnergyAccount::index(pjbit::core::Category::Dsp)];
    const double pool_j = dynamic[pjbit::core::EnergyAccount::index(pjbit::core::Category::MemoryPool)];
    const auto& read = sim.steps.front();
    std::cout << "engine " << sim.engine << ", " << sim.sim_time_s * 1e6 << " us simulated\n"
              << "crc_retry: " << seen.packets << " packets (" << seen.retries << " replayed), "
              << seen.block_j << " J; dsp in the report " << dsp_j << " J\n"
              << "lt_expander: " << seen.accesses << " accesses, " << seen.read_bytes << " B read, "
              << seen.written_bytes << " B written, " << seen.expander_j << " J; memory_pool in the report "
              << pool_j << " J\n"
              << "read step: " << (read.end_s - read.start_s) * 1e6 << " us\n";
    // Every packet hop crossed one block; the report holds what the modules charged; the expander moved what
    // the steps asked; the read waited for the expander: 8 MiB at 64 GB/s after its latency.
    const int ranks = platform.ranks();
    const double expander_s = 250e-9 + 4.0 * 2 * 1048576 / 64e9;
    const bool ok = sim.engine == "packet" && seen.packets == sim.packet_hops && seen.retries > 0 &&
                    near(dsp_j, seen.block_j) && near(pool_j, seen.expander_j) &&
                    seen.read_bytes == static_cast<std::uint64_t>(ranks) * 2 * 1048576 &&
                    seen.written_bytes == static_cast<std::uint64_t>(ranks) * 1048576 &&
                    read.end_s - read.start_s > expander_s;
    if (!ok) std::cerr << "error: the modules and the report disagree\n";
    return ok ? 0 : 1;
  } catch (const pjbit::core::InputError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const pjbit::core::SimulationError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 3;
  }
}
