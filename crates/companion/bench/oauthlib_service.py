"""The benchmark's Python reference: the same /oauth1/<id>/sign service on oauthlib.

Two WSGI apps, both signing with oauthlib's HMAC-SHA1 client and answering
{"authorization": ...}:

- `app` is the original baseline: it parses the JSON body and signs with fixed credentials,
  with no checks at all.
- `checked_app` does what the companion's handler does before it signs: the request must be a
  script of the app (an `Origin` equal to BENCH_ORIGIN, or `Sec-Fetch-Site: same-origin`), a
  JSON body, the session cookie `latchkey-<id>-session` opened exactly as the companion opens
  it (base64url, key id byte, AES-256-GCM with the cookie name and provider id as associated
  data, the sealed expiry checked, the binary payload read for the token and its secret), the
  URL confined under BENCH_API_BASE, and the opened sessions memoised per process for up to
  five minutes, as the companion's session cache does.

    gunicorn -k gthread -w 2 --threads 8 -b 127.0.0.1:18282 \\
        --chdir crates/companion/bench oauthlib_service:checked_app

with BENCH_COOKIE_KEY (the companion's LATCHKEY_COOKIE_KEY), BENCH_ORIGIN, BENCH_API_BASE,
BENCH_PROVIDER and BENCH_CONSUMER_SECRET in the environment.
"""

import base64
import binascii
import hashlib
import json
import os
import struct
import time
from urllib.parse import urlencode, urlsplit

from oauthlib.oauth1 import Client

CONSUMER_KEY = "latchkeydemoconsumer01"
CONSUMER_SECRET = os.environ.get("BENCH_CONSUMER_SECRET", "bench-consumer-secret")
TOKEN = "benchaccesstoken0123456789"
TOKEN_SECRET = "bench-token-secret"


def _answer(start_response, status, obj, extra=()):
    out = json.dumps(obj).encode()
    start_response(
        status,
        [("Content-Type", "application/json"), ("Content-Length", str(len(out))), *extra],
    )
    return [out]


def _sign(token, token_secret, method, url, params):
    client = Client(
        CONSUMER_KEY,
        client_secret=CONSUMER_SECRET,
        resource_owner_key=token,
        resource_owner_secret=token_secret,
    )
    body = urlencode([tuple(p) for p in params]) if params else None
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    _, signed_headers, _ = client.sign(url, http_method=method, body=body, headers=headers)
    return signed_headers["Authorization"]


def _read_json(environ):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    req = json.loads(environ["wsgi.input"].read(length))
    return req["method"], req["url"], req.get("params") or []


def app(environ, start_response):
    if environ.get("REQUEST_METHOD") != "POST":
        return _answer(start_response, "405 Method Not Allowed", {"error": "method_not_allowed"})
    try:
        method, url, params = _read_json(environ)
    except (ValueError, KeyError, TypeError) as e:
        return _answer(start_response, "400 Bad Request", {"error": "bad_request", "message": str(e)})
    out = _sign(TOKEN, TOKEN_SECRET, method, url, params)
    return _answer(start_response, "200 OK", {"authorization": out})


# --- checked_app: the companion's checks -------------------------------------------------

_AAD_CONTEXT = b"latchkey-cookie-v1"
_CACHE_MAX = 1024
_CACHE_SECONDS = 300
# A session lives at most a day after its sign-in (cookies.rs, SESSION_TTL).
_SESSION_MAX_SECONDS = 24 * 3600
_checked = None


