#!/usr/bin/env bash
# Builds the release app offline with Trunk and prints the size of what a browser downloads:
# raw, gzip -9 and brotli -q 11 for the wasm, the JS glue and the CSS, against a budget of
# 100 KB gzip in total.
#
#   scripts/size-report.sh            # build, then report
#   scripts/size-report.sh --no-build # report on the existing dist/
#   scripts/size-report.sh --strict   # also exit 1 when over budget
#
# Needs: trunk, a wasm-bindgen matching Cargo.lock, `npm ci` (for wasm-opt), gzip, brotli.
set -euo pipefail
cd "$(dirname "$0")/.."

BUDGET_GZIP=$((100 * 1024))
DIST=dist

build=yes strict=no
for arg in "$@"; do
  case "$arg" in
    --no-build) build=no ;;
    --strict) strict=yes ;;
    *) echo "size-report: unknown argument $arg" >&2; exit 2 ;;
  esac
done

if [[ $build == yes ]]; then
  if [[ ! -x node_modules/.bin/wasm-opt ]]; then
    npm ci --no-audit --no-fund >/dev/null
  fi
  cargo fetch --locked >/dev/null 2>&1
  log=$(mktemp)
  if ! PATH="$PWD/node_modules/.bin:$PATH" trunk build --release >"$log" 2>&1; then
    tail -n 40 "$log" >&2; rm -f "$log"
    echo "size-report: trunk build --release failed" >&2
    exit 2
  fi
  rm -f "$log"
fi

for tool in gzip brotli; do
  command -v "$tool" >/dev/null || { echo "size-report: '$tool' is not installed (apt-get install $tool)" >&2; exit 2; }
done

# One file of each kind; Trunk names them <crate>-<hash>{_bg.wasm,.js,.css}.
pick() { find "$DIST" -maxdepth 1 -name "$1" | head -n1; }
wasm=$(pick '*_bg.wasm'); js=$(pick '*.js'); css=$(pick '*.css')
for f in "$wasm" "$js" "$css"; do
  [[ -n "$f" && -f "$f" ]] || { echo "size-report: $DIST/ lacks a wasm, js or css file; build first" >&2; exit 2; }
done

raw() { stat -c %s "$1"; }
gz() { gzip -9 -c "$1" | wc -c; }
br() { brotli -q 11 -c "$1" | wc -c; }
kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1024 }'; }

printf '%-6s %-44s %12s %12s %12s\n' kind file raw gzip-9 brotli-11
printf '%-6s %-44s %12s %12s %12s\n' ------ -------------------------------------------- ------------ ------------ ------------
tr=0; tg=0; tb=0
for pair in "wasm:$wasm" "js:$js" "css:$css"; do
  kind=${pair%%:*}; f=${pair#*:}
  r=$(raw "$f"); g=$(gz "$f"); b=$(br "$f")
  tr=$((tr + r)); tg=$((tg + g)); tb=$((tb + b))
  printf '%-6s %-44s %12s %12s %12s\n' "$kind" "$(basename "$f")" "$(kb "$r")" "$(kb "$g")" "$(kb "$b")"
done
printf '%-6s %-44s %12s %12s %12s\n' total "" "$(kb "$tr")" "$(kb "$tg")" "$(kb "$tb")"
echo
if (( tg <= BUDGET_GZIP )); then
  echo "within budget: $(kb "$tg") gzip of $(kb "$BUDGET_GZIP")"
else
  echo "OVER BUDGET: $(kb "$tg") gzip of $(kb "$BUDGET_GZIP")"
  [[ $strict == no ]] || exit 1
fi
