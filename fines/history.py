"""A decision's change history put into words: the public "Changes" log and the editors' fuller one.

django-simple-history keeps a snapshot of a row at every save and delete (fines.models.RegisterHistory),
and the rows that one change writes share its moment (fines.models.change_set: an editor's save with its
inlines, one imported record). Here the snapshots of a decision, its appeal events, sources, cited
articles and organisation are replayed moment by moment, and what differs from one moment to the next
is said in the reader's language: field names by their verbose names, values by their choices' labels,
money and dates formatted as the pages format them.

The public log starts when the decision was first published: what it was as a draft was never public,
so the first published version is the log's starting point, not a list of changes. It never names an
editor nor gives the internal reason of a change, and leaves out what readers are not shown (EUR
conversions, which follow from the amount, currency and date; import ids; aliases).
"""
from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AppealEvent, ArticleCitation, Authority, Decision, Organisation, OrganisationAlias, Source
from .templatetags.fines import money, partial_date

# The reason of the first entry of rows that existed before the history was kept (migration 0012).
HISTORY_BEGINS = "history begins"

# What a reader sees of a decision, in the order the log names them. date_precision goes with
# decision_date; amounts are in the decision's currency.
DECISION_FIELDS = (
    "authority", "organisation", "decision_date", "announced_date", "amount", "currency", "current_amount",
    "amount_paid", "status", "legal_basis", "violation_type", "sector", "case_number", "summary",
)
EDITORS_DECISION_FIELDS = (*DECISION_FIELDS, "external_source", "external_id")
APPEAL_FIELDS = ("date", "body", "case_number", "outcome", "amount_after", "source_url", "note")
SOURCE_FIELDS = ("url", "title", "language", "kind")
MONEY_FIELDS = frozenset({"amount", "current_amount", "amount_paid", "amount_after"})
# Long texts: the log says that they changed, not what they say.
UNQUOTED_FIELDS = frozenset({"summary", "note", "source_url", "url"})
PRECISION = {"decision_date": "date_precision", "date": "date_precision"}


@dataclass(frozen=True)
class LogEntry:
    """What one change (one moment) changed, in words; `editor` and `reason` only in the editors' log."""

    moment: datetime.datetime
    changes: list[str]
    editor: str = ""
    reason: str = ""

    @property
    def date(self) -> datetime.date:
        return timezone.localdate(self.moment)


@dataclass(frozen=True)
class DecisionLog:
    """The log, oldest change first; `since` is the day it starts from (None: no history is known)."""

    since: datetime.date | None
    entries: list[LogEntry]


@dataclass
class _State:
    """The decision with its parts as they stood at one moment, as history snapshots by id."""

    decision: Any = None
    appeals: dict[int, Any] = field(default_factory=dict)
    sources: dict[int, Any] = field(default_factory=dict)
    citations: dict[int, Any] = field(default_factory=dict)
    organisations: dict[int, Any] = field(default_factory=dict)

    def copy(self) -> _State:
        return _State(self.decision, dict(self.appeals), dict(self.sources), dict(self.citations),
                      dict(self.organisations))


def decision_log(decision: Decision, *, editors: bool = False) -> DecisionLog:
    """The decision's changes: for readers from its first publication on; for `editors`, all of them, with
    who made each and why. Five queries however long the history, and at most two more when an authority
    or parent group that a change names has been deleted since."""
    moments = _moments(decision, editors=editors)
    names = _Names(moments)
    state, entries, since, published = _State(), [], None, False
    for moment, records in moments:
        before = state.copy()
        for kind, record in records:
            _apply(state, kind, record)
        if state.decision is None or not (since or editors or state.decision.is_published):
            continue  # before the decision, or a draft that was never public
        if since is None:
            since = timezone.localdate(moment)
            if any(kind == "decision" and r.history_change_reason == HISTORY_BEGINS for kind, r in records):
                changes = [_("history begins")] if editors else []  # what came before is not known
            else:
                changes = [_("created")] if editors else []
                changes += [_("published")] if state.decision.is_published else []
        else:
            changes = _changes(before, state, names, editors=editors, published_before=published)
        published |= state.decision.is_published
        if changes:
            entries.append(_entry(moment, changes, records, editors=editors))
    return DecisionLog(since=since, entries=entries)


def alias_log(organisation: Organisation) -> list[LogEntry]:
    """For editors: the organisation's aliases added, renamed and removed, with who and why (one query)."""
    entries, names = [], {}
    records = OrganisationAlias.history.filter(organisation_id=organisation.pk).select_related("history_user")
    for record in records.order_by("history_date", "history_id"):
        old = names.get(record.id)
        if record.history_type == "-":
            change = _("alias removed: %(name)s") % {"name": record.name}
            names.pop(record.id, None)
        else:
            names[record.id] = record.name
            if old == record.name:
                continue
            change = (_("alias added: %(name)s") % {"name": record.name} if old is None
                      else _("alias %(old)s → %(new)s") % {"old": old, "new": record.name})
        entries.append(_entry(record.history_date, [change], [("alias", record)], editors=True))
    return entries


