#!/usr/bin/env bash
# Trunk's post_build hook (Trunk.toml, examples/leptos-minimal/Trunk.toml). On a release build:
#   1. minifies wasm-bindgen's JS glue with terser, as scripts/build-embed.sh does for the
#      embed (locals renamed, property names kept: the wasm's imports are looked up by name),
#      and puts the minified file's hash in index.html's `integrity` attribute, since Trunk
#      hashed the file before this hook ran;
#   2. takes the `integrity` attribute off the wasm's `<link rel="preload" as="fetch">`:
#      Chromium ignores it there and says so on the console at every load (crbug.com/981419),
#      and wasm-bindgen's loader fetches the wasm without one, so it checked nothing;
#   3. writes the .br/.gz siblings (scripts/precompress.sh).
# One hook rather than two: Trunk starts the hooks of a stage together, in no fixed order.
# A debug build (`trunk serve`) is left as it is.
set -euo pipefail
[[ "${TRUNK_PROFILE:-}" == release ]] || exit 0
dir="${TRUNK_STAGING_DIR:?Trunk sets TRUNK_STAGING_DIR for its hooks}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
terser="$root/node_modules/.bin/terser"
[[ -x "$terser" ]] || { echo "trunk-post-build: $terser is missing; run npm ci" >&2; exit 1; }

sri() {
  node -e 'const f = require("fs").readFileSync(process.argv[1]);
    process.stdout.write(require("crypto").createHash("sha384").update(f).digest("base64"));' "$1"
}

page="$dir/index.html"
for js in "$dir"/*.js; do
  [[ -e "$js" ]] || continue
  before=$(sri "$js")
  "$terser" "$js" --module --compress --mangle --output "$js.min"
  mv "$js.min" "$js"
  after=$(sri "$js")
  if grep -qF "sha384-$before" "$page"; then
    # Base64 has no '|' and no regex metacharacters other than '+', literal in sed's BRE.
    sed -i "s|sha384-$before|sha384-$after|" "$page"
  fi
  echo "trunk-post-build: minified $(basename "$js")"
done

# `[^>]*` keeps the match inside the one tag Trunk writes for the wasm. The check after it
# looks for the attribute on any tag naming the wasm, in either order, so a Trunk that
# writes the tag differently stops the build instead of bringing the warning back.
sed -E -i 's#(<link rel="preload" href="[^"]*_bg\.wasm"[^>]*) integrity="[^"]*"#\1#' "$page"
if grep -qE '<link[^>]*_bg\.wasm"[^>]* integrity=|<link[^>]* integrity=[^>]*_bg\.wasm"' "$page"; then
  echo "trunk-post-build: the wasm's preload still carries an integrity attribute" >&2; exit 1
fi

bash "$root/scripts/precompress.sh" "$dir"
