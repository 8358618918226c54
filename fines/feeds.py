"""An Atom feed of any filtered view of the register: follow one company, a group, an authority or a country."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from .countries import country_name
from .filters import DecisionFilter, decision_filter
from .models import Decision
from .templatetags.fines import money, money_short
from .views import problems_response
from .vocabularies import Status

FEED_SIZE = 50
# Filters the feed's title names; any other narrows the selection, and the title says it is filtered.
_TITLED_FILTERS = frozenset({"authority", "organisation", "country"})


class _InvalidFilters(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(errors)


@dataclass(frozen=True)
class Selection:
    """What one request follows: the valid filterset and the query string that chose it."""

    filterset: DecisionFilter
    query: str

    def with_query(self, path: str) -> str:
        return f"{path}?{self.query}" if self.query else path


def selection_subject(filterset: DecisionFilter) -> str:
    """What the filters follow, in words: "fines by CNIL against Google LLC", or "GDPR fines"."""
    data = filterset.form.cleaned_data
    parts = []
    if authorities := data.get("authority"):
        parts.append(_("by %(authorities)s") % {"authorities": ", ".join(a.short_name for a in authorities)})
    elif countries := data.get("country"):
        parts.append(_("in %(countries)s") % {"countries": ", ".join(country_name(code) for code in countries)})
    if organisation := data.get("organisation"):
        parts.append(_("against %(organisation)s") % {"organisation": organisation.name})
    subject = " ".join([_("fines"), *parts]) if parts else _("GDPR fines")
    if any(key in filterset.filters and key not in _TITLED_FILTERS | {"sort"} for key in filterset.data):
        subject = _("%(subject)s (filtered)") % {"subject": subject}
    return subject


def decision_headline(decision: Decision) -> str:
    """ "CNIL fines Google LLC €50 million"; a notice of intent says it is not (yet) a fine."""
    values = {
        "authority": decision.authority.short_name,
        "organisation": decision.organisation.name,
        "amount": money_short(decision.amount, decision.currency),
    }
    if decision.status == Status.PROPOSED:
        return _("%(authority)s intends to fine %(organisation)s %(amount)s") % values
    return _("%(authority)s fines %(organisation)s %(amount)s") % values


class DecisionFeed(Feed):
    feed_type = Atom1Feed
    author_name = "finetracker"

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return super().__call__(request, *args, **kwargs)
        except _InvalidFilters as invalid:
            return problems_response(request, invalid.errors)

    def get_object(self, request: HttpRequest, *args, **kwargs) -> Selection:
        filterset, errors = decision_filter(
            request.GET, Decision.objects.published().with_related(), extra_parameters=frozenset()
        )
        if errors:
            raise _InvalidFilters(errors)
        return Selection(filterset=filterset, query=request.GET.urlencode())

    def title(self, selection: Selection) -> str:
        return f"finetracker: {selection_subject(selection.filterset)}"

    def subtitle(self, selection: Selection) -> str:
        return _("Decisions in finetracker, the open register of GDPR fines: %(subject)s") % {
            "subject": selection_subject(selection.filterset)
        }

    def link(self, selection: Selection) -> str:
        return selection.with_query(reverse("fines:decision_list"))

    def feed_url(self, selection: Selection) -> str:
        return selection.with_query(reverse("fines:feed"))

    def items(self, selection: Selection):
        # The list's order, newest decision first unless the URL asks for another sort.
        return selection.filterset.qs[:FEED_SIZE]

    def item_title(self, decision: Decision) -> str:
        return decision_headline(decision)

    def item_description(self, decision: Decision) -> str:
        authority, organisation = decision.authority, decision.organisation
        facts = [
            (_("Authority"), f"{authority.name} ({country_name(authority.country)})"),
            (_("Organisation"), organisation.name + (f" ({organisation.parent.name})" if organisation.parent else "")),
            (_("Amount"), money(decision.amount, decision.currency)),
        ]
        if decision.currency != "EUR" and decision.amount_eur is not None:
            facts.append((_("In euros"), "≈ " + money(decision.amount_eur)))
        if decision.current_amount is not None and decision.current_amount != decision.amount:
            facts.append((_("Stands now"), money(decision.current_amount, decision.currency)))
        facts.append((_("Status"), decision.get_status_display()))
        return format_html(
            "<p>{}</p>{}",
            format_html_join(mark_safe("<br>"), "{}: {}", facts),
            format_html("<p>{}</p>", decision.summary) if decision.summary else "",
        )

    def item_pubdate(self, decision: Decision) -> datetime.datetime | None:
        if decision.decision_date is None:
            return None
        return datetime.datetime.combine(decision.decision_date, datetime.time(), timezone.get_default_timezone())

    def item_updateddate(self, decision: Decision) -> datetime.datetime:
        return decision.date_added

    def item_categories(self, decision: Decision) -> list[str]:
        return [decision.status, decision.legal_basis, decision.authority.country]


decision_feed = require_safe(DecisionFeed())
