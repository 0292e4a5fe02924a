// Collective algorithms as pure schedules (workloads/i_collective.h): every send has its receive, a symbolic
// data-flow run of each schedule ends with the data where the collective says it must be, byte totals and
// phase counts match their closed forms, and refusals are explicit. No SystemC.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "workloads/alpha_beta.h"
#include "workloads/i_collective.h"
#include "workloads/nccl_tests.h"
#include "workloads/rings.h"
#include "workloads/spec.h"

namespace pjbit::workloads {
namespace {
namespace test_collectives {

constexpr std::uint64_t kMiB = 1024ull * 1024ull;
constexpr std::uint64_t kGiB = 1024ull * kMiB;

const std::vector<Op> kOps = {Op::AllReduce, Op::AllGather, Op::ReduceScatter, Op::AllToAll, Op::Broadcast};
const std::vector<int> kGroupSizes = {2, 3, 4, 5, 7, 8, 16};
const std::vector<std::uint64_t> kSizes = {0, 1, 1000, kMiB, kGiB + 3};

// Global rank ids that are neither 0-based nor contiguous nor sorted, so a peer that is really a group index
// cannot pass for a rank id.
std::vector<int> make_group(int n) {
  std::vector<int> group;
  for (int i = 0; i < n; ++i)
    group.push_back(1000 - 7 * i);
  return group;
}

int index_of(const std::vector<int>& group, int rank) {
  const auto it = std::find(group.begin(), group.end(), rank);
  return it == group.end() ? -1 : static_cast<int>(it - group.begin());
}

std::string describe(const std::string& algo, Op op, int n, std::uint64_t size) {
  std::ostringstream out;
  out << algo << " " << op_name(op) << " n=" << n << " size=" << size;
  return out.str();
}

// Calls fn(algorithm, op, n, size) for every registered algorithm, supported op, accepted group size and
// size.
template <class Fn>
void for_each_case(Fn fn) {
  for (const std::string& name : collective_names()) {
    // in_network, nvls, nvls_tree and collnet talk to switches' reduction engines (peers outside the group)
    // and have their own tests (test_in_switch.cpp).
    if (name == "in_network" || name == "nvls" || name == "nvls_tree" || name == "collnet") continue;
    const ICollective* algo = find_collective(name);
    for (Op op : kOps) {
      if (!algo->supports(op)) continue;
      for (int n : kGroupSizes) {
        if (!algo->accepts_group_size(n, nullptr)) continue;
        for (std::uint64_t size : kSizes) {
          SCOPED_TRACE(describe(name, op, n, size));
          fn(*algo, op, n, size);
        }
      }
    }
  }
}

std::uint64_t total_sent(const Schedule& s) {
  std::uint64_t total = 0;
  for (const auto& phases : s) {
    for (const Phase& p : phases) {
      for (const Transfer& t : p.sends)
        total += t.bytes;
    }
  }
  return total;
}

std::uint64_t sent_by(const Schedule& s, int index) {
  std::uint64_t total = 0;
  for (const Phase& p : s[static_cast<std::size_t>(index)]) {
    for (const Transfer& t : p.sends)
      total += t.bytes;
  }
  return total;
}

// ---- (a) matching ----------------------------------------------------------------------------------------

// One transfer seen from either side: (phase, from index, to index, bytes, chunks).
using Edge = std::tuple<int, int, int, std::uint64_t, std::vector<int>>;

::testing::AssertionResult sends_match_recvs(const Schedule& s, const std::vector<int>& group) {
  const int n = static_cast<int>(group.size());
  if (static_cast<int>(s.size()) != n) {
    return ::testing::AssertionFailure() << "schedule has " << s.size() << " ranks, group " << n;
  }
  std::vector<Edge> sends;
  std::vector<Edge> recvs;
  for (int r = 0; r < n; ++r) {
    const auto& phases = s[static_cast<std::size_t>(r)];
    if (phases.size() != s[0].size()) {
      return ::testing::AssertionFailure()
             << "rank index " << r << " has " << phases.size() << " phases, index 0 has " << s[0].size();
    }
    for (int k = 0; k < static_cast<int>(phases.size()); ++k) {
      const Phase& p = phases[static_cast<std::size_t>(k)];
      for (int side = 0; side < 2; ++side) {
        for (const Transfer& t : side == 0 ? p.sends : p.recvs) {
          const int peer = index_of(group, t.peer);
          if (peer < 0) return ::testing::AssertionFailure() << "peer " << t.peer << " is not in the group";
          if (peer == r) return ::testing::AssertionFailure() << "rank index " << r << " transfers to itself";
          if (t.bytes == 0) return ::testing::AssertionFailure() << "zero-byte transfer in phase " << k;
          if (side == 0) {
            sends.emplace_back(k, r, peer, t.bytes, std::vector<int>(t.chunks.begin(), t.chunks.end()));
          } else {
            recvs.emplace_back(k, peer, r, t.bytes, std::vector<int>(t.chunks.begin(), t.chunks.end()));
          }
        }
      }
    }
  }
  std::sort(sends.begin(), sends.end());
  std::sort(recvs.begin(), recvs.end());
  if (sends != recvs) {
    std::vector<Edge> unmatched;
    std::set_symmetric_difference(sends.begin(), sends.end(), recvs.begin(), recvs.end(),
                                  std::back_inserter(unmatched));
    const Edge& e = unmatched.front();
    return ::testing::AssertionFailure()
           << unmatched.size() << " unmatched transfers, e.g. phase " << std::get<0>(e) << " "
           << std::get<1>(e) << "->" << std::get<2>(e) << " " << std::get<3>(e) << " bytes";
  }
  return ::testing::AssertionSuccess();
}

// ---- (b) symbolic data flow ------------------------------------------------------------------------------

// The chunk layout Transfer::chunks refers to (see i_collective.h and each algorithm's header comment): sizes
// by chunk id, and the group index each chunk belongs to (the rank that contributes it to an all_gather, or
// ends with it after a reduce_scatter / receives it in an all_to_all).
struct Layout {
  std::vector<std::uint64_t> sizes;
  std::vector<int> owner;
};

// hierarchical's domains as the test understands them: domain r / inner_domain (one domain when 0), in order
// of first appearance in the group, members in group order.
std::vector<std::vector<int>> domains_of(const std::vector<int>& group, int inner_domain) {
  std::vector<std::vector<int>> domains;
  std::map<int, std::size_t> slot;
  for (std::size_t i = 0; i < group.size(); ++i) {
    const int d = inner_domain > 0 ? group[i] / inner_domain : 0;
    const auto [it, fresh] = slot.emplace(d, domains.size());
    if (fresh) domains.emplace_back();
    domains[it->second].push_back(static_cast<int>(i));
  }
  return domains;
}

Layout layout_for(const std::string& algo, Op op, const std::vector<int>& group, std::uint64_t size,
                  const TopologyFacts& facts = {}) {
  const int n = static_cast<int>(group.size());
  Layout l;
  if (algo == "bidir_ring" || (algo == "torus_ring" && facts.torus_dims.empty())) {
    const std::vector<std::uint64_t> halves = split_even(size, 2);
    for (int h = 0; h < 2; ++h) {
      for (std::uint64_t b : split_even(halves[static_cast<std::size_t>(h)], n))
        l.sizes.push_back(b);
    }
  } else if (algo == "tree" || algo == "node_tree") {
    // all_reduce: chunk c of half h is h*k + c, halves split_even(size, 2) each in split_even(half, k);
    // broadcast: split_even(size, k). k = tree_pipeline_chunks(size). No owners: every rank ends with all.
    const int k = tree_pipeline_chunks(size);
    if (op == Op::AllReduce) {
      for (std::uint64_t half : split_even(size, 2)) {
        for (std::uint64_t b : split_even(half, k))
          l.sizes.push_back(b);
      }
    } else {
      l.sizes = split_even(size, k);
    }
    l.owner.assign(l.sizes.size(), 0);
    return l;
  } else if (algo == "hierarchical") {
    // Piece g of shard j (split_even(split_even(size, m)[j], G)[g]) is chunk j*G + g and belongs to member j
    // of domain g.
    const std::vector<std::vector<int>> domains = domains_of(group, facts.inner_domain);
    const int G = static_cast<int>(domains.size());
    const int m = static_cast<int>(domains.front().size());
    const std::vector<std::uint64_t> shards = split_even(size, m);
    for (int j = 0; j < m; ++j) {
      const std::vector<std::uint64_t> pieces = split_even(shards[static_cast<std::size_t>(j)], G);
      for (int g = 0; g < G; ++g) {
        l.sizes.push_back(pieces[static_cast<std::size_t>(g)]);
        l.owner.push_back(domains[static_cast<std::size_t>(g)][static_cast<std::size_t>(j)]);
      }
    }
    return l;
  } else {
    l.sizes = split_even(size, n);
  }
  for (int c = 0; c < static_cast<int>(l.sizes.size()); ++c)
    l.owner.push_back(c % n);
  return l;
}

// A chunk's value: how many times each rank's contribution has been added into it. Reduced over all ranks
// means all ones; a double-counted contribution shows as a 2.
using Counts = std::vector<int>;
using Holdings = std::map<int, Counts>;  // chunk id -> value, per rank

Counts unit(int n, int rank) {
  Counts c(static_cast<std::size_t>(n), 0);
  c[static_cast<std::size_t>(rank)] = 1;
  return c;
}

// Checks a transfer's chunk list against the layout.
::testing::AssertionResult chunks_consistent(const Transfer& t, const Layout& l) {
  std::uint64_t sum = 0;
  std::set<int> seen;
  for (int c : t.chunks) {
    if (c < 0 || c >= static_cast<int>(l.sizes.size())) {
      return ::testing::AssertionFailure() << "chunk id " << c << " out of range";
    }
    if (!seen.insert(c).second) return ::testing::AssertionFailure() << "chunk " << c << " listed twice";
    if (l.sizes[static_cast<std::size_t>(c)] == 0) {
      return ::testing::AssertionFailure() << "empty chunk " << c << " listed";
    }
    sum += l.sizes[static_cast<std::size_t>(c)];
  }
  if (sum != t.bytes) {
    return ::testing::AssertionFailure() << "transfer of " << t.bytes << " bytes lists chunks of " << sum;
  }
  return ::testing::AssertionSuccess();
}

// How a received chunk combines with what the receiver holds: a copy when the receiver does not hold the
// chunk yet or the incoming value already contains everything the receiver's holds (it overwrites it), a
// reduction when the two have no contribution in common (it is added). Anything else would double-count.
enum class Combine { Copy, Add, Overlap };

Combine combine(const Holdings& mine, int chunk, const Counts& in) {
  const auto it = mine.find(chunk);
  if (it == mine.end()) return Combine::Copy;
  bool covers = true;
  bool disjoint = true;
  for (std::size_t o = 0; o < in.size(); ++o) {
    covers = covers && in[o] >= it->second[o];
    disjoint = disjoint && (in[o] == 0 || it->second[o] == 0);
  }
  if (covers) return Combine::Copy;
  return disjoint ? Combine::Add : Combine::Overlap;
}

// Runs the schedule phase by phase on symbolic buffers. Sends read the state at the start of the phase; each
// received chunk is a copy or a reduction (see combine), and a phase's reduce_bytes must be exactly the bytes
// of the chunks it reduces. A phase, even one transfer, may mix both: in a pipelined tree a rank reduces what
// its children send while the broadcast comes down from its parent. all_to_all is tracked per (origin, chunk)
// since each rank's blocks differ.
::testing::AssertionResult data_flow_correct(const Layout& l, Op op, const Schedule& s,
                                             const std::vector<int>& group) {
  const int n = static_cast<int>(group.size());
  const int num_chunks = static_cast<int>(l.sizes.size());
  const auto nonempty = [&](int c) { return l.sizes[static_cast<std::size_t>(c)] > 0; };
  const bool reducing = op == Op::AllReduce || op == Op::ReduceScatter;

  std::vector<Holdings> held(static_cast<std::size_t>(n));
  std::vector<std::set<std::pair<int, int>>> blocks(static_cast<std::size_t>(n));  // all_to_all
  for (int r = 0; r < n; ++r) {
    for (int c = 0; c < num_chunks; ++c) {
      if (!nonempty(c)) continue;
      auto& mine = held[static_cast<std::size_t>(r)];
      switch (op) {
        case Op::AllReduce:
        case Op::ReduceScatter:
          mine[c] = unit(n, r);
          break;
        case Op::AllGather:
          if (l.owner[static_cast<std::size_t>(c)] == r) mine[c] = unit(n, r);
          break;
        case Op::Broadcast:
          if (r == 0) mine[c] = unit(n, 0);
          break;
        case Op::AllToAll:
          blocks[static_cast<std::size_t>(r)].insert({r, c});
          break;
      }
    }
  }

  const int phases = s.empty() ? 0 : static_cast<int>(s[0].size());
  for (int k = 0; k < phases; ++k) {
    const std::vector<Holdings> start = held;
    for (int r = 0; r < n; ++r) {
      const Phase& p = s[static_cast<std::size_t>(r)][static_cast<std::size_t>(k)];
      std::uint64_t reduced = 0;
      for (const Transfer& t : p.sends) {
        if (auto ok = chunks_consistent(t, l); !ok) return ok;
      }
      for (const Transfer& t : p.recvs) {
        if (auto ok = chunks_consistent(t, l); !ok) return ok;
        const int from = index_of(group, t.peer);
        if (from < 0)
          return ::testing::AssertionFailure() << "phase " << k << ": peer " << t.peer << " not in the group";
        if (op != Op::AllToAll) {
          for (int c : t.chunks) {
            if (start[static_cast<std::size_t>(from)].count(c) == 0) {
              return ::testing::AssertionFailure()
                     << "phase " << k << ": index " << from << " sends chunk " << c << " it does not hold";
            }
          }
        }
        for (int c : t.chunks) {
          if (op == Op::AllToAll) {
            // A direct delivery of the sender's own block c to its owner.
            if (l.owner[static_cast<std::size_t>(c)] != r) {
              return ::testing::AssertionFailure()
                     << "phase " << k << ": block " << c << " delivered to index " << r;
            }
            blocks[static_cast<std::size_t>(r)].insert({from, c});
            continue;
          }
          const Counts& in = start[static_cast<std::size_t>(from)].at(c);
          Holdings& mine = held[static_cast<std::size_t>(r)];
          switch (combine(mine, c, in)) {
            case Combine::Overlap:
              return ::testing::AssertionFailure()
                     << "phase " << k << ": index " << r << " receives chunk " << c << " from " << from
                     << " double-counting a contribution";
            case Combine::Add:
              for (int o = 0; o < n; ++o)
                mine[c][static_cast<std::size_t>(o)] += in[static_cast<std::size_t>(o)];
              reduced += l.sizes[static_cast<std::size_t>(c)];
              break;
            case Combine::Copy:
              mine[c] = in;
              break;
          }
        }
      }
      if (p.reduce_bytes != reduced || (reduced != 0 && !reducing)) {
        return ::testing::AssertionFailure() << "phase " << k << " index " << r << ": reduce_bytes "
                                             << p.reduce_bytes << " but " << reduced << " bytes reduced";
      }
    }
  }

  const Counts all(static_cast<std::size_t>(n), 1);
  for (int r = 0; r < n; ++r) {
    const Holdings& mine = held[static_cast<std::size_t>(r)];
    for (int c = 0; c < num_chunks; ++c) {
      if (!nonempty(c)) continue;
      const int owner = l.owner[static_cast<std::size_t>(c)];
      const auto it = mine.find(c);
      const bool has = it != mine.end();
      bool ok = true;
      switch (op) {
        case Op::AllReduce:
          ok = has && it->second == all;
          break;
        case Op::ReduceScatter:
          ok = owner != r || (has && it->second == all);
          break;
        case Op::AllGather:
          ok = has && it->second == unit(n, owner);
          break;
        case Op::Broadcast:
          ok = has && it->second == unit(n, 0);
          break;
        case Op::AllToAll:
          if (owner == r) {
            for (int o = 0; o < n; ++o)
              ok = ok && blocks[static_cast<std::size_t>(r)].count({o, c}) == 1;
          }
          break;
      }
      if (!ok)
        return ::testing::AssertionFailure() << "at the end index " << r << " has chunk " << c << " wrong";
    }
  }
  return ::testing::AssertionSuccess();
}

// Whether phase k of `plan` equals the schedule's, transfer for transfer, for every index and phase, and the
// plan names every peer it sends to.
::testing::AssertionResult plan_equals_schedule(const SchedulePlan& plan, const Schedule& s) {
  Phase scratch;
  if (plan.group_size() != static_cast<int>(s.size()))
    return ::testing::AssertionFailure()
           << "plan of " << plan.group_size() << " ranks, schedule " << s.size();
  const auto same = [](const Transfer& a, const Transfer& b) {
    return a.peer == b.peer && a.bytes == b.bytes && a.chunks == b.chunks;
  };
  for (int i = 0; i < plan.group_size(); ++i) {
    const auto& phases = s[static_cast<std::size_t>(i)];
    if (plan.phases(i) != static_cast<int>(phases.size()))
      return ::testing::AssertionFailure()
             << "index " << i << ": " << plan.phases(i) << " phases against " << phases.size();
    std::vector<int> peers;
    plan.send_peers(i, peers);
    for (int k = 0; k < plan.phases(i); ++k) {
      const Phase& want = phases[static_cast<std::size_t>(k)];
      const Phase& got = plan.phase(i, k, scratch);
      bool ok = got.reduce_bytes == want.reduce_bytes && got.sends.size() == want.sends.size() &&
                got.recvs.size() == want.recvs.size();
      for (std::size_t t = 0; ok && t < want.sends.size(); ++t)
        ok = same(got.sends[t], want.sends[t]) &&
             std::find(peers.begin(), peers.end(), want.sends[t].peer) != peers.end();
      for (std::size_t t = 0; ok && t < want.recvs.size(); ++t)
        ok = same(got.recvs[t], want.recvs[t]);
      if (!ok) return ::testing::AssertionFailure() << "index " << i << " phase " << k << " differs";
    }
  }
  return ::testing::AssertionSuccess();
}

// ---- tests -----------------------------------------------------------------------------------------------

TEST(SplitEven, SizesDifferByAtMostOneLargerFirstSumExact) {
  EXPECT_EQ(split_even(10, 3), (std::vector<std::uint64_t>{4, 3, 3}));
  EXPECT_EQ(split_even(11, 3), (std::vector<std::uint64_t>{4, 4, 3}));
  EXPECT_EQ(split_even(2, 4), (std::vector<std::uint64_t>{1, 1, 0, 0}));
  EXPECT_EQ(split_even(0, 2), (std::vector<std::uint64_t>{0, 0}));
  EXPECT_EQ(split_even(kGiB + 3, 1), (std::vector<std::uint64_t>{kGiB + 3}));
  for (std::uint64_t total : kSizes) {
    for (int n : kGroupSizes) {
      const auto parts = split_even(total, n);
      ASSERT_EQ(parts.size(), static_cast<std::size_t>(n));
      std::uint64_t sum = 0;
      for (std::uint64_t b : parts)
        sum += b;
      EXPECT_EQ(sum, total);
      EXPECT_TRUE(std::is_sorted(parts.rbegin(), parts.rend()));
      EXPECT_LE(parts.front() - parts.back(), 1u);
    }
  }
  EXPECT_THROW(split_even(10, 0), std::invalid_argument);
}

TEST(Names, OpsAndClasses) {
  EXPECT_STREQ(op_name(Op::AllReduce), "all_reduce");
  EXPECT_STREQ(op_name(Op::AllGather), "all_gather");
  EXPECT_STREQ(op_name(Op::ReduceScatter), "reduce_scatter");
  EXPECT_STREQ(op_name(Op::AllToAll), "all_to_all");
  EXPECT_STREQ(op_name(Op::Broadcast), "broadcast");
  EXPECT_STREQ(class_name(TransportClass::LatencyCritical), "latency_critical");
  EXPECT_STREQ(class_name(TransportClass::Control), "control");
  EXPECT_STREQ(class_name(TransportClass::Collective), "collective");
  EXPECT_STREQ(class_name(TransportClass::RemoteMemory), "remote_memory");
  EXPECT_STREQ(class_name(TransportClass::Bulk), "bulk");
}

TEST(Registry, StableOrderAndLookup) {
  const std::vector<std::string> names = collective_names();
  const std::vector<std::string> builtin = {"ring",   "bidir_ring",  "tree", "halving_doubling",
                                            "direct", "hierarchical"};
  ASSERT_GE(names.size(), builtin.size());
  EXPECT_TRUE(std::equal(builtin.begin(), builtin.end(), names.begin()));
  EXPECT_EQ(names, collective_names());
  for (const std::string& name : names) {
    const ICollective* algo = find_collective(name);
    ASSERT_NE(algo, nullptr) << name;
    EXPECT_EQ(algo->name(), name);
  }
  EXPECT_EQ(find_collective("nope"), nullptr);
  EXPECT_EQ(find_collective(""), nullptr);
}

TEST(Collectives, EverySendHasAMatchingRecv) {
  int cases = 0;
  for_each_case([&](const ICollective& algo, Op op, int n, std::uint64_t size) {
    const std::vector<int> group = make_group(n);
    const Schedule s = algo.build(op, group, size);
    EXPECT_TRUE(sends_match_recvs(s, group));
    if (size == 0) {
      EXPECT_EQ(total_sent(s), 0u);
    }
    ++cases;
  });
  EXPECT_GT(cases, 300);
}

TEST(Collectives, EveryPlanEqualsItsSchedule) {
  // The engine runs plans; an algorithm that generates its phases (the rings) must give exactly the schedule
  // build_on gives, transfer for transfer and in order, and name every peer it sends to.
  int generated = 0;
  for_each_case([&](const ICollective& algo, Op op, int n, std::uint64_t size) {
    const std::vector<int> group = make_group(n);
    const TopologyFacts facts;
    const Schedule s = algo.build_on(op, group, size, facts);
    const auto plan = algo.plan(op, group, size, facts);
    ASSERT_EQ(plan->group_size(), n);
    if (plan->materialized() == nullptr) ++generated;
    Phase scratch;
    for (int i = 0; i < n; ++i) {
      const auto& phases = s[static_cast<std::size_t>(i)];
      ASSERT_EQ(plan->phases(i), static_cast<int>(phases.size()));
      std::vector<int> peers;
      plan->send_peers(i, peers);
      for (int k = 0; k < plan->phases(i); ++k) {
        const Phase& want = phases[static_cast<std::size_t>(k)];
        const Phase& got = plan->phase(i, k, scratch);
        EXPECT_EQ(got.reduce_bytes, want.reduce_bytes) << "index " << i << " phase " << k;
        ASSERT_EQ(got.sends.size(), want.sends.size()) << "index " << i << " phase " << k;
        ASSERT_EQ(got.recvs.size(), want.recvs.size()) << "index " << i << " phase " << k;
        for (std::size_t t = 0; t < want.sends.size(); ++t) {
          EXPECT_EQ(got.sends[t].peer, want.sends[t].peer);
          EXPECT_EQ(got.sends[t].bytes, want.sends[t].bytes);
          EXPECT_EQ(got.sends[t].chunks, want.sends[t].chunks);
          EXPECT_NE(std::find(peers.begin(), peers.end(), want.sends[t].peer), peers.end());
        }
        for (std::size_t t = 0; t < want.recvs.size(); ++t) {
          EXPECT_EQ(got.recvs[t].peer, want.recvs[t].peer);
          EXPECT_EQ(got.recvs[t].bytes, want.recvs[t].bytes);
          EXPECT_EQ(got.recvs[t].chunks, want.recvs[t].chunks);
        }
      }
    }
  });
  EXPECT_GT(generated, 50);  // ring and bidir_ring generate theirs
}

TEST(Collectives, SymbolicDataFlowEndsWhereTheCollectiveSays) {
  for_each_case([&](const ICollective& algo, Op op, int n, std::uint64_t size) {
    const std::vector<int> group = make_group(n);
    const Schedule s = algo.build(op, group, size);
    EXPECT_TRUE(data_flow_correct(layout_for(std::string(algo.name()), op, group, size), op, s, group));
  });
}

TEST(Collectives, TotalBytesMatchNcclTestsUsefulBytes) {
  // CONTRACT section 5: all_reduce moves 2(n-1) size, every other op (n-1) size, exactly, even when size does
  // not divide by n.
  for_each_case([&](const ICollective& algo, Op op, int n, std::uint64_t size) {
    const Schedule s = algo.build(op, make_group(n), size);
    const std::uint64_t factor = static_cast<std::uint64_t>(op == Op::AllReduce ? 2 * (n - 1) : n - 1);
    EXPECT_EQ(total_sent(s), factor * size);
  });
}

TEST(Collectives, PerRankBytesWhenDivisible) {
  const std::uint64_t size = 16 * 9 * 5 * 7 * kMiB;  // divisible by every group size used
  for (int n : kGroupSizes) {
    SCOPED_TRACE(n);
    const auto un = static_cast<std::uint64_t>(n);
    const Schedule a2a = find_collective("direct")->build(Op::AllToAll, make_group(n), size);
    const Schedule ring = find_collective("ring")->build(Op::AllReduce, make_group(n), size);
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(sent_by(a2a, i), (un - 1) * size / un);
      EXPECT_EQ(sent_by(ring, i), 2 * (un - 1) * size / un);
    }
    if (find_collective("halving_doubling")->accepts_group_size(n, nullptr)) {
      const Schedule hd = find_collective("halving_doubling")->build(Op::AllReduce, make_group(n), size);
      for (int i = 0; i < n; ++i)
        EXPECT_EQ(sent_by(hd, i), 2 * (un - 1) * size / un);
    }
  }
}

TEST(Collectives, PhaseCounts) {
  for (int n : kGroupSizes) {
    SCOPED_TRACE(n);
    const std::vector<int> group = make_group(n);
    EXPECT_EQ(find_collective("ring")->build(Op::AllReduce, group, kMiB)[0].size(),
              static_cast<std::size_t>(2 * (n - 1)));
    EXPECT_EQ(find_collective("ring")->build(Op::AllGather, group, kMiB)[0].size(),
              static_cast<std::size_t>(n - 1));
    EXPECT_EQ(find_collective("ring")->build(Op::ReduceScatter, group, kMiB)[0].size(),
              static_cast<std::size_t>(n - 1));
    EXPECT_EQ(find_collective("ring")->build(Op::Broadcast, group, kMiB)[0].size(),
              static_cast<std::size_t>(2 * n - 2));
    EXPECT_EQ(find_collective("bidir_ring")->build(Op::AllReduce, group, kMiB)[0].size(),
              static_cast<std::size_t>(2 * (n - 1)));
    EXPECT_EQ(find_collective("direct")->build(Op::AllToAll, group, kMiB)[0].size(), 1u);
    EXPECT_EQ(find_collective("direct")->build(Op::AllReduce, group, kMiB)[0].size(), 2u);
    EXPECT_EQ(find_collective("direct")->build(Op::Broadcast, group, kMiB)[0].size(), 1u);
  }
  for (int log2n = 1; log2n <= 4; ++log2n) {
    const Schedule s =
        find_collective("halving_doubling")->build(Op::AllReduce, make_group(1 << log2n), kMiB);
    for (const auto& phases : s)
      EXPECT_EQ(phases.size(), static_cast<std::size_t>(2 * log2n));
  }
}

TEST(Collectives, PhaseShapes) {
  const std::vector<int> group = {5, 2, 9, 4, 11};  // ring order is group order, not id order
  const Schedule ring = find_collective("ring")->build(Op::AllReduce, group, 5000);
  for (std::size_t i = 0; i < group.size(); ++i) {
    for (const Phase& p : ring[i]) {
      ASSERT_EQ(p.sends.size(), 1u);
      ASSERT_EQ(p.recvs.size(), 1u);
      EXPECT_EQ(p.sends[0].peer, group[(i + 1) % group.size()]);
      EXPECT_EQ(p.recvs[0].peer, group[(i + group.size() - 1) % group.size()]);
      EXPECT_EQ(p.sends[0].bytes, 1000u);
    }
    // reduce-scatter phases reduce what they receive, all-gather phases do not.
    EXPECT_EQ(ring[i][0].reduce_bytes, 1000u);
    EXPECT_EQ(ring[i].back().reduce_bytes, 0u);
  }
  const Schedule bidir = find_collective("bidir_ring")->build(Op::AllReduce, group, 5000);
  for (std::size_t i = 0; i < group.size(); ++i) {
    for (const Phase& p : bidir[i]) {
      ASSERT_EQ(p.sends.size(), 2u);
      ASSERT_EQ(p.recvs.size(), 2u);
      std::set<int> to = {p.sends[0].peer, p.sends[1].peer};
      EXPECT_EQ(to, (std::set<int>{group[(i + 1) % 5], group[(i + 4) % 5]}));
    }
  }
  const Schedule direct_rs = find_collective("direct")->build(Op::ReduceScatter, make_group(4), 4003);
  // split_even(4003, 4) = {1001, 1001, 1001, 1000}: index 3 reduces 3 copies of its 1000-byte chunk.
  EXPECT_EQ(direct_rs[0][0].reduce_bytes, 3u * 1001u);
  EXPECT_EQ(direct_rs[3][0].reduce_bytes, 3u * 1000u);
  EXPECT_EQ(direct_rs[3][0].sends.size(), 3u);
  const Schedule bcast = find_collective("direct")->build(Op::Broadcast, make_group(4), 4003);
  EXPECT_EQ(bcast[0][0].sends.size(), 3u);
  for (const Transfer& t : bcast[0][0].sends)
    EXPECT_EQ(t.bytes, 4003u);
  for (int i = 1; i < 4; ++i)
    EXPECT_TRUE(bcast[static_cast<std::size_t>(i)][0].sends.empty());
}

TEST(Collectives, TinySizesPostNoEmptyTransfers) {
  // size 1 over 7 ranks: only chunk 0 has a byte; every transfer that is posted carries it.
  for (const char* name : {"ring", "bidir_ring", "direct"}) {
    const Schedule s = find_collective(name)->build(Op::AllReduce, make_group(7), 1);
    EXPECT_EQ(total_sent(s), 12u) << name;  // 2(n-1) x 1 byte
    for (const auto& phases : s) {
      for (const Phase& p : phases) {
        for (const Transfer& t : p.sends)
          EXPECT_EQ(t.bytes, 1u) << name;
      }
    }
  }
}

TEST(Collectives, Refusals) {
  const ICollective* hd = find_collective("halving_doubling");
  ASSERT_NE(hd, nullptr);
  std::string why;
  EXPECT_FALSE(hd->accepts_group_size(6, &why));
  EXPECT_EQ(why, "halving_doubling needs a power-of-two number of ranks, got 6");
  EXPECT_FALSE(hd->accepts_group_size(6, nullptr));
  EXPECT_TRUE(hd->accepts_group_size(8, &why));
  EXPECT_THROW(hd->build(Op::AllReduce, make_group(6), kMiB), std::invalid_argument);
  EXPECT_FALSE(hd->supports(Op::AllToAll));

  const ICollective* ring = find_collective("ring");
  ASSERT_NE(ring, nullptr);
  EXPECT_FALSE(ring->supports(Op::AllToAll));
  EXPECT_THROW(ring->build(Op::AllToAll, make_group(4), kMiB), std::invalid_argument);
  EXPECT_TRUE(ring->accepts_group_size(7, nullptr));
  EXPECT_THROW(ring->build(Op::AllReduce, make_group(1), kMiB), std::invalid_argument);

  EXPECT_FALSE(find_collective("bidir_ring")->supports(Op::AllToAll));
  for (Op op : kOps)
    EXPECT_TRUE(find_collective("direct")->supports(op)) << op_name(op);
}

// ---- tree -------------------------------------------------------------------------------------------------

std::uint64_t received_by(const Schedule& s, int index) {
  std::uint64_t total = 0;
  for (const Phase& p : s[static_cast<std::size_t>(index)]) {
    for (const Transfer& t : p.recvs)
      total += t.bytes;
  }
  return total;
}

TEST(Tree, MatchingAndDataFlowOverManySizes) {
  // Sizes giving k = 1, 3, 16 and 64 pipeline chunks, none divisible by 2k, on more group sizes than above.
  const ICollective* tree = find_collective("tree");
  ASSERT_NE(tree, nullptr);
  for (Op op : {Op::AllReduce, Op::Broadcast}) {
    for (int n : {2, 3, 4, 5, 6, 7, 8, 9, 12, 16, 17, 31, 33}) {
      for (std::uint64_t size : {std::uint64_t{7}, std::uint64_t{3 * 65536 + 5}, kMiB + 11, 64 * kMiB + 3}) {
        SCOPED_TRACE(describe("tree", op, n, size));
        const std::vector<int> group = make_group(n);
        const Schedule s = tree->build(op, group, size);
        EXPECT_TRUE(sends_match_recvs(s, group));
        EXPECT_TRUE(data_flow_correct(layout_for("tree", op, group, size), op, s, group));
        EXPECT_EQ(total_sent(s),
                  static_cast<std::uint64_t>(op == Op::AllReduce ? 2 * (n - 1) : n - 1) * size);
      }
    }
  }
}

TEST(NodeTree, MatchingAndDataFlowAcrossDomains) {
  // Domains of 1, 2, 4 and 8 ranks (3 domains of 4 too, and a last domain with fewer ranks), sizes giving
  // k = 1, 3, 16 and 64 pipeline chunks.
  const ICollective* algo = find_collective("node_tree");
  ASSERT_NE(algo, nullptr);
  for (const auto& [n, domain] : std::vector<std::pair<int, int>>{
           {2, 1}, {4, 2}, {8, 4}, {12, 4}, {16, 8}, {32, 8}, {10, 4}, {9, 0}, {24, 8}}) {
    for (std::uint64_t size : {std::uint64_t{7}, std::uint64_t{3 * 65536 + 5}, kMiB + 11, 64 * kMiB + 3}) {
      SCOPED_TRACE(describe("node_tree", Op::AllReduce, n, size) + " domain " + std::to_string(domain));
      const std::vector<int> group = make_group(n);
      const Schedule s = algo->build_on(Op::AllReduce, group, size, TopologyFacts{domain});
      EXPECT_TRUE(sends_match_recvs(s, group));
      EXPECT_TRUE(
          data_flow_correct(layout_for("node_tree", Op::AllReduce, group, size), Op::AllReduce, s, group));
      EXPECT_EQ(total_sent(s), static_cast<std::uint64_t>(2 * (n - 1)) * size);
    }
  }
}

TEST(Tree, PipelineChunksAndPhaseCounts) {
  EXPECT_EQ(tree_pipeline_chunks(0), 1);
  EXPECT_EQ(tree_pipeline_chunks(65535), 1);
  EXPECT_EQ(tree_pipeline_chunks(3 * 65536 + 5), 3);
  EXPECT_EQ(tree_pipeline_chunks(kMiB), 16);
  EXPECT_EQ(tree_pipeline_chunks(4 * kMiB), 64);
  EXPECT_EQ(tree_pipeline_chunks(kGiB), 64);
  const std::vector<std::pair<int, int>> depths = {{2, 1}, {3, 2}, {4, 2},  {5, 3},
                                                   {8, 3}, {9, 4}, {16, 4}, {17, 5}};
  for (const auto& [n, d] : depths)
    EXPECT_EQ(tree_depth(n), d) << n;
  const ICollective* tree = find_collective("tree");
  for (int n : kGroupSizes) {
    for (std::uint64_t size : {std::uint64_t{1000}, kMiB, kGiB}) {
      SCOPED_TRACE(describe("tree", Op::AllReduce, n, size));
      const int k = tree_pipeline_chunks(size);
      int heap_depth = 0;
      while ((2 << heap_depth) <= n)
        ++heap_depth;
      for (const auto& phases : tree->build(Op::AllReduce, make_group(n), size))
        EXPECT_EQ(phases.size(), static_cast<std::size_t>(2 * tree_depth(n) + k - 1));
      for (const auto& phases : tree->build(Op::Broadcast, make_group(n), size))
        EXPECT_EQ(phases.size(), static_cast<std::size_t>(k + heap_depth - 1));
    }
  }
}

TEST(Tree, BytesPerRankAndPerPhase) {
  // Each tree's n-1 edges carry its half once up and once down: 2(n-1) S in all, as a ring. Per rank it is
  // uneven: in tree h a rank sends half h up to its parent (unless it is the root) and down to each child,
  // and receives it from each child and from its parent. A rank interior to one tree (two children) and a
  // leaf of the other sends and receives S/2 + 2 S/2 + S/2 = 2S; nobody moves more. In one phase a rank moves
  // at most 4 pipeline chunks of S/(2k) each way (3 when n = 3, 2 when n = 2).
  const std::uint64_t size = 64 * 9 * 5 * 7 * kMiB;  // divisible by 2k = 128
  const ICollective* tree = find_collective("tree");
  for (int n : {2, 3, 4, 5, 7, 8, 16, 17, 33}) {
    SCOPED_TRACE(n);
    const Schedule s = tree->build(Op::AllReduce, make_group(n), size);
    const std::uint64_t chunk = size / 128;
    std::uint64_t busiest = 0;
    std::uint64_t reduced = 0;
    for (int i = 0; i < n; ++i) {
      EXPECT_LE(sent_by(s, i), 2 * size);
      EXPECT_LE(received_by(s, i), 2 * size);
      busiest = std::max({busiest, sent_by(s, i), received_by(s, i)});
      for (const Phase& p : s[static_cast<std::size_t>(i)]) {
        std::uint64_t out = 0;
        std::uint64_t in = 0;
        for (const Transfer& t : p.sends)
          out += t.bytes;
        for (const Transfer& t : p.recvs)
          in += t.bytes;
        const std::uint64_t cap = static_cast<std::uint64_t>(n == 2 ? 2 : n == 3 ? 3 : 4) * chunk;
        EXPECT_LE(out, cap);
        EXPECT_LE(in, cap);
        reduced += p.reduce_bytes;
      }
    }
    EXPECT_EQ(total_sent(s), 2 * static_cast<std::uint64_t>(n - 1) * size);
    // Each half is reduced once over each of its tree's n-1 edges.
    EXPECT_EQ(reduced, static_cast<std::uint64_t>(n - 1) * size);
    if (n >= 4) {
      EXPECT_EQ(busiest, 2 * size);
    }
  }
  // Broadcast: only interior nodes of the heap tree send, at most 2 S each (two children).
  for (int n : {2, 3, 4, 7, 16}) {
    const Schedule b = tree->build(Op::Broadcast, make_group(n), size);
    EXPECT_EQ(sent_by(b, 0), static_cast<std::uint64_t>(std::min(n - 1, 2)) * size);
    for (int i = 1; i < n; ++i) {
      EXPECT_EQ(received_by(b, i), size);
      EXPECT_LE(sent_by(b, i), 2 * size);
    }
  }
}

TEST(Tree, TheTwoTreesAreComplementary) {
  // A rank reduces half h once per child it has in tree h, so its reduce_bytes over the whole schedule count
  // its children in both trees (in units of S/2). Each tree has n-1 child links; no rank has two children in
  // both trees, and (for n >= 3) every rank has a child in one of them: the leaves of one tree are interior
  // nodes of the other.
  const ICollective* tree = find_collective("tree");
  const std::uint64_t size = 64 * kMiB;
  for (int n : {2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 32, 33}) {
    SCOPED_TRACE(n);
    const Schedule s = tree->build(Op::AllReduce, make_group(n), size);
    std::uint64_t links = 0;
    for (int i = 0; i < n; ++i) {
      std::uint64_t reduced = 0;
      for (const Phase& p : s[static_cast<std::size_t>(i)])
        reduced += p.reduce_bytes;
      ASSERT_EQ(reduced % (size / 2), 0u);
      const std::uint64_t children = reduced / (size / 2);
      EXPECT_LE(children, 3u) << "index " << i;
      if (n >= 3) {
        EXPECT_GE(children, 1u) << "index " << i;
      }
      links += children;
    }
    EXPECT_EQ(links, 2u * static_cast<std::uint64_t>(n - 1));
  }
}

TEST(Tree, Refusals) {
  const ICollective* tree = find_collective("tree");
  ASSERT_NE(tree, nullptr);
  EXPECT_TRUE(tree->supports(Op::AllReduce));
  EXPECT_TRUE(tree->supports(Op::Broadcast));
  for (Op op : {Op::AllGather, Op::ReduceScatter, Op::AllToAll}) {
    EXPECT_FALSE(tree->supports(op)) << op_name(op);
    EXPECT_THROW(tree->build(op, make_group(4), kMiB), std::invalid_argument);
  }
  for (int n : {2, 3, 5, 6, 7, 100})
    EXPECT_TRUE(tree->accepts_group_size(n, nullptr)) << n;
  EXPECT_THROW(tree->build(Op::AllReduce, make_group(1), kMiB), std::invalid_argument);
}

// ---- hierarchical
// -------------------------------------------------------------------------------------------

struct HierCase {
  const char* what;
  int inner_domain;
  std::vector<int> group;
};

std::vector<int> whole_domains(int inner_domain, const std::vector<int>& domains) {
  std::vector<int> group;
  for (int d : domains) {
    for (int i = 0; i < inner_domain; ++i)
      group.push_back(d * inner_domain + i);
  }
  return group;
}

std::vector<HierCase> hier_cases() {
  std::vector<HierCase> cases;
  for (int d : {2, 4}) {
    for (int n : kGroupSizes) {
      if (n % d != 0) continue;
      std::vector<int> domains;
      for (int g = 0; g < n / d; ++g)
        domains.push_back(g);
      cases.push_back({"contiguous whole domains", d, whole_domains(d, domains)});
      // Domains out of order and not contiguous: 5, 0, 3, ...
      for (int& g : domains)
        g = (5 * g + 5) % 11 + g * 11;
      cases.push_back({"scattered whole domains", d, whole_domains(d, domains)});
    }
  }
  // Partial domains with the same count each: domains 0, 2, 5 of 4 ranks, two ranks each (m = 2, G = 3).
  cases.push_back({"two of four ranks in three domains", 4, {1, 3, 9, 11, 21, 22}});
  // One rank per domain (m = 1): an outer ring only.
  cases.push_back({"one rank per domain, 3", 4, {0, 5, 10}});
  cases.push_back({"one rank per domain, 5", 4, {0, 5, 10, 15, 16}});
  cases.push_back({"one rank per domain, 7", 2, {13, 0, 2, 4, 6, 8, 10}});
  // Interleaved in group order: domains 0 and 1 of 2, listed 0, 2, 1, 3.
  cases.push_back({"interleaved", 2, {0, 2, 1, 3}});
  // A single domain: an inner ring only.
  cases.push_back({"one domain", 16, {3, 4, 5, 6, 7}});
  return cases;
}

// The torus algorithms' layout: chunk (h, j_0, ..., j_{k-1}) of part h (2 halves for torus_ring, 1 part for
// torus_unidir) has id h*n + sum j_m w_m, its size from nested split_even, and belongs to the rank at
// coordinates (j_0, ..., j_{k-1}).
Layout torus_layout(const std::vector<int>& dims, std::uint64_t size, int parts) {
  Layout l;
  int n = 1;
  for (int d : dims)
    n *= d;
  std::function<void(std::uint64_t, std::size_t, int, int)> nest = [&](std::uint64_t bytes, std::size_t m,
                                                                       int owner, int stride) {
    if (m == dims.size()) {
      l.sizes.push_back(bytes);
      l.owner.push_back(owner);
      return;
    }
    const std::vector<std::uint64_t> pieces = split_even(bytes, dims[m]);
    for (int j = 0; j < dims[m]; ++j)
      nest(pieces[static_cast<std::size_t>(j)], m + 1, owner + j * stride, stride * dims[m]);
  };
  for (std::uint64_t part : split_even(size, parts))
    nest(part, 0, 0, 1);
  EXPECT_EQ(static_cast<int>(l.sizes.size()), parts * n);
  return l;
}

const std::vector<std::vector<int>> kTori = {{2, 3}, {4, 4}, {3, 2, 2}, {2, 2, 2, 2}, {5, 1, 3}};

// The whole torus in rank order.
std::vector<int> torus_group(const std::vector<int>& dims) {
  int n = 1;
  for (int d : dims)
    n *= d;
  std::vector<int> group(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    group[static_cast<std::size_t>(i)] = i;
  return group;
}

// A torus algorithm with `parts` rings a dimension on every torus of kTori: matching, data flow, the
// nccl-tests bytes, 2 sum(d_m - 1) phases for all_reduce (half for the others), transfers between neighbours
// only (with one part, only to the +1 neighbour), the plan equal to the schedule, and the refusal of a
// subset. Returns the number of cases run.
int check_torus_algorithm(const std::string& name, int parts) {
  const ICollective* torus = find_collective(name);
  EXPECT_NE(torus, nullptr) << name;
  if (torus == nullptr) return 0;
  int cases = 0;
  for (const std::vector<int>& dims : kTori) {
    TopologyFacts facts;
    facts.torus_dims = dims;
    const std::vector<int> group = torus_group(dims);
    const int n = static_cast<int>(group.size());
    int hops = 0;
    for (int d : dims)
      hops += d - 1;
    EXPECT_EQ(torus->refusal(group, facts), "");
    // Coordinates of a rank; two ranks are neighbours when exactly one coordinate differs, by 1 mod d (and
    // b is a's successor when that coordinate of b is a's plus 1 mod d).
    const auto neighbours = [&](int a, int b, bool successor_only) {
      int differing = 0, stride = 1;
      bool adjacent = true;
      for (int d : dims) {
        const int xa = (a / stride) % d, xb = (b / stride) % d;
        if (xa != xb) {
          ++differing;
          adjacent = adjacent && ((xa + 1) % d == xb || (!successor_only && (xb + 1) % d == xa));
        }
        stride *= d;
      }
      return differing == 1 && adjacent;
    };
    for (Op op : {Op::AllReduce, Op::AllGather, Op::ReduceScatter}) {
      for (std::uint64_t size : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{1000}, kMiB + 7}) {
        SCOPED_TRACE(describe(name, op, n, size) + " dims " + std::to_string(dims.size()));
        const Schedule s = torus->build_on(op, group, size, facts);
        EXPECT_TRUE(sends_match_recvs(s, group));
        EXPECT_TRUE(data_flow_correct(torus_layout(dims, size, parts), op, s, group));
        EXPECT_EQ(static_cast<double>(total_sent(s)), useful_bytes(op, size, n));
        for (int i = 0; i < n; ++i) {
          EXPECT_EQ(s[static_cast<std::size_t>(i)].size(),
                    static_cast<std::size_t>((op == Op::AllReduce ? 2 : 1) * hops));
          for (const Phase& ph : s[static_cast<std::size_t>(i)]) {
            EXPECT_LE(ph.sends.size(), static_cast<std::size_t>(parts));
            for (const Transfer& t : ph.sends)
              EXPECT_TRUE(neighbours(i, t.peer, parts == 1)) << i << " -> " << t.peer;
          }
        }
        // The plan the engine runs gives the same phases.
        const auto plan = torus->plan(op, group, size, facts);
        Phase scratch;
        for (int i = 0; i < n; ++i) {
          std::vector<int> peers;
          plan->send_peers(i, peers);
          EXPECT_EQ(plan->phases(i), static_cast<int>(s[static_cast<std::size_t>(i)].size()));
          for (int k = 0; k < plan->phases(i); ++k) {
            const Phase& got = plan->phase(i, k, scratch);
            const Phase& want = s[static_cast<std::size_t>(i)][static_cast<std::size_t>(k)];
            EXPECT_EQ(got.sends.size(), want.sends.size());
            for (std::size_t t = 0; t < std::min(got.sends.size(), want.sends.size()); ++t) {
              EXPECT_EQ(got.sends[t].chunks, want.sends[t].chunks);
              EXPECT_NE(std::find(peers.begin(), peers.end(), want.sends[t].peer), peers.end());
            }
          }
        }
        ++cases;
      }
    }
  }
  // A subset of the torus is refused; the whole torus in any order is not.
  TopologyFacts facts;
  facts.torus_dims = {2, 2};
  EXPECT_NE(torus->refusal({0, 1, 2}, facts), "");
  EXPECT_NE(torus->refusal({0, 1, 2, 4}, facts), "");
  EXPECT_EQ(torus->refusal({1, 0, 2, 3}, facts), "");
  return cases;
}

TEST(TorusRing, MatchingDataFlowBytesPhasesAndNeighboursOnly) {
  EXPECT_EQ(check_torus_algorithm("torus_ring", 2), 60);
  TopologyFacts facts;
  facts.torus_dims = {2, 2};
  EXPECT_EQ(find_collective("torus_ring")->refusal({0, 1, 2}, facts),
            "torus_ring runs over the whole torus (ranks 0 to 3, in any order); use bidir_ring for a subset");
}

TEST(TorusUnidir, MatchingDataFlowBytesPhasesAndSuccessorsOnly) {
  EXPECT_EQ(check_torus_algorithm("torus_unidir", 1), 60);
  TopologyFacts facts;
  facts.torus_dims = {2, 2};
  EXPECT_EQ(find_collective("torus_unidir")->refusal({0, 1, 2}, facts),
            "torus_unidir runs over the whole torus (ranks 0 to 3, in any order); use ring for a subset");
}

// torus_unidir is torus_ring with one ring a dimension: the same dimension order and chunking, the phase of
// torus_ring's two rings in one, to the same +1 neighbour, carrying both halves.
TEST(TorusUnidir, OneRingADimensionCarriesWhatTorusRingsTwoDo) {
  const ICollective* unidir = find_collective("torus_unidir");
  const ICollective* bidir = find_collective("torus_ring");
  for (const std::vector<int>& dims : kTori) {
    TopologyFacts facts;
    facts.torus_dims = dims;
    const std::vector<int> group = torus_group(dims);
    const std::uint64_t size = 2ull * 16 * 9 * 5 * kMiB;  // 2n divides it for every torus above
    for (Op op : {Op::AllReduce, Op::AllGather, Op::ReduceScatter}) {
      SCOPED_TRACE(describe("torus_unidir", op, static_cast<int>(group.size()), size));
      const Schedule one = unidir->build_on(op, group, size, facts);
      const Schedule two = bidir->build_on(op, group, size, facts);
      ASSERT_EQ(one.size(), two.size());
      for (std::size_t i = 0; i < one.size(); ++i) {
        ASSERT_EQ(one[i].size(), two[i].size());
        for (std::size_t k = 0; k < one[i].size(); ++k) {
          const Phase& a = one[i][k];
          const Phase& b = two[i][k];
          ASSERT_EQ(a.sends.size(), 1u);
          ASSERT_EQ(a.recvs.size(), 1u);
          ASSERT_EQ(b.sends.size(), 2u);
          EXPECT_EQ(a.sends[0].peer, b.sends[0].peer);  // torus_ring's first ring runs +1
          EXPECT_EQ(a.recvs[0].peer, b.recvs[0].peer);
          EXPECT_EQ(a.sends[0].bytes, b.sends[0].bytes + b.sends[1].bytes);
          EXPECT_EQ(a.reduce_bytes, b.reduce_bytes);
          // Its chunks are those of torus_ring's +1 ring (ids of half 0 are the same).
          EXPECT_EQ(a.sends[0].chunks, b.sends[0].chunks);
        }
      }
    }
  }
}

// Without a torus, torus_unidir is the ring, transfer for transfer.
TEST(TorusUnidir, WithoutATorusItIsTheRing) {
  for (int n : kGroupSizes) {
    for (Op op : {Op::AllReduce, Op::AllGather, Op::ReduceScatter}) {
      SCOPED_TRACE(describe("torus_unidir", op, n, kMiB + 5));
      const Schedule a = find_collective("torus_unidir")->build(op, make_group(n), kMiB + 5);
      const Schedule b = find_collective("ring")->build(op, make_group(n), kMiB + 5);
      ASSERT_EQ(a.size(), b.size());
      for (std::size_t i = 0; i < a.size(); ++i) {
        ASSERT_EQ(a[i].size(), b[i].size());
        for (std::size_t k = 0; k < a[i].size(); ++k) {
          ASSERT_EQ(a[i][k].sends.size(), b[i][k].sends.size());
          EXPECT_EQ(a[i][k].reduce_bytes, b[i][k].reduce_bytes);
          for (std::size_t t = 0; t < a[i][k].sends.size(); ++t) {
            EXPECT_EQ(a[i][k].sends[t].peer, b[i][k].sends[t].peer);
            EXPECT_EQ(a[i][k].sends[t].bytes, b[i][k].sends[t].bytes);
            EXPECT_EQ(a[i][k].sends[t].chunks, b[i][k].sends[t].chunks);
          }
        }
      }
    }
  }
}

// The whole torus listed in any order: the coordinates shape the rings, so each rank runs the phases it
// runs in rank order, at its own index of the group.
TEST(TorusRing, AnyOrderOfTheWholeTorusRunsTheTorusSchedule) {
  const ICollective* torus = find_collective("torus_ring");
  TopologyFacts facts;
  facts.torus_dims = {2, 3, 2};
  std::vector<int> sorted(12);
  for (int i = 0; i < 12; ++i)
    sorted[static_cast<std::size_t>(i)] = i;
  const std::vector<int> shuffled = {7, 0, 11, 3, 5, 1, 10, 2, 9, 4, 8, 6};
  EXPECT_EQ(torus->refusal(shuffled, facts), "");
  for (Op op : {Op::AllReduce, Op::AllGather, Op::ReduceScatter}) {
    SCOPED_TRACE(op_name(op));
    const Schedule by_rank = torus->build_on(op, sorted, kMiB + 5, facts);
    const Schedule s = torus->build_on(op, shuffled, kMiB + 5, facts);
    Schedule expected(12);
    for (std::size_t i = 0; i < 12; ++i)
      expected[i] = by_rank[static_cast<std::size_t>(shuffled[i])];
    const auto plan = torus->plan(op, shuffled, kMiB + 5, facts);
    EXPECT_TRUE(plan_equals_schedule(*plan, expected));
    EXPECT_TRUE(plan_equals_schedule(*plan, s));
    EXPECT_TRUE(sends_match_recvs(s, shuffled));
  }
  EXPECT_THROW(torus->plan(Op::AllReduce, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12}, kMiB, facts),
               std::invalid_argument);
}

TEST(Hierarchical, MatchingDataFlowBytesAndPhases) {
  const ICollective* hier = find_collective("hierarchical");
  ASSERT_NE(hier, nullptr);
  int cases = 0;
  for (const HierCase& hc : hier_cases()) {
    const TopologyFacts facts{hc.inner_domain};
    const auto domains = domains_of(hc.group, hc.inner_domain);
    const int G = static_cast<int>(domains.size());
    const int m = static_cast<int>(domains.front().size());
    const int n = static_cast<int>(hc.group.size());
    ASSERT_EQ(hierarchical_refusal(hc.group, facts), "") << hc.what;
    for (Op op : {Op::AllReduce, Op::AllGather, Op::ReduceScatter}) {
      for (std::uint64_t size : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{1000}, kMiB + 7}) {
        SCOPED_TRACE(std::string(hc.what) + " inner_domain " + std::to_string(hc.inner_domain) + ": " +
                     describe("hierarchical", op, n, size));
        const Schedule s = hier->build_on(op, hc.group, size, facts);
        // The engine's plan generates the phases; build_on collects them into s, checked below.
        EXPECT_EQ(hier->plan(op, hc.group, size, facts)->materialized(), nullptr);
        EXPECT_TRUE(sends_match_recvs(s, hc.group));
        EXPECT_TRUE(
            data_flow_correct(layout_for("hierarchical", op, hc.group, size, facts), op, s, hc.group));
        const std::uint64_t factor = static_cast<std::uint64_t>(op == Op::AllReduce ? 2 * (n - 1) : n - 1);
        EXPECT_EQ(total_sent(s), factor * size);
        const int phases = (op == Op::AllReduce ? 2 : 1) * ((m - 1) + (G - 1));
        EXPECT_EQ(s[0].size(), static_cast<std::size_t>(phases));
        ++cases;
      }
    }
  }
  EXPECT_GT(cases, 100);
}

