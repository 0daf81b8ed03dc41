#!/usr/bin/env bash
# Checks that every test docs/security.md cites still exists, so a renamed or moved test
# cannot leave a rule looking covered.
#
#   scripts/check-doc-citations.sh [FILE.md]...    # default: docs/security.md
#
# A citation is a backticked `path/file.rs::name`, with the page's short prefixes (`proto/`,
# `client/` and `companion/` for crates/…, `e2e/` for tests/tests/); the file must exist and define
# `fn name`. A backticked path that starts with one of those prefixes (or crates/, docs/,
# scripts/, src/, tests/, fuzz/) must exist, as a file or a directory.
# Bare test names in prose are not checked.
set -euo pipefail
cd "$(dirname "$0")/.."

expand() {
    case "$1" in
        proto/* | client/* | companion/*) echo "crates/$1" ;;
        e2e/*) echo "tests/tests/${1#e2e/}" ;;
        *) echo "$1" ;;
    esac
}

bad=0
for doc in "${@:-docs/security.md}"; do
    while read -r cite; do
        file="$(expand "${cite%%::*}")" name="${cite##*::}"
        if [[ ! -f "$file" ]]; then
            what="no such file"
            [[ -d "${file%.rs}" ]] && what="no such file (${file%.rs}/ is a directory)"
            echo "$doc: \`$cite\`: $what" >&2; bad=1
        elif ! grep -Eq "fn ${name}\b" "$file"; then
            echo "$doc: \`$cite\`: $file defines no fn $name" >&2; bad=1
        fi
    done < <(grep -oE '`[A-Za-z0-9_./-]+\.rs(::[A-Za-z0-9_]+)+`' "$doc" | tr -d '`' | sort -u)

    while read -r path; do
        file="$(expand "$path")"
        if [[ ! -e "$file" ]]; then
            what="no such file or directory"
            [[ "$file" == *.rs && -d "${file%.rs}" ]] && what="no such file (${file%.rs}/ is a directory)"
            echo "$doc: \`$path\`: $what" >&2; bad=1
        fi
    done < <(grep -oE '`(proto|companion|e2e|crates|docs|scripts|src|tests|fuzz)/[A-Za-z0-9_./-]*`' "$doc" \
        | tr -d '`' | sort -u)
done

if [[ $bad = 0 ]]; then echo "doc citations: all found"; fi
exit "$bad"
