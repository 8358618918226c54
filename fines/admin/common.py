"""Pieces the editors' admin screens share."""
from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib.admin import ActionLocation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ForeignKey
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from ..vocabularies import DatePrecision

BOTH_PLACES = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]


def check_date_precision(cleaned: dict, date_field: str, precision_field: str = "date_precision") -> None:
    value, precision = cleaned.get(date_field), cleaned.get(precision_field)
    if precision == DatePrecision.UNKNOWN and value:
        raise ValidationError({precision_field: _("The date is known: choose day, month or year.")})
    if precision and precision != DatePrecision.UNKNOWN and not value:
        raise ValidationError({date_field: _("Enter the date, or set its precision to “unknown”.")})
    if value and precision == DatePrecision.MONTH and value.day != 1:
        raise ValidationError({date_field: _("With month precision, enter the first day of the month.")})
    if value and precision == DatePrecision.YEAR and (value.month, value.day) != (1, 1):
        raise ValidationError({date_field: _("With year precision, enter 1 January of the year.")})


def external_link(url: str, text: str) -> str:
    """A link out of the admin; only http(s), since imported URLs were never validated by a form."""
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        return text
    return format_html('<a href="{}" rel="noopener noreferrer">{}</a>', url, text)


def admin_link(model: type, pk: int, text: str) -> str:
    return format_html('<a href="{}">{}</a>', reverse(f"admin:fines_{model._meta.model_name}_change", args=[pk]), text)


class ReviewedByActions:
    """For rows that change only through their review actions: the list and each row's page offer the
    actions, the page itself is for reading (no form to save, so no way around the review services)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request)


class ReadOnlyFormSet(BaseInlineFormSet):
    """Rows to read, never submitted: it ignores the POST, so a row that an import adds or resolves while an
    editor has the page open cannot upset the editor's save."""

    def __init__(self, data=None, files=None, **kwargs):
        super().__init__(**kwargs)

    def is_valid(self) -> bool:
        return True

    def save(self, commit: bool = True) -> list:
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        return []


class _LabelledValues(HistoricalRecordContextHelper):
    """Values of fields with choices by their labels ("upheld on appeal"), as the change form shows them."""

    def prepare_delta_change_value(self, change, value):
        choices = self.model._meta.get_field(change.field).flatchoices
        if choices and not isinstance(value, list):
            return dict(choices).get(value, value)
        return super().prepare_delta_change_value(change, value)


class HistoryAdmin(SimpleHistoryAdmin):
    """The "History" button lists every change to the row: when, by whom, why, and each field old -> new.

    Past versions can be looked at but not restored (SIMPLE_HISTORY_REVERT_DISABLED): a restore would save
    the row around its form's checks and without its inlines. The version page refuses a POST too, which
    django-simple-history would otherwise save even with reverts disabled.
    """

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        # As django-simple-history's, without its select_related() of no fields for a model without foreign
        # keys, which Django 6.1 deprecates.
        related = [field.name for field in history_manager.model.tracked_fields if isinstance(field, ForeignKey)]
        return history_manager.filter(**{pk_name: object_id}).select_related("history_user", *related)

    def get_historical_record_context_helper(self, request, historical_record):
        return _LabelledValues(self.model, historical_record)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