def _entry(
    moment: datetime.datetime, changes: list[str], records: list[tuple[str, Any]], *, editors: bool
) -> LogEntry:
    if not editors:
        return LogEntry(moment, changes)
    editor = next((r.history_user.get_username() for kind, r in records if r.history_user_id and r.history_user), "")
    reason = next((r.history_change_reason for kind, r in records if r.history_change_reason), "")
    return LogEntry(moment, changes, editor=editor, reason=reason)


def _moments(decision: Decision, *, editors: bool) -> list[tuple[datetime.datetime, list[tuple[str, Any]]]]:
    """Every snapshot of the decision and its parts, grouped by the moment of the change that wrote it."""
    def snapshots(query: models.QuerySet, *related: str) -> models.QuerySet:
        related = (*related, "history_user") if editors else related
        return query.select_related(*related) if related else query

    queries = {
        "decision": snapshots(Decision.history.filter(id=decision.pk), "authority", "organisation"),
        "appeal": snapshots(AppealEvent.history.filter(decision_id=decision.pk)),
        "source": snapshots(Source.history.filter(decision_id=decision.pk)),
        "citation": snapshots(ArticleCitation.history.filter(decision_id=decision.pk)),
        # Every organisation the decision named: one renamed before a merge moved the decision away from it.
        "organisation": snapshots(Organisation.history.filter(
            id__in=Decision.history.filter(id=decision.pk).values("organisation_id")
        ), "parent"),
    }
    records = [
        (record.history_date, record.history_id, kind, record)
        for kind, query in queries.items()
        for record in query.order_by()
    ]
    order = {kind: index for index, kind in enumerate(queries)}
    records.sort(key=lambda item: (item[0], order[item[2]], item[1]))
    moments: list[tuple[datetime.datetime, list[tuple[str, Any]]]] = []
    for moment, _id, kind, record in records:
        if not moments or moments[-1][0] != moment:
            moments.append((moment, []))
        moments[-1][1].append((kind, record))
    return moments


def _apply(state: _State, kind: str, record: Any) -> None:
    if kind == "decision":
        state.decision = record
        return
    rows = {"appeal": state.appeals, "source": state.sources, "citation": state.citations,
            "organisation": state.organisations}[kind]
    if record.history_type == "-":
        rows.pop(record.id, None)
    else:
        rows[record.id] = record


class _Names:
    """The names of the authorities and organisations that the snapshots point to, as they are now.

    Snapshots of decisions and organisations carry them (select_related); one deleted since, such as an
    organisation merged into another, is named by its last snapshot: read for the log already, or looked
    up at the first need, for all such at once.
    """

    def __init__(self, moments: list[tuple[datetime.datetime, list[tuple[str, Any]]]]):
        self.known: dict[tuple[str, int], str] = {}
        self.wanted: set[tuple[str, int]] = set()
        for _moment, records in moments:
            for kind, record in records:
                if kind == "decision":
                    related = [("authority", record.authority_id, record.authority),
                               ("organisation", record.organisation_id, record.organisation)]
                elif kind == "organisation":
                    self.known["organisation", record.id] = record.name
                    related = [("organisation", record.parent_id, record.parent)]
                else:
                    continue
                for model, pk, instance in related:
                    if instance is not None:
                        self.known[model, pk] = instance.short_name if model == "authority" else instance.name
                    elif pk is not None:
                        self.wanted.add((model, pk))
        self.looked_up = False

    def __call__(self, model: str, pk: int | None) -> str:
        if pk is None:
            return "–"
        if (model, pk) not in self.known and not self.looked_up:
            self.looked_up = True
            for name, history, attribute in (("authority", Authority.history, "short_name"),
                                             ("organisation", Organisation.history, "name")):
                if pks := {pk for kind, pk in self.wanted - self.known.keys() if kind == name}:
                    last = history.filter(id__in=pks).order_by("history_date", "history_id")
                    self.known |= {(name, pk): text for pk, text in last.values_list("id", attribute)}
        return self.known.get((model, pk), f"#{pk}")


