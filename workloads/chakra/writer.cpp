// Writes a workload as a Chakra trace (chakra.md, "Writing a trace"): one file per rank, a GlobalMetadata
// then Nodes, every node waiting (data_deps) for what its rank did last before it, as the workload orders
// its steps. Chakra's own fields say what other tools read; pjbit's attributes keep the rest (algorithm,
// channels, transport class, exact sizes and times, parallel groups, traffic steps), so that reading the
// trace back gives the same workload.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <string>

#include "core/errors.h"
#include "et_def.pb.h"
#include "workloads/chakra/trace.h"
#include "workloads/traffic.h"

namespace pjbit::workloads::chakra {

namespace {

using detail::CommType;
using detail::NodeType;
namespace attr = detail::attr;
using Ids = std::vector<std::uint64_t>;

constexpr int kMaxTraceRanks = 65536;
constexpr std::uint64_t kMetadataId = 0;

void append_message(std::string& out, const google::protobuf::Message& m) {
  std::string bytes;
  m.SerializeToString(&bytes);
  auto length = static_cast<std::uint64_t>(bytes.size());
  do {
    auto byte = static_cast<unsigned char>(length & 0x7f);
    length >>= 7;
    if (length != 0) byte |= 0x80;
    out.push_back(static_cast<char>(byte));
  } while (length != 0);
  out += bytes;
}

void add_int(ChakraProtoMsg::Node& n, std::string_view name, std::int64_t v) {
  auto* a = n.add_attr();
  a->set_name(std::string(name));
  a->set_int64_val(v);
}
void add_uint(ChakraProtoMsg::Node& n, std::string_view name, std::uint64_t v) {
  auto* a = n.add_attr();
  a->set_name(std::string(name));
  a->set_uint64_val(v);
}
void add_double(ChakraProtoMsg::Node& n, std::string_view name, double v) {
  auto* a = n.add_attr();
  a->set_name(std::string(name));
  a->set_double_val(v);
}
void add_string(ChakraProtoMsg::Node& n, std::string_view name, const std::string& v) {
  auto* a = n.add_attr();
  a->set_name(std::string(name));
  a->set_string_val(v);
}
void add_bool(ChakraProtoMsg::Node& n, std::string_view name, bool v) {
  auto* a = n.add_attr();
  a->set_name(std::string(name));
  a->set_bool_val(v);
}

CommType comm_type(Op op) {
  switch (op) {
    case Op::AllReduce:
      return CommType::AllReduce;
    case Op::AllGather:
      return CommType::AllGather;
    case Op::ReduceScatter:
      return CommType::ReduceScatter;
    case Op::AllToAll:
      return CommType::AllToAll;
    case Op::Broadcast:
      return CommType::Broadcast;
  }
  return CommType::AllReduce;
}

bool has_random_traffic(const Step& s) {
  if (s.kind == Step::Kind::Traffic && s.traffic.pairs.empty()) return true;
  for (const Step& c : s.children)
    if (has_random_traffic(c)) return true;
  return false;
}

// Each rank's nodes of one step (the ranks taking part, by rank).
using Frontier = std::map<int, Ids>;

class Writer {
 public:
  Writer(const WorkloadSpec& spec, const ExportOptions& options) : m_spec(spec), m_options(options) {}

  std::vector<std::string> run() {
    const int n = m_options.ranks;
    if (n < 1 || n > kMaxTraceRanks) {
      throw core::InputError(core::SourceLoc{}, "--ranks",
                             "expected a whole number of ranks from 1 to " + std::to_string(kMaxTraceRanks) +
                                 ", got " + std::to_string(n));
    }
    // A service batches its requests as they come while it runs (engine/serving.md): no trace fixes them.
    if (m_spec.serving.on) {
      throw core::InputError(
          core::SourceLoc{m_spec.file}, "serving",
          "an inference service forms its batches while it runs, so it has no fixed trace to "
          "write; a Chakra trace holds a workload of steps");
    }
    for (const Step& s : m_spec.steps)
      check(s);
    m_out.assign(static_cast<std::size_t>(n), std::string());
    bool random = false;
    for (const Step& s : m_spec.steps)
      random = random || has_random_traffic(s);
    // Random pairs differ from one iteration to the next (workloads/traffic.h): they are drawn into the
    // trace, so every iteration is written out.
    const bool unroll = m_options.unroll || (random && m_spec.iterations > 1);

    ChakraProtoMsg::GlobalMetadata meta;
    meta.set_version("0.0.4");
    if (!unroll && m_spec.iterations > 1) {
      auto* a = meta.add_attr();
      a->set_name(std::string(attr::kIterations));
      a->set_int64_val(m_spec.iterations);
    }
    for (auto& out : m_out)
      append_message(out, meta);
    write_groups();

    m_prev.assign(static_cast<std::size_t>(n), Ids{});
    const int passes = unroll ? m_spec.iterations : 1;
    for (int it = 0; it < passes; ++it)
      write_iteration(it);
    return std::move(m_out);
  }

