#!/usr/bin/env bash
# Where the IP-to-country database lives: compiled into the component (as
# shipped) or mounted through Spin's `files`, as the MaxMind DB (7.8 MB) or
# as Meridian's country table (3.9 MB, market::country_table). Per way: the
# market component's .wasm size, the first answer after host start (warm
# compile cache; the first IP lookup opens the database), and /v1/market on
# the IP-database path under wrk, with instances reused (Spin's default,
# up to 128 requests) and with one request per instance (each request then
# pays the database's opening), plus the host's peak RSS.
# Expects a release build of meridian-host.
#
# Env: DURATION (s, default 10), CONNECTIONS (default 16), THREADS (default 1)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-1}
WORK=$(mktemp -d)
# shellcheck source=infra/bench/lib.sh
source infra/bench/lib.sh
# Mounted files must lie inside the app directory: a scratch one beside spin.toml.
SCRATCH=$ROOT/.country-db-bench
trap 'cleanup; rm -rf "$SCRATCH" "$ROOT"/.country-db-*.toml' EXIT
mkdir -p "$SCRATCH/mmdb"
ln -f functions/edge/data/geo/geo-whois-asn-country.mmdb "$SCRATCH/mmdb/country.mmdb"
export SPIN_VARIABLE_DEVELOPMENT_MODE=1

TABLE_MOUNT='files = [{ source = "functions/edge/data/country", destination = "/country" }]'
MMDB_MOUNT='files = [{ source = ".country-db-bench/mmdb", destination = "/country" }]'
WASM=target/country-db/wasm32-wasip2/component/meridian_market.wasm
# name: cargo features of meridian-spin, the market component's mount.
declare -A FEATURES=([embedded-mmdb]= [embedded-table]=embedded-country-table [files-mmdb]=mounted-country-db-only [files-table]=mounted-country-db-only)
declare -A MOUNTS=([embedded-mmdb]= [embedded-table]= [files-mmdb]="$MMDB_MOUNT" [files-table]="$TABLE_MOUNT")
# Built in target/country-db, apart from the shipped build (embedded-mmdb).
NAMES="embedded-mmdb embedded-table files-mmdb files-table"

IP=(-H "x-forwarded-for: 8.8.8.8")
now_ms() { date +%s%3N; }
ROWS=()
for name in $NAMES; do
    features=${FEATURES[$name]}
    echo "building meridian-market (${features:-as shipped}) (1-2 minutes)..." >&2
    cargo build -q --profile component --target wasm32-wasip2 -p meridian-market --target-dir target/country-db \
        ${features:+--features "meridian-spin/$features"}
    cp "$WASM" "$SCRATCH/$name.wasm"
    manifest=$SCRATCH/../.country-db-$name.toml
    # Only the market component's source and mount change.
    python3 - "$name" "${MOUNTS[$name]}" >"$manifest" <<'PY'
import sys
name, mount = sys.argv[1:3]
text = open("spin.toml").read()
head, sep, rest = text.partition("[component.market]")
body, sep2, tail = rest.partition("[component.market.variables]")
source = 'source = "target/wasm32-wasip2/component/meridian_market.wasm"'
body = body.replace(source, f'source = ".country-db-bench/{name}.wasm"\n{mount}')
sys.stdout.write(head + sep + body + sep2 + tail)
PY
    host() { # label [extra flags...]
        local label=$1
        shift
        SPIN_VARIABLE_MARKET_CONFIG='trusted_proxies = ["127.0.0.1/32"]' RUST_LOG=warn \
            target/release/meridian-host --manifest "$manifest" --listen 127.0.0.1:0 -q \
            --state-dir "$WORK/state-$name" --cache-dir "$WORK/compiled-$name" "$@" \
            >"$WORK/$label.out" 2>"$WORK/$label.err" &
        HOST_PID=$!
        PIDS+=($HOST_PID)
    }
    # Fill the compile cache, then time a warm start to the first IP lookup.
    host "$name-cold"
    url=$(listen_url "$WORK/$name-cold.out" 600)
    curl -fsS -o /dev/null "${IP[@]}" "$url/v1/market"
    kill "$HOST_PID"; wait "$HOST_PID" 2>/dev/null || true
    start=$(now_ms)
    host "$name"
    url=$(listen_url "$WORK/$name.out")
    answer=$(curl -fsS "${IP[@]}" "$url/v1/market")
    first_ms=$(( $(now_ms) - start ))
    grep -q '"country":"US"' <<<"$answer" || { echo "$name: 8.8.8.8 is not US: $answer" >&2; exit 1; }
    wrk -t"$THREADS" -c"$CONNECTIONS" -d3s "${IP[@]}" "$url/v1/market" >/dev/null
    reset_peak_rss "$HOST_PID"
    read -r rps p50 p99 < <(run_wrk "$name" "$url/v1/market" "${IP[@]}")
    rss=$(( $(peak_rss_kib "$HOST_PID") / 1024 ))
    kill "$HOST_PID"; wait "$HOST_PID" 2>/dev/null || true
    host "$name-once" --max-instance-reuse-count 1
    url=$(listen_url "$WORK/$name-once.out")
    curl -fsS -o /dev/null "${IP[@]}" "$url/v1/market"
    read -r rps1 p50_1 p99_1 < <(run_wrk "$name-once" "$url/v1/market" "${IP[@]}")
    kill "$HOST_PID"; wait "$HOST_PID" 2>/dev/null || true
    rm -f "$manifest"
    ROWS+=("| \`$name\` | $(stat -c %s "$SCRATCH/$name.wasm") | ${first_ms} ms | $rps | $p50 | $p99 | $rss MiB | $rps1 | $p99_1 |")
done

cat <<OUT

## Country database: embedded or mounted, MaxMind DB or country table ($(date -u +%F); $(machine); load average $(cut -d' ' -f1-3 /proc/loadavg))

\`bash infra/bench/country-db.sh\`: the market component built each way; wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s on \`/v1/market\` with \`x-forwarded-for: 8.8.8.8\` from a trusted proxy (the IP-database path). "first answer": host spawn to the end of the first IP lookup, warm compile cache. "reused": Spin's default reuse (up to 128 requests an instance); "one request an instance": \`--max-instance-reuse-count 1\`.

| way | .wasm bytes | first answer | reused req/s | p50 | p99 | peak RSS | one request an instance req/s | p99 |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
OUT
printf '%s\n' "${ROWS[@]}"
