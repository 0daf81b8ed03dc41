"""`manage.py rotate_signing_key`: retires the active OIDC signing key and makes a new one.

As a provider rolls its keys over (OIDC Core §10.1.1): the retired key stays in the key set
(`OIDC_RSA_PRIVATE_KEYS_INACTIVE`), and ID tokens are signed with the new one, under a `kid`
a client has not seen. DOT reads its keys when it starts, so the server is restarted after
this (`Dot::rotate_signing_key` in tests/src/providers.rs does both).
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo import signing_keys


class Command(BaseCommand):
    help = "Retire the active OIDC signing key and make a new one."

    def handle(self, *args, **options):
        current = signing_keys.active(settings.DATA_DIR)
        if not current.exists():
            raise CommandError(f"no active key at {current}: run `manage.py setup` first")
        n = signing_keys.rotate(settings.DATA_DIR)
        self.stdout.write(f"signing key {n} retired; a new one is active")