 private:
  int ranks() const { return m_options.ranks; }

  std::vector<int> all_ranks() const {
    std::vector<int> r(static_cast<std::size_t>(ranks()));
    for (int i = 0; i < ranks(); ++i)
      r[static_cast<std::size_t>(i)] = i;
    return r;
  }

  // Every rank a step names exists in the trace.
  void check(const Step& s) const {
    const auto beyond = [&](int r, const std::string& field) {
      if (r >= ranks()) {
        throw core::InputError(s.loc, s.key + "." + field,
                               "rank " + std::to_string(r) + " is beyond the trace's " +
                                   std::to_string(ranks()) + " ranks (--ranks " + std::to_string(ranks()) +
                                   ")");
      }
    };
    switch (s.kind) {
      case Step::Kind::Collective:
        for (int r : s.collective.ranks)
          beyond(r, "ranks");
        if (s.collective.ranks.empty() && ranks() < 2) {
          throw core::InputError(s.loc, s.key,
                                 "a collective runs on at least 2 ranks; the trace has 1 (--ranks 1)");
        }
        break;
      case Step::Kind::Compute:
        for (int r : s.compute.ranks)
          beyond(r, "compute.ranks");
        break;
      case Step::Kind::Memory:
        for (int r : s.memory.ranks)
          beyond(r, s.checkpoint ? "checkpoint.ranks" : "memory.ranks");
        break;
      case Step::Kind::Traffic:
        for (int r : s.traffic.ranks)
          beyond(r, "traffic.ranks");
        for (const auto& [a, b] : s.traffic.pairs) {
          beyond(a, "traffic.pairs");
          beyond(b, "traffic.pairs");
        }
        if (s.traffic.pairs.empty() && s.traffic.ranks.empty() && ranks() < 2)
          throw core::InputError(s.loc, s.key + ".traffic", "random pairs need at least 2 ranks (--ranks)");
        break;
      case Step::Kind::Parallel:
        for (const Step& c : s.children)
          check(c);
        break;
    }
  }

  // The process groups of the workload's collectives, other than every rank in order, each named by a
  // number from 1 (ASTRA-sim reads pg_name as one; "0" is PyTorch's default group): a PyTorch
  // "process_group:init" metadata node on every rank defines them, as ASTRA-sim and pjbit read it.
  void write_groups() {
    const std::vector<int> all = all_ranks();
    const std::function<void(const Step&)> visit = [&](const Step& s) {
      if (s.kind == Step::Kind::Collective && !s.collective.ranks.empty() && s.collective.ranks != all)
        m_groups.emplace(s.collective.ranks, std::to_string(m_groups.size() + 1));
      for (const Step& c : s.children)
        visit(c);
    };
    for (const Step& s : m_spec.steps)
      visit(s);
    if (m_groups.empty()) return;
    std::vector<std::pair<std::string, const std::vector<int>*>> named;
    for (const auto& [group, name] : m_groups)
      named.emplace_back(name, &group);
    std::sort(named.begin(), named.end(),
              [](const auto& a, const auto& b) { return std::stoull(a.first) < std::stoull(b.first); });
    std::string json = "[";
    for (std::size_t i = 0; i < named.size(); ++i) {
      json += (i ? ", " : "") + std::string("{\"pg_name\": \"") + named[i].first +
              "\", \"pg_desc\": \"pjbit\", " + "\"pg_size\": " + std::to_string(named[i].second->size()) +
              ", \"ranks\": [";
      for (std::size_t k = 0; k < named[i].second->size(); ++k)
        json += (k ? ", " : "") + std::to_string((*named[i].second)[k]);
      json += "]}";
    }
    json += "]";
    ChakraProtoMsg::Node node;
    node.set_id(kMetadataId);
    node.set_name("process_group:init");
    node.set_type(ChakraProtoMsg::METADATA_NODE);
    node.mutable_inputs()->set_values("['" + json + "']");
    for (int r = 0; r < ranks(); ++r)
      append_message(m_out[static_cast<std::size_t>(r)], node);
    m_has_metadata = true;
  }

