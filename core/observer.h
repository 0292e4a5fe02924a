// What the fabric tells a timeline recorder (pjbit run --trace, --vcd) while it runs. Models hold a pointer
// to an observer that is null unless recording was asked for, so the cost of recording when it is off is one
// null check per packet on a link (and per flow in the flow engine). An observer only looks: nothing it does
// may change what the models do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/fabric_extension.h"
#include "core/span.h"
#include "core/time.h"

namespace pjbit::core {

class TransferObserver {
 public:
  virtual ~TransferObserver() = default;

  // Packet engine: a packet started serializing onto link direction `channel` (2 x link index + direction,
  // as the platform numbers its links) at `start`; the wire is its until `end`. `queued` packets wait behind
  // it on that direction.
  virtual void packet(int channel, const FabricExtension& ext, Tick start, Tick end, std::size_t queued) = 0;

  // Packet engine: a packet joined the queue of link direction `channel`, which now holds `queued`.
  virtual void queued(int channel, std::size_t queued) = 0;

  // Packet engine with flow control: link direction `channel`'s sender was held back (paused, or short of
  // credit) over [start, end).
  virtual void paused(int channel, Tick start, Tick end) {
    (void)channel;
    (void)start;
    (void)end;
  }

  // Flow engine: a flow of `bytes` from endpoint `src` to `dst`, posted at `issued`, crossed every link
  // direction in `channels` from `issued` until its last byte left the source at `end`; `shares` (empty: all
  // of it) is the share of its bytes on each, for a flow sprayed over several paths. `path` >= 0 names a
  // route the engine keeps for the whole run: flows with the same `path` have the same `channels` and
  // `shares`, so what an observer works out from them once holds for all (-1: a route of the flow's own).
  virtual void flow(Span<int> channels, Span<float> shares, int path, int src, int dst, std::uint64_t bytes,
                    std::uint8_t cls, std::uint64_t tag, Tick issued, Tick end) = 0;
};

// A model's own signals, such as the pins of an RTL block behind a transactor (rtl/), for the value change
// dump (`pjbit run --vcd`): each holds an unsigned value of `width` bits (at most 32) over intervals of
// simulated time.
struct SignalInfo {
  std::string name;
  int width = 1;
};

class SignalObserver {
 public:
  virtual ~SignalObserver() = default;
  // Signal `id` held `value` over [start, end).
  virtual void held(std::size_t id, Tick start, Tick end, std::uint32_t value) = 0;
};

class SignalSource {
 public:
  virtual ~SignalSource() = default;
  // Where the signals sit, as a dump's scope: "sw0.port3".
  virtual std::string signal_scope() const = 0;
  virtual std::vector<SignalInfo> signals() const = 0;
  // From now on, tells `observer` (null: nobody) what signal k held, as signal id `first + k`.
  virtual void observe_signals(SignalObserver* observer, std::size_t first) = 0;
  // Tells the observer what every signal has held since its last change, up to `end` (the run is over).
  virtual void flush_signals(Tick end) = 0;
};

}  // namespace pjbit::core
