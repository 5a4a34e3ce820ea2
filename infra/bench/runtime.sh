#!/usr/bin/env bash
# The edge runtime side by side on loopback, in one run (issue 14): nginx
# serving the same bytes as each row; `wasmtime serve` (installed from
# crates.io into .meridian/tools) with the hello-world component
# (infra/bench/hello) at instance reuse 1 and 128; meridian-host with the
# same .wasm; and meridian-host on the application's hot paths: a thumbnail
# cache hit (geo header, and IP database through X-Forwarded-For), a product
# image hit, /v1/market and an origin-route hit. Per row: req/s, p50, p99 and
# the server's peak RSS during that row; then the first response after a
# host start with a warm compile cache. Writes the table between the
# runtime-bench markers of docs/benchmarks.md and the chart
# docs/runtime-bench.svg (infra/bench/runtime-report.py).
#
# Expects release builds of meridian-host, meridian-gpu-backend,
# meridian-demo-origin and the components (`bash infra/run bench` makes
# them); builds the hello world itself. The first run compiles wasmtime-cli
# (roughly 15-30 minutes on 2 cores); later runs reuse it.
#
# Env: DURATION (s per row, default 10), WARMUP (s, default 3),
#      CONNECTIONS (default 32), THREADS (wrk threads, default 1)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
WORK=$(mktemp -d)
# shellcheck source=infra/bench/lib.sh
source infra/bench/lib.sh
export BENCH_LOADAVG_START BENCH_STARTED
BENCH_LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
BENCH_STARTED=$(date -u '+%F %H:%M UTC')

WASMTIME_VERSION=48.0.8
WASMTIME=$ROOT/.meridian/tools/bin/wasmtime
# Reinstalled when missing, another version, or without serve's reuse flags.
if ! { [ "$("$WASMTIME" --version 2>/dev/null)" = "wasmtime $WASMTIME_VERSION" ] &&
    "$WASMTIME" serve --help | grep -- --max-instance-reuse-count >/dev/null; }; then
    echo "installing wasmtime-cli $WASMTIME_VERSION from crates.io into .meridian/tools (roughly 15-30 minutes on 2 cores)"
    # Only what `wasmtime serve` needs (its linker lives in `run`; clap's
    # defaults for --help); its own target dir, so the long build holds no
    # lock on the shared one.
    cargo install wasmtime-cli --version "$WASMTIME_VERSION" --locked --root "$ROOT/.meridian/tools" \
        --target-dir "${CARGO_TARGET_DIR:-$ROOT/target}/wasmtime-cli" --no-default-features \
        --features run,serve,cranelift,cache,pooling-allocator,parallel-compilation,component-model,component-model-async,clap/default
fi
cargo build -q --profile component --target wasm32-wasip2 -p meridian-bench-hello
HELLO=target/wasm32-wasip2/component/meridian_bench_hello.wasm
HOST_BIN=target/release/meridian-host

ROWS=$WORK/rows.tsv
printf 'id\tserver\twhat\tpath\theaders\tbytes\trps\tp50\tp99\trss_kib\tref\tsocket_errors\n' >"$ROWS"
mkdir -p "$WORK/www"

