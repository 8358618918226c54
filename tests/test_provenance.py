"""Imports and editors side by side: provenance per source, a three-way merge, links and disagreements."""
from decimal import Decimal

import pytest

from fines.interchange import decision_record
from fines.models import Authority, AuthorityAlias, Decision, Disagreement, Organisation, Provenance
from fines.names import text_key
from fines.review import disagreement_take_source
from fines.services import Change, authority_find, decision_upsert

GOOGLE_PRESS = "https://www.cnil.fr/en/cnils-restricted-committee-imposes-financial-penalty-50-million-euros-against-google-llc"


def _record(**fields):
    row = {
        "external_source": "tracker", "external_id": "ETid-1", "authority": "CNIL", "country": "FR",
        "organisation": "Google LLC", "decision_date": "2019-01-21", "amount": "50000000", "currency": "EUR",
        "articles": "6;12;13", "sources": GOOGLE_PRESS, "violation_type": "legal_basis",
    }
    return decision_record({key: value for key, value in (row | fields).items() if value is not None})


def _import(**fields):
    return decision_upsert(record=_record(**fields), from_source=True)


@pytest.fixture
def cnil(make_authority):
    return make_authority("cnil", "CNIL", "FR", name="Commission nationale de l'informatique et des libertés")


def test_the_same_record_twice_changes_nothing(cnil):
    decision, change = _import()
    assert change == Change.CREATED
    assert _import() == (decision, Change.UNCHANGED)
    provenance = Provenance.objects.get()
    assert (provenance.decision, provenance.source, provenance.external_id) == (decision, "tracker", "ETid-1")
    assert provenance.values["amount"] == "50000000.00" and provenance.values["articles"] == "12; 13; 6"


def test_a_change_at_the_source_is_applied_when_no_editor_touched_the_field(cnil):
    decision, _ = _import()
    _, change = _import(amount="40000000", case_number="SAN-2019-001")
    decision.refresh_from_db()
    assert change == Change.UPDATED
    assert (decision.amount, decision.amount_eur, decision.case_number) == (
        Decimal("40000000.00"), Decimal("40000000.00"), "SAN-2019-001"
    )
    assert not Disagreement.objects.exists()


def test_an_editors_correction_is_kept_and_a_later_disagreement_is_recorded(cnil):
    decision, _ = _import()
    Decision.objects.filter(pk=decision.pk).update(summary="Corrected by an editor", violation_type="information")

    # The source says again what it said before: the editor's values stand, nothing is recorded.
    assert _import()[1] == Change.UNCHANGED
    decision.refresh_from_db()
    assert (decision.summary, decision.violation_type) == ("Corrected by an editor", "information")

    # The source now says something else about a field the editor corrected: kept, and recorded.
    assert _import(violation_type="security")[1] == Change.UPDATED
    decision.refresh_from_db()
    assert decision.violation_type == "information"
    disagreement = Disagreement.objects.get()
    assert (disagreement.decision, disagreement.field) == (decision, "violation_type")
    # Shown as an editor reads them: the vocabulary's labels, not its codes.
    assert (disagreement.register_value, disagreement.source_value) == ("Insufficient information and transparency", "Insufficient security measures")
    assert disagreement.resolved_at is None

    # Imported again: nothing new, and still one open disagreement.
    assert _import(violation_type="security")[1] == Change.UNCHANGED
    assert Disagreement.objects.count() == 1

    # The source comes round to the editor's value: the disagreement is settled by itself.
    assert _import(violation_type="information")[1] == Change.UPDATED
    assert Disagreement.objects.get().resolved_at is not None


def test_an_editor_can_take_the_sources_value(cnil):
    decision, _ = _import()
    Decision.objects.filter(pk=decision.pk).update(violation_type="information")
    _import(violation_type="security")
    disagreement_take_source(disagreement=Disagreement.objects.get())
    decision.refresh_from_db()
    assert decision.violation_type == "security"
    assert Disagreement.objects.get().resolved_at is not None
    assert _import(violation_type="security")[1] == Change.UNCHANGED


