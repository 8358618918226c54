"""Hostile query strings on every public view: 200, 400 or a 404 that is due, never a 5xx, never an unlisted filter.

Hypothesis writes the query strings (fixed seed: the same requests on every run) from the parameters each view
takes, their valid values and values chosen to break things: NUL and lone surrogates, numbers past any column,
impossible dates, SQL and regex text, repeated keys, and keys a view does not take, such as Django lookups
(``id__gt``, ``organisation__name__regex``) and ``_connector=OR``. Each request is checked three ways:

- its status: a key the view does not take is a 400 that names it; otherwise 200 or 400, a 404 only for a
  page past the last or an object that does not exist; never 5xx and never 405;
- its SQL: no regular expression, nothing from the accounts tables; a request with a key the view does not
  take is refused before any query of the register runs; a view that takes no parameters runs exactly the
  queries it runs without them;
- its body: JSON that parses from the API, and no input echoed unescaped into HTML.

HOSTILE_EXAMPLES (default 600) sets the size of the run: that many requests for each of the 16 views that read
parameters and a fifth of it for the 4 that read none, 10,080 in all (about two minutes); for a quick local run,
HOSTILE_EXAMPLES=50.
"""
from __future__ import annotations

import datetime
import json
import logging
import os
import re
from collections import Counter
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fines.api.filters import DETAIL_PARAMETERS, LIST_PARAMETERS, AuthorityFilter, OrganisationFilter
from fines.filters import SORTS, DecisionFilter
from fines.models import Decision
from fines.stats import StatsFilter
from fines.vocabularies import AuthorityKind, LegalBasis, Sector, Status, ViolationType

EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "600"))
SCRIPT = "<script>alert(1)</script>"
FORBIDDEN_SQL = re.compile(r"\bREGEXP\b|\s~\*?\s|auth_user|password", re.IGNORECASE)
REGISTER_TABLE = re.compile(r'"fines_[a-z_]+"')


def _names(filterset_class) -> frozenset[str]:
    return frozenset(filterset_class.base_filters)


@dataclass(frozen=True)
class View:
    path: str
    takes: frozenset[str]  # the parameters it reads
    strict: bool = True  # refuses any other (False: ignores them, as a page without filters does)
    pages: bool = False  # takes ?page=, and a page past the last is a 404
    api: bool = False
    missing: str = ""  # the path with {n} for an object number that may not exist

    @property
    def examples(self) -> int:
        # A page that reads no parameters needs fewer: its answer cannot depend on them, as the test shows.
        return EXAMPLES if self.takes else EXAMPLES // 5

    def __str__(self) -> str:
        return self.path


LIST = _names(DecisionFilter)
NOTHING = frozenset()
PAGE = frozenset({"page"})
VIEWS = [
    View("/", NOTHING, strict=False),
    View("/fines/", LIST | {"page", "fines"}, pages=True),
    View("/fines/FT-1/", NOTHING, strict=False, missing="/fines/FT-{n}/"),
    View("/authorities/", NOTHING, strict=False),
    View("/authorities/cnil/", PAGE, strict=False, pages=True),
    View("/organisations/", NOTHING, strict=False),
    View("/organisations/alphabet-inc/", PAGE, strict=False, pages=True),
    View("/stats/", _names(StatsFilter)),
    View("/compare/", frozenset({"fines"})),
    View("/fines/export.csv", LIST),
    View("/fines/export.json", LIST),
    View("/fines/feed.atom", LIST),
    View("/api/", DETAIL_PARAMETERS, api=True),
    View("/api/decisions/", LIST | LIST_PARAMETERS, pages=True, api=True),
    View("/api/decisions/FT-1/", DETAIL_PARAMETERS, api=True, missing="/api/decisions/FT-{n}/"),
    View("/api/authorities/", _names(AuthorityFilter) | LIST_PARAMETERS, pages=True, api=True),
    View("/api/authorities/cnil/", DETAIL_PARAMETERS, api=True),
    View("/api/organisations/", _names(OrganisationFilter) | LIST_PARAMETERS, pages=True, api=True),
    View("/api/organisations/google-llc/", DETAIL_PARAMETERS, api=True),
    View("/api/stats/", _names(StatsFilter) | DETAIL_PARAMETERS, api=True),
]
# The pages that read no parameters ignore them, as any page does with ?utm_source= or ?fbclid=; the authority
# and organisation pages read ?page= only. Only views that filter refuse what they do not take.
ALL_PARAMETERS = sorted(set().union(*(view.takes for view in VIEWS)))

