// A workload file's `model:` block (CONTRACT section 8) and the shipped model presets: read, merged and
// checked. Every check names the key it blames, where the block has it, and what was expected.
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/limits.h"
#include "core/yaml_support.h"
#include "workloads/model/model.h"
#include "workloads/model/preset_text.h"

namespace pjbit::workloads::model {

namespace {

using core::MapReader;
using core::YamlDoc;

constexpr long long kMaxCount = 65536;      // heads, experts, parallel degrees
constexpr long long kMaxDim = 1LL << 20;    // hidden, head dimensions, ranks of projections
constexpr long long kMaxInner = 1LL << 22;  // MLP inner dimensions
constexpr long long kMaxRows = 1LL << 24;   // vocabulary, positions, sequence, global batch
constexpr long long kMaxLayers = 10000;
constexpr long long kMaxTokens = 1LL << 31;  // tokens of one micro-batch (micro_batch x sequence)
using core::kMaxRanks;

const std::vector<std::string_view> kShapeKeys = {
    "layers",  "hidden", "heads",      "kv_heads",        "head_dim",
    "ffn",     "vocab",  "activation", "tied_embeddings", "position_embeddings",
    "experts", "top_k",  "moe_ffn",    "shared_experts",  "dense_layers",
    "mla"};
const std::vector<std::string_view> kMlaKeys = {"q_lora_rank", "kv_lora_rank", "qk_nope_head_dim",
                                                "qk_rope_head_dim", "v_head_dim"};
const std::vector<std::string_view> kParallelismKeys = {"tp",
                                                        "pp",
                                                        "dp",
                                                        "ep",
                                                        "cp",
                                                        "sp",
                                                        "zero",
                                                        "schedule",
                                                        "virtual_stages",
                                                        "first_stage_layers",
                                                        "last_stage_layers"};

std::vector<std::string_view> block_keys() {
  std::vector<std::string_view> keys = {"preset",
                                        "mode",
                                        "sequence",
                                        "global_batch",
                                        "micro_batch",
                                        "precision",
                                        "gradient_precision",
                                        "parallelism",
                                        "efficiency",
                                        "router_skew",
                                        "ranks",
                                        "serving"};
  keys.insert(keys.end(), kShapeKeys.begin(), kShapeKeys.end());
  return keys;
}

// The shape keys `m` gives, over what `s` holds.
void read_shape_keys(const YamlDoc& doc, const MapReader& m, Shape& s) {
  if (auto v = m.integer("layers", 1, kMaxLayers)) s.layers = *v;
  if (auto v = m.integer("hidden", 1, kMaxDim)) s.hidden = *v;
  if (auto v = m.integer("heads", 1, kMaxCount)) s.heads = *v;
  if (auto v = m.integer("kv_heads", 1, kMaxCount)) s.kv_heads = *v;
  if (auto v = m.integer("head_dim", 1, kMaxDim)) s.head_dim = *v;
  if (auto v = m.integer("ffn", 1, kMaxInner)) s.ffn = *v;
  if (auto v = m.integer("vocab", 1, kMaxRows)) s.vocab = *v;
  if (auto v = m.choice("activation", {"swiglu", "gelu"})) s.gated = *v == "swiglu";
  if (auto v = m.boolean("tied_embeddings")) s.tied_embeddings = *v;
  if (auto v = m.integer("position_embeddings", 0, kMaxRows)) s.position_embeddings = *v;
  if (auto v = m.integer("experts", 0, kMaxCount)) s.experts = *v;
  if (auto v = m.integer("top_k", 1, kMaxCount)) s.top_k = *v;
  if (auto v = m.integer("moe_ffn", 1, kMaxInner)) s.moe_ffn = *v;
  if (auto v = m.integer("shared_experts", 0, 64)) s.shared_experts = *v;
  if (auto v = m.integer("dense_layers", 0, kMaxLayers)) s.dense_layers = *v;
  if (m.has("mla")) {
    const MapReader a(doc, m.node("mla"), m.path("mla"), kMlaKeys,
                      "multi-head latent attention's dimensions, such as { kv_lora_rank: 512, ... }");
    s.mla.on = true;
    if (auto v = a.integer("q_lora_rank", 0, kMaxDim)) s.mla.q_lora_rank = *v;
    for (std::string_view key : {"kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim"})
      if (!a.has(key)) a.fail_missing(key, "a whole number from 1 to " + std::to_string(kMaxDim));
    s.mla.kv_lora_rank = *a.integer("kv_lora_rank", 1, kMaxDim);
    s.mla.qk_nope_head_dim = *a.integer("qk_nope_head_dim", 1, kMaxDim);
    s.mla.qk_rope_head_dim = *a.integer("qk_rope_head_dim", 1, kMaxDim);
    s.mla.v_head_dim = *a.integer("v_head_dim", 1, kMaxDim);
  }
}

struct PresetEntry {
  Shape shape;
  std::string summary;
  std::string source;
};

// Every shipped preset, parsed once. A malformed preset file is a defect of the program, caught by the unit
// tests; it is reported as bad input naming the preset file.
const std::map<std::string, PresetEntry>& presets() {
  static std::map<std::string, PresetEntry> table;
  static std::once_flag once;
  std::call_once(once, [] {
    for (const PresetText& p : preset_texts()) {
      const YamlDoc doc(p.file, core::parse_yaml_mapping(p.text, p.file));
      const MapReader top(doc, doc.root(), "", {"name", "summary", "source", "shape"}, "a model preset");
      PresetEntry e;
      for (std::string_view key : {"name", "summary", "source", "shape"})
        if (!top.has(key)) top.fail_missing(key, "the preset's " + std::string(key));
      e.shape.name = *top.string("name", "a preset name");
      e.summary = *top.string("summary", "one line saying what the model is");
      e.source = *top.string("source", "where the shape comes from");
      const MapReader shape(doc, top.node("shape"), top.path("shape"), kShapeKeys, "a model's shape");
      read_shape_keys(doc, shape, e.shape);
      table[e.shape.name] = std::move(e);
    }
  });
  return table;
}

// "a x b x c = 8 x 2 x 4 = 64".
std::string product_text(const std::vector<std::pair<std::string_view, long long>>& factors) {
  std::string names, values;
  long long product = 1;
  for (const auto& [name, value] : factors) {
    names += (names.empty() ? "" : " x ") + std::string(name);
    values += (values.empty() ? "" : " x ") + std::to_string(value);
    product *= value;
  }
  return names + " = " + values + " = " + std::to_string(product);
}

int bytes_of(const std::string& precision) {
  if (precision == "fp32") return 4;
  if (precision == "fp8") return 1;
  return 2;  // bf16, fp16
}

class BlockReader {
 public:
  BlockReader(const YamlDoc& doc, const MapReader& block) : m_doc(doc), m_block(block) {}

