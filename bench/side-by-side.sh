#!/usr/bin/env bash
# All proxies at once, loaded in turn: stickylb, HAProxy and nginx run side by side, pinned to the same CPU, in front
# of one nginx backend; wrk loads each for DURATION seconds, one after the other, ROUNDS times per connection count,
# after WARMUP seconds of the same rotation. Where bench.sh measures one proxy for a whole round, this one switches
# every few seconds, so a noisy machine's drift falls on every proxy alike. It reports medians of req/s, p50/p90/p99
# and CPU per request (the proxy's processes, from /proc), and each proxy's CPU per request against HAProxy's and
# nginx's, and its user-space share (usrus/r: the rest is the kernel's); then the tail step by step (p90, p95, p98,
# p99, p99.5, p99.9); then the CPU the other proxies used during each one's rounds (they share its core, so a round
# in which they used more than OTHERS_MAX_MS, default 50 ms, is listed). It writes the tables to $OUT and every round
# to $OUT.rows, under the same heading, for bench/pool-runs.py to pair round by round. Small responses only; one
# worker or thread each. bench/legs.sh takes the same proxies apart leg by leg.
#
# Examples:
#   bench/side-by-side.sh
#   ROUNDS=10 CONNS_LIST=256 TARGETS="stickylb-rr nginx-rr" bench/side-by-side.sh
#   TARGETS="stickylb-rr stickylb-rr.2 stickylb-rr.3 stickylb-rr.4" bench/side-by-side.sh  # four fresh JVMs of one
#                                                          # build: how far instances differ (".N" names another one)
#   X_JAVA_OPTS=-Dsome.flag=true TARGETS="stickylb-rr stickylb-rr.x1 nginx-rr" bench/side-by-side.sh
#                                                          # ".xN" instances run with X_JAVA_OPTS added to bin/lb's
#                                                          # JVM options: one build, two settings, side by side
#   OTHER_JAR=/tmp/base/lb-cli/target/lb.jar TARGETS="stickylb-rr stickylb-rr.o1 nginx-rr" bench/side-by-side.sh
#                                                          # ".oN" instances run another build (its lb.jsa beside
#                                                          # it): two builds side by side
#   TARGETS="stickylb-rr stickylb-rr1 nginx-rr nginx-iphash" bench/side-by-side.sh   # stickylb-rr1: round robin
#                                                          # over one backend, as a sticky row sends every request
#   TARGETS="stickylb-cookie haproxy-cookie nginx-iphash nginx-cookie" bench/side-by-side.sh   # nginx-cookie:
#                                                          # nginx routing by a hash of the cookie wrk sends
#   THINK_MS=1 CONNS_LIST=64 bench/side-by-side.sh        # each connection waits 1 ms before each request: every
#                                                          # proxy at about the same load, below saturation
#   LB_RUN_ARGS="--warmup 0" bench/side-by-side.sh         # extra `lb run` options for every stickylb instance
#   BACKEND_CPUS=1 bench/side-by-side.sh                   # the backend beside the proxies, wrk alone on CPU 0: the
#                                                          # load generator no longer shares its core
#   BACKEND_KEEPALIVE_REQUESTS=100 bench/side-by-side.sh   # backends that close a connection after 100 requests
#                                                          # (Tomcat's default), so every proxy keeps reconnecting
#   FORWARDED=0 bench/side-by-side.sh                      # HAProxy and nginx without the forwarding headers
#                                                          # stickylb sends (as before stop 39): less work for them
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
source bench/lib.sh

ROUNDS=${ROUNDS:-6}
DURATION=${DURATION:-5}                # seconds per measurement
WARMUP=${WARMUP:-60}                   # seconds of load per proxy before the first measurement
CONNS_LIST=${CONNS_LIST:-"64 256"}
TARGETS=${TARGETS:-"stickylb-rr haproxy-rr nginx-rr stickylb-cookie haproxy-cookie nginx-iphash"}
BACKEND_CPUS=${BACKEND_CPUS:-0}
WRK_CPUS=${WRK_CPUS:-0}
PROXY_CPUS=${PROXY_CPUS:-1}
BACKEND_PORTS=(19201 19202 19203)
FIRST_PORT=18301
OUT=${OUT:-/tmp/stickylb-side-by-side.txt}
OTHERS_MAX_MS=${OTHERS_MAX_MS:-50}     # a round in which the other proxies used more CPU than this is listed
BACKEND_KEEPALIVE_REQUESTS=${BACKEND_KEEPALIVE_REQUESTS:-1000000}   # requests per backend connection before it closes
THINK_MS=${THINK_MS:-0}                # a wait before each measured request, per connection (0: closed loop, saturated)

