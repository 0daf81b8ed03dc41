#!/usr/bin/env bash
# Builds the example static site (examples/static-site) into OUT_DIR: its pages as they are,
# and the embed (scripts/build-embed.sh) in OUT_DIR/latchkey/ beside the site's latchkey.json.
# The demo serves it at http://127.0.0.1:8080/site/; the end-to-end tests copy it under a base
# path of their own and write a latchkey.json for their providers. Scripts and styles get .br
# and .gz siblings (scripts/precompress.sh).
#
#   scripts/build-site.sh OUT_DIR
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$LATCHKEY_ROOT"

out="${1:?usage: scripts/build-site.sh OUT_DIR}"
rm -rf "$out"
mkdir -p "$out"
cp -R examples/static-site/. "$out/"
# The site's own scripts and styles; build-embed.sh compresses the embed it writes.
bash scripts/precompress.sh "$out"
bash scripts/build-embed.sh "$out/latchkey"
