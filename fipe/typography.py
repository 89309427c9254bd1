"""French typography for every text we print or show: one place for the rules of the Imprimerie nationale.

- `french(text)`: narrow no-break spaces inside « » and before ; : ! ?, typographic apostrophe,
  thousands grouped with narrow no-break spaces, a no-break space after « n° », bidi control characters
  removed;
- `elide(word, following)`: « de » + « Anne » → « d’Anne », « le » + « association » → « l’association »;
- `typeset_html(html)`: `french` on every text node of a document (not in tags, styles or scripts),
  which is how the letters, minutes and every PDF get it whatever their templates and data hold.

The template filters `french` and `elide` (library `typography`) apply the same to pages, and the press
release calls `french`. Dates (« 1er décembre 2026 ») are `fipe.french.french_date`, filter `french_date`.
"""

import html as html_lib
import re

NNBSP = "\u202f"  # espace fine insécable
NBSP = "\u00a0"

# Explicit direction controls (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI, LRM, RLM, ALM): a user who pastes
# an RLO into an address would print it backwards. French documents need none of them.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")

_OPENING_QUOTE = re.compile(r"«[ \u00a0\u202f]*")
_CLOSING_QUOTE = re.compile(r"[ \u00a0\u202f]*»")
# A high punctuation mark after a word, with or without a space: « Objet : », « Attention ! ». Not inside
# a URL (« https://…?a=b ») nor a time (« 14:30 »): the mark must end the word.
_HIGH_PUNCTUATION = re.compile(
    r"(?<=[^\s/?!;:])[ \u00a0\u202f]*([;!?])(?=[\s»)\]!?]|$)|(?<=\S)[ \u00a0\u202f]+(:)|(?<=[^\s\d/:])(:)(?=\s|$)"
)
# Thousands as Django's French format writes them (no-break space) or as people type them (a space).
_THOUSANDS = re.compile(r"(?<=\d)[ \u00a0](?=\d{3}(?!\d))")
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
# « n° 2 », « loi n° 2000-321 »: the number never starts a line without its « n° ».
_NUMERO = re.compile(r"(?<!\w)([nN]°)[ \u00a0\u202f]*(?=\d)")

# Elided before a vowel; before « h » the rule depends on the word (l’hôpital, le haut): we do not guess.
_ELIDABLE = {"de": "d’", "le": "l’", "la": "l’", "que": "qu’", "je": "j’", "ne": "n’", "se": "s’", "ce": "c’"}
_VOWELS = set("aeiouyàâäéèêëîïôöùûüœæAEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜŒÆ")


def strip_bidi(text: str) -> str:
    return BIDI_CONTROLS.sub("", text)


def french(text: str) -> str:
    """The text with French spacing and apostrophes, and without bidi control characters."""
    if not text:
        return text
    text = strip_bidi(str(text))
    text = _APOSTROPHE.sub("’", text)
    text = _OPENING_QUOTE.sub("«" + NNBSP, text)
    text = _CLOSING_QUOTE.sub(NNBSP + "»", text)
    text = _HIGH_PUNCTUATION.sub(_space_before_punctuation, text)
    text = _NUMERO.sub(r"\1" + NBSP, text)
    return _THOUSANDS.sub(NNBSP, text)


def _space_before_punctuation(match: re.Match) -> str:
    mark = match.group(1) or match.group(2) or match.group(3)
    # The colon takes a no-break space, the others a narrow one (Lexique de l’Imprimerie nationale); in
    # print a narrow space is usual before all four and keeps lines from ending on a lone « : ».
    return NNBSP + mark


def elide(word: str, following: str) -> str:
    """« de Anne » → « d’Anne », « de Paul » → « de Paul ». `word` is kept as given otherwise."""
    following = str(following or "")
    elided = _ELIDABLE.get(word.lower())
    if elided and following[:1] in _VOWELS:
        return (elided[0].upper() + elided[1:] if word[:1].isupper() else elided) + following
    return f"{word} {following}"


# Typesetting a whole HTML document ---------------------------------------------------------------

_RAW_ELEMENTS = re.compile(r"(<(style|script)\b.*?</\2\s*>|<!--.*?-->|<[^>]*>)", re.DOTALL | re.IGNORECASE)


def typeset_html(html: str, replace=None) -> str:
    """`french` applied to every text node of `html`; tags, comments, styles and scripts are left alone.

    `replace`, if given, maps each text node once more (the PDF renderer replaces the characters
    no embedded font can draw).
    """
    parts = _RAW_ELEMENTS.split(html)
    out = []
    # re.split with two groups yields: text, whole match, inner group name, text, …
    index = 0
    while index < len(parts):
        # Entities are read first, so that « &amp; » or « l&#x27;association » are seen as what they say.
        text = french(html_lib.unescape(parts[index]))
        if replace:
            text = replace(text)
        out.append(html_lib.escape(text, quote=False))
        if index + 1 < len(parts):
            out.append(parts[index + 1])
        index += 3
    return "".join(out)
