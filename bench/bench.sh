#!/usr/bin/env bash
# stickylb benchmark: in one run, on loopback, wrk against
#   direct          the backend itself (the limit)
#   stickylb-rr     stickylb, round robin
#   stickylb-cookie stickylb, cookie affinity (wrk sends a valid LB_ROUTE cookie, so every request is a sticky hit)
#   stickylb-iphash stickylb, ip-hash (maglev)
#   haproxy-rr / haproxy-cookie   HAProxy, roundrobin / cookie insert indirect (wrk sends SERVERID)
#   nginx-rr / nginx-iphash       nginx, round robin / ip_hash, upstream keep-alive
#   nginx-cookie    nginx, `hash $cookie_SERVERID consistent` (wrk sends SERVERID): not run unless named in TARGETS
# for a ~100 B and a 64 KiB response, at 64 and 256 connections. Every proxy gets the same number of worker threads
# (WORKERS, default 1), keep-alive connections to the backends and the forwarding headers stickylb sends (FORWARDED,
# bench/lib.sh). Prints a table (req/s, p50/p99/p99.9 latency, peak RSS, CPU time per request, ratio to direct and to
# HAProxy) and writes it to $OUT (CSV) and $OUT.txt.
#
# Needs: wrk, haproxy, nginx, curl, java 17 and the built jar (mvn -B -ntp -q package -DskipTests).
#   apt-get install -y wrk haproxy nginx curl
# Examples:
#   bench/bench.sh                                # defaults: 10s per measurement, 1 round, TASKSET=1
#   ROUNDS=3 DURATION=10s bench/bench.sh          # medians over 3 interleaved rounds
#   TARGETS="direct stickylb-rr haproxy-rr" SIZES=small CONNS_LIST=64 bench/bench.sh
#   WORKERS=2 TASKSET=0 bench/bench.sh            # two event loops / threads / workers each, no pinning
#   LB_TRANSPORT=io-uring bench/bench.sh          # stickylb on io_uring (the others are unchanged)
#   FORWARDED=0 bench/bench.sh                    # HAProxy and nginx without the forwarding headers stickylb sends
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
source bench/lib.sh

WORKERS=${WORKERS:-1}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
JVM_WARMUP=${JVM_WARMUP:-90}          # stickylb: seconds of short runs over every size and connection count before
                                      # its first measurement, counted from the JVM's start (a warm-up, never
                                      # measured): the JIT compiles connection set-up and both body paths, and the
                                      # one-time work of a JVM's first minute is done (docs/benchmarks.md)
ROUNDS=${ROUNDS:-1}
TARGETS=${TARGETS:-"direct stickylb-rr stickylb-cookie stickylb-iphash haproxy-rr haproxy-cookie nginx-rr nginx-iphash"}
SIZES=${SIZES:-"small 64k"}
CONNS_LIST=${CONNS_LIST:-"64 256"}
WRK_THREADS=${WRK_THREADS:-1}
TASKSET=${TASKSET:-1}                  # 1: backend + wrk on cpu 0, proxy on cpu 1 (a 2-core machine)
BACKEND_CPUS=${BACKEND_CPUS:-0}
WRK_CPUS=${WRK_CPUS:-0}
PROXY_CPUS=${PROXY_CPUS:-1}
JAVA_OPTS=${JAVA_OPTS:-}              # stickylb's JVM options; empty: bin/lb's DEFAULT_JAVA_OPTS, the ones an operator
                                      # runs it with. On one pinned CPU the JVM then picks one GC thread and two
                                      # compiler threads by itself.
LB_TRANSPORT=${LB_TRANSPORT:-}        # stickylb's `transport:` (e.g. io-uring); empty: auto (epoll)
LB_RUN_ARGS=${LB_RUN_ARGS:-}          # extra `lb run` options for stickylb, e.g. "--warmup 0" to measure without the
                                      # JIT warm-up (split on spaces)
LB_JAR=${LB_JAR:-lb-cli/target/lb.jar}
export LB_JAR
if [[ -n $JAVA_OPTS ]]; then export LB_JAVA_OPTS=$JAVA_OPTS; fi
OUT=${OUT:-/tmp/stickylb-bench.csv}
PROXY_PORT=18090
BACKEND_PORTS=(19101 19102 19103)

