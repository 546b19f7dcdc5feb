#!/usr/bin/env python3
"""Reads one run of consent-benchmarks/bench/run.sh (JMH's JSON output, the heap measurement and the machine file) and
prints the table of BENCHMARKS.md filled from it: per target the library's score, the yardstick's, their ratio with
its error, the target, and whether it is met.

    report.py RUN                  the table, as Markdown (RUN: the run's path prefix, e.g. .../20261203T150000Z-small)
    report.py --check RUN CLASS    exit 1 if a ratio of that benchmark class has an error of MAX_ERROR or more
                                   (or none could be computed); prints the widest error

The error of a ratio A/B is computed from JMH's score errors (the half-width of each score's 99.9% confidence
interval): relative error sqrt((eA/A)^2 + (eB/B)^2), the usual first-order propagation for a quotient of independent
measurements. A score with one measured iteration has no error (JMH reports NaN): its ratio's error is unknown and
counts as too wide. Only the Python standard library is used.
"""
import glob
import json
import math
import os
import re
import sys

MAX_ERROR = 0.20

# (label, class, library method, yardstick method, ratio target, extra check) per row of BENCHMARKS.md's table.
# An extra check is (label, function of (library row, params) -> value, comparison, target value, unit, applies);
# with comparison None the value is shown and not judged.
ROWS = [
    ("cached `check` / Caffeine `getIfPresent`", "CheckBenchmark", "check", "caffeineGetIfPresent", 1.5, None),
    ("cached `check` / `ConcurrentHashMap.get`", "CheckBenchmark", "check", "concurrentHashMapGet", None, None),
    ("cached `check`, 2 threads / Caffeine `getIfPresent`, 2 threads", "CheckBenchmark", "checkTwoThreads",
     "caffeineGetIfPresentTwoThreads", None, None),
    ("cached `check`, 2 threads / `ConcurrentHashMap.get`, 2 threads", "CheckBenchmark", "checkTwoThreads",
     "concurrentHashMapGetTwoThreads", None, None),
    ("cached `allows` / Caffeine `getIfPresent`", "CheckBenchmark", "allows", "caffeineGetIfPresent", 1.5, None),
    ("cached `allows` / `ConcurrentHashMap.get`", "CheckBenchmark", "allows", "concurrentHashMapGet", None, None),
    ("cached `allows`, 2 threads / Caffeine `getIfPresent`, 2 threads", "CheckBenchmark", "allowsTwoThreads",
     "caffeineGetIfPresentTwoThreads", None, None),
    ("cached `allows`, 2 threads / `ConcurrentHashMap.get`, 2 threads", "CheckBenchmark", "allowsTwoThreads",
     "concurrentHashMapGetTwoThreads", None, None),
    ("`check` on a cache miss / indexed `SELECT`", "MissCheckBenchmark", "library", "rawIndexedSelect", 1.2, None),
    ("bulk filter / hand-written SQL", "BulkAllowedBenchmark", "library", "rawSql", 1.3,
     ("time", lambda ms, p: ms / 1000.0, "<", 5.0, "s", lambda p: p.get("subjects") == "1000000")),
    ("append with hash chain / raw JDBC batch", "AppendBenchmark", "library", "rawBatchInsert", 1.5,
     ("rate", lambda ms, p: int(p["events"]) / (ms / 1000.0), ">=", 20000, "events/s", None)),
    ("sweep, no-op handler, with audit / `DELETE ... RETURNING`", "SweepBenchmark", "librarySweep",
     "rawDeleteReturning", 10.0,
     ("rate", lambda ms, p: int(p["due"]) / (ms / 1000.0), ">=", 100000, "items/s", None)),
    # issue 18 states no targets for these: the rate and the ratio are reported, nothing is judged
    ("decode + apply a TC string / iabgpp decode alone", "SignalApplyBenchmark", "applyTcString", "decodeTcString",
     None, ("rate", lambda us, p: 1e6 / us, None, None, "strings/s", None)),
    ("decode + apply a GPP string / iabgpp decode alone", "SignalApplyBenchmark", "applyGppString",
     "decodeGppString", None, ("rate", lambda us, p: 1e6 / us, None, None, "strings/s", None)),
    ("the same TC string again / iabgpp decode alone", "SignalApplyBenchmark", "reapplyTcString", "decodeTcString",
     None, ("rate", lambda us, p: 1e6 / us, None, None, "strings/s", None)),
    ("Consent Mode for an audience / the same bulk decisions alone", "ConsentModeBulkBenchmark", "library",
     "bulkDecisionsOnly", None, ("rate", lambda ms, p: int(p["subjects"]) / (ms / 1000.0), None, None,
                                 "subjects/s", None)),
]
# (label, class, one-thread method, many-thread method, threads, target): the throughput the threads reach together
# over one thread's, from JMH's average time per operation of each: threads * one-thread time / many-thread time.
SCALING = [
    ("cached `check`, 2 threads: throughput over 1 thread", "CheckBenchmark", "check", "checkTwoThreads", 2, 1.8),
    ("cached `allows`, 2 threads: throughput over 1 thread", "CheckBenchmark", "allows", "allowsTwoThreads", 2, 1.8),
    ("(the same for Caffeine `getIfPresent`)", "CheckBenchmark", "caffeineGetIfPresent",
     "caffeineGetIfPresentTwoThreads", 2, None),
    ("(the same for `ConcurrentHashMap.get`)", "CheckBenchmark", "concurrentHashMapGet",
     "concurrentHashMapGetTwoThreads", 2, None),
]
# (label, push parameter, percentile, target in ms)
LATENCY = [
    ("withdrawal seen by another node's cached check, polling", "polling", "99.0", 1000.0),
    ("the same with LISTEN/NOTIFY", "notify", "99.0", 50.0),
]
HEAP_TARGET = 300


