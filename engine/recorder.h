// Records a run's timeline for `pjbit run --trace` and `--vcd`: what each rank did when (its steps, and
// whether it computed or waited), every transfer on every link direction, link busy intervals and queue
// depths, OCS reconfigurations, and the energy charged over time. The engine and the fabric call it only when
// recording was asked for (RunOptions::recorder); it observes and never changes what the models do.
// report/trace.h writes what it holds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/energy.h"
#include "core/observer.h"
#include "core/time.h"
#include "workloads/spec.h"

namespace pjbit::platforms {
class Platform;
}

namespace pjbit::engine {

namespace flow {
class FlowNetwork;
}

// What a rank does at an instant: computing when any compute step of it runs, else waiting when it is inside
// a collective, memory or checkpoint step, else idle (before, between or after its steps).
enum class RankState : std::uint8_t { Idle, Waiting, Computing };
const char* rank_state_name(RankState s);

// Energy charged over time, in equal windows that double in width as the run grows: its size stays bounded
// (at most kWindows windows) whatever the run's length, and spreading an amount over an interval costs O(1).
class EnergyProfile {
 public:
  static constexpr std::size_t kWindows = 512;
  // Series: the energy categories, then rank-seconds computing and rank-seconds waiting.
  static constexpr std::size_t kComputing = core::kNumCategories;
  static constexpr std::size_t kWaiting = core::kNumCategories + 1;
  static constexpr std::size_t kSeries = core::kNumCategories + 2;
  // Then one series per tier: the fabric's dynamic energy on that tier's links (and the switches and NICs
  // that drive them). Set before anything is spread.
  static constexpr std::size_t kTierBase = kSeries;
  // The narrowest window, in ticks (before anything is spread).
  void set_window(core::Tick ticks) { m_width = std::max<core::Tick>(1, ticks); }
  void set_tiers(std::size_t tiers) {
    m_series = kSeries + tiers;
    m_amount.assign(kWindows * m_series, 0.0);
    m_full.assign(kWindows * m_series, 0.0);
    m_open.assign(kWindows * m_series, 0);
  }

  // Spreads `amount` of `series` evenly over [start, end) (all of it at `start` when end == start).
  void spread(std::size_t series, core::Tick start, core::Tick end, double amount);
  // Makes the windows cover [0, end) (they may cover more).
  void extend(core::Tick end) { grow(end); }
  core::Tick window() const { return m_width; }
  std::size_t series() const { return m_series; }
  // The amount of `series` in window i = [i x window, (i + 1) x window), for the first `count` windows.
  std::vector<double> amounts(std::size_t series, std::size_t count) const;

 private:
  void grow(core::Tick end);
  void fold();
  // Calls f(w, amount) for the whole-window share of `series` in each of the first `count` windows (the
  // running sum of m_full; exactly 0 where no interval spans the window).
  template <class F>
  void whole_windows(std::size_t series, std::size_t count, F f) const {
    double running = 0.0;
    std::int64_t open = 0;
    for (std::size_t w = 0; w < count; ++w) {
      running += m_full[w * m_series + series];
      open += m_open[w * m_series + series];
      if (open == 0) running = 0.0;  // no interval spans the window: what is left is rounding dust
      f(w, running);
    }
  }

  core::Tick m_width = 1000;  // ticks per window: 1 ns at the kernel's default resolution, doubled as needed
  std::size_t m_series = kSeries;
  // m_amount[w * kSeries + s]: the amount of series s in window w, but for m_full's share.
  std::vector<double> m_amount = std::vector<double>(kWindows * kSeries, 0.0);
  // Amounts that fill whole windows, as differences: window w gets the sum of m_full[0..w] (per series).
  std::vector<double> m_full = std::vector<double>(kWindows * kSeries, 0.0);
  // Likewise the number of intervals that span window w whole, as differences (exact: where it is 0, what
  // m_full leaves is rounding dust).
  std::vector<std::int32_t> m_open = std::vector<std::int32_t>(kWindows * kSeries, 0);
};

// What a value change dump shows (report/trace.h), kept for the whole run within a budget: variables that
// hold a value over intervals of time. A variable's value at an instant is the largest value any interval
// gives it there (Max), or the sum (Sum: how many of something). When the intervals kept pass the budget, the
// time resolution halves, as often as needed to keep at most half the budget: every interval widens to whole
// steps of the new resolution and each variable's intervals become its value step by step. So the dump always
// runs to the end of the run; a long one shows, in each step, the largest value (or sum) the step saw.
class VcdLog {
 public:
  enum class Kind : std::uint8_t { Max, Sum };
  struct Span {
    core::Tick start, end;  // [start, end)
    std::uint32_t value;
  };
  VcdLog(std::vector<Kind> kinds, std::size_t budget);

