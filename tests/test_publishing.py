"""Drafts and publishing: who may do what in the admin, and what the public sees of a draft."""
import datetime
import io
import json
import re
from decimal import Decimal

import feedparser
import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from fines.importers import AdapterResult
from fines.importing import result_apply
from fines.interchange import decision_record
from fines.models import Candidate, Decision, Disagreement, ImportSource, Provenance
from fines.permissions import CHIEF_EDITOR_PERMISSIONS, CHIEF_EDITORS_GROUP, EDITOR_PERMISSIONS, EDITORS_GROUP
from fines.vocabularies import CandidateStatus, ImportFormat
from tests.forms import STRONG_PASSWORD, decision_add_data, decision_form_data

ROLES = ["anonymous", "editor", "chief_editor", "superuser"]
STAFF = {"editor", "chief_editor", "superuser"}
PUBLISHERS = {"chief_editor", "superuser"}  # fines.publish_decision
USERS = {"editor": "editor", "chief_editor": "chief_editor", "superuser": "admin_user"}

by_role = pytest.mark.parametrize("role", ROLES)


@pytest.fixture
def as_role(request, db, client, role):
    """The test client signed in as the parametrized role (or not at all)."""
    if role != "anonymous":
        client.force_login(request.getfixturevalue(USERS[role]))
    return client


@pytest.fixture
def draft(make_decision):
    decision = make_decision(amount="50000000", is_published=False)
    decision.sources.create(url="https://www.cnil.fr/draft", kind="press_release")
    return decision


@pytest.fixture
def published(make_decision):
    decision = make_decision(amount="40000000", decision_date=datetime.date(2020, 1, 10))
    decision.sources.create(url="https://www.cnil.fr/published", kind="press_release")
    return decision


def _sent_to_login(response) -> bool:
    return response.status_code == 302 and "/login/" in response["Location"]


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def _list_action(client, model: str, action: str, objects):
    return client.post(
        f"/admin/fines/{model}/", {"action": action, "_selected_action": [o.pk for o in objects], "index": 0},
        follow=True,
    )


def _form_action(client, model: str, action: str, obj):
    return client.post(
        f"/admin/fines/{model}/{obj.pk}/change/",
        {"CHANGE_FORM-action": action, "_selected_action": obj.pk, "index": 0}, follow=True,
    )


def _state(*decisions) -> list[bool]:
    return [Decision.objects.get(pk=d.pk).is_published for d in decisions]


# The groups and accounts


def test_chief_editors_have_exactly_the_editors_permissions_and_publishing(db):
    def codenames(group: str) -> set[str]:
        return set(Group.objects.get(name=group).permissions.values_list("codename", flat=True))

    chief, editors = codenames(CHIEF_EDITORS_GROUP), codenames(EDITORS_GROUP)
    assert chief == {f"{action}_{model}" for model, actions in CHIEF_EDITOR_PERMISSIONS.items() for action in actions}
    assert chief - editors == {"publish_decision"} and editors < chief
    assert editors == {f"{action}_{model}" for model, actions in EDITOR_PERMISSIONS.items() for action in actions}
    assert "delete_decision" not in chief


def test_create_editor_with_chief_makes_a_chief_editor_in_both_groups(db, monkeypatch):
    monkeypatch.setenv("FINETRACKER_PASSWORD", STRONG_PASSWORD)
    out = io.StringIO()
    call_command("create_editor", "marie", "--chief", stdout=out)
    marie = User.objects.get(username="marie")
    assert set(marie.groups.values_list("name", flat=True)) == {EDITORS_GROUP, CHIEF_EDITORS_GROUP}
    assert marie.is_staff and not marie.is_superuser and marie.has_perm("fines.publish_decision")
    assert "Created chief editor marie" in out.getvalue()
    call_command("create_editor", "jan", stdout=io.StringIO())
    assert not User.objects.get(username="jan").has_perm("fines.publish_decision")
    call_command("create_editor", "jan", "--chief", stdout=out)  # promoting an editor
    assert User.objects.get(username="jan").has_perm("fines.publish_decision")


# The permission matrix: every admin action on decisions and on what imports found


@by_role
def test_viewing_decisions(as_role, role, draft):
    for url in ("/admin/fines/decision/", f"/admin/fines/decision/{draft.pk}/change/"):
        response = as_role.get(url)
        assert response.status_code == 200 if role in STAFF else _sent_to_login(response)


