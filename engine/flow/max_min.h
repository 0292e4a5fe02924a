// Max-min fair sharing of link bandwidth by progressive filling: the flow engine's solver, as pure code with
// no kernel and no platform (engine/flow/flow_network.h keeps one and calls it on the flows a change
// touched). Equations in docs/engines.md.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/span.h"

namespace pjbit::engine::flow {

// Max-min fair rates by progressive filling: flows[i] uses resources uses[i] (indices into capacity);
// with priorities, lower classes[i] are served first and higher ones share what is left. Pure; for tests.
std::vector<double> max_min_rates(const std::vector<std::vector<int>>& uses, const std::vector<int>& classes,
                                  const std::vector<double>& capacity, bool priorities);
// Weighted max-min fair rates: progressive filling in which every flow rises at a speed proportional to
// the weight of its class (weights[classes[i]]), so flows bottlenecked together get rates in proportion to
// their weights. Pure; for tests.
std::vector<double> weighted_max_min_rates(const std::vector<std::vector<int>>& uses,
                                           const std::vector<int>& classes,
                                           const std::vector<double>& capacity,
                                           const std::array<int, 5>& weights);

// The solver's working memory, kept between solves so that a solve allocates nothing once warm. Its cost
// is O(flows x path + touched resources x log resources): it never walks resources no flow uses.
struct MaxMinSolver {
  std::vector<double> residual;
  std::vector<int> count;
  std::vector<double> load;          // sum of the unfrozen flows' weights on a resource
  std::vector<std::uint32_t> stamp;  // residual[r] is valid for this solve when stamp[r] == epoch
  std::uint32_t epoch = 0;
  std::vector<std::vector<int>> flows_of;
  std::vector<char> frozen;
  std::vector<int> touched;
  std::vector<int> changed;
  std::vector<char> mark;
  // An indexed min-heap of resources by fair share: each resource at most once, its key moved in place.
  std::vector<int> heap;
  std::vector<int> heap_pos;  // position in heap, or -1
  std::vector<double> key;
  // rate[i] for the flow crossing uses[i] (views: a caller's flows need not be copied). usage[i] (when
  // given and not empty) is the share of flow i that each of its resources carries (a sprayed flow's
  // split); with `class_weights`, one weighted pass over every class instead (priorities is then ignored).
  void solve(const std::vector<core::Span<int>>& uses, const std::vector<int>& classes,
             const std::vector<double>& capacity, bool priorities, std::vector<double>& rate,
             const std::vector<core::Span<float>>* usage = nullptr,
             const std::array<int, 5>* class_weights = nullptr);

 private:
  void prepare(std::size_t resources);
  bool less(int a, int b) const;
  void sift_up(std::size_t i);
  void sift_down(std::size_t i);
  void heap_update(int r);
  void heap_remove(int r);
  int heap_pop();
};

}  // namespace pjbit::engine::flow
