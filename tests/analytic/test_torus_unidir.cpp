// torus_unidir on a torus against its closed form (workloads/alpha_beta.h): one ring a dimension, in the +1
// direction, carrying the whole buffer, reduce-scatter over dimensions 0..k-1 and all-gather back:
//   reduce_scatter, all_gather   T = sum_m (d_m - 1) (alpha + S / (d_0 ... d_m B))
//   all_reduce                   T = 2 sum_m (d_m - 1) (alpha + S / (d_0 ... d_m B))
// Every transfer goes to a torus neighbour over one link, so alpha is the link's latency (500 ns flight and
// two 100 ns retimers) and B its bandwidth; a rank sends on one link and receives on another in each phase.
// A phase needs what the one before it delivered, so the simulation should match the form to the tick (the
// contract asks for 2%), on the packet engine and on the flow engine.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "support/sim.h"
#include "workloads/alpha_beta.h"
#include "workloads/nccl_tests.h"

namespace {
namespace test_torus_unidir {

using pjbit::workloads::Op;

struct Case {
  std::vector<int> dims;
  Op op;
  const char* size;
  std::uint64_t size_bytes;
  const char* engine;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << pjbit::workloads::op_name(c.op) << " of " << c.size << " on a " << c.dims.size() << "-D torus ("
      << c.engine << ")";
}

std::string dims_text(const std::vector<int>& dims, const char* sep) {
  std::string s;
  for (std::size_t m = 0; m < dims.size(); ++m)
    s += (m > 0 ? sep : "") + std::to_string(dims[m]);
  return s;
}

std::string name_of(const ::testing::TestParamInfo<Case>& info) {
  std::string s = std::string(pjbit::workloads::op_name(info.param.op)) + "_" +
                  dims_text(info.param.dims, "x") + "_" + info.param.size + "_" + info.param.engine;
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

class TorusUnidirClosedForm : public ::testing::TestWithParam<Case> {};

TEST_P(TorusUnidirClosedForm, MatchesAlphaBeta) {
  const Case& c = GetParam();
  const double bandwidth = 100e9, alpha = 700e-9;
  const std::string platform =
      "name: torus\nengine: " + std::string(c.engine) +
      "\npacket: 64 KiB\ntopology:\n  kind: torus\n  dims: [" + dims_text(c.dims, ", ") +
      "]\n"
      "  link:\n    bandwidth: 100 GB/s\n    latency: 500 ns\n    stack:\n"
      "      - { category: serdes, energy: 2 pJ/bit }\n"
      "      - { category: retimer, energy: 1.5 pJ/bit, count: 2, latency: 100 ns }\n";
  const std::string workload = std::string("name: w\nsteps:\n  - collective: ") +
                               pjbit::workloads::op_name(c.op) + "\n    size: " + c.size +
                               "\n    algorithm: torus_unidir\n";
  const auto o = pjbit::testing::simulate_yaml(platform, workload);
  ASSERT_EQ(o.sim.engine, c.engine);

  double model = 0.0;
  switch (c.op) {
    case Op::AllReduce:
      model = pjbit::workloads::torus_unidir_all_reduce_time_s(c.dims, c.size_bytes, alpha, bandwidth);
      break;
    case Op::AllGather:
      model = pjbit::workloads::torus_unidir_all_gather_time_s(c.dims, c.size_bytes, alpha, bandwidth);
      break;
    case Op::ReduceScatter:
      model = pjbit::workloads::torus_unidir_reduce_scatter_time_s(c.dims, c.size_bytes, alpha, bandwidth);
      break;
    case Op::AllToAll:
    case Op::Broadcast:
      FAIL() << "torus_unidir does not implement " << pjbit::workloads::op_name(c.op);
  }
  EXPECT_NEAR(o.sim.sim_time_s, model, 0.02 * model);
  // Tighter than the contract: what is left is rounding to the 1 ps tick per packet.
  EXPECT_NEAR(o.sim.sim_time_s, model, 1e-4 * model);

  int n = 1;
  for (int d : c.dims)
    n *= d;
  ASSERT_EQ(o.sim.steps.size(), 1u);
  EXPECT_EQ(o.sim.steps[0].algorithm, "torus_unidir");
  // Useful bytes follow CONTRACT section 5, and every byte crosses one link: wire bytes are the useful bytes.
  const double useful = pjbit::workloads::useful_bytes(c.op, c.size_bytes, n);
  EXPECT_DOUBLE_EQ(o.sim.useful_bytes, useful);
  EXPECT_NEAR(o.sim.wire_bytes, useful, 1e-9 * useful);
  // Only the +1 direction of each dimension carries bytes: on a torus whose dimensions are all longer than
  // 2, half of the link directions stay idle.
  bool long_dims = true;
  for (int d : c.dims)
    long_dims = long_dims && d > 2;
  if (long_dims) {
    int idle = 0;
    for (const auto& l : o.sim.links)
      idle += l.bytes == 0.0 ? 1 : 0;
    EXPECT_EQ(static_cast<std::size_t>(2 * idle), o.sim.links.size());
  }
  // Energy per useful bit is the link's stack: 2 + 2 x 1.5 pJ/bit.
  EXPECT_NEAR(o.ledger.fabric_pj_per_useful_bit, 5.0, 1e-9);
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (const char* engine : {"packet", "flow"}) {
    for (Op op : {Op::AllReduce, Op::AllGather, Op::ReduceScatter}) {
      cases.push_back({{4, 4}, op, "64 MiB", 64ull << 20, engine});
      cases.push_back({{3, 4, 2}, op, "48 MiB", 48ull << 20, engine});
      cases.push_back({{4, 3, 3}, op, "1 MiB", 1ull << 20, engine});  // 36 ranks: uneven chunks
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Torus, TorusUnidirClosedForm, ::testing::ValuesIn(all_cases()), name_of);

}  // namespace test_torus_unidir
}  // namespace
