// Ring collectives on an uncongested ring against the alpha-beta closed forms of DESIGN.md:
//   all_reduce                  T = 2(n-1) (alpha + S/(nB))
//   all_gather, reduce_scatter  T =  (n-1) (alpha + S/(nB))
// alpha is the link's one-way latency, B its bandwidth per direction. A ring step moves one chunk of S/n
// one hop and the next step needs the chunk just received, so the model should match the closed form to
// the tick; the contract asks for 2%.
#include <gtest/gtest.h>

#include <cmath>
#include <ostream>
#include <string>

#include "report/report.h"
#include "support/sim.h"
#include "workloads/nccl_tests.h"

namespace {
namespace test_collective_closed_forms {

struct Case {
  const char* op;
  int ranks;
  const char* size;
  double size_bytes;
};

// Readable test names and failure messages instead of byte dumps.
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.op << " on " << c.ranks << " ranks of " << c.size;
}

std::string name_of(const ::testing::TestParamInfo<Case>& info) {
  std::string s =
      std::string(info.param.op) + "_" + std::to_string(info.param.ranks) + "ranks_" + info.param.size;
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

class RingClosedForm : public ::testing::TestWithParam<Case> {};

TEST_P(RingClosedForm, MatchesAlphaBeta) {
  const Case c = GetParam();
  const double bandwidth = 100e9, alpha = 700e-9;  // 500 ns flight + 2 x 100 ns retimers
  // Packets no larger than a chunk keep the pipeline honest; large packets keep 1 GiB cases fast.
  const char* packet = c.size_bytes >= 1e9 ? "1 MiB" : "64 KiB";
  const std::string platform = std::string(R"(
name: ring
packet: )") + packet + R"(
topology:
  kind: ring
  ranks: )" + std::to_string(c.ranks) +
                               R"(
  link:
    bandwidth: 100 GB/s
    latency: 500 ns
    stack:
      - { category: serdes, energy: 2 pJ/bit }
      - { category: retimer, energy: 1.5 pJ/bit, count: 2, latency: 100 ns }
)";
  const std::string workload = std::string("name: w\nsteps:\n  - collective: ") + c.op +
                               "\n    size: " + c.size + "\n    algorithm: ring\n";
  const auto o = pjbit::testing::simulate_yaml(platform, workload);

  const double n = c.ranks;
  const double steps = std::string(c.op) == "all_reduce" ? 2.0 * (n - 1.0) : n - 1.0;
  const double expected = steps * (alpha + c.size_bytes / (n * bandwidth));
  EXPECT_NEAR(o.sim.sim_time_s, expected, 0.02 * expected);
  // Tighter than the contract: the only error left should be rounding to the 1 ps tick per packet.
  EXPECT_NEAR(o.sim.sim_time_s, expected, 1e-4 * expected);

  ASSERT_EQ(o.sim.steps.size(), 1u);
  const auto& s = o.sim.steps[0];
  const double algbw = c.size_bytes / (s.end_s - s.start_s);
  const double busbw = algbw * pjbit::workloads::busbw_factor(s.op, c.ranks);
  // busbw approaches the link bandwidth as S/(nB) dominates alpha.
  EXPECT_LE(busbw, bandwidth * (1.0 + 1e-9));
  // Useful bytes follow CONTRACT section 5; a ring moves exactly them, one hop each.
  EXPECT_DOUBLE_EQ(o.sim.useful_bytes, steps * c.size_bytes);
  EXPECT_NEAR(o.sim.wire_bytes, o.sim.useful_bytes, 1e-9 * o.sim.useful_bytes);
  // Energy per useful bit is the link's stack: 2 + 2 x 1.5 pJ/bit.
  EXPECT_NEAR(o.ledger.fabric_pj_per_useful_bit, 5.0, 1e-9);
}

constexpr double MiB = 1024.0 * 1024.0;

INSTANTIATE_TEST_SUITE_P(
    Ring, RingClosedForm,
    ::testing::Values(Case{"all_reduce", 4, "1 MiB", MiB}, Case{"all_reduce", 8, "64 MiB", 64 * MiB},
                      Case{"all_reduce", 16, "1 MiB", MiB}, Case{"all_reduce", 64, "1 GiB", 1024 * MiB},
                      Case{"all_reduce", 4, "1 GiB", 1024 * MiB},
                      Case{"all_reduce", 12, "100 MiB", 100 * MiB}, Case{"all_gather", 4, "1 MiB", MiB},
                      Case{"all_gather", 16, "64 MiB", 64 * MiB}, Case{"all_gather", 64, "1 GiB", 1024 * MiB},
                      Case{"all_gather", 7, "3 MiB", 3 * MiB}, Case{"reduce_scatter", 4, "1 GiB", 1024 * MiB},
                      Case{"reduce_scatter", 8, "1 MiB", MiB}, Case{"reduce_scatter", 64, "64 MiB", 64 * MiB},
                      Case{"reduce_scatter", 33, "1 GiB", 1024 * MiB}),
    name_of);

}  // namespace test_collective_closed_forms
}  // namespace
