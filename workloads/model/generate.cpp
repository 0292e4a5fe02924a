// The steps of one optimizer step of a model-driven workload (model.md, "Generation"): every stage's pipeline
// schedule unrolled into compute and communication steps, as a dependency graph whose edges say what waits
// for what on each rank; emitted in a topological order that follows an estimate of time, so that a step's
// instance lives about as long as it runs.
#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <tuple>

#include "core/yaml_support.h"
#include "workloads/model/model.h"

namespace pjbit::workloads::model {

namespace {

using Frontier = std::vector<int>;

// Megatron-LM's default gradient bucket: max(40,000,000, 1,000,000 x data-parallel size) parameters
// (megatron/core/distributed/distributed_data_parallel.py).
double bucket_params(const Parallelism& p) {
  return std::max(40e6, 1e6 * static_cast<double>(p.dp * p.cp));
}

void merge(Frontier& into, const Frontier& more) {
  into.insert(into.end(), more.begin(), more.end());
}

// What a rank of a stage does and holds, per micro-batch and layer (model.md, "Per-rank work").
struct PerRank {
  double tokens = 0;       // T: tokens of a micro-batch through a rank's tensor-parallel group (x micro / cp)
  double routed = 0;       // tokens a rank routes to experts: T / tp
  double heads = 0;        // query heads per rank
  double kv_heads = 0;     // key-value heads per rank (replicated when fewer than tp)
  double attn_params = 0;  // attention projections per rank
  double attn_flops = 0;   // forward
  double attn_bytes = 0;
  double router_flops = 0;  // forward, MoE layers
  double router_bytes = 0;
  double mlp_params = 0;  // dense MLP per rank
  double mlp_flops = 0;
  double mlp_bytes = 0;
  double shared_params = 0;  // shared experts per rank
  double shared_flops = 0;
  double shared_bytes = 0;
  double local_expert_params = 0;  // the routed experts a rank holds
  double vocab = 0;                // vocabulary rows per rank
  double head_flops = 0;
  double head_bytes = 0;
  std::uint64_t act_bytes = 0;        // a tensor-parallel collective's size: T x hidden x element bytes
  std::uint64_t pipe_bytes = 0;       // a pipeline message per rank
  std::uint64_t kv_chunk = 0;         // keys and values of one context-parallel chunk per rank
  std::vector<double> expert_tokens;  // per expert-parallel index: tokens its experts receive
};

// One gradient bucket of a (stage, chunk): its parameters per rank, dense and expert.
struct Bucket {
  double dense = 0;
  double expert = 0;
  std::vector<Frontier> gather;  // ZeRO 1/2: the all-gathers of its parameters at the step's start
};

// A unit of parameters in backward order: the output layer, a layer, or the input embedding.
struct Unit {
  enum class Kind { Head, Layer, Embedding };
  Kind kind;
  long long layer = 0;
  double dense = 0;
  double expert = 0;
  std::size_t bucket = 0;
  bool last_of_bucket = false;   // in backward order: its bucket's gradients are complete after it
  bool first_of_bucket = false;  // in forward order
};

struct ChunkPlan {
  std::vector<Unit> units;  // backward order
  std::vector<Bucket> buckets;
};

class Generator {
 public:
  // `count_only`: count the steps without keeping them (generate() counts first, so that a block that would
  // make too many is refused before they take memory).
  Generator(const Config& c, bool count_only)
      : m_c(c), m_p(c.par), m_layout{c.par}, m_count_only(count_only) {
    plan_per_rank();
    for (long long st = 0; st < m_p.pp; ++st)
      m_groups.push_back({{m_layout.stage_ranks(st)},
                          m_layout.tp_groups(st),
                          m_layout.cp_groups(st),
                          m_layout.dp_groups(st),
                          m_layout.ep_groups(st),
                          m_layout.edp_groups(st)});
  }

  Generated run() {
    // Every pass makes at least one step on each of its stage's ranks: a block that would pass the limits is
    // refused before its schedules are laid out.
    const double passes = 2.0 * static_cast<double>(m_c.micro_batches()) * static_cast<double>(m_p.pp) *
                          static_cast<double>(m_p.virtual_stages);
    if (passes > static_cast<double>(kMaxGeneratedSteps)) too_many();
    if (passes * static_cast<double>(m_c.ranks / m_p.pp) > static_cast<double>(kMaxStepRanks))
      too_many_ranks();
    plan_units();
    if (m_p.zero == 1 || m_p.zero == 2) emit_parameter_gathers();
    emit_pipeline();
    emit_epilogue();
    Generated g;
    g.steps = std::move(m_steps);
    g.compute_flops = m_model_flops;
    return g;
  }

 private:
  // The groups of each stage (Layout), made once: its ranks, and its tp, cp, dp, ep and edp groups.
  enum Groups { stage_ranks, tp_groups, cp_groups, dp_groups, ep_groups, edp_groups };
  const std::vector<std::vector<int>>& groups_of(Groups kind, long long stage) const {
    return m_groups[static_cast<std::size_t>(stage)][static_cast<std::size_t>(kind)];
  }
  const std::vector<int>& ranks_of(long long stage) const { return groups_of(stage_ranks, stage).front(); }

