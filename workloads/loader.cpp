#include "workloads/loader.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.h"
#include "core/limits.h"
#include "core/units.h"
#include "core/yaml_support.h"
#include "workloads/chakra/chakra.h"
#include "workloads/i_collective.h"
#include "workloads/model/model.h"

namespace pjbit::workloads {

namespace {

using core::Dim;
using core::MapReader;
using core::SourceLoc;
using core::YamlDoc;

constexpr int kMaxIterations = 1'000'000;
constexpr int kMaxSteps = 100'000;             // in all, parallel sub-steps included
constexpr int kMaxDepth = 16;                  // parallel steps nested in parallel steps
constexpr int kMaxRank = core::kMaxRanks - 1;  // the largest rank id

const std::vector<std::string_view> kOps = {"all_reduce", "all_gather", "reduce_scatter", "all_to_all",
                                            "broadcast"};
constexpr Op kOpValues[] = {Op::AllReduce, Op::AllGather, Op::ReduceScatter, Op::AllToAll, Op::Broadcast};
const std::vector<std::string_view> kClasses = {"latency_critical", "collective", "remote_memory", "bulk",
                                                "control"};
constexpr TransportClass kClassValues[] = {TransportClass::LatencyCritical, TransportClass::Collective,
                                           TransportClass::RemoteMemory, TransportClass::Bulk,
                                           TransportClass::Control};
const std::vector<std::string_view> kStepKinds = {"collective", "compute",    "parallel",
                                                  "memory",     "checkpoint", "traffic"};
constexpr long long kMaxMessages = 10'000'000;
const std::vector<std::string_view> kCollectiveKeys = {"size", "algorithm", "ranks", "class", "channels"};

std::size_t index_of(const std::vector<std::string_view>& names, const std::string& name) {
  return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
}

class StepReader {
 public:
  explicit StepReader(const YamlDoc& doc) : m_doc(doc) {}

  std::vector<Step> read_list(const YAML::Node& node, const SourceLoc& loc, const std::string& path,
                              int depth) {
    if (!node.IsSequence()) {
      throw core::InputError(loc, path, "expected a list of steps, got " + core::describe(node));
    }
    if (node.size() == 0) throw core::InputError(loc, path, "expected at least one step, got an empty list");
    std::vector<Step> steps;
    int index = 0;
    for (auto it = node.begin(); it != node.end(); ++it, ++index) {
      steps.push_back(read_step(*it, path + "." + std::to_string(index), depth));
    }
    return steps;
  }

