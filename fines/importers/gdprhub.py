"""GDPRhub decision pages: the MediaWiki API's answer (action=query, prop=revisions, rvslots=main,
formatversion=2) whose wikitext holds a {{DPAdecisionBOX}} template (DESIGN section 7).

Each page with a fine becomes an interchange row, validated by fines.interchange.decision_record so the
rules are those of every other import. Pages that are not decisions, or decisions without a fine, are
skipped; a page that is a fine but cannot be read is a RowProblem named by its title.

Which party was fined: GDPRhub lists every party, and the first is often the complainant. The fined
party is the only listed party that is not a complainant (a known complainant organisation or a
placeholder such as "Data subject"). When no party or more than one party remains, the page is a
problem: we do not guess who was fined.
"""
from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any
from urllib.parse import quote

import mwparserfromhell
from babel import Locale
from mwparserfromhell.nodes import Template

from ..articles import ArticleReferenceError, article_normalise
from ..countries import country_code
from ..currency import known_currencies
from ..interchange import RecordError, RowProblem, decision_record
from ..names import name_key
from ..vocabularies import SourceKind
from . import AdapterResult, UnreadableSource

EXTERNAL_SOURCE = "gdprhub"
PAGE_URL = "https://gdprhub.eu/index.php?title="
TEMPLATE_NAME = "dpadecisionbox"

# Complainants that appear as parties on GDPRhub pages; matched by name_key.
COMPLAINANT_NAMES = frozenset(
    name_key(name)
    for name in (
        "noyb", "noyb - European Center for Digital Rights", "None of Your Business",
        "La Quadrature du Net", "Privacy International", "Panoptykon Foundation", "Bits of Freedom",
        "Digitalcourage", "Irish Council for Civil Liberties", "ICCL", "Access Now", "Open Rights Group",
        "Liga voor de Rechten van de Mens", "Vrijschrift",
        "Data subject", "Data subjects", "Complainant", "Complainants", "The complainant",
        "Anonymous", "Unknown", "Redacted", "Individual", "Private person", "Natural person",
        "Employee", "Customer", "Consumer", "Consumer organisation", "n/a",
    )
)
# "0" is how some pages say no fine was imposed; a register of fines has nothing to hold for it.
_NO_FINE = frozenset({"", "none", "no", "no fine", "n/a", "na", "nil", "-", "–", "—", "0"})

# Euro adoption dates: a decision before its country's date was taken in the national currency.
_EURO_SINCE = {
    code: datetime.date(year, 1, 1)
    for code, year in {
        "AT": 1999, "BE": 1999, "DE": 1999, "ES": 1999, "FI": 1999, "FR": 1999, "IE": 1999, "IT": 1999,
        "LU": 1999, "NL": 1999, "PT": 1999, "GR": 2001, "SI": 2007, "CY": 2008, "MT": 2008, "SK": 2009,
        "EE": 2011, "LV": 2014, "LT": 2015, "HR": 2023,
    }.items()
}
_CURRENCY_SYMBOLS = {"€": "EUR", "£": "GBP"}
_SCALES = {
    "thousand": 10**3, "k": 10**3,
    "million": 10**6, "millions": 10**6, "mio": 10**6, "mln": 10**6, "mn": 10**6, "m": 10**6,
    "billion": 10**9, "billions": 10**9, "bn": 10**9,
}
_FINE_TOKENS = re.compile(r"[€£]|[A-Za-z]+\.?|[0-9][0-9 .,'’]*[0-9]|[0-9]|\S")
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})
_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


class FineError(ValueError):
    """The Fine field holds text this adapter cannot turn into one amount without guessing."""


def gdprhub_read(data: bytes, *, today: datetime.date | None = None) -> AdapterResult:
    """Read one MediaWiki API answer into decision records, problems and a count of skipped pages."""
    result = AdapterResult()
    for index, page in enumerate(_pages(data), start=1):
        title = str(page.get("title") or page.get("pageid") or f"page {index}")
        if page.get("missing") is not None or page.get("invalid") is not None:
            result.skipped += 1
            continue
        try:
            read = _page_row(page)
        except _PageProblem as problem:
            result.problems.append(RowProblem(row=index, label=title, problems=problem.reasons))
            continue
        if read is None:
            result.skipped += 1
            continue
        row, flagged = read
        reasons = list(flagged.values())
        try:
            record = decision_record(row, today=today)
        except RecordError as error:
            already_said = {f"{key} is missing" for key in flagged}
            reasons += [reason for reason in error.problems if reason not in already_said]
        else:
            if not reasons:
                result.records.append((index, record))
                continue
        result.problems.append(RowProblem(row=index, label=title, problems=reasons))
    return result


