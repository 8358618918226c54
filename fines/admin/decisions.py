"""Decisions, with their appeals, sources and cited articles, and what imports found out about them."""
from __future__ import annotations

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .. import history, review, services
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
from .bulk import BulkUploadMixin
from .common import BOTH_PLACES, HistoryAdmin, ReadOnlyFormSet, check_date_precision

# The fields that say which decision it is: a change to any of them may make it look like another one.
IDENTIFYING_FIELDS = ("authority", "organisation", "decision_date", "amount", "currency")


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
    separate_decision = forms.BooleanField(
        label=_("This is a separate decision; save it anyway"), required=False,
        help_text=_("Same-day fines against one organisation, or two fines of the same amount, do happen."),
    )

    class Meta:
        model = Decision
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lookalikes: list[Decision] = []

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
        self._check_lookalikes(cleaned)
        return cleaned

    def _check_lookalikes(self, cleaned: dict) -> None:
        """Refuse to save what looks like a decision the register has, until the editor confirms it is another.

        A change is checked only when it touches what identifies the decision, so that a pair confirmed
        once as two decisions does not ask again at every correction.
        """
        if self.errors:
            return  # what is wrong with the fields comes first; the next save compares what they then say
        if self.instance.pk is not None and not set(self.changed_data) & set(IDENTIFYING_FIELDS):
            return
        self.lookalikes = list(services.decision_lookalikes(
            authority=cleaned["authority"], organisation=cleaned["organisation"],
            decision_date=cleaned.get("decision_date"), amount=cleaned["amount"], currency=cleaned["currency"],
            exclude_pk=self.instance.pk,
        )[:10])
        if self.lookalikes and not cleaned.get("separate_decision"):
            raise ValidationError(
                _("This looks like a decision the register already has (see below). If it is a separate "
                  "decision, tick “%(confirm)s” and save again."),
                code="lookalike", params={"confirm": self.fields["separate_decision"].label},
            )


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


class SourceFormSet(BaseInlineFormSet):
    """A published decision keeps at least one source that readers can check."""

    def clean(self):
        super().clean()
        if any(self.errors) or not self.instance.is_published:
            return
        if not any(form.cleaned_data and not form.cleaned_data.get("DELETE") for form in self.forms):
            raise ValidationError(_("A published decision needs at least one source: add one, or leave it a draft."))


class SourceInline(admin.TabularInline):
    model = Source
    formset = SourceFormSet
    extra = 0
    min_num = 1
    fields = ["url", "title", "language", "kind"]


class ArticleCitationInline(admin.TabularInline):
    model = ArticleCitation
    extra = 0
    autocomplete_fields = ["article"]
    fields = ["article", "provision"]


class PublicationFilter(admin.SimpleListFilter):
    title = _("publication")
    parameter_name = "publication"

    def lookups(self, request, model_admin):
        return [("draft", _("drafts")), ("published", _("published"))]

    def queryset(self, request, queryset):
        if self.value() in ("draft", "published"):
            return queryset.filter(is_published=self.value() == "published")
        return queryset


@admin.register(Decision)
class DecisionAdmin(BulkUploadMixin, HistoryAdmin):
    form = DecisionForm
    change_form_template = "admin/fines/decision/change_form.html"
    object_history_template = "admin/fines/decision/object_history.html"
    list_display = [
        "reference", "organisation", "authority", "decision_date", "amount", "currency", "amount_eur", "status",
        "publication",
    ]
    list_display_links = ["reference", "organisation"]
    list_filter = [PublicationFilter, "status", "legal_basis", "authority__country", "violation_type", "sector"]
    list_select_related = ["organisation", "authority"]
    search_fields = ["organisation__name", "organisation__parent__name", "authority__short_name", "case_number", "summary", "=number"]
    autocomplete_fields = ["authority", "organisation"]
    date_hierarchy = "decision_date"
    readonly_fields = ["reference", "amount_eur", "eur_rate", "eur_rate_date", "current_amount_eur", "date_added", "updated_at"]
    inlines = [AppealEventInline, SourceInline, ArticleCitationInline]
    actions = ["publish", "unpublish"]
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

    @admin.display(description=_("publication"), ordering="is_published")
    def publication(self, decision: Decision) -> str:
        return gettext("published") if decision.is_published else gettext("draft")

    def view_on_site(self, decision: Decision) -> str | None:
        return decision.get_absolute_url() if decision.is_published else None  # a draft has no public page

    # Publishing: only chief editors (fines.publish_decision) decide what the public sees. Without the
    # permission, "published" is shown but is not a field of the form, so no POST can set it.

    def has_publish_permission(self, request) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.publish_decision")

    def get_readonly_fields(self, request, obj: Decision | None = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly if self.has_publish_permission(request) else [*readonly, "is_published"]

    def _log_publication(self, request, decision: Decision) -> None:
        """In the decision's admin history, as a change of the field, the way the form would log it."""
        with translation.override(None):  # stored in English; the history page translates it
            field = str(Decision._meta.get_field("is_published").verbose_name)
        self.log_change(request, decision, [{"changed": {"fields": [field]}}])

    @admin.action(
        permissions=["publish"], location=BOTH_PLACES,
        description=_("Publish this decision"), description_plural=_("Publish the selected decisions"),
    )
    def publish(self, request, queryset) -> None:
        published, already, refused = 0, 0, []
        for decision in queryset.order_by("number"):
            try:
                changed = services.decision_publish(decision=decision)
            except ValidationError as error:
                refused.append(f"{decision.reference} ({'; '.join(error.messages)})")
                continue
            if changed:
                self._log_publication(request, decision)
            published += changed
            already += not changed
        if published:
            self.message_user(request, ngettext(
                "Published %(count)d decision.", "Published %(count)d decisions.", published
            ) % {"count": published}, messages.SUCCESS)
        if already:
            self.message_user(request, ngettext(
                "%(count)d decision was published already.", "%(count)d decisions were published already.", already
            ) % {"count": already}, messages.WARNING)
        if refused:
            self.message_user(request, gettext(
                "Not published, as their data would not pass: %(decisions)s. Correct them and publish again."
            ) % {"decisions": " · ".join(refused)}, messages.ERROR)

    @admin.action(
        permissions=["publish"], location=BOTH_PLACES,
        description=_("Unpublish this decision (back to draft)"),
        description_plural=_("Unpublish the selected decisions (back to drafts)"),
    )
    def unpublish(self, request, queryset) -> None:
        selected = list(queryset.order_by("number"))
        changed = [decision for decision in selected if services.decision_unpublish(decision=decision)]
        for decision in changed:
            self._log_publication(request, decision)
        if changed:
            self.message_user(request, ngettext(
                "%(references)s is a draft again, off the public site.",
                "%(references)s are drafts again, off the public site.",
                len(changed),
            ) % {"references": ", ".join(decision.reference for decision in changed)}, messages.SUCCESS)
        if left := len(selected) - len(changed):
            self.message_user(request, ngettext(
                "%(count)d decision was a draft already.", "%(count)d decisions were drafts already.", left
            ) % {"count": left}, messages.WARNING)

    def history_view(self, request, object_id, extra_context=None):
        """Above the decision's own versions, its whole log: with its appeals, sources and articles cited."""
        decision = self.get_object(request, unquote(object_id))
        if decision is not None and self.has_view_or_change_permission(request, decision):
            log = history.decision_log(decision, editors=True)
            extra_context = {**(extra_context or {}), "decision_log": log.entries[::-1]}
        return super().history_view(request, object_id, extra_context)

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
