"""The search side of ``collab.text``: which tokens the index stores and a query asks for.
Both cut text alike (CJK characters and character bigrams, lower-cased words with their
plurals folded), so a two-character query (光伏) finds its bigram and a one-character
query (膜) its unigram. The tokens are stored: changing the cut means reindexing."""
from __future__ import annotations

from ..text import cjk_grams, is_cjk, runs, stem


def document_tokens(text: str) -> list[str]:
    """Every token of a text for the index (duplicates kept once)."""
    tokens: dict[str, None] = {}
    for run in runs(text):
        tokens.update(dict.fromkeys(cjk_grams(run) if is_cjk(run) else [stem(run)]))
    return list(tokens)


def query_tokens(query: str) -> list[str]:
    """The tokens all of which a document must contain to match ``query``: a CJK run
    of one character is itself, longer runs are their bigrams; words are stemmed."""
    tokens: dict[str, None] = {}
    for run in runs(query):
        tokens.update(dict.fromkeys(cjk_grams(run, unigrams=len(run) == 1) if is_cjk(run) else [stem(run)]))
    return list(tokens)[:12]


def highlight_terms(query: str) -> list[str]:
    """Surface strings to mark in a snippet: CJK runs as typed, words as typed and stemmed."""
    terms: dict[str, None] = {}
    for run in runs(query):
        terms[run] = None
        if not is_cjk(run):
            terms[stem(run)] = None
    return sorted(terms, key=len, reverse=True)