@by_role
def test_adding_a_decision_makes_a_draft(as_role, role, make_authority, make_organisation):
    data = decision_add_data(authority=make_authority(), organisation=make_organisation())
    response = as_role.post("/admin/fines/decision/add/", data)
    if role not in STAFF:
        assert _sent_to_login(response) and not Decision.objects.exists()
        return
    assert response.status_code == 302, response.context["errors"] if response.context else response
    decision = Decision.objects.get()
    assert not decision.is_published and decision.amount_eur == 2_500_000


@by_role
def test_only_publishers_can_publish_on_adding(as_role, role, make_authority, make_organisation):
    data = decision_add_data(authority=make_authority(), organisation=make_organisation(), is_published="on")
    response = as_role.post("/admin/fines/decision/add/", data)
    if role not in STAFF:
        assert _sent_to_login(response) and not Decision.objects.exists()
        return
    assert response.status_code == 302
    assert Decision.objects.get().is_published == (role in PUBLISHERS)


@by_role
def test_changing_a_decision(as_role, role, published):
    response = as_role.post(
        f"/admin/fines/decision/{published.pk}/change/", decision_form_data(published, summary="Checked.")
    )
    published.refresh_from_db()
    if role not in STAFF:
        assert _sent_to_login(response) and published.summary == ""
        return
    assert response.status_code == 302
    assert published.summary == "Checked." and published.is_published


@by_role
def test_only_publishers_can_publish_through_the_form(as_role, role, draft):
    data = decision_form_data(draft, summary="Ready.", is_published="on")
    response = as_role.post(f"/admin/fines/decision/{draft.pk}/change/", data)
    draft.refresh_from_db()
    if role not in STAFF:
        assert _sent_to_login(response) and not draft.is_published and draft.summary == ""
        return
    assert response.status_code == 302
    # An editor's other changes are saved; the box is not a field of their form, so it changes nothing.
    assert draft.summary == "Ready." and draft.is_published == (role in PUBLISHERS)


@by_role
def test_only_publishers_can_unpublish_through_the_form(as_role, role, published):
    data = decision_form_data(published)
    data.pop("is_published")  # the box unticked
    response = as_role.post(f"/admin/fines/decision/{published.pk}/change/", data)
    if role not in STAFF:
        assert _sent_to_login(response)
    else:
        assert response.status_code == 302
    assert _state(published) == [role not in PUBLISHERS]


@by_role
def test_the_form_shows_publishing_as_a_box_only_to_publishers(as_role, role, draft):
    response = as_role.get(f"/admin/fines/decision/{draft.pk}/change/")
    if role not in STAFF:
        assert _sent_to_login(response)
        return
    form = response.context["adminform"].form
    assert ("is_published" in form.fields) == (role in PUBLISHERS)
    assert ('name="is_published"' in response.content.decode()) == (role in PUBLISHERS)


@by_role
def test_the_publish_action_from_the_list(as_role, role, draft, make_decision):
    other = make_decision(amount="7000", is_published=False, decision_date=datetime.date(2018, 5, 30))
    other.sources.create(url="https://example.org/other")
    page = as_role.get("/admin/fines/decision/")
    response = _list_action(as_role, "decision", "publish", [draft, other])
    if role not in STAFF:
        assert _sent_to_login(page) and _state(draft, other) == [False, False]
        return
    assert ("Publish the selected decisions" in page.content.decode()) == (role in PUBLISHERS)
    if role in PUBLISHERS:
        assert _messages(response) == ["Published 2 decisions."]
        assert _state(draft, other) == [True, True]
        logged = LogEntry.objects.get(object_id=str(draft.pk), content_type__model="decision")
        assert logged.get_change_message() == "Changed published."
    else:
        assert "Published" not in " ".join(_messages(response)) and _state(draft, other) == [False, False]


@by_role
def test_the_unpublish_action_from_the_list(as_role, role, published):
    response = _list_action(as_role, "decision", "unpublish", [published])
    if role in PUBLISHERS:
        assert _messages(response) == [f"{published.reference} is a draft again, off the public site."]
    assert _state(published) == [role not in PUBLISHERS]


@by_role
@pytest.mark.parametrize(("action", "fixture", "after"), [("publish", "draft", True), ("unpublish", "published", False)])
def test_publishing_actions_from_the_decisions_page(request, as_role, role, action, fixture, after):
    decision = request.getfixturevalue(fixture)
    page = as_role.get(f"/admin/fines/decision/{decision.pk}/change/")
    response = _form_action(as_role, "decision", action, decision)
    if role not in STAFF:
        assert _sent_to_login(page)
    else:
        offered = 'name="CHANGE_FORM-action"' in page.content.decode()
        assert offered == (role in PUBLISHERS)
        assert response.status_code == 200  # the page again (publishers) or the refused form (editors)
    assert _state(decision) == [after if role in PUBLISHERS else not after]


