"""The interchange format (DESIGN section 6): one record per decision, the same for export and import.

Reading turns a row (a CSV row or a JSON object) into a DecisionRecord with typed values, or raises
RecordError naming every field that is wrong. Nothing here touches the database.
"""
from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from .articles import ArticleReferenceError, articles_parse
from .countries import country_codes
from .currency import known_currencies
from .models import REFERENCE_PREFIX
from .vocabularies import (
    RULING_OUTCOMES,
    AppealOutcome,
    DatePrecision,
    LegalBasis,
    Sector,
    SourceKind,
    Status,
    ViolationType,
)

COLUMNS = (
    "reference", "external_source", "external_id", "authority", "country", "organisation", "group",
    "decision_date", "date_precision", "announced_date", "amount", "currency", "amount_eur", "eur_rate",
    "current_amount", "status", "legal_basis", "articles", "violation_type", "sector", "case_number",
    "summary", "sources",
)
REQUIRED = ("authority", "country", "organisation", "decision_date", "amount", "currency")
# A spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return) as a formula: "=HYPERLINK(...)"
# in an organisation's name would be a link in every reader's spreadsheet (OWASP, "CSV injection"). The CSV
# export writes such a cell with a ' before it, as a spreadsheet user would type it, and the CSV reader takes it
# off again. Quotes that already stand before such a start get one more, so that every value reads back exactly.
_FORMULA_START = re.compile(r"'*[=+\-@\t\r]")
_PLAIN_DECIMAL = re.compile(r"^[0-9]+(\.[0-9]+)?$")
_REFERENCE = re.compile(rf"^{REFERENCE_PREFIX}([1-9][0-9]*)$")


def csv_cell(value: str) -> str:
    """A value as the CSV export writes it: "=SUM(A1)" -> "'=SUM(A1)", "'=x" -> "''=x", anything else as it is."""
    return "'" + value if _FORMULA_START.match(value) else value


def csv_value(cell: str) -> str:
    """The value of a CSV cell, ``csv_cell`` undone: "'=SUM(A1)" -> "=SUM(A1)"; "'tis" and "=1+1" stay as they are."""
    return cell[1:] if cell.startswith("'") and _FORMULA_START.match(cell) else cell


class RecordError(ValueError):
    """A row that cannot be read; `problems` says why, one sentence per field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class SourceRecord:
    url: str
    title: str = ""
    language: str = ""
    kind: str = SourceKind.PRESS_RELEASE


@dataclass(frozen=True)
class AppealRecord:
    date: datetime.date | None
    date_precision: str
    body: str
    outcome: str
    amount_after: Decimal | None
    case_number: str = ""
    source_url: str = ""
    note: str = ""


@dataclass
class DecisionRecord:
    authority: str
    country: str
    organisation: str
    decision_date: datetime.date | None
    date_precision: str
    amount: Decimal
    currency: str
    number: int | None = None
    external_source: str = ""
    external_id: str = ""
    group: str = ""
    announced_date: datetime.date | None = None
    current_amount: Decimal | None = None
    status: str = ""
    legal_basis: str = LegalBasis.GDPR
    articles: list[str] = field(default_factory=list)
    violation_type: str = ""
    sector: str = ""
    case_number: str = ""
    summary: str = ""
    sources: list[SourceRecord] = field(default_factory=list)
    appeals: list[AppealRecord] | None = None  # None: the row says nothing about appeals

    @property
    def reference(self) -> str:
        return f"{REFERENCE_PREFIX}{self.number}" if self.number else ""


@dataclass(frozen=True)
class TurnoverRecord:
    """An organisation's worldwide annual turnover in one financial year, with where it was read."""

    amount: Decimal
    currency: str
    year: int
    source: str = ""


def turnover_record(value: Any) -> TurnoverRecord | None:
    """Read {"amount": "386064000000", "currency": "USD", "year": 2020, "source": "https://..."}."""
    if value in (None, "", {}):
        return None
    if not isinstance(value, dict):
        raise RecordError(["turnover must be an object with amount, currency, year and source"])
    problems: list[str] = []
    amount = _decimal(_text(value, "amount"), "turnover amount", problems)
    currency = _text(value, "currency").upper()
    if currency not in known_currencies():
        problems.append(f"turnover currency {currency!r} is not a currency the ECB publishes rates for")
    year = value.get("year")
    if not isinstance(year, int) or not 1995 <= year <= timezone.localdate().year:
        problems.append(f"turnover year {year!r} is not a year between 1995 and this year")
    if amount is None and not problems:
        problems.append("turnover has no amount")
    if problems:
        raise RecordError(problems)
    return TurnoverRecord(amount=amount, currency=currency, year=year, source=_text(value, "source"))