 private:
  Step read_step(const YAML::Node& node, const std::string& path, int depth) {
    const SourceLoc loc = m_doc.loc(node, path);
    if (++m_count > kMaxSteps) {
      throw core::InputError(
          loc, path,
          "a workload has at most " + std::to_string(kMaxSteps) + " steps, parallel sub-steps included");
    }
    if (!node.IsMap()) {
      throw core::InputError(
          loc, path,
          "expected a step (a mapping with collective, compute or parallel), got " + core::describe(node));
    }
    const MapReader m(m_doc, node, path,
                      {"collective", "size", "algorithm", "ranks", "class", "channels", "compute", "parallel",
                       "memory", "checkpoint", "traffic", "id", "after", "dim"},
                      "a step");
    Step step;
    step.loc = loc;
    step.key = path;
    for (std::string_view key : {"id", "after"}) {
      if (depth > 0 && m.has(key))
        m.fail(key, "only a top-level step takes " + std::string(key) +
                        "; the sub-steps of a parallel step start and end with it");
    }
    if (auto id = m.string("id", "a step id such as \"fwd0\"")) {
      if (id->empty()) m.fail("id", "expected a step id such as \"fwd0\", got \"\"");
      for (const unsigned char c : *id)
        if (c <= 0x20 || c == 0x7f)
          m.fail("id",
                 "expected a step id of printable characters without spaces, got " + core::quote_text(*id));
      step.id = *id;
    }
    if (m.has("after")) m_after.push_back({m.node("after"), m.loc("after"), m.path("after")});
    if (auto dim = m.choice("dim", {"tp", "pp", "dp", "ep", "cp"})) step.dim = *dim;

    std::string kind;
    for (const std::string& key : m.keys()) {
      if (index_of(kStepKinds, key) == kStepKinds.size()) continue;
      if (!kind.empty()) {
        m.fail(key,
               "a step has exactly one of collective, compute, memory, checkpoint, traffic or parallel; this "
               "one "
               "also has \"" +
                   kind + "\"");
      }
      kind = key;
    }
    if (kind.empty()) {
      throw core::InputError(
          loc, path,
          "expected a step with one of collective, compute, memory, checkpoint, traffic or parallel");
    }
    if (kind != "collective") {
      for (std::string_view key : kCollectiveKeys) {
        if (m.has(key))
          m.fail(key, "only a collective step takes " + std::string(key) + "; this is a " + kind + " step");
      }
    }

    if (kind == "collective") {
      step.kind = Step::Kind::Collective;
      step.collective = read_collective(m);
    } else if (kind == "compute") {
      step.kind = Step::Kind::Compute;
      step.compute = read_compute(m);
    } else if (kind == "traffic") {
      step.kind = Step::Kind::Traffic;
      step.traffic = read_traffic(m);
    } else if (kind == "memory" || kind == "checkpoint") {
      step.kind = Step::Kind::Memory;
      step.checkpoint = kind == "checkpoint";
      step.memory = read_memory(m, kind);
    } else {
      step.kind = Step::Kind::Parallel;
      if (depth + 1 > kMaxDepth) {
        m.fail("parallel", "parallel steps nest at most " + std::to_string(kMaxDepth) + " deep");
      }
      step.children = read_list(m.node("parallel"), m.loc("parallel"), m.path("parallel"), depth + 1);
    }
    if (!m.has("after") && depth == 0) m_after.push_back({YAML::Node(), loc, ""});
    return step;
  }

 public:
  // Resolves each top-level step's `after` (ids of earlier steps) into indices; `graph`: whether the workload
  // says its steps form a dependency graph (else `after` is an error). `graph_loc`: where it says so.
  void resolve_after(std::vector<Step>& steps, bool graph) const {
    std::map<std::string, int> index;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      Step& step = steps[i];
      const After& a = m_after[i];
      if (!a.node.IsDefined() || a.node.IsNull()) {
        if (!a.path.empty() && a.node.IsNull())
          throw core::InputError(a.loc, a.path,
                                 "expected a list of step ids such as [fwd0, fwd1], got nothing");
      } else {
        if (!graph)
          throw core::InputError(
              a.loc, a.path,
              "a step waits for others only in a dependency graph: add graph: true at the top "
              "of the workload");
        const std::vector<YAML::Node> items = a.node.IsSequence()
                                                  ? std::vector<YAML::Node>(a.node.begin(), a.node.end())
                                                  : std::vector<YAML::Node>{a.node};
        if (!a.node.IsSequence() && !a.node.IsScalar())
          throw core::InputError(
              a.loc, a.path,
              "expected a list of step ids such as [fwd0, fwd1], got " + core::describe(a.node));
        for (std::size_t k = 0; k < items.size(); ++k) {
          const std::string path = a.node.IsSequence() ? a.path + "." + std::to_string(k) : a.path;
          const SourceLoc loc = m_doc.loc(items[k], path);
          if (!items[k].IsScalar())
            throw core::InputError(loc, path, "expected a step id, got " + core::describe(items[k]));
          const auto found = index.find(items[k].Scalar());
          if (found == index.end()) {
            const bool later = std::any_of(steps.begin() + static_cast<std::ptrdiff_t>(i), steps.end(),
                                           [&](const Step& s) { return s.id == items[k].Scalar(); });
            throw core::InputError(
                loc, path,
                later ? "step " + core::quote_text(items[k].Scalar()) +
                            " is this one or comes after it; a step waits only for steps "
                            "listed before it"
                      : "no step before this one has id " + core::quote_text(items[k].Scalar()));
          }
          if (std::find(step.after.begin(), step.after.end(), found->second) != step.after.end())
            throw core::InputError(loc, path,
                                   "step " + core::quote_text(items[k].Scalar()) + " is listed twice");
          step.after.push_back(found->second);
        }
      }
      if (!step.id.empty()) {
        if (!index.emplace(step.id, static_cast<int>(i)).second)
          throw core::InputError(step.loc, step.key + ".id",
                                 "step id " + core::quote_text(step.id) + " is already used by " +
                                     steps[static_cast<std::size_t>(index[step.id])].key);
      }
    }
  }

