import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest

from fines.importers import UnreadableSource
from fines.importers.gdprhub import FineError, fine_read, gdprhub_continuation, gdprhub_read, page_url

FILES = Path(__file__).parent / "files"


def read_file(name: str):
    return gdprhub_read((FILES / name).read_bytes())


def api_answer(*pages: tuple[str, str]) -> bytes:
    """A formatversion=2 answer holding one page per (title, wikitext)."""
    return json.dumps(
        {
            "batchcomplete": True,
            "query": {
                "pages": [
                    {"pageid": 900 + number, "ns": 0, "title": title,
                     "revisions": [{"slots": {"main": {"content": wikitext}}}]}
                    for number, (title, wikitext) in enumerate(pages)
                ]
            },
        }
    ).encode()


def box(**fields: str) -> str:
    values = {
        "Jurisdiction": "France", "DPA_Abbrevation": "CNIL", "DPA_With_Country": "CNIL (France)",
        "Case_Number_Name": "SAN-2022-001", "Date_Decided": "29.12.2021", "Year": "2021",
        "Fine": "150000000", "Currency": "EUR", "GDPR_Article_1": "Article 82 GDPR",
        "Party_Name_1": "Google LLC",
    } | fields
    return "{{DPAdecisionBOX\n" + "".join(f"|{key}={value}\n" for key, value in values.items()) + "}}\n"


def only_record(data: bytes):
    result = gdprhub_read(data)
    assert not result.problems, [str(problem) for problem in result.problems]
    assert len(result.records) == 1
    return result.records[0][1]


def only_problem(data: bytes):
    result = gdprhub_read(data)
    assert not result.records
    assert len(result.problems) == 1
    return result.problems[0]


@pytest.fixture(scope="module")
def result():
    return read_file("gdprhub_decisions.json")


class TestDecisionsFile:
    def test_the_amazon_decision_is_read_in_full(self, result):
        number, record = result.records[0]
        assert number == 1
        assert record.external_source == "gdprhub"
        assert record.external_id == "19837"
        assert record.authority == "CNPD"
        assert record.country == "LU"
        assert record.organisation == "Amazon Europe Core S.à r.l."
        assert record.decision_date == datetime.date(2021, 7, 15)
        assert record.date_precision == "day"
        assert record.announced_date == datetime.date(2021, 7, 30)
        assert record.amount == Decimal("746000000")
        assert record.currency == "EUR"
        assert record.articles == ["5(1)(a)", "6", "12", "21"]
        assert record.case_number == "Délibération n° 36FR/2021"

    def test_sources_are_the_original_decision_and_the_gdprhub_page(self, result):
        _, record = result.records[0]
        decision, page = record.sources
        assert decision.url.startswith("https://cnpd.public.lu/content/dam/cnpd/fr/decisions-fr/2021/")
        assert (decision.title, decision.language, decision.kind) == ("CNPD", "fr", "decision")
        assert page.url == (
            "https://gdprhub.eu/index.php?title=CNPD_(Luxembourg)_-_D%C3%A9lib%C3%A9ration_n%C2%B0_36FR/2021"
        )
        assert page.kind == "news"

    def test_complainant_organisations_are_not_taken_for_the_fined_party(self, result):
        google = dict(result.records)[2]
        assert google.organisation == "Google LLC"

    def test_a_euro_country_fine_without_currency_is_in_euro(self, result):
        google = dict(result.records)[2]
        assert (google.amount, google.currency) == (Decimal("50000000"), "EUR")
        assert google.sources[0].language == "fr"

    def test_an_empty_field_does_not_swallow_the_fields_after_it(self, result):
        klarna = dict(result.records)[4]
        assert klarna.decision_date == datetime.date(2022, 3, 28)  # from Date_Published
        assert klarna.date_precision == "day"
        assert (klarna.amount, klarna.currency) == (Decimal("7500000"), "SEK")
        assert klarna.sources[0].language == "sv"

    def test_pages_without_a_fine_or_the_template_or_at_all_are_skipped(self, result):
        # a category page without the template, the AEPD "Fine=None" decision, a missing page
        assert result.skipped == 3
        assert sorted(dict(result.records)) == [1, 2, 4]
        assert result.seen == 6

    def test_rows_that_cannot_be_read_are_problems_named_by_page_title(self, result):
        problems = {problem.row: problem for problem in result.problems}
        assert sorted(problems) == [7, 8, 9]
        assert problems[7].label == "Garante per la protezione dei dati personali (Italy) - 9435753"
        assert problems[7].problems[0].startswith("cannot read the fine '200,000 + 150,000'")
        assert problems[8].label == "HmbBfDI (Hamburg) - H&M"
        assert problems[8].problems == [
            "cannot tell which party was fined: H&M Hennes & Mauritz Online Shop A.B. & Co. KG, "
            "H&M Hennes & Mauritz AB"
        ]
        assert problems[9].label == "UODO (Poland) - ZSPR.421.2.2019"
        assert problems[9].problems == [
            "the page gives no Currency and PL did not use the euro at the decision date"
        ]

    def test_the_continuation_is_handed_to_the_fetcher(self):
        data = (FILES / "gdprhub_decisions.json").read_bytes()
        assert gdprhub_continuation(data) == {"rvcontinue": "20211|48213", "continue": "||"}
        assert gdprhub_continuation(api_answer(("A", box()))) is None


