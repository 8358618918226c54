"""Pieces the editors' admin screens share."""
from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib.admin import ActionLocation
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

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