die() { echo "side-by-side: $*" >&2; exit 1; }
for b in wrk haproxy nginx curl java taskset awk; do
  command -v "$b" >/dev/null 2>&1 || die "missing '$b' (apt-get install -y wrk haproxy nginx curl)"
done
[[ $THINK_MS =~ ^[0-9]+$ ]] || die "THINK_MS must be a whole number of milliseconds, not '$THINK_MS'"
[[ -f ${LB_JAR:-lb-cli/target/lb.jar} ]] || die "no lb.jar; build first: mvn -B -ntp -q package -DskipTests"

bench_workdir side-by-side
start_bench_backend "$BACKEND_KEEPALIVE_REQUESTS" "$BACKEND_CPUS" "${BACKEND_PORTS[@]}"

declare -A PORT PID HEADER
start_targets "$FIRST_PORT" "$PROXY_CPUS" "${BACKEND_PORTS[@]}" || die "the proxies under test did not all start"

wrk_percentiles "$WORK/p.lua" "$THINK_MS"
heading=$(forwarding_note)   # what the table's heading adds: forwarding headers, a think time, another pinning
if ((10#$THINK_MS > 0)); then heading="; think time $THINK_MS ms (wrk's delay)"; fi
# Another pinning answers another question (bench/pool-runs.py leaves such runs out, as it does think times).
if [[ $BACKEND_CPUS != 0 || $WRK_CPUS != 0 || $PROXY_CPUS != 1 ]]; then
  heading+="; pinning: proxies on CPU $PROXY_CPUS, backend on CPU $BACKEND_CPUS, wrk on CPU $WRK_CPUS"
fi
load() { # target conns seconds [script]
  wrk_load "$WRK_CPUS" "$2" "$3" "http://127.0.0.1:${PORT[$1]}/" "${HEADER[$1]:-}" "${4:-}"
}
ticks() { # pid -> "utime+stime utime" of it and its children (nginx's worker)
  local t=0 u=0 p s
  for p in "$1" $(pgrep -P "$1" || true); do
    read -r -a s < <(awk '{print $14 + $15, $14}' "/proc/$p/stat")
    t=$((t + s[0])) u=$((u + s[1]))
  done
  echo "$t $u"
}

others_ticks() { # target -> CPU ticks of every other proxy under test so far: what else ran in its round
  local sum=0 o x
  for o in $TARGETS; do
    [[ $o == "$1" ]] && continue
    read -r x _ < <(ticks "${PID[$o]}")
    sum=$((sum + x))
  done
  echo "$sum"
}

for ((w = 0; w < WARMUP; w += 5 * $(wc -w <<<"$CONNS_LIST"))); do
  for c in $CONNS_LIST; do for t in $TARGETS; do load "$t" "$c" 5 >/dev/null; done; done
done

tck=$(getconf CLK_TCK)
for r in $(seq "$ROUNDS"); do
  for c in $CONNS_LIST; do
    for t in $TARGETS; do
      o0=$(others_ticks "$t")
      read -r t0 u0 < <(ticks "${PID[$t]}")
      out=$(load "$t" "$c" "$DURATION" "$WORK/p.lua")
      read -r t1 u1 < <(ticks "${PID[$t]}")
      o1=$(others_ticks "$t")
      n=$(awk '/requests in/{print $1}' <<<"$out")
      [[ -n $n && $n -gt 0 ]] || die "$t served nothing: $out"
      read -r _ p50 p90 p99 p999 p95 p98 p995 _ < <(grep '^PCT' <<<"$out")
      echo "$t $c $r $(awk '/Requests\/sec/{print $2}' <<<"$out") $p50 $p90 $p99" \
        "$(awk -v d=$((t1 - t0)) -v n="$n" -v k="$tck" 'BEGIN {printf "%.2f", d / k * 1e6 / n}')" \
        "$(awk -v d=$((u1 - u0)) -v n="$n" -v k="$tck" 'BEGIN {printf "%.2f", d / k * 1e6 / n}')" \
        "$p95 $p98 $p995 $p999 $(((o1 - o0) * 1000 / tck))"
    done
  done
done >"$WORK/rows"
title="# side by side, $(date -u +%FT%RZ), $ROUNDS rounds of ${DURATION}s, medians; cpuus/r = the proxy's CPU per request, usrus/r its user-space part; backend keepalive_requests $BACKEND_KEEPALIVE_REQUESTS$heading"
# Every round, under the table's own heading (bench/pool-runs.py pairs the rounds): target conns round req/s p50 p90
# p99 (µs) cpuus/r usrus/r p95 p98 p99.5 p99.9 (µs), and the CPU the other proxies used meanwhile (ms; since stop 45).
{ echo "$title"; cat "$WORK/rows"; } >"$OUT.rows"

{
  echo "$title"
  printf '%-16s %5s %9s %7s %7s %7s %8s %8s %8s %8s\n' target conns req/s p50ms p90ms p99ms cpuus/r "cpu/ha" "cpu/ngx" \
    usrus/r
  for c in $CONNS_LIST; do
    for t in $TARGETS; do
      row="$t $c"
      for k in 4 5 6 7 8 9; do row+=" $(awk -v t="$t" -v c="$c" -v k=$k '$1 == t && $2 == c {print $k}' "$WORK/rows" | median)"; done
      echo "$row"
    done >"$WORK/med.$c"
    awk '{cpu[$1] = $7; rows[NR] = $0}
         END {
           for (i = 1; i <= NR; i++) {
             split(rows[i], f, " ")
             kind = f[1]; sub(/\.x?[0-9]+$/, "", kind)
             ha = kind ~ /cookie/ ? cpu["haproxy-cookie"] : cpu["haproxy-rr"]
             ngx = kind ~ /rr1?$/ ? cpu["nginx-rr"] : cpu["nginx-iphash"]
             printf "%-16s %5s %9.0f %7.3f %7.3f %7.3f %8.2f %8s %8s %8.2f\n", f[1], f[2], f[3], f[4] / 1000,
               f[5] / 1000, f[6] / 1000, f[7], ha ? sprintf("%.2f", f[7] / ha) : "-",
               ngx ? sprintf("%.2f", f[7] / ngx) : "-", f[8]
           }
         }' "$WORK/med.$c"
  done
  # The tail step by step: where each proxy's latency starts to climb (medians of the rounds, ms).
  echo
  printf '%-16s %5s %7s %7s %7s %7s %7s %7s\n' "tail, ms" conns p90 p95 p98 p99 p99.5 p99.9
  for c in $CONNS_LIST; do
    for t in $TARGETS; do
      row="$t $c"
      for k in 6 10 11 7 12 13; do
        row+=" $(awk -v t="$t" -v c="$c" -v k=$k '$1 == t && $2 == c {print $k}' "$WORK/rows" | median)"
      done
      awk '{printf "%-16s %5s", $1, $2; for (k = 3; k <= NF; k++) printf " %7.3f", $k / 1000; print ""}' <<<"$row"
    done
  done
  # The proxies share one CPU, so whatever another one does in a round (stickylb's JIT warm-up drills in its lulls,
  # nginx's upstream reconnects) is taken from the proxy being measured: say how often, and leave the reader to judge.
  echo
  printf '%-16s %5s %9s %9s %s
' "others' CPU" conns median max "rounds over $OTHERS_MAX_MS ms (ms)"
  for c in $CONNS_LIST; do
    for t in $TARGETS; do
      med=$(awk -v t="$t" -v c="$c" '$1 == t && $2 == c {print $14}' "$WORK/rows" | median)
      awk -v t="$t" -v c="$c" -v lim="$OTHERS_MAX_MS" -v med="$med" '$1 == t && $2 == c {if ($14 > max) max = $14
          if ($14 > lim) over = over sprintf(" r%d:%d", $3, $14)}
        END {printf "%-16s %5s %9.0f %9.0f %s\n", t, c, med, max, over == "" ? "-" : substr(over, 2)}' "$WORK/rows"
    done
  done
} | tee "$OUT"
