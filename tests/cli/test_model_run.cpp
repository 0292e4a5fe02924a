// Model-driven workloads through the program (CONTRACT section 8): a run's throughput block in the JSON, the
// summary, the CSV and the HTML against its definitions; the parallelism against the platform's ranks; and
// every shipped training example valid on the platform it names.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/testing.h"

namespace {
namespace test_model_run {

using pjbit::testing::run_program;
using pjbit::testing::TempDir;

// A small model on the 8 H100 of pod8-nvswitch: tp 2 x pp 2 x dp 2, every kind of step the generator makes
// for a dense model, and a checkpoint listed after it.
const char* kSmallModel = R"(name: small-model
model:
  layers: 4
  hidden: 4096
  heads: 32
  kv_heads: 8
  ffn: 16384
  vocab: 32000
  sequence: 2048
  global_batch: 16
  micro_batch: 1
  parallelism: { tp: 2, pp: 2, dp: 2, sp: true, zero: 1 }
  efficiency: 0.5
steps:
  - checkpoint: { size: 16 MiB, pool: pool0 }
)";

std::string pod8() {
  return pjbit::testing::source_dir() + "/platforms/pod8-nvswitch.yaml";
}

TEST(ModelRun, ReportsThroughputInOperatorsUnits) {
  TempDir dir;
  const std::string w = dir.write("model.yaml", kSmallModel);
  const std::string json = dir.path() + "/r.json", csv = dir.path() + "/r.csv", html = dir.path() + "/r.html";
  const auto r = run_program({"run", pod8(), w, "--json", json, "--csv", csv, "--html", html});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(pjbit::testing::read_file(json));
  const auto& model = j["workload"]["model"];
  EXPECT_EQ(model["name"], "custom");
  EXPECT_EQ(model["ranks"], 8);
  const double tokens = 16.0 * 2048;
  EXPECT_DOUBLE_EQ(model["tokens_per_iteration"].get<double>(), tokens);
  const double t = j["sim_time_s"].get<double>();
  const auto& tp = j["throughput"];
  EXPECT_DOUBLE_EQ(tp["tokens_per_s"].get<double>(), tokens / t);
  // 989.4 TFLOP/s per H100 (the h100-sxm5 preset), 8 of them.
  EXPECT_NEAR(tp["mfu"].get<double>(), model["flops_per_iteration"].get<double>() / (t * 989.4e12 * 8),
              1e-12);
  EXPECT_GT(tp["mfu"].get<double>(), 0.2);
  EXPECT_LE(tp["mfu"].get<double>(), 0.5);  // at most the efficiency
  EXPECT_DOUBLE_EQ(tp["tokens_per_j"].get<double>(), tokens / j["energy_j"]["total"].get<double>());
  EXPECT_DOUBLE_EQ(tp["fabric_j_per_token"].get<double>(), j["energy_j"]["fabric"].get<double>() / tokens);
  // The checkpoint listed after the model is the last step: each rank writes its shard once its optimizer
  // update is over, so it ends after every update.
  const auto& last = j["steps"].back();
  EXPECT_EQ(last["kind"], "checkpoint");
  int updates = 0;
  for (const auto& s : j["steps"])
    if (s["key"].get<std::string>().find(".optimizer") != std::string::npos) {
      EXPECT_LT(s["end_s"].get<double>(), last["end_s"].get<double>());
      ++updates;
    }
  EXPECT_EQ(updates, 2);
  // The summary and the CSV say the same.
  EXPECT_NE(r.out.find("tokens per second"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("more steps in the report"), std::string::npos) << r.out;
  std::istringstream lines(pjbit::testing::read_file(csv));
  std::string header, row;
  std::getline(lines, header);
  std::getline(lines, row);
  EXPECT_NE(header.find(",tokens_per_s,mfu,tokens_per_j,fabric_j_per_token"), std::string::npos) << header;
  EXPECT_EQ(std::count(header.begin(), header.end(), ','), std::count(row.begin(), row.end(), ','));
  // The step time split: the CSV's last eight columns are the report's step_breakdown.
  EXPECT_NE(header.find(",step_compute_s,step_bubble_s,step_exposed_tp_s,step_exposed_pp_s,step_exposed_dp_s,"
                        "step_exposed_ep_s,step_exposed_cp_s,step_exposed_other_s"),
            std::string::npos)
      << header;
  std::vector<double> cells;
  for (std::size_t at = row.size(); cells.size() < 8;) {
    const std::size_t comma = row.rfind(',', at - 1);
    cells.insert(cells.begin(), std::stod(row.substr(comma + 1, at - comma - 1)));
    at = comma;
  }
  const auto& split = j["step_breakdown"];
  EXPECT_DOUBLE_EQ(cells[0], split["compute_s"].get<double>());
  EXPECT_DOUBLE_EQ(cells[1], split["bubble_s"].get<double>());
  EXPECT_DOUBLE_EQ(cells[2], split["exposed_comm_s"]["tp"].get<double>());
  const std::string page = pjbit::testing::read_file(html);
  EXPECT_NE(page.find("model FLOPs utilization"), std::string::npos);
  EXPECT_NE(page.find("<th>step time split</th><td>compute "), std::string::npos);
  // The report follows the schema.
  const std::string python = PJBIT_PYTHON;
  ASSERT_FALSE(python.empty()) << "no python3 with jsonschema: run scripts/install-deps.sh";
  const std::string checker = pjbit::testing::source_dir() + "/tests/golden/check_report_schema.py";
  const std::string schema = pjbit::testing::source_dir() + "/docs/report.schema.json";
  const int rc = std::system(
      (python + " " + checker + " " + schema + " " + json + " > " + dir.path() + "/schema.txt 2>&1").c_str());
  EXPECT_EQ(rc, 0) << pjbit::testing::read_file(dir.path() + "/schema.txt");
}

TEST(ModelRun, OverlapsGradientsWithTheLastBackward) {
  // ZeRO 1: each bucket's reduce-scatter starts once its gradients are complete in the last micro-batch's
  // backward, before that backward ends on the stage.
  TempDir dir;
  const std::string w = dir.write("model.yaml", kSmallModel);
  const std::string json = dir.path() + "/r.json";
  ASSERT_EQ(run_program({"run", pod8(), w, "--quiet", "--json", json}).exit_code, 0);
  const auto j = nlohmann::json::parse(pjbit::testing::read_file(json));
  double first_grads = 1e300, last_backward_end = 0;
  for (const auto& s : j["steps"]) {
    const std::string key = s["key"];
    if (key.rfind("model.p1.", 0) != 0) continue;
    if (key.find(".grads.") != std::string::npos)
      first_grads = std::min(first_grads, s["start_s"].get<double>());
    if (key.find(".m7.B.") != std::string::npos && s["kind"] == "compute")
      last_backward_end = std::max(last_backward_end, s["end_s"].get<double>());
  }
  EXPECT_LT(first_grads, last_backward_end);
}

TEST(ModelRun, TheParallelismMustMultiplyToTheRanksUsed) {
  TempDir dir;
  std::string text = kSmallModel;
  text.replace(text.find("dp: 2"), 5, "dp: 4");
  const auto r = run_program({"run", pod8(), dir.write("model.yaml", text), "--quiet"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "error: " + dir.path() +
                       "/model.yaml:12:16: model.parallelism: tp x pp x dp x cp = 2 x 2 x 4 x 1 = 16; "
                       "expected it to equal "
                       "the ranks used: the platform's 8 (or name fewer with model.ranks)\n");
  // Fewer ranks than the platform's, when the block says so.
  text = kSmallModel;
  text.replace(text.find("dp: 2"), 5, "dp: 1");
  text.replace(text.find("global_batch: 16"), 16, "global_batch: 8\n  ranks: 4");
  const auto fewer = run_program({"validate", pod8(), dir.write("fewer.yaml", text)});
  EXPECT_EQ(fewer.exit_code, 0) << fewer.err;
}

TEST(ModelRun, ShippedExamplesAreValidOnTheirPlatforms) {
  const std::string src = pjbit::testing::source_dir();
  struct Example {
    const char* workload;
    const char* platform;
  };
  const std::vector<Example> examples = {
      {"llama3-8b", "platforms/pod8-nvswitch.yaml"},
      {"llama3-70b", "platforms/systems/h100-ndr-64.yaml"},
      {"llama3-405b", "platforms/systems/h100-ndr-64.yaml"},
      {"gpt3-175b", "platforms/systems/h100-ndr-64.yaml"},
      {"mixtral-8x7b", "platforms/systems/h100-ndr-64.yaml"},
      {"deepseek-v3-class", "platforms/systems/h100-ndr-64.yaml"},
  };
  for (const Example& e : examples) {
    SCOPED_TRACE(e.workload);
    const std::string file = src + "/workloads/training/" + e.workload + ".yaml";
    // Each example names the platform it runs on.
    EXPECT_NE(pjbit::testing::read_file(file).find(e.platform), std::string::npos);
    const auto r = run_program({"validate", src + "/" + e.platform, file}, 120.0);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("model " + std::string(e.workload)), std::string::npos) << r.out;
  }
}

}  // namespace test_model_run
}  // namespace
