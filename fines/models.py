"""The register: authorities, organisations, their decisions and what became of them on appeal."""
from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce, Now
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from .vocabularies import (
    RULING_OUTCOMES,
    AppealOutcome,
    AuthorityKind,
    CandidateStatus,
    DatePrecision,
    ImportFormat,
    LegalBasis,
    RunStatus,
    Sector,
    SourceKind,
    Status,
    ViolationType,
)

REFERENCE_PREFIX = "FT-"
_REFERENCE_AS_WRITTEN = re.compile(r"^(?:FT-?)?([1-9][0-9]{0,9})$", re.IGNORECASE)
MONEY = {"max_digits": 16, "decimal_places": 2}
COUNTRY_CODE = RegexValidator(r"^[A-Z]{2}$", _("Use an ISO 3166-1 alpha-2 country code, e.g. FR."))
CURRENCY_CODE = RegexValidator(r"^[A-Z]{3}$", _("Use an ISO 4217 currency code, e.g. EUR."))
NOT_NEGATIVE = MinValueValidator(Decimal(0), _("An amount cannot be negative."))


@dataclass(frozen=True)
class _ChangeSet:
    reason: str
    moment: datetime.datetime


_change_set: ContextVar[_ChangeSet | None] = ContextVar("change_set", default=None)


@contextmanager
def change_set(reason: str = "") -> Iterator[None]:
    """Record every row saved or deleted in the block as one change: at one moment, with `reason`.

    A row that carries its own `_change_reason` keeps it. Inside another change set (an import within
    the load of the bundled register) the outer one holds: it is the one change. Within a request, the
    moment is the request's.
    """
    if _change_set.get() is not None:
        yield
        return
    token = _change_set.set(_ChangeSet(reason, _request_moment() or timezone.now()))
    try:
        yield
    finally:
        _change_set.reset(token)


def _request_moment() -> datetime.datetime | None:
    """One moment for everything a request changes (an editor's save: the decision and its inlines)."""
    request = getattr(HistoricalRecords.context, "request", None)
    return None if request is None else request.__dict__.setdefault("_history_moment", timezone.now())


def history_moment() -> datetime.datetime | None:
    """The moment of the change being recorded, for history entries; None when nothing fixes one."""
    current = _change_set.get()
    return current.moment if current is not None else _request_moment()


def history_reason() -> str | None:
    current = _change_set.get()
    return (current.reason or None) if current is not None else None


class RegisterHistory(HistoricalRecords):
    """django-simple-history's records, with the reason of the change set a row is saved in."""

    def get_change_reason_for_object(self, instance, history_type, using):
        return super().get_change_reason_for_object(instance, history_type, using) or history_reason()


@receiver(pre_create_historical_record)
def _record_at_the_moment_of_the_change(sender, history_instance, **kwargs) -> None:
    # The rows one change writes share its moment: fines.history reads them back as one entry.
    if (moment := history_moment()) is not None:
        history_instance.history_date = moment


def reference_number(text: str) -> int | None:
    """The n of a finetracker reference as readers write it (FT-12, ft12, 12); None when it is not one."""
    match = _REFERENCE_AS_WRITTEN.match(text.strip())
    return int(match[1]) if match else None


class AuthorityQuerySet(models.QuerySet):
    def with_fine_totals(self) -> AuthorityQuerySet:
        """Each authority's published fines (not notices of intent): count, total and largest in EUR."""
        fines = Q(decisions__is_published=True) & ~Q(decisions__status=Status.PROPOSED)
        return self.annotate(
            fine_count=models.Count("decisions", filter=fines, distinct=True),
            total_eur=models.Sum("decisions__amount_eur", filter=fines),
            largest_eur=models.Max("decisions__amount_eur", filter=fines),
        )


