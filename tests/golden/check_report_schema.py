#!/usr/bin/env python3
"""Checks pjbit reports against the report's JSON Schema (docs/report.schema.json) and the identities that
hold by definition (CONTRACT section 6): the energy categories add up to the total, static and dynamic
too, the fabric's energy lies between its own categories and those plus all of cooling, and
fabric_pj_per_useful_bit is energy_j.fabric / (8 x useful_bytes).

  check_report_schema.py SCHEMA REPORT...       exit 0 when every report conforms, 1 when one does not
                                                (a folder stands for the .json files in it)
  check_report_schema.py --self-test SCHEMA REPORT
                                                breaks REPORT (a valid one) in several ways and exits 0
                                                when every broken copy is rejected

The validator is Debian's python3-jsonschema (scripts/install-deps.sh installs it): it implements draft
2020-12 whole (if/then, unevaluatedProperties, dependentRequired), which the schema uses and which is
what a user's pipeline is likely to run. No Debian package has a C++ validator of that draft (RapidJSON's
stops at draft 04)."""
import copy
import glob
import json
import math
import os
import sys

try:
    import jsonschema
except ImportError:
    print("error: the Python module jsonschema is missing: install python3-jsonschema "
          "(scripts/install-deps.sh)", file=sys.stderr)
    sys.exit(2)

FABRIC = ("serdes", "retimer", "dsp", "laser", "switch", "ocs", "nic")


def close(a, b, rel=1e-9):
    return abs(a - b) <= rel * max(abs(a), abs(b)) + 1e-300


def path_of(error):
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return where[1:] if where.startswith(".") else (where or "(report)")


def identities(r):
    """The contract's identities, for a report the schema accepted."""
    errs = []
    e = r["energy_j"]
    cat = e["by_category"]
    if not close(sum(cat.values()), e["total"]):
        errs.append(f"energy_j.by_category adds up to {sum(cat.values())!r}, not energy_j.total {e['total']!r}")
    if not close(e["static"] + e["dynamic"], e["total"]):
        errs.append("energy_j.static + energy_j.dynamic is not energy_j.total")
    for name in cat:
        if not close(e["static_by_category"][name] + e["dynamic_by_category"][name], cat[name]):
            errs.append(f"energy_j.static_by_category.{name} + dynamic_by_category.{name} is not by_category.{name}")
    own = sum(cat[k] for k in FABRIC)
    if not own * (1 - 1e-9) <= e["fabric"] <= (own + cat["cooling"]) * (1 + 1e-9):
        errs.append("energy_j.fabric is not the fabric's categories plus at most all of cooling")
    if r["useful_bytes"] > 0:
        expected = e["fabric"] / (8.0 * r["useful_bytes"]) * 1e12
        if not close(r["fabric_pj_per_useful_bit"], expected, 1e-6):
            errs.append(f"fabric_pj_per_useful_bit is {r['fabric_pj_per_useful_bit']!r}, "
                        f"energy_j.fabric / (8 x useful_bytes) is {expected!r} pJ")
    if not math.isclose(sum(e["by_tier"].values()), e["fabric"], rel_tol=1e-9, abs_tol=1e-300):
        errs.append("energy_j.by_tier does not add up to energy_j.fabric")
    if r["scheduler"]["reconfiguration_count"] != len(r["scheduler"]["reconfigurations"]):
        errs.append("scheduler.reconfiguration_count is not the number of scheduler.reconfigurations")
    if len(r["waiting"]["per_rank_s"]) != r["platform"]["ranks"]:
        errs.append("waiting.per_rank_s does not have one entry per rank")
    return errs


def problems(validator, report):
    errs = [f"{path_of(err)}: {err.message}"
            for err in sorted(validator.iter_errors(report), key=lambda x: list(map(str, x.absolute_path)))]
    return errs if errs else identities(report)


