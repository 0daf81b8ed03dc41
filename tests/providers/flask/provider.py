"""OAuth 1.0a provider fixture for Latchkey's end-to-end tests, on Flask-OAuthlib 0.9.6.

    python provider.py setup          # create the database, the demo user and the consumer
    python provider.py serve PORT     # serve on 127.0.0.1:PORT (foreground)

Endpoints (RFC 5849): POST /oauth/request_token, GET+POST /oauth/authorize (login, then a
consent form), POST /oauth/access_token; the protected resource GET+POST /api/me answers the
user and every parameter it received; /oauth/errors is the provider's own error page (a
denial lands there, not on the consumer's callback); /healthz.

Environment (run.sh sets it):
- FLASK_DATA_DIR: SQLite file, cookie key, generated keys (default ./data)
- FLASK_CONSUMER_KEY: 20-30 alphanumerics (oauthlib's rule), default latchkeydemoconsumer01
- FLASK_CONSUMER_SECRET: the consumer secret; when unset, setup makes one and writes it to
  DATA/consumer-secret
- FLASK_CALLBACK_URIS: space-separated callback URIs the consumer may use
- FLASK_RSA_PUBLIC_KEY: PEM file of the consumer's RSA public key (RSA-SHA1); when unset,
  setup makes a key pair and leaves DATA/consumer-rsa-private.pem for the consumer
- FLASK_DEMO_PASSWORD: the password of user `demo` (default latchkey-demo-pw)
"""

import hmac
import html
import json
import os
import secrets
import sqlite3
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

from flask import Flask, Response, jsonify, redirect, request, session
from flask_oauthlib.provider import OAuth1Provider
from flask_oauthlib.provider.oauth1 import OAuth1RequestValidator
from oauthlib.oauth1 import SIGNATURE_HMAC, SIGNATURE_PLAINTEXT, SIGNATURE_RSA
from werkzeug.security import check_password_hash, generate_password_hash

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("FLASK_DATA_DIR", HERE / "data")).resolve()
CONSUMER_KEY = os.environ.get("FLASK_CONSUMER_KEY", "latchkeydemoconsumer01")
DEMO_USER = "demo"
DEFAULT_PASSWORD = "latchkey-demo-pw"
REALMS = ["read"]


