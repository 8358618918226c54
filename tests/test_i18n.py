"""The Dutch interface: pages follow the reader's language (Accept-Language or the switcher's cookie), URLs do
not, dates and money are formatted per language, and the catalogue (locale/nl) is complete and compiled."""
import html
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils import translation
from openapi_spec_validator import validate

from fines.api.docs import api_reference
from fines.models import Decision, Organisation
from fines.templatetags.fines import money, money_short

NBSP = "\u00a0"
CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "nl" / "LC_MESSAGES"


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A request leaves its language active in the thread; later tests expect the default (English)."""
    yield
    translation.deactivate()


def _get(client, url: str, language: str | None = None):
    return client.get(url, headers={"accept-language": language} if language else {})


def _text(response) -> str:
    """The page as text a reader sees in the source: entities decoded, whitespace runs collapsed (NBSP kept)."""
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(response.content.decode()))


def _hrefs(response) -> list[str]:
    return re.findall(r'href="([^"]*)"', response.content.decode())


def _amazon_url() -> str:
    return Organisation.objects.get(name="Amazon Europe Core S.à r.l.").get_absolute_url()


def _amazon_group_url() -> str:
    return Organisation.objects.get(name="Amazon.com, Inc.").get_absolute_url()


# page -> (Dutch strings that must be there, their English counterparts that must be there in English)
PAGES = {
    "home": (
        lambda: "/",
        ["Wie kreeg een AVG-boete, van wie, en hoe liep het af", "Hoogste boetes", "Recente besluiten",
         "in totaal opgelegd", "boetes geregistreerd", "een voornemen is nog geen boete"],
        ["Who was fined under the GDPR, by whom, and what became of it", "Largest fines", "Latest decisions",
         "imposed in total", "fines recorded", "which are not fines"],
    ),
    "list": (
        lambda: "/fines/",
        ["<h1>AVG-boetes</h1>", "Alle landen", "Alle toezichthouders", "Boetes tonen", "nieuwste eerst",
         "Besluitdatum vanaf", "in beroep bevestigd", "Onvoldoende rechtsgrond", ">Luxemburg<", " besluiten"],
        ["<h1>GDPR fines</h1>", "All countries", "All authorities", "Show fines", "newest first",
         "Decided from", "upheld on appeal", "Insufficient legal basis", ">Luxembourg<", " decisions"],
    ),
    "decision": (
        lambda: "/fines/FT-1/",
        ["Opgelegd", "in beroep bevestigd", "Besluitdatum", "Bekendgemaakt", "Onvoldoende rechtsgrond",
         "Technologie en internet", "AVG-artikelen", "beroep ingesteld", "boete in stand gebleven", "Bronnen",
         "Onderdeel van", "(Luxemburg)", "CNPD legt een boete van"],
        ["Imposed", "upheld on appeal", "Decided", "Announced", "Insufficient legal basis",
         "Technology and internet", "GDPR articles", "appeal lodged", "fine upheld", "Sources",
         "Part of", "(Luxembourg)", "CNPD imposes"],
    ),
    "authority": (
        lambda: "/authorities/cnpd/",
        ["Nationale gegevensbeschermingsautoriteit · Luxemburg", "in totaal", "hoogste", "<h2>Besluiten</h2>",
         "Deze besluiten filteren en sorteren"],
        ["National data protection authority · Luxembourg", "in total", "largest", "<h2>Decisions</h2>",
         "Filter and sort these decisions"],
    ),
    "organisation": (
        _amazon_url,
        ["Onderdeel van", "in totaal", "<h2>Besluiten</h2>", "Deze besluiten filteren en sorteren"],
        ["Part of", "in total", "<h2>Decisions</h2>", "Filter and sort these decisions"],
    ),
    "group": (
        _amazon_group_url,
        ["Dochterondernemingen:", "in totaal"],
        ["Group companies:", "in total"],
    ),
    "organisations": (
        lambda: "/organisations/",
        ["Organisaties en concerns", "Voorgenomen boetes tellen niet mee.", "2 boetes"],
        ["Organisations and groups", "Notices of intent are not counted.", "2 fines"],
    ),
    "statistics": (
        lambda: "/stats/",
        ["<h1>Statistieken</h1>", "Totaal opgelegd", "Mediaan", "Nu geldend, na beroep", "<h2>Recordverloop</h2>",
         "<h2>De tien hoogste</h2>", "<h2>Per jaar</h2>", "<h2>Per land</h2>", "<h2>Per toezichthouder</h2>",
         "<h2>Per overtreding</h2>", "<h2>Per AVG-artikel</h2>", "<h2>AVG en ePrivacy</h2>",
         "Voorgenomen boetes zijn (nog) geen boetes en tellen niet mee.", "Deze besluiten in de lijst",
         "CSV downloaden", f"€{NBSP}1,2 miljard", "Art. 6 Rechtmatigheid van de verwerking", ">Ierland<"],
        ["<h1>Statistics</h1>", "Total imposed", "Median", "Stands now, after appeals", "<h2>Record progression</h2>",
         "<h2>The ten largest</h2>", "<h2>By year</h2>", "<h2>By country</h2>", "<h2>By authority</h2>",
         "<h2>By violation</h2>", "<h2>By GDPR article</h2>", "<h2>GDPR and ePrivacy</h2>",
         "Notices of intent are not fines and are not counted.", "These decisions in the list",
         "Download CSV", "€1.2 billion", "Art. 6 Lawfulness of processing", ">Ireland<"],
    ),
    "compare": (
        lambda: "/compare/?fines=FT-1,FT-2",
        ["<h1>Boetes vergelijken</h1>", "<strong>14,9×</strong>", "Bedragen op schaal", "De besluiten naast elkaar",
         "Bekendgemaakt", "Nu geldend", "Aandeel van het AVG-maximum", "het maximum van art. 83(5)",
         "boete in stand gebleven", "Vergelijking aanpassen", "Nog een besluit uit de lijst toevoegen"],
        ["<h1>Compare fines</h1>", "<strong>14.9×</strong>", "Amounts to scale", "The decisions side by side",
         "Announced", "Stands now", "Share of the GDPR maximum", "the Art. 83(5) maximum",
         "fine upheld", "Change the comparison", "Add another decision from the list"],
    ),
}
# On every page: the header, the navigation and the footer.
CHROME = (
    ["Register van AVG-boetes", "Naar de inhoud", ">Boetes</a>", ">Toezichthouders</a>", ">Organisaties</a>",
     "finetracker is een open register van AVG-handhavingsbesluiten"],
    ["GDPR fines register", "Skip to content", ">Fines</a>", ">Authorities</a>", ">Organisations</a>",
     "finetracker is an open register of GDPR enforcement decisions"],
)


@pytest.mark.parametrize("name", PAGES)
def test_a_dutch_reader_gets_the_page_in_dutch(client, register, name):
    url, dutch, english = PAGES[name]
    response = _get(client, url(), "nl")
    text = _text(response)
    assert response.status_code == 200
    assert '<html lang="nl">' in text
    assert response["Content-Language"] == "nl"
    for expected in dutch + CHROME[0]:
        assert expected in text, expected
    for absent in english + CHROME[1]:
        assert absent not in text, absent


@pytest.mark.parametrize("name", PAGES)
def test_an_english_reader_gets_the_page_in_english(client, register, name):
    url, dutch, english = PAGES[name]
    response = _get(client, url(), "en")
    text = _text(response)
    assert response.status_code == 200
    assert '<html lang="en">' in text
    assert response["Content-Language"] == "en"
    for expected in english + CHROME[1]:
        assert expected in text, expected
    for absent in dutch + CHROME[0]:
        assert absent not in text, absent


@pytest.mark.parametrize(
    ("accept_language", "lang"),
    [("nl-NL,nl;q=0.9,en;q=0.8", "nl"), ("nl-BE", "nl"), ("fr-FR,fr;q=0.9", "en"), ("de,nl;q=0.5", "nl"), (None, "en")],
)
def test_the_language_is_negotiated_from_accept_language(client, register, accept_language, lang):
    response = _get(client, "/", accept_language)
    assert f'<html lang="{lang}">' in response.content.decode()
    assert "Accept-Language" in response["Vary"]  # a cache must keep the two languages apart


def test_the_switcher_sets_the_language_cookie_and_the_next_page_is_dutch(client, register):
    response = client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nl"
    home = _text(client.get("/"))
    assert '<html lang="nl">' in home and "Hoogste boetes" in home
    # The reader's choice beats the browser's Accept-Language, on every page.
    decision = _text(_get(client, "/fines/FT-1/", "en"))
    assert '<html lang="nl">' in decision and "15 juli 2021" in decision

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Largest fines" in _text(_get(client, "/", "nl"))


def test_the_switcher_returns_to_the_same_url(client, register):
    url = "/fines/?country=LU&sort=-amount_eur"
    response = client.post("/i18n/setlang/", {"language": "nl", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    page = _text(client.get(url))
    assert '<html lang="nl">' in page and "in beroep bevestigd" in page


def test_every_page_has_the_switcher_with_the_current_language_pressed(client, register):
    text = _get(client, "/fines/FT-1/", "nl").content.decode()
    form = re.search(r'<form class="lang" action="/i18n/setlang/" method="post">(.*?)</form>', text, re.S)
    assert form, "the language switcher is missing"
    switcher = form[1]
    assert '<input type="hidden" name="next" value="/fines/FT-1/">' in switcher
    assert 'name="csrfmiddlewaretoken"' in switcher
    assert re.search(r'<button type="submit" name="language" value="nl" aria-pressed="true" lang="nl">NL</button>', switcher)
    assert re.search(r'<button type="submit" name="language" value="en" lang="en">EN</button>', switcher)


@pytest.mark.parametrize("name", ["home", "decision", "organisation"])
def test_urls_are_the_same_in_both_languages(client, register, name):
    url = PAGES[name][0]()
    dutch, english = _get(client, url, "nl"), _get(client, url, "en")
    assert _hrefs(dutch) == _hrefs(english)
    assert not [href for href in _hrefs(dutch) if re.match(r"^/(nl|en)(/|$)", href)]


def test_there_are_no_language_prefixes_in_urls(client, register):
    assert _get(client, "/nl/", "nl").status_code == 404
    assert _get(client, "/nl/fines/", "nl").status_code == 404
    assert _get(client, "/fines/", "nl").status_code == 200


def test_dates_and_money_on_the_decision_page_follow_the_language(client, register):
    dutch = _text(_get(client, "/fines/FT-1/", "nl"))
    assert f"<title>Amazon Europe Core S.à r.l.: €{NBSP}746 miljoen (CNPD, 15 juli 2021) · finetracker</title>" in dutch
    assert f"€{NBSP}746 miljoen" in dutch  # the rounded figure
    assert f"€{NBSP}746.000.000" in dutch  # the exact amount: Dutch grouping, no cents when there are none
    assert "15 juli 2021" in dutch and "30 juli 2021" in dutch  # decided, announced
    assert "oktober 2021" in dutch and "18 maart 2025" in dutch  # appeal lodged (month known), ruling
    # (The summary and source titles are data, in English: "EUR 746,000,000 fine", "30 July 2021".)
    assert "€746 million" not in dutch and "€746,000,000" not in dutch and "15 July 2021" not in dutch

    english = _text(_get(client, "/fines/FT-1/", "en"))
    assert "<title>Amazon Europe Core S.à r.l.: €746 million (CNPD, 15 July 2021) · finetracker</title>" in english
    assert "€746 million" in english and "€746,000,000" in english
    assert "15 July 2021" in english and "October 2021" in english and "18 March 2025" in english
    assert "miljoen" not in english and "746.000.000" not in english and "juli" not in english


def test_a_converted_amount_and_its_rate_use_the_language_s_decimal_comma(client, register):
    spotify = Decision.objects.get(organisation__name="Spotify AB", currency="SEK")
    assert spotify.amount_eur != spotify.amount_eur.to_integral_value()  # so the page shows cents
    grouped = f"{spotify.amount_eur:,.2f}"  # 4,992,…​.xx: an oracle that does not use Babel
    url = spotify.get_absolute_url()

    dutch = _text(_get(client, url, "nl"))
    assert f"SEK{NBSP}58.000.000" in dutch and f"SEK{NBSP}58 miljoen" in dutch
    assert f"≈ €{NBSP}" + grouped.replace(",", " ").replace(".", ",").replace(" ", ".") in dutch
    assert "Omgerekend tegen de referentiekoers van de ECB van 12 juni 2023: 1 EUR = 11,6185 SEK." in dutch

    english = _text(_get(client, url, "en"))
    assert f"SEK{NBSP}58,000,000" in english and f"SEK{NBSP}58 million" in english
    assert f"≈ €{grouped}" in english
    assert "Converted at the ECB reference rate of 12 June 2023: 1 EUR = 11.6185 SEK." in english


@pytest.mark.parametrize(
    ("amount", "currency", "dutch", "english"),
    [
        ("746000000", "EUR", f"€{NBSP}746 miljoen", "€746 million"),
        ("1200000000", "EUR", f"€{NBSP}1,2 miljard", "€1.2 billion"),
        ("183390000", "GBP", f"£{NBSP}183,4 miljoen", "£183.4 million"),
        ("65000000", "NOK", f"NOK{NBSP}65 miljoen", f"NOK{NBSP}65 million"),
        ("475000", "EUR", f"€{NBSP}475.000", "€475,000"),
    ],
)
def test_short_money_in_words_per_language(amount, currency, dutch, english):
    with translation.override("nl"):
        assert money_short(Decimal(amount), currency) == dutch
    with translation.override("en"):
        assert money_short(Decimal(amount), currency) == english


def test_exact_money_with_cents_per_language():
    with translation.override("nl"):
        assert money(Decimal("746000000.50")) == f"€{NBSP}746.000.000,50"
    with translation.override("en"):
        assert money(Decimal("746000000.50")) == "€746,000,000.50"


def test_a_bad_filter_gives_a_400_in_the_reader_s_language(client, register):
    response = _get(client, "/fines/?year=abc", "nl")
    dutch = _text(response)
    assert response.status_code == 400 and '<html lang="nl">' in dutch
    assert "<title>Ongeldig verzoek · finetracker</title>" in dutch
    assert "Dit adres vraagt om iets wat we niet kunnen tonen" in dutch
    assert "Verbeter het volgende en probeer het opnieuw:" in dutch
    assert "<code>year=abc</code>: Voer een geheel getal in." in dutch  # Django's own Dutch form messages
    assert "Opnieuw beginnen bij alle boetes" in dutch
    for english in ("Bad request", "Please correct", "Enter a whole number", "Start again"):
        assert english not in dutch

    unknown = _text(_get(client, "/fines/?colour=red", "nl"))
    assert "<code>colour=red</code>: is geen filter van deze lijst." in unknown

    english = _text(_get(client, "/fines/?year=abc", "en"))
    assert "<title>Bad request · finetracker</title>" in english
    assert "<code>year=abc</code>: Enter a whole number." in english


def test_a_page_past_the_last_is_a_dutch_404(client, register):
    response = _get(client, "/fines/?page=99", "nl")
    text = _text(response)
    assert response.status_code == 404 and '<html lang="nl">' in text
    assert "<h1>Niet gevonden</h1>" in text and "Deze lijst heeft geen pagina 99." in text
    assert "Bekijk alle boetes" in text


def test_an_unknown_decision_is_a_404_entirely_in_dutch(client, register):
    response = _get(client, "/fines/FT-99999/", "nl")
    text = _text(response)
    assert response.status_code == 404 and '<html lang="nl">' in text
    assert "<h1>Niet gevonden</h1>" in text
    assert "Er is geen gepubliceerd besluit FT-99999." in text
    assert "matches the given query" not in text and "There is no published decision" not in text

    english = _text(_get(client, "/fines/FT-99999/", "en"))
    assert "<h1>Not found</h1>" in english and "There is no published decision FT-99999." in english


@pytest.mark.parametrize(
    ("url", "dutch", "english"),
    [
        ("/authorities/nope/", "Er is geen toezichthouder “nope”.", "There is no authority “nope”."),
        ("/organisations/nope/", "Er is geen organisatie “nope”.", "There is no organisation “nope”."),
        ("/fines/XYZ/", "“XYZ” is geen finetracker-referentie.", "“XYZ” is not a finetracker reference."),
    ],
)
def test_an_unknown_authority_organisation_or_reference_is_a_dutch_404(client, register, url, dutch, english):
    response = _get(client, url, "nl")
    text = _text(response)
    assert response.status_code == 404 and "<h1>Niet gevonden</h1>" in text
    assert dutch in text and english not in text
    assert english in _text(_get(client, url, "en"))


def test_a_bad_article_filter_is_explained_in_dutch(client, register):
    response = _get(client, "/fines/?article=abc", "nl")
    text = _text(response)
    assert response.status_code == 400 and '<html lang="nl">' in text
    assert "<title>Ongeldig verzoek · finetracker</title>" in text
    assert "<code>article=abc</code>: “abc” is geen verwijzing naar een AVG-artikel (bijv. 6 of 5(1)(f))" in text
    assert "is not a GDPR article reference" not in text

    beyond = _text(_get(client, "/fines/?article=120", "nl"))
    assert "<code>article=120</code>: de AVG kent alleen artikel 1 tot en met 99, geen artikel 120" in beyond
    assert "the GDPR has articles" not in beyond

    english = _text(_get(client, "/fines/?article=abc", "en"))
    assert "<code>article=abc</code>: “abc” is not a GDPR article reference (e.g. 6 or 5(1)(f))" in english


def test_the_api_explains_a_bad_article_in_dutch(client, register):
    response = _get(client, "/api/decisions/?article=abc", "nl")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "De querystring bevat ongeldige parameters.",
        "errors": {"article": ["“abc” is geen verwijzing naar een AVG-artikel (bijv. 6 of 5(1)(f))"]},
    }


def test_the_server_error_page_is_in_dutch(rf):
    from fines.views import server_error

    with translation.override("nl"):
        text = _text(server_error(rf.get("/")))
    assert '<html lang="nl">' in text and "<title>Serverfout · finetracker</title>" in text
    assert "Er ging bij ons iets mis" in text and "De fout is geregistreerd." in text
    assert "Server error" not in text and "went wrong" not in text


# The statistics page and its charts -----------------------------------------------------------------------------

CHART_TITLES = {
    "chart-standing": ("Opgelegd en nu geldend", "Imposed and standing now"),
    "chart-records": ("Recordverloop", "Record progression"),
    "chart-top": ("De hoogste boetes", "The largest fines"),
    "chart-year": ("Totaal aan boetes per jaar", "Total fined by year"),
    "chart-country": ("Totaal aan boetes per land", "Total fined by country"),
    "chart-authority": ("Totaal aan boetes per toezichthouder", "Total fined by authority"),
    "chart-sector": ("Totaal aan boetes per sector", "Total fined by sector"),
    "chart-violation": ("Totaal aan boetes per overtreding", "Total fined by violation"),
    "chart-article": ("Meest aangehaalde AVG-artikelen", "Most cited GDPR articles"),
}


def _svgs(response) -> str:
    return " ".join(re.findall(r"<svg\b.*?</svg>", _text(response), re.S))


def test_the_statistics_charts_are_drawn_in_dutch(client, register):
    svgs = _svgs(_get(client, "/stats/", "nl"))
    for chart, (dutch, english) in CHART_TITLES.items():
        assert f'<title id="{chart}-title">{dutch}</title>' in svgs, chart
        assert english not in svgs
    # Descriptions, bar labels, and the amounts beside the bars, in Dutch.
    assert '<desc id="chart-year-desc">Som van de boetes in EUR per jaar van het besluit.</desc>' in svgs
    assert f"<title>Opgelegd: €{NBSP}" in svgs and f"<title>Nu geldend: €{NBSP}" in svgs
    assert f">€{NBSP}1,2 miljard</text>" in svgs
    assert f"<title>Ierland: €{NBSP}" in svgs
    assert "<title>Art. 6 Rechtmatigheid van de verwerking: " in svgs
    for english in ("billion", "million", "Imposed", "Stands now", "<title>Ireland:", "Lawfulness"):
        assert english not in svgs, english

    english_svgs = _svgs(_get(client, "/stats/", "en"))
    for chart, (dutch, english) in CHART_TITLES.items():
        assert f'<title id="{chart}-title">{english}</title>' in english_svgs, chart
    assert "<title>Art. 6 Lawfulness of processing: " in english_svgs and ">€1.2 billion</text>" in english_svgs


def test_the_article_breakdown_uses_the_dutch_article_titles(client, register):
    text = _text(_get(client, "/stats/", "nl"))
    table = re.search(r"<h2>Per AVG-artikel</h2>(.*?)</table>", text, re.S)
    assert table, "the article breakdown is missing"
    for title in ("Art. 6 Rechtmatigheid van de verwerking", "Art. 5 Beginselen inzake verwerking van persoonsgegevens",
                  "Art. 32 Beveiliging van de verwerking"):
        assert title in table[1], title
    assert "Een besluit telt één keer mee voor elk artikel dat het aanhaalt" in table[1]
    assert "Lawfulness of processing" not in table[1] and "Security of processing" not in table[1]


def test_the_statistics_options_are_in_dutch(client, register):
    text = _text(_get(client, "/stats/", "nl"))
    assert "Statistieken tonen" in text and "Voorgenomen boetes" in text and "niet meegeteld" in text
    assert "Boetes op grond van ePrivacy en nationaal recht tellen mee en staan hieronder apart vermeld." in text
    assert "Show statistics" not in text and "not counted" not in text


# The comparison ------------------------------------------------------------------------------------------------

def test_the_comparison_sentence_and_labels_are_dutch(client, register):
    text = _text(_get(client, "/compare/?fines=FT-1,FT-2", "nl"))
    assert (
        f"De boete van Amazon Europe Core S.à r.l. (€{NBSP}746 miljoen) is <strong>14,9×</strong> "
        f"zo hoog als die van Google LLC (€{NBSP}50 miljoen)." in text
    )
    rows = re.findall(r'<th scope="row">([^<]*)</th>', text)
    assert rows == ["Concern", "Toezichthouder", "Besluitdatum", "Bekendgemaakt", "Opgelegd", "In EUR", "Nu geldend",
                    "Status", "Plaats", "Aandeel van het AVG-maximum", "AVG-artikelen", "Overtreding", "Sector",
                    "Rechtsgrond"]
    assert "15 juli 2021" in text and "21 januari 2019" in text and f"€{NBSP}746.000.000" in text
    assert "Nr. 1 van 1 in Luxemburg" in text
    assert "4% van de omzet van Amazon.com, Inc. over 2020" in text
    assert "’s €" not in text and "No. " not in text and "turnover" not in text

    english = _text(_get(client, "/compare/?fines=FT-1,FT-2", "en"))
    assert "Amazon Europe Core S.à r.l.’s €746 million is <strong>14.9×</strong> Google LLC’s €50 million." in english


def test_choosing_decisions_to_compare_is_in_dutch(client, register):
    text = _text(_get(client, "/compare/", "nl"))
    assert "Kies de besluiten die u wilt vergelijken:" in text and "selecteer ze in de lijst met boetes" in text
    one = _text(_get(client, "/compare/?fines=FT-1", "nl"))
    assert "Kies nog minstens één besluit:" in one
    bad = _text(_get(client, "/compare/?fines=XX", "nl"))
    assert "<code>fines=XX</code>: “XX” is geen finetracker-referentie zoals FT-1." in bad
    unknown = _text(_get(client, "/compare/?fines=FT-1,FT-2&colour=red", "nl"))
    assert "<code>colour=red</code>: is geen parameter van de vergelijking." in unknown


# Links to comparisons, exports, the feed and the API ------------------------------------------------------------

def test_the_list_s_compare_and_export_links_are_dutch(client, register):
    text = _text(_get(client, "/fines/?fines=FT-1,FT-2", "nl"))
    assert "Vergelijking: FT-1, FT-2" in text and "<strong>2 boetes vergelijken</strong>" in text
    assert '✓ in de vergelijking<span class="visually-hidden"> (FT-1 verwijderen)</span></a>' in text
    assert re.search(r'>\+ vergelijk<span class="visually-hidden"> FT-\d+</span></a>', text)
    assert ">CSV downloaden</a>" in text and ">JSON downloaden</a>" in text
    assert ">Atom-feed</a>" in text and ">API</a>" in text and ">Statistieken</a>" in text
    assert 'title="Deze boetes als Atom-feed"' in text
    for english in ("Download CSV", "Download JSON", "Atom feed", "Compare 2 fines", "in comparison", "+ compare",
                    "to the comparison"):
        assert english not in text, english

    one = _text(_get(client, "/fines/?fines=FT-1", "nl"))
    assert "voeg er nog minstens één toe" in one and "add at least one more" not in one


@pytest.mark.parametrize("url", ["/authorities/cnpd/", _amazon_url, _amazon_group_url])
def test_the_exports_of_an_authority_or_organisation_are_dutch(client, register, url):
    text = _text(_get(client, url() if callable(url) else url, "nl"))
    assert ">CSV downloaden</a>" in text and ">Atom-feed</a>" in text and 'title="Deze boetes als Atom-feed"' in text
    assert "Deze besluiten filteren en sorteren" in text
    assert "Download CSV" not in text and "Atom feed" not in text


def test_the_fine_count_on_authority_and_organisation_pages_has_dutch_plurals(client, register):
    cnpd = _text(_get(client, "/authorities/cnpd/", "nl"))
    assert '<p class="figure-value">1</p><p class="figure-label">boete</p>' in cnpd
    group = _text(_get(client, _amazon_group_url(), "nl"))
    assert '<p class="figure-value">2</p><p class="figure-label">boetes</p>' in group
    home = _text(_get(client, "/", "nl"))
    assert '<p class="figure-label">landen</p>' in home and '<p class="figure-label">toezichthouders</p>' in home


def test_the_feed_is_in_dutch(client, register):
    response = _get(client, "/fines/feed.atom?country=LU", "nl")
    feed = b"".join(response.streaming_content) if response.streaming else response.content
    text = html.unescape(feed.decode())
    assert 'xml:lang="nl"' in text
    assert "<title>finetracker: boetes in Luxemburg</title>" in text
    assert "Besluiten in finetracker, het open register van AVG-boetes: boetes in Luxemburg" in text
    assert f"<title>CNPD beboet Amazon Europe Core S.à r.l. met €{NBSP}746 miljoen</title>" in text
    assert "Toezichthouder: " in text and "Status: in beroep bevestigd" in text
    assert "fines in Luxembourg" not in text and "upheld on appeal" not in text


# The API's reference page: its texts come from the OpenAPI schema (endpoint, parameter, object and field
# descriptions) and from docs.py (type labels), and all of them follow the reader's language.
API_DOCS_DUTCH = [
    # endpoints, their path parameters and responses
    "De endpoints van de API.",
    "Gepubliceerde besluiten, 50 per pagina, nieuwste eerst tenzij sort iets anders aangeeft.",
    "Accepteert dezelfde queryparameters als de openbare lijst op /fines/",
    "Eén gepubliceerd besluit, op referentie (FT-<n>)", "De n van FT-<n>.", "Eén toezichthouder, op slug.",
    "Zoals in het adres van de openbare pagina en in het veld slug van de lijst.",
    "Toezichthouders, per land, met het aantal en de totalen van hun gepubliceerde boetes.",
    "Voorgenomen boetes tellen niet mee, tenzij notices=1",
    # objects and their fields
    "Een besluit waarmee een toezichthouder één organisatie een boete oplegde",
    "Een organisatie met haar concern, dochterondernemingen, aliassen en omzet",
    "Vaste openbare referentie, FT-<n>.", "Landcode volgens ISO 3166-1 alpha-2.",
    "Valutacode volgens ISO 4217 van amount, current_amount en amount_paid.",
    "JJJJ-MM-DD, of JJJJ-MM / JJJJ als alleen de maand of het jaar bekend is",
    "Hoe het besluit ervoor staat; proposed is een voorgenomen boete, (nog) geen boete.",
    "AVG-bepalingen waarvan schending is vastgesteld", "Slugs van haar dochterondernemingen.",
    "De stappen in het beroep, oudste eerst.",
    # type labels
    "Resultaat: pagina met Decision.", ">pagina met Authority<", ">lijst met Source<", ">lijst met string<",
    ">decimale string of null<", ">datum of null<", ">datum en tijd<", ">geheel getal<", ">URL of null<",
]
API_DOCS_ENGLISH = [
    "The API's endpoints.", "Published decisions, 50 a page, newest first unless sort says otherwise.",
    "Takes the same query parameters as the public list at /fines/",
    "One published decision, by its reference (FT-<n>)", "The n of FT-<n>.", "One authority, by its slug.",
    "As in the public page's address and in the list's slug field.",
    "Authorities, by country, with the count and totals of their published fines.",
    "Notices of intent are left out unless notices=1",
    "A decision of an authority that fined (or gave notice of intent to fine) one organisation.",
    "An organisation with its group, subsidiaries, aliases, turnover",
    "Permanent public reference, FT-<n>.", "ISO 3166-1 alpha-2 code.",
    "ISO 4217 code of amount, current_amount and amount_paid.",
    "YYYY-MM-DD, or YYYY-MM / YYYY when only the month or year is known",
    "Where the decision stands; proposed is a notice of intent, not a fine.",
    "GDPR provisions found infringed", "Slugs of the organisations it heads.", "The appeal's steps, oldest first.",
    "Returns: page of Decision.", ">page of Authority<", ">list of Source<", ">list of string<",
    ">decimal string or null<", ">date or null<", ">date and time<", ">integer<", ">URL or null<",
]


def test_the_api_reference_is_in_dutch(client, register):
    response = _get(client, "/api/docs/", "nl")
    text = _text(response)
    assert response.status_code == 200 and '<html lang="nl">' in text
    for dutch in ("<h1>De finetracker-API</h1>", "Alleen-lezen JSON-toegang tot het hele register",
                  "Pagina's, fouten, bedragen en datums", "Objecten", "OpenAPI-schema",
                  "Parameters van /api/decisions/",
                  "Betekenis", "herhaalbaar", "standaard 50", "Voorbeelden", "Openen in de browser",
                  "Een AVG-artikel (6) of -bepaling (5(1)(f))", "Jaar van het besluit.", "Soort toezichthouder.",
                  "Technologie en internet", "Voer een geheel getal in.", *API_DOCS_DUTCH):
        assert dutch in text, dutch
    for english in ("The finetracker API", "Read-only JSON access", "Open in the browser", "Year of the decision.",
                    "A GDPR article (6)", "Kind of authority.", "Enter a whole number.", *API_DOCS_ENGLISH,
                    "page of ", "list of ", " or null", "date and time"):
        assert english not in text, english


def test_the_api_reference_is_in_english_for_an_english_reader(client, register):
    response = _get(client, "/api/docs/", "en")
    text = _text(response)
    assert response.status_code == 200 and '<html lang="en">' in text
    for english in ("<h1>The finetracker API</h1>", "Year of the decision.", *API_DOCS_ENGLISH):
        assert english in text, english
    for dutch in ("Jaar van het besluit.", *API_DOCS_DUTCH, "pagina met ", "lijst met ", " of null"):
        assert dutch not in text, dutch


def test_the_api_reference_is_built_once_per_language_and_in_that_language():
    """Cached by language, and each language's texts evaluated in that language, whatever is active."""
    with translation.override("en"):
        dutch = api_reference("nl")
    with translation.override("nl"):
        english = api_reference("en")
    assert api_reference("nl") is dutch and api_reference("en") is english
    returns = {language: {e.operation_id: e.returns for e in reference.endpoints}
               for language, reference in (("nl", dutch), ("en", english))}
    assert returns["nl"]["decisions_list"] == "pagina met Decision"
    assert returns["en"]["decisions_list"] == "page of Decision"
    objects = {language: {name: description for name, description, _ in reference.objects}
               for language, reference in (("nl", dutch), ("en", english))}
    assert objects["nl"]["Authority"].startswith("Een toezichthouder met het aantal")
    assert objects["en"]["Authority"].startswith("An authority with the count")


