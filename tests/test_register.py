"""The bundled register: real decisions with sources, loaded idempotently, the traps done right."""
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from fines.models import Authority, Decision
from fines.vocabularies import Status


def _decision(reference: str) -> Decision:
    return Decision.objects.select_related("authority", "organisation").get(number=int(reference.removeprefix("FT-")))


def test_the_register_is_broad_enough(register):
    assert Decision.objects.count() >= 60
    assert Decision.objects.values("authority__country").distinct().count() >= 12
    assert Authority.objects.filter(decisions__isnull=False).distinct().count() >= 20


def test_every_decision_cites_a_source(register):
    assert not Decision.objects.filter(sources__isnull=True).exists()


def test_amazon_is_in_the_register_as_decided_and_upheld(register):
    amazon = Decision.objects.get(authority__slug="cnpd", organisation__name="Amazon Europe Core S.à r.l.", amount=746_000_000)
    assert (amazon.currency, amazon.amount_eur) == ("EUR", Decimal("746000000"))
    assert amazon.decision_date == datetime.date(2021, 7, 15)
    assert amazon.status == Status.UPHELD
    ruling = amazon.appeals.last()
    assert (ruling.date, ruling.outcome, ruling.amount_after) == (datetime.date(2025, 3, 18), "upheld", 746_000_000)


def test_google_2019_is_in_the_register_as_upheld_by_the_conseil_d_etat(register):
    google = Decision.objects.get(authority__slug="cnil", organisation__name="Google LLC", decision_date=datetime.date(2019, 1, 21))
    assert google.amount == 50_000_000 and google.status == Status.UPHELD
    assert google.appeals.last().date == datetime.date(2020, 6, 19)


@pytest.mark.parametrize(("organisation", "proposed", "final"), [
    ("British Airways", Decimal("183390000"), Decimal("20000000")),
    ("Marriott International", Decimal("99200396"), Decimal("18400000")),
])
def test_notices_of_intent_stand_beside_the_final_fines(register, organisation, proposed, final):
    decisions = Decision.objects.filter(organisation__name__startswith=organisation, currency="GBP")
    notice = decisions.get(status=Status.PROPOSED)
    fine = decisions.exclude(status=Status.PROPOSED).get()
    assert (notice.amount, notice.current_amount) == (proposed, None)
    assert fine.amount == final
    assert notice not in Decision.objects.fines()


def test_eni_gas_e_luce_has_two_fines_on_one_day(register):
    eni = Decision.objects.filter(organisation__name__startswith="Eni gas e luce")
    assert sorted(eni.values_list("amount", flat=True)) == [Decimal("3000000"), Decimal("8500000")]
    assert eni.values("decision_date").distinct().count() == 1


def test_spotify_was_cut_and_reinstated(register):
    spotify = Decision.objects.get(organisation__name="Spotify AB")
    assert (spotify.amount, spotify.currency) == (Decimal("58000000"), "SEK")
    assert [a.amount_after for a in spotify.appeals.all()] == [Decimal("40000000"), Decimal("58000000")]
    assert (spotify.status, spotify.current_amount) == (Status.UPHELD, Decimal("58000000"))


def test_austrian_post_was_quashed_then_fixed_at_16_million(register):
    post = Decision.objects.get(organisation__name="Österreichische Post AG", amount=18_000_000)
    assert [a.outcome for a in post.appeals.all()] == ["annulled", "remitted", "reduced"]
    assert (post.status, post.current_amount) == (Status.REDUCED, Decimal("16000000"))


def test_deutsche_wohnen_ended_at_900_000(register):
    dw = Decision.objects.get(organisation__name="Deutsche Wohnen SE")
    assert dw.amount == Decimal("14500000")
    assert dw.appeals.first().outcome == "annulled"
    assert (dw.status, dw.current_amount) == (Status.REDUCED, Decimal("900000"))


@pytest.mark.parametrize("currency", ["NOK", "SEK", "GBP", "PLN"])
def test_fines_keep_their_own_currency_with_the_rate_used(register, currency):
    decisions = Decision.objects.filter(currency=currency)
    assert decisions.exists()
    for decision in decisions:
        assert decision.eur_rate and decision.eur_rate_date <= decision.decision_date
        assert decision.amount_eur == (decision.amount / decision.eur_rate).quantize(Decimal("0.01"))


def test_loading_twice_changes_nothing_and_says_so(register):
    before = list(Decision.objects.order_by("number").values())
    out = io.StringIO()
    call_command("load_register", stdout=out)
    assert "decisions: 0 created, 0 updated" in out.getvalue()
    assert "nothing changed" in out.getvalue()
    assert list(Decision.objects.order_by("number").values()) == before


def test_a_file_with_a_bad_row_writes_nothing(db, tmp_path):
    document = json.loads(settings.FINES_REGISTER_FILE.read_text())
    document["decisions"][5]["amount"] = "-5"
    document["decisions"][7]["decision_date"] = "2021-02-30"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 row"):
        call_command("load_register", file=path, stderr=err)
    assert "row 6" in err.getvalue() and "not a plain non-negative decimal" in err.getvalue()
    assert "row 8" in err.getvalue() and "not a date in the calendar" in err.getvalue()
    assert not Decision.objects.exists() and not Authority.objects.exists()


def test_dry_run_writes_nothing(db):
    out = io.StringIO()
    call_command("load_register", dry_run=True, stdout=out)
    assert "Would load decisions:" in out.getvalue()
    assert not Decision.objects.exists()


def test_a_changed_row_is_updated_in_place(register, tmp_path):
    document = json.loads(settings.FINES_REGISTER_FILE.read_text())
    document["decisions"][0]["summary"] = "Corrected summary."
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(document))
    out = io.StringIO()
    call_command("load_register", file=path, stdout=out)
    assert "decisions: 0 created, 1 updated" in out.getvalue()
    assert _decision(document["decisions"][0]["reference"]).summary == "Corrected summary."


def test_appeals_listed_out_of_order_are_stored_in_date_order_and_reload_unchanged(db, tmp_path):
    document = json.loads(settings.FINES_REGISTER_FILE.read_text())
    spotify = next(row for row in document["decisions"] if row["organisation"] == "Spotify AB")
    spotify["appeals"].reverse()
    path = tmp_path / "reversed.json"
    path.write_text(json.dumps(document))
    call_command("load_register", file=path, verbosity=0)
    decision = Decision.objects.get(organisation__name="Spotify AB")
    assert [a.amount_after for a in decision.appeals.all()] == [Decimal("40000000"), Decimal("58000000")]
    assert decision.status == Status.UPHELD
    out = io.StringIO()
    call_command("load_register", file=path, stdout=out)
    assert "nothing changed" in out.getvalue()


def test_an_organisation_with_an_unknown_parent_is_reported_not_crashed(db, tmp_path):
    document = json.loads(settings.FINES_REGISTER_FILE.read_text())
    document["organisations"].append({"name": "Orphan Ltd", "parent": "Nobody Holdings"})
    path = tmp_path / "orphan.json"
    path.write_text(json.dumps(document))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("load_register", file=path, stderr=err)
    assert "unknown parent 'Nobody Holdings'" in err.getvalue()
    assert not Decision.objects.exists()
