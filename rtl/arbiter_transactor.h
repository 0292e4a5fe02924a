// The clocked TLM-to-pin transactor around the Verilated output-port arbiter (rtl/port_arbiter.v): the
// arbiter kind `rtl` of a switch (`arbiter: rtl`). The link direction a switch port drives offers it every
// packet that reaches the port (core::IPortArbiter); it keeps the packets, gives each flow at the port a slot
// (one of the RTL's inputs), drives the RTL's pins at clock edges on the grid k x period of simulated time,
// and starts on the wire the packet of the slot the RTL grants. Timing, and what is and is not
// cycle-accurate, in rtl/port_arbiter.md and docs/rtl-cosim.md.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "core/i_port_arbiter.h"
#include "core/observer.h"
#include "core/time.h"
#include "platforms/user_modules.h"

namespace pjbit::rtl {

struct ArbiterParams {
  core::Tick period = 1000;  // clock period in ticks (1 ns at the kernel's default resolution)
  // Run only the edges at which the arbiter can change state (a flow's first packet waits, a credit comes
  // back, or a grant is possible); false runs every edge while the port holds a packet or owes a credit.
  bool gated = true;
  std::string scope;  // the link direction it feeds, "sw0->r3", for the value change dump
};

class ArbiterTransactor final : public platforms::PortArbiter, public core::SignalSource {
 public:
  // The RTL's inputs (port_arbiter.v's N, as verilated).
  static constexpr int kSlots = 8;

  ArbiterTransactor(const sc_core::sc_module_name& name, const ArbiterParams& params);
  ~ArbiterTransactor() override;

  // core::IPortArbiter
  void attach(core::PortWire& wire) override { m_wire = &wire; }
  void offer(tlm::tlm_generic_payload& p) override;
  std::size_t queued() const override { return m_queued; }

  // core::SignalSource: the RTL's clock and pins.
  std::string signal_scope() const override { return m_params.scope; }
  std::vector<core::SignalInfo> signals() const override;
  void observe_signals(core::SignalObserver* observer, std::size_t first) override;
  void flush_signals(core::Tick end) override;

  const ArbiterParams& params() const { return m_params; }
  std::uint64_t edges() const { return m_edges; }    // rising clock edges run (the reset's included)
  std::uint64_t grants() const { return m_grants; }  // packets the RTL granted

 private:
  struct Flow {
    std::uint64_t flow = 0;
    std::uint8_t cls = 0;
    std::deque<tlm::tlm_generic_payload*> packets;
  };
  struct Pins;  // the Verilated model and the signals bound to it (arbiter_transactor.cpp)

  enum class Phase : std::uint8_t { Reset, ResetSettle, ResetDone, Idle, Drive, Settle, Sample };
  // The edge process: drives the pins and a rising edge, lets the model evaluate, samples its outputs.
  void on_edge();
  void drive(bool reset);
  void sample();
  // Starts a granted packet, at once or when the wire frees.
  void on_start();
  void launch(tlm::tlm_generic_payload& p);
  // Asks for the next edge the arbiter needs, if any.
  void plan();
  // The first edge of the grid at or after now and after the last edge run.
  core::Tick next_grid() const;
  // Gives a free slot to the flow that has waited longest among those of the most urgent class.
  void admit_waiting(int slot);
  // Value changes of the dump's signals (index into signals()).
  void note(std::size_t signal, std::uint32_t value, core::Tick now);

  static constexpr core::Tick kNever = ~core::Tick{0};

  ArbiterParams m_params;
  std::unique_ptr<Pins> m_pins;
  core::PortWire* m_wire = nullptr;
  Flow m_slot[kSlots];
  bool m_used[kSlots] = {};
  std::deque<Flow> m_waiting;  // flows with no slot, in the order they came
  std::size_t m_queued = 0;

  Phase m_phase = Phase::Reset;
  sc_core::sc_event m_edge_event, m_start_event;
  core::Tick m_next_edge = kNever;
  core::Tick m_last_edge = 0;
  core::Tick m_credit_due = kNever;               // the edge at which the output returns its credit
  bool m_credit_driven = false;                   // the credit was presented at the edge being run
  std::uint32_t m_rtl_waiting = 0;                // the RTL's `waiting` after the last edge
  std::uint32_t m_rtl_credits = 0;                // its `credits`
  tlm::tlm_generic_payload* m_pending = nullptr;  // granted, waiting for the wire
  std::uint64_t m_edges = 0, m_grants = 0;

  core::SignalObserver* m_observer = nullptr;
  std::size_t m_first = 0;
  std::vector<std::uint32_t> m_value;
  std::vector<core::Tick> m_since;
};

}  // namespace pjbit::rtl