TEST(Hierarchical, InnerPhasesStayInsideDomainsAndOuterPhasesCarryAShard) {
  // 4 domains of 4 ranks, all_reduce of S: phases 0-2 and 9-11 are inner (ring within a domain, S/4 per
  // rank per phase), phases 3-8 outer (ring across domains among equal local indices, S/16 per phase).
  const std::vector<int> group = whole_domains(4, {0, 1, 2, 3});
  const std::uint64_t size = 16 * kMiB;
  const Schedule s = find_collective("hierarchical")->build_on(Op::AllReduce, group, size, TopologyFacts{4});
  ASSERT_EQ(s[0].size(), 12u);
  for (int i = 0; i < 16; ++i) {
    for (int k = 0; k < 12; ++k) {
      const Phase& p = s[static_cast<std::size_t>(i)][static_cast<std::size_t>(k)];
      ASSERT_EQ(p.sends.size(), 1u);
      ASSERT_EQ(p.recvs.size(), 1u);
      const bool inner = k < 3 || k >= 9;
      const int to = p.sends[0].peer;
      if (inner) {
        EXPECT_EQ(to / 4, i / 4);
        EXPECT_EQ(to, (i / 4) * 4 + (i % 4 + 1) % 4);
        EXPECT_EQ(p.sends[0].bytes, size / 4);
      } else {
        EXPECT_EQ(to % 4, i % 4);
        EXPECT_EQ(to, ((i / 4 + 1) % 4) * 4 + i % 4);
        EXPECT_EQ(p.sends[0].bytes, size / 16);
      }
      EXPECT_EQ(p.reduce_bytes, k < 6 ? p.recvs[0].bytes : 0u) << k;
    }
  }
}

