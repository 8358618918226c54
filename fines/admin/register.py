"""The register's other entries: organisations, authorities and the GDPR's articles."""
from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import history, services
from ..models import (
    Article,
    Authority,
    AuthorityAlias,
    Organisation,
    OrganisationAlias,
)
from ..names import name_key, text_key
from .common import HistoryAdmin

# How each kind of alias is matched: an organisation's without its legal form, an authority's by its words.
ALIAS_KEYS = {OrganisationAlias: name_key, AuthorityAlias: text_key}


class AliasesAdmin(HistoryAdmin):
    """For a model with other names inline: each alias is saved with the key that imports match it by."""

    def save_formset(self, request, form, formset, change: bool) -> None:
        key = ALIAS_KEYS.get(formset.model)
        if key is None:
            super().save_formset(request, form, formset, change)
            return
        for alias in formset.save(commit=False):
            alias.name_key = key(alias.name)
            alias.save()
        for alias in formset.deleted_objects:
            alias.delete()


class OrganisationAliasInline(admin.TabularInline):
    model = OrganisationAlias
    extra = 0
    fields = ["name"]


@admin.register(Organisation)
class OrganisationAdmin(AliasesAdmin):
    list_display = ["name", "parent", "country", "sector", "needs_review"]
    list_filter = ["needs_review", "sector", "country"]
    list_select_related = ["parent"]
    search_fields = ["name", "aliases__name"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OrganisationAliasInline]
    actions = ["merge_organisations"]
    object_history_template = "admin/fines/organisation/object_history.html"

    def history_view(self, request, object_id, extra_context=None):
        """Above the organisation's own versions, its aliases added, renamed and removed."""
        organisation = self.get_object(request, unquote(object_id))
        if organisation is not None and self.has_view_or_change_permission(request, organisation):
            extra_context = {**(extra_context or {}), "alias_log": history.alias_log(organisation)[::-1]}
        return super().history_view(request, object_id, extra_context)

    def save_model(self, request, obj: Organisation, form, change: bool) -> None:
        obj.name_key = name_key(obj.name)
        super().save_model(request, obj, form, change)

    # Editors may merge although they may not delete organisations: a merge deletes only the emptied
    # duplicate, after its decisions, subsidiaries and names have moved to the one that stays. Nothing
    # of the register is lost, so it is a change, and needs change permission only.
    @admin.action(description=_("Merge the selected organisations…"), permissions=["change"])
    def merge_organisations(self, request, queryset):
        organisations = list(queryset.select_related("parent")[:3])
        if len(organisations) != 2:
            self.message_user(request, gettext("Select exactly two organisations to merge."), messages.WARNING)
            return None
        plans = [
            services.organisation_merge_plan(keep=organisations[0], merge=organisations[1]),
            services.organisation_merge_plan(keep=organisations[1], merge=organisations[0]),
        ]
        chosen = next((plan for plan in plans if str(plan.keep.pk) == request.POST.get("keep")), None)
        if request.POST.get("post") == "yes" and chosen is not None:
            return self._merge(request, chosen)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Merge two organisations"),
            "opts": self.opts,
            "plans": plans,
            "organisations": organisations,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "not_chosen": request.POST.get("post") == "yes",
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/fines/organisation/merge.html", context)

    def _merge(self, request, plan: services.OrganisationMerge) -> None:
        try:
            done = services.organisation_merge(keep=plan.keep, merge=plan.merge)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return None
        summary = gettext(
            "“%(merge)s” is merged into “%(keep)s”. Moved: decisions %(decisions)d, subsidiaries "
            "%(subsidiaries)d; names kept as aliases: %(aliases)s."
        ) % {
            "merge": done.merge.name, "keep": done.keep.name, "decisions": done.decisions,
            "subsidiaries": done.subsidiaries, "aliases": ", ".join(done.aliases) or gettext("none"),
        }
        self.log_deletions(request, [plan.merge])
        self.log_change(request, plan.keep, summary)
        self.message_user(request, summary, messages.SUCCESS)
        return None


class AuthorityAliasInline(admin.TabularInline):
    model = AuthorityAlias
    extra = 0
    fields = ["name"]


@admin.register(Authority)
class AuthorityAdmin(AliasesAdmin):
    list_display = ["short_name", "name", "country", "kind", "needs_review"]
    list_filter = ["needs_review", "country", "kind"]
    search_fields = ["short_name", "name", "slug", "aliases__name"]
    prepopulated_fields = {"slug": ["short_name"]}
    inlines = [AuthorityAliasInline]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "chapter"]
    search_fields = ["=number", "title", "title_nl"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
