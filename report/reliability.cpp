#include "report/reliability.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace pjbit::report {

namespace {

using nlohmann::ordered_json;

ordered_json spread_json(const engine::TrialSpread& s) {
  return ordered_json{{"mean", s.mean}, {"sd", s.sd}, {"p5", s.p5}, {"p95", s.p95}};
}

// "12.3 ± 3.4 [7, 18]".
std::string spread_text(const engine::TrialSpread& s, double scale = 1.0) {
  return fmt::format("{:.4g} ± {:.3g} [{:.4g}, {:.4g}]", s.mean * scale, s.sd * scale, s.p5 * scale,
                     s.p95 * scale);
}

}  // namespace

std::string reliability_json(const ReliabilityInputs& in) {
  const engine::ReliabilityResult& r = *in.result;
  const engine::ReliabilityOptions& o = r.options;
  ordered_json j;
  j["schema"] = "pjbit.reliability/1";
  j["version"] = PJBIT_VERSION;
  j["platform"] = ordered_json{{"name", in.platform}, {"ranks", in.ranks}};
  j["workload"] = ordered_json{{"name", in.workload}};
  j["horizon_s"] = o.horizon_s;
  j["trials"] = o.trials;
  j["seed"] = o.seed;
  j["power_w"] = o.power_w;
  j["job"] = ordered_json{{"checkpoint_every_s", o.job.checkpoint_every_s},
                          {"checkpoint_time_s", o.job.checkpoint_time_s},
                          {"restart_s", o.job.restart_s},
                          {"spares", o.job.spares}};
  j["totals"] = ordered_json{{"failures", spread_json(r.failures)},
                             {"interruptions", spread_json(r.interruptions)},
                             {"planned", spread_json(r.planned)},
                             {"goodput", spread_json(r.goodput)},
                             {"lost_s", spread_json(r.lost_s)},
                             {"energy_lost_j", spread_json(r.energy_lost_j)},
                             {"checkpoint_s", spread_json(r.checkpoint_s)}};
  ordered_json causes = ordered_json::array();
  for (const engine::CauseResult& c : r.causes) {
    const platforms::FailureStream& s = c.stream;
    causes.push_back(ordered_json{{"cause", s.cause},
                                  {"where", s.where},
                                  {"part", s.part},
                                  {"parts", s.parts},
                                  {"failures_per_h", s.rate_per_s * 3600.0},
                                  {"repair_s", s.repair_s},
                                  {"interrupts", s.interrupts},
                                  {"planned_repair", s.planned_repair},
                                  {"confidence", s.confidence},
                                  {"source", s.source},
                                  {"expected_failures", c.expected_failures},
                                  {"failures", spread_json(c.failures)},
                                  {"interruptions", spread_json(c.interruptions)},
                                  {"planned", spread_json(c.planned)},
                                  {"lost_s", spread_json(c.lost_s)},
                                  {"energy_lost_j", spread_json(c.energy_j)}});
  }
  j["causes"] = std::move(causes);
  return j.dump(2) + "\n";
}

std::string reliability_table(const ReliabilityInputs& in) {
  const engine::ReliabilityResult& r = *in.result;
  const engine::ReliabilityOptions& o = r.options;
  std::string out;
  out +=
      fmt::format("pjbit {}: reliability of {} on {} ({} ranks) over {:.4g} h, {} trials, seed {}\n",
                  PJBIT_VERSION, in.workload, in.platform, in.ranks, o.horizon_s / 3600.0, o.trials, o.seed);
  out += fmt::format("  job: checkpoint every {:.4g} min taking {:.4g} min, restart {:.4g} min, {}\n",
                     o.job.checkpoint_every_s / 60.0, o.job.checkpoint_time_s / 60.0, o.job.restart_s / 60.0,
                     o.job.spares ? "spare nodes (no wait for repairs)" : "no spares (waits for repairs)");
  out += fmt::format("  {:<40}{:>8} {:>11}  {:<34}{:<26}{:>10}\n", "cause", "parts", "failures",
                     "interruptions mean ± sd [p5, p95]", "planned", "lost h");
  for (const engine::CauseResult& c : r.causes) {
    const platforms::FailureStream& s = c.stream;
    std::string cause = s.cause;
    if (!s.interrupts && !s.planned_repair) cause += " (no stop)";
    out += fmt::format("  {:<40}{:>8.6g} {:>11.4g}  {:<34}{:<26}{:>10.4g}\n", cause, s.parts,
                       c.failures.mean, s.interrupts ? spread_text(c.interruptions) : "-",
                       s.planned_repair ? spread_text(c.planned) : "-", c.lost_s.mean / 3600.0);
  }
  out += fmt::format("  {:<28}{}\n", "interruptions", spread_text(r.interruptions));
  out += fmt::format("  {:<28}{}\n", "planned interruptions", spread_text(r.planned));
  out += fmt::format("  {:<28}{}\n", "goodput %", spread_text(r.goodput, 100.0));
  out += fmt::format("  {:<28}{}\n", "time lost h", spread_text(r.lost_s, 1.0 / 3600.0));
  out += fmt::format("  {:<28}{}  (at {:.4g} kW)\n", "energy lost MWh",
                     spread_text(r.energy_lost_j, 1.0 / 3.6e9), o.power_w / 1e3);
  return out;
}

}  // namespace pjbit::report
