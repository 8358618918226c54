"""Celery entry points: thin, given ids, safe to run twice (acks_late; the work itself is idempotent)."""
from __future__ import annotations

import datetime
import random
import time
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from .importers.fetch import FetchError, fetch
from .importers.gdprhub import gdprhub_continuation
from .importing import AlreadyDone, Progress, SourceBusy, run_begin, run_finish, source_read
from .models import ImportSource
from .vocabularies import ImportFormat, RunStatus

MAX_TRIES = 5
WIKI_PAUSE_SECONDS = 1.0  # between two requests to a wiki
WIKI_MAX_PAGES = 50
BACKOFF_SECONDS = 30
# settings.py sizes the broker's visibility timeout from this and the time limits; change them there.
BACKOFF_MAX_SECONDS = settings.FINES_IMPORT_RETRY_MAX_WAIT


def retry_delay(retries: int) -> float:
    """Exponential backoff with full jitter: a random wait up to 30 s, 60 s, 120 s... capped at 15 minutes."""
    return random.uniform(0, min(BACKOFF_MAX_SECONDS, BACKOFF_SECONDS * 2**retries))


def source_import(source: ImportSource, *, task_id: str = "", progress: Progress | None = None) -> dict:
    """Fetch one source and apply it under the source's lock; the work of the task and of the command.

    Returns a summary (source, status, and run, reason or error). A fetch that fails is recorded as a
    failed run and then raised as FetchError, so that the caller decides whether to try again; so is
    SourceBusy when a live run of this same task holds the source (a second delivery of it). A run
    stopped by the task's soft time limit is finished as failed and its lock released; the rows it did
    are kept, and the next run goes on from them unchanged.
    """
    try:
        run = run_begin(source=source, task_id=task_id)
    except SourceBusy as busy:
        if busy.same_task:
            raise  # the task's own earlier delivery is still at work: the task looks again later
        return {"source": source.name, "status": "skipped", "reason": str(busy)}
    except AlreadyDone as done:
        return {"source": source.name, "status": "skipped", "reason": str(done)}
    rows = {"done": 0, "total": 0}

    def count(done: int, total: int) -> None:
        rows.update(done=done, total=total)
        if progress is not None:
            progress(done, total)

    try:
        fetched = fetch(source.url, etag=source.etag, last_modified=source.last_modified)
        if fetched.not_modified:
            run_finish(run=run, status=RunStatus.NOT_MODIFIED)
            return {"source": source.name, "status": RunStatus.NOT_MODIFIED}
        pages = [fetched.body]
        if source.format == ImportFormat.GDPRHUB:
            pages += _wiki_pages_after(source.url, fetched.body)
        run = source_read(source=source, data=pages, run=run, progress=count)
    except FetchError as error:
        run_finish(run=run, status=RunStatus.FAILED, error=str(error))
        raise
    except SoftTimeLimitExceeded:
        if rows["total"]:
            error = (
                f"stopped by the time limit after {rows['done']} of {rows['total']} rows "
                "(those stay; the next run reads the source again)"
            )
        else:
            error = "stopped by the time limit before the source was read"
        run.total = rows["total"] or run.total
        run = run_finish(run=run, status=RunStatus.FAILED, error=error)
        return {"source": source.name, "status": RunStatus.FAILED, "run": run.pk, "error": error}
    except Exception as error:
        # A fault of ours (a bug, the database gone): the run says so and frees the source, then the
        # error goes on to the worker's log. Rows already written stay; the next run goes on from them.
        run_finish(run=run, status=RunStatus.FAILED, error=f"stopped by an unexpected error: {error!r}")
        raise
    if run.status == RunStatus.SUCCEEDED:
        # Kept only after a good read, so that a failed one is fetched in full next time.
        ImportSource.objects.filter(pk=source.pk).update(etag=fetched.etag, last_modified=fetched.last_modified)
    return {"source": source.name, "status": run.status, "run": run.pk}


def _wiki_pages_after(url: str, first: bytes) -> list[bytes]:
    """The further pages of a MediaWiki API answer, asked for one at a time with a pause between them.

    MediaWiki's API etiquette: requests in series, not in parallel, and not too fast. A run reads at
    most WIKI_MAX_PAGES pages; the rest waits for the next run.
    """
    pages, body = [], first
    while (more := gdprhub_continuation(body)) and len(pages) < WIKI_MAX_PAGES - 1:
        time.sleep(WIKI_PAUSE_SECONDS)
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query, keep_blank_values=True)) | more
        body = fetch(urlunsplit(parts._replace(query=urlencode(query)))).body
        pages.append(body)
    return pages


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=MAX_TRIES - 1,
    soft_time_limit=settings.FINES_IMPORT_SOFT_TIME_LIMIT,
    time_limit=settings.FINES_IMPORT_TIME_LIMIT,
)
def import_source(self, source_id: int) -> dict:
    """Import one source; a network fault is retried with backoff, a bad file is not.

    The task id goes with the run: delivered again after its worker died (acks_late), the task takes
    over the run it had left instead of waiting for the source's lock to go stale.
    """
    source = ImportSource.objects.filter(pk=source_id, enabled=True).select_related("authority").first()
    if source is None:
        return {"source": source_id, "status": "skipped", "reason": "no such enabled source"}
    try:
        return source_import(source, task_id=self.request.id or "")
    except SourceBusy as busy:  # delivered again while its first delivery still works: look again later
        if self.request.retries < MAX_TRIES - 1:
            raise self.retry(exc=busy, countdown=settings.FINES_IMPORT_TAKEOVER_AFTER) from None
        return {"source": source.name, "status": "skipped", "reason": str(busy)}
    except FetchError as error:
        if error.retryable and self.request.retries < MAX_TRIES - 1:
            raise self.retry(exc=error, countdown=retry_delay(self.request.retries)) from None
        return {"source": source.name, "status": RunStatus.FAILED, "error": str(error)}


@shared_task(acks_late=True)
def import_due_sources() -> list[int]:
    """Beat calls this every few minutes; it enqueues each enabled source whose interval has passed."""
    now = timezone.now()
    due = []
    sources = ImportSource.objects.filter(enabled=True).annotate(last_started=Max("runs__started_at"))
    for source in sources:
        if source.last_started is None or source.last_started <= now - datetime.timedelta(minutes=source.every_minutes):
            import_source.delay(source.pk)
            due.append(source.pk)
    return due
