"""The read-only JSON API: the same filters as the public list, 400s that name the parameter, and its schema."""
import datetime
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from openapi_spec_validator import validate

from fines.filters import decision_filter
from fines.models import ArticleCitation, Decision, OrganisationAlias
from fines.names import name_key
from fines.vocabularies import Status


def _references(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [decision["reference"] for decision in response.json()["results"]]


def _filter_references(query: str) -> list[str]:
    """What the public list's FilterSet selects for the same query string."""
    filterset, errors = decision_filter(QueryDict(query), Decision.objects.published())
    assert not errors
    return [decision.reference for decision in filterset.qs]


def _decision_with_everything(make_decision, index: int = 0) -> Decision:
    decision = make_decision(amount="1234.5", currency="EUR", sector="health")
    decision.sources.create(url=f"https://example.org/{index}", title="Press release", language="en",
                            kind="press_release")
    decision.appeals.create(date=datetime.date(2022, 3, 1), date_precision="month", body="Court", outcome="lodged")
    ArticleCitation.objects.create(decision=decision, article_id=32, provision="32(1)(b)")
    return decision


# The list and its pages


def test_the_list_is_paginated_by_50_with_a_count_and_links(client, make_decision):
    for _ in range(51):
        make_decision()
    first = client.get("/api/decisions/").json()
    assert first["count"] == 51 and len(first["results"]) == 50
    assert first["previous"] is None and first["next"] == "http://testserver/api/decisions/?page=2"
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    assert {d["reference"] for d in first["results"]}.isdisjoint(d["reference"] for d in second["results"])


def test_page_size_is_chosen_by_the_caller_up_to_500(client, make_decision):
    for _ in range(3):
        make_decision()
    assert len(client.get("/api/decisions/?page_size=2").json()["results"]) == 2
    assert len(client.get("/api/decisions/?page_size=100000").json()["results"]) == 3


@pytest.mark.parametrize(
    ("query", "parameter", "says"),
    [("page=abc", "page", "is not a page number"), ("page_size=0", "page_size", "is not a page size"),
     ("page_size=ten", "page_size", "is not a page size"), ("page_size=-1", "page_size", "is not a page size")],
)
def test_a_page_that_is_not_a_number_is_a_400(client, sample, query, parameter, says):
    response = client.get(f"/api/decisions/?{query}")
    assert response.status_code == 400
    assert says in response.json()["errors"][parameter][0]


def test_a_page_past_the_last_is_a_404(client, sample):
    response = client.get("/api/decisions/?page=99")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "no page 99" in response.json()["detail"]


# One decision


def test_a_decision_says_everything_the_register_knows_with_money_as_strings(client, sample):
    grindr = sample["grindr"]
    grindr.sources.create(url="https://www.datatilsynet.no/example", title="Press release", language="no",
                          kind="press_release")
    grindr.appeals.create(date=datetime.date(2023, 9, 27), body="Privacy Appeals Board", outcome="upheld",
                          amount_after=Decimal("65000000"), case_number="PVN-2022-22")
    response = client.get(f"/api/decisions/{grindr.reference}/")
    assert response.status_code == 200
    data = response.json()
    assert data["reference"] == grindr.reference
    assert data["url"] == f"http://testserver/fines/{grindr.reference}/"
    assert data["api_url"] == f"http://testserver/api/decisions/{grindr.reference}/"
    assert data["authority"] == {"slug": "datatilsynet-no", "name": "DATATILSYNET-NO", "short_name": "Datatilsynet",
                                 "country": "NO"}
    assert data["organisation"] == {"slug": "grindr-llc", "name": "Grindr LLC", "group": None}
    assert (data["decision_date"], data["date_precision"]) == ("2021-12-13", "day")
    assert (data["amount"], data["currency"]) == ("65000000.00", "NOK")
    assert (data["amount_eur"], data["eur_rate"], data["eur_rate_date"]) == ("6397763.74", "10.159800", "2021-12-13")
    assert data["current_amount"] == "65000000.00" and data["amount_paid"] is None
    assert (data["status"], data["legal_basis"]) == ("imposed", "gdpr")
    assert data["articles"] == ["9(1)"]
    assert data["violation_type"] is None and data["sector"] is None
    assert data["sources"] == [{"url": "https://www.datatilsynet.no/example", "title": "Press release",
                                "language": "no", "kind": "press_release"}]
    assert data["appeals"] == [{"date": "2023-09-27", "date_precision": "day", "body": "Privacy Appeals Board",
                                "case_number": "PVN-2022-22", "outcome": "upheld", "amount_after": "65000000.00",
                                "source_url": None, "note": ""}]
    assert datetime.datetime.fromisoformat(data["date_added"])


def test_a_decision_of_a_subsidiary_names_its_group(client, sample):
    data = client.get(f"/api/decisions/{sample['google'].reference}/").json()
    assert data["organisation"]["group"] == {"slug": "alphabet-inc", "name": "Alphabet Inc."}
    assert (data["sector"], data["violation_type"], data["articles"]) == ("technology", "legal_basis", ["6"])


def test_a_partial_date_is_written_only_as_precisely_as_it_is_known(client, make_decision):
    month = make_decision(decision_date=datetime.date(2021, 7, 1), date_precision="month")
    year = make_decision(decision_date=datetime.date(2020, 1, 1), date_precision="year")
    unknown = make_decision(decision_date=None, date_precision="unknown")
    assert client.get(f"/api/decisions/{month.reference}/").json()["decision_date"] == "2021-07"
    assert client.get(f"/api/decisions/{year.reference}/").json()["decision_date"] == "2020"
    assert client.get(f"/api/decisions/{unknown.reference}/").json()["decision_date"] is None


def test_reference_spellings_redirect_and_nonsense_is_a_json_404(client, sample):
    number = sample["amazon"].number
    response = client.get(f"/api/decisions/ft-{number}/")
    assert response.status_code == 301 and response["Location"] == f"/api/decisions/FT-{number}/"
    for path in ("/api/decisions/nonsense/", "/api/decisions/FT-99999/", "/api/decisions/%C2%B2/"):
        response = client.get(path)
        assert response.status_code == 404 and "detail" in response.json()


def test_drafts_are_in_neither_the_list_nor_the_detail(client, sample):
    Decision.objects.filter(pk=sample["amazon"].pk).update(is_published=False)
    response = client.get("/api/decisions/")
    assert sample["amazon"].reference not in _references(response)
    assert response.json()["count"] == len(sample) - 1
    assert client.get(f"/api/decisions/{sample['amazon'].reference}/").status_code == 404


# Filters: the public list's, with its 400s


@pytest.mark.parametrize(
    "query",
    [
        "", "country=FR", "country=fr&country=LU", "authority=cnpd&authority=ico", "organisation=alphabet-inc",
        "sector=media", "violation=legal_basis", "article=5", "article=5(1)", "article=Art.%209%20GDPR",
        "status=proposed", "status=upheld&status=appealed", "legal_basis=eprivacy", "year=2021",
        "date_from=2021-07-15&date_to=2021-12-13", "min_eur=40000000&max_eur=60000000", "q=amazon", "q=android",
        "q=CNIL&year=2023", "country=US", "sort=-amount_eur", "sort=amount_eur", "sort=date", "sort=organisation",
        "sort=-authority", "q=&country=&sort=",
    ],
)
def test_filters_select_what_the_public_list_selects(client, sample, query):
    assert _references(client.get(f"/api/decisions/?{query}&page_size=500")) == _filter_references(query)
    as_json = client.get(f"/api/decisions/?{query}&format=json")
    assert _references(client.get(f"/api/decisions/?{query}")) == _references(as_json)


def test_a_filter_finds_the_expected_decisions(client, sample):
    assert _references(client.get("/api/decisions/?country=FR&sort=-amount_eur")) == [
        sample[name].reference for name in ("cookies", "google", "criteo")
    ]


@pytest.mark.parametrize(
    ("query", "parameter", "says"),
    [
        ("country=XX", "country", "Select a valid choice"),
        ("date_from=2021-02-30", "date_from", "Enter a valid date"),
        ("sort=password", "sort", "Select a valid choice"),
        ("authority=nope", "authority", "Select a valid choice"),
        ("status=pending", "status", "Select a valid choice"),
        ("article=100", "article", "articles 1 to 99"),
        ("year=abc", "year", "Enter a whole number"),
        ("min_eur=-5", "min_eur", "greater than or equal to 0"),
        ("date_from=2022-01-01&date_to=2021-01-01", "date_to", "is before date_from"),
        ("min_eur=10&max_eur=5", "max_eur", "is below min_eur"),
        ("q=%00", "q", "NUL character"),
        ("id__gt=3", "id__gt", "is not a filter"),
        ("_connector=OR", "_connector", "is not a filter"),
        ("is_published=false", "is_published", "is not a filter"),
        ("ordering=-amount", "ordering", "is not a filter"),
    ],
)
def test_an_invalid_or_unknown_parameter_is_a_400_that_names_it(client, sample, query, parameter, says):
    response = client.get(f"/api/decisions/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["detail"] and list(body["errors"]) == [parameter]
    assert says in " ".join(body["errors"][parameter])


def test_every_bad_parameter_is_named_at_once(client, sample):
    body = client.get("/api/decisions/?year=twenty&date_from=2021-02-30").json()
    assert set(body["errors"]) == {"year", "date_from"}


def test_a_detail_takes_no_filters(client, sample):
    response = client.get(f"/api/decisions/{sample['amazon'].reference}/?country=FR")
    assert response.status_code == 400 and "country" in response.json()["errors"]
    assert client.get(f"/api/decisions/{sample['amazon'].reference}/?format=json").status_code == 200


@pytest.mark.parametrize("query", ["format=api", "format=xml", "page=0", "year=99999999999999999999", "min_eur=1e999",
                                   "q=" + "x" * 5000, "article=5(1)(((", "authority=%27;drop", "page_size=1e3"])
def test_no_query_string_gives_a_500(client, sample, query):
    assert client.get(f"/api/decisions/?{query}").status_code in (200, 400, 404)


# Read-only, open to other origins


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", ["/api/", "/api/decisions/", "/api/decisions/FT-{number}/", "/api/authorities/cnil/",
                                  "/api/organisations/"])
