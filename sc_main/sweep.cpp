#include "sc_main/sweep.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.h"
#include "core/overrides.h"
#include "core/yaml_support.h"
#include "engine/simulation.h"
#include "platforms/loader.h"
#include "report/csv.h"
#include "sc_main/cli.h"
#include "sc_main/compare.h"
#include "sc_main/output.h"
#include "workloads/chakra/chakra.h"
#include "workloads/loader.h"

extern char** environ;

namespace pjbit::cli {

namespace {

namespace fs = std::filesystem;
using core::InputError;
using core::SourceLoc;

constexpr std::size_t kMaxPoints = 100'000;
constexpr int kMaxJobs = 256;
constexpr long long kMaxShards = 1'000'000;
// A value in a vary list is a scalar or a small list or mapping; these bound what one value may expand to
// (aliases included), so that a "billion laughs" value fails instead of filling memory.
constexpr std::size_t kMaxValueNodes = 10'000;
constexpr int kMaxValueDepth = 32;
// At most this much of a child's stderr is kept for the messages of a failed point.
constexpr std::size_t kMaxChildStderr = 64 * 1024;

// The headline metrics of results.csv, in column order (all of them are in headline_metrics()).
const char* const kCsvMetrics[] = {
    "sim_time_s",        "energy_j.total",  "energy_j.fabric", "fabric_pj_per_useful_bit",
    "effective_compute", "power_w.average", "power_w.peak",    "useful_bytes",
    "wire_bytes",
};

// ---------------------------------------------------------------------------------------------------------
// The sweep file

// One varied key: its values as `--set` VALUE text and as shown in results.csv, with their positions.
struct Axis {
  std::string key;
  SourceLoc key_loc;
  std::vector<std::string> values;
  std::vector<std::string> shown;
  std::vector<SourceLoc> locs;
};

struct Sweep {
  std::string file;
  std::string platform_written, workload_written;  // as in the sweep file
  std::string platform, workload;                  // resolved against the sweep file's folder
  std::string platform_text, workload_text;
  std::uint64_t seed = 1;
  std::vector<Axis> axes;
  std::size_t points = 1;

  // The value index of every axis at `point`; the first axis varies slowest.
  std::vector<std::size_t> indexes(std::size_t point) const {
    std::vector<std::size_t> out(axes.size());
    for (std::size_t a = axes.size(); a-- > 0;) {
      out[a] = point % axes[a].values.size();
      point /= axes[a].values.size();
    }
    return out;
  }

  std::vector<core::Override> overrides(std::size_t point) const {
    std::vector<core::Override> out;
    const auto idx = indexes(point);
    for (std::size_t a = 0; a < axes.size(); ++a)
      out.push_back(core::Override{axes[a].key, axes[a].values[idx[a]]});
    return out;
  }
};

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Text for a one-line message: control characters escaped.
std::string printable(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02X}", static_cast<unsigned>(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

// "point 3 (topology.link.bandwidth=200 GB/s, steps.0.size=1 MiB)".
std::string point_label(const Sweep& s, std::size_t point) {
  std::string out = fmt::format("point {} (", point);
  const auto idx = s.indexes(point);
  for (std::size_t a = 0; a < s.axes.size(); ++a)
    out +=
        fmt::format("{}{}={}", a ? ", " : "", printable(s.axes[a].key), printable(s.axes[a].shown[idx[a]]));
  return out + ")";
}

std::string report_name(std::size_t point) {
  return fmt::format("point-{:04}.json", point);
}

// Counts the nodes of a value (an alias counts every time it is used) and fails past the limits.
bool value_within_limits(const YAML::Node& node, int depth, std::size_t& count) {
  if (++count > kMaxValueNodes || depth > kMaxValueDepth) return false;
  if (node.IsSequence()) {
    for (auto it = node.begin(); it != node.end(); ++it)
      if (!value_within_limits(*it, depth + 1, count)) return false;
  } else if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it)
      if (!value_within_limits(it->first, depth + 1, count) ||
          !value_within_limits(it->second, depth + 1, count))
        return false;
  }
  return true;
}

// The `--set` VALUE text of a value: flow-style YAML that reads back as the same node (a scalar is quoted
// only when it would otherwise read back as something else).
std::string value_text(const YAML::Node& node) {
  YAML::Emitter out;
  out.SetSeqFormat(YAML::Flow);
  out.SetMapFormat(YAML::Flow);
  out << node;
  return out.c_str();
}

