"""Writes to the register. Every change to decisions, authorities and organisations goes through here."""
from __future__ import annotations

import datetime
import enum
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext
from simple_history.utils import bulk_create_with_history

from .articles import article_number
from .currency import ConversionError, ecb_rate
from .interchange import (
    DecisionRecord,
    RecordError,
    RowProblem,
    TurnoverRecord,
    decision_record,
    read_json,
    row_label,
    turnover_record,
)
from .models import (
    REFERENCE_PREFIX,
    AppealEvent,
    ArticleCitation,
    Authority,
    Decision,
    DecisionQuerySet,
    Disagreement,
    Organisation,
    OrganisationAlias,
    Provenance,
    ReferenceCounter,
    Source,
    change_set,
    history_moment,
    history_reason,
)
from .names import name_key, text_key
from .vocabularies import APPEAL_STATUSES, RULING_OUTCOMES, DatePrecision, LegalBasis, SourceKind, Status


class Change(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


class AppealLike(Protocol):
    outcome: str
    amount_after: Decimal | None


def standing_after_appeals(
    *, amount: Decimal, status: str, appeals: Sequence[AppealLike]
) -> tuple[str, Decimal | None]:
    """The status and the amount that stands now, from the appeal events in chronological order.

    Without appeals the entered status holds, and the amount imposed stands (a notice of intent
    has no standing amount). A ruling is compared with the amount first imposed: Spotify's SEK 58M,
    cut to 40M and reinstated at 58M, stands "upheld".
    """
    if not appeals:
        status = status or Status.IMPOSED
        return status, None if status == Status.PROPOSED else amount
    rulings = [appeal for appeal in appeals if appeal.outcome in RULING_OUTCOMES]
    current = rulings[-1].amount_after if rulings else amount
    if appeals[-1].outcome not in RULING_OUTCOMES:
        return Status.APPEALED, current
    if current == 0:
        return Status.ANNULLED, current
    if current == amount:
        return Status.UPHELD, current
    return (Status.REDUCED if current < amount else Status.INCREASED), current


def appeals_in_order(appeals: Iterable[Any]) -> list[Any]:
    """Chronological, undated events first: the order the database keeps them in."""
    return sorted(appeals, key=lambda appeal: (appeal.date is not None, appeal.date or datetime.date.min))


def standing_problems(
    *, amount: Decimal, status: str, current_amount: Decimal | None, appeals: Sequence[AppealLike]
) -> list[str]:
    """What is inconsistent between the status, the amount that stands now and the appeals."""
    problems = []
    if not appeals:
        if status in APPEAL_STATUSES:
            problems.append(f"status {status!r} needs an appeal event that says what happened")
        if current_amount is not None and current_amount != amount:
            problems.append(
                f"the amount that stands now ({current_amount}) differs from the amount imposed ({amount}) "
                "but there is no appeal event; add the appeal that changed it"
            )
        return problems
    if status == Status.PROPOSED:
        problems.append("a notice of intent (status 'proposed') cannot have appeal events")
    _, derived = standing_after_appeals(amount=amount, status=status, appeals=appeals)
    if current_amount is not None and current_amount != derived:
        problems.append(
            f"the amount that stands now ({current_amount}) does not follow from the appeals ({derived})"
        )
    return problems


def decision_convert(*, decision: Decision) -> None:
    """Fill the EUR amounts from the ECB rate of the decision date (or the last business day before)."""
    if decision.decision_date is None:
        if decision.currency == "EUR":
            decision.eur_rate, decision.eur_rate_date = Decimal(1), None
            decision.amount_eur, decision.current_amount_eur = decision.amount, decision.current_amount
        else:
            decision.eur_rate = decision.eur_rate_date = decision.amount_eur = decision.current_amount_eur = None
        return
    rate = ecb_rate(decision.currency, decision.decision_date)
    decision.eur_rate, decision.eur_rate_date = rate.rate, rate.date
    decision.amount_eur = rate.to_eur(decision.amount)
    decision.current_amount_eur = None if decision.current_amount is None else rate.to_eur(decision.current_amount)


def decision_next_number() -> int:
    """The next FT-<n>: above every number ever handed out, so none is reused."""
    with transaction.atomic():
        counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(pk=1)
        highest = Decision.objects.aggregate(highest=Max("number"))["highest"] or 0
        counter.last = max(counter.last, highest) + 1
        counter.save(update_fields=["last"])
        return counter.last


def _reference_counter_raise(number: int) -> None:
    ReferenceCounter.objects.get_or_create(pk=1)
    ReferenceCounter.objects.filter(pk=1, last__lt=number).update(last=number)


def decision_refresh_standing(*, decision: Decision) -> None:
    """Re-derive status and the amount that stands now from the stored appeal events; save if changed."""
    appeals = list(decision.appeals.all())
    if not appeals:
        return
    status, current = standing_after_appeals(amount=decision.amount, status=decision.status, appeals=appeals)
    if (status, current) != (decision.status, decision.current_amount):
        decision.status, decision.current_amount = status, current
        decision_convert(decision=decision)
        decision.save()


def decision_publish_problems(*, decision: Decision) -> list[str]:
    """Why the decision's data would not pass for publication; empty when it may be published.

    A published decision holds up on its own: a source a reader can check, every field valid, and a
    status and standing amount that follow from its appeals (imports can store what a form would refuse).
    """
    problems = []
    if not decision.sources.exists():
        problems.append(gettext("it has no source"))
    try:
        decision.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        problems.extend(error.messages)
    problems.extend(standing_problems(
        amount=decision.amount, status=decision.status, current_amount=decision.current_amount,
        appeals=appeals_in_order(decision.appeals.all()),
    ))
    return problems


def decision_publish(*, decision: Decision) -> bool:
    """Publish the decision: public pages, exports, the feed, the API and statistics show it from now on.

    Raises ValidationError with the problems when its data would not pass (see decision_publish_problems).
    Returns whether it changed: publishing a published decision changes nothing.
    """
    if decision.is_published:
        return False
    if problems := decision_publish_problems(decision=decision):
        raise ValidationError(problems)
    decision.is_published = True
    decision.save(update_fields=["is_published", "updated_at"])
    return True


def decision_unpublish(*, decision: Decision) -> bool:
    """Take the decision back to a draft, out of every public output. Returns whether it changed."""
    if not decision.is_published:
        return False
    decision.is_published = False
    decision.save(update_fields=["is_published", "updated_at"])
    return True


def _unique_slug(model: type, text: str, *, exclude_pk: Any = None) -> str:
    base = slugify(text)[:100] or "item"
    slug, suffix = base, 1
    while model.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        suffix += 1
        slug = f"{base}-{suffix}"
    return slug


def _assign(instance: Any, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


def authority_upsert(
    *, slug: str, short_name: str, name: str, country: str, kind: str, website: str = ""
) -> tuple[Authority, Change]:
    values = {"short_name": short_name, "name": name, "country": country, "kind": kind, "website": website}
    authority = Authority.objects.filter(slug=slug).first()
    if authority is None:
        authority = Authority(slug=slug, **values)
        authority.full_clean()
        authority.save()
        return authority, Change.CREATED
    if not _assign(authority, values):
        return authority, Change.UNCHANGED
    authority.full_clean()
    authority.save()
    return authority, Change.UPDATED


_ACRONYM = re.compile(r"\(([^()]{2,20})\)\s*$")


def authority_find(*, name: str, country: str) -> Authority | None:
    """An authority by slug, or within the country by short name, full name or alias.

    Names are compared insensitive to case, accents and punctuation. Sources often write "National
    Commission for Data Protection (CNPD)": a full-name match is tried before the acronym's. Short names
    repeat across countries (Datatilsynet), so only the slug is looked up outside the country.
    """
    by_slug = Authority.objects.filter(slug=name).first()
    if by_slug:
        return by_slug
    in_country = list(Authority.objects.filter(country=country).prefetch_related("aliases"))
    keys = {
        authority: {text_key(authority.short_name), text_key(authority.name)}
        | {alias.name_key for alias in authority.aliases.all()}
        for authority in in_country
    }
    acronym = _ACRONYM.search(name)
    tries = [text_key(name)]
    if acronym:
        tries += [text_key(name[: acronym.start()]), text_key(acronym[1])]
    for wanted in filter(None, tries):
        for authority in in_country:
            if wanted in keys[authority]:
                return authority
    return None


def authority_from_source(*, name: str, country: str) -> Authority:
    """An authority the register does not know yet, created from the name and country a source gives.

    It is flagged for review, so that an editor checks its name, kind and website.
    """
    acronym = _ACRONYM.search(name)
    short_name = acronym[1].strip() if acronym else name
    authority = Authority(
        name=name[:200], short_name=short_name[:40], country=country, needs_review=True,
        slug=_unique_slug(Authority, f"{short_name[:50]} {country}"),
    )
    try:
        authority.full_clean()
    except ValidationError as error:
        raise RecordError([f"authority {name!r} ({country}) is not in the register and cannot be created: "
                           + "; ".join(error.messages)]) from None
    authority.save()
    return authority


def organisation_find(name: str) -> Organisation | None:
    key = name_key(name)
    return (
        Organisation.objects.filter(name=name).first()
        or Organisation.objects.filter(name_key=key).order_by("pk").first()
        or Organisation.objects.filter(aliases__name_key=key).order_by("pk").first()
    )


def organisation_upsert(
    *, name: str, country: str = "", sector: str = "", parent: Organisation | None = None,
    aliases: Iterable[str] = (), turnover: TurnoverRecord | None = None, needs_review: bool = False,
) -> tuple[Organisation, Change]:
    """Create or update an organisation known by exactly this name; add any aliases it lacks.

    `needs_review` flags a new one for an editor (an import created it from a source's spelling).
    """
    values = {"country": country, "sector": sector, "parent": parent, "name_key": name_key(name)}
    values |= {
        "turnover": turnover.amount if turnover else None,
        "turnover_currency": turnover.currency if turnover else "",
        "turnover_year": turnover.year if turnover else None,
        "turnover_source": turnover.source if turnover else "",
    }
    organisation = Organisation.objects.filter(name=name).first()
    change = Change.UNCHANGED
    if organisation is None:
        organisation = Organisation(
            name=name, slug=_unique_slug(Organisation, name), needs_review=needs_review, **values
        )
        change = Change.CREATED
    elif _assign(organisation, values):
        change = Change.UPDATED
    if change != Change.UNCHANGED:
        organisation.full_clean()
        organisation.save()
    known = set(organisation.aliases.values_list("name", flat=True))
    for alias in aliases:
        if alias and alias not in known and alias != name:
            OrganisationAlias.objects.create(organisation=organisation, name=alias, name_key=name_key(alias))
            change = change if change == Change.CREATED else Change.UPDATED
    return organisation, change


def _organisation_for_record(record: DecisionRecord, *, from_source: bool = False) -> Organisation:
    """The organisation a record names (by name, spelling or alias), created with its group if unknown.

    One created for a record from an outside source is flagged for an editor's review.
    """
    organisation = organisation_find(record.organisation)
    if organisation is not None:
        return organisation
    parent = None
    if record.group and name_key(record.group) != name_key(record.organisation):
        parent = organisation_find(record.group)
        if parent is None:
            parent, _ = organisation_upsert(name=record.group, sector=record.sector, needs_review=from_source)
    organisation, _ = organisation_upsert(
        name=record.organisation, country=record.country, sector=record.sector, parent=parent,
        needs_review=from_source,
    )
    return organisation


def _authority_for_record(record: DecisionRecord, *, from_source: bool) -> Authority:
    authority = authority_find(name=record.authority, country=record.country)
    if authority is None:
        if not from_source:
            raise RecordError([f"authority {record.authority!r} ({record.country}) is not in the register"])
        authority = authority_from_source(name=record.authority, country=record.country)
    if authority.country != record.country:
        raise RecordError([f"authority {record.authority!r} is in {authority.country}, not {record.country}"])
    return authority


# Sources date one decision differently (the day it was signed, notified or announced): dates this close
# can be the same decision's.
TWIN_DATE_WINDOW = datetime.timedelta(days=31)


def _date_span(day: datetime.date, precision: str) -> tuple[datetime.date, datetime.date]:
    """The days a partial date can stand for: the day itself, its month or its year."""
    if precision == DatePrecision.YEAR:
        return day.replace(month=1, day=1), day.replace(month=12, day=31)
    if precision == DatePrecision.MONTH:
        following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        return day.replace(day=1), following - datetime.timedelta(days=1)
    return day, day


def _dates_compatible(decision: Decision, record: DecisionRecord) -> bool:
    """Whether two dates can be one decision's: within TWIN_DATE_WINDOW of each other, each taken at its
    precision (a month stands for any of its days); an unknown date can be any."""
    if decision.decision_date is None or record.decision_date is None:
        return True
    first, last = _date_span(decision.decision_date, decision.date_precision)
    other_first, other_last = _date_span(record.decision_date, record.date_precision)
    return other_first - last <= TWIN_DATE_WINDOW and first - other_last <= TWIN_DATE_WINDOW


def decision_twin(
    *, record: DecisionRecord, authority: Authority, organisation: Organisation, other_than_source: str = ""
) -> Decision | None:
    """The decision a record describes when the record carries no reference or id of its own.

    The same authority, the same organisation or one of its group, the same amount in the same currency,
    and a date that can be the same (see _dates_compatible). Two fines of one day against one company with different amounts
    stay two; and a source never describes one decision twice, so decisions it already has are skipped.
    """
    family = {organisation.pk}
    group = organisation.parent_id or organisation.pk
    family |= set(Organisation.objects.filter(Q(pk=group) | Q(parent_id=group)).values_list("pk", flat=True))
    twins = Decision.objects.filter(
        authority=authority, organisation__in=family, amount=record.amount, currency=record.currency
    ).order_by("number")
    if other_than_source:
        twins = twins.exclude(provenances__source=other_than_source)
    return next((twin for twin in twins if _dates_compatible(twin, record)), None)


LOOKALIKE_DAYS = 30


def decision_lookalikes(
    *, authority: Authority, organisation: Organisation, decision_date: datetime.date | None,
    amount: Decimal, currency: str, exclude_pk: int | None = None,
) -> DecisionQuerySet:
    """Decisions, drafts included, that an editor entering this one may be entering a second time.

    The same authority and organisation with decision dates within LOOKALIKE_DAYS of each other, or the
    same amount in the same currency on the same date. A date that is not known cannot be compared: the
    same authority, organisation and amount then count. `exclude_pk` is the decision being changed,
    which is never its own lookalike.
    """
    same_parties = Q(authority=authority, organisation=organisation)
    same_amount = Q(amount=amount, currency=currency)
    if decision_date is None:
        alike = same_parties & same_amount
    else:
        window = datetime.timedelta(days=LOOKALIKE_DAYS)
        alike = (
            same_parties & Q(decision_date__range=(decision_date - window, decision_date + window))
            | same_amount & Q(decision_date=decision_date)
            | same_parties & same_amount & Q(decision_date__isnull=True)
        )
    lookalikes = Decision.objects.filter(alike).with_related().order_by("decision_date", "number")
    return lookalikes.exclude(pk=exclude_pk) if exclude_pk is not None else lookalikes


def _converted(decision: Decision) -> tuple:
    return (decision.amount_eur, decision.eur_rate, decision.eur_rate_date, decision.current_amount_eur)


APPEAL_FIELDS = ("date", "date_precision", "body", "case_number", "outcome", "amount_after", "source_url", "note")
SOURCE_FIELDS = ("url", "title", "language", "kind")


def _bulk_create(model: type, rows: list[Any]) -> None:
    """bulk_create, with the history entry for each row that its save would write (see models.change_set)."""
    if rows:
        bulk_create_with_history(
            rows, model, default_change_reason=history_reason(), default_date=history_moment()
        )


def _rows_sync(
    *, model: type, stored: list[Any], wanted: list[Any], fields: tuple[str, ...], key: tuple[str, ...] = (),
    order: Callable[[list[Any]], list[Any]] | None = None,
) -> bool:
    """Make a decision's stored rows of one kind (sources, appeal events, articles cited) the wanted ones.

    `wanted` are unsaved rows, compared by `fields`; `order` puts rows the way the database returns them
    (None: their order does not matter). A stored row that a wanted one repeats is kept, one with the same
    `key` (a source's URL) is changed in place, and only the others are deleted or created: the history
    then says what changed, not that everything was removed and added again. Where keeping rows would
    leave them in another order than the wanted one, all are replaced. Returns whether anything changed.
    """
    def values(row: Any) -> tuple:
        return tuple(getattr(row, name) for name in fields)

    def listed(rows: list[Any]) -> list[tuple]:
        return [values(row) for row in order(rows)] if order else sorted(values(row) for row in rows)

    if listed(stored) == listed(wanted):
        return False
    unmatched: dict[tuple, list[Any]] = {}
    for row in stored:
        unmatched.setdefault(tuple(getattr(row, name) for name in key or fields), []).append(row)
    updates, new = {}, []
    for row in wanted:
        if same := unmatched.get(tuple(getattr(row, name) for name in key or fields)):
            kept = same.pop(0)
            if values(kept) != values(row):
                updates[kept.pk] = row
        else:
            new.append(row)
    gone = [row for rows in unmatched.values() for row in rows]
    remaining = [updates.get(row.pk, row) for row in stored if row not in gone]
    if order and listed(remaining + new) != listed(wanted):
        gone, updates, new = stored, {}, wanted
    if gone:
        model.objects.filter(pk__in=[row.pk for row in gone]).delete()  # its signals record each row
    for row in stored:
        if row.pk in updates:
            for name in fields:
                setattr(row, name, getattr(updates[row.pk], name))
            row.save(update_fields=fields)
    _bulk_create(model, new)
    return True


def _record_reason(record: DecisionRecord) -> str:
    """Why the history says a record's decision changed: the import, and where the record came from."""
    if record.external_id:
        return f"import: {record.external_source} {record.external_id}"
    return f"import: {REFERENCE_PREFIX}{record.number}" if record.number else "import"


def decision_upsert(
    *, record: DecisionRecord, from_source: bool = False, publish: bool = False
) -> tuple[Decision, Change]:
    """Create or update the decision a record describes; a second call with the same record changes nothing.

    A record with a reference (FT-<n>), or with neither reference nor external id, is the register's own
    data (an editor's file, the bundled register): it is written as given, over what is stored; without a
    reference the decision is found by its twin (see decision_twin). A record from a source, with an
    external id and no reference, is merged instead (see _decision_merge): it never overwrites an
    editor's correction. `from_source` says the record comes from an outside source: an unknown
    authority is then created, and new authorities and organisations are flagged for review.
    `publish` says whether a decision it creates is published (otherwise a draft); updating a decision
    never changes whether it is published.
    Raises RecordError when the record cannot be stored (unknown authority, inconsistent appeals, no rate).
    What it changes is one change in the history, with the record's origin as its reason (unless the
    caller's change set gives another).
    """
    with change_set(_record_reason(record)):
        authority = _authority_for_record(record, from_source=from_source)
        if record.external_id and not record.number:
            return _decision_merge(record=record, authority=authority, from_source=from_source, publish=publish)
        decision = None
        if record.number:
            decision = Decision.objects.filter(number=record.number).first()
        elif organisation := organisation_find(record.organisation):
            decision = decision_twin(record=record, authority=authority, organisation=organisation)
        with transaction.atomic():
            decision, change = _decision_write(
                record=record, authority=authority, decision=decision, from_source=from_source, publish=publish
            )
            if record.external_id:
                _provenance_ensure(decision=decision, record=record)
        return decision, change


def _decision_write(
    *, record: DecisionRecord, authority: Authority, decision: Decision | None, from_source: bool,
    publish: bool = False,
) -> tuple[Decision, Change]:
    """Write every field of the record over the decision (a new one when None, published if `publish`)."""
    stored_appeals = list(decision.appeals.all()) if decision else []
    given_appeals = None if record.appeals is None else appeals_in_order(record.appeals)
    appeals = given_appeals if given_appeals is not None else stored_appeals
    entered_status = record.status or (decision.status if decision else Status.IMPOSED)
    problems = standing_problems(
        amount=record.amount, status=entered_status, current_amount=record.current_amount, appeals=appeals
    )
    if problems:
        raise RecordError(problems)
    status, current = standing_after_appeals(amount=record.amount, status=entered_status, appeals=appeals)

    organisation = _organisation_for_record(record, from_source=from_source)
    values = {
        "authority": authority,
        "organisation": organisation,
        "decision_date": record.decision_date,
        "date_precision": record.date_precision,
        "announced_date": record.announced_date,
        "amount": record.amount,
        "currency": record.currency,
        "current_amount": current,
        "status": status,
        "legal_basis": record.legal_basis,
        "violation_type": record.violation_type,
        "sector": record.sector or organisation.sector,
        "case_number": record.case_number,
        "summary": record.summary,
    }
    if record.external_id or decision is None:
        values |= {"external_source": record.external_source, "external_id": record.external_id}
    if record.external_id:
        other = Decision.objects.filter(external_source=record.external_source, external_id=record.external_id)
        if decision is not None:
            other = other.exclude(pk=decision.pk)
        if twin := other.first():
            raise RecordError([f"{record.external_source} {record.external_id} already describes {twin.reference}"])
    if decision is None:
        change = Change.CREATED
        decision = Decision(**values, is_published=publish)
        if record.number:
            decision.number = record.number
            _reference_counter_raise(record.number)
        else:
            decision.number = decision_next_number()
    else:
        change = Change.UPDATED if _assign(decision, values) else Change.UNCHANGED
    converted_before = _converted(decision)
    try:
        decision_convert(decision=decision)
    except ConversionError as error:
        raise RecordError([f"no EUR conversion: {error}"]) from None
    if change == Change.UNCHANGED and _converted(decision) != converted_before:
        change = Change.UPDATED
    if change != Change.UNCHANGED or decision.pk is None:
        decision.full_clean(validate_unique=False, validate_constraints=False)
        decision.save()

    if _sync_articles(decision, record.articles, created=change == Change.CREATED):
        change = change if change == Change.CREATED else Change.UPDATED
    if _sync_sources(decision, record.sources):
        change = change if change == Change.CREATED else Change.UPDATED
    if given_appeals is not None and _rows_sync(
        model=AppealEvent, stored=stored_appeals, fields=APPEAL_FIELDS, order=appeals_in_order,
        wanted=[AppealEvent(decision=decision, **asdict(appeal)) for appeal in given_appeals],
    ):
        change = change if change == Change.CREATED else Change.UPDATED
    return decision, change


# The fields a source can say something about, each compared on its own in the three-way merge. Values
# are kept as JSON-friendly strings (appeals as a list of rows), the same way for a record and a decision.
MERGED_FIELDS = (
    "authority", "organisation", "decision_date", "announced_date", "amount", "currency", "status",
    "legal_basis", "violation_type", "sector", "case_number", "summary", "articles", "appeals",
)


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _appeal_values(appeals: Iterable[Any]) -> list[list[str]]:
    return [
        [a.date.isoformat() if a.date else "", a.date_precision, a.body, a.case_number, a.outcome,
         _money(a.amount_after), a.source_url, a.note]
        for a in appeals
    ]


def _record_values(record: DecisionRecord, *, authority: Authority, organisation: Organisation) -> dict[str, Any]:
    """What a record says, field by field; a field the source leaves empty says nothing."""
    values: dict[str, Any] = {
        "authority": authority.slug,
        "organisation": str(organisation.pk),
        "amount": _money(record.amount),
        "currency": record.currency,
    }
    if record.decision_date:
        values["decision_date"] = f"{record.decision_date.isoformat()} {record.date_precision}"
    optional = {
        "announced_date": record.announced_date.isoformat() if record.announced_date else "",
        "status": record.status,
        "legal_basis": record.legal_basis if record.legal_basis != LegalBasis.GDPR else "",
        "violation_type": record.violation_type,
        "sector": record.sector,
        "case_number": record.case_number,
        "summary": record.summary,
        "articles": "; ".join(sorted(record.articles)),
    }
    values |= {name: value for name, value in optional.items() if value}
    if record.appeals:
        values["appeals"] = _appeal_values(appeals_in_order(record.appeals))
    return values


def _decision_values(decision: Decision) -> dict[str, Any]:
    """What the register says, in the same form as _record_values."""
    return {
        "authority": decision.authority.slug,
        "organisation": str(decision.organisation_id),
        "decision_date": (
            f"{decision.decision_date.isoformat()} {decision.date_precision}" if decision.decision_date else ""
        ),
        "announced_date": decision.announced_date.isoformat() if decision.announced_date else "",
        "amount": _money(decision.amount),
        "currency": decision.currency,
        "status": decision.status,
        "legal_basis": decision.legal_basis,
        "violation_type": decision.violation_type,
        "sector": decision.sector,
        "case_number": decision.case_number,
        "summary": decision.summary,
        "articles": "; ".join(sorted(decision.article_citations.values_list("provision", flat=True))),
        "appeals": _appeal_values(decision.appeals.all()),
    }


def _decision_merge(
    *, record: DecisionRecord, authority: Authority, from_source: bool, publish: bool = False
) -> tuple[Decision, Change]:
    """Merge what a source says about a decision into the register, field by field (a three-way merge).

    The base is what the same source said last time (its Provenance). A field the source did not change
    is left alone; one only the source changed is applied; one an editor changed too, to something else,
    is kept and recorded as a Disagreement for an editor. A decision first seen in another source is
    linked (a second provenance) rather than created again: it fills what the register leaves blank, and
    where it says otherwise, that is a disagreement too. Sources (URLs) are only ever added.
    """
    provenance = (
        Provenance.objects.select_related("decision__authority")
        .filter(source=record.external_source, external_id=record.external_id)
        .first()
    )
    with transaction.atomic():
        organisation = _organisation_for_record(record, from_source=from_source)
        if provenance is None:
            twin = decision_twin(
                record=record, authority=authority, organisation=organisation, other_than_source=record.external_source
            )
            if twin is None:
                decision, _ = _decision_write(
                    record=record, authority=authority, decision=None, from_source=from_source, publish=publish
                )
                _provenance_ensure(decision=decision, record=record)
                return decision, Change.CREATED
            provenance = Provenance.objects.create(
                decision=twin, source=record.external_source, external_id=record.external_id
            )
        decision = provenance.decision
        theirs = _record_values(record, authority=authority, organisation=organisation)
        ours = _decision_values(decision)
        base = provenance.values
        changed = theirs != base
        applied: dict[str, Any] = {}
        for name, value in theirs.items():
            before = base.get(name, [] if name == "appeals" else "")  # a source that said nothing said ""
            if value == before:
                continue  # the source did not change it: whatever the register says stands
            if value == ours[name]:
                changed |= _disagreement_settle(provenance=provenance, field=name)
            elif ours[name] == before:
                applied[name] = value  # only the source changed it (or it fills a blank)
            else:
                _disagreement_note(provenance=provenance, field=name, register=ours[name], source=value)
        if applied:
            decision_values_apply(decision=decision, values=applied)
        changed |= _sources_add(decision, record.sources)
        if theirs != base:
            provenance.values, provenance.changed_at = theirs, timezone.now()
            provenance.save(update_fields=["values", "changed_at"])
    return decision, Change.UPDATED if changed or applied else Change.UNCHANGED


def _provenance_ensure(*, decision: Decision, record: DecisionRecord) -> None:
    """Record where a decision written from a record came from, with what that source said."""
    values = _record_values(record, authority=decision.authority, organisation=decision.organisation)
    provenance, created = Provenance.objects.get_or_create(
        source=record.external_source, external_id=record.external_id,
        defaults={"decision": decision, "values": values},
    )
    if not created and provenance.decision_id != decision.pk:
        raise RecordError([
            f"{record.external_source} {record.external_id} already describes {provenance.decision.reference}"
        ])
    if not created and provenance.values != values:
        provenance.values, provenance.changed_at = values, timezone.now()
        provenance.save(update_fields=["values", "changed_at"])


def _value_text(name: str, value: Any) -> str:
    """A merged value as an editor reads it: names rather than ids, appeals one per line."""
    if name == "organisation" and value:
        return Organisation.objects.filter(pk=value).values_list("name", flat=True).first() or value
    if name == "decision_date" and value:
        day, precision = value.split()
        return {DatePrecision.YEAR: day[:4], DatePrecision.MONTH: day[:7]}.get(precision, day)
    if name == "appeals":
        return "\n".join(" · ".join(part for part in row if part) for row in value)
    if name in ("status", "legal_basis", "violation_type", "sector") and value:
        return str(dict(Decision._meta.get_field(name).flatchoices).get(value, value))
    return value


def _disagreement_note(*, provenance: Provenance, field: str, register: Any, source: Any) -> None:
    Disagreement.objects.update_or_create(
        provenance=provenance, field=field, resolved_at=None,
        defaults={
            "decision": provenance.decision,
            "register_value": _value_text(field, register),
            "source_value": _value_text(field, source),
        },
    )


def _disagreement_settle(*, provenance: Provenance, field: str) -> bool:
    """The register and the source agree again: an open disagreement on the field is resolved."""
    return bool(
        Disagreement.objects.filter(provenance=provenance, field=field, resolved_at=None).update(
            resolved_at=timezone.now()
        )
    )


def decision_values_apply(*, decision: Decision, values: dict[str, Any]) -> None:
    """Write merged values (in the form of _record_values) into a decision, its articles and appeals.

    The status and the amount that stands now are derived again; a result that does not hold together
    (e.g. a new amount that no longer matches the appeal rulings) raises RecordError.
    """
    for name, value in values.items():
        if name == "authority":
            decision.authority = Authority.objects.get(slug=value)
        elif name == "organisation":
            decision.organisation = Organisation.objects.get(pk=value)
        elif name == "decision_date":
            day, precision = value.split() if value else ("", DatePrecision.UNKNOWN)
            decision.decision_date = datetime.date.fromisoformat(day) if day else None
            decision.date_precision = precision
        elif name == "announced_date":
            decision.announced_date = datetime.date.fromisoformat(value) if value else None
        elif name == "amount":
            decision.amount = Decimal(value)
        elif name == "articles":
            _sync_articles(decision, [p for p in value.split("; ") if p], created=False)
        elif name == "appeals":
            _rows_sync(model=AppealEvent, stored=list(decision.appeals.all()), fields=APPEAL_FIELDS, wanted=[
                AppealEvent(
                    decision=decision, date=datetime.date.fromisoformat(day) if day else None,
                    date_precision=precision, body=body, case_number=case, outcome=outcome,
                    amount_after=Decimal(after) if after else None, source_url=url, note=note,
                )
                for day, precision, body, case, outcome, after, url, note in value
            ], order=appeals_in_order)
        elif name in MERGED_FIELDS:
            setattr(decision, name, value)
    appeals = appeals_in_order(decision.appeals.all())
    entered = decision.status if not appeals else Status.IMPOSED
    problems = standing_problems(amount=decision.amount, status=entered, current_amount=None, appeals=appeals)
    if problems:
        raise RecordError(problems)
    decision.status, decision.current_amount = standing_after_appeals(
        amount=decision.amount, status=entered, appeals=appeals
    )
    try:
        decision_convert(decision=decision)
    except ConversionError as error:
        raise RecordError([f"no EUR conversion: {error}"]) from None
    decision.full_clean(validate_unique=False, validate_constraints=False)
    decision.save()


def _sources_add(decision: Decision, sources: Iterable[Any]) -> bool:
    """Add the sources a decision does not have yet (by URL); those it has, an editor may have retitled."""
    known = set(decision.sources.values_list("url", flat=True))
    new = [s for s in sources if s.url not in known]
    _bulk_create(Source, [
        Source(decision=decision, url=s.url, title=s.title, language=s.language, kind=s.kind) for s in new
    ])
    return bool(new)


def _sync_articles(decision: Decision, provisions: list[str], *, created: bool) -> bool:
    return _rows_sync(
        model=ArticleCitation, stored=[] if created else list(decision.article_citations.all()),
        wanted=[ArticleCitation(decision=decision, article_id=article_number(p), provision=p) for p in provisions],
        fields=("provision",),
    )


def _sync_sources(decision: Decision, sources: list[Any]) -> bool:
    stored = list(decision.sources.order_by("id"))
    # A CSV row names its sources by URL alone: a URL the decision already has keeps its title, language
    # and kind, so that re-importing an export changes nothing.
    known = {source.url: source for source in stored}
    sources = [known.get(source.url, source) if _url_only(source) else source for source in sources]
    return _rows_sync(
        model=Source, stored=stored, fields=SOURCE_FIELDS, key=("url",), order=list, wanted=[
            Source(decision=decision, url=s.url, title=s.title, language=s.language, kind=s.kind) for s in sources
        ],
    )


def _url_only(source: Any) -> bool:
    return not source.title and not source.language and source.kind == SourceKind.PRESS_RELEASE


@dataclass
class LoadReport:
    counts: dict[str, Counter] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)

    def count(self, kind: str, change: Change) -> None:
        self.counts.setdefault(kind, Counter())[change] += 1

    @property
    def changed(self) -> bool:
        return any(c[Change.CREATED] or c[Change.UPDATED] for c in self.counts.values())


class _DryRun(Exception):
    pass


def register_load(*, data: bytes, dry_run: bool = False) -> LoadReport:
    """Load an interchange JSON document with optional "authorities" and "organisations" lists.

    All or nothing: if any row has a problem, nothing is written and the report lists every problem.
    """
    report = LoadReport()
    header, rows = read_json(data)
    try:
        with transaction.atomic(), change_set("bundled register"):
            for item in header.get("authorities", []):
                _, change = authority_upsert(**{k: item.get(k, "") for k in
                                                ("slug", "short_name", "name", "country", "kind", "website")})
                report.count("authorities", change)
            organisations = header.get("organisations", [])
            # Parents first, so that every subsidiary finds its group.
            numbered = sorted(enumerate(organisations, 1), key=lambda pair: bool(pair[1].get("parent")))
            for index, item in numbered:
                parent = Organisation.objects.filter(name=item.get("parent")).first() if item.get("parent") else None
                if not item.get("name") or (item.get("parent") and parent is None):
                    reason = "has no name" if not item.get("name") else f"names an unknown parent {item['parent']!r}"
                    report.problems.append(RowProblem(index, f"organisation {item.get('name', '?')}", [reason]))
                    continue
                try:
                    turnover = turnover_record(item.get("turnover"))
                except RecordError as error:
                    report.problems.append(RowProblem(index, f"organisation {item['name']}", error.problems))
                    continue
                _, change = organisation_upsert(
                    name=item["name"], country=item.get("country", ""), sector=item.get("sector", ""),
                    parent=parent, aliases=item.get("aliases", []), turnover=turnover,
                )
                report.count("organisations", change)
            for index, row in rows:
                try:
                    with transaction.atomic():
                        # The register's own curated data: published as it is loaded.
                        _, change = decision_upsert(record=decision_record(row), publish=True)
                except RecordError as error:
                    report.problems.append(RowProblem(index, row_label(row), error.problems))
                else:
                    report.count("decisions", change)
            if report.problems or dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


# Merging organisations (one kept, one merged into it) and bulk entry (an editor's interchange CSV).


@dataclass(frozen=True)
class OrganisationMerge:
    """What merging one organisation into another moves and fills in: planned, or (once returned by
    organisation_merge) done. `refused` says why it cannot be done; "" when it can."""

    keep: Organisation
    merge: Organisation
    decisions: int
    subsidiaries: int
    aliases: tuple[str, ...]  # the merged one's names that the kept one gains as aliases
    filled: tuple[str, ...]  # the kept one's blank fields taken from the merged one (verbose names)
    refused: str = ""


def _organisation_ancestors(organisation: Organisation) -> list[int]:
    """The pks of the organisation's parent group, its parent group, and so on up."""
    ancestors: list[int] = []
    parent = organisation.parent_id
    while parent is not None and parent not in ancestors:
        ancestors.append(parent)
        parent = Organisation.objects.filter(pk=parent).values_list("parent_id", flat=True).first()
    return ancestors


def _merge_fill(keep: Organisation, merge: Organisation) -> dict[str, Any]:
    """The values of the kept organisation's blank fields that the merged one has."""
    values: dict[str, Any] = {}
    for name in ("country", "sector"):
        if not getattr(keep, name) and getattr(merge, name):
            values[name] = getattr(merge, name)
    if keep.turnover is None and merge.turnover is not None:
        # One figure: the amount goes with its currency, year and source (organisation_turnover_complete).
        values |= {name: getattr(merge, name) for name in
                   ("turnover", "turnover_currency", "turnover_year", "turnover_source")}
    if keep.parent_id is None and merge.parent_id is not None and merge.parent_id != keep.pk:
        # Not a group that lies within either of the two: the kept one would end up inside its own group.
        if not {keep.pk, merge.pk} & set(_organisation_ancestors(merge.parent)):
            values["parent"] = merge.parent
    return values


def _merge_aliases(keep: Organisation, merge: Organisation) -> list[str]:
    """The merged one's name and aliases, less those the kept one already matches (same name_key)."""
    known = {name_key(keep.name)} | {name_key(name) for name in keep.aliases.values_list("name", flat=True)}
    names = []
    for name in [merge.name, *merge.aliases.order_by("name").values_list("name", flat=True)]:
        if (key := name_key(name)) not in known:
            known.add(key)
            names.append(name)
    return names


def organisation_merge_plan(*, keep: Organisation, merge: Organisation) -> OrganisationMerge:
    """What organisation_merge would do (or why it refuses), without changing anything."""
    refused = ""
    if keep.pk == merge.pk:
        refused = gettext("An organisation cannot be merged into itself.")
    elif merge.pk in _organisation_ancestors(keep):
        refused = gettext(
            "“%(keep)s” is within the group of “%(merge)s”: keeping it would make it its own parent group. "
            "Keep “%(merge)s” instead, or change the parent group of “%(keep)s” first."
        ) % {"keep": keep.name, "merge": merge.name}
    filled = _merge_fill(keep, merge)
    return OrganisationMerge(
        keep=keep,
        merge=merge,
        decisions=merge.decisions.count(),
        subsidiaries=merge.subsidiaries.count(),
        aliases=tuple(_merge_aliases(keep, merge)),
        filled=tuple(
            str(Organisation._meta.get_field(name).verbose_name)
            for name in ("country", "sector", "parent", "turnover") if name in filled
        ),
        refused=refused,
    )


@transaction.atomic
def organisation_merge(*, keep: Organisation, merge: Organisation) -> OrganisationMerge:
    """Merge `merge` into `keep`, which stays; `merge` is deleted. Every decision is kept.

    The merged one's decisions and subsidiaries move to the kept one, its name and aliases become the
    kept one's aliases (so imports still find it), and the kept one's blank fields are filled from it.
    Rows are saved one by one, not with queryset.update(), so that the change history records each.
    Raises ValidationError when the merge is refused (see organisation_merge_plan).
    """
    try:
        keep = Organisation.objects.select_for_update().get(pk=keep.pk)
        merge = Organisation.objects.select_for_update().get(pk=merge.pk)
    except Organisation.DoesNotExist:
        raise ValidationError(gettext("The organisation no longer exists; it may have been merged already.")) from None
    plan = organisation_merge_plan(keep=keep, merge=merge)
    if plan.refused:
        raise ValidationError(plan.refused)
    reason = f"merged {merge.name} (#{merge.pk}) into {keep.name} (#{keep.pk})"
    with change_set(reason):
        moved = []
        for decision in Decision.objects.select_for_update().filter(organisation=merge):
            decision.organisation = keep
            decision.save(update_fields=["organisation", "updated_at"])
            moved.append(decision.pk)
        # What a source last said names the organisation by pk: point it at the kept one too, or the next
        # import would see the organisation change and count the decision as updated.
        for provenance in Provenance.objects.filter(decision__in=moved):
            if provenance.values.get("organisation") == str(merge.pk):
                provenance.values["organisation"] = str(keep.pk)
                provenance.save(update_fields=["values"])
        for subsidiary in Organisation.objects.select_for_update().filter(parent=merge):
            subsidiary.parent = keep
            subsidiary.save(update_fields=["parent"])

        names = set(plan.aliases)
        for alias in merge.aliases.all():
            if alias.name in names:  # the others repeat a name the kept one has: they go with the merged one
                alias.organisation, alias.name_key = keep, name_key(alias.name)
                alias.save()
                names.discard(alias.name)
        if merge.name in names:
            OrganisationAlias.objects.create(organisation=keep, name=merge.name, name_key=name_key(merge.name))

        if filled := _merge_fill(keep, merge):
            _assign(keep, filled)
            keep.full_clean()
            keep.save()
        merge.delete()
    return plan


PROBLEM = "problem"  # a row's outcome when it cannot be stored, beside the Change values


class UploadTooLarge(ValueError):
    """The file has more rows than one upload may apply; the message says so and what to do instead."""


@dataclass(frozen=True)
class UploadRow:
    """One row of an uploaded file and what applying it did, or would do."""

    row: int
    label: str
    outcome: str  # a Change value, or PROBLEM
    reason: str = ""
    decision: int | None = None  # the decision's pk, when it exists after the apply
    reference: str = ""


@dataclass
class UploadReport:
    rows: list[UploadRow] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        counts = Counter(row.outcome for row in self.rows)
        return {outcome: counts[outcome] for outcome in (*(change.value for change in Change), PROBLEM)}

    @property
    def changed(self) -> list[int]:
        """The pks of the decisions created or updated."""
        return [row.decision for row in self.rows
                if row.decision and row.outcome in (Change.CREATED, Change.UPDATED)]


def _record_label(record: DecisionRecord) -> str:
    date = record.decision_date.isoformat() if record.decision_date else "?"
    parts = [f"{REFERENCE_PREFIX}{record.number}"] if record.number else []
    return " · ".join([*parts, record.organisation, record.authority, date, f"{record.amount} {record.currency}"])


def _decision_of_record(record: DecisionRecord) -> Decision | None:
    """The decision that decision_upsert wrote a record to, found again the way it finds one."""
    if record.number:
        return Decision.objects.filter(number=record.number).first()
    if record.external_id:
        provenance = (
            Provenance.objects.select_related("decision")
            .filter(source=record.external_source, external_id=record.external_id).first()
        )
        return provenance.decision if provenance else None
    authority = authority_find(name=record.authority, country=record.country)
    organisation = organisation_find(record.organisation)
    if authority is None or organisation is None:
        return None
    return decision_twin(record=record, authority=authority, organisation=organisation)


def decision_upload_apply(
    *, data: bytes, publish: bool = False, dry_run: bool = False, max_rows: int | None = None
) -> UploadReport:
    """Apply an editor's interchange CSV as the importer does, and say what became of each row.

    Every row goes through importing.result_apply, the importer's own path (a savepoint a row,
    decision_upsert), one row at a time so that its outcome is known. The decisions it creates are
    drafts unless `publish`. With `dry_run` everything is rolled back, the way `import_file --dry-run`
    does it. Raises UnreadableSource when the file cannot be read at all, and UploadTooLarge when it
    has more than `max_rows` rows.
    """
    from .importers import AdapterResult  # here, not at the top: importing imports this module
    from .importers.interchange import read_interchange_csv
    from .importing import result_apply

    result = read_interchange_csv(data)
    if max_rows is not None and (rows := len(result.records) + len(result.problems)) > max_rows:
        raise UploadTooLarge(gettext(
            "The file has %(rows)d rows; one upload applies at most %(max)d. Split it into smaller files "
            "(or have it imported with “manage.py import_file”)."
        ) % {"rows": rows, "max": max_rows})
    report = UploadReport([UploadRow(p.row, p.label, PROBLEM, "; ".join(p.problems)) for p in result.problems])
    created: set[int] = set()
    try:
        with transaction.atomic(), change_set("bulk entry"):
            for row, record in result.records:
                outcome = result_apply(result=AdapterResult(records=[(row, record)]), source=None, publish=publish)
                if outcome.failed:
                    reason = "; ".join(reason for _, _, reason in outcome.problems)
                    report.rows.append(UploadRow(row, _record_label(record), PROBLEM, reason))
                    continue
                change = next(change for change in Change if getattr(outcome, change.value))
                decision = _decision_of_record(record)
                if decision is not None and change == Change.CREATED:
                    created.add(decision.pk)
                # A dry run's new decisions vanish with it, and so do the numbers they were given.
                known = decision is not None and not (dry_run and decision.pk in created)
                report.rows.append(UploadRow(
                    row, _record_label(record), change.value,
                    decision=decision.pk if known else None, reference=decision.reference if known else "",
                ))
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    report.rows.sort(key=lambda upload_row: upload_row.row)
    return report
