#!/usr/bin/env bash
# Where a request's time goes, per proxy: the proxies of side-by-side.sh, set up the same way (pinned to PROXY_CPUS,
# in front of one nginx backend that shares WRK_CPUS with wrk), loaded one at a time by wrk while bpftrace watches
# the proxy's socket system calls and `perf sched` the scheduler. For every request it splits the time a
# connection's cycle takes into three legs, from the proxy's own reads and writes:
#
#   residence   the proxy read the request .. it wrote the response to the client (its own work and the backend leg)
#   backend     it wrote the request to the backend .. it read the response (the backend's turn, and the wait in the
#               proxy's socket until the proxy reads it)
#   client      it wrote the response .. it read the client's next request on that connection (wrk's turn, and the
#               wait until the proxy reads)
#
# and reports mean, p50 and p99 of each (µs, 25 µs buckets), with wrk's own latency, and the mean pick-up delay on
# each side: from the moment a request (client side) or a response (backend side) lands in the proxy's socket
# (sk_data_ready) to the proxy's read of it. Then, in a second run without bpftrace, how wrk and the backend shared
# their CPU: context switches per second and the mean scheduling delay (a woken task waiting for the CPU while the
# other runs). Tracing costs every proxy about a fifth of its throughput,
# so compare the legs between proxies, not with untraced runs.
#
# Needs bpftrace and perf (apt-get install -y bpftrace linux-perf), root, and what side-by-side.sh needs.
#
# Examples:
#   bench/legs.sh
#   TARGETS="stickylb-cookie nginx-iphash" CONNS=256 bench/legs.sh
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
source bench/lib.sh

TARGETS=${TARGETS:-"stickylb-rr nginx-rr haproxy-rr stickylb-cookie nginx-iphash haproxy-cookie"}
CONNS=${CONNS:-64}
DURATION=${DURATION:-5}                # seconds of each measured run
WARMUP=${WARMUP:-20}                   # seconds of load per proxy before its measurements
BACKEND_CPUS=${BACKEND_CPUS:-0}
WRK_CPUS=${WRK_CPUS:-0}
PROXY_CPUS=${PROXY_CPUS:-1}
BACKEND_PORTS=(19201 19202 19203)
FIRST_PORT=18351
OUT=${OUT:-/tmp/stickylb-legs.txt}

die() { echo "legs: $*" >&2; exit 1; }
for b in wrk haproxy nginx curl java taskset awk bpftrace perf; do
  command -v "$b" >/dev/null 2>&1 || die "missing '$b' (apt-get install -y wrk haproxy nginx curl bpftrace linux-perf)"
done
((EUID == 0)) || die "bpftrace and perf sched need root"
[[ -f ${LB_JAR:-lb-cli/target/lb.jar} ]] || die "no lb.jar; build first: mvn -B -ntp -q package -DskipTests"

bench_workdir legs
start_bench_backend 1000000 "$BACKEND_CPUS" "${BACKEND_PORTS[@]}"
declare -A PORT PID HEADER
start_targets "$FIRST_PORT" "$PROXY_CPUS" "${BACKEND_PORTS[@]}" || die "the proxies under test did not all start"
sleep 1
backend_worker=$(pgrep -P "$(cat "$WORK/backend.pid")")
wrk_percentiles "$WORK/p.lua"

# A connection the proxy first reads from is a client's, one it first writes to a backend's: tracing starts while
# the proxy is idle, so each connection's first traced call tells which it is.
cat >"$WORK/legs.bt" <<'BT'
tracepoint:syscalls:sys_enter_recvfrom, tracepoint:syscalls:sys_enter_read /pid == $1/ { @fd[tid] = args->fd; }
tracepoint:syscalls:sys_exit_recvfrom, tracepoint:syscalls:sys_exit_read /pid == $1 && args->ret > 0/ {
  $fd = @fd[tid];
  if (@backend[$fd]) {
    if (@wrote[$fd]) { @backend_leg = lhist((nsecs - @wrote[$fd]) / 1000, 0, 10000, 25); @wrote[$fd] = 0; }
  } else if (@read[$fd] == 0) {
    if (@wrote[$fd]) { @client_leg = lhist((nsecs - @wrote[$fd]) / 1000, 0, 10000, 25); @wrote[$fd] = 0; }
    @read[$fd] = nsecs;
  }
}
tracepoint:syscalls:sys_enter_sendto, tracepoint:syscalls:sys_enter_write,
tracepoint:syscalls:sys_enter_writev /pid == $1/ {
  $fd = args->fd;
  if (@read[$fd] == 0) {
    @backend[$fd] = 1;
  } else {
    @residence = lhist((nsecs - @read[$fd]) / 1000, 0, 10000, 25);
    @read[$fd] = 0;
  }
  @wrote[$fd] = nsecs;
}
tracepoint:sock:sk_data_ready {
  $sk = (struct sock *)args->skaddr;
  $dport = $sk->__sk_common.skc_dport;
  if (($sk->__sk_common.skc_num == $2 || $dport == $3 || $dport == $4 || $dport == $5) && @landed[args->skaddr] == 0) {
    @landed[args->skaddr] = nsecs;
  }
}
tracepoint:sock:sock_recv_length /pid == $1 && args->ret > 0 && @landed[args->sk] != 0/ {
  $sk = (struct sock *)args->sk;
  if ($sk->__sk_common.skc_num == $2) { @pickup_client = stats((nsecs - @landed[args->sk]) / 1000); }
  else { @pickup_backend = stats((nsecs - @landed[args->sk]) / 1000); }
  delete(@landed[args->sk]);
}
END { clear(@fd); clear(@read); clear(@wrote); clear(@backend); clear(@landed); }
BT

