"""The benchmark's Python reference: the same /oauth1/<id>/sign service on oauthlib.

A WSGI app: parses the JSON body {method, url, params}, signs with oauthlib's HMAC-SHA1
client (consumer + token credentials) and answers {"authorization": ...}. Run under gunicorn:

    gunicorn -w 2 -b 127.0.0.1:18282 --chdir crates/companion/bench oauthlib_service:app
"""

import json
from urllib.parse import urlencode

from oauthlib.oauth1 import Client

CONSUMER_KEY = "latchkeydemoconsumer01"
CONSUMER_SECRET = "bench-consumer-secret"
TOKEN = "benchaccesstoken0123456789"
TOKEN_SECRET = "bench-token-secret"


def app(environ, start_response):
    if environ.get("REQUEST_METHOD") != "POST":
        start_response("405 Method Not Allowed", [("Content-Type", "application/json")])
        return [b'{"error":"method_not_allowed"}']
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        req = json.loads(environ["wsgi.input"].read(length))
        method, url = req["method"], req["url"]
        params = req.get("params") or []
    except (ValueError, KeyError, TypeError) as e:
        start_response("400 Bad Request", [("Content-Type", "application/json")])
        return [json.dumps({"error": "bad_request", "message": str(e)}).encode()]
    client = Client(
        CONSUMER_KEY,
        client_secret=CONSUMER_SECRET,
        resource_owner_key=TOKEN,
        resource_owner_secret=TOKEN_SECRET,
    )
    body = urlencode([tuple(p) for p in params]) if params else None
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    _, signed_headers, _ = client.sign(url, http_method=method, body=body, headers=headers)
    out = json.dumps({"authorization": signed_headers["Authorization"]}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(out)))])
    return [out]
