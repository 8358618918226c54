"""Statistics: /stats/ for any selection of the list's filters, with its charts and record progression."""
import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fines.charts import Row, bar_chart
from fines.models import Decision
from fines.stats import decision_statistics, record_holder
from fines.vocabularies import LegalBasis, Status


def _figure(html: str, label: str) -> str:
    match = re.search(rf'figure-label">{label}</p><p class="figure-value">([^<]*)<', html)
    assert match, f"no figure {label!r}"
    return match[1]


def _export_total(client, query: str) -> tuple[int, Decimal]:
    response = client.get(f"/fines/export.csv?{query}")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    return len(rows), sum((Decimal(row["amount_eur"]) for row in rows if row["amount_eur"]), Decimal(0))


def test_the_record_progression_is_cnil_google_then_cnpd_amazon_then_dpc_meta(register):
    records = decision_statistics(Decision.objects.published()).records
    assert [(d.authority.short_name, d.organisation.name, d.amount_eur) for d in records] == [
        ("CNIL", "Google LLC", Decimal("50000000.00")),
        ("CNPD", "Amazon Europe Core S.à r.l.", Decimal("746000000.00")),
        ("DPC", "Meta Platforms Ireland Limited", Decimal("1200000000.00")),
    ]


def test_notices_of_intent_and_eprivacy_fines_never_set_a_gdpr_record(make_decision):
    first = make_decision(amount="1000", decision_date=datetime.date(2019, 1, 1))
    make_decision(amount="9000", decision_date=datetime.date(2019, 2, 1), status=Status.PROPOSED)
    make_decision(amount="8000", decision_date=datetime.date(2019, 3, 1), legal_basis=LegalBasis.EPRIVACY)
    smaller = make_decision(amount="500", decision_date=datetime.date(2019, 4, 1))
    larger = make_decision(amount="2000", decision_date=datetime.date(2019, 5, 1))
    records = decision_statistics(Decision.objects.published()).records
    assert records == [first, larger]
    assert record_holder(on=datetime.date(2019, 4, 1)) == first
    assert record_holder(on=datetime.date(2019, 5, 1), excluding=larger) == first
    assert smaller not in records


def test_summary_counts_median_largest_and_what_stands_after_appeal(make_decision):
    make_decision(amount="100")
    make_decision(amount="300")
    reduced = make_decision(amount="1000", status=Status.REDUCED, current_amount=Decimal("400"))
    make_decision(amount="5000", status=Status.PROPOSED)
    summary = decision_statistics(Decision.objects.published().fines()).summary
    assert (summary.count, summary.total_eur, summary.median_eur) == (3, Decimal(1400), Decimal(300))
    assert summary.standing_eur == Decimal(100 + 300 + 400)
    assert summary.largest == reduced


def test_an_even_count_takes_the_mean_of_the_middle_two_as_median(make_decision):
    for amount in ("100", "200", "300", "1000"):
        make_decision(amount=amount)
    assert decision_statistics(Decision.objects.published()).summary.median_eur == Decimal(250)


def test_a_decision_citing_two_provisions_of_one_article_counts_once(make_decision):
    decision = make_decision(amount="1000")
    decision.article_citations.create(article_id=5, provision="5(1)(a)")
    decision.article_citations.create(article_id=5, provision="5(1)(f)")
    decision.article_citations.create(article_id=6, provision="6")
    articles = {group.key: group for group in decision_statistics(Decision.objects.published()).by_article}
    assert (articles[5].count, articles[5].total_eur) == (1, Decimal(1000))
    assert articles[6].count == 1


def test_text_search_over_aliases_does_not_count_a_decision_twice(client, register):
    # "Meta" matches both the name and aliases of Meta's companies: joins that could double sums.
    response = client.get("/stats/?q=Meta")
    count, total = _export_total(client, response.context["list_query"])
    assert response.context["summary"].count == count
    assert response.context["summary"].total_eur == total


@pytest.mark.parametrize(
    "query",
    ["", "country=IE", "notices=1", "eprivacy=0", "organisation=meta-platforms-inc", "article=6&year=2022", "q=Google"],
)
def test_stats_totals_equal_the_sum_of_the_export_of_the_same_selection(client, register, query):
    response = client.get(f"/stats/?{query}")
    assert response.status_code == 200
    summary = response.context["summary"]
    count, total = _export_total(client, response.context["list_query"])
    assert (summary.count, summary.total_eur) == (count, total)
    assert summary.count > 0