def gdprhub_continuation(data: bytes) -> dict[str, Any] | None:
    """The parameters to add to the next API request when the answer is partial, else None."""
    document = _document(data)
    value = document.get("continue")
    return value if isinstance(value, dict) and value else None


def page_url(title: str) -> str:
    return PAGE_URL + quote(title.replace(" ", "_"), safe="/:(),;@$!*~")


def fine_read(text: str) -> tuple[Decimal, str] | None:
    """Read GDPRhub's free-text Fine field: (amount, currency named in the text or "").

    None when the text says there was no fine. Thousands may be grouped with dots, commas, spaces or
    apostrophes; one dot or comma followed by exactly three digits groups thousands ("€ 50.000"),
    followed by one or two digits it is a decimal mark. With a scale word ("EUR 2.5 million") a dot
    or comma is a decimal mark, except before exactly three digits, which could be read either way.
    Raises FineError when the text is not one amount.
    """
    text = text.translate(_SPACES).strip()
    if text.lower().rstrip(".") in _NO_FINE:
        return None
    if text.lower() == "unknown":
        raise FineError("the page says a fine was imposed but not how much")
    if text.startswith("-"):
        raise FineError("a fine cannot be negative")
    currency = ""
    scale = 1
    number = ""
    for token in _FINE_TOKENS.findall(text):
        word = token.rstrip(".")
        if token in _CURRENCY_SYMBOLS or word.upper() in known_currencies():
            found = _CURRENCY_SYMBOLS.get(token) or word.upper()
            if currency and currency != found:
                raise FineError(f"it names two currencies ({currency}, {found})")
            currency = found
        elif word.lower() in ("euro", "euros"):
            currency = currency or "EUR"
        elif word.lower() in ("kr", "kronor", "kroner", "krona", "krone"):
            pass  # krona of which country: the Currency field says
        elif word.lower() in _SCALES and number and scale == 1:
            scale = _SCALES[word.lower()]
        elif token[0].isdigit() and not number:
            number = token
        else:
            raise FineError(f"{token!r} is not part of an amount")
    if not number:
        raise FineError("it holds no number")
    amount = _number(number, scaled=scale != 1) * scale
    if amount <= 0:
        raise FineError("the amount is not positive")
    if amount != amount.to_integral_value() and amount.normalize().as_tuple().exponent < -2:
        raise FineError("it comes to a fraction of a cent")
    return (amount.quantize(Decimal(1)) if amount == amount.to_integral_value() else amount), currency


def _number(text: str, *, scaled: bool) -> Decimal:
    marks = [ch for ch in text if not ch.isdigit()]
    integer, fraction = text, ""
    points = [ch for ch in marks if ch in ".,"]
    decimal_mark = ""
    if "." in points and "," in points:
        decimal_mark = points[-1]
        if points.count(decimal_mark) > 1:
            raise FineError("its dots and commas do not say which is the decimal mark")
    elif len(points) == 1:
        tail = text.rsplit(points[0], 1)[1]
        if len(tail) == 3 and scaled:
            raise FineError(f"{text!r} before a scale word could be read two ways")
        if len(tail) != 3:
            decimal_mark = points[0]
    if decimal_mark:
        integer, fraction = text.rsplit(decimal_mark, 1)
        if len(fraction) > 2 and not scaled:
            raise FineError(f"{text!r} has more than two decimals")
    groups = {ch for ch in integer if not ch.isdigit()}
    if len(groups) > 1:
        raise FineError(f"{text!r} groups its digits in more than one way")
    if groups:
        first, *rest = integer.split(groups.pop())
        if not 1 <= len(first) <= 3 or any(len(part) != 3 for part in rest):
            raise FineError(f"{text!r} is not grouped in thousands")
        integer = first + "".join(rest)
    if not integer.isdigit() or (fraction and not fraction.isdigit()):
        raise FineError(f"{text!r} is not a number")
    try:
        return Decimal(f"{integer}.{fraction}" if fraction else integer)
    except InvalidOperation:  # pragma: no cover - digits only by now
        raise FineError(f"{text!r} is not a number") from None


class _PageProblem(Exception):
    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__("; ".join(reasons))