  // `variable` holds `value` over [start, end) (an empty interval holds nothing).
  void add(std::size_t variable, core::Tick start, core::Tick end, std::uint32_t value);
  // The variable's value over time: intervals in time order that neither overlap nor touch with one value,
  // without the times it is 0.
  std::vector<Span> values(std::size_t variable) const;
  bool empty(std::size_t variable) const { return m_spans[variable].empty(); }
  std::size_t variables() const { return m_spans.size(); }
  core::Tick step() const { return m_step; }  // 1: every change as it happened
  std::size_t budget() const { return m_budget; }

 private:
  // The budget holds at least this many intervals per variable, so that a dump of a fabric with more
  // variables than the limit allows intervals still shows each variable's activity over the run.
  static constexpr std::size_t kPerVariable = 8;
  void coarsen();
  // Sorted, not overlapping, equal neighbours joined, zeros left out.
  static void normalize(std::vector<Span>& spans, Kind kind);

  std::vector<Kind> m_kinds;
  std::vector<std::vector<Span>> m_spans;  // per variable
  std::size_t m_budget;
  std::size_t m_count = 0;
  core::Tick m_step = 1;
  core::Tick m_horizon = 0;  // the latest end of an interval given
};

struct RecorderOptions {
  // The power trace's window (0: 1 ns); windows double in width when the run outgrows kWindows of them.
  double power_window_s = 0.0;
  // Slices kept (steps, rank states, transfers, reconfigurations); and the intervals a value change dump
  // keeps (the dump coarsens its time resolution to stay within them).
  std::size_t max_events = 1000000;
  bool link_activity = false;  // keep what a value change dump shows (VcdLog)
};

class Recorder final : public core::TransferObserver, public core::SignalObserver {
 public:
  // A step instance as the timeline names it.
  struct StepLabel {
    std::string name;  // "steps.1 all_reduce ring"
    std::string key;
    std::string kind;  // collective | compute | memory | checkpoint | parallel
    std::string op;    // collectives: all_reduce ...; memory: read | write
    std::string algorithm;
    int channels = 1;  // collectives: rings run at once
    std::string cls;
    std::string pool;
    std::uint64_t size_bytes = 0;
    int iteration = 0;
    bool known = false;
  };
  // A rank inside a step instance; depth 0 for top-level steps, 1 for the children of a parallel step ...
  struct StepSpan {
    int rank;
    int depth;
    std::uint64_t instance;
    core::Tick start, end;
  };
  struct StateSpan {
    int rank;
    RankState state;
    core::Tick start, end;
  };
  // One message (packets) or flow crossing one link direction: from its first byte's start there until its
  // last byte's end there (packets), or from its start until its last byte left the source (flows).
  struct Transfer {
    int channel;
    int src, dst;  // endpoints
    std::uint8_t cls;
    std::uint64_t instance;  // the step instance that sent it
    std::uint64_t bytes;     // payload bytes that crossed this link direction
    core::Tick issued;       // when the sender posted it
    core::Tick start, end;
  };
  struct Reconfiguration {
    std::string ocs;
    core::Tick requested, start, end;
    std::size_t ports;
    std::string why;
  };
  // A link direction: channel c is direction c % 2 of the platform's link c / 2.
  struct Channel {
    std::string id;  // "r0->r1", as in the report
    std::string tier;
    bool internal = false;  // inside a node (accelerator to NIC, switch to its reduction engine)
    // Dynamic joules per payload byte that crosses it, by category: the link's cost stack, and the switch or
    // NIC that drives it (they charge per byte they send onto it).
    std::vector<std::pair<std::size_t, double>> joules_per_byte;
    std::size_t tier_index = 0;           // into tiers()
    double fabric_joules_per_byte = 0.0;  // the sum of joules_per_byte (0 for attachments inside a node)
  };

  explicit Recorder(RecorderOptions options = {});

