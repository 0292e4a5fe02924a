#include "rtl/arbiter_transactor.h"

#include <algorithm>

#include "Vport_arbiter.h"
#include "core/fabric_extension.h"

namespace pjbit::rtl {

// The Verilated model and one signal per pin. Only this file sees Verilator's headers.
struct ArbiterTransactor::Pins {
  sc_core::sc_signal<bool> clk{"clk"}, rst_n{"rst_n"}, credit{"credit"}, grant{"grant"};
  sc_core::sc_signal<std::uint32_t> req{"req"}, more{"more"}, cls{"cls"}, grant_id{"grant_id"},
      credits{"credits"}, waiting{"waiting"};
  Vport_arbiter model{"rtl"};

  Pins() {
    model.clk(clk);
    model.rst_n(rst_n);
    model.req(req);
    model.cls(cls);
    model.more(more);
    model.credit(credit);
    model.grant(grant);
    model.grant_id(grant_id);
    model.credits(credits);
    model.waiting(waiting);
  }
};

namespace {
// The dump's signals, in this order (note() indexes them).
enum Signal : std::size_t {
  kClk,
  kReq,
  kCls,
  kMore,
  kCredit,
  kGrant,
  kGrantId,
  kCredits,
  kWaiting,
  kSignals
};
constexpr int kClassBits = 3;
}  // namespace

ArbiterTransactor::ArbiterTransactor(const sc_core::sc_module_name& name, const ArbiterParams& params)
    : platforms::PortArbiter(name), m_params(params), m_pins(std::make_unique<Pins>()) {
  SC_HAS_PROCESS(ArbiterTransactor);
  // Runs once at time 0 for the reset, then at each edge planned.
  SC_METHOD(on_edge);
  sensitive << m_edge_event;
  SC_METHOD(on_start);
  sensitive << m_start_event;
  dont_initialize();
  m_value.assign(kSignals, 0);
  m_since.assign(kSignals, 0);
}

ArbiterTransactor::~ArbiterTransactor() = default;

std::vector<core::SignalInfo> ArbiterTransactor::signals() const {
  return {{"clk", 1},       {"req", kSlots}, {"cls", kSlots * kClassBits},
          {"more", kSlots}, {"credit", 1},   {"grant", 1},
          {"grant_id", 3},  {"credits", 4},  {"waiting", kSlots}};
}

void ArbiterTransactor::observe_signals(core::SignalObserver* observer, std::size_t first) {
  m_observer = observer;
  m_first = first;
}

void ArbiterTransactor::flush_signals(core::Tick end) {
  for (std::size_t s = 0; s < kSignals; ++s)
    if (s != kClk && m_observer != nullptr && m_value[s] != 0 && end > m_since[s])
      m_observer->held(m_first + s, m_since[s], end, m_value[s]);
}

void ArbiterTransactor::note(std::size_t signal, std::uint32_t value, core::Tick now) {
  if (m_value[signal] == value) return;
  if (m_observer != nullptr && m_value[signal] != 0 && now > m_since[signal])
    m_observer->held(m_first + signal, m_since[signal], now, m_value[signal]);
  m_value[signal] = value;
  m_since[signal] = now;
}

// ------------------------------------------------------------------------------------------------------------
// Packets in

void ArbiterTransactor::offer(tlm::tlm_generic_payload& p) {
  const core::FabricExtension& ext = core::fabric(p);
  ++m_queued;
  for (int s = 0; s < kSlots; ++s) {
    if (m_used[s] && m_slot[s].flow == ext.flow) {
      m_slot[s].packets.push_back(&p);
      // A flow's first packet joins the turns at the next edge; the others only change `more`, which the
      // RTL reads when it grants the flow.
      if (m_slot[s].packets.size() == 1) plan();
      return;
    }
  }
  for (Flow& f : m_waiting) {
    if (f.flow == ext.flow) {
      f.packets.push_back(&p);
      return;
    }
  }
  Flow f;
  f.flow = ext.flow;
  f.cls = m_wire != nullptr && !m_wire->priorities() ? 0 : ext.cls;
  f.packets.push_back(&p);
  for (int s = 0; s < kSlots; ++s) {
    if (!m_used[s]) {
      m_used[s] = true;
      m_slot[s] = std::move(f);
      plan();
      return;
    }
  }
  m_waiting.push_back(std::move(f));
}

void ArbiterTransactor::admit_waiting(int slot) {
  if (m_waiting.empty()) return;
  auto best = m_waiting.begin();
  for (auto it = m_waiting.begin(); it != m_waiting.end(); ++it)
    if (it->cls < best->cls) best = it;
  m_used[slot] = true;
  m_slot[slot] = std::move(*best);
  m_waiting.erase(best);
}

// ------------------------------------------------------------------------------------------------------------
// The clock

core::Tick ArbiterTransactor::next_grid() const {
  const core::Tick now = core::now_ticks();
  const core::Tick t = m_params.period;
  core::Tick at = (now + t - 1) / t * t;
  if (at <= m_last_edge) at = m_last_edge + t;
  return at;
}

void ArbiterTransactor::plan() {
  bool any = false, joining = false;
  for (int s = 0; s < kSlots; ++s) {
    if (!m_used[s] || m_slot[s].packets.empty()) continue;
    any = true;
    if (!(m_rtl_waiting >> s & 1u)) joining = true;
  }
  // Never the edge being run (plan may be called between its rising edge and its sampling) or one before it.
  const core::Tick soon = next_grid();
  core::Tick next = kNever;
  // An edge is needed when a flow joins the turns, when a grant is possible (a flow waits and the RTL holds a
  // credit), and when the output returns its credit; ungated, at every edge while anything is in flight.
  if (joining || (any && m_rtl_credits > 0) ||
      (!m_params.gated && (any || m_pending != nullptr || m_credit_due != kNever)))
    next = soon;
  if (m_credit_due != kNever) next = std::min(next, std::max(m_credit_due, soon));
  if (next == kNever || next >= m_next_edge) return;
  m_next_edge = next;
  m_edge_event.notify(core::ticks_to_time(next - core::now_ticks()));
}

void ArbiterTransactor::on_edge() {
  // An edge takes four delta cycles at its time: the clock falls (what arrives at that instant is in by the
  // next delta), the pins are driven with the rising edge, the model evaluates, the outputs are sampled.
  switch (m_phase) {
    case Phase::Reset:  // time 0: one edge with reset asserted
      drive(true);
      m_phase = Phase::ResetSettle;
      next_trigger(sc_core::SC_ZERO_TIME);
      return;
    case Phase::ResetSettle:
      m_phase = Phase::ResetDone;
      next_trigger(sc_core::SC_ZERO_TIME);
      return;
    case Phase::ResetDone:
      m_rtl_credits = m_pins->credits.read();
      m_rtl_waiting = m_pins->waiting.read();
      m_phase = Phase::Idle;
      plan();
      return;
    case Phase::Idle:  // a planned edge
      m_pins->clk.write(false);
      m_phase = Phase::Drive;
      next_trigger(sc_core::SC_ZERO_TIME);
      return;
    case Phase::Drive:
      drive(false);
      m_phase = Phase::Settle;
      next_trigger(sc_core::SC_ZERO_TIME);
      return;
    case Phase::Settle:  // the model evaluates in this delta; its outputs change at its end
      m_phase = Phase::Sample;
      next_trigger(sc_core::SC_ZERO_TIME);
      return;
    case Phase::Sample:
      sample();
      m_phase = Phase::Idle;
      plan();
      return;
  }
}

void ArbiterTransactor::drive(bool reset) {
  const core::Tick now = core::now_ticks();
  std::uint32_t req = 0, more = 0, cls = 0;
  for (int s = 0; s < kSlots; ++s) {
    if (!m_used[s] || m_slot[s].packets.empty()) continue;
    req |= 1u << s;
    if (m_slot[s].packets.size() > 1) more |= 1u << s;
    cls |= static_cast<std::uint32_t>(std::min<int>(m_slot[s].cls, 7)) << (kClassBits * s);
  }
  m_credit_driven = !reset && m_credit_due <= now;
  m_pins->rst_n.write(!reset);
  m_pins->req.write(req);
  m_pins->more.write(more);
  m_pins->cls.write(cls);
  m_pins->credit.write(m_credit_driven);
  m_pins->clk.write(true);
  m_last_edge = now;
  m_next_edge = kNever;
  ++m_edges;
  note(kReq, req, now);
  note(kMore, more, now);
  note(kCls, cls, now);
  note(kCredit, m_credit_driven, now);
  if (m_observer != nullptr)
    m_observer->held(m_first + kClk, now, now + std::max<core::Tick>(1, m_params.period / 2), 1);
}

void ArbiterTransactor::sample() {
  const core::Tick now = core::now_ticks();
  if (m_credit_driven) m_credit_due = kNever;
  const bool grant = m_pins->grant.read();
  const std::uint32_t id = m_pins->grant_id.read();
  m_rtl_credits = m_pins->credits.read();
  m_rtl_waiting = m_pins->waiting.read();
  note(kGrant, grant, now);
  note(kGrantId, id, now);
  note(kCredits, m_rtl_credits, now);
  note(kWaiting, m_rtl_waiting, now);
  if (!grant) return;
  const int s = static_cast<int>(id);
  if (s >= kSlots || !m_used[s] || m_slot[s].packets.empty() || m_pending != nullptr) {
    SC_REPORT_ERROR(name(), "the RTL arbiter granted a slot that holds no packet");
    return;
  }
  tlm::tlm_generic_payload* p = m_slot[s].packets.front();
  m_slot[s].packets.pop_front();
  --m_queued;
  ++m_grants;
  if (m_slot[s].packets.empty()) {
    m_used[s] = false;
    admit_waiting(s);
  }
  // The granted packet goes on the wire at this edge, or when the packet on it ends.
  const core::Tick free = m_wire->busy_until();
  if (free <= now) {
    launch(*p);
  } else {
    m_pending = p;
    m_start_event.notify(core::ticks_to_time(free - now));
  }
}

void ArbiterTransactor::on_start() {
  if (m_pending == nullptr) return;
  const core::Tick now = core::now_ticks();
  if (m_wire->busy_until() > now) {  // the wire woke up later than it said: wait for it
    m_start_event.notify(core::ticks_to_time(m_wire->busy_until() - now));
    return;
  }
  tlm::tlm_generic_payload* p = m_pending;
  m_pending = nullptr;
  launch(*p);
  plan();
}

void ArbiterTransactor::launch(tlm::tlm_generic_payload& p) {
  m_wire->start(p);
  // The credit comes back at the last edge at or before the wire frees, so that the next grant starts as it
  // frees (never at the edge of this grant: one grant a cycle).
  const core::Tick t = m_params.period;
  m_credit_due = std::max(m_wire->busy_until() / t * t, next_grid());
}

}  // namespace pjbit::rtl
