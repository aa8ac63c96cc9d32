#!/usr/bin/env bash
# Start-up to first request served: starts `lb run` in front of one backend (nginx), polls until the first proxied
# request is answered and prints the time from process start (JVM start included). Three ways, interleaved, RUNS
# times each, then the medians:
#   bin/lb            as shipped: bin/lb's JVM options and the build's class-data-sharing archive (lb.jsa)
#   bin/lb, LB_CDS=0  the same options without the archive
#   java -jar         a bare JVM with its own defaults
#   bench/startup.sh             # RUNS=5
#   LB_TRANSPORT=io-uring bench/startup.sh   # stickylb's `transport:` (default: the config's, auto)
# Needs: nginx, curl, java 17 and the built jar (mvn -B -ntp -q package -DskipTests).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
LB_JAR=${LB_JAR:-lb-cli/target/lb.jar}
export LB_JAR
PORT=18097
ADMIN=18098
BACKEND=19112
[[ -f $LB_JAR ]] || { echo "build first: mvn -B -ntp -q package -DskipTests" >&2; exit 1; }
[[ -f ${LB_JAR%.jar}.jsa ]] || echo "note: ${LB_JAR%.jar}.jsa is missing (built with -Dexec.skip?): bin/lb starts without it" >&2
source bench/lib.sh
bench_workdir startup
start_ok_backend "$BACKEND" 1024
cat >"$WORK/lb.yaml" <<YAML
listen: 127.0.0.1:$PORT
workers: 1
access-log: off
admin: { listen: 127.0.0.1:$ADMIN }
pools:
  app:
    health: { active: { path: /, interval: 2s } }
    backends: [ { id: b1, address: 127.0.0.1:$BACKEND } ]
YAML
if [[ -n ${LB_TRANSPORT:-} ]]; then echo "transport: $LB_TRANSPORT" >>"$WORK/lb.yaml"; fi
until curl -s -o /dev/null "http://127.0.0.1:$BACKEND/"; do sleep 0.05; done

one_start() { # command... -> prints milliseconds to the first proxied 200
  local t0 t1 pid
  t0=$(date +%s%N)
  "$@" run --config "$WORK/lb.yaml" >"$WORK/lb.log" 2>&1 &
  pid=$!
  until [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/") == 200 ]]; do
    kill -0 "$pid" 2>/dev/null || { echo "lb exited: $(tail -3 "$WORK/lb.log")" >&2; exit 1; }
    sleep 0.005
  done
  t1=$(date +%s%N)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo $(((t1 - t0) / 1000000))
}
median() { tr ' ' '\n' | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

shipped=() nocds=() plain=()
for ((i = 0; i < RUNS; i++)); do
  shipped+=("$(one_start bin/lb)")
  nocds+=("$(LB_CDS=0 one_start bin/lb)")
  plain+=("$(one_start java -jar "$LB_JAR")")
done
echo "start-up to first request served (JVM start included), $RUNS runs each, interleaved:"
echo "  bin/lb (with lb.jsa):      median $(echo "${shipped[*]}" | median) ms   (${shipped[*]})"
echo "  bin/lb, LB_CDS=0:          median $(echo "${nocds[*]}" | median) ms   (${nocds[*]})"
echo "  plain java -jar:           median $(echo "${plain[*]}" | median) ms   (${plain[*]})"
