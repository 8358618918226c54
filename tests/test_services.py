from decimal import Decimal
from types import SimpleNamespace

import pytest

from fines.interchange import RecordError, decision_record
from fines.services import authority_find, standing_after_appeals, standing_problems


def _appeal(outcome, amount_after=None):
    return SimpleNamespace(outcome=outcome, amount_after=None if amount_after is None else Decimal(amount_after))


@pytest.mark.parametrize(
    ("appeals", "status", "current"),
    [
        ([], "imposed", "100"),
        ([_appeal("lodged")], "appealed", "100"),
        ([_appeal("lodged"), _appeal("upheld", "100")], "upheld", "100"),
        ([_appeal("reduced", "40"), _appeal("increased", "100")], "upheld", "100"),  # Spotify
        ([_appeal("annulled", "0"), _appeal("remitted"), _appeal("reduced", "16")], "reduced", "16"),  # Post
        ([_appeal("annulled", "0")], "annulled", "0"),
        ([_appeal("increased", "150")], "increased", "150"),
        ([_appeal("annulled", "0"), _appeal("interim")], "appealed", "0"),
    ],
)
def test_status_and_standing_amount_follow_the_latest_appeal(appeals, status, current):
    assert standing_after_appeals(amount=Decimal("100"), status="imposed", appeals=appeals) == (status, Decimal(current))


def test_a_notice_of_intent_has_no_standing_amount():
    assert standing_after_appeals(amount=Decimal("183390000"), status="proposed", appeals=[]) == ("proposed", None)


def test_a_standing_amount_without_an_appeal_is_a_problem():
    problems = standing_problems(amount=Decimal("100"), status="imposed", current_amount=Decimal("50"), appeals=[])
    assert problems and "no appeal event" in problems[0]
    assert standing_problems(amount=Decimal("100"), status="upheld", current_amount=None, appeals=[])


GOOD_ROW = {
    "authority": "cnil", "country": "FR", "organisation": "Google LLC", "decision_date": "2019-01-21",
    "amount": "50000000", "currency": "EUR", "articles": "Art. 6 GDPR, Art. 13 GDPR",
}


def test_an_interchange_row_is_read_into_typed_values():
    record = decision_record(GOOD_ROW)
    assert record.amount == Decimal("50000000") and record.decision_date.isoformat() == "2019-01-21"
    assert record.articles == ["6", "13"] and record.date_precision == "day"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": "1,000"}, "not a plain non-negative decimal"),
        ({"amount": "-5"}, "not a plain non-negative decimal"),
        ({"currency": "XYZ"}, "currency 'XYZ' is unknown"),
        ({"country": "XX"}, "'XX' is not an ISO 3166-1"),
        ({"decision_date": "2021-02-30"}, "not a date in the calendar"),
        ({"decision_date": "2999-01-01"}, "in the future"),
        ({"status": "pending"}, "status 'pending' is not one of"),
        ({"articles": "Art. 100"}, "articles 1 to 99"),
        ({"organisation": ""}, "organisation is missing"),
    ],
)
def test_a_bad_interchange_row_says_what_is_wrong(changes, message):
    with pytest.raises(RecordError) as error:
        decision_record({**GOOD_ROW, **changes})
    assert message in str(error.value)


def test_an_authority_is_found_by_the_acronym_a_source_adds_to_its_name(make_authority):
    cnpd = make_authority("cnpd", "CNPD", "LU")
    assert authority_find(name="National Commission for Data Protection (CNPD)", country="LU") == cnpd
    assert authority_find(name="National Commission for Data Protection (CNPD)", country="FR") is None
