#!/usr/bin/env python3
"""Pools runs of the independent script (bench/shared-bench.sh, i.e. ../shared/bench/proxy-bench.sh with stickylb as its
extra target): per run the medians of req/s and p99 of stickylb's row and of HAProxy's and nginx's round-robin rows,
then every round's paired ratios (stickylb's p99 over HAProxy's and nginx's, measured in the same round, within a
minute), pooled by connection count. The script starts a fresh JVM for each of stickylb's rounds and the machine
drifts between minutes, so one run's medians decide little; many rounds paired in time say more. Rows are pooled by
target name: give the files of one setting at a time (before stop 47 stickylb's row sent the forwarding headers under
the same name, stickylb-rr, that bench/shared-bench.sh now gives it without them).

Usage: bench/pool-shared.py [--ab] FILE.csv...   (the CSV each run writes, OUT=...; a run's id is its identity, so a
file given twice counts once). The file name (without .csv) labels the run, e.g. docs/rounds/shared/<run>-<build>.csv.
--ab: runs made with AB_JAVA_OPTS (bench/shared-bench.sh), whose odd rounds ran setting A and even rounds setting B;
stickylb's row is split into NAME.A and NAME.B, each paired with the HAProxy and nginx rounds beside it.
"""
import csv
import os
import statistics
import sys

OTHERS = ("haproxy-rr", "nginx-rr")
# stickylb's cookie row inserts a cookie wrk never returns, as the shared script's haproxy-cookie row does
SAME_MODE = {"stickylb-cookie": "haproxy-cookie"}


def read(paths, ab=False):
    """Runs by id: (label, conns, {round: {target: (req/s, p99)}})."""
    runs = {}
    for path in paths:
        label = os.path.splitext(os.path.basename(path))[0]
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                if not row.get("rps") or not row.get("p99_ms"):
                    continue
                run = runs.setdefault(row["run_id"], (label, int(row["conns"]), {}))
                target, rnd = row["target"], int(row["round"])
                if ab and target.startswith("stickylb"):
                    target += ".A" if rnd % 2 else ".B"
                run[2].setdefault(rnd, {})[target] = (float(row["rps"]), float(row["p99_ms"]))
    return runs


def ours(targets):
    return sorted(t for t in targets if t.startswith("stickylb"))


def main(paths, ab=False):
    runs = read(paths, ab)
    if not runs:
        sys.exit("pool-shared: no rows read from " + " ".join(paths))
    paired = {}
    print("per run: medians over its rounds (req/s, p99 ms); ratios are stickylb's over the other row's")
    for run_id in sorted(runs):
        label, conns, rounds = runs[run_id]
        targets = {t for r in rounds.values() for t in r}
        for mine in ours(targets):
            same = next((o for m, o in SAME_MODE.items() if mine.startswith(m)), None)
            others = OTHERS + ((same,) if same in targets else ())
            med = {t: (statistics.median(r[t][0] for r in rounds.values() if t in r),
                       statistics.median(r[t][1] for r in rounds.values() if t in r))
                   for t in (mine,) + others if t in targets}
            if not all(o in med for o in OTHERS):
                continue
            against = "  ".join(f"{o} {med[o][1]:.3f} (p99 x {med[mine][1] / med[o][1]:.3f}, "
                                f"req/s x {med[mine][0] / med[o][0]:.3f})" for o in others)
            print(f"  {run_id} {label:32} {conns:4} conns {len(rounds)} rounds  {mine}: {med[mine][0]:6.0f} req/s "
                  f"p99 {med[mine][1]:.3f}  against {against}")
            for r in rounds.values():
                if mine in r and all(o in r for o in others):
                    for o in others:
                        paired.setdefault((mine, o, conns), []).append(
                            (r[mine][1] / r[o][1], r[mine][0] / r[o][0]))
    print("\nround by round, pooled: median ratio [rounds at or below 1.0 of all]")
    for (mine, other, conns), ratios in sorted(paired.items(), key=lambda kv: (kv[0][2], kv[0][0], kv[0][1])):
        p99 = [p for p, _ in ratios]
        rps = [q for _, q in ratios]
        print(f"  {conns:4} conns  {mine} against {other:10}  p99 x {statistics.median(p99):.3f} "
              f"[{sum(1 for p in p99 if p <= 1.0)} of {len(p99)}]   req/s x {statistics.median(rps):.3f} "
              f"[{sum(1 for q in rps if q >= 1.0)} at or above]")


if __name__ == "__main__":
    args = sys.argv[1:]
    ab = "--ab" in args
    args = [a for a in args if a != "--ab"]
    if not args:
        sys.exit(__doc__)
    main(args, ab)