def parse_partial_date(text: str) -> tuple[datetime.date | None, str]:
    """"2021-07-15" -> day, "2021-07" -> month, "2021" -> year, "" -> unknown. Raises ValueError."""
    text = text.strip()
    if not text:
        return None, DatePrecision.UNKNOWN
    for pattern, precision, fmt in (
        (r"^\d{4}-\d{2}-\d{2}$", DatePrecision.DAY, "%Y-%m-%d"),
        (r"^\d{4}-\d{2}$", DatePrecision.MONTH, "%Y-%m"),
        (r"^\d{4}$", DatePrecision.YEAR, "%Y"),
    ):
        if re.match(pattern, text):
            try:
                return datetime.datetime.strptime(text, fmt).date(), precision
            except ValueError:
                raise ValueError(f"{text!r} is not a date in the calendar") from None
    raise ValueError(f"{text!r} is not a date (YYYY-MM-DD, YYYY-MM or YYYY)")


def format_partial_date(value: datetime.date | None, precision: str) -> str:
    if value is None or precision == DatePrecision.UNKNOWN:
        return ""
    return {
        DatePrecision.DAY: value.isoformat(),
        DatePrecision.MONTH: value.strftime("%Y-%m"),
        DatePrecision.YEAR: value.strftime("%Y"),
    }[precision]


