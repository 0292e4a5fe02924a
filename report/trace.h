// Timelines of a recorded run (engine/recorder.h): a Chrome/Perfetto trace-event JSON (`pjbit run --trace`)
// and a value change dump (`pjbit run --vcd`). What each track and variable holds: docs/cli.md.
#pragma once

#include <ostream>

#include "engine/recorder.h"
#include "report/report.h"

namespace pjbit::report {

// The trace-event JSON ("JSON Object Format", displayTimeUnit ns): a track per rank with its steps and its
// compute and waiting spans, a track per busy link direction with a slice per transfer, OCS
// reconfigurations, and power by category over time as counters. Times are whole nanoseconds.
void write_trace(std::ostream& out, const engine::Recorder& recorder, const Inputs& in);

// The VCD (IEEE 1364 value change dump, timescale the kernel's resolution): per rank its state (0 idle,
// 1 waiting, 2 computing), per busy link direction whether it is busy, how many transfers cross it and, with
// packets, how many packets wait in its queue.
void write_vcd(std::ostream& out, const engine::Recorder& recorder, const Inputs& in);

}  // namespace pjbit::report
