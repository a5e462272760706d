"""Text normalisation and tokenising for matching, in Chinese and English alike.

Chinese is cut into character bigrams, optionally unigrams too (STACK.md: as good as
jieba for ranking, with nothing to install); English into lower-cased words reduced by a
light stemmer, so that "dryers" and "dryer", "irrigated" and "irrigate" meet. The same
functions prepare the glossary's surface forms, so both sides are cut alike.
"""
from __future__ import annotations

import re
import unicodedata
import zlib
from functools import lru_cache

import numpy as np

_HAS_DIGIT = re.compile(r"\d")

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

# Function words carry no topic; dropping them keeps the word vectors about the subject.
STOPWORDS = frozenset("""
a an the and or of for to in on at by with from into onto over under per via as is are was
were be been being it its this that these those we our us you your they their them he she
his her i my me not no nor but so than then there here can could will would shall should
may might must do does did done has have had having also such each any all some more most
other same both only own very just about above after again against before below between
during off out up down further once what which who whom whose when where why how if while
until because through within without across around among up etc e g ie eg new plus
""".split())


def normalize(text: str | None) -> str:
    """Full-width to half-width, compatibility forms folded, lower case."""
    if not text:
        return ""
    return unicodedata.normalize("NFKC", text).lower()


def _british(word: str) -> str:
    word = _SPELLING.get(word, word)
    for old, new in _BRITISH_SUFFIXES:
        if word.endswith(old) and len(word) > len(old) + 2:
            return word[: -len(old)] + new
    return word


# Nouns in -ing whose verb would mean something else ("funding" is not "fund").
_KEEP = frozenset("""
funding bonded bonding clothing soiling screening seeding building landing housing offering
engineering marketing
""".split())


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light English stemmer: plurals, -ing, -ed and a final -e, nothing cleverer.

    It only has to reduce a word and its inflections to the same key; the glossary's
    English forms go through it too, so an odd key on both sides still matches.
    """
    word = _british(word)
    if len(word) <= 3 or _HAS_DIGIT.search(word) or word in _KEEP:
        return word
    if word[:-1] in _KEEP and word.endswith("s"):
        return word[:-1]
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("ied") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith(("ches", "shes", "xes", "zzes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    elif word.endswith("ing") and len(word) >= 6:
        word = _undouble(word[:-3])
    elif word.endswith("ed") and len(word) >= 5:
        word = _undouble(word[:-2])
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def _undouble(word: str) -> str:
    # "running" -> "runn" -> "run"; keep "ll"/"ss" ("drilling" -> "drill").
    if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "lsz":
        return word[:-1]
    return word


_LATIN_WORD = re.compile(r"[a-z0-9]+")
_WORD_KEYS: dict[str, int] = {}
WORD_KEY_BASE = 1 << 48  # keys of English words lie above every character key


def _word_key(word: str) -> int:
    """A stable number for an English word (stem), or 0 for a word that carries no topic."""
    key = _WORD_KEYS.get(word)
    if key is None:
        if len(_WORD_KEYS) > 500_000:
            _WORD_KEYS.clear()
        if word.isdigit() or len(word) < 2 or word in STOPWORDS:
            key = 0
        else:
            key = WORD_KEY_BASE + zlib.crc32(stem(word).encode("utf-8"))
        _WORD_KEYS[word] = key
    return key


def lexical_keys(text: str, *, unigrams: bool = True) -> np.ndarray:
    """The text's tokens as integer keys: Chinese characters (their code point), Chinese
    character bigrams (two code points side by side), and stemmed English words (a CRC
    above WORD_KEY_BASE; no stopwords, no bare numbers). Numbers rather than strings:
    the Chinese part is cut in a handful of array operations instead of a Python loop."""
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    cjk = ((points >= 0x3400) & (points <= 0x9FFF)) | ((points >= 0xF900) & (points <= 0xFAFF))
    pairs = cjk[:-1] & cjk[1:]
    parts = [(points[:-1][pairs] << 21) | points[1:][pairs]]
    if unigrams:
        parts.append(points[cjk])
    if not cjk.all():
        words = [_word_key(w) for w in _LATIN_WORD.findall(text)]
        if words:
            parts.append(np.array([k for k in words if k], dtype=np.int64))
    return np.concatenate(parts)
