"""What imports do and find: sources, runs with their problems, candidates and disagreements."""
from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .. import review
from ..interchange import RecordError
from ..models import (
    Candidate,
    Decision,
    Disagreement,
    ImportProblem,
    ImportRun,
    ImportSource,
)
from ..tasks import import_source
from ..templatetags.fines import money
from ..vocabularies import CandidateStatus, RunStatus
from .common import BOTH_PLACES, ReviewedByActions, admin_link, external_link


@admin.register(ImportSource)
class ImportSourceAdmin(admin.ModelAdmin):
    list_display = [
        "name", "title", "format", "authority", "every_minutes", "enabled", "publish_imports",
        "last_run_status", "last_run_at",
    ]
    list_filter = ["format", "enabled", "publish_imports"]
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

    def get_readonly_fields(self, request, obj: ImportSource | None = None) -> list[str]:
        # A source that publishes what it imports publishes without review: only those who may publish set it.
        readonly = list(super().get_readonly_fields(request, obj))
        may_publish = self.admin_site.get_model_admin(Decision).has_publish_permission(request)
        return readonly if may_publish else [*readonly, "publish_imports"]

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

    list_display = ["started_at", "source_name", "status", "progress", "duration", "counts"]
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

    @admin.display(description=_("source"), ordering="source__name")
    def source_name(self, run: ImportRun) -> str:
        return run.source.name

    @admin.display(description=_("rows"))
    def counts(self, run: ImportRun) -> str | None:
        """What a finished run did with the rows it saw, in one line rather than six narrow columns."""
        if run.status == RunStatus.RUNNING:
            return None
        return gettext(
            "%(seen)s seen: %(created)s created, %(updated)s updated, %(unchanged)s unchanged, "
            "%(failed)s failed, %(candidates)s candidates"
        ) % {name: number_format(getattr(run, name), force_grouping=True)
             for name in ("seen", "created", "updated", "unchanged", "failed", "candidates")}

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
        return external_link(candidate.url, candidate.title) if candidate.url else candidate.title

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
        return admin_link(Decision, disagreement.decision_id, disagreement.decision.reference)

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