 private:
  CollectiveStep read_collective(const MapReader& m) {
    CollectiveStep c;
    c.channels_loc = m.loc();
    const std::string op = *m.choice("collective", kOps);
    c.op = kOpValues[index_of(kOps, op)];

    if (!m.has("size")) {
      m.fail_missing("size", std::string(core::dim_name(Dim::DataSize)) + " such as " +
                                 std::string(core::dim_example(Dim::DataSize)));
    }
    c.size_bytes = *m.bytes("size");
    if (c.size_bytes == 0)
      m.fail("size", "expected a data size above zero, got " + core::describe(m.node("size")));

    const ICollective* algorithm = nullptr;
    if (auto name = m.string("algorithm", "an algorithm name"); name && *name != "auto") {
      algorithm = find_collective(*name);
      if (algorithm == nullptr) {
        std::string names;
        for (const std::string& n : collective_names())
          names += (names.empty() ? "" : ", ") + n;
        m.fail("algorithm", "unknown algorithm " + core::describe(m.node("algorithm")) +
                                "; expected auto or one of: " + names);
      }
      if (!algorithm->supports(c.op)) {
        m.fail("algorithm", "algorithm \"" + *name + "\" does not implement " + op);
      }
      c.algorithm = *name;
    }

    if (m.has("ranks")) {
      c.ranks = read_ranks(m, 2, /*keep_order=*/true);
      std::string why;
      if (algorithm != nullptr && !c.ranks.empty() &&
          !algorithm->accepts_group_size(static_cast<int>(c.ranks.size()), &why)) {
        m.fail("ranks", "algorithm " + core::quote_text(c.algorithm) + " cannot run on " +
                            std::to_string(c.ranks.size()) + " ranks" +
                            (why.empty() ? std::string() : ": " + why));
      }
    }
    if (auto cls = m.choice("class", kClasses)) c.cls = kClassValues[index_of(kClasses, *cls)];
    if (auto k = m.integer("channels", 1, kMaxChannels)) {
      c.channels = static_cast<int>(*k);
      c.channels_loc = m.loc("channels");
      c.channels_given = true;
      // An algorithm named here is checked now; the default one, chosen for the platform, by the engine.
      if (algorithm != nullptr) {
        if (const std::string why = channels_refusal(*algorithm, c.op, c.channels); !why.empty())
          m.fail("channels", why);
      }
    }
    return c;
  }

  ComputeStep read_compute(const MapReader& step) {
    const MapReader m(m_doc, step.node("compute"), step.path("compute"),
                      {"work", "duration", "bytes", "ranks"},
                      "a compute step such as { work: 500 TFLOP } or { duration: 2 ms }");
    ComputeStep c;
    if (m.has("work") && m.has("duration")) m.fail("duration", "give either work or duration, not both");
    if (m.has("work")) {
      c.work_flop = *m.quantity("work", Dim::Work);
      c.has_work = true;
    } else if (m.has("duration")) {
      c.duration_s = *m.quantity("duration", Dim::Time);
    } else {
      throw core::InputError(step.loc("compute"), step.path("compute"),
                             "missing work or duration; expected { work: 500 TFLOP } or { duration: 2 ms }");
    }
    if (auto v = m.bytes("bytes")) {
      if (!c.has_work)
        m.fail("bytes", "bytes go with work (a roofline: max(work / compute, bytes / HBM bandwidth))");
      c.bytes = *v;
    }
    if (m.has("ranks")) c.ranks = read_ranks(m, 1, /*keep_order=*/false);
    return c;
  }