  // ---- per-rank arithmetic ------------------------------------------------------------------------------
  void plan_per_rank() {
    const Shape& s = m_c.shape;
    PerRank& r = m_r;
    const double e = m_c.element_bytes;
    const auto tp = static_cast<double>(m_p.tp);
    const auto h = static_cast<double>(s.hidden);
    const double seq = static_cast<double>(m_c.sequence);
    const double micro = static_cast<double>(m_c.micro_batch);
    r.tokens = micro * seq / static_cast<double>(m_p.cp);
    r.routed = r.tokens / tp;
    r.heads = static_cast<double>(s.heads) / tp;
    r.kv_heads = s.mla.on ? r.heads : std::max(1.0, static_cast<double>(s.kv_heads) / tp);
    const auto dqk = static_cast<double>(s.qk_head_dim());
    const auto dv = static_cast<double>(s.v_dim());
    const double T = r.tokens;
    if (s.mla.on) {
      const Mla& m = s.mla;
      const auto ql = static_cast<double>(m.q_lora_rank);
      const auto kl = static_cast<double>(m.kv_lora_rank);
      const auto dr = static_cast<double>(m.qk_rope_head_dim);
      const auto dn = static_cast<double>(m.qk_nope_head_dim);
      // The down-projections are replicated across tensor parallelism, the rest split by heads.
      const double replicated = (ql > 0 ? h * ql : 0.0) + h * (kl + dr);
      const double split =
          (ql > 0 ? ql : h) * r.heads * (dn + dr) + kl * r.heads * (dn + dv) + r.heads * dv * h;
      r.attn_params = replicated + split;
    } else {
      r.attn_params = 2.0 * h * r.heads * dqk + 2.0 * h * r.kv_heads * dqk;
    }
    // Forward: the projections, and the score and value products of the rank's heads for its T queries
    // against the whole sequence (a context-parallel rank sees every chunk's keys in turn).
    r.attn_flops = 2.0 * T * r.attn_params +
                   2.0 * micro * (seq / static_cast<double>(m_p.cp)) * seq * r.heads * (dqk + dv);
    r.attn_bytes =
        e * (r.attn_params + T * h + T * (r.heads * dqk + r.kv_heads * (dqk + dv)) + T * r.heads * dqk +
             micro * seq * r.kv_heads * (dqk + dv) + 2.0 * T * r.heads * dv + T * h);
    const double matrices = s.gated ? 3.0 : 2.0;
    if (s.moe()) {
      const auto experts = static_cast<double>(s.experts);
      r.router_flops = 2.0 * r.routed * h * experts;
      r.router_bytes = e * (h * experts + r.routed * h + r.routed * experts);
      const auto fe = static_cast<double>(s.moe_ffn);
      const double expert_params = matrices * h * fe;
      r.local_expert_params = experts / static_cast<double>(m_p.ep) * expert_params;
      const double shared_inner = static_cast<double>(s.shared_experts) * fe / tp;
      r.shared_params = matrices * h * shared_inner;
      r.shared_flops = 2.0 * T * r.shared_params;
      r.shared_bytes = e * (r.shared_params + 2.0 * T * h + matrices * T * shared_inner);
      // Tokens each expert-parallel index receives: every rank of its group routes T / tp tokens top_k times,
      // a share p_j of the assignments to index j's experts.
      const std::vector<double> shares = expert_shares(s.experts, s.top_k, m_c.router_skew);
      const long long per = s.experts / m_p.ep;
      for (long long j = 0; j < m_p.ep; ++j) {
        double p = 0.0;
        for (long long x = 0; x < per; ++x)
          p += shares[static_cast<std::size_t>(j * per + x)];
        m_share.push_back(p);
        r.expert_tokens.push_back(static_cast<double>(m_p.ep) * r.routed * static_cast<double>(s.top_k) * p);
      }
    }
    if (s.ffn > 0) {
      const double inner = static_cast<double>(s.ffn) / tp;
      r.mlp_params = matrices * h * inner;
      r.mlp_flops = 2.0 * T * r.mlp_params;
      r.mlp_bytes = e * (r.mlp_params + 2.0 * T * h + matrices * T * inner);
    }
    r.vocab = std::ceil(static_cast<double>(s.vocab) / tp);
    r.head_flops = 2.0 * T * r.vocab * h;
    r.head_bytes = e * (r.vocab * h + T * h + T * r.vocab);
    r.act_bytes = bytes_of(T * h * e);
    r.pipe_bytes = bytes_of(T * h * e / (m_p.sp ? tp : 1.0));
    r.kv_chunk = bytes_of(micro * (seq / static_cast<double>(m_p.cp)) * r.kv_heads * (dqk + dv) * e);
  }

  double expert_flops(std::size_t j) const {
    const double matrices = m_c.shape.gated ? 3.0 : 2.0;
    return 2.0 * m_r.expert_tokens[j] * matrices * static_cast<double>(m_c.shape.hidden) *
           static_cast<double>(m_c.shape.moe_ffn);
  }
  double expert_bytes(std::size_t j) const {
    const double matrices = m_c.shape.gated ? 3.0 : 2.0;
    const double t = m_r.expert_tokens[j];
    return m_c.element_bytes * (m_r.local_expert_params + 2.0 * t * static_cast<double>(m_c.shape.hidden) +
                                matrices * t * static_cast<double>(m_c.shape.moe_ffn));
  }