  void write_iteration(int iteration) {
    const std::size_t count = m_spec.steps.size();
    std::vector<Frontier> frontier(count);
    // Graph workloads: which steps a later step of the same rank waits for, to find what ends an iteration
    // on each rank.
    std::vector<std::map<int, bool>> waited_for(count);
    for (std::size_t k = 0; k < count; ++k) {
      const Step& s = m_spec.steps[k];
      m_iteration = iteration;
      const Deps deps = [&](int r) -> Ids {
        if (!m_spec.graph) return m_prev[static_cast<std::size_t>(r)];
        Ids out;
        for (int j : s.after) {
          const Frontier& f = frontier[static_cast<std::size_t>(j)];
          if (const auto it = f.find(r); it != f.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            waited_for[static_cast<std::size_t>(j)][r] = true;
          }
        }
        // A rank's first steps of an iteration follow its last of the one before.
        if (out.empty()) out = m_prev[static_cast<std::size_t>(r)];
        return out;
      };
      frontier[k] = emit(s, deps, "");
      if (!m_spec.graph)
        for (const auto& [r, ids] : frontier[k])
          m_prev[static_cast<std::size_t>(r)] = ids;
    }
    if (m_spec.graph) {
      // What ends this iteration on each rank: the nodes of its steps no later step of the rank waits for.
      std::vector<Ids> ends(static_cast<std::size_t>(ranks()));
      for (std::size_t k = 0; k < count; ++k)
        for (const auto& [r, ids] : frontier[k])
          if (!waited_for[k].count(r))
            ends[static_cast<std::size_t>(r)].insert(ends[static_cast<std::size_t>(r)].end(), ids.begin(),
                                                     ids.end());
      for (int r = 0; r < ranks(); ++r)
        if (!ends[static_cast<std::size_t>(r)].empty())
          m_prev[static_cast<std::size_t>(r)] = ends[static_cast<std::size_t>(r)];
    }
  }

  // A node of `step` on rank `r` with id `id`, waiting for `deps`.
  ChakraProtoMsg::Node make_node(const Step& step, std::uint64_t id, const std::string& what, NodeType type,
                                 const Ids& deps, const std::string& path) const {
    ChakraProtoMsg::Node node;
    node.set_id(id);
    node.set_name(step.key + " " + what);
    node.set_type(static_cast<ChakraProtoMsg::NodeType>(type));
    if (deps.empty() && m_has_metadata) {
      node.add_data_deps(kMetadataId);
    } else {
      for (std::uint64_t d : deps)
        node.add_data_deps(d);
    }
    if (!path.empty()) add_string(node, attr::kParallel, path);
    if (!step.dim.empty()) add_string(node, attr::kDim, step.dim);
    return node;
  }

  void put(int r, const ChakraProtoMsg::Node& node, Frontier& out) {
    append_message(m_out[static_cast<std::size_t>(r)], node);
    out[r].push_back(node.id());
  }

  // What a step's node on a rank waits for.
  using Deps = std::function<Ids(int)>;

