"""Public pages. A view reads the request, asks a queryset for the rows, and renders."""
from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connection
from django.db.models import Count, Max, Sum
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .charts import BarChart, Row, bar_chart
from .compare import (
    MAXIMUM,
    MINIMUM,
    Compared,
    SelectionError,
    decisions_compare,
    ratios,
    selection_parse,
    selection_text,
)
from .filters import DEFAULT_SORT, NON_FILTER_PARAMETERS, SORT_LABELS, decision_filter
from .history import decision_log
from .models import Authority, Decision, DecisionQuerySet, Organisation, reference_number
from .stats import Group, StatsFilter, decision_statistics, export_query, record_holder
from .templatetags.fines import money_short
from .vocabularies import LegalBasis, Status


def _published() -> DecisionQuerySet:
    return Decision.objects.published().with_related()


def problems_response(request: HttpRequest, errors: dict[str, list[str]]) -> HttpResponse:
    problems = [(key, ", ".join(request.GET.getlist(key)), messages) for key, messages in errors.items()]
    return render(request, "400.html", {"problems": problems}, status=400)


def _found(queryset, message: str, **lookup):
    """The one object the lookup finds, or a 404 page that says in the reader's language what was missing."""
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404(message) from None


def _paginate(request: HttpRequest, queryset, per_page: int):
    """The requested page, or a (status, message) pair for a page that is not a number or does not exist."""
    paginator = Paginator(queryset, per_page)
    number = request.GET.get("page", "").strip() or "1"
    try:
        return paginator.page(number), None
    except PageNotAnInteger:
        return None, {"page": [_("“%(page)s” is not a page number.") % {"page": number}]}
    except EmptyPage:
        if int(number) < 1:
            return None, {"page": [_("“%(page)s” is not a page number.") % {"page": number}]}
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


def _filter_query(request: HttpRequest, *, drop: tuple[str, ...] = ("page", "fines")) -> str:
    """The request's filters alone, for links to the same selection in other views (stats, exports, feed)."""
    query = request.GET.copy()
    for key in drop:
        query.pop(key, None)
    return query.urlencode()


@require_safe
def decision_list(request: HttpRequest) -> HttpResponse:
    filterset, errors = decision_filter(
        request.GET, _published(), extra_parameters=NON_FILTER_PARAMETERS | {"fines"}
    )
    try:
        selection = selection_parse(request.GET.getlist("fines"))
    except SelectionError as error:
        errors["fines"] = [str(error)]
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
            "active_filters": sum(key not in ("page", "sort", "fines") for key in filterset.data),
            "compare_links": True,
            "selection": selection_text(selection),
            "selection_references": selection_text(selection).split(",") if selection else [],
            "selection_full": len(selection) >= MAXIMUM,
            "filter_query": _filter_query(request),
        },
    )


@require_safe
def decision_detail(request: HttpRequest, number: int, slug: str | None = None) -> HttpResponse:
    decision = _found(
        _published().prefetch_related("appeals", "sources", "article_citations__article"),
        _("There is no published decision FT-%(number)s.") % {"number": number},
        number=number,
    )
    organisation = decision.organisation
    group = organisation.parent or (organisation if organisation.subsidiaries.exists() else None)
    same_organisation = _published().exclude(pk=decision.pk)
    same_organisation = (
        same_organisation.for_organisation(group) if group else same_organisation.filter(organisation=organisation)
    )
    # Every decision can be set beside the largest GDPR fine of its time (today's, when its date is unknown).
    holder = record_holder(on=decision.decision_date or timezone.localdate(), excluding=decision)
    return render(
        request,
        "fines/decision_detail.html",
        {
            "decision": decision,
            "record_holder": holder,
            "breaks_record": bool(
                holder and decision.amount_eur and decision.status != Status.PROPOSED
                and decision.legal_basis == LegalBasis.GDPR and decision.decision_date
                and decision.amount_eur > holder.amount_eur
            ),
            "group": group,
            "changes": decision_log(decision),
            "same_organisation": same_organisation.order_by("-decision_date", "-number")[:10],
            "same_authority": _published()
            .filter(authority=decision.authority)
            .exclude(pk=decision.pk)
            .order_by("-decision_date", "-number")[:10],
        },
    )


