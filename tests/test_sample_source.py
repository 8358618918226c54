"""The bundled sample source of `make run`: configured idempotently, real, and imported by the worker's task."""
import datetime
import functools
import http.server
import io
import json
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from fines.importers.press import read_press_feed
from fines.management.commands.sample_source import SAMPLE_FILE, SAMPLE_NAME
from fines.models import Candidate, ImportRun, ImportSource
from fines.vocabularies import ImportFormat, RunStatus
from finetracker.celery import app

FEED = settings.BASE_DIR / "static" / SAMPLE_FILE


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("sample_source", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def site(tmp_path):
    """The static folder served over HTTP on loopback under /static/, as `make run`'s site serves it."""
    (tmp_path / "static").symlink_to(settings.BASE_DIR / "static", target_is_directory=True)
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def eager():
    """Queued tasks run at once, in the test, as the worker would run them."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_running_the_command_twice_leaves_one_source(db):
    first = _run("--site", "http://127.0.0.1:8791")
    second = _run("--site", "http://127.0.0.1:8791")

    source = ImportSource.objects.get()
    assert source.name == SAMPLE_NAME
    assert source.format == ImportFormat.PRESS_FEED
    assert source.url == "http://127.0.0.1:8791/static/sample/press-releases.atom"
    assert (source.every_minutes, source.enabled) == (60, True)
    assert "Created" in first
    assert "nothing changed" in second


def test_a_new_address_moves_the_source_and_keeps_what_editors_set(db):
    _run("--site", "http://127.0.0.1:8000")
    ImportSource.objects.filter(name=SAMPLE_NAME).update(every_minutes=24 * 60, enabled=False, title="Mine")

    _run("--site", "http://localhost:8791/")

    source = ImportSource.objects.get()
    assert source.url == "http://localhost:8791/static/sample/press-releases.atom"
    assert (source.every_minutes, source.enabled, source.title) == (24 * 60, False, "Mine")


def test_a_dry_run_writes_nothing(db):
    output = _run("--dry-run")

    assert "Would create" in output
    assert not ImportSource.objects.exists()


def test_the_sample_feed_reads_as_candidates_with_their_fines():
    result = read_press_feed(FEED.read_bytes())

    assert result.problems == []
    assert [(c.amount, c.currency, c.language, c.published) for c in result.candidates] == [
        (Decimal("150000000.00"), "EUR", "en", datetime.date(2025, 9, 3)),  # CNIL, SHEIN
        (Decimal("290000000.00"), "EUR", "nl", datetime.date(2024, 8, 26)),  # AP, Uber (NOS)
        (Decimal("12700000.00"), "GBP", "en", datetime.date(2023, 4, 4)),  # ICO, TikTok
        (Decimal("60000000.00"), "EUR", "en", datetime.date(2022, 1, 6)),  # CNIL, Facebook
        (Decimal("35000000.00"), "EUR", "de", datetime.date(2020, 10, 1)),  # HmbBfDI, H&M (DER SPIEGEL)
    ]
    assert all(c.external_id == c.url for c in result.candidates)


def test_every_item_is_a_source_the_register_cites_with_its_title_and_announced_date():
    register = json.loads(Path(settings.FINES_REGISTER_FILE).read_text(encoding="utf-8"))
    cited = {
        source["url"]: (source["title"], decision["announced_date"])
        for decision in register["decisions"]
        for source in decision["sources"]
    }

    candidates = read_press_feed(FEED.read_bytes()).candidates

    assert len(candidates) == 5
    for candidate in candidates:
        assert candidate.url in cited, f"{candidate.url} is not a source in the register"
        title, announced = cited[candidate.url]
        assert candidate.title == title
        assert candidate.published == datetime.date.fromisoformat(announced)


def test_the_first_import_is_queued_and_the_worker_task_turns_the_feed_into_candidates(
    db, site, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        output = _run("--site", site, "--queue-first-import", "--wait", "5")

    source = ImportSource.objects.get(name=SAMPLE_NAME)
    run = ImportRun.objects.get(source=source)
    assert "Queued the first import" in output
    assert (run.status, run.seen, run.candidates, run.failed) == (RunStatus.SUCCEEDED, 5, 5, 0)
    assert Candidate.objects.filter(source=source, amount__isnull=False).count() == 5
    assert Candidate.objects.get(url__startswith="https://nos.nl/").amount == Decimal("290000000.00")


def test_a_source_imported_before_is_left_to_beat(db, site, eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _run("--site", site, "--queue-first-import", "--wait", "5")

    with django_capture_on_commit_callbacks(execute=True) as queued:
        output = _run("--site", site, "--queue-first-import", "--wait", "5")

    assert queued == []
    assert "imported before" in output
    assert ImportRun.objects.count() == 1


def test_a_site_that_does_not_serve_the_feed_is_reported(db, site):
    with pytest.raises(CommandError, match="does not serve the sample feed"):
        _run("--site", f"{site}/elsewhere", "--queue-first-import", "--wait", "5")