TEST(Hierarchical, DegeneratesToThePlainRing) {
  const ICollective* hier = find_collective("hierarchical");
  const ICollective* ring = find_collective("ring");
  const auto same = [](const Schedule& a, const Schedule& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t r = 0; r < a.size(); ++r) {
      if (a[r].size() != b[r].size()) return false;
      for (std::size_t k = 0; k < a[r].size(); ++k) {
        const Phase& x = a[r][k];
        const Phase& y = b[r][k];
        if (x.reduce_bytes != y.reduce_bytes || x.sends.size() != y.sends.size() ||
            x.recvs.size() != y.recvs.size())
          return false;
        for (std::size_t t = 0; t < x.sends.size(); ++t) {
          if (x.sends[t].peer != y.sends[t].peer || x.sends[t].bytes != y.sends[t].bytes ||
              x.sends[t].chunks != y.sends[t].chunks)
            return false;
        }
        for (std::size_t t = 0; t < x.recvs.size(); ++t) {
          if (x.recvs[t].peer != y.recvs[t].peer || x.recvs[t].bytes != y.recvs[t].bytes ||
              x.recvs[t].chunks != y.recvs[t].chunks)
            return false;
        }
      }
    }
    return true;
  };
  const std::vector<int> group = {2, 5, 9, 12, 14};
  for (Op op : {Op::AllReduce, Op::AllGather, Op::ReduceScatter}) {
    SCOPED_TRACE(op_name(op));
    const Schedule plain = ring->build(op, group, kMiB + 3);
    EXPECT_TRUE(same(hier->build(op, group, kMiB + 3), plain));                        // no facts
    EXPECT_TRUE(same(hier->build_on(op, group, kMiB + 3, TopologyFacts{0}), plain));   // flat platform
    EXPECT_TRUE(same(hier->build_on(op, group, kMiB + 3, TopologyFacts{16}), plain));  // one domain
    EXPECT_TRUE(same(hier->build_on(op, group, kMiB + 3, TopologyFacts{2}), plain));   // one rank per domain
  }
}

