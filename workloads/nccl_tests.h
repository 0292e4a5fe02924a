// CONTRACT section 5's nccl-tests conventions, in one place: the bus-bandwidth factor that turns a
// collective's algorithm bandwidth into its bus bandwidth, and the bytes a collective had to move (its useful
// bytes, the denominator of pJ per useful bit).
#pragma once

#include <cstdint>
#include <string_view>

#include "workloads/spec.h"

namespace pjbit::workloads {

// busbw = algbw x F, with n ranks: F = 2(n-1)/n for all_reduce, 1 for broadcast, (n-1)/n for all_gather,
// reduce_scatter and all_to_all.
double busbw_factor(std::string_view op, int n);
double busbw_factor(Op op, int n);

// What a collective of `size` bytes (nccl-tests' convention for its op) over n ranks had to move:
// all_reduce 2(n-1) size, the others (n-1) size.
double useful_bytes(Op op, std::uint64_t size, int n);

}  // namespace pjbit::workloads
