"""Editors' review in the admin: the candidate queue, running sources, runs, disagreements and aliases."""
import datetime
import http.server
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fines import review
from fines.models import (
    AuthorityAlias,
    Candidate,
    Decision,
    Disagreement,
    ImportRun,
    ImportSource,
    Provenance,
)
from fines.names import text_key
from fines.vocabularies import CandidateStatus, ImportFormat, RunStatus
from finetracker.celery import app as celery_app
from tests.forms import decision_form_data

PRESS_RELEASE = "https://www.autoriteitpersoonsgegevens.nl/actueel/boete-voor-voorbeeld"


@pytest.fixture
def make_candidate(press_feed):
    def make(title="Boete van 2,5 miljoen euro voor Voorbeeld BV", status=CandidateStatus.PENDING, **fields):
        fields = {
            "external_id": title, "url": PRESS_RELEASE, "published": datetime.date(2024, 3, 5),
            "summary": "De AP legt Voorbeeld BV een boete op.", "amount": Decimal("2500000"), "currency": "EUR",
            "language": "nl", **fields,
        }
        return Candidate.objects.create(source=press_feed, title=title, status=status, **fields)

    return make


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _action(client, url: str, action: str, objects) -> object:
    return client.post(url, {"action": action, "_selected_action": [o.pk for o in objects], "index": 0}, follow=True)


def _query_count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# The candidate queue


def test_the_queue_lists_pending_candidates_first_with_a_link_out_to_the_press_release(
    editor_client, make_candidate, make_decision
):
    make_candidate("Older, rejected", status=CandidateStatus.REJECTED, published=datetime.date(2024, 6, 1))
    make_candidate("Pending one")
    html = editor_client.get("/admin/fines/candidate/").content.decode()
    assert html.index("Pending one") < html.index("Older, rejected")
    assert f'<a href="{PRESS_RELEASE}" rel="noopener noreferrer">Pending one</a>' in html
    assert "€2,500,000" in html


def test_an_imported_link_that_is_not_http_is_shown_as_text(editor_client, make_candidate):
    make_candidate("Sneaky", url="javascript:alert(1)")
    html = editor_client.get("/admin/fines/candidate/").content.decode()
    assert "javascript:alert" not in html and "Sneaky" in html


def test_rejecting_touches_only_pending_candidates_and_says_how_many(editor_client, make_candidate, make_decision):
    pending = [make_candidate("One"), make_candidate("Two")]
    earlier = timezone.now() - datetime.timedelta(days=3)
    rejected = make_candidate("Three", status=CandidateStatus.REJECTED, reviewed_at=earlier)
    accepted = make_candidate("Four", status=CandidateStatus.ACCEPTED, decision=make_decision(), reviewed_at=earlier)
    response = _action(editor_client, "/admin/fines/candidate/", "reject", [*pending, rejected, accepted])
    assert _messages(response) == [
        "Rejected 2 candidates.", "2 candidates were already reviewed and are left as they were.",
    ]
    for candidate in pending:
        candidate.refresh_from_db()
        assert candidate.status == CandidateStatus.REJECTED and candidate.reviewed_at > earlier
    accepted.refresh_from_db()
    rejected.refresh_from_db()
    assert (accepted.status, accepted.reviewed_at, rejected.reviewed_at) == (CandidateStatus.ACCEPTED, earlier, earlier)


def test_a_candidate_can_be_rejected_from_its_own_page(editor_client, make_candidate):
    candidate = make_candidate()
    url = f"/admin/fines/candidate/{candidate.pk}/change/"
    page = editor_client.get(url).content.decode()
    assert "Reject this candidate" in page and 'name="_save"' not in page  # read, not edited
    response = editor_client.post(
        url, {"CHANGE_FORM-action": "reject", "_selected_action": candidate.pk, "index": 0}, follow=True
    )
    assert _messages(response) == ["Rejected 1 candidate."]
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.REJECTED


