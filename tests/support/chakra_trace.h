// Chakra execution traces written by the tests themselves: a protobuf encoder of its own for et_def.proto's
// messages, built from the wire format and Chakra's field numbers rather than from pjbit's generated code,
// so that a test of the reader also checks that pjbit reads what Chakra's schema says. Header-only.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace pjbit::testing::chakra {

// Node types and collective types (et_def.proto).
enum NodeType : int {
  kInvalidNode = 0,
  kMetadataNode = 1,
  kMemLoadNode = 2,
  kMemStoreNode = 3,
  kCompNode = 4,
  kSendNode = 5,
  kRecvNode = 6,
  kCollNode = 7
};
enum CommType : int {
  kAllReduce = 0,
  kReduce = 1,
  kAllGather = 2,
  kGather = 3,
  kScatter = 4,
  kBroadcast = 5,
  kAllToAll = 6,
  kReduceScatter = 7,
  kReduceScatterBlock = 8,
  kBarrier = 9
};

// Protobuf's wire format: a field is its tag (number << 3 | wire type), then its value.
inline std::string varint(std::uint64_t v) {
  std::string out;
  do {
    auto byte = static_cast<unsigned char>(v & 0x7f);
    v >>= 7;
    if (v != 0) byte |= 0x80;
    out.push_back(static_cast<char>(byte));
  } while (v != 0);
  return out;
}
inline std::string tag(int field, int wire) {
  return varint(static_cast<std::uint64_t>(field) << 3 | static_cast<std::uint64_t>(wire));
}
inline std::string field_varint(int field, std::uint64_t v) {
  return tag(field, 0) + varint(v);
}
inline std::string field_bytes(int field, const std::string& bytes) {
  return tag(field, 2) + varint(bytes.size()) + bytes;
}
inline std::string field_double(int field, double v) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  std::string out = tag(field, 1);
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  return out;
}
// A message preceded by its length as a varint: one record of a trace file.
inline std::string frame(const std::string& message) {
  return varint(message.size()) + message;
}

// AttributeProto: name = 1, then one value field.
struct Attr {
  static std::string int64(const std::string& name, std::int64_t v) {  // int64_val = 9
    return field_bytes(1, name) + field_varint(9, static_cast<std::uint64_t>(v));
  }
  static std::string int32(const std::string& name, std::int32_t v) {  // int32_val = 7 (sign-extended)
    return field_bytes(1, name) + field_varint(7, static_cast<std::uint64_t>(static_cast<std::int64_t>(v)));
  }
  static std::string uint64(const std::string& name, std::uint64_t v) {  // uint64_val = 13
    return field_bytes(1, name) + field_varint(13, v);
  }
  static std::string sint64(const std::string& name, std::int64_t v) {  // sint64_val = 17 (zigzag)
    const auto zigzag = (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
    return field_bytes(1, name) + field_varint(17, zigzag);
  }
  static std::string boolean(const std::string& name, bool v) {  // bool_val = 27
    return field_bytes(1, name) + field_varint(27, v ? 1 : 0);
  }
  static std::string real(const std::string& name, double v) {  // double_val = 3
    return field_bytes(1, name) + field_double(3, v);
  }
  static std::string text(const std::string& name, const std::string& v) {  // string_val = 29
    return field_bytes(1, name) + field_bytes(29, v);
  }
};

// GlobalMetadata: version = 1, attr = 2.
inline std::string metadata(const std::string& version = "0.0.4",
                            const std::vector<std::string>& attrs = {}) {
  std::string m = field_bytes(1, version);
  for (const std::string& a : attrs)
    m += field_bytes(2, a);
  return m;
}

// Node: id = 1, name = 2, type = 3, ctrl_deps = 4, data_deps = 5, duration_micros = 7, inputs = 8 (IOInfo:
// values = 1), attr = 10. Data dependencies are written packed (as proto3 writers do), control ones one
// field each: the reader must take both encodings.
struct NodeMsg {
  std::uint64_t id = 0;
  std::string name;
  int type = kCompNode;
  std::vector<std::uint64_t> data_deps, ctrl_deps;
  std::uint64_t duration_micros = 0;
  std::string input_values;
  std::vector<std::string> attrs;

  NodeMsg& dep(std::uint64_t d) {
    data_deps.push_back(d);
    return *this;
  }
  NodeMsg& ctrl(std::uint64_t d) {
    ctrl_deps.push_back(d);
    return *this;
  }
  NodeMsg& attr(std::string a) {
    attrs.push_back(std::move(a));
    return *this;
  }