  // Parameters per rank of a layer: dense (reduced over data parallelism) and routed experts (over expert
  // data parallelism).
  std::pair<double, double> layer_params(long long l) const {
    const Shape& s = m_c.shape;
    const Params full = params_of(s);
    double dense = m_r.attn_params + full.norms;
    double expert = 0;
    if (s.moe_layer(l)) {
      dense += full.router + m_r.shared_params;
      expert = m_r.local_expert_params;
    } else {
      dense += m_r.mlp_params;
    }
    return {dense, expert};
  }

  // ---- steps ---------------------------------------------------------------------------------------------
  // The block makes at most kMaxGeneratedSteps steps, whose ranks add up to at most kMaxStepRanks (the
  // engine keeps a little for every step and for every rank in one).
  [[noreturn]] void too_many() const {
    throw core::InputError(m_c.loc, "model",
                           "the model's optimizer step would take more than " +
                               std::to_string(kMaxGeneratedSteps) +
                               " steps; expected a smaller global_batch, fewer layers or less parallelism");
  }
  [[noreturn]] void too_many_ranks() const {
    throw core::InputError(m_c.loc, "model",
                           "the model's optimizer step would have its steps' ranks add up to more than " +
                               std::to_string(kMaxStepRanks) + " on " + std::to_string(m_c.ranks) +
                               " ranks; expected a smaller global_batch, fewer layers or less parallelism");
  }

  // Whole bytes of a message or of a compute step's memory traffic, refused beyond 2^62.
  std::uint64_t bytes_of(double bytes) const {
    constexpr double kMaxBytes = 4611686018427387904.0;  // 2^62
    if (!(bytes < kMaxBytes))
      throw core::InputError(
          m_c.loc, "model",
          "the model moves " + core::format_number(bytes) +
              " bytes in one step; expected at most 2^62 (a smaller shape or micro_batch)");
    return static_cast<std::uint64_t>(std::llround(bytes));
  }

  // Counts a step on `ranks` ranks (refused past the limits) and returns its index.
  int count(std::size_t ranks) {
    if (m_count >= kMaxGeneratedSteps) too_many();
    m_step_ranks += ranks;
    if (m_step_ranks > kMaxStepRanks) too_many_ranks();
    return static_cast<int>(m_count++);
  }
  // Keeps step `s` on `ranks` ranks (as count() takes them).
  int add(Step s, std::size_t ranks, Frontier after, const char* dim, std::string id) {
    count(ranks);
    std::sort(after.begin(), after.end());
    after.erase(std::unique(after.begin(), after.end()), after.end());
    const int index = static_cast<int>(m_steps.size());
    // The report's name of the step ("model.p0.v0.m3.F.L12.attn"), apart from the file's own "steps.N"; no
    // id, as `after` holds indices.
    s.key = "model." + id;
    s.loc = m_c.loc;
    s.after = std::move(after);
    s.dim = dim;
    m_steps.push_back(std::move(s));
    return index;
  }

  int compute(const std::vector<int>& ranks, double flops, double bytes, const Frontier& after,
              std::string id, bool model_work = true) {
    if (model_work) m_model_flops += flops * static_cast<double>(ranks.size());
    if (m_count_only) return count(ranks.size());
    Step s;
    s.kind = Step::Kind::Compute;
    s.compute.has_work = true;
    s.compute.work_flop = flops / m_c.efficiency;
    s.compute.bytes = bytes_of(bytes);
    s.compute.ranks = ranks;
    return add(std::move(s), ranks.size(), after, "", std::move(id));
  }

  // One collective per group (groups of one rank are left out), each after `after`.
  Frontier collectives(Op op, std::uint64_t size, const std::vector<std::vector<int>>& groups,
                       const Frontier& after, const char* dim, const std::string& id) {
    Frontier out;
    if (size == 0) return after;
    for (std::size_t g = 0; g < groups.size(); ++g) {
      if (groups[g].size() < 2) continue;
      if (m_count_only) {
        out.push_back(count(groups[g].size()));
        continue;
      }
      Step s;
      s.kind = Step::Kind::Collective;
      s.collective.op = op;
      s.collective.size_bytes = size;
      s.collective.ranks = groups[g];
      out.push_back(add(std::move(s), groups[g].size(), after, dim, id + ".g" + std::to_string(g)));
    }
    return out.empty() ? after : out;
  }

  int traffic(std::vector<std::pair<int, int>> pairs, std::uint64_t size, const Frontier& after,
              const char* dim, std::string id) {
    const std::size_t ranks = 2 * pairs.size();  // at most two a message
    if (m_count_only) return count(ranks);
    Step s;
    s.kind = Step::Kind::Traffic;
    s.traffic.size_bytes = size;
    s.traffic.messages = pairs.size();
    s.traffic.pairs = std::move(pairs);
    s.traffic.cls = TransportClass::Collective;
    return add(std::move(s), ranks, after, dim, std::move(id));
  }

  // ---- parameter units and buckets -----------------------------------------------------------------------
  ChunkPlan& plan_of(long long stage, long long chunk) {
    return m_plans[static_cast<std::size_t>(stage * m_p.virtual_stages + chunk)];
  }
  bool has_embedding(long long stage, long long chunk) const { return stage == 0 && chunk == 0; }
  bool has_head(long long stage, long long chunk) const {
    return stage == m_p.pp - 1 && chunk == m_p.virtual_stages - 1;
  }