def test_the_candidate_page_offers_accepting_only_while_it_is_pending(editor_client, make_candidate):
    pending, rejected = make_candidate("Pending"), make_candidate("Rejected", status=CandidateStatus.REJECTED)
    accept = f"/admin/fines/decision/add/?candidate={pending.pk}"
    assert accept in editor_client.get(f"/admin/fines/candidate/{pending.pk}/change/").content.decode()
    assert "?candidate=" not in editor_client.get(f"/admin/fines/candidate/{rejected.pk}/change/").content.decode()


def test_the_decision_form_opened_from_a_candidate_starts_from_the_press_release(editor_client, make_candidate):
    candidate = make_candidate()
    response = editor_client.get(f"/admin/fines/decision/add/?candidate={candidate.pk}")
    initial = response.context["adminform"].form.initial
    assert initial["authority"] == candidate.source.authority_id
    assert (initial["amount"], initial["currency"]) == (Decimal("2500000"), "EUR")
    assert initial["decision_date"] == initial["announced_date"] == datetime.date(2024, 3, 5)
    assert initial["date_precision"] == "day"
    assert initial["summary"] == "De AP legt Voorbeeld BV een boete op."
    assert initial["is_published"] is False and "candidate" not in initial
    sources = next(f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "sources").formset
    assert sources.forms[0].initial == {
        "url": PRESS_RELEASE, "title": candidate.title, "language": "nl", "kind": "press_release",
    }
    assert f'value="{PRESS_RELEASE}"' in response.content.decode()
    assert "Accepting “Boete van 2,5 miljoen euro voor Voorbeeld BV”" in _messages(response)[0]


