// Finding and reading a trace's rank files (CONTRACT section 8), and the platform's side of it.
#include "workloads/chakra/chakra.h"

#include <filesystem>
#include <system_error>

#include "core/errors.h"
#include "core/yaml_support.h"
#include "workloads/chakra/trace.h"

namespace pjbit::workloads::chakra {

namespace {

namespace fs = std::filesystem;

constexpr int kMaxTraceRanks = 65536;
constexpr std::uint64_t kMaxFileBytes = std::uint64_t{4} << 30;

bool exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(fs::path(path), ec);
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// The prefix's last path component: the workload's name.
std::string last_component(const std::string& prefix) {
  std::string p = prefix;
  while (p.size() > 1 && p.back() == '/')
    p.pop_back();
  const std::size_t slash = p.find_last_of('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

// The largest rank number of a PREFIX.<rank>.et in the prefix's folder, or -1.
long long largest_rank_file(const std::string& prefix) {
  const fs::path p(prefix);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  const std::string base = p.filename().string() + ".";
  long long largest = -1;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= base.size() + 3 || name.compare(0, base.size(), base) != 0 || !ends_with(name, ".et"))
      continue;
    const std::string digits = name.substr(base.size(), name.size() - base.size() - 3);
    if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos)
      continue;
    largest = std::max(largest, std::stoll(digits));
  }
  return largest;
}

}  // namespace

std::string rank_file(const std::string& prefix, int rank) {
  return prefix + "." + std::to_string(rank) + ".et";
}

bool is_trace_prefix(const std::string& path) {
  if (ends_with(path, ".yaml") || ends_with(path, ".yml")) return false;
  return exists(rank_file(path, 0));
}

WorkloadSpec load_trace(const std::string& prefix, const Options& options) {
  int count = options.ranks;
  if (count < 0 || count > kMaxTraceRanks) {
    throw core::InputError(core::SourceLoc{}, "ranks",
                           "expected a whole number of ranks from 1 to " + std::to_string(kMaxTraceRanks));
  }
  if (count > 0) {
    for (int r = 0; r < count; ++r) {
      if (!exists(rank_file(prefix, r))) {
        throw core::InputError(core::SourceLoc{rank_file(prefix, r)}, "",
                               "missing: the trace has " + std::to_string(count) + " ranks, so files " +
                                   last_component(rank_file(prefix, 0)) + " to " +
                                   last_component(rank_file(prefix, count - 1)));
      }
    }
  } else {
    while (count < kMaxTraceRanks && exists(rank_file(prefix, count)))
      ++count;
    if (count == 0) {
      throw core::InputError(core::SourceLoc{rank_file(prefix, 0)}, "",
                             "missing: a trace's files are PREFIX.0.et, PREFIX.1.et, ...");
    }
    // A gap: rank files after a missing one mean the missing one is a rank of the trace.
    if (const long long largest = largest_rank_file(prefix); largest > count) {
      throw core::InputError(core::SourceLoc{rank_file(prefix, count)}, "",
                             "missing, but " + last_component(rank_file(prefix, static_cast<int>(largest))) +
                                 " exists: rank files are numbered from 0 without gaps");
    }
  }
  // The name appears in messages, reports and CSV rows: printable characters only, as any workload's.
  const std::string name = last_component(prefix);
  for (const unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) {
      throw core::InputError(
          core::SourceLoc{}, "",
          "a trace is named after its prefix's last component, which must be printable; got " +
              core::quote_text(name));
    }
  }
  std::vector<detail::RankTrace> ranks;
  ranks.reserve(static_cast<std::size_t>(count));
  for (int r = 0; r < count; ++r) {
    const std::string path = rank_file(prefix, r);
    ranks.push_back(
        detail::parse_rank(path, core::read_text_file(path, kMaxFileBytes, /*regular_only=*/true)));
  }
  return detail::map_trace(ranks, name, options);
}

WorkloadSpec read_trace(const std::vector<TraceFile>& files, const std::string& name,
                        const Options& options) {
  if (files.empty()) throw core::InputError(core::SourceLoc{name}, "", "a trace has at least one rank file");
  std::vector<detail::RankTrace> ranks;
  ranks.reserve(files.size());
  for (const TraceFile& f : files)
    ranks.push_back(detail::parse_rank(f.name, f.bytes));
  return detail::map_trace(ranks, name, options);
}

void check_platform_ranks(const WorkloadSpec& spec, int platform_ranks) {
  if (spec.trace_ranks <= platform_ranks) return;
  throw core::InputError(core::SourceLoc{spec.file}, "",
                         "the trace has " + std::to_string(spec.trace_ranks) +
                             " rank files, but the platform has only " + std::to_string(platform_ranks) +
                             " ranks: rank r of the trace runs on platform rank r");
}

}  // namespace pjbit::workloads::chakra