def test_the_same_decision_in_a_second_source_is_linked_with_both_provenances(cnil):
    decision, _ = _import()
    # GDPRhub names the authority by its full name and the company without its legal form, gives the
    # decision's number, and links the decision text.
    linked, change = _import(
        external_source="gdprhub", external_id="1234", organisation="google llc",
        authority="Commission Nationale de l'Informatique et des Libertes", case_number="SAN-2019-001",
        violation_type="", articles="5(1)(a);6",
        sources="https://www.legifrance.gouv.fr/cnil/id/CNILTEXT000038032552",
    )
    assert (linked, change) == (decision, Change.UPDATED)
    assert Decision.objects.count() == 1
    assert sorted(decision.provenances.values_list("source", flat=True)) == ["gdprhub", "tracker"]
    assert sorted(decision.sources.values_list("url", flat=True)) == [
        GOOGLE_PRESS, "https://www.legifrance.gouv.fr/cnil/id/CNILTEXT000038032552"
    ]
    # It fills what the register left blank; where it says otherwise, that is recorded, not written over.
    decision.refresh_from_db()
    assert decision.case_number == "SAN-2019-001"
    assert list(Disagreement.objects.values_list("field", "register_value", "source_value")) == [
        ("articles", "12; 13; 6", "5(1)(a); 6")
    ]
    assert _import(
        external_source="gdprhub", external_id="1234", organisation="google llc",
        authority="Commission Nationale de l'Informatique et des Libertes", case_number="SAN-2019-001",
        violation_type="", articles="5(1)(a);6",
        sources="https://www.legifrance.gouv.fr/cnil/id/CNILTEXT000038032552",
    )[1] == Change.UNCHANGED


def test_a_month_precise_date_links_to_the_day_it_contains(cnil):
    decision, _ = _import()
    assert _import(external_source="gdprhub", external_id="9", decision_date="2019-01")[0] == decision
    assert Disagreement.objects.get().field == "decision_date"


def test_a_date_a_day_apart_links_and_is_recorded_but_months_apart_does_not(cnil):
    decision, _ = _import()
    # The CNPD signed Amazon's decision on 15 July 2021; a source may give the day it was notified.
    assert _import(external_source="gdprhub", external_id="1", decision_date="2019-01-22")[0] == decision
    assert list(Disagreement.objects.values_list("field", "register_value", "source_value")) == [
        ("decision_date", "2019-01-21", "2019-01-22")
    ]
    other, change = _import(external_source="gdprhub", external_id="2", decision_date="2019-04-21")
    assert change == Change.CREATED and other != decision


def test_two_fines_of_one_day_against_one_company_with_different_amounts_stay_two(cnil):
    _import()
    other, change = _import(external_source="gdprhub", external_id="77", amount="150000")
    assert change == Change.CREATED
    assert Decision.objects.filter(organisation__name="Google LLC", decision_date="2019-01-21").count() == 2
    assert other.provenances.get().source == "gdprhub"


def test_one_source_never_links_two_of_its_own_records(cnil):
    first, _ = _import()
    second, change = _import(external_id="ETid-2")
    assert change == Change.CREATED and second != first


def test_rows_without_reference_or_id_are_found_again_by_what_they_describe(cnil):
    row = {"external_source": "", "external_id": ""}
    first, created = decision_upsert(record=_record(**row))
    again, unchanged = decision_upsert(record=_record(**row))
    assert (created, unchanged, again) == (Change.CREATED, Change.UNCHANGED, first)
    assert Decision.objects.count() == 1 and not Provenance.objects.exists()


def test_an_unknown_authority_and_organisation_are_created_for_review(db):
    decision, change = _import(authority="Autoriteit Persoonsgegevens (AP)", country="NL", organisation="Uber B.V.")
    assert change == Change.CREATED
    authority = Authority.objects.get()
    assert (authority.short_name, authority.name, authority.country, authority.needs_review) == (
        "AP", "Autoriteit Persoonsgegevens (AP)", "NL", True
    )
    assert Organisation.objects.get().needs_review
    # Next time the same name finds it, by its acronym too.
    assert _import(authority="AP", country="NL", organisation="Uber BV")[0] == decision
    assert Authority.objects.count() == 1


def test_the_bundled_registers_path_still_refuses_an_unknown_authority(db):
    with pytest.raises(Exception, match="not in the register"):
        decision_upsert(record=_record(external_source="", external_id=""))


def test_authorities_are_found_by_alias_within_their_country(make_authority):
    garante = make_authority("garante", "Garante", "IT", name="Garante per la protezione dei dati personali")
    AuthorityAlias.objects.create(authority=garante, name="Italian Data Protection Authority",
                                  name_key=text_key("Italian Data Protection Authority"))
    assert authority_find(name="italian data protection authority", country="IT") == garante
    assert authority_find(name="Italian Data Protection Authority (Garante)", country="IT") == garante
    assert authority_find(name="Garante Per La Protezione Dei Dati Personali", country="IT") == garante
    assert authority_find(name="Italian Data Protection Authority", country="FR") is None
