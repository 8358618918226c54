"""Import one file with the adapter for its kind, and say what happened: counts, problems, candidates.

Rows that cannot be read are reported with their row and reason; the rest is stored. The decisions it
creates are drafts for a chief editor to publish, unless --publish is given; decisions it updates keep
their state. Exit status 0 when the file was read (even with rejected rows), non-zero only when it could
not be read at all.
"""
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from fines.importers import UnreadableSource
from fines.importing import KIND_ADAPTERS, Outcome, result_apply
from fines.models import ImportSource


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = "Import a file (interchange CSV/JSON, Enforcement Tracker, GDPRhub, RSS/Atom) into the register."

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, choices=sorted(KIND_ADAPTERS), help="What the file is.")
        parser.add_argument("path", type=Path)
        parser.add_argument("--source", help="Name of the import source the file came from (keeps candidates).")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing.")
        parser.add_argument(
            "--publish", action="store_true",
            help="Publish the decisions it creates (default: drafts, even when --source is set to publish).",
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the summary as one JSON object, only."
        )

    def handle(
        self, *args, kind: str, path: Path, source: str | None, dry_run: bool, as_json: bool, publish: bool,
        **options,
    ):
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from None
        import_source = None
        if source:
            import_source = ImportSource.objects.filter(name=source).select_related("authority").first()
            if import_source is None:
                raise CommandError(f"There is no import source named {source!r}.")
        try:
            result = KIND_ADAPTERS[kind](path, data, import_source)
        except UnreadableSource as error:
            raise CommandError(f"{path.name} could not be read: {error}") from None
        outcome = Outcome()
        try:
            with transaction.atomic():
                outcome = result_apply(result=result, source=import_source, publish=publish)
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        summary = _summary(outcome, published=publish)
        if as_json:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        self._print(path, summary, dry_run=dry_run)

    def _print(self, path: Path, summary: dict, *, dry_run: bool) -> None:
        verb = "Would import" if dry_run else "Imported"
        state = "published" if summary["published"] else "drafts"
        self.stdout.write(
            f"{verb} {path.name}: {summary['seen']} seen, {summary['created']} created ({state}), "
            f"{summary['updated']} updated, "
            f"{summary['unchanged']} unchanged, {summary['failed']} failed, {len(summary['candidates'])} candidates."
        )
        for problem in summary["problems"]:
            self.stdout.write(self.style.WARNING(f"  row {problem['row']} ({problem['label']}): {problem['reason']}"))
        for candidate in summary["candidates"]:
            amount = f"{candidate['amount']} {candidate['currency']}" if candidate["amount"] else "no amount"
            self.stdout.write(f"  candidate: {candidate['url']} ({amount})")


def _summary(outcome: Outcome, *, published: bool) -> dict:
    return {
        "seen": outcome.seen,
        "created": outcome.created,
        "published": published,  # whether the decisions it created are published (else drafts)
        "updated": outcome.updated,
        "unchanged": outcome.unchanged,
        "failed": outcome.failed,
        "problems": [{"row": row, "label": label, "reason": reason} for row, label, reason in outcome.problems],
        "candidates": [
            {
                "url": candidate.url,
                "title": candidate.title,
                "amount": None if candidate.amount is None else str(candidate.amount),
                "currency": candidate.currency or None,
            }
            for candidate in outcome.new_candidates
        ],
    }
