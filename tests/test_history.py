"""The change history: every write path records who changed what and why, the admin shows it per object,
and the public decision page shows a "Changes" log from the first publication on, without editors' names."""
import datetime
import html
import re
from decimal import Decimal

import pytest
from django.db.models import Max
from django.utils import timezone, translation

from fines import review, services
from fines.history import decision_log
from fines.importers import AdapterResult
from fines.importing import result_apply
from fines.interchange import decision_record
from fines.models import (
    AppealEvent,
    ArticleCitation,
    Candidate,
    Decision,
    ImportSource,
    Organisation,
    OrganisationAlias,
    Source,
    change_set,
)
from fines.vocabularies import ImportFormat
from tests.forms import decision_add_data, decision_form_data

HISTORIES = [Decision.history, AppealEvent.history, Source.history, ArticleCitation.history,
             Organisation.history, OrganisationAlias.history]
PRESS_RELEASE = "https://cnpd.public.lu/fr/actualites/2021/08/decision-amazon.html"


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A request leaves its language active in the thread; later tests expect the default (English)."""
    yield
    translation.deactivate()


def dated(day: datetime.date) -> None:
    """Move the latest change (every row written at its moment) to noon of `day`, as if it was made then."""
    latest = max(moment for history in HISTORIES if (moment := history.aggregate(latest=Max("history_date"))["latest"]))
    when = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    for history in HISTORIES:
        history.filter(history_date=latest).update(history_date=when)


def latest(history):
    return history.order_by("-history_date", "-history_id").first()


def changed_fields(pk: int) -> set[str]:
    new, old = Decision.history.filter(id=pk).order_by("-history_date", "-history_id")[:2]
    return set(new.diff_against(old).changed_fields)


def changes_section(response) -> str:
    """The public page's Changes section as a reader sees its text."""
    page = response.content.decode()
    section = page[page.index('id="changes-heading"'):]
    section = section[: section.index("</section>")]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", section))).strip()


def entries(response) -> list[str]:
    page = response.content.decode()
    section = page[page.index('id="changes-heading"'):]
    section = section[: section.index("</section>")]
    return [re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", item))).strip()
            for item in re.findall(r"<li>(.*?)</li>", section, re.S)]


def appeal_rows(decision: Decision, *rows: dict) -> dict:
    """The appeals inline as posted: the decision's stored events (each dict may change or delete one,
    by position), then new ones."""
    stored = list(decision.appeals.all())
    data = {"appeals-TOTAL_FORMS": str(len(rows)), "appeals-INITIAL_FORMS": str(len(stored))}
    for index, values in enumerate(rows):
        appeal = stored[index] if index < len(stored) else None
        row = {
            "id": appeal.pk if appeal else "", "decision": decision.pk,
            "date": appeal.date.isoformat() if appeal and appeal.date else "",
            "date_precision": appeal.date_precision if appeal else "day",
            "body": appeal.body if appeal else "", "case_number": appeal.case_number if appeal else "",
            "outcome": appeal.outcome if appeal else "",
            "amount_after": str(appeal.amount_after) if appeal and appeal.amount_after is not None else "",
            "source_url": appeal.source_url if appeal else "", "note": appeal.note if appeal else "",
        } | values
        data |= {f"appeals-{index}-{name}": value for name, value in row.items()}
    return data