  Config read() {
    Config c;
    c.loc = m_block.loc();
    if (auto mode = m_block.choice("mode", {"training", "inference"})) c.inference = *mode == "inference";
    if (m_block.has("serving") && !c.inference)
      m_block.fail("serving", "a serving block goes with mode: inference");
    if (auto name = m_block.string("preset", "a model preset's name")) {
      const auto& table = presets();
      const auto it = table.find(*name);
      if (it == table.end()) {
        std::string names;
        for (const auto& [n, e] : table)
          names += (names.empty() ? "" : ", ") + n;
        m_block.fail("preset",
                     "unknown model preset " + core::quote_text(*name) + "; expected one of: " + names);
      }
      c.shape = it->second.shape;
    } else {
      c.shape.name = "custom";
    }
    read_shape_keys(m_doc, m_block, c.shape);
    check_shape(c.shape);
    if (c.inference) {
      read_inference(c);
      return c;
    }

    if (!m_block.has("sequence"))
      m_block.fail_missing("sequence", "the sequence length in tokens, such as 8192");
    c.sequence = *m_block.integer("sequence", 1, kMaxRows);
    if (!m_block.has("global_batch"))
      m_block.fail_missing("global_batch", "the sequences of one optimizer step, such as 512");
    c.global_batch = *m_block.integer("global_batch", 1, kMaxRows);
    if (auto v = m_block.integer("micro_batch", 1, kMaxCount)) c.micro_batch = *v;
    if (c.micro_batch * c.sequence > kMaxTokens)
      m_block.fail(m_block.has("micro_batch") ? "micro_batch" : "sequence",
                   "a micro-batch holds at most " + std::to_string(kMaxTokens) +
                       " tokens; micro_batch x sequence = " + std::to_string(c.micro_batch) + " x " +
                       std::to_string(c.sequence));
    if (auto v = m_block.choice("precision", {"bf16", "fp16", "fp8", "fp32"})) c.precision = *v;
    c.element_bytes = bytes_of(c.precision);
    c.gradient_precision = "fp32";
    if (auto v = m_block.choice("gradient_precision", {"fp32", "bf16", "fp16"})) c.gradient_precision = *v;
    c.gradient_bytes = bytes_of(c.gradient_precision);
    if (auto v = m_block.number("efficiency", 0.0, 1.0)) {
      if (*v <= 0.0)
        m_block.fail("efficiency",
                     "expected the achievable fraction of peak FLOP/s, above 0 and at most 1, got " +
                         core::describe(m_block.node("efficiency")));
      c.efficiency = *v;
    }
    if (auto v = m_block.number("router_skew", 0.0, 10.0)) {
      if (!c.shape.moe()) m_block.fail("router_skew", "a router skew needs an MoE model (experts)");
      c.router_skew = *v;
    }
    read_parallelism(c);
    check_fit(c);
    return c;
  }

