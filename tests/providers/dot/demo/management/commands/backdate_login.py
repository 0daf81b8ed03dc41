"""`manage.py backdate_login USER SECONDS`: moves USER's last sign-in SECONDS into the past.

Django OAuth Toolkit gives an ID token's `auth_time` from the user's `last_login`, so this
stands for "the person signed in at the provider that long ago" (their session there stays),
which is how an end-to-end test meets a provider sign-in older than a site's `max_age`.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class Command(BaseCommand):
    help = "Set USER's last_login to SECONDS ago."

    def add_arguments(self, parser):
        parser.add_argument("user")
        parser.add_argument("seconds", type=int)

    def handle(self, *args, user, seconds, **options):
        updated = get_user_model().objects.filter(username=user).update(
            last_login=timezone.now() - timedelta(seconds=seconds)
        )
        if updated != 1:
            raise CommandError(f"no user {user!r}")
        self.stdout.write(f"{user} last signed in {seconds} seconds ago")
