// A model's parameters and FLOPs, the rank layout, the experts' shares of routed tokens and the pipeline
// schedules: the pure arithmetic of model.md.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "workloads/model/model.h"

namespace pjbit::workloads::model {

long long Shape::qk_head_dim() const {
  if (mla.on) return mla.qk_nope_head_dim + mla.qk_rope_head_dim;
  return head_dim > 0 ? head_dim : hidden / heads;
}

long long Shape::v_dim() const {
  if (mla.on) return mla.v_head_dim;
  return head_dim > 0 ? head_dim : hidden / heads;
}

Params params_of(const Shape& s) {
  Params p;
  const auto h = static_cast<double>(s.hidden);
  const auto a = static_cast<double>(s.heads);
  const double matrices = s.gated ? 3.0 : 2.0;
  if (s.mla.on) {
    const Mla& m = s.mla;
    const auto qk = static_cast<double>(m.qk_nope_head_dim + m.qk_rope_head_dim);
    const double q = m.q_lora_rank > 0 ? h * static_cast<double>(m.q_lora_rank) +
                                             static_cast<double>(m.q_lora_rank) * a * qk
                                       : h * a * qk;
    const double kv =
        h * static_cast<double>(m.kv_lora_rank + m.qk_rope_head_dim) +
        static_cast<double>(m.kv_lora_rank) * a * static_cast<double>(m.qk_nope_head_dim + m.v_head_dim);
    p.attention = q + kv + a * static_cast<double>(m.v_head_dim) * h;
    p.norms = 2.0 * h + static_cast<double>(m.q_lora_rank + m.kv_lora_rank);
  } else {
    const auto d = static_cast<double>(s.qk_head_dim());
    p.attention = 2.0 * h * a * d + 2.0 * h * static_cast<double>(s.kv_heads) * d;
    p.norms = 2.0 * h;
  }
  p.dense_mlp = matrices * h * static_cast<double>(s.ffn);
  p.expert = matrices * h * static_cast<double>(s.moe_ffn);
  p.router = h * static_cast<double>(s.experts);
  p.embedding = static_cast<double>(s.vocab) * h;
  p.output = s.tied_embeddings ? 0.0 : static_cast<double>(s.vocab) * h;
  p.positions = static_cast<double>(s.position_embeddings) * h;
  p.final_norm = h;
  const auto shared = static_cast<double>(s.shared_experts);
  for (long long l = 0; l < s.layers; ++l) {
    const double common = p.attention + p.norms;
    if (s.moe_layer(l)) {
      p.total += common + (static_cast<double>(s.experts) + shared) * p.expert + p.router;
      p.active += common + (static_cast<double>(s.top_k) + shared) * p.expert + p.router;
      p.flop_params += p.attention + (static_cast<double>(s.top_k) + shared) * p.expert + p.router;
    } else {
      p.total += common + p.dense_mlp;
      p.active += common + p.dense_mlp;
      p.flop_params += p.attention + p.dense_mlp;
    }
  }
  const double outside = p.embedding + p.output + p.positions + p.final_norm;
  p.total += outside;
  p.active += outside;
  p.flop_params += static_cast<double>(s.vocab) * h;  // the output layer's product, tied or not
  return p;
}

double attention_flops(const Config& c) {
  const Shape& s = c.shape;
  const auto seq = static_cast<double>(c.sequence);
  return 6.0 * static_cast<double>(s.layers) * static_cast<double>(c.global_batch) * seq * seq *
         static_cast<double>(s.heads) * static_cast<double>(s.qk_head_dim() + s.v_dim());
}

double model_flops(const Config& c) {
  return 6.0 * params_of(c.shape).flop_params * c.tokens_per_iteration() + attention_flops(c);
}

std::vector<int> Layout::stage_ranks(long long stage) const {
  std::vector<int> out;
  const int first = rank(0, 0, 0, stage);
  for (long long i = 0; i < stage_size(); ++i)
    out.push_back(first + static_cast<int>(i));
  return out;
}

std::vector<std::vector<int>> Layout::tp_groups(long long stage) const {
  std::vector<std::vector<int>> out;
  for (long long d = 0; d < p.dp; ++d)
    for (long long c = 0; c < p.cp; ++c) {
      std::vector<int> g;
      for (long long t = 0; t < p.tp; ++t)
        g.push_back(rank(t, c, d, stage));
      out.push_back(std::move(g));
    }
  return out;
}

std::vector<std::vector<int>> Layout::cp_groups(long long stage) const {
  std::vector<std::vector<int>> out;
  for (long long d = 0; d < p.dp; ++d)
    for (long long t = 0; t < p.tp; ++t) {
      std::vector<int> g;
      for (long long c = 0; c < p.cp; ++c)
        g.push_back(rank(t, c, d, stage));
      out.push_back(std::move(g));
    }
  return out;
}

std::vector<std::vector<int>> Layout::dp_groups(long long stage) const {
  std::vector<std::vector<int>> out;
  for (long long t = 0; t < p.tp; ++t) {
    std::vector<int> g;
    for (long long d = 0; d < p.dp; ++d)
      for (long long c = 0; c < p.cp; ++c)
        g.push_back(rank(t, c, d, stage));
    out.push_back(std::move(g));
  }
  return out;
}

std::vector<std::vector<int>> Layout::ep_groups(long long stage) const {
  std::vector<std::vector<int>> out;
  const int first = rank(0, 0, 0, stage);
  for (long long g = 0; g < stage_size() / p.ep; ++g) {
    std::vector<int> group;
    for (long long i = 0; i < p.ep; ++i)
      group.push_back(first + static_cast<int>(g * p.ep + i));
    out.push_back(std::move(group));
  }
  return out;
}

std::vector<std::vector<int>> Layout::edp_groups(long long stage) const {
  std::vector<std::vector<int>> out;
  const int first = rank(0, 0, 0, stage);
  for (long long i = 0; i < p.ep; ++i) {
    std::vector<int> group;
    for (long long g = 0; g < stage_size() / p.ep; ++g)
      group.push_back(first + static_cast<int>(g * p.ep + i));
    out.push_back(std::move(group));
  }
  return out;
}

std::vector<double> expert_shares(long long experts, long long top_k, double skew) {
  const auto n = static_cast<std::size_t>(experts);
  std::vector<double> weight(n);
  for (std::size_t e = 0; e < n; ++e)
    weight[e] = std::pow(static_cast<double>(e + 1), -skew);
  // Water-filling: experts whose share would pass the cap are held at it, and the rest share what is left in
  // proportion to their weights, until none passes.
  const double cap = 1.0 / static_cast<double>(top_k);
  std::vector<double> share(n, 0.0);
  std::vector<bool> held(n, false);
  for (;;) {
    double left = 1.0, free_weight = 0.0;
    for (std::size_t e = 0; e < n; ++e) {
      if (held[e]) {
        left -= cap;
      } else {
        free_weight += weight[e];
      }
    }
    bool changed = false;
    for (std::size_t e = 0; e < n; ++e) {
      if (held[e]) {
        share[e] = cap;
        continue;
      }
      share[e] = left * weight[e] / free_weight;
      if (share[e] > cap * (1.0 + 1e-12)) {
        held[e] = true;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return share;
}

std::vector<PipeOp> pipeline_order(Schedule schedule, long long stages, long long stage,
                                   long long micro_batches, long long chunks) {
  std::vector<PipeOp> out;
  if (schedule == Schedule::OneFOneB || chunks == 1) {
    // PipeDream-flush (Narayanan et al. 2021): stages - stage - 1 forwards to fill the pipeline, then one
    // forward and one backward in turn, then the backwards left.
    const long long warmup = std::min(stages - stage - 1, micro_batches);
    for (long long m = 0; m < warmup; ++m)
      out.push_back({true, m, 0});
    for (long long i = 0; i < micro_batches - warmup; ++i) {
      out.push_back({true, warmup + i, 0});
      out.push_back({false, i, 0});
    }
    for (long long m = micro_batches - warmup; m < micro_batches; ++m)
      out.push_back({false, m, 0});
    return out;
  }
  // Megatron-LM's interleaved schedule (forward_backward_pipelining_with_interleaving): virtual micro-batch
  // k runs model chunk (k mod (stages x chunks)) / stages of micro-batch (k / (stages x chunks)) x stages +
  // k mod stages, the chunks in reverse order for backwards.
  const long long total = micro_batches * chunks;
  long long warmup = (stages - stage - 1) * 2 + (chunks - 1) * stages;
  if (micro_batches == stages) warmup = total;
  warmup = std::min(warmup, total);
  const auto op = [&](long long k, bool forward) {
    long long chunk = (k % (stages * chunks)) / stages;
    if (!forward) chunk = chunks - 1 - chunk;
    return PipeOp{forward, (k / (stages * chunks)) * stages + k % stages, chunk};
  };
  for (long long k = 0; k < warmup; ++k)
    out.push_back(op(k, true));
  for (long long i = 0; i < total - warmup; ++i) {
    out.push_back(op(warmup + i, true));
    out.push_back(op(i, false));
  }
  for (long long k = total - warmup; k < total; ++k)
    out.push_back(op(k, false));
  return out;
}

std::pair<long long, long long> chunk_layers(const Config& c, long long stage, long long chunk) {
  const Parallelism& p = c.par;
  const long long layers = c.shape.layers;
  if (p.first_stage_layers == 0 && p.last_stage_layers == 0) {
    const long long per = layers / (p.pp * p.virtual_stages);
    const long long first = (chunk * p.pp + stage) * per;
    return {first, first + per};
  }
  // Uneven stages (one chunk each): the first and the last stage take what the block gives, the others share
  // the rest evenly.
  const long long given_stages = (p.first_stage_layers > 0 ? 1 : 0) + (p.last_stage_layers > 0 ? 1 : 0);
  const long long others = p.pp - given_stages;
  const long long per = others > 0 ? (layers - p.first_stage_layers - p.last_stage_layers) / others : 0;
  const auto size = [&](long long s) {
    if (s == 0 && p.first_stage_layers > 0) return p.first_stage_layers;
    if (s == p.pp - 1 && p.last_stage_layers > 0) return p.last_stage_layers;
    return per;
  };
  long long first = 0;
  for (long long s = 0; s < stage; ++s)
    first += size(s);
  return {first, first + size(stage)};
}

}  // namespace pjbit::workloads::model
