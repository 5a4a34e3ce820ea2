#!/usr/bin/env bash
# How meridian-host resets an instance's memory between requests: the
# pooling allocator through Linux's PAGEMAP_SCAN (the default,
# `--pooling-pagemap-scan auto`) against madvise alone (`no`), on the
# paths that pay an instantiation per request: `/v1/market` (the gate,
# no cache) and an origin-route cache hit. Each setting gets its own host
# process, the rows alternate, ROUNDS times.
# Expects release builds (`bash infra/run bench` makes them).
#
# Env: DURATION (s, default 10), CONNECTIONS (default 16), THREADS (default 1),
# ROUNDS (default 2)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-1}
ROUNDS=${ROUNDS:-2}
WORK=$(mktemp -d)
# shellcheck source=infra/bench/lib.sh
source infra/bench/lib.sh
export SPIN_VARIABLE_DEVELOPMENT_MODE=1

start_catalog_origin

PRODUCT=/v1/origin/catalog/products/MRD-SOLSTICE-SUN
DE=(-H "cf-ipcountry: DE")
ROWS=()
row() { # setting path what
    local setting=$1 path=$2 what=$3 pid url
    SPIN_VARIABLE_MARKET_CONFIG='trusted_proxies = ["127.0.0.1/32"]' RUST_LOG=warn \
        target/release/meridian-host --manifest spin.toml --listen 127.0.0.1:0 -q \
        --state-dir "$WORK/state-$setting" --pooling-pagemap-scan "$setting" \
        >"$WORK/host.out" 2>"$WORK/host.err" &
    pid=$!
    PIDS+=($pid)
    url=$(listen_url "$WORK/host.out")
    curl -fsS -o /dev/null "${DE[@]}" "$url$path"
    curl -fsS -o /dev/null "${DE[@]}" "$url$path"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d3s "${DE[@]}" "$url$path" >/dev/null
    reset_peak_rss "$pid"
    read -r rps p50 p99 < <(run_wrk "$setting" "$url$path" "${DE[@]}")
    ROWS+=("| $what | \`$setting\` | $rps | $p50 | $p99 | $(( $(peak_rss_kib "$pid") / 1024 )) MiB |")
    kill "$pid"
    wait "$pid" 2>/dev/null || true
}
for round in $(seq "$ROUNDS"); do
    echo "round $round of $ROUNDS..." >&2
    for setting in no auto; do
        row "$setting" /v1/market "\`/v1/market\` (gate, no cache)"
        row "$setting" "$PRODUCT" "\`$PRODUCT\` hit"
    done
done

cat <<OUT

## Instance reset: PAGEMAP_SCAN against madvise ($(date -u +%F); $(machine); kernel $(uname -r); load average $(cut -d' ' -f1-3 /proc/loadavg))

\`bash infra/bench/instance-reset.sh\` (wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s after 3 s of warm-up, cf-ipcountry: DE; $ROUNDS rounds, a fresh host per row)

| what | \`--pooling-pagemap-scan\` | req/s | p50 | p99 | peak RSS |
| --- | --- | ---: | ---: | ---: | ---: |
OUT
printf '%s\n' "${ROWS[@]}" | sort -s -t'|' -k2,3
