#!/usr/bin/env bash
# Interleaved A/B of two stickylb instances: the method behind the per-step numbers in docs/benchmarks.md.
# Both JVMs run at once, pinned to the same CPU, in front of one nginx backend; wrk loads A, then B, for DURATION
# seconds each, alternating, ROUNDS times per connection count, after WARMUP seconds of the same alternation.
# Alternating every few seconds takes a noisy machine's drift out of the comparison, and CPU per request (from the
# proxy's /proc/PID/stat) is steadier than req/s there. Prints every round, the medians, and B against A.
#
# Each side (A_... / B_...):
#   A_MODE    rr | cookie | iphash (default rr); cookie sends the instance's own valid LB_ROUTE cookie
#   A_OPTS    JVM options added to bin/lb's defaults, e.g. B_OPTS="-Dstickylb.transport=io-uring"
#   A_JAR     the jar (default lb-cli/target/lb.jar), to compare two builds
#   A_HEADER  one more request header for wrk, e.g. a cookie of the same length for a round-robin side
# Examples:
#   bench/ab.sh                                               # A/A: the harness's own spread
#   B_MODE=cookie bench/ab.sh                                 # cookie affinity against round robin
#   B_OPTS="-Dstickylb.transport=io-uring" CONNS_LIST=256 bench/ab.sh
#   B_JAR=/tmp/other/lb.jar ROUNDS=10 bench/ab.sh             # two builds
#   THINK_MS=1 CONNS_LIST=64 bench/ab.sh                      # both held below saturation (see side-by-side.sh)
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
source bench/lib.sh

ROUNDS=${ROUNDS:-8}
DURATION=${DURATION:-5}               # seconds per measurement
WARMUP=${WARMUP:-60}                  # seconds of load per instance before the first measurement
CONNS_LIST=${CONNS_LIST:-"64 256"}
BACKEND_CPUS=${BACKEND_CPUS:-0}
WRK_CPUS=${WRK_CPUS:-0}
PROXY_CPUS=${PROXY_CPUS:-1}
MODES=("${A_MODE:-rr}" "${B_MODE:-rr}")
OPTS=("${A_OPTS:-}" "${B_OPTS:-}")
JARS=("${A_JAR:-lb-cli/target/lb.jar}" "${B_JAR:-lb-cli/target/lb.jar}")
HEADERS=("${A_HEADER:-}" "${B_HEADER:-}")
SIDES=(A B)
PORTS=(18191 18192)
BACKEND_PORT=19191
DEFAULT_OPTS=$(sed -n 's/^DEFAULT_JAVA_OPTS="\(.*\)"$/\1/p' bin/lb)

die() { echo "ab: $*" >&2; exit 1; }
for b in wrk nginx curl java taskset awk; do
  command -v "$b" >/dev/null 2>&1 || die "missing '$b' (apt-get install -y wrk nginx curl)"
done
for j in "${JARS[@]}"; do [[ -f $j ]] || die "$j not found; build first: mvn -B -ntp -q package -DskipTests"; done

bench_workdir ab
start_ok_backend "$BACKEND_PORT" 4096 "$BACKEND_CPUS"
PID=()
for i in 0 1; do
  stickylb_conf "$WORK/$i.yaml" "${PORTS[$i]}" 1 "${MODES[$i]}" "$BACKEND_PORT"
  LB_JAR=${JARS[$i]} LB_JAVA_OPTS="$DEFAULT_OPTS ${OPTS[$i]}" taskset -c "$PROXY_CPUS" \
    bin/lb run --config "$WORK/$i.yaml" >"$WORK/$i.log" 2>&1 &
  PID[$i]=$!
  PIDS+=($!)
done
for i in 0 1; do
  wait_http "http://127.0.0.1:${PORTS[$i]}/" "${PID[$i]}" 30 ||
    die "instance $i did not start: $(tail -3 "$WORK/$i.log")"
  if [[ ${MODES[$i]} == cookie && -z ${HEADERS[$i]} ]]; then
    c=$(affinity_cookie "http://127.0.0.1:${PORTS[$i]}/")
    [[ -n $c ]] || die "instance $i set no affinity cookie"
    HEADERS[$i]="Cookie: $c"
  fi
done
grep -h 'listening' "$WORK/0.log" "$WORK/1.log" | sed 's/^[^ ]* //' >&2

wrk_percentiles "$WORK/p.lua" "${THINK_MS:-0}"
load() { # side conns seconds [script]
  wrk_load "$WRK_CPUS" "$2" "$3" "http://127.0.0.1:${PORTS[$1]}/" "${HEADERS[$1]}" "${4:-}"
}
ticks() { awk '{print $14, $15}' "/proc/$1/stat"; }

for ((w = 0; w < WARMUP; w += 5 * $(wc -w <<<"$CONNS_LIST"))); do
  for c in $CONNS_LIST; do load 0 "$c" 5 >/dev/null; load 1 "$c" 5 >/dev/null; done
done

tck=$(getconf CLK_TCK)
echo "side conns round req/s p50us p90us p99us p999us cpuus/r userus/r"
for r in $(seq "$ROUNDS"); do
  for c in $CONNS_LIST; do
    for i in 0 1; do
      read -r u0 s0 < <(ticks "${PID[$i]}")
      out=$(load "$i" "$c" "$DURATION" "$WORK/p.lua")
      read -r u1 s1 < <(ticks "${PID[$i]}")
      n=$(awk '/requests in/{print $1}' <<<"$out")
      rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
      [[ -n $n && $n -gt 0 ]] || die "no requests served by side $i: $out"
      read -r _ p50 p90 p99 p999 _ < <(grep '^PCT' <<<"$out")
      awk -v side="${SIDES[$i]}" -v c="$c" -v r="$r" -v n="$n" -v rps="$rps" \
        -v p50="$p50" -v p90="$p90" -v p99="$p99" -v p999="$p999" -v t="$tck" \
        -v cu=$((u1 + s1 - u0 - s0)) -v uu=$((u1 - u0)) 'BEGIN {
          printf "%s %s %s %.0f %d %d %d %d %.2f %.2f\n", side, c, r, rps, p50, p90, p99, p999,
            cu / t * 1e6 / n, uu / t * 1e6 / n }'
    done
  done
done | tee "$WORK/rows"

echo "--- medians (A: ${MODES[0]} ${OPTS[0]} ${JARS[0]}; B: ${MODES[1]} ${OPTS[1]} ${JARS[1]})"
echo "side conns req/s p50us p90us p99us p999us cpuus/r userus/r"
for c in $CONNS_LIST; do
  for s in A B; do
    row="$s $c"
    for k in 4 5 6 7 8 9 10; do row+=" $(awk -v s=$s -v c="$c" -v k=$k '$1 == s && $2 == c {print $k}' "$WORK/rows" | median)"; done
    echo "$row"
  done | tee "$WORK/med.$c"
  awk 'NR == 1 {for (k = 3; k <= NF; k++) a[k] = $k} NR == 2 {printf "B/A %s", $2;
    for (k = 3; k <= NF; k++) printf " %+.1f%%", ($k / a[k] - 1) * 100; print ""}' "$WORK/med.$c"
done
