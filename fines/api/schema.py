"""The OpenAPI description of the API's query parameters, read from the FilterSets themselves.

drf-spectacular already turns a django-filter FilterSet into parameters; this adds what it cannot guess
from a filter (a year is an integer, a country a two-letter code) and says what each parameter means.
"""
from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.django_filters import DjangoFilterExtension

DECISION_PARAMETERS = {
    "q": _(
        "Text to look for in the organisation's name, its group's name or its aliases, the authority's name "
        "(or exact short name), the case number and the summary."
    ),
    "country": _("Country of the authority, as an ISO 3166-1 alpha-2 code (FR, LU…). Repeat for several."),
    "authority": _("An authority's slug, as in /api/authorities/ (cnil, cnpd…). Repeat for several."),
    "organisation": _(
        "An organisation's slug, as in /api/organisations/. A group includes the decisions of its subsidiaries."
    ),
    "sector": _("Sector of the organisation fined."),
    "violation": _("Type of violation."),
    "article": _(
        "A GDPR article (6) or provision (5(1)(f)); a provision includes the ones below it, so 5(1) finds 5(1)(f)."
    ),
    "status": _("Status of the decision; proposed is a notice of intent, not a fine. Repeat for several."),
    "legal_basis": _("gdpr, or eprivacy for fines under ePrivacy or other national law. Both when not given."),
    "year": _("Year of the decision."),
    "date_from": _("Decided on or after this date (YYYY-MM-DD)."),
    "date_to": _("Decided on or before this date (YYYY-MM-DD)."),
    "min_eur": _("Amount imposed, in EUR, at least this."),
    "max_eur": _("Amount imposed, in EUR, at most this."),
    "sort": _("Order of the results; -date (newest first) when not given."),
}
PARAMETER_HELP = {
    "Decision": DECISION_PARAMETERS,
    "Authority": {
        "country": _("Country, as an ISO 3166-1 alpha-2 code (FR, LU…). Repeat for several."),
        "kind": _("Kind of authority."),
    },
    "Organisation": {"q": _("Text to look for in the organisation's name and its aliases.")},
}
# Types the filters' form fields enforce but the filters alone do not show.
PARAMETER_SCHEMA: dict[str, dict[str, Any]] = {
    "year": {"type": "integer", "minimum": 1995, "maximum": 2100},
    "min_eur": {"type": "number", "minimum": 0},
    "max_eur": {"type": "number", "minimum": 0},
}
COUNTRY_SCHEMA = {"type": "string", "pattern": "^[A-Za-z]{2}$", "example": "FR"}


class RegisterFilterExtension(DjangoFilterExtension):
    target_class = "fines.api.filters.RegisterFilterBackend"
    match_subclasses = True
    priority = 1

    def _get_model_field(self, filter_field, model):
        # A model choice filter is given the value of its queryset's to_field_name (a slug), whatever
        # its field_name says (authority__slug would otherwise be followed to a non-existent slug__slug).
        to_field_name = filter_field.extra.get("to_field_name")
        queryset = filter_field.extra.get("queryset")
        if to_field_name and queryset is not None and not callable(queryset):
            return queryset.model._meta.get_field(to_field_name)
        return super()._get_model_field(filter_field, model)

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field) -> list[dict]:
        parameters = super().resolve_filter_field(auto_schema, model, filterset_class, field_name, filter_field)
        for parameter in parameters:
            # The filter form sends every field, the empty ones too: an empty value means "any", as if not given.
            parameter["allowEmptyValue"] = True
            if field_name in PARAMETER_SCHEMA:
                parameter["schema"] = dict(PARAMETER_SCHEMA[field_name])
            elif field_name == "country":
                parameter["schema"] = {"type": "array", "items": dict(COUNTRY_SCHEMA)}
            if help_text := PARAMETER_HELP.get(model.__name__, {}).get(field_name):
                choices = parameter.get("description", "").partition("\n\n")[2]
                parameter["description"] = "\n\n".join(filter(None, [str(help_text), choices]))
        return parameters
