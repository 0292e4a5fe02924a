// The collective communication library that drives an accelerator's collectives (NCCL, RCCL class): what a
// collective costs on top of the fabric. A call pays a launch latency, every step of its schedule a
// synchronisation latency that depends on the hop it takes (scale-up or network), its bytes travel in the
// line format of one of three protocols (LL, LL128, Simple), and the library drives a NIC, or NVLink
// multicast and in-switch reduction, at a sourced share of their payload rate. The protocol is chosen per
// collective the way NCCL's tuner chooses it: the least estimated time. Pure functions, no SystemC; the
// engine applies them (engine/program.cpp). Equations and sources in comm_library.md.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace pjbit::accelerator {

// NCCL's protocols: LL (8 bytes of data and an 8-byte flag per 16-byte line), LL128 (120 bytes of data and
// an 8-byte flag per 128-byte line) and Simple (data only, with a synchronisation per chunk).
enum class Protocol : std::uint8_t { LL = 0, LL128 = 1, Simple = 2 };
inline constexpr int kProtocols = 3;
// "ll", "ll128", "simple": the names of the platform file and the report.
const char* protocol_name(Protocol p);

// The rows of the library's latency tables: ring-shaped schedules (ring, bidir_ring, torus rings,
// hierarchical, direct), trees, and NVLS (multicast and reduction in the switch).
enum class Family : std::uint8_t { Ring = 0, Tree = 1, Nvls = 2 };
inline constexpr int kFamilies = 3;
const char* family_name(Family f);  // "ring", "tree", "nvls"

// The hop a step of a schedule takes: inside the scale-up domain (NVLink class), or across the network (a
// NIC).
enum class Hop : std::uint8_t { ScaleUp = 0, Network = 1 };

// What one protocol of one family costs in latency.
struct ProtocolLatency {
  bool available = false;         // the family runs this protocol
  double launch_s = 0.0;          // once per collective call (NCCL's base latency)
  std::array<double, 2> hop_s{};  // per step, by Hop (NCCL's hardware latency of NVLink and NET)
};

struct CommLibrary {
  std::string name;  // empty: no library; collectives cost what the fabric makes them cost
  std::array<std::array<ProtocolLatency, kProtocols>, kFamilies> latency{};
  // Payload bytes per byte of each protocol's line format (the wire carries 1/efficiency bytes per byte).
  std::array<double, kProtocols> efficiency{0.5, 120.0 / 128.0, 1.0};
  // The most payload one rank moves per second in each protocol (its threads write and poll flags line by
  // line); 0: no cap.
  std::array<double, kProtocols> max_rate_Bps{};
  // The share of a NIC's payload rate the library's network proxy sustains, in (0, 1].
  double net_efficiency = 1.0;
  // Line-format bytes a rank may have sent to a peer and not yet had delivered, per protocol: the library's
  // buffer of each channel and peer. NCCL's defaults (src/init.cc, src/include/device.h): LL 8 lines x 512
  // threads x 8 steps x 16 bytes = 512 KiB, LL128 120 x 640 x 8 x 8 bytes = 4.69 MiB, Simple 4 MiB.
  std::array<double, kProtocols> buffer_bytes{524288.0, 4915200.0, 4194304.0};
  // The share of a scale-up link's payload rate that NVLS multicast and in-switch reduction sustain, (0, 1].
  double nvls_efficiency = 1.0;
  // NVLS's pipeline without registered user buffers (NCCL's default, and nccl-tests'): every channel copies
  // its share of the buffer into the NVLS buffer, has the switch reduce and multicast it, and copies the
  // result out, one loop of `heads` chunks at a time (NCCL src/device/all_reduce.h). Its channels
  // (NVLS_NCHANNELS, src/transport/nvls.cc) and its largest chunk (NCCL_NVLS_CHUNKSIZE); 0: not modelled.
  int nvls_channels = 0;
  double nvls_chunk_bytes = 0.0;
  // NCCL's most NVLS heads (NCCL_MAX_NVLS_ARITY, src/include/device.h): ranks beyond it reduce no slice.
  static constexpr int kMaxNvlsHeads = 32;
  // The most bus bandwidth one channel of NCCL's NVLS tree reaches (perChMaxNVLSTreeBws, src/graph/tuning.cc,
  // NCCL 2.28.3 and later): [0] across two domains, [1] across more; 0: no cap. NCCL runs one such channel
  // per head, a rank of the domain with a NIC of its own.
  std::array<double, 2> nvls_tree_channel_Bps{};

  bool enabled() const { return !name.empty(); }
  const ProtocolLatency& of(Family f, Protocol p) const {
    return latency[static_cast<std::size_t>(f)][static_cast<std::size_t>(p)];
  }
  // Whether `f` has any protocol (a library without an NVLS row cannot run NVLS).
  bool runs(Family f) const;

  // Bytes on the wire for `payload` bytes in protocol `p`: whole lines (LL 16 bytes per 8, LL128 128 per
  // 120); Simple carries the payload as it is.
  static std::uint64_t wire_bytes(std::uint64_t payload, Protocol p);
  // The payload rate one rank sends at in `p` when the fabric carries `rate_Bps` of wire bytes: the
  // protocol's efficiency of it, or its cap when lower.
  double payload_rate_Bps(Protocol p, double rate_Bps) const;

  // What the tuner knows of one collective: its family, its steps (phases), how many of them cross the
  // network, the bytes one rank sends in all, and the payload rate one rank sends at (the fabric's, the
  // library's shares applied).
  struct Shape {
    Family family = Family::Ring;
    int steps = 0;
    int network_steps = 0;
    double bytes_sent = 0.0;
    double rate_Bps = 0.0;
  };
  // The estimated time of `shape` in protocol `p`: launch + every step's hop latency + the bytes at the
  // protocol's payload rate. NVLS pays its hop latency once per call, not per step (NCCL's model of it).
  double estimate_s(const Shape& shape, Protocol p) const;
  // NVLS's chunk for a `size_bytes` all_reduce over `ranks`: NCCL's largest chunk, halved to 64, 32 and 16
  // KiB while the buffer is under 64, 8 and 2 loops of every channel's every head (src/enqueue.cc).
  double nvls_chunk(double size_bytes, int ranks) const;
  // The loops each NVLS channel runs for it: the buffer over channels x heads x chunk, rounded up (at least
  // 1).
  int nvls_loops(double size_bytes, int ranks) const;
  // The time NVLS's copies into and out of its buffer add to a call whose link traffic takes `link_s`: the
  // first loop's copy in, before any chunk reaches the switch, and the last loop's copy out, after the last
  // multicast, each one loop's share of the call at the pipeline's pace: 2 link_s / loops. 0 when the
  // library models no NVLS pipeline (nvls_channels 0).
  double nvls_copy_stages_s(double size_bytes, int ranks, double link_s) const;
  // The most bus bandwidth an NVLS tree reaches across `domains` domains (two or more) of `heads` heads each:
  // heads (at most kMaxNvlsHeads) x the channel's cap for that many domains; 0 when the library sets none.
  double nvls_tree_busbw_cap_Bps(int domains, int heads) const;
  // The available protocol of the least estimated time (ties: the later of LL, LL128, Simple). Requires
  // runs(shape.family).
  Protocol choose(const Shape& shape) const;
};

}  // namespace pjbit::accelerator
