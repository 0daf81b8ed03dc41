#!/usr/bin/env bash
# Prints what a browser downloads for each way in, every file counted, raw, gzip -9 and
# brotli -q 11, each total beside its bar (gzip):
#   - the showcase app (dist/: index.html, every .js, .wasm and .css, snippets/), bar 160 KB;
#   - examples/leptos-minimal (the same files of its dist/), bar 90 KB, aim 60;
#   - the embed (latchkey.js + latchkey_bg.wasm), bar 60 KB, aim 40;
# then the baseline, measured the same way in the same run: the sign-in page built on
# oidc-client-ts that scripts/bench-load.sh loads (tests/bench/oidc-client-ts, with the
# package's browser build from node_modules), and each way in as a multiple of it.
#
#   scripts/size-report.sh            # build both (offline), then report
#   scripts/size-report.sh --no-build # report on the existing dist/ and target/site/latchkey/
#   scripts/size-report.sh --strict   # also exit 1 when a total is over its bar
#
# Needs: trunk, a wasm-bindgen matching Cargo.lock, `npm ci` (for wasm-opt), gzip, brotli.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$LATCHKEY_ROOT"

APP_BAR=$((160 * 1024))
MINIMAL_BAR=$((90 * 1024))
EMBED_BAR=$((60 * 1024))
DIST=dist
MINIMAL_DIST=examples/leptos-minimal/dist
EMBED_DIR=target/site/latchkey

build=yes strict=no
for arg in "$@"; do
  case "$arg" in
    --no-build) build=no ;;
    --strict) strict=yes ;;
    *) echo "size-report: unknown argument $arg" >&2; exit 2 ;;
  esac
done

for tool in gzip brotli; do
  command -v "$tool" >/dev/null || { echo "size-report: '$tool' is not installed (apt-get install $tool)" >&2; exit 2; }
done

if [[ $build == yes ]]; then
  [[ -x node_modules/.bin/wasm-opt ]] || npm ci --no-audit --no-fund >/dev/null
  cargo fetch --locked >/dev/null 2>&1
  log=$(mktemp)
  if ! trunk build --release >"$log" 2>&1; then
    tail -n 40 "$log" >&2; rm -f "$log"
    echo "size-report: trunk build --release failed" >&2; exit 2
  fi
  if ! (cd examples/leptos-minimal && trunk build --release) >"$log" 2>&1; then
    tail -n 40 "$log" >&2; rm -f "$log"
    echo "size-report: trunk build --release in examples/leptos-minimal failed" >&2; exit 2
  fi
  if ! bash scripts/build-site.sh target/site >"$log" 2>&1; then
    tail -n 40 "$log" >&2; rm -f "$log"
    echo "size-report: scripts/build-site.sh failed" >&2; exit 2
  fi
  rm -f "$log"
fi

raw() { stat -c %s "$1"; }
gz() { gzip -9 -c "$1" | wc -c; }
br() { brotli -q 11 -c "$1" | wc -c; }
kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1024 }'; }
row() { printf '%-8s %-44s %12s %12s %12s\n' "$@"; }

over=0
declare -A totals=()
# report NAME BAR FILE...: one row a file, a total, and the total against the bar (none
# when BAR is 0).
report() {
  local name="$1" bar="$2"; shift 2
  local tr=0 tg=0 tb=0 f r g b
  echo "== $name"
  row kind file raw gzip-9 brotli-11
  for f in "$@"; do
    r=$(raw "$f"); g=$(gz "$f"); b=$(br "$f")
    tr=$((tr + r)); tg=$((tg + g)); tb=$((tb + b))
    row "${f##*.}" "${f#*/}" "$(kb "$r")" "$(kb "$g")" "$(kb "$b")"
  done
  row total "" "$(kb "$tr")" "$(kb "$tg")" "$(kb "$tb")"
  totals[$name]=$tg
  if (( bar == 0 )); then
    :
  elif (( tg <= bar )); then
    echo "$name: $(kb "$tg") gzip, within its bar of $(kb "$bar")"
  else
    echo "$name: $(kb "$tg") gzip, OVER its bar of $(kb "$bar")"
    over=1
  fi
  echo
}

# Every file the app's page loads: the page, its scripts (with wasm-bindgen snippets), the
# wasm and the styles. Precompressed siblings, the example site and images are not counted.
mapfile -t app_files < <(find "$DIST" -path "$DIST/site" -prune -o -type f \
  \( -name '*.html' -o -name '*.js' -o -name '*.wasm' -o -name '*.css' \) -print | sort)
[[ ${#app_files[@]} -ge 3 ]] || { echo "size-report: $DIST/ holds no built app; build first" >&2; exit 2; }
[[ -f "$EMBED_DIR/latchkey.js" && -f "$EMBED_DIR/latchkey_bg.wasm" ]] \
  || { echo "size-report: $EMBED_DIR has no built embed; run scripts/build-site.sh target/site" >&2; exit 2; }

mapfile -t minimal_files < <(find "$MINIMAL_DIST" -type f \
  \( -name '*.html' -o -name '*.js' -o -name '*.wasm' -o -name '*.css' \) -print 2>/dev/null | sort)
[[ ${#minimal_files[@]} -ge 3 ]] \
  || { echo "size-report: $MINIMAL_DIST/ holds no build; run trunk build --release in examples/leptos-minimal" >&2; exit 2; }

report "showcase app" "$APP_BAR" "${app_files[@]}"
report "leptos-minimal" "$MINIMAL_BAR" "${minimal_files[@]}"
report "embed" "$EMBED_BAR" "$EMBED_DIR/latchkey.js" "$EMBED_DIR/latchkey_bg.wasm"

BASELINE_LIB=node_modules/oidc-client-ts/dist/browser/oidc-client-ts.min.js
[[ -f $BASELINE_LIB ]] || { echo "size-report: $BASELINE_LIB is missing; run npm ci" >&2; exit 2; }
report "oidc-client-ts page (baseline)" 0 "$BASELINE_LIB" \
  tests/bench/oidc-client-ts/index.html tests/bench/oidc-client-ts/signin.js \
  tests/bench/oidc-client-ts/style.css
report "oidc-client-ts alone (the library, beside the embed)" 0 "$BASELINE_LIB"
times() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
page=${totals["oidc-client-ts page (baseline)"]} lib=${totals["oidc-client-ts alone (the library, beside the embed)"]}
echo "== against the baseline (gzip)"
echo "showcase app:   $(times "${totals["showcase app"]}" "$page")x the oidc-client-ts page"
echo "leptos-minimal: $(times "${totals["leptos-minimal"]}" "$page")x the oidc-client-ts page"
echo "embed:          $(times "${totals["embed"]}" "$lib")x oidc-client-ts alone"
[[ $strict == no || $over == 0 ]] || exit 1
