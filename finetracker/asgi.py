import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finetracker.settings")
application = get_asgi_application()

from finetracker.startup import require_static_manifest  # noqa: E402 - needs the settings loaded

require_static_manifest()
