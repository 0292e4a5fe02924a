#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build (cmake --preset fuzz) for a set time, and fails when any of
# them found something. `make fuzz` calls it; docs/testing.md explains the targets and what to do with a
# finding.
#
#   scripts/fuzz.sh [BUILD_DIR]        (default build-fuzz)
#
# Environment: FUZZ_SECONDS per target (default 60), FUZZ_JOBS targets at once (default 2), FUZZ_TIMEOUT
# seconds one input may take before it counts as a hang (default 60), FUZZ_TARGETS (default all six),
# FUZZ_OUT the folder for corpora, logs and findings (default BUILD_DIR/fuzz).
#
# Each target starts from its regression corpus (tests/fuzz/corpus/TARGET/) and the shipped files of its kind
# (platforms, workloads, sweeps, golden reports), with its dictionary (tests/fuzz/dict/TARGET.dict). New
# inputs that reach new code are kept in FUZZ_OUT/corpus/TARGET/ and reused by the next run; an input that
# crashes, trips a sanitizer, throws an undocumented exception, hangs or runs out of memory is saved in
# FUZZ_OUT/findings/RUN/TARGET/, RUN being the time the run started.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-fuzz}
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-2}
timeout=${FUZZ_TIMEOUT:-60}
targets=${FUZZ_TARGETS:-quantity platform workload sweep report chakra}
out=${FUZZ_OUT:-$build/fuzz}
run=$(date +%Y%m%d-%H%M%S)

for t in $targets; do
  [ -x "$build/tests/fuzz/fuzz_$t" ] || {
    echo "error: $build/tests/fuzz/fuzz_$t: not built; run: cmake --preset fuzz && cmake --build --preset fuzz" >&2
    exit 2
  }
done

# The shipped files each target starts from, besides its own corpus. libFuzzer takes folders, so they are
# copied into one per target; a sweep's platform and workload are the files beside it in the target's folder.
seeds() {
  local t=$1 dir=$out/seeds/$t
  rm -rf "$dir"
  mkdir -p "$dir"
  case $t in
    platform) cp "$root"/platforms/*.yaml "$dir"/ ;;
    workload) cp "$root"/workloads/*.yaml "$dir"/ ;;
    sweep)
      for f in "$root"/examples/sweeps/*.yaml; do
        sed -e 's|^platform: .*|platform: platform.yaml|' -e 's|^workload: .*|workload: workload.yaml|' "$f" \
          >"$dir/$(basename "$f")"
      done
      ;;
    report) ;;  # golden reports are 40 KB and more, too slow to mutate: corpus/report/ holds a trimmed one
    chakra) ;;  # traces are binary: corpus/chakra/ holds shipped workloads written by export-chakra
  esac
  echo "$dir"
}

run_one() {
  local t=$1
  local corpus=$out/corpus/$t findings=$out/findings/$run/$t log=$out/$t.log
  mkdir -p "$corpus" "$findings"
  local seed_dir
  seed_dir=$(seeds "$t")
  # Fork mode with the ignore flags: a finding is saved and fuzzing goes on for the whole time, so that one
  # known crash does not hide the others. stdin from /dev/null: the sweep target reads whatever files a
  # fuzzed sweep names.
  "$build/tests/fuzz/fuzz_$t" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb=2048 \
    -dict="$root/tests/fuzz/dict/$t.dict" -artifact_prefix="$findings/" \
    "$corpus" "$root/tests/fuzz/corpus/$t" "$seed_dir" </dev/null >"$log" 2>&1 || true
  # The last status line: "#RUNS: cov: EDGES ft: ... corp: N exec/s ... oom/timeout/crash: A/B/C time: ...".
  local status runs cov
  status=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1)
  runs=$(echo "$status" | sed -nE 's/^#([0-9]+):.*/\1/p')
  cov=$(echo "$status" | sed -nE 's/.* cov: ([0-9]+).*/\1/p')
  echo "fuzz $t: ${runs:-?} inputs in $seconds s, coverage ${cov:-?} edges," \
    "$(ls "$findings" | wc -l) findings, corpus $(ls "$corpus" | wc -l) inputs, log $log"
}

mkdir -p "$out"
# The sweep and report targets write their input to a temporary folder, which a crashing input leaves behind:
# keep those inside FUZZ_OUT and clear them at the end.
export TMPDIR=$out/tmp
mkdir -p "$TMPDIR"
echo "fuzzing $(echo "$targets" | wc -w) targets for $seconds s each, $jobs at a time; findings go to $out/findings/$run/"
running=0
for t in $targets; do
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait
rm -rf "$TMPDIR"

status=0
for t in $targets; do
  found=$(find "$out/findings/$run/$t" -type f | sort)
  if [ -n "$found" ]; then
    status=1
    echo "error: fuzz $t found $(echo "$found" | wc -l) inputs (see $out/$t.log):" >&2
    echo "$found" | sed 's/^/  /' >&2
  fi
done
[ $status -eq 0 ] && echo "fuzz: no findings"
exit $status
