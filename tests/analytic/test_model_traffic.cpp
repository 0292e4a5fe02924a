// Model-driven workloads against their closed forms (workloads/model/model.md): the generated traffic per
// parallelism dimension (tensor: 2 x micro x sequence x hidden x bytes per layer and micro-batch each way;
// data: parameters x gradient bytes / (tp x pp) per group; pipeline: a rank's activations per micro-batch;
// expert: the routed tokens' share per destination; context: the keys and values of the ring; ZeRO-3: each
// layer's parameters gathered twice and its gradients scattered once per micro-batch) and the compute FLOPs
// against 6 x parameters x tokens plus the attention term.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "core/yaml_support.h"
#include "workloads/model/model.h"

namespace pjbit {
namespace {
namespace test_model_traffic {

using workloads::Op;
using workloads::Step;
namespace model = workloads::model;

model::Config config_of(const std::string& block) {
  const std::string text = "name: m\nmodel:\n" + block;
  const core::YamlDoc doc("m.yaml", core::parse_yaml_mapping(text, "m.yaml"));
  const core::MapReader top(doc, doc.root(), "", {"name", "model"});
  return model::read_model(doc, top);
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}
bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// Bytes (nccl-tests sizes) and counts of the collectives of dimension `dim` whose keys contain `part`, by op.
struct Tally {
  std::map<Op, double> bytes;
  std::map<Op, int> count;
};
Tally collectives(const std::vector<Step>& steps, const std::string& dim, const std::string& part = "") {
  Tally t;
  for (const Step& s : steps) {
    if (s.kind != Step::Kind::Collective || s.dim != dim || !contains(s.key, part)) continue;
    t.bytes[s.collective.op] += static_cast<double>(s.collective.size_bytes);
    t.count[s.collective.op] += 1;
  }
  return t;
}

const std::string kDense =
    "  layers: 4\n  hidden: 1024\n  heads: 16\n  kv_heads: 4\n  ffn: 4096\n  vocab: 32000\n"
    "  sequence: 2048\n  micro_batch: 2\n  global_batch: 32\n";

TEST(ModelTraffic, TensorParallelAllReducePerLayerAndMicroBatch) {
  // Without sequence parallelism: per layer and micro-batch, two all-reduces of micro x sequence x hidden x
  // bytes forward (after attention and after the MLP) and two backward (their inputs' gradients).
  const model::Config c = config_of(kDense + "  parallelism: { tp: 4, pp: 2, dp: 2 }\n");
  const auto g = model::generate(c);
  const double S = 2.0 * 2048 * 1024 * 2;
  for (const char* pass : {".F.", ".B."}) {
    SCOPED_TRACE(pass);
    const Tally t = collectives(g.steps, "tp", std::string("model.p0.v0.m3") + pass + "L1.");
    EXPECT_EQ(t.count.at(Op::AllReduce), 2 * 2);  // two per group, two groups (dp 2)
    EXPECT_DOUBLE_EQ(t.bytes.at(Op::AllReduce) / 2, 2 * S);
    EXPECT_EQ(t.count.size(), 1u);
  }
  // In all: 2 per layer, pass and micro-batch in each of a stage's dp groups, plus the embedding's forward
  // and the output layer's backward.
  const Tally all = collectives(g.steps, "tp");
  const int micro = 32 / (2 * 2);
  EXPECT_EQ(all.count.at(Op::AllReduce), (4 * 2 * 2 * micro + 2 * micro) * 2);
  for (const Step& s : g.steps)
    if (s.dim == "tp") {
      EXPECT_EQ(s.collective.ranks.size(), 4u);
    }
}

TEST(ModelTraffic, SequenceParallelismTradesEachAllReduceForAnAllGatherAndAReduceScatter) {
  const model::Config c = config_of(kDense + "  parallelism: { tp: 4, pp: 2, dp: 2, sp: true }\n");
  const auto g = model::generate(c);
  const double S = 2.0 * 2048 * 1024 * 2;
  for (const char* pass : {".F.", ".B."}) {
    SCOPED_TRACE(pass);
    const Tally t = collectives(g.steps, "tp", std::string("model.p1.v0.m0") + pass + "L3.");
    EXPECT_EQ(t.count.at(Op::AllGather), 2 * 2);
    EXPECT_EQ(t.count.at(Op::ReduceScatter), 2 * 2);
    EXPECT_EQ(t.count.count(Op::AllReduce), 0u);
    // The same bytes as the all-reduces: each all-gather and reduce-scatter of the whole tensor.
    EXPECT_DOUBLE_EQ(t.bytes.at(Op::AllGather) / 2, 2 * S);
    EXPECT_DOUBLE_EQ(t.bytes.at(Op::ReduceScatter) / 2, 2 * S);
  }
}

// Parameters per rank summed over every rank of a data-parallel index: tensor-parallel shards add up to the
// model, and what tensor parallelism replicates (norms, learned positions) counts once per tp rank.
double sharded_sum(const model::Config& c) {
  const model::Params p = model::params_of(c.shape);
  const double replicated = static_cast<double>(c.shape.layers) * p.norms + p.final_norm + p.positions;
  return p.total + static_cast<double>(c.par.tp - 1) * replicated;
}

TEST(ModelTraffic, DataParallelGradientsAreTheParametersOverTpTimesPp) {
  for (int zero : {0, 1}) {
    SCOPED_TRACE(zero);
    const model::Config c =
        config_of(kDense + "  parallelism: { tp: 4, pp: 2, dp: 2, zero: " + std::to_string(zero) + " }\n");
    const auto g = model::generate(c);
    const Op op = zero == 0 ? Op::AllReduce : Op::ReduceScatter;
    const Tally grads = collectives(g.steps, "dp", ".grads");
    // One collective per bucket and per data-parallel group (tp x pp groups), in fp32.
    EXPECT_DOUBLE_EQ(grads.bytes.at(op), 4.0 * sharded_sum(c));
    const double per_group = grads.bytes.at(op) / (4 * 2);
    EXPECT_NEAR(per_group / (4.0 * model::params_of(c.shape).total / (4 * 2)), 1.0, 0.002);
    // Reduced once, in the last micro-batch's backward, overlapped with it.
    for (const Step& s : g.steps)
      if (s.dim == "dp" && contains(s.key, ".grads")) {
        EXPECT_TRUE(contains(s.key, ".m7.B.")) << s.key;
      }
    // ZeRO 1 gathers the updated parameters (bf16) at the step's start.
    const Tally gathers = collectives(g.steps, "dp", ".gather");
    if (zero == 1) {
      EXPECT_DOUBLE_EQ(gathers.bytes.at(Op::AllGather), 2.0 * sharded_sum(c));
    } else {
      EXPECT_TRUE(gathers.bytes.empty());
    }
  }
}

TEST(ModelTraffic, ZeroThreeGathersEachLayerTwiceAndScattersItsGradientsOncePerMicroBatch) {
  const model::Config c = config_of(kDense + "  parallelism: { tp: 1, pp: 1, dp: 4, zero: fsdp }\n");
  EXPECT_EQ(c.par.zero, 3);
  const auto g = model::generate(c);
  const model::Params p = model::params_of(c.shape);
  const double layer = p.attention + p.norms + p.dense_mlp;
  const long long micro = 32 / (2 * 4);
  for (long long m = 0; m < micro; ++m) {
    const std::string prefix = "model.p0.v0.m" + std::to_string(m);
    EXPECT_DOUBLE_EQ(collectives(g.steps, "dp", prefix + ".F.L2.gather").bytes.at(Op::AllGather), 2 * layer);
    EXPECT_DOUBLE_EQ(collectives(g.steps, "dp", prefix + ".B.L2.gather").bytes.at(Op::AllGather), 2 * layer);
    EXPECT_DOUBLE_EQ(collectives(g.steps, "dp", prefix + ".B.L2.grads").bytes.at(Op::ReduceScatter),
                     4 * layer);
  }
  // Every unit (embedding, 4 layers, output layer) twice gathered and once scattered per micro-batch.
  const Tally all = collectives(g.steps, "dp");
  EXPECT_EQ(all.count.at(Op::AllGather), 2 * 6 * micro);
  EXPECT_EQ(all.count.at(Op::ReduceScatter), 6 * micro);
  EXPECT_DOUBLE_EQ(all.bytes.at(Op::AllGather), 2.0 * micro * 2 * p.total);
  EXPECT_DOUBLE_EQ(all.bytes.at(Op::ReduceScatter), 4.0 * micro * p.total);
}

TEST(ModelTraffic, PipelineSendsEachRanksActivationsAndGradients) {
  for (const bool sp : {false, true}) {
    SCOPED_TRACE(sp);
    const model::Config c =
        config_of(kDense + "  parallelism: { tp: 4, pp: 2, dp: 2, sp: " + (sp ? "true" : "false") + " }\n");
    const auto g = model::generate(c);
    int activations = 0, gradients = 0;
    for (const Step& s : g.steps) {
      if (s.dim != "pp") continue;
      ASSERT_EQ(s.kind, Step::Kind::Traffic);
      // Each rank of stage 0 to its place in stage 1 (or back): micro x sequence x hidden x bytes, split
      // over tp with sequence parallelism.
      EXPECT_EQ(s.traffic.size_bytes, static_cast<std::uint64_t>(2 * 2048 * 1024 * 2 / (sp ? 4 : 1)));
      EXPECT_EQ(s.traffic.pairs.size(), 8u);
      EXPECT_EQ(s.traffic.messages, 8u);
      for (const auto& [from, to] : s.traffic.pairs)
        EXPECT_EQ(std::abs(to - from), 8);
      (contains(s.key, "activations") ? activations : gradients) += 1;
    }
    EXPECT_EQ(activations, 8);  // one per micro-batch and stage boundary
    EXPECT_EQ(gradients, 8);
  }
  // Interleaved: pp x virtual_stages - 1 boundaries per micro-batch and direction.
  const model::Config c = config_of(
      "  layers: 8\n  hidden: 256\n  heads: 8\n  ffn: 512\n  vocab: 512\n  sequence: 256\n  global_batch: 8\n"
      "  parallelism: { pp: 2, dp: 2, schedule: interleaved, virtual_stages: 2 }\n");
  int sends = 0;
  for (const Step& s : model::generate(c).steps)
    sends += s.dim == "pp" ? 1 : 0;
  EXPECT_EQ(sends, 4 * (2 * 2 - 1) * 2);
}

const std::string kMoe =
    "  layers: 2\n  hidden: 512\n  heads: 8\n  ffn: 1024\n  vocab: 1000\n  experts: 8\n  top_k: 2\n"
    "  sequence: 1024\n  global_batch: 16\n";

TEST(ModelTraffic, ExpertDispatchIsAnAllToAllWhenTheRouterIsUniform) {
  const model::Config c = config_of(kMoe + "  parallelism: { dp: 8, ep: 4 }\n");
  const auto g = model::generate(c);
  // Each rank sends its 1024 tokens x top_k 2 x hidden 512 x 2 bytes, a quarter to each rank of its group.
  const Tally t = collectives(g.steps, "ep", "model.p0.v0.m0.F.L1.");
  EXPECT_EQ(t.count.at(Op::AllToAll), 2 * 2);  // dispatch and combine, two groups of 4
  EXPECT_DOUBLE_EQ(t.bytes.at(Op::AllToAll), 4 * 1024.0 * 2 * 512 * 2);
  for (const Step& s : g.steps)
    if (s.dim == "ep") {
      EXPECT_EQ(s.collective.ranks.size(), 4u);
      EXPECT_EQ(s.collective.ranks[1] - s.collective.ranks[0], 1);  // consecutive ranks (tp 1)
    }
  // Expert gradients over the ranks that hold the same experts (8 / 4 = 2 of them), dense ones over all 8.
  for (const Step& s : g.steps)
    if (s.dim == "dp") {
      EXPECT_EQ(s.collective.ranks.size(), contains(s.key, ".expert") ? 2u : 8u) << s.key;
    }
}

TEST(ModelTraffic, ExpertDispatchFollowsTheRouterSkew) {
  const model::Config c = config_of(kMoe + "  parallelism: { dp: 8, ep: 4 }\n  router_skew: 1.5\n");
  const auto g = model::generate(c);
  const auto shares = model::expert_shares(8, 2, 1.5);
  const double per_rank = 1024.0 * 2 * 512 * 2;  // tokens x top_k x hidden x bytes a rank routes
  double total = 0;
  int steps = 0;
  for (const Step& s : g.steps) {
    if (s.dim != "ep" || !starts_with(s.key, "model.p0.v0.m0.F.L0.dispatch")) continue;
    ASSERT_EQ(s.kind, Step::Kind::Traffic);
    // Destination index j (ranks 4g + j) holds experts 2j and 2j + 1: it gets p_2j + p_2j+1 of every other
    // rank's assignments.
    const int j = s.traffic.pairs.front().second % 4;
    const double p = shares[static_cast<std::size_t>(2 * j)] + shares[static_cast<std::size_t>(2 * j + 1)];
    EXPECT_EQ(s.traffic.size_bytes, static_cast<std::uint64_t>(std::llround(per_rank * p)));
    EXPECT_EQ(s.traffic.pairs.size(), 2u * 3u);  // two groups, three other ranks each
    for (const auto& [from, to] : s.traffic.pairs) {
      EXPECT_EQ(to % 4, j);
      EXPECT_EQ(from / 4, to / 4);
    }
    total += static_cast<double>(s.traffic.size_bytes * s.traffic.pairs.size());
    ++steps;
  }
  EXPECT_EQ(steps, 4);
  // The skew moves bytes between destinations, not their sum: (ep - 1) x what a rank routes, per group.
  EXPECT_NEAR(total, 2 * 3 * per_rank, 2 * 4 * 3);
  // Expert compute follows the load: index j's ranks run 2 x ep x tokens x top_k x p_j x 3 x hidden x ffn.
  for (const Step& s : g.steps) {
    if (!starts_with(s.key, "model.p0.v0.m0.F.L0.experts")) continue;
    const int j = s.compute.ranks.front() % 4;
    const double p = shares[static_cast<std::size_t>(2 * j)] + shares[static_cast<std::size_t>(2 * j + 1)];
    EXPECT_NEAR(s.compute.work_flop * c.efficiency, 2.0 * 4 * 1024 * 2 * p * 3 * 512 * 1024, 1.0);
  }
}

TEST(ModelTraffic, ContextParallelRingPassesKeysAndValues) {
  const model::Config c = config_of(kDense + "  parallelism: { tp: 2, pp: 1, dp: 1, cp: 4, sp: true }\n");
  const auto g = model::generate(c);
  // A rank's chunk: micro 2 x sequence / cp 512 tokens x its 2 key-value heads x (64 + 64) x 2 bytes; it
  // passes cp - 1 of them on forward, and the keys' and values' gradients as well backward.
  const double chunk = 2.0 * 512 * 2 * 128 * 2;
  int seen = 0;
  for (const Step& s : g.steps) {
    if (s.dim != "cp") continue;
    ASSERT_EQ(s.kind, Step::Kind::Traffic);
    const bool forward = contains(s.key, ".F.");
    EXPECT_EQ(s.traffic.size_bytes, static_cast<std::uint64_t>(3 * chunk * (forward ? 1 : 2)));
    EXPECT_EQ(s.traffic.pairs.size(), 8u);  // every rank to its successor in its ring of 4 (tp 2 rings)
    for (const auto& [from, to] : s.traffic.pairs)
      EXPECT_EQ((to - from + 8) % 8, 2);
    ++seen;
  }
  EXPECT_EQ(seen, 4 * 2 * 16);  // per layer, pass and micro-batch
  // Each tensor-parallel collective holds the rank's share of the sequence: micro x sequence / cp x hidden.
  for (const Step& s : g.steps)
    if (s.dim == "tp") {
      EXPECT_EQ(s.collective.size_bytes, static_cast<std::uint64_t>(2 * 512 * 1024 * 2));
    }
}

TEST(ModelTraffic, TiedEmbeddingsReduceTheirGradientsBetweenTheFirstAndTheLastStage) {
  const model::Config c = config_of(
      "  layers: 4\n  hidden: 256\n  heads: 8\n  ffn: 1024\n  vocab: 1000\n  tied_embeddings: true\n"
      "  position_embeddings: 512\n  sequence: 512\n  global_batch: 4\n  activation: gelu\n"
      "  parallelism: { tp: 2, pp: 4 }\n");
  const auto g = model::generate(c);
  int seen = 0;
  for (const Step& s : g.steps) {
    if (!starts_with(s.key, "model.embedding.tied_grads")) continue;
    EXPECT_EQ(s.dim, "dp");
    EXPECT_EQ(s.collective.op, Op::AllReduce);
    EXPECT_EQ(s.collective.size_bytes, 500u * 256 * 4);  // vocab / tp x hidden x fp32
    ASSERT_EQ(s.collective.ranks.size(), 2u);
    EXPECT_EQ(s.collective.ranks[1] - s.collective.ranks[0], 6);  // rank t of stage 0 and of stage 3
    ++seen;
  }
  EXPECT_EQ(seen, 2);
}

// Compute: the FLOPs of every compute step over every rank, against the model FLOPs.
TEST(ModelFlops, AreSixTimesParametersTimesTokensPlusTheAttentionTerm) {
  // Exactly, for a dense model whose heads, key-value heads and vocabulary split evenly.
  const model::Config dense = config_of(kDense + "  parallelism: { tp: 4, pp: 2, dp: 2, sp: true }\n");
  const double tokens = 32.0 * 2048;
  const model::Params p = model::params_of(dense.shape);
  const double attention = 6.0 * 4 * 32 * 2048.0 * 2048 * 16 * (64 + 64);
  EXPECT_DOUBLE_EQ(model::attention_flops(dense), attention);
  EXPECT_DOUBLE_EQ(model::model_flops(dense), 6 * p.flop_params * tokens + attention);
  EXPECT_NEAR(model::generate(dense).compute_flops / model::model_flops(dense), 1.0, 1e-12);

  // Within 1% for the shipped shapes in their shipped layouts (replicated key-value heads, padded
  // vocabularies and MLA's replicated down-projections add a little).
  const std::vector<std::string> blocks = {
      "  preset: llama3-8b\n  sequence: 8192\n  global_batch: 16\n  parallelism: { tp: 1, dp: 4, cp: 2 }\n",
      "  preset: llama3-70b\n  sequence: 8192\n  global_batch: 8\n"
      "  parallelism: { tp: 8, pp: 2, dp: 4, sp: true, zero: 1 }\n",
      "  preset: gpt3-175b\n  sequence: 2048\n  global_batch: 16\n"
      "  parallelism: { tp: 4, pp: 8, dp: 2, sp: true, schedule: interleaved, virtual_stages: 3 }\n",
      "  preset: mixtral-8x7b\n  sequence: 4096\n  global_batch: 32\n  router_skew: 1\n"
      "  parallelism: { tp: 1, pp: 4, dp: 16, ep: 8 }\n",
      "  preset: deepseek-v3-class\n  sequence: 4096\n  global_batch: 16\n  router_skew: 0.5\n"
      "  parallelism: { pp: 4, dp: 16, ep: 16, first_stage_layers: 16 }\n",
      "  preset: llama3-405b\n  sequence: 8192\n  global_batch: 8\n"
      "  parallelism: { tp: 8, pp: 8, sp: true, first_stage_layers: 15, last_stage_layers: 15 }\n"};
  for (const std::string& b : blocks) {
    SCOPED_TRACE(b);
    const model::Config c = config_of(b);
    EXPECT_NEAR(model::generate(c).compute_flops / model::model_flops(c), 1.0, 0.01);
  }
}

TEST(ModelFlops, TheAttentionTermCountsQueryKeyAndValueHeadDimensions) {
  // MLA: 128 heads of query-key 192 (128 + 64 rotary) and value 128.
  const model::Config c = config_of(
      "  preset: deepseek-v3-class\n  sequence: 4096\n  global_batch: 4\n  parallelism: { dp: 4 }\n");
  EXPECT_DOUBLE_EQ(model::attention_flops(c), 6.0 * 61 * 4 * 4096.0 * 4096 * 128 * (192 + 128));
}

}  // namespace test_model_traffic
}  // namespace
}  // namespace pjbit
