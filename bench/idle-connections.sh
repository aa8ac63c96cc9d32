#!/usr/bin/env bash
# Measures what idle keep-alive client connections cost stickylb: starts `lb run` in front of one backend, takes a
# baseline (heap used after a full GC, direct memory, RSS), opens N connections that each send one request and then
# stay idle, measures again and prints the cost per connection. Also prints the start-up time to the first request.
#   bench/idle-connections.sh            # N=10000
#   N=5000 bench/idle-connections.sh
#   LB_TRANSPORT=io-uring bench/idle-connections.sh   # stickylb's `transport:` (default auto: epoll)
# Needs: python3, nginx, curl, java 17 and the built jar. ulimit -n must allow N + some (20000 here).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
LB_TRANSPORT=${LB_TRANSPORT:-auto}
LB_JAR=${LB_JAR:-lb-cli/target/lb.jar}
PORT=18095
ADMIN=18096
BACKEND=19111
[[ -f $LB_JAR ]] || { echo "build first: mvn -B -ntp -q package -DskipTests" >&2; exit 1; }
source bench/lib.sh
bench_workdir idle
start_ok_backend "$BACKEND" 16384
cat >"$WORK/lb.yaml" <<EOF
listen: 127.0.0.1:$PORT
workers: 1
transport: $LB_TRANSPORT
access-log: off
admin: { listen: 127.0.0.1:$ADMIN }
limits: { max-connections: $((N + 100)), max-pending-per-backend: $((N + 100)), idle-timeout: 10m, header-timeout: 1m }
pools:
  app:
    backends: [ { id: b1, address: 127.0.0.1:$BACKEND } ]
EOF
sleep 0.5
t0=$(date +%s%N)
java -Xms64m -Xmx512m -XX:+UseSerialGC -XX:NativeMemoryTracking=summary -jar "$LB_JAR" run --config "$WORK/lb.yaml" \
  >"$WORK/lb.log" 2>&1 &
LB=$!
PIDS+=("$LB")
until curl -s -o /dev/null "http://127.0.0.1:$PORT/"; do sleep 0.01; done
t1=$(date +%s%N)
echo "start-up to first request served: $(((t1 - t0) / 1000000)) ms (JVM start included)"

measure() { # -> "heap_used_bytes direct_bytes rss_kb"
  jcmd "$LB" GC.run >/dev/null
  sleep 0.5
  jcmd "$LB" GC.run >/dev/null
  local heap direct rss
  heap=$(jstat -gc "$LB" | awk 'NR == 2 {print ($3 + $4 + $6 + $8) * 1024}')
  direct=$(jcmd "$LB" VM.native_memory summary | awk '/- +Other \(reserved=/ {gsub(/.*committed=|KB\)/,""); print $0*1024; exit}')
  rss=$(awk '/^VmRSS/{print $2}' "/proc/$LB/status")
  echo "${heap:-0} ${direct:-0} ${rss:-0}"
}
read -r h0 d0 r0 < <(measure)
python3 bench/idle_clients.py 127.0.0.1 "$PORT" "$N" "$WORK/ready" "$WORK/done" 2>"$WORK/clients.err" &
CLIENTS_PID=$!
PIDS+=("$CLIENTS_PID")
for ((i = 0; i < 1200; i++)); do
  [[ -s $WORK/ready ]] && break
  alive() { kill -0 "$1" 2>/dev/null; }
  alive "$CLIENTS_PID" || break
  sleep 0.1
done
[[ -s $WORK/ready ]] || { echo "clients failed: $(tail -5 "$WORK/clients.err")" >&2; exit 1; }
read -r ready n <"$WORK/ready"
sleep 1
read -r h1 d1 r1 < <(measure)
open=$(ss -tn state established "( sport = :$PORT )" | tail -n +2 | wc -l)
awk -v n="$n" -v h0="$h0" -v h1="$h1" -v d0="$d0" -v d1="$d1" -v r0="$r0" -v r1="$r1" -v open="$open" 'BEGIN {
  printf "idle keep-alive connections: %d (established at the proxy: %d)\n", n, open
  printf "heap used after GC:   %8.1f MiB -> %8.1f MiB  = %6.2f KiB per connection\n", h0/1048576, h1/1048576, (h1-h0)/1024/n
  printf "direct (NMT Other):   %8.1f MiB -> %8.1f MiB  = %6.2f KiB per connection\n", d0/1048576, d1/1048576, (d1-d0)/1024/n
  printf "heap + direct:                                   = %6.2f KiB per connection (target <= 10)\n", ((h1-h0)+(d1-d0))/1024/n
  printf "process RSS:          %8.1f MiB -> %8.1f MiB  = %6.2f KiB per connection (includes heap pages touched)\n", r0/1024, r1/1024, (r1-r0)/n
}'
touch "$WORK/done"
wait "$CLIENTS_PID" 2>/dev/null || true
