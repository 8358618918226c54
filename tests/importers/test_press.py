import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from fines.importers import UnreadableSource
from fines.importers.press import read_press_feed

FILES = Path(__file__).parent / "files"
ICO_NEWS = "https://ico.org.uk/about-the-ico/media-centre/news-and-blogs"


def read(name: str, **source) -> dict:
    result = read_press_feed((FILES / name).read_bytes(), **source)
    return {candidate.external_id: candidate for candidate in result.candidates}


def test_each_press_release_becomes_a_candidate_with_its_fine():
    candidates = read("press_ap_nl.rss", authority="Autoriteit Persoonsgegevens", country="NL")
    uber = candidates["ap-nieuws-2024-0826-uber"]
    assert uber.url == "https://www.autoriteitpersoonsgegevens.nl/actueel/boete-van-290-miljoen-euro-voor-uber"
    assert uber.title == "Boete van 290 miljoen euro voor Uber vanwege doorgifte gegevens chauffeurs naar VS"
    assert uber.published == datetime.date(2024, 8, 26)
    assert (uber.amount, uber.currency) == (Decimal("290000000"), "EUR")
    assert (uber.authority, uber.country, uber.language) == ("Autoriteit Persoonsgegevens", "NL", "nl")


def test_the_summary_is_plain_text():
    uber = read("press_ap_nl.rss")["ap-nieuws-2024-0826-uber"]
    assert uber.summary.startswith("De Autoriteit Persoonsgegevens (AP) legt Uber een boete op van 290 miljoen euro.")
    assert "<" not in uber.summary and "&" not in uber.summary
    assert uber.summary.count("\n") == 1  # one line per paragraph


def test_the_fine_can_stand_in_the_summary_with_html_entities():
    clearview = read("press_ap_nl.rss")["ap-nieuws-2024-0903-clearview"]
    assert "€ 30,5 miljoen" in clearview.summary
    # The penalty payments of "ruim 5 miljoen euro" are further from the word "boete".
    assert (clearview.amount, clearview.currency) == (Decimal("30500000"), "EUR")


def test_a_release_without_a_fine_has_no_amount():
    candidates = read("press_ap_nl.rss")
    assert candidates["ap-nieuws-2024-1105-phishing"].amount is None
    assert candidates["ap-nieuws-2024-1105-phishing"].currency == ""
    # Money, but no fine: extra budget for the authority.
    assert candidates["ap-nieuws-2024-0920-algoritmes"].amount is None


def test_the_date_is_the_authority_s_own_day_not_utc():
    netflix = read("press_ap_nl.rss")["ap-nieuws-2024-1218-netflix"]
    assert netflix.published == datetime.date(2024, 12, 18)  # 00:15 in Amsterdam is the 17th in UTC
    assert netflix.amount == Decimal("4750000")


def test_a_release_listed_twice_is_one_candidate():
    result = read_press_feed((FILES / "press_ap_nl.rss").read_bytes())
    assert [c.external_id for c in result.candidates].count("ap-nieuws-2024-0826-uber") == 1
    assert result.skipped == 1
    assert result.seen == 5


def test_an_atom_feed_of_the_cnil():
    candidates = read("press_cnil_fr.atom", authority="CNIL", country="FR", language="en")
    google = candidates["https://www.cnil.fr/fr/cookies-la-cnil-sanctionne-google-hauteur-de-150-millions-deuros"]
    assert google.url == google.external_id
    assert google.published == datetime.date(2022, 1, 6)
    assert (google.amount, google.currency) == (Decimal("150000000"), "EUR")
    assert google.language == "fr"  # the feed's xml:lang wins over the source's setting
    assert "150 millions d’euros" in google.summary


def test_the_fine_is_preferred_over_the_turnover_in_an_atom_content():
    exemple = read("press_cnil_fr.atom")["tag:cnil.fr,2023:sanction-exemple-distribution"]
    assert "chiffre d'affaires de 3 milliards d'euros" in exemple.summary
    assert exemple.amount == Decimal("1500000")
    assert exemple.published == datetime.date(2023, 6, 29)


def test_an_entry_with_only_an_updated_date_and_no_fine():
    report = read("press_cnil_fr.atom")["https://www.cnil.fr/fr/la-cnil-publie-son-rapport-annuel-2023"]
    assert report.published == datetime.date(2024, 5, 23)
    assert report.amount is None


