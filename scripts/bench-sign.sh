#!/usr/bin/env bash
# OAuth 1.0a signing throughput: latchkey-proto (criterion) against oauthlib's Client.sign
# (timeit, one process) on the same request: HMAC-SHA1, a token, three query parameters and
# two form fields (about ten parameters in the base string). Both run on one core.
#
#   scripts/bench-sign.sh            # needs .venv/reference (tests/reference/requirements.txt)
#
# Prints both rates in signs/s and their ratio (target: >= 100x).
set -euo pipefail
cd "$(dirname "$0")/.."

python=.venv/reference/bin/python
if [[ ! -x "$python" ]]; then
    echo "bench-sign: $python is missing; create it with:" >&2
    echo "  python3 -m venv .venv/reference && .venv/reference/bin/pip install -r tests/reference/requirements.txt" >&2
    exit 1
fi

# The "server" profile is what the companion ships with (opt-level 3); the release profile is
# tuned for wasm size (opt-level "z") and would understate native speed.
cargo bench --profile server -p latchkey-proto --bench oauth1_sign -- --warm-up-time 2 --measurement-time 5 >&2

estimates="${CARGO_TARGET_DIR:-target}/criterion/oauth1/sign_hmac_sha1_10_params/new/estimates.json"
rust_ns=$("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["mean"]["point_estimate"])' "$estimates")

python_ns=$("$python" - <<'PY'
import timeit
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
    client.sign(url, http_method="POST", body=body, headers=headers)

timer = timeit.Timer(sign)
number, _ = timer.autorange()
best = min(timer.repeat(repeat=5, number=number)) / number
print(best * 1e9)
PY
)

"$python" - "$rust_ns" "$python_ns" <<'PY'
import sys
rust_ns, python_ns = float(sys.argv[1]), float(sys.argv[2])
print(f"latchkey-proto: {1e9 / rust_ns:12,.0f} signs/s  ({rust_ns:,.0f} ns/sign, criterion mean)")
print(f"oauthlib:       {1e9 / python_ns:12,.0f} signs/s  ({python_ns:,.0f} ns/sign, timeit best of 5)")
print(f"ratio:          {python_ns / rust_ns:12,.1f}x  (target >= 100x per core)")
PY
