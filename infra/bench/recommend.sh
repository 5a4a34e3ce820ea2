#!/usr/bin/env bash
# Recommendations through meridian-host: the personalize component's own
# re-rank time (its `Server-Timing: rerank;dur=<ms>`, measured inside the
# component with the WASI monotonic clock) and the whole request as a client
# sees it, p50/p99/max over N sequential requests per context, for:
#   1. the shipped data (14 items, 7 of them in the catalog);
#   2. a 500-item synthetic shop, the criterion bench's data
#      (functions/edge/benches/recommend.rs), passed to the component as
#      `recommendation_data` and `recommendation_catalog`.
# Builds what it runs (release). Native figures:
# `cargo bench -p meridian-edge --bench recommend`.
#
# Env: N (requests per context, default 500)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
N=${N:-500}
WORK=$(mktemp -d)
# shellcheck source=infra/bench/lib.sh
source infra/bench/lib.sh

cargo build --profile component --target wasm32-wasip2 -p meridian-personalize
cargo build --release -p meridian-host
python3 infra/bench/recommend.py shop "$WORK"

# development_mode: the identity cookie's public development secret. Loopback
# stands in for the CDN, so `cf-ipcountry: DE` picks the market.
export SPIN_VARIABLE_DEVELOPMENT_MODE=1
export SPIN_VARIABLE_MARKET_CONFIG='trusted_proxies = ["127.0.0.1/32"]'

# Sets HOST; not in a subshell, so cleanup knows the pid.
run_host() { # name manifest
    mkdir -p "$WORK/$1"
    RUST_LOG=warn target/release/meridian-host --manifest "$2" --listen 127.0.0.1:0 \
        --state-dir "$WORK/$1/state" >"$WORK/$1/host.out" 2>"$WORK/$1/host.err" &
    PIDS+=($!)
    HOST=$(listen_url "$WORK/$1/host.out")
}

echo "machine: $(machine); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "shipped data (14 items, market DE):"
run_host shipped "$WORK/spin-shipped.toml"
python3 infra/bench/recommend.py measure "$HOST" "$N" \
    product:MRD-SOLSTICE-SUN home cart:MRD-SILK-SCARF,MRD-AURORA-WATCH
echo
echo "synthetic shop (500 items, 16 dimensions, market DE; every item trending, S000 similar to 250):"
run_host synthetic "$WORK/spin.toml"
python3 infra/bench/recommend.py measure "$HOST" "$N" product:S000 home cart:S000,S001
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