def broken_copies(report):
    """(what was broken, text one of the errors must contain, the broken report): each must be rejected, for
    that reason."""
    def change(what, expect, edit):
        r = copy.deepcopy(report)
        edit(r)
        return what, expect, r
    out = [
        change("without sim_time_s", "'sim_time_s' is a required property", lambda r: r.pop("sim_time_s")),
        change("without energy_j.by_category.serdes", "energy_j.by_category: 'serdes' is a required property",
               lambda r: r["energy_j"]["by_category"].pop("serdes")),
        change("without links[0].bytes", "links[0]: 'bytes' is a required property",
               lambda r: r["links"][0].pop("bytes")),
        change("energy_j.total a string", "energy_j.total: '1.5 J' is not of type 'number'",
               lambda r: r["energy_j"].__setitem__("total", "1.5 J")),
        change("useful_bytes a fraction", "useful_bytes: 0.5 is not of type 'integer'",
               lambda r: r.__setitem__("useful_bytes", 0.5)),
        change("platform.ranks a string", "platform.ranks: '8' is not of type 'integer'",
               lambda r: r["platform"].__setitem__("ranks", "8")),
        change("wire_bytes negative", "wire_bytes: -1 is less than the minimum of 0",
               lambda r: r.__setitem__("wire_bytes", -1)),
        change("an unknown engine", "engine: 'fluid' is not one of", lambda r: r.__setitem__("engine", "fluid")),
        change("an unknown step kind", "steps[0]", lambda r: r["steps"][0].__setitem__("kind", "nap")),
        change("an unknown category", "'magic' was unexpected",
               lambda r: r["energy_j"]["by_category"].__setitem__("magic", 0.0)),
        change("a key the report does not have", "'wall_time_ms' was unexpected",
               lambda r: r["stats"].__setitem__("wall_time_ms", 0.0)),
        change("another schema", "schema: 'pjbit.report/1' was expected",
               lambda r: r.__setitem__("schema", "pjbit.report/2")),
        change("effective_compute above 1", "effective_compute: 1.5 is greater than the maximum of 1",
               lambda r: r.__setitem__("effective_compute", 1.5)),
        change("slept_s on a link without link_sleep", "links[0]",
               lambda r: r["links"][0].__setitem__("slept_s", 0.0)),
        change("energy_j.total off by 1 %", "not energy_j.total",
               lambda r: r["energy_j"].__setitem__("total", r["energy_j"]["total"] * 1.01)),
    ]
    # A collective's own keys are checked by kind: the report to break must have one among its steps.
    i = next(k for k, s in enumerate(report["steps"]) if s["kind"] == "collective")
    out.append(change("a collective without its op", f"steps[{i}]: 'op' is a required property",
                      lambda r: r["steps"][i].pop("op")))
    return out


def inline_refs(schema):
    """The schema with each reference to one of its own $defs replaced by the definition (beside any keyword
    next to the reference, under allOf), except where a definition refers to itself. It accepts and rejects
    what the schema does, with the same messages; validators resolve a reference on every value they check
    against it, which made the check of reports with long lists several times slower."""
    defs = schema.get("$defs", {})
    prefix = "#/$defs/"

    def walk(node, seen):
        if isinstance(node, list):
            return [walk(x, seen) for x in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(prefix) and ref[len(prefix):] in defs \
                and ref[len(prefix):] not in seen:
            name = ref[len(prefix):]
            target = walk(defs[name], seen | {name})
            rest = {k: walk(v, seen) for k, v in node.items() if k != "$ref"}
            return {"allOf": [target, rest]} if rest else target
        return {k: walk(v, seen) for k, v in node.items()}

    return walk(schema, frozenset())


def main(argv):
    self_test = len(argv) > 1 and argv[1] == "--self-test"
    args = argv[2:] if self_test else argv[1:]
    if len(args) < 2 or (self_test and len(args) != 2):
        print(__doc__, file=sys.stderr)
        return 2
    with open(args[0]) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(inline_refs(schema))
    reports = []
    for arg in args[1:]:
        if os.path.isdir(arg):
            reports += sorted(glob.glob(os.path.join(arg, "*.json")))
        else:
            reports.append(arg)
    if not reports:
        print(f"error: no reports in {' '.join(args[1:])}", file=sys.stderr)
        return 2
    if self_test:
        with open(reports[0]) as f:
            report = json.load(f)
        errs = problems(validator, report)
        if errs:
            print(f"{reports[0]}: the report to break is not valid to begin with: {errs[0]}")
            return 1
        failed = 0
        for what, expect, broken in broken_copies(report):
            errs = problems(validator, broken)
            why = [err for err in errs if expect in err]
            if why:
                print(f"rejected, {what}: {why[0]}")
            elif errs:
                print(f"REJECTED FOR ANOTHER REASON, {what}: {errs[0]} (expected one with: {expect})")
                failed += 1
            else:
                print(f"ACCEPTED, {what}: the schema or the identities should have rejected it")
                failed += 1
        return 1 if failed else 0
    failed = 0
    for path in reports:
        with open(path) as f:
            report = json.load(f)
        errs = problems(validator, report)
        for err in errs[:20]:
            print(f"{path}: {err}")
        if len(errs) > 20:
            print(f"{path}: ... and {len(errs) - 20} more")
        failed += bool(errs)
    print(f"{len(reports) - failed} of {len(reports)} reports follow docs/report.schema.json and the contract")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
