// in_network: reduction inside a switch that can reduce (NVLink SHARP class). Every rank streams its buffer
// to the switch's reduction engine in pipeline chunks and receives the reduced chunks back; the engine maps
// the peer kInNetworkPeer to that reduction engine and mirrors the ranks' transfers into its own phases.
#include <algorithm>
#include <cmath>

#include "workloads/impl/algorithms.h"

namespace pjbit::workloads::impl {

namespace {

class InNetwork : public ICollective {
 public:
  std::string_view name() const override { return "in_network"; }
  bool supports(Op op) const override { return op == Op::AllReduce; }

  // Chunk c goes up in phase c and comes back down in phase c + 1, so up and down streams overlap on the
  // full-duplex links: T = (k + 1) (alpha + S / (k B)), which tends to S / B as the chunk count k grows.
  Schedule build(Op op, const std::vector<int>& group, std::uint64_t size_bytes) const override {
    require_buildable(*this, op, group);
    const int k = chunk_count(size_bytes);
    const std::vector<std::uint64_t> chunks = split_even(size_bytes, k);
    Schedule s(group.size(), std::vector<Phase>(static_cast<std::size_t>(k + 1)));
    for (auto& phases : s) {
      for (int c = 0; c < k; ++c) {
        if (chunks[static_cast<std::size_t>(c)] == 0) continue;
        Transfer up{kInNetworkPeer, chunks[static_cast<std::size_t>(c)], {c}};
        phases[static_cast<std::size_t>(c)].sends.push_back(up);
        phases[static_cast<std::size_t>(c + 1)].recvs.push_back(up);
      }
    }
    return s;
  }

  // T = (k + 1)(alpha + S/(kB)) is least near k = sqrt(S / (alpha B)); with alpha B of a few hundred KiB on
  // the fabrics this models, k = sqrt(S / 256 KiB), from 1 to 256 chunks.
  static int chunk_count(std::uint64_t size_bytes) {
    const double k = std::round(std::sqrt(static_cast<double>(size_bytes) / (256.0 * 1024.0)));
    return static_cast<int>(std::clamp(k, 1.0, 256.0));
  }
};

// nvls: NVLink SHARP as NCCL runs it on one switch (NVLS). Each rank owns slice i = split_even(chunk, n)[i]
// of every pipeline chunk. Reduce-scatter: the rank asks the switch for its slice reduced (multimem
// ld_reduce), so the switch reads that slice from every rank: each rank's link carries the whole chunk up,
// and the rank's reduced slice down. All-gather: the rank stores its reduced slice to every rank through the
// switch's multicast (multimem st): its slice goes up once and every slice comes down. A rank's link so
// carries chunk + slice each way, (n+1)/n of the buffer where in_network carries it once: busbw tends to
// 2(n-1)/(n+1) x the link's payload rate. Chunk c goes up in phase c and comes down in phase c + 1.
class Nvls final : public InNetwork {
 public:
  std::string_view name() const override { return "nvls"; }

  Schedule build(Op op, const std::vector<int>& group, std::uint64_t size_bytes) const override {
    require_buildable(*this, op, group);
    const int n = static_cast<int>(group.size());
    const int k = chunk_count(size_bytes);
    const std::vector<std::uint64_t> chunks = split_even(size_bytes, k);
    Schedule s(group.size(), std::vector<Phase>(static_cast<std::size_t>(k + 1)));
    for (int i = 0; i < n; ++i) {
      auto& phases = s[static_cast<std::size_t>(i)];
      for (int c = 0; c < k; ++c) {
        const std::uint64_t chunk = chunks[static_cast<std::size_t>(c)];
        if (chunk == 0) continue;
        const std::uint64_t slice = split_even(chunk, n)[static_cast<std::size_t>(i)];
        Transfer t{kInNetworkPeer, chunk + slice, {c}};
        phases[static_cast<std::size_t>(c)].sends.push_back(t);
        phases[static_cast<std::size_t>(c + 1)].recvs.push_back(t);
      }
    }
    return s;
  }
};

}  // namespace

const ICollective& in_network() {
  static const InNetwork algo;
  return algo;
}

const ICollective& nvls() {
  static const Nvls algo;
  return algo;
}

}  // namespace pjbit::workloads::impl
