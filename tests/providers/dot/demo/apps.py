from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "demo"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Connects the CORS receiver (see demo/cors.py).
        from demo import cors  # noqa: F401
