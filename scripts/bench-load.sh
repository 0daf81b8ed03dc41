#!/usr/bin/env bash
# Cold load to the first visible "Sign in with …" button, in headless Chromium under
# Lighthouse's mobile profile (slow 4G, CPU 4x slower) and on loopback, for the app, the
# minimal Leptos example and the embed's static example site, next to a baseline page built
# on oidc-client-ts (tests/bench/oidc-client-ts) in the same run. Each page is served
# precompressed by nginx (gzip_static), loads alternate, and every load is in a new browser.
# Prints each page's median, min and max, the bytes it had received by its button, when its
# wasm had arrived (the embed shows its button before), and its ratio to the baseline beside
# the bars (app <= 2x, embed <= 1.5x under the mobile profile).
# The bars are reported, not enforced: the script fails only when a page does not load.
#
#   scripts/bench-load.sh                    # LOADS=10 per page and profile
#   LOADS=20 PROFILES=mobile scripts/bench-load.sh
#
# Needs the three builds (it says which command makes a missing one) and `npm ci`.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$LATCHKEY_ROOT"

missing=0
need() { # FILE COMMAND
  [[ -e "$1" ]] || { echo "bench-load: $1 is missing; build it with: $2" >&2; missing=1; }
}
need "${LATCHKEY_DIST:-dist}/index.html" "trunk build --release"
need "${LATCHKEY_MINIMAL_DIST:-examples/leptos-minimal/dist}/index.html" "(cd examples/leptos-minimal && trunk build --release)"
need "${LATCHKEY_SITE_DIST:-target/site}/latchkey/latchkey.js" "bash scripts/build-site.sh target/site"
need node_modules/oidc-client-ts/dist/browser/oidc-client-ts.min.js "npm ci"
(( missing == 0 )) || exit 1

step "build the bench runner"
cargo build --offline --locked -q -p latchkey-e2e --bin bench_load
target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"

step "cold loads (LOADS=${LOADS:-10}, PROFILES=${PROFILES:-mobile,loopback}) on $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC')"
"$target_dir/debug/bench_load"