TEST(Hierarchical, RefusesUnevenDomains) {
  const ICollective* hier = find_collective("hierarchical");
  ASSERT_NE(hier, nullptr);
  for (Op op : {Op::AllReduce, Op::AllGather, Op::ReduceScatter})
    EXPECT_TRUE(hier->supports(op)) << op_name(op);
  EXPECT_FALSE(hier->supports(Op::AllToAll));
  EXPECT_FALSE(hier->supports(Op::Broadcast));
  for (int n : {2, 3, 6, 7})
    EXPECT_TRUE(hier->accepts_group_size(n, nullptr));

  const std::vector<int> uneven = {0, 1, 2, 4, 5};  // three ranks of domain 0, two of domain 1
  const std::string why = hierarchical_refusal(uneven, TopologyFacts{4});
  EXPECT_EQ(why,
            "hierarchical needs the same number of the group's ranks in every domain of 4 ranks it touches: "
            "domain 0 (ranks 0 to 3) has 3 (0, 1, 2), domain 1 (ranks 4 to 7) has 2 (4, 5)");
  try {
    hier->build_on(Op::AllReduce, uneven, kMiB, TopologyFacts{4});
    ADD_FAILURE() << "build_on accepted uneven domains";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(e.what(), why);
  }
  EXPECT_EQ(hier->refusal(uneven, TopologyFacts{4}), why);  // what the engine asks
  EXPECT_EQ(hier->refusal(whole_domains(4, {0, 1}), TopologyFacts{4}), "");
  EXPECT_EQ(hierarchical_refusal(uneven, TopologyFacts{0}), "");  // flat: a plain ring
  EXPECT_EQ(hierarchical_refusal(uneven, TopologyFacts{8}), "");  // one domain
  EXPECT_NE(hierarchical_refusal(uneven, TopologyFacts{-1}), "");
  EXPECT_THROW(hier->build_on(Op::AllToAll, whole_domains(2, {0, 1}), kMiB, TopologyFacts{2}),
               std::invalid_argument);
}

