"""The public pages: filters, sorting, the 400s, detail content and query counts."""
import datetime
import re
from decimal import Decimal

import pytest

from fines.models import Decision


def _references(response) -> list[str]:
    """The decisions a list page shows, in order (each row links its FT reference once)."""
    return re.findall(r'class="ref">(FT-\d+)<', response.content.decode())


def refs(sample, *names):
    return [sample[name].reference for name in names]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["criteo", "cookies", "grindr", "amazon", "ba_notice", "google"]),
        ("?country=FR", ["criteo", "cookies", "google"]),
        ("?country=fr&country=LU", ["criteo", "cookies", "amazon", "google"]),
        ("?authority=cnpd", ["amazon"]),
        ("?authority=cnpd&authority=ico", ["amazon", "ba_notice"]),
        ("?organisation=alphabet-inc", ["cookies", "google"]),
        ("?organisation=google-llc", ["cookies", "google"]),
        ("?sector=media", ["criteo"]),
        ("?violation=legal_basis", ["google"]),
        ("?article=5", ["amazon"]),
        ("?article=5(1)", ["amazon"]),
        ("?article=Art.%209%20GDPR", ["grindr"]),
        ("?status=proposed", ["ba_notice"]),
        ("?status=upheld&status=appealed", ["criteo", "amazon"]),
        ("?legal_basis=eprivacy", ["cookies"]),
        ("?legal_basis=gdpr&country=FR", ["criteo", "google"]),
        ("?year=2021", ["cookies", "grindr", "amazon"]),
        ("?date_from=2021-07-15&date_to=2021-12-13", ["grindr", "amazon"]),
        ("?min_eur=50000000", ["cookies", "amazon", "ba_notice", "google"]),
        ("?max_eur=10000000", ["grindr"]),
        ("?min_eur=40000000&max_eur=60000000", ["criteo", "google"]),
        ("?q=amazon", ["amazon"]),
        ("?q=android", ["google"]),
        ("?q=46762", ["amazon"]),
        ("?q=CNIL&year=2023", ["criteo"]),
        ("?country=US", []),
    ],
)
def test_each_filter_alone_and_combined(client, sample, query, expected):
    response = client.get(f"/fines/{query}")
    assert response.status_code == 200
    expected_refs = refs(sample, *expected)
    assert _references(response) == expected_refs
    assert f"{len(expected_refs)} decision" in " ".join(response.content.decode().split())


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-amount_eur", ["amazon", "ba_notice", "cookies", "google", "criteo", "grindr"]),
        ("amount_eur", ["grindr", "criteo", "google", "cookies", "ba_notice", "amazon"]),
        ("date", ["google", "ba_notice", "amazon", "grindr", "cookies", "criteo"]),
        ("-date", ["criteo", "cookies", "grindr", "amazon", "ba_notice", "google"]),
        ("organisation", ["amazon", "ba_notice", "criteo", "cookies", "google", "grindr"]),
        ("authority", ["criteo", "cookies", "google", "amazon", "grindr", "ba_notice"]),
    ],
)
def test_sorting(client, sample, sort, expected):
    response = client.get(f"/fines/?sort={sort}")
    assert response.status_code == 200
    assert _references(response) == refs(sample, *expected)


@pytest.mark.parametrize(
    ("query", "field", "says"),
    [
        ("country=XX", "country", "Select a valid choice"),
        ("date_from=2021-02-30", "date_from", "Enter a valid date"),
        ("sort=password", "sort", "Select a valid choice"),
        ("authority=nope", "authority", "Select a valid choice"),
        ("organisation=nope", "organisation", "Select a valid choice"),
        ("status=pending", "status", "Select a valid choice"),
        ("article=100", "article", "articles 1 to 99"),
        ("article=foo", "article", "not a GDPR article reference"),
        ("year=abc", "year", "Enter a whole number"),
        ("min_eur=-5", "min_eur", "greater than or equal to 0"),
        ("min_eur=ten", "min_eur", "Enter a number"),
        ("date_from=2022-01-01&date_to=2021-01-01", "date_to", "is before date_from"),
        ("contry=FR", "contry", "is not a filter"),
        ("organisation=%00", "organisation", "NUL character"),
        ("authority=cnil%00", "authority", "NUL character"),
        ("year=2019.9", "year", "Enter a whole number"),
        ("page=abc", "page", "is not a page number"),
    ],
)
def test_an_invalid_filter_is_a_400_that_says_what_was_wrong(client, sample, query, field, says):
    response = client.get(f"/fines/?{query}")
    assert response.status_code == 400
    text = response.content.decode()
    assert f"<code>{field}" in text
    assert says in text


@pytest.mark.parametrize(
    "query",
    ["q=%00", "country=", "page=0", "year=99999999999999999999", "min_eur=1e999", "sort=", "q=" + "x" * 5000,
     "article=5(1)(((", "date_to=0000-00-00", "status=&status=", "authority=%27;drop"],
)
def test_no_query_string_gives_a_500(client, sample, query):
    assert client.get(f"/fines/?{query}").status_code in (200, 400, 404)


def test_the_submitted_filter_form_with_empty_fields_lists_everything(client, sample):
    query = "q=&country=&authority=&legal_basis=&violation=&sector=&article=&year=&date_from=&date_to=&min_eur=&max_eur=&sort=-date"
    response = client.get(f"/fines/?{query}")
    assert response.status_code == 200
    assert len(_references(response)) == len(sample)