 private:
  // Where a shape key is blamed: the block's own key, else the preset it came from.
  std::string_view shape_key(std::string_view key) const {
    return m_block.has(key) || !m_block.has("preset") ? key : std::string_view("preset");
  }
  [[noreturn]] void shape_fail(std::string_view key, const std::string& message) const {
    const std::string_view blamed = shape_key(key);
    if (blamed == "preset") m_block.fail("preset", std::string(key) + " of the preset: " + message);
    m_block.fail(key, message);
  }

  void check_shape(Shape& s) const {
    for (std::string_view key : {"layers", "hidden", "heads", "vocab"}) {
      long long v = key == "layers"   ? s.layers
                    : key == "hidden" ? s.hidden
                    : key == "heads"  ? s.heads
                                      : s.vocab;
      if (v == 0)
        m_block.fail_missing(key, "the model's " + std::string(key) + " (or a preset that gives it)");
    }
    if (s.kv_heads == 0) s.kv_heads = s.heads;
    if (s.kv_heads > s.heads || s.heads % s.kv_heads != 0)
      shape_fail("kv_heads", "expected a divisor of heads (" + std::to_string(s.heads) + "), got " +
                                 std::to_string(s.kv_heads));
    if (!s.mla.on && s.head_dim == 0 && s.hidden % s.heads != 0)
      shape_fail("heads", "expected a divisor of hidden (" + std::to_string(s.hidden) +
                              ") or a head_dim, got " + std::to_string(s.heads));
    if (s.mla.on && s.kv_heads != s.heads)
      shape_fail("kv_heads", "multi-head latent attention has one key-value head per query head (" +
                                 std::to_string(s.heads) + "), got " + std::to_string(s.kv_heads));
    if (s.moe()) {
      if (s.experts < 2)
        shape_fail("experts", "expected 0 (dense) or at least 2 experts, got " + std::to_string(s.experts));
      if (s.top_k == 0) m_block.fail_missing("top_k", "the routed experts per token of an MoE model");
      if (s.top_k > s.experts)
        shape_fail("top_k", "expected at most experts (" + std::to_string(s.experts) + "), got " +
                                std::to_string(s.top_k));
      if (s.moe_ffn == 0) s.moe_ffn = s.ffn;
      if (s.moe_ffn == 0) m_block.fail_missing("moe_ffn", "an expert's inner dimension (or ffn)");
      if (s.dense_layers >= s.layers)
        shape_fail("dense_layers", "expected fewer dense layers than layers (" + std::to_string(s.layers) +
                                       "), got " + std::to_string(s.dense_layers));
      if (s.dense_layers > 0 && s.ffn == 0)
        m_block.fail_missing("ffn", "the dense layers' MLP inner dimension");
    } else {
      for (std::string_view key : {"top_k", "moe_ffn", "shared_experts", "dense_layers"}) {
        const long long v = key == "top_k"            ? s.top_k
                            : key == "moe_ffn"        ? s.moe_ffn
                            : key == "shared_experts" ? s.shared_experts
                                                      : s.dense_layers;
        if (v != 0) shape_fail(key, std::string(key) + " needs an MoE model (experts)");
      }
      if (s.ffn == 0) m_block.fail_missing("ffn", "the MLP inner dimension (or a preset that gives it)");
    }
  }

