"""What the API says about a decision, an authority and an organisation.

Money is a decimal string ("746000000.00"), never a float, in the currency named beside it; dates are
ISO 8601, and a decision or appeal date of month or year precision is written as 2021-07 or 2021.
"""
from __future__ import annotations

import datetime
from typing import Any

from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.reverse import reverse

from fines.interchange import format_partial_date
from fines.models import AppealEvent, Authority, Decision, Organisation, Source
from fines.vocabularies import Sector, ViolationType


@extend_schema_field(
    {
        "type": "string",
        "nullable": True,
        "pattern": r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$",
        "example": "2021-07-15",
        "description": _("YYYY-MM-DD, or YYYY-MM / YYYY when only the month or year is known; null when unknown."),
    }
)
class PartialDateField(serializers.Field):
    """A date written only as precisely as it is known, from the instance's date and date_precision."""

    def __init__(self, date_attribute: str, **kwargs: Any):
        self.date_attribute = date_attribute
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance: Decision | AppealEvent) -> str | None:
        value: datetime.date | None = getattr(instance, self.date_attribute)
        return format_partial_date(value, instance.date_precision) or None


@extend_schema_field(OpenApiTypes.URI)
class AbsoluteUrlField(serializers.Field):
    """The public page of the object, as an absolute URL."""

    def __init__(self, **kwargs: Any):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance: Any) -> str:
        return self.context["request"].build_absolute_uri(instance.get_absolute_url())


@extend_schema_field(OpenApiTypes.URI)
class ApiUrlField(serializers.Field):
    """The object in this API, as an absolute URL."""

    def __init__(self, view_name: str, lookup: str, url_kwarg: str | None = None, **kwargs: Any):
        self.view_name = view_name
        self.lookup = lookup
        self.url_kwarg = url_kwarg or lookup
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance: Any) -> str:
        return reverse(
            self.view_name, kwargs={self.url_kwarg: getattr(instance, self.lookup)}, request=self.context["request"]
        )