def _changes(before: _State, after: _State, names: _Names, *, editors: bool, published_before: bool) -> list[str]:
    changes = []
    old, new = before.decision, after.decision
    if old.is_published != new.is_published:
        if not new.is_published:
            changes.append(_("unpublished"))
        else:
            changes.append(_("published again") if published_before else _("published"))
    fields = EDITORS_DECISION_FIELDS if editors else DECISION_FIELDS
    changes += _field_changes(Decision, old, new, fields, names=names, currency=(old.currency, new.currency))
    currency = new.currency
    changes += _row_changes(
        before.appeals, after.appeals, model=AppealEvent, fields=APPEAL_FIELDS, currency=currency,
        describe=_appeal_text, added=_("appeal added: %(row)s"), removed=_("appeal removed: %(row)s"),
        changed=_("appeal %(row)s: %(changes)s"),
    )
    changes += _row_changes(
        before.sources, after.sources, model=Source, fields=SOURCE_FIELDS, currency=currency, key="url",
        describe=lambda row: row.title or row.url, added=_("source added: %(row)s"),
        removed=_("source removed: %(row)s"), changed=_("source %(row)s: %(changes)s"),
    )
    changes += _row_changes(
        before.citations, after.citations, model=ArticleCitation, fields=("provision",), currency=currency,
        added=_("article cited: %(row)s"), removed=_("article no longer cited: %(row)s"), changed="",
        describe=lambda row: f"{_('Art.')} {row.provision}",
    )
    was, organisation = before.organisations.get(old.organisation_id), after.organisations.get(new.organisation_id)
    if was is not None and organisation is not None and old.organisation_id == new.organisation_id:
        if was.name != organisation.name:
            changes.append(_("organisation renamed: %(old)s → %(new)s") % {"old": was.name, "new": organisation.name})
        if was.parent_id != organisation.parent_id:
            changes.append(_("parent group of %(organisation)s: %(old)s → %(new)s") % {
                "organisation": organisation.name,
                "old": names("organisation", was.parent_id),
                "new": names("organisation", organisation.parent_id),
            })
    return changes


def _field_changes(
    model: type[models.Model], old: Any, new: Any, fields: Iterable[str], *, names: _Names | None = None,
    currency: tuple[str, str] = ("", ""),
) -> list[str]:
    changes = []
    for name in fields:
        attname = model._meta.get_field(name).attname
        values = [(getattr(row, attname), getattr(row, PRECISION[name]) if name in PRECISION else None)
                  for row in (old, new)]
        if values[0] == values[1]:
            continue
        label = str(model._meta.get_field(name).verbose_name)
        if name in UNQUOTED_FIELDS:
            changes.append(_("%(field)s changed") % {"field": label})
            continue
        shown = [_value(model, name, value, precision, names=names, currency=code)
                 for (value, precision), code in zip(values, currency)]
        changes.append(_("%(field)s %(old)s → %(new)s") % {"field": label, "old": shown[0], "new": shown[1]})
    return changes


def _value(
    model: type[models.Model], name: str, value: Any, precision: str | None, *, names: _Names | None, currency: str,
) -> str:
    """A field's value as the pages show it."""
    if names is not None and name in ("authority", "organisation", "parent"):
        return names("organisation" if name == "parent" else name, value)
    if name in PRECISION:
        return partial_date(value, precision)
    if isinstance(value, datetime.date):
        return partial_date(value)
    if name in MONEY_FIELDS:
        return money(value, currency)
    if value is None or value == "":
        return "–"
    choices = model._meta.get_field(name).flatchoices
    return str(dict(choices).get(value, value)) if choices else str(value)


def _appeal_text(appeal: Any) -> str:
    """An appeal event as the log names it: "Cour administrative, 18 March 2025, fine upheld"."""
    return ", ".join([appeal.body, partial_date(appeal.date, appeal.date_precision), str(appeal.get_outcome_display())])


def _row_changes(
    before: dict[int, Any], after: dict[int, Any], *, model: type[models.Model], fields: tuple[str, ...],
    currency: str, describe: Callable[[Any], str], added: str, removed: str, changed: str, key: str = "",
) -> list[str]:
    """Rows of one kind added, removed or changed. A row removed and another added with the same values
    (a part written again by an import) is no change; with the same `key` (a source's URL), a change,
    which names the row by its key."""
    compared = (*fields, *(PRECISION[name] for name in fields if name in PRECISION))

    def values(row: Any) -> tuple:
        return tuple(getattr(row, name) for name in compared)

    gone = [row for pk, row in before.items() if pk not in after]
    new = [row for pk, row in after.items() if pk not in before]
    pairs = [(before[pk], row) for pk, row in after.items() if pk in before and values(before[pk]) != values(row)]
    for row in list(gone):
        twin = next((other for other in new if values(other) == values(row)), None)
        if twin is None and key:
            twin = next((other for other in new if getattr(other, key) == getattr(row, key)), None)
            if twin is not None:
                pairs.append((row, twin))
        if twin is not None:
            gone.remove(row)
            new.remove(twin)
    changes = [removed % {"row": describe(row)} for row in gone]
    for old, row in pairs:
        if not changed:
            changes += [removed % {"row": describe(old)}, added % {"row": describe(row)}]
            continue
        details = _field_changes(model, old, row, fields, currency=(currency, currency))
        changes.append(changed % {"row": getattr(old, key) if key else describe(old), "changes": ", ".join(details)})
    changes += [added % {"row": describe(row)} for row in new]
    return changes
