"""The matching engine's side of ``collab.text``: its stemmer, stopwords and integer keys.

Chinese is cut into character bigrams, optionally unigrams too (docs/STACK.md: as good as
jieba for ranking, with nothing to install); English into lower-cased words reduced by a
light stemmer, so that "dryers" and "dryer", "irrigated" and "irrigate" meet. The same
functions prepare the glossary's surface forms, so both sides are cut alike.
"""
from __future__ import annotations

import zlib

import numpy as np

from .. import text

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


def stem(word: str) -> str:
    """The matching stemmer: plurals, -ing, -ed, a final -e and British spellings
    (``collab.text.stem`` with ``inflections=True``)."""
    return text.stem(word, inflections=True)


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


def lexical_keys(normalized: str, *, unigrams: bool = True) -> np.ndarray:
    """The tokens of normalised text as integer keys: Chinese characters and character
    bigrams (``collab.text.cjk_gram_keys``) and stemmed English words (a CRC above
    WORD_KEY_BASE; no stopwords, no bare numbers)."""
    keys = text.cjk_gram_keys(normalized, unigrams=unigrams)
    words = [k for k in map(_word_key, text.latin_words(normalized)) if k]
    return np.concatenate([keys, np.array(words, dtype=np.int64)]) if words else keys