class BlankAsNull:
    """A value the register does not have is null rather than "" (free text, like a summary, stays "")."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, read_only=True, allow_null=True, **kwargs)  # type: ignore[call-arg]

    def to_representation(self, value: Any) -> Any:
        return super().to_representation(value) if value not in ("", None) else None  # type: ignore[misc]


class OptionalChoiceField(BlankAsNull, serializers.ChoiceField):
    pass


class OptionalCharField(BlankAsNull, serializers.CharField):
    pass


class OptionalURLField(BlankAsNull, serializers.URLField):
    pass


COUNTRY_HELP = _("ISO 3166-1 alpha-2 code.")


class AuthoritySummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Authority
        fields = ["slug", "name", "short_name", "country"]
        read_only_fields = fields
        extra_kwargs = {"country": {"help_text": COUNTRY_HELP}}


class GroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["slug", "name"]
        read_only_fields = fields


class OrganisationSummarySerializer(serializers.ModelSerializer):
    group = GroupSerializer(source="parent", read_only=True, allow_null=True, help_text=_("Its parent group, if any."))

    class Meta:
        model = Organisation
        fields = ["slug", "name", "group"]
        read_only_fields = fields


class SourceSerializer(serializers.ModelSerializer):
    language = OptionalCharField(help_text=_("Language of the document: en, fr, nl…"))

    class Meta:
        model = Source
        fields = ["url", "title", "language", "kind"]
        read_only_fields = fields
        extra_kwargs = {"kind": {"help_text": _("The decision's own text, a press release, or a news report.")}}


class AppealSerializer(serializers.ModelSerializer):
    date = PartialDateField("date")
    amount_after = serializers.DecimalField(
        max_digits=16, decimal_places=2, read_only=True, allow_null=True,
        help_text=_("The fine that stands after this step, in the decision's currency; null if it did not rule on it."),
    )
    source_url = OptionalURLField(help_text=_("Where the step is reported."))

    class Meta:
        model = AppealEvent
        fields = ["date", "date_precision", "body", "case_number", "outcome", "amount_after", "source_url", "note"]
        read_only_fields = fields
        extra_kwargs = {
            "date_precision": {"help_text": _("How precisely date is known.")},
            "body": {"help_text": _("The court or board.")},
            "case_number": {"help_text": _("The court's case number, if known.")},
        }


@extend_schema_serializer(
    description=_("A decision of an authority that fined (or gave notice of intent to fine) one organisation.")
)
class DecisionSerializer(serializers.ModelSerializer):
    """A decision of an authority that fined (or gave notice of intent to fine) one organisation."""

    # Expects article_citations, sources and appeals prefetched (see views.published_decisions).

    reference = serializers.CharField(read_only=True, help_text=_("Permanent public reference, FT-<n>."))
    url = AbsoluteUrlField(help_text=_("The decision's public page."))
    api_url = ApiUrlField("api:decision_detail", lookup="number", help_text=_("This decision in the API."))
    authority = AuthoritySummarySerializer(read_only=True)
    organisation = OrganisationSummarySerializer(read_only=True, help_text=_("The organisation fined."))
    decision_date = PartialDateField("decision_date")
    articles = serializers.SlugRelatedField(
        source="article_citations", slug_field="provision", many=True, read_only=True,
        help_text=_("GDPR provisions found infringed, in canonical form: 5(1)(f), 6, 32."),
    )
    violation_type = OptionalChoiceField(ViolationType.choices, help_text=_("Main type of violation, if classified."))
    sector = OptionalChoiceField(Sector.choices, help_text=_("Sector of the organisation fined, if known."))
    sources = SourceSerializer(many=True, read_only=True, help_text=_("Public documents about the decision."))
    appeals = AppealSerializer(many=True, read_only=True, help_text=_("The appeal's steps, oldest first."))

    class Meta:
        model = Decision
        fields = [
            "reference", "url", "api_url", "authority", "organisation", "decision_date", "date_precision",
            "announced_date", "amount", "currency", "amount_eur", "eur_rate", "eur_rate_date", "current_amount",
            "current_amount_eur", "amount_paid", "status", "legal_basis", "articles", "violation_type", "sector",
            "case_number", "summary", "sources", "appeals", "date_added",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "date_precision": {"help_text": _("How precisely decision_date is known.")},
            "announced_date": {"help_text": _("When the decision was made public, if known.")},
            "amount": {"help_text": _("The amount imposed, in currency.")},
            "currency": {"help_text": _("ISO 4217 code of amount, current_amount and amount_paid.")},
            "amount_eur": {
                "help_text": _("amount in EUR at eur_rate; null where the ECB has no rate for the currency.")
            },
            "eur_rate": {"help_text": _("The ECB reference rate used: units of currency per euro.")},
            "eur_rate_date": {
                "help_text": _("Date of eur_rate: the decision date, or the last ECB business day before.")
            },
            "current_amount": {"help_text": _("The amount that stands now, after appeals, in currency.")},
            "current_amount_eur": {"help_text": _("current_amount in EUR, at eur_rate.")},
            "amount_paid": {"help_text": _("The amount paid, in currency, where known.")},
            "status": {"help_text": _("Where the decision stands; proposed is a notice of intent, not a fine.")},
            "legal_basis": {"help_text": _("gdpr, or eprivacy for ePrivacy or other national law.")},
            "case_number": {"help_text": _("The authority's case number, if known.")},
            "summary": {"help_text": _("What the decision found, in a few sentences.")},
            "date_added": {"help_text": _("When the decision entered the register.")},
        }


@extend_schema_serializer(
    description=_(
        "An authority with the count, total and largest of its published fines (notices of intent left out)."
    )
)
class AuthoritySerializer(serializers.ModelSerializer):
    """An authority with the count, total and largest of its published fines (notices of intent left out)."""

    url = AbsoluteUrlField(help_text=_("The authority's public page."))
    api_url = ApiUrlField("api:authority_detail", lookup="slug", help_text=_("This authority in the API."))
    decisions_url = serializers.SerializerMethodField(help_text=_("Its decisions in the API."))
    website = OptionalURLField(help_text=_("The authority's own website."))
    fine_count = serializers.IntegerField(
        read_only=True, help_text=_("Its published fines (notices of intent left out).")
    )
    total_eur = serializers.DecimalField(
        max_digits=20, decimal_places=2, read_only=True, allow_null=True, help_text=_("Their total in EUR.")
    )
    largest_eur = serializers.DecimalField(
        max_digits=16, decimal_places=2, read_only=True, allow_null=True, help_text=_("The largest of them in EUR.")
    )

    class Meta:
        model = Authority
        fields = [
            "slug", "name", "short_name", "country", "kind", "website", "url", "api_url", "decisions_url",
            "fine_count", "total_eur", "largest_eur",
        ]
        read_only_fields = fields
        extra_kwargs = {"country": {"help_text": COUNTRY_HELP}}

    @extend_schema_field(OpenApiTypes.URI)
    def get_decisions_url(self, authority: Authority) -> str:
        return _decisions_url(self.context["request"], authority=authority.slug)


@extend_schema_serializer(
    description=_(
        "An organisation with its group, subsidiaries, aliases, turnover, and the fines "
        "of it and its subsidiaries."
    )
)
class OrganisationSerializer(serializers.ModelSerializer):
    """An organisation with its group, subsidiaries, aliases, turnover, and the fines of it and its subsidiaries."""

    url = AbsoluteUrlField(help_text=_("The organisation's public page."))
    api_url = ApiUrlField("api:organisation_detail", lookup="slug", help_text=_("This organisation in the API."))
    decisions_url = serializers.SerializerMethodField(help_text=_("Its decisions and its subsidiaries' in the API."))
    country = OptionalCharField(help_text=COUNTRY_HELP)
    sector = OptionalChoiceField(Sector.choices)
    group = GroupSerializer(source="parent", read_only=True, allow_null=True, help_text=_("Its parent group, if any."))
    subsidiaries = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True, help_text=_("Slugs of the organisations it heads.")
    )
    aliases = serializers.SlugRelatedField(
        slug_field="name", many=True, read_only=True, help_text=_("Other names sources use for it.")
    )
    turnover_currency = OptionalCharField(help_text=_("ISO 4217 code of turnover."))
    turnover_source = OptionalURLField(help_text=_("Where the turnover is published."))
    fine_count = serializers.IntegerField(
        read_only=True,
        help_text=_("Published fines of the organisation and its subsidiaries (notices of intent left out)."),
    )
    total_eur = serializers.DecimalField(
        max_digits=20, decimal_places=2, read_only=True, allow_null=True, help_text=_("Their total in EUR.")
    )

    class Meta:
        model = Organisation
        fields = [
            "slug", "name", "country", "sector", "group", "subsidiaries", "aliases", "turnover", "turnover_currency",
            "turnover_year", "turnover_source", "url", "api_url", "decisions_url", "fine_count", "total_eur",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_decisions_url(self, organisation: Organisation) -> str:
        return _decisions_url(self.context["request"], organisation=organisation.slug)


def _decisions_url(request: Any, **query: str) -> str:
    return f"{reverse('api:decision_list', request=request)}?{urlencode(query)}"


@extend_schema_serializer(description=_("The body of a 400: what was wrong, by query parameter."))
class QueryErrorSerializer(serializers.Serializer):
    """The body of a 400: what was wrong, by query parameter."""

    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_("Each bad parameter with the reasons it was refused."),
    )


@extend_schema_serializer(description=_("The body of a 404 or 405."))
class DetailSerializer(serializers.Serializer):
    """The body of a 404 or 405."""

    detail = serializers.CharField()


class StatisticsGroupSerializer(serializers.Serializer):
    key = serializers.CharField(
        allow_null=True,
        help_text=_(
            "What the group is, as the list filter spells it (a year, a country code, a slug...); null when unknown."
        ),
    )
    label = serializers.CharField(help_text=_("The group's name for readers."))
    count = serializers.IntegerField(help_text=_("Decisions in the group."))
    total_eur = serializers.DecimalField(
        max_digits=20, decimal_places=2, allow_null=True, help_text=_("Their total in EUR.")
    )


class StatisticsDecisionSerializer(serializers.Serializer):
    reference = serializers.CharField()
    organisation = serializers.CharField()
    authority = serializers.CharField(help_text=_("The authority's short name."))
    country = serializers.CharField(help_text=COUNTRY_HELP)
    decision_date = serializers.CharField(
        allow_null=True,
        help_text=_("YYYY-MM-DD, or YYYY-MM / YYYY when only the month or year is known; null when unknown."),
    )
    amount = serializers.DecimalField(max_digits=20, decimal_places=2)
    currency = serializers.CharField()
    amount_eur = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    url = serializers.CharField(help_text=_("The decision's public page (a path)."))


@extend_schema_serializer(description=_("Statistics of a selection of decisions; money as strings with two decimals."))
class StatisticsSerializer(serializers.Serializer):
    """Statistics of a selection of decisions; money as strings with two decimals."""

    count = serializers.IntegerField()
    total_eur = serializers.DecimalField(max_digits=20, decimal_places=2, help_text=_("Sum of the amounts imposed."))
    standing_eur = serializers.DecimalField(
        max_digits=20, decimal_places=2, help_text=_("Sum of what stands after appeals.")
    )
    median_eur = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    largest = StatisticsDecisionSerializer(allow_null=True)
    without_eur_amount = serializers.IntegerField(help_text=_("Decisions left out of the sums: no EUR amount."))
    by_legal_basis = StatisticsGroupSerializer(many=True)
    by_status = StatisticsGroupSerializer(many=True)
    by_year = StatisticsGroupSerializer(many=True)
    by_country = StatisticsGroupSerializer(many=True)
    by_authority = StatisticsGroupSerializer(many=True)
    by_sector = StatisticsGroupSerializer(many=True)
    by_violation = StatisticsGroupSerializer(many=True)
    by_article = StatisticsGroupSerializer(
        many=True, help_text=_("The most cited articles; a decision counts once per article.")
    )
    top = StatisticsDecisionSerializer(many=True, help_text=_("The ten largest fines."))
    record_progression = StatisticsDecisionSerializer(
        many=True, help_text=_("Each GDPR fine that was the largest so far on its date, oldest first.")
    )