  // mode: inference: precision, efficiency and the serving block; the model's per-token figures
  // (engine/serving.md, workloads/model/model.md "Inference").
  void read_inference(Config& c) {
    for (std::string_view key : {"sequence", "global_batch", "micro_batch", "parallelism",
                                 "gradient_precision", "router_skew", "ranks"})
      if (m_block.has(key))
        m_block.fail(key, std::string(key) + " is a training key; an inference model takes serving instead");
    if (auto v = m_block.choice("precision", {"bf16", "fp16", "fp8", "fp32"})) c.precision = *v;
    c.element_bytes = bytes_of(c.precision);
    if (auto v = m_block.number("efficiency", 0.0, 1.0)) {
      if (*v <= 0.0)
        m_block.fail("efficiency",
                     "expected the achievable fraction of peak FLOP/s, above 0 and at most 1, got " +
                         core::describe(m_block.node("efficiency")));
      c.efficiency = *v;
    }
    if (!m_block.has("serving"))
      m_block.fail_missing("serving",
                           "the service, such as { prefill: { groups: 1, tp: 8 }, decode: { groups: "
                           "1, tp: 8 }, requests: 64, rate: 20, prompt: 1024, output: 128 }");
    const MapReader m(
        m_doc, m_block.node("serving"), m_block.path("serving"),
        {"prefill", "decode", "requests", "rate", "prompt", "output", "max_batch", "max_prefill_tokens"},
        "a serving block");
    ServingSpec& s = c.serving;
    s.on = true;
    int next = 0;
    const auto groups = [&](const char* key) {
      if (!m.has(key)) m.fail_missing(key, "its groups, such as { groups: 1, tp: 8 }");
      const MapReader g(m_doc, m.node(key), m.path(key), {"groups", "tp"},
                        "groups such as { groups: 1, tp: 8 }");
      const long long count = g.has("groups") ? *g.integer("groups", 1, 4096) : 1;
      if (!g.has("tp")) g.fail_missing("tp", "the ranks of one group (tensor parallelism), such as 8");
      const long long tp = *g.integer("tp", 1, 1024);
      if (c.shape.heads % tp != 0)
        g.fail("tp", "tensor parallelism splits the heads: " + std::to_string(c.shape.heads) +
                         " heads over " + std::to_string(tp) + " ranks");
      std::vector<std::vector<int>> out;
      for (long long i = 0; i < count; ++i) {
        out.emplace_back();
        for (long long r = 0; r < tp; ++r)
          out.back().push_back(next++);
      }
      return out;
    };
    s.prefill = groups("prefill");  // ranks 0 ..
    s.decode = groups("decode");    // then the decode groups'
    s.requests = m.has("requests") ? static_cast<int>(*m.integer("requests", 1, 1000000)) : 1;
    if (!m.has("rate")) m.fail_missing("rate", "requests per second, such as 20");
    s.rate_per_s = *m.number("rate", 0.0, 1e9);
    if (s.rate_per_s <= 0.0) m.fail("rate", "expected requests per second above zero");
    const auto range = [&](const char* key, int& lo, int& hi) {
      if (!m.has(key)) m.fail_missing(key, "tokens, such as 1024 or { min: 512, max: 2048 }");
      const YAML::Node n = m.node(key);
      if (n.IsScalar()) {
        lo = hi = static_cast<int>(*m.integer(key, 1, 1 << 20));
        return;
      }
      const MapReader r(m_doc, n, m.path(key), {"min", "max"},
                        "a token range such as { min: 512, max: 2048 }");
      if (!r.has("min")) r.fail_missing("min", "the fewest tokens, such as 512");
      if (!r.has("max")) r.fail_missing("max", "the most tokens, such as 2048");
      lo = static_cast<int>(*r.integer("min", 1, 1 << 20));
      hi = static_cast<int>(*r.integer("max", 1, 1 << 20));
      if (hi < lo)
        r.fail("max", "expected at least min (" + std::to_string(lo) + "), got " + std::to_string(hi));
    };
    range("prompt", s.prompt_min, s.prompt_max);
    range("output", s.output_min, s.output_max);
    if (auto v = m.integer("max_batch", 0, 1 << 20)) s.max_batch = static_cast<int>(*v);
    if (auto v = m.integer("max_prefill_tokens", 0, 1 << 24)) s.max_prefill_tokens = static_cast<int>(*v);
    // The model, per token.
    const Params p = params_of(c.shape);
    const Shape& sh = c.shape;
    const auto bytes = static_cast<double>(c.element_bytes);
    s.layers = static_cast<int>(sh.layers);
    s.token_bytes = static_cast<std::uint64_t>(sh.hidden) * static_cast<std::uint64_t>(c.element_bytes);
    s.flops_per_token = 2.0 * p.flop_params;
    s.attention_flops = 2.0 * static_cast<double>(sh.layers * sh.heads * (sh.qk_head_dim() + sh.v_dim()));
    s.weight_bytes = p.total * bytes;
    s.kv_bytes_per_token =
        sh.mla.on ? static_cast<double>(sh.layers * (sh.mla.kv_lora_rank + sh.mla.qk_rope_head_dim)) * bytes
                  : static_cast<double>(sh.layers * sh.kv_heads * (sh.qk_head_dim() + sh.v_dim())) * bytes;
    s.efficiency = c.efficiency;
    c.ranks = next;
  }

