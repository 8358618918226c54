"""Faults (the Reliability issue, item 4): a database that is down or too slow is a friendly 503, not a traceback."""
import socket
import time

import pytest
from django.db import connection, connections
from django.db.utils import load_backend
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import include, path

PAGES = [
    "/", "/fines/", "/fines/FT-1/", "/stats/", "/authorities/", "/api/decisions/", "/admin/login/", "/admin/",
    "/fines/export.csv", "/fines/export.json", "/fines/feed.atom",
]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # free once the probe closes: nothing listens there


@pytest.fixture
def database_down(db):
    """The site's default connection, for the length of the test, points at a database that cannot be reached.

    A second connection object takes the default's place rather than the test's own being broken, so that the
    test's transaction, and the rest of the suite, keep theirs.
    """
    if connection.vendor == "postgresql":
        unreachable = {**connection.settings_dict, "HOST": "127.0.0.1", "PORT": _closed_port()}
    else:
        unreachable = {**connection.settings_dict, "NAME": "/nonexistent-folder/finetracker.sqlite3"}
    working = connections["default"]
    connections["default"] = load_backend(unreachable["ENGINE"]).DatabaseWrapper(unreachable, "default")
    try:
        yield
    finally:
        connections["default"].close()
        connections["default"] = working


@pytest.mark.parametrize("url", PAGES)
def test_every_page_is_a_friendly_503_when_the_database_is_down(client, database_down, url):
    client.cookies["sessionid"] = "an-editors-session"  # the session is read from the database too
    started = time.monotonic()
    response = client.get(url)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "temporarily unavailable" in body
    assert "Traceback" not in body and "OperationalError" not in body
    assert time.monotonic() - started < 5


def test_healthz_names_the_database_when_it_is_down(client, database_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unhealthy"
    assert response.json()["database"] == "error: OperationalError"


def test_only_the_databases_connection_errors_are_a_503(client, db, settings):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    client.raise_request_exception = False
    response = client.get("/integrity-error/")
    assert response.status_code == 500


def test_a_database_error_raised_outside_a_view_is_the_503_page_too(rf):
    from django.db import InterfaceError

    from finetracker.middleware import server_error

    try:
        raise InterfaceError("connection already closed")  # as from the session middleware's save
    except InterfaceError:
        response = server_error(rf.get("/fines/"))
    assert response.status_code == 503
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(rf.get("/fines/")).status_code == 500


@pytest.mark.postgresql
def test_postgresql_connections_give_up_after_a_few_seconds(settings):
    assert settings.DATABASES["default"]["OPTIONS"]["connect_timeout"] == 3


# The statement timeout: views that run long on PostgreSQL, served from this module by ROOT_URLCONF.
def slow_page(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(1.5)")
    return HttpResponse("done")


def slow_stream(request: HttpRequest) -> StreamingHttpResponse:
    def rows():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(1.5)")
        yield "done"

    return StreamingHttpResponse(rows())


def integrity_error(request: HttpRequest) -> HttpResponse:
    from django.db import IntegrityError

    raise IntegrityError("a bug, not an outage")


urlpatterns = [
    path("slow/", slow_page),
    path("slow-stream/", slow_stream),
    path("integrity-error/", integrity_error),
    path("", include("finetracker.urls")),
]


@pytest.fixture
def short_statement_timeout(db, settings):
    settings.ROOT_URLCONF = __name__
    settings.WEB_STATEMENT_TIMEOUT_MS = 500  # SET inside the test's transaction: its rollback undoes it


@pytest.mark.postgresql
def test_a_runaway_query_is_cancelled_and_the_page_is_a_503(client, short_statement_timeout):
    started = time.monotonic()
    response = client.get("/slow/")
    assert response.status_code == 503
    assert "temporarily unavailable" in response.content.decode()
    assert time.monotonic() - started < 1.4


@pytest.mark.postgresql
def test_a_streaming_export_runs_without_the_statement_timeout(client, short_statement_timeout):
    client.get("/fines/")  # a query of an ordinary page sets the timeout on this connection first
    response = client.get("/slow-stream/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"done"


@pytest.mark.postgresql
def test_management_commands_and_the_worker_run_without_the_statement_timeout(short_statement_timeout, settings):
    # Only the web's middleware sets it; a connection opened outside a request has none.
    assert "statement_timeout" not in repr(settings.DATABASES["default"].get("OPTIONS"))
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
