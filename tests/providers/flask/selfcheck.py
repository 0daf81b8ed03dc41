"""Drive a running Flask OAuth 1.0a fixture through its flow without a browser.

    FLASK_CONSUMER_SECRET=... .venv/flask/bin/python tests/providers/flask/selfcheck.py \
        http://127.0.0.1:9100 http://127.0.0.1:8080/oauth1/flask/callback [DATA_DIR]

Uses requests-oauthlib as the consumer, with HMAC-SHA1, PLAINTEXT and RSA-SHA1 (the key from
DATA_DIR/consumer-rsa-private.pem). Checks login + consent, the access-token response's
user_id/screen_name, /api/me round trips, that a used request token cannot be exchanged again,
and that a denial ends on the provider's own error page. Exits non-zero on the first surprise.
"""

import os
import re
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import requests
from oauthlib.oauth1 import SIGNATURE_HMAC, SIGNATURE_PLAINTEXT, SIGNATURE_RSA
from requests_oauthlib import OAuth1

BASE = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:9100"
CALLBACK = sys.argv[2] if len(sys.argv) > 2 else "http://127.0.0.1:8080/oauth1/flask/callback"
DATA = Path(sys.argv[3]) if len(sys.argv) > 3 else Path(__file__).parent / "data"
KEY = os.environ.get("FLASK_CONSUMER_KEY", "latchkeydemoconsumer01")
SECRET = os.environ.get("FLASK_CONSUMER_SECRET") or (DATA / "consumer-secret").read_text().strip()


def check(cond, what):
    if not cond:
        print(f"FAIL: {what}")
        sys.exit(1)
    print(f"ok: {what}")


def auth(method, token=None, token_secret=None, **kw):
    if method == SIGNATURE_RSA:
        return OAuth1(
            KEY,
            signature_method=method,
            rsa_key=(DATA / "consumer-rsa-private.pem").read_text(),
            resource_owner_key=token,
            resource_owner_secret=token_secret,
            **kw,
        )
    return OAuth1(KEY, SECRET, token, token_secret, signature_method=method, **kw)


def sign_in(method, allow=True):
    r = requests.post(f"{BASE}/oauth/request_token", auth=auth(method, callback_uri=CALLBACK))
    check(r.status_code == 200, f"[{method}] request token {r.status_code} {r.text[:120]}")
    temp = {k: v[0] for k, v in parse_qs(r.text).items()}
    check(temp.get("oauth_callback_confirmed") == "true", f"[{method}] callback confirmed")
    browser = requests.Session()
    page = browser.get(f"{BASE}/oauth/authorize", params={"oauth_token": temp["oauth_token"]})
    check("login-form" in page.text, f"[{method}] login page first")
    page = browser.post(
        page.url, data={"username": "demo", "password": "latchkey-demo-pw", "next": parse_qs(urlparse(page.url).query)["next"][0]}
    )
    check("consent-form" in page.text, f"[{method}] consent page after login")
    answer = browser.post(page.url, data={"confirm": "yes" if allow else "no"}, allow_redirects=False)
    check(answer.status_code == 302, f"[{method}] consent redirects")
    return temp, answer.headers["Location"]


def exchange(method, temp, verifier):
    return requests.post(
        f"{BASE}/oauth/access_token",
        auth=auth(method, temp["oauth_token"], temp["oauth_token_secret"], verifier=verifier),
    )


def main():
    for method in (SIGNATURE_HMAC, SIGNATURE_PLAINTEXT, SIGNATURE_RSA):
        temp, location = sign_in(method)
        check(location.startswith(CALLBACK + "?"), f"[{method}] back to the callback")
        q = {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}
        check(q["oauth_token"] == temp["oauth_token"], f"[{method}] callback names the request token")
        r = exchange(method, temp, q["oauth_verifier"])
        check(r.status_code == 200, f"[{method}] access token {r.status_code} {r.text[:160]}")
        tok = {k: v[0] for k, v in parse_qs(r.text).items()}
        check(tok.get("screen_name") == "demo" and tok.get("user_id"), f"[{method}] user_id and screen_name ({tok})")
        replay = exchange(method, temp, q["oauth_verifier"])
        check(replay.status_code in (400, 401), f"[{method}] a used request token is refused ({replay.status_code})")
        a = auth(method, tok["oauth_token"], tok["oauth_token_secret"])
        query = [("q", "a b+c~d%e ü"), ("tag", "x"), ("tag", "y")]
        me = requests.get(f"{BASE}/api/me", params=query, auth=a)
        check(me.status_code == 200, f"[{method}] GET /api/me {me.status_code} {me.text[:120]}")
        body = me.json()
        check(body["screen_name"] == "demo", f"[{method}] /api/me names the user")
        got = [tuple(p) for p in body["query"] if not p[0].startswith("oauth_")]
        check(got == query, f"[{method}] query round trip {got}")
        form = [("note", "hello wörld & more"), ("n", "1")]
        post = requests.post(f"{BASE}/api/me", data=form, auth=a)
        check(post.status_code == 200, f"[{method}] POST /api/me {post.status_code} {post.text[:120]}")
        got = [tuple(p) for p in post.json()["form"] if not p[0].startswith("oauth_")]
        check(got == form, f"[{method}] form round trip {got}")
        forged = requests.get(f"{BASE}/api/me", auth=auth(method, tok["oauth_token"], "wrong-secret"))
        if method != SIGNATURE_RSA:  # RSA-SHA1 does not use the token secret
            check(forged.status_code == 401, f"[{method}] wrong token secret refused ({forged.status_code})")
    repeated = requests.post(f"{BASE}/api/me", data=[("k", "1"), ("k", "2")], auth=a)
    print(f"info: repeated keys in a form body -> {repeated.status_code}")

    temp, location = sign_in(SIGNATURE_HMAC, allow=False)
    check(location.startswith("/oauth/errors") or "/oauth/errors" in location, f"denial goes to the provider's error page ({location})")
    page = requests.get(BASE + location if location.startswith("/") else location)
    check(re.search(r"Error: denied", page.text) is not None, "error page says denied")
    print("all checks passed")


if __name__ == "__main__":
    main()
