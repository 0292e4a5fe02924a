// Model-driven workloads (workloads/model/, CONTRACT section 8): the shipped presets and their parameter
// counts against the published ones, the model block's checks (each bad value one error naming its key), the
// pipeline schedules, the experts' shares and the generated graph's structure.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "core/errors.h"
#include "workloads/loader.h"
#include "workloads/model/model.h"

namespace pjbit {
namespace {
namespace test_model {

using core::InputError;
using workloads::Step;
using workloads::WorkloadSpec;
namespace model = workloads::model;

// A small dense model: 4 layers, tp 2 x pp 2 x dp 2 = 8 ranks, 4 micro-batches per replica.
const std::string kSmall =
    "name: small\n"                                        // 1
    "model:\n"                                             // 2
    "  layers: 4\n"                                        // 3
    "  hidden: 256\n"                                      // 4
    "  heads: 8\n"                                         // 5
    "  kv_heads: 2\n"                                      // 6
    "  ffn: 1024\n"                                        // 7
    "  vocab: 1000\n"                                      // 8
    "  sequence: 512\n"                                    // 9
    "  global_batch: 8\n"                                  // 10
    "  micro_batch: 1\n"                                   // 11
    "  parallelism: { tp: 2, pp: 2, dp: 2, sp: true }\n";  // 12

std::string replace_line(const std::string& text, int line, const std::string& replacement) {
  std::string out;
  int n = 1;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    const std::string current = text.substr(start, end - start);
    out += (n == line ? replacement : current) + "\n";
    start = end + 1;
    ++n;
  }
  return out;
}

std::string error_of(const std::string& text) {
  try {
    workloads::parse_workload(text, "m.yaml");
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return {};
}

TEST(ModelPresets, EveryPresetLoadsAndCountsItsPublishedParameters) {
  // Published totals: Llama 3 (8.03B, 70.6B, 405.9B: the released models' model cards), GPT-3 175B (Brown
  // et al. 2020, Table 2.1), Mixtral 8x7B (46.7B total, 12.9B active: Jiang et al. 2024, section 2.1),
  // DeepSeek-V3 (671B total, 37B active: its technical report, without the 14B multi-token module).
  struct Expected {
    const char* name;
    double total;
    double active;
  };
  const Expected expected[] = {{"llama3-8b", 8.03e9, 8.03e9},     {"llama3-70b", 70.6e9, 70.6e9},
                               {"llama3-405b", 405.9e9, 405.9e9}, {"gpt3-175b", 175.0e9, 175.0e9},
                               {"mixtral-8x7b", 46.7e9, 12.9e9},  {"deepseek-v3-class", 671e9, 37e9}};
  const std::vector<std::string> names = model::preset_names();
  EXPECT_EQ(names.size(), std::size(expected));
  for (const Expected& e : expected) {
    SCOPED_TRACE(e.name);
    const model::Shape* s = model::find_preset(e.name);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->name, e.name);
    const model::Params p = model::params_of(*s);
    EXPECT_NEAR(p.total / e.total, 1.0, 0.01);
    EXPECT_NEAR(p.active / e.active, 1.0, 0.015);
  }
  EXPECT_EQ(model::find_preset("llama3-7b"), nullptr);
}

TEST(ModelPresets, Llama70bCountsExactly) {
  // 80 x (attention 2 x 8192 x 64 x 128 + 2 x 8192 x 8 x 128, SwiGLU 3 x 8192 x 28672, norms 2 x 8192) plus
  // embedding and output 2 x 128256 x 8192 and the final norm.
  const model::Params p = model::params_of(*model::find_preset("llama3-70b"));
  const double layer = 2.0 * 8192 * 64 * 128 + 2.0 * 8192 * 8 * 128 + 3.0 * 8192 * 28672 + 2.0 * 8192;
  EXPECT_DOUBLE_EQ(p.total, 80 * layer + 2.0 * 128256 * 8192 + 8192);
  EXPECT_DOUBLE_EQ(p.flop_params, 80 * (layer - 2.0 * 8192) + 128256.0 * 8192);
}

TEST(ModelBlock, ReadsThePresetAndOverridesItsShape) {
  const std::string text =
      "name: l\nmodel:\n  preset: llama3-8b\n  layers: 16\n  sequence: 4096\n  global_batch: 16\n"
      "  parallelism: { tp: 2, dp: 2 }\n";
  const WorkloadSpec w = workloads::parse_workload(text, "m.yaml");
  EXPECT_TRUE(w.graph);
  ASSERT_TRUE(w.model.on);
  EXPECT_EQ(w.model.name, "llama3-8b");
  EXPECT_EQ(w.model.ranks, 4);
  EXPECT_FALSE(w.model.ranks_given);
  EXPECT_EQ(w.model.ranks_formula, "tp x pp x dp x cp = 2 x 1 x 2 x 1 = 4");
  EXPECT_DOUBLE_EQ(w.model.tokens_per_iteration, 16.0 * 4096);
  const model::Params p = model::params_of(*model::find_preset("llama3-8b"));
  // 16 layers instead of 32: the parameters are the preset's less 16 layers'.
  const double layer = 2.0 * 4096 * 32 * 128 + 2.0 * 4096 * 8 * 128 + 3.0 * 4096 * 14336 + 2.0 * 4096;
  EXPECT_DOUBLE_EQ(w.model.parameters, p.total - 16 * layer);
}

TEST(ModelBlock, EachBadValueIsOneErrorNamingItsKey) {
  struct Case {
    int line;
    std::string replacement;
    std::string error;
  };
  const std::vector<Case> cases = {
      {12, "  parallelism: { tp: 2, pp: 2, dp: 2, sp: true }\n  ranks: 16",
       "m.yaml:12:16: model.parallelism: tp x pp x dp x cp = 2 x 2 x 2 x 1 = 8; expected it to equal the "
       "ranks "
       "used (ranks: 16)"},
      {12, "  parallelism: { tp: 2, pp: 2, dp: 2, ep: 3 }",
       "m.yaml:12:43: model.parallelism.ep: expert parallelism needs an MoE model (experts)"},
      {12, "  parallelism: { tp: 2, pp: 3, dp: 2 }",
       "m.yaml:12:29: model.parallelism.pp: layers (4) must be divisible by pp x virtual_stages = 3 x 1 = 3"},
      {12, "  parallelism: { tp: 3, pp: 2, dp: 2 }",
       "m.yaml:12:22: model.parallelism.tp: expected a divisor of heads (8), got 3"},
      {6, "  kv_heads: 3", "m.yaml:6:13: model.kv_heads: expected a divisor of heads (8), got 3"},
      {10, "  global_batch: 7",
       "m.yaml:10:17: model.global_batch: expected a multiple of micro_batch x dp = 1 x 2 = 2, got 7"},
      {12, "  parallelism: { tp: 2, pp: 2, dp: 2, cp: 3 }",
       "m.yaml:9:13: model.sequence: context parallelism splits the sequence into 2 x cp = 6 chunks; "
       "expected a "
       "multiple of it, got 512"},
      {12, "  parallelism: { tp: 2, pp: 2, dp: 2, schedule: interleaved }",
       "m.yaml:12:16: model.parallelism.virtual_stages: the interleaved schedule needs virtual_stages of at "
       "least "
       "2 (model chunks per stage)"},
      {12, "  parallelism: { tp: 2, pp: 2, dp: 8, schedule: interleaved, virtual_stages: 2 }",
       "m.yaml:10:17: model.global_batch: the interleaved schedule needs the micro-batches per replica "
       "(global_batch / (micro_batch x dp) = 1) to be a multiple of pp (2)"},
      {12, "  parallelism: { tp: 2, pp: 2, dp: 2, virtual_stages: 2 }",
       "m.yaml:12:55: model.parallelism.virtual_stages: virtual stages go with schedule: interleaved"},
      {12, "  parallelism: { tp: 2, pp: 2, dp: 2, zero: 3 }",
       "m.yaml:12:45: model.parallelism.zero: zero 2 and 3 shard gradients per micro-batch, which pipeline "
       "parallelism does not combine with (DeepSpeed refuses ZeRO-2/3 with its pipeline engine); expected 0 "
       "or "
       "1 with pp 2"},
      {12, "  parallelism: { tp: 2, pp: 2, dp: 2, zero: 4 }",
       "m.yaml:12:45: model.parallelism.zero: expected 0, 1, 2, 3 or fsdp, got \"4\""},
      {12, "  parallelism: { tp: 2, pp: 2, dp: 2, schedule: gpipe }",
       "m.yaml:12:49: model.parallelism.schedule: expected one of 1f1b, interleaved, got \"gpipe\""},
      {12, "  parallelism: { tp: 2, pp: 2, dp: 2, first_stage_layers: 4 }",
       "m.yaml:12:59: model.parallelism.first_stage_layers: the layers left for the other 1 stages (4 - 4) "
       "must "
       "be more than 0 and divide evenly among them"},
      {12, "  parallelism: { tp: 0, pp: 2, dp: 2 }",
       "m.yaml:12:22: model.parallelism.tp: expected a whole number from 1 to 131072, got \"0\""},
      {12, "  parallelism: { tp: 2, pp: 2, dp: 2 }\n  router_skew: 1",
       "m.yaml:13:16: model.router_skew: a router skew needs an MoE model (experts)"},
      {9, "  sequence: 511",
       "m.yaml:9:13: model.sequence: sequence parallelism splits each rank's sequence over tp; expected a "
       "multiple of tp x cp = 2 x 1 = 2, got 511"},
      {9, "", "m.yaml:3:3: model.sequence: missing; expected the sequence length in tokens, such as 8192"},
      {12, "  parallelism: { tp: 2, pp: 2, dp: 2 }\n  efficiency: 0",
       "m.yaml:13:15: model.efficiency: expected the achievable fraction of peak FLOP/s, above 0 and at most "
       "1, "
       "got \"0\""},
      {12, "  parallelism: { tp: 2, pp: 2, dp: 2 }\n  efficiency: 1.5",
       "m.yaml:13:15: model.efficiency: expected a number from 0 to 1, got \"1.5\""},
      {12, "  parallelism: { tp: 2, pp: 2, dp: 2 }\n  precision: int4",
       "m.yaml:13:14: model.precision: expected one of bf16, fp16, fp8, fp32, got \"int4\""},
      {12, "  parallelism: { tp: 2, pp: 2, dp: 2 }\n  preset: llama4",
       "m.yaml:13:11: model.preset: unknown model preset \"llama4\"; expected one of: deepseek-v3-class, "
       "gpt3-175b, llama3-405b, llama3-70b, llama3-8b, mixtral-8x7b"},
      {12, "  parallelism: { tp: 2, pp: 2, dp: 2 }\n  mode: inference",
       "m.yaml:9:13: model.sequence: sequence is a training key; an inference model takes serving instead"},
      {12, "  parallelism: { tp: 2, pp: 2, dp: 2 }\n  mode: serving",
       "m.yaml:13:9: model.mode: expected one of training, inference, got \"serving\""},
      {12, "  parallelism: { tp: 2, pp: 2, dp: 2, tq: 2 }",
       "m.yaml:12:39: model.parallelism.tq: unknown key \"tq\"; expected one of: tp, pp, dp, ep, cp, sp, "
       "zero, "
       "schedule, virtual_stages, first_stage_layers, last_stage_layers"},
      {12, "", "m.yaml:3:3: model.parallelism: missing; expected { tp: 8, pp: 2, dp: 4 } and the like"},
      {3, "  layers: 0", "m.yaml:3:11: model.layers: expected a whole number from 1 to 10000, got \"0\""},
      {4, "  hidden: 250",
       "m.yaml:5:10: model.heads: expected a divisor of hidden (250) or a head_dim, got 8"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.replacement);
    const std::string error = error_of(replace_line(kSmall, c.line, c.replacement));
    EXPECT_EQ(error, c.error);
    EXPECT_EQ(error.find('\n'), std::string::npos);
  }
}

TEST(ModelBlock, MixtureOfExpertsChecks) {
  const std::string moe =
      "name: m\nmodel:\n  preset: mixtral-8x7b\n  sequence: 4096\n  global_batch: 8\n";  // lines 1-5
  EXPECT_EQ(error_of(moe + "  parallelism: { tp: 1, dp: 4, ep: 3 }\n"),
            "m.yaml:6:36: model.parallelism.ep: expected a divisor of dp x cp x tp = 4 x 1 x 1 = 4, got 3");
  EXPECT_EQ(error_of(moe + "  parallelism: { tp: 1, dp: 16, ep: 16 }\n"),
            "m.yaml:6:37: model.parallelism.ep: expected a divisor of experts (8), got 16");
  EXPECT_EQ(
      error_of(moe + "  parallelism: { tp: 2, dp: 4, ep: 8 }\n"),
      "m.yaml:6:22: model.parallelism.tp: an MoE model with tp > 1 needs sequence parallelism (sp: true), as "
      "Megatron-LM requires");
  EXPECT_EQ(error_of(moe + "  parallelism: { dp: 4 }\n  top_k: 9\n"),
            "m.yaml:7:10: model.top_k: expected at most experts (8), got 9");
  EXPECT_EQ(error_of(moe + "  parallelism: { dp: 4 }\n  router_skew: -1\n"),
            "m.yaml:7:16: model.router_skew: expected a number from 0 to 10, got \"-1\"");
  // ep divides dp x cp x tp (not only dp): tp 2 x dp 4 on 8 experts.
  const WorkloadSpec w =
      workloads::parse_workload(moe + "  parallelism: { tp: 2, dp: 4, ep: 8, sp: true }\n", "m.yaml");
  EXPECT_EQ(w.model.ranks, 8);
}

TEST(ModelBlock, TooManyStepsIsAnErrorNotAnOutage) {
  const std::string text =
      "name: big\nmodel:\n  preset: llama3-405b\n  sequence: 8192\n  global_batch: 100000\n"
      "  parallelism: { tp: 8, pp: 2, dp: 2, sp: true }\n";
  EXPECT_EQ(
      error_of(text),
      "m.yaml:3:3: model: the model's optimizer step would take more than 1000000 steps; expected a smaller "
      "global_batch, fewer layers or less parallelism");
}

TEST(ModelBlock, TooManyStepsForItsRanksOrTooManyBytesAreErrors) {
  // The engine keeps a little per step and per rank in one: the steps' ranks, summed, are bounded too.
  EXPECT_EQ(error_of("name: big\nmodel:\n  layers: 100\n  hidden: 256\n  heads: 8\n  ffn: 512\n  vocab: 512\n"
                     "  sequence: 256\n  global_batch: 2867200\n  parallelism: { dp: 2048 }\n"),
            "m.yaml:3:3: model: the model's optimizer step would have its steps' ranks add up to more than "
            "1073741824 on 2048 ranks; expected a smaller global_batch, fewer layers or less parallelism");
  // A context-parallel chunk of 2^31 tokens x 65536 heads x 2^21 dimensions x 2 bytes.
  EXPECT_EQ(
      error_of("name: big\nmodel:\n  layers: 1\n  hidden: 1048576\n  heads: 65536\n  head_dim: 1048576\n"
               "  ffn: 1\n  vocab: 1\n  sequence: 16777216\n  micro_batch: 128\n  global_batch: 128\n"
               "  parallelism: {}\n"),
      "m.yaml:3:3: model: the model moves 5.90296e+20 bytes in one step; expected at most 2^62 (a smaller "
      "shape or micro_batch)");
}

TEST(ModelBlock, OverridesReachTheBlock) {
  const WorkloadSpec w = workloads::parse_workload(kSmall, "m.yaml", {{"model.parallelism.dp", "1"}});
  EXPECT_EQ(w.model.ranks, 4);
}

// The pipeline schedules.
TEST(ModelSchedule, OneFOneBRunsEveryPassOnceWithinItsWarmup) {
  for (long long p : {1, 2, 4})
    for (long long m : {1, 3, 8})
      for (long long s = 0; s < p; ++s) {
        const auto order = model::pipeline_order(model::Schedule::OneFOneB, p, s, m, 1);
        ASSERT_EQ(order.size(), static_cast<std::size_t>(2 * m));
        std::set<long long> forward, backward;
        long long in_flight = 0, most = 0;
        for (const auto& op : order) {
          if (op.forward) {
            EXPECT_TRUE(forward.insert(op.micro).second);
            most = std::max(most, ++in_flight);
          } else {
            EXPECT_TRUE(forward.count(op.micro));
            EXPECT_TRUE(backward.insert(op.micro).second);
            --in_flight;
          }
        }
        // A stage holds at most p - s micro-batches' activations (PipeDream-flush's bound).
        EXPECT_EQ(most, std::min(p - s, m));
      }
}

TEST(ModelSchedule, InterleavedFollowsMegatron) {
  // Megatron-LM's interleaved schedule on 2 stages, 2 chunks, 4 micro-batches, stage 0: 4 warm-up forwards,
  // then forward and backward in turn, the backward chunks in reverse.
  const auto order = model::pipeline_order(model::Schedule::Interleaved, 2, 0, 4, 2);
  const std::vector<std::tuple<bool, long long, long long>> expected = {
      {true, 0, 0},  {true, 1, 0},  {true, 0, 1},  {true, 1, 1},  {true, 2, 0}, {false, 0, 1},
      {true, 3, 0},  {false, 1, 1}, {true, 2, 1},  {false, 0, 0}, {true, 3, 1}, {false, 1, 0},
      {false, 2, 1}, {false, 3, 1}, {false, 2, 0}, {false, 3, 0}};
  ASSERT_EQ(order.size(), expected.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(order[i].forward, std::get<0>(expected[i]));
    EXPECT_EQ(order[i].micro, std::get<1>(expected[i]));
    EXPECT_EQ(order[i].chunk, std::get<2>(expected[i]));
  }
}

TEST(ModelSchedule, ChunksHoldTheirLayers) {
  model::Config c;
  c.shape.layers = 8;
  c.par.pp = 2;
  c.par.virtual_stages = 2;
  // Megatron-LM: chunk c of stage s holds the (c x pp + s)-th block of layers.
  EXPECT_EQ(model::chunk_layers(c, 0, 0), (std::pair<long long, long long>{0, 2}));
  EXPECT_EQ(model::chunk_layers(c, 1, 0), (std::pair<long long, long long>{2, 4}));
  EXPECT_EQ(model::chunk_layers(c, 0, 1), (std::pair<long long, long long>{4, 6}));
  EXPECT_EQ(model::chunk_layers(c, 1, 1), (std::pair<long long, long long>{6, 8}));
  // Llama 3 405B's 126 layers on 16 stages: one layer fewer on the first and the last.
  c.shape.layers = 126;
  c.par.pp = 16;
  c.par.virtual_stages = 1;
  c.par.first_stage_layers = 7;
  c.par.last_stage_layers = 7;
  EXPECT_EQ(model::chunk_layers(c, 0, 0), (std::pair<long long, long long>{0, 7}));
  EXPECT_EQ(model::chunk_layers(c, 1, 0), (std::pair<long long, long long>{7, 15}));
  EXPECT_EQ(model::chunk_layers(c, 15, 0), (std::pair<long long, long long>{119, 126}));
}

TEST(ModelExperts, SharesAreZipfCappedAtOneOverTopK) {
  const auto uniform = model::expert_shares(8, 2, 0.0);
  for (double s : uniform)
    EXPECT_DOUBLE_EQ(s, 0.125);
  const auto skewed = model::expert_shares(8, 2, 1.0);
  double sum = 0;
  for (std::size_t e = 0; e < skewed.size(); ++e) {
    sum += skewed[e];
    if (e > 0) {
      EXPECT_LT(skewed[e], skewed[e - 1]);
    }
  }
  EXPECT_NEAR(sum, 1.0, 1e-12);
  // 1/1 / H_8 = 0.3679 of the assignments to the first expert.
  EXPECT_NEAR(skewed[0], 1.0 / (1 + 1 / 2. + 1 / 3. + 1 / 4. + 1 / 5. + 1 / 6. + 1 / 7. + 1 / 8.), 1e-12);
  // Steep: a token picks two distinct experts, so none gets more than half; the rest share what is left.
  const auto steep = model::expert_shares(8, 2, 4.0);
  EXPECT_DOUBLE_EQ(steep[0], 0.5);
  sum = 0;
  for (double s : steep)
    sum += s;
  EXPECT_NEAR(sum, 1.0, 1e-12);
  EXPECT_LT(steep[1], 0.5);
}

// The generated graph: every `after` points back, every step names a known dimension (pipeline messages are
// the traffic steps of "pp", and only those), over a grid of layouts and schedules.
TEST(ModelGraph, IsTopologicalAndTagged) {
  struct Layout {
    const char* parallelism;
    const char* extra;
  };
  const std::vector<Layout> layouts = {
      {"{ tp: 2, pp: 1, dp: 2 }", ""},
      {"{ tp: 2, pp: 2, dp: 2, sp: true, zero: 1 }", ""},
      {"{ tp: 1, pp: 4, dp: 1, schedule: interleaved, virtual_stages: 2 }", ""},
      {"{ tp: 2, pp: 2, dp: 1, cp: 2, sp: true }", ""},
      {"{ tp: 1, pp: 1, dp: 4, zero: 3 }", ""},
      {"{ tp: 1, pp: 2, dp: 4, ep: 4 }", "  experts: 4\n  top_k: 2\n  router_skew: 1.2\n"},
      {"{ tp: 2, pp: 1, dp: 2, ep: 4, sp: true, zero: 2 }",
       "  experts: 8\n  top_k: 2\n  shared_experts: 1\n"},
  };
  for (const Layout& l : layouts) {
    SCOPED_TRACE(l.parallelism);
    const std::string text =
        "name: g\nmodel:\n  layers: 8\n  hidden: 256\n  heads: 8\n  ffn: 512\n  vocab: 512\n"
        "  sequence: 256\n  global_batch: 16\n  parallelism: " +
        std::string(l.parallelism) + "\n" + l.extra;
    const WorkloadSpec w = workloads::parse_workload(text, "g.yaml");
    ASSERT_TRUE(w.graph);
    std::set<std::string> keys;
    for (std::size_t i = 0; i < w.steps.size(); ++i) {
      const Step& s = w.steps[i];
      for (int a : s.after)
        EXPECT_LT(a, static_cast<int>(i));
      EXPECT_TRUE(std::is_sorted(s.after.begin(), s.after.end()));
      EXPECT_TRUE(keys.insert(s.key).second) << s.key;
      EXPECT_TRUE(s.dim.empty() || s.dim == "tp" || s.dim == "pp" || s.dim == "dp" || s.dim == "ep" ||
                  s.dim == "cp")
          << s.dim;
      EXPECT_EQ(s.dim.empty(), s.kind == Step::Kind::Compute) << s.key;
      if (s.dim == "pp") {
        EXPECT_EQ(s.kind, Step::Kind::Traffic);
      }
      if (s.kind == Step::Kind::Traffic) {
        EXPECT_TRUE(s.dim == "pp" || s.dim == "cp" || s.dim == "ep");
      }
    }
  }
}

TEST(ModelGraph, ListedStepsFollowTheModelOnEachRank) {
  const std::string text = kSmall +
                           "steps:\n"
                           "  - checkpoint: { size: 1 GiB, pool: pool0, ranks: [0, 1] }\n"
                           "  - collective: all_reduce\n"
                           "    size: 1 MiB\n";
  const WorkloadSpec w = workloads::parse_workload(text, "m.yaml");
  const std::size_t n = w.steps.size();
  const Step& checkpoint = w.steps[n - 2];
  const Step& all_reduce = w.steps[n - 1];
  EXPECT_EQ(checkpoint.key, "steps.0");
  EXPECT_EQ(all_reduce.key, "steps.1");
  // The checkpoint waits for ranks 0 and 1's last model step (stage 0's optimizer update); the all-reduce of
  // every rank for the checkpoint and each other rank's last step.
  ASSERT_EQ(checkpoint.after.size(), 1u);
  EXPECT_EQ(w.steps[static_cast<std::size_t>(checkpoint.after[0])].key, "model.p0.optimizer");
  std::vector<std::string> waited;
  for (int a : all_reduce.after)
    waited.push_back(w.steps[static_cast<std::size_t>(a)].key);
  EXPECT_EQ(waited, (std::vector<std::string>{"model.p0.optimizer", "model.p1.optimizer", "steps.0"}));
}

TEST(ModelGraph, ListedStepsInAGraphOfTheirOwnFollowTheModelAndTheirAfter) {
  const std::string text = kSmall +
                           "graph: true\n"
                           "steps:\n"
                           "  - { id: save, checkpoint: { size: 1 GiB, pool: pool0, ranks: [0, 1] } }\n"
                           "  - { id: probe, compute: { duration: 1 ms, ranks: [4] } }\n"
                           "  - { compute: { duration: 1 ms, ranks: [0] }, after: [save] }\n";
  const WorkloadSpec w = workloads::parse_workload(text, "m.yaml");
  const std::size_t n = w.steps.size();
  const auto keys = [&](const Step& s) {
    std::vector<std::string> out;
    for (int a : s.after)
      out.push_back(w.steps[static_cast<std::size_t>(a)].key);
    return out;
  };
  // Each waits for the model on its ranks; the probe does not wait for the checkpoint (no after between
  // them), the last step does (its after).
  EXPECT_EQ(keys(w.steps[n - 3]), (std::vector<std::string>{"model.p0.optimizer"}));
  EXPECT_EQ(keys(w.steps[n - 2]), (std::vector<std::string>{"model.p1.optimizer"}));
  EXPECT_EQ(keys(w.steps[n - 1]), (std::vector<std::string>{"model.p0.optimizer", "steps.0"}));
  EXPECT_EQ(error_of(kSmall + "graph: false\n"),
            "m.yaml:13:8: graph: a model's steps are a dependency graph; expected true or no graph key");
}

}  // namespace test_model
}  // namespace
}  // namespace pjbit
