"""Running an import: read a source with its adapter, store what is sure, queue what needs an editor.

Each row is written in its own savepoint, so a bad row becomes an ImportProblem and the rest goes on,
and nothing is half-written. Decisions are keyed by (source, external id) and candidates by (source,
item id), so a second run, or a task delivered twice, changes nothing.
"""
from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from .importers import AdapterResult, CandidateRecord, UnreadableSource
from .interchange import RecordError
from .models import Candidate, ImportProblem, ImportRun, ImportSource
from .services import Change, decision_upsert
from .vocabularies import ImportFormat, RunStatus

# A run silent this long (no sign of life) was left by a worker that died; it no longer holds the lock.
STALE_AFTER = datetime.timedelta(hours=1)
PROGRESS_EVERY = 100
HEARTBEAT_SECONDS = 2  # a run writes its progress (a sign of life) at least this often, and every 100 rows

Adapter = Callable[[bytes, ImportSource | None], AdapterResult]
Progress = Callable[[int, int], None]  # (rows done, rows in all)


def _interchange_csv(data: bytes, source: ImportSource | None) -> AdapterResult:
    from .importers.interchange import read_interchange_csv

    return read_interchange_csv(data)


def _interchange_json(data: bytes, source: ImportSource | None) -> AdapterResult:
    from .importers.interchange import read_interchange_json

    return read_interchange_json(data)


def _press_feed(data: bytes, source: ImportSource | None) -> AdapterResult:
    from .importers.press import read_press_feed

    authority = source.authority if source else None
    return read_press_feed(
        data,
        authority=authority.short_name if authority else "",
        country=authority.country if authority else "",
        language=source.language if source else "",
    )


def _gdprhub(data: bytes, source: ImportSource | None) -> AdapterResult:
    from .importers.gdprhub import gdprhub_read

    return gdprhub_read(data)


def _enforcement_tracker_page(data: bytes, source: ImportSource | None) -> AdapterResult:
    from .importers.enforcement_tracker import read_enforcement_tracker_page

    return read_enforcement_tracker_page(data)


def _enforcement_tracker_table(data: bytes, source: ImportSource | None) -> AdapterResult:
    from .importers.enforcement_tracker import read_enforcement_tracker_table

    return read_enforcement_tracker_table(data)


def _enforcement_tracker_file(path: Path, data: bytes, source: ImportSource | None) -> AdapterResult:
    from .importers.enforcement_tracker import read_enforcement_tracker

    return read_enforcement_tracker(data)


ADAPTERS: dict[str, Adapter] = {
    ImportFormat.ENFORCEMENT_TRACKER: _enforcement_tracker_page,
    ImportFormat.ENFORCEMENT_TRACKER_TABLE: _enforcement_tracker_table,
    ImportFormat.GDPRHUB: _gdprhub,
    ImportFormat.INTERCHANGE_CSV: _interchange_csv,
    ImportFormat.INTERCHANGE_JSON: _interchange_json,
    ImportFormat.PRESS_FEED: _press_feed,
}


def _interchange_file(path: Path, data: bytes, source: ImportSource | None) -> AdapterResult:
    reader = _interchange_csv if path.suffix.lower() == ".csv" else _interchange_json
    return reader(data, source)


# import_file --kind: the adapter for a file on disk (the path tells CSV from JSON).
KIND_ADAPTERS: dict[str, Callable[[Path, bytes, ImportSource | None], AdapterResult]] = {
    "interchange": _interchange_file,
    "et": _enforcement_tracker_file,
    "rss": lambda path, data, source: _press_feed(data, source),
    "gdprhub": lambda path, data, source: _gdprhub(data, source),
}


class SourceBusy(Exception):
    """Another run of the same source is in progress; `same_task`: a live run of this very task."""

    def __init__(self, message: str, *, same_task: bool = False):
        super().__init__(message)
        self.same_task = same_task


class AlreadyDone(Exception):
    """An earlier delivery of this task imported the source already: a second delivery changes nothing."""


