"""`manage.py serve PORT`: serve on 127.0.0.1:PORT, single process, no autoreloader."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the fixture on 127.0.0.1:PORT (foreground)."

    def add_arguments(self, parser):
        parser.add_argument("port", type=int)

    def handle(self, *args, port, **options):
        call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, use_threading=True)
