"""The editors' admin: enter and correct decisions, their appeals and sources."""
from __future__ import annotations

import datetime
from urllib.parse import urlencode, urlsplit

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from . import review, services
from .currency import ConversionError, known_currencies
from .interchange import RecordError
from .models import (
    AppealEvent,
    Article,
    ArticleCitation,
    Authority,
    AuthorityAlias,
    Candidate,
    Decision,
    Disagreement,
    ImportProblem,
    ImportRun,
    ImportSource,
    Organisation,
    OrganisationAlias,
    Provenance,
    Source,
)
from .names import name_key, text_key
from .tasks import import_source
from .templatetags.fines import money
from .vocabularies import CandidateStatus, DatePrecision, RunStatus

BOTH_PLACES = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]

admin.site.site_header = _("finetracker editors")
admin.site.site_title = _("finetracker")
admin.site.index_title = _("The register")


def _check_date_precision(cleaned: dict, date_field: str, precision_field: str = "date_precision") -> None:
    value, precision = cleaned.get(date_field), cleaned.get(precision_field)
    if precision == DatePrecision.UNKNOWN and value:
        raise ValidationError({precision_field: _("The date is known: choose day, month or year.")})
    if precision and precision != DatePrecision.UNKNOWN and not value:
        raise ValidationError({date_field: _("Enter the date, or set its precision to “unknown”.")})
    if value and precision == DatePrecision.MONTH and value.day != 1:
        raise ValidationError({date_field: _("With month precision, enter the first day of the month.")})
    if value and precision == DatePrecision.YEAR and (value.month, value.day) != (1, 1):
        raise ValidationError({date_field: _("With year precision, enter 1 January of the year.")})


def _external_link(url: str, text: str) -> str:
    """A link out of the admin; only http(s), since imported URLs were never validated by a form."""
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        return text
    return format_html('<a href="{}" rel="noopener noreferrer">{}</a>', url, text)


def _admin_link(model: type, pk: int, text: str) -> str:
    return format_html('<a href="{}">{}</a>', reverse(f"admin:fines_{model._meta.model_name}_change", args=[pk]), text)


class ReviewedByActions:
    """For rows that change only through their review actions: the list and each row's page offer the
    actions, the page itself is for reading (no form to save, so no way around the review services)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request)


class ReadOnlyFormSet(BaseInlineFormSet):
    """Rows to read, never submitted: it ignores the POST, so a row that an import adds or resolves while an
    editor has the page open cannot upset the editor's save."""

    def __init__(self, data=None, files=None, **kwargs):
        super().__init__(**kwargs)

    def is_valid(self) -> bool:
        return True

    def save(self, commit: bool = True) -> list:
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        return []


class DecisionFactsInline(admin.TabularInline):
    """What imports found out about a decision, shown on it; an editor acts on it elsewhere."""

    formset = ReadOnlyFormSet
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None) -> bool:
        # Facts about the decision: whoever may see the decision may see them.
        return self.admin_site.get_model_admin(Decision).has_view_or_change_permission(request, obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ProvenanceInline(DecisionFactsInline):
    model = Provenance
    fields = ["source", "external_id", "first_seen", "changed_at"]
    readonly_fields = fields


class OpenDisagreementInline(DecisionFactsInline):
    model = Disagreement
    verbose_name_plural = _("open disagreements with a source")
    fields = ["provenance", "field", "register_value", "source_value", "found_at"]
    readonly_fields = fields
    show_change_link = True  # its page has the actions that settle it

    def get_queryset(self, request):
        return super().get_queryset(request).filter(resolved_at__isnull=True).select_related("provenance")


class DecisionForm(forms.ModelForm):
    class Meta:
        model = Decision
        fields = "__all__"

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].upper()
        if currency not in known_currencies():
            raise ValidationError(
                _("Unknown currency “%(code)s”: use an ISO 4217 code the ECB publishes a rate for, e.g. EUR, GBP, NOK."),
                params={"code": currency},
            )
        return currency

    def clean_decision_date(self) -> datetime.date | None:
        value = self.cleaned_data.get("decision_date")
        if value and value > timezone.localdate():
            raise ValidationError(_("The decision date %(date)s is in the future."), params={"date": value})
        return value

    def clean(self):
        cleaned = super().clean()
        _check_date_precision(cleaned, "decision_date")
        if cleaned.get("decision_date") and cleaned.get("currency") and cleaned.get("amount") is not None:
            probe = Decision(decision_date=cleaned["decision_date"], currency=cleaned["currency"], amount=cleaned["amount"])
            try:
                services.decision_convert(decision=probe)
            except ConversionError as error:
                raise ValidationError({"currency": str(error)}) from None
        return cleaned