  void plan_units() {
    const Shape& s = m_c.shape;
    const double h = static_cast<double>(s.hidden);
    m_plans.resize(static_cast<std::size_t>(m_p.pp * m_p.virtual_stages));
    const double limit = bucket_params(m_p);
    for (long long st = 0; st < m_p.pp; ++st)
      for (long long ch = 0; ch < m_p.virtual_stages; ++ch) {
        ChunkPlan& plan = plan_of(st, ch);
        // The output layer is on the last stage even when tied (Megatron-LM keeps a copy there).
        if (has_head(st, ch) && (!s.tied_embeddings || m_p.pp > 1 || !has_embedding(st, ch)))
          plan.units.push_back({Unit::Kind::Head, 0, m_r.vocab * h + h, 0, 0, false, false});
        else if (has_head(st, ch))
          plan.units.push_back({Unit::Kind::Head, 0, h, 0, 0, false, false});  // the final norm
        const auto [first, last] = chunk_layers(m_c, st, ch);
        for (long long l = last - 1; l >= first; --l) {
          const auto [dense, expert] = layer_params(l);
          plan.units.push_back({Unit::Kind::Layer, l, dense, expert, 0, false, false});
        }
        if (has_embedding(st, ch))
          plan.units.push_back({Unit::Kind::Embedding, 0,
                                m_r.vocab * h + static_cast<double>(s.position_embeddings) * h, 0, 0, false,
                                false});
        // Buckets: units in backward order until one holds the bucket size (ZeRO-3: one unit each, as FSDP
        // wraps each transformer block).
        double dense = 0, expert = 0;
        for (std::size_t u = 0; u < plan.units.size(); ++u) {
          Unit& unit = plan.units[u];
          if (plan.buckets.empty() || dense >= limit || expert >= limit || m_p.zero == 3) {
            plan.buckets.emplace_back();
            dense = expert = 0;
          }
          unit.bucket = plan.buckets.size() - 1;
          plan.buckets.back().dense += unit.dense;
          plan.buckets.back().expert += unit.expert;
          dense += unit.dense;
          expert += unit.expert;
        }
        for (std::size_t u = 0; u < plan.units.size(); ++u) {
          Unit& unit = plan.units[u];
          unit.last_of_bucket = u + 1 == plan.units.size() || plan.units[u + 1].bucket != unit.bucket;
          unit.first_of_bucket = unit.last_of_bucket;  // forward order is backward order reversed
        }
      }
  }

  std::size_t data_parallel_width() const { return static_cast<std::size_t>(m_p.dp * m_p.cp); }
  std::size_t expert_data_parallel_width() const {
    return static_cast<std::size_t>(m_layout.stage_size() / m_p.ep);
  }

  // Gradient or parameter collectives of `dense` and `expert` parameters per rank on a stage, in its
  // data-parallel stream: each after `after` and the stream's previous ones.
  Frontier bucket_collectives(long long stage, Op op, double dense, double expert, double bytes_per_param,
                              const Frontier& after, Frontier& stream, const std::string& id) {
    Frontier deps = after;
    merge(deps, stream);
    Frontier out;
    if (dense > 0 && data_parallel_width() > 1) {
      const Frontier f = collectives(op, bytes_of(dense * bytes_per_param),
                                     groups_of(Groups::dp_groups, stage), deps, "dp", id + ".dense");
      merge(out, f);
    }
    if (expert > 0 && expert_data_parallel_width() > 1) {
      const Frontier f = collectives(op, bytes_of(expert * bytes_per_param),
                                     groups_of(Groups::edp_groups, stage), deps, "dp", id + ".expert");
      merge(out, f);
    }
    if (!out.empty()) stream = out;
    return out;
  }

  // ZeRO 1 and 2: every bucket's parameters are gathered at the step's start (the update of the step
  // before), one bucket after another in forward order, each stage in its own stream.
  void emit_parameter_gathers() {
    for (long long st = 0; st < m_p.pp; ++st) {
      Frontier stream;
      for (long long ch = 0; ch < m_p.virtual_stages; ++ch) {
        ChunkPlan& plan = plan_of(st, ch);
        for (std::size_t b = plan.buckets.size(); b-- > 0;) {
          Bucket& bucket = plan.buckets[b];
          const Frontier f = bucket_collectives(
              st, Op::AllGather, bucket.dense, bucket.expert, m_c.element_bytes, {}, stream,
              "p" + std::to_string(st) + ".v" + std::to_string(ch) + ".gather.b" + std::to_string(b));
          bucket.gather.push_back(f);
        }
      }
    }
  }

  // ---- one pass of one chunk of one micro-batch on one stage ---------------------------------------------
  struct OpState {
    long long stage, chunk, micro;
    bool forward;
    std::string prefix;  // "p1.v0.m3.F"
    Frontier f;          // what the next step waits for
  };

  // Tensor-parallel collectives of the stage at the current point.
  void tp(OpState& o, Op op, const std::string& what) {
    if (m_p.tp < 2) return;
    o.f = collectives(op, m_r.act_bytes, groups_of(Groups::tp_groups, o.stage), o.f, "tp", o.prefix + what);
  }