@require_safe
def authority_list(request: HttpRequest) -> HttpResponse:
    authorities = Authority.objects.with_fine_totals().order_by("country", "short_name")
    return render(request, "fines/authority_list.html", {"authorities": authorities})


@require_safe
def authority_detail(request: HttpRequest, slug: str) -> HttpResponse:
    authority = _found(
        Authority.objects.with_fine_totals(), _("There is no authority “%(slug)s”.") % {"slug": slug},
        slug=slug,
    )
    decisions = _published().filter(authority=authority).order_by("-decision_date", "-number")
    page, page_errors = _paginate(request, decisions, settings.FINES_PAGE_SIZE)
    if page_errors:
        return problems_response(request, page_errors)
    return render(
        request,
        "fines/authority_detail.html",
        {
            "authority": authority,
            "page_obj": page,
            "decisions": page.object_list,
            "filter_query": urlencode({"authority": authority.slug}),
        },
    )


@require_safe
def organisation_list(request: HttpRequest) -> HttpResponse:
    organisations = (
        Organisation.objects.filter(parent__isnull=True).with_group_totals()
        .prefetch_related("subsidiaries")
        .order_by("name")
    )
    return render(request, "fines/organisation_list.html", {"organisations": organisations})


@require_safe
def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _found(
        Organisation.objects.select_related("parent").prefetch_related("subsidiaries", "aliases"),
        _("There is no organisation “%(slug)s”.") % {"slug": slug},
        slug=slug,
    )
    decisions = _published().for_organisation(organisation).order_by("-decision_date", "-number")
    totals = decisions.fines().aggregate(count=Count("pk"), total_eur=Sum("amount_eur"))
    page, page_errors = _paginate(request, decisions, settings.FINES_PAGE_SIZE)
    if page_errors:
        return problems_response(request, page_errors)
    return render(
        request,
        "fines/organisation_detail.html",
        {
            "organisation": organisation,
            "totals": totals,
            "page_obj": page,
            "decisions": page.object_list,
            "filter_query": urlencode({"organisation": organisation.slug}),
        },
    )


def decision_by_reference(request: HttpRequest, reference: str) -> HttpResponse:
    """/fines/ft-12/ and other spellings lead to the canonical /fines/FT-12/."""
    number = reference_number(reference)
    if number is None:
        raise Http404(_("“%(reference)s” is not a finetracker reference.") % {"reference": reference})
    return redirect("fines:decision_detail", number=number, permanent=True)


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


def _group_chart(id: str, title: str, description: str, groups: list[Group], *, by_count: bool = False) -> BarChart:
    rows = [
        Row(
            label=group.label,
            value=group.count if by_count else group.total_eur,
            display=str(group.count) if by_count else money_short(group.total_eur),
        )
        for group in groups
    ]
    return bar_chart(id=id, title=title, description=description, rows=rows)


def _decision_label(decision: Decision) -> str:
    return f"{decision.organisation.name} ({decision.authority.short_name})"


def _decisions_chart(id: str, title: str, description: str, decisions: list[Decision], *, with_year: bool = False):
    rows = [
        Row(
            f"{decision.decision_date.year} {_decision_label(decision)}" if with_year else _decision_label(decision),
            decision.amount_eur,
            money_short(decision.amount_eur),
            decision.get_absolute_url(),
        )
        for decision in decisions
    ]
    return bar_chart(id=id, title=title, description=description, rows=rows)


@dataclass(frozen=True)
class Breakdown:
    """One section of the statistics page: a chart of groups and the table beside it."""

    heading: str
    column: str
    groups: list[Group]
    chart: BarChart
    note: str = ""


