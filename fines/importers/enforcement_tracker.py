"""Adapter for the CMS Enforcement Tracker (enforcementtracker.com), its page and its older table feed.

The page embeds its cases as a JSON array in <script id="et-cases" type="application/json">, one object
per case keyed e (ETid), C (country name), c (country code), F (flag), a (authority), d (date), y (year),
f (fine in EUR), p (controller or processor), s (sector), r (articles), t (violation type), u (document
URL). The table feed is {"data": [[13 cells], ...]}: control, ETid, country (flag image and name),
authority, date, fine, controller, sector, quoted articles, type, summary, source link, direct link.

Each case is turned into an interchange row and read by `fines.interchange.decision_record`, so the
register's checks (future date, unknown country, negative amount...) are the same for every source.
Rows are numbered from 1 in the order of the array. Choices made where the tracker is loose:

- A fine of "Unknown", or one that cannot be read, makes the row a problem. A fine that adds up two
  amounts ("200,000 + 150,000") is a problem too: the tracker puts two fines of one case in one row,
  and the register keeps each fine as its own decision, so an editor must split it.
- A date of "Unknown" falls back to the year column (the page's y) with year precision; without a
  year the row is a problem.
- Articles of the GDPR are kept in their canonical form; citations of other laws ("Art. 17 BDSG")
  are left out, as the register lists GDPR articles only. "Art. 5 (1) a), f) GDPR" is 5(1)(a), 5(1)(f).
- Sectors and violation types are mapped where the tracker's label clearly means one of the register's
  values (tables below); any other label leaves the field empty for an editor.
"""
from __future__ import annotations

import datetime
import html
import re
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

from .. import countries
from ..articles import ArticleReferenceError, article_normalise
from ..interchange import DecisionRecord, RecordError, RowProblem, decision_record
from ..vocabularies import Sector, ViolationType
from . import AdapterResult, UnreadableSource
from .interchange import html_title, json_kind, json_loaded, refuse_markup, text_decoded

EXTERNAL_SOURCE = "enforcementtracker"
SCRIPT_ID = "et-cases"
TABLE_CELLS = 13

# Keys are the tracker's labels as `_label_key` folds them (its misspellings included, as published).
SECTORS: dict[str, str] = {
    "health care": Sector.HEALTH,
    "real estate": Sector.REAL_ESTATE,
    "employment": Sector.EMPLOYMENT,
    "accomodation and hospitalty": Sector.HOSPITALITY,
    "accommodation and hospitality": Sector.HOSPITALITY,
    "public sector and education": Sector.PUBLIC,
    "individuals and private associations": Sector.OTHER,
    # Each of these spans two or more of the register's sectors: left for an editor.
    "industry and commerce": "",
    "media telecoms and broadcasting": "",
    "finance insurance and consulting": "",
    "transportation and energy": "",
    "not assigned": "",
}
VIOLATIONS: dict[str, str] = {
    "insufficient legal basis for data processing": ViolationType.LEGAL_BASIS,
    "non compliance with general data processing principles": ViolationType.PRINCIPLES,
    "insufficient fulfilment of information obligations": ViolationType.INFORMATION,
    "insufficient fulfilment of data subjects rights": ViolationType.DATA_SUBJECT_RIGHTS,
    "insufficient technical and organisational measures to ensure information security": ViolationType.SECURITY,
    "insufficient fulfilment of data breach notification obligations": ViolationType.BREACH_NOTIFICATION,
    "insufficient data processing agreement": ViolationType.PROCESSING_AGREEMENT,
    "insufficient involvement of data protection officer": ViolationType.DPO,
    "insufficient cooperation with supervisory authority": ViolationType.COOPERATION,
    "unknown": "",
}
# Codes the tracker writes the EU's way rather than ISO 3166-1's.
COUNTRY_CODES = {"UK": "GB", "EL": "GR"}
# Country names the tracker uses that CLDR spells otherwise.

# A case read so far: its row number, its interchange row, and this adapter's problems by field.
_Case = tuple[int, dict[str, Any], dict[str, str]]

_ETID = re.compile(r"^(?:etid[\s-]*)?0*([1-9][0-9]*)$", re.IGNORECASE)
_GROUPED_AMOUNT = re.compile(r"^[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]{1,2})?$")
_PLAIN_AMOUNT = re.compile(r"^[0-9]+(?:\.[0-9]{1,2})?$")
_UNKNOWN = frozenset({"", "unknown", "n/a", "-", "not known"})
_ARTICLE_PREFIX = re.compile(r"^\s*art(?:icle)?s?\.?\s*", re.IGNORECASE)
_GDPR = re.compile(r"\bGDPR\b", re.IGNORECASE)
_SUB_PART = re.compile(r"^\(?\s*([a-z]|[0-9]+)\s*\)$", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]{2,}")
_REFERENCE_WORDS = frozenset({"par", "para", "paragraph", "abs", "lit", "letter", "sub", "point", "no", "nr"})


