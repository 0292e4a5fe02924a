// Modules of users' own kinds placed by name in a platform file (platforms/user_modules.h), each in a run of
// the library against a closed form or against pjbit's own model doing the same: a link block that adds a
// latency and charges energy, a whole switch forwarding by the source route, a port arbiter of pure TLM, and
// a memory pool's device reached by b_transport with a quantum keeper.
#include <gtest/gtest.h>

#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <systemc>

#include "core/errors.h"
#include "core/fabric_extension.h"
#include "core/time.h"
#include "engine/simulation.h"
#include "platforms/loader.h"
#include "platforms/user_modules.h"
#include "workloads/loader.h"

namespace {
namespace test_user_modules {

using pjbit::core::Tick;
using pjbit::platforms::ModuleArgs;
using pjbit::platforms::ModuleRegistry;

pjbit::engine::SimulationResult run(const std::string& platform, const std::string& workload) {
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
  return pjbit::engine::simulate(pjbit::platforms::parse_platform(platform, "platform.yaml"),
                                 pjbit::workloads::parse_workload(workload, "workload.yaml"));
}

std::string two_ranks(const std::string& link_extra, const std::string& switch_extra) {
  return "name: two\ntopology:\n  kind: switch\n  ranks: 2\n  link: { bandwidth: 100 GB/s, latency: 200 ns, "
         "energy: 5 pJ/bit" +
         link_extra + " }\n  switch: { latency: 300 ns" + switch_extra + " }\n";
}

const char* kOneMessage = "name: one\nsteps:\n  - traffic: { pairs: [[0, 1]], messages: 1, size: 4 KiB }\n";

// ------------------------------------------------------------------------------------------------------------
// A link block: a fixed delay and energy per bit, in order.

int g_blocks = 0;

class Delay final : public pjbit::platforms::LinkBlock {
 public:
  tlm_utils::simple_target_socket<Delay> in{"in"};
  tlm_utils::simple_initiator_socket<Delay> out{"out"};
  Delay(const sc_core::sc_module_name& name, Tick delay, double pj)
      : LinkBlock(name), m_delay(delay), m_pj(pj) {
    in.register_nb_transport_fw(this, &Delay::fw);
    out.register_nb_transport_bw(this, &Delay::bw);
    ++g_blocks;
  }
  tlm::tlm_target_socket<>& block_in() override { return in; }
  tlm::tlm_initiator_socket<>& block_out() override { return out; }

