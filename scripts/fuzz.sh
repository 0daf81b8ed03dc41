#!/usr/bin/env bash
# Runs every libFuzzer target of fuzz/ for SECONDS_PER_TARGET (default 60) and prints a
# table: target, executions, crashes (new crash/timeout/oom artifacts in fuzz/artifacts/).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (all targets when none is named)
#
# Works on stable Rust: cargo-fuzz builds without a sanitizer (`-s none`), which needs no
# nightly flag; see docs/notes/fuzzing.md. Needs `cargo install cargo-fuzz` once.
# Corpora grow in fuzz/corpus/<target> (git-ignored) from the seeds in fuzz/seeds/<target>.
set -euo pipefail

seconds="${1:-60}"
shift $(( $# > 0 ? 1 : 0 ))
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fuzz="$root/fuzz"
bin="$fuzz/target/x86_64-unknown-linux-gnu/release"

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "cargo-fuzz is missing: cargo install cargo-fuzz --locked" >&2
    exit 2
fi

cd "$fuzz"
targets="${*:-$(cargo fuzz list)}"
cargo fuzz build -s none -O >&2

printf '%-20s %12s %8s\n' target executions crashes
total_crashes=0
for t in $targets; do
    mkdir -p "corpus/$t" "artifacts/$t" "seeds/$t"
    before=$(find "artifacts/$t" -type f | wc -l)
    log="$(mktemp)"
    # A crash ends the run early; its input is written under artifacts/<target>/.
    "$bin/$t" "corpus/$t" "seeds/$t" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
        -print_final_stats=1 -artifact_prefix="artifacts/$t/" >"$log" 2>&1 || true
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    after=$(find "artifacts/$t" -type f | wc -l)
    crashes=$((after - before))
    total_crashes=$((total_crashes + crashes))
    printf '%-20s %12s %8s\n' "$t" "${runs:-?}" "$crashes"
    if [ "$crashes" -gt 0 ]; then
        grep -m 5 -E 'panicked|ERROR: libFuzzer|SUMMARY' "$log" | sed 's/^/    /' >&2 || true
    fi
    rm -f "$log"
done
[ "$total_crashes" -eq 0 ]
