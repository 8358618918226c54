import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest

from fines.importers import UnreadableSource
from fines.importers.enforcement_tracker import (
    SECTORS,
    VIOLATIONS,
    read_enforcement_tracker,
    read_enforcement_tracker_page,
    read_enforcement_tracker_table,
)
from fines.vocabularies import Sector, ViolationType

FILES = Path(__file__).parent / "files"
TODAY = datetime.date(2025, 6, 1)


def read(name: str) -> bytes:
    return (FILES / name).read_bytes()


def records_by_id(result):
    return {record.external_id: (row, record) for row, record in result.records}


def problems_by_row(result) -> dict[int, tuple[str, list[str]]]:
    return {problem.row: (problem.label, problem.problems) for problem in result.problems}


def page_with(*cases: dict) -> bytes:
    script = json.dumps(list(cases))
    return f'<html><body><script id="et-cases" type="application/json">{script}</script></body></html>'.encode()


def case(**fields) -> dict:
    return {
        "e": 9001, "C": "France", "c": "FR", "F": "fr", "a": "French Data Protection Authority (CNIL)",
        "d": "2022-12-29", "y": 2022, "f": "8,000,000", "p": "Apple Distribution International",
        "s": "Media, Telecoms and Broadcasting", "r": "Art. 82 loi Informatique et Libertés",
        "t": "Insufficient legal basis for data processing", "u": "https://www.cnil.fr/fr/sanction-apple",
        **fields,
    }


def test_page_cases_become_decision_records():
    result = read_enforcement_tracker_page(read("et_page.html"), today=TODAY)
    records = records_by_id(result)

    row, amazon = records["ETid-778"]
    assert row == 1
    assert (amazon.external_source, amazon.country, amazon.currency) == ("enforcementtracker", "LU", "EUR")
    assert amazon.amount == Decimal("746000000")
    assert (amazon.decision_date, amazon.date_precision) == (datetime.date(2021, 7, 16), "day")
    assert amazon.authority == "National Commission for Data Protection (CNPD)"
    assert amazon.organisation == "Amazon Europe Core S.à.r.l."
    assert amazon.articles == ["5(1)(a)", "6", "12", "13", "14", "15", "16", "17", "21"]
    assert amazon.violation_type == ViolationType.PRINCIPLES
    assert amazon.sector == ""  # "Industry and Commerce" spans several of the register's sectors
    assert [source.url for source in amazon.sources] == [
        "https://cnpd.public.lu/en/actualites/national/2021/08/decision-amazon-2.html"
    ]
    assert records["ETid-23"][1].amount == Decimal("50000000")  # "50,000,000" as text
    assert sorted(records) == ["ETid-23", "ETid-312", "ETid-434", "ETid-778", "ETid-96"]


def test_page_uk_and_el_become_iso_codes_and_urls_keep_their_query():
    records = records_by_id(read_enforcement_tracker_page(read("et_page.html"), today=TODAY))

    british_airways = records["ETid-434"][1]
    assert british_airways.country == "GB"
    assert british_airways.sources[0].url.endswith("?lang=en&format=pdf")
    assert records["ETid-96"][1].country == "GR"


def test_page_unknown_date_falls_back_to_the_year_and_month_dates_keep_their_precision():
    records = records_by_id(read_enforcement_tracker_page(read("et_page.html"), today=TODAY))

    hospital = records["ETid-96"][1]
    assert (hospital.decision_date, hospital.date_precision) == (datetime.date(2019, 1, 1), "year")
    assert hospital.sources == []  # "u" was empty
    vodafone = records["ETid-312"][1]
    assert (vodafone.decision_date, vodafone.date_precision) == (datetime.date(2020, 6, 1), "month")


def test_page_articles_are_canonical_shorthand_is_expanded_and_other_laws_are_left_out():
    records = records_by_id(read_enforcement_tracker_page(read("et_page.html"), today=TODAY))

    assert records["ETid-96"][1].articles == ["5(1)(a)", "5(1)(f)", "32"]
    assert records["ETid-312"][1].articles == ["6(1)"]  # "Art. 21 LSSI" is Spanish law


