"""The import task and command end to end: a source served over HTTP on loopback, read twice."""
import copy
import datetime
import http.server
import io
import json
import sys
import threading
import urllib.parse
from pathlib import Path

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from fines import tasks
from fines.importing import STALE_AFTER
from fines.models import Decision, ImportRun, ImportSource
from fines.tasks import BACKOFF_MAX_SECONDS, MAX_TRIES, import_source, retry_delay
from fines.vocabularies import ImportFormat, RunStatus

FILES = Path(__file__).parent / "importers" / "files"
ROWS = {"decisions": [
    {"external_source": "tracker", "external_id": "ETid-1", "authority": "cnil", "country": "FR",
     "organisation": "Google LLC", "decision_date": "2019-01-21", "amount": "50000000", "currency": "EUR",
     "articles": "6;12;13", "sources": "https://www.cnil.fr/en/cnils-restricted-committee-imposes-financial-penalty-50-million-euros-against-google-llc"},
    {"external_source": "tracker", "external_id": "ETid-2", "authority": "cnil", "country": "FR",
     "organisation": "Example SAS", "decision_date": "2020-02-30", "amount": "1000", "currency": "EUR"},
]}


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.server.fail:
            self.send_error(503, "Service Unavailable")
            return
        if self.headers.get("If-None-Match") == '"rows-1"':
            self.send_response(304)
            self.end_headers()
            return
        body = json.dumps(ROWS).encode()
        self.send_response(200)
        self.send_header("ETag", '"rows-1"')
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def source(db, make_authority):
    make_authority("cnil", "CNIL", "FR")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.fail = False
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    source = ImportSource.objects.create(
        name="tracker", title="Tracker", format=ImportFormat.INTERCHANGE_JSON,
        url=f"http://127.0.0.1:{httpd.server_address[1]}/cases.json",
    )
    source.server = httpd
    yield source
    httpd.shutdown()
    httpd.server_close()


def test_a_source_imported_twice_changes_nothing_the_second_time(source):
    result = import_source.apply(args=[source.pk]).get()
    assert result["status"] == RunStatus.SUCCEEDED
    run = ImportRun.objects.get(pk=result["run"])
    assert (run.created, run.failed) == (1, 1)
    assert "2020-02-30" in run.problems.get().reason
    assert Decision.objects.get(external_id="ETid-1").amount_eur == 50_000_000
    again = import_source.apply(args=[source.pk]).get()
    assert again["status"] == RunStatus.NOT_MODIFIED
    ImportSource.objects.filter(pk=source.pk).update(etag="")  # a source without validators: read in full
    third = ImportRun.objects.get(pk=import_source.apply(args=[source.pk]).get()["run"])
    assert (third.created, third.updated, third.unchanged) == (0, 0, 1)
    assert Decision.objects.filter(external_source="tracker").count() == 1


def test_a_server_error_is_retried_then_given_up_with_the_reason(source):
    source.server.fail = True
    import_source.apply(args=[source.pk])
    runs = ImportRun.objects.filter(source=source)
    assert runs.count() == MAX_TRIES
    assert all(run.status == RunStatus.FAILED and "503" in run.error for run in runs)
    assert not Decision.objects.exists()


def test_the_run_carries_the_task_id_and_a_redelivered_task_takes_over_its_abandoned_run(source):
    left = ImportRun.objects.create(source=source, task_id="task-1")  # its worker died mid-run
    ImportRun.objects.filter(pk=left.pk).update(beat_at=timezone.now() - datetime.timedelta(minutes=3))
    result = import_source.apply(args=[source.pk], task_id="task-1").get()
    assert result["status"] == RunStatus.SUCCEEDED
    assert ImportRun.objects.get(pk=result["run"]).task_id == "task-1"
    left.refresh_from_db()
    assert left.status == RunStatus.FAILED and "abandoned" in left.error
    # Delivered once more: that delivery's import is done already, so it changes nothing.
    again = import_source.apply(args=[source.pk], task_id="task-1").get()
    assert again["status"] == "skipped" and "earlier delivery" in again["reason"]
    assert ImportRun.objects.filter(source=source).count() == 2


def test_a_task_delivered_again_while_its_run_lives_waits_and_tries_again(source):
    ImportRun.objects.create(source=source, task_id="task-1")  # alive: a sign of life just now
    # Run eagerly here, its tries follow at once (a worker waits FINES_IMPORT_TAKEOVER_AFTER between them);
    # the run still lives through all of them, so the task gives up without a second run.
    result = import_source.apply(args=[source.pk], task_id="task-1").get()
    assert result["status"] == "skipped" and "still" in result["reason"]
    assert ImportRun.objects.filter(source=source).count() == 1


def test_a_run_stopped_by_the_soft_time_limit_is_failed_with_the_reason_and_frees_the_source(source, monkeypatch):
    read = tasks.source_read

    def read_until_the_limit(*, progress, **kwargs):
        progress(1, 2)
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(tasks, "source_read", read_until_the_limit)
    result = import_source.apply(args=[source.pk]).get()
    run = ImportRun.objects.get(pk=result["run"])
    assert (result["status"], run.status) == (RunStatus.FAILED, RunStatus.FAILED)
    assert run.error == "stopped by the time limit after 1 of 2 rows (those stay; the next run reads the source again)"
    assert run.finished_at is not None
    monkeypatch.setattr(tasks, "source_read", read)
    assert import_source.apply(args=[source.pk]).get()["status"] == RunStatus.SUCCEEDED  # the lock was released