  MemoryStep read_memory(const MapReader& step, const std::string& kind) {
    const bool checkpoint = kind == "checkpoint";
    const MapReader m(m_doc, step.node(kind), step.path(kind),
                      checkpoint ? std::vector<std::string_view>{"size", "pool", "ranks", "class", "deadline"}
                                 : std::vector<std::string_view>{"op", "size", "pool", "ranks", "class"},
                      checkpoint ? "a checkpoint such as { size: 16 GiB, pool: pool0 }"
                                 : "a memory step such as { op: read, size: 1 GiB, pool: pool0 }");
    MemoryStep mem;
    mem.cls = checkpoint ? TransportClass::Bulk : TransportClass::RemoteMemory;
    if (checkpoint) {
      mem.write = true;
    } else {
      if (!m.has("op")) m.fail_missing("op", "read or write");
      mem.write = *m.choice("op", {"read", "write"}) == "write";
    }
    if (!m.has("size")) m.fail_missing("size", "a data size per rank such as \"1 GiB\"");
    mem.size_bytes = *m.bytes("size");
    if (mem.size_bytes == 0)
      m.fail("size", "expected a data size above zero, got " + core::describe(m.node("size")));
    if (!m.has("pool")) m.fail_missing("pool", "the name of a memory pool of the platform");
    mem.pool = *m.string("pool", "a pool name");
    if (m.has("ranks")) mem.ranks = read_ranks(m, 1, /*keep_order=*/false);
    if (auto cls = m.choice("class", kClasses)) mem.cls = kClassValues[index_of(kClasses, *cls)];
    if (auto v = m.quantity("deadline", Dim::Time)) mem.deadline_s = *v;
    return mem;
  }

  TrafficStep read_traffic(const MapReader& step) {
    const MapReader m(m_doc, step.node("traffic"), step.path("traffic"),
                      {"size", "messages", "interval", "ranks", "pairs", "class"},
                      "a traffic step such as { messages: 100, size: 4 KiB, interval: 1 us }");
    TrafficStep t;
    if (!m.has("size")) m.fail_missing("size", "a data size per message such as \"4 KiB\"");
    t.size_bytes = *m.bytes("size");
    if (t.size_bytes == 0)
      m.fail("size", "expected a data size above zero, got " + core::describe(m.node("size")));
    if (auto v = m.integer("messages", 1, kMaxMessages)) t.messages = static_cast<std::uint64_t>(*v);
    if (auto v = m.quantity("interval", Dim::Time)) t.interval_s = *v;
    if (m.has("pairs") && m.has("ranks"))
      m.fail("ranks", "give either pairs (messages between them in turn) or ranks (random pairs), not both");
    if (m.has("ranks")) t.ranks = read_ranks(m, 2, /*keep_order=*/false);
    if (m.has("pairs")) {
      const YAML::Node node = m.node("pairs");
      if (!node.IsSequence() || node.size() == 0)
        m.fail("pairs", "expected a list of [source, destination] rank pairs such as [[0, 4], [1, 5]], got " +
                            (node.IsSequence() ? std::string("an empty list") : core::describe(node)));
      int index = 0;
      for (auto it = node.begin(); it != node.end(); ++it, ++index) {
        const std::string path = m.path("pairs") + "." + std::to_string(index);
        const SourceLoc loc = m_doc.loc(*it, path);
        if (!it->IsSequence() || it->size() != 2)
          throw core::InputError(
              loc, path, "expected a pair [source, destination] of rank ids, got " + core::describe(*it));
        const int a = static_cast<int>(
            core::as_int((*it)[0], m_doc.loc((*it)[0], path + ".0"), path + ".0", 0, kMaxRank));
        const int b = static_cast<int>(
            core::as_int((*it)[1], m_doc.loc((*it)[1], path + ".1"), path + ".1", 0, kMaxRank));
        if (a == b)
          throw core::InputError(loc, path,
                                 "a message goes from one rank to another; both are " + std::to_string(a));
        t.pairs.emplace_back(a, b);
      }
    }
    if (auto cls = m.choice("class", kClasses)) t.cls = kClassValues[index_of(kClasses, *cls)];
    return t;
  }