def test_a_malformed_template_is_a_problem_and_the_other_pages_are_read():
    result = read_file("gdprhub_malformed.json")
    assert [str(problem) for problem in result.problems] == [
        "row 1 (APD/GBA (Belgium) - 21/2022): the DPAdecisionBOX template is malformed (not closed with }})"
    ]
    [(number, record)] = result.records
    assert (number, record.organisation, record.amount) == (2, "WhatsApp Ireland Ltd.", Decimal("225000000"))
    assert record.sources[0].language == "en"


@pytest.mark.parametrize(
    ("name", "says"),
    [("gdprhub_error.html", "HTML page"), ("gdprhub_truncated.json", "not valid JSON")],
)
def test_an_html_error_page_or_a_truncated_answer_is_unreadable(name, says):
    with pytest.raises(UnreadableSource, match=says):
        read_file(name)


@pytest.mark.parametrize(
    "data",
    [b'{"decisions": []}', b"[1, 2]", b"\xff\xfe not text", b'{"query": {"search": []}}'],
)
def test_json_that_is_not_a_mediawiki_answer_is_unreadable(data):
    with pytest.raises(UnreadableSource):
        gdprhub_read(data)


def test_an_api_error_answer_is_unreadable_and_says_the_wikis_reason():
    data = b'{"error": {"code": "ratelimited", "info": "You have exceeded your rate limit."}}'
    with pytest.raises(UnreadableSource, match="ratelimited: You have exceeded your rate limit"):
        gdprhub_read(data)


def test_empty_fields_on_one_line_keep_the_values_after_them():
    wikitext = (
        "{{DPAdecisionBOX|Jurisdiction=France|DPA_Abbrevation=CNIL|Date_Decided=|Date_Published=|Year=2020"
        "|Fine=|Currency=|Fine=35000000|Currency=EUR|Party_Name_1=|Party_Name_2=Carrefour France}}"
    )
    record = only_record(api_answer(("CNIL (France) - SAN-2020-008", wikitext)))
    assert (record.decision_date, record.date_precision) == (datetime.date(2020, 1, 1), "year")
    assert record.announced_date is None
    assert (record.amount, record.currency, record.organisation) == (Decimal("35000000"), "EUR", "Carrefour France")


def test_uk_jurisdiction_is_gb():
    record = only_record(
        api_answer(("ICO (UK) - British Airways", box(
            Jurisdiction="UK", DPA_Abbrevation="ICO", Fine="£20,000,000", Currency="GBP",
            Party_Name_1="British Airways plc", Date_Decided="16.10.2020",
        )))
    )
    assert (record.country, record.currency, record.amount) == ("GB", "GBP", Decimal("20000000"))


def test_a_wiki_link_in_a_party_name_is_read_as_its_text():
    record = only_record(api_answer(("A", box(Party_Name_1="[[Google LLC]] <!-- US parent -->"))))
    assert record.organisation == "Google LLC"


