// The alpha-beta model of a schedule (workloads/alpha_beta.h) and the closed forms of the built-in
// algorithms: each closed form equals alpha_beta_time_s of the algorithm's own schedule when every chunk has
// the same size, and is within a byte per chunk of it otherwise. No SystemC.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "workloads/alpha_beta.h"
#include "workloads/i_collective.h"
#include "workloads/spec.h"

namespace pjbit::workloads {
namespace {
namespace test_alpha_beta {

constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kMiB = 1024 * kKiB;
constexpr double kAlpha = 1.3e-6;  // 2 x 500 ns links + a 300 ns switch
constexpr double kB = 100e9;

const std::vector<Op> kOps = {Op::AllReduce, Op::AllGather, Op::ReduceScatter, Op::AllToAll, Op::Broadcast};

std::vector<int> group_of(int n) {
  std::vector<int> g;
  for (int i = 0; i < n; ++i)
    g.push_back(i);
  return g;
}

Transfer transfer(int peer, std::uint64_t bytes) {
  Transfer t;
  t.peer = peer;
  t.bytes = bytes;
  return t;
}

TEST(AlphaBeta, HandMadeSchedule) {
  // Three ranks, four phases: 0 sends 100 to 1; nothing moves; 0 and 2 both send 60 to 1 (its port receives
  // 120); 1 sends 10 to 0 and 20 to 2 (sends 30).
  Schedule s(3, std::vector<Phase>(4));
  s[0][0].sends.push_back(transfer(1, 100));
  s[1][0].recvs.push_back(transfer(0, 100));
  s[0][2].sends.push_back(transfer(1, 60));
  s[2][2].sends.push_back(transfer(1, 60));
  s[1][2].recvs.push_back(transfer(0, 60));
  s[1][2].recvs.push_back(transfer(2, 60));
  s[1][3].sends.push_back(transfer(0, 10));
  s[1][3].sends.push_back(transfer(2, 20));
  s[0][3].recvs.push_back(transfer(1, 10));
  s[2][3].recvs.push_back(transfer(1, 20));
  const double alpha = 1.0;
  const double bw = 10.0;
  EXPECT_DOUBLE_EQ(alpha_beta_time_s(s, alpha, bw), (1 + 10.0) + (1 + 12.0) + (1 + 3.0));
  EXPECT_DOUBLE_EQ(alpha_beta_time_s(Schedule{}, alpha, bw), 0.0);
  EXPECT_DOUBLE_EQ(alpha_beta_time_s(Schedule(4, std::vector<Phase>(3)), alpha, bw), 0.0);
}

::testing::AssertionResult close(double got, double want, double tolerance) {
  if (std::fabs(got - want) <= tolerance) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "got " << got << ", want " << want << " (difference " << got - want
                                       << ", tolerance " << tolerance << ")";
}

// Every registered algorithm with a closed form, every op and group size it takes: equal on a size that
// divides into equal chunks for all of them, within a byte per chunk and phase on a size that does not.
TEST(AlphaBeta, ClosedFormsEqualTheModelOfTheSchedules) {
  // 315 MiB = 2^20 x 315: divisible by 2n for n up to 16 and by 2k = 128 (tree: k = 64).
  const std::uint64_t even = 315 * kMiB;
  const std::uint64_t odd = 315 * kMiB + 13;
  int forms = 0;
  for (const std::string name :
       {"ring", "bidir_ring", "tree", "halving_doubling", "direct", "hierarchical", "torus_unidir"}) {
    const ICollective* algo = find_collective(name);
    ASSERT_NE(algo, nullptr) << name;
    for (Op op : kOps) {
      if (!algo->supports(op)) continue;
      for (int n : {2, 3, 4, 5, 7, 8, 16}) {
        if (!algo->accepts_group_size(n, nullptr)) continue;
        const auto form = closed_form_time_s(name, op, n, even, kAlpha, kB);
        if (name == "hierarchical") {
          EXPECT_FALSE(form.has_value());
          continue;
        }
        SCOPED_TRACE(name + " " + op_name(op) + " n=" + std::to_string(n));
        ASSERT_TRUE(form.has_value());
        const Schedule s = algo->build(op, group_of(n), even);
        EXPECT_TRUE(close(*form, alpha_beta_time_s(s, kAlpha, kB), 1e-12 * *form));
        // Uneven chunks: the schedule's largest chunks are a byte larger, at most a few per phase per port.
        const Schedule u = algo->build(op, group_of(n), odd);
        const double phases = static_cast<double>(u[0].size());
        EXPECT_TRUE(close(*closed_form_time_s(name, op, n, odd, kAlpha, kB), alpha_beta_time_s(u, kAlpha, kB),
                          phases * static_cast<double>(n) / kB + 1e-12 * *form));
        ++forms;
      }
    }
  }
  EXPECT_GE(forms, 130);
}

TEST(AlphaBeta, RingAndDirectFormsByHand) {
  const std::uint64_t S = 64 * kMiB;
  const double s = static_cast<double>(S);
  EXPECT_DOUBLE_EQ(ring_all_reduce_time_s(8, S, kAlpha, kB), 14 * (kAlpha + s / (8 * kB)));
  EXPECT_DOUBLE_EQ(ring_all_gather_time_s(8, S, kAlpha, kB), 7 * (kAlpha + s / (8 * kB)));
  EXPECT_DOUBLE_EQ(halving_doubling_all_reduce_time_s(8, S, kAlpha, kB), 6 * kAlpha + 2 * 7.0 / 8 * s / kB);
  EXPECT_DOUBLE_EQ(direct_all_reduce_time_s(8, S, kAlpha, kB), 2 * kAlpha + 2 * 7.0 / 8 * s / kB);
  EXPECT_DOUBLE_EQ(direct_broadcast_time_s(8, S, kAlpha, kB), kAlpha + 7 * s / kB);
  EXPECT_DOUBLE_EQ(bidir_ring_all_reduce_time_s(8, S, kAlpha, kB), ring_all_reduce_time_s(8, S, kAlpha, kB));
  // 16 ranks, 64 MiB: k = 64, D = 4: 71 phases, U = 4 x 64 + 16 - 6 = 266 half-chunks of 512 KiB.
  EXPECT_DOUBLE_EQ(tree_all_reduce_time_s(16, S, kAlpha, kB), 71 * kAlpha + 266 * (s / 128) / kB);
  // Broadcast over 16 ranks: Db = 4 levels, h2 = 3 (nodes 0-6 have two children), k = 64:
  // 67 phases, 2 x 64 + 3 + 4 - 2 = 133 chunks of 1 MiB.
  EXPECT_DOUBLE_EQ(tree_broadcast_time_s(16, S, kAlpha, kB), 67 * kAlpha + 133 * (s / 64) / kB);
}

TEST(AlphaBeta, TreeAllReduceFormForManyGroupSizesAndPipelineDepths) {
  // S = k x 64 KiB gives exactly k pipeline chunks of 32 KiB per half.
  const ICollective* tree = find_collective("tree");
  for (int n = 2; n <= 40; ++n) {
    const int depth = tree_depth(n);
    for (int k = 2 * depth; k <= 64; k += 7) {
      SCOPED_TRACE("n=" + std::to_string(n) + " k=" + std::to_string(k));
      const std::uint64_t size = static_cast<std::uint64_t>(k) * 64 * kKiB;
      ASSERT_EQ(tree_pipeline_chunks(size), k);
      const double form = tree_all_reduce_time_s(n, size, kAlpha, kB);
      EXPECT_TRUE(close(form, alpha_beta_time_s(tree->build(Op::AllReduce, group_of(n), size), kAlpha, kB),
                        1e-12 * form));
    }
  }
  // Below k = 2D the pipeline's ramps overlap and there is no closed form.
  EXPECT_THROW(tree_all_reduce_time_s(16, 7 * 64 * kKiB, kAlpha, kB), std::domain_error);
  EXPECT_FALSE(closed_form_time_s("tree", Op::AllReduce, 16, 7 * 64 * kKiB, kAlpha, kB).has_value());
  EXPECT_TRUE(closed_form_time_s("tree", Op::AllReduce, 16, 8 * 64 * kKiB, kAlpha, kB).has_value());
}

TEST(AlphaBeta, TreeBroadcastFormForEveryPipelineDepth) {
  const ICollective* tree = find_collective("tree");
  for (int n = 2; n <= 40; ++n) {
    for (int k = 1; k <= 64; k += 3) {
      SCOPED_TRACE("n=" + std::to_string(n) + " k=" + std::to_string(k));
      const std::uint64_t size = static_cast<std::uint64_t>(k) * 64 * kKiB;
      const double form = tree_broadcast_time_s(n, size, kAlpha, kB);
      EXPECT_TRUE(close(form, alpha_beta_time_s(tree->build(Op::Broadcast, group_of(n), size), kAlpha, kB),
                        1e-12 * form));
    }
  }
}

TEST(AlphaBeta, HierarchicalFormsOnOneTier) {
  const ICollective* hier = find_collective("hierarchical");
  const std::uint64_t size = 315 * kMiB;
  for (int d : {2, 4, 8}) {
    for (int domains : {1, 2, 3, 4}) {
      const std::vector<int> group = group_of(d * domains);
      SCOPED_TRACE("inner_domain " + std::to_string(d) + ", " + std::to_string(domains) + " domains");
      const TopologyFacts facts{d};
      const double ar = hierarchical_all_reduce_time_s(domains, d, size, kAlpha, kB, kAlpha, kB);
      const double ag = hierarchical_all_gather_time_s(domains, d, size, kAlpha, kB, kAlpha, kB);
      const double rs = hierarchical_reduce_scatter_time_s(domains, d, size, kAlpha, kB, kAlpha, kB);
      EXPECT_TRUE(close(ar, alpha_beta_time_s(hier->build_on(Op::AllReduce, group, size, facts), kAlpha, kB),
                        1e-12 * ar));
      EXPECT_TRUE(close(ag, alpha_beta_time_s(hier->build_on(Op::AllGather, group, size, facts), kAlpha, kB),
                        1e-12 * ag));
      EXPECT_TRUE(close(rs,
                        alpha_beta_time_s(hier->build_on(Op::ReduceScatter, group, size, facts), kAlpha, kB),
                        1e-12 * rs));
      if (domains == 1) {
        EXPECT_TRUE(close(ar, ring_all_reduce_time_s(d, size, kAlpha, kB), 1e-12 * ar));
      }
    }
  }
  // Two tiers: the outer ring carries S/m per rank over the slower tier.
  const double two = hierarchical_all_reduce_time_s(4, 8, size, 1e-6, 450e9, 5e-6, 50e9);
  const double s = static_cast<double>(size);
  EXPECT_DOUBLE_EQ(two, 14 * (1e-6 + s / 8 / 450e9) + 6 * (5e-6 + s / 32 / 50e9));
}

// torus_unidir on tori of 2 to 4 dimensions: its forms equal the model of its schedule (built with the
// torus's dims), exactly when the size divides evenly and within a byte per chunk and phase otherwise.
TEST(AlphaBeta, TorusUnidirFormsEqualTheModelOfItsSchedules) {
  const ICollective* torus = find_collective("torus_unidir");
  ASSERT_NE(torus, nullptr);
  const std::uint64_t even = 315 * kMiB;  // 2^20 x 315: divisible by every n below
  const std::uint64_t odd = 315 * kMiB + 13;
  using Form = double (*)(const std::vector<int>&, std::uint64_t, double, double);
  const std::pair<Op, Form> forms[] = {{Op::AllReduce, torus_unidir_all_reduce_time_s},
                                       {Op::AllGather, torus_unidir_all_gather_time_s},
                                       {Op::ReduceScatter, torus_unidir_reduce_scatter_time_s}};
  for (const std::vector<int>& dims : std::vector<std::vector<int>>{
           {4, 4}, {2, 3}, {8, 4}, {3, 2, 2}, {4, 4, 4}, {5, 1, 3}, {2, 2, 2, 2}, {7}}) {
    int n = 1;
    for (int d : dims)
      n *= d;
    TopologyFacts facts;
    facts.torus_dims = dims;
    for (const auto& [op, form] : forms) {
      SCOPED_TRACE(std::string(op_name(op)) + " on " + std::to_string(dims.size()) +
                   " dims, n=" + std::to_string(n));
      const double want = form(dims, even, kAlpha, kB);
      EXPECT_TRUE(close(want, alpha_beta_time_s(torus->build_on(op, group_of(n), even, facts), kAlpha, kB),
                        1e-12 * want));
      const Schedule u = torus->build_on(op, group_of(n), odd, facts);
      const double phases = static_cast<double>(u[0].size());
      EXPECT_TRUE(close(form(dims, odd, kAlpha, kB), alpha_beta_time_s(u, kAlpha, kB),
                        phases * static_cast<double>(n) / kB + 1e-12 * want));
    }
  }
  // By hand: 4 x 4, 64 MiB all_reduce: 3 phases of S/4 along dimension 0 and 3 of S/16 along dimension 1,
  // each way; one dimension of n is the ring.
  const std::uint64_t S = 64 * kMiB;
  const double s = static_cast<double>(S);
  EXPECT_DOUBLE_EQ(torus_unidir_all_reduce_time_s({4, 4}, S, kAlpha, kB),
                   2 * (3 * (kAlpha + s / (4 * kB)) + 3 * (kAlpha + s / (16 * kB))));
  EXPECT_DOUBLE_EQ(torus_unidir_reduce_scatter_time_s({2, 2, 2}, S, kAlpha, kB),
                   (kAlpha + s / (2 * kB)) + (kAlpha + s / (4 * kB)) + (kAlpha + s / (8 * kB)));
  EXPECT_DOUBLE_EQ(torus_unidir_all_reduce_time_s({8}, S, kAlpha, kB),
                   ring_all_reduce_time_s(8, S, kAlpha, kB));
  EXPECT_DOUBLE_EQ(*closed_form_time_s("torus_unidir", Op::AllGather, 8, S, kAlpha, kB),
                   ring_all_gather_time_s(8, S, kAlpha, kB));
}

TEST(AlphaBeta, NoClosedFormWhereThereIsNoSchedule) {
  EXPECT_FALSE(closed_form_time_s("ring", Op::AllToAll, 4, kMiB, kAlpha, kB).has_value());
  EXPECT_FALSE(closed_form_time_s("bidir_ring", Op::Broadcast, 4, kMiB, kAlpha, kB).has_value());
  EXPECT_FALSE(closed_form_time_s("halving_doubling", Op::AllReduce, 6, kMiB, kAlpha, kB).has_value());
  EXPECT_FALSE(closed_form_time_s("tree", Op::AllGather, 4, kMiB, kAlpha, kB).has_value());
  EXPECT_FALSE(closed_form_time_s("hierarchical", Op::AllReduce, 4, kMiB, kAlpha, kB).has_value());
  EXPECT_FALSE(closed_form_time_s("torus_unidir", Op::Broadcast, 4, kMiB, kAlpha, kB).has_value());
  EXPECT_FALSE(closed_form_time_s("torus_unidir", Op::AllToAll, 4, kMiB, kAlpha, kB).has_value());
  EXPECT_FALSE(closed_form_time_s("nope", Op::AllReduce, 4, kMiB, kAlpha, kB).has_value());
  EXPECT_FALSE(closed_form_time_s("ring", Op::AllReduce, 1, kMiB, kAlpha, kB).has_value());
}

}  // namespace test_alpha_beta
}  // namespace
}  // namespace pjbit::workloads
