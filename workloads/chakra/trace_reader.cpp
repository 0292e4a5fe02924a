// Reads one rank's file of a Chakra trace: varint-length-prefixed protobuf messages, a GlobalMetadata then
// Nodes (gzip-compressed or not, as Chakra's own reader accepts), decoded into detail::Node with every
// attribute pjbit reads checked for type. Anything malformed is one InputError naming the file, the message
// or node, and the field.
#include <google/protobuf/io/gzip_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/stubs/logging.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <limits>
#include <string>
#include <unordered_set>

#include "core/errors.h"
#include "core/yaml_support.h"
#include "et_def.pb.h"
#include "workloads/chakra/trace.h"

namespace pjbit::workloads::chakra::detail {

namespace {

namespace pb = google::protobuf;
using ChakraProtoMsg::AttributeProto;

// A decompressed file larger than this is refused (a trace of millions of nodes is a few hundred MiB).
constexpr std::uint64_t kMaxTraceBytes = std::uint64_t{4} << 30;
constexpr std::int64_t kMaxIterations = 1'000'000;

const char* const kNodeTypeNames[] = {"INVALID_NODE", "METADATA_NODE",  "MEM_LOAD_NODE",  "MEM_STORE_NODE",
                                      "COMP_NODE",    "COMM_SEND_NODE", "COMM_RECV_NODE", "COMM_COLL_NODE"};
const char* const kCommTypeNames[] = {
    "ALL_REDUCE", "REDUCE",         "ALL_GATHER",           "GATHER", "SCATTER", "BROADCAST",
    "ALL_TO_ALL", "REDUCE_SCATTER", "REDUCE_SCATTER_BLOCK", "BARRIER"};

// What is being read, for messages: the file, and the node once its id is known.
struct Context {
  const std::string& file;
  std::uint64_t node = 0;
  bool in_node = false;

  [[noreturn]] void fail(std::string_view field, const std::string& message) const {
    std::string key = in_node ? node_key(node, field) : std::string(field);
    throw core::InputError(core::SourceLoc{file}, key, message);
  }
};

// The name of an attribute's value type, for messages: "a string", "a double list", ...
std::string value_kind(const AttributeProto& a) {
  switch (a.value_case()) {
    case AttributeProto::kDoubleVal:
    case AttributeProto::kFloatVal:
      return "a floating-point number";
    case AttributeProto::kStringVal:
      return "a string";
    case AttributeProto::kBytesVal:
      return "bytes";
    case AttributeProto::kBoolVal:
      return "a bool";
    case AttributeProto::VALUE_NOT_SET:
      return "no value";
    default:
      break;
  }
  const int field = static_cast<int>(a.value_case());
  if (field % 2 == 0) return "a list";  // every list type has an even field number (et_def.proto)
  return "an integer";
}

// An integer attribute of any of protobuf's integer encodings (writers differ: Chakra's generator writes
// comm_type as int64, Symbolic Tensor Graph is_cpu_op as int32), or a bool, or a whole floating-point number.
// Sets `negative` and the magnitude; false when the value is no integer.
bool integer_of(const AttributeProto& a, bool& negative, std::uint64_t& magnitude) {
  const auto from_signed = [&](std::int64_t v) {
    negative = v < 0;
    magnitude = negative ? static_cast<std::uint64_t>(-(v + 1)) + 1 : static_cast<std::uint64_t>(v);
    return true;
  };
  const auto from_unsigned = [&](std::uint64_t v) {
    negative = false;
    magnitude = v;
    return true;
  };
  const auto from_double = [&](double v) {
    if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) >= 18446744073709551616.0) return false;
    negative = v < 0;
    magnitude = static_cast<std::uint64_t>(std::fabs(v));
    return true;
  };
  switch (a.value_case()) {
    case AttributeProto::kInt32Val:
      return from_signed(a.int32_val());
    case AttributeProto::kInt64Val:
      return from_signed(a.int64_val());
    case AttributeProto::kSint32Val:
      return from_signed(a.sint32_val());
    case AttributeProto::kSint64Val:
      return from_signed(a.sint64_val());
    case AttributeProto::kSfixed32Val:
      return from_signed(a.sfixed32_val());
    case AttributeProto::kSfixed64Val:
      return from_signed(a.sfixed64_val());
    case AttributeProto::kUint32Val:
      return from_unsigned(a.uint32_val());
    case AttributeProto::kUint64Val:
      return from_unsigned(a.uint64_val());
    case AttributeProto::kFixed32Val:
      return from_unsigned(a.fixed32_val());
    case AttributeProto::kFixed64Val:
      return from_unsigned(a.fixed64_val());
    case AttributeProto::kBoolVal:
      return from_unsigned(a.bool_val() ? 1 : 0);
    case AttributeProto::kDoubleVal:
      return from_double(a.double_val());
    case AttributeProto::kFloatVal:
      return from_double(static_cast<double>(a.float_val()));
    default:
      return false;
  }
}

