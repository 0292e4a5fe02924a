// The alpha-beta (Hockney) model of collective schedules, and its closed forms for the built-in algorithms
// (docs/validation.md, "Collective algorithms against the alpha-beta model").
//
// Fabric assumed: a non-blocking single switch; every rank has one full-duplex port of bandwidth B bytes/s
// per direction; every message has end-to-end latency alpha (on a switch platform alpha = 2 x link latency +
// switch latency, cut-through); the messages a rank sends (receives) in one phase share its port. A phase
// then lasts alpha + max over ranks of max(bytes sent, bytes received) / B, and the phases run back to back.
// Pure functions, no SystemC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workloads/i_collective.h"
#include "workloads/spec.h"

namespace pjbit::workloads {

// Sum over phases k of (alpha + max over ranks r of max(bytes r sends in k, bytes r receives in k) / B),
// counting only phases in which some rank moves a byte. Ranks with fewer phases count as idle.
double alpha_beta_time_s(const Schedule& s, double alpha_s, double bandwidth_Bps);

// ---- Closed forms, S = size_bytes in the nccl-tests convention (CONTRACT section 5), n ranks ------------
// Each equals alpha_beta_time_s of the algorithm's schedule when every chunk has the same size (S divisible
// by the chunk count); otherwise the schedule's largest chunks are up to one byte larger.

// ring: 2(n-1) (alpha + S/(nB)).
double ring_all_reduce_time_s(int n, std::uint64_t size_bytes, double alpha_s, double bandwidth_Bps);
// ring all_gather and reduce_scatter: (n-1) (alpha + S/(nB)).
double ring_all_gather_time_s(int n, std::uint64_t size_bytes, double alpha_s, double bandwidth_Bps);
double ring_reduce_scatter_time_s(int n, std::uint64_t size_bytes, double alpha_s, double bandwidth_Bps);
// ring broadcast, a chain of n chunks: 2(n-1) (alpha + S/(nB)).
double ring_broadcast_time_s(int n, std::uint64_t size_bytes, double alpha_s, double bandwidth_Bps);

// bidir_ring: the ring's forms. Each phase a rank sends two half chunks (one each way round) and receives
// two, S/n in all, through its one port: no gain over a ring on this fabric.
double bidir_ring_all_reduce_time_s(int n, std::uint64_t size_bytes, double alpha_s, double bandwidth_Bps);
double bidir_ring_all_gather_time_s(int n, std::uint64_t size_bytes, double alpha_s, double bandwidth_Bps);
double bidir_ring_reduce_scatter_time_s(int n, std::uint64_t size_bytes, double alpha_s,
                                        double bandwidth_Bps);

// halving_doubling (n a power of two): all_reduce 2 log2(n) alpha + 2 (n-1)/n S/B; all_gather and
// reduce_scatter log2(n) alpha + (n-1)/n S/B.
double halving_doubling_all_reduce_time_s(int n, std::uint64_t size_bytes, double alpha_s,
                                          double bandwidth_Bps);
double halving_doubling_all_gather_time_s(int n, std::uint64_t size_bytes, double alpha_s,
                                          double bandwidth_Bps);
double halving_doubling_reduce_scatter_time_s(int n, std::uint64_t size_bytes, double alpha_s,
                                              double bandwidth_Bps);

// direct: all_reduce 2 alpha + 2 (n-1)/n S/B; all_gather, reduce_scatter and all_to_all alpha + (n-1)/n S/B;
// broadcast alpha + (n-1) S/B (the root sends the whole buffer to every other rank).
double direct_all_reduce_time_s(int n, std::uint64_t size_bytes, double alpha_s, double bandwidth_Bps);
double direct_all_gather_time_s(int n, std::uint64_t size_bytes, double alpha_s, double bandwidth_Bps);
double direct_reduce_scatter_time_s(int n, std::uint64_t size_bytes, double alpha_s, double bandwidth_Bps);
double direct_all_to_all_time_s(int n, std::uint64_t size_bytes, double alpha_s, double bandwidth_Bps);
double direct_broadcast_time_s(int n, std::uint64_t size_bytes, double alpha_s, double bandwidth_Bps);

// tree (impl/tree.cpp). Pipeline chunks k = clamp(floor(S / 64 KiB), 1, 64); depth D = ceil(log2 n).
int tree_pipeline_chunks(std::uint64_t size_bytes);
int tree_depth(int n);
// tree all_reduce, for k >= 2D (S >= 2D x 64 KiB; throws std::domain_error below that, where the ramps of
// the pipeline overlap and the phase loads have no simple form):
//   T = (2D + k - 1) alpha + U S / (2kB)
// 2D + k - 1 phases; U counts the half-chunks (S/(2k) bytes) moved by the busiest port, summed over phases.
// In the steady state a node interior to one tree (two children and a parent) and a leaf of the other sends
// and receives 4 half-chunks a phase; the ramps at either end are D phases of 2, one of 3 (two when
// n = 2^j + 1, where the top of tree 0 is a chain of two single-child nodes):
//   U = 4k + 4D - 6   (n >= 4, n != 2^j + 1)
//   U = 4k + 4D - 8   (n = 2^j + 1 >= 5)
//   U = 3k + 3        (n = 3: the trees are chains, at most 3 half-chunks a phase)
//   U = 2k            (n = 2)
// For large k this tends to (k + 2D) alpha + 2S/B: a ring's bandwidth term is 2(n-1)/n S/B, so on one port
// per rank the tree trades up to n/(n-1) in bandwidth for 2D instead of 2(n-1) latencies.
double tree_all_reduce_time_s(int n, std::uint64_t size_bytes, double alpha_s, double bandwidth_Bps);
// tree broadcast, a pipelined binary heap tree from group[0], any k: Db = floor(log2 n) levels; a node with
// two children sends two chunks of S/k a phase; h2 = the number of levels holding such a node (floor(log2
// floor((n-1)/2)) + 1 for n >= 3, 0 for n = 2):
//   T = (k + Db - 1) alpha + (2k + h2 + Db - 2) S/(kB)   (n >= 3)
//   T = k alpha + S/B                                      (n = 2)
double tree_broadcast_time_s(int n, std::uint64_t size_bytes, double alpha_s, double bandwidth_Bps);

// hierarchical over G domains of m ranks each (impl/hierarchical.cpp), with an inner tier (alpha_in, B_in)
// and an outer tier (alpha_out, B_out), each rank on one port per tier:
//   all_reduce                  2(m-1) (alpha_in + S/(m B_in)) + 2(G-1) (alpha_out + S/(mG B_out))
//   all_gather, reduce_scatter   (m-1) (alpha_in + S/(m B_in)) +  (G-1) (alpha_out + S/(mG B_out))
// On a single switch (one tier) pass the same alpha and B for both; then all_reduce moves the bytes of a
// ring, 2(n-1)/n S per rank, in 2(m-1) + 2(G-1) instead of 2(n-1) phases.
double hierarchical_all_reduce_time_s(int domains, int per_domain, std::uint64_t size_bytes,
                                      double alpha_in_s, double bandwidth_in_Bps, double alpha_out_s,
                                      double bandwidth_out_Bps);
double hierarchical_all_gather_time_s(int domains, int per_domain, std::uint64_t size_bytes,
                                      double alpha_in_s, double bandwidth_in_Bps, double alpha_out_s,
                                      double bandwidth_out_Bps);
double hierarchical_reduce_scatter_time_s(int domains, int per_domain, std::uint64_t size_bytes,
                                          double alpha_in_s, double bandwidth_in_Bps, double alpha_out_s,
                                          double bandwidth_out_Bps);

// torus_unidir over a torus of dims d_0 x ... x d_{k-1} (impl/torus_ring.cpp): one ring a dimension, in one
// direction, carrying the whole buffer; along dimension m a rank sends S / (d_0 ... d_m) a phase:
//   reduce_scatter, all_gather   sum_m (d_m - 1) (alpha + S / (d_0 ... d_m B))
//   all_reduce                   2 sum_m (d_m - 1) (alpha + S / (d_0 ... d_m B))
// A rank sends to one neighbour and receives from one a phase, so the form holds on the switch above and on
// the torus itself (alpha: one link's latency, B: its bandwidth). dims {n} give the ring's forms.
double torus_unidir_all_reduce_time_s(const std::vector<int>& dims, std::uint64_t size_bytes, double alpha_s,
                                      double bandwidth_Bps);
double torus_unidir_all_gather_time_s(const std::vector<int>& dims, std::uint64_t size_bytes, double alpha_s,
                                      double bandwidth_Bps);
double torus_unidir_reduce_scatter_time_s(const std::vector<int>& dims, std::uint64_t size_bytes,
                                          double alpha_s, double bandwidth_Bps);

// The closed form of `algorithm` for `op` over n ranks on the single-switch fabric above (torus_unidir as
// it runs without a torus, one dimension of n); nullopt when there
// is none (unsupported op, a group size the algorithm refuses, tree all_reduce with k < 2D, hierarchical,
// which needs the topology).
std::optional<double> closed_form_time_s(std::string_view algorithm, Op op, int n, std::uint64_t size_bytes,
                                         double alpha_s, double bandwidth_Bps);

// Why `hierarchical` cannot run over `group` with `facts` (impl/hierarchical.cpp): "" when it can, otherwise
// a message naming two domains with different numbers of the group's ranks. build_on throws
// std::invalid_argument with the same message; the engine calls this first to report an input error.
std::string hierarchical_refusal(const std::vector<int>& group, const TopologyFacts& facts);

}  // namespace pjbit::workloads
