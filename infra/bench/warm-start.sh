#!/usr/bin/env bash
# The whole application's warm start: milliseconds from spawning
# meridian-host on spin.toml (eight components, compile cache filled by a
# first start) to the end of its first answer, RUNS times each for
# /v1/market on the IP-database path and for an origin-route hit (served
# from the state directory the first start filled). Prints the median,
# fastest and slowest of each.
# Expects release builds of meridian-host and meridian-demo-origin.
#
# Env: RUNS (default 7)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
RUNS=${RUNS:-7}
WORK=$(mktemp -d)
# shellcheck source=infra/bench/lib.sh
source infra/bench/lib.sh
export SPIN_VARIABLE_DEVELOPMENT_MODE=1 RUST_LOG=warn
export SPIN_VARIABLE_MARKET_CONFIG='trusted_proxies = ["127.0.0.1/32"]'
start_catalog_origin
HOST=(target/release/meridian-host --manifest spin.toml --listen 127.0.0.1:0 -q
    --state-dir "$WORK/state" --cache-dir "$WORK/compiled")
IP=(-H 'x-forwarded-for: 8.8.8.8')
ORIGIN_PATH=/v1/origin/catalog/products/MRD-SOLSTICE-SUN

echo "first start: compiling eight components into $WORK/compiled (about 10 seconds on 2 cores)"
"${HOST[@]}" >"$WORK/cold.out" 2>"$WORK/cold.err" &
PIDS+=($!)
url=$(listen_url "$WORK/cold.out" 900)
curl -fsS -o /dev/null -H 'cf-ipcountry: DE' "$url$ORIGIN_PATH"
curl -fsS -o /dev/null -D "$WORK/hit.h" -H 'cf-ipcountry: DE' "$url$ORIGIN_PATH"
grep -qi '^cache-status:.*hit' "$WORK/hit.h" || { echo "the origin route did not hit" >&2; cat "$WORK/hit.h" >&2; exit 1; }
kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true

row() { # label path [headers...]
    local label=$1 path=$2
    shift 2
    local times=()
    for _ in $(seq "$RUNS"); do
        times+=("$(python3 infra/bench/first-response.py "$path" "$@" -- "${HOST[@]}" 2>/dev/null)")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk -v label="$label" '
        { t[NR] = $1 } END { printf "%-36s median %6.1f ms  fastest %6.1f  slowest %6.1f  (%d runs)\n", label, t[int((NR + 1) / 2)], t[1], t[NR], NR }'
}
row "/v1/market, IP database" /v1/market "${IP[@]}"
row "origin-route hit, cf-ipcountry: DE" "$ORIGIN_PATH" -H 'cf-ipcountry: DE'
