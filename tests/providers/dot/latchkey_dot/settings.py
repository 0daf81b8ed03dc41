"""Settings of the Django OAuth Toolkit fixture.

Everything a test or the demo may change comes from the environment (run.sh sets it):

- DOT_DATA_DIR: SQLite database and the OIDC signing keys (default: ../data beside this project;
  demo/signing_keys.py)
- DOT_PORT: the port served on 127.0.0.1; the issuer is http://127.0.0.1:<port>/o
- DOT_APP_ORIGINS: space- or comma-separated origins allowed by CORS (default http://127.0.0.1:8080)
- DOT_REDIRECT_URIS / DOT_POST_LOGOUT_REDIRECT_URIS: read by `manage.py setup`
- DOT_ACCESS_TOKEN_SECONDS: access-token (and ID-token) lifetime, short in the refresh tests
- DOT_CONF_CLIENT_SECRET: read by `manage.py setup`; when set, the confidential client
  `conf-demo` exists with this secret (stored hashed), and its token endpoint sends no CORS
"""

import os
from pathlib import Path

from demo import signing_keys

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("DOT_DATA_DIR", BASE_DIR / "data")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _list(name, default):
    raw = os.environ.get(name, default)
    return [item for item in raw.replace(",", " ").split() if item]


PORT = int(os.environ.get("DOT_PORT", "9000"))
ISSUER = os.environ.get("DOT_ISSUER", f"http://127.0.0.1:{PORT}/o")
APP_ORIGINS = _list("DOT_APP_ORIGINS", "http://127.0.0.1:8080")
ACCESS_TOKEN_SECONDS = int(os.environ.get("DOT_ACCESS_TOKEN_SECONDS", "3600"))
OIDC_KEY_FILE = signing_keys.active(DATA_DIR)

# A loopback-only fixture: the key only has to be stable across one data dir.
_secret_file = DATA_DIR / "django-secret-key"
if not _secret_file.exists():
    import secrets

    _secret_file.write_text(secrets.token_urlsafe(50))
SECRET_KEY = _secret_file.read_text().strip()

DEBUG = os.environ.get("DOT_DEBUG", "") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    # First, so its templates override the toolkit's (which load nothing from outside anyway).
    "demo",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "corsheaders",
    "oauth2_provider",
]

MIDDLEWARE = [
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "latchkey_dot.urls"
WSGI_APPLICATION = "latchkey_dot.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "dot.sqlite3",
    }
}

# Cookies are per host, not per port: the app, the companion and the Flask provider all live on
# 127.0.0.1 too, so this provider's cookies get names nobody else uses.
SESSION_COOKIE_NAME = "dot_sessionid"
CSRF_COOKIE_NAME = "dot_csrftoken"
LANGUAGE_COOKIE_NAME = "dot_language"

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
STATIC_URL = "static/"
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-cors-headers: DOT's own per-application `allowed_origins` accepts only https origins,
# and the app runs on plain http on loopback.
CORS_ALLOWED_ORIGINS = APP_ORIGINS
# The token and revocation endpoints are left out here; demo/cors.py enables CORS there for
# every client except a confidential one, whose token endpoint refuses browsers (as GitHub's).
CORS_URLS_REGEX = r"^/(o/(?!token/|revoke_token/)|api/).*$"
CORS_ALLOW_CREDENTIALS = False

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": ISSUER,
    "OIDC_RSA_PRIVATE_KEY": OIDC_KEY_FILE.read_text() if OIDC_KEY_FILE.exists() else "",
    # Keys retired by `manage.py rotate_signing_key`: still in the key set, not signed with.
    "OIDC_RSA_PRIVATE_KEYS_INACTIVE": [p.read_text() for p in signing_keys.retired(DATA_DIR)],
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    # With a valid id_token_hint and a registered post_logout_redirect_uri, log out and
    # come straight back instead of asking again.
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    # Strict mode refuses http post-logout redirect URIs for public clients, and the app is a
    # public client on http://127.0.0.1. The URI must still be registered exactly.
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": False,
    "PKCE_REQUIRED": True,
    # RFC 9207: put `iss` in the authorization response (and advertise it in discovery).
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "ROTATE_REFRESH_TOKEN": True,
    # No grace period: two refreshes with the same token must not both succeed, so the
    # multi-tab test notices a client that does not serialise its refreshes.
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ACCESS_TOKEN_EXPIRE_SECONDS": ACCESS_TOKEN_SECONDS,
    "ID_TOKEN_EXPIRE_SECONDS": max(ACCESS_TOKEN_SECONDS, 300),
    "SCOPES": {
        "openid": "OpenID Connect",
        "profile": "Your user name",
        "email": "Your e-mail address",
        "read": "Read your profile through the API",
        "write": "Change things through the API",
    },
    "DEFAULT_SCOPES": ["openid", "read"],
    "OAUTH2_VALIDATOR_CLASS": "demo.validator.DemoValidator",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "oauth2_provider": {"handlers": ["console"], "level": os.environ.get("DOT_LOG_LEVEL", "INFO")},
        "django.request": {"handlers": ["console"], "level": "WARNING"},
    },
}