# Values that have broken, or could break, a parser, a database or a template.
HOSTILE_VALUES = [
    "", " ", "\x00", "a\x00b", "\ud800", "\udfff", "x\udc80y", "\ufffd", "\u202e", "\ufeff", "𝟙𝟚", "１２", "١٢",
    "\n", "\r\n", "\t", "ǅ", "ß", "İ",
    "1e309", "-1e309", "1e-999999", "1E+50", "1e50", str(10**400), "-" + str(10**400), "9" * 5000,
    "0." + "0" * 400 + "1",
    "99999999999999999999", "-1", "0", "-0", "00", "1.5", "1.000", "NaN", "sNaN", "Infinity", "-inf", "0x10", "1_000",
    "+5", " 5 ", "5\n",
    "2021-02-30", "2021-02-29", "2020-02-29", "99999-01-01", "0000-00-00", "0001-01-01", "9999-12-31", "2021-13-01",
    "-2021-01-01", "2021-1-1", "20210101", "2021-01-01T00:00:00",
    "' OR 1=1 --", "1; DROP TABLE fines_decision; --", "' UNION SELECT password FROM auth_user --", "%", "_", "\\",
    "%%", "%_%", ".*", "(?i).*", "[[", "$where", '{"$gt": ""}', "NULL", "None", "true",
    SCRIPT, '"><svg onload=alert(1)>', "x" * 5000, "FT-1", "FT-1,FT-2", "FT-99999999999999999999", "FT-0",
]
# Keys that no view takes, lookups above all: any of them reaching a FilterSet or a QuerySet would be a hole.
HOSTILE_KEYS = [
    "_connector", "_negated", "__regex", "id__gt", "id", "pk", "organisation__name__regex",
    "authority__slug__iregex", "amount_eur__gt", "is_published", "is_published__in", "ordering", "order_by",
    "search", "limit", "offset", "password", "organisation__parent__name__regex", "q__regex", "country__in",
    "country[]", "status[]", "Q", "COUNTRY", "q ", " q", "ｑ", "q\x00", "", "callback", "__proto__", "%s", SCRIPT,
    "\ud800", "utm_source", "utm_campaign",
]
LOOKUPS = ["regex", "iregex", "gt", "in", "isnull", "exact", "contains", "startswith", "range", "year"]


def _fines_lists() -> st.SearchStrategy[str]:
    number = st.one_of(st.integers(-2, 8), st.integers(0, 10**30))
    reference = st.one_of(
        number.map(lambda n: f"FT-{n}"), number.map(lambda n: f"ft{n}"), number.map(str),
        st.sampled_from(["FT-", "FT-1.5", "FT-١", " FT-1 ", "FT-1;FT-2"]),
    )
    return st.lists(reference, max_size=8).map(",".join)


