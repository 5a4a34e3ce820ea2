#!/usr/bin/env bash
# Produces the copy model cn2en (Chinese -> English GRU seq2seq, toy quality)
# at .meridian/models/cn2en/{encoder.onnx,decoder.onnx,vocab.json}, where
# `[[copy.models]]` in config/default.toml points. Nothing is committed: the
# wheel's licence is unclear (gpu-backend/copy/SOURCES.md), so every machine
# fetches it itself at set-up.
#
#   bash gpu-backend/tools/models/fetch-copy-model.sh [DEST]
#
# What it does (about 30 s on a warm pip cache, 1 to 2 min cold):
#   1. a throwaway venv with pip<24.1 (cn2en's metadata has a legacy
#      requirement spec newer pip rejects), numpy and onnx pinned;
#   2. `pip download --require-hashes cn2en==0.0.118` (one wheel, 18 MB);
#   3. unzips it and converts its PyTorch checkpoint to ONNX without torch
#      (gpu-backend/tools/copy/convert_cn2en.py: only tensors and the two
#      vocabularies are unpickled; anything else is refused);
#   4. checks the outputs against the checksums below and writes VERSION.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
TOOLS="$ROOT/gpu-backend/tools/copy"
DEST="${1:-$ROOT/.meridian/models/cn2en}"
VERSION="cn2en==0.0.118"
WHEEL_SHA256=f584f68806bf2deca1a451e67cf41351039831385a3c3602228378dc85eaa194
# The conversion is deterministic for these pins; a different file means a
# different converter or wheel, which must not pass silently.
SUMS="$TOOLS/cn2en.sha256"
if [ -e "$DEST/VERSION" ] && [ "$(cat "$DEST/VERSION")" = "$VERSION" ] &&
    (cd "$DEST" && sha256sum --quiet -c "$SUMS") 2>/dev/null; then
    exit 0
fi
started=$(date +%s)
python3 -m venv --help >/dev/null 2>&1 || { echo "needs python3-venv (apt-get install python3-venv)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "copy model: venv with pip<24.1, numpy, onnx ($tmp)"
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet --disable-pip-version-check "pip<24.1" numpy==2.4.6 onnx==1.23.2
echo "copy model: downloading $VERSION (sha256 $WHEEL_SHA256)"
echo "$VERSION --hash=sha256:$WHEEL_SHA256" >"$tmp/req.txt"
"$tmp/venv/bin/pip" download --quiet --disable-pip-version-check --no-deps --require-hashes -r "$tmp/req.txt" -d "$tmp/dl"
"$tmp/venv/bin/python" -m zipfile -e "$tmp"/dl/cn2en-0.0.118-py3-none-any.whl "$tmp/x"
echo "copy model: converting to ONNX"
rm -rf "$DEST.partial" && mkdir -p "$DEST.partial"
PYTHONPATH="$TOOLS" "$tmp/venv/bin/python" "$TOOLS/convert_cn2en.py" "$tmp/x/cn2en" "$DEST.partial"
cp "$tmp/x/cn2en-0.0.118.dist-info/LICENSE" "$DEST.partial/LICENSE.cn2en"
(cd "$DEST.partial" && sha256sum -c "$SUMS") || {
    echo "copy model: the converted files do not match $SUMS" >&2
    exit 1
}
echo "$VERSION" >"$DEST.partial/VERSION"
rm -rf "$DEST" && mv "$DEST.partial" "$DEST"
echo "copy model $VERSION: $DEST ($(($(date +%s) - started)) s)"
