"""Statistics of any selection of the register: the same filters as the list, plus two switches.

Every figure is computed from one set of decisions (``selection``), so the totals equal the sum of the
export of the same selection (``export_query`` builds its query string).
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import django_filters
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Subquery, Sum, Value, Window
from django.db.models.expressions import RowRange
from django.db.models.functions import Coalesce, ExtractYear
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from .countries import country_name
from .filters import DecisionFilter
from .interchange import format_partial_date
from .models import Article, ArticleCitation, Decision, DecisionQuerySet
from .vocabularies import LegalBasis, Sector, Status, ViolationType

SWITCH_CHOICES = [("0", _("no")), ("1", _("yes"))]
TOP = 10
TOP_ARTICLES = 15
ZERO = Decimal(0)


class StatsFilter(DecisionFilter):
    """The list's filters, and whether notices of intent (off) and ePrivacy/national-law fines (on) count."""

    notices = django_filters.ChoiceFilter(
        label=_("Include notices of intent"), choices=SWITCH_CHOICES, method="keep", empty_label=None
    )
    eprivacy = django_filters.ChoiceFilter(
        label=_("Include ePrivacy and national-law fines"), choices=SWITCH_CHOICES, method="keep", empty_label=None
    )

    def keep(self, queryset, name, value):
        return queryset  # applied in qs, where the defaults also apply when the switch is absent

    @property
    def includes_notices(self) -> bool:
        data = self.form.cleaned_data if self.is_valid() else {}
        return data.get("notices") == "1" or Status.PROPOSED in (data.get("status") or [])

    @property
    def includes_eprivacy(self) -> bool:
        data = self.form.cleaned_data if self.is_valid() else {}
        return data.get("eprivacy") != "0"

    @property
    def qs(self) -> DecisionQuerySet:
        queryset = super().qs
        if not self.includes_notices:
            queryset = queryset.fines()
        if not self.includes_eprivacy:
            queryset = queryset.exclude(legal_basis=LegalBasis.EPRIVACY)
        return queryset


def export_query(filterset: StatsFilter) -> QueryDict:
    """The list/export query string that selects exactly the decisions the statistics count."""
    query = filterset.data.copy()
    for switch in ("notices", "eprivacy", "sort", "page"):
        query.pop(switch, None)
    if not filterset.includes_notices and not query.getlist("status"):
        query.setlist("status", [status for status in Status.values if status != Status.PROPOSED])
    if not filterset.includes_eprivacy and not query.get("legal_basis"):
        query["legal_basis"] = LegalBasis.GDPR
    return query


@dataclass(frozen=True)
class Group:
    """One line of a breakdown: a year, a country, an authority... with its fines."""

    key: Any
    label: str
    count: int
    total_eur: Decimal | None
    filter_query: str = ""  # the list filter that selects this group, e.g. "country=FR"


@dataclass(frozen=True)
class Summary:
    count: int
    total_eur: Decimal
    standing_eur: Decimal
    median_eur: Decimal | None
    largest: Decision | None
    unconverted: int


@dataclass
class Statistics:
    summary: Summary
    by_legal_basis: list[Group]
    by_status: list[Group]
    by_year: list[Group]
    by_country: list[Group]
    by_authority: list[Group]
    by_sector: list[Group]
    by_violation: list[Group]
    by_article: list[Group]
    top: list[Decision]
    records: list[Decision] = field(default_factory=list)


def _base(selection: DecisionQuerySet) -> DecisionQuerySet:
    """The selection without joins or ordering, so that sums never count a decision twice."""
    return Decision.objects.filter(pk__in=selection.order_by().values("pk"))


def _standing_eur() -> Coalesce:
    """What stands now: after appeals where there were any, else what was imposed (nothing for a notice)."""
    return Coalesce("current_amount_eur", "amount_eur")


