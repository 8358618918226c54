"""Celery entry points: thin, given ids, safe to run twice (acks_late; the work itself is idempotent)."""
from __future__ import annotations

import datetime
import random

from celery import shared_task
from django.db.models import Max
from django.utils import timezone

from .importers.fetch import FetchError, fetch
from .importing import SourceBusy, run_begin, run_finish, source_read
from .models import ImportSource
from .vocabularies import RunStatus

MAX_TRIES = 5
BACKOFF_SECONDS = 30
BACKOFF_MAX_SECONDS = 15 * 60


def retry_delay(retries: int) -> float:
    """Exponential backoff with full jitter: a random wait up to 30 s, 60 s, 120 s... capped at 15 minutes."""
    return random.uniform(0, min(BACKOFF_MAX_SECONDS, BACKOFF_SECONDS * 2**retries))


@shared_task(bind=True, acks_late=True, max_retries=MAX_TRIES - 1)
def import_source(self, source_id: int) -> dict:
    """Fetch one source and apply it; a network fault is retried with backoff, a bad file is not."""
    source = ImportSource.objects.filter(pk=source_id, enabled=True).select_related("authority").first()
    if source is None:
        return {"source": source_id, "status": "skipped", "reason": "no such enabled source"}
    try:
        run = run_begin(source=source)
    except SourceBusy as busy:
        return {"source": source.name, "status": "skipped", "reason": str(busy)}
    try:
        fetched = fetch(source.url, etag=source.etag, last_modified=source.last_modified)
    except FetchError as error:
        run_finish(run=run, status=RunStatus.FAILED, error=str(error))
        if error.retryable and self.request.retries < MAX_TRIES - 1:
            raise self.retry(exc=error, countdown=retry_delay(self.request.retries)) from None
        return {"source": source.name, "status": RunStatus.FAILED, "error": str(error)}
    if fetched.not_modified:
        run_finish(run=run, status=RunStatus.NOT_MODIFIED)
        return {"source": source.name, "status": RunStatus.NOT_MODIFIED}
    run = source_read(source=source, data=fetched.body, run=run)
    if run.status == RunStatus.SUCCEEDED:
        # Kept only after a good read, so that a failed one is fetched in full next time.
        ImportSource.objects.filter(pk=source.pk).update(etag=fetched.etag, last_modified=fetched.last_modified)
    return {"source": source.name, "status": run.status, "run": run.pk}


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
