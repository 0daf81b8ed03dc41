"""Drive a running DOT fixture through the whole OAuth 2.0 / OIDC flow without a browser.

    [DOT_CONF_CLIENT_SECRET=…] .venv/dot/bin/python tests/providers/dot/selfcheck.py \
        http://127.0.0.1:9000 [redirect_uri]

Checks what the end-to-end tests rely on: login + consent, `iss` in the authorization
response, PKCE, the RS256 ID token against the JWKS, /api/me, refresh-token rotation,
revocation and denial. With DOT_CONF_CLIENT_SECRET (the secret the fixture was set up with),
also the confidential client conf-demo: the secret is required, and its token and revocation
answers carry no CORS headers. Exits non-zero on the first surprise.
"""

import base64
import hashlib
import json
import os
import re
import secrets
import sys
from urllib.parse import parse_qs, urlencode, urlparse

import requests
from jwcrypto import jwk, jwt

BASE = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:9000"
REDIRECT = sys.argv[2] if len(sys.argv) > 2 else "http://127.0.0.1:8080/callback"
ORIGIN = "{0.scheme}://{0.netloc}".format(urlparse(REDIRECT))
CLIENT = "spa-demo"
CONF_CLIENT = "conf-demo"


def check(cond, what):
    if not cond:
        print(f"FAIL: {what}")
        sys.exit(1)
    print(f"ok: {what}")


def pkce():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def csrf(html):
    m = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return m.group(1) if m else None