 private:
  tlm::tlm_sync_enum fw(tlm::tlm_generic_payload& p, tlm::tlm_phase& phase, sc_core::sc_time& delay) {
    pjbit::core::FabricExtension& ext = pjbit::core::fabric(p);
    ext.tail += m_delay;
    energy().charge(pjbit::core::Category::Retimer, 8.0 * ext.bytes * m_pj * 1e-12);
    sc_core::sc_time later = delay + pjbit::core::ticks_to_time(m_delay);
    return out->nb_transport_fw(p, phase, later);
  }
  tlm::tlm_sync_enum bw(tlm::tlm_generic_payload& p, tlm::tlm_phase& phase, sc_core::sc_time& delay) {
    return in->nb_transport_bw(p, phase, delay);
  }
  Tick m_delay;
  double m_pj;
};

void register_delay() {
  ModuleRegistry::instance().add_link_block(
      "delay",
      [](const ModuleArgs& a) {
        return std::make_unique<Delay>(a.name(),
                                       pjbit::core::to_ticks(*a.quantity("latency", pjbit::core::Dim::Time)),
                                       a.quantity("energy", pjbit::core::Dim::EnergyPerBit).value_or(0.0));
      },
      {"latency", "energy"});
}

TEST(UserModules, LinkBlocksAddTheirLatencyOnEveryLinkAndTheirEnergyToIt) {
  register_delay();
  const auto plain = run(two_ranks("", ""), kOneMessage);
  g_blocks = 0;
  const auto blocked = run(
      two_ranks(
          ", inline: [{ kind: delay, latency: 7 ns, energy: 2 pJ/bit }, { kind: delay, latency: 3 ns }]", ""),
      kOneMessage);
  // Two blocks on each direction of both links.
  EXPECT_EQ(g_blocks, 8);
  EXPECT_EQ(blocked.engine, "packet");
  // The message crosses two links, each with 10 ns of blocks.
  EXPECT_NEAR(blocked.sim_time_s - plain.sim_time_s, 20e-9, 1e-15);
  // Their energy is the links': 4096 B x 8 x 2 pJ/bit on each of the two links crossed, category retimer.
  const auto& dyn = blocked.usage.energy.dynamic_j;
  EXPECT_NEAR(dyn[pjbit::core::EnergyAccount::index(pjbit::core::Category::Retimer)], 2 * 4096 * 8 * 2e-12,
              1e-18);
  double on_links = 0.0;
  for (const auto& rec : blocked.usage.inventory.components)
    if (rec.kind == pjbit::power::ComponentKind::Link)
      on_links += rec.dynamic_j[pjbit::core::EnergyAccount::index(pjbit::core::Category::Retimer)];
  EXPECT_NEAR(on_links, 2 * 4096 * 8 * 2e-12, 1e-18);
}

// ------------------------------------------------------------------------------------------------------------
// A whole switch: cut-through by the source route after a fixed latency, as pjbit's with no energy.

class RouteSwitch final : public pjbit::platforms::ForwardingNode {
 public:
  tlm_utils::multi_passthrough_target_socket<RouteSwitch> in{"in"};
  tlm_utils::multi_passthrough_initiator_socket<RouteSwitch> out{"out"};
  RouteSwitch(const sc_core::sc_module_name& name, Tick latency) : ForwardingNode(name), m_latency(latency) {
    in.register_nb_transport_fw(this, &RouteSwitch::fw);
    out.register_nb_transport_bw(this, &RouteSwitch::bw);
  }
  NodeIn& node_in() override { return in; }
  NodeOut& node_out() override { return out; }
  static int forwarded;  // packets forwarded by every RouteSwitch: the modules go with their platform

 private:
  tlm::tlm_sync_enum fw(int, tlm::tlm_generic_payload& p, tlm::tlm_phase& phase, sc_core::sc_time& delay) {
    pjbit::core::FabricExtension& ext = pjbit::core::fabric(p);
    const int port = ext.route->ports[ext.hop++];
    ext.tail += m_latency;
    sc_core::sc_time later = delay + pjbit::core::ticks_to_time(m_latency);
    ++forwarded;
    return out[port]->nb_transport_fw(p, phase, later);
  }
  tlm::tlm_sync_enum bw(int, tlm::tlm_generic_payload&, tlm::tlm_phase&, sc_core::sc_time&) {
    return tlm::TLM_ACCEPTED;
  }
  Tick m_latency;
};
int RouteSwitch::forwarded = 0;

TEST(UserModules, AWholeSwitchOfAUsersKindRunsAsPjbitsOwn) {
  ModuleRegistry::instance().add_node("route_switch",
                                      [](const ModuleArgs& a) {
                                        return std::make_unique<RouteSwitch>(a.name(),
                                                                             pjbit::core::to_ticks(300e-9));
                                      },
                                      {});
  const char* workload = "name: w\nsteps:\n  - collective: all_reduce\n    size: 1 MiB\n";
  const auto own = run(two_ranks("", "") + "engine: packet\n", workload);
  const auto users = run(two_ranks("", ", model: route_switch"), workload);
  // Two ranks' ring all-reduce: every packet crosses the switch once.
  EXPECT_EQ(static_cast<std::uint64_t>(RouteSwitch::forwarded), users.packet_hops / 2);
  EXPECT_EQ(users.engine, "packet");
  EXPECT_DOUBLE_EQ(users.sim_time_s, own.sim_time_s);
  EXPECT_EQ(users.packet_hops, own.packet_hops);
}

// ------------------------------------------------------------------------------------------------------------
// A port arbiter of pure TLM: first come, first served, whatever the class.

class Fifo final : public pjbit::platforms::PortArbiter {
 public:
  explicit Fifo(const sc_core::sc_module_name& name) : PortArbiter(name) {
    SC_HAS_PROCESS(Fifo);
    SC_METHOD(serve);
    sensitive << m_free;
    dont_initialize();
  }
  void attach(pjbit::core::PortWire& wire) override { m_wire = &wire; }
  void offer(tlm::tlm_generic_payload& p) override {
    m_queue.push_back(&p);
    if (m_queue.size() == 1) schedule();
  }
  std::size_t queued() const override { return m_queue.size(); }
  static int offered;

