# Shared by the bench scripts (sourced, not run): a scratch directory cleaned up on exit, one-worker nginx backends,
# the stickylb, HAProxy and nginx configs the throughput benchmarks run, and starting those proxies side by side.

# bench_workdir NAME -> sets WORK and PIDS; everything in PIDS is killed and WORK removed on exit.
bench_workdir() {
  WORK=$(mktemp -d "/tmp/stickylb-$1.XXXXXX")
  chmod 755 "$WORK"
  PIDS=()
  trap 'set +e; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; sleep 0.3; rm -rf "$WORK"' EXIT
}

# start_ok_backend PORT MAX_CONNECTIONS [CPUS] -> an nginx on 127.0.0.1:PORT answering 200 "ok", its pid added to
# PIDS; with CPUS, pinned there (taskset). Its connections stay open (nginx's default closes one after 1,000
# requests, which made the proxy under test reconnect ~60 times a second in every A/B).
start_ok_backend() {
  cat >"$WORK/nginx.conf" <<NGINX
worker_processes 1; daemon off; pid $WORK/nginx.pid; error_log $WORK/error.log warn;
events { worker_connections $2; }
http { access_log off; keepalive_requests 1000000; client_body_temp_path $WORK; proxy_temp_path $WORK;
  fastcgi_temp_path $WORK;
  uwsgi_temp_path $WORK; scgi_temp_path $WORK;
  server { listen 127.0.0.1:$1; location / { return 200 "ok"; } } }
NGINX
  ${3:+taskset -c "$3"} nginx -p "$WORK/" -c "$WORK/nginx.conf" >/dev/null 2>&1 &
  PIDS+=($!)
}

# start_bench_backend KEEPALIVE_REQUESTS CPUS PORT... -> the backend side-by-side.sh and legs.sh put behind every proxy:
# one nginx worker pinned to CPUS answering 200 with a ~100-byte text body on each 127.0.0.1:PORT, closing a
# connection after KEEPALIVE_REQUESTS requests; its pid added to PIDS (call bench_workdir first).
start_bench_backend() {
  local keepalive=$1 cpus=$2 p body
  body="stickylb bench backend response body ................................................. end"
  shift 2
  mkdir -p "$WORK/tmp"
  {
    echo "worker_processes 1; daemon off; pid $WORK/backend.pid; error_log $WORK/backend.log warn;"
    echo "events { worker_connections 8192; }"
    echo "http { access_log off; keepalive_requests $keepalive; keepalive_timeout 120s;"
    echo "  client_body_temp_path $WORK/tmp; proxy_temp_path $WORK/tmp; fastcgi_temp_path $WORK/tmp;"
    echo "  uwsgi_temp_path $WORK/tmp; scgi_temp_path $WORK/tmp;"
    for p in "$@"; do
      echo "  server { listen 127.0.0.1:$p; location / { default_type text/plain; return 200 \"$body\"; } }"
    done
    echo "}"
  } >"$WORK/backend.conf"
  taskset -c "$cpus" nginx -p "$WORK/" -c "$WORK/backend.conf" >/dev/null 2>&1 &
  PIDS+=($!)
}

# server_cookie KIND -> the Cookie header wrk sends to HAProxy's and nginx's cookie rows (haproxy-cookie,
# nginx-cookie), which pin by a cookie the client already holds; nothing for other kinds.
server_cookie() {
  case $1 in haproxy-cookie | nginx-cookie) echo "Cookie: SERVERID=b2" ;; esac
}

