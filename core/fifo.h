// The FIFOs of the hot paths (an arbiter's turns and packets, a NIC port's message queues, a node's
// deliveries) are boost::circular_buffer: it keeps its capacity, so a queue that has grown allocates nothing
// more, where a std::deque allocates and frees a block every few entries. It does not grow by itself (when
// full, push_back overwrites the front), so the queues push with push_back_growing. Measured against the ring
// buffer written here before in docs/performance.md (2026-12-06).
#pragma once

#include <boost/circular_buffer.hpp>

namespace pjbit::core {

// Appends `value` to `fifo`, doubling its capacity first (8 the first time) when it is full.
template <typename T>
void push_back_growing(boost::circular_buffer<T>& fifo, const T& value) {
  if (fifo.full()) fifo.set_capacity(fifo.capacity() == 0 ? 8 : 2 * fifo.capacity());
  fifo.push_back(value);
}

}  // namespace pjbit::core
