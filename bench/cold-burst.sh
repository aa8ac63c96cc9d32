#!/usr/bin/env bash
# A burst of N new clients to a freshly started stickylb whose pool of one backend has no connection yet: all N
# connect, then all send one request at once. Prints the answers by status and, from the admin API, how many requests
# waited in line for a backend connection (beyond max-pending-per-backend connects in flight) and how many of those
# timed out (503). ROUNDS fresh starts.
#   bench/cold-burst.sh                          # N=2000, ROUNDS=3, the default max-pending-per-backend (1024)
#   LB_TRANSPORT=io-uring N=6000 bench/cold-burst.sh
# Needs: python3, nginx, curl, java 17 and the built jar. ulimit -n must allow 2 N + some.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-2000}
ROUNDS=${ROUNDS:-3}
LB_JAR=${LB_JAR:-lb-cli/target/lb.jar}
PORT=18093
ADMIN=18094
BACKEND=19113
[[ -f $LB_JAR ]] || { echo "build first: mvn -B -ntp -q package -DskipTests" >&2; exit 1; }
source bench/lib.sh
bench_workdir cold-burst
start_ok_backend "$BACKEND" $((N + 1024)) 0
cat >"$WORK/lb.yaml" <<EOF
listen: 127.0.0.1:$PORT
workers: 1
${LB_TRANSPORT:+transport: $LB_TRANSPORT}
access-log: off
admin: { listen: 127.0.0.1:$ADMIN }
limits: { max-connections: $((N + 100)) }
pools:
  app:
    backends: [ { id: b1, address: 127.0.0.1:$BACKEND } ]
EOF
for ((r = 1; r <= ROUNDS; r++)); do
  taskset -c 1 bin/lb run --config "$WORK/lb.yaml" >"$WORK/lb.log" 2>&1 &
  LB=$!
  wait_http "http://127.0.0.1:$ADMIN/api/pools" "$LB" 30 || { echo "lb did not start: $(tail -3 "$WORK/lb.log")" >&2; exit 1; }
  answers=$(taskset -c 0 python3 bench/burst_clients.py 127.0.0.1 "$PORT" "$N")
  waited=$(curl -s "http://127.0.0.1:$ADMIN/api/pools/app" | python3 -c '
import json, sys
b = json.load(sys.stdin)["backends"][0]
print("waited in line %d, timed out in line %d, connections opened %d" % (b["queued"], b["queueTimeouts"], b["connectionsOpened"]))')
  echo "round $r: $N clients at once: $answers; $waited"
  kill "$LB"; wait "$LB" 2>/dev/null || true
done
