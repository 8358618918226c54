import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from fines.exports import csv_lines, decisions_streamed, json_pieces
from fines.importers import UnreadableSource
from fines.importers.interchange import read_interchange_csv, read_interchange_json
from fines.models import Decision

FILES = Path(__file__).parent / "files"
TODAY = datetime.date(2025, 6, 1)


def read(name: str) -> bytes:
    return (FILES / name).read_bytes()


def problems_by_row(result) -> dict[int, tuple[str, str]]:
    return {problem.row: (problem.label, "; ".join(problem.problems)) for problem in result.problems}


def test_csv_rows_become_typed_records_numbered_from_one():
    result = read_interchange_csv(read("interchange_good.csv"), today=TODAY)

    assert result.problems == []
    assert [index for index, _ in result.records] == [1, 2, 3]
    amazon = result.records[0][1]
    assert amazon.organisation == "Amazon Europe Core S.à r.l."
    assert amazon.amount == Decimal("746000000")
    assert amazon.decision_date == datetime.date(2021, 7, 15)
    assert amazon.articles[:2] == ["5(1)(a)", "6"]
    assert "\nUpheld by the administrative tribunal" in amazon.summary  # a quoted summary over two lines
    google = result.records[1][1]
    assert [source.url for source in google.sources][1].startswith("https://www.legifrance.gouv.fr/")
    grindr = result.records[2][1]
    assert (grindr.currency, grindr.date_precision, grindr.sources) == ("NOK", "month", [])


def test_csv_with_a_byte_order_mark_reads_the_same():
    data = read("interchange_good.csv")

    assert read_interchange_csv(b"\xef\xbb\xbf" + data, today=TODAY) == read_interchange_csv(data, today=TODAY)


def test_csv_header_is_read_whatever_the_order_of_its_columns():
    data = (
        b"currency,amount,decision_date,organisation,country,authority\r\n"
        b"EUR,4800,2018-09-27,Caf\xc3\xa9 Wien,AT,dsb\r\n"
    )

    [(row, record)] = read_interchange_csv(data, today=TODAY).records

    assert (row, record.organisation, record.amount) == (1, "Café Wien", Decimal("4800"))


def test_csv_bad_rows_are_problems_with_their_row_and_reason_and_the_rest_is_read():
    result = read_interchange_csv(read("interchange_bad.csv"), today=TODAY)
    problems = problems_by_row(result)

    assert [index for index, _ in result.records] == [9, 11]
    assert problems[1] == ("Criteo S.A.", problems[1][1])
    assert "'-40000000' is not a plain non-negative decimal" in problems[1][1]
    assert "currency 'XEU' is unknown" in problems[2][1]
    assert "decision_date 2099-01-01 is in the future" in problems[3][1]
    assert problems[4][1] == "authority is missing"
    assert "country 'XX' is not an ISO 3166-1 alpha-2 code" in problems[5][1]
    assert problems[6] == ("Short Row AB", "the row has 7 cells where the header has 12 columns")
    assert "'5,000,000' is not a plain" in problems[7][1]  # thousands separators are not the format's
    assert "status 'pending' is not one of" in problems[8][1]
    assert "'2021-02-31' is not a date in the calendar" in problems[10][1]
    assert sorted(problems) == [1, 2, 3, 4, 5, 6, 7, 8, 10]


def test_csv_cut_off_in_the_middle_of_a_row_is_unreadable():
    data = read("interchange_good.csv")
    cut = data[: data.index(b"65000000")]

    with pytest.raises(UnreadableSource, match="truncated"):
        read_interchange_csv(cut, today=TODAY)


def test_csv_cut_off_inside_a_quoted_field_is_unreadable():
    data = read("interchange_good.csv")
    cut = data[: data.index(b"Upheld by the administrative")]

    with pytest.raises(UnreadableSource, match="not readable as CSV"):
        read_interchange_csv(cut, today=TODAY)


