// Model-driven training workloads (CONTRACT section 8, docs in workloads/model/model.md): a transformer's
// shape, its batch and its parallelism, read from a workload file's `model:` block, become the per-rank steps
// of one optimizer step, Megatron-LM style: each rank's forward and backward compute per layer and
// micro-batch, and the tensor-, pipeline-, data-, expert- and context-parallel traffic between ranks, as a
// dependency graph (WorkloadSpec::graph). Everything here is pure: no kernel, no platform.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/errors.h"
#include "workloads/spec.h"

namespace pjbit::core {
class YamlDoc;
class MapReader;
}  // namespace pjbit::core

namespace pjbit::workloads::model {

// Multi-head latent attention (DeepSeek-V2/V3): queries and keys/values go through low-rank projections.
struct Mla {
  bool on = false;
  long long q_lora_rank = 0;       // query compression dimension (0: queries are projected directly)
  long long kv_lora_rank = 0;      // key-value compression dimension
  long long qk_nope_head_dim = 0;  // per-head query/key dimension without rotary embedding
  long long qk_rope_head_dim = 0;  // per-head decoupled rotary query/key dimension
  long long v_head_dim = 0;        // per-head value dimension
};

// A decoder-only transformer's shape.
struct Shape {
  std::string name;                   // the preset's name, or "custom"
  long long layers = 0;               // transformer blocks
  long long hidden = 0;               // model dimension
  long long heads = 0;                // query heads
  long long kv_heads = 0;             // key-value heads (grouped-query attention); = heads for multi-head
  long long head_dim = 0;             // per-head dimension; 0: hidden / heads
  long long ffn = 0;                  // MLP inner dimension of a dense layer
  long long vocab = 0;                // vocabulary
  bool gated = true;                  // SwiGLU (three matrices) rather than GELU (two)
  bool tied_embeddings = false;       // the output layer shares the input embedding's weights
  long long position_embeddings = 0;  // learned position embeddings (rows); 0: rotary (no parameters)
  long long experts = 0;              // routed experts per MoE layer; 0: dense
  long long top_k = 0;                // routed experts per token
  long long moe_ffn = 0;              // inner dimension of one routed or shared expert
  long long shared_experts = 0;       // experts every token goes through (DeepSeek)
  long long dense_layers = 0;         // the first layers of an MoE model that are dense (ffn)
  Mla mla;
  bool moe() const { return experts > 0; }
  bool moe_layer(long long layer) const { return moe() && layer >= dense_layers; }
  long long qk_head_dim() const;  // per-head query/key dimension
  long long v_dim() const;        // per-head value dimension
};

enum class Schedule { OneFOneB, Interleaved };

struct Parallelism {
  long long tp = 1, pp = 1, dp = 1, ep = 1, cp = 1;
  bool sp = false;
  int zero = 0;  // 0: data parallel; 1: optimizer states sharded (Megatron's distributed optimizer); 2: and
                 // gradients; 3: and parameters (fsdp)
  Schedule schedule = Schedule::OneFOneB;
  long long virtual_stages = 1;      // model chunks per pipeline stage (interleaved)
  long long first_stage_layers = 0;  // uneven pipeline: layers of the first stage (0: even split)
  long long last_stage_layers = 0;   // and of the last
  long long ranks() const { return tp * pp * dp * cp; }
};

struct Config {
  Shape shape;
  long long sequence = 0;
  long long global_batch = 0;  // sequences per optimizer step
  long long micro_batch = 1;
  std::string precision = "bf16";
  int element_bytes = 2;           // activations and parameters
  std::string gradient_precision;  // of the gradients reduced across data parallelism
  int gradient_bytes = 4;
  Parallelism par;
  double efficiency = kDefaultEfficiency;
  double router_skew = 0.0;  // Zipf exponent of the experts' popularity (0: uniform)
  // `mode: inference`: the model serves requests instead (engine/serving.md); `serving` holds the service
  // with the model's per-token figures filled in, and the training keys are not read.
  bool inference = false;
  ServingSpec serving;
  long long ranks = 0;  // ranks used: tp x pp x dp x cp
  bool ranks_given = false;
  core::SourceLoc loc;              // the model block
  core::SourceLoc parallelism_loc;  // its parallelism
  // The default achievable fraction of peak FLOP/s (model.md, "Efficiency").
  static constexpr double kDefaultEfficiency = 0.55;

