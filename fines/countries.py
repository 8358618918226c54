"""ISO 3166-1 alpha-2 country codes and their names in the reader's language (from CLDR, via Babel)."""
import re
import unicodedata
from functools import cache

from babel import Locale
from django.utils.translation import get_language

# Names sources use that CLDR's English names do not give, by their key (see _name_key).
_OTHER_NAMES = {
    "uk": "GB", "great britain": "GB", "england": "GB", "czech republic": "CZ", "holland": "NL",
    "slovak republic": "SK", "macedonia": "MK",
}
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


def _name_key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.replace("&", " and "))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", text).split()).removeprefix("the ")


@cache
def _codes_by_name() -> dict[str, str]:
    return {**{_name_key(name): code for code, name in _names("en").items()}, **_OTHER_NAMES}


def country_code(text: str) -> str:
    """The alpha-2 code of a country given by its code or its English name ("the Netherlands", "UK"); "" if none."""
    if text.strip().upper() in country_codes():
        return text.strip().upper()
    return _codes_by_name().get(_name_key(text), "")