  void read_parallelism(Config& c) {
    Parallelism& p = c.par;
    if (!m_block.has("parallelism"))
      m_block.fail_missing("parallelism", "{ tp: 8, pp: 2, dp: 4 } and the like");
    const MapReader m(m_doc, m_block.node("parallelism"), m_block.path("parallelism"), kParallelismKeys,
                      "the parallelism, such as { tp: 8, pp: 2, dp: 4, sp: true, zero: 1 }");
    c.parallelism_loc = m.loc();
    for (std::string_view key : {"tp", "pp", "dp", "ep", "cp"}) {
      if (auto v = m.integer(key, 1, kMaxRanks)) {
        (key == "tp" ? p.tp : key == "pp" ? p.pp : key == "dp" ? p.dp : key == "ep" ? p.ep : p.cp) = *v;
      }
    }
    if (auto v = m.boolean("sp")) p.sp = *v;
    if (m.has("zero")) {
      const YAML::Node node = m.node("zero");
      if (node.IsScalar() && node.Scalar() == "fsdp") {
        p.zero = 3;
      } else if (node.IsScalar() && node.Scalar().size() == 1 && node.Scalar()[0] >= '0' &&
                 node.Scalar()[0] <= '3') {
        p.zero = node.Scalar()[0] - '0';
      } else {
        m.fail("zero", "expected 0, 1, 2, 3 or fsdp, got " + core::describe(node));
      }
    }
    if (auto v = m.choice("schedule", {"1f1b", "interleaved"}))
      p.schedule = *v == "1f1b" ? Schedule::OneFOneB : Schedule::Interleaved;
    if (auto v = m.integer("virtual_stages", 1, 1024)) p.virtual_stages = *v;
    if (auto v = m.integer("first_stage_layers", 1, kMaxLayers)) p.first_stage_layers = *v;
    if (auto v = m.integer("last_stage_layers", 1, kMaxLayers)) p.last_stage_layers = *v;

    // The ranks: tp x pp x dp x cp, each of them its own ranks.
    const std::string product = product_text({{"tp", p.tp}, {"pp", p.pp}, {"dp", p.dp}, {"cp", p.cp}});
    const double ranks = static_cast<double>(p.tp) * p.pp * p.dp * p.cp;
    if (ranks > kMaxRanks)
      m_block.fail("parallelism", product.substr(0, product.rfind(" = ")) + " = " +
                                      core::format_number(ranks) + " ranks; expected at most " +
                                      std::to_string(kMaxRanks));
    c.ranks = p.ranks();
    if (auto v = m_block.integer("ranks", 1, kMaxRanks)) {
      c.ranks_given = true;
      if (*v != c.ranks)
        m_block.fail("parallelism",
                     product + "; expected it to equal the ranks used (ranks: " + std::to_string(*v) + ")");
    }

    // Expert parallelism splits a stage's tp x cp x dp ranks (Megatron-LM, expert tensor parallelism 1).
    if (p.ep > 1 && !c.shape.moe()) m.fail("ep", "expert parallelism needs an MoE model (experts)");
    const long long stage = p.tp * p.cp * p.dp;
    if (stage % p.ep != 0)
      m.fail("ep", "expected a divisor of " + product_text({{"dp", p.dp}, {"cp", p.cp}, {"tp", p.tp}}) +
                       ", got " + std::to_string(p.ep));
    if (c.shape.moe() && c.shape.experts % p.ep != 0)
      m.fail("ep", "expected a divisor of experts (" + std::to_string(c.shape.experts) + "), got " +
                       std::to_string(p.ep));
    if (c.shape.moe() && p.tp > 1 && !p.sp)
      m.fail(m.has("sp") ? "sp" : "tp",
             "an MoE model with tp > 1 needs sequence parallelism (sp: true), as Megatron-LM requires");

    // Tensor parallelism splits heads (and key-value heads, or replicates them when fewer).
    if (c.shape.heads % p.tp != 0)
      m.fail("tp", "expected a divisor of heads (" + std::to_string(c.shape.heads) + "), got " +
                       std::to_string(p.tp));
    if (c.shape.kv_heads % p.tp != 0 && p.tp % c.shape.kv_heads != 0)
      m.fail("tp", "expected a divisor or a multiple of kv_heads (" + std::to_string(c.shape.kv_heads) +
                       "), got " + std::to_string(p.tp));

    // The pipeline.
    const bool uneven = p.first_stage_layers > 0 || p.last_stage_layers > 0;
    if (p.schedule == Schedule::Interleaved) {
      if (p.pp < 2)
        m.fail("schedule", "the interleaved schedule needs pp of at least 2, got " + std::to_string(p.pp));
      if (!m.has("virtual_stages") || p.virtual_stages < 2)
        m.fail("virtual_stages",
               "the interleaved schedule needs virtual_stages of at least 2 (model chunks per "
               "stage)");
      if (uneven)
        m.fail(p.first_stage_layers > 0 ? "first_stage_layers" : "last_stage_layers",
               "uneven stages go with the 1f1b schedule");
    } else if (p.virtual_stages > 1) {
      m.fail("virtual_stages", "virtual stages go with schedule: interleaved");
    }
    const long long layers = c.shape.layers;
    if (uneven) {
      if (p.pp < 2)
        m.fail(p.first_stage_layers > 0 ? "first_stage_layers" : "last_stage_layers",
               "uneven stages need pp of at least 2");
      const long long given = p.first_stage_layers + p.last_stage_layers;
      const long long others = p.pp - (p.first_stage_layers > 0 ? 1 : 0) - (p.last_stage_layers > 0 ? 1 : 0);
      const char* key = p.last_stage_layers > 0 ? "last_stage_layers" : "first_stage_layers";
      if (given >= layers || (others == 0 && given != layers) ||
          (others > 0 && (layers - given) % others != 0))
        m.fail(key, "the layers left for the other " + std::to_string(others) + " stages (" +
                        std::to_string(layers) + " - " + std::to_string(given) +
                        ") must be more than 0 and divide evenly among them" +
                        (others == 0 ? " (none is left: expected first and last to add up to layers)" : ""));
    } else if (layers % (p.pp * p.virtual_stages) != 0) {
      m.fail(p.virtual_stages > 1 ? "virtual_stages" : "pp",
             "layers (" + std::to_string(layers) + ") must be divisible by " +
                 product_text({{"pp", p.pp}, {"virtual_stages", p.virtual_stages}}));
    }
    if (p.zero >= 2 && p.pp > 1)
      m.fail("zero",
             "zero 2 and 3 shard gradients per micro-batch, which pipeline parallelism does not combine "
             "with (DeepSpeed refuses ZeRO-2/3 with its pipeline engine); expected 0 or 1 with pp " +
                 std::to_string(p.pp));
  }

