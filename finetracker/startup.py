"""Checks made when a web server loads the site (finetracker.wsgi, finetracker.asgi), before it takes requests."""
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.exceptions import ImproperlyConfigured


def require_static_manifest() -> None:
    """With DEBUG off, pages name static files by their hashed names, from collectstatic's manifest.

    Without it every page would be a 500 (no manifest entry for css/site.css); a server that will not
    start, saying why, is the clearer failure.
    """
    if isinstance(staticfiles_storage, ManifestFilesMixin) and not staticfiles_storage.read_manifest():
        raise ImproperlyConfigured(
            f"No static files manifest in {staticfiles_storage.location}: run "
            "`python manage.py collectstatic --no-input` before serving with DEBUG off."
        )