  void stage_compute(OpState& o, double flops, double bytes, const std::string& what) {
    const double scale = o.forward ? 1.0 : 2.0;  // backward: the input and the weight gradients
    o.f = {compute(ranks_of(o.stage), scale * flops, scale * bytes, o.f, o.prefix + what)};
  }

  // The attention block's compute, with the context-parallel ring exchange of keys and values beside it.
  void attention_compute(OpState& o, long long l, bool moe) {
    const std::string what = ".L" + std::to_string(l) + ".attn";
    const double scale = o.forward ? 1.0 : 2.0;
    const double flops = m_r.attn_flops + (moe ? m_r.router_flops : 0.0);
    const double bytes = m_r.attn_bytes + (moe ? m_r.router_bytes : 0.0);
    const Frontier before = o.f;
    const int c = compute(ranks_of(o.stage), scale * flops, scale * bytes, before, o.prefix + what);
    o.f = {c};
    m_last_attn = c;
    if (m_p.cp > 1) {
      // Every rank passes cp - 1 chunks on to the next in its ring; backward also the keys' and values'
      // gradients.
      std::vector<std::pair<int, int>> pairs;
      for (const auto& ring : groups_of(Groups::cp_groups, o.stage))
        for (std::size_t i = 0; i < ring.size(); ++i)
          pairs.emplace_back(ring[i], ring[(i + 1) % ring.size()]);
      const std::uint64_t size = static_cast<std::uint64_t>(m_p.cp - 1) * m_r.kv_chunk * (o.forward ? 1 : 2);
      o.f.push_back(traffic(std::move(pairs), size, before, "cp", o.prefix + what + ".cp_ring"));
    }
  }

  // Expert dispatch (or, backward, the combine's gradient): tokens from every rank of an expert-parallel
  // group to the ranks that hold their experts. `to_experts`: towards the experts (dispatch forward, combine
  // backward); else back to the tokens' ranks.
  void all_to_all(OpState& o, bool to_experts, const std::string& what) {
    if (m_p.ep < 2) return;
    const double h = static_cast<double>(m_c.shape.hidden);
    const double per_rank = m_r.routed * static_cast<double>(m_c.shape.top_k) * h * m_c.element_bytes;
    const auto groups = groups_of(Groups::ep_groups, o.stage);
    if (m_c.router_skew == 0.0) {
      // Uniform: an all_to_all of each group (nccl-tests size: what a rank sends in all, its own share too).
      o.f = collectives(Op::AllToAll, bytes_of(per_rank), groups, o.f, "ep", o.prefix + what);
      return;
    }
    // Skewed: one traffic step per expert-parallel index j, its ranks receiving (or sending back) p_j of
    // every other rank's assignments.
    Frontier out;
    for (long long j = 0; j < m_p.ep; ++j) {
      const std::uint64_t size = bytes_of(per_rank * m_share[static_cast<std::size_t>(j)]);
      if (size == 0) continue;
      std::vector<std::pair<int, int>> pairs;
      for (const auto& g : groups)
        for (long long i = 0; i < m_p.ep; ++i) {
          if (i == j) continue;
          const int expert_rank = g[static_cast<std::size_t>(j)];
          const int token_rank = g[static_cast<std::size_t>(i)];
          pairs.emplace_back(to_experts ? token_rank : expert_rank, to_experts ? expert_rank : token_rank);
        }
      out.push_back(traffic(std::move(pairs), size, o.f, "ep", o.prefix + what + ".j" + std::to_string(j)));
    }
    if (!out.empty()) o.f = out;
  }

  // The routed experts' compute: one step per expert-parallel index whose load differs.
  void expert_compute(OpState& o, long long l) {
    const std::string what = ".L" + std::to_string(l) + ".experts";
    const double scale = o.forward ? 1.0 : 2.0;
    const auto groups = groups_of(Groups::ep_groups, o.stage);
    Frontier out;
    std::vector<bool> done(static_cast<std::size_t>(m_p.ep), false);
    for (long long j = 0; j < m_p.ep; ++j) {
      if (done[static_cast<std::size_t>(j)]) continue;
      std::vector<int> ranks;
      for (long long k = j; k < m_p.ep; ++k) {
        if (m_r.expert_tokens[static_cast<std::size_t>(k)] != m_r.expert_tokens[static_cast<std::size_t>(j)])
          continue;
        done[static_cast<std::size_t>(k)] = true;
        for (const auto& g : groups)
          ranks.push_back(g[static_cast<std::size_t>(k)]);
      }
      std::sort(ranks.begin(), ranks.end());
      out.push_back(
          compute(ranks, scale * expert_flops(static_cast<std::size_t>(j)),
                  scale * expert_bytes(static_cast<std::size_t>(j)), o.f,
                  o.prefix + what +
                      (ranks.size() == ranks_of(o.stage).size() ? std::string() : ".j" + std::to_string(j))));
    }
    o.f = out;
  }

