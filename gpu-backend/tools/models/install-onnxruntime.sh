#!/usr/bin/env bash
# Puts onnxruntime's shared library (from the PyPI wheel, no other download)
# at .meridian/onnxruntime/libonnxruntime.so, where the backend looks when
# neither `[tryon] onnxruntime` nor ORT_DYLIB_PATH names one.
#
#   bash gpu-backend/tools/models/install-onnxruntime.sh            # CPU build (onnxruntime)
#   ORT_WHEEL=onnxruntime-gpu bash gpu-backend/tools/models/install-onnxruntime.sh   # CUDA build
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
DEST="$ROOT/.meridian/onnxruntime"
WHEEL="${ORT_WHEEL:-onnxruntime}"
VERSION="${ORT_VERSION:-1.31.1}"
[ -e "$DEST/libonnxruntime.so" ] && [ -e "$DEST/VERSION" ] && [ "$(cat "$DEST/VERSION")" = "$WHEEL==$VERSION" ] && exit 0
python3 -m pip --version >/dev/null 2>&1 || { echo "needs pip (apt-get install python3-pip)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --only-binary=:all: "$WHEEL==$VERSION" -d "$tmp"
python3 -m zipfile -e "$tmp"/*.whl "$tmp/x"
mkdir -p "$DEST"
# The providers library sits beside the main one (CUDA's needs it).
cp "$tmp"/x/onnxruntime/capi/libonnxruntime*.so* "$DEST/"
ln -sf "$(basename "$(ls "$DEST"/libonnxruntime.so.* | head -n1)")" "$DEST/libonnxruntime.so"
echo "$WHEEL==$VERSION" > "$DEST/VERSION"
echo "onnxruntime $VERSION: $DEST/libonnxruntime.so"