class Authority(models.Model):
    """A body that decides on GDPR fines: a national or regional data protection authority, or a court."""

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=40, help_text=_("CNIL, DPC, AP, ICO…"))
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    country = models.CharField(_("country"), max_length=2, validators=[COUNTRY_CODE])
    kind = models.CharField(_("kind"), max_length=20, choices=AuthorityKind, default=AuthorityKind.NATIONAL)
    website = models.URLField(_("website"), blank=True)
    needs_review = models.BooleanField(
        _("new from an import"), default=False,
        help_text=_("Created by an import from the name a source gave: check the name, kind and website, then untick."),
    )

    objects = AuthorityQuerySet.as_manager()
    history = RegisterHistory()

    class Meta:
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")
        ordering = ["country", "short_name"]
        constraints = [
            models.CheckConstraint(condition=Q(country__regex=r"^[A-Z]{2}$"), name="authority_country_alpha2"),
        ]

    def __str__(self) -> str:
        return f"{self.short_name} ({self.country})"

    def get_absolute_url(self) -> str:
        return reverse("fines:authority_detail", args=[self.slug])


class OrganisationQuerySet(models.QuerySet):
    def groups(self) -> OrganisationQuerySet:
        """Organisations that head a group (have subsidiaries)."""
        return self.filter(subsidiaries__isnull=False).distinct()

    def with_group_totals(self) -> OrganisationQuerySet:
        """Each organisation with the published fines of itself and its subsidiaries: count and EUR total."""
        fines = (
            Decision.objects.published()
            .fines()
            .for_organisation(models.OuterRef("pk"))
            .order_by()
            .annotate(group=models.Value(1))
            .values("group")
        )
        return self.annotate(
            fine_count=Coalesce(models.Subquery(fines.annotate(n=models.Count("pk")).values("n")), 0),
            total_eur=models.Subquery(fines.annotate(total=models.Sum("amount_eur")).values("total")),
        )


class Organisation(models.Model):
    """A company or public body that was fined, possibly part of a group (its parent)."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    name_key = models.CharField(max_length=200, db_index=True, editable=False)
    country = models.CharField(_("country"), max_length=2, blank=True, validators=[COUNTRY_CODE])
    sector = models.CharField(_("sector"), max_length=20, choices=Sector, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidiaries",
    )
    turnover = models.DecimalField(
        _("worldwide annual turnover"), **MONEY, null=True, blank=True, validators=[NOT_NEGATIVE],
        help_text=_("Of the undertaking (the whole group where it heads one), in the currency of its accounts."),
    )
    turnover_currency = models.CharField(
        _("turnover currency"), max_length=3, blank=True, validators=[CURRENCY_CODE]
    )
    turnover_year = models.PositiveSmallIntegerField(_("financial year of the turnover"), null=True, blank=True)
    turnover_source = models.URLField(_("source of the turnover"), max_length=500, blank=True)
    needs_review = models.BooleanField(
        _("new from an import"), default=False,
        help_text=_("Created by an import from the name a source gave: check the name, group and country, then untick."),
    )

    objects = OrganisationQuerySet.as_manager()
    history = RegisterHistory(excluded_fields=["name_key"])

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="organisation_not_own_parent"),
            models.CheckConstraint(
                condition=Q(turnover__isnull=True, turnover_currency="", turnover_year__isnull=True)
                | Q(turnover__gte=0, turnover_currency__regex=r"^[A-Z]{3}$", turnover_year__gte=1995),
                name="organisation_turnover_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("fines:organisation_detail", args=[self.slug])


class AuthorityAlias(models.Model):
    """Another name or acronym under which sources know an authority (matched within its country)."""

    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("name"), max_length=200)
    name_key = models.CharField(max_length=200, db_index=True, editable=False)

    class Meta:
        verbose_name = _("authority alias")
        verbose_name_plural = _("authority aliases")
        constraints = [
            models.UniqueConstraint(fields=["authority", "name"], name="authority_alias_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class OrganisationAlias(models.Model):
    """Another name under which sources know an organisation; used to match imported names."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("name"), max_length=200)
    name_key = models.CharField(max_length=200, db_index=True, editable=False)

    history = RegisterHistory(excluded_fields=["name_key"])

    class Meta:
        verbose_name = _("alias")
        verbose_name_plural = _("aliases")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="alias_unique_per_organisation"),
        ]

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    """One of the 99 articles of the GDPR (Regulation (EU) 2016/679)."""

    number = models.PositiveSmallIntegerField(_("number"), primary_key=True)
    chapter = models.PositiveSmallIntegerField(_("chapter"))
    title = models.CharField(_("title"), max_length=200)
    title_nl = models.CharField(_("Dutch title"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("GDPR article")
        verbose_name_plural = _("GDPR articles")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1, number__lte=99), name="article_number_1_to_99"),
        ]

    def __str__(self) -> str:
        return f"Art. {self.number} {self.title}"

    @property
    def local_title(self) -> str:
        """The title in the reader's language where the register has it."""
        return self.title_nl if self.title_nl and (get_language() or "").startswith("nl") else self.title