def load(run):
    """Every benchmark result of the run: (class, method, params without 'database', database) -> JMH result."""
    results = {}
    for path in sorted(glob.glob(run + "-*.json")):
        with open(path) as f:
            try:
                data = json.load(f)
            except ValueError:
                continue
        for r in data:
            cls, method = r["benchmark"].split(".")[-2:]
            params = dict(r.get("params") or {})
            database = params.pop("database", "-")
            key = (cls, method, tuple(sorted(params.items())), database)
            results[key] = r
    return results


def machine(run):
    """Per class the machine's verdict recorded by run.sh ('quiet' or 'BUSY ...'), and the header lines."""
    verdicts, header = {}, []
    path = run + "-machine.txt"
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                m = re.match(r"class (\w+): (.*)$", line.strip())
                if m:
                    verdicts[m.group(1)] = m.group(2)
                else:
                    header.append(line.rstrip("\n"))
    return verdicts, header


def score(r):
    m = r["primaryMetric"]
    return m["score"], m["scoreError"], m["scoreUnit"]


def ratio_error(a, ea, b, eb):
    if any(isinstance(x, str) or x is None or math.isnan(x) for x in (ea, eb)) or a <= 0 or b <= 0:
        return None
    return math.sqrt((ea / a) ** 2 + (eb / b) ** 2)


def error_text(err):
    """The ratio's error as the table shows it, marked when it is too wide to read the ratio by."""
    text = "± ?" if err is None else f"± {err * 100:.0f}%"
    return text + " (too wide)" if err is None or err >= MAX_ERROR else text


def pairs(results, cls, lib, yard):
    """(params, database, library result, yardstick result) for every parameter set run of both methods."""
    out = []
    for (c, m, params, db), r in sorted(results.items()):
        if c == cls and m == lib:
            y = results.get((cls, yard, params, db))
            if y is not None:
                out.append((dict(params), db, r, y))
    return out


def fmt(value, unit):
    if value >= 100:
        return f"{value:,.0f} {unit}"
    return f"{value:.3g} {unit}"


def compare(value, op, target):
    return value < target if op == "<" else value >= target if op == ">=" else value <= target


