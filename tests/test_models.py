"""Constraints hold in the database itself, whatever code writes to it."""
from decimal import Decimal

import pytest
from django.db import DataError, IntegrityError, transaction

from fines.models import AppealEvent, Decision, reference_number
from fines.vocabularies import AppealOutcome


def _violates(update: dict, decision: Decision) -> bool:
    try:
        with transaction.atomic():
            Decision.objects.filter(pk=decision.pk).update(**update)
    except (IntegrityError, DataError):  # PostgreSQL refuses an over-long code before any check
        return True
    return False


@pytest.mark.parametrize(
    "update",
    [
        {"amount": Decimal("-1")},
        {"current_amount": Decimal("-0.01")},
        {"currency": "eur"},
        {"currency": "EURO"},
        {"currency": "E1R"},
        {"status": "pending"},
        {"legal_basis": "national"},
        {"date_precision": "week"},
        {"decision_date": None},  # a known precision needs a date
        {"eur_rate": Decimal("0")},
    ],
)
def test_the_database_refuses_invalid_values(make_decision, update):
    decision = make_decision()
    assert _violates(update, decision), f"{update} was accepted"


def test_valid_values_are_accepted(make_decision):
    decision = make_decision()
    assert not _violates({"currency": "NOK", "status": "upheld", "amount": Decimal("0")}, decision)


def test_a_reference_is_unique(make_decision):
    first, second = make_decision(), make_decision()
    assert second.number == first.number + 1
    assert _violates({"number": first.number}, second)


def test_references_are_never_reused_after_a_deletion(make_decision):
    last = make_decision()
    number = last.number
    last.delete()
    assert make_decision().number == number + 1


def test_two_decisions_cannot_share_a_provenance(make_decision):
    make_decision(external_source="cms", external_id="ETid-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_decision(external_source="cms", external_id="ETid-1")


def test_an_appeal_ruling_must_say_what_amount_stands(make_decision):
    decision = make_decision()
    with pytest.raises(IntegrityError), transaction.atomic():
        AppealEvent.objects.create(decision=decision, body="Court", outcome=AppealOutcome.REDUCED, amount_after=None,
                                   date=decision.decision_date)
    AppealEvent.objects.create(decision=decision, body="Court", outcome=AppealOutcome.LODGED, date=decision.decision_date)
    assert decision.appeals.count() == 1


def test_reference_reads_ft_and_number(make_decision):
    decision = make_decision()
    assert decision.reference == f"FT-{decision.number}"
    assert decision.get_absolute_url() == f"/fines/FT-{decision.number}/"


@pytest.mark.parametrize(
    ("text", "number"),
    [("FT-12", 12), ("ft12", 12), (" 12 ", 12), ("FT-0", None), ("FT-²", None), ("FT-12a", None), ("", None),
     ("FT-99999999999", None)],
)
def test_a_reference_is_read_as_readers_write_it(text, number):
    assert reference_number(text) == number
