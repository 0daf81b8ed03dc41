#!/usr/bin/env bash
# OAuth 1.0a signing throughput: latchkey-proto (criterion) against oauthlib's Client.sign
# (timeit, one process) on the same request: HMAC-SHA1, a token, three query parameters and
# two form fields (about ten parameters in the base string). Both run on one core.
#
#   scripts/bench-sign.sh            # needs .venv/reference (tests/reference/requirements.txt)
#   scripts/bench-sign.sh --check    # only the check below, on a dev build; times nothing
#
# First both sides sign the request once and the script stops, printing both headers, unless
# they are byte-identical: a rate is only worth comparing if the two sides do the same work.
# Then it prints both rates in signs/s and their ratio (target: >= 100x).
set -euo pipefail
cd "$(dirname "$0")/.."

check_only=0
case "${1:-}" in
    "") ;;
    --check) check_only=1 ;;
    *) echo "usage: scripts/bench-sign.sh [--check]" >&2; exit 2 ;;
esac

python=.venv/reference/bin/python
if [[ ! -x "$python" ]]; then
    echo "bench-sign: $python is missing; create it with:" >&2
    echo "  python3 -m venv .venv/reference && .venv/reference/bin/pip install -r tests/reference/requirements.txt" >&2
    exit 1
fi

# The request oauthlib signs, read by both the check and the timing below.
python_request='
from urllib.parse import urlencode
from oauthlib.oauth1 import Client

client = Client(
    "xvz1evFS4wEEPTGEFPHBog",
    client_secret="kd94hf93k423kf44",
    resource_owner_key="370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
    resource_owner_secret="pfkkdhi9sl3r4s00",
    signature_method="HMAC-SHA1",
    nonce="kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
    timestamp="1318622958",
)
url = "https://api.example.com:443/1.1/statuses/update.json?trim_user=1&lang=en&q=caf%C3%A9"
body = urlencode([("status", "Hello Ladies + Gentlemen, a signed OAuth request!"), ("include_entities", "true")])
headers = {"Content-Type": "application/x-www-form-urlencoded"}

def sign():
    return client.sign(url, http_method="POST", body=body, headers=headers)
'

# The "server" profile is what the companion ships with (opt-level 3); the release profile is
# tuned for wasm size (opt-level "z") and would understate native speed. The check alone
# needs no speed, so --check builds the dev profile.
profile=server
[[ $check_only = 1 ]] && profile=dev
bench=(cargo bench --profile "$profile" -p latchkey-proto --bench oauth1_sign)

# The check: the benchmark binary prints the header of the very request it times.
rust_header=$(LATCHKEY_BENCH_PRINT=1 "${bench[@]}") || {
    echo "bench-sign: the Rust benchmark did not build or sign; rerun: LATCHKEY_BENCH_PRINT=1 ${bench[*]}" >&2
    exit 1
}
python_header=$("$python" -c "$python_request
print(sign()[1][\"Authorization\"])")
if [[ "$rust_header" != "$python_header" ]]; then
    {
        echo "bench-sign: latchkey-proto and oauthlib sign the benchmark's request differently;"
        echo "not timing two different computations. Authorization headers:"
        echo "  latchkey-proto: $rust_header"
        echo "  oauthlib:       $python_header"
    } >&2
    exit 1
fi
echo "check: both sides sign the request alike: ${rust_header##*oauth_signature=}"
[[ $check_only = 1 ]] && exit 0

"${bench[@]}" -- --warm-up-time 2 --measurement-time 5 >&2

estimates="${CARGO_TARGET_DIR:-target}/criterion/oauth1/sign_hmac_sha1_10_params/new/estimates.json"
rust_ns=$("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["mean"]["point_estimate"])' "$estimates")

python_ns=$("$python" -c "$python_request
import timeit
timer = timeit.Timer(sign)
number, _ = timer.autorange()
best = min(timer.repeat(repeat=5, number=number)) / number
print(best * 1e9)")

"$python" - "$rust_ns" "$python_ns" <<'PY'
import sys
rust_ns, python_ns = float(sys.argv[1]), float(sys.argv[2])
print(f"latchkey-proto: {1e9 / rust_ns:12,.0f} signs/s  ({rust_ns:,.0f} ns/sign, criterion mean)")
print(f"oauthlib:       {1e9 / python_ns:12,.0f} signs/s  ({python_ns:,.0f} ns/sign, timeit best of 5)")
print(f"ratio:          {python_ns / rust_ns:12,.1f}x  (target >= 100x per core)")
PY
