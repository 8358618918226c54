"""The importing tables keep their promises in the database itself (Importing issue, part 4)."""
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from fines.models import Candidate, ImportRun, ImportSource
from fines.vocabularies import CandidateStatus, ImportFormat, RunStatus


@pytest.fixture
def source(db):
    return ImportSource.objects.create(
        name="ap-nieuws", title="AP news", format=ImportFormat.PRESS_FEED, url="https://example.org/feed.xml"
    )


def _refused(**fields) -> bool:
    try:
        with transaction.atomic():
            Candidate.objects.create(**fields)
    except IntegrityError:
        return True
    return False


def test_a_candidate_is_found_once_per_source(source):
    Candidate.objects.create(source=source, external_id="item-1", title="Boete voor Uber")
    assert _refused(source=source, external_id="item-1", title="the same item delivered twice")


def test_a_candidate_amount_needs_its_currency_and_acceptance_needs_a_decision(source):
    assert _refused(source=source, external_id="a", title="t", amount=Decimal(290_000_000), currency="")
    assert _refused(source=source, external_id="b", title="t", status=CandidateStatus.ACCEPTED)
    assert not _refused(source=source, external_id="c", title="t", amount=Decimal(290_000_000), currency="EUR")


def test_a_finished_run_says_when_it_finished(source):
    with pytest.raises(IntegrityError), transaction.atomic():
        ImportRun.objects.create(source=source, status=RunStatus.SUCCEEDED)
    run = ImportRun.objects.create(source=source)
    assert run.status == RunStatus.RUNNING
    run.refresh_from_db()
    assert run.started_at is not None


def test_a_source_is_not_read_more_often_than_every_five_minutes(source):
    with pytest.raises(IntegrityError), transaction.atomic():
        ImportSource.objects.filter(pk=source.pk).update(every_minutes=1)


def test_one_source_has_at_most_one_running_import(source):
    ImportRun.objects.create(source=source)
    with pytest.raises(IntegrityError), transaction.atomic():
        ImportRun.objects.create(source=source)