class AppealFormSet(BaseInlineFormSet):
    """Checks the decision's status and standing amount against the appeal events entered with it."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        decision = self.instance
        appeals = [
            form.instance
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        problems = services.standing_problems(
            amount=decision.amount, status=decision.status, current_amount=decision.current_amount,
            appeals=services.appeals_in_order(appeals),
        )
        if problems:
            raise ValidationError([problem[0].upper() + problem[1:] + "." for problem in problems])


class AppealEventForm(forms.ModelForm):
    class Meta:
        model = AppealEvent
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        _check_date_precision(cleaned, "date")
        return cleaned


class AppealEventInline(admin.StackedInline):
    model = AppealEvent
    form = AppealEventForm
    formset = AppealFormSet
    extra = 0
    fields = [("date", "date_precision"), ("body", "case_number"), ("outcome", "amount_after"), "source_url", "note"]


class SourceInline(admin.TabularInline):
    model = Source
    extra = 0
    min_num = 1
    fields = ["url", "title", "language", "kind"]


class ArticleCitationInline(admin.TabularInline):
    model = ArticleCitation
    extra = 0
    autocomplete_fields = ["article"]
    fields = ["article", "provision"]


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    form = DecisionForm
    list_display = ["reference", "organisation", "authority", "decision_date", "amount", "currency", "amount_eur", "status"]
    list_display_links = ["reference", "organisation"]
    list_filter = ["status", "legal_basis", "authority__country", "violation_type", "sector", "is_published"]
    list_select_related = ["organisation", "authority"]
    search_fields = ["organisation__name", "organisation__parent__name", "authority__short_name", "case_number", "summary", "=number"]
    autocomplete_fields = ["authority", "organisation"]
    date_hierarchy = "decision_date"
    readonly_fields = ["reference", "amount_eur", "eur_rate", "eur_rate_date", "current_amount_eur", "date_added", "updated_at"]
    inlines = [AppealEventInline, SourceInline, ArticleCitationInline]
    fieldsets = [
        (None, {"fields": ["reference", "authority", "organisation", "is_published"]}),
        (_("Dates"), {"fields": [("decision_date", "date_precision"), "announced_date"]}),
        (
            _("Amount"),
            {
                "fields": [
                    ("amount", "currency"),
                    ("amount_eur", "eur_rate", "eur_rate_date"),
                    ("current_amount", "current_amount_eur"),
                    "amount_paid",
                    "status",
                ]
            },
        ),
        (_("What it was about"), {"fields": ["legal_basis", "violation_type", "sector", "case_number", "summary"]}),
        (_("Provenance"), {"fields": [("external_source", "external_id"), ("date_added", "updated_at")]}),
    ]

    @admin.display(description=_("reference"), ordering="number")
    def reference(self, decision: Decision) -> str:
        return decision.reference

    def get_inlines(self, request, obj: Decision | None) -> list:
        inlines = list(super().get_inlines(request, obj))
        return inlines + [ProvenanceInline, OpenDisagreementInline] if obj is not None else inlines

    # Accepting a candidate: the add form, opened with ?candidate=<id>, starts from what the press release
    # said; saving it accepts the candidate into the new decision.

    def _candidate(self, request) -> Candidate | None:
        pk = request.GET.get("candidate", "")
        return Candidate.objects.select_related("source").filter(pk=pk).first() if pk.isdigit() else None

    def add_view(self, request, form_url="", extra_context=None):
        if "candidate" not in request.GET:
            return super().add_view(request, form_url, extra_context)
        candidate = self._candidate(request)
        if candidate is None:
            self.message_user(request, gettext("There is no such candidate; it may have been deleted."), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:fines_candidate_changelist"))
        if candidate.status != CandidateStatus.PENDING:
            return self._candidate_refused(request, review.CandidateReviewed(candidate))
        if request.method == "GET":
            self.message_user(request, gettext(
                "Accepting “%(title)s”: complete the decision from the press release. It starts as a draft."
            ) % {"title": candidate.title})
        try:
            return super().add_view(request, form_url, extra_context)
        except review.CandidateReviewed as refused:  # another editor was quicker; nothing was saved
            return self._candidate_refused(request, refused)

    def _candidate_refused(self, request, refused: review.CandidateReviewed):
        message = gettext("%(reason)s It cannot be accepted again.") % {"reason": refused}
        self.message_user(request, message, messages.ERROR)
        return HttpResponseRedirect(reverse("admin:fines_candidate_change", args=[refused.candidate.pk]))

    def get_changeform_initial_data(self, request) -> dict:
        initial = super().get_changeform_initial_data(request)
        initial.pop("candidate", None)
        if candidate := self._candidate(request):
            initial |= review.candidate_decision_initial(candidate=candidate)
        return initial

    def get_formset_kwargs(self, request, obj, inline, prefix) -> dict:
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        # Initial values on GET only: a posted row equal to its initial would count as unchanged and not be saved.
        if isinstance(inline, SourceInline) and request.method == "GET" and obj.pk is None:
            candidate = self._candidate(request)
            if candidate and (press_release := review.candidate_source_initial(candidate=candidate)):
                kwargs["initial"] = [press_release]
        return kwargs

    def save_model(self, request, obj: Decision, form, change: bool) -> None:
        if not obj.number:
            obj.number = services.decision_next_number()
        if obj.current_amount is None and obj.status != "proposed":
            obj.current_amount = obj.amount
        services.decision_convert(decision=obj)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services.decision_refresh_standing(decision=form.instance)
        if not change and (candidate := self._candidate(request)):
            review.candidate_accept(candidate=candidate, decision=form.instance)

    def response_post_save_add(self, request, obj: Decision):
        if candidate := self._candidate(request):
            self.message_user(request, gettext("“%(title)s” is accepted into %(reference)s.") % {
                "title": candidate.title, "reference": obj.reference,
            }, messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:fines_candidate_changelist"))
        return super().response_post_save_add(request, obj)


class OrganisationAliasInline(admin.TabularInline):
    model = OrganisationAlias
    extra = 0
    fields = ["name"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "country", "sector", "needs_review"]
    list_filter = ["needs_review", "sector", "country"]
    list_select_related = ["parent"]
    search_fields = ["name", "aliases__name"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OrganisationAliasInline]

    def save_model(self, request, obj: Organisation, form, change: bool) -> None:
        obj.name_key = name_key(obj.name)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change: bool) -> None:
        for alias in formset.save(commit=False):
            alias.name_key = name_key(alias.name)
            alias.save()
        for alias in formset.deleted_objects:
            alias.delete()


class AuthorityAliasInline(admin.TabularInline):
    model = AuthorityAlias
    extra = 0
    fields = ["name"]


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ["short_name", "name", "country", "kind", "needs_review"]
    list_filter = ["needs_review", "country", "kind"]
    search_fields = ["short_name", "name", "slug", "aliases__name"]
    prepopulated_fields = {"slug": ["short_name"]}
    inlines = [AuthorityAliasInline]

    def save_formset(self, request, form, formset, change: bool) -> None:
        for alias in formset.save(commit=False):
            alias.name_key = text_key(alias.name)
            alias.save()
        for alias in formset.deleted_objects:
            alias.delete()


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "chapter"]
    search_fields = ["=number", "title", "title_nl"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ImportSource)
class ImportSourceAdmin(admin.ModelAdmin):
    list_display = [
        "name", "title", "format", "authority", "every_minutes", "enabled", "last_run_status", "last_run_at",
    ]
    list_filter = ["format", "enabled"]
    list_select_related = ["authority"]
    search_fields = ["name", "title", "url"]
    autocomplete_fields = ["authority"]
    prepopulated_fields = {"name": ["title"]}
    actions = ["run_now"]

    def get_queryset(self, request):
        last_run = ImportRun.objects.filter(source=OuterRef("pk")).order_by("-started_at", "-id")
        return super().get_queryset(request).annotate(
            last_run_status=Subquery(last_run.values("status")[:1]),
            last_run_at=Subquery(last_run.values("started_at")[:1]),
        )

    @admin.display(description=_("last run"), ordering="last_run_status")
    def last_run_status(self, source: ImportSource) -> str | None:
        if source.last_run_status is None:
            return None
        runs = reverse("admin:fines_importrun_changelist") + "?" + urlencode({"source__id__exact": source.pk})
        return format_html('<a href="{}">{}</a>', runs, RunStatus(source.last_run_status).label)

    @admin.display(description=_("last run started"), ordering="last_run_at")
    def last_run_at(self, source: ImportSource) -> datetime.datetime | None:
        return source.last_run_at

    @admin.action(
        permissions=["change"], location=BOTH_PLACES,
        description=_("Run this source now"), description_plural=_("Run the selected sources now"),
    )
    def run_now(self, request, queryset) -> None:
        sources = list(queryset.order_by("name"))
        enabled = [source for source in sources if source.enabled]
        for source in enabled:
            import_source.delay_on_commit(source.pk)
        if enabled:
            message = gettext("Queued for a run now: %(names)s. The runs list shows their progress.") % {
                "names": ", ".join(source.name for source in enabled),
            }
            self.message_user(request, message, messages.SUCCESS)
        if disabled := [source.name for source in sources if not source.enabled]:
            self.message_user(request, gettext("Skipped, as they are disabled: %(names)s.") % {
                "names": ", ".join(disabled),
            }, messages.WARNING)


class ImportProblemInline(admin.TabularInline):
    model = ImportProblem
    fields = ["row", "label", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """Runs are written by the workers; editors read them and their problems."""

    list_display = [
        "source", "started_at", "status", "progress", "duration",
        "seen", "created", "updated", "unchanged", "failed", "candidates",
    ]
    list_filter = ["status", "source"]
    list_select_related = ["source"]
    inlines = [ImportProblemInline]
    readonly_fields = [field.name for field in ImportRun._meta.fields] + ["progress", "duration"]

    @admin.display(description=_("progress"))
    def progress(self, run: ImportRun) -> str | None:
        """Rows done of the rows read, while it runs; a finished run's counts say the rest."""
        if run.status != RunStatus.RUNNING:
            return None
        if run.total is None:
            return gettext("reading the source")
        return gettext("%(done)s of %(total)s") % {
            "done": number_format(run.done, force_grouping=True),
            "total": number_format(run.total, force_grouping=True),
        }

    @admin.display(description=_("duration"))
    def duration(self, run: ImportRun) -> str | None:
        if run.finished_at is None:
            return None
        seconds = max(0, round((run.finished_at - run.started_at).total_seconds()))
        return f"{seconds // 3600}:{seconds // 60 % 60:02}:{seconds % 60:02}"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Candidate)
