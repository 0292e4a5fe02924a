// What the fabric-aware scheduler did in a run, as plain data for the report (docs/scheduler.md).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace pjbit::engine::scheduler {

// One OCS reconfiguration, from the OCS's log and the scheduler's gate around it.
struct ReconfigurationRecord {
  std::string ocs;     // the OCS node, e.g. "ocs0" or "bypass"
  std::string before;  // the step whose circuits it set up, e.g. "steps.1"
  int iteration = 0;
  double quiesce_s = 0.0;    // when the first endpoint reached the quiescence point (fabric empty from here
                             // for that endpoint)
  double requested_s = 0.0;  // when every endpoint had: the circuits were asked for
  double start_s = 0.0;      // the changed circuits went dark ...
  double end_s = 0.0;        // ... and came up
  double duration_s = 0.0;   // end - start: the OCS's reconfiguration time
  double lost_s = 0.0;       // the longest any endpoint waited for the circuits before the step (the part of
                             // the reconfiguration no compute hid)
  std::vector<int> ports;    // OCS ports whose circuit changed, ascending
  std::vector<int> peers;    // their new peers (-1: unconnected)
  std::string why;           // the policy's reason
};

// The policy's decision for one phase (a top-level step that moves data over a fabric with an OCS).
struct DecisionRecord {
  std::string key;  // "steps.1"
  int iteration = 0;
  std::string action;                // keep | reconfigure
  std::string circuits;              // the circuits it runs on: "initial", "fit for steps.1", ...
  double predicted_s = 0.0;          // forecast duration on those circuits
  double predicted_current_s = 0.0;  // forecast duration on the circuits in place before it
  double predicted_fit_s = 0.0;      // forecast duration on the circuits that best fit its traffic
  double reconfiguration_s = 0.0;    // dark time if it reconfigures (0 when it keeps)
  double window_s = 0.0;             // compute time before it in which a reconfiguration hides
  std::string why;
  double start_s = 0.0;  // when the phase started: its first rank in (the trace's instant; not in the report)
};

// Per transport class: what was sent, and how long messages took from send() to the delivery of their last
// byte (percentiles by nearest rank over a log histogram of 1/64 octave, i.e. within 1.1%).
struct ClassRecord {
  std::string name;
  double bytes = 0.0;
  std::uint64_t messages = 0;
  double latency_mean_s = 0.0;
  double latency_p50_s = 0.0;
  double latency_p99_s = 0.0;
  double latency_max_s = 0.0;
};

struct SchedulerResult {
  std::string policy;
  bool priorities = true;
  std::string arbitration = "strict";
  std::array<int, 5> weights{};
  bool defer_bulk = true;
  std::vector<ReconfigurationRecord> reconfigurations;
  double reconfiguration_dark_s = 0.0;  // summed OCS reconfiguration times
  double reconfiguration_lost_s = 0.0;  // summed lost_s: what reconfigurations cost the run
  double predicted_s = 0.0;         // the policy's forecast of the phases' total, reconfigurations included
  double predicted_static_s = 0.0;  // the same forecast on the initial circuits throughout
  std::vector<DecisionRecord> decisions;
  std::vector<ClassRecord> classes;  // the five classes, highest priority first
};

}  // namespace pjbit::engine::scheduler
