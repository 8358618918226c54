"""Running imports: rows stored in savepoints, problems kept with their reasons, a lock per source."""
import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from fines.importers import AdapterResult, CandidateRecord
from fines.importing import AlreadyDone, SourceBusy, result_apply, run_begin, run_finish
from fines.interchange import RowProblem, decision_record
from fines.models import Authority, Candidate, Decision, ImportRun, ImportSource
from fines.vocabularies import ImportFormat, RunStatus


@pytest.fixture
def source(db, make_authority):
    make_authority("cnil", "CNIL", "FR")
    return ImportSource.objects.create(
        name="tracker", title="Tracker", format=ImportFormat.INTERCHANGE_JSON, url="http://127.0.0.1:1/x.json"
    )


def _record(external_id: str, amount: str = "50000000", authority: str = "cnil"):
    return decision_record({
        "external_source": "tracker", "external_id": external_id, "authority": authority, "country": "FR",
        "organisation": "Google LLC", "decision_date": "2019-01-21", "amount": amount, "currency": "EUR",
    })


def _result() -> AdapterResult:
    return AdapterResult(
        records=[(1, _record("ET-1")), (2, _record("ET-2", "100000")), (3, _record("ET-3", authority="nobody"))],
        problems=[RowProblem(4, "ET-4", ["amount '-5' is not a plain non-negative decimal"])],
        candidates=[CandidateRecord(external_id="item-1", url="https://example.org/1", title="Boete",
                                    amount=Decimal(290_000_000), currency="EUR")],
    )


def test_applying_twice_creates_once_and_keeps_every_problem(source):
    first = result_apply(result=_result(), source=source)
    assert (first.created, first.failed, first.candidates) == (3, 1, 1)
    assert [(row, reason.split(" ")[0]) for row, _, reason in first.problems] == [(4, "amount")]
    second = result_apply(result=_result(), source=source)
    assert (second.created, second.updated, second.unchanged, second.candidates) == (0, 0, 4, 0)
    assert second.seen == first.seen == 5
    assert Decision.objects.filter(external_source="tracker").count() == 3
    # An authority the register did not know was created from the source's name, for an editor to check.
    assert Authority.objects.get(name="nobody").needs_review
    assert Candidate.objects.count() == 1


def test_two_fines_of_one_day_against_one_company_stay_two(source):
    result_apply(result=AdapterResult(records=[(1, _record("A")), (2, _record("B"))]), source=source)
    assert Decision.objects.filter(organisation__name="Google LLC", decision_date="2019-01-21").count() == 2


def test_a_run_records_its_counts_and_problems_and_releases_the_lock(source):
    run = run_begin(source=source)
    with pytest.raises(SourceBusy):
        run_begin(source=source)
    run = run_finish(run=run, outcome=result_apply(result=_result(), source=source, run=run), status=RunStatus.SUCCEEDED)
    assert (run.seen, run.created, run.failed, run.candidates) == (5, 3, 1, 1)
    assert run.problems.count() == 1 and run.finished_at is not None
    run.refresh_from_db()
    assert (run.done, run.total) == (5, 5)
    assert run_begin(source=source).status == RunStatus.RUNNING


def test_a_run_left_by_a_dead_worker_does_not_block_the_source_for_ever(source):
    stale = run_begin(source=source)
    ImportRun.objects.filter(pk=stale.pk).update(beat_at=timezone.now() - datetime.timedelta(hours=2))
    fresh = run_begin(source=source)
    stale.refresh_from_db()
    assert stale.status == RunStatus.FAILED and "abandoned" in stale.error
    assert fresh.status == RunStatus.RUNNING


def test_a_task_delivered_twice_imports_once(source):
    first = run_begin(source=source, task_id="task-1")
    # Delivered again while its first delivery still works: it must wait, not start a second run.
    with pytest.raises(SourceBusy) as busy:
        run_begin(source=source, task_id="task-1")
    assert busy.value.same_task
    run_finish(run=first, status=RunStatus.SUCCEEDED)
    # Delivered again after the first delivery finished: nothing to do.
    with pytest.raises(AlreadyDone):
        run_begin(source=source, task_id="task-1")
    assert ImportRun.objects.filter(source=source).count() == 1


def test_a_silent_run_of_the_same_task_is_taken_over_at_once(source, settings):
    settings.FINES_IMPORT_TAKEOVER_AFTER = 5
    dead = run_begin(source=source, task_id="task-1")
    ImportRun.objects.filter(pk=dead.pk).update(beat_at=timezone.now() - datetime.timedelta(seconds=6))
    # Another task still finds the source busy: the dead run is not an hour silent yet.
    with pytest.raises(SourceBusy) as busy:
        run_begin(source=source, task_id="task-2")
    assert not busy.value.same_task
    taken_over = run_begin(source=source, task_id="task-1")
    dead.refresh_from_db()
    assert (dead.status, taken_over.status) == (RunStatus.FAILED, RunStatus.RUNNING)
    assert "abandoned" in dead.error