def test_a_latin1_german_feed():
    candidates = read("press_hmbbfdi_de.rss", authority="HmbBfDI", country="DE")
    hm = candidates["https://datenschutz-hamburg.de/pressemitteilungen/2020/10/2020-10-01-h-m-verfahren"]
    assert hm.title == "35,3 Millionen Euro Bußgeld wegen Datenschutzverstößen im Servicecenter von H&M"
    assert hm.language == "de"
    # The headline rounds; the body's exact figure for the same fine is kept.
    assert (hm.amount, hm.currency) == (Decimal("35258707.95"), "EUR")
    mail_order = candidates["https://datenschutz-hamburg.de/pressemitteilungen/2021/03/versandhaendler"]
    assert mail_order.amount == Decimal("14500000")  # not the turnover of 1,2 Mrd. Euro


def test_the_ico_headline_fine_beats_the_proposed_fine_and_the_legal_maximum():
    candidates = read("press_ico_en.rss", authority="ICO", country="GB")
    (ba,) = [c for c in candidates.values() if "british-airways" in c.external_id]
    assert "£183.39m" in ba.summary and "£17.5m" in ba.summary
    assert (ba.amount, ba.currency) == (Decimal("20000000"), "GBP")
    assert ba.published == datetime.date(2020, 10, 16)
    assert ba.language == "en"


def test_the_ico_fine_is_not_the_turnover():
    candidates = read("press_ico_en.rss")
    energy = candidates[f"{ICO_NEWS}/2021/02/energy-firm-fined-for-nuisance-calls/"]
    assert (energy.amount, energy.currency) == (Decimal("750000"), "GBP")
    blog = candidates[f"{ICO_NEWS}/2022/06/open-letter-public-sector/"]
    assert blog.amount is None


def test_the_language_falls_back_to_the_source_s():
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Garante</title>
    <item><title>Sanzione di 27,8 milioni di euro</title><guid>g-1</guid><link>https://example.org/g-1</link></item>
    </channel></rss>"""
    (candidate,) = read_press_feed(feed, language="it-IT").candidates
    assert candidate.language == "it"
    assert candidate.external_id == "g-1"
    assert (candidate.amount, candidate.published) == (Decimal("27800000"), None)


def test_an_item_without_guid_or_link_is_a_problem_and_the_rest_is_read():
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>AEPD</title>
    <item><title>Multa de 6 millones de euros</title></item>
    <item><title>Otra multa de 10.000 euros</title><link>https://example.org/2</link></item>
    </channel></rss>"""
    result = read_press_feed(feed, language="es")
    assert [c.external_id for c in result.candidates] == ["https://example.org/2"]
    assert result.candidates[0].amount == Decimal("10000")
    (problem,) = result.problems
    assert problem.row == 1 and "neither a guid nor a link" in str(problem)


def test_an_html_entity_that_xml_does_not_know_is_forgiven():
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>AP</title>
    <item><title>Boete van&nbsp;525.000 euro</title><link>https://example.org/1</link></item>
    </channel></rss>"""
    (candidate,) = read_press_feed(feed, language="nl").candidates
    assert candidate.amount == Decimal("525000")


def test_an_empty_feed_has_no_candidates():
    feed = b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>CNIL</title></feed>'
    result = read_press_feed(feed)
    assert result.candidates == [] and result.problems == []


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("press_entity_bomb.rss", "declares XML entities"),
        ("press_external_entity.rss", "declares XML entities"),
        ("press_html_page.html", "HTML page"),
        ("press_truncated.rss", "truncated"),
    ],
)
def test_a_file_that_is_not_a_safe_complete_feed_is_unreadable(name, reason):
    with pytest.raises(UnreadableSource, match=reason):
        read_press_feed((FILES / name).read_bytes())


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b'{"decisions": []}', "could not be read"),
        (b"<?xml version='1.0'?><decisions><decision/></decisions>", "not an RSS or Atom feed"),
        # feedparser opens bytes that name a file; the adapter must read only what it is given
        pytest.param(str(FILES / "press_ap_nl.rss").encode(), "could not be read", id="bytes-naming-a-file"),
    ],
)
def test_something_else_than_a_feed_is_unreadable(data, reason):
    with pytest.raises(UnreadableSource, match=reason):
        read_press_feed(data)