def test_page_unreadable_fines_are_problems_with_their_row_and_reason():
    problems = problems_by_row(read_enforcement_tracker_page(read("et_page.html"), today=TODAY))

    assert problems[6] == ("ETid-1501", ["the fine is not known", "the controller or processor is not named"])
    label, reasons = problems[7]
    assert label == "ETid-1502"
    assert reasons == ["the fine 'approx. 2 million' cannot be read as an amount in euros (e.g. 4,800 or 746000000)"]
    assert sorted(problems) == [6, 7]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"d": "2099-03-01"}, "decision_date 2099-03-01 is in the future"),
        ({"f": -5000}, "amount '-5000' is not a plain non-negative decimal"),
        ({"f": "-5,000"}, "amount '-5000' is not a plain non-negative decimal"),
        ({"c": "XX", "C": "Atlantis"}, "country 'XX' is not an ISO 3166-1 alpha-2 code"),
        ({"c": "", "C": "Atlantis"}, "the country 'Atlantis' is not a country name this adapter knows"),
        ({"d": "Unknown", "y": "Unknown"}, "the decision date is not known"),
        ({"d": "29.12.2022"}, "decision_date: '29.12.2022' is not a date"),
        ({"a": ""}, "authority is missing"),
        ({"e": "case nine"}, "the case has no ETid (e is 'case nine')"),
        ({"f": "4.800"}, "the fine '4.800' cannot be read"),
        ({"r": "Art. 120 GDPR"}, "articles: the GDPR has articles 1 to 99, not 120"),
    ],
)
def test_page_bad_values_are_refused_by_the_registers_own_checks(changes, reason):
    result = read_enforcement_tracker_page(page_with(case(), case(**{"e": 9002, **changes})), today=TODAY)

    assert [row for row, _ in result.records] == [1]
    [problem] = result.problems
    assert problem.row == 2
    assert any(text.startswith(reason) for text in problem.problems), problem.problems
    # The adapter's own reason replaces the shared check's bare "... is missing".
    assert not {"amount is missing", "country is missing", "decision_date is missing"} & set(problem.problems)


def test_page_case_country_may_be_given_by_name_only():
    cases = page_with(case(c="", C="Czech Republic"), case(e=2, c=None, C="Netherlands"))

    result = read_enforcement_tracker_page(cases, today=TODAY)

    assert [record.country for _, record in result.records] == ["CZ", "NL"]


def test_page_etid_may_be_a_number_or_text():
    result = read_enforcement_tracker_page(page_with(case(e=7), case(e="ETid-0042"), case(e="ETid 43")), today=TODAY)

    assert [record.external_id for _, record in result.records] == ["ETid-7", "ETid-42", "ETid-43"]


def test_page_case_that_is_not_an_object_is_a_problem():
    result = read_enforcement_tracker_page(page_with(case(), ["ETid-1", "FR"]), today=TODAY)

    assert [(problem.row, problem.problems) for problem in result.problems] == [
        (2, ["the case is an array, not a JSON object"])
    ]


@pytest.mark.parametrize(
    ("label", "sector"),
    [
        ("Health Care", Sector.HEALTH),
        ("Accomodation and Hospitalty", Sector.HOSPITALITY),
        ("Real Estate", Sector.REAL_ESTATE),
        ("Employment", Sector.EMPLOYMENT),
        ("Public Sector and Education", Sector.PUBLIC),
        ("Individuals and Private Associations", Sector.OTHER),
        ("Transportation and Energy", ""),
        ("Not assigned", ""),
        ("Something new", ""),
    ],
)
def test_sector_labels_map_to_the_registers_sectors_where_they_clearly_match(label, sector):
    [(_, record)] = read_enforcement_tracker_page(page_with(case(s=label)), today=TODAY).records

    assert record.sector == sector


@pytest.mark.parametrize(
    ("label", "violation"),
    [
        ("Insufficient legal basis for data processing", ViolationType.LEGAL_BASIS),
        ("Non-compliance with general data processing principles", ViolationType.PRINCIPLES),
        ("Insufficient fulfilment of information obligations", ViolationType.INFORMATION),
        ("Insufficient fulfilment of data subjects rights", ViolationType.DATA_SUBJECT_RIGHTS),
        ("Insufficient fulfilment of data subjects' rights", ViolationType.DATA_SUBJECT_RIGHTS),
        ("Insufficient technical and organisational measures to ensure information security", ViolationType.SECURITY),
        ("Insufficient fulfilment of data breach notification obligations", ViolationType.BREACH_NOTIFICATION),
        ("Insufficient data processing agreement", ViolationType.PROCESSING_AGREEMENT),
        ("Insufficient involvement of data protection officer", ViolationType.DPO),
        ("Insufficient cooperation with supervisory authority", ViolationType.COOPERATION),
        ("Unknown", ""),
        ("Something new", ""),
    ],
)
def test_violation_labels_map_to_the_registers_violation_types(label, violation):
    [(_, record)] = read_enforcement_tracker_page(page_with(case(t=label)), today=TODAY).records

    assert record.violation_type == violation


def test_mapping_tables_only_name_values_of_the_registers_vocabularies():
    assert set(SECTORS.values()) - {""} <= set(Sector.values)
    assert set(VIOLATIONS.values()) - {""} <= set(ViolationType.values)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body><h1>Sorry</h1></body></html>",
         "page titled '503 Service Unavailable' has no <script id=\"et-cases\">"),
        (b'<html><script id="et-cases" type="application/json">[{"e": 1,}]</script></html>', "not valid JSON"),
        (b'<html><script id="et-cases" type="application/json">{"e": 1}</script></html>',
         "holds an object, not an array"),
        (b"", "empty"),
    ],
)
def test_page_without_readable_cases_is_unreadable(data, message):
    with pytest.raises(UnreadableSource, match=message):
        read_enforcement_tracker_page(data, today=TODAY)