// The key a `--set` KEY sets, with the file it belongs to: "platform.topology.link.bandwidth" for both
// topology.link.bandwidth and platform.topology.link.bandwidth.
std::string target_key(const std::string& key) {
  for (const char* prefix : {"platform.", "workload."})
    if (starts_with(key, prefix)) return key;
  const std::string first = key.substr(0, key.find('.'));
  const auto& platform_keys = platforms::platform_top_level_keys();
  if (std::find(platform_keys.begin(), platform_keys.end(), first) != platform_keys.end())
    return "platform." + key;
  return "workload." + key;
}

// A dotted key: segments that are not empty, no '=', no surrounding blanks and no control characters (which
// no key has, and which would break results.csv's header and the one-line messages that name the key).
bool valid_key(const std::string& key) {
  if (key.empty() || key.size() > 1000 || key.find('=') != std::string::npos) return false;
  for (const char c : key)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  if (key.find_first_of(" \t\r\n") == 0 || key.find_last_of(" \t\r\n") == key.size() - 1) return false;
  for (std::size_t begin = 0;;) {
    const std::size_t dot = key.find('.', begin);
    const std::size_t end = dot == std::string::npos ? key.size() : dot;
    if (end == begin) return false;
    if (dot == std::string::npos) return true;
    begin = dot + 1;
  }
}

// The path of a file named in the sweep file: relative paths are relative to the sweep file's folder.
std::string resolve(const std::string& sweep_file, const std::string& path) {
  fs::path p(path);
  if (p.is_relative()) p = fs::path(sweep_file).parent_path() / p;
  std::string out = p.lexically_normal().string();
  if (starts_with(out, "-")) out = "./" + out;  // never read as an option by the child
  return out;
}

void read_input_file(const core::MapReader& top, const char* key, std::string& written, std::string& path,
                     std::string& text, const std::string& sweep_file) {
  const auto value = top.string(key, "a path to a YAML file");
  if (!value) top.fail_missing(key, std::string("the path of the ") + key + " YAML file");
  if (value->empty()) top.fail(key, "expected a path to a YAML file, got \"\"");
  written = *value;
  path = resolve(sweep_file, written);
  try {
    text = core::read_text_file(path);
  } catch (const InputError& e) {
    const std::string prefix = "cannot read file: ";
    const std::string reason =
        starts_with(e.message(), prefix) ? e.message().substr(prefix.size()) : e.message();
    top.fail(key, "cannot read file " + core::quote_text(path) + ": " + reason);
  }
}

Axis read_axis(const YAML::Node& key_node, const YAML::Node& list, const std::string& file) {
  Axis axis;
  axis.key_loc = core::loc_of(key_node, file);
  if (!key_node.IsScalar() || !valid_key(key_node.Scalar())) {
    throw InputError(
        axis.key_loc, "vary",
        "expected a dotted key such as topology.link.bandwidth, got " + core::describe(key_node));
  }
  axis.key = key_node.Scalar();
  const std::string path = "vary." + axis.key;
  try {
    core::check_overrides_matched({core::Override{axis.key, ""}}, platforms::platform_top_level_keys(),
                                  workloads::workload_top_level_keys());
  } catch (const InputError& e) {
    throw InputError(axis.key_loc, path, e.message());
  }
  const SourceLoc list_loc = list.IsNull() ? axis.key_loc : core::loc_of(list, file);
  if (!list.IsSequence()) {
    throw InputError(
        list_loc, path,
        "expected a list of values such as [\"100 GB/s\", \"200 GB/s\"], got " + core::describe(list));
  }
  if (list.size() == 0) throw InputError(list_loc, path, "expected at least one value, got an empty list");
  if (list.size() > kMaxPoints)
    throw InputError(list_loc, path, fmt::format("a sweep has at most {} points", kMaxPoints));
  for (auto it = list.begin(); it != list.end(); ++it) {
    const YAML::Node value = *it;
    const SourceLoc loc = core::loc_of(value, file);
    if (value.IsNull()) {
      throw InputError(loc.line > 0 ? loc : list_loc, path,
                       "expected a value such as \"200 GB/s\", got nothing");
    }
    std::size_t count = 0;
    if (!value_within_limits(value, 0, count)) {
      throw InputError(loc, path,
                       fmt::format("a value has at most {} parts, nested at most {} deep", kMaxValueNodes,
                                   kMaxValueDepth));
    }
    axis.values.push_back(value_text(value));
    axis.shown.push_back(value.IsScalar() ? value.Scalar() : axis.values.back());
    axis.locs.push_back(loc);
  }
  return axis;
}

