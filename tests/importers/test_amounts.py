from decimal import Decimal

import pytest

from fines.importers.amounts import Money, amounts_in_text, exact_figure, fine_in_text

WRITTEN_AMOUNTS = [
    # (as written, language, amount, currency)
    ("290 miljoen euro", "nl", "290000000", "EUR"),
    ("€ 4,75 miljoen", "nl", "4750000", "EUR"),
    ("1,2 miljard euro", "nl", "1200000000", "EUR"),
    ("150 millions d'euros", "fr", "150000000", "EUR"),
    ("150 millions d’euros", "fr", "150000000", "EUR"),
    ("1 500 000 euros", "fr", "1500000", "EUR"),
    ("35,3 Millionen Euro", "de", "35300000", "EUR"),
    ("35,3 Mio. Euro", "de", "35300000", "EUR"),
    ("14.500.000 Euro", "de", "14500000", "EUR"),
    ("35.258.707,95 Euro", "de", "35258707.95", "EUR"),
    ("27,8 milioni di euro", "it", "27800000", "EUR"),
    ("12 milioni 250 mila euro", "it", "12250000", "EUR"),
    ("1 millón 200 mil euros", "es", "1200000", "EUR"),
    ("6 millones de euros", "es", "6000000", "EUR"),
    ("1.200 millones de euros", "es", "1200000000", "EUR"),
    ("1,2 mil millones de euros", "es", "1200000000", "EUR"),
    ("€1.2 billion", "en", "1200000000", "EUR"),
    ("£20m", "en", "20000000", "GBP"),
    ("£183.39m", "en", "183390000", "GBP"),
    ("NOK 65 million", "en", "65000000", "NOK"),
    ("SEK 58 million", "en", "58000000", "SEK"),
    ("EUR 746 million", "en", "746000000", "EUR"),
    ("€746,000,000", "en", "746000000", "EUR"),
    ("1,200,000 pounds", "en", "1200000", "GBP"),
    ("USD 5 million", "en", "5000000", "USD"),
    ("US$ 5 million", "en", "5000000", "USD"),
    ("CHF 50'000", "de", "50000", "CHF"),
    ("zł 2,8 mln", "pl", "2800000", "PLN"),
    ("2,8 mln zł", "pl", "2800000", "PLN"),
]


@pytest.mark.parametrize(("written", "language", "amount", "currency"), WRITTEN_AMOUNTS)
def test_amounts_are_read_in_every_language(written, language, amount, currency):
    assert amounts_in_text(written, language=language) == [Money(Decimal(amount), currency, written)]


@pytest.mark.parametrize(("written", "language", "amount", "currency"), WRITTEN_AMOUNTS)
def test_amounts_are_read_from_their_shape_without_a_language(written, language, amount, currency):
    assert amounts_in_text(written) == [Money(Decimal(amount), currency, written)]


@pytest.mark.parametrize(
    ("written", "language", "amount"),
    [
        ("4,750 miljoen euro", "nl", "4750000"),  # a decimal comma before a scale word, in Dutch
        ("1,200 million euros", "en", "1200000000"),  # a thousands comma, in English
        ("1.250 millones de euros", "es", "1250000000"),
        ("50.000 euro", "nl", "50000"),  # three digits after one dot, no scale: thousands
        ("1.234,56 €", "fr", "1234.56"),
        ("1,234.56 €", "en", "1234.56"),
    ],
)
def test_separators_are_read_by_language_and_shape(written, language, amount):
    assert [money.amount for money in amounts_in_text(written, language=language)] == [Decimal(amount)]


def test_amounts_are_decimals_in_cents():
    (money,) = amounts_in_text("€1.2 billion")
    assert isinstance(money.amount, Decimal)
    assert money.amount.as_tuple().exponent == -2


def test_years_and_percentages_are_not_money():
    assert amounts_in_text("In 2019, 4% of 2.000 customers were affected in 12 countries.") == []


def test_an_amount_ending_a_sentence_leaves_the_full_stop():
    (money,) = amounts_in_text("The ICO fined the airline £20m. It has appealed.")
    assert money.text == "£20m"