def edit(client, decision: Decision, appeals: list[dict] | None = None, **changes):
    """Post the decision's change form as an editor would, with `changes`; `appeals` as in appeal_rows
    (left out: the stored ones unchanged)."""
    decision.refresh_from_db()
    appeals = appeals if appeals is not None else [{}] * decision.appeals.count()
    shown = {name: getattr(decision, name) for name in ("case_number", "summary", "violation_type", "sector")}
    data = decision_form_data(decision, **shown) | appeal_rows(decision, *appeals) | changes
    response = client.post(f"/admin/fines/decision/{decision.pk}/change/", data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    decision.refresh_from_db()
    return response


@pytest.fixture
def amazon(make_authority, make_organisation, make_decision):
    """CNPD's fine of Amazon, published on 30 July 2021 with its press release."""
    with change_set():
        decision = make_decision(
            authority=make_authority("cnpd", "CNPD", "LU"), amount="746000000",
            organisation=make_organisation("Amazon Europe Core S.à r.l.", slug="amazon-europe-core"),
        )
        decision.sources.create(url=PRESS_RELEASE, title="Decision against Amazon", kind="press_release")
    dated(datetime.date(2021, 7, 30))
    return decision


# What is recorded, and by whom.


def test_a_change_in_the_admin_is_recorded_with_its_editor_and_fields(editor_client, editor, amazon):
    edit(editor_client, amazon, case_number="46762", status="final")

    record = latest(Decision.history.filter(id=amazon.pk))
    assert record.history_user == editor and record.history_type == "~"
    assert changed_fields(amazon.pk) == {"case_number", "status"}
    assert (record.prev_record.status, record.status) == ("imposed", "final")


def test_appeal_events_added_changed_and_removed_in_the_admin_are_recorded(editor_client, editor, amazon):
    lodged = {"date": "2021-10-15", "body": "Tribunal administratif", "outcome": "lodged"}
    edit(editor_client, amazon, appeals=[lodged])
    appeal = amazon.appeals.get()
    assert [(r.history_type, r.body) for r in appeal.history.all()] == [("+", "Tribunal administratif")]
    # Saved with the appeal: the status that follows from it, at the same moment.
    assert latest(Decision.history.filter(id=amazon.pk)).status == "appealed"
    assert latest(Decision.history).history_date == latest(AppealEvent.history).history_date

    ruling = {"date": "2025-03-18", "body": "Tribunal administratif", "outcome": "upheld", "amount_after": "746000000"}
    edit(editor_client, amazon, appeals=[{"case_number": "46131"}, ruling])
    assert latest(appeal.history.all()).case_number == "46131"
    assert latest(appeal.history.all()).history_type == "~"

    edit(editor_client, amazon, appeals=[{"DELETE": "on"}, {}])
    removed = latest(AppealEvent.history.filter(id=appeal.pk))
    assert removed.history_type == "-" and removed.history_user == editor
    assert list(amazon.appeals.values_list("outcome", flat=True)) == ["upheld"]
    assert {r.history_user for r in AppealEvent.history.all()} == {editor}


def test_sources_and_cited_articles_added_and_removed_in_the_admin_are_recorded(editor_client, editor, amazon):
    source = amazon.sources.get()
    edit(editor_client, amazon, **{
        "sources-TOTAL_FORMS": "2", "sources-1-url": "https://justice.public.lu/jugement-46131.pdf",
        "sources-1-title": "Jugement", "sources-1-language": "fr", "sources-1-kind": "decision",
        "article_citations-TOTAL_FORMS": "1", "article_citations-0-article": "5",
        "article_citations-0-provision": "5(1)(a)",
    })
    added = Source.history.get(url__endswith="jugement-46131.pdf")
    cited = ArticleCitation.history.get()
    assert (added.history_type, added.history_user) == ("+", editor)
    assert (cited.provision, cited.history_user) == ("5(1)(a)", editor)

    edit(editor_client, amazon, **{"sources-0-DELETE": "on", "article_citations-INITIAL_FORMS": "0"})
    assert latest(Source.history.filter(id=source.pk)).history_type == "-"


def test_renaming_an_organisation_is_recorded(editor_client, editor, amazon):
    organisation = amazon.organisation
    response = editor_client.post(f"/admin/fines/organisation/{organisation.pk}/change/", {
        "name": "Amazon Europe Core SARL", "slug": organisation.slug, "country": "LU", "sector": "", "parent": "",
        "turnover": "", "turnover_currency": "", "turnover_year": "", "turnover_source": "",
        "aliases-TOTAL_FORMS": "1", "aliases-INITIAL_FORMS": "0", "aliases-MIN_NUM_FORMS": "0",
        "aliases-MAX_NUM_FORMS": "1000", "aliases-0-name": "Amazon EU",
    })
    assert response.status_code == 302

    record = latest(organisation.history.all())
    assert (record.prev_record.name, record.name, record.history_user) == (
        "Amazon Europe Core S.à r.l.", "Amazon Europe Core SARL", editor
    )
    assert latest(OrganisationAlias.history).name == "Amazon EU"


def test_an_import_records_its_changes_with_its_reason_and_no_editor(make_authority):
    make_authority("cnil", "CNIL", "FR")

    def imported(amount: str, *sources: str):
        row = {"external_source": "enforcement-tracker", "external_id": "ETid-123", "authority": "CNIL",
               "country": "FR", "organisation": "Google LLC", "decision_date": "2019-01-21", "amount": amount,
               "currency": "EUR", "articles": "6", "sources": " ".join(sources)}
        outcome = result_apply(result=AdapterResult(records=[(1, decision_record(row))]), source=None, publish=True)
        assert not outcome.failed, outcome.problems
        return Decision.objects.get(external_id="ETid-123")

    decision = imported("50000000", "https://www.cnil.fr/a")
    updated = imported("50000001", "https://www.cnil.fr/a", "https://www.cnil.fr/b")

    reason = "import: enforcement-tracker ETid-123"
    records = [*updated.history.all(), *Source.history.all(), *ArticleCitation.history.all(),
               *Organisation.history.all()]
    assert {(r.history_change_reason, r.history_user) for r in records} == {(reason, None)}
    assert latest(updated.history.all()).amount == Decimal("50000001")
    assert [r.history_type for r in Source.history.order_by("history_date", "history_id")] == ["+", "+"]
    assert decision.pk == updated.pk


def test_importing_the_same_record_again_writes_no_history(make_authority):
    make_authority("cnil", "CNIL", "FR")
    record = decision_record({"authority": "CNIL", "country": "FR", "organisation": "Google LLC",
                              "decision_date": "2019-01-21", "amount": "50000000", "currency": "EUR",
                              "articles": "6;7", "sources": "https://www.cnil.fr/a"})
    services.decision_upsert(record=record)
    written = [history.count() for history in HISTORIES]

    assert services.decision_upsert(record=record)[1] == services.Change.UNCHANGED
    assert [history.count() for history in HISTORIES] == written


def test_an_import_that_changes_one_appeal_leaves_the_others_be(make_authority):
    make_authority("cnil", "CNIL", "FR")
    row = {"authority": "CNIL", "country": "FR", "organisation": "Google LLC", "decision_date": "2019-01-21",
           "amount": "50000000", "currency": "EUR"}
    lodged = {"date": "2019-03-01", "body": "Conseil d'État", "outcome": "lodged"}
    ruling = {"date": "2020-06-19", "body": "Conseil d'État", "outcome": "upheld", "amount_after": "50000000"}
    decision, _ = services.decision_upsert(record=decision_record(row | {"appeals": [lodged]}))
    first = decision.appeals.get()

    services.decision_upsert(record=decision_record(row | {"appeals": [lodged, ruling]}))

    assert decision.appeals.filter(pk=first.pk).exists()
    assert [r.history_type for r in AppealEvent.history.order_by("history_date", "history_id")] == ["+", "+"]


def test_publishing_and_unpublishing_are_recorded_with_the_chief_editor(client, chief_editor, amazon):
    client.force_login(chief_editor)
    for action, published in (("unpublish", False), ("publish", True)):
        client.post("/admin/fines/decision/", {"action": action, "_selected_action": [amazon.pk], "index": 0})
        record = latest(amazon.history.all())
        assert (record.is_published, record.history_user) == (published, chief_editor)
    assert amazon.history.count() == 3


def test_the_bundled_register_is_recorded_as_loaded(register):
    assert Decision.objects.count() == 67
    records = list(Decision.history.all())
    assert len(records) == 67
    assert {(r.history_type, r.history_change_reason, r.history_user) for r in records} == {
        ("+", "bundled register", None)
    }
    # One change: everything the load wrote shares its moment.
    assert len({r.history_date for history in HISTORIES for r in history.all()}) == 1


def test_merging_organisations_is_recorded_with_its_reason(make_organisation, make_decision):
    meta = make_organisation("Meta Platforms Ireland Limited")
    facebook = make_organisation("Facebook Ireland Ltd.", slug="facebook-ireland")
    decision = make_decision(organisation=facebook, amount="405000000")

    services.organisation_merge(keep=meta, merge=facebook)

    reason = f"merged Facebook Ireland Ltd. (#{facebook.pk}) into Meta Platforms Ireland Limited (#{meta.pk})"
    moved = latest(decision.history.all())
    assert (moved.organisation_id, moved.history_change_reason) == (meta.pk, reason)
    deleted = latest(Organisation.history.filter(id=facebook.pk))
    assert (deleted.history_type, deleted.history_change_reason) == ("-", reason)
    assert latest(OrganisationAlias.history).history_change_reason == reason


def test_accepting_a_candidate_records_its_press_release_as_a_source(make_decision):
    source = ImportSource.objects.create(name="cnil", title="CNIL", format=ImportFormat.PRESS_FEED,
                                         url="https://www.cnil.fr/fr/rss.xml")
    candidate = Candidate.objects.create(
        source=source, external_id="1", url="https://www.cnil.fr/press", title="Sanction"
    )
    decision = make_decision(is_published=False)

    review.candidate_accept(candidate=candidate, decision=decision)

    assert latest(Source.history).url == "https://www.cnil.fr/press"


# The admin's history pages.


def test_the_admin_history_lists_each_change_with_its_editor_and_old_and_new_values(editor_client, editor, amazon):
    edit(editor_client, amazon, case_number="46762", status="final",
         appeals=[{"date": "2021-10-15", "body": "Tribunal administratif", "outcome": "lodged"}])

    page = editor_client.get(f"/admin/fines/decision/{amazon.pk}/history/").content.decode()

    assert "appeal added: Tribunal administratif, 15 October 2021, appeal lodged" in html.unescape(page)
    assert "case number – → 46762" in html.unescape(page)
    # django-simple-history's table of the decision's versions, with values by their labels.
    assert "Case number:" in page and "imposed" in page and "appealed" in page
    assert f">{editor.username}<" in page


def test_a_past_version_can_be_seen_but_not_saved_in_the_admin(editor_client, amazon):
    edit(editor_client, amazon, case_number="46762")
    first = amazon.history.order_by("history_date").first()
    url = f"/admin/fines/decision/{amazon.pk}/history/{first.history_id}/"

    assert editor_client.get(url).status_code == 200
    assert editor_client.post(url, decision_form_data(amazon)).status_code == 403
    amazon.refresh_from_db()
    assert amazon.case_number == "46762"


def test_the_organisation_history_lists_its_aliases(editor_client, make_organisation):
    organisation = make_organisation("Meta Platforms Ireland Limited")
    OrganisationAlias.objects.create(organisation=organisation, name="Facebook Ireland", name_key="facebook ireland")

    page = editor_client.get(f"/admin/fines/organisation/{organisation.pk}/history/").content.decode()

    assert "alias added: Facebook Ireland" in page


def test_authorities_have_a_history_page(editor_client, make_authority):
    authority = make_authority("cnil", "CNIL", "FR")
    authority.website = "https://www.cnil.fr/"
    authority.save()

    page = editor_client.get(f"/admin/fines/authority/{authority.pk}/history/").content.decode()

    assert "https://www.cnil.fr/" in page


# The public log.


def test_the_public_log_says_what_changed_and_when_without_editors(client, editor, amazon):
    client.force_login(editor)
    edit(client, amazon, appeals=[{"date": "2021-10-15", "body": "Tribunal administratif", "outcome": "lodged"}])
    dated(datetime.date(2021, 10, 20))
    ruling = {"date": "2025-03-18", "body": "Tribunal administratif", "outcome": "upheld", "amount_after": "746000000"}
    edit(client, amazon, appeals=[{}, ruling], case_number="46131")
    dated(datetime.date(2025, 3, 18))
    edit(client, amazon, **{
        "sources-TOTAL_FORMS": "2", "sources-1-url": "https://justice.public.lu/jugement-46131.pdf",
        "sources-1-title": "Jugement du tribunal administratif", "sources-1-language": "fr",
        "sources-1-kind": "decision", "article_citations-TOTAL_FORMS": "1", "article_citations-0-article": "5",
        "article_citations-0-provision": "5(1)(a)",
    })
    dated(datetime.date(2025, 3, 20))
    client.logout()

    response = client.get(amazon.get_absolute_url())

    assert entries(response) == [
        "30 July 2021: published",
        "20 October 2021: status imposed → appealed; "
        "appeal added: Tribunal administratif, 15 October 2021, appeal lodged",
        "18 March 2025: status appealed → upheld on appeal; case number – → 46131; "
        "appeal added: Tribunal administratif, 18 March 2025, fine upheld",
        "20 March 2025: source added: Jugement du tribunal administratif; article cited: Art. 5(1)(a)",
    ]
    assert editor.username not in changes_section(response)


def test_the_public_log_names_values_as_the_page_does(client, editor, amazon):
    client.force_login(editor)
    edit(client, amazon, amount="746000001", current_amount="746000001", legal_basis="eprivacy",
         summary="A long summary.")
    client.logout()

    (*_, change) = entries(client.get(amazon.get_absolute_url()))

    assert "amount imposed €746,000,000 → €746,000,001" in change
    assert "legal basis GDPR → ePrivacy / national law" in change
    assert "summary changed" in change and "A long summary" not in change


def test_the_public_log_starts_at_the_first_publication(
    client, editor, chief_editor, make_authority, make_organisation
):
    client.force_login(editor)
    data = decision_add_data(authority=make_authority(), organisation=make_organisation(), summary="First draft.")
    assert client.post("/admin/fines/decision/add/", data).status_code == 302
    draft = Decision.objects.get()
    dated(datetime.date(2024, 3, 16))
    edit(client, draft, summary="Second draft.", amount="2600000", current_amount="2600000")
    dated(datetime.date(2024, 3, 17))
    client.force_login(chief_editor)
    client.post("/admin/fines/decision/", {"action": "publish", "_selected_action": [draft.pk], "index": 0})
    dated(datetime.date(2024, 3, 18))
    edit(client, draft, amount="2700000", current_amount="2700000")
    dated(datetime.date(2024, 4, 2))
    client.logout()

    assert entries(client.get(draft.get_absolute_url())) == [
        "18 March 2024: published",
        "2 April 2024: amount imposed €2,600,000 → €2,700,000; amount that stands now €2,600,000 → €2,700,000",
    ]


def test_unpublishing_and_publishing_again_are_in_the_log(client, chief_editor, amazon):
    client.force_login(chief_editor)
    client.post("/admin/fines/decision/", {"action": "unpublish", "_selected_action": [amazon.pk], "index": 0})
    dated(datetime.date(2022, 1, 3))
    edit(client, amazon, case_number="46762")
    dated(datetime.date(2022, 1, 4))
    client.post("/admin/fines/decision/", {"action": "publish", "_selected_action": [amazon.pk], "index": 0})
    dated(datetime.date(2022, 1, 5))
    client.logout()

    assert entries(client.get(amazon.get_absolute_url()))[1:] == [
        "3 January 2022: unpublished", "4 January 2022: case number – → 46762", "5 January 2022: published again",
    ]


def test_internal_fields_are_not_in_the_public_log(amazon):
    amazon.eur_rate, amazon.external_source, amazon.external_id = Decimal("1.000001"), "register", "R-1"
    amazon.save()

    assert [entry.changes for entry in decision_log(amazon).entries] == [["published"]]
    assert decision_log(amazon, editors=True).entries[-1].changes == [
        "imported from – → register", "external id – → R-1",
    ]


def test_an_organisation_renamed_or_merged_away_is_in_the_log(amazon, make_organisation):
    organisation = amazon.organisation
    organisation.name = "Amazon Europe Core SARL"
    organisation.save()
    dated(datetime.date(2022, 5, 1))
    services.organisation_merge(keep=make_organisation("Amazon.com, Inc."), merge=organisation)
    dated(datetime.date(2022, 6, 1))

    assert [(entry.date.isoformat(), entry.changes) for entry in decision_log(amazon).entries][1:] == [
        ("2022-05-01", ["organisation renamed: Amazon Europe Core S.à r.l. → Amazon Europe Core SARL"]),
        ("2022-06-01", ["organisation Amazon Europe Core SARL → Amazon.com, Inc."]),
    ]


def test_an_authority_deleted_since_is_named_by_its_history(amazon, make_authority, django_assert_num_queries):
    cnpd = amazon.authority
    amazon.authority = make_authority("cnil", "CNIL", "FR")
    amazon.save()
    cnpd.delete()

    with django_assert_num_queries(6):
        assert decision_log(amazon).entries[-1].changes == ["authority CNPD → CNIL"]


def test_the_bundled_registers_decisions_start_with_their_publication(client, register):
    decision = Decision.objects.get(number=1)
    assert len(entries(client.get(decision.get_absolute_url()))) == 1


def test_the_public_log_is_in_the_readers_language(client, editor, amazon):
    client.force_login(editor)
    edit(client, amazon, appeals=[{"date": "2021-10-15", "body": "Tribunal administratif", "outcome": "lodged"}])
    dated(datetime.date(2025, 3, 18))
    client.logout()

    english = entries(client.get(amazon.get_absolute_url(), headers={"accept-language": "en"}))
    dutch = entries(client.get(amazon.get_absolute_url(), headers={"accept-language": "nl"}))

    assert len(dutch) == len(english) == 2
    assert english[1].startswith("18 March 2025: ") and dutch[1].startswith("18 maart 2025: ")
    # Field names, values and dates from the Dutch catalogues of the register and of Django.
    with translation.override("nl"):
        status = str(Decision._meta.get_field("status").verbose_name)
        appealed = str(Decision._meta.get_field("status").flatchoices[2][1])
    assert f"{status} " in dutch[1] and appealed in dutch[1] and "15 oktober 2021" in dutch[1]
    assert dutch[1].count("→") == english[1].count("→") == 1


def test_the_public_log_takes_the_same_queries_however_long(client, amazon, django_assert_num_queries,
                                                             django_assert_max_num_queries):
    with django_assert_num_queries(5):
        decision_log(amazon)
    page = amazon.get_absolute_url()
    with django_assert_max_num_queries(14):
        client.get(page)
    for index in range(10):
        with change_set():
            amazon.case_number = f"case {index}"
            amazon.save()
            amazon.sources.create(url=f"https://example.org/{index}", title=f"Report {index}")
            amazon.organisation.name = f"Amazon {index}"
            amazon.organisation.save()

    with django_assert_num_queries(5):
        assert len(decision_log(amazon).entries) == 11
    with django_assert_max_num_queries(14):
        client.get(page)