// ---- channels and rail rings ----------------------------------------------------------------------------

TEST(ChannelOrders, FlatRotatesTheWholeGroupInItsOwnOrder) {
  const std::vector<int> group = {5, 2, 7, 0, 3};  // not sorted: the order is the ring's
  const auto orders = channel_orders(group, TopologyFacts{}, 3);
  ASSERT_EQ(orders.size(), 3u);
  EXPECT_EQ(orders[0], group);
  EXPECT_EQ(orders[1], (std::vector<int>{2, 7, 0, 3, 5}));
  EXPECT_EQ(orders[2], (std::vector<int>{7, 0, 3, 5, 2}));
  EXPECT_EQ(channel_index_orders(group, TopologyFacts{}, 3)[2], (std::vector<int>{2, 3, 4, 0, 1}));
  // More channels than ranks: the rotation wraps.
  const auto many = channel_orders(group, TopologyFacts{}, 7);
  EXPECT_EQ(many[5], group);
  EXPECT_EQ(many[6], orders[1]);
  // On a flat platform every channel has the ring's edges: the same successor for every rank.
  for (const auto& order : many) {
    for (std::size_t j = 0; j < order.size(); ++j) {
      const int next = order[(j + 1) % order.size()];
      const int i = index_of(group, order[j]);
      EXPECT_EQ(next, group[static_cast<std::size_t>((i + 1) % 5)]);
    }
  }
  EXPECT_THROW(channel_orders(group, TopologyFacts{}, 0), std::invalid_argument);
}