  void layer_forward(OpState& o, long long l) {
    const bool moe = m_c.shape.moe_layer(l);
    const std::string L = ".L" + std::to_string(l);
    const bool sp = m_p.sp;
    if (sp) tp(o, Op::AllGather, L + ".attn.tp_ag");
    attention_compute(o, l, moe);
    tp(o, sp ? Op::ReduceScatter : Op::AllReduce, L + (sp ? ".attn.tp_rs" : ".attn.tp_ar"));
    if (moe) {
      all_to_all(o, true, L + ".dispatch");
      expert_compute(o, l);
      all_to_all(o, false, L + ".combine");
      if (m_c.shape.shared_experts > 0) {
        if (sp) tp(o, Op::AllGather, L + ".shared.tp_ag");
        stage_compute(o, m_r.shared_flops, m_r.shared_bytes, L + ".shared");
        tp(o, sp ? Op::ReduceScatter : Op::AllReduce, L + (sp ? ".shared.tp_rs" : ".shared.tp_ar"));
      }
    } else {
      if (sp) tp(o, Op::AllGather, L + ".mlp.tp_ag");
      stage_compute(o, m_r.mlp_flops, m_r.mlp_bytes, L + ".mlp");
      tp(o, sp ? Op::ReduceScatter : Op::AllReduce, L + (sp ? ".mlp.tp_rs" : ".mlp.tp_ar"));
    }
  }

  // Backward: each block in reverse, each collective transposed (an all-gather's gradient is a
  // reduce-scatter and the other way round; the all-reduce of a row-parallel output has the identity as
  // gradient, and the identity at a column-parallel input an all-reduce).
  void layer_backward(OpState& o, long long l) {
    const bool moe = m_c.shape.moe_layer(l);
    const std::string L = ".L" + std::to_string(l);
    const bool sp = m_p.sp;
    if (moe) {
      if (m_c.shape.shared_experts > 0) {
        if (sp) tp(o, Op::AllGather, L + ".shared.tp_ag");
        stage_compute(o, m_r.shared_flops, m_r.shared_bytes, L + ".shared");
        tp(o, sp ? Op::ReduceScatter : Op::AllReduce, L + (sp ? ".shared.tp_rs" : ".shared.tp_ar"));
      }
      all_to_all(o, true, L + ".combine");
      expert_compute(o, l);
      all_to_all(o, false, L + ".dispatch");
    } else {
      if (sp) tp(o, Op::AllGather, L + ".mlp.tp_ag");
      stage_compute(o, m_r.mlp_flops, m_r.mlp_bytes, L + ".mlp");
      tp(o, sp ? Op::ReduceScatter : Op::AllReduce, L + (sp ? ".mlp.tp_rs" : ".mlp.tp_ar"));
    }
    if (sp) tp(o, Op::AllGather, L + ".attn.tp_ag");
    attention_compute(o, l, moe);
    tp(o, sp ? Op::ReduceScatter : Op::AllReduce, L + (sp ? ".attn.tp_rs" : ".attn.tp_ar"));
  }

  // ZeRO-3: a unit's parameters are gathered before each pass over it, the next one's while it runs.
  Frontier zero3_gather(OpState& o, const Unit& u, const Frontier& after, const std::string& name) {
    return bucket_collectives(o.stage, Op::AllGather, u.dense, u.expert, m_c.element_bytes, after,
                              m_zero3_stream[static_cast<std::size_t>(o.stage)], o.prefix + name + ".gather");
  }

  std::string unit_name(const Unit& u) const {
    switch (u.kind) {
      case Unit::Kind::Head:
        return ".head";
      case Unit::Kind::Embedding:
        return ".embedding";
      case Unit::Kind::Layer:
        break;
    }
    return ".L" + std::to_string(u.layer);
  }

  void run_unit(OpState& o, const Unit& u) {
    const bool sp = m_p.sp;
    switch (u.kind) {
      case Unit::Kind::Embedding:
        // The vocabulary-parallel embedding's partial sums: an all-reduce forward (reduce-scatter with
        // sequence parallelism), and backward the reduce-scatter's gradient, an all-gather.
        if (o.forward) {
          tp(o, sp ? Op::ReduceScatter : Op::AllReduce, sp ? ".embedding.tp_rs" : ".embedding.tp_ar");
        } else if (sp) {
          tp(o, Op::AllGather, ".embedding.tp_ag");
        }
        break;
      case Unit::Kind::Head:
        // The output layer is column-parallel over the vocabulary: its input gathered with sequence
        // parallelism; backward the input gradient's reduce-scatter (or all-reduce).
        if (o.forward) {
          if (sp) tp(o, Op::AllGather, ".head.tp_ag");
          stage_compute(o, m_r.head_flops, m_r.head_bytes, ".head");
        } else {
          stage_compute(o, m_r.head_flops, m_r.head_bytes, ".head");
          m_last_attn = o.f.front();
          tp(o, sp ? Op::ReduceScatter : Op::AllReduce, sp ? ".head.tp_rs" : ".head.tp_ar");
        }
        break;
      case Unit::Kind::Layer:
        if (o.forward) {
          layer_forward(o, u.layer);
        } else {
          layer_backward(o, u.layer);
        }
        break;
    }
  }

