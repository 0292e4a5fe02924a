#include "workloads/traffic.h"

namespace pjbit::workloads {

namespace {

// splitmix64: a small, fully specified generator (std::uniform_int_distribution is not the same across
// standard libraries, and results must be).
class SplitMix {
 public:
  explicit SplitMix(std::uint64_t seed) : m_state(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (m_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) by rejection, without modulo bias.
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % n);
    for (;;) {
      const std::uint64_t x = next();
      if (x < limit) return x % n;
    }
  }

 private:
  std::uint64_t m_state;
};

}  // namespace

std::vector<TrafficMessage> traffic_messages(const TrafficStep& step, int ranks, std::uint64_t seed,
                                             std::uint64_t salt) {
  std::vector<TrafficMessage> out;
  out.reserve(static_cast<std::size_t>(step.messages));
  std::vector<int> pool = step.ranks;
  if (pool.empty())
    for (int r = 0; r < ranks; ++r)
      pool.push_back(r);
  SplitMix rng(seed * 0x2545f4914f6cdd1dull ^ salt);
  for (std::uint64_t k = 0; k < step.messages; ++k) {
    TrafficMessage m;
    m.at_s = static_cast<double>(k) * step.interval_s;
    if (!step.pairs.empty()) {
      const auto& pair = step.pairs[static_cast<std::size_t>(k % step.pairs.size())];
      m.src = pair.first;
      m.dst = pair.second;
    } else {
      const std::uint64_t n = pool.size();
      const std::uint64_t a = rng.below(n);
      std::uint64_t b = rng.below(n - 1);
      if (b >= a) ++b;  // any rank but the source
      m.src = pool[static_cast<std::size_t>(a)];
      m.dst = pool[static_cast<std::size_t>(b)];
    }
    out.push_back(m);
  }
  return out;
}

std::uint64_t traffic_salt(const std::string& key, int iteration) {
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a over the key, then the iteration
  for (unsigned char c : key) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h ^ (static_cast<std::uint64_t>(iteration) * 0x9e3779b97f4a7c15ull);
}

}  // namespace pjbit::workloads