class _CaseScriptReader(HTMLParser):
    """Finds the first <script id="et-cases"> and keeps its text; notes whether it was closed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found = False
        self.closed = False
        self.text = ""
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and not self.found and dict(attrs).get("id") == SCRIPT_ID:
            self.found = self._inside = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._inside:
            self._inside = False
            self.closed = True

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.text += data


class _CellReader(HTMLParser):
    """The text of one table cell with its tags removed and entities decoded, and its links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a" and (href := dict(attrs).get("href")):
            self.links.append(href.strip())
        elif tag == "br":
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _cell(value: Any) -> tuple[str, list[str]]:
    if value is None:
        return "", []
    reader = _CellReader()
    reader.feed(str(value))
    reader.close()
    return " ".join("".join(reader.parts).split()), reader.links


def _label_key(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", html.unescape(text).casefold()).split())


def _mapped(text: str, table: dict[str, str]) -> str:
    return table.get(_label_key(text), "")


def _external_id(value: Any) -> str:
    if isinstance(value, bool):
        return ""
    match = _ETID.match(str(value if value is not None else "").strip())
    return f"ETid-{int(match.group(1))}" if match else ""


def _amount(value: Any) -> tuple[str, str]:
    """The fine as the interchange's plain decimal, or "" and the reason it cannot be read."""
    if isinstance(value, bool):
        return "", f"the fine {value!r} is not an amount"
    if isinstance(value, (int, Decimal)):
        return (format(Decimal(value), "f"), "")
    text = " ".join(str(value if value is not None else "").split())
    plain = text.removeprefix("€").removesuffix("€").removeprefix("EUR").removesuffix("EUR").strip()
    if plain.casefold() in _UNKNOWN:
        return "", "the fine is not known"
    if "+" in plain or "&" in plain or re.search(r"\band\b", plain):
        return "", (
            f"the fine {text!r} adds up several amounts; which fine this decision imposed is ambiguous "
            "(each fine belongs in its own decision)"
        )
    if plain.startswith("-") and (_GROUPED_AMOUNT.match(plain[1:]) or _PLAIN_AMOUNT.match(plain[1:])):
        return "-" + plain[1:].replace(",", ""), ""  # left for the shared check to refuse as negative
    if _GROUPED_AMOUNT.match(plain) or _PLAIN_AMOUNT.match(plain):
        return plain.replace(",", ""), ""
    return "", f"the fine {text!r} cannot be read as an amount in euros (e.g. 4,800 or 746000000)"


def _articles(text: str) -> tuple[list[str], list[str]]:
    """GDPR articles in canonical form, and the pieces that look like GDPR articles but cannot be read."""
    articles: list[str] = []
    problems: list[str] = []
    for piece in re.split(r"[;,]", text):
        piece = piece.strip()
        if piece.casefold() in _UNKNOWN:
            continue
        if articles and (sub_part := _SUB_PART.match(_GDPR.sub("", piece).strip())):
            # "Art. 5 (1) a), f) GDPR": the lone "f)" continues the article before it.
            stem = articles[-1].rsplit("(", 1)[0] if "(" in articles[-1] else articles[-1]
            articles.append(f"{stem}({sub_part.group(1).lower()})")
            continue
        bare = _GDPR.sub(" ", _ARTICLE_PREFIX.sub("", piece))
        if not _GDPR.search(piece) and any(word.casefold() not in _REFERENCE_WORDS for word in _WORD.findall(bare)):
            continue  # another law's article, e.g. "Art. 17 BDSG"
        try:
            articles.append(article_normalise(_GDPR.sub(" ", piece)))
        except ArticleReferenceError as error:
            problems.append(f"articles: {error}")
    return list(dict.fromkeys(articles)), problems


def _case_record(
    index: int, row: dict[str, Any], own: dict[str, str], today: datetime.date | None
) -> tuple[int, DecisionRecord] | RowProblem:
    """Read an interchange row built from a case; `own` holds this adapter's problems by field."""
    label = row["external_id"] or row["organisation"] or "?"
    try:
        record = decision_record(row, today=today)
    except RecordError as error:
        # The adapter's own reason for a field says more than "amount is missing".
        shared = [problem for problem in error.problems if problem.split(" ", 1)[0].rstrip(":") not in own]
        return RowProblem(index, label, list(own.values()) + shared)
    if own:
        return RowProblem(index, label, list(own.values()))
    return index, record


def _interchange_row(
    *,
    etid: Any,
    country_code: str,
    country: str,
    authority: str,
    date: str,
    year: str,
    fine: Any,
    controller: str,
    sector: str,
    articles: str,
    violation: str,
    summary: str,
    links: list[str],
) -> tuple[dict[str, Any], dict[str, str]]:
    own: dict[str, str] = {}
    external_id = _external_id(etid)
    if not external_id:
        own["external_id"] = f"the case has no ETid (e is {etid!r})"

    code = country_code.strip().upper()
    code = COUNTRY_CODES.get(code, code)
    if not code and country.strip():
        code = countries.country_code(html.unescape(country))
        if not code:
            own["country"] = f"the country {country.strip()!r} is not a country name this adapter knows"

    decision_date = date.strip()
    if decision_date.casefold() in _UNKNOWN:
        decision_date = year.strip() if year.strip().casefold() not in _UNKNOWN else ""
        if not decision_date:
            own["decision_date"] = "the decision date is not known"

    amount, reason = _amount(fine)
    if reason:
        own["amount"] = reason

    organisation = " ".join(controller.split())
    if organisation.casefold() in _UNKNOWN:
        organisation = ""
        own["organisation"] = "the controller or processor is not named"

    canonical, article_problems = _articles(articles)
    if article_problems:
        own["articles"] = "; ".join(article_problems)

    row = {
        "external_source": EXTERNAL_SOURCE,
        "external_id": external_id,
        "authority": " ".join(authority.split()),
        "country": code,
        "organisation": organisation,
        "decision_date": decision_date,
        "amount": amount,
        "currency": "EUR",
        "articles": ";".join(canonical),
        "violation_type": _mapped(violation, VIOLATIONS),
        "sector": _mapped(sector, SECTORS),
        "summary": summary.strip(),
        "sources": list(dict.fromkeys(link for link in links if link.startswith(("http://", "https://")))),
    }
    return row, own


def _collect(items: list[_Case | RowProblem], today: datetime.date | None) -> AdapterResult:
    result = AdapterResult()
    for item in items:
        if isinstance(item, RowProblem):
            result.problems.append(item)
            continue
        index, row, own = item
        read = _case_record(index, row, own, today)
        if isinstance(read, RowProblem):
            result.problems.append(read)
        else:
            result.records.append(read)
    return result


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def read_enforcement_tracker_page(data: bytes, *, today: datetime.date | None = None) -> AdapterResult:
    """Read the cases embedded in the tracker's page (row n is the n-th object of the et-cases array)."""
    text = text_decoded(data, "the Enforcement Tracker's page")
    reader = _CaseScriptReader()
    reader.feed(text)
    reader.close()
    if not reader.found:
        title = html_title(text)
        said = f" titled {title!r}" if title else ""
        raise UnreadableSource(
            f'The page{said} has no <script id="{SCRIPT_ID}"> holding the cases; '
            "it may be an error page or the tracker may have changed its page."
        )
    if not reader.closed:
        raise UnreadableSource(f'The page ends inside its <script id="{SCRIPT_ID}">: it is truncated.')
    cases = json_loaded(reader.text.strip(), f'<script id="{SCRIPT_ID}">')
    if not isinstance(cases, list):
        raise UnreadableSource(f'The <script id="{SCRIPT_ID}"> holds {json_kind(cases)}, not an array of cases.')

    items: list[_Case | RowProblem] = []
    for index, case in enumerate(cases, start=1):
        if not isinstance(case, dict):
            items.append(RowProblem(index, "?", [f"the case is {json_kind(case)}, not a JSON object"]))
            continue
        row, own = _interchange_row(
            etid=case.get("e"),
            country_code=_text(case.get("c")),
            country=_text(case.get("C")),
            authority=_text(case.get("a")),
            date=_text(case.get("d")),
            year=_text(case.get("y")),
            fine=case.get("f"),
            controller=_text(case.get("p")),
            sector=_text(case.get("s")),
            articles=_text(case.get("r")),
            violation=_text(case.get("t")),
            summary="",
            links=[_text(case.get("u")).strip()],
        )
        items.append((index, row, own))
    return _collect(items, today)


def read_enforcement_tracker_table(data: bytes, *, today: datetime.date | None = None) -> AdapterResult:
    """Read the tracker's older table feed (row n is the n-th entry of "data")."""
    expected = "the Enforcement Tracker's table feed (JSON)"
    text = text_decoded(data, expected)
    refuse_markup(text, expected)
    document = json_loaded(text, "table feed")
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise UnreadableSource('The JSON is not the table feed: expected an object {"data": [[...], ...]}.')

    items: list[_Case | RowProblem] = []
    for index, cells in enumerate(document["data"], start=1):
        if not isinstance(cells, list) or len(cells) != TABLE_CELLS:
            size = f"{len(cells)} cells" if isinstance(cells, list) else json_kind(cells)
            label = _external_id(_cell(cells[1])[0]) if isinstance(cells, list) and len(cells) > 1 else ""
            reason = f"the row has {size}; the table feed has {TABLE_CELLS} cells a row"
            items.append(RowProblem(index, label or "?", [reason]))
            continue
        texts, links = zip(*(_cell(cell) for cell in cells))
        row, own = _interchange_row(
            etid=texts[1],
            country_code="",
            country=texts[2],
            authority=texts[3],
            date=texts[4],
            year="",
            fine=cells[5] if isinstance(cells[5], (int, Decimal)) and not isinstance(cells[5], bool) else texts[5],
            controller=texts[6],
            sector=texts[7],
            articles=texts[8],
            violation=texts[9],
            summary=texts[10],
            links=[*links[12], *links[11]],
        )
        items.append((index, row, own))
    return _collect(items, today)


def read_enforcement_tracker(data: bytes, *, today: datetime.date | None = None) -> AdapterResult:
    """Read either form: the table feed if the file is a JSON object, else the page."""
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        return read_enforcement_tracker_table(data, today=today)
    return read_enforcement_tracker_page(data, today=today)
