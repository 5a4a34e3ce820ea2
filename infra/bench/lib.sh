# Shared by the benchmark scripts: process cleanup, waiting for a service's
# address, nginx serving a directory as the reference point, wrk runs and
# peak RSS.
# Source it after setting WORK (a fresh temp dir) and cd-ing to the repo root.

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

# The address a server printed: ours print `listening on http://IP:PORT`,
# `wasmtime serve` prints `Serving HTTP on http://IP:PORT/`.
listen_url() { # logfile [seconds to wait, default 60]
    for _ in $(seq $(( ${2:-60} * 10 ))); do
        url=$(grep -o -e 'listening on http://[0-9.:]*' -e 'Serving HTTP on http://[0-9.:]*' "$1" 2>/dev/null |
            head -n1 | grep -o 'http://[0-9.:]*') || true
        [ -n "$url" ] && { echo "$url"; return 0; }
        sleep 0.1
    done
    echo "no address in $1" >&2; cat "$1" >&2; return 1
}

# The demo merchant origin (answers fresh for an hour) as the `catalog`
# origin of the hosts started after it.
start_catalog_origin() {
    target/release/meridian-demo-origin --listen 127.0.0.1:0 --max-age 3600 >"$WORK/origin.out" 2>"$WORK/origin.err" &
    PIDS+=($!)
    export SPIN_VARIABLE_ORIGIN_CATALOG_URL
    SPIN_VARIABLE_ORIGIN_CATALOG_URL=$(listen_url "$WORK/origin.out")
}

# nginx serving $WORK/www on NGINX_PORT with keep-alive and sendfile. Its
# workers drop root, so the tree they read must be world-readable.
start_nginx() { # mime-type-lines
    chmod 755 "$WORK"
    mkdir -p "$WORK/www" "$WORK/nginx"
    chmod -R a+rX "$WORK/www"
    NGINX_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
daemon off;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    types { $1 }
    client_body_temp_path $WORK/nginx; proxy_temp_path $WORK/nginx; fastcgi_temp_path $WORK/nginx;
    uwsgi_temp_path $WORK/nginx; scgi_temp_path $WORK/nginx;
    server { listen 127.0.0.1:$NGINX_PORT; root $WORK/www; etag on; }
}
CONF
    nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
    NGINX_PID=$!
    PIDS+=($NGINX_PID)
    sleep 0.5
}

# "req/s p50 p99" of one wrk run; extra wrk arguments after the URL.
run_wrk() { # name url [wrk args...]
    local name=$1 url=$2
    shift 2
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" "$url" >"$WORK/$name.wrk"
    local rps p50 p99
    rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/$name.wrk")
    p50=$(awk '$1=="50%" {print $2}' "$WORK/$name.wrk")
    p99=$(awk '$1=="99%" {print $2}' "$WORK/$name.wrk")
    echo "$rps $p50 $p99"
}

machine() {
    echo "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GiB"
}

# Peak resident set (VmHWM) of a process and its children (nginx's workers),
# in KiB, since the last reset_peak_rss; writing 5 to clear_refs resets the
# mark to the current size (Linux 4.0+).
proc_tree() { echo "$1"; pgrep -P "$1" || true; }
reset_peak_rss() { # pid
    local p
    for p in $(proc_tree "$1"); do echo 5 >"/proc/$p/clear_refs" 2>/dev/null || true; done
}
peak_rss_kib() { # pid
    local p
    for p in $(proc_tree "$1"); do awk '/^VmHWM:/ {print $2}' "/proc/$p/status"; done | awk '{s += $1} END {print s}'
}