  // `all` (empty result) or a list of at least `min_count` distinct rank ids (a rank listed twice is an
  // error), in the order listed when `keep_order` (a collective's group: the order of its rings), else sorted
  // (compute, memory and traffic steps, where the order means nothing: sorted, every listing of one set runs
  // alike).
  std::vector<int> read_ranks(const MapReader& m, std::size_t min_count, bool keep_order) {
    const YAML::Node node = m.node("ranks");
    const std::string path = m.path("ranks");
    if (node.IsScalar() && node.Scalar() == "all") return {};
    if (!node.IsSequence()) {
      m.fail("ranks", "expected all or a list of rank ids such as [0, 1, 2, 3], got " + core::describe(node));
    }
    std::vector<int> ranks;
    std::vector<bool> seen(static_cast<std::size_t>(kMaxRank) + 1, false);
    int index = 0;
    for (auto it = node.begin(); it != node.end(); ++it, ++index) {
      const std::string rank_path = path + "." + std::to_string(index);
      const SourceLoc loc = m_doc.loc(*it, rank_path);
      const int rank = static_cast<int>(core::as_int(*it, loc, rank_path, 0, kMaxRank));
      if (seen[static_cast<std::size_t>(rank)]) {
        throw core::InputError(loc, rank_path, "rank " + std::to_string(rank) + " is listed twice");
      }
      seen[static_cast<std::size_t>(rank)] = true;
      ranks.push_back(rank);
    }
    if (ranks.size() < min_count) {
      m.fail("ranks", "expected at least " + std::to_string(min_count) +
                          (min_count == 1 ? " rank" : " ranks") + ", got " + std::to_string(ranks.size()));
    }
    if (!keep_order) std::sort(ranks.begin(), ranks.end());
    return ranks;
  }

