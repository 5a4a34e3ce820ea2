#!/usr/bin/env bash
# Event ingest through the edge: wrk POSTs /v1/events beacons of 1, 10 and
# 100 events (a German shopper with TCF consent, every event id new) to
# the release meridian-host, whose personalize component validates and
# pseudonymizes them and forwards each beacon as one signed batch to the
# release meridian-collector (SQLite). Once with the collector alone, once
# with its Redis Streams sink on (when redis-server is installed). Prints
# req/s, events/s, latency percentiles and, to prove the events arrived,
# what the collector stored (and streamed) afterwards.
#
# Env: DURATION (s per run, default 10), THREADS (2), CONNECTIONS (16),
# BATCHES ("1 10 100"), STREAM (auto | off | on), BIN (where the release
# meridian-host and meridian-collector are: target/release), BUILD (1;
# 0 skips the cargo builds, for binaries built elsewhere)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
DURATION=${DURATION:-10}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-16}
BATCHES=${BATCHES:-1 10 100}
STREAM=${STREAM:-auto}
WORK=$(mktemp -d)
# shellcheck source=infra/bench/lib.sh
source infra/bench/lib.sh
KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
# Consent to purposes 1, 5 and 6 for the merchant's vendor (tests/personalize.rs).
export TC_STRING=CQSbk4AQSbk4AEsACBENB4FgAIwAAAAAAAYgfkQAQfkAAAAA
BIN=${BIN:-target/release}
BUILD=${BUILD:-1}

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk (bash infra/run setup)" >&2; exit 1; }
case $STREAM in
auto) command -v redis-server >/dev/null && STREAM=on || STREAM=off ;;
on) command -v redis-server >/dev/null || { echo "STREAM=on needs redis-server" >&2; exit 1; } ;;
esac
if [ "$BUILD" = 1 ]; then
    echo "building (release)..." >&2
    cargo build --release -q --target wasm32-wasip2 -p meridian-media -p meridian-pages -p meridian-market \
        -p meridian-origin -p meridian-purge -p meridian-tryon -p meridian-personalize -p meridian-copy
    cargo build --release -q -p meridian-host -p meridian-collector
fi
for b in meridian-host meridian-collector; do
    [ -x "$BIN/$b" ] || { echo "$BIN/$b is missing" >&2; exit 1; }
done

# Compiling seven components on a loaded machine can take minutes: the
# host gets 300 s to start listening.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
metric() { # base name
    curl -fsS "$1/metrics" | awk -v m="$2" '$1==m {print $2}'
}
stored_rows() { # sqlite file
    python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM events").fetchone()[0])' "$1"
}

modes=(sqlite)
[ "$STREAM" = on ] && modes+=(sqlite+redis)

