#include "workloads/nccl_tests.h"

namespace pjbit::workloads {

double busbw_factor(std::string_view op, int n) {
  const double d = n;
  if (op == "all_reduce") return 2.0 * (d - 1.0) / d;
  if (op == "broadcast") return 1.0;
  return (d - 1.0) / d;
}

double busbw_factor(Op op, int n) {
  return busbw_factor(op_name(op), n);
}

double useful_bytes(Op op, std::uint64_t size, int n) {
  const double d = n;
  const double factor = op == Op::AllReduce ? 2.0 * (d - 1.0) : (d - 1.0);
  return factor * static_cast<double>(size);
}

}  // namespace pjbit::workloads
