#!/usr/bin/env bash
# What the JIT compiler does inside measured rounds. The proxies run side by side as bench/side-by-side.sh runs them
# (pinned to one CPU, in front of one nginx backend, each loaded for WARMUP seconds in turn, then ROUNDS rounds of
# DURATION seconds in turn), and for every round of a stickylb instance this prints its p50 and p99 with the CPU time
# its C2 and C1 compiler threads took inside that round and how long its event loop waited for the CPU meanwhile
# (/proc/PID/task/TID/schedstat). The compiler threads share the proxy's core, so what they compile in a round comes
# out of that round's latency (docs/benchmarks.md, *Stop 43*). LOG_COMPILATION=1 has every stickylb instance write
# HotSpot's compilation log as well ($LOG_DIR/compile-PID.xml), whose uncommon traps say why code was compiled again.
#
# Examples:
#   bench/compile-in-rounds.sh
#   TARGETS="stickylb-rr stickylb-rr.o1 nginx-rr" OTHER_JAR=/tmp/base/lb-cli/target/lb.jar WARMUP=110 \
#     bench/compile-in-rounds.sh                        # two builds; 110 s each puts the rounds past the idle drills
#   LOG_COMPILATION=1 bench/compile-in-rounds.sh
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
source bench/lib.sh

TARGETS=${TARGETS:-"stickylb-rr haproxy-rr nginx-rr"}
WARMUP=${WARMUP:-110}
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5}
CONNS=${CONNS:-64}
LOG_DIR=${LOG_DIR:-/tmp}
for b in wrk haproxy nginx curl java taskset awk join; do
  command -v "$b" >/dev/null 2>&1 || { echo "missing '$b' (apt-get install -y wrk haproxy nginx curl)" >&2; exit 1; }
done
[[ -f ${LB_JAR:-lb-cli/target/lb.jar} ]] || { echo "no lb.jar; build first: mvn -B -ntp -q package -DskipTests" >&2; exit 1; }
if [[ ${LOG_COMPILATION:-0} == 1 ]]; then
  LB_JAVA_OPTS="${LB_JAVA_OPTS:-$(sed -n 's/^DEFAULT_JAVA_OPTS="\(.*\)"$/\1/p' bin/lb)} -XX:+UnlockDiagnosticVMOptions"
  export LB_JAVA_OPTS+=" -XX:+LogCompilation -XX:LogFile=$LOG_DIR/compile-%p.xml"
fi

bench_workdir compile-in-rounds
start_bench_backend 1000000 0 19201 19202 19203
declare -A PORT PID HEADER
start_targets 18301 1 19201 19202 19203 || { echo "the proxies under test did not all start" >&2; exit 1; }
wrk_percentiles "$WORK/p.lua"

threads() { # pid -> "tid name run_ns wait_ns" for each thread of it and of its children
  local p t run wait
  for p in "$1" $(pgrep -P "$1" || true); do
    for t in /proc/"$p"/task/*; do
      read -r run wait _ <"$t/schedstat" 2>/dev/null || continue
      echo "${t##*/} $(tr ' ' '_' <"$t/comm") $run $wait"
    done
  done
}

for t in $TARGETS; do
  wrk_load 0 "$CONNS" "$WARMUP" "http://127.0.0.1:${PORT[$t]}/" "${HEADER[$t]:-}" >/dev/null
done
printf '%-18s %5s %8s %8s %8s %8s %11s\n' target round p50ms p99ms c2ms c1ms loopwaitms
for ((r = 1; r <= ROUNDS; r++)); do
  for t in $TARGETS; do
    threads "${PID[$t]}" | sort >"$WORK/before"
    pct=$(wrk_load 0 "$CONNS" "$DURATION" "http://127.0.0.1:${PORT[$t]}/" "${HEADER[$t]:-}" "$WORK/p.lua" | grep PCT)
    threads "${PID[$t]}" | sort >"$WORK/after"
    join "$WORK/before" "$WORK/after" | awk -v t="$t" -v r="$r" -v pct="$pct" '
      { run = ($6 - $3) / 1e6; wait = ($7 - $4) / 1e6 }
      $2 ~ /^C2_Compiler/ { c2 += run } $2 ~ /^C1_Compiler/ { c1 += run }
      $2 ~ /^stickylb-worker/ { w += wait; java = 1 }
      END { split(pct, p, " ")
            if (java) printf "%-18s %5d %8.3f %8.3f %8.1f %8.1f %11.1f\n", t, r, p[2] / 1000, p[4] / 1000, c2, c1, w
            else printf "%-18s %5d %8.3f %8.3f %8s %8s %11s\n", t, r, p[2] / 1000, p[4] / 1000, "-", "-", "-" }'
  done
done
