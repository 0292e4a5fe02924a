// Every collective algorithm on a single non-blocking switch against the alpha-beta model of its own schedule
// (workloads/alpha_beta.h): each phase costs alpha + (busiest port's bytes) / B, with
//   alpha = 2 x link latency + switch latency = 2 x 500 ns + 300 ns = 1.3 us (cut-through, rank-switch-rank)
//   B = 100 GB/s per direction of each rank's one port.
// The engine runs ranks asynchronously (a rank starts its next phase as soon as its own transfers are done),
// the model in lock step; the contract asks for 2%. hierarchical is checked on tiered platforms elsewhere.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "support/sim.h"
#include "workloads/alpha_beta.h"
#include "workloads/i_collective.h"

namespace {
namespace test_algorithms_alpha_beta {

using pjbit::workloads::Op;

constexpr double kMiB = 1024.0 * 1024.0;

struct Case {
  const char* algorithm;
  Op op;
  int ranks;
  const char* size;
  double size_bytes;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.algorithm << " " << pjbit::workloads::op_name(c.op) << " on " << c.ranks << " ranks of " << c.size;
}

std::string name_of(const ::testing::TestParamInfo<Case>& info) {
  std::string s = std::string(info.param.algorithm) + "_" + pjbit::workloads::op_name(info.param.op) + "_" +
                  std::to_string(info.param.ranks) + "ranks_" + info.param.size;
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

std::vector<Case> all_cases() {
  struct Size {
    const char* text;
    double bytes;
  };
  const Size sizes[] = {{"1 MiB", kMiB}, {"64 MiB", 64 * kMiB}, {"256 MiB", 256 * kMiB}};
  const Op ops[] = {Op::AllReduce, Op::AllGather, Op::ReduceScatter, Op::AllToAll, Op::Broadcast};
  std::vector<Case> cases;
  for (const char* algorithm : {"ring", "bidir_ring", "tree", "halving_doubling", "direct"}) {
    const pjbit::workloads::ICollective* algo = pjbit::workloads::find_collective(algorithm);
    if (algo == nullptr) continue;
    for (Op op : ops) {
      if (!algo->supports(op)) continue;
      for (int n : {4, 8, 16}) {
        if (!algo->accepts_group_size(n, nullptr)) continue;
        for (const Size& s : sizes)
          cases.push_back({algorithm, op, n, s.text, s.bytes});
      }
    }
  }
  return cases;
}

class AlgorithmAlphaBeta : public ::testing::TestWithParam<Case> {};

// The packet size for a schedule: the largest power of two at most 1/128 of its smallest message, from 256 B
// to 256 KiB. The alpha-beta model shares a port perfectly among the messages it carries at once (a fluid
// model); the NIC and the links share it packet by packet in turn, which comes within a few packets of that
// only when messages are many packets long. With one packet per message (a 32 KiB tree chunk in 64 KiB
// packets) round-robin degenerates to first-come first-served and the tree runs 4-6% over the model (see
// docs/validation.md).
std::uint64_t packet_for(const pjbit::workloads::Schedule& schedule) {
  std::uint64_t smallest = std::numeric_limits<std::uint64_t>::max();
  for (const auto& phases : schedule)
    for (const auto& p : phases)
      for (const auto& t : p.sends)
        smallest = std::min(smallest, t.bytes);
  std::uint64_t packet = 256;
  while (packet < 256 * 1024 && 2 * packet * 128 <= smallest)
    packet *= 2;
  return packet;
}

TEST_P(AlgorithmAlphaBeta, SimulatedTimeMatchesTheModelOfTheSchedule) {
  const Case c = GetParam();
  const double bandwidth = 100e9;
  const double alpha = 2 * 500e-9 + 300e-9;
  std::vector<int> group;
  for (int r = 0; r < c.ranks; ++r)
    group.push_back(r);
  const auto size = static_cast<std::uint64_t>(c.size_bytes);
  const pjbit::workloads::Schedule schedule =
      pjbit::workloads::find_collective(c.algorithm)->build(c.op, group, size);

  const std::string platform =
      "name: switch\nengine: packet\npacket: " + std::to_string(packet_for(schedule)) + " B" + R"(
topology:
  kind: switch
  ranks: )" +
      std::to_string(c.ranks) + R"(
  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 1 pJ/bit }
  switch: { latency: 300 ns, energy: 1 pJ/bit, radix: 64 }
)";
  const std::string workload = std::string("name: w\nsteps:\n  - collective: ") +
                               pjbit::workloads::op_name(c.op) + "\n    size: " + c.size +
                               "\n    algorithm: " + c.algorithm + "\n";
  const auto o = pjbit::testing::simulate_yaml(platform, workload);

  const double model = pjbit::workloads::alpha_beta_time_s(schedule, alpha, bandwidth);
  const double error = (o.sim.sim_time_s - model) / model;
  std::cout << "  " << name_of({c, 0}) << " (packet " << packet_for(schedule) << " B): simulated "
            << o.sim.sim_time_s * 1e6 << " us, alpha-beta " << model * 1e6 << " us, " << error * 100
            << " %\n";
  EXPECT_NEAR(o.sim.sim_time_s, model, 0.02 * model);

  // Where there is a closed form it is the same number (the unit tests check this in general).
  if (const auto form =
          pjbit::workloads::closed_form_time_s(c.algorithm, c.op, c.ranks, size, alpha, bandwidth)) {
    EXPECT_NEAR(*form, model, 1e-9 * model);
  }
  // Every byte of the schedule crosses two links (rank -> switch -> rank).
  double sent = 0.0;
  for (const auto& phases : schedule)
    for (const auto& p : phases)
      for (const auto& t : p.sends)
        sent += static_cast<double>(t.bytes);
  EXPECT_NEAR(o.sim.wire_bytes, 2.0 * sent, 1e-9 * sent);
}

INSTANTIATE_TEST_SUITE_P(SingleSwitch, AlgorithmAlphaBeta, ::testing::ValuesIn(all_cases()), name_of);

// Two receives from one peer in one phase: the two trees of `tree` share an edge in opposite directions for
// some n (ranks 13 and 14 of 16: 14 is 13's parent in tree 0 and its child in tree 1), so in some phases 14
// sends 13 two transfers, a broadcast chunk of tree 0 and a reduce chunk of tree 1, and 13 has two receives
// from 14 under the same tag. Posted one by one, the first receive could see more bytes than it expects when
// both messages had arrived before 13 posted ("internal model error: received more bytes than were posted for
// a (source, tag)"). The engine posts one receive per peer and phase, the sum of that peer's receives
// (PhaseMachine in engine/simulation.cpp); this run keeps it so.
TEST(AlgorithmAlphaBetaEngine, TwoReceivesFromOnePeerInOnePhase) {
  const std::string platform = R"(
name: switch16
engine: packet
packet: 256 KiB
topology:
  kind: switch
  ranks: 16
  link: { bandwidth: 100 GB/s, latency: 500 ns, energy: 1 pJ/bit }
  switch: { latency: 300 ns, energy: 1 pJ/bit, radix: 64 }
)";
  const std::string workload =
      "name: w\nsteps:\n  - collective: all_reduce\n    size: 64 MiB\n    algorithm: tree\n";
  EXPECT_NO_THROW(pjbit::testing::simulate_yaml(platform, workload));
}

}  // namespace test_algorithms_alpha_beta
}  // namespace