  // The batch and sequence against the parallelism.
  void check_fit(const Config& c) const {
    const Parallelism& p = c.par;
    if (c.global_batch % (c.micro_batch * p.dp) != 0)
      m_block.fail("global_batch", "expected a multiple of " +
                                       product_text({{"micro_batch", c.micro_batch}, {"dp", p.dp}}) +
                                       ", got " + std::to_string(c.global_batch));
    if (p.schedule == Schedule::Interleaved && c.micro_batches() % p.pp != 0)
      m_block.fail("global_batch",
                   "the interleaved schedule needs the micro-batches per replica (global_batch / "
                   "(micro_batch x dp) = " +
                       std::to_string(c.micro_batches()) + ") to be a multiple of pp (" +
                       std::to_string(p.pp) + ")");
    if (p.cp > 1 && c.sequence % (2 * p.cp) != 0)
      m_block.fail("sequence",
                   "context parallelism splits the sequence into 2 x cp = " + std::to_string(2 * p.cp) +
                       " chunks; expected a multiple of it, got " + std::to_string(c.sequence));
    if (p.sp && (c.sequence / p.cp) % p.tp != 0)
      m_block.fail("sequence",
                   "sequence parallelism splits each rank's sequence over tp; expected a multiple of " +
                       product_text({{"tp", p.tp}, {"cp", p.cp}}) + ", got " + std::to_string(c.sequence));
    if (c.shape.position_embeddings > 0 && c.sequence > c.shape.position_embeddings)
      m_block.fail("sequence", "expected at most the model's learned positions (position_embeddings: " +
                                   std::to_string(c.shape.position_embeddings) + "), got " +
                                   std::to_string(c.sequence));
  }

