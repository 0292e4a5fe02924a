// The collective registry, split_even, and the names of the workload enums.
#include <stdexcept>
#include <string>
#include <vector>

#include "workloads/i_collective.h"
#include "workloads/impl/algorithms.h"
#include "workloads/spec.h"

namespace pjbit::workloads {

namespace impl {
// Defined in impl/tree.cpp, impl/hierarchical.cpp and impl/in_network.cpp (declared here until algorithms.h
// lists them).
const ICollective& tree();
const ICollective& node_tree();
const ICollective& hierarchical();
const ICollective& in_network();
const ICollective& nvls();
const ICollective& nvls_tree();
const ICollective& collnet();
}  // namespace impl

namespace {

// Every built-in algorithm, in the stable order collective_names() reports.
const std::vector<const ICollective*>& registry() {
  static const std::vector<const ICollective*> algorithms = {
      &impl::ring(),      &impl::bidir_ring(),   &impl::tree(),       &impl::halving_doubling(),
      &impl::direct(),    &impl::hierarchical(), &impl::in_network(), &impl::torus_ring(),
      &impl::nvls(),      &impl::torus_unidir(), &impl::node_tree(),  &impl::mesh_ring(),
      &impl::nvls_tree(), &impl::collnet(),
  };
  return algorithms;
}

}  // namespace

const ICollective* find_collective(std::string_view name) {
  for (const ICollective* algo : registry()) {
    if (algo->name() == name) return algo;
  }
  return nullptr;
}

std::vector<std::string> collective_names() {
  std::vector<std::string> names;
  for (const ICollective* algo : registry())
    names.emplace_back(algo->name());
  return names;
}

void ICollective::require_channels(Op op, int channels) const {
  const int most = max_channels(op);
  if (channels >= 1 && channels <= most) return;
  throw std::invalid_argument(
      std::string(name()) + " runs " +
      (most == 1 ? std::string("one channel") : "1 to " + std::to_string(most) + " channels") + " for " +
      op_name(op) + ", asked for " + std::to_string(channels));
}

std::string channels_refusal(const ICollective& algo, Op op, int channels) {
  const int most = algo.max_channels(op);
  if (channels >= 1 && channels <= most) return "";
  if (most > 1) return "expected 1 to " + std::to_string(most) + " channels, got " + std::to_string(channels);
  if (op == Op::Broadcast)
    return "a broadcast runs one channel (channels above 1 split an all_reduce, all_gather or reduce_scatter "
           "over several rings), got " +
           std::to_string(channels);
  return "algorithm " + std::string(algo.name()) +
         " runs one channel; channels above 1 need algorithm ring or bidir_ring, got " +
         std::to_string(channels);
}

std::vector<std::uint64_t> split_even(std::uint64_t total, int n) {
  if (n <= 0) throw std::invalid_argument("split_even: need at least one chunk, got " + std::to_string(n));
  const auto count = static_cast<std::uint64_t>(n);
  const std::uint64_t base = total / count;
  const std::uint64_t extra = total % count;
  std::vector<std::uint64_t> chunks(static_cast<std::size_t>(n), base);
  for (std::uint64_t i = 0; i < extra; ++i)
    ++chunks[static_cast<std::size_t>(i)];
  return chunks;
}

const char* op_name(Op op) {
  switch (op) {
    case Op::AllReduce:
      return "all_reduce";
    case Op::AllGather:
      return "all_gather";
    case Op::ReduceScatter:
      return "reduce_scatter";
    case Op::AllToAll:
      return "all_to_all";
    case Op::Broadcast:
      return "broadcast";
  }
  return "unknown";
}

const char* class_name(TransportClass c) {
  switch (c) {
    case TransportClass::LatencyCritical:
      return "latency_critical";
    case TransportClass::Control:
      return "control";
    case TransportClass::Collective:
      return "collective";
    case TransportClass::RemoteMemory:
      return "remote_memory";
    case TransportClass::Bulk:
      return "bulk";
  }
  return "unknown";
}

}  // namespace pjbit::workloads
