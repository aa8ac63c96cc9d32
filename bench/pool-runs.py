#!/usr/bin/env python3
"""Pools several bench/side-by-side.sh tables: for each pair of rows, the median over runs of the req/s ratio and of
the p99 ratio, and in how many runs each target was met. One run on a noisy 2-core machine decides little; this is
what many runs say together.

Usage: bench/pool-runs.py FILE...   (side-by-side outputs, or any text holding their tables, e.g. docs/benchmarks.md;
a table's timestamp is its identity, so a run quoted twice counts once; runs with a think time or another pinning
are left out). Runs where HAProxy and nginx send the forwarding headers stickylb sends ("forwarding headers on every
proxy" in the heading, the default since stop 39) and runs where stickylb alone sends them are pooled apart: the
same proxies doing different work answer different questions.
"""
import re
import statistics
import sys

PAIRS = [
    ("stickylb-rr", "haproxy-rr"), ("stickylb-rr", "nginx-rr"),
    ("stickylb-cookie", "haproxy-cookie"), ("stickylb-cookie", "nginx-iphash"),
    ("stickylb-cookie", "stickylb-rr"), ("haproxy-cookie", "haproxy-rr"), ("nginx-iphash", "nginx-rr"),
    # nginx's cookie row (a hash of a cookie the client holds) exists only in runs that ask for it
    ("stickylb-cookie", "nginx-cookie"), ("nginx-cookie", "nginx-rr"),
]
TABLE = re.compile(r"# side by side, (\S+),([^\n]*)\ntarget[^\n]*\n((?:\S+\s+\d+\s+\d+\s[^\n]*\n?)+)")


EQUAL_WORK = "forwarding headers on every proxy"


def runs(paths):
    """Every table by its timestamp, as (True when every proxy sent the forwarding headers, its rows)."""
    seen = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for m in TABLE.finditer(f.read()):
                if "think time" in m.group(2) or "pinning:" in m.group(2):
                    continue  # a run held below saturation (THINK_MS), or pinned otherwise, answers another question
                rows = {}
                for line in m.group(3).splitlines():
                    f_ = line.split()
                    rows[(f_[0], f_[1])] = (float(f_[2]), float(f_[5]))
                seen.setdefault(m.group(1), (EQUAL_WORK in m.group(2), rows))
    return seen


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    tables = runs(sys.argv[1:])
    if not tables:
        sys.exit("pool-runs: no side-by-side table (without a think time or another pinning) in "
                 + " ".join(sys.argv[1:]))
    pools = [(True, "every proxy sends the forwarding headers"),
             (False, "stickylb alone sends the forwarding headers (before stop 39, or FORWARDED=0)")]
    printed = False
    for equal_work, what in pools:
        pool = {t: rows for t, (kind, rows) in tables.items() if kind == equal_work}
        if pool:
            if printed:
                print()
            print_pool(pool, what)
            printed = True


def print_pool(all_runs, what):
    print(f"# {what}: {len(all_runs)} side-by-side runs: {', '.join(sorted(all_runs))}")
    print(f"{'conns':>5} {'A':16} {'B':15} {'runs':>4} {'req/s A/B':>9} {'A>=B':>6} {'p99 A/B':>8} {'A<=B':>6}")
    conns = sorted({c for rows in all_runs.values() for (_, c) in rows}, key=int)
    for c in conns:
        for a, b in PAIRS:
            tp, p99 = [], []
            for rows in all_runs.values():
                if (a, c) in rows and (b, c) in rows:
                    tp.append(rows[(a, c)][0] / rows[(b, c)][0])
                    p99.append(rows[(a, c)][1] / rows[(b, c)][1])
            if tp:
                print(f"{c:>5} {a:16} {b:15} {len(tp):>4} {statistics.median(tp):9.3f} "
                      f"{sum(x >= 1 for x in tp):>2}/{len(tp):<3} {statistics.median(p99):8.3f} "
                      f"{sum(x <= 1 for x in p99):>2}/{len(p99):<3}")


if __name__ == "__main__":
    main()