def test_croatia_before_the_euro_needs_a_currency():
    problem = only_problem(api_answer(("AZOP (Croatia) - 2022", box(
        Jurisdiction="Croatia", DPA_Abbrevation="AZOP", Date_Decided="10.05.2022", Currency="",
    ))))
    assert problem.problems == ["the page gives no Currency and HR did not use the euro at the decision date"]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"Date_Decided": "31.02.2021"}, "Date_Decided '31.02.2021' is not a date DD.MM.YYYY"),
        ({"Date_Decided": "", "Year": ""}, "the page gives no Date_Decided, Date_Published or Year"),
        ({"Date_Published": "July 2021"}, "Date_Published 'July 2021' is not a date DD.MM.YYYY"),
        ({"Jurisdiction": "EDPB"}, "Jurisdiction 'EDPB' is not a country this register knows"),
        ({"Currency": "XYZ"}, "currency 'XYZ' is unknown (the ECB has no rate for it); use ISO 4217, e.g. EUR"),
        ({"Fine": "SEK 5000", "Currency": "EUR"}, "Fine 'SEK 5000' is in SEK but Currency says EUR"),
        ({"Party_Name_1": "noyb", "Party_Name_2": "Data subject"},
         "every party is a complainant (noyb, Data subject), so not who was fined"),
        ({"Party_Name_1": ""}, "the page names no party, so not who was fined"),
        ({"DPA_Abbrevation": "", "DPA_With_Country": ""}, "authority is missing"),
        ({"GDPR_Article_2": "Recital 32 GDPR"}, "GDPR_Article 'Recital 32 GDPR'"),
        ({"Fine": "-5000"}, "cannot read the fine '-5000': a fine cannot be negative"),
        ({"Fine": "Unknown"}, "cannot read the fine 'Unknown': the page says a fine was imposed but not how much"),
    ],
)
def test_a_page_that_cannot_become_a_decision_says_why(fields, reason):
    problem = only_problem(api_answer(("CNIL (France) - SAN-2022-001", box(**fields))))
    assert problem.label == "CNIL (France) - SAN-2022-001"
    assert any(text.startswith(reason) for text in problem.problems), problem.problems


def test_a_decision_in_the_future_is_a_problem():
    result = gdprhub_read(api_answer(("A", box())), today=datetime.date(2021, 12, 1))
    assert result.problems[0].problems == ["decision_date 2021-12-29 is in the future"]


def test_a_missing_field_is_said_once():
    problem = only_problem(api_answer(("A", box(Party_Name_1=""))))
    assert problem.problems == ["the page names no party, so not who was fined"]


@pytest.mark.parametrize("text", ["", "None", "none", "n/a", "N/A", "-", "0", "No fine"])
def test_a_decision_without_a_fine_is_skipped(text):
    result = gdprhub_read(api_answer(("A", box(Fine=text))))
    assert (result.records, result.problems, result.skipped) == ([], [], 1)


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("746000000", "746000000", ""),
        ("746,000,000", "746000000", ""),
        ("1.000.000", "1000000", ""),
        ("€ 50.000", "50000", "EUR"),
        ("€\u00a050\u00a0000", "50000", "EUR"),
        ("SEK 7 500 000", "7500000", "SEK"),
        ("EUR 2.5 million", "2500000", "EUR"),
        ("€1.2 billion", "1200000000", "EUR"),
        ("35.258.707,95 €", "35258707.95", "EUR"),
        ("1,234,567.89", "1234567.89", ""),
        ("2 000 euros", "2000", "EUR"),
        ("12 000 kr", "12000", ""),
        ("1'500", "1500", ""),
    ],
)
def test_fine_text_is_read_when_unambiguous(text, amount, currency):
    assert fine_read(text) == (Decimal(amount), currency)


@pytest.mark.parametrize(
    "text",
    [
        "200,000 + 150,000",
        "1.250 million",  # 1.25 million or 1250 million
        "1.000,000",
        "1.00.000",
        "1,000.000.5",
        "approx. 5000",
        "EUR 5000 USD",
        "12,3456",
        "EUR",
    ],
)
def test_fine_text_that_could_be_read_two_ways_or_not_at_all_is_refused(text):
    with pytest.raises(FineError):
        fine_read(text)


def test_page_urls_use_underscores_and_quote_the_rest():
    assert page_url("HmbBfDI (Hamburg) - H&M") == "https://gdprhub.eu/index.php?title=HmbBfDI_(Hamburg)_-_H%26M"


def test_formatversion_1_answers_are_read_too():
    data = json.dumps(
        {"query": {"pages": {"901": {"pageid": 901, "title": "A", "revisions": [{"slots": {"main": {"*": box()}}}]},
                             "-1": {"title": "B", "missing": ""}}}}
    ).encode()
    result = gdprhub_read(data)
    assert [record.external_id for _, record in result.records] == ["901"]
    assert result.skipped == 1
