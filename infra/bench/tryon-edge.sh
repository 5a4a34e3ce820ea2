#!/usr/bin/env bash
# Try-on latency per 720p frame as the try-on page sends them (one frame in
# flight, one session): through meridian-host (the tryon component, the
# gate, residency routing, a signed call) and straight to the backend, for
# the backend's CPU path and its wgpu path (lavapipe without a GPU).
# Expects release builds (`bash infra/run bench`).
#
# Env: FRAMES (per case, default 200)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
FRAMES=${FRAMES:-200}
WORK=$(mktemp -d)
# shellcheck source=infra/bench/lib.sh
source infra/bench/lib.sh
KEY=bench-signing-key

echo "machine: $(machine)"
cargo build --release -p meridian-e2e --example tryon-latency
for engine in cpu gpu; do
    MERIDIAN_DEV=1 MERIDIAN_BACKEND_ENGINE=$engine MERIDIAN_BACKEND_SIGNING_KEY=$KEY \
        target/release/meridian-gpu-backend --listen 127.0.0.1:0 >"$WORK/backend-$engine.out" 2>"$WORK/backend-$engine.err" &
    PIDS+=($!)
    BACKEND=$(listen_url "$WORK/backend-$engine.out")
    SPIN_VARIABLE_BACKEND_URL_EU=$BACKEND SPIN_VARIABLE_BACKEND_SIGNING_KEY=$KEY SPIN_VARIABLE_DEVELOPMENT_MODE=1 \
        SPIN_VARIABLE_MARKET_CONFIG='trusted_proxies = ["127.0.0.1/32"]' RUST_LOG=warn \
        target/release/meridian-host --manifest spin.toml --listen 127.0.0.1:0 \
        --state-dir "$WORK/state-$engine" >"$WORK/host-$engine.out" 2>"$WORK/host-$engine.err" &
    PIDS+=($!)
    HOST=$(listen_url "$WORK/host-$engine.out")
    echo "== backend engine: $engine"
    target/release/examples/tryon-latency --edge "$HOST" --backend "$BACKEND" --key "$KEY" --frames "$FRAMES"
    kill "${PIDS[@]}" 2>/dev/null || true
    PIDS=()
done