# --- storage -------------------------------------------------------------------------------

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, username TEXT UNIQUE NOT NULL,
    password_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clients (client_key TEXT PRIMARY KEY, client_secret TEXT NOT NULL,
    rsa_key TEXT, redirect_uris TEXT NOT NULL, default_realms TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS grants (token TEXT PRIMARY KEY, secret TEXT NOT NULL,
    client_key TEXT NOT NULL, redirect_uri TEXT, realms TEXT NOT NULL, verifier TEXT,
    user_id INTEGER);
CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, secret TEXT NOT NULL,
    client_key TEXT NOT NULL, user_id INTEGER NOT NULL, realms TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nonces (client_key TEXT NOT NULL, timestamp INTEGER NOT NULL,
    nonce TEXT NOT NULL, token TEXT NOT NULL DEFAULT '',
    UNIQUE (client_key, timestamp, nonce, token));
"""


def db():
    conn = sqlite3.connect(DATA / "provider.sqlite3", timeout=10)
    conn.row_factory = sqlite3.Row
    return conn


def query_one(sql, *args):
    with db() as conn:
        return conn.execute(sql, args).fetchone()


def execute(sql, *args):
    with db() as conn:
        conn.execute(sql, args)


def load_user(user_id):
    row = query_one("SELECT id, username FROM users WHERE id = ?", user_id)
    return SimpleNamespace(id=row["id"], username=row["username"]) if row else None


def load_client(client_key):
    row = query_one("SELECT * FROM clients WHERE client_key = ?", client_key)
    if not row:
        return None
    return SimpleNamespace(
        client_key=row["client_key"],
        client_secret=row["client_secret"],
        rsa_key=row["rsa_key"],
        redirect_uris=row["redirect_uris"].split(),
        default_realms=row["default_realms"].split(),
    )


def load_grant(token):
    row = query_one("SELECT * FROM grants WHERE token = ?", token)
    if not row:
        return None
    return SimpleNamespace(
        token=row["token"],
        secret=row["secret"],
        client_key=row["client_key"],
        redirect_uri=row["redirect_uri"],
        realms=row["realms"].split(),
        verifier=row["verifier"],
        user=load_user(row["user_id"]) if row["user_id"] is not None else None,
    )


# --- the provider --------------------------------------------------------------------------


class FixtureValidator(OAuth1RequestValidator):
    """Flask-OAuthlib's validator plus the request-token invalidation it leaves as a TODO.

    Without it a request token and its verifier could be exchanged twice; deleting the grant
    makes the provider itself refuse a replayed callback.
    """

    def invalidate_request_token(self, client_key, request_token, request):
        execute("DELETE FROM grants WHERE token = ? AND client_key = ?", request_token, client_key)


def create_app():
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=(DATA / "flask-secret-key").read_text().strip(),
        # Cookies are per host, not per port: the app, the companion and DOT share 127.0.0.1.
        SESSION_COOKIE_NAME="flask_provider_session",
        SESSION_COOKIE_SAMESITE="Lax",
        OAUTH1_PROVIDER_ENFORCE_SSL=False,
        OAUTH1_PROVIDER_SIGNATURE_METHODS=(SIGNATURE_HMAC, SIGNATURE_RSA, SIGNATURE_PLAINTEXT),
        OAUTH1_PROVIDER_REALMS=REALMS,
        OAUTH1_PROVIDER_ERROR_URI="/oauth/errors",
    )
    oauth = OAuth1Provider(app)

    def grantsetter(token, req):
        execute(
            "INSERT INTO grants (token, secret, client_key, redirect_uri, realms) VALUES (?, ?, ?, ?, ?)",
            token["oauth_token"],
            token["oauth_token_secret"],
            req.client_key,
            req.redirect_uri,
            " ".join(req.realms or REALMS),
        )

    def verifiersetter(token, verifier, request, *args, **kwargs):
        execute(
            "UPDATE grants SET verifier = ?, user_id = ? WHERE token = ?",
            verifier["oauth_verifier"],
            session.get("user_id"),
            token,
        )

    def verifiergetter(verifier, token):
        grant = load_grant(token)
        if grant and grant.verifier and hmac.compare_digest(grant.verifier, verifier) and grant.user:
            return grant
        return None

    def tokengetter(client_key=None, token=None):
        row = query_one("SELECT * FROM tokens WHERE token = ?", token)
        if not row or (client_key and row["client_key"] != client_key):
            return None
        return SimpleNamespace(
            token=row["token"],
            secret=row["secret"],
            client_key=row["client_key"],
            user=load_user(row["user_id"]),
            realms=row["realms"].split(),
        )

    def tokensetter(token, req):
        execute(
            "INSERT INTO tokens (token, secret, client_key, user_id, realms) VALUES (?, ?, ?, ?, ?)",
            token["oauth_token"],
            token["oauth_token_secret"],
            req.client_key,
            req.user.id,
            " ".join(req.realms or REALMS),
        )
        # oauthlib serialises this same dict as the response, so these reach the consumer.
        token["user_id"] = str(req.user.id)
        token["screen_name"] = req.user.username

    def noncegetter(client_key, timestamp, nonce, request_token=None, access_token=None):
        return query_one(
            "SELECT 1 FROM nonces WHERE client_key = ? AND timestamp = ? AND nonce = ? AND token = ?",
            client_key,
            int(timestamp),
            nonce,
            request_token or access_token or "",
        )

    def noncesetter(client_key, timestamp, nonce, request_token=None, access_token=None):
        execute(
            "INSERT OR IGNORE INTO nonces (client_key, timestamp, nonce, token) VALUES (?, ?, ?, ?)",
            client_key,
            int(timestamp),
            nonce,
            request_token or access_token or "",
        )

    oauth._validator = FixtureValidator(
        clientgetter=load_client,
        tokengetter=tokengetter,
        tokensetter=tokensetter,
        grantgetter=load_grant,
        grantsetter=grantsetter,
        noncegetter=noncegetter,
        noncesetter=noncesetter,
        verifiergetter=verifiergetter,
        verifiersetter=verifiersetter,
        config=app.config,
    )

    @app.after_request
    def log_authorize_redirect(response):
        # The e2e tests replay the callback; the consumer's redirect is otherwise invisible
        # to them (the browser follows it and the companion redirects again at once).
        if request.path == "/oauth/authorize" and request.method == "POST" and response.status_code == 302:
            print(f"authorize redirect: {response.headers.get('Location', '')}", flush=True)
        return response

    def page(title, body):
        return (
            "<!doctype html><html lang=en><head><meta charset=utf-8>"
            f"<title>{html.escape(title)}</title>"
            "<style>body{font-family:sans-serif;max-width:40rem;margin:2rem auto}</style></head>"
            f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
        )

    @app.route("/healthz")
    def healthz():
        return "ok", 200, {"Content-Type": "text/plain"}

    @app.route("/")
    def home():
        user = load_user(session["user_id"]) if "user_id" in session else None
        return page("Flask OAuth 1.0a fixture", f"<p>Signed in: {html.escape(user.username) if user else 'nobody'}</p>")

    @app.route("/login", methods=["GET", "POST"])
    def login():
        next_url = request.values.get("next", "/")
        if not next_url.startswith("/") or next_url.startswith("//"):
            next_url = "/"
        error = ""
        if request.method == "POST":
            row = query_one("SELECT * FROM users WHERE username = ?", request.form.get("username", ""))
            if row and check_password_hash(row["password_hash"], request.form.get("password", "")):
                session.clear()
                session["user_id"] = row["id"]
                return redirect(next_url)
            error = '<p id="login-error">Wrong user name or password.</p>'
        return page(
            "Sign in to the Flask fixture",
            f"""{error}<form method="post" id="login-form">
<p><label for="username">User name</label> <input id="username" name="username" autofocus required></p>
<p><label for="password">Password</label> <input id="password" name="password" type="password" required></p>
<input type="hidden" name="next" value="{html.escape(next_url)}">
<p><button type="submit" id="login-submit">Sign in</button></p></form>""",
        )

    @app.route("/oauth/request_token", methods=["POST"])
    @oauth.request_token_handler
    def request_token():
        return {}

    @app.route("/oauth/access_token", methods=["POST"])
    @oauth.access_token_handler
    def access_token():
        return {}

    def login_required(view):
        def wrapped(*args, **kwargs):
            if "user_id" not in session or load_user(session["user_id"]) is None:
                return redirect("/login?" + urlencode({"next": request.full_path}))
            return view(*args, **kwargs)

        wrapped.__name__ = view.__name__
        return wrapped

    @app.route("/oauth/authorize", methods=["GET", "POST"])
    @login_required
    @oauth.authorize_handler
    def authorize(*args, **kwargs):
        if request.method == "GET":
            user = load_user(session["user_id"])
            realms = ", ".join(kwargs.get("realms") or [])
            return page(
                "Authorize the consumer?",
                f"""<p>Provider account: {html.escape(user.username)}.</p>
<p><code>{html.escape(kwargs.get("resource_owner_key", ""))}</code> asks for: {html.escape(realms)}</p>
<form method="post" id="consent-form">
<button type="submit" name="confirm" value="yes" id="allow">Authorize</button>
<button type="submit" name="confirm" value="no" id="deny">Deny</button></form>""",
            )
        return request.form.get("confirm", "no") == "yes"

    @app.route("/oauth/errors")
    def errors():
        return page(
            "Authorization failed",
            f'<p id="oauth-error">Error: {html.escape(request.args.get("error", "unknown"))}</p>'
            f'<p>{html.escape(request.args.get("error_description", ""))}</p>',
        )

    @app.route("/api/me", methods=["GET", "POST"])
    @oauth.require_oauth(*REALMS)
    def me():
        user = request.oauth.user
        return jsonify(
            {
                "user_id": str(user.id),
                "screen_name": user.username,
                "method": request.method,
                # Pairs, in order, repeats kept: the tests compare exactly what arrived.
                "query": [[k, v] for k, v in request.args.items(multi=True)],
                "form": [[k, v] for k, v in request.form.items(multi=True)],
                "content_type": request.headers.get("Content-Type"),
            }
        )

    @app.route("/api/slow")
    @oauth.require_oauth(*REALMS)
    def slow():
        """A slow answer: a line every tenth of a second for `?seconds=` (default 5). The log
        says whether it went out whole or the client went away (a cancelled request) first."""
        count = 10 * request.args.get("seconds", 5, type=int)

        def lines():
            sent = 0
            try:
                for sent in range(1, count + 1):
                    yield f"line {sent}\n"
                    time.sleep(0.1)
                print("slow answer: sent whole", flush=True)
            except GeneratorExit:
                # werkzeug closes the answer when a write to a closed connection fails.
                print(f"slow answer: the client went away after {sent} lines", flush=True)
                raise

        return Response(lines(), mimetype="text/plain")

    return app


# --- commands ------------------------------------------------------------------------------


def setup():
    DATA.mkdir(parents=True, exist_ok=True)
    secret_key = DATA / "flask-secret-key"
    if not secret_key.exists():
        secret_key.write_text(secrets.token_urlsafe(48))
    with db() as conn:
        conn.executescript(SCHEMA)
    password = os.environ.get("FLASK_DEMO_PASSWORD", DEFAULT_PASSWORD)
    with db() as conn:
        conn.execute(
            "INSERT INTO users (username, password_hash) VALUES (?, ?) "
            "ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash",
            (DEMO_USER, generate_password_hash(password)),
        )
    if not (CONSUMER_KEY.isalnum() and CONSUMER_KEY.isascii() and 20 <= len(CONSUMER_KEY) <= 30):
        sys.exit(f"FLASK_CONSUMER_KEY must be 20-30 ASCII letters and digits (oauthlib's rule): {CONSUMER_KEY!r}")
    consumer_secret = os.environ.get("FLASK_CONSUMER_SECRET")
    secret_file = DATA / "consumer-secret"
    if not consumer_secret:
        if not secret_file.exists():
            secret_file.write_text(secrets.token_urlsafe(32))
            secret_file.chmod(0o600)
        consumer_secret = secret_file.read_text().strip()
    rsa_public = rsa_public_key()
    callbacks = os.environ.get("FLASK_CALLBACK_URIS", "http://127.0.0.1:8080/oauth1/flask/callback").split()
    with db() as conn:
        conn.execute(
            "INSERT INTO clients (client_key, client_secret, rsa_key, redirect_uris, default_realms) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (client_key) DO UPDATE SET "
            "client_secret = excluded.client_secret, rsa_key = excluded.rsa_key, "
            "redirect_uris = excluded.redirect_uris, default_realms = excluded.default_realms",
            (CONSUMER_KEY, consumer_secret, rsa_public, " ".join(callbacks), " ".join(REALMS)),
        )
    print(
        json.dumps(
            {
                "flask_fixture": "ready",
                "user": DEMO_USER,
                "password": password,
                "consumer_key": CONSUMER_KEY,
                "consumer_secret_from": "FLASK_CONSUMER_SECRET" if os.environ.get("FLASK_CONSUMER_SECRET") else str(secret_file),
                "rsa_private_key": str(DATA / "consumer-rsa-private.pem") if not os.environ.get("FLASK_RSA_PUBLIC_KEY") else None,
                "callbacks": callbacks,
            }
        ),
        flush=True,
    )


def rsa_public_key():
    given = os.environ.get("FLASK_RSA_PUBLIC_KEY")
    if given:
        return Path(given).read_text()
    private = DATA / "consumer-rsa-private.pem"
    public = DATA / "consumer-rsa-public.pem"
    if not private.exists() or not public.exists():
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        private.chmod(0o600)
        public.write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    return public.read_text()


def serve(port):
    from werkzeug.serving import run_simple

    run_simple("127.0.0.1", port, create_app(), threaded=True, use_reloader=False)


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "setup":
        setup()
    elif len(sys.argv) == 3 and sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
    else:
        sys.exit(__doc__)