def test_publishing_refuses_decisions_whose_data_would_not_pass_and_names_them(
    chief_editor_client, draft, make_decision
):
    sourceless = make_decision(amount="123", is_published=False, decision_date=datetime.date(2022, 2, 2))
    inconsistent = make_decision(amount="456", is_published=False, decision_date=datetime.date(2022, 3, 3))
    inconsistent.sources.create(url="https://example.org/upheld")
    Decision.objects.filter(pk=inconsistent.pk).update(status="upheld")  # as an import might leave it
    response = _list_action(chief_editor_client, "decision", "publish", [draft, sourceless, inconsistent])
    published_message, refusal = _messages(response)
    assert published_message == "Published 1 decision."
    assert refusal.startswith("Not published, as their data would not pass: ")
    assert f"{sourceless.reference} (it has no source)" in refusal
    assert f"{inconsistent.reference} (status 'upheld' needs an appeal event" in refusal
    assert _state(draft, sourceless, inconsistent) == [True, False, False]


def test_a_published_decision_keeps_a_source_in_the_form(chief_editor_client, make_decision):
    sourceless = make_decision(is_published=False)
    data = decision_form_data(sourceless, is_published="on")
    response = chief_editor_client.post(f"/admin/fines/decision/{sourceless.pk}/change/", data)
    assert response.status_code == 200
    assert "A published decision needs at least one source" in response.content.decode()
    assert _state(sourceless) == [False]
    data.pop("is_published")  # as a draft it may wait for its source
    assert chief_editor_client.post(f"/admin/fines/decision/{sourceless.pk}/change/", data).status_code == 302


@by_role
def test_deleting_a_decision(as_role, role, draft):
    url = f"/admin/fines/decision/{draft.pk}/delete/"
    page = as_role.get(url)
    response = as_role.post(url, {"post": "yes"})
    deleted = not Decision.objects.filter(pk=draft.pk).exists()
    if role == "superuser":
        assert page.status_code == 200 and response.status_code == 302 and deleted
    elif role in STAFF:
        assert page.status_code == response.status_code == 403 and not deleted
    else:
        assert _sent_to_login(page) and _sent_to_login(response) and not deleted


# What imports found: candidates, disagreements, sources


@pytest.fixture
def candidate(press_feed):
    return Candidate.objects.create(
        source=press_feed, external_id="boete-1", title="Boete voor Voorbeeld BV", url="https://example.org/boete",
        published=datetime.date(2024, 3, 5), amount=Decimal("2500000"), currency="EUR",
    )


@by_role
def test_accepting_a_candidate_makes_a_draft(as_role, role, candidate, make_organisation):
    data = decision_add_data(
        authority=candidate.source.authority, organisation=make_organisation("Voorbeeld BV"), source_url=candidate.url,
    )
    response = as_role.post(f"/admin/fines/decision/add/?candidate={candidate.pk}", data)
    candidate.refresh_from_db()
    if role not in STAFF:
        assert _sent_to_login(response) and candidate.status == CandidateStatus.PENDING
        assert not Decision.objects.exists()
        return
    assert response.status_code == 302 and response["Location"] == "/admin/fines/candidate/"
    assert candidate.status == CandidateStatus.ACCEPTED and candidate.decision.is_published is False


@by_role
def test_rejecting_a_candidate(as_role, role, candidate):
    response = _list_action(as_role, "candidate", "reject", [candidate])
    candidate.refresh_from_db()
    if role in STAFF:
        assert _messages(response) == ["Rejected 1 candidate."] and candidate.status == CandidateStatus.REJECTED
    else:
        assert candidate.status == CandidateStatus.PENDING


@by_role
@pytest.mark.parametrize("action", ["keep_register_value", "take_source_value"])
def test_settling_a_disagreement(as_role, role, action, published):
    provenance = Provenance.objects.create(
        decision=published, source="tracker", external_id="ET-1", values={"case_number": "SAN-1"},
    )
    disagreement = Disagreement.objects.create(
        decision=published, provenance=provenance, field="case_number", register_value="", source_value="SAN-1",
    )
    response = _list_action(as_role, "disagreement", action, [disagreement])
    disagreement.refresh_from_db()
    published.refresh_from_db()
    if role in STAFF:
        assert _messages(response) == ["Settled 1 disagreement."] and disagreement.resolved_at is not None
        assert published.case_number == ("SAN-1" if action == "take_source_value" else "")
        assert published.is_published  # settling never changes what the public sees
    else:
        assert disagreement.resolved_at is None and published.case_number == ""


