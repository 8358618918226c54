"""Money, dates and countries formatted for the reader's language."""
from __future__ import annotations

import datetime
import re
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.numbers import format_compact_decimal, format_currency, format_decimal, format_percent, get_currency_symbol
from django import template
from django.http import QueryDict
from django.template.defaultfilters import date as format_date
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..countries import country_name
from ..vocabularies import DatePrecision

register = template.Library()
_LETTER_THEN_DIGIT = re.compile(r"([A-Za-z])(?=[-\d])")


def _locale() -> str:
    return (get_language() or "en").replace("-", "_")


@cache
def _whole_pattern(locale: str) -> str:
    """The locale's currency pattern without its fraction digits."""
    return Locale.parse(locale).currency_formats["standard"].pattern.replace(".00", "")


@register.filter
def money(amount: Decimal | None, currency: str = "EUR") -> str:
    """The exact amount: "€746,000,000" / "€ 746.000.000"; cents only when there are any."""
    if amount is None or amount == "":
        return "–"
    locale = _locale()
    if amount == amount.to_integral_value():
        text = format_currency(amount, currency, locale=locale, format=_whole_pattern(locale), currency_digits=False)
    else:
        text = format_currency(amount, currency, locale=locale)
    # CLDR's currency spacing, which Babel leaves out: "SEK 58,000,000", not "SEK58,000,000".
    return _LETTER_THEN_DIGIT.sub("\\1\u00a0", text)


@register.filter
def money_short(amount: Decimal | None, currency: str = "EUR") -> str:
    """A rounded amount in words: "€746 million" / "€ 746 miljoen", "SEK 58 million"."""
    if amount is None or amount == "":
        return "–"
    locale = _locale()
    if abs(amount) < 1_000_000:
        return money(amount.quantize(Decimal(1)), currency)
    figure = format_compact_decimal(amount, format_type="long", locale=locale, fraction_digits=1)
    symbol = get_currency_symbol(currency, locale=locale)
    joiner = "" if locale.startswith("en") and len(symbol) == 1 else "\u00a0"
    return f"{symbol}{joiner}{figure}"


@register.filter
def rate(value: Decimal | None) -> str:
    return "–" if value is None else format_decimal(value, format="#,##0.0###", locale=_locale())


@register.filter
def partial_date(value: datetime.date | None, precision: str = DatePrecision.DAY) -> str:
    """A date only as precise as it is known: "15 July 2021", "July 2021", "2021"."""
    if value is None or precision == DatePrecision.UNKNOWN:
        return _("date unknown")
    fmt = {DatePrecision.MONTH: "F Y", DatePrecision.YEAR: "Y"}.get(precision, "j F Y")
    return format_date(value, fmt)


@register.filter
def country(code: str) -> str:
    return country_name(code) if code else ""


@register.filter
def flag(code: str) -> str:
    """The flag emoji of a country code (regional indicator symbols)."""
    if not code or len(code) != 2 or not code.isalpha():
        return ""
    return "".join(chr(0x1F1E6 + ord(letter) - ord("A")) for letter in code.upper())


@register.filter
def narrow(query: str, filter_query: str) -> str:
    """A list query string narrowed by one more filter ("country=FR"), replacing that filter's values."""
    data = QueryDict(query, mutable=True)
    key, _separator, value = filter_query.partition("=")
    if key:
        data.setlist(key, [value])
    return data.urlencode()


@register.filter
def percent(value: Decimal | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    return format_percent(value, format=f"#,##0.{'0' * digits}%", locale=_locale())


@register.filter
def ratio(value: Decimal) -> str:
    return format_decimal(value, format="#,##0.0", locale=_locale())


def _references(selection: str) -> list[str]:
    return [part.strip().upper() for part in selection.split(",") if part.strip()]


@register.filter
def add_reference(selection: str, reference: str) -> str:
    """The comparison selection ("FT-1,FT-2") with one more decision."""
    references = _references(selection)
    return ",".join(references if reference in references else [*references, reference])


@register.filter
def remove_reference(selection: str, reference: str) -> str:
    return ",".join(part for part in _references(selection) if part != reference)
