#include "report/report.h"

#include "workloads/nccl_tests.h"

#include "report/csv.h"
#include "report/package_heat.h"
#include "report/power_profile.h"

#include <fmt/format.h>

#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "core/errors.h"
#include "core/units.h"

namespace pjbit::report {

using json = nlohmann::ordered_json;

bool has_step_breakdown(const workloads::WorkloadSpec& workload) {
  return std::any_of(workload.steps.begin(), workload.steps.end(),
                     [](const workloads::Step& s) { return !s.dim.empty(); });
}

double effective_compute(const engine::SimulationResult& sim) {
  if (sim.sim_time_s <= 0.0 || sim.compute_time_s.empty()) return 0.0;
  double sum = 0.0;
  for (double t : sim.compute_time_s)
    sum += std::min(1.0, t / sim.sim_time_s);
  return sum / static_cast<double>(sim.compute_time_s.size());
}

namespace {

// Whether the run's workload is model-driven (a model block).
bool has_model(const Inputs& in) {
  return in.workload != nullptr && in.workload->model.on;
}

}  // namespace

Throughput throughput(const Inputs& in) {
  const workloads::ModelSummary& m = in.workload->model;
  const double t = in.sim->sim_time_s;
  Throughput out;
  out.tokens = m.tokens_per_iteration * in.workload->iterations;
  const double flops = m.flops_per_iteration * in.workload->iterations;
  const double peak = in.platform->accelerator.compute_flops * m.ranks;
  if (t > 0.0) out.tokens_per_s = out.tokens / t;
  if (t > 0.0 && peak > 0.0) out.mfu = flops / (t * peak);
  if (in.ledger->total_j > 0.0) out.tokens_per_j = out.tokens / in.ledger->total_j;
  if (out.tokens > 0.0) out.fabric_j_per_token = in.ledger->fabric_j / out.tokens;
  return out;
}

namespace {

// Power over simulated time (report/power_profile.h): per window, each category's energy over the window's
// length. t_s are the windows' starts; the last window ends at sim_time_s.
nlohmann::json power_trace_json(const Inputs& in) {
  const PowerProfile p = power_profile(*in.recorder, in);
  nlohmann::json t = nlohmann::json::object();
  const std::size_t n = p.from.size();
  t["window_s"] = n > 0 ? core::to_seconds(p.to.front() - p.from.front()) : 0.0;
  std::vector<double> starts, total(n, 0.0);
  nlohmann::json by = nlohmann::json::object();
  for (std::size_t i = 0; i < n; ++i)
    starts.push_back(core::to_seconds(p.from[i]));
  for (std::size_t c = 0; c < core::kNumCategories; ++c) {
    if (in.ledger->by_category_j[c] == 0.0) continue;
    std::vector<double> watts(n);
    for (std::size_t i = 0; i < n; ++i) {
      const double seconds = core::to_seconds(p.to[i] - p.from[i]);
      watts[i] = seconds > 0.0 ? p.joules[i][c] / seconds : 0.0;
      total[i] += watts[i];
    }
    by[core::category_name(static_cast<core::Category>(c))] = watts;
  }
  t["t_s"] = starts;
  t["by_category"] = by;
  nlohmann::json tiers = nlohmann::json::object();
  for (std::size_t k = 0; k < p.tiers.size(); ++k) {
    std::vector<double> watts(n);
    for (std::size_t i = 0; i < n; ++i) {
      const double seconds = core::to_seconds(p.to[i] - p.from[i]);
      watts[i] = seconds > 0.0 ? p.tier_joules[k][i] / seconds : 0.0;
    }
    tiers[p.tiers[k]] = watts;
  }
  t["fabric_by_tier"] = tiers;
  t["peak_w"] = n > 0 ? *std::max_element(total.begin(), total.end()) : 0.0;
  return t;
}

// What a restart cost in energy (engine/restart.md): everything the run spent from the end of the checkpoint
// it resumed after (the work lost) to its resumption (the downtime), from the power profile: each window's
// energy in proportion to its overlap with that interval, so exact to a window at either end. Without a
// recorder, the run's mean power over the interval.
double restart_energy_j(const Inputs& in, const engine::RestartResult& x) {
  const double from = x.checkpoint_end_s, to = x.resumed_s;
  if (in.recorder == nullptr) {
    const double t = in.sim->sim_time_s;
    return t > 0.0 ? in.ledger->total_j * (to - from) / t : 0.0;
  }
  const PowerProfile p = power_profile(*in.recorder, in);
  double joules = 0.0;
  for (std::size_t i = 0; i < p.from.size(); ++i) {
    const double a = core::to_seconds(p.from[i]), b = core::to_seconds(p.to[i]);
    const double overlap = std::min(b, to) - std::max(a, from);
    if (overlap <= 0.0 || b <= a) continue;
    double window = 0.0;
    for (double j : p.joules[i])
      window += j;
    joules += window * overlap / (b - a);
  }
  return joules;
}

std::uint64_t whole(double bytes) {
  return static_cast<std::uint64_t>(std::llround(bytes));
}

// Rank-seconds a step's ranks spent in it without computing (waiting on the fabric or on each other).
double wait_rank_s(const engine::StepResult& s) {
  return std::max(0.0, s.rank_time_s - s.compute_rank_s);
}

json step_json(const engine::StepResult& s, double idle_power_w) {
  json j;
  j["kind"] = s.kind;
  j["key"] = s.key;
  j["iteration"] = s.iteration;
  const double t = s.end_s - s.start_s;
  if (s.kind == "collective") {
    j["op"] = s.op;
    j["algorithm"] = s.algorithm;
    if (!s.protocol.empty()) j["protocol"] = s.protocol;
    if (s.channels > 1) j["channels"] = s.channels;  // absent for one ring, as before channels existed
    j["class"] = s.cls;
    j["size_bytes"] = s.size_bytes;
  } else if (s.kind == "memory" || s.kind == "checkpoint") {
    j["op"] = s.mem_op;
    j["pool"] = s.pool;
    j["class"] = s.cls;
    j["size_bytes"] = s.size_bytes;  // per rank
    if (s.deadline_s > 0.0) {
      j["deadline_s"] = s.deadline_s;
      j["deadline_met"] = t <= s.deadline_s;
      j["held_s"] = s.held_s;  // how long the scheduler held it for idle windows (the longest of its ranks)
    }
    const double rate = t > 0.0 ? s.useful_bytes / t / 1e9 : 0.0;
    j["bandwidth_GBps"] = rate;
  } else if (s.kind == "traffic") {
    j["class"] = s.cls;
    j["size_bytes"] = s.size_bytes;  // per message
    j["messages"] = s.messages;
  }
  j["ranks"] = s.ranks;
  if (!s.group.empty()) j["group"] = s.group;  // a subset: which ranks (jobs sharing a fabric)
  j["start_s"] = s.start_s;
  j["end_s"] = s.end_s;
  j["time_s"] = t;
  if (s.kind == "collective") {
    const double algbw = t > 0.0 ? static_cast<double>(s.size_bytes) / t / 1e9 : 0.0;
    j["algbw_GBps"] = algbw;
    j["busbw_GBps"] = algbw * workloads::busbw_factor(s.op, s.ranks);
  }
  j["useful_bytes"] = whole(s.useful_bytes);
  j["wire_bytes"] = whole(s.wire_bytes);
  j["energy_j"] = s.dynamic_energy_j;
  j["wait_s"] = wait_rank_s(s);
  j["idle_energy_j"] = idle_power_w * wait_rank_s(s);
  if (!s.children.empty()) {
    json children = json::array();
    for (const auto& c : s.children)
      children.push_back(step_json(c, idle_power_w));
    j["children"] = children;
  }
  return j;
}

double share(double part, double whole) {
  return whole > 0.0 ? part / whole : 0.0;
}

json spread_json(const engine::Spread& s) {
  return {{"min", s.min}, {"mean", s.mean()}, {"max", s.max}, {"total", s.total}};
}

// A run whose iterations are summed up (engine::kFullIterations): which iterations `steps` holds, and every
// step key over all iterations (docs/cli.md).
json steps_aggregate_json(const engine::SimulationResult& sim, int iterations) {
  json steps = json::array();
  for (const auto& a : sim.step_aggregates) {
    json j;
    j["key"] = a.key;
    j["kind"] = a.kind;
    if (a.kind == "collective") {
      j["op"] = a.op;
      j["algorithm"] = a.algorithm;
      if (!a.protocol.empty()) j["protocol"] = a.protocol;
      if (a.channels > 1) j["channels"] = a.channels;
    }
    j["count"] = a.time_s.count;
    j["time_s"] = spread_json(a.time_s);
    j["energy_j"] = spread_json(a.energy_j);
    j["useful_bytes"] = whole(a.useful_bytes);
    j["wire_bytes"] = whole(a.wire_bytes);
    steps.push_back(j);
  }
  return {{"iterations", iterations}, {"kept_iterations", sim.kept_iterations}, {"steps", steps}};
}

// Whether the report lists the phases of `iteration` one by one: every iteration's, or in a run whose
// iterations are summed up those of the iterations its steps keep (the counts and sums cover every one).
bool listed(const engine::SimulationResult& sim, int iteration) {
  return !sim.steps_summed_up || std::find(sim.kept_iterations.begin(), sim.kept_iterations.end(),
                                           iteration) != sim.kept_iterations.end();
}

// Flow control (a platform whose tiers have it): totals, then every port that held anything.
json flow_control_json(const engine::FlowControlResult& fc) {
  json modes = json::object();
  for (const auto& [tier, mode] : fc.modes)
    modes[tier] = mode;
  json ports = json::array();
  for (const auto& p : fc.ports)
    ports.push_back({{"id", p.id},
                     {"tier", p.tier},
                     {"buffer_bytes", p.buffer_bytes},
                     {"max_bytes", whole(p.max_bytes)},
                     {"p99_bytes", whole(p.p99_bytes)},
                     {"paused_s", p.paused_s},
                     {"pause_frames", p.pause_frames},
                     {"ecn_marks", p.ecn_marks},
                     {"drops", p.drops},
                     {"dropped_bytes", whole(p.dropped_bytes)},
                     {"dropped_energy_j", p.dropped_j}});
  return {{"modes", modes},
          {"max_queue_bytes", whole(fc.max_bytes)},
          {"paused_s", fc.paused_s},
          {"pause_frames", fc.pause_frames},
          {"ecn_marks", fc.ecn_marks},
          {"drops", fc.drops},
          {"dropped_bytes", whole(fc.dropped_bytes)},
          {"dropped_energy_j", fc.dropped_j},
          {"retransmitted_packets", fc.retransmitted_packets},
          {"retransmitted_bytes", whole(fc.retransmitted_bytes)},
          {"ports", ports}};
}

json scheduler_json(const engine::SimulationResult& sim) {
  const engine::scheduler::SchedulerResult& s = sim.scheduler;
  json j;
  j["policy"] = s.policy;
  j["priorities"] = s.priorities;
  j["arbitration"] = s.arbitration;
  if (s.arbitration == "weighted") {
    json w = json::object();
    for (std::size_t c = 0; c < s.weights.size(); ++c)
      w[workloads::class_name(static_cast<workloads::TransportClass>(c))] = s.weights[c];
    j["weights"] = w;
  }
  j["defer_bulk"] = s.defer_bulk;
  j["reconfiguration_count"] = s.reconfigurations.size();
  j["reconfiguration_dark_s"] = s.reconfiguration_dark_s;
  j["reconfiguration_lost_s"] = s.reconfiguration_lost_s;
  j["predicted_s"] = s.predicted_s;
  j["predicted_static_s"] = s.predicted_static_s;
  json reconfigurations = json::array();
  for (const auto& r : s.reconfigurations)
    if (listed(sim, r.iteration))
      reconfigurations.push_back({{"ocs", r.ocs},
                                  {"before", r.before},
                                  {"iteration", r.iteration},
                                  {"quiesce_s", r.quiesce_s},
                                  {"requested_s", r.requested_s},
                                  {"start_s", r.start_s},
                                  {"end_s", r.end_s},
                                  {"duration_s", r.duration_s},
                                  {"lost_s", r.lost_s},
                                  {"ports", r.ports},
                                  {"peers", r.peers},
                                  {"why", r.why}});
  j["reconfigurations"] = reconfigurations;
  json decisions = json::array();
  for (const auto& d : s.decisions) {
    if (!listed(sim, d.iteration)) continue;
    const auto finite = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
    decisions.push_back({{"step", d.key},
                         {"iteration", d.iteration},
                         {"action", d.action},
                         {"circuits", d.circuits},
                         {"predicted_s", finite(d.predicted_s)},
                         {"predicted_current_s", finite(d.predicted_current_s)},
                         {"predicted_fit_s", finite(d.predicted_fit_s)},
                         {"reconfiguration_s", d.reconfiguration_s},
                         {"window_s", d.window_s},
                         {"why", d.why}});
  }
  j["decisions"] = decisions;
  json classes = json::object();
  for (const auto& c : s.classes)
    classes[c.name] = {{"bytes", whole(c.bytes)},
                       {"messages", c.messages},
                       {"latency_mean_s", c.latency_mean_s},
                       {"latency_p50_s", c.latency_p50_s},
                       {"latency_p99_s", c.latency_p99_s},
                       {"latency_max_s", c.latency_max_s}};
  j["classes"] = classes;
  return j;
}

json named_json(const std::vector<power::Named>& list, double scale = 1.0) {
  json j = json::object();
  for (const auto& n : list)
    j[n.name] = n.value * scale;
  return j;
}

// Tb/s and Tb/s per mm from bytes/s and bytes/s per metre.
double tbps(double Bps) {
  return Bps * 8.0 / 1e12;
}
double tbps_per_mm(double Bps_per_m) {
  return Bps_per_m * 8.0 / 1e12 * 1e-3;
}

json capital_groups_json(const std::vector<power::CapitalGroup>& groups) {
  json out = json::object();
  for (const power::CapitalGroup& g : groups)
    out[g.name] = {{"usd", g.usd}, {"components", g.components}, {"unpriced", g.unpriced}};
  return out;
}

// The run in dollars (power/cost.md); tokens per dollar for a model-driven run.
json cost_json(const Inputs& in) {
  const power::Cost& c = *in.cost;
  json r = {{"lifetime_s", c.lifetime_s},
            {"usd_per_kwh", c.usd_per_kwh},
            {"repairs_priced", c.repairs_priced},
            {"capital_usd", c.capital_usd},
            {"fabric_capital_usd", c.fabric_capital_usd},
            {"capital_by_kind", capital_groups_json(c.capital_by_kind)},
            {"fabric_capital_by_tier", capital_groups_json(c.capital_by_tier)},
            {"unpriced_components", c.unpriced_components},
            {"run",
             {{"capital_usd", c.capital_run_usd},
              {"energy_usd", c.energy_run_usd},
              {"repairs_usd", c.repairs_run_usd},
              {"total_usd", c.run_usd}}},
            {"delivered_tbps", c.delivered_tbps},
            {"fabric_usd_per_delivered_tbps", c.fabric_usd_per_delivered_tbps},
            {"usd_per_delivered_tbps", c.usd_per_delivered_tbps},
            {"tco",
             {{"capital_usd", c.capital_usd},
              {"energy_usd", c.tco_energy_usd},
              {"repairs_usd", c.repairs_lifetime_usd},
              {"total_usd", c.tco_usd}}}};
  if (has_model(in)) {
    const Throughput t = throughput(in);
    r["tokens_per_usd"] = c.run_usd > 0.0 ? t.tokens / c.run_usd : 0.0;
  }
  return r;
}

json density_json(const power::Density& d) {
  json j;
  const power::Escape& e = d.escape;
  if (e.assessed) {
    j["escape"] = {{"rank", e.worst},
                   {"needed_tbps", tbps(e.needed_Bps)},
                   {"available_tbps", tbps(e.available_Bps)},
                   {"shoreline_mm", e.shoreline_m * 1e3},
                   {"shoreline_needed_mm", e.shoreline_used_m * 1e3},
                   {"needed_tbps_per_mm", tbps(e.needed_Bps) / (e.shoreline_m * 1e3)},
                   {"density_tbps_per_mm", tbps_per_mm(e.density_Bps_per_m)},
                   {"needed_by_tier_tbps", named_json(e.needed_by_tier_Bps, 8.0 / 1e12)},
                   {"ranks_over", e.ranks_over}};
  } else {
    j["escape"] = nullptr;
  }
  json switches = json::array();
  for (const auto& s : d.switches)
    switches.push_back({{"tier", s.tier},
                        {"kind", s.kind},
                        {"count", s.count},
                        {"mean_w", s.mean_w},
                        {"max_w", s.max_w},
                        {"busiest", s.busiest},
                        {"faceplate_ports", s.faceplate_ports},
                        {"w_per_port", s.max_w_per_port},
                        {"mean_w_per_port", s.mean_w_per_port}});
  j["switches"] = switches;
  j["cooling"] = d.cooling.empty() ? json(nullptr) : json(d.cooling);
  json racks = json::array();
  for (const auto& r : d.racks)
    racks.push_back({{"name", r.name},
                     {"kind", r.network ? "network" : "accelerator"},
                     {"average_kw", r.average_w / 1e3},
                     {"peak_kw", r.peak_w / 1e3},
                     {"average_kw_with_cooling", r.average_with_cooling_w / 1e3},
                     {"peak_kw_with_cooling", r.peak_with_cooling_w / 1e3},
                     {"cooling_overhead", r.overhead},
                     {"limit_kw", r.limit_w > 0.0 ? json(r.limit_w / 1e3) : json(nullptr)},
                     {"envelope_kw", r.envelope_w > 0.0 ? json(r.envelope_w / 1e3) : json(nullptr)}});
  j["racks"] = racks;
  json warnings = json::array();
  for (const auto& w : d.warnings)
    warnings.push_back({{"kind", w.kind},
                        {"where", w.where},
                        {"value", w.value},
                        {"limit", w.limit},
                        {"unit", w.unit},
                        {"message", w.message}});
  j["warnings"] = warnings;
  return j;
}

// The optical link budget (platforms/optical_budget.md): per kind of optical path, its losses, its budget
// and the margin left.
json optics_json(const std::vector<platforms::OpticalPath>& paths) {
  json out = json::array();
  auto level = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
  for (const auto& p : paths) {
    json j = {{"tier", p.tier},
              {"key", p.key},
              {"preset", p.preset.empty() ? json(nullptr) : json(p.preset)},
              {"path", p.route()},
              {"through_ocs", !p.via.empty()},
              {"links", p.links},
              {"fibre_m", p.fibre_m},
              {"fibre_db", p.fibre_db},
              {"connectors", p.connectors},
              {"connectors_db", p.connectors_db},
              {"ocs_db", p.ocs_db},
              {"loss_db", p.loss_db},
              {"launch_dbm", level(p.launch_dbm)},
              {"sensitivity_dbm", level(p.sensitivity_dbm)},
              {"budget_db", p.budget_db},
              {"margin_db", p.margin_db}};
    if (p.laser_dbm)
      j["external_laser"] = {
          {"output_dbm", *p.laser_dbm}, {"split_db", p.split_db}, {"path_db", p.laser_path_db}};
    out.push_back(j);
  }
  return out;
}

// Heat at the package (report/package_heat.h, power/thermal.md): per package, its power and power density,
// its thermal figures and its junction temperature at the end of each power_trace window.
json packages_json(const PackageHeatReport& h) {
  json items = json::array();
  json warnings = json::array();
  for (const PackageHeat& p : h.packages) {
    const double mm2 = p.area_m2 * 1e6;
    json j = {{"kind", p.kind},
              {"name", p.name},
              {"tier", p.tier.empty() ? json(nullptr) : json(p.tier)},
              {"count", p.count},
              {"area_mm2", mm2},
              {"power_w", {{"average", p.average_w}, {"peak", p.peak_w}, {"static", p.static_w}}},
              {"w_per_mm2", {{"average", p.average_w / mm2}, {"peak", p.peak_w / mm2}}},
              {"r_th_k_per_w", p.r_k_per_w},
              {"heat_capacity_j_per_k", p.heat_capacity_j_per_k},
              {"time_constant_s", p.tau_s},
              {"tj_c", {{"initial", p.junction.initial_c}, {"max", p.junction.max_c}, {"limit", p.tj_max_c}}},
              {"over_limit", p.over_limit},
              {"power_trace_w", p.power_w},
              {"tj_trace_c", p.junction.end_c}};
    items.push_back(j);
    if (p.over_limit)
      warnings.push_back({{"kind", "junction_temperature"},
                          {"where", p.name},
                          {"value", p.junction.max_c},
                          {"limit", p.tj_max_c},
                          {"unit", "C"},
                          {"message", p.message}});
  }
  return {{"cooling", h.cooling},
          {"coolant_c", h.coolant_c},
          {"policy", "warn"},
          {"items", items},
          {"warnings", warnings}};
}

}  // namespace

std::string to_json(const Inputs& in) {
  const auto& sim = *in.sim;
  const auto& l = *in.ledger;
  json r;
  r["schema"] = "pjbit.report/1";
  r["version"] = PJBIT_VERSION;
  json tiers = json::array();
  for (const auto& t : in.platform->tiers)
    tiers.push_back(
        {{"name", t.name},
         {"kind", t.kind},
         {"domain", in.platform->domain_size(static_cast<std::size_t>(&t - in.platform->tiers.data()))}});
  r["platform"] = {{"name", sim.platform_name},
                   {"ranks", sim.ranks},
                   {"topology", in.platform->flat() ? in.platform->tiers[0].kind : std::string("tiers")},
                   {"tiers", tiers},
                   {"file", in.platform->file}};
  r["workload"] = {
      {"name", sim.workload_name}, {"iterations", in.workload->iterations}, {"file", in.workload->file}};
  if (has_model(in)) {
    const workloads::ModelSummary& m = in.workload->model;
    r["workload"]["model"] = {{"name", m.name},
                              {"parameters", m.parameters},
                              {"active_parameters", m.active_parameters},
                              {"tokens_per_iteration", m.tokens_per_iteration},
                              {"flops_per_iteration", m.flops_per_iteration},
                              {"ranks", m.ranks}};
  }
  r["seed"] = in.seed;
  r["engine"] = sim.engine;
  r["sim_time_s"] = sim.sim_time_s;
  r["useful_bytes"] = whole(sim.useful_bytes);
  r["wire_bytes"] = whole(sim.wire_bytes);
  json by_category, static_by, dynamic_by, idle_by;
  for (int i = 0; i < core::kNumCategories; ++i) {
    const auto name = std::string(core::category_name(static_cast<core::Category>(i)));
    const auto c = static_cast<std::size_t>(i);
    by_category[name] = l.by_category_j[c];
    static_by[name] = l.static_j[c];
    dynamic_by[name] = l.dynamic_j[c];
    idle_by[name] = share(l.static_j[c], l.by_category_j[c]);
  }
  r["energy_j"] = {{"total", l.total_j},
                   {"fabric", l.fabric_j},
                   {"static", l.static_total_j},
                   {"dynamic", l.dynamic_total_j},
                   {"by_category", by_category},
                   {"static_by_category", static_by},
                   {"dynamic_by_category", dynamic_by},
                   {"idle_share",
                    {{"total", share(l.static_total_j, l.total_j)},
                     {"fabric", share(l.fabric_static_j, l.fabric_j)},
                     {"by_category", idle_by}}},
                   {"by_regime", named_json(l.fabric_by_regime_j)},
                   {"by_tier", named_json(l.fabric_by_tier_j)}};
  r["fabric_pj_per_useful_bit"] = l.fabric_pj_per_useful_bit;
  {
    json by_regime = json::object(), by_tier = json::object();
    for (const auto& n : l.fabric_by_regime_j)
      by_regime[n.name] = power::pj_per_useful_bit(n.value, sim.useful_bytes);
    for (const auto& n : l.fabric_by_tier_j)
      by_tier[n.name] = power::pj_per_useful_bit(n.value, sim.useful_bytes);
    r["fabric_pj_per_useful_bit_by_regime"] = by_regime;
    r["fabric_pj_per_useful_bit_by_tier"] = by_tier;
  }
  r["effective_compute"] = effective_compute(sim);
  if (has_model(in)) {
    const Throughput t = throughput(in);
    r["throughput"] = {{"tokens_per_s", t.tokens_per_s},
                       {"mfu", t.mfu},
                       {"tokens_per_j", t.tokens_per_j},
                       {"fabric_j_per_token", t.fabric_j_per_token}};
  }
  if (sim.serving_on) {
    const engine::ServingResult& v = sim.serving;
    r["serving"] = {{"ttft_s", {{"p50", v.ttft_p50_s}, {"p99", v.ttft_p99_s}, {"mean", v.ttft_mean_s}}},
                    {"tpot_s", {{"p50", v.tpot_p50_s}, {"p99", v.tpot_p99_s}, {"mean", v.tpot_mean_s}}},
                    {"tokens_per_s", v.tokens_per_s},
                    {"requests", v.requests},
                    {"output_tokens", v.output_tokens},
                    {"prefill_batches", v.prefill_batches},
                    {"decode_iterations", v.decode_iterations},
                    {"decode_batch_mean", v.decode_batch_mean},
                    {"kv_bytes", v.kv_bytes},
                    {"kv_transfer_mean_s", v.kv_transfer_mean_s},
                    {"kv_transfer_max_s", v.kv_transfer_max_s}};
  }
  if (!sim.faults.empty()) {
    json faults = json::array();
    for (const engine::FaultResult& f : sim.faults)
      faults.push_back({{"at_s", f.at_s},
                        {"target", f.target},
                        {"kind", f.kind},
                        {"until_s", f.until_s < 0.0 ? json(nullptr) : json(f.until_s)},
                        {"links", f.links},
                        {"occurred", f.occurred},
                        {"rerouted_bytes", f.rerouted_bytes},
                        {"time_lost_s", f.time_lost_s},
                        {"energy_j", f.energy_j},
                        {"retransmitted_bytes", f.retransmitted_bytes}});
    r["faults"] = faults;
  }
  if (!sim.restarts.empty()) {
    json restarts = json::array();
    for (const engine::RestartResult& x : sim.restarts) {
      json checkpoint = nullptr;
      if (!x.checkpoint.empty())
        checkpoint = {
            {"key", x.checkpoint}, {"iteration", x.checkpoint_iteration}, {"end_s", x.checkpoint_end_s}};
      restarts.push_back({{"at_s", x.at_s},
                          {"cause", x.cause},
                          {"checkpoint", checkpoint},
                          {"lost_s", x.lost_s},
                          {"downtime_s", x.downtime_s},
                          {"resumed_s", x.resumed_s},
                          {"spares", x.spares},
                          {"energy_j", restart_energy_j(in, x)}});
    }
    r["restarts"] = restarts;
  }
  if (in.workload != nullptr && has_step_breakdown(*in.workload)) {
    // Per iteration (a training step): the run's split over its iterations.
    const double per = 1.0 / static_cast<double>(std::max(1, in.workload->iterations));
    const engine::TimeSplit& t = sim.time_split;
    json exposed = json::object();
    for (int d = 0; d < engine::TimeSplit::kDims; ++d)
      exposed[engine::TimeSplit::kDimNames[d]] = t.exposed_s[d] * per;
    r["step_breakdown"] = {
        {"compute_s", t.compute_s * per}, {"bubble_s", t.idle_s * per}, {"exposed_comm_s", exposed}};
  }
  r["power_w"] = {{"average", l.average_power_w}, {"peak", l.peak_power_w}, {"static", l.static_power_w}};
  if (in.recorder != nullptr) r["power_trace"] = power_trace_json(in);
  {
    const double it = l.total_j - l.by_category_j[core::EnergyAccount::index(core::Category::Cooling)];
    r["cooling"] = {
        {"model", l.cooling_model},
        {"kind", l.cooling_model == "density" ? in.platform->racks.cooling : in.platform->cooling.kind},
        {"overhead", share(l.by_category_j[core::EnergyAccount::index(core::Category::Cooling)], it)}};
  }
  const power::Waiting& w = l.waiting;
  r["waiting"] = {{"per_rank_s", w.per_rank_s},
                  {"total_rank_s", w.total_rank_s},
                  {"after_last_step_rank_s", w.after_last_step_rank_s},
                  {"share", share(w.total_rank_s, sim.sim_time_s * sim.ranks)},
                  {"idle_power_w", w.idle_power_w},
                  {"idle_energy_j", w.idle_energy_j}};
  r["scheduler"] = scheduler_json(sim);
  if (in.density != nullptr) r["density"] = density_json(*in.density);
  if (!sim.optics.empty()) r["optics"] = optics_json(sim.optics);
  if (in.recorder != nullptr) {
    const PackageHeatReport heat = package_heat(*in.recorder, in);
    if (heat.any()) r["packages"] = packages_json(heat);
  }
  if (in.cost != nullptr) r["cost"] = cost_json(in);
  json steps = json::array();
  for (const auto& s : sim.steps)
    steps.push_back(step_json(s, w.idle_power_w));
  r["steps"] = steps;
  if (sim.steps_summed_up) r["steps_aggregate"] = steps_aggregate_json(sim, in.workload->iterations);
  json links = json::array();
  double slept = 0.0, saved = 0.0;
  for (const auto& link : sim.links) {
    json j = {{"id", link.id},
              {"tier", link.tier},
              {"regime", link.regime},
              {"bytes", whole(link.bytes)},
              {"packets", link.packets},
              {"utilization", sim.sim_time_s > 0.0 ? link.busy_s / sim.sim_time_s : 0.0},
              {"energy_j", link.dynamic_j + link.static_w * sim.sim_time_s - link.saved_j}};
    if (in.platform->link_sleep.enabled) j["slept_s"] = link.slept_s;
    links.push_back(j);
    slept += link.slept_s / 2.0;  // both directions report the link's sleep
    saved += link.saved_j;
  }
  r["links"] = links;
  if (sim.flow_control.on) r["flow_control"] = flow_control_json(sim.flow_control);
  if (in.platform->link_sleep.enabled) {
    std::uint64_t wakes = 0;
    for (const auto& link : sim.links)
      wakes += link.wakes;
    r["link_sleep"] = {{"after_s", in.platform->link_sleep.after_s},
                       {"wake_s", in.platform->link_sleep.wake_s},
                       {"power", in.platform->link_sleep.power_fraction},
                       {"slept_link_s", slept},
                       {"wakes", wakes / 2},
                       {"saved_j", saved}};
  }
  r["stats"] = {
      {"transactions", sim.transactions}, {"packet_hops", sim.packet_hops}, {"wall_time_s", in.wall_time_s}};
  return r.dump(2) + "\n";
}

namespace {

std::string seconds(double s) {
  if (s == 0.0) return "0 s";
  if (s < 1e-6) return fmt::format("{:.3f} ns", s * 1e9);
  if (s < 1e-3) return fmt::format("{:.3f} us", s * 1e6);
  if (s < 1.0) return fmt::format("{:.3f} ms", s * 1e3);
  return fmt::format("{:.3f} s", s);
}

std::string joules(double j) {
  if (j == 0.0) return "0 J";
  if (j < 1e-6) return fmt::format("{:.3f} nJ", j * 1e9);
  if (j < 1e-3) return fmt::format("{:.3f} uJ", j * 1e6);
  if (j < 1.0) return fmt::format("{:.3f} mJ", j * 1e3);
  return fmt::format("{:.3f} J", j);
}

std::string kw(double w) {
  return fmt::format("{:.1f} kW", w / 1e3);
}

// The run's dollars under the step table (power/cost.md).
std::string cost_lines(const power::Cost& c) {
  std::string out = fmt::format(
      "cost: capital ${:.4g} (fabric ${:.4g}{}), this run ${:.4g} (capital ${:.4g}, energy ${:.4g}, "
      "repairs ${:.4g})\n",
      c.capital_usd, c.fabric_capital_usd,
      c.unpriced_components > 0 ? fmt::format(", {} components unpriced", c.unpriced_components) : "",
      c.run_usd, c.capital_run_usd, c.energy_run_usd, c.repairs_run_usd);
  out += fmt::format(
      "  fabric ${:.4g} per delivered Tb/s ({:.4g} Tb/s delivered); TCO over {:.3g} years ${:.4g}\n",
      c.fabric_usd_per_delivered_tbps, c.delivered_tbps, c.lifetime_s / (365.0 * 86400.0), c.tco_usd);
  return out;
}

// The density figures under the step table: escape bandwidth, switch and port power, the hottest racks, and
// one line per warning (the first ten; the report has them all).
std::string density_lines(const power::Density& d) {
  std::string out;
  const power::Escape& e = d.escape;
  if (e.assessed) {
    out += fmt::format(
        "  {:<28}{:.2f} Tb/s needed, {:.2f} Tb/s available ({:.2f} of {:.1f} mm of shoreline, "
        "{:.2f} Tb/s per mm)\n",
        "escape bandwidth (" + e.worst + ")", e.needed_Bps * 8e-12, e.available_Bps * 8e-12,
        e.shoreline_used_m * 1e3, e.shoreline_m * 1e3, e.needed_Bps * 8e-12 / (e.shoreline_m * 1e3));
  }
  for (const auto& s : d.switches) {
    out += fmt::format("  {:<28}{} x {:.1f} W on average, up to {:.1f} W per faceplate port ({}, {} ports)\n",
                       (s.kind == "ocs" ? "OCS " : "switches ") + s.tier, s.count, s.mean_w, s.max_w_per_port,
                       s.busiest, s.faceplate_ports);
  }
  for (bool network : {false, true}) {
    const power::RackDensity* hottest = nullptr;
    int count = 0;
    for (const auto& r : d.racks) {
      if (r.network != network) continue;
      ++count;
      if (hottest == nullptr || r.peak_w > hottest->peak_w) hottest = &r;
    }
    if (hottest == nullptr) continue;
    std::string limits;
    if (hottest->limit_w > 0.0) limits += "limit " + kw(hottest->limit_w);
    if (hottest->envelope_w > 0.0)
      limits += (limits.empty() ? "" : ", ") + d.cooling + " envelope " + kw(hottest->envelope_w);
    out += fmt::format(
        "  {:<28}{} {:.1f} kW average, {:.1f} kW peak IT; {:.1f} kW peak with cooling{}\n",
        fmt::format("{} {} rack{}", count, network ? "network" : "accelerator", count == 1 ? "" : "s"),
        count == 1 ? hottest->name + ":" : "hottest " + hottest->name + ":", hottest->average_w / 1e3,
        hottest->peak_w / 1e3, hottest->peak_with_cooling_w / 1e3, limits.empty() ? "" : " (" + limits + ")");
  }
  constexpr std::size_t kShown = 10;
  for (std::size_t i = 0; i < d.warnings.size() && i < kShown; ++i)
    out += "  warning: " + d.warnings[i].message + "\n";
  if (d.warnings.size() > kShown)
    out += fmt::format("  ... and {} more warnings in the report\n", d.warnings.size() - kShown);
  return out.empty() ? out : "\n" + out;
}

// One line per kind of optical path: its margin, with the loss and the budget it is the difference of.
std::string optics_lines(const std::vector<platforms::OpticalPath>& paths) {
  std::string out;
  for (const auto& p : paths) {
    const std::string what =
        "optics " + (p.tier.empty() ? std::string("links") : p.tier) + (p.via.empty() ? "" : " via OCS");
    std::string budget = fmt::format("{:.2f} dB budget", p.budget_db);
    if (p.launch_dbm && p.sensitivity_dbm)
      budget +=
          fmt::format(" ({:.2f} dBm launch, {:.2f} dBm sensitivity)", *p.launch_dbm, *p.sensitivity_dbm);
    out += fmt::format("  {:<28}{:.2f} dB: {:.2f} dB lost of a {} on {} ({:g} m of fibre, {} connectors{})\n",
                       what, p.margin_db, p.loss_db, budget, p.route(), p.fibre_m, p.connectors,
                       p.via.empty() ? "" : fmt::format(", OCS {:g} dB", p.ocs_db));
  }
  return out;
}

// One line per package under the density lines: its power density and its hottest junction against its
// limit, then the warning when it is above it.
std::string package_lines(const PackageHeatReport& h) {
  std::string out;
  for (const PackageHeat& p : h.packages) {
    const double mm2 = p.area_m2 * 1e6;
    out += fmt::format(
        "  {:<28}{:.0f} W average, {:.0f} W peak over {:g} mm2 ({:.3f} / {:.3f} W/mm2); Tj up to "
        "{:.1f} C of {:g} C ({} at {:g} C)\n",
        p.kind == "switch" ? "package " + p.name : "package accelerator", p.average_w, p.peak_w, mm2,
        p.average_w / mm2, p.peak_w / mm2, p.junction.max_c, p.tj_max_c, h.cooling, h.coolant_c);
    if (p.over_limit) out += "  warning: " + p.message + "\n";
  }
  return out;
}

// The scheduler's lines of the summary: its policy and reconfigurations, traffic by class, and deferred
// checkpoints.
std::string scheduler_lines(const engine::SimulationResult& sim) {
  const auto& s = sim.scheduler;
  std::string out;
  std::string rule = s.priorities ? s.arbitration + " priorities" : "no priorities";
  std::string line = fmt::format("{}, {}", s.policy, rule);
  if (!s.decisions.empty())
    line += fmt::format("; {} reconfiguration{}, {} dark, {} lost", s.reconfigurations.size(),
                        s.reconfigurations.size() == 1 ? "" : "s", seconds(s.reconfiguration_dark_s),
                        seconds(s.reconfiguration_lost_s));
  out += fmt::format("  {:<28}{}\n", "scheduler", line);
  for (const auto& r : s.reconfigurations)
    if (listed(sim, r.iteration))
      out += fmt::format("  {:<27} {} ports of {} dark {} .. {} (lost {})\n",
                         fmt::format("  reconfigure for {}", r.before), r.ports.size(), r.ocs,
                         seconds(r.start_s), seconds(r.end_s), seconds(r.lost_s));
  for (const auto& c : s.classes) {
    if (c.messages == 0) continue;
    out += fmt::format("  {:<27} {} in {} message{}, latency p50 {}, p99 {}\n", "class " + c.name,
                       core::format_bytes(c.bytes), c.messages, c.messages == 1 ? "" : "s",
                       seconds(c.latency_p50_s), seconds(c.latency_p99_s));
  }
  const std::function<void(const engine::StepResult&)> bulk = [&](const engine::StepResult& st) {
    if (st.kind == "checkpoint" && st.deadline_s > 0.0) {
      const double t = st.end_s - st.start_s;
      out += fmt::format("  {:<27} held {}, done {} after its start (deadline {}: {})\n",
                         "checkpoint " + st.key, seconds(st.held_s), seconds(t), seconds(st.deadline_s),
                         t <= st.deadline_s ? "met" : "missed");
    }
    for (const auto& c : st.children)
      bulk(c);
  };
  for (const auto& st : sim.steps)
    bulk(st);
  return out;
}

}  // namespace

std::string summary_table(const Inputs& in) {
  const auto& sim = *in.sim;
  const auto& l = *in.ledger;
  std::string out;
  out += fmt::format("pjbit {}: {} on {} ({} ranks, {} engine)\n", PJBIT_VERSION, sim.workload_name,
                     sim.platform_name, sim.ranks, sim.engine);
  out += fmt::format("  {:<28}{}\n", "simulated time", seconds(sim.sim_time_s));
  out += fmt::format("  {:<28}{:.1f} %\n", "effective compute", 100.0 * effective_compute(sim));
  if (has_model(in)) {
    const workloads::ModelSummary& m = in.workload->model;
    const Throughput t = throughput(in);
    out += fmt::format("  {:<28}{}, {:.4g} tokens per iteration on {} ranks\n", "model", m.name,
                       m.tokens_per_iteration, m.ranks);
    out +=
        fmt::format("  {:<28}{:.6g}  (MFU {:.1f} %)\n", "tokens per second", t.tokens_per_s, 100.0 * t.mfu);
    out += fmt::format("  {:<28}{:.6g}  (fabric {:.4g} J per token)\n", "tokens per joule", t.tokens_per_j,
                       t.fabric_j_per_token);
  }
  if (sim.serving_on) {
    const engine::ServingResult& v = sim.serving;
    out +=
        fmt::format("  {:<28}{} requests, {:.1f} output tokens/s\n", "serving", v.requests, v.tokens_per_s);
    out += fmt::format("  {:<28}p50 {}, p99 {}\n", "time to first token", seconds(v.ttft_p50_s),
                       seconds(v.ttft_p99_s));
    out += fmt::format("  {:<28}p50 {}, p99 {}\n", "time per output token", seconds(v.tpot_p50_s),
                       seconds(v.tpot_p99_s));
    out += fmt::format("  {:<28}{} in {} on average, decode batch {:.1f} on average\n", "KV transfer",
                       core::format_bytes(v.kv_bytes), seconds(v.kv_transfer_mean_s), v.decode_batch_mean);
  }
  for (const engine::FaultResult& f : sim.faults) {
    std::string what = f.kind == "down" ? "down" : f.kind == "lanes" ? "fewer lanes" : "bit errors";
    what += fmt::format(" at {}", seconds(f.at_s));
    what += f.until_s < 0.0 ? ", for good" : fmt::format(" to {}", seconds(f.until_s));
    if (!f.occurred) {
      what += ": after the run";
    } else {
      what += fmt::format(": {} lost", seconds(f.time_lost_s));
      if (f.rerouted_bytes > 0.0) what += fmt::format(", {} rerouted", core::format_bytes(f.rerouted_bytes));
      if (f.retransmitted_bytes > 0.0)
        what += fmt::format(", {} resent", core::format_bytes(f.retransmitted_bytes));
      if (f.energy_j != 0.0) what += fmt::format(", {:.4g} J", f.energy_j);
    }
    out += fmt::format("  {:<28}{}: {}\n", "fault", f.target, what);
  }
  for (const engine::RestartResult& x : sim.restarts) {
    const std::string from = x.checkpoint.empty()
                                 ? std::string("from the start")
                                 : fmt::format("after {} (iteration {}, ended {})", x.checkpoint,
                                               x.checkpoint_iteration, seconds(x.checkpoint_end_s));
    out += fmt::format("  {:<28}at {} {}: {} of work lost, {} down ({}), {:.4g} J\n", "restart",
                       seconds(x.at_s), from, seconds(x.lost_s), seconds(x.downtime_s),
                       x.spares ? "spares" : "repair", restart_energy_j(in, x));
  }
  if (in.workload != nullptr && has_step_breakdown(*in.workload)) {
    const double per = 1.0 / static_cast<double>(std::max(1, in.workload->iterations));
    const engine::TimeSplit& t = sim.time_split;
    std::string exposed;
    for (int d = 0; d < engine::TimeSplit::kDims; ++d) {
      if (t.exposed_s[d] <= 0.0) continue;
      exposed += fmt::format(", {} {}", engine::TimeSplit::kDimNames[d], seconds(t.exposed_s[d] * per));
    }
    out += fmt::format("  {:<28}compute {}, bubble {}{}\n", "step time split", seconds(t.compute_s * per),
                       seconds(t.idle_s * per), exposed.empty() ? "" : ", exposed" + exposed);
  }
  out += fmt::format("  {:<28}{}  (wire {})\n", "useful bytes", core::format_bytes(sim.useful_bytes),
                     core::format_bytes(sim.wire_bytes));
  out += fmt::format("  {:<28}{}  (fabric {}, static {})\n", "energy", joules(l.total_j), joules(l.fabric_j),
                     joules(l.static_total_j));
  out += fmt::format("  {:<28}{:.3f}\n", "fabric pJ per useful bit", l.fabric_pj_per_useful_bit);
  if (sim.flow_control.on) {
    const engine::FlowControlResult& f = sim.flow_control;
    std::string modes;
    for (const auto& [tier, mode] : f.modes)
      modes += fmt::format("{}{} {}", modes.empty() ? "" : ", ", tier, mode);
    out +=
        fmt::format("  {:<28}{}; peak queue {}, paused {} ({} pause frames), {} ECN marks\n", "flow control",
                    modes, core::format_bytes(f.max_bytes), seconds(f.paused_s), f.pause_frames, f.ecn_marks);
    if (f.drops > 0 || f.retransmitted_packets > 0)
      out += fmt::format("  {:<28}{} dropped ({}, {} wasted), {} retransmitted\n", "drops", f.drops,
                         core::format_bytes(f.dropped_bytes), joules(f.dropped_j),
                         core::format_bytes(f.retransmitted_bytes));
  }
  out += fmt::format("  {:<28}{:.1f} W average, {:.1f} W peak\n", "power", l.average_power_w, l.peak_power_w);
  std::string cats;
  for (int i = 0; i < core::kNumCategories; ++i) {
    const double j = l.by_category_j[static_cast<std::size_t>(i)];
    if (j <= 0.0 || l.total_j <= 0.0) continue;
    cats += fmt::format("{}{} {:.1f} %", cats.empty() ? "" : ", ",
                        core::category_name(static_cast<core::Category>(i)), 100.0 * j / l.total_j);
  }
  if (!cats.empty()) out += fmt::format("  {:<28}{}\n", "energy by category", cats);
  auto shares = [&](const std::vector<power::Named>& list) {
    std::string text;
    for (const auto& n : list) {
      if (n.value <= 0.0 || l.fabric_j <= 0.0) continue;
      text += fmt::format("{}{} {:.1f} %", text.empty() ? "" : ", ", n.name, 100.0 * n.value / l.fabric_j);
    }
    return text;
  };
  if (const std::string t = shares(l.fabric_by_regime_j); !t.empty())
    out += fmt::format("  {:<28}{}\n", "fabric energy by regime", t);
  if (in.platform->tiers.size() > 1)
    if (const std::string t = shares(l.fabric_by_tier_j); !t.empty())
      out += fmt::format("  {:<28}{}\n", "fabric energy by tier", t);
  if (l.total_j > 0.0)
    out +=
        fmt::format("  {:<28}{:.1f} % of all energy, {:.1f} % of fabric energy\n", "idle (static) share",
                    100.0 * share(l.static_total_j, l.total_j), 100.0 * share(l.fabric_static_j, l.fabric_j));
  if (sim.ranks > 0 && sim.sim_time_s > 0.0) {
    const auto& w = l.waiting;
    out += fmt::format("  {:<28}{} per rank on average ({:.1f} %), idle energy {}\n", "not computing",
                       seconds(w.total_rank_s / sim.ranks),
                       100.0 * share(w.total_rank_s, sim.sim_time_s * sim.ranks), joules(w.idle_energy_j));
  }
  out += scheduler_lines(sim);
  out += "\n";
  // The protocol column: what the collective library chose (empty for a collective without one).
  out += fmt::format("  {:<4} {:<12} {:<18} {:<12} {:>10} {:>6} {:>12} {:>11} {:>11}  {}\n", "iter", "step",
                     "kind", "algorithm", "size", "ranks", "time", "algbw GB/s", "busbw GB/s", "protocol");
  // A model-driven run has tens of thousands of steps: the table shows the first of them, the report all.
  constexpr std::size_t kModelStepsShown = 20;
  const std::size_t shown = has_model(in) ? std::min(sim.steps.size(), kModelStepsShown) : sim.steps.size();
  for (std::size_t i = 0; i < shown; ++i) {
    const engine::StepResult& s = sim.steps[i];
    const double t = s.end_s - s.start_s;
    std::string kind = s.kind == "collective" ? s.op : s.kind;
    const bool memory = s.kind == "memory" || s.kind == "checkpoint";
    if (memory) kind = s.kind + " " + s.mem_op;
    std::string size =
        s.kind == "collective" || memory ? core::format_bytes(static_cast<double>(s.size_bytes)) : "";
    std::string algorithm = memory ? s.pool : s.algorithm;
    if (s.channels > 1) algorithm += fmt::format(" x{}", s.channels);  // "ring x8": eight rings at once
    if (s.kind == "traffic") {
      kind = fmt::format("traffic x{}", s.messages);
      size = core::format_bytes(static_cast<double>(s.size_bytes));
      algorithm = s.cls;
    }
    std::string algbw, busbw;
    if (s.kind == "collective" && t > 0.0) {
      const double a = static_cast<double>(s.size_bytes) / t / 1e9;
      algbw = fmt::format("{:.2f}", a);
      busbw = fmt::format("{:.2f}", a * workloads::busbw_factor(s.op, s.ranks));
    } else if (memory && t > 0.0) {
      algbw = fmt::format("{:.2f}", s.useful_bytes / t / 1e9);  // all ranks together, to or from the pool
    }
    const std::string protocol = s.kind == "collective" && !s.protocol.empty() ? "  " + s.protocol : "";
    out += fmt::format("  {:<4} {:<12} {:<18} {:<12} {:>10} {:>6} {:>12} {:>11} {:>11}{}\n", s.iteration,
                       s.key, kind, algorithm, size, s.ranks, seconds(t), algbw, busbw, protocol);
  }
  if (shown < sim.steps.size())
    out += fmt::format("  ... and {} more steps in the report (--json)\n", sim.steps.size() - shown);
  if (sim.steps_summed_up) {
    out += fmt::format(
        "\n  every step over all {} iterations (those between the first and the last are summed "
        "up; --steps full keeps them):\n",
        in.workload->iterations);
    out += fmt::format("  {:<24} {:<18} {:>9} {:>12} {:>12} {:>12} {:>12}\n", "step", "kind", "count", "mean",
                       "min", "max", "energy");
    for (const auto& a : sim.step_aggregates)
      out += fmt::format("  {:<24} {:<18} {:>9} {:>12} {:>12} {:>12} {:>12}\n", a.key,
                         a.kind == "collective" ? a.op : a.kind, a.time_s.count, seconds(a.time_s.mean()),
                         seconds(a.time_s.min), seconds(a.time_s.max), joules(a.energy_j.total));
  }
  const std::string density = in.density != nullptr ? density_lines(*in.density) : std::string();
  out += density;
  bool physics = !density.empty();
  if (in.recorder != nullptr) {
    const PackageHeatReport heat = package_heat(*in.recorder, in);
    if (heat.any()) out += (physics ? "" : "\n") + package_lines(heat);
    physics = physics || heat.any();
  }
  if (!sim.optics.empty()) out += (physics ? "" : "\n") + optics_lines(sim.optics);
  if (in.cost != nullptr) out += cost_lines(*in.cost);
  return out;
}

std::string csv(const Inputs& in) {
  const auto& sim = *in.sim;
  const auto& l = *in.ledger;
  std::string out =
      "platform,workload,ranks,sim_time_s,useful_bytes,wire_bytes,energy_total_j,energy_fabric_j,"
      "fabric_pj_per_useful_bit,effective_compute,power_average_w,power_peak_w";
  if (in.cost != nullptr) out += ",capital_usd,run_usd,energy_run_usd,fabric_usd_per_delivered_tbps";
  if (in.recorder != nullptr) out += ",power_trace_window_s,power_trace_peak_w";
  if (has_model(in)) out += ",tokens_per_s,mfu,tokens_per_j,fabric_j_per_token";
  if (in.cost != nullptr && has_model(in)) out += ",tokens_per_usd";
  const bool split = in.workload != nullptr && has_step_breakdown(*in.workload);
  if (split) {
    out += ",step_compute_s,step_bubble_s";
    for (int d = 0; d < engine::TimeSplit::kDims; ++d)
      out += fmt::format(",step_exposed_{}_s", engine::TimeSplit::kDimNames[d]);
  }
  out += "\n";
  // The names are text cells (quoted and neutralised as csv_text says); every other cell is a number.
  out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{}", csv_text(sim.platform_name),
                     csv_text(sim.workload_name), sim.ranks, sim.sim_time_s, whole(sim.useful_bytes),
                     whole(sim.wire_bytes), l.total_j, l.fabric_j, l.fabric_pj_per_useful_bit,
                     effective_compute(sim), l.average_power_w, l.peak_power_w);
  if (in.cost != nullptr) {
    const power::Cost& c = *in.cost;
    out += fmt::format(",{},{},{},{}", c.capital_usd, c.run_usd, c.energy_run_usd,
                       c.fabric_usd_per_delivered_tbps);
  }
  if (in.recorder != nullptr) {
    const nlohmann::json trace = power_trace_json(in);
    out += fmt::format(",{},{}", trace.value("window_s", 0.0), trace.value("peak_w", 0.0));
  }
  if (has_model(in)) {
    const Throughput t = throughput(in);
    out += fmt::format(",{},{},{},{}", t.tokens_per_s, t.mfu, t.tokens_per_j, t.fabric_j_per_token);
  }
  if (in.cost != nullptr && has_model(in))
    out += fmt::format(",{}", in.cost->run_usd > 0.0 ? throughput(in).tokens / in.cost->run_usd : 0.0);
  if (split) {
    // One iteration's split, the mean over ranks, as the report's step_breakdown.
    const double per = 1.0 / static_cast<double>(std::max(1, in.workload->iterations));
    const engine::TimeSplit& t = sim.time_split;
    out += fmt::format(",{},{}", t.compute_s * per, t.idle_s * per);
    for (int d = 0; d < engine::TimeSplit::kDims; ++d)
      out += fmt::format(",{}", t.exposed_s[d] * per);
  }
  out += "\n";
  return out;
}

}  // namespace pjbit::report