  // Emits one pass; returns its last steps.
  Frontier emit_pass(long long stage, long long chunk, long long micro, bool forward, const Frontier& entry) {
    OpState o{stage,
              chunk,
              micro,
              forward,
              "p" + std::to_string(stage) + ".v" + std::to_string(chunk) + ".m" + std::to_string(micro) +
                  (forward ? ".F" : ".B"),
              entry};
    ChunkPlan& plan = plan_of(stage, chunk);
    const std::vector<Unit>& units = plan.units;
    const bool zero3 = m_p.zero == 3;
    const bool last_micro = micro == m_c.micro_batches() - 1;
    Frontier& stream = m_grad_stream[static_cast<std::size_t>(stage)];
    const std::size_t n = units.size();
    Frontier next_gather;
    for (std::size_t k = 0; k < n; ++k) {
      // Forward walks the units from the embedding to the output layer, backward the other way.
      const Unit& u = forward ? units[n - 1 - k] : units[k];
      if (zero3) {
        if (k == 0) next_gather = zero3_gather(o, u, o.f, unit_name(u));
        const Frontier mine = next_gather;
        if (k + 1 < n) {
          const Unit& after = forward ? units[n - 2 - k] : units[k + 1];
          next_gather = zero3_gather(o, after, o.f, unit_name(after));
        }
        merge(o.f, mine);
      } else if (forward && micro == 0 && u.first_of_bucket && !plan.buckets[u.bucket].gather.empty()) {
        merge(o.f, plan.buckets[u.bucket].gather.front());
      }
      m_last_attn = -1;
      run_unit(o, u);
      if (forward || !u.last_of_bucket) continue;
      // Backward: once its bucket's gradients are complete, they are reduced (ZeRO 0 and 1: in the last
      // micro-batch only, gradients accumulating before; ZeRO 2 and 3: every micro-batch).
      if (!(last_micro || m_p.zero >= 2)) continue;
      const Frontier ready = m_last_attn >= 0 ? Frontier{m_last_attn} : o.f;
      const Bucket& b = plan.buckets[u.bucket];
      bucket_collectives(stage, m_p.zero == 0 ? Op::AllReduce : Op::ReduceScatter, b.dense, b.expert,
                         m_c.gradient_bytes, ready, stream, o.prefix + unit_name(u) + ".grads");
    }
    return o.f;
  }

  // ---- the pipeline --------------------------------------------------------------------------------------
  // Estimated time of a pass (in FLOPs of one rank), to order the emission only.
  double pass_cost(long long stage, long long chunk, bool forward) const {
    const auto [first, last] = chunk_layers(m_c, stage, chunk);
    double flops = 0;
    for (long long l = first; l < last; ++l) {
      flops += m_r.attn_flops;
      if (m_c.shape.moe_layer(l)) {
        flops += m_r.router_flops + m_r.shared_flops;
        double most = 0;
        for (std::size_t j = 0; j < m_r.expert_tokens.size(); ++j)
          most = std::max(most, expert_flops(j));
        flops += most;
      } else {
        flops += m_r.mlp_flops;
      }
    }
    if (has_head(stage, chunk)) flops += m_r.head_flops;
    return forward ? flops : 2.0 * flops;
  }

  // Where a pass's output goes (forward: activations; backward: their gradients), or (-1, -1).
  std::pair<long long, long long> consumer(long long stage, long long chunk, bool forward) const {
    const long long v = m_p.virtual_stages;
    if (forward) {
      if (stage + 1 < m_p.pp) return {stage + 1, chunk};
      if (chunk + 1 < v) return {0, chunk + 1};
      return {-1, -1};
    }
    if (stage > 0) return {stage - 1, chunk};
    if (chunk > 0) return {m_p.pp - 1, chunk - 1};
    return {-1, -1};
  }
  std::pair<long long, long long> producer(long long stage, long long chunk, bool forward) const {
    const long long v = m_p.virtual_stages;
    if (forward) {
      if (stage > 0) return {stage - 1, chunk};
      if (chunk > 0) return {m_p.pp - 1, chunk - 1};
      return {-1, -1};
    }
    if (stage + 1 < m_p.pp) return {stage + 1, chunk};
    if (chunk + 1 < v) return {0, chunk + 1};
    return {-1, -1};
  }

