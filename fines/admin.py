"""The editors' admin: enter and correct decisions, their appeals and sources."""
from __future__ import annotations

import datetime

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import services
from .currency import ConversionError, known_currencies
from .models import (
    AppealEvent,
    Article,
    ArticleCitation,
    Authority,
    Candidate,
    Decision,
    ImportProblem,
    ImportRun,
    ImportSource,
    Organisation,
    OrganisationAlias,
    Source,
)
from .names import name_key
from .vocabularies import DatePrecision

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


class OrganisationAliasInline(admin.TabularInline):
    model = OrganisationAlias
    extra = 0
    fields = ["name"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "country", "sector"]
    list_filter = ["sector", "country"]
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


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ["short_name", "name", "country", "kind"]
    list_filter = ["country", "kind"]
    search_fields = ["short_name", "name", "slug"]
    prepopulated_fields = {"slug": ["short_name"]}


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
    list_display = ["name", "title", "format", "authority", "every_minutes", "enabled"]
    list_filter = ["format", "enabled"]
    search_fields = ["name", "title", "url"]
    autocomplete_fields = ["authority"]
    prepopulated_fields = {"name": ["title"]}


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

    list_display = ["source", "started_at", "status", "seen", "created", "updated", "unchanged", "failed", "candidates"]
    list_filter = ["status", "source"]
    list_select_related = ["source"]
    inlines = [ImportProblemInline]
    readonly_fields = [field.name for field in ImportRun._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    list_display = ["title", "source", "published", "amount", "currency", "status"]
    list_filter = ["status", "source"]
    list_select_related = ["source"]
    search_fields = ["title", "summary", "url"]
    readonly_fields = ["source", "external_id", "url", "found_at", "reviewed_at", "decision"]
