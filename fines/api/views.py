"""The API's endpoints. Each reads the request, asks a queryset for the rows, and serialises them."""
from __future__ import annotations

import json
from typing import Any

from django.db.models import F, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from fines.filters import DecisionFilter, decision_filter
from fines.models import Authority, Decision, DecisionQuerySet, Organisation, reference_number
from fines.stats import StatsFilter, decision_statistics, statistics_data

from . import schema  # noqa: F401 - registers the OpenAPI description of the filters
from .docs import api_reference
from .filters import (
    DETAIL_PARAMETERS,
    LIST_PARAMETERS,
    AuthorityFilter,
    InvalidQuery,
    OrganisationFilter,
    RegisterContentNegotiation,
    RegisterFilterBackend,
    unknown_parameters,
)
from .pagination import RegisterPagination
from .serializers import (
    AuthoritySerializer,
    DecisionSerializer,
    DetailSerializer,
    OrganisationSerializer,
    QueryErrorSerializer,
    StatisticsSerializer,
)

# The root's links: (key, URL name). /api/stats/ will join them.
ENDPOINTS: list[tuple[str, str]] = [
    ("decisions", "api:decision_list"),
    ("authorities", "api:authority_list"),
    ("organisations", "api:organisation_list"),
    ("stats", "api:statistics"),
    ("schema", "api:schema"),
    ("docs", "api:docs"),
]
# Texts of the schema are lazy, so that it (and the reference page read from it) is in the reader's language.
BAD_QUERY = OpenApiResponse(
    QueryErrorSerializer, description=gettext_lazy("A query parameter is unknown or not valid.")
)
NOT_FOUND = OpenApiResponse(DetailSerializer, description=gettext_lazy("No such object, or no such page."))
SLUG_HELP = gettext_lazy("As in the public page's address and in the list's slug field.")
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"  # Django's slug converter: any other path is a 404


def published_decisions() -> DecisionQuerySet:
    return (
        Decision.objects.published()
        .with_related()
        .prefetch_related("article_citations", "sources", "appeals")
    )


def authorities_with_totals() -> QuerySet[Authority]:
    return Authority.objects.with_fine_totals().order_by("country", "short_name", "slug")


def organisations_with_totals() -> QuerySet[Organisation]:
    return (
        Organisation.objects.select_related("parent")
        .prefetch_related(Prefetch("subsidiaries", Organisation.objects.order_by("slug")), "aliases")
        .with_group_totals()
        .order_by("name", "slug")
    )


class DetailQueryMixin:
    """A single object takes no filters: any parameter but ?format= is a 400, as on the lists."""

    content_negotiation_class = RegisterContentNegotiation

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if errors := unknown_parameters(request.query_params, DETAIL_PARAMETERS):
            raise InvalidQuery(errors)


class ApiRoot(DetailQueryMixin, APIView):
    """The API's endpoints."""

    @extend_schema(
        description=gettext_lazy("The API's endpoints."),
        responses={200: {"type": "object", "additionalProperties": {"type": "string", "format": "uri"}}},
        operation_id="api_root",
    )
    def get(self, request: Request, format: str | None = None) -> Response:
        return Response({key: reverse(name, request=request) for key, name in ENDPOINTS})


