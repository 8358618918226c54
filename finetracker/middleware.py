"""Site-wide middleware: headers Django has no setting for, and the database's faults as a 503 page."""
from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """The friendly 503 page; renders without the database."""
    response = render(request, "503.html", status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the 503 page when the error was the database's, raised outside a view."""
    from fines.views import server_error as page

    if isinstance(sys.exception(), DATABASE_ERRORS):
        return database_unavailable(request)
    return page(request)


class PermissionsPolicyMiddleware:
    """Tells browsers that no page of this site uses the camera, the microphone or the location."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = ", ".join(
            f"{feature}=({' '.join(allowed)})" for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Permissions-Policy", self.policy)
        return response


class DatabaseUnavailableMiddleware:
    """A database that is down, or a query cancelled by the statement timeout, is a 503 page.

    Only the errors of a connection or of the server (OperationalError, InterfaceError): an IntegrityError
    or a bad query is a bug, and stays a 500. Errors raised outside the view (in another middleware) reach
    finetracker.urls.server_error, which answers the same page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.warning("Database unavailable for %s: %s: %s", request.path, exception.__class__.__name__, exception)
        return database_unavailable(request)


class StatementTimeoutMiddleware:
    """Bounds each of the web's queries on PostgreSQL to settings.WEB_STATEMENT_TIMEOUT_MS.

    Set here rather than in DATABASES, so that the Celery worker and management commands (imports,
    exports, backups: long by nature) run without it. The first query of a request sets it on its
    connection; a request that makes none does not connect for it. A streaming response (the full CSV
    and JSON exports) sends its rows after this middleware has returned: the timeout is lifted before
    it does, so that a long download is not cut off halfway through by a cancelled query.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timeout_ms = settings.WEB_STATEMENT_TIMEOUT_MS
        if timeout_ms <= 0 or connection.vendor != "postgresql":
            return self.get_response(request)
        applied = False

        def set_timeout(execute, sql, params, many, context):
            nonlocal applied
            if not applied:
                _set_statement_timeout(context["connection"], timeout_ms)
                applied = True
            return execute(sql, params, many, context)

        with connection.execute_wrapper(set_timeout):
            response = self.get_response(request)
        # Unconditionally: an earlier request on this connection may have set it.
        if response.streaming and connection.connection is not None:
            try:
                _set_statement_timeout(connection, 0)
            except DATABASE_ERRORS:
                pass  # the stream's own first query meets the same fault
        return response


def _set_statement_timeout(database, timeout_ms: int) -> None:
    # On the driver's own cursor: not a query of the page (assertNumQueries and the debug log do not count it).
    with database.wrap_database_errors, database.connection.cursor() as cursor:
        cursor.execute(f"SET statement_timeout = {int(timeout_ms)}")