def table(run):
    results = load(run)
    verdicts, header = machine(run)
    lines = ["| what | params | database | library | yardstick | ratio (± error) | target | | machine |",
             "|---|---|---|---|---|---|---|---|---|"]
    for label, cls, lib, yard, target, extra in ROWS:
        found = pairs(results, cls, lib, yard)
        if not found:
            lines.append(f"| {label} | | | not run | | | {'≤ %gx' % target if target else ''} | | |")
            continue
        for params, db, r, y in found:
            a, ea, unit = score(r)
            b, eb, yunit = score(y)
            ratio = a / b
            err_text = error_text(ratio_error(a, ea, b, eb))
            verdict = []
            target_text = []
            if target is not None:
                target_text.append(f"≤ {target:g}x")
                verdict.append("met" if ratio <= target else "missed")
            if extra is not None:
                name, f, op, limit, xunit, applies = extra
                if applies is None or applies(params):
                    value = f(a, params)
                    if op is None:  # reported, not judged
                        target_text.append(f"{name} {fmt(value, xunit)}")
                    else:
                        target_text.append(f"{name} {op} {limit:,} {xunit} ({fmt(value, xunit)})")
                        verdict.append(f"{name} " + ("met" if compare(value, op, limit) else "missed"))
            shown = ", ".join(f"{k}={v}" for k, v in sorted(params.items()))
            lines.append(f"| {label} | {shown} | {db} | {fmt(a, unit)} | {fmt(b, yunit)} | **{ratio:.2f}x** "
                         f"{err_text} | {'; '.join(target_text)} | {', '.join(verdict)} | "
                         f"{verdicts.get(cls, '?')} |")
    for label, cls, one, many, threads, target in SCALING:
        found = pairs(results, cls, many, one)
        if not found:
            lines.append(f"| {label} | | | not run | | | {'≥ %gx' % target if target else ''} | | |")
            continue
        for params, db, r, y in found:
            a, ea, unit = score(r)
            b, eb, yunit = score(y)
            speedup = threads * b / a
            err_text = error_text(ratio_error(a, ea, b, eb))
            shown = ", ".join(f"{k}={v}" for k, v in sorted(params.items()))
            lines.append(f"| {label} | {shown} | {db} | {threads} threads {fmt(a, unit)} each | 1 thread "
                         f"{fmt(b, yunit)} | **{speedup:.2f}x** {err_text} | {'≥ %gx' % target if target else ''} | "
                         f"{('met' if speedup >= target else 'missed') if target else ''} | "
                         f"{verdicts.get(cls, '?')} |")
    for label, push, pct, limit in LATENCY:
        rows = [(k, r) for k, r in results.items() if k[0] == "ChangeLatencyBenchmark"
                and k[1] == "withdrawSeenByOtherNode" and dict(k[2]).get("push") == push]
        if not rows:
            lines.append(f"| {label} | | | not run | | | p99 < {limit:g} ms | | |")
        for (cls, _, params, db), r in rows:
            p = r["primaryMetric"].get("scorePercentiles", {})
            value = p.get(pct) or p.get(pct.rstrip("0").rstrip("."))
            if value is None:
                continue
            lines.append(f"| {label} | {', '.join(f'{k}={v}' for k, v in params)} | {db} | p99 {value:.3g} ms "
                         f"(p50 {p.get('50.0', float('nan')):.3g} ms) | | | p99 < {limit:g} ms | "
                         f"{'met' if value < limit else 'missed'} | {verdicts.get(cls, '?')} |")
    heap = run + "-CacheFootprint.txt"
    if os.path.exists(heap):
        with open(heap) as f:
            text = f.read()
        m = re.search(r"subjects=(\d+).*heap per cached subject=(\d+) bytes", text)
        y = re.search(r"per entry=(\d+) bytes", text)
        if m:
            per = int(m.group(2))
            entry = int(y.group(1)) if y else None
            lines.append(f"| heap per cached subject | subjects={m.group(1)} | - | {per} bytes | "
                         f"{f'{entry} bytes (map entry)' if entry else ''} | {f'{per / entry:.2f}x' if entry else ''} | "
                         f"≤ {HEAP_TARGET} bytes | {'met' if per <= HEAP_TARGET else 'missed'} | "
                         f"{verdicts.get('CacheFootprint', '?')} |")
    busy = [c for c, v in verdicts.items() if not v.startswith("quiet")]
    out = [f"Run {os.path.basename(run)}"] + [h for h in header if h]
    if busy:
        out.append("")
        out.append("THE MACHINE WAS BUSY during " + ", ".join(sorted(busy))
                   + ": these figures are not for BENCHMARKS.md.")
    out.append("")
    out.append("Ratios: library / yardstick of the same run; error: from JMH's 99.9% score errors, "
               f"too wide at {MAX_ERROR * 100:.0f}% or more.")
    out.append("")
    return "\n".join(out + lines)


def check(run, cls):
    """The widest ratio error of a class's rows; None when a ratio has no error or the class has no pairs."""
    results = load(run)
    widest, any_pair = 0.0, False
    measured = [(c, lib, yard) for _, c, lib, yard, _, _ in ROWS] + [(c, many, one) for _, c, one, many, _, _ in SCALING]
    for c, lib, yard in measured:
        if c != cls:
            continue
        for params, db, r, y in pairs(results, cls, lib, yard):
            any_pair = True
            a, ea, _ = score(r)
            b, eb, _ = score(y)
            err = ratio_error(a, ea, b, eb)
            if err is None:
                return None
            widest = max(widest, err)
    return widest if any_pair else 0.0


def main(argv):
    if len(argv) == 3 and argv[0] == "--check":
        widest = check(argv[1], argv[2])
        print("ratio error: " + ("unknown" if widest is None else f"{widest * 100:.0f}%"))
        return 1 if widest is None or widest >= MAX_ERROR else 0
    if len(argv) == 1:
        print(table(argv[0]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
