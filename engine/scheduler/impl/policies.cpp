// The built-in policies: static and phase_aware (equations in docs/scheduler.md).
#include "engine/scheduler/impl/policies.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace pjbit::engine::scheduler::impl {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string seconds(double s) {
  if (!std::isfinite(s)) return "(no route)";
  if (s == 0.0) return "0 s";
  const double a = std::fabs(s);
  if (a < 1e-6) return fmt::format("{:.3g} ns", s * 1e9);
  if (a < 1e-3) return fmt::format("{:.3g} us", s * 1e6);
  if (a < 1.0) return fmt::format("{:.3g} ms", s * 1e3);
  return fmt::format("{:.3g} s", s);
}

class Static final : public IPolicy {
 public:
  std::string_view name() const override { return "static"; }
  std::string_view summary() const override { return "circuits never change"; }
  std::vector<Decision> plan(IPlanner& planner) const override {
    std::vector<Decision> out;
    for (int p = 0; p < planner.phases(); ++p)
      out.push_back({planner.initial(), "the static policy never reconfigures"});
    return out;
  }
};

// Dynamic programming over the phases. The candidates are the initial circuits and the circuits that fit
// each phase. With P(p, c) the forecast of phase p on circuits c, R(a, b) the dark time from a to b and W(p)
// the compute window before phase p, the cost of reaching phase p on circuits a and running it on b is
//   S(p, a, b) = (a == b ? 0 : max(0, R(a, b) - W(p))) + P(p, b),
// and V(p, a) = min_b S(p, a, b) + V(p + 1, b), V(end, .) = 0, is the least forecast time of the rest of
// the run. Each phase takes the b that reaches V, staying on a when it ties: a reconfiguration happens only
// when its gain pays for itself and for any reconfiguration back that it makes necessary later.
class PhaseAware final : public IPolicy {
 public:
  std::string_view name() const override { return "phase_aware"; }
  std::string_view summary() const override {
    return "reconfigures OCS circuits for a phase only where the forecast gain pays for the reconfiguration "
           "and the way back";
  }

  std::vector<Decision> plan(IPlanner& planner) const override {
    const int phases = planner.phases();
    std::vector<int> candidates = {planner.initial()};
    for (int p = 0; p < phases; ++p) {
      const int c = planner.fit(p);
      if (std::find(candidates.begin(), candidates.end(), c) == candidates.end()) candidates.push_back(c);
    }
    const std::size_t k = candidates.size();
    const auto at = [k](int p, std::size_t c) { return static_cast<std::size_t>(p) * k + c; };
    std::vector<double> predicted(static_cast<std::size_t>(phases) * k);
    for (int p = 0; p < phases; ++p)
      for (std::size_t c = 0; c < k; ++c)
        predicted[at(p, c)] = planner.predict(p, candidates[c]);
    std::vector<double> dark(k * k, 0.0);
    for (std::size_t a = 0; a < k; ++a)
      for (std::size_t b = 0; b < k; ++b)
        if (a != b) dark[a * k + b] = planner.reconfiguration_s(candidates[a], candidates[b]);

    // value[p][a]: the least forecast of phases p.. when phase p starts from circuits a.
    std::vector<double> value(static_cast<std::size_t>(phases + 1) * k, 0.0);
    const auto step_cost = [&](int p, std::size_t a, std::size_t b) {
      const double switching = a == b ? 0.0 : std::max(0.0, dark[a * k + b] - planner.phase(p).window_s);
      return switching + predicted[at(p, b)] + value[at(p + 1, b)];
    };
    for (int p = phases - 1; p >= 0; --p) {
      for (std::size_t a = 0; a < k; ++a) {
        double best = kInf;
        for (std::size_t b = 0; b < k; ++b)
          best = std::min(best, step_cost(p, a, b));
        value[at(p, a)] = best;
      }
    }

    std::vector<Decision> out;
    std::size_t current = 0;  // the initial circuits
    for (int p = 0; p < phases; ++p) {
      const double stay = step_cost(p, current, current);
      std::size_t chosen = current;
      double best = stay;
      for (std::size_t b = 0; b < k; ++b) {
        const double cost = step_cost(p, current, b);
        if (cost < best) {
          best = cost;
          chosen = b;
        }
      }
      const int fit = planner.fit(p);
      const std::size_t fit_index =
          static_cast<std::size_t>(std::find(candidates.begin(), candidates.end(), fit) - candidates.begin());
      Decision d;
      d.circuits = candidates[chosen];
      const double here = predicted[at(p, current)];
      if (chosen != current) {
        const double r = dark[current * k + chosen];
        const double hidden = std::min(r, planner.phase(p).window_s);
        d.why = fmt::format(
            "forecast {} on the circuits in place, {} on {}; after the {} reconfiguration ({} hidden behind "
            "compute) and any reconfiguration it makes necessary later, the rest of the run is {} shorter",
            seconds(here), seconds(predicted[at(p, chosen)]), planner.describe(candidates[chosen]),
            seconds(r), seconds(hidden), seconds(stay - best));
      } else if (fit_index == current) {
        d.why = "its traffic already fits the circuits in place";
      } else if (!std::isfinite(predicted[at(p, fit_index)])) {
        d.why = fmt::format("the circuits that fit its heaviest pairs ({}) cannot route all of its traffic",
                            planner.describe(fit));
      } else {
        const double via_fit = step_cost(p, current, fit_index);
        d.why = fmt::format(
            "forecast {} here, {} on {}: with the {} reconfiguration and the way back, the rest of the run "
            "would be {} longer",
            seconds(here), seconds(predicted[at(p, fit_index)]), planner.describe(fit),
            seconds(dark[current * k + fit_index]), seconds(via_fit - stay));
      }
      out.push_back(d);
      current = chosen;
    }
    return out;
  }
};

}  // namespace

const IPolicy& static_policy() {
  static const Static p;
  return p;
}

const IPolicy& phase_aware() {
  static const PhaseAware p;
  return p;
}

}  // namespace pjbit::engine::scheduler::impl
