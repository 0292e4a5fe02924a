#include "engine/traffic.h"

#include <map>

#include "core/time.h"

namespace pjbit::engine {

void run_traffic(accelerator::Accelerator& acc, const std::vector<workloads::TrafficMessage>& messages,
                 std::uint64_t size, std::uint8_t cls, std::uint64_t tag, core::StepTally* tally) {
  const int me = acc.rank();
  accelerator::Completion done;
  // One receive per source for all its messages: data that arrived before this rank entered the step must
  // never exceed what is posted.
  std::map<int, std::uint64_t> expected;
  for (const auto& m : messages)
    if (m.dst == me) expected[m.src] += size;
  for (const auto& [src, bytes] : expected)
    acc.recv(src, bytes, tag, done);
  const core::Tick entered = core::now_ticks();
  for (const auto& m : messages) {
    if (m.src != me) continue;
    const core::Tick at = core::later(entered, core::to_ticks(m.at_s));
    if (at > core::now_ticks()) sc_core::wait(core::ticks_to_time(at - core::now_ticks()));
    acc.send(m.dst, size, cls, tag, done, tally);
  }
  done.wait();
}

}  // namespace pjbit::engine
