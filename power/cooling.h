// The density cooling model: the cooling power of a rack depends on how it is cooled (air, direct-to-chip
// liquid, immersion) and on how much heat it sheds. Air's overhead grows with the square of the rack's heat
// up to its envelope (fan affinity laws); liquid and immersion carry a flat overhead. Equations and sources
// in power.md; the flat model (an overhead on all IT energy) needs none of this.
#pragma once

#include <string_view>

namespace pjbit::power::cooling {

struct Kind {
  std::string_view name;     // air | liquid | immersion
  double base_overhead;      // cooling W per IT W of a rack that sheds little heat
  double envelope_overhead;  // cooling W per IT W at the envelope (air); the base elsewhere
  double envelope_w;         // the most heat one rack of this kind sheds; 0: no published limit
  std::string_view source;   // where the figures come from
  // The coolant that takes a package's heat, at its warmest design temperature: the air at a server's inlet,
  // the water entering a cold plate, the immersion fluid (power/thermal.md).
  double coolant_c;
  std::string_view coolant_source;
};

// The kind of that name, or nullptr.
const Kind* find(std::string_view name);

// Cooling watts per IT watt of a rack of kind `kind` whose IT equipment draws `rack_w` on average:
//   x(P) = base + (envelope_overhead - base) x (P / envelope)^2    (0 <= P, continued past the envelope)
// and `base` for a kind with no envelope.
double overhead(const Kind& kind, double rack_w);

// Whether a rack drawing `rack_w` is beyond what its kind can cool.
inline bool beyond_envelope(const Kind& kind, double rack_w) {
  return kind.envelope_w > 0.0 && rack_w > kind.envelope_w;
}

}  // namespace pjbit::power::cooling