VALID_VALUES: dict[str, st.SearchStrategy[str]] = {
    "q": st.sampled_from(["google", "Meta", "CNIL", "46762", "consent", "Amazon Europe"]) | st.text(max_size=20),
    "country": st.sampled_from(["FR", "fr", "LU", "NO", "GB", "IE", "XX", "EU", "ZZ"]),
    "authority": st.sampled_from(["cnil", "cnpd", "ico", "datatilsynet-no", "CNIL", "nope"]),
    "organisation": st.sampled_from(["alphabet-inc", "google-llc", "amazon-europe-core", "criteo-sa", "nope"]),
    "sector": st.sampled_from(Sector.values),
    "violation": st.sampled_from(ViolationType.values),
    "status": st.sampled_from(Status.values),
    "legal_basis": st.sampled_from(LegalBasis.values),
    "article": st.sampled_from(["6", "5(1)(f)", "5(1)(a)", "9(1)", "83", "32", "100", "5(1)(", "Art. 6", "5.1.f"]),
    "year": st.integers(1990, 2110).map(str),
    "date_from": st.dates(datetime.date(1990, 1, 1), datetime.date(2030, 12, 31)).map(datetime.date.isoformat),
    "date_to": st.dates(datetime.date(1990, 1, 1), datetime.date(2030, 12, 31)).map(datetime.date.isoformat),
    "min_eur": st.integers(0, 10**9).map(str) | st.decimals(0, 10**9, places=2).map(str),
    "max_eur": st.integers(0, 10**9).map(str) | st.decimals(0, 10**9, places=2).map(str),
    "sort": st.sampled_from([*SORTS, "-password", "id", "-id", "?", "amount"]),
    "page": st.integers(-2, 3).map(str) | st.sampled_from(["99999999999999999999", "1.0", "2e0"]),
    "page_size": st.sampled_from(["1", "2", "50", "500", "501", str(10**9), "0", "-1", "9" * 5000, "1e3"]),
    "format": st.sampled_from(["json", "api", "xml", "csv", "openapi", "yaml", "JSON", "json "]),
    "fines": _fines_lists(),
    "notices": st.sampled_from(["0", "1", "2", "yes"]),
    "eprivacy": st.sampled_from(["0", "1", "2", "no"]),
    "kind": st.sampled_from([*AuthorityKind.values, "court", "x"]),
}
hostile_values = st.one_of(st.sampled_from(HOSTILE_VALUES), st.text(max_size=40))


def _values(key: str, *, hostile: bool = True) -> st.SearchStrategy[str]:
    valid = VALID_VALUES.get(key, hostile_values)
    return st.one_of(valid, valid, hostile_values) if hostile else valid


def _keys(view: View, *, hostile: bool = True) -> st.SearchStrategy[str]:
    """Mostly keys of the view, so that most requests get to its filters; now and then one it does not take."""
    own = st.sampled_from(sorted(view.takes)) if view.takes else st.sampled_from(ALL_PARAMETERS)
    if not view.strict:
        own = st.one_of(own, st.sampled_from(ALL_PARAMETERS))
    if not hostile:
        return own
    others = st.one_of(
        st.sampled_from(HOSTILE_KEYS),
        st.sampled_from(ALL_PARAMETERS),
        st.tuples(st.sampled_from(sorted(view.takes) or ALL_PARAMETERS), st.sampled_from(LOOKUPS)).map("__".join),
        st.text(max_size=12),
    )
    return st.integers(0, 7).flatmap(lambda n: others if n == 0 else own)


