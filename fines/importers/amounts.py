"""Money read from the prose of press releases, in English, Dutch, French, German, Italian and Spanish.

A press release names a fine as "290 miljoen euro", "€ 4,75 miljoen", "150 millions d'euros" or
"£20m", often beside other money: the company's turnover, the damages a court awarded, the most the
law allows. `fine_in_text` picks the amount standing nearest a word for a fine and refuses to guess
when there is none.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str  # ISO 4217
    text: str  # as written, e.g. "35,3 Millionen Euro"
    start: int = field(default=0, compare=False)  # where `text` stands in the text it was read from
    end: int = field(default=0, compare=False)


# Currency before the number: "€ 4,75 miljoen", "NOK 65 million", "CHF 50'000".
_CURRENCY_BEFORE = {
    "€": "EUR", "eur": "EUR", "£": "GBP", "gbp": "GBP", "us$": "USD", "$": "USD", "usd": "USD",
    "nok": "NOK", "sek": "SEK", "dkk": "DKK", "isk": "ISK", "chf": "CHF", "pln": "PLN", "zł": "PLN",
    "czk": "CZK", "huf": "HUF", "ron": "RON", "bgn": "BGN", "hrk": "HRK",
}
# Currency after it: "290 miljoen euro", "150 millions d'euros", "2,8 mln zł".
_CURRENCY_AFTER = {
    **_CURRENCY_BEFORE,
    "euro": "EUR", "euros": "EUR", "pound": "GBP", "pounds": "GBP", "pounds sterling": "GBP",
    "dollar": "USD", "dollars": "USD", "złotych": "PLN", "zloty": "PLN", "kč": "CZK",
}

_SCALES: list[tuple[str, int]] = [
    # Longest first, so that "mil millones" is not read as "mil" (a thousand).
    (r"mil\s+millones", 10**9),
    (r"miljard(?:en)?|milliard(?:s|e|en)?|miliard[oi]|billions?|bn|mrd\.?", 10**9),
    (r"miljoen(?:en)?|million(?:s|en)?|milion[ei]|millones|mill[oó]n|mio\.?|mln\.?|mn|m", 10**6),
    (r"duizend|thousand|tausend|tsd\.?|mille|mila|mil|k", 10**3),
]


def _alternatives(words: list[str]) -> str:
    return "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in sorted(words, key=len, reverse=True))


# Digits grouped by thousands ("14.500.000", "1,200,000", "50'000", "1 500 000") with an optional
# decimal part, or plain digits with an optional decimal part ("4,75", "1.2", "290").
_NUMBER = r"""
    (?<![\d.,'])
    (?P<number>
        \d{1,3}(?:[.,'’\u00a0\u202f\ ]\d{3})+(?:[.,]\d+)?
        | \d+(?:[.,]\d+)?
    )
"""
# An abbreviation's own dot belongs to it ("Mio. Euro"); a word's trailing dot ends the sentence.
_SCALE = r"""
    (?:\s*(?P<scale>(?:""" + "|".join(pattern for pattern, _ in _SCALES) + r""")(?:(?<=\.)|\b)))?
"""
# "12 milioni 250 mila euro", "1 millón 200 mil euros": thousands written after the millions.
_THOUSANDS_AFTER = r"""
    (?:\s+(?:e\s+|y\s+|en\s+|und\s+|and\s+)?(?P<thousands>\d{1,3})\s*(?:mila|mil|duizend|tausend|thousand)\b)?
"""
_MONEY_AFTER = re.compile(
    _NUMBER + _SCALE + _THOUSANDS_AFTER + r"""
    \s*(?:(?:d['’]|de\s+|di\s+|of\s+)\s*)?
    (?P<currency>""" + _alternatives(list(_CURRENCY_AFTER)) + r""")
    (?!\w)
    """,
    re.IGNORECASE | re.VERBOSE,
)
_MONEY_BEFORE = re.compile(
    r"(?<!\w)(?P<currency>" + _alternatives(list(_CURRENCY_BEFORE)) + r")\s*" + _NUMBER + _SCALE,
    re.IGNORECASE | re.VERBOSE,
)
_SCALE_FACTORS = [(re.compile(pattern, re.IGNORECASE), factor) for pattern, factor in _SCALES]
_ENGLISH_SCALES = re.compile(r"million|billion|bn|mn|m|thousand|k", re.IGNORECASE)

# Languages whose decimal separator is the comma; the others (English) use the dot.
_COMMA_DECIMAL = {"nl", "fr", "de", "it", "es", "pl", "da", "sv", "no", "nb", "pt", "cs", "ro", "hu"}

FINE_WORDS = re.compile(
    r"""
    \b(?:fine[sd]?|fining|penalt(?:y|ies)|penali[sz]ed|sanction\w*        # en, fr
    | boete\w* | beboet\w*                                                  # nl
    | amende\w* | pénalité\w*                                               # fr
    | sanzion\w* | multa\w* | multe                                          # it, es
    | sanci[oó]n\w* | sancionad\w*                                          # es
    | kar[aęy])\b                                                           # pl
    | \w*(?:bu(?:ß|ss)geld|geldbu(?:ß|ss)e|strafe)\w*                       # de compounds: Rekordbußgeld
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Money that is not the fine: the company's turnover, damages, claims.
OTHER_MONEY_WORDS = re.compile(
    r"""
    \b(?:turnover|revenues?|damages|compensation|claimed)\b                 # en
    | \w*omzet\w* | \bschade\w* | \bvordering\w*                            # nl
    | chiffre\s+d['’]affaires | dommages | indemni\w* | réclam\w*           # fr
    | \w*umsatz\w* | \w*schadens?ersatz\w* | entschädigung\w*               # de
    | \w*fatturato\w* | risarciment\w* | \bdanni\b                         # it
    | facturaci[oó]n | volumen\s+de\s+negocios? | \bdaños\b                 # es
    """,
    re.IGNORECASE | re.VERBOSE,
)
# "up to €20 million": the most the law allows, not what was imposed.
_CAP_BEFORE = re.compile(
    r"""
    (?:up\s+to|maximum(?:\s+of)?|max\.|maximaal|\btot|jusqu['’]à|bis\s+zu|höchstens|fino\s+a|hasta)
    \s*$
    """,
    re.IGNORECASE | re.VERBOSE,
)
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)|\n")
# A sentence between two words makes them far less likely to belong together than any distance within one.
_SENTENCE_PENALTY = 1000
_SAME_FIGURE = Decimal("0.02")  # how far a rounded figure may be from the exact one it stands for


def amounts_in_text(text: str, *, language: str = "") -> list[Money]:
    """Every amount of money written in `text`, in order."""
    found: list[Money] = []
    for pattern in (_MONEY_BEFORE, _MONEY_AFTER):
        for match in pattern.finditer(text):
            currency = _currency_code(match["currency"], after=pattern is _MONEY_AFTER)
            amount = _number(match["number"], scale=match["scale"], language=language)
            if pattern is _MONEY_AFTER and match["thousands"]:
                if _scale_factor(match["scale"]) < 10**6:
                    continue  # "5 mil 250 mil euro" is not a way to write an amount
                amount += Decimal(match["thousands"]) * 1000
            found.append(Money(amount, currency, match[0].strip(), match.start(), match.end()))
    found.sort(key=lambda money: (money.start, -money.end))
    # "EUR 5 million euro" matches both ways; keep the longest reading of each stretch of text.
    kept: list[Money] = []
    for money in found:
        if not kept or money.start >= kept[-1].end:
            kept.append(money)
    return kept


def fine_in_text(text: str, *, language: str = "") -> Money | None:
    """The fine a press release names, or None when it names none (no word for a fine, or no amount by one)."""
    fine_words = [match.span() for match in FINE_WORDS.finditer(text)]
    if not fine_words:
        return None
    other_words = [match.span() for match in OTHER_MONEY_WORDS.finditer(text)]
    best: tuple[int, Money] | None = None
    for money in amounts_in_text(text, language=language):
        if _CAP_BEFORE.search(text[max(0, money.start - 30) : money.start]):
            continue
        to_fine = min(_distance(text, money, word) for word in fine_words)
        to_other = min((_distance(text, money, word) for word in other_words), default=None)
        if to_other is not None and to_other < to_fine:
            continue
        if best is None or to_fine < best[0]:
            best = (to_fine, money)
    return best[1] if best else None


def exact_figure(fine: Money, text: str, *, language: str = "") -> Money:
    """The same fine written more exactly elsewhere in `text` ("35.258.707,95 Euro" for "35,3 Millionen Euro")."""
    rounded = fine.amount.normalize()
    half_unit = Decimal(10) ** rounded.as_tuple().exponent / 2
    digits = len(rounded.as_tuple().digits)
    exact = fine
    for money in amounts_in_text(text, language=language):
        difference = abs(money.amount - fine.amount)
        if (
            money.currency == fine.currency
            and difference <= half_unit
            # a round "€300m" must not absorb a different amount such as "€251m"
            and difference <= fine.amount * _SAME_FIGURE
            and len(money.amount.normalize().as_tuple().digits) > digits
        ):
            exact, digits = money, len(money.amount.normalize().as_tuple().digits)
    return exact


def _distance(text: str, money: Money, word: tuple[int, int]) -> int:
    start, end = (money.end, word[0]) if money.end <= word[0] else (word[1], money.start)
    between = text[start:end] if start < end else ""
    return len(between) + _SENTENCE_PENALTY * len(_SENTENCE_END.findall(between))


def _currency_code(written: str, *, after: bool) -> str:
    key = re.sub(r"\s+", " ", written.lower())
    return (_CURRENCY_AFTER if after else _CURRENCY_BEFORE)[key]


def _number(written: str, *, scale: str | None, language: str) -> Decimal:
    digits = re.sub(r"['’\u00a0\u202f ]", "", written)
    dots, commas = digits.count("."), digits.count(",")
    if dots and commas:
        # "1.234,56" or "1,234.56": whichever comes last is the decimal separator.
        decimal_mark = "," if digits.rfind(",") > digits.rfind(".") else "."
    elif dots + commas == 1:
        mark = "." if dots else ","
        fraction = digits.rsplit(mark, 1)[1]
        if len(fraction) != 3:
            decimal_mark = mark  # "4,75 miljoen", "€1.2 billion"
        elif scale and mark == _decimal_mark(language, scale):
            decimal_mark = mark  # "4,750 miljoen" in Dutch is four and three quarter million
        else:
            decimal_mark = ""  # "14.500 Euro", "1,200 million": a thousands separator
    else:
        decimal_mark = ""  # "14.500.000", "1,200,000", or no separator at all
    thousands_mark = {",": ".", ".": ","}.get(decimal_mark, "")
    plain = digits.replace(thousands_mark, "") if thousands_mark else digits.replace(".", "").replace(",", "")
    if decimal_mark:
        plain = plain.replace(decimal_mark, ".")
    amount = Decimal(plain) * _scale_factor(scale)
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _decimal_mark(language: str, scale: str) -> str:
    primary = language.split("-")[0].split("_")[0].lower()
    if primary:
        return "," if primary in _COMMA_DECIMAL else "."
    # Without a language, the scale word tells: "miljoen" is Dutch, "million" English.
    return "." if _ENGLISH_SCALES.fullmatch(scale.rstrip(".")) else ","


def _scale_factor(scale: str | None) -> int:
    if not scale:
        return 1
    for pattern, factor in _SCALE_FACTORS:
        if pattern.fullmatch(scale):
            return factor
    raise ValueError(f"unknown scale {scale!r}")  # unreachable: the scales come from the same patterns
