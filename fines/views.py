"""Public pages. A view reads the request, asks a queryset for the rows, and renders."""
from __future__ import annotations

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connection
from django.db.models import Count, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .filters import DEFAULT_SORT, NON_FILTER_PARAMETERS, SORT_LABELS, decision_filter
from .models import Authority, Decision, DecisionQuerySet, Organisation
from .vocabularies import Status


def _published() -> DecisionQuerySet:
    return Decision.objects.published().with_related()


def problems_response(request: HttpRequest, errors: dict[str, list[str]]) -> HttpResponse:
    problems = [(key, ", ".join(request.GET.getlist(key)), messages) for key, messages in errors.items()]
    return render(request, "400.html", {"problems": problems}, status=400)


def _paginate(request: HttpRequest, queryset, per_page: int):
    """The requested page, or a (status, message) pair for a page that is not a number or does not exist."""
    paginator = Paginator(queryset, per_page)
    number = request.GET.get("page", "1")
    try:
        return paginator.page(number), None
    except PageNotAnInteger:
        return None, {"page": [_("“%(page)s” is not a page number.") % {"page": number}]}
    except EmptyPage:
        raise Http404(_("There is no page %(page)s of this list.") % {"page": number}) from None


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    fines = Decision.objects.published().fines()
    headline = fines.aggregate(
        count=Count("pk"),
        total_eur=Sum("amount_eur"),
        largest_eur=Max("amount_eur"),
        countries=Count("authority__country", distinct=True),
        authorities=Count("authority", distinct=True),
    )
    return render(
        request,
        "fines/home.html",
        {
            "headline": headline,
            "largest": fines.with_related().order_by("-amount_eur", "-number")[:5],
            "latest": fines.with_related().order_by("-decision_date", "-number")[:8],
            "notices": Decision.objects.published().filter(status=Status.PROPOSED).count(),
        },
    )


@require_safe
def decision_list(request: HttpRequest) -> HttpResponse:
    filterset, errors = decision_filter(request.GET, _published(), extra_parameters=NON_FILTER_PARAMETERS)
    if errors:
        return problems_response(request, errors)
    page, page_errors = _paginate(request, filterset.qs, settings.FINES_PAGE_SIZE)
    if page_errors:
        return problems_response(request, page_errors)
    return render(
        request,
        "fines/decision_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "decisions": page.object_list,
            "countries": Authority.objects.values_list("country", flat=True).distinct().order_by("country"),
            "sort": request.GET.get("sort") or DEFAULT_SORT,
            "sort_labels": SORT_LABELS,
            "active_filters": sum(key not in ("page", "sort") for key in filterset.data),
        },
    )


@require_safe
def decision_detail(request: HttpRequest, number: int, slug: str | None = None) -> HttpResponse:
    decision = get_object_or_404(
        _published().prefetch_related("appeals", "sources", "article_citations__article"), number=number
    )
    organisation = decision.organisation
    group = organisation.parent or (organisation if organisation.subsidiaries.exists() else None)
    same_organisation = _published().exclude(pk=decision.pk)
    same_organisation = (
        same_organisation.for_organisation(group) if group else same_organisation.filter(organisation=organisation)
    )
    return render(
        request,
        "fines/decision_detail.html",
        {
            "decision": decision,
            "group": group,
            "same_organisation": same_organisation.order_by("-decision_date", "-number")[:10],
            "same_authority": _published()
            .filter(authority=decision.authority)
            .exclude(pk=decision.pk)
            .order_by("-decision_date", "-number")[:10],
        },
    )


def _with_totals(queryset, prefix: str):
    """Annotate authorities or organisations with their published fines: count, total and largest in EUR."""
    published = Q(**{f"{prefix}is_published": True}) & ~Q(**{f"{prefix}status": Status.PROPOSED})
    return queryset.annotate(
        fine_count=Count(f"{prefix}pk", filter=published, distinct=True),
        total_eur=Sum(f"{prefix}amount_eur", filter=published),
        largest_eur=Max(f"{prefix}amount_eur", filter=published),
    )


@require_safe
def authority_list(request: HttpRequest) -> HttpResponse:
    authorities = _with_totals(Authority.objects.all(), "decisions__").order_by("country", "short_name")
    return render(request, "fines/authority_list.html", {"authorities": authorities})


@require_safe
def authority_detail(request: HttpRequest, slug: str) -> HttpResponse:
    authority = get_object_or_404(_with_totals(Authority.objects.all(), "decisions__"), slug=slug)
    decisions = _published().filter(authority=authority).order_by("-decision_date", "-number")
    page, page_errors = _paginate(request, decisions, settings.FINES_PAGE_SIZE)
    if page_errors:
        return problems_response(request, page_errors)
    return render(
        request, "fines/authority_detail.html", {"authority": authority, "page_obj": page, "decisions": page.object_list}
    )


def _group_totals(queryset):
    """Annotate organisations with the published fines of themselves and their subsidiaries."""
    fines = (
        Decision.objects.published()
        .fines()
        .for_organisation(OuterRef("pk"))
        .order_by()
        .annotate(group=Value(1))
        .values("group")
    )
    return queryset.annotate(
        fine_count=Coalesce(Subquery(fines.annotate(n=Count("pk")).values("n")), 0),
        total_eur=Subquery(fines.annotate(total=Sum("amount_eur")).values("total")),
    )


@require_safe
def organisation_list(request: HttpRequest) -> HttpResponse:
    organisations = (
        _group_totals(Organisation.objects.filter(parent__isnull=True))
        .prefetch_related("subsidiaries")
        .order_by("name")
    )
    return render(request, "fines/organisation_list.html", {"organisations": organisations})


@require_safe
def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(
        Organisation.objects.select_related("parent").prefetch_related("subsidiaries", "aliases"), slug=slug
    )
    decisions = _published().for_organisation(organisation).order_by("-decision_date", "-number")
    totals = decisions.fines().aggregate(count=Count("pk"), total_eur=Sum("amount_eur"))
    page, page_errors = _paginate(request, decisions, settings.FINES_PAGE_SIZE)
    if page_errors:
        return problems_response(request, page_errors)
    return render(
        request,
        "fines/organisation_detail.html",
        {"organisation": organisation, "totals": totals, "page_obj": page, "decisions": page.object_list},
    )


def decision_by_reference(request: HttpRequest, reference: str) -> HttpResponse:
    """/fines/ft-12/ and other spellings lead to the canonical /fines/FT-12/."""
    digits = reference.upper().removeprefix("FT-").removeprefix("FT")
    if not digits.isdigit():
        raise Http404(_("“%(reference)s” is not a finetracker reference.") % {"reference": reference})
    return redirect("fines:decision_detail", number=int(digits), permanent=True)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness, with the database and the Celery broker checked."""
    from finetracker.celery import app

    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy; say which
        checks["database"] = f"error: {error.__class__.__name__}"
    try:
        with app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as error:  # noqa: BLE001
        checks["broker"] = f"error: {error.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unhealthy", **checks}, status=200 if healthy else 503)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", {"problems": []}, status=400)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = exception.args[0] if exception and exception.args and isinstance(exception.args[0], str) else ""
    return render(request, "404.html", {"message": message}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)
