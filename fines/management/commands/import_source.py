"""Run one configured import source now, in this process, and say what the run did."""
from django.core.management.base import BaseCommand, CommandError

from fines.models import ImportRun, ImportSource
from fines.tasks import import_source
from fines.vocabularies import RunStatus


class Command(BaseCommand):
    help = "Fetch and import one configured source now (the same work the scheduled task does)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The import source's name (see the admin's import sources).")

    def handle(self, *args, name: str, **options):
        source = ImportSource.objects.filter(name=name).first()
        if source is None:
            known = ", ".join(ImportSource.objects.values_list("name", flat=True)) or "none yet"
            raise CommandError(f"There is no import source named {name!r} (known: {known}).")
        if not source.enabled:
            raise CommandError(f"{name} is disabled; enable it in the admin first.")
        result = import_source.apply(args=[source.pk]).get()
        run = ImportRun.objects.filter(pk=result.get("run")).first() if result.get("run") else None
        if run is None:
            status = result["status"]
            label = RunStatus(status).label if status in RunStatus.values else status
            self.stdout.write(f"{name}: {label}" + (f" ({result['reason']})" if "reason" in result else ""))
            if result.get("error"):
                raise CommandError(result["error"])
            return
        self.stdout.write(
            f"{name}: {run.get_status_display()}; {run.seen} seen, {run.created} created, {run.updated} updated, "
            f"{run.unchanged} unchanged, {run.failed} failed, {run.candidates} candidates."
        )
        for problem in run.problems.all():
            self.stdout.write(self.style.WARNING(f"  row {problem.row} ({problem.label}): {problem.reason}"))
        if run.error:
            raise CommandError(run.error)
