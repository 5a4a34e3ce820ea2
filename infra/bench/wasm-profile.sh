#!/usr/bin/env bash
# Release settings for the components: the origin component (gate, cache,
# personalization: what every edge component carries) built with each
# setting below into target/wasm-profiles/<name>, then served by
# meridian-host in place of the shipped build. Per setting: the .wasm's
# size, wasmtime's compile of it (cold compile cache), the
# first response with a warm compile cache, and an origin-route cache hit
# under wrk. Expects a release build of meridian-host and the demo origin.
#
# Env: DURATION (s, default 10), CONNECTIONS (default 16), THREADS (default 1),
# PROFILES (names below, default all)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-1}
WORK=$(mktemp -d)
# shellcheck source=infra/bench/lib.sh
source infra/bench/lib.sh
trap 'cleanup; rm -f "$ROOT"/.wasm-profile-*.toml' EXIT
export SPIN_VARIABLE_DEVELOPMENT_MODE=1

# name: overrides (CARGO_PROFILE_COMPONENT_*) of the workspace's
# `component` profile (Cargo.toml), which ships o3-lto.
declare -A SETTINGS=(
    [o3]="OPT_LEVEL=3 LTO=false CODEGEN_UNITS=16"
    [os]="OPT_LEVEL=s LTO=false CODEGEN_UNITS=16"
    [o3-lto]="OPT_LEVEL=3 LTO=fat CODEGEN_UNITS=1"
    [os-lto]="OPT_LEVEL=s LTO=fat CODEGEN_UNITS=1"
    [oz-lto]="OPT_LEVEL=z LTO=fat CODEGEN_UNITS=1"
)
PROFILES=${PROFILES:-o3 os o3-lto os-lto oz-lto}

start_catalog_origin
PRODUCT=/v1/origin/catalog/products/MRD-SOLSTICE-SUN
DE=(-H "cf-ipcountry: DE")
now_ms() { date +%s%3N; }

ROWS=()
for name in $PROFILES; do
    overrides=()
    for kv in ${SETTINGS[$name]}; do overrides+=("CARGO_PROFILE_COMPONENT_$kv"); done
    echo "building meridian-origin with ${SETTINGS[$name]} (1-3 minutes)..." >&2
    env "${overrides[@]}" cargo build -q --profile component --target wasm32-wasip2 -p meridian-origin \
        --target-dir "target/wasm-profiles/$name"
    wasm=target/wasm-profiles/$name/wasm32-wasip2/component/meridian_origin.wasm
    # The manifest resolves paths from its own directory: a copy beside spin.toml.
    manifest=$ROOT/.wasm-profile-$name.toml
    sed "s|target/wasm32-wasip2/component/meridian_origin.wasm|$wasm|" spin.toml >"$manifest"
    host() { # label [RUST_LOG]
        SPIN_VARIABLE_MARKET_CONFIG='trusted_proxies = ["127.0.0.1/32"]' RUST_LOG=${2:-warn} \
            target/release/meridian-host --manifest "$manifest" --listen 127.0.0.1:0 -q \
            --state-dir "$WORK/state-$name" --cache-dir "$WORK/compiled-$name" \
            >"$WORK/$1.out" 2>"$WORK/$1.err" &
        HOST_PID=$!
        PIDS+=($HOST_PID)
    }
    # Cold: every component compiles; the row's figure is the origin's compile.
    host "$name-cold" warn,meridian_host::engine=info
    listen_url "$WORK/$name-cold.out" 600 >/dev/null
    compile_ms=$(sed 's/\x1b\[[0-9;]*m//g' "$WORK/$name-cold.err" |
        grep 'compiled component component="origin"' | grep -o 'elapsed_ms=[0-9]*' | cut -d= -f2)
    kill "$HOST_PID"; wait "$HOST_PID" 2>/dev/null || true
    # Warm: spawn to the end of the first origin-route answer.
    start=$(now_ms)
    host "$name"
    url=$(listen_url "$WORK/$name.out")
    curl -fsS -o /dev/null "${DE[@]}" "$url$PRODUCT"
    first_ms=$(( $(now_ms) - start ))
    curl -fsS -o /dev/null "${DE[@]}" "$url$PRODUCT"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d3s "${DE[@]}" "$url$PRODUCT" >/dev/null
    read -r rps p50 p99 < <(run_wrk "$name" "$url$PRODUCT" "${DE[@]}")
    kill "$HOST_PID"; wait "$HOST_PID" 2>/dev/null || true
    rm -f "$manifest"
    ROWS+=("| \`$name\` | ${SETTINGS[$name]} | $(stat -c %s "$wasm") | ${compile_ms} ms | ${first_ms} ms | $rps | $p50 | $p99 |")
done

cat <<OUT

## Component release settings (meridian-origin) ($(date -u +%F); $(machine); load average $(cut -d' ' -f1-3 /proc/loadavg))

\`bash infra/bench/wasm-profile.sh\`: \`CARGO_PROFILE_COMPONENT_*\` overrides of the \`component\` profile (all strip debuginfo); wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s on \`$PRODUCT\` (a hit), cf-ipcountry: DE. "compile": wasmtime compiling it (cold compile cache); "first answer": host spawn to the first hit's end, warm compile cache.

| name | settings | .wasm bytes | compile | first answer | req/s | p50 | p99 |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |
OUT
printf '%s\n' "${ROWS[@]}"