def _new_decision_data(candidate: Candidate, organisation, **changes) -> dict:
    data = {
        "authority": candidate.source.authority_id, "organisation": organisation.pk,
        "decision_date": "2024-03-05", "date_precision": "day", "announced_date": "2024-03-05",
        "amount": "2500000", "currency": "EUR", "current_amount": "", "amount_paid": "", "status": "imposed",
        "legal_basis": "gdpr", "violation_type": "", "sector": "", "case_number": "", "summary": candidate.summary,
        "external_source": "", "external_id": "",
        "sources-TOTAL_FORMS": "1", "sources-INITIAL_FORMS": "0", "sources-0-url": PRESS_RELEASE,
        "sources-0-title": candidate.title, "sources-0-language": "nl", "sources-0-kind": "press_release",
    }
    for prefix in ("appeals", "sources", "article_citations"):
        data.setdefault(f"{prefix}-TOTAL_FORMS", "0")
        data.update({f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    return data | changes


def test_saving_the_decision_accepts_the_candidate_into_a_draft(editor_client, make_candidate, make_organisation):
    candidate = make_candidate()
    response = editor_client.post(
        f"/admin/fines/decision/add/?candidate={candidate.pk}",
        _new_decision_data(candidate, make_organisation("Voorbeeld BV")),
    )
    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert response["Location"] == "/admin/fines/candidate/"
    decision = Decision.objects.get()
    assert not decision.is_published and decision.amount_eur == 2_500_000
    assert list(decision.sources.values_list("url", flat=True)) == [PRESS_RELEASE]
    candidate.refresh_from_db()
    assert (candidate.status, candidate.decision) == (CandidateStatus.ACCEPTED, decision)
    assert candidate.reviewed_at is not None


def test_accepting_adds_the_press_release_when_the_editor_gave_other_sources(
    editor_client, make_candidate, make_organisation
):
    candidate = make_candidate()
    data = _new_decision_data(
        candidate, make_organisation("Voorbeeld BV"), **{"sources-0-url": "https://example.org/besluit"}
    )
    assert editor_client.post(f"/admin/fines/decision/add/?candidate={candidate.pk}", data).status_code == 302
    urls = set(Decision.objects.get().sources.values_list("url", flat=True))
    assert urls == {"https://example.org/besluit", PRESS_RELEASE}


def test_a_rejected_candidate_cannot_be_accepted(editor_client, make_candidate, make_organisation):
    candidate = make_candidate(status=CandidateStatus.REJECTED)
    url = f"/admin/fines/decision/add/?candidate={candidate.pk}"
    response = editor_client.get(url, follow=True)
    assert response.redirect_chain == [(f"/admin/fines/candidate/{candidate.pk}/change/", 302)]
    assert _messages(response) == [f"“{candidate.title}” was already rejected. It cannot be accepted again."]
    response = editor_client.post(url, _new_decision_data(candidate, make_organisation("Voorbeeld BV")), follow=True)
    assert "It cannot be accepted again." in _messages(response)[0]
    assert not Decision.objects.exists()


def test_a_candidate_taken_by_another_editor_meanwhile_leaves_no_decision(
    editor_client, make_candidate, make_organisation, make_decision, monkeypatch
):
    candidate = make_candidate()
    other = make_decision()
    accept = review.candidate_accept

    def another_editor_was_quicker(*, candidate, decision):
        accept(candidate=candidate, decision=other)
        return accept(candidate=candidate, decision=decision)

    monkeypatch.setattr(review, "candidate_accept", another_editor_was_quicker)
    response = editor_client.post(
        f"/admin/fines/decision/add/?candidate={candidate.pk}",
        _new_decision_data(candidate, make_organisation("Voorbeeld BV")), follow=True,
    )
    assert "was already accepted. It cannot be accepted again." in _messages(response)[0]
    assert list(Decision.objects.all()) == [other]  # the new decision was rolled back with the refusal


def test_reviewing_twice_changes_nothing_and_an_accepted_candidate_stays_accepted(make_candidate, make_decision):
    candidate, decision = make_candidate(), make_decision()
    first = review.candidate_accept(candidate=candidate, decision=decision)
    again = review.candidate_accept(candidate=candidate, decision=decision)
    assert again.reviewed_at == first.reviewed_at and decision.sources.count() == 1
    with pytest.raises(review.CandidateReviewed):
        review.candidate_reject(candidate=candidate)
    with pytest.raises(review.CandidateReviewed):
        review.candidate_accept(candidate=candidate, decision=make_decision())
    other = make_candidate("Other")
    rejected = review.candidate_reject(candidate=other)
    assert review.candidate_reject(candidate=other).reviewed_at == rejected.reviewed_at


def test_the_candidate_list_query_count_does_not_grow_with_its_rows(editor_client, make_candidate):
    make_candidate("First")
    few = _query_count(editor_client, "/admin/fines/candidate/")
    for number in range(20):
        make_candidate(f"Candidate {number}")
    assert _query_count(editor_client, "/admin/fines/candidate/") == few


# Import sources and runs


def _source(name: str, **fields) -> ImportSource:
    fields = {"format": ImportFormat.INTERCHANGE_JSON, "url": "https://example.org/", **fields}
    return ImportSource.objects.create(name=name, title=name.title(), **fields)


class _EmptyInterchange(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        body = b'{"decisions": []}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def served_source(db):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _EmptyInterchange)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield ImportSource.objects.create(
        name="served", title="Served", format=ImportFormat.INTERCHANGE_JSON,
        url=f"http://127.0.0.1:{httpd.server_address[1]}/cases.json",
    )
    httpd.shutdown()
    httpd.server_close()


def test_run_now_enqueues_enabled_sources_after_commit_and_names_the_skipped_ones(
    editor_client, served_source, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)  # the task runs here, on the served file
    disabled = _source("switched-off", url="http://127.0.0.1:1/", enabled=False)
    with django_capture_on_commit_callbacks(execute=True) as enqueued:
        response = _action(editor_client, "/admin/fines/importsource/", "run_now", [served_source, disabled])
        assert not ImportRun.objects.exists()  # nothing is sent before the action's transaction commits
    assert len(enqueued) == 1
    assert _messages(response) == [
        "Queued for a run now: served. The runs list shows their progress.",
        "Skipped, as they are disabled: switched-off.",
    ]
    run = ImportRun.objects.get()
    assert (run.source, run.status) == (served_source, RunStatus.SUCCEEDED)


def test_the_sources_list_shows_each_last_run_in_one_query(editor_client, make_authority):
    def source_with_runs(name: str) -> ImportSource:
        source = _source(name, format=ImportFormat.PRESS_FEED, authority=make_authority())
        now, yesterday = timezone.now(), timezone.now() - datetime.timedelta(days=1)
        ImportRun.objects.create(source=source, status=RunStatus.FAILED, finished_at=now, started_at=yesterday)
        ImportRun.objects.create(source=source, status=RunStatus.NOT_MODIFIED, finished_at=now, started_at=now)
        return source

    source = source_with_runs("first")
    html = editor_client.get("/admin/fines/importsource/").content.decode()
    runs = f"/admin/fines/importrun/?source__id__exact={source.pk}"
    assert f'<a href="{runs}">not modified since the last run</a>' in html
    assert "failed" not in html
    few = _query_count(editor_client, "/admin/fines/importsource/")
    for number in range(10):
        source_with_runs(f"more-{number}")
    assert _query_count(editor_client, "/admin/fines/importsource/") == few


def test_the_runs_list_shows_progress_while_running_and_duration_when_done(editor_client):
    source, other = _source("big"), _source("small")
    ImportRun.objects.create(source=source, done=412, total=1000)
    started = timezone.now() - datetime.timedelta(hours=2)
    ImportRun.objects.create(
        source=other, status=RunStatus.SUCCEEDED, started_at=started,
        finished_at=started + datetime.timedelta(minutes=2, seconds=5), seen=7, created=7,
    )
    html = editor_client.get("/admin/fines/importrun/").content.decode()
    assert "412 of 1,000" in html and "0:02:05" in html
    few = _query_count(editor_client, "/admin/fines/importrun/")
    for _ in range(10):
        ImportRun.objects.create(source=other, status=RunStatus.SUCCEEDED, finished_at=timezone.now())
    assert _query_count(editor_client, "/admin/fines/importrun/") == few


def test_runs_are_read_only(editor_client):
    run = ImportRun.objects.create(source=_source("s"), done=5, total=10)
    page = editor_client.get(f"/admin/fines/importrun/{run.pk}/change/").content.decode()
    assert "5 of 10" in page and 'name="_save"' not in page
    assert editor_client.get("/admin/fines/importrun/add/").status_code == 403


# Disagreements


@pytest.fixture
def disagreement(make_decision):
    decision = make_decision(amount="50000000")
    provenance = Provenance.objects.create(decision=decision, source="tracker", external_id="ETid-7")
    return Disagreement.objects.create(
        decision=decision, provenance=provenance, field="amount", register_value="50000000", source_value="5000000",
    )


def test_the_disagreements_list_links_each_to_its_decision(editor_client, disagreement):
    decision = disagreement.decision
    html = editor_client.get("/admin/fines/disagreement/?state=open").content.decode()
    assert f'<a href="/admin/fines/decision/{decision.pk}/change/">{decision.reference}</a>' in html
    assert "tracker ETid-7" in html and "5000000" in html
    resolved = editor_client.get("/admin/fines/disagreement/?state=resolved").content.decode()
    assert f"/admin/fines/decision/{decision.pk}/change/" not in resolved


def test_keeping_the_registers_value_settles_only_open_disagreements(editor_client, disagreement):
    response = _action(editor_client, "/admin/fines/disagreement/", "keep_register_value", [disagreement])
    assert _messages(response) == ["Settled 1 disagreement."]
    disagreement.refresh_from_db()
    settled_at = disagreement.resolved_at
    assert settled_at is not None
    assert Decision.objects.get().amount == 50_000_000
    response = _action(editor_client, "/admin/fines/disagreement/", "keep_register_value", [disagreement])
    assert _messages(response) == ["1 disagreement was already settled."]
    disagreement.refresh_from_db()
    assert disagreement.resolved_at == settled_at


def test_taking_the_sources_value_writes_it_into_the_decision(editor_client, disagreement):
    Provenance.objects.filter(pk=disagreement.provenance_id).update(values={"amount": "5000000.00", "currency": "EUR"})
    response = _action(editor_client, "/admin/fines/disagreement/", "take_source_value", [disagreement])
    assert _messages(response) == ["Settled 1 disagreement."]
    decision = Decision.objects.get()
    assert (decision.amount, decision.current_amount, decision.amount_eur) == (5_000_000, 5_000_000, 5_000_000)
    disagreement.refresh_from_db()
    assert disagreement.resolved_at is not None


def test_a_sources_value_that_does_not_fit_is_refused_with_the_reason(editor_client, disagreement):
    Provenance.objects.filter(pk=disagreement.provenance_id).update(values={"status": "upheld"})
    Disagreement.objects.filter(pk=disagreement.pk).update(
        field="status", register_value="imposed", source_value="upheld"
    )
    response = _action(editor_client, "/admin/fines/disagreement/", "take_source_value", [disagreement])
    [refusal] = _messages(response)
    assert refusal.startswith(f"Not taken, the register keeps its value: {disagreement.decision.reference} status: ")
    assert "needs an appeal event" in refusal
    assert Decision.objects.get().status == "imposed"
    disagreement.refresh_from_db()
    assert disagreement.resolved_at is None


def test_the_decision_page_shows_its_provenance_and_open_disagreements(editor_client, disagreement, make_decision):
    decision = disagreement.decision
    Disagreement.objects.create(
        decision=decision, provenance=disagreement.provenance, field="case_number", register_value="",
        source_value="SAN-2019-001", resolved_at=timezone.now(),
    )
    page = editor_client.get(f"/admin/fines/decision/{decision.pk}/change/").content.decode()
    assert "ETid-7" in page and "Open disagreements with a source" in page
    assert "5000000" in page and "SAN-2019-001" not in page
    assert f"/admin/fines/disagreement/{disagreement.pk}/change/" in page


def test_the_decision_saves_without_posting_its_read_only_rows(editor_client, disagreement):
    decision = disagreement.decision
    decision.sources.create(url="https://www.cnil.fr/example", kind="press_release")
    response = editor_client.post(
        f"/admin/fines/decision/{decision.pk}/change/", decision_form_data(decision, summary="Checked by an editor.")
    )
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.summary == "Checked by an editor."
    assert Provenance.objects.filter(decision=decision).count() == 1 and Disagreement.objects.get().resolved_at is None


# Authorities and organisations new from imports


def test_an_authority_alias_gets_its_matching_key(editor_client, make_authority):
    authority = make_authority("cnil", "CNIL", "FR", name="Commission Nationale de l'Informatique et des Libertés")
    response = editor_client.post(f"/admin/fines/authority/{authority.pk}/change/", {
        "name": authority.name, "short_name": "CNIL", "slug": "cnil", "country": "FR", "kind": "national",
        "website": "", "aliases-TOTAL_FORMS": "1", "aliases-INITIAL_FORMS": "0", "aliases-MIN_NUM_FORMS": "0",
        "aliases-MAX_NUM_FORMS": "1000", "aliases-0-name": "Commission nationale de l’informatique & des libertés",
    })
    assert response.status_code == 302, response.context["errors"] if response.context else response
    alias = AuthorityAlias.objects.get(authority=authority)
    assert alias.name_key == text_key(alias.name) == "commission nationale de l informatique and des libertes"


def test_authorities_and_organisations_new_from_imports_can_be_listed(editor_client, make_authority, make_organisation):
    make_authority("cnil", "CNIL", "FR")
    make_authority("new-dpa", "NEWDPA", "FR")
    from fines.models import Authority, Organisation

    Authority.objects.filter(slug="new-dpa").update(needs_review=True)
    make_organisation("Known SA")
    Organisation.objects.filter(pk=make_organisation("Imported GmbH").pk).update(needs_review=True)
    authorities = editor_client.get("/admin/fines/authority/?needs_review__exact=1").content.decode()
    assert "NEWDPA" in authorities and "CNIL" not in authorities
    organisations = editor_client.get("/admin/fines/organisation/?needs_review__exact=1").content.decode()
    assert "Imported GmbH" in organisations and "Known SA" not in organisations
