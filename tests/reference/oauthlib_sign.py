"""Sign requests with oauthlib, the reference OAuth 1.0a implementation.

Reads one JSON object per line on stdin and prints one JSON object per line on stdout, in
the same order, flushing after each:

  in:  {"method", "url", "form": [[name, value], ...] | null, "consumer_key",
        "consumer_secret", "token": str | null, "token_secret": str | null,
        "callback": str | null, "verifier": str | null, "signature_method",
        "nonce", "timestamp": int, "realm": str | null, "rsa_key_file": path | null}
  out: {"authorization": header value, "signature": oauth_signature (decoded)}
       or {"error": message} when oauthlib refuses the request.

Used by crates/proto/tests/oauth1_differential.rs (run from .venv/reference).
"""

import json
import sys
from urllib.parse import unquote, urlencode

from oauthlib.oauth1 import Client
from oauthlib.oauth1.rfc5849 import utils

_keys = {}


def rsa_key(path):
    if path is None:
        return None
    if path not in _keys:
        with open(path, encoding="ascii") as f:
            _keys[path] = f.read()
    return _keys[path]


def sign(case):
    client = Client(
        case["consumer_key"],
        client_secret=case["consumer_secret"],
        resource_owner_key=case.get("token"),
        resource_owner_secret=case.get("token_secret"),
        callback_uri=case.get("callback"),
        verifier=case.get("verifier"),
        signature_method=case["signature_method"],
        rsa_key=rsa_key(case.get("rsa_key_file")),
        realm=case.get("realm"),
        nonce=case["nonce"],
        timestamp=str(case["timestamp"]),
    )
    form = case.get("form")
    headers = {}
    body = None
    if form is not None:
        # Sent as the encoded string a real client sends: oauthlib turns a list of pairs into a
        # dict (to_unicode), which would drop repeated field names.
        body = urlencode([tuple(pair) for pair in form])
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    _, signed_headers, _ = client.sign(
        case["url"], http_method=case["method"], body=body, headers=headers
    )
    authorization = signed_headers["Authorization"]
    params = dict(utils.parse_authorization_header(authorization))
    return {"authorization": authorization, "signature": unquote(params["oauth_signature"])}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            result = sign(json.loads(line))
        except Exception as exc:  # reported per case, so one refusal does not stop the run
            result = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
