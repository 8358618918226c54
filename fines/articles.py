"""GDPR article references in one canonical form: 5(1)(c), 6(1)(a), 32, 83(5)."""
import re

from django.utils.translation import gettext as _

ARTICLE_COUNT = 99

_PREFIX = re.compile(r"^\s*(?:art(?:icle|ikel|\.)?s?\.?\s*)", re.IGNORECASE)
_SUFFIX = re.compile(r"\s*(?:gdpr|dsgvo|avg|rgpd|rgpd\.|ogólnego rozporządzenia)\s*$", re.IGNORECASE)
# 5 (1) c) | 5(1)(c) | 5.1.c | 5 par. 1 lit. c | 5 abs. 1 lit. c
# A letter is a point only on its own ("c)", "(c)", "lit. c"), never inside a word such as BDSG.
_PART = re.compile(r"\(?\s*([0-9]+|(?<![a-z])[a-z](?![a-z]))\s*\)?", re.IGNORECASE)
_NOISE = re.compile(r"\b(?:par|para|paragraph|abs|lid|lit|letter|sub|point|no|nr)\b\.?", re.IGNORECASE)


class ArticleReferenceError(ValueError):
    pass


def article_normalise(text: str) -> str:
    """Return the canonical form of one article reference, or raise ArticleReferenceError.

    >>> article_normalise("Art. 5 (1) c) GDPR")
    '5(1)(c)'
    """
    raw = text
    text = _SUFFIX.sub("", _PREFIX.sub("", text.strip()))
    text = _NOISE.sub(" ", text).replace(".", " ").replace(",", " ")
    parts = _PART.findall(text)
    leftover = _PART.sub("", text).strip()
    if not parts or leftover or not parts[0].isdigit():
        raise ArticleReferenceError(
            _("“%(reference)s” is not a GDPR article reference (e.g. 6 or 5(1)(f))") % {"reference": raw}
        )
    number = int(parts[0])
    if not 1 <= number <= ARTICLE_COUNT:
        raise ArticleReferenceError(
            _("the GDPR has articles 1 to %(count)d, not %(number)d") % {"count": ARTICLE_COUNT, "number": number}
        )
    return str(number) + "".join(f"({part.lower()})" for part in parts[1:])


def article_number(reference: str) -> int:
    """The article number of a canonical reference: 5(1)(c) -> 5."""
    return int(reference.split("(", 1)[0])


def articles_parse(text: str) -> list[str]:
    """Split a list of references ("5(1)(a);6;32" or "Art. 5 (1) a) GDPR, Art. 6 GDPR")."""
    pieces = re.split(r"[;,]|\bGDPR\b", text) if ";" in text or "," in text else [text]
    seen: dict[str, None] = {}
    for piece in pieces:
        if piece.strip():
            seen[article_normalise(piece)] = None
    return list(seen)