def test_notices_of_intent_are_left_out_unless_asked_for(client, make_decision):
    make_decision(amount="1000")
    make_decision(amount="9000", status=Status.PROPOSED)
    assert client.get("/stats/").context["summary"].count == 1
    assert client.get("/stats/?notices=1").context["summary"].count == 2
    assert client.get("/stats/?status=proposed").context["summary"].count == 1


def test_eprivacy_fines_count_by_default_and_are_shown_apart(client, make_decision):
    make_decision(amount="1000")
    make_decision(amount="500", legal_basis=LegalBasis.EPRIVACY)
    response = client.get("/stats/")
    assert response.context["summary"].total_eur == Decimal(1500)
    assert {g.key: g.total_eur for g in response.context["figures"].by_legal_basis} == {
        "gdpr": Decimal(1000), "eprivacy": Decimal(500)
    }
    assert client.get("/stats/?eprivacy=0").context["summary"].total_eur == Decimal(1000)


def test_the_stats_page_draws_each_chart_as_svg_with_a_table(client, register):
    response = client.get("/stats/")
    html = response.content.decode()
    charts = re.findall(r'<svg class="bar-chart" viewBox="0 0 (\d+) (\d+)" role="img" aria-labelledby="([\w-]+)-title', html)
    assert {chart[2] for chart in charts} >= {
        "chart-year", "chart-country", "chart-authority", "chart-sector", "chart-violation", "chart-article",
        "chart-top", "chart-records", "chart-standing",
    }
    assert html.count("<table") >= len(charts)
    assert _figure(html, "Decisions") == "65"
    assert "€1.2 billion" in html


def test_chart_bars_are_to_scale_and_coordinates_are_not_localised(client, register):
    chart = bar_chart(
        id="c", title="t", description="d",
        rows=[Row("Amazon", Decimal(746_000_000), "€746 million"), Row("Google", Decimal(50_000_000), "€50 million")],
    )
    longest, shorter = (bar.length for bar in chart.bars)
    assert longest / shorter == pytest.approx(14.92, rel=0.01)
    html = client.get("/stats/", headers={"accept-language": "nl"}).content.decode()
    widths = re.findall(r'<rect x="[^"]*" y="[^"]*" width="([^"]*)"', html)
    assert widths and all(re.fullmatch(r"[0-9]+(\.[0-9]+)?", width) for width in widths)


def test_stats_take_the_list_filters_and_refuse_bad_ones(client, register):
    assert client.get("/stats/?country=LU").context["summary"].count == 1
    for query, parameter in [("year=abc", "year"), ("notices=maybe", "notices"), ("id__gt=3", "id__gt"), ("page=2", "page")]:
        response = client.get(f"/stats/?{query}")
        assert response.status_code == 400, query
        assert parameter in response.content.decode()


def test_stats_query_count_does_not_grow_with_the_register(client, make_decision, make_authority):
    authorities = [make_authority(slug=f"dpa-{n}", country=code) for n, code in enumerate(("FR", "DE", "IE"))]
    make_decision(amount="10", authority=authorities[0])
    with CaptureQueriesContext(connection) as few:
        client.get("/stats/")
    for n in range(30):
        make_decision(amount=str(100 + n), authority=authorities[n % 3], decision_date=datetime.date(2019 + n % 6, 1, 1))
    with CaptureQueriesContext(connection) as many:
        client.get("/stats/")
    assert len(many) == len(few)


@pytest.mark.parametrize("query", ["country=US", "year=1996", "q=_", "date_from=9999-12-31", "eprivacy=0&legal_basis=eprivacy"])
def test_an_empty_selection_is_a_page_that_says_so(client, register, query):
    response = client.get(f"/stats/?{query}")
    assert response.status_code == 200
    assert "No decisions match." in response.content.decode()


def test_a_filter_picks_among_the_records_of_the_register_and_makes_none(client, register):
    # The largest fine of 2021 after Amazon's is no record: Amazon's EUR 746M stood.
    assert [d.reference for d in client.get("/stats/?year=2021").context["figures"].records] == ["FT-1"]
    assert [d.reference for d in client.get("/stats/?country=FR").context["figures"].records] == ["FT-2"]
    assert client.get("/stats/?year=2020").context["figures"].records == []


def test_article_rows_do_not_link_while_an_article_filter_is_on(client, register):
    groups = client.get("/stats/?article=6").context["figures"].by_article
    assert groups and all(group.filter_query == "" for group in groups)
    assert all(group.filter_query for group in client.get("/stats/").context["figures"].by_article)