def test_time_limits_and_visibility_timeout_agree():
    assert import_source.soft_time_limit < import_source.time_limit < STALE_AFTER.total_seconds()
    # A message is held unacknowledged for at most the longest retry countdown plus a whole run.
    assert settings.CELERY_VISIBILITY_TIMEOUT > BACKOFF_MAX_SECONDS + import_source.time_limit


def test_backoff_grows_and_is_jittered_within_its_cap():
    delays = [retry_delay(retries) for retries in range(8)]
    assert all(0 <= delay <= 15 * 60 for delay in delays)
    assert max(retry_delay(0) for _ in range(50)) <= 30


def test_import_file_prints_one_json_object_and_exits_zero_with_rejected_rows(db, make_authority, capsys):
    make_authority("cnpd", "CNPD", "LU")
    call_command("import_file", "--kind", "et", "tests/importers/files/et_page.html", "--json")
    summary = json.loads(capsys.readouterr().out)
    assert set(summary) >= {"created", "updated", "unchanged", "failed", "problems", "candidates"}
    assert summary["created"] >= 1 and summary["failed"] >= 1
    assert all({"row", "reason"} <= set(problem) for problem in summary["problems"])


def test_import_file_fails_only_when_the_file_cannot_be_read(db):
    with pytest.raises(CommandError, match="could not be read"):
        call_command("import_file", "--kind", "rss", "tests/importers/files/press_html_page.html")


def test_import_source_runs_a_configured_source_now(source, capsys):
    call_command("import_source", "tracker")
    out, err = capsys.readouterr()
    assert "tracker: succeeded; 2 seen, 1 created, 0 updated, 0 unchanged, 1 failed, 0 candidates." in out
    assert "row 2 (ETid-2)" in out
    assert err == ""  # not a terminal: no progress bar
    call_command("import_source", "tracker")
    assert "tracker: not modified since the last run" in capsys.readouterr().out
    with pytest.raises(CommandError, match="no import source named 'nothing'"):
        call_command("import_source", "nothing")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_import_source_shows_a_progress_bar_on_a_terminal_then_the_summary(source, monkeypatch):
    out, err = _Terminal(), _Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    call_command("import_source", "tracker", stdout=out)
    assert "tracker: 100%" in err.getvalue() and "2/2" in err.getvalue()  # every row: one read, one refused
    assert out.getvalue().startswith("tracker: succeeded; 2 seen")


def test_import_source_says_why_a_source_could_not_be_fetched(source):
    source.server.fail = True
    with pytest.raises(CommandError, match="tracker: .* answered 503"):
        call_command("import_source", "tracker")
    assert ImportRun.objects.get(source=source).status == RunStatus.FAILED


def test_a_wiki_answer_in_pages_is_read_page_by_page_with_a_pause(db, monkeypatch):
    first = json.loads((FILES / "gdprhub_decisions.json").read_bytes())
    second = copy.deepcopy(first)
    del second["continue"]
    for page in second["query"]["pages"]:
        if "pageid" in page:
            page["pageid"] += 100_000  # other pages: other decisions
    answers = {"": first, first["continue"]["rvcontinue"]: second}
    asked, pauses = [], []

    class Wiki(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
            asked.append(query)
            body = json.dumps(answers[query.get("rvcontinue", "")]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Wiki)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    monkeypatch.setattr(tasks.time, "sleep", pauses.append)
    try:
        source = ImportSource.objects.create(
            name="gdprhub", title="GDPRhub", format=ImportFormat.GDPRHUB,
            url=f"http://127.0.0.1:{httpd.server_address[1]}/api.php?action=query&format=json&formatversion=2",
        )
        result = import_source.apply(args=[source.pk]).get()
    finally:
        httpd.shutdown()
        httpd.server_close()
    run = ImportRun.objects.get(pk=result["run"])
    assert [query.get("rvcontinue") for query in asked] == [None, "20211|48213"]
    assert asked[1]["action"] == "query" and asked[1]["continue"] == "||"  # the source's own parameters kept
    assert pauses == [tasks.WIKI_PAUSE_SECONDS]
    ids = {int(external_id) for external_id in Decision.objects.values_list("external_id", flat=True)}
    from_first = {external_id for external_id in ids if external_id < 100_000}
    assert from_first and ids == from_first | {external_id + 100_000 for external_id in from_first}
    assert (run.status, run.created) == (RunStatus.SUCCEEDED, len(ids))
    # Rows are numbered on across pages: the second answer's problems come 9 rows (its first's pages) later.
    rows = list(run.problems.values_list("row", flat=True))
    half = len(rows) // 2
    assert rows and rows[half:] == [row + len(first["query"]["pages"]) for row in rows[:half]]


def test_an_unexpected_error_fails_the_run_and_frees_the_source(source, monkeypatch):
    def broken(**kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(tasks, "source_read", broken)
    with pytest.raises(ZeroDivisionError):
        import_source.apply(args=[source.pk], throw=True).get()
    run = ImportRun.objects.get(source=source)
    assert run.status == RunStatus.FAILED and "ZeroDivisionError('a bug')" in run.error
    assert not ImportRun.objects.filter(source=source, status=RunStatus.RUNNING).exists()