def test_writes_are_refused_with_a_405(client, sample, method, path):
    response = getattr(client, method)(path.format(number=sample["amazon"].number), data="{}",
                                       content_type="application/json")
    assert response.status_code == 405
    assert "GET" in response["Allow"] and "POST" not in response["Allow"]


def test_head_and_options_are_answered(client, sample):
    assert client.head("/api/decisions/").status_code == 200
    assert client.options("/api/decisions/").status_code == 200


def test_any_origin_may_read_the_api_but_not_the_site(client, sample):
    api = client.get("/api/decisions/", headers={"Origin": "https://example.org"})
    assert api["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in api
    site = client.get("/fines/", headers={"Origin": "https://example.org"})
    assert "Access-Control-Allow-Origin" not in site


def test_a_preflight_allows_only_reading(client):
    response = client.options(
        "/api/decisions/",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 200
    assert set(response["Access-Control-Allow-Methods"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}


def test_no_session_or_csrf_cookie_is_set(client, sample):
    response = client.get("/api/decisions/")
    assert not response.cookies


# Authorities and organisations


def test_authorities_count_published_fines_without_notices_of_intent(client, sample, make_decision):
    make_decision(authority=sample["google"].authority, amount="7", is_published=False)
    make_decision(authority=sample["google"].authority, amount="9", status=Status.PROPOSED)
    response = client.get("/api/authorities/")
    assert response.status_code == 200
    by_slug = {a["slug"]: a for a in response.json()["results"]}
    assert list(by_slug) == ["cnil", "ico", "cnpd", "datatilsynet-no"]  # by country
    cnil = by_slug["cnil"]
    assert (cnil["fine_count"], cnil["total_eur"], cnil["largest_eur"]) == (3, "180000000.00", "90000000.00")
    assert (by_slug["ico"]["fine_count"], by_slug["ico"]["total_eur"]) == (0, None)
    assert cnil["url"] == "http://testserver/authorities/cnil/"
    assert cnil["decisions_url"] == "http://testserver/api/decisions/?authority=cnil"
    assert client.get("/api/authorities/cnil/").json() == cnil


def test_authorities_filter_by_country_and_refuse_unknown_parameters(client, sample):
    assert [a["slug"] for a in client.get("/api/authorities/?country=lu").json()["results"]] == ["cnpd"]
    for query, parameter in (("country=XX", "country"), ("name=cnil", "name"), ("id__gt=1", "id__gt")):
        response = client.get(f"/api/authorities/?{query}")
        assert response.status_code == 400 and parameter in response.json()["errors"]
    assert client.get("/api/authorities/nope/").status_code == 404


def test_organisations_show_group_subsidiaries_aliases_turnover_and_group_fines(client, sample):
    alphabet = sample["google"].organisation.parent
    OrganisationAlias.objects.create(organisation=alphabet, name="Google Group", name_key=name_key("Google Group"))
    type(alphabet).objects.filter(pk=alphabet.pk).update(
        turnover=Decimal("307394000000"), turnover_currency="USD", turnover_year=2023,
        turnover_source="https://abc.xyz/investor/",
    )
    data = client.get("/api/organisations/alphabet-inc/").json()
    assert data["group"] is None and data["subsidiaries"] == ["google-llc"]
    assert data["aliases"] == ["Google Group"]
    assert (data["turnover"], data["turnover_currency"], data["turnover_year"]) == ("307394000000.00", "USD", 2023)
    assert data["turnover_source"] == "https://abc.xyz/investor/"
    assert (data["fine_count"], data["total_eur"]) == (2, "140000000.00")  # its subsidiary's two fines
    google = client.get("/api/organisations/google-llc/").json()
    assert google["group"] == {"slug": "alphabet-inc", "name": "Alphabet Inc."}
    assert (google["turnover"], google["turnover_currency"], google["turnover_source"]) == (None, None, None)
    assert google["subsidiaries"] == []


def test_organisations_are_found_by_name_or_alias(client, sample):
    alphabet = sample["google"].organisation.parent
    OrganisationAlias.objects.create(organisation=alphabet, name="Google Group", name_key=name_key("Google Group"))
    slugs = [o["slug"] for o in client.get("/api/organisations/?q=google").json()["results"]]
    assert slugs == ["alphabet-inc", "google-llc"]
    assert client.get("/api/organisations/?name=google").status_code == 400
    assert client.get("/api/organisations/nope/").status_code == 404


# Root, schema and docs


def test_the_root_lists_the_endpoints(client):
    data = client.get("/api/").json()
    assert data["decisions"] == "http://testserver/api/decisions/"
    assert {"authorities", "organisations", "schema", "docs"} <= set(data)


@pytest.mark.parametrize("ask", [{"path": "/api/schema/?format=json"},
                                 {"path": "/api/schema/", "headers": {"Accept": "application/vnd.oai.openapi+json"}}])
def test_the_schema_is_valid_openapi_with_the_filters_typed(client, ask):
    response = client.get(ask["path"], headers=ask.get("headers", {}))
    assert response.status_code == 200
    schema = json.loads(response.content)
    validate(schema)
    parameters = {p["name"]: p for p in schema["paths"]["/api/decisions/"]["get"]["parameters"]}
    assert set(parameters) >= {"q", "country", "authority", "organisation", "sector", "violation", "article", "status",
                               "legal_basis", "year", "date_from", "date_to", "min_eur", "max_eur", "sort", "page",
                               "page_size"}
    assert parameters["status"]["schema"]["type"] == "array"
    assert "proposed" in parameters["status"]["schema"]["items"]["enum"]
    assert parameters["year"]["schema"]["type"] == "integer"
    assert parameters["date_from"]["schema"]["format"] == "date"
    assert "-amount_eur" in parameters["sort"]["schema"]["enum"]
    assert "/api/decisions/FT-{number}/" in schema["paths"]


def test_the_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", validate=True, fail_on_warn=True, file=str(tmp_path / "schema.yaml"))
    assert "/api/decisions/" in (tmp_path / "schema.yaml").read_text()


def test_other_addresses_under_api_answer_in_json(client):
    response = client.get("/api/nope/")
    assert response.status_code == 404 and "/api/" in response.json()["detail"]
    response = client.get("/api/decisions")
    assert response.status_code == 301 and response["Location"] == "/api/decisions/"


def test_the_docs_page_lists_every_endpoint_and_parameter(client, sample):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    text = response.content.decode()
    for path in ("/api/decisions/", "/api/decisions/FT-{number}/", "/api/authorities/", "/api/organisations/{slug}/"):
        assert f"GET {path}" in text
    for parameter in ("legal_basis", "date_from", "min_eur", "page_size"):
        assert f"<code>{parameter}</code>" in text
    assert f"http://testserver/api/decisions/{sample['amazon'].reference}/" in text  # an example that works
    assert "<script" not in text  # works without JavaScript, under a strict CSP


# Query counts


def test_the_decision_list_query_count_does_not_grow_with_rows(client, make_decision):
    _decision_with_everything(make_decision)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/decisions/").status_code == 200
    for index in range(1, 25):
        _decision_with_everything(make_decision, index)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/api/decisions/")
    assert len(response.json()["results"]) == 25
    assert len(many) == len(few) <= 5  # count, page, articles, sources, appeals


def test_authority_and_organisation_lists_query_counts_do_not_grow_with_rows(
    client, make_authority, make_organisation, make_decision
):
    def counts() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as authorities:
            client.get("/api/authorities/")
        with CaptureQueriesContext(connection) as organisations:
            client.get("/api/organisations/")
        return len(authorities), len(organisations)

    group = make_organisation("Group")
    make_decision(organisation=make_organisation("One", parent=group))
    few = counts()
    for index in range(10):
        make_decision(authority=make_authority(f"a{index}"), organisation=make_organisation(f"S{index}", parent=group))
    assert counts() == few


# The bundled register


def test_every_decision_of_the_bundled_register_serialises(client, register):
    published = Decision.objects.published().count()
    response = client.get("/api/decisions/?page_size=500")
    data = response.json()
    assert data["count"] == published > 0
    amazon = next(d for d in data["results"] if d["organisation"]["name"].startswith("Amazon Europe Core"))
    assert amazon["amount"] == "746000000.00" and amazon["authority"]["short_name"] == "CNPD"


def test_stats_give_the_same_figures_as_the_stats_page(client, register):
    for query in ("", "country=IE", "notices=1&eprivacy=0", "organisation=meta-platforms-inc"):
        data = client.get(f"/api/stats/?{query}").json()
        page = client.get(f"/stats/?{query}").context
        assert data["count"] == page["summary"].count
        assert Decimal(data["total_eur"]) == page["summary"].total_eur.quantize(Decimal("0.01"))
        assert [row["reference"] for row in data["record_progression"]] == [d.reference for d in page["figures"].records]
    data = client.get("/api/stats/").json()
    assert [row["reference"] for row in data["record_progression"]][-3:] == ["FT-2", "FT-1", "FT-14"]
    assert {row["key"] for row in data["by_legal_basis"]} == {"gdpr", "eprivacy"}
    assert all(isinstance(row["key"], str) for row in data["by_year"])


@pytest.mark.parametrize(("query", "parameter"), [("year=x", "year"), ("page=2", "page"), ("notices=2", "notices")])
def test_stats_refuse_what_the_stats_page_refuses(client, register, query, parameter):
    response = client.get(f"/api/stats/?{query}")
    assert response.status_code == 400
    assert parameter in response.json()["errors"]


def test_the_stats_endpoint_documents_its_filters_and_switches(client):
    schema = client.get("/api/schema/?format=json").json()
    names = {parameter["name"] for parameter in schema["paths"]["/api/stats/"]["get"]["parameters"]}
    assert {"country", "organisation", "year", "notices", "eprivacy"} <= names
