#!/usr/bin/env bash
# Writes a .br (brotli -q 11) and a .gz (gzip -9) sibling beside each compressible file, for
# servers that send precompressed files as they are: the companion (tower-http's ServeDir),
# nginx `gzip_static` / `brotli_static`, Netlify, S3 + CloudFront (README, "Hosting").
#
#   scripts/precompress.sh PATH...   # files, or directories (walked recursively)
#   (called by scripts/trunk-post-build.sh, Trunk's post_build hook, on a release build)
#
# Compressed: .wasm .js .mjs .css .svg .map .txt .xml. A sibling is kept only when it
# is smaller than its file. HTML is left plain on purpose: index.html is a kilobyte or two,
# a static host's build rewrites it afterwards (the CSP <meta>, `latchkey csp-meta`), and the
# companion hashes its inline scripts from the plain file, so a sibling could only go stale.
# JSON too: latchkey.json is written by hand after the build, beside a sibling that would
# otherwise be served in its place.
# gzip runs with -n (no name, no time stamp), so the same input gives the same bytes.
set -euo pipefail

[[ $# -gt 0 ]] || { echo "usage: scripts/precompress.sh PATH..." >&2; exit 2; }
for tool in gzip brotli; do
  command -v "$tool" >/dev/null \
    || { echo "precompress: '$tool' is not installed (scripts/setup.sh, or apt-get install $tool)" >&2; exit 1; }
done

written=0
compress() {
  local f="$1" size
  size=$(wc -c <"$f")
  gzip -9 -n -c "$f" >"$f.gz"
  brotli -q 11 -f -o "$f.br" "$f"
  for sibling in "$f.gz" "$f.br"; do
    if [[ $(wc -c <"$sibling") -ge $size ]]; then rm -f "$sibling"; else written=$((written + 1)); fi
  done
}

for path in "$@"; do
  if [[ -d "$path" ]]; then
    while IFS= read -r -d '' f; do compress "$f"; done < <(
      find "$path" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.mjs' -o -name '*.css' \
        -o -name '*.svg' -o -name '*.map' -o -name '*.txt' -o -name '*.xml' \) -print0)
  elif [[ -f "$path" ]]; then
    compress "$path"
  else
    echo "precompress: $path is neither a file nor a directory" >&2; exit 1
  fi
done
echo "precompress: wrote $written .br/.gz siblings under $*"
