#!/usr/bin/env python3
"""What the scheduler does with each proxy during the independent script: every half second it reads the kernel's
per-thread counters (/proc/PID/task/TID/sched: CPU time, migrations, voluntary and involuntary switches) of
stickylb's JVM, HAProxy, the nginx proxy, the nginx backend and wrk; then, per measured window of the script's log,
prints each busy thread's CPU share and its switches per second. An involuntary switch is a preemption (another task
took the CPU while the thread could still run); a voluntary one is a sleep (an empty ready list in epoll_wait).

Usage (root; the counters need a kernel with scheduler statistics in /proc, as Debian's has):
  bench/sched-probe.py record FILE &  P=$!; ... bench/shared-bench.sh > LOG 2>&1; kill $P
  bench/sched-probe.py report LOG FILE [MIN_CPU_PCT]   (threads under MIN_CPU_PCT of a CPU are left out; default 2)
"""
import datetime
import os
import re
import sys
import time

FIELDS = ("se.sum_exec_runtime", "se.nr_migrations", "nr_switches", "nr_voluntary_switches",
          "nr_involuntary_switches")


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return None


def role(pid):
    """Which process of the benchmark pid is, or None."""
    cmd = read(f"/proc/{pid}/cmdline")
    comm = read(f"/proc/{pid}/comm")
    if cmd is None or comm is None:
        return None
    cmd, comm = cmd.replace("\0", " "), comm.strip()
    if "lb.jar" in cmd and " run " in cmd:
        return "stickylb"
    if comm in ("haproxy", "wrk"):
        return comm
    if comm == "nginx" and "worker" in cmd:
        stat = read(f"/proc/{pid}/stat") or ""
        parent = read(f"/proc/{stat.rsplit(') ', 1)[-1].split()[1]}/cmdline") if ") " in stat else None
        if parent is None:
            return None
        # the shared script's backends run from backend.conf; any other nginx worker is the proxy under test
        return "backend" if "backend" in parent else "nginx"
    return None


def counters(text):
    values = {}
    for line in text.splitlines():
        name = line.split(":")[0].strip()
        if name in FIELDS:
            values[name] = float(line.split(":")[1])
    return [values.get(f, 0.0) for f in FIELDS]


def record(out_path):
    with open(out_path, "w", encoding="utf-8") as out:
        while True:
            now = time.time()
            for pid in filter(str.isdigit, os.listdir("/proc")):
                r = role(pid)
                if r is None:
                    continue
                try:
                    tids = os.listdir(f"/proc/{pid}/task")
                except OSError:
                    continue
                for tid in tids:
                    sched = read(f"/proc/{pid}/task/{tid}/sched")
                    comm = read(f"/proc/{pid}/task/{tid}/comm")
                    if sched is None or comm is None:
                        continue
                    c = counters(sched)
                    if c[0] >= 1:
                        out.write(f"{now:.2f} {r} {pid} {tid} {comm.strip().replace(' ', '_')} "
                                  + " ".join(f"{v:.1f}" for v in c) + "\n")
            out.flush()
            time.sleep(0.5)


def windows(log_path):
    """(target, start, end) of each measured run in the script's log, skipping its first second."""
    today = datetime.datetime.now(datetime.timezone.utc).date()
    found = []
    with open(log_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.match(r"\[(\d+):(\d+):(\d+)\] (\S+): measuring (\d+)s", line)
            if m:
                t = datetime.datetime(today.year, today.month, today.day, int(m[1]), int(m[2]), int(m[3]),
                                      tzinfo=datetime.timezone.utc).timestamp()
                found.append((m[4], t + 1.0, t + int(m[5]) - 0.5))
    return found


def report(log_path, probe_path, min_pct):
    samples = {}
    with open(probe_path, encoding="utf-8") as f:
        for line in f:
            p = line.split()
            samples.setdefault(tuple(p[1:5]), []).append((float(p[0]), *map(float, p[5:])))

    def at(series, t):
        before = [s for s in series if s[0] <= t]
        return before[-1] if before else None

    print("target / role thread: cpu% of one CPU, migrations, switches, voluntary (sleeps), involuntary (preemptions)"
          " per second")
    for target, start, end in windows(log_path):
        print(f"{target} ({end - start:.1f} s)")
        for (r, _pid, _tid, comm), series in sorted(samples.items()):
            a, b = at(series, start), at(series, end)
            if a is None or b is None or b[0] - a[0] < 5:
                continue
            secs = b[0] - a[0]
            d = [(b[i] - a[i]) / secs for i in range(1, len(a))]
            if d[0] / 10 < min_pct:
                continue
            print(f"  {r:9} {comm:16} cpu {d[0] / 10:5.1f} %  migrations {d[1]:6.1f}  switches {d[2]:8.1f}"
                  f"  voluntary {d[3]:8.1f}  involuntary {d[4]:8.1f}")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "record":
        record(sys.argv[2])
    elif len(sys.argv) >= 4 and sys.argv[1] == "report":
        report(sys.argv[2], sys.argv[3], float(sys.argv[4]) if len(sys.argv) > 4 else 2.0)
    else:
        sys.exit(__doc__)