  const YamlDoc& m_doc;
  int m_count = 0;
  // Per top-level step, in order: its `after` (undefined when it has none).
  struct After {
    YAML::Node node;
    SourceLoc loc;
    std::string path;
  };
  std::vector<After> m_after;
};

// The ranks a step takes part in, or nothing for all of them (a step with `ranks: all`, random traffic among
// every rank, a parallel step with such a sub-step).
std::optional<std::vector<int>> ranks_of(const Step& step) {
  const auto listed = [](const std::vector<int>& ranks) -> std::optional<std::vector<int>> {
    if (ranks.empty()) return std::nullopt;
    return ranks;
  };
  switch (step.kind) {
    case Step::Kind::Collective:
      return listed(step.collective.ranks);
    case Step::Kind::Compute:
      return listed(step.compute.ranks);
    case Step::Kind::Memory:
      return listed(step.memory.ranks);
    case Step::Kind::Traffic: {
      if (step.traffic.pairs.empty()) return listed(step.traffic.ranks);
      std::vector<int> ranks;
      for (const auto& [a, b] : step.traffic.pairs) {
        ranks.push_back(a);
        ranks.push_back(b);
      }
      return ranks;
    }
    case Step::Kind::Parallel:
      break;
  }
  std::vector<int> ranks;
  for (const Step& child : step.children) {
    const auto r = ranks_of(child);
    if (!r) return std::nullopt;
    ranks.insert(ranks.end(), r->begin(), r->end());
  }
  return ranks;
}

// Steps listed after a model block run once the model's optimizer step is over on their ranks: each waits
// for the last model step of each of its ranks. Listed as a list (`graph` false), they also follow one
// another on each rank as a list's steps do; in a graph of their own (`graph` true), their own `after`
// (indices among them) orders them instead.
void append_after_model(std::vector<Step>& steps, std::vector<Step> listed, bool graph) {
  std::map<int, int> last;  // per rank: its last step so far (ranks that have one of their own)
  int last_all = -1;        // the last step of every rank
  const auto note = [&](const Step& step, int index) {
    if (const auto ranks = ranks_of(step)) {
      for (int r : *ranks)
        last[r] = index;
    } else {
      last.clear();
      last_all = index;
    }
  };
  for (std::size_t i = 0; i < steps.size(); ++i)
    note(steps[i], static_cast<int>(i));
  const int offset = static_cast<int>(steps.size());
  const std::map<int, int> model_last = last;
  const int model_last_all = last_all;
  for (Step& step : listed) {
    const int index = static_cast<int>(steps.size());
    const std::map<int, int>& before = graph ? model_last : last;
    const int before_all = graph ? model_last_all : last_all;
    std::vector<int> after;
    for (int a : step.after)
      after.push_back(a + offset);
    if (const auto ranks = ranks_of(step)) {
      for (int r : *ranks) {
        const auto it = before.find(r);
        const int b = it != before.end() ? it->second : before_all;
        if (b >= 0) after.push_back(b);
      }
    } else {
      for (const auto& [r, b] : before)
        after.push_back(b);
      if (before_all >= 0) after.push_back(before_all);
    }
    if (!graph) note(step, index);
    std::sort(after.begin(), after.end());
    after.erase(std::unique(after.begin(), after.end()), after.end());
    step.after = std::move(after);
    steps.push_back(std::move(step));
  }
}

// A workload file that names a Chakra trace: `chakra: { prefix, ranks, pool }`, the prefix relative to the
// file (workloads/chakra/chakra.md).
WorkloadSpec read_chakra(const YamlDoc& doc, const MapReader& top) {
  if (top.has("steps")) top.fail("steps", "give either steps or chakra (a trace), not both");
  if (top.has("graph")) top.fail("graph", "a trace is a dependency graph already; graph goes with steps");
  const MapReader m(doc, top.node("chakra"), "chakra", {"prefix", "ranks", "pool"},
                    "a trace such as { prefix: traces/step, ranks: 8 }");
  if (!m.has("prefix")) m.fail_missing("prefix", "the trace's path without .<rank>.et, such as traces/step");
  const std::string given = *m.string("prefix", "a path");
  if (given.empty()) m.fail("prefix", "expected the trace's path without .<rank>.et, got \"\"");
  const std::filesystem::path dir = std::filesystem::path(doc.file()).parent_path();
  const std::string prefix =
      std::filesystem::path(given).is_absolute() || dir.empty() ? given : (dir / given).string();
  chakra::Options options;
  if (auto v = m.integer("ranks", 1, kMaxRank + 1)) options.ranks = static_cast<int>(*v);
  if (auto v = m.string("pool", "a pool name")) options.pool = *v;
  std::error_code ec;
  if (!std::filesystem::exists(chakra::rank_file(prefix, 0), ec)) {
    m.fail("prefix", "no trace " + core::quote_text(given) + ": " + chakra::rank_file(prefix, 0) +
                         " does not exist (a trace is one file per rank, PREFIX.0.et, PREFIX.1.et, ...)");
  }
  WorkloadSpec spec = chakra::load_trace(prefix, options);
  spec.file = doc.file();
  return spec;
}

// `job:`: the training job over a long horizon (workloads/spec.h JobSpec).
JobSpec read_job(const YamlDoc& doc, const MapReader& top) {
  const MapReader m(doc, top.node("job"), top.path("job"),
                    {"checkpoint_every", "checkpoint_time", "restart", "spares", "on_fault"},
                    "a training job { checkpoint_every, checkpoint_time, restart, spares, on_fault }");
  JobSpec job;
  job.loc = m.loc();
  if (auto v = m.quantity("checkpoint_every", core::Dim::Time)) {
    if (!(*v > 0.0))
      m.fail("checkpoint_every", "expected a time such as \"30 min\" above zero, got " +
                                     core::describe(m.node("checkpoint_every")));
    job.checkpoint_every_s = *v;
  }
  if (auto v = m.quantity("checkpoint_time", core::Dim::Time)) job.checkpoint_time_s = *v;
  if (auto v = m.quantity("restart", core::Dim::Time)) job.restart_s = *v;
  if (auto v = m.boolean("spares")) job.spares = *v;
  if (auto v = m.choice("on_fault", {"stop", "restart"})) {
    job.on_fault_loc = m.loc("on_fault");
    job.restart_on_fault = *v == "restart";
  }
  return job;
}

WorkloadSpec build(const YamlDoc& doc) {
  const MapReader top(doc, doc.root(), "",
                      {"name", "iterations", "graph", "steps", "model", "chakra", "job"});
  const bool trace = top.has("chakra");
  WorkloadSpec spec;
  // Read before the steps: a trace and a model return early below.
  if (top.has("job")) spec.job = read_job(doc, top);
  if (trace) {
    const JobSpec job = spec.job;
    spec = read_chakra(doc, top);  // named after the trace unless the file names it
    spec.job = job;
  } else {
    spec.file = doc.file();
    if (!top.has("name")) top.fail_missing("name", "a workload name such as \"step\"");
  }
  if (top.has("name")) {
    spec.name = *top.string("name", "a workload name");
    if (spec.name.empty()) top.fail("name", "expected a workload name such as \"step\", got \"\"");
    // It appears in messages, reports and CSV rows: printable characters only, as a platform's name.
    for (const unsigned char c : spec.name) {
      if (c < 0x20 || c == 0x7f) {
        top.fail("name",
                 "expected a workload name of printable characters, got " + core::quote_text(spec.name));
      }
    }
  }

  if (auto v = top.integer("iterations", 1, kMaxIterations)) spec.iterations = static_cast<int>(*v);
  spec.iterations_loc = top.has("iterations") ? top.loc("iterations") : top.loc();

  if (trace && top.has("model")) top.fail("model", "a workload is a Chakra trace or a model, not both");
  if (trace) return spec;
  if (top.has("model")) {
    // A model-driven workload: the model's optimizer step as a dependency graph, then any listed steps.
    const model::Config config = model::read_model(doc, top);
    if (config.inference) {
      // A service, not a step list (engine/serving.md).
      for (std::string_view key : {"steps", "graph"})
        if (top.has(key)) top.fail(key, "an inference model is a service; it takes no " + std::string(key));
      spec.serving = config.serving;
      return spec;
    }
    spec.steps = model::generate(config).steps;
    spec.graph = true;
    spec.model = model::summary_of(config);
    if (auto graph = top.boolean("graph"); graph && !*graph)
      top.fail("graph", "a model's steps are a dependency graph; expected true or no graph key");
    if (top.has("steps")) {
      StepReader reader(doc);
      std::vector<Step> listed = reader.read_list(top.node("steps"), top.loc("steps"), "steps", 0);
      const bool graph = top.has("graph");
      reader.resolve_after(listed, graph);
      append_after_model(spec.steps, std::move(listed), graph);
    }
    return spec;
  }
  if (!top.has("steps")) top.fail_missing("steps", "a list of steps (or a model block)");
  StepReader reader(doc);
  spec.steps = reader.read_list(top.node("steps"), top.loc("steps"), "steps", 0);
  if (auto graph = top.boolean("graph")) spec.graph = *graph;
  reader.resolve_after(spec.steps, spec.graph);
  return spec;
}

}  // namespace

const std::vector<std::string>& workload_top_level_keys() {
  static const std::vector<std::string> keys = {"name",  "iterations", "graph", "steps",
                                                "model", "chakra",     "job"};
  return keys;
}

WorkloadSpec parse_workload(const std::string& text, const std::string& file,
                            const std::vector<core::Override>& overrides) {
  YamlDoc doc(file, core::parse_yaml_mapping(text, file));
  doc.apply_overrides(core::select_overrides(overrides, "workload", workload_top_level_keys()));
  return build(doc);
}

WorkloadSpec load_workload(const std::string& path, const std::vector<core::Override>& overrides) {
  return parse_workload(core::read_text_file(path), path, overrides);
}

}  // namespace pjbit::workloads
