#include "report/trace.h"

#include "report/power_profile.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include "core/time.h"

namespace pjbit::report {

namespace {

using core::Tick;
using engine::EnergyProfile;
using engine::Recorder;

constexpr int kRanksPid = 1;
constexpr int kLinksPid = 2;
constexpr int kOcsPid = 3;
constexpr int kSchedulerPid = 5;
constexpr int kPowerPid = 4;
constexpr int kFaultsPid = 6;
constexpr int kFlowControlPid = 7;

// Simulated time in whole nanoseconds, rounded down. Every time in the trace goes through it, so that a slice
// inside another in simulated time stays inside after a viewer adds up ts and dur.
class Nanoseconds {
 public:
  Nanoseconds()
      : m_ticks_per_ns(static_cast<Tick>(std::llround(core::ticks_per_second() / 1e9))),
        m_ns_per_tick(1e9 / core::ticks_per_second()) {}
  std::uint64_t operator()(Tick t) const {
    if (m_ticks_per_ns >= 1) return t / m_ticks_per_ns;
    return static_cast<std::uint64_t>(std::floor(static_cast<double>(t) * m_ns_per_tick));
  }

 private:
  Tick m_ticks_per_ns;
  double m_ns_per_tick;
};

// Microseconds (the unit of ts and dur) with three decimals: whole nanoseconds, written exactly.
std::string micros(std::uint64_t ns) {
  return fmt::format("{}.{:03}", ns / 1000, ns % 1000);
}

// A JSON string; text from the input files that is not UTF-8 is replaced, never an error.
std::string quote(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Writes the elements of the traceEvents array, separated by commas.
class Events {
 public:
  explicit Events(std::ostream& out) : m_out(out) {}
  void add(const std::string& event) {
    m_out << (m_count == 0 ? "\n" : ",\n") << event;
    ++m_count;
  }
  void metadata(const char* what, int pid, int tid, const std::string& args) {
    add(fmt::format(R"({{"name":"{}","ph":"M","pid":{},"tid":{},"args":{}}})", what, pid, tid, args));
  }
  void complete(const std::string& quoted_name, const char* cat, int pid, int tid, std::uint64_t start_ns,
                std::uint64_t end_ns, const std::string& args) {
    add(fmt::format(R"({{"name":{},"cat":"{}","ph":"X","pid":{},"tid":{},"ts":{},"dur":{},"args":{}}})",
                    quoted_name, cat, pid, tid, micros(start_ns), micros(end_ns - start_ns), args));
  }

 private:
  std::ostream& m_out;
  std::size_t m_count = 0;
};

// A slice waiting for its track and lane.
struct Item {
  Tick start, end;
  int level;  // nesting order among slices that start and end together: lower encloses higher
  std::size_t index;
};

bool before(const Item& a, const Item& b) {
  if (a.start != b.start) return a.start < b.start;
  if (a.end != b.end) return a.end > b.end;  // the enclosing slice first
  if (a.level != b.level) return a.level < b.level;
  return a.index < b.index;
}

// Lanes in which slices nest (trace viewers draw only slices that nest within one track): each slice, in
// order, takes the first lane where it lies inside the innermost slice still open, or after all of them.
std::vector<int> nesting_lanes(const std::vector<Item>& items, int* lanes) {
  std::vector<std::vector<Tick>> open;  // per lane: the ends of the slices open, innermost last
  std::vector<int> lane(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::size_t k = 0;
    for (; k < open.size(); ++k) {
      auto& ends = open[k];
      while (!ends.empty() && ends.back() <= items[i].start)
        ends.pop_back();
      if (ends.empty() || ends.back() >= items[i].end) break;
    }
    if (k == open.size()) open.emplace_back();
    open[k].push_back(items[i].end);
    lane[i] = static_cast<int>(k);
  }
  *lanes = static_cast<int>(open.size());
  return lane;
}

// Lanes in which slices do not overlap at all: each slice, in order, takes the lowest lane that is free, or
// none (-1) when all of at most `max_lanes` are taken.
std::vector<int> disjoint_lanes(const std::vector<Item>& items, int max_lanes, int* lanes) {
  using Busy = std::pair<Tick, int>;  // (end, lane)
  std::priority_queue<Busy, std::vector<Busy>, std::greater<Busy>> busy;
  std::priority_queue<int, std::vector<int>, std::greater<int>> free;
  std::vector<int> lane(items.size());
  int count = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    while (!busy.empty() && busy.top().first <= items[i].start) {
      free.push(busy.top().second);
      busy.pop();
    }
    int k = count;
    if (free.empty() && count == max_lanes) {
      lane[i] = -1;
      continue;
    }
    if (free.empty()) {
      ++count;
    } else {
      k = free.top();
      free.pop();
    }
    busy.push({items[i].end, k});
    lane[i] = k;
  }
  *lanes = count;
  return lane;
}

std::string lane_name(const std::string& track, int lane) {
  return lane == 0 ? track : fmt::format("{} ({})", track, lane + 1);
}

std::string step_args(const Recorder::StepLabel& l) {
  std::string a =
      fmt::format(R"({{"step":{},"iteration":{},"kind":{})", quote(l.key), l.iteration, quote(l.kind));
  if (!l.op.empty()) a += R"(,"op":)" + quote(l.op);
  if (!l.algorithm.empty()) a += R"(,"algorithm":)" + quote(l.algorithm);
  if (l.channels > 1) a += fmt::format(R"(,"channels":{})", l.channels);
  if (!l.pool.empty()) a += R"(,"pool":)" + quote(l.pool);
  if (!l.cls.empty()) a += R"(,"class":)" + quote(l.cls);
  if (l.kind == "collective" || l.kind == "memory" || l.kind == "checkpoint")
    a += fmt::format(R"(,"bytes":{})", l.size_bytes);
  return a + "}";
}

std::string step_name(const Recorder::StepLabel& l) {
  return l.known ? l.name : std::string("transfer");
}

void rank_tracks(Events& ev, const Recorder& rec, const Nanoseconds& ns) {
  const int n = rec.ranks();
  // Names and arguments once per step instance.
  std::vector<std::pair<std::string, std::string>> named;
  auto label = [&](std::uint64_t instance) -> const std::pair<std::string, std::string>& {
    if (instance >= named.size()) named.resize(static_cast<std::size_t>(instance) + 1);
    auto& entry = named[static_cast<std::size_t>(instance)];
    if (entry.first.empty()) {
      const auto& l = rec.label(instance);
      entry = {quote(step_name(l)), step_args(l)};
    }
    return entry;
  };
  constexpr int kStateLevel = 1 << 20;  // states lie inside the steps they happen in
  std::vector<std::vector<Item>> per_rank(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < rec.steps().size(); ++i) {
    const auto& s = rec.steps()[i];
    per_rank[static_cast<std::size_t>(s.rank)].push_back({s.start, s.end, s.depth, i});
  }
  for (std::size_t i = 0; i < rec.states().size(); ++i) {
    const auto& s = rec.states()[i];
    per_rank[static_cast<std::size_t>(s.rank)].push_back({s.start, s.end, kStateLevel, i});
  }
  int extra_tid = n;  // lanes beyond a rank's first get tids after the ranks'
  int sort_index = 0;
  for (int r = 0; r < n; ++r) {
    auto& items = per_rank[static_cast<std::size_t>(r)];
    std::sort(items.begin(), items.end(), before);
    int lanes = 0;
    const std::vector<int> lane = nesting_lanes(items, &lanes);
    std::vector<int> tid(static_cast<std::size_t>(std::max(lanes, 1)));
    tid[0] = r;
    for (int k = 1; k < lanes; ++k)
      tid[static_cast<std::size_t>(k)] = extra_tid++;
    for (int k = 0; k < std::max(lanes, 1); ++k) {
      const int t = tid[static_cast<std::size_t>(k)];
      ev.metadata("thread_name", kRanksPid, t,
                  fmt::format(R"({{"name":{}}})", quote(lane_name("rank " + std::to_string(r), k))));
      ev.metadata("thread_sort_index", kRanksPid, t, fmt::format(R"({{"sort_index":{}}})", sort_index++));
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
      const Item& it = items[i];
      const int t = tid[static_cast<std::size_t>(lane[i])];
      if (it.level == kStateLevel) {
        const auto& s = rec.states()[it.index];
        ev.complete(quote(engine::rank_state_name(s.state)), "state", kRanksPid, t, ns(s.start), ns(s.end),
                    "{}");
      } else {
        const auto& s = rec.steps()[it.index];
        const auto& [name, args] = label(s.instance);
        ev.complete(name, "step", kRanksPid, t, ns(s.start), ns(s.end), args);
      }
    }
  }
}

// Rows a link direction's track may take: transfers that overlap are drawn on rows of their own, up to
// kLinkLanes - 1 of them; more at once are drawn merged on one more row, so that a crowded fabric cannot
// multiply the tracks.
constexpr int kLinkLanes = 16;

void link_tracks(Events& ev, const Recorder& rec, const Nanoseconds& ns) {
  const auto& channels = rec.channels();
  std::vector<std::vector<Item>> per_channel(channels.size());
  for (std::size_t i = 0; i < rec.transfers().size(); ++i) {
    const auto& t = rec.transfers()[i];
    per_channel[static_cast<std::size_t>(t.channel)].push_back({t.start, t.end, 0, i});
  }
  std::vector<std::string> names;  // per step instance
  int tid = 0;
  for (std::size_t c = 0; c < channels.size(); ++c) {
    auto& items = per_channel[c];
    if (items.empty()) continue;
    std::sort(items.begin(), items.end(), before);
    int lanes = 0;
    const std::vector<int> lane = disjoint_lanes(items, kLinkLanes - 1, &lanes);
    const bool crowded = std::find(lane.begin(), lane.end(), -1) != lane.end();
    const int first = tid;
    for (int k = 0; k < lanes + (crowded ? 1 : 0); ++k)
      ev.metadata("thread_name", kLinksPid, tid++,
                  fmt::format(R"({{"name":{}}})", quote(k < lanes ? lane_name(channels[c].id, k)
                                                                  : channels[c].id + " (more at once)")));
    // Transfers that found no row, merged where they overlap.
    Tick merged_start = 0, merged_end = 0;
    std::uint64_t merged_bytes = 0, merged_count = 0;
    auto flush_merged = [&] {
      if (merged_count == 0) return;
      ev.complete(quote(fmt::format("{} transfers", merged_count)), "transfers", kLinksPid, first + lanes,
                  ns(merged_start), ns(merged_end),
                  fmt::format(R"({{"transfers":{},"bytes":{}}})", merged_count, merged_bytes));
      merged_count = merged_bytes = 0;
    };
    for (std::size_t i = 0; i < items.size(); ++i) {
      const auto& t = rec.transfers()[items[i].index];
      if (lane[i] < 0) {
        if (merged_count > 0 && t.start > merged_end) flush_merged();
        if (merged_count == 0) merged_start = merged_end = t.start;
        merged_end = std::max(merged_end, t.end);
        merged_bytes += t.bytes;
        ++merged_count;
        continue;
      }
      if (t.instance >= names.size()) names.resize(static_cast<std::size_t>(t.instance) + 1);
      std::string& name = names[static_cast<std::size_t>(t.instance)];
      if (name.empty()) name = quote(step_name(rec.label(t.instance)));
      const auto cls = workloads::class_name(static_cast<workloads::TransportClass>(std::min<int>(t.cls, 4)));
      ev.complete(name, "transfer", kLinksPid, first + lane[i], ns(t.start), ns(t.end),
                  fmt::format(R"({{"bytes":{},"class":"{}","src":{},"dst":{},"issued_us":{}}})", t.bytes, cls,
                              quote(rec.endpoint_name(t.src)), quote(rec.endpoint_name(t.dst)),
                              micros(ns(t.issued))));
    }
    flush_merged();
  }
}

// Flow control: a row per link direction whose sender was ever held back, a slice per spell (paused by its
// far end, or short of credit).
void flow_control_tracks(Events& ev, const Recorder& rec, const Nanoseconds& ns) {
  if (rec.pauses().empty()) return;
  ev.metadata("process_name", kFlowControlPid, 0, R"({"name":"flow control"})");
  ev.metadata("process_sort_index", kFlowControlPid, 0,
              fmt::format(R"({{"sort_index":{}}})", kFlowControlPid));
  std::vector<int> tid_of(rec.channels().size(), -1);
  int next = 0;
  for (const auto& p : rec.pauses()) {
    int& tid = tid_of[static_cast<std::size_t>(p.channel)];
    if (tid < 0) {
      tid = next++;
      ev.metadata(
          "thread_name", kFlowControlPid, tid,
          fmt::format(R"({{"name":{}}})", quote(rec.channels()[static_cast<std::size_t>(p.channel)].id)));
    }
    ev.complete(quote("held back"), "flow_control", kFlowControlPid, tid, ns(p.start), ns(p.end), "{}");
  }
}

// The scheduler's decision for each phase (keep the circuits or reconfigure, with its forecasts), as an
// instant at the phase's start: the earliest start of that step and iteration (every iteration's, whatever
// the report keeps of its steps).
void scheduler_track(Events& ev, const Inputs& in, const Nanoseconds& ns) {
  const auto& decisions = in.sim->scheduler.decisions;
  if (decisions.empty()) return;
  ev.metadata("process_name", kSchedulerPid, 0, R"({"name":"scheduler"})");
  ev.metadata("process_sort_index", kSchedulerPid, 0, fmt::format(R"({{"sort_index":{}}})", kSchedulerPid));
  ev.metadata("thread_name", kSchedulerPid, 0, R"({"name":"decisions"})");
  for (const auto& d : decisions) {
    const double at = d.start_s;
    ev.add(fmt::format(
        R"J({{"name":{},"cat":"scheduler","ph":"i","s":"t","pid":{},"tid":0,"ts":{},"args":{{"action":{},"circuits":{},"predicted_s":{},"predicted_current_s":{},"predicted_fit_s":{},"reconfiguration_s":{},"window_s":{},"why":{}}}}})J",
        quote(d.key + " " + d.action), kSchedulerPid, micros(ns(core::to_ticks(at))), quote(d.action),
        quote(d.circuits), d.predicted_s, d.predicted_current_s, d.predicted_fit_s, d.reconfiguration_s,
        d.window_s, quote(d.why)));
  }
}

// The platform's faults: a slice per fault from its beginning to its end (to the end of the run for one that
// lasts), with what it cost, on a track per target; and an instant where a fault that takes links down is
// detected (routes avoid it from there).
void fault_tracks(Events& ev, const Inputs& in, const Nanoseconds& ns) {
  const auto& faults = in.sim->faults;
  if (faults.empty()) return;
  ev.metadata("process_name", kFaultsPid, 0, R"({"name":"faults"})");
  ev.metadata("process_sort_index", kFaultsPid, 0, fmt::format(R"({{"sort_index":{}}})", kFaultsPid));
  std::vector<std::string> seen;
  const double end_s = in.sim->sim_time_s;
  for (std::size_t k = 0; k < faults.size(); ++k) {
    const engine::FaultResult& f = faults[k];
    if (!f.occurred) continue;
    auto it = std::find(seen.begin(), seen.end(), f.target);
    const int tid = static_cast<int>(it - seen.begin());
    if (it == seen.end()) {
      seen.push_back(f.target);
      ev.metadata("thread_name", kFaultsPid, tid, fmt::format(R"({{"name":{}}})", quote(f.target)));
    }
    const double until = f.until_s < 0.0 ? end_s : std::min(f.until_s, end_s);
    ev.complete(
        quote(f.kind), "fault", kFaultsPid, tid, ns(core::to_ticks(f.at_s)),
        ns(core::to_ticks(std::max(until, f.at_s))),
        fmt::format(
            R"({{"links":{},"rerouted_bytes":{},"time_lost_s":{},"energy_j":{},"retransmitted_bytes":{}}})",
            f.links, f.rerouted_bytes, f.time_lost_s, f.energy_j, f.retransmitted_bytes));
    if (f.kind == "down" && in.platform != nullptr && k < in.platform->faults.size()) {
      const auto& spec = in.platform->faults[k];
      const double detect =
          spec.at_s + (spec.detect_s >= 0.0 ? spec.detect_s : in.platform->fault_detection_s);
      if (detect <= until)
        ev.add(
            fmt::format(R"({{"name":"detected","cat":"fault","ph":"i","s":"t","pid":{},"tid":{},"ts":{}}})",
                        kFaultsPid, tid, micros(ns(core::to_ticks(detect)))));
    }
  }
}

// The job's restarts, on a track of the faults process: the work lost (from the checkpoint's end to the cut)
// and the downtime (from the cut to the resumption), one slice each.
void restart_track(Events& ev, const Inputs& in, const Nanoseconds& ns) {
  const auto& restarts = in.sim->restarts;
  if (restarts.empty()) return;
  const int tid = 1000;  // after the faults' targets
  ev.metadata("thread_name", kFaultsPid, tid, R"({"name":"job restarts"})");
  for (const engine::RestartResult& x : restarts) {
    const std::string args = fmt::format(R"({{"cause":{},"checkpoint":{},"iteration":{}}})", quote(x.cause),
                                         quote(x.checkpoint), x.checkpoint_iteration);
    ev.complete(quote("work lost"), "restart", kFaultsPid, tid, ns(core::to_ticks(x.checkpoint_end_s)),
                ns(core::to_ticks(x.at_s)), args);
    ev.complete(quote("downtime"), "restart", kFaultsPid, tid, ns(core::to_ticks(x.at_s)),
                ns(core::to_ticks(x.resumed_s)), args);
  }
}

void ocs_tracks(Events& ev, const Recorder& rec, const Nanoseconds& ns) {
  std::vector<std::string> seen;
  for (const auto& r : rec.reconfigurations()) {
    auto it = std::find(seen.begin(), seen.end(), r.ocs);
    const int tid = static_cast<int>(it - seen.begin());
    if (it == seen.end()) {
      seen.push_back(r.ocs);
      ev.metadata("thread_name", kOcsPid, tid, fmt::format(R"({{"name":{}}})", quote(r.ocs)));
    }
    ev.complete(quote("reconfiguration"), "ocs", kOcsPid, tid, ns(r.start), ns(r.end),
                fmt::format(R"({{"requested_us":{},"ports":{},"why":{}}})", micros(ns(r.requested)), r.ports,
                            quote(r.why)));
  }
}

// Power by category over time for the trace: report::power_profile's windows as counters.
void power_counters(Events& ev, const Recorder& rec, const Inputs& in, const Nanoseconds& ns) {
  const power::Ledger& l = *in.ledger;
  const PowerProfile profile = power_profile(rec, in);
  const std::size_t windows = profile.from.size();
  if (windows == 0) return;
  const Tick end = profile.to.back();
  // Samples at the windows' starts in whole nanoseconds, each holding its window's energy as power over the
  // time to the next sample, so that the counters integrate to the energy exactly as a viewer reads them. A
  // window shorter than a nanosecond at the end of the run joins the one before.
  struct Sample {
    std::uint64_t at_ns;
    std::uint64_t length_ns;
    core::PerCategory joules{};
    double computing = 0.0, waiting = 0.0;  // rank-seconds
  };
  std::vector<Sample> samples;
  for (std::size_t i = 0; i < windows; ++i) {
    const std::uint64_t from = ns(profile.from[i]);
    const std::uint64_t to = ns(profile.to[i]);
    if (samples.empty() || to > from) samples.push_back({from, to - from, {}, 0.0, 0.0});
    Sample& s = samples.back();
    for (std::size_t c = 0; c < core::kNumCategories; ++c)
      s.joules[c] += profile.joules[i][c];
    s.computing += profile.computing[i];
    s.waiting += profile.waiting[i];
  }
  auto counters = [&](std::uint64_t at_ns, const Sample* s) {
    const double seconds = s != nullptr && s->length_ns > 0 ? static_cast<double>(s->length_ns) * 1e-9 : 0.0;
    auto per_second = [&](double amount) { return seconds > 0.0 ? amount / seconds : 0.0; };
    std::string power;
    for (std::size_t c = 0; c < core::kNumCategories; ++c) {
      if (l.by_category_j[c] == 0.0) continue;
      power += fmt::format(R"({}"{}":{})", power.empty() ? "" : ",",
                           core::category_name(static_cast<core::Category>(c)),
                           s != nullptr ? per_second(s->joules[c]) : 0.0);
    }
    if (!power.empty())
      ev.add(fmt::format(R"J({{"name":"power (W)","ph":"C","pid":{},"tid":0,"ts":{},"args":{{{}}}}})J",
                         kPowerPid, micros(at_ns), power));
    ev.add(fmt::format(
        R"({{"name":"ranks","ph":"C","pid":{},"tid":0,"ts":{},"args":{{"computing":{},"waiting":{}}}}})",
        kPowerPid, micros(at_ns), s != nullptr ? per_second(s->computing) : 0.0,
        s != nullptr ? per_second(s->waiting) : 0.0));
  };
  for (const Sample& s : samples)
    counters(s.at_ns, &s);
  counters(ns(end), nullptr);  // the end of the run
}

}  // namespace

void write_trace(std::ostream& out, const engine::Recorder& recorder, const Inputs& in) {
  const Nanoseconds ns;
  const auto& sim = *in.sim;
  const Tick window = recorder.profile().window();
  out << "{\"displayTimeUnit\":\"ns\",\"otherData\":{"
      << fmt::format(R"("generator":"pjbit {}","platform":{},"workload":{},"engine":{},"ranks":{},)",
                     PJBIT_VERSION, quote(sim.platform_name), quote(sim.workload_name), quote(sim.engine),
                     sim.ranks)
      << fmt::format(R"("sim_time_s":{},"power_window_s":{},"events":{},"max_events":{},"truncated":{})",
                     sim.sim_time_s, core::to_seconds(window), recorder.events(),
                     recorder.options().max_events, recorder.truncated() ? "true" : "false");
  if (recorder.truncated())
    out << fmt::format(R"(,"truncated_at_s":{})", core::to_seconds(recorder.truncated_at()));
  out << "},\"traceEvents\":[";
  Events ev(out);
  const std::pair<int, const char*> processes[] = {
      {kRanksPid, "ranks"}, {kLinksPid, "links"}, {kOcsPid, "ocs"}, {kPowerPid, "power"}};
  for (const auto& [pid, name] : processes) {
    if (pid == kOcsPid && recorder.reconfigurations().empty()) continue;
    ev.metadata("process_name", pid, 0, fmt::format(R"({{"name":"{}"}})", name));
    ev.metadata("process_sort_index", pid, 0, fmt::format(R"({{"sort_index":{}}})", pid));
  }
  rank_tracks(ev, recorder, ns);
  link_tracks(ev, recorder, ns);
  ocs_tracks(ev, recorder, ns);
  flow_control_tracks(ev, recorder, ns);
  scheduler_track(ev, in, ns);
  fault_tracks(ev, in, ns);
  restart_track(ev, in, ns);
  power_counters(ev, recorder, in, ns);
  if (recorder.truncated())
    ev.add(fmt::format(
        R"({{"name":"trace truncated: events from here on are left out","ph":"i","s":"g","pid":{},"tid":0,"ts":{},"args":{{"max_events":{}}}}})",
        kRanksPid, micros(ns(recorder.truncated_at())), recorder.options().max_events));
  out << "\n]}\n";
}

// ------------------------------------------------------------------------------------------------------------
// VCD

namespace {

// VCD identifiers: printable ASCII from '!' to '~', shortest first.
std::string vcd_id(std::size_t n) {
  std::string id;
  do {
    id += static_cast<char>('!' + n % 94);
    n /= 94;
  } while (n > 0);
  return id;
}

// A name VCD readers take as one identifier: "->" becomes "_to_", anything but letters, digits and '_' '_'.
std::string vcd_name(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '-' && i + 1 < s.size() && s[i + 1] == '>') {
      out += "_to_";
      ++i;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') {
      out += c;
    } else {
      out += '_';
    }
  }
  return out;
}

