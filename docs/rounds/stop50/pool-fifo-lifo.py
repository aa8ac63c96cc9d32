#!/usr/bin/env python3
"""Stop 50: the idle pool's order, FIFO against the shipped LIFO, in the independent script's pattern. Each round of
the two runs measured stickylb twice (TARGETS="extra haproxy-rr extra nginx-rr"), a fresh JVM each time; sides.txt
says which order each instance used. Prints the medians, each order's p99 against the same round's HAProxy and nginx,
and FIFO over LIFO round by round. Run from the project root: python3 docs/rounds/stop50/pool-fifo-lifo.py"""
import csv
import statistics as st

DIR = "docs/rounds/stop50/"
RUNS = ("20261207T1252Z-fifo-lifo-run1.csv", "20261207T1301Z-fifo-lifo-run2.csv")
sides = [line.split()[1] for line in open(DIR + "sides.txt") if line[0].isdigit()]
k = 0
rounds = []
for name in RUNS:
    by_round = {}
    for row in csv.DictReader(open(DIR + name, newline="")):
        if not row["p99_ms"]:
            continue
        target = row["target"]
        if target.startswith("stickylb"):
            target = sides[k]
            k += 1
        by_round.setdefault(int(row["round"]), {})[target] = (float(row["rps"]), float(row["p99_ms"]))
    rounds += [r for _, r in sorted(by_round.items()) if len(r) == 4]

med = st.median
print(f"{len(rounds)} rounds")
for side in ("fifo", "lifo"):
    print(f"{side}: p99 {med(r[side][1] for r in rounds):.3f} ms, req/s {med(r[side][0] for r in rounds):.0f}, "
          f"p99 / HAProxy's {med(r[side][1] / r['haproxy-rr'][1] for r in rounds):.3f}, "
          f"/ nginx's {med(r[side][1] / r['nginx-rr'][1] for r in rounds):.3f}")
print(f"HAProxy p99 {med(r['haproxy-rr'][1] for r in rounds):.3f}, nginx {med(r['nginx-rr'][1] for r in rounds):.3f}")
ratios = [r["fifo"][1] / r["lifo"][1] for r in rounds]
print("FIFO / LIFO p99 by round:", " ".join(f"{x:.3f}" for x in ratios),
      f"median {med(ratios):.3f}, lower in {sum(x < 1 for x in ratios)} of {len(ratios)}")
print(f"FIFO / LIFO req/s median {med(r['fifo'][0] / r['lifo'][0] for r in rounds):.3f}")