def _median(base: DecisionQuerySet, count: int) -> Decimal | None:
    if not count:
        return None
    middle = list(
        base.order_by("amount_eur").values_list("amount_eur", flat=True)[(count - 1) // 2 : count // 2 + 1]
    )
    return sum(middle, ZERO) / len(middle)


def summarise(base: DecisionQuerySet) -> Summary:
    figures = base.aggregate(
        count=Count("pk"),
        total_eur=Coalesce(Sum("amount_eur"), ZERO),
        standing_eur=Coalesce(Sum(_standing_eur(), filter=~Q(status=Status.PROPOSED)), ZERO),
        converted=Count("amount_eur"),
    )
    converted = base.filter(amount_eur__isnull=False)
    return Summary(
        count=figures["count"],
        total_eur=figures["total_eur"],
        standing_eur=figures["standing_eur"],
        median_eur=_median(converted, figures["converted"]),
        largest=converted.with_related().order_by("-amount_eur", "-number").first(),
        unconverted=figures["count"] - figures["converted"],
    )


def _grouped(base: DecisionQuerySet, key, *, order: tuple = ("-total_eur",)) -> list[dict]:
    return list(
        base.order_by()
        .values(group=key)
        .annotate(count=Count("pk"), total_eur=Sum("amount_eur"))
        .order_by(*order)
    )


def _choice_groups(base: DecisionQuerySet, field_name: str, choices, parameter: str) -> list[Group]:
    labels = dict(choices)
    return [
        Group(
            key=row["group"],
            label=str(labels.get(row["group"], _("not recorded"))),
            count=row["count"],
            total_eur=row["total_eur"],
            filter_query=f"{parameter}={row['group']}" if row["group"] in labels else "",
        )
        for row in _grouped(base, F(field_name), order=(F("total_eur").desc(nulls_last=True), "-count"))
    ]


def by_year(base: DecisionQuerySet) -> list[Group]:
    return [
        Group(
            key=row["group"],
            label=str(row["group"]) if row["group"] else str(_("year unknown")),
            count=row["count"],
            total_eur=row["total_eur"],
            filter_query=f"year={row['group']}" if row["group"] else "",
        )
        for row in _grouped(base, ExtractYear("decision_date"), order=(F("group").asc(nulls_last=True),))
    ]


def by_country(base: DecisionQuerySet) -> list[Group]:
    order = (F("total_eur").desc(nulls_last=True), "group")
    return [
        Group(
            key=row["group"],
            label=country_name(row["group"]),
            count=row["count"],
            total_eur=row["total_eur"],
            filter_query=f"country={row['group']}",
        )
        for row in _grouped(base, F("authority__country"), order=order)
    ]


def by_authority(base: DecisionQuerySet) -> list[Group]:
    rows = (
        base.order_by()
        .values("authority__slug", "authority__short_name", "authority__country")
        .annotate(count=Count("pk"), total_eur=Sum("amount_eur"))
        .order_by(F("total_eur").desc(nulls_last=True), "authority__short_name")
    )
    return [
        Group(
            key=row["authority__slug"],
            label=f"{row['authority__short_name']} ({row['authority__country']})",
            count=row["count"],
            total_eur=row["total_eur"],
            filter_query=f"authority={row['authority__slug']}",
        )
        for row in rows
    ]


def by_article(base: DecisionQuerySet, *, limit: int = TOP_ARTICLES) -> list[Group]:
    """Articles by the number of decisions citing them; a decision counts once per article."""
    citing = base.filter(
        Exists(ArticleCitation.objects.filter(decision=OuterRef("pk"), article=OuterRef(OuterRef("pk"))))
    ).order_by().annotate(one=Value(1)).values("one")
    articles = (
        Article.objects.annotate(
            count=Coalesce(Subquery(citing.annotate(n=Count("pk")).values("n")), 0),
            total_eur=Subquery(citing.annotate(total=Sum("amount_eur")).values("total")),
        )
        .filter(count__gt=0)
        .order_by("-count", F("total_eur").desc(nulls_last=True), "number")[:limit]
    )
    return [
        Group(
            key=article.number,
            label=str(_("Art. %(number)s %(title)s") % {"number": article.number, "title": article.local_title}),
            count=article.count,
            total_eur=article.total_eur,
            filter_query=f"article={article.number}",
        )
        for article in articles
    ]


def record_progression(base: DecisionQuerySet) -> list[Decision]:
    """Each GDPR fine of the selection that was the largest published GDPR fine so far on its date, oldest first.

    A record is a record of the whole register: a filter picks among the records, it does not make new ones
    (the largest of 2021 is not a record while Google's EUR 50M of 2019 stood). Notices of intent never count.
    """
    chronological = (F("decision_date").asc(), F("number").asc())
    fines = (
        Decision.objects.published()
        .fines()
        .filter(legal_basis=LegalBasis.GDPR, decision_date__isnull=False, amount_eur__isnull=False)
        .annotate(
            previous_largest=Window(Max("amount_eur"), order_by=chronological, frame=RowRange(start=None, end=-1))
        )
    )
    records = fines.filter(amount_eur__gt=Coalesce("previous_largest", Value(Decimal(-1)))).values("pk")
    return list(base.filter(pk__in=records).with_related().order_by(*chronological))


def record_holder(*, on: datetime.date, excluding: Decision | None = None) -> Decision | None:
    """The largest published GDPR fine decided on or before a date (the record that stood then)."""
    fines = Decision.objects.published().fines().filter(
        legal_basis=LegalBasis.GDPR, decision_date__lte=on, amount_eur__isnull=False
    )
    if excluding is not None:
        fines = fines.exclude(pk=excluding.pk)
    return fines.with_related().order_by("-amount_eur", "decision_date", "number").first()


def decision_statistics(selection: DecisionQuerySet) -> Statistics:
    base = _base(selection)
    return Statistics(
        summary=summarise(base),
        by_legal_basis=_choice_groups(base, "legal_basis", LegalBasis.choices, "legal_basis"),
        by_status=_choice_groups(base, "status", Status.choices, "status"),
        by_year=by_year(base),
        by_country=by_country(base),
        by_authority=by_authority(base),
        by_sector=_choice_groups(base, "sector", Sector.choices, "sector"),
        by_violation=_choice_groups(base, "violation_type", ViolationType.choices, "violation"),
        by_article=by_article(base),
        top=list(base.with_related().order_by(F("amount_eur").desc(nulls_last=True), "-number")[:TOP]),
        records=record_progression(base),
    )


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(Decimal("0.01")))