  const YamlDoc& m_doc;
  const MapReader& m_block;
};

}  // namespace

Config read_model(const YamlDoc& doc, const MapReader& top) {
  const MapReader block(doc, top.node("model"), top.path("model"), block_keys(),
                        "a model block such as { preset: llama3-70b, sequence: 8192, ... }");
  return BlockReader(doc, block).read();
}

std::vector<std::string> preset_names() {
  std::vector<std::string> out;
  for (const auto& [name, e] : presets())
    out.push_back(name);
  return out;
}

const Shape* find_preset(const std::string& name) {
  const auto& table = presets();
  const auto it = table.find(name);
  return it == table.end() ? nullptr : &it->second.shape;
}

ModelSummary summary_of(const Config& c) {
  ModelSummary s;
  s.on = true;
  s.name = c.shape.name;
  s.tokens_per_iteration = c.tokens_per_iteration();
  s.flops_per_iteration = model_flops(c);
  const Params p = params_of(c.shape);
  s.parameters = p.total;
  s.active_parameters = p.active;
  s.ranks = static_cast<int>(c.ranks);
  s.ranks_given = c.ranks_given;
  s.ranks_formula = product_text({{"tp", c.par.tp}, {"pp", c.par.pp}, {"dp", c.par.dp}, {"cp", c.par.cp}});
  s.loc = c.parallelism_loc;
  return s;
}

}  // namespace pjbit::workloads::model