def _encoded(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


# Bits of query string that no encoder writes: broken escapes, bare separators, a key without "=".
RAW_PIECES = ["%", "%zz", "%ff", "%C0%AE", "%ED%A0%80", "&", "=", "==", ";", "+", "q", "%00", "a=1=2", "&&&"]


@st.composite
def query_strings(draw, view: View) -> str:
    """One in three a query of the view's own parameters and plausible values (so that its filters run, in
    combination); the others mix in anything."""
    hostile = draw(st.integers(0, 2)) > 0
    pair = _keys(view, hostile=hostile).flatmap(lambda key: st.tuples(st.just(key), _values(key, hostile=hostile)))
    pairs = draw(st.lists(pair, max_size=6))
    if pairs and draw(st.integers(0, 9)) == 0:
        pairs = pairs + [pairs[0]] * draw(st.integers(1, 30))  # one key repeated many times
    pieces = [f"{_encoded(key)}={_encoded(value)}" for key, value in pairs]
    if draw(st.integers(0, 9)) == 0:
        pieces.insert(draw(st.integers(0, len(pieces))), draw(st.sampled_from(RAW_PIECES)))
    return "&".join(pieces)


def _paths(view: View) -> st.SearchStrategy[str]:
    if not view.missing:
        return st.just(view.path)
    numbers = st.one_of(st.integers(0, 12), st.integers(0, 10**30))
    return st.one_of(st.just(view.path), st.just(view.path), numbers.map(lambda n: view.missing.format(n=n)))


def _page_past_the_last(query: QueryDict) -> bool:
    """Whether ?page= names a page after the first, which the small register here does not have."""
    try:
        return int(query.get("page", "").strip() or "1") > 1
    except ValueError:
        return False


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str
    statements: list[tuple[str, tuple]]  # SQL as Django wrote it, before the parameters were bound; parameters


def _ask(client: Client, path: str, query: str) -> Answer:
    statements = []

    def record(execute, sql, params, many, context):
        statements.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(path, QUERY_STRING=query)
        # Exports and the feed stream: their queries run, and can fail, while the body is read.
        body = b"".join(response.streaming_content) if response.streaming else response.content
    return Answer(response.status_code, body, response.get("Content-Type", ""), statements)


def _named(answer: Answer, key: str, api: bool) -> bool:
    if api:
        return key in json.loads(answer.body).get("errors", {})
    return f"<code>{escape(key)}".encode() in answer.body


def check(client: Client, view: View, path: str, query: str, baseline: list, *, exists: bool = True) -> int:
    """Asks for the URL and checks the answer; returns its status."""
    answer = _ask(client, path, query)
    parsed = QueryDict(query)
    where = f"{path}?{query}"
    assert answer.status < 500, f"{answer.status} on {where}"
    assert answer.status != 405, where

    if view.api:
        json.loads(answer.body)  # an API answer is JSON, errors included
    elif answer.content_type.startswith("text/html"):
        assert SCRIPT.encode() not in answer.body, f"unescaped input on {where}"
    for sql, _ in answer.statements:
        assert not FORBIDDEN_SQL.search(sql), f"{where} ran {sql}"

    if not view.strict:
        if not view.takes:
            assert answer.status == (200 if exists else 404), where
            if path == view.path:
                assert answer.statements == baseline, f"the parameters of {where} changed its queries"
            return answer.status
        if "page" not in parsed:
            assert answer.status == 200, where
            assert answer.statements == baseline, f"the parameters of {where} changed its queries"
            return answer.status
    unknown = [key for key in parsed if key not in view.takes and not key.startswith("utm_")]
    if view.strict and unknown and (exists or view.api):
        assert answer.status == 400, f"{answer.status} on {where}: {unknown} are not parameters of {view}"
        for key in unknown:
            assert _named(answer, key, view.api), f"{where}: the 400 does not name {key!r}"
        # Refused before any filter runs: not one query of the register.
        assert not any(REGISTER_TABLE.search(sql) for sql, _ in answer.statements), where
        return answer.status
    allowed = {200, 400}
    if (view.pages and _page_past_the_last(parsed)) or not exists:
        allowed.add(404)
    assert answer.status in allowed, f"{answer.status} on {where}"
    return answer.status


@pytest.fixture
def hostile_register(sample, make_decision, make_authority, make_organisation):
    """The sample register, with names and summaries that a spreadsheet or a template could take for code."""
    make_decision(
        authority=make_authority("cnil", "CNIL", "FR"),
        organisation=make_organisation('=HYPERLINK("http://evil.example","x")', slug="hyperlink"),
        summary=f"@SUM(1+1) {SCRIPT}",
    )
    return sample


@pytest.mark.parametrize("view", VIEWS, ids=str)
def test_no_query_string_gives_a_5xx_or_runs_a_filter_the_view_does_not_take(client, hostile_register, caplog, view):
    caplog.set_level(logging.ERROR, logger="django.request")  # thousands of 400s and 404s; a 500 still logs
    client.get(view.path)  # anything a first request caches is not the parameters' doing
    baseline = _ask(client, view.path, "").statements
    published = {f"FT-{number}/" for number in Decision.objects.published().values_list("number", flat=True)}
    statuses: Counter[int] = Counter()

    @settings(
        max_examples=view.examples, derandomize=True, database=None, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(path=_paths(view), query=query_strings(view))
    def requests(path: str, query: str) -> None:
        exists = path == view.path or path.endswith(tuple(published))
        statuses[check(client, view, path, query, baseline, exists=exists)] += 1

    requests()
    print(f"{view}: {statuses.total()} requests, {dict(sorted(statuses.items()))}")
    assert statuses.total() >= view.examples * 0.9
    if view.examples >= 100:  # a quick run is too short for the share to mean anything
        assert statuses[200] >= view.examples * 0.05, "too few requests got past the view's checks to its queries"


# What the property test found. These answered 500 (the amounts on PostgreSQL only: "value overflows numeric
# format"; the page sizes on both databases: int() refuses more than 4300 digits).


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/decisions/?page_size=" + "9" * 5000, None),
        ("/api/organisations/?page_size=" + "0" * 4400 + "7", None),
        ("/fines/?min_eur=1E-999999", "min_eur"),
        ("/api/decisions/?max_eur=1E-20000", "max_eur"),
        ("/stats/?min_eur=0." + "0" * 20000 + "1", "min_eur"),
        ("/fines/export.csv?min_eur=1e-999999", "min_eur"),
        ("/fines/feed.atom?max_eur=1e-999999", "max_eur"),
    ],
)
def test_numbers_that_once_gave_a_500(client, sample, url, parameter):
    response = client.get(url)
    if parameter is None:
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        assert (parameter in response.json()["errors"]) if url.startswith("/api/") else (
            f"<code>{parameter}".encode() in response.content
        )


