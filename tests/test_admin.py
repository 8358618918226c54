"""The editors' admin: what an editor may do, and the validation messages they see."""
import datetime
import io

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command

from fines.models import Decision
from fines.permissions import EDITOR_PERMISSIONS, EDITORS_GROUP
from tests.forms import STRONG_PASSWORD, decision_form_data


@pytest.fixture
def decision(make_decision):
    decision = make_decision(amount="50000000")
    decision.sources.create(url="https://www.cnil.fr/example", kind="press_release")
    return decision


def test_editor_can_edit_a_decision(editor_client, decision):
    url = f"/admin/fines/decision/{decision.pk}/change/"
    assert editor_client.get(url).status_code == 200
    response = editor_client.post(url, decision_form_data(decision, summary="Corrected by an editor."))
    assert response.status_code == 302, response.context["errors"] if response.context else response
    decision.refresh_from_db()
    assert decision.summary == "Corrected by an editor."


def test_editor_can_add_a_decision_in_another_currency(editor_client, decision):
    data = decision_form_data(decision, currency="NOK", amount="65000000", current_amount="",
                      decision_date="2021-12-13")
    data.update({"sources-TOTAL_FORMS": "1", "sources-INITIAL_FORMS": "0", "sources-0-url": "https://example.org/nok",
                 "sources-0-kind": "press_release"})
    for key in [k for k in data if k.startswith("sources-0-") and k.endswith(("-id", "-decision"))]:
        data.pop(key)
    response = editor_client.post("/admin/fines/decision/add/", data)
    assert response.status_code == 302
    added = Decision.objects.get(currency="NOK")
    assert added.number == decision.number + 1
    assert str(added.eur_rate) == "10.159800" and str(added.amount_eur) == "6397763.74"


@pytest.mark.parametrize(
    "url",
    ["/admin/auth/user/", "/admin/auth/group/", "/admin/auth/user/add/", "/admin/fines/decision/1/delete/"],
)
def test_editor_cannot_touch_users_groups_or_delete_decisions(editor_client, decision, url):
    assert editor_client.get(url.replace("/1/", f"/{decision.pk}/")).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login(client, decision):
    response = client.get(f"/admin/fines/decision/{decision.pk}/change/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"decision_date": (datetime.date.today() + datetime.timedelta(days=3)).isoformat()}, "is in the future"),
        ({"currency": "XYZ"}, "Unknown currency"),
        ({"amount": "-5"}, "An amount cannot be negative"),
        ({"current_amount": "10000000"}, "there is no appeal event"),
        ({"status": "upheld"}, "needs an appeal event"),
    ],
)
def test_clear_validation_messages(editor_client, decision, changes, message):
    response = editor_client.post(f"/admin/fines/decision/{decision.pk}/change/", decision_form_data(decision, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    decision.refresh_from_db()
    assert decision.amount == 50_000_000 and decision.currency == "EUR"


def test_an_appeal_entered_in_the_admin_sets_status_and_standing_amount(editor_client, decision):
    data = decision_form_data(decision, current_amount="")
    data.update({"appeals-TOTAL_FORMS": "1", "appeals-0-date": "2020-06-19", "appeals-0-date_precision": "day",
                 "appeals-0-body": "Conseil d'État", "appeals-0-outcome": "reduced",
                 "appeals-0-amount_after": "30000000", "appeals-0-case_number": "", "appeals-0-source_url": "",
                 "appeals-0-note": ""})
    response = editor_client.post(f"/admin/fines/decision/{decision.pk}/change/", data)
    assert response.status_code == 302
    decision.refresh_from_db()
    assert (decision.status, decision.current_amount, decision.current_amount_eur) == ("reduced", 30_000_000, 30_000_000)


def test_create_editor_command(db, monkeypatch):
    monkeypatch.setenv("FINETRACKER_PASSWORD", STRONG_PASSWORD)
    out = io.StringIO()
    call_command("create_editor", "jan", email="jan@example.org", stdout=out)
    user = User.objects.get(username="jan")
    assert user.is_staff and not user.is_superuser and user.check_password(STRONG_PASSWORD)
    assert list(user.groups.values_list("name", flat=True)) == [EDITORS_GROUP]


def test_create_editor_refuses_a_weak_password(db, monkeypatch):
    monkeypatch.setenv("FINETRACKER_PASSWORD", "12345")
    with pytest.raises(CommandError, match="too short"):
        call_command("create_editor", "jan")
    assert not User.objects.filter(username="jan").exists()


def test_editors_group_has_exactly_the_register_permissions(db):
    codenames = set(Group.objects.get(name=EDITORS_GROUP).permissions.values_list("codename", flat=True))
    assert {"add_decision", "change_decision", "change_appealevent", "add_source", "change_organisation"} <= codenames
    assert not {"delete_decision", "add_user", "change_user", "change_group", "delete_authority"} & codenames
    assert all(not name.endswith(("_user", "_group", "_permission", "_session")) for name in codenames)
    # Migrations give the group exactly fines.permissions, including what importers found, made after it.
    assert codenames == {f"{action}_{model}" for model, actions in EDITOR_PERMISSIONS.items() for action in actions}
    assert {"change_candidate", "view_importrun", "change_disagreement", "view_provenance"} <= codenames
    assert not {"delete_candidate", "change_importrun", "change_provenance"} & codenames
