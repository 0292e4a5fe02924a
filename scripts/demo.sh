#!/usr/bin/env bash
# The headline demo of `make run`: one training step on every shipped platform, side by side.
set -euo pipefail
pjbit=$(realpath "${1:-build/pjbit}")
cd "$(dirname "$0")/.."
out=${PJBIT_DEMO_OUT:-build/demo}
mkdir -p "$out"
platforms=(platforms/pod8-nvswitch.yaml platforms/pods-fattree-dsp.yaml platforms/pods-fattree-cpo.yaml
           platforms/pods-ocs.yaml platforms/switch8.yaml platforms/ring8.yaml)
workload=workloads/train_step.yaml
first=$(basename "${platforms[0]}" .yaml)
echo "pjbit: $(basename "$workload" .yaml) on ${#platforms[@]} platforms (reports in $out/)"
"$pjbit" run "${platforms[0]}" "$workload" --json "$out/$first.json" --csv "$out/$first.csv" \
  --html "$out/$first.html"
for p in "${platforms[@]:1}"; do
  name=$(basename "$p" .yaml)
  "$pjbit" run "$p" "$workload" --quiet --json "$out/$name.json" --csv "$out/$name.csv"
done
echo
echo "side by side:"
python3 - "$out" "${platforms[@]}" <<'PY'
import json, os, sys
out, platforms = sys.argv[1], sys.argv[2:]
cats = ("serdes", "retimer", "dsp", "laser", "switch", "ocs", "nic")
print(f"  {'platform':<18} {'ranks':>5} {'time ms':>9} {'eff. compute':>12} {'fabric pJ/bit':>13} "
      f"{'energy J':>9}  biggest fabric categories")
for p in platforms:
    name = os.path.splitext(os.path.basename(p))[0]
    r = json.load(open(os.path.join(out, name + ".json")))
    e = r["energy_j"]
    fabric = sum(e["by_category"][c] for c in cats) or 1.0
    top = sorted(((e["by_category"][c], c) for c in cats), reverse=True)[:3]
    biggest = ", ".join(f"{c} {100 * v / fabric:.0f}%" for v, c in top if v > 0)
    print(f"  {name:<18} {r['platform']['ranks']:>5} {1e3 * r['sim_time_s']:>9.3f} "
          f"{100 * r['effective_compute']:>11.1f}% {r['fabric_pj_per_useful_bit']:>13.2f} {e['total']:>9.2f}  {biggest}")
print()
print("where the heat lands:")
print(f"  {'platform':<18} {'escape Tb/s':>16} {'W/port':>7} {'rack kW avg/peak':>17} {'+cooling':>9} "
      f"{'cooling':>8} {'idle share':>10}  warnings")
for p in platforms:
    name = os.path.splitext(os.path.basename(p))[0]
    r = json.load(open(os.path.join(out, name + ".json")))
    d = r.get("density", {})
    esc = d.get("escape")
    escape = f"{esc['needed_tbps']:.1f} of {esc['available_tbps']:.1f}" if esc else "-"
    ports = [s["w_per_port"] for s in d.get("switches", []) if s["kind"] == "switch"]
    port = f"{max(ports):.1f}" if ports else "-"
    racks = [k for k in d.get("racks", []) if k["kind"] == "accelerator"]
    hot = max(racks, key=lambda k: k["peak_kw"]) if racks else None
    rack = f"{hot['average_kw']:.1f}/{hot['peak_kw']:.1f}" if hot else "-"
    cooled = f"{hot['peak_kw_with_cooling']:.1f}" if hot else "-"
    warnings = ", ".join(f"{w['kind']} {w['where']}" for w in d.get("warnings", [])) or "none"
    print(f"  {name:<18} {escape:>16} {port:>7} {rack:>17} {cooled:>9} {r['cooling']['kind']:>8} "
          f"{100 * r['energy_j']['idle_share']['total']:>9.1f}%  {warnings}")
PY
echo
echo "report page of $first: $out/$first.html (open it in a browser)"