def authorize(session, allow=True, prompt=None, client=CLIENT):
    verifier, challenge = pkce()
    state = secrets.token_urlsafe(16)
    params = {
        "response_type": "code",
        "client_id": client,
        "redirect_uri": REDIRECT,
        "scope": "openid profile email read",
        "state": state,
        "nonce": "n-" + state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    if prompt:
        params["prompt"] = prompt
    url = f"{BASE}/o/authorize/?{urlencode(params)}"
    r = session.get(url, allow_redirects=False)
    if prompt == "none":
        return r, state, verifier
    if r.status_code == 302 and "/accounts/login/" in r.headers["Location"]:
        login = session.get(BASE + r.headers["Location"])
        r = session.post(
            login.url,
            data={
                "csrfmiddlewaretoken": csrf(login.text),
                "username": "demo",
                "password": "latchkey-demo-pw",
                "next": parse_qs(urlparse(login.url).query)["next"][0],
            },
            allow_redirects=False,
        )
        check(r.status_code == 302, "login redirects back to authorize")
        r = session.get(BASE + r.headers["Location"], allow_redirects=False)
    check(r.status_code == 200 and "authorizationForm" in r.text, "consent page shown")
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', r.text))
    fields = {k: v.replace("&amp;", "&") for k, v in fields.items()}
    if allow:
        fields["allow"] = "Authorize"
    r = session.post(url, data=fields, allow_redirects=False)
    check(r.status_code == 302, "consent answer redirects")
    return r, state, verifier


def token(data, auth=None):
    return requests.post(f"{BASE}/o/token/", data=data, headers={"Origin": ORIGIN}, auth=auth)


def basic(client_id, secret):
    """RFC 6749 section 2.3.1: both halves form-encoded before Basic (DOT unquotes them)."""
    from urllib.parse import quote_plus

    return (quote_plus(client_id), quote_plus(secret))


def confidential(s, secret):
    """conf-demo: the secret is required, and no answer to a token request carries CORS."""
    r, state, verifier = authorize(s, client=CONF_CLIENT)
    q = {k: v[0] for k, v in parse_qs(urlparse(r.headers["Location"]).query).items()}
    check(q.get("state") == state and "code" in q, "conf-demo: authorization response with a code")
    grant = {
        "grant_type": "authorization_code",
        "code": q["code"],
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    # What an app without mediation sends from the browser: client_id, no secret.
    bare = token({**grant, "client_id": CONF_CLIENT})
    check(
        bare.status_code == 401 and bare.json().get("error") == "invalid_client",
        f"conf-demo: a token request without the secret is invalid_client ({bare.status_code} {bare.text[:120]})",
    )
    check("access-control-allow-origin" not in bare.headers, "conf-demo: no CORS on the token endpoint's error")
    wrong = token(grant, auth=basic(CONF_CLIENT, secret + "x"))
    check(
        wrong.status_code == 401 and wrong.json().get("error") == "invalid_client",
        f"conf-demo: a wrong secret is invalid_client ({wrong.status_code})",
    )
    pre = requests.options(
        f"{BASE}/o/token/",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    check(pre.status_code == 200, "a preflight (no body, so no client named) is answered")
    t = token(grant, auth=basic(CONF_CLIENT, secret))
    check(t.status_code == 200, f"conf-demo: code exchange with Basic auth {t.status_code} {t.text[:200]}")
    check("access-control-allow-origin" not in t.headers, "conf-demo: no CORS on the token endpoint")
    tok = t.json()
    me = requests.get(f"{BASE}/api/me", headers={"Authorization": f"Bearer {tok['access_token']}", "Origin": ORIGIN})
    check(me.status_code == 200 and me.json()["client_id"] == CONF_CLIENT, f"conf-demo token at /api/me {me.text[:100]}")
    check(me.headers.get("access-control-allow-origin") == ORIGIN, "the API still sends CORS for conf-demo's token")
    # client_secret_post works too (the secret in the body, beside client_id).
    r1 = token(
        {"grant_type": "refresh_token", "refresh_token": tok["refresh_token"], "client_id": CONF_CLIENT, "client_secret": secret}
    )
    check(r1.status_code == 200, f"conf-demo: refresh with client_secret_post {r1.text[:200]}")
    check("access-control-allow-origin" not in r1.headers, "conf-demo: no CORS on a refresh either")
    rot = r1.json()
    check(rot["refresh_token"] != tok["refresh_token"], "conf-demo: refresh token rotated")
    no_secret = token({"grant_type": "refresh_token", "refresh_token": rot["refresh_token"], "client_id": CONF_CLIENT})
    check(no_secret.status_code == 401, f"conf-demo: a refresh without the secret is refused ({no_secret.status_code})")
    rv = requests.post(
        f"{BASE}/o/revoke_token/",
        data={"token": rot["refresh_token"], "token_type_hint": "refresh_token"},
        headers={"Origin": ORIGIN},
        auth=basic(CONF_CLIENT, secret),
    )
    check(rv.status_code == 200, f"conf-demo: revocation with Basic auth {rv.status_code} {rv.text[:100]}")
    check("access-control-allow-origin" not in rv.headers, "conf-demo: no CORS on revocation")
    after = token({"grant_type": "refresh_token", "refresh_token": rot["refresh_token"]}, auth=basic(CONF_CLIENT, secret))
    check(after.status_code == 400, "conf-demo: revoked refresh token refused")
    gone = requests.get(f"{BASE}/api/me", headers={"Authorization": f"Bearer {rot['access_token']}"})
    check(gone.status_code == 401, f"conf-demo: revoking the refresh token ends its access token ({gone.status_code})")


def main():
    s = requests.Session()
    r, state, verifier = authorize(s)
    loc = urlparse(r.headers["Location"])
    q = {k: v[0] for k, v in parse_qs(loc.query).items()}
    check(REDIRECT.startswith(f"{loc.scheme}://{loc.netloc}{loc.path}"), "redirect to the registered URI")
    check(q.get("state") == state, "state echoed")
    check(q.get("iss") == f"{BASE}/o", f"iss in the authorization response ({q.get('iss')})")
    t = token(
        {
            "grant_type": "authorization_code",
            "code": q["code"],
            "redirect_uri": REDIRECT,
            "client_id": CLIENT,
            "code_verifier": verifier,
        }
    )
    check(t.status_code == 200, f"code exchange {t.status_code} {t.text[:200]}")
    check(t.headers.get("access-control-allow-origin") == ORIGIN, "CORS on the token endpoint")
    tok = t.json()
    first_id_token = tok["id_token"]
    again = token(
        {
            "grant_type": "authorization_code",
            "code": q["code"],
            "redirect_uri": REDIRECT,
            "client_id": CLIENT,
            "code_verifier": verifier,
        }
    )
    check(again.status_code == 400, "a code works once")
    keys = jwk.JWKSet.from_json(requests.get(f"{BASE}/o/.well-known/jwks.json").text)
    idt = jwt.JWT(jwt=tok["id_token"], key=keys, algs=["RS256"])
    claims = json.loads(idt.claims)
    check(claims["iss"] == f"{BASE}/o" and claims["aud"] == CLIENT, "ID token iss/aud")
    check(claims.get("nonce") == "n-" + state, "ID token nonce")
    check(claims.get("preferred_username") == "demo", f"ID token names the user ({claims})")
    me = requests.get(f"{BASE}/api/me", headers={"Authorization": f"Bearer {tok['access_token']}", "Origin": ORIGIN})
    check(me.status_code == 200 and me.json()["username"] == "demo", f"/api/me {me.status_code} {me.text[:100]}")
    check(me.headers.get("access-control-allow-origin") == ORIGIN, "CORS on /api/me")
    ui = requests.get(f"{BASE}/o/userinfo/", headers={"Authorization": f"Bearer {tok['access_token']}"})
    check(ui.status_code == 200 and ui.json().get("preferred_username") == "demo", f"userinfo {ui.text[:200]}")
    bad = requests.get(f"{BASE}/api/me", headers={"Authorization": "Bearer nope"})
    check(bad.status_code == 401, "/api/me refuses an unknown token with 401")

    r1 = token({"grant_type": "refresh_token", "refresh_token": tok["refresh_token"], "client_id": CLIENT})
    check(r1.status_code == 200, f"refresh {r1.text[:200]}")
    rot = r1.json()
    check(rot["refresh_token"] != tok["refresh_token"], "refresh token rotated")
    replay = token({"grant_type": "refresh_token", "refresh_token": tok["refresh_token"], "client_id": CLIENT})
    check(replay.status_code == 400, f"old refresh token refused ({replay.status_code} {replay.text[:120]})")

    # A fresh sign-in (the replay above revoked the whole family under reuse protection).
    r, state, verifier = authorize(s)
    q = {k: v[0] for k, v in parse_qs(urlparse(r.headers["Location"]).query).items()}
    tok = token(
        {
            "grant_type": "authorization_code",
            "code": q["code"],
            "redirect_uri": REDIRECT,
            "client_id": CLIENT,
            "code_verifier": verifier,
        }
    ).json()
    rv = requests.post(
        f"{BASE}/o/revoke_token/",
        data={"token": tok["refresh_token"], "token_type_hint": "refresh_token", "client_id": CLIENT},
        headers={"Origin": ORIGIN},
    )
    check(rv.status_code == 200, f"revocation {rv.status_code} {rv.text[:100]}")
    check(rv.headers.get("access-control-allow-origin") == ORIGIN, "CORS on revocation")
    after = token({"grant_type": "refresh_token", "refresh_token": tok["refresh_token"], "client_id": CLIENT})
    check(after.status_code == 400, "revoked refresh token refused")

    r, state, _ = authorize(s, allow=False)
    q = {k: v[0] for k, v in parse_qs(urlparse(r.headers["Location"]).query).items()}
    check(q.get("error") == "access_denied" and q.get("state") == state, f"denial comes back as access_denied ({q})")

    r, state, _ = authorize(requests.Session(), prompt="none")
    q = {k: v[0] for k, v in parse_qs(urlparse(r.headers.get("Location", "")).query).items()}
    check(r.status_code == 302 and q.get("error") == "login_required", f"prompt=none, signed out: {r.status_code} {q}")
    r, state, _ = authorize(s, prompt="none")
    q = {k: v[0] for k, v in parse_qs(urlparse(r.headers.get("Location", "")).query).items()}
    check(r.status_code == 302 and q.get("error") == "login_required", f"prompt=none, signed in: {r.status_code} {q}")
    lo = s.get(
        f"{BASE}/o/logout/",
        params={"id_token_hint": first_id_token, "post_logout_redirect_uri": f"{ORIGIN}/", "client_id": CLIENT},
        allow_redirects=False,
    )
    check(
        lo.status_code == 302 and lo.headers.get("Location") == f"{ORIGIN}/",
        f"RP-initiated logout returns to the app ({lo.status_code} {lo.headers.get('Location')} {lo.text[:120]})",
    )
    conf_secret = os.environ.get("DOT_CONF_CLIENT_SECRET")
    if conf_secret:
        confidential(s, conf_secret)
    else:
        print("skipped: conf-demo (DOT_CONF_CLIENT_SECRET not set)")
    print("all checks passed")


if __name__ == "__main__":
    main()