  void emit_pipeline() {
    const long long stages = m_p.pp;
    const long long micro = m_c.micro_batches();
    m_grad_stream.assign(static_cast<std::size_t>(stages), {});
    m_zero3_stream.assign(static_cast<std::size_t>(stages), {});
    std::vector<std::vector<PipeOp>> order;
    for (long long s = 0; s < stages; ++s)
      order.push_back(pipeline_order(m_p.schedule, stages, s, micro, m_p.virtual_stages));
    std::vector<std::size_t> next(static_cast<std::size_t>(stages), 0);
    std::vector<double> clock(static_cast<std::size_t>(stages), 0.0);
    m_stage_end.assign(static_cast<std::size_t>(stages), {});
    struct Output {
      Frontier last;
      double at;
    };
    // Outputs produced and not yet consumed: (forward, micro, chunk of the consumer, consumer stage).
    std::map<std::tuple<bool, long long, long long, long long>, Output> produced;
    for (;;) {
      long long best = -1;
      double best_start = 0;
      for (long long s = 0; s < stages; ++s) {
        const auto i = static_cast<std::size_t>(s);
        if (next[i] == order[i].size()) continue;
        const PipeOp& op = order[i][next[i]];
        double start = clock[i];
        if (producer(s, op.chunk, op.forward).first >= 0) {
          const auto it = produced.find({op.forward, op.micro, op.chunk, s});
          if (it == produced.end()) continue;
          start = std::max(start, it->second.at);
        }
        if (best < 0 || start < best_start) {
          best = s;
          best_start = start;
        }
      }
      if (best < 0) break;
      const auto i = static_cast<std::size_t>(best);
      const PipeOp op = order[i][next[i]++];
      Frontier entry = m_stage_end[i];
      const auto [from_stage, from_chunk] = producer(best, op.chunk, op.forward);
      if (from_stage >= 0) {
        const auto it = produced.find({op.forward, op.micro, op.chunk, best});
        // The pipeline message: every rank of the producing stage to the rank of this stage at its place.
        std::vector<std::pair<int, int>> pairs;
        const std::vector<int> src = ranks_of(from_stage);
        const std::vector<int> dst = ranks_of(best);
        for (std::size_t k = 0; k < src.size(); ++k)
          pairs.emplace_back(src[k], dst[k]);
        Frontier after = it->second.last;
        merge(after, entry);
        const std::string id = "p" + std::to_string(from_stage) + "-p" + std::to_string(best) + ".v" +
                               std::to_string(op.chunk) + ".m" + std::to_string(op.micro) +
                               (op.forward ? ".activations" : ".gradients");
        entry.push_back(traffic(std::move(pairs), m_r.pipe_bytes, after, "pp", id));
        produced.erase(it);
      }
      const Frontier last = emit_pass(best, op.chunk, op.micro, op.forward, entry);
      m_stage_end[i] = last;
      clock[i] = best_start + pass_cost(best, op.chunk, op.forward);
      const auto [to_stage, to_chunk] = consumer(best, op.chunk, op.forward);
      if (to_stage >= 0) produced[{op.forward, op.micro, to_chunk, to_stage}] = Output{last, clock[i]};
    }
    for (long long s = 0; s < stages; ++s)
      if (next[static_cast<std::size_t>(s)] != order[static_cast<std::size_t>(s)].size())
        throw std::logic_error("model: the pipeline schedule of stage " + std::to_string(s) +
                               " cannot proceed");
  }

  // After the last pass: the tied embeddings' gradients between the first and the last stage, then each
  // stage's optimizer update.
  void emit_epilogue() {
    const Shape& s = m_c.shape;
    const long long last = m_p.pp - 1;
    Frontier tie;
    if (s.tied_embeddings && m_p.pp > 1) {
      std::vector<std::vector<int>> pairs;
      const std::vector<int> first_ranks = ranks_of(0);
      const std::vector<int> last_ranks = ranks_of(last);
      for (std::size_t k = 0; k < first_ranks.size(); ++k)
        pairs.push_back({first_ranks[k], last_ranks[k]});
      Frontier after = m_stage_end[0];
      merge(after, m_stage_end[static_cast<std::size_t>(last)]);
      merge(after, m_grad_stream[0]);
      merge(after, m_grad_stream[static_cast<std::size_t>(last)]);
      tie =
          collectives(Op::AllReduce, bytes_of(m_r.vocab * static_cast<double>(s.hidden) * m_c.gradient_bytes),
                      pairs, after, "dp", "embedding.tied_grads");
    }
    for (long long st = 0; st < m_p.pp; ++st) {
      const auto i = static_cast<std::size_t>(st);
      double dense = 0, expert = 0;
      for (long long ch = 0; ch < m_p.virtual_stages; ++ch)
        for (const Unit& u : plan_of(st, ch).units) {
          dense += u.dense;
          expert += u.expert;
        }
      // Adam with fp32 master weights and moments over the parameters a rank owns (ZeRO 1 and above: its
      // shard): about 10 FLOP a parameter; it reads the gradient, the master weight and both moments,
      // writes the three, and writes the parameter at the workload's precision.
      const double owned = m_p.zero >= 1 ? dense / static_cast<double>(data_parallel_width()) +
                                               expert / static_cast<double>(expert_data_parallel_width())
                                         : dense + expert;
      const double bytes = owned * (m_c.gradient_bytes + 24.0 + m_c.element_bytes);
      Frontier after = m_stage_end[i];
      merge(after, m_grad_stream[i]);
      if (st == 0 || st == last) merge(after, tie);
      compute(ranks_of(st), 10.0 * owned, bytes, after, "p" + std::to_string(st) + ".optimizer", false);
    }
  }

  const Config& m_c;
  const Parallelism& m_p;
  Layout m_layout;
  bool m_count_only;
  std::vector<std::vector<std::vector<std::vector<int>>>> m_groups;  // per stage and Groups
  std::size_t m_count = 0;                                           // steps made (or counted)
  std::size_t m_step_ranks = 0;                                      // their ranks, summed
  PerRank m_r;
  std::vector<double> m_share;  // per expert-parallel index: its share of routed assignments
  std::vector<ChunkPlan> m_plans;
  std::vector<Step> m_steps;
  double m_model_flops = 0;
  int m_last_attn = -1;                  // the last attention (or output layer) compute of a unit's backward
  std::vector<Frontier> m_grad_stream;   // per stage: the last gradient collectives
  std::vector<Frontier> m_zero3_stream;  // per stage: the last ZeRO-3 parameter gathers
  std::vector<Frontier> m_stage_end;     // per stage: the last steps of its last pass
};

}  // namespace

Generated generate(const Config& c) {
  Generator(c, true).run();
  return Generator(c, false).run();
}

}  // namespace pjbit::workloads::model