TEST(ChannelOrders, TieredRotatesEachDomainAndKeepsTheDomainsInGroupOrder) {
  // Domain 1 listed first, its ranks out of order.
  const std::vector<int> group = {6, 4, 5, 7, 0, 1, 2, 3};
  const auto orders = channel_orders(group, TopologyFacts{4}, 4);
  EXPECT_EQ(orders[0], group);
  EXPECT_EQ(orders[1], (std::vector<int>{4, 5, 7, 6, 1, 2, 3, 0}));
  EXPECT_EQ(orders[2], (std::vector<int>{5, 7, 6, 4, 2, 3, 0, 1}));
  EXPECT_EQ(orders[3], (std::vector<int>{7, 6, 4, 5, 3, 0, 1, 2}));
  // Interleaved domains: each position keeps its domain.
  EXPECT_EQ(channel_orders({0, 4, 1, 5, 2, 6, 3, 7}, TopologyFacts{4}, 2)[1],
            (std::vector<int>{1, 5, 2, 6, 3, 7, 0, 4}));
  // Domains of different counts rotate each modulo its own count.
  const auto uneven = channel_orders({0, 1, 2, 4, 5}, TopologyFacts{4}, 3);
  EXPECT_EQ(uneven[1], (std::vector<int>{1, 2, 0, 5, 4}));
  EXPECT_EQ(uneven[2], (std::vector<int>{2, 0, 1, 4, 5}));
}