class ReferenceCounter(models.Model):
    """The last FT-<n> number handed out, so that a number is never reused, even after a deletion."""

    last = models.PositiveIntegerField(default=0)


class DecisionQuerySet(models.QuerySet):
    def published(self) -> DecisionQuerySet:
        return self.filter(is_published=True)

    def fines(self) -> DecisionQuerySet:
        """Decisions that imposed a fine: notices of intent are not fines."""
        return self.exclude(status=Status.PROPOSED)

    def for_country(self, *codes: str) -> DecisionQuerySet:
        return self.filter(authority__country__in=codes)

    def for_organisation(self, organisation: Organisation | models.expressions.OuterRef) -> DecisionQuerySet:
        """The organisation's decisions and those of its subsidiaries (two levels down)."""
        return self.filter(
            Q(organisation=organisation)
            | Q(organisation__parent=organisation)
            | Q(organisation__parent__parent=organisation)
        )

    def for_article(self, reference: str) -> DecisionQuerySet:
        """Decisions citing an article ("6") or a provision and anything below it ("5(1)" matches 5(1)(f))."""
        if reference.isdigit():
            return self.filter(article_citations__article_id=int(reference)).distinct()
        return self.filter(
            Q(article_citations__provision=reference) | Q(article_citations__provision__startswith=reference + "(")
        ).distinct()

    def with_related(self) -> DecisionQuerySet:
        return self.select_related("authority", "organisation", "organisation__parent")