def test_a_repeated_country_keeps_every_choice_in_the_form(client, sample):
    text = client.get("/fines/?country=FR&country=LU").content.decode()
    assert '<select name="country" id="id_country" multiple' in text
    assert text.count("selected>") >= 3  # France, Luxembourg and the sort order


def test_a_page_beyond_the_last_is_a_404(client, sample):
    assert client.get("/fines/?page=99").status_code == 404


def test_the_list_paginates_by_50(client, make_decision):
    for _ in range(51):
        make_decision()
    first = client.get("/fines/")
    assert len(_references(first)) == 50
    assert "51 decisions" in first.content.decode()
    assert len(_references(client.get("/fines/?page=2"))) == 1


def test_list_query_count_does_not_grow_with_rows(client, make_decision, django_assert_num_queries):
    for _ in range(3):
        make_decision()
    with django_assert_num_queries(4):
        client.get("/fines/?sort=-amount_eur")
    for _ in range(30):
        make_decision()
    with django_assert_num_queries(4):
        client.get("/fines/?sort=-amount_eur")


def test_detail_shows_amounts_rate_status_appeals_and_sources(client, sample):
    grindr = sample["grindr"]
    grindr.sources.create(url="https://www.datatilsynet.no/example", title="Press release", kind="press_release")
    grindr.appeals.create(date=datetime.date(2023, 9, 27), body="Privacy Appeals Board", outcome="upheld",
                          amount_after=Decimal("65000000"))
    response = client.get(grindr.get_absolute_url())
    text = " ".join(response.content.decode().replace("\xa0", " ").split())
    assert response.status_code == 200
    assert "NOK 65,000,000" in text
    assert "≈ €6,397,763.74" in text
    assert "1 EUR = 10.1598 NOK" in text and "13 December 2021" in text
    assert "Privacy Appeals Board" in text and "27 September 2023" in text
    assert "https://www.datatilsynet.no/example" in text
    assert "Art. 9(1)" in text


def test_detail_lists_related_fines_of_the_group_and_the_authority(client, sample):
    response = client.get(sample["google"].get_absolute_url())
    related = _references(response)
    assert sample["cookies"].reference in related  # same group (Alphabet)
    assert sample["criteo"].reference in related  # same authority (CNIL)
    assert sample["amazon"].reference not in related


def test_a_notice_of_intent_says_it_is_not_a_fine(client, sample):
    response = client.get(sample["ba_notice"].get_absolute_url())
    assert "notice of intent" in response.content.decode()


def test_detail_query_count_does_not_grow_with_appeals_sources_or_related_fines(
    client, sample, make_decision, django_assert_num_queries
):
    amazon = sample["amazon"]
    # One of them asks for the record holder of the decision's time (the "compare with" link); five read
    # the change history (the decision, its appeals, sources, articles and organisation).
    with django_assert_num_queries(14):
        client.get(amazon.get_absolute_url())
    for index in range(5):
        amazon.sources.create(url=f"https://example.org/{index}")
        amazon.appeals.create(date=datetime.date(2022, 1, 1 + index), body="Court", outcome="lodged")
        make_decision(authority=amazon.authority, organisation=amazon.organisation)
    with django_assert_num_queries(14):
        client.get(amazon.get_absolute_url())


def test_unpublished_decisions_are_not_shown(client, sample):
    Decision.objects.filter(pk=sample["amazon"].pk).update(is_published=False)
    assert sample["amazon"].reference not in _references(client.get("/fines/"))
    assert client.get(sample["amazon"].get_absolute_url()).status_code == 404


def test_reference_spellings_redirect_to_the_canonical_url(client, sample):
    number = sample["amazon"].number
    response = client.get(f"/fines/ft-{number}/")
    assert response.status_code == 301 and response["Location"] == f"/fines/FT-{number}/"
    assert client.get("/fines/nonsense/").status_code == 404
    assert client.get("/fines/FT-99999/").status_code == 404


def test_authority_and_organisation_pages(client, sample):
    authorities = client.get("/authorities/").content.decode()
    assert "CNIL" in authorities and "CNPD" in authorities
    cnil = client.get("/authorities/cnil/")
    assert _references(cnil) == refs(sample, "criteo", "cookies", "google")
    group = client.get("/organisations/alphabet-inc/")
    assert _references(group) == refs(sample, "cookies", "google")  # the group page includes its subsidiaries
    organisations = client.get("/organisations/")
    assert "Google LLC" in organisations.content.decode()
    alphabet = next(o for o in organisations.context["organisations"] if o.slug == "alphabet-inc")
    assert (alphabet.fine_count, alphabet.total_eur) == (2, Decimal("140000000"))  # its subsidiary's two fines
    assert client.get("/authorities/nope/").status_code == 404


def test_home_shows_headline_figures_without_notices_of_intent(client, sample):
    response = client.get("/")
    text = " ".join(response.content.decode().replace("\xa0", " ").split())
    assert response.status_code == 200
    assert "5 fines recorded" not in text  # labels and figures are separate elements
    assert response.context["headline"]["count"] == 5
    assert response.context["notices"] == 1
    assert sample["amazon"].reference in _references(response)