std::uint64_t unsigned_attr(const AttributeProto& a, const Context& ctx) {
  bool negative = false;
  std::uint64_t v = 0;
  if (!integer_of(a, negative, v)) ctx.fail(a.name(), "expected a whole number, got " + value_kind(a));
  if (negative) ctx.fail(a.name(), "expected a whole number of at least 0, got -" + std::to_string(v));
  return v;
}

std::int64_t signed_attr(const AttributeProto& a, const Context& ctx) {
  bool negative = false;
  std::uint64_t v = 0;
  if (!integer_of(a, negative, v)) ctx.fail(a.name(), "expected a whole number, got " + value_kind(a));
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (v > kMax + (negative ? 1 : 0))
    ctx.fail(a.name(), "expected a whole number that fits in 64 bits, got " +
                           std::string(negative ? "-" : "") + std::to_string(v));
  return negative ? -static_cast<std::int64_t>(v - 1) - 1 : static_cast<std::int64_t>(v);
}

bool bool_attr(const AttributeProto& a, const Context& ctx) {
  bool negative = false;
  std::uint64_t v = 0;
  if (!integer_of(a, negative, v) || negative || v > 1)
    ctx.fail(a.name(), "expected a bool (or 0 or 1), got " + value_kind(a));
  return v == 1;
}

double number_attr(const AttributeProto& a, const Context& ctx) {
  double v = 0.0;
  if (a.value_case() == AttributeProto::kDoubleVal) {
    v = a.double_val();
  } else if (a.value_case() == AttributeProto::kFloatVal) {
    v = static_cast<double>(a.float_val());
  } else {
    bool negative = false;
    std::uint64_t m = 0;
    if (!integer_of(a, negative, m)) ctx.fail(a.name(), "expected a number, got " + value_kind(a));
    v = negative ? -static_cast<double>(m) : static_cast<double>(m);
  }
  if (!std::isfinite(v) || v < 0) ctx.fail(a.name(), "expected a finite number of at least 0");
  return v;
}

std::string string_attr(const AttributeProto& a, const Context& ctx) {
  if (a.value_case() != AttributeProto::kStringVal)
    ctx.fail(a.name(), "expected a string, got " + value_kind(a));
  return a.string_val();
}

// pg_name is a string; older Symbolic Tensor Graph traces give the group as an integer comm_group.
std::string group_attr(const AttributeProto& a, const Context& ctx) {
  if (a.value_case() == AttributeProto::kStringVal) return a.string_val();
  return std::to_string(signed_attr(a, ctx));
}

