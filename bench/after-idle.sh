#!/usr/bin/env bash
# The first second after an idle gap, against the seconds after it: the proxies run side by side (as in
# side-by-side.sh: one backend, each proxy pinned to CPU 1, wrk and the backend on CPU 0) and are loaded in turn; each
# turn is FIRST seconds of load on new connections straight after the proxy sat idle through the others' turns (A),
# then at once REST seconds more on new connections (B). Prints every turn's p99 and p99.9 (ms) and req/s for A and
# B, then the medians over ROUNDS turns. A JIT-compiled proxy may differ between A and B where HAProxy and nginx do
# not: docs/benchmarks.md, "Stop 42".
#   bench/after-idle.sh
#   ROUNDS=10 CONNS=256 TARGETS="stickylb-cookie haproxy-cookie nginx-iphash" bench/after-idle.sh
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
source bench/lib.sh
TARGETS=${TARGETS:-"stickylb-rr haproxy-rr nginx-rr"}
ROUNDS=${ROUNDS:-6}
CONNS=${CONNS:-64}
WARMUP=${WARMUP:-45}
FIRST=${FIRST:-1}
REST=${REST:-4}
for b in wrk nginx haproxy taskset curl; do
  command -v "$b" >/dev/null 2>&1 || { echo "missing '$b' (apt-get install -y wrk nginx haproxy curl)" >&2; exit 1; }
done
[[ -f ${LB_JAR:-lb-cli/target/lb.jar} ]] || { echo "build first: mvn -B -ntp -q package -DskipTests" >&2; exit 1; }

bench_workdir after-idle
start_bench_backend 1000000 0 19501 19502 19503
declare -A PORT PID HEADER
start_targets 18501 1 19501 19502 19503 || exit 1
wrk_percentiles "$WORK/p.lua"
load() { # target seconds [script]
  wrk_load 0 "$CONNS" "$2" "http://127.0.0.1:${PORT[$1]}/" "${HEADER[$1]:-}" "${3:-}"
}
reading() { # wrk output -> "p99 p99.9 req/s" (ms, ms, 1/s)
  awk '/^PCT/ {p99 = $4 / 1000; p999 = $5 / 1000} /Requests\/sec/ {r = $2}
       END {printf "%.3f %.3f %.0f", p99, p999, r}' <<<"$1"
}
for ((w = 0; w < WARMUP; w += 5)); do
  for t in $TARGETS; do load "$t" 5 >/dev/null; done
done
echo "# after an idle gap, $(date -u +%FT%RZ), $CONNS connections, ${FIRST}s (A) then ${REST}s (B) per turn," \
  "$ROUNDS rounds"
printf '%-16s %5s %8s %8s %8s %8s %8s %8s\n' target round p99A p99.9A req/sA p99B p99.9B req/sB
for r in $(seq "$ROUNDS"); do
  for t in $TARGETS; do
    a=$(load "$t" "$FIRST" "$WORK/p.lua")
    b=$(load "$t" "$REST" "$WORK/p.lua")
    # shellcheck disable=SC2046 # six numbers, split on purpose
    printf '%-16s %5s %8s %8s %8s %8s %8s %8s\n' "$t" "$r" $(reading "$a") $(reading "$b")
  done
done | tee "$WORK/rows"
echo "# medians"
for t in $TARGETS; do
  row=$(printf '%-16s %5s' "$t" "-")
  for k in 3 4 5 6 7 8; do
    row+=$(printf ' %8s' "$(awk -v t="$t" -v k=$k '$1 == t {print $k}' "$WORK/rows" | median)")
  done
  echo "$row"
done
