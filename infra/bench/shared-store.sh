#!/usr/bin/env bash
# The edge cache on Redis, shared by two edge nodes, against the embedded
# store: hit throughput of one node on each, then ENTRIES entries written
# into Redis by the cache's own code (functions/edge/examples/cache_fill.rs),
# a purge by tag through the second node timed at that size, the first
# node's next request checked to be a miss, and its hits measured again.
# Expects release builds (`bash infra/run bench` makes them).
#
# Env: ENTRIES (default 1000000), DURATION (s, default 10), CONNECTIONS
# (default 32), THREADS (default 2), PURGES (timed purges, default 5)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
ENTRIES=${ENTRIES:-1000000}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
PURGES=${PURGES:-5}
WORK=$(mktemp -d)
# shellcheck source=infra/bench/lib.sh
source infra/bench/lib.sh
export SPIN_VARIABLE_DEVELOPMENT_MODE=1
TOKEN=bench-purge-token
FILL=target/release/examples/cache_fill
[ -x "$FILL" ] || cargo build -q --release -p meridian-edge --example cache_fill

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" >"$WORK/redis.out" &
PIDS+=($!)
for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
REDIS=redis://127.0.0.1:$REDIS_PORT
cat >"$WORK/runtime-config.toml" <<TOML
[key_value_store.default]
type = "redis"
url = "$REDIS"
[key_value_store.cache]
type = "redis"
url = "$REDIS"
TOML

target/release/meridian-demo-origin --listen 127.0.0.1:0 --max-age 3600 >"$WORK/origin.out" 2>"$WORK/origin.err" &
PIDS+=($!)
ORIGIN=$(listen_url "$WORK/origin.out")

# Started in this shell (not in `$(...)`), so cleanup stops them.
node() { # name [host flags...]
    local name=$1
    shift
    SPIN_VARIABLE_ORIGIN_CATALOG_URL=$ORIGIN SPIN_VARIABLE_PURGE_TOKEN=$TOKEN \
        SPIN_VARIABLE_MARKET_CONFIG='trusted_proxies = ["127.0.0.1/32"]' RUST_LOG=warn \
        target/release/meridian-host --manifest spin.toml --listen 127.0.0.1:0 \
        --state-dir "$WORK/state-$name" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    PIDS+=($!)
}
node embedded
export SPIN_VARIABLE_CACHE_REDIS_URL=$REDIS SPIN_VARIABLE_CACHE_REDIS_HOST=$REDIS
node a --runtime-config-file "$WORK/runtime-config.toml"
node b --runtime-config-file "$WORK/runtime-config.toml"
EMBEDDED=$(listen_url "$WORK/embedded.out")
A=$(listen_url "$WORK/a.out")
B=$(listen_url "$WORK/b.out")

PRODUCT=/v1/origin/catalog/products/MRD-SOLSTICE-SUN
status_of() { curl -fsS -H 'cf-ipcountry: DE' -o /dev/null -D - "$1$PRODUCT" | tr -d '\r' | awk -F': ' 'tolower($1)=="cache-status" {print $2}'; }
expect_hit() { # url what
    local status
    status=$(status_of "$1")
    case "$status" in *"; hit"*) ;; *) echo "$2: not a hit: $status" >&2; exit 1 ;; esac
}
for url in "$EMBEDDED" "$A"; do status_of "$url" >/dev/null; done
expect_hit "$EMBEDDED" "embedded store"
expect_hit "$B" "node B, on what node A stored"
DE=(-H "cf-ipcountry: DE")
echo "warming up..."
wrk -t"$THREADS" -c"$CONNECTIONS" -d3s "${DE[@]}" "$EMBEDDED$PRODUCT" >/dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d3s "${DE[@]}" "$A$PRODUCT" >/dev/null
read -r EMB_RPS EMB_P50 EMB_P99 < <(run_wrk embedded "$EMBEDDED$PRODUCT" "${DE[@]}")
read -r RED_RPS RED_P50 RED_P99 < <(run_wrk redis "$A$PRODUCT" "${DE[@]}")

