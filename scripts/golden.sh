#!/usr/bin/env bash
# Regenerates tests/golden/reports/: the JSON report of every shipped platform (platforms/*.yaml) with every
# shipped workload (workloads/*.yaml) it can run, on both engines, named PLATFORM.WORKLOAD.ENGINE.json.
# stats.wall_time_s is set to 0 so that a file changes only when the model's results do; everything else is
# the program's output byte for byte. A combination the program refuses as bad input (exit 2, e.g. a
# workload that names more ranks than the platform has) gets no file. `make golden` builds the program and
# runs this; review what changed with `git diff tests/golden/reports` and commit it with the change.
# Usage: scripts/golden.sh [PROGRAM]   (JOBS runs at once, default 2)
set -euo pipefail
pjbit=$(realpath "${1:-build/pjbit}")
cd "$(dirname "$0")/.."
out=tests/golden/reports
jobs=${JOBS:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One run: the report in $tmp, or a note of why the combination cannot run. Paths stay relative to the
# repository root, as the report records them (platform.file, workload.file) and the golden test runs them.
run_one() {
  local p=$1 w=$2 e=$3
  local name
  name="$(basename "$p" .yaml).$(basename "$w" .yaml).$e"
  local rc=0
  "$pjbit" run "$p" "$w" --quiet --set "engine=$e" --json "$tmp/$name.json" 2>"$tmp/$name.err" || rc=$?
  case $rc in
    0) sed -i 's/^\(    "wall_time_s": \).*$/\10.0/' "$tmp/$name.json" ;;
    2) echo "  $name: cannot run, no golden report ($(head -n 1 "$tmp/$name.err"))" ;;
    *)
      echo "error: $name: the program exited with $rc:" >&2
      cat "$tmp/$name.err" >&2
      touch "$tmp/failed"
      ;;
  esac
}

for p in platforms/*.yaml; do
  for w in workloads/*.yaml; do
    for e in packet flow; do
      while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
        wait -n
      done
      run_one "$p" "$w" "$e" &
    done
  done
done
wait
[ ! -e "$tmp/failed" ] || { echo "error: golden reports not updated" >&2; exit 1; }

# Every report must have had its wall time replaced: the sed above relies on the report's layout.
for f in "$tmp"/*.json; do
  grep -q '^    "wall_time_s": 0.0$' "$f" || { echo "error: $f: no stats.wall_time_s to zero" >&2; exit 1; }
done
mkdir -p "$out"
rm -f "$out"/*.json
mv "$tmp"/*.json "$out"/
echo "$(ls "$out"/*.json | wc -l) golden reports in $out; review them with: git diff $out"
