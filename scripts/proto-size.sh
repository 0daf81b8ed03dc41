#!/usr/bin/env bash
# Weighs latchkey-proto's browser-side entry points alone: builds tools/proto-size (a bare
# wasm-bindgen module calling what crates/client calls: public config, discovery, sign-in and
# PKCE, callback, token answer, ID token, userinfo, refresh, revocation, logout), runs
# `wasm-bindgen --target web` and `wasm-opt -Oz` as Trunk does for the app, and prints raw,
# gzip -9 and brotli -q 11 of the wasm and its JS glue (issue 16 §4).
#
#   scripts/proto-size.sh              # build, then report
#   scripts/proto-size.sh --no-build   # report on the last build
#   scripts/proto-size.sh --crates     # also: code per crate and the largest functions
#   scripts/proto-size.sh --golden     # also: every export over tools/proto-size/golden.js's
#                                      # few thousand inputs, answers in <out>/golden.txt
#
# Needs: the wasm32-unknown-unknown target, a wasm-bindgen matching tools/proto-size/Cargo.lock,
# wasm-opt from `npm ci` (binaryen), gzip, brotli. Builds offline from the crates already
# fetched; output under $CARGO_TARGET_DIR (default target/)/proto-size. To check that a change
# keeps proto's behaviour, run with --golden before and after and diff the two golden.txt.
# --golden fails when an export traps (a panic is a trap with panic = "abort"), so the test
# suite runs it: proto's browser-side entry points must answer every hostile input in words.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$LATCHKEY_ROOT"

build=yes crates=no golden=no
for arg in "$@"; do
  case "$arg" in
    --no-build) build=no ;;
    --crates) crates=yes ;;
    --golden) golden=yes ;;
    *) echo "proto-size: unknown argument $arg" >&2; exit 2 ;;
  esac
done

target_dir=${CARGO_TARGET_DIR:-$LATCHKEY_ROOT/target}
out=$target_dir/proto-size
wasm=$out/proto_size_bg.wasm js=$out/proto_size.js

for tool in wasm-bindgen wasm-opt gzip brotli; do
  command -v "$tool" >/dev/null || { echo "proto-size: '$tool' is not installed (scripts/setup.sh)" >&2; exit 2; }
done

if [[ $build == yes ]]; then
  # Not --locked: when proto's dependencies change, cargo brings tools/proto-size/Cargo.lock
  # along (offline, from the crates the workspace has fetched) instead of failing.
  CARGO_TARGET_DIR=$target_dir cargo build --release --offline -q \
    --manifest-path tools/proto-size/Cargo.toml --target wasm32-unknown-unknown
  rm -rf "$out"
  wasm-bindgen --target web --out-dir "$out" \
    "$target_dir/wasm32-unknown-unknown/release/proto_size.wasm"
  # The same pass Trunk runs on the app (data-wasm-opt="z"); a -g copy keeps the names.
  wasm-opt -Oz -g "$wasm" -o "$out/named.wasm"
  wasm-opt -Oz "$wasm" -o "$wasm.opt" && mv "$wasm.opt" "$wasm"
fi
[[ -f $wasm && -f $js ]] || { echo "proto-size: no build in $out; run without --no-build" >&2; exit 2; }

raw() { stat -c %s "$1"; }
gz() { gzip -9 -c "$1" | wc -c; }
br() { brotli -q 11 -c "$1" | wc -c; }
kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1024 }'; }

printf '%-6s %-22s %12s %12s %12s\n' kind file raw gzip-9 brotli-11
printf '%-6s %-22s %12s %12s %12s\n' ------ ---------------------- ------------ ------------ ------------
tr=0; tg=0; tb=0
for f in "$wasm" "$js"; do
  r=$(raw "$f"); g=$(gz "$f"); b=$(br "$f")
  tr=$((tr + r)); tg=$((tg + g)); tb=$((tb + b))
  printf '%-6s %-22s %12s %12s %12s\n' "${f##*.}" "$(basename "$f")" "$(kb "$r")" "$(kb "$g")" "$(kb "$b")"
done
printf '%-6s %-22s %12s %12s %12s\n' total "" "$(kb "$tr")" "$(kb "$tg")" "$(kb "$tb")"

if [[ $crates == yes ]]; then
  echo
  python3 scripts/wasm-code-by-crate.py "$out/named.wasm" 40
fi

if [[ $golden == yes ]]; then
  # golden.js loads the module with require(), so it needs wasm-bindgen's nodejs glue.
  rm -rf "$out/node"
  wasm-bindgen --target nodejs --out-dir "$out/node" \
    "$target_dir/wasm32-unknown-unknown/release/proto_size.wasm"
  node tools/proto-size/golden.js "$out/node" > "$out/golden.txt"
  echo
  echo "golden: $(wc -l < "$out/golden.txt") answers, none trapped;" \
    "sha256 $(sha256sum "$out/golden.txt" | cut -c1-16) ($out/golden.txt)"
fi
