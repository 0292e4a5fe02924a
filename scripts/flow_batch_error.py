#!/usr/bin/env python3
"""What the flow engine's batched completions (`flow_batch`, docs/engines.md) do to a run's results.

Runs PLATFORM and WORKLOAD with the exact solve (flow_batch 0) and with each tolerance given, and prints,
relative to the exact run: the run's simulated time, the worst step end, and the worst transfer end (from
the --trace timeline: transfers matched by step, source, destination and order), with each run's wall time.

    scripts/flow_batch_error.py PLATFORM.yaml WORKLOAD.yaml 0.001 0.01 0.1 [--pjbit build/pjbit]
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile


def run(pjbit, platform, workload, batch, folder):
    report = os.path.join(folder, "report.json")
    trace = os.path.join(folder, "trace.json")
    cmd = [pjbit, "run", platform, workload, "--set", "flow_batch=" + batch, "--quiet", "--json", report,
           "--trace", trace]
    done = subprocess.run(cmd, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(done.stderr.strip() or "pjbit exited with " + str(done.returncode))
    with open(report) as f:
        r = json.load(f)
    with open(trace) as f:
        events = json.load(f)["traceEvents"]
    ends = {}
    seen = collections.Counter()
    transfers = [e for e in events if e.get("cat") == "transfer"]
    for e in sorted(transfers, key=lambda e: e["ts"]):
        key = (e["name"], e["args"]["src"], e["args"]["dst"])
        seen[key] += 1
        ends[key + (seen[key],)] = e["ts"] + e["dur"]
    steps = [(s["key"], s["iteration"], s["end_s"]) for s in r["steps"]]
    return r["sim_time_s"], steps, ends, r["stats"]["wall_time_s"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("platform")
    ap.add_argument("workload")
    ap.add_argument("tolerances", nargs="+")
    ap.add_argument("--pjbit", default="build/pjbit")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        t0, steps0, ends0, wall0 = run(args.pjbit, args.platform, args.workload, "0", folder)
        print(f"flow_batch 0: {t0:.9g} s simulated, {len(ends0)} transfers, {wall0:.2f} s wall")
        for b in args.tolerances:
            t1, steps1, ends1, wall1 = run(args.pjbit, args.platform, args.workload, b, folder)
            step_err = max((abs(e1 - e0) / e0 for (_, _, e0), (_, _, e1) in zip(steps0, steps1) if e0 > 0),
                           default=0.0)
            common = [k for k in ends0 if k in ends1 and ends0[k] > 0]
            transfer_err = max((abs(ends1[k] - ends0[k]) / ends0[k] for k in common), default=0.0)
            print(f"flow_batch {b}: run {abs(t1 - t0) / t0:.2e}, worst step end {step_err:.2e}, worst transfer "
                  f"end {transfer_err:.2e} ({len(common)} matched), {wall1:.2f} s wall")


if __name__ == "__main__":
    main()
