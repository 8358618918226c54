import datetime
from decimal import Decimal

import pytest

from fines.currency import ConversionError, ecb_rate


def test_nok_converts_at_the_ecb_rate_of_the_decision_date():
    # Datatilsynet's NOK 65M fine of Grindr, 13 December 2021: ECB 1 EUR = 10.1598 NOK that day.
    rate = ecb_rate("NOK", datetime.date(2021, 12, 13))
    assert rate.rate == Decimal("10.1598")
    assert rate.date == datetime.date(2021, 12, 13)
    assert rate.to_eur(Decimal("65000000")) == Decimal("6397763.74")


def test_gbp_converts_at_the_ecb_rate_of_the_decision_date():
    # The ICO's GBP 20M penalty on British Airways, 16 October 2020: 1 EUR = 0.90915 GBP.
    rate = ecb_rate("GBP", datetime.date(2020, 10, 16))
    assert rate.rate == Decimal("0.90915")
    assert rate.to_eur(Decimal("20000000")) == Decimal("21998570.09")


def test_a_weekend_uses_the_last_business_day_before_it():
    saturday, sunday = datetime.date(2020, 10, 17), datetime.date(2020, 10, 18)
    for day in (saturday, sunday):
        rate = ecb_rate("GBP", day)
        assert rate.date == datetime.date(2020, 10, 16)
        assert rate.rate == Decimal("0.90915")


def test_euro_is_one_to_one():
    rate = ecb_rate("EUR", datetime.date(2021, 7, 15))
    assert rate.rate == 1
    assert rate.to_eur(Decimal("746000000")) == Decimal("746000000.00")


def test_unknown_currency_is_refused():
    with pytest.raises(ConversionError, match="XYZ"):
        ecb_rate("XYZ", datetime.date(2021, 1, 4))


def test_a_date_before_the_ecb_series_is_refused():
    with pytest.raises(ConversionError, match="before 1999"):
        ecb_rate("NOK", datetime.date(1990, 1, 1))
