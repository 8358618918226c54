"""Open exports of any filtered view of the register, in the interchange format (DESIGN section 6).

The writing side of fines/interchange.py, kept apart because it reads model instances while that module
stays free of the database. Exports stream: decisions are read in chunks with their articles, sources
and appeals prefetched, so memory and the queries per chunk stay the same whatever the size. An export
read back in through `decision_record` and `decision_upsert` (or `register_load`) changes nothing.
"""
from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from .filters import decision_filter
from .interchange import COLUMNS, csv_cell, format_partial_date
from .models import AppealEvent, Decision, DecisionQuerySet, Source
from .views import problems_response

# Rows read and prefetched per round trip: 4 queries per chunk, a few MB of model instances at most.
CHUNK_SIZE = 500
PREFETCH = ("article_citations", "sources", "appeals")
# Bytes handed to the server at a time: fewer, larger writes than one per row.
WRITE_SIZE = 64 * 1024


def plain_decimal(value: Decimal | None) -> str:
    """746000000.00 -> "746000000", 35258707.90 -> "35258707.9": a dot, no exponent, no separators."""
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def decision_row(decision: Decision) -> dict[str, str]:
    """One decision as an interchange row of strings, keyed by COLUMNS in their order (the CSV form).

    Reads the authority, organisation and its parent, and the prefetched article citations and sources.
    The authority is given by its slug, the one name `authority_find` never mistakes.
    """
    organisation = decision.organisation
    return {
        "reference": decision.reference,
        "external_source": decision.external_source,
        "external_id": decision.external_id,
        "authority": decision.authority.slug,
        "country": decision.authority.country,
        "organisation": organisation.name,
        "group": organisation.parent.name if organisation.parent else "",
        "decision_date": format_partial_date(decision.decision_date, decision.date_precision),
        "date_precision": decision.date_precision,
        "announced_date": decision.announced_date.isoformat() if decision.announced_date else "",
        "amount": plain_decimal(decision.amount),
        "currency": decision.currency,
        "amount_eur": plain_decimal(decision.amount_eur),
        "eur_rate": plain_decimal(decision.eur_rate),
        "current_amount": plain_decimal(decision.current_amount),
        "status": decision.status,
        "legal_basis": decision.legal_basis,
        "articles": ";".join(citation.provision for citation in decision.article_citations.all()),
        "violation_type": decision.violation_type,
        "sector": decision.sector,
        "case_number": decision.case_number,
        "summary": decision.summary,
        "sources": " ".join(source.url for source in decision.sources.all()),
    }


def source_item(source: Source) -> dict[str, str]:
    return {"url": source.url, "title": source.title, "language": source.language, "kind": source.kind}


def appeal_item(appeal: AppealEvent) -> dict[str, str | None]:
    return {
        "date": format_partial_date(appeal.date, appeal.date_precision),
        "date_precision": appeal.date_precision,
        "body": appeal.body,
        "case_number": appeal.case_number,
        "outcome": appeal.outcome,
        "amount_after": None if appeal.amount_after is None else plain_decimal(appeal.amount_after),
        "source_url": appeal.source_url,
        "note": appeal.note,
    }


def decision_document(decision: Decision) -> dict[str, Any]:
    """One decision as an interchange JSON object: the row, with sources in full and the appeal history."""
    return {
        **decision_row(decision),
        "sources": [source_item(source) for source in decision.sources.all()],
        "appeals": [appeal_item(appeal) for appeal in decision.appeals.all()],
    }


def decisions_streamed(queryset: DecisionQuerySet) -> Iterator[Decision]:
    """The decisions one at a time, read CHUNK_SIZE at a time with their articles, sources and appeals."""
    for decision in queryset.prefetch_related(*PREFETCH).iterator(chunk_size=CHUNK_SIZE):
        yield decision
        # Prefetched rows point back at their decision, a reference cycle that only the garbage collector's
        # rare full passes would free: memory would grow with the export. Dropping them frees it now.
        decision._prefetched_objects_cache.clear()


class _Echo:
    """A file for csv.writer whose write() hands the formatted line back instead of keeping it."""

    def write(self, text: str) -> str:
        return text


def csv_lines(decisions: Iterable[Decision]) -> Iterator[str]:
    """The CSV export's lines; a cell a spreadsheet would run as a formula is written as text (``csv_cell``)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    for decision in decisions:
        row = decision_row(decision)
        yield writer.writerow([csv_cell(row[column]) for column in COLUMNS])


def json_pieces(decisions: Iterable[Decision]) -> Iterator[str]:
    """{"decisions": [...]} with one decision a line, written as the decisions come."""
    yield '{"decisions": ['
    separator = "\n"
    for decision in decisions:
        yield separator + json.dumps(decision_document(decision), ensure_ascii=False)
        separator = ",\n"
    yield "\n]}\n"


def _encoded(pieces: Iterable[str]) -> Iterator[bytes]:
    buffer: list[str] = []
    size = 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= WRITE_SIZE:
            yield "".join(buffer).encode()
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode()


def _export(
    request: HttpRequest,
    *,
    write: Callable[[Iterable[Decision]], Iterator[str]],
    extension: str,
    content_type: str,
) -> HttpResponse:
    filterset, errors = decision_filter(
        request.GET, Decision.objects.published().with_related(), extra_parameters=frozenset()
    )
    if errors:
        return problems_response(request, errors)
    # The rows are read once the answer streams, too late for a 503: a database that is down must show
    # now, while the middleware can still answer with the friendly page.
    connection.ensure_connection()
    response = StreamingHttpResponse(_encoded(write(decisions_streamed(filterset.qs))), content_type=content_type)
    filename = f"finetracker-fines-{timezone.localdate().isoformat()}.{extension}"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@require_safe
def export_csv(request: HttpRequest) -> HttpResponse:
    """Every published decision the list's filters select, as interchange CSV (UTF-8, header row)."""
    return _export(request, write=csv_lines, extension="csv", content_type="text/csv; charset=utf-8")


@require_safe
def export_json(request: HttpRequest) -> HttpResponse:
    """Every published decision the list's filters select, as interchange JSON with appeal histories."""
    return _export(request, write=json_pieces, extension="json", content_type="application/json")