Sweep load_sweep(const std::string& file) {
  const std::string text = core::read_text_file(file);
  const core::YamlDoc doc(file, core::parse_yaml_mapping(text, file));
  const core::MapReader top(doc, doc.root(), "", {"platform", "workload", "vary", "seed"}, "a sweep");
  Sweep s;
  s.file = file;
  read_input_file(top, "platform", s.platform_written, s.platform, s.platform_text, file);
  read_input_file(top, "workload", s.workload_written, s.workload, s.workload_text, file);
  if (top.has("seed")) {
    // The range of `pjbit run --seed`: 0 to 2^64 - 1.
    const YAML::Node seed = top.node("seed");
    const SourceLoc loc = core::loc_of(seed, file);
    if (!seed.IsScalar()) {
      throw InputError(loc, "seed",
                       "expected a whole number from 0 to 18446744073709551615, got " + core::describe(seed));
    }
    s.seed = parse_seed(seed.Scalar(), loc, "seed");
  }

  if (!top.has("vary")) top.fail_missing("vary", "a mapping of dotted keys to lists of values");
  const YAML::Node vary = top.node("vary");
  if (!vary.IsMap() || vary.size() == 0) {
    top.fail("vary",
             "expected a mapping of dotted keys to lists of values, such as topology.link.bandwidth: "
             "[\"100 GB/s\", \"200 GB/s\"], got " +
                 (vary.IsMap() ? std::string("an empty mapping") : core::describe(vary)));
  }
  for (auto it = vary.begin(); it != vary.end(); ++it) {
    Axis axis = read_axis(it->first, it->second, file);
    for (const Axis& other : s.axes) {
      if (other.key == axis.key) throw InputError(axis.key_loc, "vary." + axis.key, "duplicate key");
      // The same key written with and without its file's prefix: one would silently override the other.
      if (target_key(other.key) == target_key(axis.key)) {
        throw InputError(axis.key_loc, "vary." + axis.key,
                         "varies the same key as vary." + other.key + " (line " +
                             std::to_string(other.key_loc.line) + "); vary each key once");
      }
    }
    s.points *= axis.values.size();  // both factors are at most kMaxPoints, so this cannot overflow
    if (s.points > kMaxPoints) {
      throw InputError(axis.key_loc, "vary." + axis.key,
                       fmt::format("a sweep has at most {} points; this one would have more", kMaxPoints));
    }
    s.axes.push_back(std::move(axis));
  }
  return s;
}

// Where in the sweep file an error of one point comes from. Errors in a value set by the sweep point at that
// value (or at its key, when the key itself is wrong); any other error names the point and its values.
InputError locate(const Sweep& s, std::size_t point, const InputError& e) {
  const auto idx = s.indexes(point);
  const auto stripped = [](const std::string& key) {
    for (const char* prefix : {"platform.", "workload."})
      if (starts_with(key, prefix)) return key.substr(std::strlen(prefix));
    return key;
  };
  const Axis* best = nullptr;
  std::size_t best_index = 0;
  bool at_key = false;
  std::string key = e.key(), message = e.message();
  for (std::size_t a = 0; a < s.axes.size(); ++a) {
    const std::string k = stripped(s.axes[a].key);
    if (best != nullptr && k.size() <= stripped(best->key).size()) continue;
    if (e.loc().file == "--set") {
      // The loaders name what `--set` put in place by its key path: the axis key, a part of its value, or a
      // mapping the override had to create on the way (then the key is wrong).
      if (key == k || starts_with(key, k + ".")) {
        best = &s.axes[a], best_index = a, at_key = starts_with(message, "unknown key");
      } else if (starts_with(k, key + ".")) {
        best = &s.axes[a], best_index = a, at_key = true;
      }
    } else if (key == "--set" && starts_with(message, k + ": ")) {
      // Applying the override failed (an index out of range, a path through a single value).
      best = &s.axes[a], best_index = a, at_key = true;
    }
  }
  if (best == nullptr)
    return InputError(SourceLoc{s.file}, "", point_label(s, point) + ": " + printable(e.what()));
  if (key == "--set") {
    key = stripped(best->key);
    message = message.substr(key.size() + 2);
  }
  return InputError(at_key ? best->key_loc : best->locs[idx[best_index]], "vary." + key, message);
}

