"""Decisions, with their appeals, sources and cited articles, and what imports found out about them."""
from __future__ import annotations

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import review, services
from ..currency import ConversionError, known_currencies
from ..models import (
    AppealEvent,
    ArticleCitation,
    Candidate,
    Decision,
    Disagreement,
    Provenance,
    Source,
)
from ..vocabularies import CandidateStatus
from .common import ReadOnlyFormSet, check_date_precision


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
        check_date_precision(cleaned, "decision_date")
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
        check_date_precision(cleaned, "date")
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
