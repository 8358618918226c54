"""ISO 3166-1 alpha-2 country codes and their names in the reader's language (from CLDR, via Babel)."""
from functools import cache

from babel import Locale
from django.utils.translation import get_language

# CLDR territories that are not countries, or are user-assigned codes.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


@cache
def _names(language: str) -> dict[str, str]:
    territories = Locale.parse(language).territories
    return {
        code: name
        for code, name in territories.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    }


def country_codes() -> frozenset[str]:
    return frozenset(_names("en"))


def country_name(code: str, language: str | None = None) -> str:
    language = (language or get_language() or "en").split("-")[0]
    return _names(language).get(code, code)
