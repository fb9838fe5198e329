#!/usr/bin/env python3
"""Prints the median and every run of each metric in a results file whose lines
are "metric<TAB>run<TAB>value" (order of first appearance is kept)."""
import statistics
import sys


def fmt(v):
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


values = {}
with open(sys.argv[1]) as f:
    for line in f:
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 3:
            continue
        try:
            values.setdefault(parts[0], []).append(float(parts[2]))
        except ValueError:
            pass
rows = [("metric", "median", "runs")]
for k, vs in values.items():
    rows.append((k, fmt(statistics.median(vs)), ", ".join(fmt(v) for v in vs)))
w = [max(len(r[i]) for r in rows) for i in range(3)]
for n, r in enumerate(rows):
    print("  ".join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip())
    if n == 0:
        print("  ".join("-" * x for x in w))
