"""Run one configured import source now, in this process, and say what the run did.

On a terminal a progress bar counts the rows as they are applied; piped or redirected, only the
summary is printed.
"""
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from fines.importers.fetch import FetchError
from fines.importing import Progress
from fines.models import ImportRun, ImportSource
from fines.tasks import source_import
from fines.vocabularies import RunStatus


class Command(BaseCommand):
    help = "Fetch and import one configured source now (the same work the scheduled task does)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The import source's name (see the admin's import sources).")

    def handle(self, *args, name: str, **options):
        source = ImportSource.objects.filter(name=name).select_related("authority").first()
        if source is None:
            known = ", ".join(ImportSource.objects.values_list("name", flat=True)) or "none yet"
            raise CommandError(f"There is no import source named {name!r} (known: {known}).")
        if not source.enabled:
            raise CommandError(f"{name} is disabled; enable it in the admin first.")
        with self.progress_bar(name) as progress:
            try:
                result = source_import(source, progress=progress)
            except FetchError as error:
                raise CommandError(f"{name}: {error}") from None
        run = ImportRun.objects.filter(pk=result["run"]).first() if result.get("run") else None
        if run is None:
            status = result["status"]
            label = RunStatus(status).label if status in RunStatus.values else status
            self.stdout.write(f"{name}: {label}" + (f" ({result['reason']})" if "reason" in result else ""))
            return
        self.stdout.write(
            f"{name}: {run.get_status_display()}; {run.seen} seen, {run.created} created, {run.updated} updated, "
            f"{run.unchanged} unchanged, {run.failed} failed, {run.candidates} candidates."
        )
        for problem in run.problems.all():
            self.stdout.write(self.style.WARNING(f"  row {problem.row} ({problem.label}): {problem.reason}"))
        if run.error:
            raise CommandError(run.error)

    @contextmanager
    def progress_bar(self, name: str) -> Iterator[Progress | None]:
        """A bar on stderr while someone watches the terminal; none when the output goes to a file or a pipe."""
        if not (self.stdout.isatty() and sys.stderr.isatty()):
            yield None
            return
        bar = tqdm(desc=name, unit=" rows", file=sys.stderr, dynamic_ncols=True)

        def progress(done: int, total: int) -> None:
            if bar.total != total:
                bar.total = total
                bar.refresh()
            bar.update(done - bar.n)

        try:
            yield progress
        finally:
            bar.close()
