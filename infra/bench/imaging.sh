#!/usr/bin/env bash
# Image renditions: libvips' vipsthumbnail against Meridian's CPU pipeline
# (`examples/thumbnail.rs`: decode, resize in linear light, watermark,
# encode), side by side on the same 12 MP+ photographs, to the same output
# (JPEG, longer side SIZE, quality QUALITY, metadata stripped). Both run as
# one process per invocation under hyperfine, measured the same way:
#   p50    median wall time of one image per process (start-up included)
#   img/s  images / mean wall time of one process doing the whole set
# Then the GPU stages (resize + watermark) in process, on whatever adapter
# wgpu finds (lavapipe without a GPU).
#
# Installs libvips-tools, hyperfine and nasm from Debian when missing; fetches the
# photographs from Debian's lomiri-wallpapers-16.04 (sources and licences in
# gpu-backend/catalog/SOURCES.md).
#
# Env: RUNS (per image, default 10), SIZE (default 1080), QUALITY (default 85)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
RUNS=${RUNS:-10}
SIZE=${SIZE:-1080}
QUALITY=${QUALITY:-85}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if ! command -v vipsthumbnail >/dev/null || ! command -v hyperfine >/dev/null || ! command -v nasm >/dev/null; then
    apt-get install -y -qq libvips-tools hyperfine nasm >/dev/null
fi
(cd "$WORK" && apt-get download -qq lomiri-wallpapers-16.04 >/dev/null && dpkg -x lomiri-wallpapers-16.04_*.deb pkg)
PHOTOS=()
for name in Dragonfly_by_Bolly seeding_by_Clements_Engelhardt sunset_by_Aitzol_Berasategi; do
    PHOTOS+=("$(find "$WORK/pkg" -name "$name.jpg" | head -n1)")
done
# `nasm`: SIMD in the JPEG decoder, as the libjpeg-turbo libvips links has.
cargo build -q --release -p meridian-gpu-backend --features nasm --example thumbnail --example gpu_stage
THUMB="$TARGET/release/examples/thumbnail"
mkdir -p "$WORK/vips" "$WORK/meridian"
vips_cmd() { echo "vipsthumbnail $* --size ${SIZE}x${SIZE} -o $WORK/vips/%s.jpg[Q=$QUALITY,strip]"; }
meridian_cmd() { echo "$THUMB $SIZE $QUALITY $WORK/meridian $*"; }
median() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results']; print(' '.join(f\"{x['median']*1000:.1f}\" for x in r))" "$1"; }
mean() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results']; print(' '.join(f\"{x['mean']:.4f}\" for x in r))" "$1"; }

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), libvips $(vipsthumbnail --vips-version | cut -d' ' -f2)"
echo
echo "| photograph | pixels | vipsthumbnail p50 | meridian p50 |"
echo "| --- | ---: | ---: | ---: |"
for p in "${PHOTOS[@]}"; do
    hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$WORK/one.json" \
        "$(vips_cmd "$p")" "$(meridian_cmd "$p")" >/dev/null 2>&1
    read -r v m < <(median "$WORK/one.json")
    px=$(python3 -c "import struct,sys
d=open(sys.argv[1],'rb').read(); i=2
while i < len(d):
    n=struct.unpack('>H',d[i+2:i+4])[0]
    if d[i+1] in (0xC0,0xC1,0xC2): h,w=struct.unpack('>HH',d[i+5:i+9]); print(f'{w}x{h}'); break
    i+=2+n" "$p")
    echo "| $(basename "$p") | $px | ${v} ms | ${m} ms |"
done
hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$WORK/all.json" \
    "$(vips_cmd "${PHOTOS[@]}")" "$(meridian_cmd "${PHOTOS[@]}")" >/dev/null 2>&1
read -r v m < <(mean "$WORK/all.json")
python3 -c "import sys; n=len(sys.argv)-3; v,m=float(sys.argv[1]),float(sys.argv[2]); print(f'| whole set, one process | | {n/v:.2f} img/s | {n/m:.2f} img/s |')" "$v" "$m" "${PHOTOS[@]}"
echo
sizes() { for f in "$@"; do printf '%sx%s ' "$(vipsheader -f width "$f")" "$(vipsheader -f height "$f")"; done; }
echo "outputs: vips $(sizes "$WORK"/vips/*.jpg)| meridian $(sizes "$WORK"/meridian/*.jpg)"
"$TARGET/release/examples/gpu_stage" "${PHOTOS[0]}" 5