echo "## Event ingest through the edge host ($(date -u '+%F %H:%M UTC'); $(machine))"
echo
echo "\`bash infra/bench/events.sh\` (DURATION=$DURATION THREADS=$THREADS CONNECTIONS=$CONNECTIONS); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| collector | events/beacon | req/s | events/s | p50 | p90 | p99 | max | not 202 | stored (events, after) | streamed (after) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for mode in "${modes[@]}"; do
    data="$WORK/collector-$mode"
    # Event ids are 16 to 32 of [A-Za-z0-9_-].
    tag=$(echo "$mode" | tr -c 'a-z\n' x)
    stream_env=()
    if [ "$mode" = sqlite+redis ]; then
        rport=$(free_port)
        redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" >"$WORK/redis.out" 2>&1 &
        PIDS+=($!)
        for _ in $(seq 100); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
        stream_env=(MERIDIAN_COLLECTOR_REDIS_URL="redis://127.0.0.1:$rport")
    fi
    env MERIDIAN_DEV=1 MERIDIAN_COLLECTOR_SIGNING_KEY="$KEY" MERIDIAN_COLLECTOR_REGION=eu \
        MERIDIAN_COLLECTOR_DATA_DIR="$data" RUST_LOG=warn "${stream_env[@]}" \
        $BIN/meridian-collector --listen 127.0.0.1:0 >"$WORK/collector-$mode.out" 2>"$WORK/collector-$mode.err" &
    collector_pid=$!
    PIDS+=($collector_pid)
    COLLECTOR=$(listen_url "$WORK/collector-$mode.out")
    SPIN_VARIABLE_COLLECTOR_URL_EU=$COLLECTOR SPIN_VARIABLE_BACKEND_URL_EU=http://127.0.0.1:9 \
        SPIN_VARIABLE_BACKEND_SIGNING_KEY="$KEY" SPIN_VARIABLE_DEVELOPMENT_MODE=1 \
        SPIN_VARIABLE_MARKET_CONFIG='trusted_proxies = ["127.0.0.1/32"]' RUST_LOG=warn \
        $BIN/meridian-host --manifest spin.toml --listen 127.0.0.1:0 \
        --state-dir "$WORK/state" >"$WORK/host-$mode.out" 2>"$WORK/host-$mode.err" &
    host_pid=$!
    PIDS+=($host_pid)
    # The first start compiles the components; the second (same state
    # directory) reuses them.
    HOST=$(listen_url "$WORK/host-$mode.out" 300)
    # One beacon by hand first: the request is right, the events arrive.
    smoke='{"schema":"meridian.events/1","events":[{"id":"smoke-'$tag'-00000000","kind":"view","at":'$(date +%s)'000,"page":"/p/scarf","sku":"MRD-SILK-SCARF"}]}'
    answer=$(curl -sS -o "$WORK/smoke.json" -w '%{http_code}' -X POST "$HOST/v1/events" \
        -H 'cf-ipcountry: DE' -H 'content-type: text/plain;charset=UTF-8' -H "x-tcf-consent: $TC_STRING" --data "$smoke")
    if [ "$answer" != 202 ] ||
        ! python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1])).get("accepted") != 1)' "$WORK/smoke.json"; then
        echo "the edge did not accept a beacon ($answer): $(cat "$WORK/smoke.json")" >&2
        exit 1
    fi
    for batch in $BATCHES; do
        before=$(metric "$COLLECTOR" meridian_collector_events_accepted_total)
        BATCH=$batch RUN="${tag}b$batch" \
            wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s infra/bench/events.lua \
            "$HOST/v1/events" >"$WORK/wrk-$mode-$batch.txt"
        after=$(metric "$COLLECTOR" meridian_collector_events_accepted_total)
        w="$WORK/wrk-$mode-$batch.txt"
        rps=$(awk '/Requests\/sec/ {print $2}' "$w")
        pct() { awk -v p="$1" '$1==p {print $2}' "$w"; }
        max=$(awk '$1=="Latency" {print $4; exit}' "$w")
        refused=$(awk '/^not 202:/ {print $3}' "$w")
        grep '^first refusal' "$w" >&2 || true
        eps=$(python3 -c "print(round($rps * $batch))")
        streamed=-
        if [ "$mode" = sqlite+redis ]; then
            # The sink runs behind the appends: wait (bounded) for the
            # outbox to empty before reading the stream's length.
            for _ in $(seq 300); do
                [ "$(metric "$COLLECTOR" meridian_collector_stream_backlog)" = 0 ] && break
                sleep 0.1
            done
            streamed="$(redis-cli -p "$rport" xlen meridian:events) (backlog $(metric "$COLLECTOR" meridian_collector_stream_backlog))"
        fi
        echo "| $mode | $batch | $rps | $eps | $(pct 50%) | $(pct 90%) | $(pct 99%) | $max | ${refused:-?} | +$((after - before)) ($after) | $streamed |"
    done
    kill "$host_pid" "$collector_pid"
    wait "$collector_pid" 2>/dev/null || true
    echo
    echo "$mode: rows in the SQLite file after the runs (the smoke beacon included): $(stored_rows "$data/events.sqlite")"
    echo
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