TEST(ChannelOrders, RailRingsCrossEveryDomainBoundaryThroughADifferentRank) {
  // 4 domains of 8 ranks, 8 channels: each channel leaves each domain at a different rank and enters the
  // next at a different rank, so every rank sends (and receives) exactly one channel's crossing.
  const int m = 8, domains = 4;
  std::vector<int> group;
  for (int r = 0; r < m * domains; ++r)
    group.push_back(r);
  const auto orders = channel_orders(group, TopologyFacts{m}, m);
  std::map<int, int> sends, recvs;
  for (const auto& order : orders) {
    int crossings = 0;
    for (std::size_t j = 0; j < order.size(); ++j) {
      const int a = order[j], b = order[(j + 1) % order.size()];
      if (a / m == b / m) continue;
      ++crossings;
      ++sends[a];
      ++recvs[b];
      EXPECT_EQ(b / m, (a / m + 1) % domains);  // domains stay in group order
    }
    EXPECT_EQ(crossings, domains);
  }
  ASSERT_EQ(sends.size(), group.size());
  ASSERT_EQ(recvs.size(), group.size());
  for (int r : group) {
    EXPECT_EQ(sends[r], 1) << r;
    EXPECT_EQ(recvs[r], 1) << r;
  }
  // Channel c leaves domain d at its local rank c-1 and enters domain d+1 at local rank c.
  EXPECT_EQ(orders[3][7], 2);
  EXPECT_EQ(orders[3][8], 11);
  EXPECT_EQ(orders[0][7], 7);
  EXPECT_EQ(orders[0][8], 8);
}

// ---- mesh rings ------------------------------------------------------------------------------------------

// Every mesh ring is a Hamiltonian cycle (a permutation of the group's indices, starting at index 0), ring 0
// is the group's own order, and the whole set puts every directed pair on as many rings as any other: twice
// for even n (2(n-1) rings), once for odd n (n-1 rings).
TEST(MeshRings, EveryDirectedPairLiesOnAsManyRings) {
  for (int n = 2; n <= 40; ++n) {
    SCOPED_TRACE(n);
    const int count = mesh_ring_count(n);
    EXPECT_EQ(count, n % 2 == 0 ? 2 * (n - 1) : n - 1);
    const auto orders = mesh_ring_index_orders(n, count);
    ASSERT_EQ(orders.size(), static_cast<std::size_t>(count));
    std::vector<int> identity(static_cast<std::size_t>(n));
    std::iota(identity.begin(), identity.end(), 0);
    EXPECT_EQ(orders[0], identity);
    std::map<std::pair<int, int>, int> on;
    for (const auto& order : orders) {
      ASSERT_EQ(order.size(), static_cast<std::size_t>(n));
      EXPECT_EQ(order[0], 0);
      std::vector<int> sorted = order;
      std::sort(sorted.begin(), sorted.end());
      EXPECT_EQ(sorted, identity);
      for (int j = 0; j < n; ++j)
        ++on[{order[static_cast<std::size_t>(j)], order[static_cast<std::size_t>((j + 1) % n)]}];
    }
    EXPECT_EQ(on.size(), static_cast<std::size_t>(n * (n - 1)));  // every directed pair, no self-loop
    for (const auto& [pair, rings] : on)
      EXPECT_EQ(rings, n % 2 == 0 ? 2 : 1) << pair.first << " -> " << pair.second;
  }
}

// On eight ranks: the 14 orders RCCL's MI300X model lists are 7 cycles and their reverses (ROCm/rccl
// rome_model_79); pjbit's are the same kind of set: the second seven are the first seven reversed.
// Beyond the set the list repeats; too few ranks or channels is a caller bug.
TEST(MeshRings, EightRanksAreSevenCyclesAndTheirReversesThenTheListRepeats) {
  const auto orders = mesh_ring_index_orders(8, 30);
  for (int c = 0; c < 7; ++c) {
    std::vector<int> reversed = orders[static_cast<std::size_t>(c)];
    std::reverse(reversed.begin() + 1, reversed.end());
    EXPECT_EQ(orders[static_cast<std::size_t>(c + 7)], reversed) << c;
  }
  for (int c = 14; c < 30; ++c)
    EXPECT_EQ(orders[static_cast<std::size_t>(c)], orders[static_cast<std::size_t>(c - 14)]) << c;
  EXPECT_EQ(mesh_ring_index_orders(2, 2), (std::vector<std::vector<int>>{{0, 1}, {0, 1}}));
  EXPECT_THROW(mesh_ring_count(1), std::invalid_argument);
  EXPECT_THROW(mesh_ring_index_orders(1, 1), std::invalid_argument);
  EXPECT_THROW(mesh_ring_index_orders(8, 0), std::invalid_argument);
}

// mesh_ring with its 14 channels on 8 ranks: in every phase every rank sends each of its 7 peers two
// channels' chunks, so on a full mesh every link carries the same bytes; one channel is the ring itself.
TEST(MeshRing, FourteenChannelsOnEightRanksLoadEveryLinkEvenly) {
  const ICollective* mesh = find_collective("mesh_ring");
  ASSERT_NE(mesh, nullptr);
  const std::vector<int> group = {3, 1, 4, 0, 5, 2, 7, 6};  // the group's order is ring 0's
  const std::uint64_t size = 14 * 8 * kMiB;
  const auto plan = mesh->plan_channels(Op::AllReduce, group, size, TopologyFacts{}, 14);
  ASSERT_EQ(plan->phases(0), 14);
  Phase scratch;
  for (int k = 0; k < plan->phases(0); ++k) {
    for (int i = 0; i < 8; ++i) {
      const Phase& ph = plan->phase(i, k, scratch);
      ASSERT_EQ(ph.sends.size(), 14u);
      std::map<int, std::uint64_t> to;
      for (const Transfer& t : ph.sends) {
        EXPECT_NE(t.peer, group[static_cast<std::size_t>(i)]);
        to[t.peer] += t.bytes;
      }
      ASSERT_EQ(to.size(), 7u) << "rank index " << i << " phase " << k;
      for (const auto& [peer, bytes] : to)
        EXPECT_EQ(bytes, 2 * kMiB) << "to " << peer;
    }
  }
  EXPECT_TRUE(plan_equals_schedule(*mesh->plan_channels(Op::AllGather, group, kMiB + 5, TopologyFacts{}, 1),
                                   find_collective("ring")->build(Op::AllGather, group, kMiB + 5)));
}

// The orders of `name`'s K channels as group indices: ring and bidir_ring follow the fabric
// (channel_index_orders), mesh_ring the mesh rings.
std::vector<std::vector<int>> index_orders_of(const std::string& name, const std::vector<int>& group,
                                              const TopologyFacts& facts, int channels) {
  if (name == "mesh_ring") return mesh_ring_index_orders(static_cast<int>(group.size()), channels);
  return channel_index_orders(group, facts, channels);
}

// The same as global rank ids.
std::vector<std::vector<int>> orders_of(const std::string& name, const std::vector<int>& group,
                                        const TopologyFacts& facts, int channels) {
  std::vector<std::vector<int>> orders = index_orders_of(name, group, facts, channels);
  for (std::vector<int>& order : orders)
    for (int& i : order)
      i = group[static_cast<std::size_t>(i)];
  return orders;
}

// The chunk layout of K channels of ring or mesh_ring (both_ways false) or bidir_ring (true): channel c's
// chunk k is c*n + k (bidir: c*2n + h*n + k), sized by split_even of the channel's share, owned by position k
// of channel c's order.
Layout channel_layout(const std::string& name, const std::vector<int>& group, const TopologyFacts& facts,
                      std::uint64_t size, int channels, bool both_ways) {
  const int n = static_cast<int>(group.size());
  const auto orders = index_orders_of(name, group, facts, channels);
  Layout l;
  const std::vector<std::uint64_t> shares = split_even(size, channels);
  for (int c = 0; c < channels; ++c) {
    std::vector<std::uint64_t> rings = {shares[static_cast<std::size_t>(c)]};
    if (both_ways) rings = split_even(shares[static_cast<std::size_t>(c)], 2);
    for (std::uint64_t total : rings) {
      const std::vector<std::uint64_t> chunks = split_even(total, n);
      for (int k = 0; k < n; ++k) {
        l.sizes.push_back(chunks[static_cast<std::size_t>(k)]);
        l.owner.push_back(orders[static_cast<std::size_t>(c)][static_cast<std::size_t>(k)]);
      }
    }
  }
  return l;
}