class Decision(models.Model):
    """One decision of an authority that fined (or gave notice of intent to fine) one organisation."""

    number = models.PositiveIntegerField(_("reference number"), unique=True, editable=False)
    authority = models.ForeignKey(
        Authority, verbose_name=_("authority"), on_delete=models.PROTECT, related_name="decisions"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="decisions"
    )
    decision_date = models.DateField(
        _("decision date"), null=True, blank=True, help_text=_("With month or year precision: its first day.")
    )
    date_precision = models.CharField(
        _("date precision"), max_length=10, choices=DatePrecision, default=DatePrecision.DAY
    )
    announced_date = models.DateField(_("announced"), null=True, blank=True)
    date_added = models.DateTimeField(_("added"), db_default=Now(), editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    amount = models.DecimalField(_("amount imposed"), validators=[NOT_NEGATIVE], **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="EUR", validators=[CURRENCY_CODE])
    amount_eur = models.DecimalField(_("amount in EUR"), null=True, blank=True, editable=False, **MONEY)
    eur_rate = models.DecimalField(
        _("ECB rate"), max_digits=18, decimal_places=6, null=True, blank=True, editable=False,
        help_text=_("Units of the currency per euro."),
    )
    eur_rate_date = models.DateField(_("ECB rate date"), null=True, blank=True, editable=False)
    current_amount = models.DecimalField(
        _("amount that stands now"), null=True, blank=True, validators=[NOT_NEGATIVE],
        help_text=_("After appeals, in the original currency. Follows from the latest appeal ruling."), **MONEY,
    )
    current_amount_eur = models.DecimalField(
        _("amount that stands now in EUR"), null=True, blank=True, editable=False, **MONEY
    )
    amount_paid = models.DecimalField(
        _("amount paid"), null=True, blank=True, validators=[NOT_NEGATIVE], **MONEY
    )
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.IMPOSED)
    legal_basis = models.CharField(_("legal basis"), max_length=10, choices=LegalBasis, default=LegalBasis.GDPR)
    articles = models.ManyToManyField(
        Article, verbose_name=_("GDPR articles"), through="ArticleCitation", related_name="decisions", blank=True
    )
    violation_type = models.CharField(_("violation type"), max_length=30, choices=ViolationType, blank=True)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector, blank=True)
    case_number = models.CharField(_("case number"), max_length=100, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    is_published = models.BooleanField(
        _("published"), default=False,
        help_text=_(
            "Only published decisions appear on the public pages, exports, feed, API and statistics. "
            "New decisions start as drafts; a chief editor publishes them."
        ),
    )
    external_source = models.CharField(_("imported from"), max_length=40, blank=True)
    external_id = models.CharField(_("external id"), max_length=200, blank=True)

    objects = DecisionQuerySet.as_manager()
    # updated_at repeats the moment of each history entry.
    history = RegisterHistory(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-decision_date", "-number"]
        permissions = [("publish_decision", _("Can publish and unpublish decision"))]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="decision_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(current_amount__isnull=True) | Q(current_amount__gte=0),
                name="decision_current_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount_paid__isnull=True) | Q(amount_paid__gte=0),
                name="decision_amount_paid_not_negative",
            ),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="decision_currency_iso4217"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="decision_status_in_vocabulary"),
            models.CheckConstraint(
                condition=Q(legal_basis__in=LegalBasis.values), name="decision_legal_basis_in_vocabulary"
            ),
            models.CheckConstraint(
                condition=Q(date_precision__in=DatePrecision.values), name="decision_date_precision_valid"
            ),
            models.CheckConstraint(
                condition=Q(date_precision=DatePrecision.UNKNOWN, decision_date__isnull=True)
                | (~Q(date_precision=DatePrecision.UNKNOWN) & Q(decision_date__isnull=False)),
                name="decision_date_matches_precision",
            ),
            models.CheckConstraint(
                condition=Q(eur_rate__isnull=True) | Q(eur_rate__gt=0), name="decision_eur_rate_positive"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="decision_number_positive"),
            models.UniqueConstraint(
                fields=["external_source", "external_id"],
                condition=~Q(external_id=""),
                name="decision_unique_provenance",
            ),
        ]
        indexes = [
            models.Index(fields=["-decision_date", "-number"], name="decision_date_idx"),
            models.Index(fields=["-amount_eur", "-number"], name="decision_amount_eur_idx"),
            models.Index(fields=["authority", "-decision_date"], name="decision_authority_date_idx"),
            models.Index(fields=["status"], name="decision_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.organisation} ({self.authority.short_name})"

    @property
    def reference(self) -> str:
        return f"{REFERENCE_PREFIX}{self.number}" if self.number else ""

    def get_absolute_url(self) -> str:
        return reverse("fines:decision_detail", args=[self.number])

    @property
    def is_notice_of_intent(self) -> bool:
        return self.status == Status.PROPOSED


class ArticleCitation(models.Model):
    """A decision's finding under one GDPR provision (article 5(1)(f), or simply article 32)."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="article_citations")
    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.PROTECT)
    provision = models.CharField(_("provision"), max_length=40, help_text=_("e.g. 5(1)(f); just 32 for the whole article"))

    history = RegisterHistory()

    class Meta:
        verbose_name = _("article cited")
        verbose_name_plural = _("articles cited")
        ordering = ["article_id", "provision"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "provision"], name="citation_unique_per_decision"),
        ]
        indexes = [models.Index(fields=["provision"], name="citation_provision_idx")]

    def __str__(self) -> str:
        return f"Art. {self.provision}"


class Source(models.Model):
    """A public document about a decision: its text, a press release or a news report."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="sources")
    url = models.URLField(_("URL"), max_length=500)
    title = models.CharField(_("title"), max_length=300, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True, help_text=_("e.g. en, fr, nl"))
    kind = models.CharField(_("kind"), max_length=20, choices=SourceKind, default=SourceKind.PRESS_RELEASE)

    history = RegisterHistory()

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "url"], name="source_unique_per_decision"),
        ]

    def __str__(self) -> str:
        return self.title or self.url


