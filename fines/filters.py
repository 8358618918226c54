"""The list's filters (DESIGN section 5). Every view of the register is a query string over these."""
from __future__ import annotations

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from .articles import ArticleReferenceError, article_normalise
from .countries import country_codes, country_name
from .models import Authority, Decision, Organisation
from .vocabularies import LegalBasis, Sector, Status, ViolationType

# sort value -> order_by; the decision number breaks ties so that pages are stable.
SORTS = {
    "-date": (F("decision_date").desc(nulls_last=True), "-number"),
    "date": (F("decision_date").asc(nulls_last=True), "number"),
    "-amount_eur": (F("amount_eur").desc(nulls_last=True), "-number"),
    "amount_eur": (F("amount_eur").asc(nulls_last=True), "number"),
    "organisation": ("organisation__name", "-number"),
    "-organisation": ("-organisation__name", "-number"),
    "authority": ("authority__short_name", F("decision_date").desc(nulls_last=True), "-number"),
    "-authority": ("-authority__short_name", F("decision_date").desc(nulls_last=True), "-number"),
}
SORT_LABELS = {
    "-date": _("newest first"),
    "date": _("oldest first"),
    "-amount_eur": _("largest first"),
    "amount_eur": _("smallest first"),
    "organisation": _("organisation A–Z"),
    "-organisation": _("organisation Z–A"),
    "authority": _("authority A–Z"),
    "-authority": _("authority Z–A"),
}
DEFAULT_SORT = "-date"
# Query parameters that are not filters but still belong to a list URL.
NON_FILTER_PARAMETERS = frozenset({"page"})
DATE_INPUT = {"input_formats": ["%Y-%m-%d"], "widget": forms.DateInput(attrs={"type": "date"})}


class ArticleField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            return article_normalise(value)
        except ArticleReferenceError as error:
            raise forms.ValidationError(str(error)) from None


class CountryField(forms.MultipleChoiceField):
    """ISO alpha-2 codes; any country may be asked for, even one with no decisions yet."""

    def __init__(self, *args, **kwargs):
        kwargs["choices"] = lambda: sorted(((code, country_name(code)) for code in country_codes()), key=lambda c: c[1])
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        return [code.upper() for code in super().to_python(value)]


class CountryFilter(django_filters.MultipleChoiceFilter):
    field_class = CountryField


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class EuroAmountFilter(django_filters.NumberFilter):
    """An amount in euros, to the cent: an exponent such as 1E-999999 would make PostgreSQL refuse the query."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=0, decimal_places=2, **kwargs)


class DecisionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_text", max_length=200)
    country = CountryFilter(label=_("Country"), field_name="authority__country")
    authority = django_filters.ModelMultipleChoiceFilter(
        label=_("Authority"), field_name="authority__slug", to_field_name="slug",
        queryset=Authority.objects.order_by("country", "short_name"),
    )
    organisation = django_filters.ModelChoiceFilter(
        label=_("Organisation or group"), to_field_name="slug", queryset=Organisation.objects.all(),
        method="filter_organisation", widget=forms.TextInput,
    )
    sector = django_filters.ChoiceFilter(label=_("Sector"), choices=Sector.choices, empty_label=_("Any sector"))
    violation = django_filters.ChoiceFilter(
        label=_("Violation"), field_name="violation_type", choices=ViolationType.choices,
        empty_label=_("Any violation"),
    )
    article = django_filters.CharFilter(label=_("GDPR article"), method="filter_article")
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=Status.choices)
    legal_basis = django_filters.ChoiceFilter(
        label=_("Legal basis"), choices=LegalBasis.choices, empty_label=_("GDPR and ePrivacy")
    )
    year = YearFilter(
        label=_("Year"), field_name="decision_date", lookup_expr="year", min_value=1995, max_value=2100
    )
    date_from = django_filters.DateFilter(
        label=_("Decided from"), field_name="decision_date", lookup_expr="gte", **DATE_INPUT
    )
    date_to = django_filters.DateFilter(
        label=_("Decided until"), field_name="decision_date", lookup_expr="lte", **DATE_INPUT
    )
    min_eur = EuroAmountFilter(label=_("At least (EUR)"), field_name="amount_eur", lookup_expr="gte")
    max_eur = EuroAmountFilter(label=_("At most (EUR)"), field_name="amount_eur", lookup_expr="lte")
    sort = django_filters.ChoiceFilter(
        label=_("Sort"), choices=list(SORT_LABELS.items()), method="filter_sort", empty_label=None
    )

    class Meta:
        model = Decision
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.form.fields["article"] = ArticleField(label=_("GDPR article"), required=False, max_length=40)
        self.form.fields["year"].widget = forms.NumberInput(attrs={"min": 1995, "max": 2100})

    @property
    def qs(self) -> QuerySet[Decision]:
        queryset = super().qs
        if not self.is_valid() or not self.form.cleaned_data.get("sort"):
            queryset = queryset.order_by(*SORTS[DEFAULT_SORT])
        return queryset

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(organisation__name__icontains=value)
            | Q(organisation__parent__name__icontains=value)
            | Q(organisation__aliases__name__icontains=value)
            | Q(authority__name__icontains=value)
            | Q(authority__short_name__iexact=value)
            | Q(case_number__icontains=value)
            | Q(summary__icontains=value)
        ).distinct()

    def filter_organisation(self, queryset, name, value):
        return queryset.for_organisation(value)

    def filter_article(self, queryset, name, value):
        return queryset.for_article(value)

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*SORTS[value])


def without_empty_values(query: QueryDict) -> QueryDict:
    """The filter form submits every field; an empty one means "any", not an invalid choice."""
    data = QueryDict(mutable=True)
    for key in query:
        if values := [value for value in query.getlist(key) if value.strip()]:
            data.setlist(key, values)
    return data


def decision_filter(
    query: QueryDict,
    queryset: QuerySet[Decision],
    *,
    filterset_class: type[django_filters.FilterSet] = DecisionFilter,
    extra_parameters: frozenset[str] = frozenset(),
) -> tuple[django_filters.FilterSet, dict[str, list[str]]]:
    """The filterset for a query string, and everything wrong with it by parameter (empty when valid).

    Every view of the register (list, stats, exports, feed, API) reads its filters through here, so that
    they all accept, and refuse, the same URLs. ``extra_parameters`` are the view's own (e.g. ``page``).
    """
    filterset = filterset_class(without_empty_values(query), queryset=queryset)
    return filterset, filter_errors(filterset, list(query.keys()), extra_parameters=extra_parameters)


def filter_errors(
    filterset: django_filters.FilterSet, query_keys: list[str], *, extra_parameters: frozenset[str] = NON_FILTER_PARAMETERS
) -> dict[str, list[str]]:
    """Everything wrong with a list URL: unknown parameters and invalid values, by parameter."""
    errors: dict[str, list[str]] = {}
    known = set(filterset.filters) | extra_parameters
    for key in query_keys:
        if key not in known and not key.startswith("utm_"):
            errors[key] = [str(_("is not a filter of this list."))]
        elif any("\x00" in value for value in filterset.data.getlist(key)):
            errors[key] = [str(_("contains a NUL character."))]
    if errors:
        return errors
    if not filterset.is_valid():
        for key, messages in filterset.form.errors.items():
            errors.setdefault(key, []).extend(messages)
    else:
        data = filterset.form.cleaned_data
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            errors["date_to"] = [str(_("is before date_from."))]
        if data.get("min_eur") is not None and data.get("max_eur") is not None and data["min_eur"] > data["max_eur"]:
            errors["max_eur"] = [str(_("is below min_eur."))]
    return errors