@pytest.mark.parametrize(
    ("language", "root", "decision", "reference", "date"),
    [
        ("nl", "De endpoints van de API.", "Een besluit waarmee een toezichthouder", "Vaste openbare referentie",
         "JJJJ-MM-DD, of JJJJ-MM / JJJJ"),
        ("en", "The API's endpoints.", "A decision of an authority", "Permanent public reference",
         "YYYY-MM-DD, or YYYY-MM / YYYY"),
    ],
)
def test_the_schema_is_valid_openapi_in_both_languages(client, language, root, decision, reference, date):
    response = _get(client, "/api/schema/?format=json", language)
    assert response.status_code == 200
    schema = json.loads(response.content)
    validate(schema)
    assert schema["paths"]["/api/"]["get"]["description"] == root
    components = schema["components"]["schemas"]
    assert components["Decision"]["description"].startswith(decision)
    assert components["Decision"]["properties"]["reference"]["description"].startswith(reference)
    assert components["Appeal"]["properties"]["date"]["description"].startswith(date)
    # The YAML form (the default) says the same, and is valid too.
    as_yaml = yaml.safe_load(_get(client, "/api/schema/", language).content)
    validate(as_yaml)
    assert as_yaml == schema


def test_singular_and_headline_plural_of_country_and_authority_are_separate_entries(client, register):
    """"country" and "authority" are field names and a sort link (singular) as well as the home page's plural
    headline figures: the plurals have a context, so that neither can take the other's catalogue entry."""
    catalogue = _catalogue()
    assert catalogue.get("country").string == "land"
    assert catalogue.get("authority").string == "toezichthouder"
    assert catalogue.get("country", context="headline figure").string == ("land", "landen")
    assert catalogue.get("authority", context="headline figure").string == ("toezichthouder", "toezichthouders")
    singular, plural, context = "country", "countries", "headline figure"  # (variables: not for makemessages)
    with translation.override("nl"):
        assert translation.gettext(singular) == "land"
        assert translation.npgettext(context, singular, plural, 1) == "land"
        assert translation.npgettext(context, singular, plural, 12) == "landen"
    home = _text(_get(client, "/", "nl"))
    assert '<p class="figure-label">landen</p>' in home and '<p class="figure-label">toezichthouders</p>' in home
    home = _text(_get(client, "/", "en"))
    assert '<p class="figure-label">countries</p>' in home and '<p class="figure-label">authorities</p>' in home
    assert ">toezichthouder</a>" in _text(_get(client, "/fines/", "nl"))


