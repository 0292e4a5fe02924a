#include "engine/flow/max_min.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace pjbit::engine::flow {

namespace {
constexpr int kClasses = 5;  // transport classes (core/fabric_extension.h)
}  // namespace

namespace {
// One solve by a fresh solver, for the pure forms below.
std::vector<double> solve_once(const std::vector<std::vector<int>>& uses, const std::vector<int>& classes,
                               const std::vector<double>& capacity, bool priorities,
                               const std::array<int, 5>* class_weights) {
  std::vector<core::Span<int>> views;
  for (const auto& u : uses)
    views.push_back(u);
  MaxMinSolver solver;
  std::vector<double> rate;
  solver.solve(views, classes, capacity, priorities, rate, nullptr, class_weights);
  return rate;
}
}  // namespace

std::vector<double> max_min_rates(const std::vector<std::vector<int>>& uses, const std::vector<int>& classes,
                                  const std::vector<double>& capacity, bool priorities) {
  return solve_once(uses, classes, capacity, priorities, nullptr);
}

std::vector<double> weighted_max_min_rates(const std::vector<std::vector<int>>& uses,
                                           const std::vector<int>& classes,
                                           const std::vector<double>& capacity,
                                           const std::array<int, 5>& weights) {
  return solve_once(uses, classes, capacity, true, &weights);
}

void MaxMinSolver::prepare(std::size_t resources) {
  if (count.size() == resources) return;
  residual.assign(resources, 0.0);
  load.assign(resources, 0.0);
  count.assign(resources, 0);
  stamp.assign(resources, 0);
  flows_of.assign(resources, {});
  mark.assign(resources, 0);
  heap_pos.assign(resources, -1);
  key.assign(resources, 0.0);
  epoch = 0;
}

bool MaxMinSolver::less(int a, int b) const {
  const double ka = key[static_cast<std::size_t>(a)], kb = key[static_cast<std::size_t>(b)];
  return ka < kb || (ka == kb && a < b);
}

void MaxMinSolver::sift_up(std::size_t i) {
  const int r = heap[i];
  while (i > 0) {
    const std::size_t parent = (i - 1) / 2;
    if (!less(r, heap[parent])) break;
    heap[i] = heap[parent];
    heap_pos[static_cast<std::size_t>(heap[i])] = static_cast<int>(i);
    i = parent;
  }
  heap[i] = r;
  heap_pos[static_cast<std::size_t>(r)] = static_cast<int>(i);
}

void MaxMinSolver::sift_down(std::size_t i) {
  const int r = heap[i];
  const std::size_t n = heap.size();
  for (;;) {
    std::size_t best = 2 * i + 1;
    if (best >= n) break;
    if (best + 1 < n && less(heap[best + 1], heap[best])) ++best;
    if (!less(heap[best], r)) break;
    heap[i] = heap[best];
    heap_pos[static_cast<std::size_t>(heap[i])] = static_cast<int>(i);
    i = best;
  }
  heap[i] = r;
  heap_pos[static_cast<std::size_t>(r)] = static_cast<int>(i);
}

void MaxMinSolver::heap_update(int r) {
  const auto ru = static_cast<std::size_t>(r);
  key[ru] = std::max(0.0, residual[ru]) / std::max(load[ru], 1e-300);
  const int pos = heap_pos[ru];
  if (pos < 0) {
    heap.push_back(r);
    sift_up(heap.size() - 1);
    return;
  }
  sift_up(static_cast<std::size_t>(pos));
  sift_down(static_cast<std::size_t>(heap_pos[ru]));
}

void MaxMinSolver::heap_remove(int r) {
  const auto ru = static_cast<std::size_t>(r);
  const int pos = heap_pos[ru];
  if (pos < 0) return;
  heap_pos[ru] = -1;
  const int last = heap.back();
  heap.pop_back();
  if (last == r) return;
  heap[static_cast<std::size_t>(pos)] = last;
  heap_pos[static_cast<std::size_t>(last)] = pos;
  sift_up(static_cast<std::size_t>(pos));
  sift_down(static_cast<std::size_t>(heap_pos[static_cast<std::size_t>(last)]));
}

