// HBM capacity (engine/capacity.md): what a step keeps resident must fit in each rank's HBM. (What memory
// and checkpoint steps move to or from a pool is checked against the pool's capacity in validate_step.)
#include <fmt/format.h>

#include <cstdint>
#include <string>

#include "core/errors.h"
#include "engine/program.h"

namespace pjbit::engine::detail {

namespace {

using workloads::Step;

std::string gib_text(double bytes) {
  return fmt::format("{:.4g} GiB", bytes / (1024.0 * 1024.0 * 1024.0));
}

// Bytes a step keeps resident in one rank's HBM while it runs: a collective's buffer (the nccl-tests size:
// all_reduce and broadcast the buffer, all_gather its output, reduce_scatter its input, all_to_all what a
// rank sends), a memory or checkpoint step's bytes per rank, and a parallel step's children together.
double resident_bytes(const Step& step) {
  switch (step.kind) {
    case Step::Kind::Collective:
      return static_cast<double>(step.collective.size_bytes);
    case Step::Kind::Memory:
      return static_cast<double>(step.memory.size_bytes);
    case Step::Kind::Parallel: {
      double sum = 0.0;
      for (const Step& child : step.children)
        sum += resident_bytes(child);
      return sum;
    }
    case Step::Kind::Compute:
    case Step::Kind::Traffic:
      break;
  }
  return 0.0;
}

}  // namespace

void check_capacity(const Facts& f, const Step& step) {
  const double hbm = static_cast<double>(f.spec.accelerator.hbm.capacity_bytes);
  const double resident = resident_bytes(step);
  if (hbm > 0.0 && resident > hbm) {
    const std::string what = step.kind == Step::Kind::Collective
                                 ? std::string("its ") + workloads::op_name(step.collective.op) + " buffer"
                             : step.kind == Step::Kind::Parallel ? std::string("its sub-steps together")
                                                                 : std::string("its bytes per rank");
    throw core::InputError(step.loc, step.key,
                           fmt::format("{} {} {} resident on each rank, more than the accelerator's {} of "
                                       "HBM (accelerator.hbm.capacity)",
                                       what, step.kind == Step::Kind::Parallel ? "keep" : "keeps",
                                       gib_text(resident), gib_text(hbm)));
  }
}

}  // namespace pjbit::engine::detail
