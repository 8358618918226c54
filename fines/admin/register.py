"""The register's other entries: organisations, authorities and the GDPR's articles."""
from __future__ import annotations

from django.contrib import admin

from ..models import (
    Article,
    Authority,
    AuthorityAlias,
    Organisation,
    OrganisationAlias,
)
from ..names import name_key, text_key


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