# The catalogue -------------------------------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]|%[sdfr]|%%|\{\w*\}")
TAG = re.compile(r"<[^>]+>")


def _catalogue():
    with open(CATALOGUE / "django.po", "rb") as po:
        return read_po(po, locale="nl")


def _forms(value) -> list[str]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def test_the_catalogue_has_no_untranslated_or_fuzzy_entries():
    catalogue = _catalogue()
    assert not catalogue.fuzzy, "the header is still marked fuzzy"
    assert catalogue.locale_identifier == "nl"
    assert catalogue.plural_forms == "nplurals=2; plural=(n != 1);"
    messages = [message for message in catalogue if message.id]
    assert len(messages) > 300
    untranslated = [message.id for message in messages if not all(_forms(message.string))]
    fuzzy = [message.id for message in messages if message.fuzzy]
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy: {fuzzy}"
    assert not list(catalogue.obsolete), f"obsolete: {list(catalogue.obsolete)}"


def test_translations_keep_the_placeholders_and_html_of_the_english():
    problems = []
    for message in _catalogue():
        if not message.id:
            continue
        ids = _forms(message.id)
        expected_placeholders = sorted(set(PLACEHOLDER.findall(" ".join(ids))))
        expected_tags = sorted(TAG.findall(ids[0]))
        for string in _forms(message.string):
            if sorted(set(PLACEHOLDER.findall(string))) != expected_placeholders:
                problems.append(f"placeholders differ: {ids[0]!r} -> {string!r}")
            if sorted(TAG.findall(string)) != expected_tags:
                problems.append(f"HTML differs: {ids[0]!r} -> {string!r}")
    assert not problems, "\n".join(problems)


def test_dutch_text_says_avg_not_gdpr():
    """The glossary: the regulation is the AVG in Dutch ("gdpr" as a parameter value is code, and may stay;
    GDPRhub is a name)."""
    wrong = [
        message.id for message in _catalogue()
        if message.id and any("GDPR" in s.replace("GDPRhub", "") for s in _forms(message.string))
    ]
    assert not wrong, wrong


def test_the_compiled_catalogue_matches_the_po_file():
    """The .mo is committed (a fresh machine may have no gettext): it must be compiled from the current .po."""
    with open(CATALOGUE / "django.mo", "rb") as mo:
        compiled = read_mo(mo)
    stale = []
    for message in _catalogue():
        if not message.id:
            continue
        entry = compiled.get(message.id, context=message.context)
        if entry is None or _forms(entry.string) != _forms(message.string):
            stale.append((message.context, message.id) if message.context else message.id)
    assert not stale, f"run manage.py compilemessages; stale or missing in django.mo: {stale[:10]}"