@require_safe
def statistics(request: HttpRequest) -> HttpResponse:
    filterset, errors = decision_filter(request.GET, Decision.objects.published(), filterset_class=StatsFilter)
    if errors:
        return problems_response(request, errors)
    figures = decision_statistics(filterset.qs)
    summary = figures.summary
    if filterset.form.cleaned_data.get("article"):
        # A decision cites several articles: another article's row would widen the selection, not narrow it.
        figures.by_article = [replace(group, filter_query="") for group in figures.by_article]
    breakdowns = [
        Breakdown(
            heading=heading, column=column, groups=groups, note=note,
            chart=_group_chart(f"chart-{key}", title, description, groups[:15], by_count=key == "article"),
        )
        for key, heading, column, title, description, groups, note in [
            ("year", _("By year"), _("Year"), _("Total fined by year"),
             _("Sum of fines in EUR per year of decision."), figures.by_year, ""),
            ("country", _("By country"), _("Country"), _("Total fined by country"),
             _("Sum of fines in EUR per country of the authority."), figures.by_country, ""),
            ("authority", _("By authority"), _("Authority"), _("Total fined by authority"),
             _("Sum of fines in EUR per authority."), figures.by_authority, ""),
            ("sector", _("By sector"), _("Sector"), _("Total fined by sector"),
             _("Sum of fines in EUR per sector of the organisation."), figures.by_sector, ""),
            ("violation", _("By violation"), _("Violation"), _("Total fined by violation"),
             _("Sum of fines in EUR per type of violation."), figures.by_violation, ""),
            ("article", _("By GDPR article"), _("Article"), _("Most cited GDPR articles"),
             _("Number of decisions citing each article."), figures.by_article,
             _("A decision counts once for each article it cites, so these figures do not add up to the total.")),
        ]
    ]
    charts = {
        "top": _decisions_chart(
            "chart-top", _("The largest fines"), _("The ten largest fines in EUR, to scale."), figures.top
        ),
        "records": _decisions_chart(
            "chart-records", _("Record progression"),
            _("Each GDPR fine that was the largest so far on its date, oldest first, to scale."), figures.records,
            with_year=True,
        ),
        "standing": bar_chart(
            id="chart-standing", title=_("Imposed and standing now"),
            description=_("The sum of fines as imposed, and as they stand after appeals."),
            rows=[
                Row(str(_("Imposed")), summary.total_eur, money_short(summary.total_eur)),
                Row(str(_("Stands now")), summary.standing_eur, money_short(summary.standing_eur), secondary=True),
            ],
        ),
    }
    query = export_query(filterset)
    return render(
        request,
        "fines/statistics.html",
        {
            "filter": filterset,
            "figures": figures,
            "summary": summary,
            "charts": charts,
            "breakdowns": breakdowns,
            "list_query": query.urlencode(),
            "countries": Authority.objects.values_list("country", flat=True).distinct().order_by("country"),
            "active_filters": sum(key not in ("notices", "eprivacy", "sort") for key in filterset.data),
        },
    )


def _comparison_chart(compared: list[Compared]) -> BarChart:
    rows = []
    for item in compared:
        decision = item.decision
        amount = decision.amount_eur
        label = _decision_label(decision)
        if decision.status == Status.PROPOSED:
            label = str(_("%(label)s, proposed") % {"label": label})
        rows.append(Row(label, amount, money_short(amount), decision.get_absolute_url(),
                        secondary=decision.status == Status.PROPOSED))
        if decision.current_amount_eur is not None and decision.current_amount != decision.amount:
            standing = decision.current_amount_eur
            rows.append(Row(str(_("… stands now after appeal")), standing, money_short(standing), secondary=True))
    return bar_chart(
        id="chart-compare", title=_("Amounts to scale"),
        description=_("The amounts compared, in EUR, drawn to scale; a notice of intent is marked as proposed."),
        rows=rows,
    )


@require_safe
def compare(request: HttpRequest) -> HttpResponse:
    if unknown := [key for key in request.GET if key != "fines" and not key.startswith("utm_")]:
        return problems_response(request, {key: [_("is not a parameter of the comparison.")] for key in unknown})
    try:
        numbers = selection_parse(request.GET.getlist("fines"))
    except SelectionError as error:
        return problems_response(request, {"fines": [str(error)]})
    found = {
        decision.number: decision
        for decision in _published().prefetch_related("appeals", "article_citations").filter(number__in=numbers)
    }
    if missing := [number for number in numbers if number not in found]:
        message = _("No published decision has the reference %(references)s.") % {"references": selection_text(missing)}
        return problems_response(request, {"fines": [message]})
    decisions = [found[number] for number in numbers]
    compared = decisions_compare(decisions)
    return render(
        request,
        "fines/compare.html",
        {
            "compared": compared,
            "decisions": decisions,
            "ratios": ratios(decisions),
            "chart": _comparison_chart(compared) if len(decisions) >= MINIMUM else None,
            "selection": selection_text(numbers),
            "minimum": MINIMUM,
            "maximum": MAXIMUM,
        },
    )
