// The one TLM extension every fabric packet carries (DESIGN: source, destination, flow, transport class,
// route, hop), plus the bookkeeping that lets the receiver and the report attribute it.
#pragma once

#include <cstdint>
#include <memory>
#include <tlm>
#include <typeinfo>
#include <vector>

#include "core/time.h"

namespace pjbit::core {

// A source route: the out-port to take at each node on the path, starting at the source.
struct Route {
  std::vector<std::uint16_t> ports;
  std::uint16_t links = 0;     // links on the path
  std::uint16_t switches = 0;  // switches on the path
};

// What the packets of one workload step spent, added up hop by hop (the report's per-step figures).
struct StepTally {
  double energy_j = 0.0;    // dynamic energy of every hop
  double wire_bytes = 0.0;  // bytes on every link crossed, overhead included
};

struct FabricExtension;

// Implemented by whoever sends a message, told when the receiver has all of it.
class MessageSink {
 public:
  virtual ~MessageSink() = default;
  // True when those were the message's last bytes: the sender was told, which may have run its program (and
  // posted or settled receives anywhere) before this returns.
  virtual bool delivered(std::uint64_t bytes) = 0;
  // A packet of `bytes` was dropped (a lossy link's full buffer); the sender learns of it at `resend_at`
  // (a NACK or a timeout) and sends the bytes again then. Senders on lossless fabrics are never told.
  virtual void lost(std::uint32_t bytes, Tick resend_at) {
    (void)bytes;
    (void)resend_at;
  }
  // Congestion control: a packet of the message reached its destination at `now` (its receiver returns
  // feedback from here). Called only for packets whose sender asked for it (FabricExtension::feedback).
  virtual void arrived(const FabricExtension& ext, Tick now) {
    (void)ext;
    (void)now;
  }
};

// An ingress buffer with flow control (modules/link/flow_control.md): a packet that has entered it holds
// its bytes there until it leaves the node, by the next link it is sent on or by delivery to its endpoint;
// whoever moves it on calls leave() (a credit back, or a pause lifted, upstream).
class BufferHolder {
 public:
  virtual ~BufferHolder() = default;
  virtual void leave(FabricExtension& ext) = 0;
};

// What a packet carries but for its own route: a fresh packet takes these values back in one assignment that
// leaves the route's buffer alone (PayloadPool::acquire).
struct PacketState {
  // What every hop reads first; then what every hop checks or adds to, and the destination reads
  // (PayloadPool places a packet so that these share two cache lines with the payload's reference count).
  int src = 0;             // source rank
  int dst = 0;             // destination rank
  std::uint64_t flow = 0;  // message id, unique per run; arbitration key
  std::uint64_t tag = 0;   // matches the receiver's posted receive
  const Route* route = nullptr;
  std::uint8_t cls = 2;            // transport class (workloads::TransportClass)
  bool credit = false;             // the sender waits for END_REQ before offering its next packet
  std::uint16_t hop = 0;           // index into route->ports of the next node's choice
  std::uint32_t bytes = 0;         // payload bytes of this packet
  Tick tail = 0;                   // absolute time the packet's tail reaches the point it is offered to
  StepTally* tally = nullptr;      // every hop also adds what it spent here
  MessageSink* message = nullptr;  // told when the packet is delivered
  // Flow control (only on links that have it): the ingress buffer the packet occupies now and the link
  // direction that buffer belongs to; the energy its hops have charged so far (a dropped packet's waste);
  // an ECN mark set by a congested queue on its way.
  BufferHolder* held = nullptr;
  double spent_j = 0.0;
  std::uint8_t held_dir = 0;
  bool ecn = false;
  bool feedback = false;  // congestion control: the destination tells the message it arrived
  Tick sent = 0;          // when the sender offered the packet (congestion control's one-way delay)
  Tick issued = 0;        // when the sender posted the packet's message (for timelines)
};

struct FabricExtension : tlm::tlm_extension<FabricExtension>, PacketState {
  // A route of this packet's own (per-packet spraying), filled by whoever points `route` at it; its buffer
  // is kept across reuse.
  Route own_route;

  tlm::tlm_extension_base* clone() const override { return new FabricExtension(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const FabricExtension&>(other);
  }
};

// A pooled payload with its extension beside it: the hops of a packet find the extension without a lookup
// in the payload's extension array (a call into the kernel library and one more cache line per hop). The
// extension is also set on the payload, for code that asks for it the standard way.
struct Packet final : tlm::tlm_generic_payload {
  explicit Packet(tlm::tlm_mm_interface* mm) : tlm::tlm_generic_payload(mm) {}
  FabricExtension ext;
};

// Pools payloads with their extension attached, so the hot path allocates nothing (tlm_mm_interface).
// Packets are made in blocks, in slots of whole cache lines, each 8 bytes into its slot. With SystemC 2.3's
// payload that places the payload's vtable pointer (read by fabric() at every hop) and the fields a sender
// sets in the slot's first line, the extension array (set once) in the second, the payload's memory manager
// and reference count (read where a packet is made and released) with the head of the extension in the
// third, and the rest of what a hop reads in the fourth: the source, every hop and the destination each touch
// three lines of a packet (test_payload_pool.cpp checks the placement).
class PayloadPool : public tlm::tlm_mm_interface {
 public:
  PayloadPool() = default;
  PayloadPool(const PayloadPool&) = delete;
  PayloadPool& operator=(const PayloadPool&) = delete;
  ~PayloadPool() override;

  // A payload with reference count 1 and a reset FabricExtension.
  tlm::tlm_generic_payload* acquire();
  void free(tlm::tlm_generic_payload* p) override;

  std::size_t allocated() const { return m_all.size(); }
  std::size_t in_use() const { return m_all.size() - m_free.size(); }

 private:
  static constexpr std::size_t kLine = 64;
  static constexpr std::size_t kOffset = 8;  // where a packet starts in its slot
  static constexpr std::size_t kSlot = (kOffset + sizeof(Packet) + kLine - 1) / kLine * kLine;
  static constexpr std::size_t kBlock = 64;  // packets per block
  Packet* make();

  struct FreeBlock {
    void operator()(unsigned char* block) const;
  };
  std::vector<std::unique_ptr<unsigned char[], FreeBlock>> m_blocks;
  std::size_t m_used_in_block = kBlock;  // slots of the newest block handed out
  std::vector<Packet*> m_all;
  std::vector<Packet*> m_free;
};

// The FabricExtension of a payload: beside it for the pool's packets, else through the extension array.
inline FabricExtension& fabric(tlm::tlm_generic_payload& p) {
  if (typeid(p) == typeid(Packet)) return static_cast<Packet&>(p).ext;
  FabricExtension* ext = nullptr;
  p.get_extension(ext);
  return *ext;
}

}  // namespace pjbit::core