die() { echo "bench: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
for b in wrk haproxy nginx curl java setsid awk; do
  command -v "$b" >/dev/null 2>&1 || die "missing '$b' (apt-get install -y wrk haproxy nginx curl)"
done
[[ -f $LB_JAR ]] || die "$LB_JAR not found; build first: mvn -B -ntp -q package -DskipTests"
CLK_TCK=$(getconf CLK_TCK)
WORK=$(mktemp -d /tmp/stickylb-bench.XXXXXX)
chmod 755 "$WORK"
PIDS=()

stop_bg() {
  local pid=$1 i
  kill -TERM -- "-$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do alive "$pid" || break; sleep 0.1; done
  alive "$pid" && kill -KILL -- "-$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
  local keep=() p
  for p in "${PIDS[@]}"; do [[ $p != "$pid" ]] && keep+=("$p"); done
  PIDS=("${keep[@]}")
}
cleanup() { set +e; local p; for p in "${PIDS[@]}"; do stop_bg "$p"; done; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'log interrupted; exit 130' INT TERM
start_bg() { # name cpus cmd...  -> LAST_PID
  local name=$1 cpus=$2 pre=()
  shift 2
  [[ $TASKSET == 1 ]] && pre=(taskset -c "$cpus")
  setsid "${pre[@]}" "$@" >"$WORK/$name.log" 2>&1 </dev/null &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}
session_pids() { ps -o pid= -s "$1" 2>/dev/null | tr -d ' '; }
cpu_ticks() { # session -> utime+stime of all its processes
  local t=0 p v
  for p in $(session_pids "$1"); do
    v=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)
    t=$((t + v))
  done
  echo "$t"
}
peak_rss_kb() { # session -> sum of VmHWM
  local t=0 p v
  for p in $(session_pids "$1"); do
    v=$(awk '/^VmHWM/{print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
    t=$((t + ${v:-0}))
  done
  echo "$t"
}

# ---------------------------------------------------------------- backends --
head -c 65536 /dev/zero | tr '\0' 'x' >"$WORK/64k"
SMALL_BODY="stickylb bench backend response body ................................................. end"
cat >"$WORK/backend.conf" <<EOF
worker_processes 1;
daemon off;
pid $WORK/backend.pid;
error_log $WORK/backend.error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  client_body_temp_path $WORK/tmp; proxy_temp_path $WORK/tmp; fastcgi_temp_path $WORK/tmp;
  uwsgi_temp_path $WORK/tmp; scgi_temp_path $WORK/tmp;
$(for i in 0 1 2; do cat <<EOS
  server {
    listen 127.0.0.1:${BACKEND_PORTS[i]};
    add_header X-Backend b$((i + 1)) always;
    location = /64k { root $WORK; default_type application/octet-stream; }
    location / { default_type text/plain; return 200 "$SMALL_BODY"; }
  }
EOS
done)
}
EOF
mkdir -p "$WORK/tmp"
start_bg backend "$BACKEND_CPUS" nginx -p "$WORK/" -c "$WORK/backend.conf"
BACKEND_PID=$LAST_PID
for p in "${BACKEND_PORTS[@]}"; do wait_http "http://127.0.0.1:$p/" "$BACKEND_PID" 10 || die "backend :$p did not start"; done

# ------------------------------------------------------------------ proxies --
start_target() { # target -> PROXY_PID (empty for direct), URL_BASE, COOKIE_ARGS
  COOKIE_ARGS=()
  PROXY_PID=
  URL_BASE=http://127.0.0.1:$PROXY_PORT
  case $1 in
    direct) URL_BASE=http://127.0.0.1:${BACKEND_PORTS[0]}; return ;;
    stickylb-rr | stickylb-cookie | stickylb-iphash)
      stickylb_conf "$WORK/$1.yaml" "$PROXY_PORT" "$WORKERS" "${1#stickylb-}" "${BACKEND_PORTS[@]}"
      # shellcheck disable=SC2086 # LB_RUN_ARGS is a list of options, split on purpose
      start_bg "$1" "$PROXY_CPUS" bin/lb run --config "$WORK/$1.yaml" $LB_RUN_ARGS ;;
    haproxy-rr | haproxy-cookie)
      haproxy_conf "$WORK/$1.cfg" "$PROXY_PORT" "$WORKERS" "${1#haproxy-}" "${BACKEND_PORTS[@]}"
      start_bg "$1" "$PROXY_CPUS" haproxy -db -f "$WORK/$1.cfg" ;;
    nginx-rr | nginx-iphash | nginx-cookie)
      nginx_conf "$WORK/$1.conf" "$PROXY_PORT" "$WORKERS" "${1#nginx-}" "${BACKEND_PORTS[@]}"
      start_bg "$1" "$PROXY_CPUS" nginx -p "$WORK/" -c "$WORK/$1.conf" ;;
    *) die "unknown target $1" ;;
  esac
  PROXY_PID=$LAST_PID
  local h
  h=$(server_cookie "$1")
  if [[ -n $h ]]; then COOKIE_ARGS=(-H "$h"); fi
  PROXY_STARTED=$SECONDS
  wait_http "$URL_BASE/" "$PROXY_PID" 60 || die "$1 did not answer: $(tail -5 "$WORK/$1.log")"
  if [[ $1 == stickylb-cookie ]]; then
    local c
    c=$(affinity_cookie "$URL_BASE/")
    [[ $c == LB_ROUTE=* ]] || die "stickylb-cookie issued no LB_ROUTE cookie"
    COOKIE_ARGS=(-H "Cookie: $c")
  fi
}