  long long micro_batches() const { return global_batch / (micro_batch * par.dp); }  // per replica
  double tokens_per_iteration() const {
    return static_cast<double>(global_batch) * static_cast<double>(sequence);
  }
};

// Parameter counts (model.md, "Parameters").
struct Params {
  double attention = 0;  // one layer's attention projections
  double dense_mlp = 0;  // a dense layer's MLP
  double expert = 0;     // one routed or shared expert
  double router = 0;     // an MoE layer's router
  double norms = 0;      // one layer's normalisation weights
  double embedding = 0;  // input embedding (vocab x hidden)
  double output = 0;     // output layer (0 when tied)
  double positions = 0;  // learned position embeddings
  double final_norm = 0;
  double total = 0;        // every parameter
  double active = 0;       // those a token goes through (MoE: top_k routed and the shared experts)
  double flop_params = 0;  // those in a matrix product per token: active, less embeddings, norms, positions
};
Params params_of(const Shape& s);

// Model FLOPs of one optimizer step (model.md, "FLOPs"): 6 x flop_params x tokens plus the attention term
// 6 x layers x global_batch x sequence^2 x heads x (qk_head_dim + v_head_dim) (forward and backward of the
// score and value products, counted in full as Megatron-LM and PaLM count them).
double model_flops(const Config& c);
double attention_flops(const Config& c);  // the attention term alone

// Reads the `model:` block of a workload file's top level `top`; throws core::InputError naming the file,
// line, key and what was expected.
Config read_model(const core::YamlDoc& doc, const core::MapReader& top);

// The shipped model presets' names, and a preset's shape (nullptr when unknown).
std::vector<std::string> preset_names();
const Shape* find_preset(const std::string& name);

// The ranks of a layout (model.md, "Rank mapping"): Megatron-LM's default order tp-cp-dp-pp, tensor
// parallelism innermost.
struct Layout {
  Parallelism p;
  int rank(long long tp_i, long long cp_i, long long dp_i, long long pp_i) const {
    return static_cast<int>(tp_i + p.tp * (cp_i + p.cp * (dp_i + p.dp * pp_i)));
  }
  long long stage_size() const { return p.tp * p.cp * p.dp; }
  std::vector<int> stage_ranks(long long stage) const;
  // Tensor-parallel groups of a stage (one per cp x dp index), each in tp order.
  std::vector<std::vector<int>> tp_groups(long long stage) const;
  // Context-parallel rings of a stage (one per tp x dp index), each in cp order.
  std::vector<std::vector<int>> cp_groups(long long stage) const;
  // Data-parallel groups of a stage for dense gradients (one per tp index, over dp x cp, in rank order).
  std::vector<std::vector<int>> dp_groups(long long stage) const;
  // Expert-parallel groups of a stage: ep consecutive ranks of the stage (expert tensor parallelism 1).
  std::vector<std::vector<int>> ep_groups(long long stage) const;
  // Expert-data-parallel groups (one per expert-parallel index): the ranks that hold the same experts.
  std::vector<std::vector<int>> edp_groups(long long stage) const;
};

// The share of routed (token, expert) assignments each expert gets: Zipf with exponent `skew` over expert
// index, capped at 1 / top_k (a token picks distinct experts), summing to 1.
std::vector<double> expert_shares(long long experts, long long top_k, double skew);

// Pipeline schedules (model.md, "Pipeline schedules"): the order in which a stage runs its forward and
// backward passes of (micro-batch, model chunk).
struct PipeOp {
  bool forward = true;
  long long micro = 0;
  long long chunk = 0;
};
std::vector<PipeOp> pipeline_order(Schedule schedule, long long stages, long long stage,
                                   long long micro_batches, long long chunks);

// The layers [first, last) of model chunk `chunk` on pipeline stage `stage`.
std::pair<long long, long long> chunk_layers(const Config& c, long long stage, long long chunk);

// What generation produced besides the steps, for the report and the tests.
struct Generated {
  std::vector<Step> steps;     // a dependency graph, in topological order
  double compute_flops = 0.0;  // summed over every rank and compute step, before the efficiency
};

// The steps of one optimizer step. Throws core::InputError (at the model block) when there would be more
// than kMaxGeneratedSteps of them, or their ranks would add up to more than kMaxStepRanks, or a size would be
// beyond 2^62 bytes.
constexpr std::size_t kMaxGeneratedSteps = 1'000'000;
constexpr std::size_t kMaxStepRanks = std::size_t{1} << 30;
Generated generate(const Config& c);

// The model's summary as the report needs it.
ModelSummary summary_of(const Config& c);

}  // namespace pjbit::workloads::model