# And these answered DRF's or the paginator's bare 404, where every other bad parameter is a 400 that names it.


def test_an_amount_is_read_to_the_cent(client, sample):
    assert client.get("/fines/?min_eur=40000000.00").status_code == 200
    response = client.get("/api/decisions/?min_eur=1.001")
    assert response.status_code == 400 and "2 decimal places" in " ".join(response.json()["errors"]["min_eur"])


@pytest.mark.parametrize(
    "path", ["/api/", "/api/decisions/", "/api/decisions/FT-1/", "/api/authorities/", "/api/stats/"]
)
@pytest.mark.parametrize("value", ["xml", "api", "yaml", "JSON"])
def test_a_format_the_api_does_not_speak_is_a_400_in_json_that_names_it(client, sample, path, value):
    response = client.get(f"{path}?format={value}&id__gt=1")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert set(response.json()["errors"]) == {"format", "id__gt"}
    assert client.get(f"{path}?format=json").status_code == 200


@pytest.mark.parametrize("path", ["/fines/", "/authorities/cnil/", "/api/decisions/", "/api/authorities/"])
@pytest.mark.parametrize("page", ["0", "-1", "-99999999999999999999"])
def test_a_page_below_the_first_is_a_400_that_names_it(client, sample, path, page):
    response = client.get(f"{path}?page={page}")
    assert response.status_code == 400
    assert ("page" in response.json()["errors"]) if path.startswith("/api/") else b"<code>page" in response.content


@pytest.mark.parametrize("path", ["/fines/", "/authorities/cnil/"])
def test_an_empty_page_parameter_is_the_first_page(client, sample, path):
    assert client.get(f"{path}?page=").status_code == 200
