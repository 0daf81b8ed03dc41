#!/usr/bin/env bash
# Builds the embed for any static page: OUT_DIR/latchkey.js (one ES module: wasm-bindgen's
# glue, then crates/embed/js/bootstrap.js), OUT_DIR/latchkey_bg.wasm and OUT_DIR/latchkey.d.ts.
# Offline, like the app's build: cargo runs --offline --locked after `cargo fetch --locked`,
# and wasm-bindgen / wasm-opt / terser come from PATH (scripts/setup.sh installs them;
# wasm-opt and terser are npm packages, so `npm ci` puts them in node_modules/.bin).
#
#   scripts/build-embed.sh OUT_DIR           # release build (what a site ships)
#
# Also writes .gz and .br siblings, for hosts that serve precompressed files.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$LATCHKEY_ROOT"

out="${1:?usage: scripts/build-embed.sh OUT_DIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

cargo build --offline --locked --release -p latchkey-embed --target wasm32-unknown-unknown -q
target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
wasm="$target_dir/wasm32-unknown-unknown/release/latchkey_embed.wasm"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
wasm-bindgen --target web --no-typescript --out-dir "$tmp" --out-name latchkey "$wasm"
wasm-opt -Oz --output "$out/latchkey_bg.wasm" "$tmp/latchkey_bg.wasm"

# The glue's exports are internal: the module's one export is the API (the bootstrap's
# `export default`). A glue whose export lines changed shape fails the build here rather
# than shipping a module with two default exports.
glue="$tmp/latchkey.js"
grep -q '^export { initSync, __wbg_init as default };$' "$glue" \
  || { echo "build-embed: wasm-bindgen's glue no longer ends in 'export { initSync, __wbg_init as default };'" >&2; exit 1; }
sed -e 's/^export function /function /' -e 's/^export class /class /' \
    -e '/^export { initSync, __wbg_init as default };$/d' "$glue" \
  | cat - crates/embed/js/bootstrap.js > "$tmp/module.js"
if grep -n '^export ' "$tmp/module.js" | grep -v '^[0-9]*:export default latchkey;$' >&2; then
  echo "build-embed: the module would export more than its API" >&2; exit 1
fi
# Minified: 53 KB -> 23 KB raw, 8.7 -> 6.4 KB gzip (docs/notes/embed-size.md). Property names
# are left alone (the wasm's imports are looked up by name); only locals are renamed.
[[ -x node_modules/.bin/terser ]] || { echo "build-embed: node_modules/.bin/terser is missing; run npm ci" >&2; exit 1; }
node_modules/.bin/terser "$tmp/module.js" --module --compress --mangle --output "$out/latchkey.js"
cp crates/embed/latchkey.d.ts "$out/latchkey.d.ts"

bash scripts/precompress.sh "$out/latchkey.js" "$out/latchkey_bg.wasm"
echo "build-embed: wrote $out/latchkey.js, latchkey_bg.wasm, latchkey.d.ts (and .gz/.br siblings)"
