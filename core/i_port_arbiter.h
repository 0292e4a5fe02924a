// An output port's arbiter of another kind than the link's own (core/arbiter.h): the arbiter a switch names
// with `arbiter:` in a platform file (platforms/user_modules.h), such as the Verilated RTL arbiter of rtl/.
// The link direction the port drives offers it every packet that reaches the port, and the arbiter starts
// packets on the wire when and in the order it chooses, through the direction's PortWire. The link still
// serializes, charges, delivers and credits every packet as it does its own (modules/link/link.md); only
// the choice of which packet goes next, and when, moves to the arbiter.
#pragma once

#include <cstddef>
#include <tlm>

#include "core/time.h"

namespace pjbit::core {

// The wire of one link direction, as its port arbiter sees it.
class PortWire {
 public:
  virtual ~PortWire() = default;
  // When the wire is free: the end of the last packet started on it (or of a wake-up).
  virtual Tick busy_until() const = 0;
  // Starts `p` on the wire now, which must be no earlier than busy_until(); busy_until() is then its end.
  virtual void start(tlm::tlm_generic_payload& p) = 0;
  // The link direction's transport-class rule: false when classes are not arbitrated
  // (scheduler.priorities: false), so that an arbiter serves every class as one.
  virtual bool priorities() const = 0;
};

class IPortArbiter {
 public:
  virtual ~IPortArbiter() = default;
  // Once, while the platform is built: the wire the arbiter feeds.
  virtual void attach(PortWire& wire) = 0;
  // The head of `p` reached the port now (its FabricExtension says its flow, class, bytes and tail). The
  // arbiter holds it until it starts it on the wire.
  virtual void offer(tlm::tlm_generic_payload& p) = 0;
  // Packets held, not yet started.
  virtual std::size_t queued() const = 0;
};

}  // namespace pjbit::core
