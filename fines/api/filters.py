"""The API's query strings: the register's own filters, and a 400 that names every bad parameter."""
from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import APIException
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.views import APIView

from fines.filters import CountryFilter, decision_filter
from fines.models import Authority, Organisation, OrganisationAlias
from fines.vocabularies import AuthorityKind

# What every list takes besides its filters: the page, its size, and DRF's ?format=.
LIST_PARAMETERS = frozenset({"page", "page_size", "format"})
DETAIL_PARAMETERS = frozenset({"format"})
# The API answers in JSON only; ?format=json is accepted because DRF's own links add it.
FORMATS = frozenset({"json"})


class InvalidQuery(APIException):
    """A 400 whose body says, by parameter, what was wrong: {"detail": ..., "errors": {"year": [...]}}."""

    status_code = 400
    default_code = "invalid_query"
    message = _("The query string has parameters that are not valid.")

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__({"detail": self.message, "errors": errors})


def unknown_parameters(query: QueryDict, allowed: frozenset[str]) -> dict[str, list[str]]:
    """Parameters an endpoint does not take, and a ?format= it cannot answer in; it says so rather than ignore them."""
    errors = {
        key: [str(_("is not a parameter of this endpoint."))]
        for key in query
        if key not in allowed and not key.startswith("utm_")
    }
    return {**format_errors(query), **errors}


def format_errors(query: QueryDict) -> dict[str, list[str]]:
    if any(value and value not in FORMATS for value in query.getlist("format")):
        return {"format": [str(_("is not a format of the API, which answers in JSON (format=json)."))]}
    return {}


class RegisterContentNegotiation(DefaultContentNegotiation):
    """An unknown ?format= is answered in JSON, so that the view can refuse it with a 400 that names it
    (``format_errors``) alongside any other bad parameter, rather than DRF's bare 404."""

    def filter_renderers(self, renderers: list, format: str) -> list:
        return [renderer for renderer in renderers if renderer.format == format] or renderers[:1]


class RegisterFilterBackend(DjangoFilterBackend):
    """Filters a list with its view's FilterSet through ``fines.filters.decision_filter``.

    So the API refuses what the public list refuses (unknown keys, NUL characters, date_from after
    date_to...) with the same messages, as a 400 instead of silently listing everything.
    """

    def filter_queryset(self, request: Request, queryset: QuerySet, view: APIView) -> QuerySet:
        filterset, errors = decision_filter(
            request.query_params,
            queryset,
            filterset_class=self.get_filterset_class(view, queryset),
            extra_parameters=getattr(view, "query_parameters", LIST_PARAMETERS),
        )
        for key, messages in format_errors(request.query_params).items():
            errors.setdefault(key, messages)
        if errors:
            raise InvalidQuery(errors)
        return filterset.qs


class AuthorityFilter(django_filters.FilterSet):
    country = CountryFilter(label=_("Country"))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=AuthorityKind.choices)

    class Meta:
        model = Authority
        fields: list[str] = []


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name"), method="filter_name", max_length=200)

    class Meta:
        model = Organisation
        fields: list[str] = []

    def filter_name(self, queryset: QuerySet[Organisation], name: str, value: str) -> QuerySet[Organisation]:
        value = value.strip()
        if not value:
            return queryset
        # A subquery rather than a join, so that no organisation is listed twice.
        aliases = OrganisationAlias.objects.filter(name__icontains=value).values("organisation")
        return queryset.filter(Q(name__icontains=value) | Q(pk__in=aliases))