def _text(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    if value is None:
        return ""
    return str(value).strip()


def _decimal(text: str, label: str, problems: list[str]) -> Decimal | None:
    if not text:
        return None
    if not _PLAIN_DECIMAL.match(text):
        problems.append(f"{label} {text!r} is not a plain non-negative decimal (e.g. 746000000 or 35258707.95)")
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern already excludes it
        problems.append(f"{label} {text!r} is not a number")
        return None


def _choice(text: str, label: str, choices: type, problems: list[str]) -> str:
    if text and text not in choices.values:
        problems.append(f"{label} {text!r} is not one of: {', '.join(choices.values)}")
        return ""
    return text


def _sources(value: Any, problems: list[str]) -> list[SourceRecord]:
    if isinstance(value, str):
        return [SourceRecord(url=url) for url in value.split()]
    records = []
    for item in value or []:
        if isinstance(item, str):
            records.append(SourceRecord(url=item))
        elif isinstance(item, dict) and item.get("url"):
            kind = _choice(_text(item, "kind"), "source kind", SourceKind, problems) or SourceKind.PRESS_RELEASE
            records.append(
                SourceRecord(
                    url=_text(item, "url"),
                    title=_text(item, "title"),
                    language=_text(item, "language"),
                    kind=kind,
                )
            )
        else:
            problems.append(f"source {item!r} has no url")
    for record in records:
        if not record.url.startswith(("http://", "https://")):
            problems.append(f"source {record.url!r} is not an http(s) URL")
    return records


def _appeals(value: Any, problems: list[str]) -> list[AppealRecord] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        problems.append("appeals must be a list")
        return None
    records = []
    for index, item in enumerate(value, start=1):
        label = f"appeal {index}"
        if not isinstance(item, dict):
            problems.append(f"{label} is not an object")
            continue
        try:
            date, precision = parse_partial_date(_text(item, "date"))
        except ValueError as error:
            problems.append(f"{label} date: {error}")
            continue
        outcome = _choice(_text(item, "outcome"), f"{label} outcome", AppealOutcome, problems)
        amount_after = _decimal(_text(item, "amount_after"), f"{label} amount_after", problems)
        body = _text(item, "body")
        if not body:
            problems.append(f"{label} has no body (court or board)")
        if not outcome:
            problems.append(f"{label} has no outcome")
        elif outcome in RULING_OUTCOMES and amount_after is None:
            problems.append(f"{label} is a ruling ({outcome}) but gives no amount_after")
        records.append(
            AppealRecord(
                date=date,
                date_precision=precision,
                body=body,
                outcome=outcome,
                amount_after=amount_after,
                case_number=_text(item, "case_number"),
                source_url=_text(item, "source_url"),
                note=_text(item, "note"),
            )
        )
    return records


def decision_record(row: dict[str, Any], *, today: datetime.date | None = None) -> DecisionRecord:
    """Read one interchange row (CSV dict or JSON object). Raises RecordError listing every problem."""
    today = today or timezone.localdate()
    problems: list[str] = []
    for key in REQUIRED:
        if not _text(row, key):
            problems.append(f"{key} is missing")

    number = None
    if reference := _text(row, "reference"):
        if match := _REFERENCE.match(reference):
            number = int(match.group(1))
        else:
            problems.append(f"reference {reference!r} is not of the form {REFERENCE_PREFIX}<n>")

    country = _text(row, "country").upper()
    if country and country not in country_codes():
        problems.append(f"country {country!r} is not an ISO 3166-1 alpha-2 code")

    decision_date, precision = None, DatePrecision.UNKNOWN
    try:
        decision_date, precision = parse_partial_date(_text(row, "decision_date"))
    except ValueError as error:
        problems.append(f"decision_date: {error}")
    if declared := _text(row, "date_precision"):
        if declared not in DatePrecision.values:
            problems.append(f"date_precision {declared!r} is not one of: {', '.join(DatePrecision.values)}")
        elif decision_date and declared != precision:
            problems.append(f"date_precision {declared!r} does not match decision_date {_text(row, 'decision_date')!r}")
    if decision_date and decision_date > today:
        problems.append(f"decision_date {decision_date.isoformat()} is in the future")

    announced_date = None
    if announced := _text(row, "announced_date"):
        try:
            announced_date, announced_precision = parse_partial_date(announced)
        except ValueError as error:
            problems.append(f"announced_date: {error}")
        else:
            if announced_precision != DatePrecision.DAY:
                problems.append(f"announced_date {announced!r} must be a full date (YYYY-MM-DD)")

    currency = _text(row, "currency").upper()
    if currency and currency not in known_currencies():
        problems.append(f"currency {currency!r} is unknown (the ECB has no rate for it); use ISO 4217, e.g. EUR")

    amount = _decimal(_text(row, "amount"), "amount", problems)
    current_amount = _decimal(_text(row, "current_amount"), "current_amount", problems)

    try:
        articles = articles_parse(_text(row, "articles"))
    except ArticleReferenceError as error:
        articles = []
        problems.append(f"articles: {error}")

    record = DecisionRecord(
        authority=_text(row, "authority"),
        country=country,
        organisation=_text(row, "organisation"),
        decision_date=decision_date,
        date_precision=precision,
        amount=amount if amount is not None else Decimal(0),
        currency=currency,
        number=number,
        external_source=_text(row, "external_source"),
        external_id=_text(row, "external_id"),
        group=_text(row, "group"),
        announced_date=announced_date,
        current_amount=current_amount,
        status=_choice(_text(row, "status"), "status", Status, problems),
        legal_basis=_choice(_text(row, "legal_basis"), "legal_basis", LegalBasis, problems) or LegalBasis.GDPR,
        articles=articles,
        violation_type=_choice(_text(row, "violation_type"), "violation_type", ViolationType, problems),
        sector=_choice(_text(row, "sector"), "sector", Sector, problems),
        case_number=_text(row, "case_number"),
        summary=_text(row, "summary"),
        sources=_sources(row.get("sources"), problems),
        appeals=_appeals(row.get("appeals"), problems),
    )
    if record.external_id and not record.external_source:
        problems.append("external_id is given without external_source")
    if problems:
        raise RecordError(problems)
    return record


@dataclass
class RowProblem:
    row: int  # 1-based position of the decision in the file
    label: str  # what identifies the row to a reader: reference, external id or organisation
    problems: list[str]

    def __str__(self) -> str:
        return f"row {self.row} ({self.label}): {'; '.join(self.problems)}"


def read_json(data: bytes) -> tuple[dict[str, Any], list[tuple[int, dict[str, Any]]]]:
    """Split an interchange JSON document into its header (anything but "decisions") and its rows."""
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RecordError([f"not valid JSON: {error}"]) from None
    if not isinstance(document, dict) or not isinstance(document.get("decisions"), list):
        raise RecordError(['expected a JSON object {"decisions": [...]}'])
    rows = []
    for index, row in enumerate(document["decisions"], start=1):
        rows.append((index, row if isinstance(row, dict) else {"_not_an_object": row}))
    header = {key: value for key, value in document.items() if key != "decisions"}
    return header, rows


def row_label(row: dict[str, Any]) -> str:
    return _text(row, "reference") or _text(row, "external_id") or _text(row, "organisation") or "?"
