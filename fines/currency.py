"""EUR conversion at the ECB reference rate, offline.

CurrencyConverter ships the ECB's daily reference rates since 1999 inside its package. The ECB
quotes units of a currency per euro (1 EUR = 10.1598 NOK), and so do we.
"""
import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from currency_converter import CurrencyConverter, RateNotFoundError

CENT = Decimal("0.01")
# Weekends and TARGET holidays: the ECB publishes no rate on them; a week back always finds one.
_DAYS_BACK = 7


class ConversionError(ValueError):
    pass


@dataclass(frozen=True)
class EcbRate:
    currency: str
    rate: Decimal  # units of `currency` per 1 EUR
    date: datetime.date  # the ECB publication date the rate belongs to

    def to_eur(self, amount: Decimal) -> Decimal:
        return (amount / self.rate).quantize(CENT, rounding=ROUND_HALF_UP)


@cache
def _converter() -> CurrencyConverter:
    return CurrencyConverter(decimal=True)


def known_currencies() -> frozenset[str]:
    return frozenset(_converter().currencies)


def ecb_rate(currency: str, on: datetime.date) -> EcbRate:
    """The ECB reference rate of `on`, or of the last business day before it."""
    if currency == "EUR":
        return EcbRate("EUR", Decimal(1), on)
    converter = _converter()
    if currency not in converter.currencies:
        raise ConversionError(f"the ECB publishes no reference rate for {currency!r}")
    first, last = converter.bounds[currency]
    day = min(on, last)
    if day < first:
        raise ConversionError(f"the ECB has no {currency} rate before {first.isoformat()}")
    for _ in range(_DAYS_BACK + 1):
        try:
            rate = converter.convert(1, "EUR", currency, date=day)
        except RateNotFoundError:
            day -= datetime.timedelta(days=1)
            continue
        return EcbRate(currency, Decimal(rate).normalize(), day)
    raise ConversionError(f"no ECB {currency} rate in the week before {on.isoformat()}")
