#!/usr/bin/env bash
# Cache-hit path through meridian-host against nginx serving the same bytes,
# side by side on this machine, plus first-response time after a host start
# with a warm compile cache. Expects release builds (`bash infra/run bench`).
#
# Env: DURATION (s, default 15), CONNECTIONS (default 32), THREADS (default 2)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
WORK=$(mktemp -d)
# shellcheck source=infra/bench/lib.sh
source infra/bench/lib.sh
# Loopback with the public development key: development mode on both sides.
export SPIN_VARIABLE_DEVELOPMENT_MODE=1

MERIDIAN_DEV=1 MERIDIAN_BACKEND_CATALOG="$ROOT/gpu-backend/catalog" target/release/meridian-gpu-backend --listen 127.0.0.1:0 >"$WORK/backend.out" 2>"$WORK/backend.err" &
PIDS+=($!)
BACKEND=$(listen_url "$WORK/backend.out")

# Loopback stands in for the CDN, so the gate takes the client address from
# X-Forwarded-For and looks it up in the country database, as in production.
export SPIN_VARIABLE_MARKET_CONFIG='trusted_proxies = ["127.0.0.1/32"]'
start_host() {
    SPIN_VARIABLE_BACKEND_URL_EU=$BACKEND RUST_LOG=warn \
        target/release/meridian-host --manifest spin.toml --listen 127.0.0.1:0 \
        --state-dir "$WORK/state" >"$WORK/host.out" 2>"$WORK/host.err" &
    HOST_PID=$!
    PIDS+=($HOST_PID)
    HOST=$(listen_url "$WORK/host.out")
}
start_host

ASSET=$(ls gpu-backend/catalog | grep -E '\.jpg$' | head -n1)
# A small widget thumbnail and the large product-page image.
PRESETS=${PRESETS:-thumbnail product}

for PRESET in $PRESETS; do
    PATH_=/v1/media/$ASSET/$PRESET.webp
    curl -fsS -o "$WORK/miss.bin" -D "$WORK/miss.h" "$HOST$PATH_"
    curl -fsS -o "$WORK/hit.bin" -D "$WORK/hit.h" "$HOST$PATH_"
    grep -qi '^cache-status:.*hit' "$WORK/hit.h" || { echo "second request was not a hit" >&2; cat "$WORK/hit.h" >&2; exit 1; }
    mkdir -p "$WORK/www$(dirname "$PATH_")"
    cp "$WORK/hit.bin" "$WORK/www$PATH_"
done
# nginx serves the identical bytes from disk.
start_nginx "image/webp webp;"
XFF=(-H "x-forwarded-for: 193.0.14.129")

ROWS=""
for PRESET in $PRESETS; do
    PATH_=/v1/media/$ASSET/$PRESET.webp
    curl -fsS -o /dev/null "http://127.0.0.1:$NGINX_PORT$PATH_"
    BYTES=$(stat -c %s "$WORK/www$PATH_")
    echo "warming up ($PRESET, $BYTES bytes)..."
    wrk -t"$THREADS" -c"$CONNECTIONS" -d3s "$HOST$PATH_" >/dev/null
    read -r HOST_RPS HOST_P50 HOST_P99 < <(run_wrk "host-$PRESET" "$HOST$PATH_" "${XFF[@]}")
    read -r NGINX_RPS NGINX_P50 NGINX_P99 < <(run_wrk "nginx-$PRESET" "http://127.0.0.1:$NGINX_PORT$PATH_" "${XFF[@]}")
    RATIO=$(python3 -c "print(f'{100*$HOST_RPS/$NGINX_RPS:.0f}%')")
    ROWS+="| \`$PATH_\` | $BYTES | $HOST_RPS | $HOST_P50 | $HOST_P99 | $NGINX_RPS | $NGINX_P50 | $NGINX_P99 | $RATIO |"$'\n'
done

# The gate inside the component: its own Server-Timing over sequential requests.
GATE=$(python3 - "$HOST" <<'PY'
import sys, urllib.request, statistics
host = sys.argv[1]
durs = []
for i in range(400):
    req = urllib.request.Request(host + "/v1/market?purpose=personalize",
                                 headers={"x-forwarded-for": "193.0.14.129", "accept-language": "de-DE,de;q=0.9"})
    with urllib.request.urlopen(req) as r:
        t = r.headers.get("server-timing", "")
        r.read()
    if i >= 50:
        durs.append(float(t.split("dur=")[1]) * 1000)
durs.sort()
print(f"p50 {durs[len(durs)//2]:.0f} µs, p99 {durs[int(len(durs)*0.99)]:.0f} µs over {len(durs)} requests")
PY
)

# First response after start, compile cache warm (the host above filled it).
kill "$HOST_PID"; wait "$HOST_PID" 2>/dev/null || true
FIRST_MS=$(SPIN_VARIABLE_BACKEND_URL_EU=$BACKEND RUST_LOG=warn python3 infra/bench/first-response.py "$PATH_" -- \
    target/release/meridian-host --manifest spin.toml --listen 127.0.0.1:0 --state-dir "$WORK/state")

cat <<OUT

## Cache-hit path: meridian-host vs nginx ($(date -u +%F))

Machine: $(machine); wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s on loopback, the same machine as both servers.

| path | bytes | host req/s | host p50 | host p99 | nginx req/s | nginx p50 | nginx p99 | host / nginx |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
$ROWS
Gate inside the component (\`Server-Timing: gate\` of \`GET /v1/market?purpose=personalize\`, IP-database path): $GATE.
First response after host start (warm compile cache, process spawn to full response): ${FIRST_MS} ms.
OUT
