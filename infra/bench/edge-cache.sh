#!/usr/bin/env bash
# The edge cache through meridian-host: a cached origin answer against the
# same route's gate alone (what the cache layer adds to a request) and
# against nginx serving the same bytes; then the hit ratio over the request
# mix in infra/bench/request-mix.tsv. Expects release builds
# (`bash infra/run bench`). Native figures: `cargo bench -p meridian-edge --bench cache`.
#
# Env: DURATION (s, default 10), CONNECTIONS (default 32), THREADS (default 2)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
WORK=$(mktemp -d)
# shellcheck source=infra/bench/lib.sh
source infra/bench/lib.sh
# Loopback with the public development key: development mode on both sides.
export SPIN_VARIABLE_DEVELOPMENT_MODE=1
SECRET=bench-webhook-secret

MERIDIAN_DEV=1 MERIDIAN_BACKEND_CATALOG="$ROOT/gpu-backend/catalog" target/release/meridian-gpu-backend --listen 127.0.0.1:0 >"$WORK/backend.out" 2>"$WORK/backend.err" &
PIDS+=($!)
BACKEND=$(listen_url "$WORK/backend.out")
target/release/meridian-demo-origin --listen 127.0.0.1:0 >"$WORK/origin.out" 2>"$WORK/origin.err" &
PIDS+=($!)
ORIGIN=$(listen_url "$WORK/origin.out")
SPIN_VARIABLE_BACKEND_URL_EU=$BACKEND SPIN_VARIABLE_ORIGIN_CATALOG_URL=$ORIGIN \
    SPIN_VARIABLE_PURGE_WEBHOOK_SECRET=$SECRET \
    SPIN_VARIABLE_MARKET_CONFIG='trusted_proxies = ["127.0.0.1/32"]' RUST_LOG=warn \
    target/release/meridian-host --manifest spin.toml --listen 127.0.0.1:0 \
    --state-dir "$WORK/state" >"$WORK/host.out" 2>"$WORK/host.err" &
PIDS+=($!)
HOST=$(listen_url "$WORK/host.out")

PRODUCT=/v1/origin/catalog/products/MRD-SOLSTICE-SUN
curl -fsS -H 'cf-ipcountry: DE' -o /dev/null "$HOST$PRODUCT"
curl -fsS -H 'cf-ipcountry: DE' -o "$WORK/hit.bin" -D "$WORK/hit.h" "$HOST$PRODUCT"
grep -qi '^cache-status:.*; hit' "$WORK/hit.h" || { echo "second request was not a hit" >&2; cat "$WORK/hit.h" >&2; exit 1; }

# nginx serves the identical bytes from disk.
mkdir -p "$WORK/www"
cp "$WORK/hit.bin" "$WORK/www/product.json"
start_nginx "application/json json;"
DE=(-H "cf-ipcountry: DE")
echo "warming up..."
wrk -t"$THREADS" -c"$CONNECTIONS" -d3s -H "cf-ipcountry: DE" "$HOST$PRODUCT" >/dev/null
BYTES=$(stat -c %s "$WORK/hit.bin")
read -r HIT_RPS HIT_P50 HIT_P99 < <(run_wrk hit "$HOST$PRODUCT" "${DE[@]}")
read -r GATE_RPS GATE_P50 GATE_P99 < <(run_wrk gate "$HOST/v1/market" "${DE[@]}")
read -r NGINX_RPS NGINX_P50 NGINX_P99 < <(run_wrk nginx "http://127.0.0.1:$NGINX_PORT/product.json" "${DE[@]}")

# Hit ratio over the request mix, sequentially, as the edge sees it.
MIX=$(python3 - "$HOST" "$SECRET" <<'PY'
import hashlib, hmac, json, sys, time, urllib.error, urllib.request, collections
host, secret = sys.argv[1], sys.argv[2]
counts = collections.Counter()
by_route = collections.defaultdict(collections.Counter)
for line in open("infra/bench/request-mix.tsv"):
    if line.startswith("#") or not line.strip():
        continue
    country, path = line.rstrip("\n").split("\t")
    if country == "webhook":
        body = json.dumps({"event": "price.changed", "skus": [path]}).encode()
        t = str(int(time.time()))
        sig = f"t={t},v1=" + hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
        urllib.request.urlopen(urllib.request.Request(host + "/v1/purge/webhook", data=body,
            headers={"meridian-webhook-signature": sig, "content-type": "application/json"})).read()
        continue
    req = urllib.request.Request(host + path, headers={"cf-ipcountry": country})
    try:
        with urllib.request.urlopen(req) as r:
            status = r.headers.get("cache-status", ""); r.read()
    except urllib.error.HTTPError as e:
        status = e.headers.get("cache-status", "")
    kind = "hit" if "; hit" in status else ("bypass" if "fwd=bypass" in status else ("revalidated" if "fwd=stale" in status else "miss"))
    route = "media" if path.startswith("/v1/media") else "origin"
    counts[kind] += 1
    by_route[route][kind] += 1
total = sum(counts.values())
def ratio(c):
    n = sum(c.values())
    return f"{100 * c['hit'] / n:.1f}% of {n}"
print(f"{100 * counts['hit'] / total:.1f}% hits over {total} requests (origin routes {ratio(by_route['origin'])}, media {ratio(by_route['media'])}; misses {counts['miss']}, revalidated {counts['revalidated']}, refused before the cache {counts['bypass']})")
PY
)
ORIGIN_REQUESTS=$(curl -fsS "$ORIGIN/admin/requests" | python3 -c 'import json,sys; print(sum(json.load(sys.stdin).values()))')

cat <<OUT

## Edge cache through the host ($(date -u +%F); $(machine))

\`bash infra/bench/edge-cache.sh\` (wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, cf-ipcountry: DE)

| what | bytes | req/s | p50 | p99 |
| --- | --- | --- | --- | --- |
| \`$PRODUCT\`, cache hit (gate + cache) | $BYTES | $HIT_RPS | $HIT_P50 | $HIT_P99 |
| \`/v1/market\`, gate only, no cache | | $GATE_RPS | $GATE_P50 | $GATE_P99 |
| nginx, the same bytes from disk | $BYTES | $NGINX_RPS | $NGINX_P50 | $NGINX_P99 |

Request mix (\`infra/bench/request-mix.tsv\`, 5 price webhooks): $MIX.
The origin answered $ORIGIN_REQUESTS requests (the mix's origin routes, minus what the edge absorbed).
OUT
