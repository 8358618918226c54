"""Matching keys for names as sources spell them."""
import re
import unicodedata

# Legal forms dropped when matching, written as they look after accents and punctuation are removed.
LEGAL_FORMS = frozenset(
    """
    ab ag as asa aps bv co corp corporation cv gmbh inc kg kgaa limited llc llp lp ltd nv oy oyj plc
    sa sarl sas sl slu spa srl sro uc ug unlimited company se sp zoo
    """.split()
)
# Multi-word legal forms, matched before splitting into words.
_LEGAL_FORM_PHRASES = re.compile(r"\b(s a r l|s r l|s p a|b v|n v|s a|sp z o o|s r o|a s)\b")


def text_key(name: str) -> str:
    """A key equal for spellings of one name: insensitive to case, accents, punctuation and spacing.

    "Commission Nationale de l'Informatique et des Libertés" gives "commission nationale de l informatique
    et des libertes".
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def name_key(name: str) -> str:
    """A key equal for spellings of one organisation: insensitive to case, accents and legal form.

    "Amazon Europe Core S.à r.l." and "amazon europe core SARL" both give "amazon europe core".
    """
    text = _LEGAL_FORM_PHRASES.sub(" ", text_key(name))
    words = [word for word in text.split() if word not in LEGAL_FORMS]
    return " ".join(words) or " ".join(text.split())
