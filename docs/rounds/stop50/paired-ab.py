#!/usr/bin/env python3
"""Stop 50: the A/B runs of docs/rounds/stop50 paired round by round (each round loads A, then B, 5 s each): the median
of B's p99, req/s and user time per request over A's, and in how many rounds B's p99 was the lower.
Run from the project root: python3 docs/rounds/stop50/paired-ab.py"""
import glob
import statistics as st

for path in sorted(glob.glob("docs/rounds/stop50/*-ab-*.txt")):
    rounds = {}
    for line in open(path):
        p = line.split()
        if len(p) == 10 and p[0] in ("A", "B") and p[2].isdigit():
            rounds.setdefault((p[1], p[2]), {})[p[0]] = (float(p[3]), float(p[6]), float(p[9]))
    for conns in ("64", "256"):
        pairs = [(v["A"], v["B"]) for (c, _), v in rounds.items() if c == conns and len(v) == 2]
        if not pairs:
            continue
        p99 = [b[1] / a[1] for a, b in pairs]
        print(f"{path.split('/')[-1]:45s} {conns:>3} conns  B/A p99 {st.median(p99):.3f} "
              f"(B lower in {sum(x < 1 for x in p99)} of {len(p99)})  req/s {st.median(b[0] / a[0] for a, b in pairs):.3f}"
              f"  user/req {st.median(b[2] / a[2] for a, b in pairs):.3f}")