int MaxMinSolver::heap_pop() {
  const int r = heap.front();
  heap_remove(r);
  return r;
}

void MaxMinSolver::solve(const std::vector<core::Span<int>>& uses, const std::vector<int>& classes,
                         const std::vector<double>& capacity, bool priorities, std::vector<double>& rate,
                         const std::vector<core::Span<float>>* usage,
                         const std::array<int, 5>* class_weights) {
  // The bottleneck algorithm, equivalent to progressive filling: the resource whose fair share
  // (residual / load, the summed weights of its unfrozen flows) is smallest saturates first; its flows are
  // frozen at their class weight times that share, which is taken from every other resource they cross, and
  // the shares of those resources are updated in an indexed heap (each resource once). A flow puts
  // usage x class weight x share on each resource it crosses: usage is 1 but for a sprayed flow's share of a
  // link, the class weight 1 but with weighted arbitration. With priorities, classes are served one after
  // another on what the higher ones left; with class weights, all classes are filled together.
  const auto usage_of = [&](std::size_t flow, std::size_t k) {
    if (usage == nullptr) return 1.0;
    const core::Span<float>& u = (*usage)[flow];
    return u.empty() ? 1.0 : static_cast<double>(u[k]);
  };
  const auto weight_of = [&](std::size_t i) {
    if (class_weights == nullptr) return 1.0;
    const int c = std::clamp(classes[i], 0, kClasses - 1);
    return static_cast<double>(std::max(1, (*class_weights)[static_cast<std::size_t>(c)]));
  };
  if (class_weights != nullptr) priorities = false;
  prepare(capacity.size());
  if (++epoch == 0) {
    std::fill(stamp.begin(), stamp.end(), 0u);
    epoch = 1;
  }
  const std::size_t n = uses.size();
  rate.assign(n, 0.0);
  frozen.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    for (int r : uses[i]) {
      const auto ru = static_cast<std::size_t>(r);
      if (stamp[ru] == epoch) continue;
      stamp[ru] = epoch;
      residual[ru] = capacity[ru];
    }
  }
  const int passes = priorities ? kClasses : 1;
  for (int c = 0; c < passes; ++c) {
    touched.clear();
    for (std::size_t i = 0; i < n; ++i) {
      if (priorities && classes[i] != c) continue;
      if (uses[i].empty()) {
        frozen[i] = 1;
        continue;
      }
      const double w = weight_of(i);
      for (std::size_t k = 0; k < uses[i].size(); ++k) {
        const auto ru = static_cast<std::size_t>(uses[i][k]);
        if (count[ru]++ == 0) {
          touched.push_back(uses[i][k]);
          load[ru] = 0.0;
        }
        load[ru] += w * usage_of(i, k);
        flows_of[ru].push_back(static_cast<int>(i));
      }
    }
    heap.clear();
    for (int r : touched)
      heap_update(r);
    while (!heap.empty()) {
      const int r = heap_pop();
      const auto ru = static_cast<std::size_t>(r);
      const double share = key[ru];
      changed.clear();
      for (int f : flows_of[ru]) {
        const auto fu = static_cast<std::size_t>(f);
        if (frozen[fu]) continue;
        frozen[fu] = 1;
        const double w = weight_of(fu);
        rate[fu] = w * share;
        for (std::size_t k = 0; k < uses[fu].size(); ++k) {
          const int r2 = uses[fu][k];
          const auto r2u = static_cast<std::size_t>(r2);
          const double u = w * usage_of(fu, k);
          residual[r2u] -= u * share;
          load[r2u] -= u;
          --count[r2u];
          if (r2 != r && !mark[r2u]) {
            mark[r2u] = 1;
            changed.push_back(r2);
          }
        }
      }
      for (int r2 : changed) {
        const auto r2u = static_cast<std::size_t>(r2);
        mark[r2u] = 0;
        if (count[r2u] > 0) {
          heap_update(r2);
        } else {
          heap_remove(r2);
        }
      }
    }
    for (int r : touched) {
      flows_of[static_cast<std::size_t>(r)].clear();
      count[static_cast<std::size_t>(r)] = 0;
    }
  }
}

}  // namespace pjbit::engine::flow