class DecisionList(generics.ListAPIView):
    """Published decisions, 50 a page, newest first unless sort says otherwise, filtered as on /fines/."""

    # The endpoints' descriptions for readers are given to extend_schema, marked for translation: drf-spectacular
    # puts them in the schema, and the reference page reads them from there, in the reader's language. (DRF's
    # OPTIONS answer still shows these docstrings.)

    content_negotiation_class = RegisterContentNegotiation
    serializer_class = DecisionSerializer
    filterset_class = DecisionFilter
    filter_backends = [RegisterFilterBackend]
    pagination_class = RegisterPagination

    def get_queryset(self) -> DecisionQuerySet:
        return published_decisions()

    @extend_schema(
        description=gettext_lazy(
            "Published decisions, 50 a page, newest first unless sort says otherwise.\n\n"
            "Takes the same query parameters as the public list at /fines/, so /fines/?country=FR&year=2021 and "
            "/api/decisions/?country=FR&year=2021 select the same decisions. Notices of intent (status proposed) "
            "are included unless a status filter leaves them out."
        ),
        responses={200: DecisionSerializer(many=True), 400: BAD_QUERY, 404: NOT_FOUND},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class DecisionDetail(DetailQueryMixin, generics.RetrieveAPIView):
    """One published decision, by its reference (FT-<n>), with its appeals and sources."""

    serializer_class = DecisionSerializer
    lookup_field = "number"

    def get_queryset(self) -> DecisionQuerySet:
        return published_decisions()

    @extend_schema(
        operation_id="decisions_retrieve",
        description=gettext_lazy("One published decision, by its reference (FT-<n>), with its appeals and sources."),
        parameters=[
            OpenApiParameter("number", int, OpenApiParameter.PATH, description=gettext_lazy("The n of FT-<n>."))
        ],
        responses={200: DecisionSerializer, 400: BAD_QUERY, 404: NOT_FOUND},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class AuthorityList(generics.ListAPIView):
    """Authorities, by country, with the count and totals of their published fines."""

    content_negotiation_class = RegisterContentNegotiation
    serializer_class = AuthoritySerializer
    filterset_class = AuthorityFilter
    filter_backends = [RegisterFilterBackend]
    pagination_class = RegisterPagination

    def get_queryset(self) -> QuerySet[Authority]:
        return authorities_with_totals()

    @extend_schema(
        description=gettext_lazy("Authorities, by country, with the count and totals of their published fines."),
        responses={200: AuthoritySerializer(many=True), 400: BAD_QUERY, 404: NOT_FOUND},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class AuthorityDetail(DetailQueryMixin, generics.RetrieveAPIView):
    """One authority, by its slug."""

    serializer_class = AuthoritySerializer
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Authority]:
        return authorities_with_totals()

    @extend_schema(
        description=gettext_lazy("One authority, by its slug."),
        parameters=[
            OpenApiParameter("slug", str, OpenApiParameter.PATH, description=SLUG_HELP, pattern=SLUG_PATTERN)
        ],
        responses={200: AuthoritySerializer, 400: BAD_QUERY, 404: NOT_FOUND},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class OrganisationList(generics.ListAPIView):
    """Organisations by name, with their group, subsidiaries, aliases, turnover and fines."""

    content_negotiation_class = RegisterContentNegotiation
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    filter_backends = [RegisterFilterBackend]
    pagination_class = RegisterPagination

    def get_queryset(self) -> QuerySet[Organisation]:
        return organisations_with_totals()

    @extend_schema(
        description=gettext_lazy(
            "Organisations by name, with their group, subsidiaries, aliases, turnover and fines."
        ),
        responses={200: OrganisationSerializer(many=True), 400: BAD_QUERY, 404: NOT_FOUND},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class OrganisationDetail(DetailQueryMixin, generics.RetrieveAPIView):
    """One organisation, by its slug."""

    serializer_class = OrganisationSerializer
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Organisation]:
        return organisations_with_totals()

    @extend_schema(
        description=gettext_lazy("One organisation, by its slug."),
        parameters=[
            OpenApiParameter("slug", str, OpenApiParameter.PATH, description=SLUG_HELP, pattern=SLUG_PATTERN)
        ],
        responses={200: OrganisationSerializer, 400: BAD_QUERY, 404: NOT_FOUND},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class Statistics(generics.GenericAPIView):
    """Statistics of the decisions the filters select, as /stats/ shows them."""

    content_negotiation_class = RegisterContentNegotiation
    filterset_class = StatsFilter
    filter_backends = [RegisterFilterBackend]
    query_parameters = DETAIL_PARAMETERS

    def get_queryset(self) -> DecisionQuerySet:
        return Decision.objects.published()

    @extend_schema(
        operation_id="stats_retrieve",
        description=gettext_lazy(
            "Statistics of the decisions the filters select: the same parameters as /api/decisions/ and /stats/.\n\n"
            "Notices of intent are left out unless notices=1 (or a status filter asks for them); ePrivacy and "
            "national-law fines count unless eprivacy=0, and by_legal_basis shows them apart. The totals equal "
            "the sum of amount_eur over /fines/export.csv of the same decisions: the export counts notices of "
            "intent unless its status filter leaves them out, so the /stats/ page links to the export that matches."
        ),
        filters=True,
        responses={200: StatisticsSerializer, 400: BAD_QUERY},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        selection = self.filter_queryset(self.get_queryset())
        return Response(statistics_data(decision_statistics(selection)))


@require_safe
def decision_by_reference(request: HttpRequest, reference: str) -> HttpResponse:
    """/api/decisions/ft-12/ and other spellings lead to /api/decisions/FT-12/, as on the public site."""
    number = reference_number(reference)
    if number is None:
        message = _("“%(reference)s” is not a finetracker reference.") % {"reference": reference}
        return JsonResponse({"detail": message}, status=404)
    return redirect("api:decision_detail", number=number, permanent=True)


def not_found(request: HttpRequest) -> JsonResponse:
    message = _("There is no such address in the API; its endpoints are listed at %(root)s.") % {
        "root": request.build_absolute_uri(reverse("api:root"))
    }
    return JsonResponse({"detail": message}, status=404)


# Example calls on the reference page, by operation; {names} come from the register's largest fine.
EXAMPLES: dict[str, list[str]] = {
    "api_root": [""],
    "decisions_list": [
        "decisions/?country=FR&sort=-amount_eur",
        "decisions/?organisation={organisation}",
        "decisions/?article=5(1)(f)&year=2023&page_size=100",
        "decisions/?status=upheld&status=final&min_eur=1000000",
    ],
    "decisions_retrieve": ["decisions/{reference}/"],
    "authorities_list": ["authorities/?country={country}"],
    "authorities_retrieve": ["authorities/{authority}/"],
    "organisations_list": ["organisations/?q={organisation_name}"],
    "organisations_retrieve": ["organisations/{organisation}/"],
    "stats_retrieve": ["stats/?country={country}", "stats/?organisation={organisation}&notices=1"],
}


@require_safe
def docs(request: HttpRequest) -> HttpResponse:
    """The API's reference, rendered on the server from its OpenAPI schema, with example calls."""
    largest = (
        Decision.objects.published().fines().with_related()
        .order_by(F("amount_eur").desc(nulls_last=True), "-number")
        .first()
    )
    names = {
        "reference": "FT-1", "authority": "cnil", "country": "FR",
        "organisation": "example", "organisation_name": "google",
    }
    if largest:
        group = largest.organisation.parent or largest.organisation
        names.update(
            reference=largest.reference,
            authority=largest.authority.slug,
            country=largest.authority.country,
            organisation=group.slug,
            organisation_name=group.name.split()[0].lower(),
        )
    base = request.build_absolute_uri(reverse("api:root"))
    reference = api_reference(translation.get_language() or "en")
    order = list(EXAMPLES)
    endpoints = [
        (endpoint, [base + example.format(**names) for example in EXAMPLES.get(endpoint.operation_id, [])])
        for endpoint in sorted(
            reference.endpoints, key=lambda e: order.index(e.operation_id) if e.operation_id in order else len(order)
        )
    ]
    error_query = "year=twenty&date_from=2021-02-30"
    _, errors = decision_filter(QueryDict(error_query), Decision.objects.none(), extra_parameters=LIST_PARAMETERS)
    return render(
        request,
        "api/docs.html",
        {
            "base": base,
            "endpoints": endpoints,
            "objects": reference.objects,
            "error_query": f"{reverse('api:decision_list')}?{error_query}",
            "error_example": _error_body(errors),
            "schema_url": request.build_absolute_uri(reverse("api:schema")),
            "schema_path": reverse("api:schema"),
            "fines_url": reverse("fines:decision_list"),
            "list_parameters": sorted(LIST_PARAMETERS),
        },
    )


def _error_body(errors: dict[str, list[str]]) -> str:
    """A 400's body as the reference page shows it: one line per parameter."""
    lines = [f"    {json.dumps(key)}: {json.dumps(messages, ensure_ascii=False)}" for key, messages in errors.items()]
    detail = json.dumps(str(InvalidQuery.message), ensure_ascii=False)
    return "{\n" + f'  "detail": {detail},\n  "errors": {{\n' + ",\n".join(lines) + "\n  }\n}"