# One row: the body once (it must be 2xx; its size is the row's bytes), a
# warm-up, then wrk with the peak RSS reset just before. REF names the
# nginx row serving the same bytes ("-" for nginx itself).
measure() { # id pid server what ref url [curl/wrk header args...]
    local id=$1 pid=$2 server=$3 what=$4 ref=$5 url=$6
    shift 6
    curl -fsS -o "$WORK/$id.body" "$@" "$url"
    echo "  $id: $server, $what"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "$@" "$url" >/dev/null
    reset_peak_rss "$pid"
    local rps p50 p99
    read -r rps p50 p99 < <(run_wrk "$id" "$url" "$@")
    if grep -q 'Non-2xx' "$WORK/$id.wrk"; then
        echo "$id: answers other than 2xx/3xx under load" >&2; cat "$WORK/$id.wrk" >&2; exit 1
    fi
    local errors headers
    errors=$(sed -n 's/^ *Socket errors: //p' "$WORK/$id.wrk")
    headers=$(printf '%s\n' "$@" | grep -v '^-H$' | paste -sd ';' -)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$server" "$what" \
        "/${url#http://*/}" "$headers" "$(stat -c %s "$WORK/$id.body")" \
        "$rps" "$p50" "$p99" "$(peak_rss_kib "$pid")" "$ref" "${errors:-}" >>"$ROWS"
}

# nginx serves the body a host row just answered, as www/<id>.
nginx_row() { # id source-row what
    cp "$WORK/$2.body" "$WORK/www/$1"
    measure "$1" "$NGINX_PID" nginx "$3" - "http://127.0.0.1:$NGINX_PORT/$1"
}

stop() { kill "$1"; wait "$1" 2>/dev/null || true; }

# nginx's files are named after their rows, without extensions (text/plain).
start_nginx ""

echo "hello world ($(stat -c %s "$HELLO") bytes of Wasm)"
# -Scli: the Rust standard library's WASI imports (environment, exit) beyond
# the service world, which Spin and meridian-host provide too. Starting at all
# proves the component imports nothing but WASI.
for reuse in 1 128; do
    "$WASMTIME" serve -Scli --addr 127.0.0.1:0 --max-instance-reuse-count "$reuse" "$HELLO" \
        >"$WORK/wasmtime-$reuse.out" 2>"$WORK/wasmtime-$reuse.err" &
    pid=$!
    PIDS+=($pid)
    url=$(listen_url "$WORK/wasmtime-$reuse.err")
    measure "wasmtime-hello-$reuse" "$pid" "wasmtime serve $WASMTIME_VERSION" \
        "hello world, --max-instance-reuse-count $reuse" nginx-hello "$url/"
    stop "$pid"
done

# meridian-host with the same .wasm.
HELLO_STATE=$WORK/hello-state
# The same reuse settings as wasmtime serve's rows (both default to 16
# concurrent requests an instance for a WASIp3 component).
for reuse in 1 128; do
    flags="--max-instance-reuse-count $reuse"
    # shellcheck disable=SC2086
    RUST_LOG=warn "$HOST_BIN" --manifest infra/bench/hello/spin.toml --listen 127.0.0.1:0 \
        --state-dir "$HELLO_STATE" $flags >"$WORK/host-hello.out" 2>"$WORK/host-hello.err" &
    pid=$!
    PIDS+=($pid)
    url=$(listen_url "$WORK/host-hello.out" 300)
    measure "host-hello-$reuse" "$pid" meridian-host "hello world, $flags" nginx-hello "$url/"
    stop "$pid"
done
nginx_row nginx-hello host-hello-128 "the hello world's bytes"
export BENCH_FIRST_HELLO_MS BENCH_FIRST_HELLO_LISTEN
BENCH_FIRST_HELLO_MS=$(RUST_LOG=warn python3 infra/bench/first-response.py / -- \
    "$HOST_BIN" --manifest infra/bench/hello/spin.toml --listen 127.0.0.1:0 --state-dir "$HELLO_STATE" \
    2>"$WORK/first-hello.err")
BENCH_FIRST_HELLO_LISTEN=$(cat "$WORK/first-hello.err")

echo "the application (spin.toml)"
# Loopback with the public development key: development mode on both sides.
# Loopback stands in for the CDN, so the gate trusts its geo header and
# takes X-Forwarded-For to the country database, as in production.
export SPIN_VARIABLE_DEVELOPMENT_MODE=1
export SPIN_VARIABLE_MARKET_CONFIG='trusted_proxies = ["127.0.0.1/32"]'
MERIDIAN_DEV=1 MERIDIAN_BACKEND_CATALOG="$ROOT/gpu-backend/catalog" target/release/meridian-gpu-backend \
    --listen 127.0.0.1:0 >"$WORK/backend.out" 2>"$WORK/backend.err" &
PIDS+=($!)
export SPIN_VARIABLE_BACKEND_URL_EU SPIN_VARIABLE_ORIGIN_CATALOG_URL
SPIN_VARIABLE_BACKEND_URL_EU=$(listen_url "$WORK/backend.out")
# Product answers fresh for an hour: every origin-route request a hit, no
# revalidation inside the measured seconds.
target/release/meridian-demo-origin --listen 127.0.0.1:0 --max-age 3600 >"$WORK/origin.out" 2>"$WORK/origin.err" &
PIDS+=($!)
SPIN_VARIABLE_ORIGIN_CATALOG_URL=$(listen_url "$WORK/origin.out")
APP_STATE=$WORK/app-state
start=$(date +%s%N)
RUST_LOG=warn "$HOST_BIN" --manifest spin.toml --listen 127.0.0.1:0 --state-dir "$APP_STATE" \
    >"$WORK/host.out" 2>"$WORK/host.err" &
HOST_PID=$!
PIDS+=($HOST_PID)
HOST=$(listen_url "$WORK/host.out" 600)
export BENCH_COLD_START_S
BENCH_COLD_START_S=$(python3 -c "print(f'{($(date +%s%N) - $start) / 1e9:.1f}')")

DE=(-H 'cf-ipcountry: DE')
IPDB=(-H 'x-forwarded-for: 193.0.14.129')
ASSET=$(ls gpu-backend/catalog | grep -E '\.jpg$' | head -n1)
THUMB=/v1/media/$ASSET/thumbnail.webp
PRODUCT_IMAGE=/v1/media/$ASSET/product.webp
ORIGIN_PATH=/v1/origin/catalog/products/MRD-SOLSTICE-SUN
is_hit() { # path [headers...]
    local path=$1
    shift
    curl -fsS -o /dev/null -D "$WORK/hit.h" "$@" "$HOST$path"
    grep -qi '^cache-status:.*hit' "$WORK/hit.h" || { echo "$path: not a cache hit" >&2; cat "$WORK/hit.h" >&2; exit 1; }
}
# A cache-hit row: filled by a first request (per market, so per header
# set), a hit before the load and still one after it.
hit_row() { # id what ref path [headers...]
    local id=$1 what=$2 ref=$3 path=$4
    shift 4
    curl -fsS -o /dev/null "$@" "$HOST$path"
    is_hit "$path" "$@"
    measure "$id" "$HOST_PID" meridian-host "$what" "$ref" "$HOST$path" "$@"
    is_hit "$path" "$@"
}

hit_row host-thumb-geo "thumbnail hit, geo header" nginx-thumb "$THUMB" "${DE[@]}"
hit_row host-thumb-ipdb "thumbnail hit, IP database" nginx-thumb "$THUMB" "${IPDB[@]}"
nginx_row nginx-thumb host-thumb-geo "the thumbnail's bytes"
hit_row host-product-image "product image hit" nginx-product-image "$PRODUCT_IMAGE" "${DE[@]}"
nginx_row nginx-product-image host-product-image "the product image's bytes"
measure host-market "$HOST_PID" meridian-host "/v1/market (gate, no cache)" nginx-market "$HOST/v1/market" "${DE[@]}"
nginx_row nginx-market host-market "/v1/market's bytes"
hit_row host-origin "origin-route hit" nginx-origin "$ORIGIN_PATH" "${DE[@]}"
nginx_row nginx-origin host-origin "the origin answer's bytes"

# The second start of the application: the first one filled the compile cache.
stop "$HOST_PID"
export BENCH_FIRST_APP_MS BENCH_FIRST_APP_LISTEN
BENCH_FIRST_APP_MS=$(RUST_LOG=warn python3 infra/bench/first-response.py "$THUMB" "${IPDB[@]}" -- \
    "$HOST_BIN" --manifest spin.toml --listen 127.0.0.1:0 --state-dir "$APP_STATE" 2>"$WORK/first-app.err")
BENCH_FIRST_APP_LISTEN=$(cat "$WORK/first-app.err")

export BENCH_LOADAVG_END BENCH_MACHINE BENCH_COMMIT BENCH_COMMAND BENCH_WRK
BENCH_LOADAVG_END=$(cut -d' ' -f1-3 /proc/loadavg)
BENCH_MACHINE=$(machine)
BENCH_COMMIT=$(git rev-parse --short HEAD)$(git diff --quiet HEAD 2>/dev/null || echo ' + uncommitted changes')
BENCH_COMMAND="DURATION=$DURATION WARMUP=$WARMUP CONNECTIONS=$CONNECTIONS THREADS=$THREADS bash infra/bench/runtime.sh"
BENCH_WRK="wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency (after ${WARMUP}s of warm-up)"
python3 infra/bench/runtime-report.py "$ROWS" docs/benchmarks.md docs/runtime-bench.svg
