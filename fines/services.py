"""Writes to the register. Every change to decisions, authorities and organisations goes through here."""
from __future__ import annotations

import datetime
import enum
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify

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
    AppealEvent,
    ArticleCitation,
    Authority,
    Decision,
    Organisation,
    OrganisationAlias,
    ReferenceCounter,
    Source,
)
from .names import name_key
from .vocabularies import APPEAL_STATUSES, RULING_OUTCOMES, SourceKind, Status


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
    """An authority by slug, short name or full name (short names repeat across countries: Datatilsynet)."""
    by_slug = Authority.objects.filter(slug=name).first()
    if by_slug:
        return by_slug
    in_country = Authority.objects.filter(country=country)
    found = in_country.filter(short_name__iexact=name).first() or in_country.filter(name__iexact=name).first()
    # Sources often write "National Commission for Data Protection (CNPD)": try the acronym.
    if found is None and (acronym := _ACRONYM.search(name)):
        found = in_country.filter(short_name__iexact=acronym[1]).first()
    return found


def organisation_find(name: str) -> Organisation | None:
    key = name_key(name)
    return (
        Organisation.objects.filter(name=name).first()
        or Organisation.objects.filter(name_key=key).order_by("pk").first()
        or Organisation.objects.filter(aliases__name_key=key).order_by("pk").first()
    )


def organisation_upsert(
    *, name: str, country: str = "", sector: str = "", parent: Organisation | None = None,
    aliases: Iterable[str] = (), turnover: TurnoverRecord | None = None,
) -> tuple[Organisation, Change]:
    """Create or update an organisation known by exactly this name; add any aliases it lacks."""
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
        organisation = Organisation(name=name, slug=_unique_slug(Organisation, name), **values)
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


def _organisation_for_record(record: DecisionRecord) -> Organisation:
    organisation = organisation_find(record.organisation)
    if organisation is not None:
        return organisation
    parent = None
    if record.group and name_key(record.group) != name_key(record.organisation):
        parent = organisation_find(record.group)
        if parent is None:
            parent, _ = organisation_upsert(name=record.group, sector=record.sector)
    organisation, _ = organisation_upsert(
        name=record.organisation, country=record.country, sector=record.sector, parent=parent
    )
    return organisation


def _decision_for_record(record: DecisionRecord) -> Decision | None:
    if record.number:
        return Decision.objects.filter(number=record.number).first()
    if record.external_id:
        return Decision.objects.filter(
            external_source=record.external_source, external_id=record.external_id
        ).first()
    return None


def _converted(decision: Decision) -> tuple:
    return (decision.amount_eur, decision.eur_rate, decision.eur_rate_date, decision.current_amount_eur)


def _appeal_rows(appeals: Iterable[Any]) -> list[tuple]:
    return [
        (a.date, a.date_precision, a.body, a.case_number, a.outcome, a.amount_after, a.source_url, a.note)
        for a in appeals
    ]


def _source_rows(sources: Iterable[Any]) -> list[tuple]:
    return [(s.url, s.title, s.language, s.kind) for s in sources]


def decision_upsert(*, record: DecisionRecord) -> tuple[Decision, Change]:
    """Create or update the decision a record describes; a second call with the same record changes nothing.

    The decision is found by its reference, else by its provenance (external source and id). Raises
    RecordError when the record cannot be stored (unknown authority, inconsistent appeals, no EUR rate).
    """
    authority = authority_find(name=record.authority, country=record.country)
    if authority is None:
        raise RecordError([f"authority {record.authority!r} ({record.country}) is not in the register"])
    if authority.country != record.country:
        raise RecordError([f"authority {record.authority!r} is in {authority.country}, not {record.country}"])

    decision = _decision_for_record(record)
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

    with transaction.atomic():
        organisation = _organisation_for_record(record)
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
            "external_source": record.external_source,
            "external_id": record.external_id,
        }
        if decision is None:
            change = Change.CREATED
            decision = Decision(**values)
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
        if given_appeals is not None and _appeal_rows(given_appeals) != _appeal_rows(stored_appeals):
            decision.appeals.all().delete()
            AppealEvent.objects.bulk_create(
                AppealEvent(decision=decision, **asdict(appeal)) for appeal in given_appeals
            )
            change = change if change == Change.CREATED else Change.UPDATED
    return decision, change


def _sync_articles(decision: Decision, provisions: list[str], *, created: bool) -> bool:
    stored = [] if created else list(decision.article_citations.values_list("provision", flat=True))
    if sorted(stored) == sorted(provisions):
        return False
    decision.article_citations.all().delete()
    ArticleCitation.objects.bulk_create(
        ArticleCitation(decision=decision, article_id=article_number(p), provision=p) for p in provisions
    )
    return True


def _sync_sources(decision: Decision, sources: list[Any]) -> bool:
    stored = list(decision.sources.order_by("id"))
    # A CSV row names its sources by URL alone: a URL the decision already has keeps its title, language
    # and kind, so that re-importing an export changes nothing.
    known = {source.url: source for source in stored}
    sources = [known.get(source.url, source) if _url_only(source) else source for source in sources]
    if _source_rows(stored) == _source_rows(sources):
        return False
    decision.sources.all().delete()
    Source.objects.bulk_create(
        Source(decision=decision, url=s.url, title=s.title, language=s.language, kind=s.kind) for s in sources
    )
    return True


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
        with transaction.atomic():
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
                        _, change = decision_upsert(record=decision_record(row))
                except RecordError as error:
                    report.problems.append(RowProblem(index, row_label(row), error.problems))
                else:
                    report.count("decisions", change)
            if report.problems or dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report
