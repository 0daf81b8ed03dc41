#!/usr/bin/env bash
# Installs every tool the demo and the tests need, from the package registries only
# (Debian, crates.io, npm, PyPI). Idempotent: whatever is present at the right version is
# skipped, so running it twice costs seconds.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$LATCHKEY_ROOT"

TRUNK_VERSION=0.21.14     # Trunk 0.22 needs a newer rustc than this machine's.
APT_PACKAGES=(chromium chromium-driver wrk nginx-light brotli)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

step "Debian packages: ${APT_PACKAGES[*]}"
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "installed: ${missing[*]}"
else
  echo "present"
fi

step "Rust target wasm32-unknown-unknown"
if rustup target list --installed | grep -qx wasm32-unknown-unknown; then echo present
else rustup target add wasm32-unknown-unknown; fi

step "Crates: cargo fetch --locked (Trunk runs cargo offline)"
cargo fetch --locked -q

step "trunk $TRUNK_VERSION"
if [ "$(trunk --version 2>/dev/null || true)" = "trunk $TRUNK_VERSION" ]; then echo present
else cargo install --locked trunk --version "$TRUNK_VERSION"; fi

# Trunk only uses a wasm-bindgen CLI whose version equals the library in Cargo.lock.
WB_VERSION="$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/[^0-9.]/, ""); print; exit}' Cargo.lock)"
step "wasm-bindgen-cli $WB_VERSION (from Cargo.lock)"
if [ "$(wasm-bindgen --version 2>/dev/null || true)" = "wasm-bindgen $WB_VERSION" ] \
   && command -v wasm-bindgen-test-runner >/dev/null; then echo present
else
  # Not --locked: the CLI's own lockfile pins a webpki-roots release the registry no longer serves.
  cargo install --force wasm-bindgen-cli --version "$WB_VERSION"
fi

step "npm packages (wasm-opt from binaryen, terser for the embed's module and the Trunk apps' glue, axe-core for the e2e accessibility check, oidc-provider for the DPoP and PAR fixture, typescript to check latchkey.d.ts)"
if [ -f package-lock.json ]; then
  if [ -x node_modules/.bin/wasm-opt ] && cmp -s package-lock.json node_modules/.package-lock.stamp; then
    echo present
  else
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json node_modules/.package-lock.stamp
  fi
  wasm-opt --version
fi

step "Python environments of the provider fixtures"
for spec in dot:tests/providers/dot/requirements.txt \
            flask:tests/providers/flask/requirements.txt \
            reference:tests/reference/requirements.txt; do
  name="${spec%%:*}"; req="${spec#*:}"
  [ -f "$req" ] || { echo "$name: no $req yet, skipped"; continue; }
  venv=".venv/$name"; stamp="$venv/.requirements.sha256"
  want="$(sha256sum "$req" | cut -d' ' -f1)"
  if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    echo "$name: present"; continue
  fi
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req"
  echo "$want" > "$stamp"
  echo "$name: installed from $req"
done

step "setup done"
