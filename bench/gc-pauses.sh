#!/usr/bin/env bash
# Young-collection pauses of stickylb under load, as the benchmark runs it (round robin, one worker, pinned: wrk and
# the backend on CPU 0, the proxy on CPU 1): `lb run` with -Xlog:gc*, a WARMUP-second wrk run, then DURATION seconds
# measured. Prints wrk's summary, then the young pauses of the measured run (count, mean, longest) and the survivor
# space each left behind (what the next young collection has to copy again), and whether the heap was settled after
# the JIT warm-up. docs/benchmarks.md, "Young pauses after start-up".
#   bench/gc-pauses.sh
#   CONNS=64 LB_JAR=/tmp/old/lb.jar bench/gc-pauses.sh      # another build, interleave runs to compare
#   LB_EXTRA_OPTS=-XX:+DisableExplicitGC bench/gc-pauses.sh  # JVM options added to bin/lb's defaults
#   PIN=0 bench/gc-pauses.sh                                  # nothing pinned, as the shared script runs by default
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
source bench/lib.sh
CONNS=${CONNS:-256}
WARMUP=${WARMUP:-20}
DURATION=${DURATION:-20}
LB_JAR=${LB_JAR:-lb-cli/target/lb.jar}
PORT=18397
if [[ ${PIN:-1} == 0 ]]; then PROXY_CPUS=0,1 LOAD_CPUS=0,1; else PROXY_CPUS=1 LOAD_CPUS=0; fi
BACKEND=19313
[[ -f $LB_JAR ]] || { echo "build first: mvn -B -ntp -q package -DskipTests" >&2; exit 1; }
for b in wrk nginx taskset curl; do
  command -v "$b" >/dev/null 2>&1 || { echo "missing '$b' (apt-get install -y wrk nginx curl)" >&2; exit 1; }
done

bench_workdir gc-pauses
start_ok_backend "$BACKEND" 4096 "$LOAD_CPUS"
stickylb_conf "$WORK/lb.yaml" "$PORT" 1 rr "$BACKEND"
LB_JAR=$LB_JAR LB_JAVA_OPTS="-XX:+UseParallelGC -Xms256m -Xmx256m ${LB_EXTRA_OPTS:-} -Xlog:gc*:file=$WORK/gc.log" \
  taskset -c "$PROXY_CPUS" bin/lb run --config "$WORK/lb.yaml" >"$WORK/lb.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$PORT/" "$!" 30 || { echo "stickylb did not start: $(tail -3 "$WORK/lb.log")" >&2; exit 1; }
wrk_load "$LOAD_CPUS" "$CONNS" "$WARMUP" "http://127.0.0.1:$PORT/" >/dev/null
before=$(wc -l <"$WORK/gc.log")
wrk_load "$LOAD_CPUS" "$CONNS" "$DURATION" "http://127.0.0.1:$PORT/" | grep -E 'Latency|Requests/sec'
tail -n +$((before + 1)) "$WORK/gc.log" | awk '
  /Pause Young/ && /ms$/ { v = $NF + 0; n++; t += v; if (v > m) m = v }
  /PSYoungGen:/ { match($0, /From: [0-9]+K\([0-9]+K\)->[0-9]+K/); f = substr($0, RSTART, RLENGTH); sub(/.*->/, "", f)
                  s = s (s ? " " : "") f }
  END { printf "young pauses in %ss: %d, mean %.2f ms, longest %.2f ms\nsurvivors left: %s\n", "'"$DURATION"'", n,
               (n ? t / n : 0), m, s }'
grep -h "heap settled\|heap not settled" "$WORK/lb.log" | sed 's/^[0-9:.]* INFO  //' || echo "heap not settled (an older build)"
