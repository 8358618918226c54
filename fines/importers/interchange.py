"""Adapter for the register's own interchange format, CSV and JSON (DESIGN section 6).

Each row is read by `fines.interchange.decision_record`, the same reader the bundled register loader
uses, so an export read back in gives the records it was written from. Rows are numbered from 1 in the
order of the decisions in the file: for CSV the first data row after the header is row 1 (blank lines
are not counted, and a quoted summary spanning several lines is still one row); for JSON the first
object of "decisions" is row 1. Columns or keys outside the format are ignored, and so are the
"authorities" and "organisations" lists of a register document.
"""
from __future__ import annotations

import csv
import datetime
import io
import json
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

from ..interchange import COLUMNS, REQUIRED, RecordError, RowProblem, csv_value, decision_record, row_label
from . import AdapterResult, UnreadableSource


class _TitleReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_title = tag == "title" and not self.title

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def html_title(text: str) -> str:
    """The <title> of an HTML document, whitespace collapsed; "" if it has none."""
    reader = _TitleReader()
    reader.feed(text)
    reader.close()
    return " ".join(reader.title.split())


def text_decoded(data: bytes, expected: str) -> str:
    """The bytes as UTF-8 text (a byte order mark is dropped), or UnreadableSource saying what is wrong.

    `expected` names the format in the message, e.g. "interchange CSV".
    """
    if not data.strip():
        raise UnreadableSource(f"The file is empty; expected {expected}.")
    if b"\x00" in data[:4096]:
        raise UnreadableSource(f"The file is binary, not {expected}.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableSource(
            f"The file is not UTF-8 text (byte {error.start} cannot be read); {expected} must be saved as UTF-8."
        ) from None


def refuse_markup(text: str, expected: str) -> None:
    """Raise UnreadableSource for an HTML (or XML) document where another format was expected.

    A server that fails often answers with an HTML error page and a 200 status; the title usually says
    what went wrong, so it goes into the message.
    """
    start = text.lstrip()[:200].lower()
    if not start.startswith("<"):
        return
    if start.startswith(("<!doctype html", "<html", "<head", "<body")) or "<html" in text[:2000].lower():
        title = html_title(text)
        said = f" titled {title!r}" if title else ""
        raise UnreadableSource(
            f"The file is an HTML page{said}, not {expected}; the source may have answered with an error page."
        )
    raise UnreadableSource(f"The file is markup (it starts with '<'), not {expected}.")


def json_loaded(text: str, what: str) -> Any:
    """Parse JSON with numbers as Decimal (35258707.95 must stay exactly that); `what` names it in messages."""
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        if error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string"):
            raise UnreadableSource(f"The {what} ends before its JSON is complete: it is truncated.") from None
        raise UnreadableSource(
            f"The {what} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
        ) from None


def json_kind(value: Any) -> str:
    """How JSON calls the type of a parsed value, for messages: "a list", "a string", "null"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float, Decimal)):
        return "a number"
    return {str: "a string", list: "an array", dict: "an object"}.get(type(value), "a value")


def _row_problem(index: int, row: dict[str, Any], problems: list[str]) -> RowProblem:
    return RowProblem(index, row_label(row), problems)


def _read_rows(rows: list[tuple[int, dict[str, Any]]], today: datetime.date | None) -> AdapterResult:
    result = AdapterResult()
    for index, row in rows:
        try:
            result.records.append((index, decision_record(row, today=today)))
        except RecordError as error:
            result.problems.append(_row_problem(index, row, error.problems))
    return result


def read_interchange_csv(data: bytes, *, today: datetime.date | None = None) -> AdapterResult:
    """Read interchange CSV: a header row naming the columns, then one decision a row (rows from 1).

    A short row in the middle of the file is a problem of that row; a short last row with no line end
    after it means the file was cut off, and the whole file is refused.
    """
    expected = "interchange CSV"
    text = text_decoded(data, expected)
    refuse_markup(text, expected)
    if text.lstrip()[:1] in ("{", "["):
        raise UnreadableSource(f"The file is JSON, not {expected}; read it as interchange JSON.")

    try:
        lines = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as error:
        raise UnreadableSource(f"The file is not readable as CSV ({error}); it may be truncated.") from None
    lines = [line for line in lines if any(cell.strip() for cell in line)]
    if not lines:
        raise UnreadableSource(f"The file has no header row; expected {expected}.")
    header = [name.strip().lower() for name in lines[0]]

    if len(header) == 1 and ";" in header[0]:
        raise UnreadableSource(
            f"The header's columns are separated by semicolons; {expected} separates them with commas."
        )
    if missing := [name for name in REQUIRED if name not in header]:
        raise UnreadableSource(
            f"The header lacks the required column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
            f"{expected} starts with a header row such as: {','.join(COLUMNS)}."
        )
    if duplicated := sorted({name for name in header if name and header.count(name) > 1}):
        plural = "s" if len(duplicated) > 1 else ""
        raise UnreadableSource(f"The header names the column{plural} {', '.join(duplicated)} more than once.")

    body = lines[1:]
    if body and len(body[-1]) < len(header) and not text.endswith(("\n", "\r")):
        raise UnreadableSource(
            f"The file ends in the middle of a row (row {len(body)} has {len(body[-1])} of {len(header)} "
            "columns and no line end): it is truncated."
        )

    rows: list[tuple[int, dict[str, Any]]] = []
    result = AdapterResult()
    for index, cells in enumerate(body, start=1):
        row = {name: csv_value(cell) for name, cell in zip(header, cells) if name}
        if len(cells) != len(header):
            result.problems.append(
                _row_problem(index, row, [f"the row has {len(cells)} cells where the header has {len(header)} columns"])
            )
            continue
        rows.append((index, row))
    read = _read_rows(rows, today)
    result.records = read.records
    result.problems = sorted(result.problems + read.problems, key=lambda problem: problem.row)
    return result


def read_interchange_json(data: bytes, *, today: datetime.date | None = None) -> AdapterResult:
    """Read interchange JSON, {"decisions": [{...}, ...]}; row n is the n-th object of "decisions"."""
    expected = "interchange JSON"
    text = text_decoded(data, expected)
    refuse_markup(text, expected)
    document = json_loaded(text, "file")
    if not isinstance(document, dict) or not isinstance(document.get("decisions"), list):
        raise UnreadableSource(f'The JSON is not {expected}: expected an object {{"decisions": [...]}}.')

    rows: list[tuple[int, dict[str, Any]]] = []
    result = AdapterResult()
    for index, row in enumerate(document["decisions"], start=1):
        if isinstance(row, dict):
            rows.append((index, row))
        else:
            result.problems.append(RowProblem(index, "?", [f"the decision is {json_kind(row)}, not a JSON object"]))
    read = _read_rows(rows, today)
    result.records = read.records
    result.problems = sorted(result.problems + read.problems, key=lambda problem: problem.row)
    return result