def _document(data: bytes) -> dict[str, Any]:
    try:
        document = json.loads(data)
    except UnicodeDecodeError:
        raise UnreadableSource("the file is not UTF-8 text, so not a MediaWiki API answer") from None
    except json.JSONDecodeError as error:
        start = data.lstrip()[:15].lower()
        if start.startswith((b"<!doctype html", b"<html")):
            raise UnreadableSource("the file is an HTML page, not the MediaWiki API's JSON answer") from None
        raise UnreadableSource(f"the file is not valid JSON (truncated?): {error}") from None
    if not isinstance(document, dict):
        raise UnreadableSource("the file is JSON but not a MediaWiki API answer (expected an object)")
    if isinstance(document.get("error"), dict):
        error = document["error"]
        raise UnreadableSource(f"the wiki answered with an error: {error.get('code', '?')}: {error.get('info', '')}")
    return document


def _pages(data: bytes) -> list[dict[str, Any]]:
    document = _document(data)
    query = document.get("query")
    pages = query.get("pages") if isinstance(query, dict) else None
    if isinstance(pages, dict):  # formatversion=1 keys pages by id
        pages = list(pages.values())
    if not isinstance(pages, list):
        raise UnreadableSource('the file is JSON but has no "query": {"pages": [...]} (a MediaWiki API answer)')
    return [page if isinstance(page, dict) else {"title": repr(page)} for page in pages]


def _wikitext(page: dict[str, Any]) -> str:
    revisions = page.get("revisions")
    if not isinstance(revisions, list) or not revisions or not isinstance(revisions[0], dict):
        raise _PageProblem(["the page has no revision content (was rvprop=content asked for?)"])
    revision = revisions[0]
    slot = (revision.get("slots") or {}).get("main", revision)
    content = slot.get("content", slot.get("*")) if isinstance(slot, dict) else None
    if not isinstance(content, str):
        raise _PageProblem(["the page's revision holds no wikitext"])
    return content


def _decision_box(wikitext: str) -> Template | None:
    code = mwparserfromhell.parse(wikitext)
    boxes = [
        template
        for template in code.filter_templates()
        if str(template.name).strip().replace("_", " ").lower() == TEMPLATE_NAME
    ]
    if len(boxes) > 1:
        raise _PageProblem([f"the page holds {len(boxes)} DPAdecisionBOX templates, not one"])
    if boxes:
        return boxes[0]
    # An unclosed template is left as plain text by the parser.
    flat = wikitext.replace("_", "").replace(" ", "").lower()
    if "{{" + TEMPLATE_NAME in flat:
        raise _PageProblem(["the DPAdecisionBOX template is malformed (not closed with }})"])
    return None


def _fields(box: Template) -> dict[str, str]:
    """Field name -> plain text; an empty field stays empty, a repeated one keeps its last value."""
    return {str(param.name).strip(): param.value.strip_code().strip() for param in box.params}


def _numbered(fields: dict[str, str], prefix: str) -> dict[int, str]:
    found = {}
    for name, value in fields.items():
        if name.startswith(prefix) and name[len(prefix):].isdigit():
            found[int(name[len(prefix):])] = value
    return dict(sorted(found.items()))