  Frontier emit(const Step& s, const Deps& deps, const std::string& path) {
    Frontier out;
    switch (s.kind) {
      case Step::Kind::Collective: {
        const CollectiveStep& c = s.collective;
        const std::vector<int> group = c.ranks.empty() ? all_ranks() : c.ranks;
        const auto n = static_cast<std::uint64_t>(group.size());
        const std::uint64_t id = m_next_id++;
        const bool all = group == all_ranks();
        for (int r : group) {
          ChakraProtoMsg::Node node = make_node(s, id, op_name(c.op), NodeType::Coll, deps(r), path);
          add_int(node, attr::kCommType, static_cast<int>(comm_type(c.op)));
          // Chakra's all-gather size is each rank's part (chakra.md); pjbit's is the gathered whole.
          if (c.op == Op::AllGather) {
            add_int(node, attr::kCommSize, static_cast<std::int64_t>(c.size_bytes / n));
            if (c.size_bytes % n != 0) add_uint(node, attr::kSize, c.size_bytes);
          } else {
            add_int(node, attr::kCommSize, static_cast<std::int64_t>(c.size_bytes));
          }
          if (!all) add_string(node, attr::kPgName, m_groups.at(group));
          if (!c.algorithm.empty()) add_string(node, attr::kAlgorithm, c.algorithm);
          if (c.channels_given) add_int(node, attr::kChannels, c.channels);
          if (c.cls != TransportClass::Collective) add_string(node, attr::kClass, class_name(c.cls));
          put(r, node, out);
        }
        break;
      }
      case Step::Kind::Compute: {
        const ComputeStep& c = s.compute;
        const std::uint64_t id = m_next_id++;
        for (int r : c.ranks.empty() ? all_ranks() : c.ranks) {
          ChakraProtoMsg::Node node = make_node(s, id, "compute", NodeType::Comp, deps(r), path);
          if (c.has_work) {
            constexpr double kMaxOps = 9.2e18;
            add_int(node, attr::kNumOps,
                    static_cast<std::int64_t>(std::llround(std::min(c.work_flop, kMaxOps))));
            add_uint(node, attr::kTensorSize, c.bytes);
            add_double(node, attr::kWorkFlop, c.work_flop);
          } else {
            constexpr double kMaxMicros = 1.8e19;
            node.set_duration_micros(
                static_cast<std::uint64_t>(std::llround(std::min(c.duration_s * 1e6, kMaxMicros / 2))));
            add_double(node, attr::kDurationS, c.duration_s);
          }
          put(r, node, out);
        }
        break;
      }
      case Step::Kind::Memory: {
        const MemoryStep& m = s.memory;
        const std::uint64_t id = m_next_id++;
        const TransportClass fallback = s.checkpoint ? TransportClass::Bulk : TransportClass::RemoteMemory;
        for (int r : m.ranks.empty() ? all_ranks() : m.ranks) {
          ChakraProtoMsg::Node node =
              make_node(s, id, s.checkpoint ? "checkpoint" : (m.write ? "memory write" : "memory read"),
                        m.write ? NodeType::MemStore : NodeType::MemLoad, deps(r), path);
          add_uint(node, attr::kTensorSize, m.size_bytes);
          add_string(node, attr::kPool, m.pool);
          if (m.cls != fallback) add_string(node, attr::kClass, class_name(m.cls));
          if (s.checkpoint) add_bool(node, attr::kCheckpoint, true);
          if (m.deadline_s > 0) add_double(node, attr::kDeadlineS, m.deadline_s);
          put(r, node, out);
        }
        break;
      }
      case Step::Kind::Traffic: {
        const TrafficStep& t = s.traffic;
        const std::vector<TrafficMessage> messages =
            traffic_messages(t, ranks(), m_options.seed, traffic_salt(s.key, m_iteration));
        const std::uint64_t base = m_next_id;
        m_next_id += messages.size();
        const auto tag = static_cast<std::int64_t>(base & 0x7fffffff);
        // Taken once per rank: every message of the rank waits for the same.
        std::map<int, Ids> before;
        const auto deps_of = [&](int r) -> const Ids& {
          auto it = before.find(r);
          if (it == before.end()) it = before.emplace(r, deps(r)).first;
          return it->second;
        };
        for (std::size_t k = 0; k < messages.size(); ++k) {
          const TrafficMessage& msg = messages[k];
          for (const bool send : {true, false}) {
            const int r = send ? msg.src : msg.dst;
            ChakraProtoMsg::Node node = make_node(s, base + k, send ? "send" : "recv",
                                                  send ? NodeType::Send : NodeType::Recv, deps_of(r), path);
            add_int(node, attr::kCommSrc, msg.src);
            add_int(node, attr::kCommDst, msg.dst);
            add_int(node, attr::kCommTag, tag);
            add_int(node, attr::kCommSize, static_cast<std::int64_t>(t.size_bytes));
            add_string(node, attr::kTraffic, std::to_string(base));
            add_int(node, attr::kMessage, static_cast<std::int64_t>(k));
            if (t.interval_s > 0) add_double(node, attr::kIntervalS, t.interval_s);
            if (t.cls != TransportClass::Collective) add_string(node, attr::kClass, class_name(t.cls));
            put(r, node, out);
          }
        }
        break;
      }
      case Step::Kind::Parallel: {
        const std::string group = (path.empty() ? "" : path + "/") + std::to_string(m_next_group++);
        // Every child waits for what the parallel step waits for.
        std::map<int, Ids> before;
        const Deps deps_of = [&](int r) -> Ids {
          auto it = before.find(r);
          if (it == before.end()) it = before.emplace(r, deps(r)).first;
          return it->second;
        };
        for (const Step& c : s.children) {
          Frontier f = emit(c, deps_of, group);
          for (auto& [r, ids] : f)
            out[r].insert(out[r].end(), ids.begin(), ids.end());
        }
        break;
      }
    }
    return out;
  }

  const WorkloadSpec& m_spec;
  ExportOptions m_options;
  std::vector<std::string> m_out;
  std::map<std::vector<int>, std::string> m_groups;  // a collective's ranks -> its process group's name
  bool m_has_metadata = false;
  std::vector<Ids> m_prev;  // what each rank did last
  std::uint64_t m_next_id = 1;
  std::uint64_t m_next_group = 0;
  int m_iteration = 0;
};

}  // namespace

std::vector<std::string> write_trace(const WorkloadSpec& spec, const ExportOptions& options) {
  return Writer(spec, options).run();
}

}  // namespace pjbit::workloads::chakra
