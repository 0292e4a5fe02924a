#include "modules/accelerator/comm_library.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace pjbit::accelerator {

const char* protocol_name(Protocol p) {
  switch (p) {
    case Protocol::LL:
      return "ll";
    case Protocol::LL128:
      return "ll128";
    case Protocol::Simple:
      return "simple";
  }
  return "unknown";
}

const char* family_name(Family f) {
  switch (f) {
    case Family::Ring:
      return "ring";
    case Family::Tree:
      return "tree";
    case Family::Nvls:
      return "nvls";
  }
  return "unknown";
}

bool CommLibrary::runs(Family f) const {
  const auto& row = latency[static_cast<std::size_t>(f)];
  return std::any_of(row.begin(), row.end(), [](const ProtocolLatency& l) { return l.available; });
}

std::uint64_t CommLibrary::wire_bytes(std::uint64_t payload, Protocol p) {
  switch (p) {
    case Protocol::LL:
      // 8 data bytes per 16-byte line: whole lines.
      return (payload + 7) / 8 * 16;
    case Protocol::LL128:
      // 120 data bytes per 128-byte line.
      return (payload + 119) / 120 * 128;
    case Protocol::Simple:
      return payload;
  }
  return payload;
}

double CommLibrary::payload_rate_Bps(Protocol p, double rate_Bps) const {
  const double payload = rate_Bps * efficiency[static_cast<std::size_t>(p)];
  const double cap = max_rate_Bps[static_cast<std::size_t>(p)];
  return cap > 0.0 ? std::min(cap, payload) : payload;
}

double CommLibrary::estimate_s(const Shape& shape, Protocol p) const {
  const ProtocolLatency& l = of(shape.family, p);
  const int network = std::clamp(shape.network_steps, 0, shape.steps);
  const double hops = shape.family == Family::Nvls
                          ? l.hop_s[0] + (network > 0 ? l.hop_s[1] : 0.0)
                          : (shape.steps - network) * l.hop_s[0] + network * l.hop_s[1];
  const double rate = payload_rate_Bps(p, shape.rate_Bps);
  return l.launch_s + hops + (rate > 0.0 ? shape.bytes_sent / rate : 0.0);
}

double CommLibrary::nvls_chunk(double size_bytes, int ranks) const {
  const double ops = static_cast<double>(nvls_channels) * std::min(ranks, kMaxNvlsHeads);
  double chunk = nvls_chunk_bytes;
  if (size_bytes < 64.0 * ops * chunk && chunk > 65536.0) chunk = 65536.0;
  if (size_bytes < 8.0 * ops * chunk && chunk > 32768.0) chunk = 32768.0;
  if (size_bytes < 2.0 * ops * chunk && chunk > 16384.0) chunk = 16384.0;
  return chunk;
}

double CommLibrary::nvls_tree_busbw_cap_Bps(int domains, int heads) const {
  const double channel = nvls_tree_channel_Bps[domains <= 2 ? 0 : 1];
  return channel * std::clamp(heads, 1, kMaxNvlsHeads);
}

int CommLibrary::nvls_loops(double size_bytes, int ranks) const {
  const double loop =
      static_cast<double>(nvls_channels) * std::min(ranks, kMaxNvlsHeads) * nvls_chunk(size_bytes, ranks);
  return std::max(1, static_cast<int>(std::ceil(size_bytes / loop)));
}

double CommLibrary::nvls_copy_stages_s(double size_bytes, int ranks, double link_s) const {
  if (nvls_channels <= 0 || nvls_chunk_bytes <= 0.0 || size_bytes <= 0.0) return 0.0;
  return 2.0 * link_s / nvls_loops(size_bytes, ranks);
}

Protocol CommLibrary::choose(const Shape& shape) const {
  Protocol best = Protocol::Simple;
  double best_s = std::numeric_limits<double>::infinity();
  for (Protocol p : {Protocol::LL, Protocol::LL128, Protocol::Simple}) {
    if (!of(shape.family, p).available) continue;
    const double t = estimate_s(shape, p);
    if (t <= best_s) {
      best_s = t;
      best = p;
    }
  }
  return best;
}

}  // namespace pjbit::accelerator