cat >"$WORK/p999.lua" <<'EOF'
done = function(summary, latency, requests)
  io.write(string.format("P999_US %d\n", latency:percentile(99.9)))
  io.write(string.format("P50_US %d\nP99_US %d\n", latency:percentile(50), latency:percentile(99)))
end
EOF

run_wrk() { # outfile conns duration url extra...
  local f=$1 c=$2 d=$3 url=$4 pre=()
  shift 4
  [[ $TASKSET == 1 ]] && pre=(taskset -c "$WRK_CPUS")
  "${pre[@]}" wrk -t"$WRK_THREADS" -c"$c" -d"$d" -s "$WORK/p999.lua" "$@" "$url" >"$f" 2>&1 || true
}

echo "round,target,size,conns,rps,p50_ms,p99_ms,p999_ms,peak_rss_mb,cpu_us_per_req,errors" >"$OUT"
declare -A FIRST_WARM
for ((round = 1; round <= ROUNDS; round++)); do
  for t in $TARGETS; do
    start_target "$t"
    for size in $SIZES; do
      path=/; [[ $size == 64k ]] && path=/64k
      for c in $CONNS_LIST; do
        if [[ $t == stickylb-* && -z ${FIRST_WARM[$t.$round]:-} ]]; then
          FIRST_WARM[$t.$round]=1
          # Each wrk run opens its connections afresh; a JVM compiles the accept and close paths only after they
          # have run a few hundred times, and compiling on the proxy's one core inflates the tail of the next runs.
          log "round $round $t: JVM warm-up until it has run ${JVM_WARMUP} s (2 s per size and connection count)"
          while ((SECONDS - PROXY_STARTED < JVM_WARMUP)); do
            for wsize in $SIZES; do
              wpath=/; [[ $wsize == 64k ]] && wpath=/64k
              for wc in $CONNS_LIST; do run_wrk "$WORK/warm.txt" "$wc" 2s "$URL_BASE$wpath" "${COOKIE_ARGS[@]}"; done
            done
          done
        fi
        log "round $round $t size=$size conns=$c: warm-up $WARMUP"
        run_wrk "$WORK/warm.txt" "$c" "$WARMUP" "$URL_BASE$path" "${COOKIE_ARGS[@]}"
        sid=${PROXY_PID:-$BACKEND_PID}
        t0=$(cpu_ticks "$sid")
        run_wrk "$WORK/run.txt" "$c" "$DURATION" "$URL_BASE$path" "${COOKIE_ARGS[@]}"
        t1=$(cpu_ticks "$sid")
        rps=$(awk '/^Requests\/sec:/{print $2}' "$WORK/run.txt")
        reqs=$(awk '/requests in/{print $1}' "$WORK/run.txt")
        errs=$(awk '/Socket errors:/{gsub(/,/,""); e+=$4+$6+$8+$10} /Non-2xx/{e+=$NF} END{print e+0}' "$WORK/run.txt")
        p50=$(awk '/^P50_US/{printf "%.3f", $2/1000}' "$WORK/run.txt")
        p99=$(awk '/^P99_US/{printf "%.3f", $2/1000}' "$WORK/run.txt")
        p999=$(awk '/^P999_US/{printf "%.3f", $2/1000}' "$WORK/run.txt")
        rss=$(awk -v k="$(peak_rss_kb "$sid")" 'BEGIN{printf "%.1f", k/1024}')
        cpu=$(awk -v d=$((t1 - t0)) -v hz="$CLK_TCK" -v n="${reqs:-0}" 'BEGIN{ if (n>0) printf "%.2f", d/hz*1e6/n; else print "" }')
        echo "$round,$t,$size,$c,${rps:-0},$p50,$p99,$p999,$rss,$cpu,$errs" >>"$OUT"
        log "  $rps req/s p50=${p50}ms p99=${p99}ms p99.9=${p999}ms rss=${rss}MB cpu/req=${cpu}us errors=$errs"
      done
    done
    [[ -n $PROXY_PID ]] && stop_bg "$PROXY_PID"
  done
