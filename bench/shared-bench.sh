#!/usr/bin/env bash
# bench/shared-bench.sh - the shared, independent proxy benchmark (../shared/bench/proxy-bench.sh: wrk against the
# backend directly, HAProxy and nginx) with stickylb as its extra target, started through bin/lb. Our own
# bench/bench.sh pins processes and warms the JVM with many short runs; this runs the outside script as a reviewer
# would, with its defaults (nothing pinned, one long warm-up), so both views of the same build are one command away.
#
#   MODE=rr|cookie|iphash   stickylb's strategy (default rr). cookie inserts a signed cookie; the shared script's wrk
#                           never returns it, so compare it with its haproxy-cookie row, not haproxy-cookie-sticky.
#   SHARED_BENCH            path of proxy-bench.sh (default ../shared/bench/proxy-bench.sh next to this project)
#   STICKYLB_PORT           stickylb's port (default 18082)
#   PROXY_WARMUP            stickylb's warm-up run (default 30s, as the shared script advises for a JVM)
#   STICKYLB_FORWARDED      0 (default): stickylb adds no X-Forwarded-* headers (forwarded-headers: false), since the
#                           shared script's HAProxy and nginx add none: the same work. 1: stickylb's default, the three
#                           headers on every request, more work than the others do (before stop 47 it always ran so).
#   AB_JAVA_OPTS            JVM options added to bin/lb's in even rounds only: two settings of one build measured in
#                           the script's own rotation, a fresh JVM each round (odd rounds A, even rounds B; the script
#                           starts stickylb once per round). Compare them with bench/pool-shared.py --ab OUT.csv.
# Every other variable goes to proxy-bench.sh unchanged: ROUNDS, CONNS, TASKSET, TARGETS, DURATION, OUT, ...
# Example: ROUNDS=3 CONNS=256 bench/shared-bench.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "shared-bench: $*" >&2; exit 2; }

SHARED_BENCH=${SHARED_BENCH:-$root/../shared/bench/proxy-bench.sh}
MODE=${MODE:-rr}
STICKYLB_PORT=${STICKYLB_PORT:-18082}
[[ -f $SHARED_BENCH ]] || die "$SHARED_BENCH not found; set SHARED_BENCH=/path/to/proxy-bench.sh"
SHARED_BENCH=$(cd "$(dirname "$SHARED_BENCH")" && pwd)/$(basename "$SHARED_BENCH")
if [[ -n ${OUT:-} && $OUT != /* ]]; then export OUT=$PWD/$OUT; fi
[[ -f ${LB_JAR:-$root/lb-cli/target/lb.jar} ]] || die "lb.jar not found; build it first: mvn -B -ntp -q package -DskipTests"
work=$(mktemp -d /tmp/stickylb-shared.XXXXXX)
trap 'rm -rf "$work"' EXIT
source "$root/bench/lib.sh"
# The shared script's three nginx backends listen on 19001-19003; one worker matches its nbthread 1 / 1 worker.
STICKYLB_FORWARDED=${STICKYLB_FORWARDED:-0}
[[ $STICKYLB_FORWARDED == [01] ]] || die "STICKYLB_FORWARDED must be 0 or 1, not '$STICKYLB_FORWARDED'"
if [[ $STICKYLB_FORWARDED == 1 ]]; then forwarded=true suffix=-fwd; else forwarded=false suffix=""; fi
LB_FORWARDED_HEADERS=$forwarded stickylb_conf "$work/lb.yaml" "$STICKYLB_PORT" 1 "$MODE" 19001 19002 19003 || exit 2
"$root/bin/lb" validate --config "$work/lb.yaml" >/dev/null || die "stickylb rejected the generated config $work/lb.yaml"

if [[ -n ${AB_JAVA_OPTS:-} ]]; then
  base=${LB_JAVA_OPTS:-$(sed -n 's/^DEFAULT_JAVA_OPTS="\(.*\)"$/\1/p' "$root/bin/lb")}
  cat >"$work/ab.sh" <<AB
n=\$((\$(cat '$work/ab.count' 2>/dev/null || echo 0) + 1)); echo \$n >'$work/ab.count'
if ((n % 2)); then export LB_JAVA_OPTS='$base'; else export LB_JAVA_OPTS='$base $AB_JAVA_OPTS'; fi
exec '$root/bin/lb' run --config '$work/lb.yaml'
AB
  export PROXY_CMD="exec bash '$work/ab.sh'"
else
  export PROXY_CMD="exec '$root/bin/lb' run --config '$work/lb.yaml'"
fi
export PROXY_URL=http://127.0.0.1:$STICKYLB_PORT/
export PROXY_NAME=${PROXY_NAME:-stickylb-$MODE$suffix}
export PROXY_WARMUP=${PROXY_WARMUP:-30s}
# From the scratch directory: the script's quiet-host check writes its reading to a file named "0" in the current
# directory (awk takes the ">" of `printf "%.0f", t>0 ? ... : 0` as a redirection), which also leaves that check
# always passing: it never waits for a busy host, e.g. for stickylb's own JIT warm-up.
cd "$work"
bash "$SHARED_BENCH"