def test_csv_last_row_without_a_line_end_is_still_read():
    data = read("interchange_good.csv").rstrip(b"\r\n")

    assert len(read_interchange_csv(data, today=TODAY).records) == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
         "HTML page titled '502 Bad Gateway'"),
        (b'{"decisions": []}', "is JSON, not interchange CSV"),
        (b"authority,country,organisation,decision_date\r\ncnil,FR,Google LLC,2019-01-21\r\n",
         "lacks the required columns amount, currency"),
        (b"authority;country;organisation;decision_date;amount;currency\r\n", "separated by semicolons"),
        (b"\xff\xfea\x00u\x00", "binary"),
        ("authority,country\r\nCNIL,FR\r\n".encode("latin-1") + b"\xe9", "not UTF-8"),
        (b"authority,country,organisation,decision_date,amount,currency,amount\r\n", "column amount more than once"),
    ],
)
def test_csv_that_is_not_interchange_csv_is_unreadable_with_a_sentence_saying_why(data, message):
    with pytest.raises(UnreadableSource, match=message):
        read_interchange_csv(data, today=TODAY)


def test_json_decisions_become_records_with_appeals_and_exact_decimals():
    result = read_interchange_json(read("interchange_good.json"), today=TODAY)

    assert result.problems == []
    [(_, amazon), (_, grindr), (_, enel)] = result.records
    assert [appeal.outcome for appeal in amazon.appeals] == ["lodged", "upheld"]
    assert amazon.sources[0].title == "Decision regarding Amazon Europe Core S.à r.l."
    assert grindr.amount == Decimal("65000000")  # a JSON number
    assert grindr.appeals is None  # the row says nothing about appeals
    assert enel.amount == Decimal("26513977.95")  # not the float nearest to it
    assert (enel.decision_date, enel.date_precision) == (datetime.date(2022, 1, 1), "year")


def test_json_bad_decisions_are_problems_and_the_rest_is_read():
    result = read_interchange_json(read("interchange_bad.json"), today=TODAY)
    problems = problems_by_row(result)

    assert [index for index, _ in result.records] == [1]
    assert problems[2] == ("?", "the decision is a string, not a JSON object")
    assert "'-5' is not a plain non-negative decimal" in problems[3][1]
    assert problems[4] == ("Appeal Without Body SA", "appeal 1 has no body (court or board)")
    assert problems[5][0] == "FT-12"
    assert "status 'paid' is not one of" in problems[5][1]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html><head><title>Service Unavailable</title></head></html>", "HTML page titled 'Service Unavailable'"),
        (b'[{"authority": "cnil"}]', 'expected an object {"decisions": \\[...\\]}'),
        (b'{"rows": []}', "expected an object"),
        (b'{"decisions": [1,, 2]}', "not valid JSON"),
        (b"authority,country\r\n", "not valid JSON"),
    ],
)
def test_json_that_is_not_interchange_json_is_unreadable(data, message):
    with pytest.raises(UnreadableSource, match=message):
        read_interchange_json(data, today=TODAY)


@pytest.mark.parametrize("cut_before", [b"Tribunal administratif", b'"Grindr', b"]}"])
def test_truncated_json_is_unreadable(cut_before):
    data = read("interchange_good.json")

    with pytest.raises(UnreadableSource, match="truncated"):
        read_interchange_json(data[: data.index(cut_before)], today=TODAY)


def test_json_with_a_byte_order_mark_reads_the_same():
    data = read("interchange_good.json")

    assert read_interchange_json(b"\xef\xbb\xbf" + data, today=TODAY) == read_interchange_json(data, today=TODAY)


def test_reading_the_same_file_twice_gives_the_same_result():
    readers = ((read_interchange_csv, "interchange_bad.csv"), (read_interchange_json, "interchange_bad.json"))
    for reader, name in readers:
        first, second = reader(read(name), today=TODAY), reader(read(name), today=TODAY)
        assert first == second
        assert first.records and first.problems


def test_the_registers_csv_export_reads_back_without_problems(register):
    decisions = Decision.objects.with_related().order_by("number")
    data = "".join(csv_lines(decisions_streamed(decisions))).encode()

    result = read_interchange_csv(data)

    assert result.problems == []
    assert len(result.records) == decisions.count() > 0
    by_reference = {record.reference: record for _, record in result.records}
    for decision in decisions:
        record = by_reference[decision.reference]
        assert (record.amount, record.currency, record.organisation) == (
            decision.amount, decision.currency, decision.organisation.name,
        )


def test_the_registers_json_export_reads_back_without_problems(register):
    decisions = Decision.objects.with_related().order_by("number")
    data = "".join(json_pieces(decisions_streamed(decisions))).encode()

    result = read_interchange_json(data)

    assert result.problems == []
    assert len(result.records) == decisions.count()
    appeals = sum(len(record.appeals or []) for _, record in result.records)
    assert appeals == sum(decision.appeals.count() for decision in decisions)