@dataclass
class Outcome:
    """What one import did, for the run record, the command line and the task's result."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    candidates: int = 0
    skipped: int = 0
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (row, label, reason)
    new_candidates: list[CandidateRecord] = field(default_factory=list)

    @property
    def seen(self) -> int:
        return self.created + self.updated + self.unchanged + self.failed + self.candidates


def run_begin(*, source: ImportSource, task_id: str = "") -> ImportRun:
    """Take the source's lock: a new running ImportRun, unless a live one exists (SourceBusy).

    A task delivered twice (acks_late) imports once: when an earlier delivery of it finished the import,
    AlreadyDone; when its run is still alive (a sign of life within FINES_IMPORT_TAKEOVER_AFTER),
    SourceBusy(same_task=True), for the task to try again later; when that run has gone silent, its
    worker died mid-run, and the run is abandoned and taken over at once. Any run silent for
    STALE_AFTER is abandoned too, whichever task it belongs to.
    """
    now = timezone.now()
    if task_id:
        earlier = ImportRun.objects.filter(source=source, task_id=task_id)
        if earlier.filter(status__in=[RunStatus.SUCCEEDED, RunStatus.NOT_MODIFIED]).exists():
            raise AlreadyDone(f"{source.name} was imported by an earlier delivery of this task")
        takeover = datetime.timedelta(seconds=settings.FINES_IMPORT_TAKEOVER_AFTER)
        if earlier.filter(status=RunStatus.RUNNING, beat_at__gte=now - takeover).exists():
            raise SourceBusy(f"{source.name} is being imported by this task still", same_task=True)
    abandoned = Q(beat_at__lt=now - STALE_AFTER)
    if task_id:
        abandoned |= Q(task_id=task_id)
    ImportRun.objects.filter(abandoned, source=source, status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED, finished_at=now, error="abandoned: the worker stopped during the run"
    )
    try:
        with transaction.atomic():
            return ImportRun.objects.create(source=source, task_id=task_id)
    except IntegrityError:
        raise SourceBusy(f"{source.name} is already being imported") from None


def result_apply(
    *, result: AdapterResult, source: ImportSource | None, run: ImportRun | None = None,
    progress: Progress | None = None, publish: bool | None = None,
) -> Outcome:
    """Store an adapter's records and candidates; every refused row becomes a problem with its reason.

    The decisions it creates are drafts, unless `publish` says otherwise; left out, the source's own
    "publish what it imports" decides (drafts without a source). Updates never change publication.
    The run (if any) shows its progress every PROGRESS_EVERY rows; `progress(done, total)` is called
    after every row (the command line's progress bar).
    """
    if publish is None:
        publish = source is not None and source.publish_imports
    total = result.seen  # every row of the file: refused ones, records and candidates
    if run is not None:
        run.total = total  # kept on the instance too: run_finish saves it whole
        ImportRun.objects.filter(pk=run.pk).update(total=total, beat_at=Now())
    last_beat = time.monotonic()
    outcome = Outcome(skipped=result.skipped)
    outcome.problems.extend((problem.row, problem.label, "; ".join(problem.problems)) for problem in result.problems)
    outcome.failed += len(result.problems)
    for done, (row, record) in enumerate(result.records, len(result.problems) + 1):
        try:
            with transaction.atomic():
                _, change = decision_upsert(record=record, from_source=True, publish=publish)
        except RecordError as error:
            outcome.failed += 1
            outcome.problems.append((row, record.external_id or record.organisation, "; ".join(error.problems)))
        else:
            setattr(outcome, change.value, getattr(outcome, change.value) + 1)
        if run is not None and (done % PROGRESS_EVERY == 0 or time.monotonic() - last_beat >= HEARTBEAT_SECONDS):
            ImportRun.objects.filter(pk=run.pk).update(done=done, beat_at=Now())
            last_beat = time.monotonic()
        if progress is not None:
            progress(done, total)
    for candidate in result.candidates:
        # Without a source (a file read by hand) candidates are reported, not queued for editors.
        if source is None or _candidate_store(source=source, candidate=candidate) == Change.CREATED:
            outcome.candidates += 1
            outcome.new_candidates.append(candidate)
        else:
            outcome.unchanged += 1  # queued by an earlier run
    if progress is not None and result.candidates:
        progress(total, total)
    return outcome


def _candidate_store(*, source: ImportSource, candidate: CandidateRecord) -> Change:
    _, created = Candidate.objects.get_or_create(
        source=source,
        external_id=candidate.external_id,
        defaults={
            "url": candidate.url,
            "title": candidate.title[:500],
            "published": candidate.published,
            "summary": candidate.summary,
            "amount": candidate.amount,
            "currency": candidate.currency if candidate.amount is not None else "",
            "language": candidate.language,
        },
    )
    return Change.CREATED if created else Change.UNCHANGED


def run_finish(*, run: ImportRun, outcome: Outcome | None = None, status: str, error: str = "") -> ImportRun:
    """Record what the run did and release the source's lock, in one write."""
    outcome = outcome or Outcome()
    with transaction.atomic():
        run.status, run.error, run.finished_at = status, error, timezone.now()
        for name in ("created", "updated", "unchanged", "failed", "candidates"):
            setattr(run, name, getattr(outcome, name))
        run.seen = run.done = outcome.seen
        run.save()
        ImportProblem.objects.bulk_create(
            ImportProblem(run=run, row=row, label=label[:300], reason=reason) for row, label, reason in outcome.problems
        )
    return run


def source_read(
    *, source: ImportSource, data: bytes | Sequence[bytes], run: ImportRun, progress: Progress | None = None
) -> ImportRun:
    """Apply what was fetched from a source (one body, or the pages of a wiki's answer) and close its run."""
    adapter = ADAPTERS.get(source.format)
    if adapter is None:
        return run_finish(run=run, status=RunStatus.FAILED, error=f"no adapter reads {source.format!r} yet")
    pages = [data] if isinstance(data, bytes) else list(data)
    try:
        result = results_join([adapter(page, source) for page in pages])
    except UnreadableSource as error:
        return run_finish(run=run, status=RunStatus.FAILED, error=str(error))
    outcome = result_apply(result=result, source=source, run=run, progress=progress)
    return run_finish(run=run, outcome=outcome, status=RunStatus.SUCCEEDED)


def results_join(results: Sequence[AdapterResult]) -> AdapterResult:
    """One result from the pages of one answer; rows are numbered on from page to page."""
    if len(results) == 1:
        return results[0]
    joined, offset = AdapterResult(), 0
    for result in results:
        joined.records += [(row + offset, record) for row, record in result.records]
        joined.problems += [replace(problem, row=problem.row + offset) for problem in result.problems]
        joined.candidates += result.candidates
        joined.skipped += result.skipped
        offset += result.seen + result.skipped  # every row the page had
    return joined