def _page_row(page: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]] | None:
    """The interchange row for a page, and field -> why the adapter could not fill that field.

    None when the page is not a fine (no template, or no fine).
    """
    title = str(page.get("title", ""))
    box = _decision_box(_wikitext(page))
    if box is None:
        return None
    fields = _fields(box)
    flagged: dict[str, str] = {}

    try:
        fine = fine_read(fields.get("Fine", ""))
    except FineError as error:
        fine = None
        flagged["amount"] = f"cannot read the fine {fields['Fine']!r}: {error}"
    else:
        if fine is None:
            return None
    amount, fine_currency = fine if fine else (None, "")

    country = ""
    if jurisdiction := fields.get("Jurisdiction", ""):
        country = country_code(jurisdiction)
        if not country:
            flagged["country"] = f"Jurisdiction {jurisdiction!r} is not a country this register knows"

    decision_date, announced_date = "", ""
    for name in ("Date_Decided", "Date_Published"):
        text = fields.get(name, "")
        if not text:
            continue
        try:
            value = _wiki_date(text)
        except ValueError:
            key = "decision_date" if name == "Date_Decided" else "announced_date"
            flagged[key] = f"{name} {text!r} is not a date DD.MM.YYYY"
            continue
        if name == "Date_Published":
            announced_date = value
        decision_date = decision_date or value
    if not decision_date and "decision_date" not in flagged:
        year = fields.get("Year", "")
        if year.isdigit() and len(year) == 4:
            decision_date = year
        elif year:
            flagged["decision_date"] = f"Year {year!r} is not a year"
        else:
            flagged["decision_date"] = "the page gives no Date_Decided, Date_Published or Year"

    currency = _currency_field(fields.get("Currency", ""))
    if currency and fine_currency and currency != fine_currency:
        flagged["currency"] = f"Fine {fields['Fine']!r} is in {fine_currency} but Currency says {currency}"
    currency = currency or fine_currency
    if not currency:
        since = _EURO_SINCE.get(country)
        when = _earliest_date(decision_date)
        if since and when and when >= since:
            currency = "EUR"
        elif "country" not in flagged:
            flagged["currency"] = (
                f"the page gives no Currency and {country or 'the jurisdiction'} did not use the euro"
                " at the decision date"
            )

    organisation = ""
    try:
        organisation = _fined_party(_numbered(fields, "Party_Name_"))
    except _PageProblem as problem:
        flagged["organisation"] = problem.reasons[0]

    articles = []
    for text in _numbered(fields, "GDPR_Article_").values():
        if text:
            articles.append(text)

    row: dict[str, Any] = {
        "external_source": EXTERNAL_SOURCE,
        "external_id": str(page.get("pageid", "")),
        "authority": fields.get("DPA_Abbrevation") or fields.get("DPA_Abbreviation")
        or fields.get("DPA_With_Country", "").split(" (", 1)[0].strip(),
        "country": country,
        "organisation": organisation,
        "decision_date": decision_date,
        "announced_date": announced_date,
        "amount": format(amount, "f") if amount is not None else "",
        "currency": currency,
        "articles": ";".join(_article_texts(articles, flagged)),
        "case_number": fields.get("Case_Number_Name", ""),
        "sources": _sources(fields, title),
    }
    if not row["external_id"]:
        flagged["external_id"] = "the page has no pageid"
    return row, flagged


def _article_texts(texts: list[str], flagged: dict[str, str]) -> list[str]:
    """Keep references that read as GDPR articles; decision_record canonicalises them."""
    canonical: list[str] = []
    for text in texts:
        try:
            canonical.append(article_normalise(text))
        except ArticleReferenceError as error:
            flagged.setdefault("articles", f"GDPR_Article {text!r}: {error}")
    return list(dict.fromkeys(canonical))


def _sources(fields: dict[str, str], title: str) -> list[dict[str, str]]:
    names = _numbered(fields, "Original_Source_Name_")
    languages = _numbered(fields, "Original_Source_Language_")
    codes = _numbered(fields, "Original_Source_Language__Code_") or _numbered(fields, "Original_Source_Language_Code_")
    sources = []
    for number, url in _numbered(fields, "Original_Source_Link_").items():
        if not url:
            continue
        sources.append(
            {
                "url": url,
                "title": names.get(number, ""),
                "language": _language_code(codes.get(number, ""), languages.get(number, "")),
                "kind": SourceKind.DECISION,
            }
        )
    sources.append({"url": page_url(title), "title": f"GDPRhub: {title}", "language": "en", "kind": SourceKind.NEWS})
    return sources


def _fined_party(parties: dict[int, str]) -> str:
    names = [name for name in parties.values() if name]
    if not names:
        raise _PageProblem(["the page names no party, so not who was fined"])
    fined = [name for name in names if name_key(name) not in COMPLAINANT_NAMES]
    if not fined:
        raise _PageProblem([f"every party is a complainant ({', '.join(names)}), so not who was fined"])
    if len(fined) > 1:
        raise _PageProblem([f"cannot tell which party was fined: {', '.join(fined)}"])
    return fined[0]


def _currency_field(text: str) -> str:
    text = text.strip()
    if text in _CURRENCY_SYMBOLS:
        return _CURRENCY_SYMBOLS[text]
    return "EUR" if text.lower() in ("euro", "euros") else text.upper()


def _wiki_date(text: str) -> str:
    match = _DATE.match(text)
    if not match:
        raise ValueError(text)
    day, month, year = (int(part) for part in match.groups())
    return datetime.date(year, month, day).isoformat()


def _earliest_date(text: str) -> datetime.date | None:
    """The first day a partial ISO date (YYYY-MM-DD or YYYY) could be."""
    try:
        return datetime.date.fromisoformat(text) if len(text) == 10 else datetime.date(int(text), 1, 1)
    except ValueError:
        return None


@cache
def _language_codes() -> dict[str, str]:
    return {
        name.lower(): code
        for code, name in Locale("en").languages.items()
        if code.isalpha() and len(code) <= 3
    }


def _language_code(code: str, name: str) -> str:
    if code.isalpha() and len(code) in (2, 3):
        return code.lower()
    return _language_codes().get(name.strip().lower(), "")