@pytest.mark.parametrize("cut_before", [b'"p": "Hospital', b"</script>\n<footer>"])
def test_truncated_page_is_unreadable(cut_before):
    data = read("et_page.html")

    with pytest.raises(UnreadableSource, match="truncated"):
        read_enforcement_tracker_page(data[: data.index(cut_before)], today=TODAY)


def test_page_case_data_is_found_among_other_scripts():
    data = read("et_page.html")

    assert b'id="et-config"' in data  # another JSON script comes first in the file
    assert len(read_enforcement_tracker_page(data, today=TODAY).records) == 5


def test_table_rows_become_records_with_entities_decoded_and_tags_stripped():
    result = read_enforcement_tracker_table(read("et_table.json"), today=TODAY)
    records = records_by_id(result)

    row, cafe = records["ETid-100"]
    assert row == 1
    assert (cafe.country, cafe.amount, cafe.organisation) == ("AT", Decimal("4800"), "Sports betting café")
    assert cafe.articles == ["5(1)(c)", "6"]
    assert cafe.sector == Sector.OTHER
    assert cafe.summary.startswith("Video surveillance of a public pavement in front of the café;")
    assert [source.url for source in cafe.sources] == [
        "https://www.dsb.gv.at/",
        "https://www.ris.bka.gv.at/Dokument.wxe?Abfrage=Dsk&Dokumentnummer=DSBT_20180927_DSB_D550_084_0002_DSB_2018_00",
    ]
    muller = records["ETid-145"][1]
    assert muller.organisation == "Dr. Müller & Söhne GmbH"
    assert muller.authority == "Data Protection Authority of Baden-Württemberg"
    assert muller.summary == (
        "Health data of employees were published on the internet by mistake. "
        "The authority called the company's \"negligence\" serious."
    )
    assert muller.articles == ["5(1)(f)", "32"]
    assert "Tätigkeitsbericht-für-den" in muller.sources[0].url
    marriott = records["ETid-431"][1]
    assert (marriott.country, marriott.amount, marriott.sector) == ("GB", Decimal("20450000"), Sector.HOSPITALITY)
    assert sorted(records) == ["ETid-100", "ETid-145", "ETid-431"]


def test_table_rows_that_cannot_be_read_are_problems_with_their_row_and_reason():
    problems = problems_by_row(read_enforcement_tracker_table(read("et_table.json"), today=TODAY))

    label, reasons = problems[3]
    assert label == "ETid-210"
    assert reasons == [
        "the fine '200,000 + 150,000' adds up several amounts; which fine this decision imposed is ambiguous "
        "(each fine belongs in its own decision)"
    ]
    assert problems[4] == ("ETid-311", ["the fine is not known", "the controller or processor is not named"])
    assert problems[5] == ("ETid-402", ["the decision date is not known"])
    assert problems[7] == ("ETid-440", ["the row has 10 cells; the table feed has 13 cells a row"])
    assert sorted(problems) == [3, 4, 5, 7]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html><head><title>Error 500</title></head><body>Internal error</body></html>",
         "HTML page titled 'Error 500'"),
        (b'{"draw": 1, "recordsTotal": 0}', 'expected an object {"data": \\[\\[...\\], ...\\]}'),
        (b'{"data": [["", "ETid-1"], ["",', "truncated"),
    ],
)
def test_table_feed_that_cannot_be_read_is_unreadable(data, message):
    with pytest.raises(UnreadableSource, match=message):
        read_enforcement_tracker_table(data, today=TODAY)


def test_truncated_table_feed_file_is_unreadable():
    data = read("et_table.json")

    with pytest.raises(UnreadableSource, match="truncated"):
        read_enforcement_tracker_table(data[: data.index(b"Marriott")], today=TODAY)


def test_either_form_is_recognised_by_its_content():
    page, table = read("et_page.html"), read("et_table.json")

    assert read_enforcement_tracker(page, today=TODAY) == read_enforcement_tracker_page(page, today=TODAY)
    with_bom = read_enforcement_tracker(b"\xef\xbb\xbf" + table, today=TODAY)
    assert with_bom == read_enforcement_tracker_table(table, today=TODAY)


def test_reading_the_same_file_twice_gives_the_same_result():
    for name in ("et_page.html", "et_table.json"):
        first = read_enforcement_tracker(read(name), today=TODAY)
        second = read_enforcement_tracker(read(name), today=TODAY)
        assert first == second
        assert first.seen == 7