  std::string encode() const {
    std::string m = field_varint(1, id);
    if (!name.empty()) m += field_bytes(2, name);
    if (type != 0) m += field_varint(3, static_cast<std::uint64_t>(type));
    for (std::uint64_t d : ctrl_deps)
      m += field_varint(4, d);
    if (!data_deps.empty()) {
      std::string packed;
      for (std::uint64_t d : data_deps)
        packed += varint(d);
      m += field_bytes(5, packed);
    }
    if (duration_micros != 0) m += field_varint(7, duration_micros);
    if (!input_values.empty()) m += field_bytes(8, field_bytes(1, input_values));
    for (const std::string& a : attrs)
      m += field_bytes(10, a);
    return m;
  }
};

inline NodeMsg compute(std::uint64_t id, std::uint64_t micros) {
  NodeMsg n;
  n.id = id;
  n.name = "compute";
  n.type = kCompNode;
  n.duration_micros = micros;
  n.attr(Attr::boolean("is_cpu_op", false));
  return n;
}
inline NodeMsg collective(std::uint64_t id, int comm_type, std::int64_t size, const std::string& pg = "") {
  NodeMsg n;
  n.id = id;
  n.name = "coll";
  n.type = kCollNode;
  n.attr(Attr::int64("comm_type", comm_type)).attr(Attr::int64("comm_size", size));
  if (!pg.empty()) n.attr(Attr::text("pg_name", pg));
  return n;
}
inline NodeMsg send(std::uint64_t id, int dst, std::int64_t size, int tag_value = 0) {
  NodeMsg n;
  n.id = id;
  n.name = "send";
  n.type = kSendNode;
  n.attr(Attr::int32("comm_dst", dst))
      .attr(Attr::int64("comm_size", size))
      .attr(Attr::int32("comm_tag", tag_value));
  return n;
}
inline NodeMsg recv(std::uint64_t id, int src, std::int64_t size, int tag_value = 0) {
  NodeMsg n;
  n.id = id;
  n.name = "recv";
  n.type = kRecvNode;
  n.attr(Attr::int32("comm_src", src))
      .attr(Attr::int64("comm_size", size))
      .attr(Attr::int32("comm_tag", tag_value));
  return n;
}

// A trace under construction: each rank's file, a GlobalMetadata then nodes.
class Trace {
 public:
  explicit Trace(int ranks, const std::string& meta = metadata())
      : m_files(static_cast<std::size_t>(ranks), frame(meta)) {}

  Trace& add(int rank, const NodeMsg& node) {
    m_files.at(static_cast<std::size_t>(rank)) += frame(node.encode());
    return *this;
  }
  // The same node on every rank.
  Trace& add_all(const NodeMsg& node) {
    for (std::size_t r = 0; r < m_files.size(); ++r)
      m_files[r] += frame(node.encode());
    return *this;
  }
  // Raw bytes at the end of a rank's file (for malformed traces).
  Trace& raw(int rank, const std::string& bytes) {
    m_files.at(static_cast<std::size_t>(rank)) += bytes;
    return *this;
  }
  std::string& file(int rank) { return m_files.at(static_cast<std::size_t>(rank)); }
  const std::vector<std::string>& files() const { return m_files; }

  // Writes PREFIX.<rank>.et for every rank; returns the prefix.
  std::string write(const std::string& prefix) const {
    for (std::size_t r = 0; r < m_files.size(); ++r) {
      const std::string path = prefix + "." + std::to_string(r) + ".et";
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out.write(m_files[r].data(), static_cast<std::streamsize>(m_files[r].size()));
      if (!out) throw std::runtime_error("cannot write " + path);
    }
    return prefix;
  }

 private:
  std::vector<std::string> m_files;
};

// The top-level fields of one protobuf message, for checking what pjbit writes: field number -> values
// (varints as numbers; length-delimited fields as their bytes in `bytes`).
struct Fields {
  std::multimap<int, std::uint64_t> numbers;
  std::multimap<int, std::string> bytes;
};

inline std::uint64_t read_varint(const std::string& s, std::size_t& at) {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (at >= s.size()) throw std::runtime_error("truncated varint");
    const auto b = static_cast<unsigned char>(s[at++]);
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  throw std::runtime_error("varint too long");
}

inline Fields decode_fields(const std::string& m) {
  Fields f;
  std::size_t at = 0;
  while (at < m.size()) {
    const std::uint64_t key = read_varint(m, at);
    const int field = static_cast<int>(key >> 3);
    switch (key & 7) {
      case 0:
        f.numbers.emplace(field, read_varint(m, at));
        break;
      case 1:
        at += 8;
        break;
      case 2: {
        const std::uint64_t n = read_varint(m, at);
        f.bytes.emplace(field, m.substr(at, static_cast<std::size_t>(n)));
        at += static_cast<std::size_t>(n);
        break;
      }
      case 5:
        at += 4;
        break;
      default:
        throw std::runtime_error("unexpected wire type");
    }
  }
  return f;
}

// The messages of a trace file, unframed.
inline std::vector<std::string> messages(const std::string& file) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < file.size()) {
    const std::uint64_t n = read_varint(file, at);
    out.push_back(file.substr(at, static_cast<std::size_t>(n)));
    at += static_cast<std::size_t>(n);
  }
  return out;
}

}  // namespace pjbit::testing::chakra
