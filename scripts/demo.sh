#!/usr/bin/env bash
# The headline demo of `make run`: one training step on each shipped platform, side by side.
set -euo pipefail
pjbit=${1:-build/pjbit}
cd "$(dirname "$0")/.."
out=${PJBIT_DEMO_OUT:-build/demo}
mkdir -p "$out"
for p in platforms/ring8.yaml platforms/switch8.yaml; do
  name=$(basename "$p" .yaml)
  "$pjbit" run "$p" workloads/train_step.yaml --json "$out/$name.json" --csv "$out/$name.csv"
  echo
done
echo "side by side (reports in $out/):"
printf '  %-10s %14s %12s %14s %12s\n' platform "sim time (ms)" "eff. compute" "fabric pJ/bit" "energy (J)"
for p in platforms/ring8.yaml platforms/switch8.yaml; do
  name=$(basename "$p" .yaml)
  tail -n 1 "$out/$name.csv" | awk -F, -v n="$name" '{ printf "  %-10s %14.3f %11.1f%% %14.3f %12.4f\n", n, $4*1e3, $10*100, $9, $7 }'
done
