// A model block with mode: inference becomes a service (WorkloadSpec::serving): its groups laid out from rank
// 0, its request process, and the model's per-token figures (engine/serving.md).
#include <gtest/gtest.h>

#include <string>

#include "core/errors.h"
#include "workloads/loader.h"

namespace {
namespace test_serving_loader {

using pjbit::workloads::parse_workload;

const std::string kHead = "name: serve\nmodel:\n  preset: llama3-70b\n  mode: inference\n";
const std::string kServing =
    "  serving:\n    prefill: { groups: 2, tp: 4 }\n    decode: { groups: 1, tp: 8 }\n    requests: 32\n"
    "    rate: 10\n    prompt: { min: 128, max: 1024 }\n    output: 64\n    max_batch: 16\n";

std::string error_of(const std::string& text) {
  try {
    parse_workload(text, "serve.yaml");
  } catch (const pjbit::core::InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ServingLoader, Llama3_70bServesWithItsPerTokenFigures) {
  const auto w = parse_workload(kHead + kServing, "serve.yaml");
  const auto& s = w.serving;
  ASSERT_TRUE(s.on);
  EXPECT_TRUE(w.steps.empty());
  EXPECT_EQ(s.prefill, (std::vector<std::vector<int>>{{0, 1, 2, 3}, {4, 5, 6, 7}}));
  EXPECT_EQ(s.decode, (std::vector<std::vector<int>>{{8, 9, 10, 11, 12, 13, 14, 15}}));
  EXPECT_EQ(s.requests, 32);
  EXPECT_EQ(s.rate_per_s, 10.0);
  EXPECT_EQ(s.prompt_min, 128);
  EXPECT_EQ(s.prompt_max, 1024);
  EXPECT_EQ(s.output_min, 64);
  EXPECT_EQ(s.output_max, 64);
  EXPECT_EQ(s.max_batch, 16);
  EXPECT_EQ(s.layers, 80);
  EXPECT_EQ(s.token_bytes, 8192u * 2);
  // 80 layers x 8 KV heads x (128 + 128) x 2 bytes: 320 KiB a token.
  EXPECT_EQ(s.kv_bytes_per_token, 327680.0);
  // 2 FLOPs a parameter a token, about 70 billion parameters in matrix products.
  EXPECT_GT(s.flops_per_token, 2 * 68e9);
  EXPECT_LT(s.flops_per_token, 2 * 71e9);
  // Scores and values: 2 x 80 layers x 64 heads x (128 + 128) per token and token of context.
  EXPECT_EQ(s.attention_flops, 2.0 * 80 * 64 * 256);
  EXPECT_GT(s.weight_bytes, 2 * 70e9);
}

TEST(ServingLoader, BadServiceBlocksAreOneErrorEach) {
  EXPECT_EQ(error_of(kHead + "  sequence: 8192\n" + kServing),
            "serve.yaml:5:13: model.sequence: sequence is a training key; an inference model takes serving "
            "instead");
  EXPECT_EQ(
      error_of(kHead),
      "serve.yaml:3:3: model.serving: missing; expected the service, such as { prefill: { groups: 1, tp: 8 "
      "}, decode: { groups: 1, tp: 8 }, requests: 64, rate: 20, prompt: 1024, output: 128 }");
  EXPECT_NE(error_of(kHead + "  serving:\n    prefill: { tp: 3 }\n    decode: { tp: 8 }\n    rate: 1\n"
                             "    prompt: 8\n    output: 8\n")
                .find("tensor parallelism splits the heads: 64 heads over 3 ranks"),
            std::string::npos);
  EXPECT_NE(error_of(kHead + "  serving:\n    prefill: { tp: 8 }\n    decode: { tp: 8 }\n    rate: 0\n"
                             "    prompt: 8\n    output: 8\n")
                .find("model.serving.rate: expected requests per second above zero"),
            std::string::npos);
  EXPECT_NE(error_of(kHead + "  serving:\n    prefill: { tp: 8 }\n    decode: { tp: 8 }\n    rate: 1\n"
                             "    prompt: { min: 9, max: 8 }\n    output: 8\n")
                .find("model.serving.prompt.max: expected at least min (9), got 8"),
            std::string::npos);
  EXPECT_NE(error_of("name: t\nmodel:\n  preset: llama3-8b\n  sequence: 8\n  global_batch: 8\n" + kServing)
                .find("a serving block goes with mode: inference"),
            std::string::npos);
  EXPECT_NE(error_of(kHead + kServing + "steps:\n  - compute: { duration: 1 ms }\n")
                .find("an inference model is a service; it takes no steps"),
            std::string::npos);
}

}  // namespace test_serving_loader
}  // namespace
