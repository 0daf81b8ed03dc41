"""WSGI entry point (runserver uses it too)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "latchkey_dot.settings")
application = get_wsgi_application()
