// A user-written SystemC module that plugs into pjbit: a traffic generator that drives a pjbit Link directly
// and a sink that counts what arrives, with the link's energy read back from its EnergyAccount.
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <cstdlib>
#include <iostream>
#include <systemc>

#include "core/fabric_extension.h"
#include "modules/link/link.h"

struct Generator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Generator> out{"out"};
  pjbit::core::PayloadPool pool;
  SC_HAS_PROCESS(Generator);
  explicit Generator(sc_core::sc_module_name name) : sc_module(name) { SC_THREAD(run); }
  void run() {
    for (int i = 0; i < 4; ++i) {
      tlm::tlm_generic_payload* p = pool.acquire();
      auto& ext = pjbit::core::fabric(*p);
      ext.flow = 1;
      ext.bytes = 4096;
      ext.tail = pjbit::core::now_ticks();
      tlm::tlm_phase phase = tlm::BEGIN_REQ;
      sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
      out->nb_transport_fw(*p, phase, delay);
    }
  }
};

struct Sink : sc_core::sc_module {
  tlm_utils::simple_target_socket<Sink> in{"in"};
  int packets = 0;
  explicit Sink(sc_core::sc_module_name name) : sc_module(name) {
    in.register_nb_transport_fw(this, &Sink::fw);
  }
  tlm::tlm_sync_enum fw(tlm::tlm_generic_payload& p, tlm::tlm_phase&, sc_core::sc_time&) {
    ++packets;
    p.release();
    return tlm::TLM_ACCEPTED;
  }
};

int sc_main(int, char*[]) {
  pjbit::link::Params params;
  params.bandwidth_Bps = 100e9;
  params.latency_s = 500e-9;
  params.stack = {{pjbit::core::Category::Serdes, 5.0, 0.0}};
  Generator gen("gen");
  pjbit::link::Link link("link", params);
  Sink sink("sink"), back("back");
  Generator reverse("reverse");
  gen.out.bind(link.a_in);
  link.b_out.bind(sink.in);
  reverse.out.bind(link.b_in);
  link.a_out.bind(back.in);
  sc_core::sc_start();
  const double joules = link.energy().dynamic_total_j();
  std::cout << "packets " << sink.packets << " at " << sc_core::sc_time_stamp() << ", " << joules << " J\n";
  // 4 packets each way (the reverse generator uses the other direction), each 4096 B x 8 x 5 pJ/bit.
  return sink.packets == 4 && std::abs(joules - 8 * 4096 * 8 * 5e-12) < 1e-15 ? 0 : 1;
}
