"""Load the bundled register (or another interchange JSON file) into the database.

Idempotent: a second run with the same file changes nothing and says so. All or nothing: a file with
a bad row writes nothing and lists every problem with its row.
"""
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from fines.interchange import RecordError
from fines.services import Change, register_load


class Command(BaseCommand):
    help = "Load the bundled register of GDPR decisions (interchange JSON); safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--file", type=Path, default=settings.FINES_REGISTER_FILE,
            help="Interchange JSON file to load (default: the bundled register).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing.")

    def handle(self, *args, file: Path, dry_run: bool, **options):
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        try:
            report = register_load(data=data, dry_run=dry_run)
        except RecordError as error:
            raise CommandError(f"{file.name}: {error}") from None
        if report.problems:
            for problem in report.problems:
                self.stderr.write(self.style.ERROR(str(problem)))
            raise CommandError(f"{len(report.problems)} row(s) of {file.name} have problems; nothing was written.")
        prefix = "Would load" if dry_run else "Loaded"
        for kind, counts in report.counts.items():
            self.stdout.write(
                f"{prefix} {kind}: {counts[Change.CREATED]} created, {counts[Change.UPDATED]} updated, "
                f"{counts[Change.UNCHANGED]} unchanged."
            )
        if not report.changed:
            self.stdout.write(self.style.SUCCESS("The register is up to date; nothing changed."))
        elif not dry_run:
            self.stdout.write(self.style.SUCCESS(f"Register loaded from {file.name}."))