class CandidateAdmin(ReviewedByActions, admin.ModelAdmin):
    """The queue of press releases that imports found: an editor accepts each into a new decision or rejects it."""

    list_display = ["press_release", "source", "published", "announced_amount", "status"]
    list_display_links = ["status"]  # the title links out to the press release itself
    list_filter = ["status", "source"]
    list_select_related = ["source"]
    search_fields = ["title", "summary", "url"]
    fields = [
        "title", "url", "source", "published", ("amount", "currency"), "language", "summary",
        "status", "decision", "reviewed_at", "found_at", "external_id",
    ]
    actions = ["reject"]
    change_form_template = "admin/fines/candidate/change_form.html"

    @admin.display(description=_("press release"), ordering="title")
    def press_release(self, candidate: Candidate) -> str:
        return _external_link(candidate.url, candidate.title) if candidate.url else candidate.title

    @admin.display(description=_("amount"), ordering="amount")
    def announced_amount(self, candidate: Candidate) -> str | None:
        return None if candidate.amount is None else money(candidate.amount, candidate.currency)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if (
            obj is not None and obj.status == CandidateStatus.PENDING
            and self.admin_site.get_model_admin(Decision).has_add_permission(request)
        ):
            context["accept_url"] = reverse("admin:fines_decision_add") + "?" + urlencode({"candidate": obj.pk})
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.action(
        permissions=["change"], location=BOTH_PLACES,
        description=_("Reject this candidate"), description_plural=_("Reject the selected candidates"),
    )
    def reject(self, request, queryset) -> None:
        selected = list(queryset)
        rejected = 0
        for candidate in selected:
            if candidate.status != CandidateStatus.PENDING:
                continue
            try:
                review.candidate_reject(candidate=candidate)
            except review.CandidateReviewed:  # reviewed by someone else since the page was shown
                continue
            rejected += 1
        if rejected:
            self.message_user(request, ngettext(
                "Rejected %(count)d candidate.", "Rejected %(count)d candidates.", rejected
            ) % {"count": rejected}, messages.SUCCESS)
        if left := len(selected) - rejected:
            self.message_user(request, ngettext(
                "%(count)d candidate was already reviewed and is left as it was.",
                "%(count)d candidates were already reviewed and are left as they were.",
                left,
            ) % {"count": left}, messages.WARNING)


class DisagreementStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("open")), ("resolved", _("resolved"))]

    def queryset(self, request, queryset):
        if self.value() in ("open", "resolved"):
            return queryset.filter(resolved_at__isnull=self.value() == "open")
        return queryset


@admin.register(Disagreement)
class DisagreementAdmin(ReviewedByActions, admin.ModelAdmin):
    """Fields where a source says one thing and the register another: an editor settles each."""

    list_display = [
        "decision_reference", "source", "field", "in_the_register", "the_source_says", "found_at", "resolved_at",
    ]
    list_filter = [DisagreementStateFilter, "field", "provenance__source"]
    list_select_related = ["decision", "provenance"]
    search_fields = ["=decision__number", "decision__organisation__name", "provenance__external_id", "field"]
    fields = ["decision", "provenance", "field", "register_value", "source_value", "found_at", "resolved_at"]
    actions = ["keep_register_value", "take_source_value"]

    @admin.display(description=_("decision"), ordering="decision__number")
    def decision_reference(self, disagreement: Disagreement) -> str:
        return _admin_link(Decision, disagreement.decision_id, disagreement.decision.reference)

    @admin.display(description=_("source"), ordering="provenance__source")
    def source(self, disagreement: Disagreement) -> str:
        return f"{disagreement.provenance.source} {disagreement.provenance.external_id}"

    @admin.display(description=_("in the register"))
    def in_the_register(self, disagreement: Disagreement) -> str:
        return Truncator(disagreement.register_value).chars(80)

    @admin.display(description=_("the source says"))
    def the_source_says(self, disagreement: Disagreement) -> str:
        return Truncator(disagreement.source_value).chars(80)

    @admin.action(
        permissions=["change"], location=BOTH_PLACES,
        description=_("Keep the register’s value"),
        description_plural=_("Keep the register’s values of the selected disagreements"),
    )
    def keep_register_value(self, request, queryset) -> None:
        open_ones = list(queryset.filter(resolved_at__isnull=True))
        for disagreement in open_ones:
            review.disagreement_keep(disagreement=disagreement)
        self._report(request, settled=len(open_ones), selected=queryset.count())

    @admin.action(
        permissions=["change"], location=BOTH_PLACES,
        description=_("Take the source’s value"),
        description_plural=_("Take the source’s values of the selected disagreements"),
    )
    def take_source_value(self, request, queryset) -> None:
        settled, refused = 0, []
        for disagreement in queryset.filter(resolved_at__isnull=True).select_related("decision", "provenance"):
            try:
                review.disagreement_take_source(disagreement=disagreement)
            except (RecordError, ValidationError) as error:  # the source's value does not fit the decision as it is
                reasons = error.problems if isinstance(error, RecordError) else error.messages
                refused.append(f"{disagreement.decision.reference} {disagreement.field}: {'; '.join(reasons)}")
            else:
                settled += 1
        self._report(request, settled=settled, selected=queryset.count() - len(refused))
        if refused:
            self.message_user(request, gettext("Not taken, the register keeps its value: %(reasons)s") % {
                "reasons": " · ".join(refused),
            }, messages.ERROR)

    def _report(self, request, *, settled: int, selected: int) -> None:
        if settled:
            self.message_user(request, ngettext(
                "Settled %(count)d disagreement.", "Settled %(count)d disagreements.", settled
            ) % {"count": settled}, messages.SUCCESS)
        if left := selected - settled:
            self.message_user(request, ngettext(
                "%(count)d disagreement was already settled.", "%(count)d disagreements were already settled.", left
            ) % {"count": left}, messages.WARNING)