@by_role
def test_running_a_source_now(as_role, role, press_feed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = _list_action(as_role, "importsource", "run_now", [press_feed])
    if role in STAFF:
        assert len(queued) == 1 and _messages(response)[0].startswith("Queued for a run now: ap-press.")
    else:
        assert not queued


def _source_form(**changes) -> dict:
    return {
        "name": "dpc-decisions", "title": "DPC decisions", "format": ImportFormat.INTERCHANGE_JSON,
        "url": "https://example.org/dpc.json", "authority": "", "language": "", "every_minutes": "1440",
        "enabled": "on", "publish_imports": "on", **changes,
    }


@by_role
def test_adding_an_import_source_and_who_may_make_it_publish(as_role, role):
    response = as_role.post("/admin/fines/importsource/add/", _source_form())
    source = ImportSource.objects.filter(name="dpc-decisions").first()
    if role not in STAFF:
        assert _sent_to_login(response) and source is None
        return
    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert source.publish_imports == (role in PUBLISHERS)


@by_role
def test_changing_an_import_source_and_who_may_make_it_publish(as_role, role):
    source = ImportSource.objects.create(
        name="dpc-decisions", title="Old title", format=ImportFormat.INTERCHANGE_JSON, url="https://example.org/dpc.json"
    )
    response = as_role.post(f"/admin/fines/importsource/{source.pk}/change/", _source_form())
    source.refresh_from_db()
    if role not in STAFF:
        assert _sent_to_login(response) and source.title == "Old title"
        return
    assert response.status_code == 302
    assert source.title == "DPC decisions" and source.publish_imports == (role in PUBLISHERS)


# The admin's list of decisions


def test_the_list_shows_and_filters_drafts_and_published(chief_editor_client, draft, published):
    html = chief_editor_client.get("/admin/fines/decision/").content.decode()
    assert re.search(r'<td class="field-publication">draft</td>', html)
    assert re.search(r'<td class="field-publication">published</td>', html)
    drafts = chief_editor_client.get("/admin/fines/decision/?publication=draft").context["cl"].result_list
    assert list(drafts) == [draft]
    shown = chief_editor_client.get("/admin/fines/decision/?publication=published").context["cl"].result_list
    assert list(shown) == [published]


def test_a_draft_has_no_view_on_site_link(editor_client, draft, published):
    assert f"/fines/FT-{draft.number}/" not in editor_client.get(f"/admin/fines/decision/{draft.pk}/change/").content.decode()
    page = editor_client.get(f"/admin/fines/decision/{published.pk}/change/")
    assert page.context["has_absolute_url"] is True


# Imports: drafts unless the source publishes; an update never changes publication


def _records(*rows: dict) -> AdapterResult:
    base = {"authority": "CNIL", "country": "FR", "organisation": "Example SA", "decision_date": "2023-05-04",
            "amount": "1000000", "currency": "EUR", "external_source": "tracker", "sources": "https://example.org/a"}
    return AdapterResult(records=[(index, decision_record({**base, **row})) for index, row in enumerate(rows, 1)])


@pytest.mark.parametrize("publish_imports", [False, True])
def test_a_runs_new_decisions_are_drafts_unless_its_source_publishes(make_authority, publish_imports):
    make_authority("cnil", "CNIL", "FR")
    source = ImportSource.objects.create(
        name="tracker", title="Tracker", format=ImportFormat.INTERCHANGE_JSON, url="https://example.org/",
        publish_imports=publish_imports,
    )
    outcome = result_apply(result=_records({"external_id": "1"}), source=source)
    assert outcome.created == 1 and Decision.objects.get().is_published is publish_imports


@pytest.mark.parametrize("was_published", [False, True])
@pytest.mark.parametrize("publish", [False, True])
def test_an_update_by_an_import_never_changes_publication(make_authority, was_published, publish):
    make_authority("cnil", "CNIL", "FR")
    result_apply(result=_records({"external_id": "1"}), source=None, publish=was_published)
    outcome = result_apply(result=_records({"external_id": "1", "amount": "2000000"}), source=None, publish=publish)
    decision = Decision.objects.get()
    assert outcome.updated == 1 and decision.amount == 2_000_000
    assert decision.is_published is was_published


def test_import_file_makes_drafts_unless_told_to_publish(make_authority, tmp_path, capsys):
    make_authority("cnil", "CNIL", "FR")
    path = tmp_path / "cases.json"
    row = {"authority": "CNIL", "country": "FR", "organisation": "Example SA", "decision_date": "2023-05-04",
           "amount": "1000000", "currency": "EUR", "external_source": "file", "sources": "https://example.org/a"}
    path.write_text(json.dumps({"decisions": [{**row, "external_id": "1"}]}))
    call_command("import_file", "--kind", "interchange", str(path))
    assert "1 created (drafts)" in capsys.readouterr().out
    path.write_text(json.dumps({"decisions": [{**row, "external_id": "2", "amount": "5"}]}))
    call_command("import_file", "--kind", "interchange", str(path), "--publish", "--json")
    assert json.loads(capsys.readouterr().out)["published"] is True
    assert dict(Decision.objects.values_list("external_id", "is_published")) == {"1": False, "2": True}


def test_the_bundled_register_is_published(register):
    assert Decision.objects.exists() and not Decision.objects.filter(is_published=False).exists()


# A draft is invisible in every public output


@pytest.fixture
def draft_beside_published(make_authority, make_organisation, make_decision):
    """One published fine and one draft, by the same authority against the same organisation."""
    cnil = make_authority("cnil", "CNIL", "FR")
    group = make_organisation("Example Group")
    example = make_organisation("Example SA", parent=group)
    shown = make_decision(authority=cnil, organisation=example, amount="1000000",
                          decision_date=datetime.date(2020, 1, 1))
    hidden = make_decision(authority=cnil, organisation=example, amount="987654321", is_published=False,
                           decision_date=datetime.date(2024, 1, 1))
    return shown, hidden


def _draft_absent(html: str, hidden: Decision) -> bool:
    """Neither a link to the draft (its page or its API address) nor its amount, alone or in a total."""
    amounts = ("987,654,321", "987.7 million", "988.7 million")  # the draft, and the draft plus the fine shown
    return f"FT-{hidden.number}/" not in html and not any(amount in html for amount in amounts)


@pytest.mark.parametrize(
    "url", ["/", "/fines/", "/authorities/", "/authorities/cnil/", "/organisations/", "/organisations/example-sa/",
            "/organisations/example-group/", "/stats/", "/api/docs/"],
)
def test_a_draft_is_on_no_public_page(client, draft_beside_published, url):
    shown, hidden = draft_beside_published
    response = client.get(url)
    assert response.status_code == 200
    assert _draft_absent(response.content.decode(), hidden)


def test_a_drafts_own_page_is_not_found(client, draft_beside_published):
    shown, hidden = draft_beside_published
    assert client.get(f"/fines/FT-{hidden.number}/").status_code == 404
    assert client.get(f"/fines/ft{hidden.number}/", follow=True).status_code == 404
    assert client.get(f"/fines/FT-{shown.number}/").status_code == 200


def test_the_headline_figures_and_statistics_count_no_draft(client, draft_beside_published):
    home = client.get("/").context["headline"]
    assert (home["count"], home["total_eur"]) == (1, Decimal("1000000.00"))
    summary = client.get("/stats/").context["summary"]
    assert (summary.count, summary.total_eur) == (1, Decimal("1000000.00"))
    api = client.get("/api/stats/").json()
    assert (api["count"], Decimal(api["total_eur"])) == (1, Decimal("1000000"))
    assert client.get("/api/authorities/cnil/").json()["fine_count"] == 1
    assert client.get("/api/organisations/example-group/").json()["fine_count"] == 1


def test_a_draft_cannot_be_compared_and_the_page_names_it(client, draft_beside_published):
    shown, hidden = draft_beside_published
    response = client.get(f"/compare/?fines={shown.reference},{hidden.reference}")
    assert response.status_code == 400
    assert f"No published decision has the reference {hidden.reference}" in response.content.decode()


def test_exports_and_the_feed_leave_drafts_out(client, draft_beside_published):
    shown, hidden = draft_beside_published
    csv_rows = b"".join(client.get("/fines/export.csv").streaming_content).decode().splitlines()
    assert len(csv_rows) == 2 and csv_rows[1].startswith(f"{shown.reference},")
    exported = json.loads(b"".join(client.get("/fines/export.json").streaming_content))
    assert [row["reference"] for row in exported["decisions"]] == [shown.reference]
    feed = feedparser.parse(client.get("/fines/feed.atom").content)
    assert [entry.link for entry in feed.entries] == [f"http://testserver/fines/FT-{shown.number}/"]


def test_the_api_leaves_drafts_out(client, draft_beside_published):
    shown, hidden = draft_beside_published
    listed = client.get("/api/decisions/").json()
    assert listed["count"] == 1 and [d["reference"] for d in listed["results"]] == [shown.reference]
    assert client.get(f"/api/decisions/{hidden.reference}/").status_code == 404
    assert client.get(f"/api/decisions/{shown.reference}/").status_code == 200
