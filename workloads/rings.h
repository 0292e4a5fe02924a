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

}  // namespace pjbit::workloads
