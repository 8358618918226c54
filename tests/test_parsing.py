import pytest

from fines.articles import ArticleReferenceError, article_normalise, articles_parse
from fines.countries import country_code
from fines.names import name_key


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("Art. 5 (1) c) GDPR", "5(1)(c)"),
        ("5(1)(c)", "5(1)(c)"),
        ("Article 32", "32"),
        ("Art. 6 (1) a) GDPR", "6(1)(a)"),
        ("art. 83(5)", "83(5)"),
    ],
)
def test_article_references_take_one_canonical_form(text, canonical):
    assert article_normalise(text) == canonical


@pytest.mark.parametrize("text", ["foo", "100", "0", "Art. GDPR"])
def test_what_is_not_an_article_is_refused(text):
    with pytest.raises(ArticleReferenceError):
        article_normalise(text)


def test_article_lists_split_on_semicolons_and_commas():
    assert articles_parse("5(1)(a);6;32") == ["5(1)(a)", "6", "32"]
    assert articles_parse("Art. 5 (1) c) GDPR, Art. 6 GDPR") == ["5(1)(c)", "6"]
    assert articles_parse("") == []


def test_organisation_names_match_across_case_accents_and_legal_form():
    assert name_key("Amazon Europe Core S.à r.l.") == name_key("amazon europe core SARL") == "amazon europe core"
    assert name_key("Österreichische Post AG") == name_key("Osterreichische Post")
    assert name_key("Google LLC") != name_key("Google Ireland Limited")


def test_a_law_other_than_the_gdpr_is_not_read_as_points_of_an_article():
    with pytest.raises(ArticleReferenceError):
        article_normalise("Art. 17 BDSG")
    assert article_normalise("Art. 5 (1) c) GDPR") == "5(1)(c)"


@pytest.mark.parametrize(
    ("text", "code"),
    [("FR", "FR"), ("France", "FR"), ("the Netherlands", "NL"), ("UK", "GB"), ("Czech Republic", "CZ"),
     ("Bosnia & Herzegovina", "BA"), ("Österreich", ""), ("EDPB", "")],
)
def test_a_country_is_found_by_its_code_or_english_name(text, code):
    assert country_code(text) == code
