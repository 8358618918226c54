"""Comparison: /compare/?fines=FT-1,FT-2 side by side, and how a reader builds one without JavaScript."""
import re
from decimal import Decimal

import pytest

from fines.compare import gdpr_maximum, selection_parse
from fines.models import Decision, Organisation
from fines.vocabularies import Status


def test_amazon_against_google_reads_fourteen_point_nine_times_with_a_chart(client, register):
    response = client.get("/compare/?fines=FT-1,FT-2")
    assert response.status_code == 200
    html = response.content.decode()
    text = re.sub(r"<[^>]+>", "", html)
    assert "Amazon Europe Core S.à r.l.’s €746 million is 14.9× Google LLC’s €50 million." in text
    assert '<svg class="bar-chart"' in html and "<rect" in html
    # Bars to scale: Amazon's is 14.9 times as long as Google's.
    amazon, google = (float(width) for width in re.findall(r'<rect x="[^"]*" y="[^"]*" width="([^"]*)"', html)[:2])
    assert amazon / google == pytest.approx(14.92, rel=0.02)


def test_each_fine_is_ranked_among_all_fines_and_in_its_country(client, register):
    compared = {item.decision.reference: item for item in client.get("/compare/?fines=FT-14,FT-1").context["compared"]}
    fines = Decision.objects.published().fines().count()
    assert (compared["FT-14"].rank, compared["FT-14"].fines) == (1, fines)
    assert compared["FT-1"].rank == 2
    assert (compared["FT-1"].country_rank, compared["FT-1"].country_fines) == (1, 1)


def test_share_of_the_gdpr_maximum_uses_the_groups_turnover(client, register):
    item = client.get("/compare/?fines=FT-1,FT-2").context["compared"][0]
    assert item.turnover.organisation.name == "Amazon.com, Inc."
    # 4 % of USD 386,064 million at the ECB rate of 31 December 2020 (1.2271 USD per EUR).
    assert item.turnover.maximum_eur == pytest.approx(Decimal("12584435000"), rel=Decimal("0.001"))
    assert item.share_of_maximum == pytest.approx(Decimal("0.0593"), abs=Decimal("0.0001"))
    assert "5.93%" in client.get("/compare/?fines=FT-1,FT-2").content.decode()


def test_the_gdpr_maximum_is_never_below_twenty_million_euro():
    assert gdpr_maximum(None) == Decimal(20_000_000)
    assert gdpr_maximum(Decimal(100_000_000)) == Decimal(20_000_000)
    assert gdpr_maximum(Decimal(1_000_000_000)) == Decimal(40_000_000)


def test_without_a_recorded_turnover_there_is_no_share(client, register):
    Organisation.objects.filter(name="Alphabet Inc.").update(
        turnover=None, turnover_currency="", turnover_year=None, turnover_source=""
    )
    item = client.get("/compare/?fines=FT-2,FT-1").context["compared"][0]
    assert item.turnover is None and item.share_of_maximum is None


@pytest.mark.parametrize(
    ("values", "numbers"),
    [(["FT-1,FT-2"], [1, 2]), (["ft-3", "FT-1"], [3, 1]), (["FT-1, FT-1 ,FT-2,"], [1, 2]), ([""], [])],
)
def test_a_selection_is_read_from_commas_or_repeated_parameters(values, numbers):
    assert selection_parse(values) == numbers


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("fines=FT-1,FT-2,FT-3,FT-4,FT-5,FT-6,FT-7", "at most 6"),
        ("fines=FT-1,banana", "“banana” is not a finetracker reference"),
        ("fines=FT-1,FT-99999", "No published decision has the reference FT-99999"),
        ("fines=FT-1&sort=amount", "sort"),
        ("fines=FT-0", "“FT-0” is not a finetracker reference"),
    ],
)
def test_a_bad_selection_is_a_400_that_says_why(client, register, query, message):
    response = client.get(f"/compare/?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_draft_cannot_be_compared(client, register):
    Decision.objects.filter(number=2).update(is_published=False)
    assert client.get("/compare/?fines=FT-1,FT-2").status_code == 400


def test_one_or_no_fine_asks_for_more_instead_of_failing(client, register):
    for query in ("", "?fines=FT-1"):
        response = client.get(f"/compare/{query}")
        assert response.status_code == 200
        assert "pick them from the list of fines" in response.content.decode()


def test_the_list_carries_the_selection_in_its_links(client, register):
    html = client.get("/fines/?country=FR&fines=FT-1").content.decode()
    assert "Comparison: FT-1" in html
    # Adding Google's fine keeps the filters and the selection in the URL.
    assert 'href="?country=FR&amp;fines=FT-1%2CFT-2"' in html
    html = client.get("/fines/?fines=FT-1,FT-2").content.decode()
    assert 'href="/compare/?fines=FT-1,FT-2"' in html
    assert client.get("/fines/?fines=nonsense").status_code == 400


def test_pagination_and_filter_form_keep_the_selection(client, register):
    html = client.get("/fines/?fines=FT-1").content.decode()
    assert 'name="fines" value="FT-1"' in html
    assert re.search(r'href="\?fines=FT-1&amp;page=2"|href="\?page=2&amp;fines=FT-1"', html)


def test_every_decision_page_links_to_the_record_holder_of_its_time(client, register):
    html = client.get("/fines/FT-1/").content.decode()
    assert "This fine set a new record" in html
    assert 'href="/compare/?fines=FT-1,FT-2"' in html
    meta_2022 = Decision.objects.filter(
        organisation__name="Meta Platforms Ireland Limited", decision_date__year=2022
    ).order_by("decision_date").first()
    html = client.get(meta_2022.get_absolute_url()).content.decode()
    assert f'href="/compare/?fines={meta_2022.reference},FT-1"' in html


def test_compare_uses_a_fixed_number_of_queries(client, register, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        client.get("/compare/?fines=FT-1,FT-2,FT-3,FT-4,FT-5,FT-6")


def test_a_notice_of_intent_is_compared_but_not_ranked(client, register):
    notice = Decision.objects.filter(status=Status.PROPOSED).first()
    item = client.get(f"/compare/?fines=FT-1,{notice.reference}").context["compared"][1]
    assert item.rank is None


def test_the_share_of_the_maximum_needs_the_turnover_of_the_year_before(client, register):
    whatsapp = Decision.objects.get(organisation__name__startswith="WhatsApp", decision_date__year=2021)
    item = client.get(f"/compare/?fines={whatsapp.reference},FT-14").context["compared"][0]
    assert item.turnover.organisation.turnover_year == 2022
    assert item.share_of_maximum is None
    assert "only the 2022 turnover is recorded" in client.get(f"/compare/?fines={whatsapp.reference},FT-14").content.decode()


def test_a_notice_of_intent_is_not_set_against_fines_in_ratios(client, register):
    notice = Decision.objects.filter(status=Status.PROPOSED).first()
    response = client.get(f"/compare/?fines=FT-1,FT-2,{notice.reference}")
    assert [(r.larger.reference, r.smaller.reference) for r in response.context["ratios"]] == [("FT-1", "FT-2")]
    assert ", proposed" in response.content.decode()


def test_an_eprivacy_decision_also_links_to_the_record_holder_of_its_time(client, register):
    eprivacy = Decision.objects.filter(legal_basis="eprivacy").order_by("decision_date").first()
    html = client.get(eprivacy.get_absolute_url()).content.decode()
    assert f'href="/compare/?fines={eprivacy.reference},FT-' in html
