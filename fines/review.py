"""Editors' review of what imports bring in: candidates to accept or reject, disagreements to settle.

Imports never publish a press release on their own and never overwrite an editor silently; these
functions are the only way a candidate or a disagreement leaves the queue, so the rules (one review
per candidate, reviewed_at always set, safe to repeat) hold whichever screen or script calls them.
"""
from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Candidate, Decision, Disagreement, Source
from .services import decision_values_apply
from .vocabularies import CandidateStatus, DatePrecision, SourceKind


class CandidateReviewed(Exception):
    """The candidate was accepted or rejected already, perhaps by another editor a moment ago."""

    def __init__(self, candidate: Candidate):
        self.candidate = candidate
        super().__init__(
            _("“%(title)s” was already %(status)s.")
            % {"title": candidate.title, "status": candidate.get_status_display()}
        )


def candidate_decision_initial(*, candidate: Candidate) -> dict[str, Any]:
    """The decision form's starting values: what the press release said, as a draft for the editor to finish.

    The release's date stands in for both dates: it is when the fine was announced, and the decision date
    until the editor reads the decision itself.
    """
    initial: dict[str, Any] = {"summary": candidate.summary or candidate.title, "is_published": False}
    if candidate.source.authority_id:
        initial["authority"] = candidate.source.authority_id
    if candidate.amount is not None:
        initial |= {"amount": candidate.amount, "currency": candidate.currency}
    if candidate.published:
        initial |= {
            "decision_date": candidate.published,
            "date_precision": DatePrecision.DAY,
            "announced_date": candidate.published,
        }
    return initial


def candidate_source_initial(*, candidate: Candidate) -> dict[str, Any] | None:
    """The press release as the decision's first source; None when the candidate has no URL."""
    if not candidate.url:
        return None
    return {
        "url": candidate.url,
        "title": candidate.title[: Source._meta.get_field("title").max_length],
        "language": candidate.language,
        "kind": SourceKind.PRESS_RELEASE,
    }


def candidate_accept(*, candidate: Candidate, decision: Decision) -> Candidate:
    """Mark the candidate accepted into the decision an editor made of it, with the press release as a source.

    Accepting it into the same decision again changes nothing. A candidate accepted into another decision,
    or rejected, raises CandidateReviewed: two editors working the queue must not both turn one press
    release into a fine.
    """
    with transaction.atomic():
        locked = Candidate.objects.select_for_update().select_related("source").get(pk=candidate.pk)
        if locked.status == CandidateStatus.ACCEPTED and locked.decision_id == decision.pk:
            return locked
        if locked.status != CandidateStatus.PENDING:
            raise CandidateReviewed(locked)
        locked.status, locked.decision, locked.reviewed_at = CandidateStatus.ACCEPTED, decision, timezone.now()
        locked.full_clean()
        locked.save(update_fields=["status", "decision", "reviewed_at"])
        source = candidate_source_initial(candidate=locked)
        if source and not decision.sources.filter(url=source["url"]).exists():
            press_release = Source(decision=decision, **source)
            press_release.full_clean()
            press_release.save()
    return locked


def candidate_reject(*, candidate: Candidate) -> Candidate:
    """Mark the candidate rejected. Rejecting it again changes nothing; an accepted one raises CandidateReviewed."""
    with transaction.atomic():
        locked = Candidate.objects.select_for_update().get(pk=candidate.pk)
        if locked.status == CandidateStatus.REJECTED:
            return locked
        if locked.status != CandidateStatus.PENDING:
            raise CandidateReviewed(locked)
        locked.status, locked.reviewed_at = CandidateStatus.REJECTED, timezone.now()
        locked.full_clean()
        locked.save(update_fields=["status", "reviewed_at"])
    return locked


def disagreement_keep(*, disagreement: Disagreement) -> Disagreement:
    """Settle a disagreement for the register: the editor's value stays; resolving it again changes nothing.

    The provenance already holds what the source said, so the next import sees no change at the source
    and leaves the register's value alone until the source says something new.
    """
    with transaction.atomic():
        locked = Disagreement.objects.select_for_update().get(pk=disagreement.pk)
        if locked.resolved_at is None:
            locked.resolved_at = timezone.now()
            locked.save(update_fields=["resolved_at"])
    return locked


def disagreement_take_source(*, disagreement: Disagreement) -> Disagreement:
    """Settle a disagreement for the source: its latest value is written into the decision.

    Raises RecordError (and changes nothing) when the value does not fit the decision, e.g. an amount
    that no longer matches its appeal rulings. Settling it again changes nothing.
    """
    with transaction.atomic():
        locked = Disagreement.objects.select_for_update().select_related("provenance", "decision").get(
            pk=disagreement.pk
        )
        if locked.resolved_at is not None:
            return locked
        value = locked.provenance.values.get(locked.field)
        if value is not None:
            decision_values_apply(decision=locked.decision, values={locked.field: value})
        locked.resolved_at = timezone.now()
        locked.save(update_fields=["resolved_at"])
    return locked
