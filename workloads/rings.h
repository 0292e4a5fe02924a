// Rail rings: the orders of the K channels of a ring collective (docs/collectives.md, "Channels and rail
// rings"). NCCL runs several rings ("channels") at once; on a machine of several scale-up domains each
// channel's ring leaves a domain at a different rank, so every rank's scale-out port (its NIC, one per GPU:
// a "rail") carries traffic at once and the ring is bound by one NIC's bandwidth per channel instead of by
// one NIC for the whole ring.
#pragma once

#include <vector>

#include "workloads/i_collective.h"

namespace pjbit::workloads {

// The order of channel c, for c = 0 .. channels-1, as indices into `group`: the group's order with each
// innermost domain's members rotated left by c, modulo how many of the group's ranks that domain holds.
// Every position of the group keeps its domain: position P_d[j], the j-th of domain d's positions in group
// order, holds in channel c the member at P_d[(j + c) mod |P_d|]. The domain of rank r is
// r / facts.inner_domain; with inner_domain 0 (a flat platform) the whole group is one domain, so every
// channel is the same ring rotated (the same edges; only which rank holds which chunk differs). Channel 0 is
// the group's own order. On a tiered platform with the group listed domain by domain, channel c crosses from
// each domain to the next at that domain's (c-1)-th member and enters the next at its c-th: with as many
// channels as ranks per domain, every rank's scale-out port carries one channel's crossing.
// Throws std::invalid_argument when channels < 1.
std::vector<std::vector<int>> channel_index_orders(const std::vector<int>& group, const TopologyFacts& facts,
                                                   int channels);

// The same as global rank ids: channel_orders(...)[c][j] = group[channel_index_orders(...)[c][j]]. This is
// what a ring over channel c runs through, in order.
std::vector<std::vector<int>> channel_orders(const std::vector<int>& group, const TopologyFacts& facts,
                                             int channels);

// Mesh rings: the orders of a ring collective's channels over a full mesh, where every pair of ranks has a
// link of its own (docs/collectives.md, "Channels and mesh rings"). One ring in group order uses n of the
// mesh's n(n-1) directed links; NCCL and RCCL lay their channels along different Hamiltonian cycles so that
// together they use every link, as RCCL's channels do on an 8-GPU MI300X node (ROCm/rccl
// src/graph/rome_models.cc: 14 ring orders, each directed xGMI link on exactly two of them).
//
// The rings are built from a Walecki-style zig-zag. Take the group indices as a point `inf` (index 0) and the
// integers mod q = n-1; the zig-zag z = 0, 1, -1, 2, -2, ... lists every integer mod q once, and the cycle
// C_k = (inf, k + z_0, k + z_1, ..., k + z_{q-1}) visits every index once. For even n the q cycles C_0 ..
// C_{q-1} cover every (undirected) pair exactly twice; for odd n the first (n-1)/2 of them cover every pair
// exactly once (Walecki's decomposition of the complete graph). Each cycle is then taken in both directions,
// so every directed pair (i, j), i != j, lies on the same number of rings: twice for even n, once for odd n.
// The indices are relabelled so that C_0 is the group's own order (inf is index 0, k + z_j is index j + 1).
//
// The number of rings in that set: 2(n-1) for even n, n-1 for odd n (2 for n = 2). Throws
// std::invalid_argument when n < 2.
int mesh_ring_count(int n);

// The orders, as group indices 0 .. n-1, of `channels` mesh rings: ring c for c < mesh_ring_count(n) is
// forward cycle c (c below the number of forward cycles, q for even n, q/2 for odd n) or the reverse of
// forward cycle c minus that number, each starting at index 0 (ROCm/rccl lists its MI300X rings the same way:
// the forward cycles, then their reverses). Beyond mesh_ring_count(n) the list repeats. Ring 0 is the group's
// own order. With all mesh_ring_count(n) rings (or a multiple), every directed pair lies on as many rings as
// any other. Throws std::invalid_argument when n < 2 or channels < 1.
std::vector<std::vector<int>> mesh_ring_index_orders(int n, int channels);

}  // namespace pjbit::workloads