class AppealEvent(models.Model):
    """A step in a decision's appeal: lodged, a court's ruling, a referral; with the amount after it."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="appeals")
    date = models.DateField(_("date"), null=True, blank=True)
    date_precision = models.CharField(
        _("date precision"), max_length=10, choices=DatePrecision, default=DatePrecision.DAY
    )
    body = models.CharField(_("court or board"), max_length=200)
    case_number = models.CharField(_("case number"), max_length=100, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=AppealOutcome)
    amount_after = models.DecimalField(
        _("amount after"), null=True, blank=True, validators=[NOT_NEGATIVE],
        help_text=_("The fine that stands after this ruling, in the decision's currency."), **MONEY,
    )
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    history = RegisterHistory()

    class Meta:
        verbose_name = _("appeal event")
        verbose_name_plural = _("appeal events")
        ordering = [models.F("date").asc(nulls_first=True), "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_after__isnull=True) | Q(amount_after__gte=0),
                name="appeal_amount_after_not_negative",
            ),
            models.CheckConstraint(condition=Q(outcome__in=AppealOutcome.values), name="appeal_outcome_in_vocabulary"),
            models.CheckConstraint(
                condition=~Q(outcome__in=sorted(o.value for o in RULING_OUTCOMES)) | Q(amount_after__isnull=False),
                name="appeal_ruling_has_amount_after",
            ),
            models.CheckConstraint(
                condition=Q(date_precision=DatePrecision.UNKNOWN, date__isnull=True)
                | (~Q(date_precision=DatePrecision.UNKNOWN) & Q(date__isnull=False)),
                name="appeal_date_matches_precision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body}: {self.get_outcome_display()}"


class Provenance(models.Model):
    """One source's record of a decision: its id there and what it last said, field by field.

    A decision seen in two sources has two provenances. What a source last said is the common base of
    a three-way merge: a later import applies what the source changed, keeps what an editor changed,
    and records a Disagreement where both changed one field differently.
    """

    decision = models.ForeignKey(
        Decision, verbose_name=_("decision"), on_delete=models.CASCADE, related_name="provenances"
    )
    source = models.CharField(_("source"), max_length=40, help_text=_("e.g. enforcement-tracker, gdprhub"))
    external_id = models.CharField(_("external id"), max_length=200)
    values = models.JSONField(_("what the source last said"), default=dict, blank=True)
    first_seen = models.DateTimeField(_("first seen"), db_default=Now(), editable=False)
    changed_at = models.DateTimeField(_("last changed at the source"), db_default=Now(), editable=False)

    class Meta:
        verbose_name = _("provenance")
        verbose_name_plural = _("provenances")
        ordering = ["decision", "first_seen", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="provenance_unique_per_source"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.external_id}"


class Disagreement(models.Model):
    """A field where a source says one thing and the register (an editor) another; an editor decides."""

    decision = models.ForeignKey(
        Decision, verbose_name=_("decision"), on_delete=models.CASCADE, related_name="disagreements"
    )
    provenance = models.ForeignKey(
        Provenance, verbose_name=_("source"), on_delete=models.CASCADE, related_name="disagreements"
    )
    field = models.CharField(_("field"), max_length=40)
    register_value = models.TextField(_("in the register"), blank=True)
    source_value = models.TextField(_("the source says"), blank=True)
    found_at = models.DateTimeField(_("found"), db_default=Now(), editable=False)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("disagreement")
        verbose_name_plural = _("disagreements")
        # Open ones first, then the most recently settled.
        ordering = [models.F("resolved_at").desc(nulls_first=True), "-found_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provenance", "field"], condition=Q(resolved_at__isnull=True),
                name="disagreement_one_open_per_field",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision.reference} {self.field}"


class ImportSource(models.Model):
    """A public source that the workers read by themselves, on a schedule, with the adapter its format needs."""

    name = models.SlugField(_("name"), max_length=60, unique=True, help_text=_("Used on the command line."))
    title = models.CharField(_("title"), max_length=200)
    format = models.CharField(_("format"), max_length=30, choices=ImportFormat)
    url = models.URLField(_("URL"), max_length=1000)
    authority = models.ForeignKey(
        Authority, verbose_name=_("authority"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="import_sources", help_text=_("For an authority's own press feed."),
    )
    language = models.CharField(_("language"), max_length=8, blank=True)
    every_minutes = models.PositiveIntegerField(
        _("run every (minutes)"), default=24 * 60, validators=[MinValueValidator(5)]
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    publish_imports = models.BooleanField(
        _("publish what it imports"), default=False,
        help_text=_(
            "Tick only for a source whose data needs no review: the decisions its runs create are then "
            "published at once. Unticked, they arrive as drafts for a chief editor to publish. Either way, "
            "an import never publishes or unpublishes a decision that exists already, and press releases "
            "always wait in the candidates queue."
        ),
    )
    etag = models.CharField(max_length=500, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)

    class Meta:
        verbose_name = _("import source")
        verbose_name_plural = _("import sources")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(format__in=ImportFormat.values), name="import_source_format_known"),
            models.CheckConstraint(condition=Q(every_minutes__gte=5), name="import_source_not_too_often"),
        ]

    def __str__(self) -> str:
        return self.title or self.name


class ImportRun(models.Model):
    """One reading of a source: what it saw and did, and how long it took."""

    source = models.ForeignKey(ImportSource, verbose_name=_("source"), on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField(_("started"), db_default=Now(), editable=False)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=RunStatus, default=RunStatus.RUNNING)
    seen = models.PositiveIntegerField(_("seen"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    candidates = models.PositiveIntegerField(_("candidates"), default=0)
    done = models.PositiveIntegerField(_("rows done"), default=0, help_text=_("Progress while running."))
    total = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    task_id = models.CharField(_("task"), max_length=255, blank=True, help_text=_("The Celery task that ran it."))
    beat_at = models.DateTimeField(
        _("last sign of life"), db_default=Now(), editable=False,
        help_text=_("Written every few seconds while the run works: a run silent for long has lost its worker."),
    )
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RunStatus.values), name="import_run_status_known"),
            models.CheckConstraint(
                condition=Q(status=RunStatus.RUNNING) | Q(finished_at__isnull=False), name="import_run_finished_has_time"
            ),
            # The lock that keeps two runs of one source from overlapping, held by the database itself.
            models.UniqueConstraint(
                fields=["source"], condition=Q(status=RunStatus.RUNNING), name="import_run_one_running_per_source"
            ),
        ]
        indexes = [models.Index(fields=["source", "-started_at"], name="import_run_source_idx")]

    def __str__(self) -> str:
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M}"


class ImportProblem(models.Model):
    """A row an import could not take, with the reason in words an editor can act on."""

    run = models.ForeignKey(ImportRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="problems")
    row = models.PositiveIntegerField(_("row"))
    label = models.CharField(_("row label"), max_length=300, blank=True)
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("import problem")
        verbose_name_plural = _("import problems")
        ordering = ["run", "row", "id"]

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


class Candidate(models.Model):
    """Something a source announced (e.g. a press release naming a fine) that an editor accepts or rejects."""

    source = models.ForeignKey(
        ImportSource, verbose_name=_("source"), on_delete=models.CASCADE, related_name="candidates"
    )
    external_id = models.CharField(_("external id"), max_length=500)
    url = models.URLField(_("URL"), max_length=1000, blank=True)
    title = models.CharField(_("title"), max_length=500)
    published = models.DateField(_("published"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    amount = models.DecimalField(_("amount"), null=True, blank=True, validators=[NOT_NEGATIVE], **MONEY)
    currency = models.CharField(_("currency"), max_length=3, blank=True, validators=[CURRENCY_CODE])
    language = models.CharField(_("language"), max_length=8, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=CandidateStatus, default=CandidateStatus.PENDING)
    decision = models.ForeignKey(
        Decision, verbose_name=_("decision"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="candidates", help_text=_("The decision it was accepted into."),
    )
    found_at = models.DateTimeField(_("found"), db_default=Now(), editable=False)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        # Pending first (then accepted, rejected), newest first.
        ordering = [
            models.Case(
                models.When(status=CandidateStatus.PENDING, then=0),
                models.When(status=CandidateStatus.ACCEPTED, then=1),
                default=2,
            ),
            models.F("published").desc(nulls_last=True),
            "-id",
        ]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="candidate_unique_per_source"),
            models.CheckConstraint(condition=Q(status__in=CandidateStatus.values), name="candidate_status_known"),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | (Q(amount__gte=0) & Q(currency__regex=r"^[A-Z]{3}$")),
                name="candidate_amount_has_currency",
            ),
            models.CheckConstraint(
                condition=~Q(status=CandidateStatus.ACCEPTED) | Q(decision__isnull=False),
                name="candidate_accepted_has_decision",
            ),
        ]

    def __str__(self) -> str:
        return self.title

