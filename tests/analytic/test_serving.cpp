// An inference service (WorkloadSpec::serving, engine/serving.md): requests prefilled on one pod, decoded on
// the other, KV caches moved between them through the fabric: the KV transfer on an idle fabric takes its
// closed form, a lone request's first token comes at the end of its prefill, and under load the decode
// batches grow and the percentiles order.
#include <gtest/gtest.h>

#include <string>
#include <systemc>

#include "core/errors.h"
#include "engine/simulation.h"
#include "platforms/loader.h"
#include "power/ledger.h"

namespace {
namespace test_serving {

using pjbit::engine::SimulationResult;

// Two pods of four: 400 GB/s inside a pod, 50 GB/s between (one switch each tier).
std::string platform(const std::string& engine) {
  return "name: two-pods\nengine: " + engine +
         "\npacket: 64 KiB\naccelerator: { preset: h100-sxm5 }\ntiers:\n"
         "  - { name: up, kind: switch, ranks: 4, link: { bandwidth: 400 GB/s, latency: 100 ns }, "
         "switch: { latency: 100 ns, radix: 64 } }\n"
         "  - { name: out, kind: switch, domains: 2, link: { bandwidth: 50 GB/s, latency: 500 ns }, "
         "switch: { latency: 300 ns, radix: 64 } }\n";
}

// A 1B-parameter-class model: 4 layers of hidden 4096, 8 KV heads of 128, bf16.
pjbit::workloads::WorkloadSpec service(int requests, double rate) {
  pjbit::workloads::WorkloadSpec w;
  w.name = "serve";
  w.serving.on = true;
  w.serving.prefill = {{0, 1, 2, 3}};
  w.serving.decode = {{4, 5, 6, 7}};
  w.serving.requests = requests;
  w.serving.rate_per_s = rate;
  w.serving.prompt_min = w.serving.prompt_max = 1024;
  w.serving.output_min = 16;
  w.serving.output_max = requests > 1 ? 64 : 16;
  w.serving.max_prefill_tokens = 4096;
  w.serving.layers = 4;
  w.serving.token_bytes = 4096 * 2;
  w.serving.flops_per_token = 2e9;
  w.serving.attention_flops = 4.0 * 4 * 4096;
  w.serving.weight_bytes = 2e9;
  w.serving.kv_bytes_per_token = 4.0 * 2 * 8 * 128 * 2;
  w.serving.efficiency = 0.5;
  return w;
}

SimulationResult run(const std::string& engine, const pjbit::workloads::WorkloadSpec& w) {
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
  const auto p = pjbit::platforms::parse_platform(platform(engine), "two-pods.yaml");
  pjbit::engine::RunOptions options;
  options.seed = 7;
  return pjbit::engine::simulate(p, w, options);
}

class Serving : public ::testing::TestWithParam<const char*> {};

TEST_P(Serving, ALoneRequestsKvCacheCrossesInItsClosedForm) {
  const SimulationResult r = run(GetParam(), service(1, 10.0));
  ASSERT_TRUE(r.serving_on);
  const auto& s = r.serving;
  EXPECT_EQ(s.requests, 1);
  EXPECT_EQ(s.output_tokens, 16u);
  // 1024 tokens x 16 KiB of KV, a quarter from each prefill rank to its decode peer, each over its own
  // 50 GB/s port: a rank's link to the switch, the switch, the switch's link to the peer.
  const double bytes = 1024.0 * 16384 / 4;
  EXPECT_DOUBLE_EQ(s.kv_bytes, 4 * bytes);
  const double closed = bytes / 50e9 + 500e-9 + 300e-9 + 500e-9;
  EXPECT_NEAR(s.kv_transfer_mean_s, closed, 1e-15) << s.kv_transfer_mean_s;
  // The first token ends the prefill: at least its compute, 1024 tokens x 2 GFLOP over 4 ranks at half of
  // peak, with the weights read once.
  EXPECT_GT(s.ttft_p50_s, 1024 * 2e9 / 4 / (989e12 * 0.5));
  EXPECT_EQ(s.ttft_p50_s, s.ttft_p99_s);
  // 15 more tokens, one a decode iteration, after the KV cache arrived.
  EXPECT_EQ(s.decode_iterations, 15);
  EXPECT_GT(s.tpot_p50_s * 15, s.kv_transfer_mean_s);
  EXPECT_NEAR(s.tokens_per_s, 16 / r.sim_time_s, 1e-9 * s.tokens_per_s);
}

TEST_P(Serving, UnderLoadBatchesGrowAndPercentilesOrder) {
  const SimulationResult r = run(GetParam(), service(48, 2000.0));
  const auto& s = r.serving;
  EXPECT_EQ(s.requests, 48);
  EXPECT_GT(s.decode_batch_mean, 2.0);  // continuous batching: requests share decode iterations
  EXPECT_LE(s.ttft_p50_s, s.ttft_p99_s);
  EXPECT_LE(s.tpot_p50_s, s.tpot_p99_s);
  EXPECT_GT(s.ttft_p99_s, 0.0);
  EXPECT_GT(s.prefill_batches, 1);
  EXPECT_LT(s.prefill_batches, 48);  // arrivals during a prefill share the next batch
  // The same seed gives the same service.
  const SimulationResult again = run(GetParam(), service(48, 2000.0));
  EXPECT_EQ(again.sim_time_s, r.sim_time_s);
  EXPECT_EQ(again.serving.ttft_p99_s, s.ttft_p99_s);
}

TEST_P(Serving, GroupsOffThePlatformOrSharedAreInputErrors) {
  auto w = service(1, 10.0);
  w.serving.decode = {{4, 5, 6, 8}};
  EXPECT_THROW(run(GetParam(), w), pjbit::core::InputError);
  w.serving.decode = {{3, 4, 5, 6}};
  try {
    run(GetParam(), w);
    ADD_FAILURE() << "no error";
  } catch (const pjbit::core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("model.decode.0: rank 3 serves two groups"), std::string::npos)
        << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, Serving, ::testing::Values("packet", "flow"));

}  // namespace test_serving
}  // namespace
