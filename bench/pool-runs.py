#!/usr/bin/env python3
"""Pools several bench/side-by-side.sh runs: for each pair of rows, the median over runs of the req/s ratio and of
the p99 ratio, and in how many runs each target was met. Given the runs' rounds too (the $OUT.rows files, as kept in
docs/rounds/), it also pairs the two rows round by round: the two measurements of a round are seconds apart, so the
machine's drift between them is small, where a run's two medians may come from different rounds. One run on a noisy
2-core machine decides little; this is what many runs say together.

Usage: bench/pool-runs.py FILE...   (side-by-side outputs, or any text holding their tables, e.g. docs/benchmarks.md,
and .rows files; a table's timestamp is its identity, so a run quoted twice counts once; runs with a think time or
another pinning are left out). Runs where HAProxy and nginx send the forwarding headers stickylb sends ("forwarding
headers on every proxy" in the heading, the default since stop 39) and runs where stickylb alone sends them are pooled
apart: the same proxies doing different work answer different questions.
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
# A .rows file: the run's heading, then one line per target, connection count and round.
ROUNDS_FILE = re.compile(r"# side by side, (\S+),([^\n]*)\n((?:\S+ \d+ \d+ [^\n]*\n?)+)\Z")


EQUAL_WORK = "forwarding headers on every proxy"


def runs(paths):
    """Every run by its timestamp, as (True when every proxy sent the forwarding headers, its table, its rounds): a
    table maps (target, conns) to (req/s, p99), the medians in a run's table and the values in one of its rounds;
    rounds, from a .rows file only (else None), are those tables by round number."""
    seen = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        m = ROUNDS_FILE.match(text)
        if m:
            if not other_question(m.group(2)):
                rounds = {}
                for line in m.group(3).splitlines():
                    f_ = line.split()
                    rounds.setdefault(int(f_[2]), {})[(f_[0], f_[1])] = (float(f_[3]), float(f_[6]))
                seen[m.group(1)] = (EQUAL_WORK in m.group(2), medians(rounds), rounds)
            continue
        if path.endswith(".rows"):
            # Written before side-by-side.sh headed its rounds: without the run's heading they have no identity.
            print(f"pool-runs: {path} does not start with a side-by-side heading; left out", file=sys.stderr)
            continue
        for m in TABLE.finditer(text):
            if other_question(m.group(2)):
                continue
            rows = {}
            for line in m.group(3).splitlines():
                f_ = line.split()
                rows[(f_[0], f_[1])] = (float(f_[2]), float(f_[5]))
            seen.setdefault(m.group(1), (EQUAL_WORK in m.group(2), rows, None))
    return seen


def other_question(heading):
    """A run held below saturation (THINK_MS), or pinned otherwise, answers another question."""
    return "think time" in heading or "pinning:" in heading


def medians(rounds):
    """A run's table from its rounds, as side-by-side.sh prints it (medians of each row's rounds)."""
    by_row = {}
    for table in rounds.values():
        for k, v in table.items():
            by_row.setdefault(k, []).append(v)
    return {k: (statistics.median(v[0] for v in vs), statistics.median(v[1] for v in vs))
            for k, vs in by_row.items()}


def pairings(tables):
    """For each connection count and pair of rows, the A/B ratios of req/s and of p99 over the tables holding both."""
    for c in sorted({c for table in tables for (_, c) in table}, key=int):
        for a, b in PAIRS:
            both = [t for t in tables if (a, c) in t and (b, c) in t]
            if both:
                yield (c, a, b, [t[(a, c)][0] / t[(b, c)][0] for t in both],
                       [t[(a, c)][1] / t[(b, c)][1] for t in both])


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
        pool = {t: run for t, run in tables.items() if run[0] == equal_work}
        if pool:
            if printed:
                print()
            print_pool({t: table for t, (_, table, _) in pool.items()}, what)
            by_round = {t: rounds for t, (_, _, rounds) in pool.items() if rounds}
            if by_round:
                print()
                print_rounds(by_round, what)
            printed = True


def print_pool(all_runs, what):
    print(f"# {what}: {len(all_runs)} side-by-side runs: {', '.join(sorted(all_runs))}")
    print(f"{'conns':>5} {'A':16} {'B':15} {'runs':>4} {'req/s A/B':>9} {'A>=B':>6} {'p99 A/B':>8} {'A<=B':>6}")
    for c, a, b, tp, p99 in pairings(list(all_runs.values())):
        print(f"{c:>5} {a:16} {b:15} {len(tp):>4} {statistics.median(tp):9.3f} "
              f"{sum(x >= 1 for x in tp):>2}/{len(tp):<3} {statistics.median(p99):8.3f} "
              f"{sum(x <= 1 for x in p99):>2}/{len(p99):<3}")


def print_rounds(all_runs, what):
    """Each pair's ratios round by round, pooled over the runs whose rounds were given."""
    print(f"# {what}, paired round by round over {len(all_runs)} runs: {', '.join(sorted(all_runs))}")
    print(f"{'conns':>5} {'A':16} {'B':15} {'rounds':>6} {'req/s A/B':>9} {'A>=B':>7} {'A>=.95B':>7} {'p99 A/B':>8} "
          f"{'A<=B':>7}")
    for c, a, b, tp, p99 in pairings([t for rounds in all_runs.values() for t in rounds.values()]):
        k = len(tp)
        print(f"{c:>5} {a:16} {b:15} {k:>6} {statistics.median(tp):9.3f} {sum(x >= 1 for x in tp):>3}/{k:<3} "
              f"{sum(x >= 0.95 for x in tp):>3}/{k:<3} {statistics.median(p99):8.3f} "
              f"{sum(x <= 1 for x in p99):>3}/{k:<3}")


if __name__ == "__main__":
    main()