# The backend ports as a socket holds them (network byte order), for the pick-up probes.
be_ports=()
for p in "${BACKEND_PORTS[@]}"; do be_ports+=("$(((p & 0xff) << 8 | p >> 8))"); done

# proxy_pid NAME -> the process that does the proxy's socket work (nginx's worker, not its master)
proxy_pid() {
  local kids
  kids=$(pgrep -P "${PID[$1]}" || true)
  if [[ ${1%.*} == nginx-* && -n $kids ]]; then echo "${kids%%$'\n'*}"; else echo "${PID[$1]}"; fi
}
# hist_stats FILE MAP -> "mean p50 p99" of bpftrace's lhist MAP in FILE (bucket upper bounds, µs)
hist_stats() {
  awk -v map="@$2:" '
    $1 == map { on = 1; next }
    on && /^@/ { on = 0 }
    on && /^\[/ {
      gsub(/[\[\),]/, " "); lo = $1; n = $3   # "[lo, hi) count |@@@|"
      k++; low[k] = lo; cnt[k] = n; total += n; sum += n * (lo + 12.5)
    }
    END {
      if (!total) { print "- - -"; exit }
      for (i = 1; i <= k; i++) {
        acc += cnt[i]
        if (!p50 && acc >= total * 0.5) p50 = low[i] + 25
        if (!p99 && acc >= total * 0.99) p99 = low[i] + 25
      }
      printf "%.0f %d %d", sum / total, p50, p99
    }' "$1"
}

{
  echo "# legs, $(date -u +%FT%RZ), $CONNS connections, ${DURATION}s traced per proxy after ${WARMUP}s of load; µs"
  printf '%-16s %8s %6s %6s | %-17s | %-17s | %-17s | %-11s | %9s %9s\n' target req/s p50 p99 \
    "residence mean/50/99" "backend mean/50/99" "client mean/50/99" "pickup c/b" "cpu0 sw/s" "schdelay"
  for t in $TARGETS; do
    url="http://127.0.0.1:${PORT[$t]}/"
    wrk_load "$WRK_CPUS" "$CONNS" "$WARMUP" "$url" "${HEADER[$t]:-}" >/dev/null
    sleep 1
    bpftrace "$WORK/legs.bt" "$(proxy_pid "$t")" "${PORT[$t]}" "${be_ports[@]}" >"$WORK/$t.bt" 2>&1 &
    tracer=$!
    sleep 3   # bpftrace attaches its probes
    out=$(wrk_load "$WRK_CPUS" "$CONNS" "$DURATION" "$url" "${HEADER[$t]:-}" "$WORK/p.lua")
    kill -INT "$tracer"
    wait "$tracer" || true
    read -r _ p50 p99 _ < <(grep '^PCT' <<<"$out" | awk '{print $1, $2, $4, $5}')
    legs=""
    for m in residence backend_leg client_leg; do
      legs+=$(printf '| %-17s ' "$(hist_stats "$WORK/$t.bt" "$m" | tr ' ' /)")
    done
    pickup=$(awk '/^@pickup_client:/ {c = $5} /^@pickup_backend:/ {b = $5}
      END {printf "%s/%s", c == "" ? "-" : c + 0, b == "" ? "-" : b + 0}' FS='[ ,]+' "$WORK/$t.bt")
    # The scheduler's view, without bpftrace: wrk's and the backend's switches and scheduling delay on their CPU.
    wrk_load "$WRK_CPUS" "$CONNS" $((DURATION + 3)) "$url" "${HEADER[$t]:-}" >/dev/null &
    loader=$!
    sleep 2
    perf sched record -a -o "$WORK/$t.sched" -- sleep "$DURATION" >/dev/null 2>&1
    wait "$loader"
    sched=$(perf sched timehist -i "$WORK/$t.sched" 2>/dev/null | awk -v bw="$backend_worker" -v d="$DURATION" '
      NR > 3 && ($3 ~ /^wrk\[/ || $3 == "nginx[" bw "]") { n++; delay += $5 }
      END { if (n) printf "%9.0f %9.3f", n / d, delay / n; else printf "%9s %9s", "-", "-" }')
    rm -f "$WORK/$t.sched"
    printf '%-16s %8.0f %6d %6d %s| %-11s | %s\n' "$t" "$(awk '/Requests\/sec/{print $2}' <<<"$out")" "$p50" \
      "$p99" "$legs" "$pickup" "$sched"
  done
} | tee "$OUT"
