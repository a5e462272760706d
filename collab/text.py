"""Bilingual text handling shared by search and matching: normalising, tokenising, stemming.

- ``normalize``: NFKC (full-width to half-width, compatibility forms folded), lower case.
- Tokenising: Chinese (CJK ideographs, ``CJK_RANGES``) is cut into characters and character
  bigrams (``cjk_grams`` as strings, ``cjk_gram_keys`` the same cut as integers, vectorised);
  Latin text into words, either every Unicode word run (``runs``, the search index's cut) or
  ASCII words only (``latin_words``, the matching engine's cut).
- ``stem``: English plural folding; with ``inflections=True`` the matching engine's lighter
  stemmer, which folds -ing/-ed/-e and British spellings too.

Search stores its tokens in the database (``collab/search/tokens.py``), so changing what the
search side gets from here means reindexing every item; matching (``collab/matching/text.py``)
recomputes its keys on every refresh.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np

# CJK Unified Ideographs Extension A, CJK Unified Ideographs, CJK Compatibility Ideographs.
CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
CJK_CHARS = "".join(f"{chr(first)}-{chr(last)}" for first, last in CJK_RANGES)  # a [...] class body
ANY_CJK = re.compile(f"[{CJK_CHARS}]")
CJK_RUN = re.compile(f"[{CJK_CHARS}]+")
LATIN_WORD = re.compile(r"[a-z0-9]+")
# A run is a stretch of CJK characters or of word characters; a word run swallows CJK
# characters that follow it without a space ("po膜" is one run): the stored search tokens
# are cut this way.
_RUN = re.compile(f"[{CJK_CHARS}]+|[^\\W_]+")


def normalize(text: str | None) -> str:
    """Full-width to half-width, compatibility forms folded, lower case ("ＡＩ质检" → "ai质检")."""
    if not text:
        return ""
    return unicodedata.normalize("NFKC", text).lower()


# --- tokenising --------------------------------------------------------------

def is_cjk(run: str) -> bool:
    """Whether a run (of ``runs``) is Chinese: its first character is a CJK ideograph."""
    return ANY_CJK.match(run) is not None


def runs(text: str | None) -> list[str]:
    """The normalised text cut into CJK runs and word runs (punctuation, spaces and "_" dropped)."""
    return _RUN.findall(normalize(text))


def cjk_grams(run: str, *, unigrams: bool = True) -> list[str]:
    """The characters and character bigrams of a CJK run, in reading order ("光伏板" →
    光, 光伏, 伏, 伏板, 板); without unigrams, only the bigrams."""
    if not unigrams:
        return [run[i:i + 2] for i in range(len(run) - 1)]
    grams = []
    for i, char in enumerate(run):
        grams.append(char)
        if i + 1 < len(run):
            grams.append(run[i:i + 2])
    return grams


def cjk_gram_keys(text: str, *, unigrams: bool = True) -> np.ndarray:
    """The ``cjk_grams`` of every CJK run of ``text`` as int64 keys, bigrams first: a
    character is its code point, a bigram ``(first << 21) | second`` (above every code
    point). Cut in a handful of array operations instead of a Python loop."""
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    cjk = np.zeros(len(points), dtype=bool)
    for first, last in CJK_RANGES:
        cjk |= (points >= first) & (points <= last)
    pairs = cjk[:-1] & cjk[1:]
    keys = (points[:-1][pairs] << 21) | points[1:][pairs]
    return np.concatenate([keys, points[cjk]]) if unigrams else keys


def latin_words(text: str) -> list[str]:
    """The ASCII words of normalised text ("PO膜 dryers" → po, dryers); other letters split words."""
    return LATIN_WORD.findall(text)


# --- stemming ----------------------------------------------------------------

# Plurals in -es that lose the "es" (boxes → box); other plurals lose the "s".
_ES_PLURALS = ("sses", "xes", "ches", "shes", "zes")
# With inflections, "-zes" is only the "s" (sizes → size, and the final -e goes next) and
# "-zzes" the "es" (buzzes → buzz).
_ES_PLURALS_INFLECTED = ("sses", "xes", "ches", "shes", "zzes")

# British spellings map to one form, so "aluminium" meets "aluminum".
_SPELLING = {
    "aluminium": "aluminum", "colour": "color", "coloured": "colored", "colours": "colors",
    "fibre": "fiber", "fibres": "fibers", "centre": "center", "centres": "centers",
    "mould": "mold", "moulds": "molds", "moulding": "molding", "metre": "meter",
    "metres": "meters", "litre": "liter", "litres": "liters", "tonne": "ton", "tonnes": "tons",
    "programme": "program", "programmes": "programs", "jewellery": "jewelry",
    "catalogue": "catalog", "licence": "license", "defence": "defense", "analyse": "analyze",
    "sulphur": "sulfur", "modelling": "modeling", "travelling": "traveling",
    "labelling": "labeling", "grey": "gray", "tyre": "tire", "tyres": "tires",
    "storey": "story", "practise": "practice", "fertiliser": "fertilizer",
    "fertilisers": "fertilizers", "pyjamas": "pajamas", "kerb": "curb", "ageing": "aging",
}
_BRITISH_SUFFIXES = (("isation", "ization"), ("isations", "izations"), ("ising", "izing"),
                     ("ised", "ized"), ("iser", "izer"), ("isers", "izers"))

# Nouns in -ing whose verb would mean something else ("funding" is not "fund").
_KEEP = frozenset("""
funding bonded bonding clothing soiling screening seeding building landing housing offering
engineering marketing
""".split())

_HAS_DIGIT = re.compile(r"\d")


def stem(word: str, *, inflections: bool = False) -> str:
    """Fold a lower-case English word to its key; other words come back as they are.

    By default plurals only (membranes → membrane, batteries → battery, boxes → box), on
    ASCII words of four letters or more: the search index's keys, stored with its tokens.

    ``inflections=True`` is the matching engine's stemmer: British spellings to American
    (aluminium → aluminum, -isation → -ization), then on words of four letters or more
    without digits plurals (as above, but "-zes" loses only its "s"), -ied, -ing and -ed
    ("dryers"/"dryer", "irrigated"/"irrigate" meet), and last a final -e. A few nouns in
    -ing keep it ("funding" is not "fund"). It only has to reduce a word and its
    inflections to the same key; the glossary's English forms go through it too, so an
    odd key on both sides still matches.
    """
    if inflections:
        return _stem_inflections(word)
    if len(word) <= 3 or not word.isascii():
        return word
    return _fold_plural(word, _ES_PLURALS)


def _fold_plural(word: str, es_plurals: tuple[str, ...]) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(es_plurals):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=200_000)
def _stem_inflections(word: str) -> str:
    word = _british(word)
    if len(word) <= 3 or _HAS_DIGIT.search(word) or word in _KEEP:
        return word
    if word[:-1] in _KEEP and word.endswith("s"):
        return word[:-1]
    folded = _fold_plural(word, _ES_PLURALS_INFLECTED)
    if folded == word:  # not a plural (every plural rule shortens the word)
        if word.endswith("ied") and len(word) > 4:
            folded = word[:-3] + "y"
        elif word.endswith("ing") and len(word) >= 6:
            folded = _undouble(word[:-3])
        elif word.endswith("ed") and len(word) >= 5:
            folded = _undouble(word[:-2])
    if folded.endswith("e") and len(folded) > 3:
        folded = folded[:-1]
    return folded


def _british(word: str) -> str:
    word = _SPELLING.get(word, word)
    for old, new in _BRITISH_SUFFIXES:
        if word.endswith(old) and len(word) > len(old) + 2:
            return word[: -len(old)] + new
    return word


def _undouble(word: str) -> str:
    # "running" -> "runn" -> "run"; keep "ll"/"ss" ("drilling" -> "drill").
    if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "lsz":
        return word[:-1]
    return word