// Loads the platform and workload of every point with its overrides and checks that the workload runs on
// the platform, as `pjbit validate` does, so that a bad value fails before anything runs.
void validate_points(const Sweep& s) {
  for (std::size_t i = 0; i < s.points; ++i) {
    const auto overrides = s.overrides(i);
    try {
      const auto platform = platforms::parse_platform(s.platform_text, s.platform, overrides);
      const auto workload = workloads::parse_workload(s.workload_text, s.workload, overrides);
      workloads::chakra::check_platform_ranks(workload, platform.ranks());
      engine::validate(platform, workload);
    } catch (const InputError& e) {
      throw locate(s, i, e);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// The output folder

// 64-bit FNV-1a, written out so that the manifest is the same on every machine and build.
std::string fingerprint(std::string_view text) {
  std::uint64_t h = 14695981039346656037ull;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return fmt::format("{:016x}", h);
}

// DIR/sweep.json: what the reports in DIR were made from. Shards of one sweep write the same manifest; a
// folder that holds another sweep is refused, so that results.csv never mixes two sweeps.
nlohmann::ordered_json manifest(const Sweep& s) {
  nlohmann::ordered_json vary = nlohmann::ordered_json::array();
  for (const Axis& a : s.axes)
    vary.push_back({{"key", a.key}, {"values", a.values}});
  return {{"schema", "pjbit.sweep/1"},
          {"version", PJBIT_VERSION},
          {"platform", {{"path", s.platform_written}, {"fnv1a64", fingerprint(s.platform_text)}}},
          {"workload", {{"path", s.workload_written}, {"fnv1a64", fingerprint(s.workload_text)}}},
          {"seed", s.seed},
          {"vary", vary},
          {"points", s.points}};
}

// Why `old` (a manifest found in DIR) is another sweep than `now`, or "" when it is the same sweep. Paths
// are not compared: shards may see the files under other names.
std::string difference(const nlohmann::ordered_json& old, const nlohmann::ordered_json& now) {
  const std::string not_manifest = "it is not a pjbit sweep manifest";
  try {
    if (!old.is_object() || old.value("schema", "") != "pjbit.sweep/1") return not_manifest;
    const std::string version = old.value("version", "");
    if (version != PJBIT_VERSION)
      return "it was made by pjbit " + printable(version) + ", this is pjbit " + PJBIT_VERSION;
    for (const char* file : {"platform", "workload"}) {
      const auto it = old.find(file);
      if (it == old.end() || !it->is_object() || it->value("fnv1a64", "") != now[file]["fnv1a64"])
        return std::string("it was made from another ") + file + " file";
    }
    if (old.value("seed", nlohmann::ordered_json()) != now["seed"]) return "it was made with another seed";
    if (old.value("vary", nlohmann::ordered_json()) != now["vary"]) return "it varies other keys or values";
  } catch (const nlohmann::json::exception&) {
    return not_manifest;  // a field of the wrong type
  }
  return "";
}

// Creates DIR when needed and checks or writes its manifest. Throws InputError.
void prepare_out(const std::string& out, const Sweep& s) {
  if (out.empty()) throw InputError(SourceLoc{}, "--out", "expected a folder, got \"\"");
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec || !fs::is_directory(out)) {
    throw InputError(SourceLoc{out}, "--out",
                     "cannot create the folder: " + (ec ? ec.message() : std::string("not a folder")));
  }
  const std::string path = (fs::path(out) / "sweep.json").string();
  const auto now = manifest(s);
  if (!fs::exists(path, ec)) {
    write_output(path, "--out", now.dump(2) + "\n");
    return;
  }
  nlohmann::ordered_json old;
  try {
    old = nlohmann::ordered_json::parse(core::read_text_file(path));
  } catch (const nlohmann::json::exception&) {
    old = nullptr;
  }
  const std::string why = difference(old, now);
  if (!why.empty()) {
    throw InputError(SourceLoc{path}, "",
                     "the folder holds another sweep (" + why +
                         "); give another --out folder, or remove its sweep.json and reports");
  }
}

// A report in DIR that is complete: it reads as a pjbit report with every headline metric. One that does
// not (cut short, not JSON, a number beyond a double, a key twice, a negative time) is not done: `why` says
// what is wrong with it, and the point runs again.
bool complete_report(const std::string& path, nlohmann::json* report = nullptr, std::string* why = nullptr) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return false;
  try {
    Report r = load_report(path);
    for (const HeadlineMetric& m : headline_metrics())
      report_number(r, m.key);
    if (report != nullptr) *report = std::move(r.json);
    return true;
  } catch (const InputError& e) {
    if (why != nullptr) *why = printable(e.what());
    return false;
  }
}

// An exclusive lock on DIR/sweep.json while it lives. Shards that end at the same time then rebuild
// results.csv one after the other, and the last one reads every report the others wrote. Best effort: where
// the file system has no locks, rebuilding goes on without.
class FolderLock {
 public:
  explicit FolderLock(const std::string& out) {
    m_fd = ::open((fs::path(out) / "sweep.json").c_str(), O_RDWR | O_CLOEXEC);
    if (m_fd < 0) return;
    while (::flock(m_fd, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  ~FolderLock() {
    if (m_fd >= 0) ::close(m_fd);  // releases the lock
  }
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

 private:
  int m_fd = -1;
};

// Writes DIR/results.csv from every complete report of this sweep in DIR, in point order; returns the rows.
// Only what the reports and the sweep file say goes in, so every shard layout gives the same bytes.
std::size_t rebuild_results(const Sweep& s, const std::string& out) {
  const FolderLock lock(out);
  std::string text = "point";
  for (const Axis& a : s.axes)
    text += "," + report::csv_text(a.key);
  for (const char* m : kCsvMetrics)
    text += std::string(",") + m;
  for (const HeadlineMetric& m : cost_metrics())
    text += std::string(",") + m.key;
  text += ",optics.min_margin_db,engine\n";
  std::size_t rows = 0;
  for (std::size_t i = 0; i < s.points; ++i) {
    const std::string path = (fs::path(out) / report_name(i)).string();
    nlohmann::json r;
    std::string why;
    if (!complete_report(path, &r, &why)) {
      if (!why.empty()) std::cerr << "warning: " << why << "; left out of results.csv\n";
      continue;
    }
    const auto idx = s.indexes(i);
    text += std::to_string(i);
    for (std::size_t a = 0; a < s.axes.size(); ++a)
      text += "," + report::csv_text(s.axes[a].shown[idx[a]]);
    for (const char* m : kCsvMetrics)
      text += "," + report_value(r, m)->dump();
    // Cost cells are empty where a report has none (a report of an earlier version, or a run of a workload
    // without a model for tokens_per_usd).
    for (const HeadlineMetric& m : cost_metrics()) {
      const nlohmann::json* v = report_value(r, m.key);
      text += "," + (v != nullptr && v->is_number() ? v->dump() : std::string());
    }
    // The least optical margin of the point's paths (platforms/optical_budget.md); empty without optics.
    std::string margin;
    if (const auto it = r.find("optics"); it != r.end() && it->is_array()) {
      double least = 0.0;
      bool any = false;
      for (const auto& kind : *it) {
        const auto m = kind.find("margin_db");
        if (m == kind.end() || !m->is_number()) continue;
        least = any ? std::min(least, m->get<double>()) : m->get<double>();
        any = true;
      }
      if (any) margin = nlohmann::json(least).dump();
    }
    text += "," + margin;
    const nlohmann::json* engine = report_value(r, "engine");
    text +=
        "," + report::csv_text(engine != nullptr && engine->is_string() ? engine->get<std::string>() : "");
    text += "\n";
    ++rows;
  }
  write_output((fs::path(out) / "results.csv").string(), "--out", text);
  return rows;
}

// ---------------------------------------------------------------------------------------------------------
// Running the points

// Runs points as child processes `/proc/self/exe run ...`, at most `jobs` at once: a SystemC kernel can be
// elaborated only once per process. Every child is reaped, also when an exception leaves early, and every
// child dies with the sweep (SIGTERM when the sweep's process ends, however it ends), so that no point goes
// on running, or writing into DIR, after it. While it runs, SIGINT and SIGTERM only stop it: it asks its
// children to end (they remove their temporary files), waits for them, and returns.
class Runner {
 public:
  Runner(const Sweep& s, std::string out, int jobs, bool quiet, std::vector<std::string> presets)
      : m_sweep(s),
        m_out(std::move(out)),
        m_jobs(static_cast<std::size_t>(jobs)),
        m_quiet(quiet),
        m_presets(std::move(presets)) {}
  ~Runner() {
    // Leaving early (an exception): the children are asked to end, so that they remove their temporary
    // files, and killed if they take more than two seconds.
    for (const Child& c : m_running)
      ::kill(c.pid, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    for (Child& c : m_running) {
      int status = 0;
      while (::waitpid(c.pid, &status, WNOHANG) == 0 && std::chrono::steady_clock::now() < deadline)
        ::usleep(10'000);
      if (::waitpid(c.pid, &status, WNOHANG) == 0) {
        ::kill(c.pid, SIGKILL);
        while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
        }
      }
      if (c.fd >= 0) ::close(c.fd);
    }
  }
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  void run(const std::vector<std::size_t>& todo) {
    m_total = todo.size();
    std::size_t next = 0;
    bool terminated = false;
    auto kill_deadline = std::chrono::steady_clock::time_point::max();
    for (;;) {
      if (stop_signal() != 0 && !terminated) {
        // Stop: start nothing more, ask the running children to end, and kill them if they take long.
        terminated = true;
        for (const Child& c : m_running)
          ::kill(c.pid, SIGTERM);
        kill_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      }
      if (terminated && std::chrono::steady_clock::now() > kill_deadline) {
        for (const Child& c : m_running)
          ::kill(c.pid, SIGKILL);
        kill_deadline = std::chrono::steady_clock::time_point::max();
      }
      while (!terminated && m_running.size() < m_jobs && next < todo.size())
        spawn(todo[next++]);
      if (m_running.empty()) break;
      wait_a_little();
    }
    m_stopped = stop_signal();
  }

  int ran() const { return m_ran; }
  int stopped_by() const { return m_stopped; }
  int failed() const { return m_failed_bad_input + m_failed_simulation; }
  int exit_code() const {
    if (m_stopped != 0) return 128 + m_stopped;
    if (m_failed_simulation > 0) return kSimulationFailed;
    if (m_failed_bad_input > 0) return kBadInput;
    return kOk;
  }

 private:
  struct Child {
    pid_t pid = -1;
    int fd = -1;  // read end of the child's stderr, -1 after end of file
    std::size_t point = 0;
    std::string err;
    std::chrono::steady_clock::time_point start;
  };

  std::string report_path(std::size_t point) const { return (fs::path(m_out) / report_name(point)).string(); }

  void spawn(std::size_t point) {
    std::vector<std::string> args = {"pjbit", "run", m_sweep.platform, m_sweep.workload};
    for (const auto& o : m_sweep.overrides(point)) {
      args.push_back("--set");
      args.push_back(o.key + "=" + o.value);
    }
    for (const std::string& a : {std::string("--json"), report_path(point), std::string("--quiet"),
                                 std::string("--seed"), std::to_string(m_sweep.seed)})
      args.push_back(a);
    // The sweep's own preset folders (PJBIT_PRESET_PATH reaches the child through its environment).
    for (const std::string& folder : m_presets)
      args.push_back("--presets=" + folder);
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);

    Child c;
    c.point = point;
    c.start = std::chrono::steady_clock::now();
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      finish_failed(c, kSimulationFailed,
                    std::string("cannot start a child process: ") + std::strerror(errno));
      return;
    }
    const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    const pid_t parent = ::getpid();
    // fork and exec rather than posix_spawn: the child must ask for SIGTERM when its parent dies, which only
    // the child can do. Between fork and exec only async-signal-safe calls.
    c.pid = ::fork();
    if (c.pid == 0) {
      struct sigaction dfl {};
      dfl.sa_handler = SIG_DFL;
      sigemptyset(&dfl.sa_mask);
      ::sigaction(SIGINT, &dfl, nullptr);
      ::sigaction(SIGTERM, &dfl, nullptr);
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) ::_exit(kSimulationFailed);  // the sweep died before the request took hold
      if (null_fd < 0 || ::dup2(null_fd, 0) < 0 || ::dup2(null_fd, 1) < 0 || ::dup2(fds[1], 2) < 0)
        ::_exit(kSimulationFailed);
      // The running program itself, even if its file was replaced since it started.
      ::execve("/proc/self/exe", argv.data(), environ);
      static const char kExecFailed[] = "error: cannot start a child process (exec /proc/self/exe failed)\n";
      if (::write(2, kExecFailed, sizeof kExecFailed - 1) < 0) {
        // The exit code says it too.
      }
      ::_exit(kSimulationFailed);
    }
    const int fork_errno = errno;
    if (null_fd >= 0) ::close(null_fd);
    ::close(fds[1]);
    if (c.pid < 0) {
      ::close(fds[0]);
      finish_failed(c, kSimulationFailed,
                    std::string("cannot start a child process: ") + std::strerror(fork_errno));
      return;
    }
    c.fd = fds[0];
    m_running.push_back(std::move(c));
  }

  // Reads what the children write to stderr for up to 100 ms, then reaps those that have ended. A child
  // closes stderr as it exits; while only such children are left, the wait is short.
  void wait_a_little() {
    std::vector<pollfd> fds;
    for (const Child& c : m_running)
      if (c.fd >= 0) fds.push_back(pollfd{c.fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), fds.empty() ? 2 : 100) > 0) {
      for (const pollfd& p : fds) {
        if ((p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        Child& c =
            *std::find_if(m_running.begin(), m_running.end(), [&](const Child& x) { return x.fd == p.fd; });
        char buf[4096];
        const ssize_t n = ::read(c.fd, buf, sizeof buf);
        if (n > 0) {
          if (c.err.size() < kMaxChildStderr) c.err.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0 || errno != EINTR) {
          ::close(c.fd);
          c.fd = -1;
        }
      }
    }
    for (std::size_t i = 0; i < m_running.size();) {
      Child& c = m_running[i];
      int status = 0;
      // A child is reaped once its stderr is drained; WNOHANG keeps the others' pipes flowing meanwhile.
      if (c.fd < 0 && ::waitpid(c.pid, &status, WNOHANG) == c.pid) {
        Child done = std::move(c);
        m_running.erase(m_running.begin() + static_cast<std::ptrdiff_t>(i));
        finish(done, status);
      } else {
        ++i;
      }
    }
  }

  void finish(const Child& c, int status) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      if (complete_report(report_path(c.point))) {
        ++m_ran;
        progress(c, "done");
      } else {
        finish_failed(c, kSimulationFailed, "finished without a complete report");
      }
      return;
    }
    // Asked to end (by the sweep, or by the terminal's Ctrl-C that reached it too): it removed its temporary
    // files and exited with 128 + the signal, or died of it. Not a failure of the point; it runs next time.
    const bool interrupted =
        (WIFSIGNALED(status) &&
         (WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM || WTERMSIG(status) == SIGKILL)) ||
        (WIFEXITED(status) && (WEXITSTATUS(status) == 128 + SIGINT || WEXITSTATUS(status) == 128 + SIGTERM));
    if (interrupted && stop_signal() != 0) {
      progress(c, "stopped");
      return;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == kBadInput) {
      finish_failed(c, kBadInput, "exited with code 2");
    } else if (WIFEXITED(status)) {
      finish_failed(c, kSimulationFailed, fmt::format("exited with code {}", WEXITSTATUS(status)));
    } else {
      const int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      finish_failed(c, kSimulationFailed, fmt::format("killed by signal {} ({})", sig, ::strsignal(sig)));
    }
  }

  // Prints the child's error lines (or `fallback` when it printed none) prefixed by the point.
  void finish_failed(const Child& c, int code, const std::string& fallback) {
    (code == kBadInput ? m_failed_bad_input : m_failed_simulation) += 1;
    const std::string label = point_label(m_sweep, c.point);
    bool printed = false;
    std::size_t begin = 0;
    while (begin < c.err.size()) {
      std::size_t end = c.err.find('\n', begin);
      if (end == std::string::npos) end = c.err.size();
      std::string line = c.err.substr(begin, end - begin);
      begin = end + 1;
      if (line.empty()) continue;
      if (starts_with(line, "error: ")) line = line.substr(7);
      std::cerr << "error: " << label << ": " << printable(line) << "\n";
      printed = true;
    }
    if (!printed) std::cerr << "error: " << label << ": " << fallback << "\n";
    progress(c, code == kBadInput ? "failed (exit 2)" : "failed (exit 3)");
  }

  void progress(const Child& c, const char* what) {
    ++m_finished;
    if (m_quiet) return;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - c.start).count();
    std::cerr << fmt::format("sweep: [{}/{}] {}: {}, {:.2f} s\n", m_finished, m_total,
                             point_label(m_sweep, c.point), what, s)
              << std::flush;
  }

  const Sweep& m_sweep;
  std::string m_out;
  std::size_t m_jobs;
  bool m_quiet;
  std::vector<std::string> m_presets;
  std::vector<Child> m_running;
  std::size_t m_total = 0;
  std::size_t m_finished = 0;
  int m_ran = 0;
  int m_failed_bad_input = 0;
  int m_failed_simulation = 0;
  int m_stopped = 0;
};

