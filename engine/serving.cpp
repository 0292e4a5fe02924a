// An inference service's run (WorkloadSpec::serving): prefill and decode servers on the first ranks of their
// groups, tensor-parallel all-reduces run as the engine runs any collective, KV caches moved through the
// fabric. Timing and sources: engine/serving.md.
#include <algorithm>
#include <cmath>
#include <random>

#include "core/errors.h"
#include "engine/program.h"
#include "workloads/nccl_tests.h"

namespace pjbit::engine::detail {

namespace {

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  // Nearest rank: the smallest value with at least p of the values at or below it.
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

double mean(const std::vector<double>& v) {
  if (v.empty()) return 0.0;
  double sum = 0.0;
  for (double x : v)
    sum += x;
  return sum / static_cast<double>(v.size());
}

}  // namespace

Serving::Serving(Runner& runner, platforms::Platform& platform)
    : m_runner(runner), m_platform(platform), m_spec(runner.m_workload.serving) {
  // The request process, from the run's seed: exponential gaps between arrivals, uniform lengths.
  std::mt19937_64 rng(runner.m_seed ^ 0x5e41'1a6dULL);
  std::exponential_distribution<double> gap(m_spec.rate_per_s);
  std::uniform_int_distribution<int> prompt(m_spec.prompt_min, m_spec.prompt_max);
  std::uniform_int_distribution<int> output(m_spec.output_min, m_spec.output_max);
  double t = 0.0;
  for (int i = 0; i < m_spec.requests; ++i) {
    if (i > 0) t += gap(rng);
    Request r;
    r.arrival = core::to_ticks(t);
    r.prompt = prompt(rng);
    r.output = output(rng);
    m_requests.push_back(r);
  }
  for (std::size_t g = 0; g < m_spec.prefill.size(); ++g)
    m_leader[m_spec.prefill[g].front()] = {true, static_cast<int>(g)};
  for (std::size_t g = 0; g < m_spec.decode.size(); ++g)
    m_leader[m_spec.decode[g].front()] = {false, static_cast<int>(g)};
  m_decoders.resize(m_spec.decode.size());
}

Serving::~Serving() = default;

void Serving::program(int endpoint) {
  const auto it = m_leader.find(endpoint);
  if (it == m_leader.end()) return;
  if (it->second.first) {
    prefill_server(it->second.second);
  } else {
    decode_server(it->second.second);
  }
}

void Serving::compute(const std::vector<int>& group, double flops, double bytes) {
  // Each rank of the group runs 1/t of the work: the longer of its FLOPs at the achievable rate and its HBM
  // traffic at the HBM's bandwidth (the roofline), in whole ticks.
  const auto t = static_cast<double>(group.size());
  const platforms::PlatformSpec& spec = m_runner.m_spec;
  double seconds = flops / t / (spec.accelerator.compute_flops * m_spec.efficiency);
  if (spec.accelerator.hbm.bandwidth_Bps > 0.0)
    seconds = std::max(seconds, bytes / t / spec.accelerator.hbm.bandwidth_Bps);
  const core::Tick ticks = core::to_ticks(seconds);
  if (ticks == 0) return;
  for (int r : group) {
    accelerator::Accelerator& acc = m_platform.accelerator(r);
    if (bytes > 0.0) acc.hbm().reserve(static_cast<std::uint64_t>(bytes / t));
  }
  sc_core::wait(core::ticks_to_time(ticks));
  for (int r : group)
    m_platform.accelerator(r).computed(core::to_seconds(ticks));
}

void Serving::all_reduce(const std::vector<int>& group, int key, std::uint64_t bytes) {
  if (group.size() < 2 || bytes == 0) return;
  // One step per group and size, as a workload's step would be, so that its plan and the collective
  // library's costs are made once.
  std::unique_ptr<Step>& step = m_steps[{key, bytes}];
  if (!step) {
    step = std::make_unique<Step>();
    step->kind = Step::Kind::Collective;
    step->collective.op = workloads::Op::AllReduce;
    step->collective.size_bytes = bytes;
    step->collective.ranks = group;
    step->key =
        "serving." + std::string(key < 0 ? "decode." : "prefill.") + std::to_string(key < 0 ? -1 - key : key);
    step->loc = m_runner.m_workload.iterations_loc;
  }
  std::uint64_t id = m_next_id++;
  const std::unique_ptr<Instance> inst = m_runner.instantiate(*step, 0, m_platform.ranks(), id);
  accelerator::Completion done;
  std::vector<std::unique_ptr<Detached>> parts;
  for (int r : group) {
    done.add();
    parts.push_back(std::make_unique<Detached>(m_runner, *inst, m_platform.accelerator(r), done));
    parts.back()->start();
  }
  done.wait();
  m_useful_bytes += workloads::useful_bytes(workloads::Op::AllReduce, bytes, static_cast<int>(group.size()));
}

void Serving::layers(const std::vector<int>& group, int key, double flops, double bytes,
                     std::uint64_t reduce_bytes) {
  // Per layer: attention, its all-reduce, the MLP, its all-reduce (Megatron-LM's tensor parallelism).
  const double n = m_spec.layers;
  for (int l = 0; l < m_spec.layers; ++l) {
    for (int half = 0; half < 2; ++half) {
      compute(group, flops / n / 2, bytes / n / 2);
      all_reduce(group, key, reduce_bytes);
    }
  }
}

void Serving::prefill_server(int g) {
  const std::vector<int>& group = m_spec.prefill[static_cast<std::size_t>(g)];
  while (m_next_request < m_requests.size()) {
    const core::Tick now = core::now_ticks();
    const std::size_t first = m_next_request;
    if (m_requests[first].arrival > now) {
      sc_core::wait(core::ticks_to_time(m_requests[first].arrival - now));
      continue;  // another server may have taken it meanwhile
    }
    // The batch: arrived requests in order, up to the token budget (at least one).
    std::size_t end = first + 1;
    long long tokens = m_requests[first].prompt;
    while (end < m_requests.size() && m_requests[end].arrival <= now && m_spec.max_prefill_tokens > 0 &&
           tokens + m_requests[end].prompt <= m_spec.max_prefill_tokens) {
      tokens += m_requests[end].prompt;
      ++end;
    }
    m_next_request = end;
    double attention_pairs = 0.0;
    for (std::size_t i = first; i < end; ++i) {
      const auto p = static_cast<double>(m_requests[i].prompt);
      attention_pairs += p * (p + 1.0) / 2.0;  // causal: token k attends to k tokens
    }
    const auto t = static_cast<double>(tokens);
    layers(group, g, t * m_spec.flops_per_token + attention_pairs * m_spec.attention_flops,
           m_spec.weight_bytes + t * m_spec.kv_bytes_per_token,
           static_cast<std::uint64_t>(tokens) * m_spec.token_bytes);
    ++m_prefill_batches;
    for (std::size_t i = first; i < end; ++i) {
      Request& r = m_requests[i];
      r.first_token = core::now_ticks();
      r.generated = 1;
      if (r.generated >= r.output) {
        r.last_token = r.first_token;
        finished_one();
      } else {
        move_kv(static_cast<int>(i), g);
      }
    }
  }
}

void Serving::move_kv(int request, int from) {
  // To the decode group with the fewest requests active or on their way (the lowest index on a tie).
  int to = 0;
  for (std::size_t d = 1; d < m_decoders.size(); ++d)
    if (m_decoders[d].load < m_decoders[static_cast<std::size_t>(to)].load) to = static_cast<int>(d);
  Decoder& dec = m_decoders[static_cast<std::size_t>(to)];
  ++dec.load;
  const std::vector<int>& src = m_spec.prefill[static_cast<std::size_t>(from)];
  const std::vector<int>& dst = m_spec.decode[static_cast<std::size_t>(to)];
  Request& r = m_requests[static_cast<std::size_t>(request)];
  // Each rank holds 1/t of every layer's KV heads: rank i of the prefill group sends its share to rank i of
  // the decode group (over max(t_p, t_d) pairs when the groups differ in size).
  const std::size_t pairs = std::max(src.size(), dst.size());
  const auto total = static_cast<std::uint64_t>(std::llround(r.prompt * m_spec.kv_bytes_per_token));
  auto move = std::make_unique<KvMove>(*this, request, to);
  const std::uint64_t tag = m_next_id++ << 24;
  const std::vector<std::uint64_t> shares = workloads::split_even(total, static_cast<int>(pairs));
  move->done.add();  // held while posting
  for (std::size_t i = 0; i < pairs; ++i) {
    if (shares[i] == 0) continue;
    accelerator::Accelerator& a = m_platform.accelerator(src[i % src.size()]);
    accelerator::Accelerator& b = m_platform.accelerator(dst[i % dst.size()]);
    b.recv(a.rank(), shares[i], tag, move->done);
    a.send(b.rank(), shares[i], static_cast<std::uint8_t>(workloads::TransportClass::RemoteMemory), tag,
           move->done, nullptr);
  }
  m_kv_bytes += static_cast<double>(total);
  KvMove& m = *move;
  m_moves.push_back(std::move(move));
  m.done.one_done();
}

void Serving::KvMove::completed() {
  Request& r = serving.m_requests[static_cast<std::size_t>(request)];
  r.kv_done = core::now_ticks();
  Decoder& dec = serving.m_decoders[static_cast<std::size_t>(to)];
  dec.joining.push_back(request);
  dec.wake.notify();
}

void Serving::finished_one() {
  if (++m_finished < m_requests.size()) return;
  for (Decoder& d : m_decoders)
    d.wake.notify();  // idle decode servers end
}

void Serving::decode_server(int g) {
  Decoder& dec = m_decoders[static_cast<std::size_t>(g)];
  const std::vector<int>& group = m_spec.decode[static_cast<std::size_t>(g)];
  const int key = -1 - g;
  std::vector<int> active;
  for (;;) {
    while (!dec.joining.empty() &&
           (m_spec.max_batch == 0 || static_cast<int>(active.size()) < m_spec.max_batch)) {
      active.push_back(dec.joining.front());
      dec.joining.pop_front();
    }
    if (active.empty()) {
      if (m_finished >= m_requests.size()) return;
      dec.wake.wait();
      continue;
    }
    // One iteration: every active request's next token; attention over each one's context so far.
    double context = 0.0;
    for (int i : active) {
      const Request& r = m_requests[static_cast<std::size_t>(i)];
      context += r.prompt + r.generated;
    }
    const auto batch = static_cast<double>(active.size());
    layers(group, key, batch * m_spec.flops_per_token + context * m_spec.attention_flops,
           m_spec.weight_bytes + context * m_spec.kv_bytes_per_token, active.size() * m_spec.token_bytes);
    ++m_decode_iterations;
    m_batch_sum += batch;
    const core::Tick now = core::now_ticks();
    std::vector<int> still;
    for (int i : active) {
      Request& r = m_requests[static_cast<std::size_t>(i)];
      if (++r.generated >= r.output) {
        r.last_token = now;
        --dec.load;
        finished_one();
      } else {
        still.push_back(i);
      }
    }
    active.swap(still);
  }
}

ServingResult Serving::result(double sim_time_s) const {
  ServingResult s;
  s.requests = static_cast<int>(m_requests.size());
  std::vector<double> ttft, tpot, kv;
  std::uint64_t tokens = 0;
  for (const Request& r : m_requests) {
    ttft.push_back(core::to_seconds(r.first_token - r.arrival));
    tokens += static_cast<std::uint64_t>(r.output);
    if (r.output > 1) {
      tpot.push_back(core::to_seconds(r.last_token - r.first_token) / (r.output - 1));
      kv.push_back(core::to_seconds(r.kv_done - r.first_token));
    }
  }
  s.ttft_p50_s = percentile(ttft, 0.5);
  s.ttft_p99_s = percentile(ttft, 0.99);
  s.ttft_mean_s = mean(ttft);
  s.tpot_p50_s = percentile(tpot, 0.5);
  s.tpot_p99_s = percentile(tpot, 0.99);
  s.tpot_mean_s = mean(tpot);
  s.output_tokens = tokens;
  s.tokens_per_s = sim_time_s > 0.0 ? static_cast<double>(tokens) / sim_time_s : 0.0;
  s.kv_bytes = m_kv_bytes;
  s.kv_transfer_mean_s = mean(kv);
  s.kv_transfer_max_s = kv.empty() ? 0.0 : *std::max_element(kv.begin(), kv.end());
  s.prefill_batches = m_prefill_batches;
  s.decode_iterations = m_decode_iterations;
  s.decode_batch_mean = m_decode_iterations > 0 ? m_batch_sum / m_decode_iterations : 0.0;
  return s;
}

}  // namespace pjbit::engine::detail