// The process groups of a PyTorch "process_group:init" metadata node: its inputs' values are Python's text of
// a list holding one JSON string, a list of {"pg_name": ..., "ranks": [...], ...}, as ASTRA-sim reads it.
// Metadata of any other form is not about groups and is left alone.
std::vector<GroupDef> process_groups(const std::string& values, const Context& ctx) {
  if (values.size() < 4 || values.compare(0, 2, "['") != 0 || values.compare(values.size() - 2, 2, "']") != 0)
    return {};
  YAML::Node root;
  try {
    root = YAML::Load(values.substr(2, values.size() - 4));
  } catch (const YAML::Exception&) {
    return {};
  }
  if (!root.IsSequence()) return {};
  for (const YAML::Node& item : root)
    if (!item.IsMap() || !item["pg_name"]) return {};
  std::vector<GroupDef> groups;
  const core::SourceLoc loc{ctx.file};
  int index = 0;
  for (const YAML::Node& item : root) {
    const std::string path = node_key(ctx.node, "inputs.values") + "." + std::to_string(index++);
    GroupDef g;
    g.name = core::as_string(item["pg_name"], loc, path + ".pg_name", "a process group name");
    const YAML::Node ranks = item["ranks"];
    if (!ranks) throw core::InputError(loc, path + ".ranks", "missing; expected the group's list of ranks");
    if (!ranks.IsSequence())
      throw core::InputError(loc, path + ".ranks",
                             "expected the group's list of ranks, got " + core::describe(ranks));
    int r = 0;
    for (const YAML::Node& rank : ranks)
      g.ranks.push_back(static_cast<int>(core::as_int(rank, loc, path + ".ranks." + std::to_string(r++), 0,
                                                      std::numeric_limits<int>::max())));
    groups.push_back(std::move(g));
  }
  return groups;
}

// The first field of `m` or of a message inside it that the schema does not have, as "field N (wire type
// W) of a Node"; empty when there is none. A message of another kind (a Node where the GlobalMetadata
// belongs, bytes that are no Chakra message at all) mostly parses, with fields that land here.
std::string unknown_field(const pb::Message& m) {
  const pb::Reflection* r = m.GetReflection();
  const pb::UnknownFieldSet& unknown = r->GetUnknownFields(m);
  if (!unknown.empty()) {
    const pb::UnknownField& f = unknown.field(0);
    return "field " + std::to_string(f.number()) + " (wire type " +
           std::to_string(static_cast<int>(f.type())) + ") of " + m.GetDescriptor()->name();
  }
  std::vector<const pb::FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const pb::FieldDescriptor* f : fields) {
    if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(m, f); ++i)
        if (std::string u = unknown_field(r->GetRepeatedMessage(m, f, i)); !u.empty()) return u;
    } else if (std::string u = unknown_field(r->GetMessage(m, f)); !u.empty()) {
      return u;
    }
  }
  return {};
}

// The bytes of a gzip-compressed file, inflated (at most kMaxTraceBytes).
std::string inflate(const std::string& file, std::string_view bytes) {
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw core::InputError(core::SourceLoc{file}, "", "a gzip-compressed trace file holds at most 2 GiB");
  pb::io::ArrayInputStream raw(bytes.data(), static_cast<int>(bytes.size()));
  pb::io::GzipInputStream gzip(&raw, pb::io::GzipInputStream::GZIP);
  std::string out;
  const void* data = nullptr;
  int size = 0;
  while (gzip.Next(&data, &size)) {
    if (out.size() + static_cast<std::uint64_t>(size) > kMaxTraceBytes)
      throw core::InputError(core::SourceLoc{file}, "", "the trace inflates to more than 4 GiB");
    out.append(static_cast<const char*>(data), static_cast<std::size_t>(size));
  }
  if (gzip.ZlibErrorCode() < 0) {
    const char* why = gzip.ZlibErrorMessage();
    throw core::InputError(
        core::SourceLoc{file}, "",
        std::string("corrupt gzip data") + (why != nullptr ? std::string(": ") + why : ""));
  }
  return out;
}

// The messages of a file, one at a time: a varint length (at most 32 bits, as Chakra writes it), then that
// many bytes.
class Framing {
 public:
  Framing(const std::string& file, std::string_view bytes) : m_file(file), m_bytes(bytes) {}

  bool done() const { return m_pos >= m_bytes.size(); }
  std::size_t index() const { return m_index; }
  // Where the message next() returned last starts.
  std::size_t start() const { return m_start; }