echo "writing $ENTRIES entries into Redis (about 1 minute per million)..."
FILL_START=$(date +%s.%N)
"$FILL" --entries "$ENTRIES" | redis-cli -p "$REDIS_PORT" --pipe >"$WORK/fill.out"
FILL_S=$(awk -v a="$FILL_START" -v b="$(date +%s.%N)" 'BEGIN {printf "%.0f", b - a}')
tail -n1 "$WORK/fill.out"
KEYS=$(redis-cli -p "$REDIS_PORT" dbsize)
MEMORY=$(redis-cli -p "$REDIS_PORT" info memory | tr -d '\r' | awk -F: '$1=="used_memory_human" {print $2}')
HEADS=$(redis-cli -p "$REDIS_PORT" --scan --pattern 'c/h/*' | wc -l)
[ "$HEADS" -gt "$ENTRIES" ] || { echo "expected more than $ENTRIES heads in Redis, found $HEADS" >&2; exit 1; }

# A purge of the tag every product carries, through node B, timed; node A
# then goes to the origin for the product.
purge_s() { # tag
    curl -fsS -o /dev/null -w '%{time_total}\n' -H "authorization: Bearer $TOKEN" \
        -H 'content-type: application/json' -d "{\"tags\":[\"$1\"]}" "$B/v1/purge"
}
TIMES=()
for _ in $(seq "$PURGES"); do
    status_of "$A" >/dev/null
    sleep 1.1 # purge records count whole seconds: each purge finds an entry stored before it
    TIMES+=("$(purge_s catalog)")
    STATUS=$(status_of "$A")
    case "$STATUS" in *"fwd="*) ;; *) echo "node A served a purged entry: $STATUS" >&2; exit 1 ;; esac
    case "$STATUS" in *"; hit"*) echo "node A served a purged entry: $STATUS" >&2; exit 1 ;; esac
done
PURGE_MS=$(printf '%s\n' "${TIMES[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", 1000 * a[int((NR + 1) / 2)]}')
PURGE_MAX_MS=$(printf '%s\n' "${TIMES[@]}" | sort -n | tail -n1 | awk '{printf "%.1f", 1000 * $1}')
sleep 1.1
status_of "$A" >/dev/null
expect_hit "$A" "node A after the purge"
read -r FULL_RPS FULL_P50 FULL_P99 < <(run_wrk redis-full "$A$PRODUCT" "${DE[@]}")

cat <<OUT

## The edge cache shared on Redis ($(date -u +%F); $(machine); load average $(cut -d' ' -f1-3 /proc/loadavg))

\`bash infra/bench/shared-store.sh\` (ENTRIES=$ENTRIES; wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, cf-ipcountry: DE; redis-server $(redis-server --version | grep -o 'v=[0-9.]*' | cut -d= -f2) on loopback, no persistence)

| what | req/s | p50 | p99 |
| --- | --- | --- | --- |
| \`$PRODUCT\` hit, embedded store | $EMB_RPS | $EMB_P50 | $EMB_P99 |
| the same hit, store on Redis (empty) | $RED_RPS | $RED_P50 | $RED_P99 |
| the same hit, Redis holding $KEYS keys | $FULL_RPS | $FULL_P50 | $FULL_P99 |

$ENTRIES entries written by the cache's own code through \`redis-cli --pipe\` in $FILL_S s: $KEYS keys, $MEMORY in Redis.
A purge of tag \`catalog\` (every product, so all $ENTRIES entries) through the second node: median $PURGE_MS ms, slowest $PURGE_MAX_MS ms of $PURGES (curl's total time);
after each, the first node's next request went to the origin. A purge bumps the tag's record; entries are never listed, so its cost does not grow with the store.
OUT
