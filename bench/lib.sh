# Shared by the small bench scripts (sourced, not run): a scratch directory cleaned up on exit, and a one-worker
# nginx answering "ok" on one loopback port as the backend.

# bench_workdir NAME -> sets WORK and PIDS; everything in PIDS is killed and WORK removed on exit.
bench_workdir() {
  WORK=$(mktemp -d "/tmp/stickylb-$1.XXXXXX")
  chmod 755 "$WORK"
  PIDS=()
  trap 'set +e; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; sleep 0.3; rm -rf "$WORK"' EXIT
}

# start_ok_backend PORT MAX_CONNECTIONS -> an nginx on 127.0.0.1:PORT answering 200 "ok", its pid added to PIDS.
start_ok_backend() {
  cat >"$WORK/nginx.conf" <<NGINX
worker_processes 1; daemon off; pid $WORK/nginx.pid; error_log $WORK/error.log warn;
events { worker_connections $2; }
http { access_log off; client_body_temp_path $WORK; proxy_temp_path $WORK; fastcgi_temp_path $WORK;
  uwsgi_temp_path $WORK; scgi_temp_path $WORK;
  server { listen 127.0.0.1:$1; location / { return 200 "ok"; } } }
NGINX
  nginx -p "$WORK/" -c "$WORK/nginx.conf" >/dev/null 2>&1 &
  PIDS+=($!)
}