class _Checked:
    def __init__(self):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        key = base64.b64decode(os.environ["BENCH_COOKIE_KEY"])
        self.key_id = hashlib.sha256(b"latchkey cookie key id\0" + key).digest()[0]
        self.aead = AESGCM(key)
        self.origin = os.environ["BENCH_ORIGIN"]
        self.provider = os.environ.get("BENCH_PROVIDER", "bench")
        self.cookie_name = f"latchkey-{self.provider}-session"
        self.aad = _AAD_CONTEXT + b"\0" + self.cookie_name.encode() + b"\0" + self.provider.encode()
        base = urlsplit(os.environ["BENCH_API_BASE"])
        self.base = (base.scheme, base.netloc, base.path)
        self.cache = {}

    def open_session(self, value, now):
        hit = self.cache.get(value)
        if hit is not None and now < hit[0] and now < hit[1]:
            return hit[2]
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        except (binascii.Error, ValueError):
            return None
        if len(raw) < 1 + 12 + 8 + 16 or raw[0] != self.key_id:
            return None
        try:
            plain = self.aead.decrypt(raw[1:13], raw[13:], self.aad)
        except Exception:
            return None
        (expires_at,) = struct.unpack(">Q", plain[:8])
        if now >= expires_at:
            return None
        session = _payload(plain[8:], now)
        if session is None:
            return None
        if len(self.cache) >= _CACHE_MAX:
            self.cache.clear()
        self.cache[value] = (expires_at, now + _CACHE_SECONDS, session)
        return session

    def under_api_base(self, url):
        u = urlsplit(url)
        scheme, netloc, path = self.base
        if (u.scheme, u.netloc) != (scheme, netloc) or not u.path.startswith(path):
            return False
        return all(seg not in (".", "..") for seg in u.path.split("/"))


def _payload(data, now):
    """The binary session payload (cookie_payload.rs): 0x02, the sign-in time (u64, big-endian
    Unix seconds), then token, secret (u16-prefixed UTF-8), ...; or 0x01 without the time, as
    sealed before sessions slid. A session past a day after its sign-in is refused, as the
    companion refuses it."""
    if not data or data[0] not in (1, 2):
        return None
    i = 1
    if data[0] == 2:
        if len(data) < 9:
            return None
        (signed_in_at,) = struct.unpack(">Q", data[1:9])
        if now >= signed_in_at + _SESSION_MAX_SECONDS:
            return None
        i = 9
    fields = []
    while len(fields) < 2:
        if i + 2 > len(data):
            return None
        (n,) = struct.unpack(">H", data[i : i + 2])
        fields.append(data[i + 2 : i + 2 + n].decode())
        i += 2 + n
    return fields[0], fields[1]


def _cookie(header, name):
    for part in header.split(";"):
        k, _, v = part.strip().partition("=")
        if k == name:
            return v
    return None


def checked_app(environ, start_response):
    global _checked
    if _checked is None:
        _checked = _Checked()
    c = _checked
    if environ.get("REQUEST_METHOD") != "POST":
        return _answer(start_response, "405 Method Not Allowed", {"error": "method_not_allowed"})
    site = environ.get("HTTP_SEC_FETCH_SITE")
    origin = environ.get("HTTP_ORIGIN")
    if not (origin == c.origin or (site == "same-origin" and origin in (None, c.origin))):
        return _answer(start_response, "403 Forbidden", {"error": "forbidden", "message": "not a script of the app"})
    value = _cookie(environ.get("HTTP_COOKIE", ""), c.cookie_name)
    session = c.open_session(value, int(time.time())) if value else None
    if session is None:
        return _answer(start_response, "401 Unauthorized", {"error": "unauthorized", "message": "not signed in"})
    if not (environ.get("CONTENT_TYPE") or "").startswith("application/json"):
        return _answer(start_response, "415 Unsupported Media Type", {"error": "unsupported_media_type"})
    try:
        method, url, params = _read_json(environ)
    except (ValueError, KeyError, TypeError) as e:
        return _answer(start_response, "400 Bad Request", {"error": "bad_request", "message": str(e)})
    if not c.under_api_base(url):
        return _answer(start_response, "403 Forbidden", {"error": "forbidden", "message": "not under api_base"})
    out = _sign(session[0], session[1], method, url, params)
    return _answer(start_response, "200 OK", {"authorization": out}, [("Cache-Control", "no-store")])
