"""Tokenising bilingual text for search: CJK characters and character bigrams, and
lower-cased, lightly stemmed Latin words. Both the index and the query use it, so a
two-character query (光伏) finds its bigram and a one-character query (膜) its unigram."""
from __future__ import annotations

import re
import unicodedata

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_CJK}]+|[^\W_]+", re.UNICODE)
_IS_CJK = re.compile(rf"[{_CJK}]")


def stem(word: str) -> str:
    """Simple English plural folding: membranes→membrane, batteries→battery, boxes→box."""
    if len(word) <= 3 or not word.isascii():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def document_tokens(text: str) -> list[str]:
    """Every token of a text for the index (duplicates kept once)."""
    tokens: dict[str, None] = {}
    for run in _RUN.findall(normalise(text)):
        if _IS_CJK.match(run):
            for i, char in enumerate(run):
                tokens[char] = None
                if i + 1 < len(run):
                    tokens[run[i:i + 2]] = None
        else:
            tokens[stem(run)] = None
    return list(tokens)


def query_tokens(query: str) -> list[str]:
    """The tokens all of which a document must contain to match ``query``: a CJK run
    of one character is itself, longer runs are their bigrams; words are stemmed."""
    tokens: dict[str, None] = {}
    for run in _RUN.findall(normalise(query)):
        if _IS_CJK.match(run):
            if len(run) == 1:
                tokens[run] = None
            for i in range(len(run) - 1):
                tokens[run[i:i + 2]] = None
        else:
            tokens[stem(run)] = None
    return list(tokens)[:12]


def highlight_terms(query: str) -> list[str]:
    """Surface strings to mark in a snippet: CJK runs as typed, words as typed and stemmed."""
    terms: dict[str, None] = {}
    for run in _RUN.findall(normalise(query)):
        terms[run] = None
        if not _IS_CJK.match(run):
            terms[stem(run)] = None
    return sorted(terms, key=len, reverse=True)
