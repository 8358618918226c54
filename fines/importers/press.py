"""RSS and Atom feeds of data protection authorities: each press release becomes a Candidate.

A press release is not a decision: an editor confirms it. What the adapter adds is the fine the text
names, read by `fine_in_text`.
"""
from __future__ import annotations

import datetime
import email.utils
import html
import io
import re
import time
from html.parser import HTMLParser
from typing import Any
from xml.parsers.expat import errors as expat_errors

import feedparser
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree

from ..interchange import RowProblem
from . import AdapterResult, CandidateRecord, UnreadableSource
from .amounts import exact_figure, fine_in_text

# Expat's ways of saying that the document stopped before its end.
_ENDED_EARLY = {
    expat_errors.codes[message]
    for message in (
        expat_errors.XML_ERROR_NO_ELEMENTS, expat_errors.XML_ERROR_UNCLOSED_TOKEN, expat_errors.XML_ERROR_PARTIAL_CHAR
    )
}
# An HTML page announces itself in its first tag, after any BOM, XML declaration, comments or whitespace.
_HTML_START = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)[\s>]",
    re.IGNORECASE | re.DOTALL,
)
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}")


def read_press_feed(data: bytes, *, authority: str = "", country: str = "", language: str = "") -> AdapterResult:
    """The press releases of an RSS or Atom feed, as candidates; UnreadableSource if it is not a readable feed."""
    if not data.strip():
        raise UnreadableSource("the feed is empty")
    if _HTML_START.match(data):
        raise UnreadableSource("this is an HTML page, not an RSS or Atom feed")
    _refuse_unsafe_xml(data)
    # A BytesIO, because feedparser would open bytes that look like a file name as a local file.
    feed = feedparser.parse(io.BytesIO(data), sanitize_html=True, resolve_relative_uris=True)
    if not feed.entries:
        if feed.bozo:
            raise UnreadableSource(f"the feed could not be read: {feed.bozo_exception}")
        if not feed.version:
            raise UnreadableSource("this is not an RSS or Atom feed")
    feed_language = _language_code(feed.feed.get("language", "")) or _language_code(language)
    result = AdapterResult()
    seen_ids: set[str] = set()
    for row, entry in enumerate(feed.entries, start=1):
        external_id = (entry.get("id") or entry.get("link") or "").strip()
        title = _text(entry.get("title", ""))
        if not external_id:
            label = title or "item without a title"
            result.problems.append(RowProblem(row, label, ["the item has neither a guid nor a link"]))
            continue
        if external_id in seen_ids:
            result.skipped += 1  # a feed that lists one release twice announces it once
            continue
        seen_ids.add(external_id)
        summary = _text(_entry_body(entry))
        item_language = _entry_language(entry) or feed_language
        # The headline names the fine; the body may add a proposed fine or a legal maximum beside it.
        text = f"{title}\n{summary}"
        money = fine_in_text(title, language=item_language) or fine_in_text(text, language=item_language)
        if money:
            money = exact_figure(money, text, language=item_language)
        result.candidates.append(
            CandidateRecord(
                external_id=external_id,
                url=entry.get("link", ""),
                title=title,
                published=_entry_date(entry),
                summary=summary,
                amount=money.amount if money else None,
                currency=money.currency if money else "",
                authority=authority,
                country=country,
                language=item_language,
            )
        )
    return result


def _refuse_unsafe_xml(data: bytes) -> None:
    """Refuse entity declarations (a billion-laughs bomb, an external file) and a document cut short."""
    try:
        SafeElementTree.fromstring(data)
    except DefusedXmlException:
        raise UnreadableSource("the feed declares XML entities, which are refused") from None
    except SafeElementTree.ParseError as error:
        if error.code in _ENDED_EARLY:
            raise UnreadableSource(f"the feed is truncated: it ends before its last element closes ({error})") from None
        # Other faults (an HTML entity such as &nbsp;, a wrong encoding) are feedparser's to forgive,
        # but a declaration the strict parser never reached must still be refused.
        if b"<!ENTITY" in data:
            raise UnreadableSource("the feed declares XML entities, which are refused") from None


def _entry_body(entry: Any) -> str:
    if entry.get("summary"):
        return entry.summary
    contents = entry.get("content") or []
    return contents[0].get("value", "") if contents else ""


def _entry_language(entry: Any) -> str:
    for detail in ("title_detail", "summary_detail"):
        code = _language_code((entry.get(detail) or {}).get("language") or "")
        if code:
            return code
    return ""


def _language_code(tag: str) -> str:
    """"nl-NL" -> "nl": the register keeps the language, not the region."""
    match = _LANGUAGE_TAG.match(tag.strip())
    return match[0].lower() if match else ""


def _entry_date(entry: Any) -> datetime.date | None:
    """The date the authority published it, on the authority's own calendar.

    feedparser's parsed dates are in UTC, which moves a release made just after midnight in Europe to
    the day before; the date as written keeps the authority's day.
    """
    for key in ("published", "updated"):
        written = (entry.get(key) or "").strip()
        if not written:
            continue
        try:
            return email.utils.parsedate_to_datetime(written).date()
        except (TypeError, ValueError, IndexError):
            pass
        try:
            return datetime.datetime.fromisoformat(written).date()
        except ValueError:
            pass
        parsed: time.struct_time | None = entry.get(f"{key}_parsed")
        if parsed:
            return datetime.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
    return None


class _TextExtractor(HTMLParser):
    _BLOCKS = {"p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "section"}
    _HIDDEN = {"script", "style"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _text(markup: str) -> str:
    """Plain text of an HTML fragment: paragraphs on their own lines, spaces collapsed, entities decoded."""
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    # Feeds often escape twice ("&amp;euro;"); what is left after parsing is still an entity to decode.
    text = html.unescape("".join(extractor.parts))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)