 private:
  void schedule() {
    const Tick now = pjbit::core::now_ticks(), free = m_wire->busy_until();
    m_free.notify(pjbit::core::ticks_to_time(free > now ? free - now : 0));
  }
  void serve() {
    if (m_queue.empty() || m_wire->busy_until() > pjbit::core::now_ticks()) {
      if (!m_queue.empty()) schedule();
      return;
    }
    tlm::tlm_generic_payload* p = m_queue.front();
    m_queue.pop_front();
    ++offered;
    m_wire->start(*p);
    if (!m_queue.empty()) schedule();
  }
  pjbit::core::PortWire* m_wire = nullptr;
  std::deque<tlm::tlm_generic_payload*> m_queue;
  sc_core::sc_event m_free;
};
int Fifo::offered = 0;

TEST(UserModules, APortArbiterOfAUsersKindCarriesEveryPacket) {
  ModuleRegistry::instance().add_arbiter(
      "fifo", [](const ModuleArgs& a) { return std::make_unique<Fifo>(a.name()); }, {});
  // A ring all-reduce through a switch: one flow per output port, which any arbiter serves alike.
  const char* workload = "name: w\nsteps:\n  - collective: all_reduce\n    size: 1 MiB\n";
  const std::string four =
      "name: four\ntopology:\n  kind: switch\n  ranks: 4\n  link: { bandwidth: 100 GB/s, latency: 200 ns, "
      "energy: 5 pJ/bit }\n  switch: { latency: 300 ns";
  const auto own = run(four + " }\n", workload);
  const auto fifo = run(four + ", arbiter: fifo }\n", workload);
  EXPECT_EQ(fifo.packet_hops, own.packet_hops);
  // Every packet that left the switch went through an arbiter: half the hops (in, then out).
  EXPECT_EQ(static_cast<std::uint64_t>(Fifo::offered), own.packet_hops / 2);
  EXPECT_NEAR(fifo.sim_time_s, own.sim_time_s, 1e-12);
}

// ------------------------------------------------------------------------------------------------------------
// A memory pool's device: b_transport, a fixed delay per access.

struct DeviceLog {
  int reads = 0, writes = 0;
  std::uint64_t bytes = 0;
  bool annotated_ahead = false;  // an access came with local time: the pool ran ahead of the kernel
} g_log;

class FixedDevice final : public pjbit::platforms::MemoryDevice {
 public:
  tlm_utils::simple_target_socket<FixedDevice> in{"in"};
  FixedDevice(const sc_core::sc_module_name& name, Tick per_access)
      : MemoryDevice(name), m_per_access(per_access) {
    in.register_b_transport(this, &FixedDevice::b_transport);
  }
  tlm::tlm_target_socket<>& device_in() override { return in; }

