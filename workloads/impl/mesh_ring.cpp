// mesh_ring: NCCL's and RCCL's rings on a full mesh. Each channel runs the classic ring (ring.cpp) over its
// own order, and the orders are the mesh rings of workloads/rings.h (mesh_ring_index_orders): Hamiltonian
// cycles laid so that, with mesh_ring_count(n) channels, every directed pair of the group carries as many
// rings as any other. On a full mesh, where each pair has a link of its own, the channels then use every
// link of every rank at once, as RCCL's channels do over an MI300X node's seven xGMI links per GPU; a ring in
// group order uses one link out of each rank.
//   channel c carries split_even(size, K)[c] over mesh ring c, chunk ids from c*n, every channel's phase p in
//   phase p (a phase lists channel 0's transfers, then channel 1's, ...);
//   one channel is the ring in group order, exactly `ring`'s schedule.
// Supports all_reduce, all_gather and reduce_scatter, with 1 to kMaxChannels channels; how many it runs when
// the step does not say is the engine's choice (engine/validate.cpp, channels_of).
#include "workloads/impl/algorithms.h"
#include "workloads/rings.h"

namespace pjbit::workloads::impl {

namespace {

class MeshRing final : public RingChannels<false> {
 public:
  std::string_view name() const override { return "mesh_ring"; }

  bool supports(Op op) const override {
    return op == Op::AllReduce || op == Op::AllGather || op == Op::ReduceScatter;
  }

  Schedule build(Op op, const std::vector<int>& group, std::uint64_t size_bytes) const override {
    require_buildable(*this, op, group);
    return ring().build(op, group, size_bytes);
  }

  std::shared_ptr<const SchedulePlan> plan(Op op, const std::vector<int>& group, std::uint64_t size_bytes,
                                           const TopologyFacts& facts) const override {
    require_buildable(*this, op, group);
    return ring().plan(op, group, size_bytes, facts);
  }

  int max_channels(Op) const override { return kMaxChannels; }

 protected:
  std::vector<std::vector<int>> channel_orders(const std::vector<int>& group, const TopologyFacts&,
                                               int channels) const override {
    return mesh_ring_index_orders(static_cast<int>(group.size()), channels);
  }
};

}  // namespace

const ICollective& mesh_ring() {
  static const MeshRing algorithm;
  return algorithm;
}

}  // namespace pjbit::workloads::impl