  // --- called by the engine ---
  // Before the simulation starts: learns the links and observes them (and the flow engine).
  // `flows`: the flow transport the run uses, or null for packets.
  void attach(platforms::Platform& platform, flow::FlowNetwork* flows);
  // After it has ended: closes what is open and reads the OCS reconfiguration logs.
  void detach(platforms::Platform& platform);
  // A rank enters and leaves a step instance (instance ids are unique per run); `algorithm` and `channels`
  // (what ran: the step's own, or the platform's default) for collectives.
  void step_begin(int rank, std::uint64_t instance, const workloads::Step& step, int iteration,
                  const std::string& algorithm, int channels = 1);
  void step_end(int rank, std::uint64_t instance);
  void compute_begin(int rank);
  // `joules` of category `c` spent evenly over [start, end) by something that is not a transfer (a memory
  // pool's media), for the power trace.
  void charged(core::Category c, core::Tick start, core::Tick end, double joules);
  void compute_end(int rank);

  // --- core::TransferObserver ---
  void packet(int channel, const core::FabricExtension& ext, core::Tick start, core::Tick end,
              std::size_t queued) override;
  void queued(int channel, std::size_t queued) override;
  void paused(int channel, core::Tick start, core::Tick end) override;
  void flow(core::Span<int> channels, core::Span<float> shares, int path, int src, int dst,
            std::uint64_t bytes, std::uint8_t cls, std::uint64_t tag, core::Tick issued,
            core::Tick end) override;

  // --- core::SignalObserver: the signals of models that have their own (an RTL block's pins) ---
  void held(std::size_t id, core::Tick start, core::Tick end, std::uint32_t value) override;

  // --- what was recorded ---
  int ranks() const { return static_cast<int>(m_ranks.size()); }
  bool packets() const { return m_packets; }  // the packet engine ran (else flows)
  const std::vector<Channel>& channels() const { return m_channels; }
  // The platform's tiers, in order: profile series EnergyProfile::kTierBase + i is tiers()[i].
  const std::vector<std::string>& tiers() const { return m_tiers; }
  // "r3", "pool0": an endpoint as the platform names it.
  const std::string& endpoint_name(int endpoint) const {
    return m_endpoints[static_cast<std::size_t>(endpoint)];
  }
  const StepLabel& label(std::uint64_t instance) const;
  const std::vector<StepSpan>& steps() const { return m_steps; }
  const std::vector<StateSpan>& states() const { return m_states; }
  const std::vector<Transfer>& transfers() const { return m_transfers; }
  // Flow control: a link direction's sender held back (paused, or short of credit) over [start, end).
  struct Pause {
    int channel;
    core::Tick start, end;
  };
  const std::vector<Pause>& pauses() const { return m_pauses; }
  // What a value change dump shows (with link_activity, else null): rank r's state is variable r, link
  // direction c's busy wire, transfers crossing it and queue depth (packets) the variables below.
  const VcdLog* vcd() const { return m_vcd.get(); }
  std::size_t busy_variable(int channel) const {
    return m_ranks.size() + 3 * static_cast<std::size_t>(channel);
  }
  std::size_t transfers_variable(int channel) const { return busy_variable(channel) + 1; }
  std::size_t queue_variable(int channel) const { return busy_variable(channel) + 2; }
  // The signals of the platform's signal sources (platforms::Platform::signal_sources), one group a source,
  // each signal a variable of the dump from `first` on (with link_activity).
  struct SignalGroup {
    std::string scope;
    std::vector<core::SignalInfo> signals;
    std::size_t first = 0;
  };
  const std::vector<SignalGroup>& signal_groups() const { return m_signal_groups; }
  const std::vector<Reconfiguration>& reconfigurations() const { return m_reconfigurations; }
  const EnergyProfile& profile() const { return m_profile; }
  core::Tick end() const { return m_end; }  // the last instant the kernel reached
  const RecorderOptions& options() const { return m_options; }
  std::size_t events() const { return m_events; }
  // Whether slices were left out, and the earliest start of one left out.
  bool truncated() const { return m_truncated; }
  core::Tick truncated_at() const { return m_truncated_at; }

