# Shared by the bench scripts (sourced, not run): a scratch directory cleaned up on exit, a one-worker nginx answering
# "ok" on one loopback port as the backend, and the stickylb config the throughput benchmarks run.

# bench_workdir NAME -> sets WORK and PIDS; everything in PIDS is killed and WORK removed on exit.
bench_workdir() {
  WORK=$(mktemp -d "/tmp/stickylb-$1.XXXXXX")
  chmod 755 "$WORK"
  PIDS=()
  trap 'set +e; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; sleep 0.3; rm -rf "$WORK"' EXIT
}

# start_ok_backend PORT MAX_CONNECTIONS [CPUS] -> an nginx on 127.0.0.1:PORT answering 200 "ok", its pid added to
# PIDS; with CPUS, pinned there (taskset).
start_ok_backend() {
  cat >"$WORK/nginx.conf" <<NGINX
worker_processes 1; daemon off; pid $WORK/nginx.pid; error_log $WORK/error.log warn;
events { worker_connections $2; }
http { access_log off; client_body_temp_path $WORK; proxy_temp_path $WORK; fastcgi_temp_path $WORK;
  uwsgi_temp_path $WORK; scgi_temp_path $WORK;
  server { listen 127.0.0.1:$1; location / { return 200 "ok"; } } }
NGINX
  ${3:+taskset -c "$3"} nginx -p "$WORK/" -c "$WORK/nginx.conf" >/dev/null 2>&1 &
  PIDS+=($!)
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
    printf 'pools:\n  app:\n    strategy: %s\n' "$strategy"
    if [[ -n $extra ]]; then echo "$extra"; fi
    echo "    backends:"
    for p in "$@"; do
      i=$((i + 1))
      echo "      - { id: b$i, address: 127.0.0.1:$p }"
    done
  } >"$file"
}
