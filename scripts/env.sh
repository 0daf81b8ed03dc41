# Sourced by the other scripts: the repository root and the PATH every tool is found on.
# wasm-opt comes from the npm package `binaryen` (node_modules/.bin), never from Debian's
# binaryen 108, whose output leaves the page blank (docs/notes/trunk.md).
LATCHKEY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export LATCHKEY_ROOT
export PATH="$LATCHKEY_ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# Prints a step header.
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