# start_target NAME PORT CPUS BACKEND_PORT... -> starts one proxy under test on 127.0.0.1:PORT, pinned to CPUS, one
# worker or thread: stickylb-rr, -rr1 (round robin over the first backend only), -cookie or -iphash; haproxy-rr or
# -cookie; nginx-rr, -iphash or -cookie (a hash of the cookie the client sends). A suffix ".N" names another instance
# of the same kind; stickylb instances named ".xN" run with X_JAVA_OPTS added to bin/lb's JVM options (LB_JAVA_OPTS
# replaces those), those named ".oN" run another build (the lb.jar at OTHER_JAR), and every stickylb instance runs
# with LB_RUN_ARGS. Sets PID[NAME] (the process to measure: nginx's master, whose worker is its child) and
# HEADER[NAME] for the cookie rows of HAProxy and nginx (callers `declare -A PID HEADER`); output goes to
# $WORK/NAME.log. Returns 1 for an unknown NAME.
start_target() {
  local t=$1 port=$2 cpus=$3 kind=${1%.*} jvm jar
  shift 3
  case $kind in
    stickylb-rr | stickylb-cookie | stickylb-iphash | stickylb-rr1)
      if [[ $kind == stickylb-rr1 ]]; then
        stickylb_conf "$WORK/$t.yaml" "$port" 1 rr "$1"
      else
        stickylb_conf "$WORK/$t.yaml" "$port" 1 "${kind#stickylb-}" "$@"
      fi
      jvm=${LB_JAVA_OPTS:-$(sed -n 's/^DEFAULT_JAVA_OPTS="\(.*\)"$/\1/p' bin/lb)}
      if [[ $t == *.x[0-9]* ]]; then jvm+=" ${X_JAVA_OPTS:-}"; fi
      jar=${LB_JAR:-lb-cli/target/lb.jar}
      if [[ $t == *.o[0-9]* ]]; then jar=${OTHER_JAR:?"$t runs another build: set OTHER_JAR to its lb.jar"}; fi
      # shellcheck disable=SC2086 # LB_RUN_ARGS is a list of options, split on purpose
      LB_JAR=$jar LB_JAVA_OPTS=$jvm taskset -c "$cpus" bin/lb run --config "$WORK/$t.yaml" ${LB_RUN_ARGS:-} \
        >"$WORK/$t.log" 2>&1 & ;;
    haproxy-rr | haproxy-cookie)
      haproxy_conf "$WORK/$t.cfg" "$port" 1 "${kind#haproxy-}" "$@"
      taskset -c "$cpus" haproxy -db -f "$WORK/$t.cfg" >"$WORK/$t.log" 2>&1 & ;;
    nginx-rr | nginx-iphash | nginx-cookie)
      nginx_conf "$WORK/$t.conf" "$port" 1 "${kind#nginx-}" "$@"
      taskset -c "$cpus" nginx -p "$WORK/" -c "$WORK/$t.conf" >"$WORK/$t.log" 2>&1 & ;;
    *) return 1 ;;
  esac
  PID[$t]=$!
  PIDS+=($!)
  HEADER[$t]=$(server_cookie "$kind")
}

# target_ready NAME PORT -> 0 once the target started by start_target answers 200 (30 s at most); a stickylb cookie
# row also gets the affinity cookie its first response sets into HEADER[NAME], for wrk to send (wrk keeps none).
target_ready() {
  local c
  wait_http "http://127.0.0.1:$2/" "${PID[$1]}" 30 || return 1
  if [[ ${1%.*} == stickylb-cookie ]]; then
    c=$(affinity_cookie "http://127.0.0.1:$2/")
    if [[ $c != LB_ROUTE=* ]]; then
      echo "$1 issued no LB_ROUTE cookie" >&2
      return 1
    fi
    HEADER[$1]="Cookie: $c"
  fi
}

# start_targets FIRST_PORT CPUS BACKEND_PORT... -> start_target for every name in $TARGETS, on ports counted up from
# FIRST_PORT (into PORT[NAME]; callers `declare -A PORT PID HEADER`), then target_ready for each. Returns 1, having
# said why on stderr, when a name is unknown or a target does not start.
start_targets() {
  local port=$1 cpus=$2 t
  shift 2
  for t in $TARGETS; do
    PORT[$t]=$port
    if ! start_target "$t" "$port" "$cpus" "$@"; then
      echo "unknown target $t (stickylb-rr|-rr1|-cookie|-iphash, haproxy-rr|-cookie, nginx-rr|-iphash|-cookie)" >&2
      return 1
    fi
    port=$((port + 1))
  done
  for t in $TARGETS; do
    if ! target_ready "$t" "${PORT[$t]}"; then
      echo "$t did not start: $(tail -3 "$WORK/$t.log")" >&2
      return 1
    fi
  done
}