 private:
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
    (p.is_read() ? g_log.reads : g_log.writes) += 1;
    g_log.bytes += p.get_data_length();
    g_log.annotated_ahead = g_log.annotated_ahead || delay > sc_core::SC_ZERO_TIME;
    EXPECT_EQ(p.get_streaming_width(), p.get_data_length());
    EXPECT_NE(p.get_data_ptr(), nullptr);
    delay += pjbit::core::ticks_to_time(m_per_access);
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }
  Tick m_per_access;
};

TEST(UserModules, APoolsDeviceTakesEveryByteByBTransportAndItsDelaysAreThePoolsTime) {
  ModuleRegistry::instance().add_device(
      "fixed",
      [](const ModuleArgs& a) {
        return std::make_unique<FixedDevice>(
            a.name(), pjbit::core::to_ticks(*a.quantity("per_access", pjbit::core::Dim::Time)));
      },
      {"per_access"});
  // 1 MiB per rank in 64 KiB accesses: 16 accesses of 50 ns each, 800 ns a rank, as a pool of latency 800 ns.
  const std::string head =
      "name: p\ntopology:\n  kind: switch\n  ranks: 2\n  link: { bandwidth: 100 GB/s, latency: 200 ns, "
      "energy: 5 pJ/bit }\n  switch: { latency: 300 ns }\nmemory_pools:\n  - { name: pool0, attach: "
      "topology, "
      "bandwidth: 100 GB/s, capacity: 1 TiB, ";
  const char* workload =
      "name: w\nsteps:\n  - memory: { op: read, size: 1 MiB, pool: pool0 }\n  - checkpoint: { size: 1 MiB, "
      "pool: "
      "pool0 }\n";
  const auto latency = run(head + "latency: 800 ns }\n", workload);
  const auto device = run(head + "device: { kind: fixed, per_access: 50 ns }, quantum: 200 ns }\n", workload);
  EXPECT_EQ(g_log.reads, 2 * 16);
  EXPECT_EQ(g_log.writes, 2 * 16);
  EXPECT_EQ(g_log.bytes, 4u * 1048576);
  EXPECT_TRUE(g_log.annotated_ahead);
  ASSERT_EQ(device.steps.size(), latency.steps.size());
  for (std::size_t i = 0; i < device.steps.size(); ++i) {
    EXPECT_NEAR(device.steps[i].end_s - device.steps[i].start_s,
                latency.steps[i].end_s - latency.steps[i].start_s, 1e-15)
        << "step " << i;
  }
  EXPECT_NEAR(device.sim_time_s, latency.sim_time_s, 1e-15);
}

class Refusing final : public pjbit::platforms::MemoryDevice {
 public:
  tlm_utils::simple_target_socket<Refusing> in{"in"};
  explicit Refusing(const sc_core::sc_module_name& name) : MemoryDevice(name) {
    in.register_b_transport(this, &Refusing::b_transport);
  }
  tlm::tlm_target_socket<>& device_in() override { return in; }

 private:
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time&) {
    p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
  }
};

TEST(UserModules, ADeviceThatAnswersAnErrorStopsTheRun) {
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer does not follow SystemC's thread stacks: an exception thrown on one (here, by the pool's
  // thread) makes it report a stack-buffer-overflow inside its own sigaltstack interceptor.
  GTEST_SKIP() << "an exception thrown on a SystemC thread stack under AddressSanitizer";
#endif
  ModuleRegistry::instance().add_device(
      "refusing", [](const ModuleArgs& a) { return std::make_unique<Refusing>(a.name()); }, {});
  const std::string platform =
      "name: p\ntopology:\n  kind: switch\n  ranks: 2\n  link: { bandwidth: 100 GB/s, latency: 200 ns, "
      "energy: 5 pJ/bit }\n  switch: { latency: 300 ns }\nmemory_pools:\n  - { name: pool0, attach: "
      "topology, "
      "bandwidth: 100 GB/s, capacity: 1 TiB, device: refusing }\n";
  try {
    run(platform, "name: w\nsteps:\n  - checkpoint: { size: 1 MiB, pool: pool0 }\n");
    ADD_FAILURE() << "the run went on";
  } catch (const pjbit::core::SimulationError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "the device answered TLM_ADDRESS_ERROR_RESPONSE to a write of 65536 bytes"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace test_user_modules
}  // namespace