  // The next message's bytes.
  std::string_view next() {
    const std::size_t start = m_pos;
    m_start = start;
    std::uint64_t length = 0;
    for (int shift = 0;; shift += 7) {
      if (m_pos >= m_bytes.size())
        fail(start, "truncated: the file ends inside the varint length prefix of message " + ordinal());
      const auto byte = static_cast<unsigned char>(m_bytes[m_pos++]);
      if (shift == 28 && (byte & 0xf0) != 0)
        fail(start, "malformed length prefix of message " + ordinal() + ": longer than 32 bits");
      length |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) break;
    }
    const std::size_t remain = m_bytes.size() - m_pos;
    if (length > remain) {
      fail(start, "truncated: message " + ordinal() + " should hold " + std::to_string(length) +
                      " bytes, the file has " + std::to_string(remain) + " left");
    }
    const std::string_view out = m_bytes.substr(m_pos, static_cast<std::size_t>(length));
    m_pos += static_cast<std::size_t>(length);
    ++m_index;
    return out;
  }

  [[noreturn]] void fail(std::size_t at, const std::string& message) const {
    throw core::InputError(core::SourceLoc{m_file}, "byte " + std::to_string(at), message);
  }

  // "1 (the GlobalMetadata)", "5": the message's number from 1, the current one's before next() returns.
  std::string ordinal() const {
    return std::to_string(m_index + 1) + (m_index == 0 ? " (the GlobalMetadata)" : "");
  }

 private:
  const std::string& m_file;
  std::string_view m_bytes;
  std::size_t m_pos = 0;
  std::size_t m_start = 0;
  std::size_t m_index = 0;
};

void parse_message(pb::Message& m, std::string_view bytes, const Framing& framing, std::size_t index) {
  const std::size_t at = framing.start();
  const std::string what = index == 0 ? "the GlobalMetadata" : "a Node";
  const std::string number = std::to_string(index + 1);
  // Protobuf logs some parse failures (invalid UTF-8 in a string) to stderr; the error below says it instead.
  pb::LogSilencer quiet;
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
      !m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    framing.fail(at, "message " + number + " does not parse as " + what +
                         " of et_def.proto (bad wire format, or a string that is not UTF-8)");
  }
  if (const std::string u = unknown_field(m); !u.empty()) {
    framing.fail(at, "message " + number + " is not " + what + " of et_def.proto: it holds " + u +
                         ", which the schema does not have");
  }
}

Node decode(const ChakraProtoMsg::Node& m, const std::string& file) {
  Context ctx{file, m.id(), true};
  Node n;
  n.id = m.id();
  n.name = m.name();
  n.type = static_cast<int>(m.type());
  if (n.type < 0 || n.type > static_cast<int>(NodeType::Coll)) {
    ctx.fail("type", "unknown node type " + std::to_string(n.type) +
                         "; expected 0 (INVALID_NODE) to 7 (COMM_COLL_NODE)");
  }
  std::unordered_set<std::uint64_t> seen;
  for (const std::uint64_t d : m.data_deps())
    if (seen.insert(d).second) n.deps.push_back(d);
  n.data_count = n.deps.size();
  for (const std::uint64_t d : m.ctrl_deps())
    if (seen.insert(d).second) n.deps.push_back(d);
  n.duration_micros = m.duration_micros();
  // The attributes; one named twice counts as its last, as Chakra's feeder reads them.
  for (const AttributeProto& a : m.attr()) {
    const std::string& name = a.name();
    if (name == attr::kCommType) {
      n.comm_type = signed_attr(a, ctx);
      if (*n.comm_type < 0 || *n.comm_type > static_cast<int>(CommType::Barrier)) {
        ctx.fail(name, "unknown collective type " + std::to_string(*n.comm_type) +
                           "; expected 0 (ALL_REDUCE) to 9 (BARRIER)");
      }
    } else if (name == attr::kCommSize) {
      n.comm_size = unsigned_attr(a, ctx);
    } else if (name == attr::kCommSrc) {
      n.comm_src = signed_attr(a, ctx);
    } else if (name == attr::kCommDst) {
      n.comm_dst = signed_attr(a, ctx);
    } else if (name == attr::kCommTag) {
      n.comm_tag = signed_attr(a, ctx);
    } else if (name == attr::kPgName) {
      n.pg_name = group_attr(a, ctx);
    } else if (name == attr::kCommGroup) {
      if (!n.pg_name) n.pg_name = group_attr(a, ctx);
    } else if (name == attr::kIsCpuOp) {
      n.cpu_op = bool_attr(a, ctx);
    } else if (name == attr::kNumOps) {
      n.num_ops = unsigned_attr(a, ctx);
    } else if (name == attr::kTensorSize) {
      n.tensor_size = unsigned_attr(a, ctx);
    } else if (name == attr::kAlgorithm) {
      n.algorithm = string_attr(a, ctx);
    } else if (name == attr::kChannels) {
      n.channels = signed_attr(a, ctx);
    } else if (name == attr::kClass) {
      n.cls = string_attr(a, ctx);
    } else if (name == attr::kSize) {
      n.size = unsigned_attr(a, ctx);
    } else if (name == attr::kDurationS) {
      n.duration_s = number_attr(a, ctx);
    } else if (name == attr::kWorkFlop) {
      n.work_flop = number_attr(a, ctx);
    } else if (name == attr::kPool) {
      n.pool = string_attr(a, ctx);
    } else if (name == attr::kCheckpoint) {
      n.checkpoint = bool_attr(a, ctx);
    } else if (name == attr::kDeadlineS) {
      n.deadline_s = number_attr(a, ctx);
    } else if (name == attr::kParallel) {
      n.parallel = string_attr(a, ctx);
    } else if (name == attr::kTraffic) {
      n.traffic = string_attr(a, ctx);
    } else if (name == attr::kMessage) {
      n.message = signed_attr(a, ctx);
    } else if (name == attr::kIntervalS) {
      n.interval_s = number_attr(a, ctx);
    } else if (name == attr::kDim) {
      n.dim = string_attr(a, ctx);
    }
  }
  if (n.type == static_cast<int>(NodeType::Metadata)) n.groups = process_groups(m.inputs().values(), ctx);
  return n;
}

}  // namespace

