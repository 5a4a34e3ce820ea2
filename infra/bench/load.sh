#!/usr/bin/env bash
# Load with hostile traffic: the request mix (infra/bench/request-mix.tsv)
# replayed against the release edge host, demo origin and backend on
# loopback, with a share of hostile requests (random query strings, slow
# connections, forged and replayed signatures, oversize bodies). Bounded
# in requests and in time. Prints throughput, answers by status per class
# and the peak RSS of host and backend. Expects release builds
# (`bash infra/run bench`).
#
# Env: REQUESTS (default 6000), SECONDS_MAX (default 60), CONCURRENCY
# (default 16), HOSTILE (share, default 0.1), PROFILE (release, or debug to
# use what `cargo test` built)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
WORK=$(mktemp -d)
# shellcheck source=infra/bench/lib.sh
source infra/bench/lib.sh
SECRET=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')

PROFILE=${PROFILE:-release}
BIN=target/$PROFILE
echo "building the load command ($PROFILE)..."
if [ "$PROFILE" = release ]; then
    cargo build --release -q -p meridian-e2e --example load -p meridian-gpu-backend -p meridian-host -p meridian-demo-origin
else
    for b in meridian-gpu-backend meridian-host meridian-demo-origin examples/load; do
        [ -x "$BIN/$b" ] || { echo "$BIN/$b is missing: run cargo test --no-run first" >&2; exit 1; }
    done
fi

MERIDIAN_DEV=1 MERIDIAN_BACKEND_SIGNING_KEY=$KEY MERIDIAN_BACKEND_CATALOG="$ROOT/gpu-backend/catalog" \
    $BIN/meridian-gpu-backend --listen 127.0.0.1:0 >"$WORK/backend.out" 2>"$WORK/backend.err" &
BACKEND_PID=$!
PIDS+=($BACKEND_PID)
BACKEND=$(listen_url "$WORK/backend.out")
$BIN/meridian-demo-origin --listen 127.0.0.1:0 >"$WORK/origin.out" 2>"$WORK/origin.err" &
PIDS+=($!)
ORIGIN=$(listen_url "$WORK/origin.out")
SPIN_VARIABLE_DEVELOPMENT_MODE=1 SPIN_VARIABLE_BACKEND_URL_EU=$BACKEND SPIN_VARIABLE_BACKEND_SIGNING_KEY=$KEY \
    SPIN_VARIABLE_ORIGIN_CATALOG_URL=$ORIGIN SPIN_VARIABLE_PURGE_WEBHOOK_SECRET=$SECRET \
    SPIN_VARIABLE_MARKET_CONFIG='trusted_proxies = ["127.0.0.1/32"]' RUST_LOG=warn \
    $BIN/meridian-host --manifest spin.toml --listen 127.0.0.1:0 \
    --state-dir "$WORK/state" >"$WORK/host.out" 2>"$WORK/host.err" &
HOST_PID=$!
PIDS+=($HOST_PID)
HOST=$(listen_url "$WORK/host.out")

echo "replaying the mix: ${REQUESTS:-6000} requests at most, ${SECONDS_MAX:-60} s at most..."
echo
echo "## Load with hostile traffic ($(date -u +%F); $(machine))"
echo
echo "\`PROFILE=$PROFILE bash infra/bench/load.sh\` (REQUESTS=${REQUESTS:-6000} CONCURRENCY=${CONCURRENCY:-16} HOSTILE=${HOSTILE:-0.1})"
echo
$BIN/examples/load --host "$HOST" --backend "$BACKEND" \
    --requests "${REQUESTS:-6000}" --seconds "${SECONDS_MAX:-60}" \
    --concurrency "${CONCURRENCY:-16}" --hostile "${HOSTILE:-0.1}" \
    --webhook-secret "$SECRET" --signing-key "$KEY" \
    --host-pid "$HOST_PID" --backend-pid "$BACKEND_PID"
echo
echo "store on disk after the run: $(du -sh "$WORK/state" | cut -f1)"
kill -0 "$HOST_PID" && kill -0 "$BACKEND_PID" || { echo "a process died under load" >&2; exit 1; }
