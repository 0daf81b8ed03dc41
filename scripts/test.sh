#!/usr/bin/env bash
# Runs every check and every test of Latchkey, then prints a summary.
# On a fresh machine it first installs what it needs (scripts/setup.sh, idempotent).
# Exits non-zero when any step fails; every step runs even after a failure, so one
# run shows everything that is wrong.
set -uo pipefail
source "$(dirname "$0")/env.sh"
cd "$LATCHKEY_ROOT"

bash scripts/setup.sh || { echo "setup failed"; exit 1; }

LOGS="$LATCHKEY_ROOT/target/test-logs"
rm -rf "$LOGS"; mkdir -p "$LOGS"
declare -a NAMES=() RESULTS=() TIMES=()
failed=0

# run NAME CMD...: runs one step, keeps its output in $LOGS/NAME.log and shows it live.
run() {
  local name="$1"; shift
  step "$name: $*"
  local start=$SECONDS
  "$@" 2>&1 | tee "$LOGS/$name.log"
  local rc=${PIPESTATUS[0]}
  NAMES+=("$name"); TIMES+=($((SECONDS - start)))
  if [ "$rc" = 0 ]; then RESULTS+=(ok); else RESULTS+=("FAILED (exit $rc)"); failed=1; fi
}

export LATCHKEY_DIST="$LATCHKEY_ROOT/dist"
export LATCHKEY_SITE_DIST="$LATCHKEY_ROOT/target/site"
export LATCHKEY_MINIMAL_DIST="$LATCHKEY_ROOT/examples/leptos-minimal/dist"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}"

run fmt          cargo fmt --all --check
run doc-cites    scripts/check-doc-citations.sh
run embed-types  node_modules/.bin/tsc -p crates/embed/types
run clippy       cargo clippy --workspace --all-targets --all-features --locked -- -D warnings
run clippy-wasm  cargo clippy -p latchkey-app -p latchkey-client -p latchkey-embed -p latchkey-leptos -p latchkey-leptos-minimal -p latchkey-proto --target wasm32-unknown-unknown --locked -- -D warnings
run rustdoc      env RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features --locked
run unit-tests   cargo test --workspace --exclude latchkey-e2e --all-features --locked --no-fail-fast
run wasm-tests   cargo test -p latchkey-client --target wasm32-unknown-unknown --locked
run proto-size   bash scripts/proto-size.sh --golden
run fuzz-targets cargo check --manifest-path fuzz/Cargo.toml --bins --locked
run app-build    trunk build --release
run site-build   bash scripts/build-site.sh "$LATCHKEY_SITE_DIST"
run minimal-build bash -c "cd examples/leptos-minimal && trunk build --release"
run companion    cargo build -p latchkey-companion --locked
run e2e-tests    cargo test -p latchkey-e2e --locked --no-fail-fast -- --test-threads=1

step "Summary"
for i in "${!NAMES[@]}"; do
  printf '  %-12s %-20s %4ss\n' "${NAMES[$i]}" "${RESULTS[$i]}" "${TIMES[$i]}"
done
# Test counts from every cargo test binary that ran (unit, wasm, end-to-end).
read -r passed tfailed < <(cat "$LOGS"/*.log | awk '/^test result:/ {
  for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
  END { print p + 0, f + 0 }')
echo "  total time ${SECONDS}s"
if [ "$failed" = 0 ]; then echo "all steps passed"; else echo "SOME STEPS FAILED"; fi
echo "tests: $passed passed, $tfailed failed"
exit "$failed"
