"""`manage.py setup`: migrate, then make the demo user, the clients and the OIDC key.

Two clients with the same redirect URIs: the public `spa-demo` (PKCE, no secret, CORS on every
endpoint) and, when DOT_CONF_CLIENT_SECRET is set, the confidential `conf-demo` (PKCE and the
secret; its token and revocation endpoints send no CORS headers, see demo/cors.py).

Idempotent: running it again updates the user's password, the clients' redirect URIs and the
confidential client's secret from the environment and keeps the signing key.
"""

import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from oauth2_provider.models import get_application_model

from demo import signing_keys

DEMO_USER = "demo"
DEFAULT_PASSWORD = "latchkey-demo-pw"
CLIENT_ID = "spa-demo"
CONF_CLIENT_ID = "conf-demo"


def _list(name, default):
    raw = os.environ.get(name, default)
    return [item for item in raw.replace(",", " ").split() if item]


class Command(BaseCommand):
    help = "Create the database, the demo user, the public client spa-demo and the RS256 key."

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self._key()
        password = os.environ.get("DOT_DEMO_PASSWORD", DEFAULT_PASSWORD)
        self._user(password)
        origins = settings.APP_ORIGINS
        # Latchkey gives each provider its own redirect URI, <origin>/callback/<id>; the demo
        # and the tests name their DOT providers "dot" and "dot-conf".
        default = [f"{o}/callback{suffix}" for o in origins for suffix in ("", "/dot", "/dot-conf")]
        redirects = _list("DOT_REDIRECT_URIS", " ".join(default))
        post_logout = _list("DOT_POST_LOGOUT_REDIRECT_URIS", " ".join(f"{o}/" for o in origins))
        self._client(redirects, post_logout)
        conf_secret = os.environ.get("DOT_CONF_CLIENT_SECRET", "")
        clients = CLIENT_ID
        if conf_secret:
            self._confidential_client(conf_secret, redirects, post_logout)
            clients += f" and {CONF_CLIENT_ID} (confidential)"
        else:
            # No secret, no confidential client: a stale one must not keep an old secret.
            get_application_model().objects.filter(client_id=CONF_CLIENT_ID).delete()
        self.stdout.write(
            f"DOT fixture ready: issuer {settings.ISSUER}, user {DEMO_USER} / {password}, "
            f"client {clients}, redirect URIs {' '.join(redirects)}"
        )

    def _key(self):
        path = settings.OIDC_KEY_FILE
        if not path.exists():
            signing_keys.write_new(path)

    def _user(self, password):
        user, _ = get_user_model().objects.get_or_create(username=DEMO_USER)
        user.email = "demo@example.test"
        user.is_active = True
        user.set_password(password)
        user.save()
        return user

    def _client(self, redirects, post_logout):
        Application = get_application_model()
        app, _ = Application.objects.get_or_create(
            client_id=CLIENT_ID,
            defaults={
                "client_type": Application.CLIENT_PUBLIC,
                "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            },
        )
        app.name = "Latchkey demo"
        app.client_type = Application.CLIENT_PUBLIC
        app.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
        app.client_secret = ""
        app.hash_client_secret = False
        app.redirect_uris = " ".join(redirects)
        app.post_logout_redirect_uris = " ".join(post_logout)
        app.skip_authorization = False
        app.algorithm = Application.RS256_ALGORITHM
        app.save()

    def _confidential_client(self, secret, redirects, post_logout):
        Application = get_application_model()
        app, _ = Application.objects.get_or_create(
            client_id=CONF_CLIENT_ID,
            defaults={
                "client_type": Application.CLIENT_CONFIDENTIAL,
                "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            },
        )
        app.name = "Latchkey demo (confidential, token via the companion)"
        app.client_type = Application.CLIENT_CONFIDENTIAL
        app.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
        # DOT's default: the secret is stored as a Django password hash (hashed on save,
        # since the plaintext is not recognised as a hash), so only its holder knows it.
        app.hash_client_secret = True
        app.client_secret = secret
        app.redirect_uris = " ".join(redirects)
        app.post_logout_redirect_uris = " ".join(post_logout)
        app.skip_authorization = False
        app.algorithm = Application.RS256_ALGORITHM
        app.save()