done

# ------------------------------------------------------------------- table --
{
  echo "# stickylb bench $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) CPUs ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo))"
  if [[ $TASKSET == 1 ]]; then pinning="backend cpu $BACKEND_CPUS, wrk cpu $WRK_CPUS, proxy cpu $PROXY_CPUS"; else pinning="no pinning"; fi
  echo "# workers=$WORKERS taskset=$TASKSET ($pinning) duration=$DURATION rounds=$ROUNDS stickylb transport=${LB_TRANSPORT:-auto}$(forwarding_note)"
  echo "# $(haproxy -v 2>&1 | head -1); $(nginx -v 2>&1 | head -1); $(java -version 2>&1 | head -1)"
  echo "# stickylb: bin/lb${LB_RUN_ARGS:+ run $LB_RUN_ARGS}, JVM options: ${JAVA_OPTS:-$(sed -n 's/^DEFAULT_JAVA_OPTS="\(.*\)"$/\1/p' bin/lb)}"
  awk -F, 'NR > 1 {
      k = $3 "," $4 "," $2; n[k]++; v[k, n[k]] = $5; p50[k, n[k]] = $6; p99[k, n[k]] = $7; p999[k, n[k]] = $8
      rss[k] = ($9 > rss[k]) ? $9 : rss[k]; cpu[k, n[k]] = $10; err[k] += $11; keys[k] = 1 }
    function med(a, k, m,   i, j, t, x) { for (i = 1; i <= m; i++) x[i] = a[k, i]
      for (i = 2; i <= m; i++) { t = x[i]; for (j = i - 1; j > 0 && x[j] + 0 > t + 0; j--) x[j+1] = x[j]; x[j+1] = t }
      return (m % 2) ? x[(m+1)/2] : (x[m/2] + x[m/2+1]) / 2 }
    END {
      printf "%-5s %-5s %-16s %9s %7s %7s %8s %8s %8s %7s %8s %7s %6s\n", "size", "conns", "target", "req/s", "p50ms", "p99ms", "p99.9ms", "rssMB", "cpuus/r", "xdirect", "xhaproxy", "p99/ha", "errors"
      for (k in keys) { split(k, a, ","); m = n[k]; R[k] = med(v, k, m); P99[k] = med(p99, k, m) }
      ns = split("small 64k", S, " "); nc = split("64 256", C, " ")
      nt = split("direct stickylb-rr stickylb-cookie stickylb-iphash haproxy-rr haproxy-cookie nginx-rr nginx-iphash nginx-cookie", T, " ")
      for (i = 1; i <= ns; i++) for (j = 1; j <= nc; j++) for (l = 1; l <= nt; l++) {
        k = S[i] "," C[j] "," T[l]; if (!(k in keys)) continue; m = n[k]
        d = S[i] "," C[j] ",direct"; h = S[i] "," C[j] ",haproxy-rr"
        hk = (T[l] ~ /cookie/) ? S[i] "," C[j] ",haproxy-cookie" : h
        printf "%-5s %-5s %-16s %9.0f %7.3f %7.3f %8.3f %8.1f %8s %7s %8s %7s %6d\n", S[i], C[j], T[l], R[k], med(p50, k, m), P99[k], med(p999, k, m), rss[k], med(cpu, k, m),
          (d in R && R[d] > 0) ? sprintf("%.3f", R[k] / R[d]) : "-",
          (hk in R && R[hk] > 0) ? sprintf("%.3f", R[k] / R[hk]) : "-",
          (hk in P99 && P99[hk] > 0) ? sprintf("%.2f", P99[k] / P99[hk]) : "-", err[k] }
    }' "$OUT"
  echo "# medians over $ROUNDS round(s); xdirect = req/s ÷ direct; xhaproxy = req/s ÷ HAProxy (cookie rows ÷ haproxy-cookie);"
  echo "# p99/ha = p99 ÷ HAProxy's; cpuus/r = proxy CPU microseconds per request (direct: the backend's); rssMB = peak RSS"
  echo "# raw rows: $OUT"
} | tee "$OUT.txt"