const char* node_type_name(int type) {
  return type >= 0 && type <= 7 ? kNodeTypeNames[type] : "an unknown node type";
}

const char* comm_type_name(int type) {
  return type >= 0 && type <= 9 ? kCommTypeNames[type] : "an unknown collective type";
}

std::string node_key(std::uint64_t id, std::string_view field) {
  std::string key = "node " + std::to_string(id);
  if (!field.empty()) key += "." + std::string(field);
  return key;
}

RankTrace parse_rank(const std::string& file, std::string_view bytes) {
  RankTrace out;
  out.file = file;
  const std::size_t slash = file.find_last_of('/');
  out.label = slash == std::string::npos ? file : file.substr(slash + 1);
  std::string inflated;
  if (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
      static_cast<unsigned char>(bytes[1]) == 0x8b) {
    inflated = inflate(file, bytes);
    bytes = inflated;
  }
  if (bytes.empty())
    throw core::InputError(core::SourceLoc{file}, "",
                           "the file is empty; expected a GlobalMetadata message, then Nodes");
  Framing framing(file, bytes);
  {
    ChakraProtoMsg::GlobalMetadata meta;
    parse_message(meta, framing.next(), framing, 0);
    const Context ctx{file};
    int pytorch = 0;
    for (const AttributeProto& a : meta.attr())
      pytorch += a.name() == "pid" || a.name() == "start_ts" || a.name() == "finish_ts";
    out.ctrl_deps_are_callers = pytorch == 3;
    for (const AttributeProto& a : meta.attr()) {
      if (a.name() != attr::kIterations) continue;
      const std::int64_t k = signed_attr(a, ctx);
      if (k < 1 || k > kMaxIterations)
        ctx.fail(a.name(), "expected a whole number from 1 to " + std::to_string(kMaxIterations) + ", got " +
                               std::to_string(k));
      out.iterations = k;
    }
  }
  ChakraProtoMsg::Node node;
  while (!framing.done()) {
    const std::size_t index = framing.index();
    const std::string_view message = framing.next();
    node.Clear();
    parse_message(node, message, framing, index);
    out.nodes.push_back(decode(node, file));
  }
  return out;
}

}  // namespace pjbit::workloads::chakra::detail
