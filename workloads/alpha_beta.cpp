// The alpha-beta model of a schedule and the closed forms of the built-in algorithms (alpha_beta.h).
#include "workloads/alpha_beta.h"

#include <algorithm>
#include <stdexcept>

namespace pjbit::workloads {

namespace {

double nd(int n) {
  return static_cast<double>(n);
}

double bytes(std::uint64_t s) {
  return static_cast<double>(s);
}

int log2_floor(int n) {
  int k = 0;
  while ((2 << k) <= n)
    ++k;
  return k;
}

// `steps` phases each moving `per_step` bytes through the busiest port.
double steps_of(double steps, double per_step_bytes, double alpha_s, double bandwidth_Bps) {
  return steps * (alpha_s + per_step_bytes / bandwidth_Bps);
}

bool is_power_of_two(int n) {
  return n > 0 && (n & (n - 1)) == 0;
}

}  // namespace

double alpha_beta_time_s(const Schedule& s, double alpha_s, double bandwidth_Bps) {
  std::size_t phases = 0;
  for (const auto& rank : s)
    phases = std::max(phases, rank.size());
  double total = 0.0;
  for (std::size_t k = 0; k < phases; ++k) {
    std::uint64_t busiest = 0;
    for (const auto& rank : s) {
      if (k >= rank.size()) continue;
      std::uint64_t sent = 0;
      std::uint64_t received = 0;
      for (const Transfer& t : rank[k].sends)
        sent += t.bytes;
      for (const Transfer& t : rank[k].recvs)
        received += t.bytes;
      busiest = std::max({busiest, sent, received});
    }
    if (busiest > 0) total += alpha_s + bytes(busiest) / bandwidth_Bps;
  }
  return total;
}

double ring_all_reduce_time_s(int n, std::uint64_t size_bytes, double alpha_s, double bandwidth_Bps) {
  return steps_of(2.0 * (nd(n) - 1.0), bytes(size_bytes) / nd(n), alpha_s, bandwidth_Bps);
}

double ring_all_gather_time_s(int n, std::uint64_t size_bytes, double alpha_s, double bandwidth_Bps) {
  return steps_of(nd(n) - 1.0, bytes(size_bytes) / nd(n), alpha_s, bandwidth_Bps);
}

double ring_reduce_scatter_time_s(int n, std::uint64_t size_bytes, double alpha_s, double bandwidth_Bps) {
  return ring_all_gather_time_s(n, size_bytes, alpha_s, bandwidth_Bps);
}

double ring_broadcast_time_s(int n, std::uint64_t size_bytes, double alpha_s, double bandwidth_Bps) {
  return ring_all_reduce_time_s(n, size_bytes, alpha_s, bandwidth_Bps);
}

double bidir_ring_all_reduce_time_s(int n, std::uint64_t size_bytes, double alpha_s, double bandwidth_Bps) {
  return ring_all_reduce_time_s(n, size_bytes, alpha_s, bandwidth_Bps);
}

double bidir_ring_all_gather_time_s(int n, std::uint64_t size_bytes, double alpha_s, double bandwidth_Bps) {
  return ring_all_gather_time_s(n, size_bytes, alpha_s, bandwidth_Bps);
}

double bidir_ring_reduce_scatter_time_s(int n, std::uint64_t size_bytes, double alpha_s,
                                        double bandwidth_Bps) {
  return ring_reduce_scatter_time_s(n, size_bytes, alpha_s, bandwidth_Bps);
}

double halving_doubling_all_reduce_time_s(int n, std::uint64_t size_bytes, double alpha_s,
                                          double bandwidth_Bps) {
  return 2.0 * halving_doubling_all_gather_time_s(n, size_bytes, alpha_s, bandwidth_Bps);
}

double halving_doubling_all_gather_time_s(int n, std::uint64_t size_bytes, double alpha_s,
                                          double bandwidth_Bps) {
  return nd(log2_floor(n)) * alpha_s + (nd(n) - 1.0) / nd(n) * bytes(size_bytes) / bandwidth_Bps;
}

double halving_doubling_reduce_scatter_time_s(int n, std::uint64_t size_bytes, double alpha_s,
                                              double bandwidth_Bps) {
  return halving_doubling_all_gather_time_s(n, size_bytes, alpha_s, bandwidth_Bps);
}

double direct_all_reduce_time_s(int n, std::uint64_t size_bytes, double alpha_s, double bandwidth_Bps) {
  return 2.0 * direct_all_gather_time_s(n, size_bytes, alpha_s, bandwidth_Bps);
}

double direct_all_gather_time_s(int n, std::uint64_t size_bytes, double alpha_s, double bandwidth_Bps) {
  return alpha_s + (nd(n) - 1.0) / nd(n) * bytes(size_bytes) / bandwidth_Bps;
}

double direct_reduce_scatter_time_s(int n, std::uint64_t size_bytes, double alpha_s, double bandwidth_Bps) {
  return direct_all_gather_time_s(n, size_bytes, alpha_s, bandwidth_Bps);
}

double direct_all_to_all_time_s(int n, std::uint64_t size_bytes, double alpha_s, double bandwidth_Bps) {
  return direct_all_gather_time_s(n, size_bytes, alpha_s, bandwidth_Bps);
}

double direct_broadcast_time_s(int n, std::uint64_t size_bytes, double alpha_s, double bandwidth_Bps) {
  return alpha_s + (nd(n) - 1.0) * bytes(size_bytes) / bandwidth_Bps;
}

double tree_all_reduce_time_s(int n, std::uint64_t size_bytes, double alpha_s, double bandwidth_Bps) {
  const int k = tree_pipeline_chunks(size_bytes);
  const int depth = tree_depth(n);
  if (n < 2 || k < 2 * depth) {
    throw std::domain_error(
        "tree_all_reduce_time_s: the closed form needs n >= 2 and k >= 2D, got n = " + std::to_string(n) +
        ", k = " + std::to_string(k) + ", D = " + std::to_string(depth));
  }
  int units = 0;  // half-chunks through the busiest port, summed over phases
  if (n == 2) {
    units = 2 * k;
  } else if (n == 3) {
    units = 3 * k + 3;
  } else if (is_power_of_two(n - 1)) {
    units = 4 * k + 4 * depth - 8;
  } else {
    units = 4 * k + 4 * depth - 6;
  }
  const double half_chunk = bytes(size_bytes) / (2.0 * nd(k));
  return nd(2 * depth + k - 1) * alpha_s + nd(units) * half_chunk / bandwidth_Bps;
}

double tree_broadcast_time_s(int n, std::uint64_t size_bytes, double alpha_s, double bandwidth_Bps) {
  const int k = tree_pipeline_chunks(size_bytes);
  const int levels = log2_floor(n);                                       // Db, the depth of the heap tree
  const int two_child_levels = n >= 3 ? log2_floor((n - 1) / 2) + 1 : 0;  // h2
  const int units = two_child_levels > 0 ? 2 * k + two_child_levels + levels - 2 : k + levels - 1;
  return nd(k + levels - 1) * alpha_s + nd(units) * bytes(size_bytes) / nd(k) / bandwidth_Bps;
}

double hierarchical_all_reduce_time_s(int domains, int per_domain, std::uint64_t size_bytes,
                                      double alpha_in_s, double bandwidth_in_Bps, double alpha_out_s,
                                      double bandwidth_out_Bps) {
  return 2.0 * hierarchical_all_gather_time_s(domains, per_domain, size_bytes, alpha_in_s, bandwidth_in_Bps,
                                              alpha_out_s, bandwidth_out_Bps);
}

double hierarchical_all_gather_time_s(int domains, int per_domain, std::uint64_t size_bytes,
                                      double alpha_in_s, double bandwidth_in_Bps, double alpha_out_s,
                                      double bandwidth_out_Bps) {
  const double m = nd(per_domain);
  const double g = nd(domains);
  const double shard = bytes(size_bytes) / m;
  return steps_of(m - 1.0, shard, alpha_in_s, bandwidth_in_Bps) +
         steps_of(g - 1.0, shard / g, alpha_out_s, bandwidth_out_Bps);
}

double hierarchical_reduce_scatter_time_s(int domains, int per_domain, std::uint64_t size_bytes,
                                          double alpha_in_s, double bandwidth_in_Bps, double alpha_out_s,
                                          double bandwidth_out_Bps) {
  return hierarchical_all_gather_time_s(domains, per_domain, size_bytes, alpha_in_s, bandwidth_in_Bps,
                                        alpha_out_s, bandwidth_out_Bps);
}

double torus_unidir_all_reduce_time_s(const std::vector<int>& dims, std::uint64_t size_bytes, double alpha_s,
                                      double bandwidth_Bps) {
  return 2.0 * torus_unidir_reduce_scatter_time_s(dims, size_bytes, alpha_s, bandwidth_Bps);
}

double torus_unidir_all_gather_time_s(const std::vector<int>& dims, std::uint64_t size_bytes, double alpha_s,
                                      double bandwidth_Bps) {
  return torus_unidir_reduce_scatter_time_s(dims, size_bytes, alpha_s, bandwidth_Bps);
}

double torus_unidir_reduce_scatter_time_s(const std::vector<int>& dims, std::uint64_t size_bytes,
                                          double alpha_s, double bandwidth_Bps) {
  double total = 0.0;
  double shard = bytes(size_bytes);  // what a rank is responsible for before dimension m, cut into d_m pieces
  for (int d : dims) {
    shard /= nd(d);
    total += steps_of(nd(d) - 1.0, shard, alpha_s, bandwidth_Bps);
  }
  return total;
}

std::optional<double> closed_form_time_s(std::string_view algorithm, Op op, int n, std::uint64_t size_bytes,
                                         double alpha_s, double bandwidth_Bps) {
  using Form = double (*)(int, std::uint64_t, double, double);
  Form form = nullptr;
  if (n < 2) return std::nullopt;
  if (algorithm == "ring" || algorithm == "bidir_ring") {
    const bool bidir = algorithm == "bidir_ring";
    switch (op) {
      case Op::AllReduce:
        form = ring_all_reduce_time_s;
        break;
      case Op::AllGather:
        form = ring_all_gather_time_s;
        break;
      case Op::ReduceScatter:
        form = ring_reduce_scatter_time_s;
        break;
      case Op::Broadcast:
        if (!bidir) form = ring_broadcast_time_s;
        break;
      case Op::AllToAll:
        break;
    }
  } else if (algorithm == "halving_doubling") {
    if (!is_power_of_two(n)) return std::nullopt;
    switch (op) {
      case Op::AllReduce:
        form = halving_doubling_all_reduce_time_s;
        break;
      case Op::AllGather:
        form = halving_doubling_all_gather_time_s;
        break;
      case Op::ReduceScatter:
        form = halving_doubling_reduce_scatter_time_s;
        break;
      case Op::AllToAll:
      case Op::Broadcast:
        break;
    }
  } else if (algorithm == "direct") {
    switch (op) {
      case Op::AllReduce:
        form = direct_all_reduce_time_s;
        break;
      case Op::AllGather:
        form = direct_all_gather_time_s;
        break;
      case Op::ReduceScatter:
        form = direct_reduce_scatter_time_s;
        break;
      case Op::AllToAll:
        form = direct_all_to_all_time_s;
        break;
      case Op::Broadcast:
        form = direct_broadcast_time_s;
        break;
    }
  } else if (algorithm == "torus_unidir") {
    switch (op) {
      case Op::AllReduce:
        return torus_unidir_all_reduce_time_s({n}, size_bytes, alpha_s, bandwidth_Bps);
      case Op::AllGather:
        return torus_unidir_all_gather_time_s({n}, size_bytes, alpha_s, bandwidth_Bps);
      case Op::ReduceScatter:
        return torus_unidir_reduce_scatter_time_s({n}, size_bytes, alpha_s, bandwidth_Bps);
      case Op::AllToAll:
      case Op::Broadcast:
        break;
    }
  } else if (algorithm == "tree") {
    if (op == Op::Broadcast) form = tree_broadcast_time_s;
    if (op == Op::AllReduce && tree_pipeline_chunks(size_bytes) >= 2 * tree_depth(n))
      form = tree_all_reduce_time_s;
  }
  if (form == nullptr) return std::nullopt;
  return form(n, size_bytes, alpha_s, bandwidth_Bps);
}

}  // namespace pjbit::workloads