struct Var {
  std::string id;
  bool wire;  // a 1-bit wire, else a vector written in binary
};

struct Change {
  Tick at;
  int order;  // at one instant, ends (0) before starts (1): the value written is the last
  std::uint32_t var;
  std::uint32_t value;
};

std::string binary(std::uint32_t v) {
  return v == 0 ? std::string("0") : fmt::format("{:b}", v);
}

}  // namespace

void write_vcd(std::ostream& out, const engine::Recorder& recorder, const Inputs& in) {
  const auto& sim = *in.sim;
  const auto& channels = recorder.channels();
  std::vector<Var> vars;
  std::vector<Change> changes;
  auto add_var = [&](bool wire) {
    vars.push_back({vcd_id(vars.size()), wire});
    return static_cast<std::uint32_t>(vars.size() - 1);
  };

  // Recorded with link activity (the program asks for it with --vcd): the dump's variables over the whole
  // run.
  const engine::VcdLog* log = recorder.vcd();
  if (log == nullptr) throw core::SimulationError("the value change dump needs a recorder of link activity");
  // A run too long for the limit at full resolution is shown in steps (engine::VcdLog).
  std::string resolution;
  if (log->step() > 1)
    resolution = fmt::format(
        ", shown in steps of {} s to stay within {} intervals: in each step, the largest value (transfers: "
        "how "
        "many crossed)",
        core::to_seconds(log->step()), log->budget());
  out << fmt::format("$comment {} on {}: {} engine, {} ranks{} $end\n", vcd_name(sim.workload_name),
                     vcd_name(sim.platform_name), sim.engine, sim.ranks, resolution);
  out << "$version pjbit " << PJBIT_VERSION << " $end\n";
  out << "$timescale " << sc_core::sc_get_time_resolution().to_string() << " $end\n";
  out << "$scope module pjbit $end\n$scope module ranks $end\n";
  // A variable's values as changes: its value where each interval starts, 0 where one ends (ends come before
  // starts at one instant, so the value written there is the next interval's).
  // The end of the run: the last step of a coarse dump ends there.
  const Tick end = std::max(recorder.end(), core::to_ticks(sim.sim_time_s));
  const auto changes_of = [&](std::size_t variable, std::uint32_t var) {
    for (const auto& s : log->values(variable)) {
      if (s.start >= end) break;
      changes.push_back({s.start, 1, var, s.value});
      changes.push_back({std::min(s.end, end), 0, var, 0});
    }
  };
  // Ranks: their state.
  for (int r = 0; r < recorder.ranks(); ++r) {
    const std::uint32_t var = add_var(false);
    out << fmt::format("$var reg 2 {} rank{} $end\n", vars.back().id, r);
    changes_of(static_cast<std::size_t>(r), var);
  }
  out << "$upscope $end\n$scope module links $end\n";
  // Link directions that carried something: busy, transfers crossing, packets queued.
  const bool packets = recorder.packets();
  for (std::size_t c = 0; c < channels.size(); ++c) {
    const int channel = static_cast<int>(c);
    if (channels[c].internal ||
        (log->empty(recorder.busy_variable(channel)) && log->empty(recorder.transfers_variable(channel)) &&
         log->empty(recorder.queue_variable(channel))))
      continue;
    out << "$scope module " << vcd_name(channels[c].id) << " $end\n";
    const std::uint32_t busy_var = add_var(true);
    out << fmt::format("$var wire 1 {} busy $end\n", vars.back().id);
    const std::uint32_t count_var = add_var(false);
    out << fmt::format("$var integer 32 {} transfers $end\n", vars.back().id);
    if (packets) {
      const std::uint32_t queue_var = add_var(false);
      out << fmt::format("$var integer 32 {} queue $end\n", vars.back().id);
      changes_of(recorder.queue_variable(channel), queue_var);
    }
    changes_of(recorder.busy_variable(channel), busy_var);
    changes_of(recorder.transfers_variable(channel), count_var);
    out << "$upscope $end\n";
  }
  out << "$upscope $end\n";
  // Models' own signals (an RTL block's pins, rtl/), one scope a model.
  if (!recorder.signal_groups().empty()) {
    out << "$scope module signals $end\n";
    for (const auto& group : recorder.signal_groups()) {
      out << "$scope module " << vcd_name(group.scope) << " $end\n";
      for (std::size_t k = 0; k < group.signals.size(); ++k) {
        const core::SignalInfo& info = group.signals[k];
        const std::uint32_t var = add_var(info.width == 1);
        out << fmt::format("$var {} {} {} {} $end\n", info.width == 1 ? "wire" : "reg", info.width,
                           vars.back().id, vcd_name(info.name));
        changes_of(group.first + k, var);
      }
      out << "$upscope $end\n";
    }
    out << "$upscope $end\n";
  }
  out << "$upscope $end\n$enddefinitions $end\n";

  auto value = [&](std::uint32_t var, std::uint32_t v) {
    return vars[var].wire ? fmt::format("{}{}\n", v, vars[var].id)
                          : fmt::format("b{} {}\n", binary(v), vars[var].id);
  };
  std::stable_sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) {
    return a.at != b.at ? a.at < b.at : a.order < b.order;
  });
  // One block per instant, with the last value each variable takes at it, when that is a change; the values
  // at time 0 are the initial ones.
  std::vector<std::uint32_t> current(vars.size(), 0), pending(vars.size(), 0);
  std::vector<char> touched_flag(vars.size(), 0);
  std::vector<std::uint32_t> touched;
  std::size_t i = 0;
  Tick written = 0;
  for (; i < changes.size() && changes[i].at == 0; ++i)
    current[changes[i].var] = changes[i].value;
  out << "#0\n$dumpvars\n";
  for (std::uint32_t v = 0; v < vars.size(); ++v)
    out << value(v, current[v]);
  out << "$end\n";
  while (i < changes.size()) {
    const Tick at = changes[i].at;
    touched.clear();
    for (; i < changes.size() && changes[i].at == at; ++i) {
      const auto v = changes[i].var;
      pending[v] = changes[i].value;
      if (!touched_flag[v]) {
        touched_flag[v] = 1;
        touched.push_back(v);
      }
    }
    std::string block;
    for (const auto v : touched) {
      touched_flag[v] = 0;
      if (pending[v] == current[v]) continue;
      current[v] = pending[v];
      block += value(v, current[v]);
    }
    if (block.empty()) continue;
    out << '#' << at << '\n' << block;
    written = at;
  }
  // The end of the run, so that viewers show the last values up to it.
  if (end > written) out << '#' << end << '\n';
}

}  // namespace pjbit::report
