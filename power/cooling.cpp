#include "power/cooling.h"

namespace pjbit::power::cooling {

namespace {

// Figures and their sources: docs/reference/tech-figures.md §8 and §10; the derivation is in power.md.
constexpr Kind kKinds[] = {
    {"air", 0.40, 0.70, 40e3,
     "overhead 0.40 at low density and 0.70 at the envelope: the 1.4-1.7 PUE range of conventional "
     "air-cooled facilities (§10, L), which holds the 2023 industry average of 1.58 (§8, Uptime Institute, "
     "H); growth with the square of rack heat from the fan affinity laws (fan power ~ airflow^3, airflow ~ "
     "heat at a fixed air temperature rise); envelope 40 kW per rack, the middle of the 30-50 kW air-cooling "
     "cliff (§8, L) and the 40.8 kW of four DGX H100 in one air-cooled rack (§10, H)",
     27.0,
     "27 C: the top of ASHRAE TC 9.9's recommended server inlet envelope of 18-27 C, the same for classes "
     "A1-A4 (§13, M)"},
    {"liquid", 0.10, 0.10, 200e3,
     "direct-to-chip liquid: overhead 0.10, Google's fleet PUE of 1.10 (§8, M), flat because pumps and "
     "dry coolers scale with the heat they move; envelope 200 kW per rack is an ESTIMATE: one 200 kW CDU "
     "(§8, CoolIT CHx200, M) per rack, above the ~120 kW of a liquid-cooled GB200 NVL72 rack (§7, L-M)",
     32.0,
     "32 C: ASHRAE's W32 liquid cooling class, facility water supplied at up to 32 C, one of the classes "
     "W17 to W+ that the CoolIT CHx200 CDU is specified for (§8 and §13, M); the water entering the cold "
     "plate is taken to be the facility supply (a CDU's approach is left out, an estimate)"},
    {"immersion", 0.05, 0.05, 0.0,
     "single-phase immersion: overhead 0.05, partial PUE at or below 1.05 (§10, L; about half the energy of "
     "air cooling, §10, arXiv 2205.04257); no published per-rack limit, so none is checked",
     40.0,
     "40 C: an ESTIMATE, the fluid of a single-phase immersion tank cooled by water of ASHRAE's W32 class "
     "(§13) with an 8 K approach across the tank's heat exchanger (an estimate)"},
};

}  // namespace

const Kind* find(std::string_view name) {
  for (const Kind& k : kKinds)
    if (k.name == name) return &k;
  return nullptr;
}

double overhead(const Kind& kind, double rack_w) {
  if (kind.envelope_w <= 0.0 || rack_w <= 0.0) return kind.base_overhead;
  const double f = rack_w / kind.envelope_w;
  return kind.base_overhead + (kind.envelope_overhead - kind.base_overhead) * f * f;
}

}  // namespace pjbit::power::cooling
