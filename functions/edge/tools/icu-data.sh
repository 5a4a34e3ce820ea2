#!/usr/bin/env bash
# Bakes the ICU4X locale data `meridian_edge::locale_format` uses, from CLDR
# JSON, for exactly the languages the market packs ship:
#
#   functions/edge/tools/icu-data.sh           # regenerate src/locale_format/baked
#   functions/edge/tools/icu-data.sh --check   # fail if the checked-in data differs
#
# Sources, pinned so the output is reproducible:
#   - CLDR JSON from npm (cldr-core, cldr-numbers-full, cldr-bcp47), the same
#     tree as the cldr-json release, laid out as icu4x-datagen's --cldr-root
#     expects;
#   - the Unicode Character Database from Debian's `unicode-data` package
#     (/usr/share/unicode; UNICODE_DIR elsewhere): the currency symbols'
#     marker reads General_Category to decide where a symbol needs spacing;
#   - icu4x-datagen from crates.io, the same 2.x release as the icu_* crates
#     in functions/edge/Cargo.toml (baked data is tied to that version).
#
# Locales: every `languages` entry of policy/markets/*.toml, exported each
# one fully resolved (`^tag`: no ancestors or descendants, no runtime
# fallback code, no deduplication), so a component carries those and
# nothing else and the only locale fallback is the packs' own
# (`policy::locale::pick_tag`). `src/locale_format/data.rs` lists the same
# set in SHIPPED; a unit test keeps the two in step with the packs.
#
# Tools land under target/ (ignored): set CLDR_DIR or DATAGEN to reuse
# copies elsewhere.
set -euo pipefail

CLDR_VERSION=48.2.0
DATAGEN_VERSION=2.4.0
MARKERS=(
  DecimalSymbolsV1
  DecimalDigitsV1
  PluralsCardinalV1
  CurrencyEssentialsV1
  CurrencySymbolsV1
  CurrencyPatternsNoCurrencyV1
  CurrencyDecimalSymbolsV1
  CurrencyFractionsV1
)

edge="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$edge/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
out="$edge/src/locale_format/baked"

check=false
case "${1:-}" in
  --check) check=true ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

# The shipped locales, from the packs: `languages = ["de-DE", "en-GB"]`.
mapfile -t locales < <(
  sed -n 's/^languages *= *\[\(.*\)\]/\1/p' "$edge"/policy/markets/*.toml |
    tr ',' '\n' | tr -d ' "' | sed '/^$/d' | sort -u
)
if [ "${#locales[@]}" -eq 0 ]; then
  echo "no languages found in $edge/policy/markets" >&2
  exit 1
fi

cldr="${CLDR_DIR:-$target/cldr-json-$CLDR_VERSION}"
if [ ! -f "$cldr/node_modules/cldr-core/package.json" ]; then
  mkdir -p "$cldr"
  echo '{"private": true}' > "$cldr/package.json"
  npm install --prefix "$cldr" --no-audit --no-fund --ignore-scripts \
    "cldr-core@$CLDR_VERSION" "cldr-numbers-full@$CLDR_VERSION" "cldr-bcp47@$CLDR_VERSION" >&2
fi

datagen="${DATAGEN:-$target/tools/bin/icu4x-datagen}"
if [ ! -x "$datagen" ] || ! "$datagen" --version | grep -q "$DATAGEN_VERSION"; then
  cargo install icu4x-datagen --locked --version "=$DATAGEN_VERSION" \
    --no-default-features --features provider,baked_exporter,unstable,rayon \
    --root "$target/tools" >&2
  datagen="$target/tools/bin/icu4x-datagen"
fi

unicode="${UNICODE_DIR:-/usr/share/unicode}"
if [ ! -f "$unicode/UnicodeData.txt" ]; then
  echo "no Unicode Character Database in $unicode: apt-get install unicode-data" >&2
  exit 1
fi
# datagen reads it as a Unicode RSCD tree (`ucd/...`).
rscd="$target/unicode-rscd"
mkdir -p "$rscd"
ln -sfn "$unicode" "$rscd/ucd"

families=()
for l in "${locales[@]}"; do families+=("^$l"); done

generated="$(mktemp -d)"
trap 'rm -rf "$generated"' EXIT
"$datagen" \
  --format baked \
  --use-separate-crates \
  --no-internal-fallback \
  --deduplication none \
  --cldr-root "$cldr/node_modules" \
  --unicode-rscd-root "$rscd" \
  --markers "${MARKERS[@]}" \
  --locales "${families[@]}" \
  --out "$generated/baked" >&2
printf '%s\n' "${locales[@]}" > "$generated/baked/LOCALES"
echo "$CLDR_VERSION" > "$generated/baked/CLDR_VERSION"

if $check; then
  if diff -r "$out" "$generated/baked" > "$generated/diff"; then
    echo "locale data is up to date (${#locales[@]} locales, CLDR $CLDR_VERSION)"
  else
    head -50 "$generated/diff" >&2
    echo "locale data is out of date: run $0" >&2
    exit 1
  fi
else
  rm -rf "$out"
  cp -r "$generated/baked" "$out"
  echo "wrote $out (${#locales[@]} locales, CLDR $CLDR_VERSION)"
fi