struct Shard {
  long long k = 1;
  long long n = 1;
};

// "K/N" with 1 <= K <= N; empty means the whole sweep.
Shard parse_shard(const std::string& text) {
  Shard s;
  if (text.empty()) return s;
  const auto number = [](const std::string& part, long long& value) {
    if (part.empty() || part.size() > 7 || part.find_first_not_of("0123456789") != std::string::npos)
      return false;
    value = std::stoll(part);
    return true;
  };
  const std::size_t slash = text.find('/');
  const bool ok = slash != std::string::npos && number(text.substr(0, slash), s.k) &&
                  number(text.substr(slash + 1), s.n) && s.n >= 1 && s.n <= kMaxShards && s.k >= 1 &&
                  s.k <= s.n;
  if (!ok) {
    throw InputError(SourceLoc{}, "--shard",
                     "expected K/N with 1 <= K <= N, such as 1/4, got " + core::quote_text(text));
  }
  return s;
}

}  // namespace

std::size_t check_sweep(const std::string& file) {
  const Sweep sweep = load_sweep(file);
  validate_points(sweep);
  return sweep.points;
}

int cmd_sweep(const SweepArgs& args) {
  // Everything is checked before anything is written.
  const Shard shard = parse_shard(args.shard);
  if (args.jobs < 1 || args.jobs > kMaxJobs) {
    throw InputError(SourceLoc{}, "--jobs",
                     fmt::format("expected a whole number from 1 to {}, got {}", kMaxJobs, args.jobs));
  }
  if (args.out.empty()) throw InputError(SourceLoc{}, "--out", "expected a folder, got \"\"");
  const Sweep sweep = load_sweep(args.file);
  validate_points(sweep);
  prepare_out(args.out, sweep);
  // What a killed run left: partial temporaries of reports or results.csv that no living process writes.
  const std::size_t stale = remove_stale_temporaries(args.out);
  if (stale > 0 && !args.quiet) {
    std::cerr << fmt::format("sweep: removed {} partial file{} left in {} by an interrupted run\n", stale,
                             stale == 1 ? "" : "s", printable(args.out));
  }

  std::vector<std::size_t> todo;
  std::size_t in_shard = 0, already = 0;
  for (std::size_t i = 0; i < sweep.points; ++i) {
    if (static_cast<long long>(i % static_cast<std::size_t>(shard.n)) != shard.k - 1) continue;
    ++in_shard;
    const std::string path = (fs::path(args.out) / report_name(i)).string();
    std::string why;
    if (complete_report(path, nullptr, &why)) {
      ++already;
      continue;
    }
    if (!why.empty() && !args.quiet) std::cerr << "sweep: " << why << "; running point " << i << " again\n";
    todo.push_back(i);
  }
  if (!args.quiet) {
    const std::string where =
        shard.n > 1 ? fmt::format(", {} in shard {}/{}", in_shard, shard.k, shard.n) : "";
    std::cerr << fmt::format("sweep: {} points{}, {} already done, {} to run\n", sweep.points, where, already,
                             todo.size())
              << std::flush;
  }

  int code = kOk;
  int ran = 0, failed = 0;
  {
    const DeferStopSignals defer;
    Runner runner(sweep, args.out, args.jobs, args.quiet, args.presets);
    runner.run(todo);
    code = runner.exit_code();
    ran = runner.ran();
    failed = runner.failed();
  }
  // A signal that came after the last child ended still stops the sweep; from here on, one ends it at once
  // (removing results.csv's temporary).
  const int stopped = stop_signal();
  if (stopped != 0) code = 128 + stopped;
  const std::size_t rows = rebuild_results(sweep, args.out);
  const std::string csv = (fs::path(args.out) / "results.csv").string();
  std::cout << fmt::format("sweep: {} run, {} failed, {} already done{}; {} holds {} of {} points{}\n", ran,
                           failed, already,
                           shard.n > 1 ? fmt::format(", {} in other shards", sweep.points - in_shard) : "",
                           csv, rows, sweep.points, stopped != 0 ? " (interrupted)" : "")
            << std::flush;
  if (stopped != 0) {
    std::cerr << fmt::format(
                     "error: interrupted by {}; the points with a complete report are kept, the same command "
                     "runs the others\n",
                     signal_name(stopped))
              << std::flush;
  }
  return code;
}

}  // namespace pjbit::cli
