// Congestion control at a sending NIC (congestion_control.md): a rate controller per connection (a source and
// destination pair, as an RDMA queue pair), told of every packet it sends and of the feedback its receiver
// returns, asked for the rate it may send at. Schemes are implementations in impl/, chosen by name.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/time.h"

namespace pjbit::nic {

// What a receiver returns about one packet, as it reaches the sender: whether a queue on its way marked it
// (ECN) and how long it took from its sender to its receiver (one way, queueing included).
struct Feedback {
  bool ecn = false;
  core::Tick one_way = 0;
  core::Tick base_one_way = 0;  // the least one-way time the connection has seen: its path without queues
  std::uint32_t bytes = 0;
};

// DCQCN (Zhu et al., "Congestion Control for Large-Scale RDMA Deployments", SIGCOMM 2015): the reaction
// point's parameters. Defaults and their sources in congestion_control.md.
struct DcqcnParams {
  double g = 1.0 / 256.0;                   // alpha's gain
  double alpha_timer_s = 55e-6;             // alpha decays by (1 - g) after this long without a CNP
  double increase_timer_s = 55e-6;          // a rate-increase event this often
  double byte_counter_bytes = 10e6;         // and one every this many bytes sent
  int fast_recovery_steps = 5;              // F
  double additive_increase_Bps = 40e6 / 8;  // R_AI (40 Mb/s)
  double hyper_increase_Bps = 400e6 / 8;    // R_HAI (400 Mb/s)
  double cnp_interval_s = 50e-6;            // the receiver sends at most one CNP per connection this often
  double min_rate_Bps = 100e6 / 8;          // never below (100 Mb/s)
};

// Swift (Kumar et al., "Swift: Delay is Simple and Effective for Congestion Control in the Datacenter",
// SIGCOMM 2020): a congestion window driven by the round-trip delay against a target.
struct SwiftParams {
  double target_delay_s = 25e-6;          // the round trip Swift steers to (its base target)
  double additive_increase_bytes = 4096;  // ai: the window grows this much per round trip below target
  double beta = 0.8;                      // multiplicative decrease per unit of excess delay
  double max_decrease = 0.5;              // at most this fraction cut at once
  double min_window_bytes = 4096;         // never below a packet
};

struct CongestionControlParams {
  std::string scheme = "none";  // none | dcqcn | swift
  double line_rate_Bps = 0.0;   // the payload rate of the NIC's port: a connection starts at it
  DcqcnParams dcqcn;
  SwiftParams swift;
};

class ICongestionControl {
 public:
  virtual ~ICongestionControl() = default;
  // The rate the connection may send at, at `now` (timers due by then have run).
  virtual double rate_Bps(core::Tick now) = 0;
  // The connection started a packet of `bytes` at `now`.
  virtual void sent(std::uint32_t bytes, core::Tick now) = 0;
  // Whether the receiver returns feedback on a packet that arrived marked (`ecn`) or not: DCQCN a CNP on a
  // marked packet only, Swift an acknowledgement of every packet.
  virtual bool wants_feedback(bool ecn) const = 0;
  // Whether the receiver rate-limits its feedback to one per dcqcn.cnp_interval (a CNP generator).
  virtual double feedback_interval_s() const = 0;
  // Feedback reached the sender at `now`.
  virtual void feedback(const Feedback& f, core::Tick now) = 0;
};

// The controller of one connection under `params.scheme` (null for none). The names registered.
std::unique_ptr<ICongestionControl> make_congestion_control(const CongestionControlParams& params);
const std::vector<std::string>& congestion_control_names();

}  // namespace pjbit::nic