 private:
  struct Open {
    std::uint64_t instance;
    std::size_t index;  // into m_steps, or kNone when the cap left it out
    bool blocks;        // collective, memory or checkpoint
  };
  struct Rank {
    int computing = 0;
    int blocked = 0;
    RankState state = RankState::Idle;
    core::Tick since = 0;
    std::vector<Open> open;
  };
  struct FlowKey {
    std::uint64_t flow;
    int channel;
    bool operator==(const FlowKey& o) const { return flow == o.flow && channel == o.channel; }
  };
  struct FlowKeyHash {
    std::size_t operator()(const FlowKey& k) const {
      return std::hash<std::uint64_t>()(k.flow * 0x9e3779b97f4a7c15ull ^
                                        static_cast<std::uint64_t>(k.channel));
    }
  };
  // A message crossing a link direction, for the dump's count of transfers: from its first packet's start
  // there to its last packet's end.
  struct Piece {
    std::uint64_t flow;
    core::Tick start, end;
  };
  // Per channel, packet engine: the message last seen and its transfer, the busy interval being built, the
  // last queue depth kept (since when), and the depth at the latest instant it changed (kept once that
  // instant is over: a queue that a packet joins and leaves within one instant has not changed); for the
  // dump, the messages crossing it, at most kPieces (a message not seen since the others ends first, and is
  // done).
  struct ChannelState {
    std::uint64_t last_flow = ~std::uint64_t{0};
    std::size_t last_transfer = 0;
    core::Tick busy_start = 0, busy_end = 0;
    bool busy_open = false;
    std::uint32_t depth = 0;
    core::Tick depth_since = 0;
    core::Tick pending_at = 0;
    std::uint32_t pending_depth = 0;
    bool pending = false;
    std::vector<Piece> pieces;
  };
  static constexpr std::size_t kPieces = 16;
  static constexpr std::size_t kNone = ~std::size_t{0};

  // Takes a slot for one more slice starting at `now`, or notes the truncation and says no.
  bool admit(core::Tick now);
  // The dump's transfers: message `flow` crosses `channel` over [start, end) (packets, one at a time).
  void piece(int channel, std::uint64_t flow, core::Tick start, core::Tick end);
  // Re-evaluates the rank's state at `now`; `split` ends the current span even when the state stays.
  void settle(int rank, core::Tick now, bool split);
  void charge(int channel, double bytes, core::Tick start, core::Tick end);
  // Calls f(series, joules) for every series of the power profile that a payload byte on `c` charges.
  template <class F>
  static void each_series(const Channel& c, F f) {
    for (const auto& [category, joules] : c.joules_per_byte)
      f(category, joules);
    if (c.fabric_joules_per_byte > 0.0) f(EnergyProfile::kTierBase + c.tier_index, c.fabric_joules_per_byte);
  }
  void note_depth(int channel, std::size_t depth, core::Tick now);
  void keep_depth(int channel);

  RecorderOptions m_options;
  bool m_packets = true;
  flow::FlowNetwork* m_flows = nullptr;  // while attached to a flow run
  std::vector<std::string> m_tiers;
  std::vector<Channel> m_channels;
  std::vector<ChannelState> m_channel_state;
  std::vector<std::string> m_endpoints;
  std::vector<Rank> m_ranks;
  std::map<std::uint64_t, StepLabel> m_labels;  // by instance id, for instances with a slice
  std::vector<StepSpan> m_steps;
  std::vector<StateSpan> m_states;
  std::vector<Transfer> m_transfers;
  std::vector<Pause> m_pauses;
  std::unordered_map<FlowKey, std::size_t, FlowKeyHash> m_open_transfers;  // packet engine
  std::unique_ptr<VcdLog> m_vcd;
  std::vector<SignalGroup> m_signal_groups;
  std::vector<Reconfiguration> m_reconfigurations;
  EnergyProfile m_profile;
  // flow(): the joules per payload byte of a flow's route, by series of m_profile (summed over its links and
  // their shares), kept per route the flow engine keeps (indexed by its path id); and a scratch for the rest.
  using SeriesJoules = std::vector<std::pair<std::size_t, double>>;
  std::vector<std::optional<SeriesJoules>> m_path_joules;
  SeriesJoules m_own_joules;
  std::vector<double> m_series_sum;
  void route_joules(core::Span<int> channels, core::Span<float> shares, SeriesJoules& out);
  core::Tick m_end = 0;
  std::size_t m_events = 0;
  bool m_truncated = false;
  core::Tick m_truncated_at = 0;
};

}  // namespace pjbit::engine
