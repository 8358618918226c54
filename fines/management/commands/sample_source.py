"""Configure the bundled sample source, so that a fresh `make run` has something for the worker to import.

The sample is an Atom feed of press releases and news the register already cites
(static/sample/press-releases.atom). The site serves it as a static file and the worker fetches it over
HTTP like any other source, so each item becomes a candidate for editors, with the fine read from its
title. Idempotent: a second run changes nothing and says so. An existing source keeps what editors set
in the admin (title, interval, enabled); only its address follows --site.

With --queue-first-import the command then waits until the site serves the feed and queues the
source's first import for the worker (beat would otherwise first look for due sources five minutes
after it starts).
"""
import time
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from fines.importers.fetch import FetchError, fetch
from fines.models import ImportSource
from fines.tasks import import_source
from fines.vocabularies import ImportFormat, RunStatus

SAMPLE_NAME = "sample-press-feed"
SAMPLE_FILE = "sample/press-releases.atom"  # under static/
SAMPLE_TITLE = "Sample: press releases and news the register cites"
POLL_SECONDS = 0.5


class Command(BaseCommand):
    help = "Create or update the sample import source (a press feed served by this site); safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--site", default="http://127.0.0.1:8000",
            help="Where the site is served; the worker fetches the feed from it (default http://127.0.0.1:8000).",
        )
        parser.add_argument(
            "--every", type=int, default=60, help="Minutes between imports of a new source (default 60, at least 5)."
        )
        parser.add_argument(
            "--queue-first-import", action="store_true",
            help="Once the site serves the feed, queue the source's first import for the worker "
            "(nothing is queued if it has been imported before).",
        )
        parser.add_argument(
            "--wait", type=float, default=60, help="Seconds --queue-first-import waits for the site (default 60)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing.")

    def handle(self, *args, site: str, every: int, queue_first_import: bool, wait: float, dry_run: bool, **options):
        if not finders.find(SAMPLE_FILE):
            raise CommandError(f"The sample feed static/{SAMPLE_FILE} is missing.")
        url = urljoin(site.rstrip("/") + "/", settings.STATIC_URL.lstrip("/") + SAMPLE_FILE)
        source = self._configure(url=url, every=every, dry_run=dry_run)
        if dry_run or not queue_first_import:
            return
        if not source.enabled:
            self.stdout.write(f"{SAMPLE_NAME} is disabled in the admin; nothing queued.")
            return
        if source.runs.filter(status__in=[RunStatus.SUCCEEDED, RunStatus.NOT_MODIFIED]).exists():
            self.stdout.write(
                f"{SAMPLE_NAME} has been imported before; beat reads it again every {source.every_minutes} minutes."
            )
            return
        self._wait_for(url, seconds=wait)
        import_source.delay_on_commit(source.pk)
        self.stdout.write(self.style.SUCCESS(f"Queued the first import of {SAMPLE_NAME} for the worker."))

    @transaction.atomic
    def _configure(self, *, url: str, every: int, dry_run: bool) -> ImportSource:
        source = ImportSource.objects.filter(name=SAMPLE_NAME).first()
        created = source is None
        if created:
            source = ImportSource(name=SAMPLE_NAME, title=SAMPLE_TITLE, every_minutes=every, enabled=True)
        wanted = {"format": ImportFormat.PRESS_FEED, "url": url}
        changes = [f"{field} {getattr(source, field)} -> {value}" for field, value in wanted.items()
                   if getattr(source, field) != value]
        for field, value in wanted.items():
            setattr(source, field, value)
        try:
            source.full_clean()
        except ValidationError as error:
            raise CommandError(f"The sample source cannot be saved: {'; '.join(error.messages)}") from None
        if created:
            verb = "Would create" if dry_run else "Created"
            self.stdout.write(self.style.SUCCESS(
                f"{verb} the import source {SAMPLE_NAME}: {url}, every {source.every_minutes} minutes."
            ))
        elif changes:
            verb = "Would update" if dry_run else "Updated"
            self.stdout.write(self.style.SUCCESS(f"{verb} the import source {SAMPLE_NAME}: {'; '.join(changes)}."))
        else:
            self.stdout.write(f"The import source {SAMPLE_NAME} is up to date; nothing changed.")
        if (created or changes) and not dry_run:
            source.save()
        return source

    def _wait_for(self, url: str, *, seconds: float) -> None:
        """Until the site answers with the feed: the worker's first fetch should not race the server's start."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                fetch(url, timeout=min(5.0, seconds))
                return
            except FetchError as error:
                if not error.retryable:
                    raise CommandError(f"The site does not serve the sample feed: {error}") from None
                if time.monotonic() >= deadline:
                    raise CommandError(
                        f"The site did not serve {url} within {seconds:g} seconds; "
                        "beat imports the sample when it is due."
                    ) from None
            time.sleep(POLL_SECONDS)