def _decision_brief(decision: Decision) -> dict[str, Any]:
    return {
        "reference": decision.reference,
        "organisation": decision.organisation.name,
        "authority": decision.authority.short_name,
        "country": decision.authority.country,
        "decision_date": format_partial_date(decision.decision_date, decision.date_precision) or None,
        "amount": _money(decision.amount),
        "currency": decision.currency,
        "amount_eur": _money(decision.amount_eur),
        "url": decision.get_absolute_url(),
    }


def statistics_data(figures: Statistics) -> dict[str, Any]:
    """The statistics as plain JSON values; money as strings with two decimals, as everywhere in the API."""
    summary = figures.summary

    def groups(rows: list[Group]) -> list[dict[str, Any]]:
        return [
            {
                "key": None if row.key is None else str(row.key),
                "label": str(row.label),
                "count": row.count,
                "total_eur": _money(row.total_eur),
            }
            for row in rows
        ]

    return {
        "count": summary.count,
        "total_eur": _money(summary.total_eur),
        "standing_eur": _money(summary.standing_eur),
        "median_eur": _money(summary.median_eur),
        "largest": _decision_brief(summary.largest) if summary.largest else None,
        "without_eur_amount": summary.unconverted,
        "by_legal_basis": groups(figures.by_legal_basis),
        "by_status": groups(figures.by_status),
        "by_year": groups(figures.by_year),
        "by_country": groups(figures.by_country),
        "by_authority": groups(figures.by_authority),
        "by_sector": groups(figures.by_sector),
        "by_violation": groups(figures.by_violation),
        "by_article": groups(figures.by_article),
        "top": [_decision_brief(decision) for decision in figures.top],
        "record_progression": [_decision_brief(decision) for decision in figures.records],
    }