struct ChannelGroup {
  const char* what;
  std::vector<int> group;
  TopologyFacts facts;
};

std::vector<ChannelGroup> channel_groups() {
  std::vector<ChannelGroup> groups;
  groups.push_back({"two ranks", {9, 4}, TopologyFacts{}});
  groups.push_back({"flat, unsorted", make_group(5), TopologyFacts{}});
  groups.push_back({"flat, eight", {0, 2, 4, 6, 1, 3, 5, 7}, TopologyFacts{}});
  groups.push_back({"two domains of four", {4, 5, 6, 7, 0, 1, 2, 3}, TopologyFacts{4}});
  groups.push_back({"interleaved domains", {0, 8, 9, 1, 2, 10}, TopologyFacts{8}});
  groups.push_back({"uneven domains", {0, 1, 2, 4, 5}, TopologyFacts{4}});
  return groups;
}

// K channels of ring, bidir_ring and mesh_ring: the generated plan equals the built schedule; sends match
// receives; the symbolic data flow ends where the collective says; all channels move the nccl-tests useful
// bytes, each its share; and every channel's phase p is phase p of one ring (or bidir_ring) over the
// channel's order.
TEST(Channels, PlanEqualsScheduleDataFlowBytesAndPhaseAlignment) {
  int cases = 0;
  for (const char* name : {"ring", "bidir_ring", "mesh_ring"}) {
    const ICollective* algo = find_collective(name);
    const bool both_ways = std::string(name) == "bidir_ring";
    for (const ChannelGroup& g : channel_groups()) {
      const int n = static_cast<int>(g.group.size());
      const int ids = both_ways ? 2 * n : n;  // chunk ids a channel uses
      for (Op op : {Op::AllReduce, Op::AllGather, Op::ReduceScatter}) {
        for (int channels : {1, 2, 3, 8}) {
          for (std::uint64_t size : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{1000}, kMiB + 7}) {
            SCOPED_TRACE(std::string(g.what) + ": " + describe(name, op, n, size) + " channels " +
                         std::to_string(channels));
            const Schedule s = algo->build_channels(op, g.group, size, g.facts, channels);
            const auto plan = algo->plan_channels(op, g.group, size, g.facts, channels);
            EXPECT_EQ(plan->materialized(), nullptr);  // generated, never n x phases transfers held
            EXPECT_TRUE(plan_equals_schedule(*plan, s));
            EXPECT_TRUE(sends_match_recvs(s, g.group));
            EXPECT_TRUE(data_flow_correct(channel_layout(name, g.group, g.facts, size, channels, both_ways),
                                          op, s, g.group));
            const std::uint64_t factor =
                static_cast<std::uint64_t>(op == Op::AllReduce ? 2 * (n - 1) : n - 1);
            EXPECT_EQ(total_sent(s), factor * size);  // nccl-tests: all_reduce 2(n-1) S, the others (n-1) S
            ASSERT_EQ(s[0].size(), static_cast<std::size_t>(op == Op::AllReduce ? 2 * (n - 1) : n - 1));
            // Each channel's bytes, by chunk id.
            std::vector<std::uint64_t> per_channel(static_cast<std::size_t>(channels), 0);
            for (const auto& phases : s)
              for (const Phase& ph : phases)
                for (const Transfer& t : ph.sends) {
                  ASSERT_EQ(t.chunks.size(), 1u);
                  per_channel[static_cast<std::size_t>(t.chunks[0] / ids)] += t.bytes;
                }
            const std::vector<std::uint64_t> shares = split_even(size, channels);
            for (int c = 0; c < channels; ++c)
              EXPECT_EQ(per_channel[static_cast<std::size_t>(c)],
                        factor * shares[static_cast<std::size_t>(c)])
                  << "channel " << c;
            // Channel c's transfers in phase k are phase k of one channel alone over its order.
            const auto orders = orders_of(name, g.group, g.facts, channels);
            for (int c = 0; c < channels; ++c) {
              const std::vector<int>& order = orders[static_cast<std::size_t>(c)];
              const Schedule alone = algo->build(op, order, shares[static_cast<std::size_t>(c)]);
              for (int j = 0; j < n; ++j) {
                const int i = index_of(g.group, order[static_cast<std::size_t>(j)]);
                for (std::size_t k = 0; k < s[0].size(); ++k) {
                  const Phase& mine = s[static_cast<std::size_t>(i)][k];
                  const Phase& want = alone[static_cast<std::size_t>(j)][k];
                  std::vector<std::tuple<int, std::uint64_t, int>> got_sends, want_sends, got_recvs,
                      want_recvs;
                  for (const Transfer& t : mine.sends)
                    if (t.chunks[0] / ids == c)
                      got_sends.emplace_back(t.peer, t.bytes, t.chunks[0] - c * ids);
                  for (const Transfer& t : mine.recvs)
                    if (t.chunks[0] / ids == c)
                      got_recvs.emplace_back(t.peer, t.bytes, t.chunks[0] - c * ids);
                  for (const Transfer& t : want.sends)
                    want_sends.emplace_back(t.peer, t.bytes, t.chunks[0]);
                  for (const Transfer& t : want.recvs)
                    want_recvs.emplace_back(t.peer, t.bytes, t.chunks[0]);
                  ASSERT_EQ(got_sends, want_sends) << "channel " << c << " position " << j << " phase " << k;
                  ASSERT_EQ(got_recvs, want_recvs) << "channel " << c << " position " << j << " phase " << k;
                }
              }
            }
            ++cases;
          }
        }
      }
    }
  }
  EXPECT_EQ(cases, 3 * 6 * 3 * 4 * 4);
}

// One channel is the algorithm as it always ran: the same plan, transfer for transfer (mesh_ring's one
// channel is the ring).
TEST(Channels, OneChannelIsThePlainAlgorithm) {
  for (const char* name : {"ring", "bidir_ring", "mesh_ring"}) {
    const ICollective* algo = find_collective(name);
    for (const ChannelGroup& g : channel_groups()) {
      for (Op op : {Op::AllReduce, Op::AllGather, Op::ReduceScatter}) {
        SCOPED_TRACE(std::string(g.what) + ": " + describe(name, op, static_cast<int>(g.group.size()), kMiB));
        EXPECT_TRUE(plan_equals_schedule(*algo->plan_channels(op, g.group, kMiB + 3, g.facts, 1),
                                         algo->build(op, g.group, kMiB + 3)));
      }
    }
  }
}

// Phase p of a channelled all_reduce on two tiers: every rank sends one transfer per channel, and the
// crossings between domains leave from a different rank in every channel.
TEST(Channels, TieredAllReduceSpreadsTheCrossingsOverEveryRank) {
  std::vector<int> group;
  for (int r = 0; r < 16; ++r)
    group.push_back(r);
  const int channels = 8;
  const auto plan =
      find_collective("ring")->plan_channels(Op::AllReduce, group, 256 * kMiB, TopologyFacts{8}, channels);
  Phase scratch;
  for (int k : {0, 7, 29}) {
    int crossings = 0;
    for (int i = 0; i < 16; ++i) {
      const Phase& ph = plan->phase(i, k, scratch);
      ASSERT_EQ(ph.sends.size(), static_cast<std::size_t>(channels));
      int mine = 0;
      for (const Transfer& t : ph.sends) {
        EXPECT_EQ(t.bytes, 256 * kMiB / channels / 16);
        mine += t.peer / 8 != i / 8;
      }
      EXPECT_EQ(mine, 1) << "rank " << i << " phase " << k;  // exactly one channel leaves through rank i
      crossings += mine;
    }
    EXPECT_EQ(crossings, 16);
  }
}

TEST(Channels, OnlyTheRingsRunSeveralAndRefusalsSayWhy) {
  for (const std::string& name : collective_names()) {
    const ICollective* algo = find_collective(name);
    const bool rings = name == "ring" || name == "bidir_ring" || name == "mesh_ring";
    for (Op op : kOps) {
      if (!algo->supports(op)) continue;
      const int most = rings && op != Op::Broadcast ? kMaxChannels : 1;
      EXPECT_EQ(algo->max_channels(op), most) << name << " " << op_name(op);
      EXPECT_EQ(channels_refusal(*algo, op, 1), "");
      EXPECT_EQ(channels_refusal(*algo, op, most), "");
      EXPECT_NE(channels_refusal(*algo, op, most + 1), "");
      EXPECT_NE(channels_refusal(*algo, op, 0), "");
    }
  }
  EXPECT_EQ(channels_refusal(*find_collective("tree"), Op::AllReduce, 2),
            "algorithm tree runs one channel; channels above 1 need algorithm ring or bidir_ring, got 2");
  EXPECT_EQ(channels_refusal(*find_collective("ring"), Op::AllReduce, 65),
            "expected 1 to 64 channels, got 65");
  EXPECT_EQ(
      channels_refusal(*find_collective("ring"), Op::Broadcast, 2),
      "a broadcast runs one channel (channels above 1 split an all_reduce, all_gather or reduce_scatter "
      "over several rings), got 2");
  const std::vector<int> group = make_group(4);
  EXPECT_THROW(find_collective("direct")->plan_channels(Op::AllReduce, group, kMiB, TopologyFacts{}, 2),
               std::invalid_argument);
  EXPECT_THROW(find_collective("direct")->build_channels(Op::AllReduce, group, kMiB, TopologyFacts{}, 2),
               std::invalid_argument);
  EXPECT_THROW(find_collective("ring")->plan_channels(Op::AllReduce, group, kMiB, TopologyFacts{}, 65),
               std::invalid_argument);
  EXPECT_THROW(find_collective("ring")->plan_channels(Op::Broadcast, group, kMiB, TopologyFacts{}, 2),
               std::invalid_argument);
  EXPECT_NO_THROW(find_collective("direct")->plan_channels(Op::AllReduce, group, kMiB, TopologyFacts{}, 1));
}

}  // namespace test_collectives
}  // namespace
}  // namespace pjbit::workloads