# stickylb_conf FILE PORT WORKERS MODE BACKEND_PORT... -> writes to FILE the config bench.sh and shared-bench.sh run
# stickylb with: MODE rr, cookie (insert) or iphash, the access log off, backends b1, b2, ... in one pool, and
# `transport: $LB_TRANSPORT` when that is set (e.g. LB_TRANSPORT=io-uring; unset: the config's default, auto).
stickylb_conf() {
  local file=$1 port=$2 workers=$3 mode=$4 strategy extra="" i=0 p
  shift 4
  case $mode in
    rr) strategy=round-robin ;;
    cookie) strategy=cookie; extra="    affinity: { mode: insert, secret: bench-secret }" ;;
    iphash) strategy=ip-hash; extra="    hash: maglev" ;;
    *) echo "stickylb_conf: mode must be rr, cookie or iphash, not '$mode'" >&2; return 2 ;;
  esac
  {
    printf 'listen: 127.0.0.1:%s\nworkers: %s\naccess-log: { enabled: false }\nlimits: { max-connections: 20000 }\n' \
      "$port" "$workers"
    if [[ -n ${LB_TRANSPORT:-} ]]; then echo "transport: $LB_TRANSPORT"; fi
    if [[ ${LB_FORWARDED_HEADERS:-true} == false ]]; then echo "forwarded-headers: false"; fi
    printf 'pools:\n  app:\n    strategy: %s\n' "$strategy"
    if [[ -n $extra ]]; then echo "$extra"; fi
    echo "    backends:"
    for p in "$@"; do
      i=$((i + 1))
      echo "      - { id: b$i, address: 127.0.0.1:$p }"
    done
  } >"$file"
}

# affinity_cookie URL -> the NAME=value of the first cookie the response to a GET of URL sets (stickylb's LB_ROUTE),
# for wrk to send: wrk does not keep cookies itself.
affinity_cookie() {
  curl -s -o /dev/null -D - "$1" | tr -d '\r' | awk -F'[ ;]' 'tolower($1)=="set-cookie:" {print $2; exit}'
}

# alive PID -> true while the process exists and is not a zombie.
alive() { [[ -e /proc/$1 ]] && [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]; }

# wait_http URL PID SECONDS -> 0 once URL answers 200; 1 when PID dies first or SECONDS pass.
wait_http() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1" || true) == 200 ]] && return 0
    alive "$2" || return 1
    sleep 0.1
  done
  return 1
}

# wrk_percentiles FILE [THINK_MS] -> writes a wrk script that prints "PCT p50 p90 p99 p99.9 p95 p98 p99.5"
# (microseconds; the finer steps of the tail come last, so readers of the first four need not change) after the run;
# with THINK_MS > 0 each connection also waits that many milliseconds before each request (wrk's delay()), which
# holds the load below saturation (wrk does not count the wait in the latency).
wrk_percentiles() {
  {
    if [[ ${2:-0} != 0 ]]; then echo "delay = function() return $2 end"; fi
    cat <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("PCT %d %d %d %d %d %d %d\n", latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), latency:percentile(95), latency:percentile(98),
    latency:percentile(99.5)))
end
LUA
  } >"$1"
}

# wrk_load CPUS CONNS SECONDS URL [HEADER] [SCRIPT] -> wrk's output (one thread, pinned to CPUS), with one extra
# request header and a wrk script when given.
wrk_load() {
  local h=()
  if [[ -n ${5:-} ]]; then h=(-H "$5"); fi
  taskset -c "$1" wrk -t1 -c"$2" -d"$3"s ${6:+-s "$6"} "${h[@]}" "$4" 2>&1
}

# median: the median of the numbers on stdin, one per line.
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }

# FORWARDED=1 (the default) gives HAProxy and nginx the forwarding headers stickylb always sends (X-Forwarded-For,
# -Proto and -Host, and the client's Host kept), the way an operator configures them in front of application servers,
# so every proxy does the same work per request: that work cost HAProxy 4-5 % of its req/s and nginx 5 % with round
# robin (level with ip_hash) on the 2-vCPU machine (docs/benchmarks.md, Stop 39). FORWARDED=0 leaves it out, as the
# runs before that stop did.
FORWARDED=${FORWARDED:-1}
[[ $FORWARDED == [01] ]] || { echo "FORWARDED must be 0 or 1, not '$FORWARDED'" >&2; exit 2; }

# forwarding_note -> what a table's heading says about the forwarding headers (bench/pool-runs.py pools by it).
forwarding_note() {
  if [[ $FORWARDED == 1 ]]; then echo "; forwarding headers on every proxy"; fi
}

# haproxy_conf FILE PORT THREADS MODE BACKEND_PORT... -> writes to FILE the HAProxy the benchmarks compare with: MODE
# rr (roundrobin) or cookie (cookie SERVERID insert indirect; the client sends SERVERID=bN), keep-alive both ways,
# and with FORWARDED=1 the forwarding headers stickylb sends.
haproxy_conf() {
  local file=$1 port=$2 threads=$3 mode=$4 i=0 p
  shift 4
  {
    cat <<EOF
global
    nbthread $threads
    maxconn 9000
defaults
    mode http
    option http-keep-alive
    maxconn 9000
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 60s
    http-reuse always
frontend fe
    bind 127.0.0.1:$port
    default_backend be
EOF
    if [[ $FORWARDED == 1 ]]; then
      echo "    option forwardfor"
      echo "    http-request set-header X-Forwarded-Proto http"
      echo "    http-request set-header X-Forwarded-Host %[req.hdr(host)]"
    fi
    printf 'backend be\n    balance roundrobin\n'
    if [[ $mode == cookie ]]; then echo "    cookie SERVERID insert indirect nocache"; fi
    for p in "$@"; do
      i=$((i + 1))
      echo "    server b$i 127.0.0.1:$p$([[ $mode == cookie ]] && echo " cookie b$i")"
    done
  } >"$file"
}

# nginx_conf FILE PORT WORKERS MODE BACKEND_PORT... -> writes to FILE the nginx the benchmarks compare with: MODE rr,
# iphash or cookie (`hash $cookie_SERVERID consistent`: open-source nginx sets no cookie of its own, so it pins a
# client by a cookie the client already holds, as an application's route cookie would), upstream keep-alive
# (keepalive, HTTP/1.1, no Connection header), with FORWARDED=1 the forwarding headers stickylb sends; pid, logs and
# temp files next to FILE.
nginx_conf() {
  local file=$1 port=$2 workers=$3 mode=$4 dir p
  shift 4
  dir=$(dirname "$file")
  mkdir -p "$dir/tmp"
  cat >"$file" <<EOF
worker_processes $workers;
daemon off;
pid $file.pid;
error_log $file.error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $dir/tmp; proxy_temp_path $dir/tmp; fastcgi_temp_path $dir/tmp;
  uwsgi_temp_path $dir/tmp; scgi_temp_path $dir/tmp;
  upstream be {
    $([[ $mode == iphash ]] && echo "ip_hash;")$([[ $mode == cookie ]] && echo "hash \$cookie_SERVERID consistent;")
$(for p in "$@"; do echo "    server 127.0.0.1:$p;"; done)
    keepalive 768;
  }
  server {
    listen 127.0.0.1:$port;
    location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering on;$(
      [[ $FORWARDED == 1 ]] && printf '\n      %s' 'proxy_set_header Host $http_host;' \
        'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;' 'proxy_set_header X-Forwarded-Proto $scheme;' \
        'proxy_set_header X-Forwarded-Host $http_host;') }
  }
}
EOF
}
