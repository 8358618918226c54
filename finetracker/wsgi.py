import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finetracker.settings")
application = get_wsgi_application()

from finetracker.startup import require_static_manifest  # noqa: E402 - needs the settings loaded

require_static_manifest()
