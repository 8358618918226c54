"""Duplicate warnings: a decision that looks like one the register has is saved only once the editor confirms."""
import datetime

import pytest

from fines.models import Candidate, Decision, ImportSource
from fines.services import decision_lookalikes
from fines.vocabularies import CandidateStatus, ImportFormat
from tests.forms import decision_add_data, decision_form_data

ADD = "/admin/fines/decision/add/"
CONFIRM = "This is a separate decision; save it anyway"


@pytest.fixture
def existing(make_authority, make_organisation, make_decision):
    """CNIL's EUR 1M fine of 15 July 2021 on Example SA, with a source."""
    decision = make_decision(
        authority=make_authority("cnil", "CNIL", "FR"), organisation=make_organisation("Example SA"),
        amount="1000000", decision_date=datetime.date(2021, 7, 15),
    )
    decision.sources.create(url="https://www.cnil.fr/example")
    return decision


def _add(existing: Decision, **changes) -> dict:
    return decision_add_data(
        authority=existing.authority, organisation=existing.organisation,
        **{"decision_date": "2021-07-15", "amount": "1000000", **changes},
    )


def _warned(response) -> list[Decision]:
    """The lookalikes the form listed, or [] when it did not stop to ask."""
    if response.status_code != 200:
        return []
    return response.context["adminform"].form.lookalikes


def test_a_lookalike_is_not_saved_and_the_form_lists_it_with_a_link(editor_client, existing):
    response = editor_client.post(ADD, _add(existing, decision_date="2021-07-30", amount="2000000"))
    assert response.status_code == 200 and _warned(response) == [existing]
    assert Decision.objects.count() == 1
    html = response.content.decode()
    assert "This looks like a decision the register already has" in html and CONFIRM in html
    assert f'<a href="/admin/fines/decision/{existing.pk}/change/">{existing.reference}</a>' in html
    for shown in ("Example SA", "CNIL (FR)", "15 July 2021", "€1,000,000"):
        assert shown in html
    assert 'name="separate_decision"' in html


def test_confirming_saves_it(editor_client, existing):
    data = _add(existing, decision_date="2021-07-30", amount="2000000")
    assert Decision.objects.count() == 1 and editor_client.post(ADD, data).status_code == 200
    response = editor_client.post(ADD, data | {"separate_decision": "on"})
    assert response.status_code == 302
    added = Decision.objects.exclude(pk=existing.pk).get()
    assert (added.decision_date, added.amount) == (datetime.date(2021, 7, 30), 2_000_000)


def test_a_second_fine_on_the_same_day_with_another_amount_is_saved_after_confirming(editor_client, existing):
    data = _add(existing, amount="250000", case_number="SAN-2021-014")
    assert _warned(editor_client.post(ADD, data)) == [existing]
    assert editor_client.post(ADD, data | {"separate_decision": "on"}).status_code == 302
    same_day = Decision.objects.filter(decision_date=datetime.date(2021, 7, 15), organisation=existing.organisation)
    assert sorted(same_day.values_list("amount", flat=True)) == [250_000, 1_000_000]


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"decision_date": "2021-08-14", "amount": "5"}, "same parties, 30 days later"),
        ({"decision_date": "2021-06-15", "amount": "5"}, "same parties, 30 days earlier"),
        ({"decision_date": "", "date_precision": "unknown"}, "same parties and amount, date unknown"),
    ],
)
def test_what_counts_as_a_lookalike(editor_client, existing, changes, why):
    assert _warned(editor_client.post(ADD, _add(existing, **changes))) == [existing], why


def test_the_same_amount_on_the_same_day_elsewhere_is_a_lookalike(
    editor_client, existing, make_authority, make_organisation
):
    data = decision_add_data(
        authority=make_authority("ap", "AP", "NL"), organisation=make_organisation("Other BV"),
        decision_date="2021-07-15", amount="1000000",
    )
    assert _warned(editor_client.post(ADD, data)) == [existing]


def test_a_draft_counts_too(editor_client, existing):
    Decision.objects.filter(pk=existing.pk).update(is_published=False)
    response = editor_client.post(ADD, _add(existing, amount="3"))
    assert _warned(response) == [existing] and "draft" in response.content.decode()


@pytest.mark.parametrize(
    ("other_parties", "changes"),
    [
        (False, {"decision_date": "2021-08-15", "amount": "5"}),  # same parties, 31 days later
        (False, {"decision_date": "2021-06-14", "amount": "5"}),  # same parties, 31 days earlier
        (True, {"decision_date": "2021-07-15", "amount": "999999"}),  # same day, another amount, other parties
        (True, {"decision_date": "2021-07-16", "amount": "1000000"}),  # same amount, the next day
        (True, {"decision_date": "2021-07-15", "amount": "1000000", "currency": "GBP"}),  # another currency
    ],
)
def test_no_warning_for_unrelated_decisions(
    editor_client, existing, make_authority, make_organisation, other_parties, changes
):
    data = _add(existing, **changes)
    if other_parties:
        data |= {"authority": make_authority("ap", "AP", "NL").pk, "organisation": make_organisation("Other BV").pk}
    response = editor_client.post(ADD, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert Decision.objects.count() == 2


def test_a_decision_is_never_its_own_lookalike(editor_client, existing):
    lookalike = {
        "authority": existing.authority, "organisation": existing.organisation, "decision_date": existing.decision_date,
        "amount": existing.amount, "currency": existing.currency,
    }
    assert list(decision_lookalikes(**lookalike)) == [existing]
    assert not decision_lookalikes(**lookalike, exclude_pk=existing.pk).exists()
    # Changing what identifies it (its date, by three days) is checked, and it does not find itself.
    data = decision_form_data(existing, decision_date="2021-07-18")
    response = editor_client.post(f"/admin/fines/decision/{existing.pk}/change/", data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    existing.refresh_from_db()
    assert existing.decision_date == datetime.date(2021, 7, 18)


def test_confirmed_twins_are_not_asked_about_again_until_what_identifies_them_changes(editor_client, existing):
    editor_client.post(ADD, _add(existing, amount="250000", separate_decision="on"))
    twin = Decision.objects.exclude(pk=existing.pk).get()
    twin.sources.create(url="https://example.org/twin")
    url = f"/admin/fines/decision/{twin.pk}/change/"
    assert editor_client.post(url, decision_form_data(twin, summary="A second fine.")).status_code == 302
    response = editor_client.post(url, decision_form_data(twin, amount="300000"))
    assert _warned(response) == [existing]
    twin.refresh_from_db()
    assert (twin.summary, twin.amount) == ("A second fine.", 250_000)


def test_accepting_a_candidate_for_a_fine_the_register_has_warns_first(editor_client, existing):
    feed = ImportSource.objects.create(
        name="cnil-press", title="CNIL", format=ImportFormat.PRESS_FEED, url="https://example.org/feed",
        authority=existing.authority,
    )
    candidate = Candidate.objects.create(source=feed, external_id="1", title="Sanction de 1 million d'euros")
    url = f"{ADD}?candidate={candidate.pk}"
    response = editor_client.post(url, _add(existing))
    assert _warned(response) == [existing]
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.PENDING and Decision.objects.count() == 1
    assert editor_client.post(url, _add(existing, separate_decision="on")).status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.ACCEPTED