@pytest.mark.parametrize(
    ("text", "language", "amount", "currency"),
    [
        ("De AP legt Uber een boete op van 290 miljoen euro.", "nl", "290000000", "EUR"),
        ("La CNIL a prononcé une amende de 150 millions d'euros.", "fr", "150000000", "EUR"),
        ("Rekordbußgeld: 35,3 Millionen Euro gegen H&M.", "de", "35300000", "EUR"),
        ("Il Garante ha inflitto una sanzione di 27,8 milioni di euro.", "it", "27800000", "EUR"),
        ("La AEPD impone una multa de 6 millones de euros.", "es", "6000000", "EUR"),
        ("ICO fines British Airways £20m.", "en", "20000000", "GBP"),
        ("Datatilsynet fines Grindr NOK 65 million.", "en", "65000000", "NOK"),
        ("UODO nałożył karę 2,8 mln zł.", "pl", "2800000", "PLN"),
    ],
)
def test_the_fine_is_found_by_its_word(text, language, amount, currency):
    fine = fine_in_text(text, language=language)
    assert fine is not None
    assert (fine.amount, fine.currency) == (Decimal(amount), currency)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("The company, which has an annual turnover of £350m, was fined £750,000.", "750000"),
        ("Het bedrijf, met een omzet van 3 miljard euro, kreeg een boete van 4,75 miljoen euro.", "4750000"),
        ("La société réalise un chiffre d'affaires de 3 milliards d'euros. Amende : 1 500 000 euros.", "1500000"),
        ("Umsatz 2019: 1,2 Mrd. Euro. Die Behörde verhängte eine Geldbuße von 14.500.000 Euro.", "14500000"),
        ("Sanzione di 5 milioni di euro; il fatturato della società è di 900 milioni di euro.", "5000000"),
        ("Multa de 6 millones de euros a una empresa con una facturación de 2.000 millones de euros.", "6000000"),
    ],
)
def test_a_fine_is_preferred_over_a_turnover(text, amount):
    fine = fine_in_text(text)
    assert fine is not None
    assert fine.amount == Decimal(amount)


def test_damages_are_not_the_fine():
    text = "The court awarded £2m in damages. Separately, the regulator fined the firm £500,000."
    fine = fine_in_text(text, language="en")
    assert fine is not None
    assert fine.amount == Decimal("500000")


def test_the_legal_maximum_is_not_the_fine():
    text = "De AP legt een boete op van 600.000 euro. De AP kan boetes opleggen tot 20 miljoen euro."
    fine = fine_in_text(text, language="nl")
    assert fine is not None
    assert fine.amount == Decimal("600000")


@pytest.mark.parametrize(
    "text",
    [
        "Het kabinet trekt 2 miljoen euro extra uit voor toezicht op algoritmes.",
        "The company reported revenue of £1.2bn and a profit of £80m.",
        "Ein Umsatz von 35,3 Millionen Euro.",
        "La CNIL publie son rapport annuel.",
        "",
    ],
)
def test_no_fine_word_means_no_fine(text):
    assert fine_in_text(text) is None


def test_a_fine_word_without_an_amount_is_no_fine():
    assert fine_in_text("Fines on public bodies take money from the services people rely on.") is None


def test_only_turnover_near_the_fine_word_is_no_fine():
    assert fine_in_text("Fines can reach 4% of a turnover of €2 billion.") is None


def test_a_rounded_fine_is_made_exact_by_the_same_figure_elsewhere():
    text = (
        "35,3 Millionen Euro Bußgeld. Der Bescheid lautet auf 35.258.707,95 Euro;"
        " der Umsatz lag bei 35 Millionen Euro."
    )
    rounded = fine_in_text(text, language="de")
    assert rounded is not None and rounded.amount == Decimal("35300000")
    assert exact_figure(rounded, text, language="de").amount == Decimal("35258707.95")


def test_a_different_amount_does_not_make_a_round_fine_exact():
    text = "Fined €300m, reduced on appeal from €251m."
    rounded = fine_in_text(text, language="en")
    assert rounded is not None
    assert exact_figure(rounded, text, language="en") == rounded
