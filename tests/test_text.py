"""collab.text: the normaliser, tokeniser and stemmer shared by search and matching."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collab import text
from collab.matching import text as matching_text
from collab.search import tokens as search_tokens


def test_normalize_folds_width_and_case():
    assert text.normalize("ＡＩ质检 ＰＯ膜") == "ai质检 po膜"
    assert text.normalize("Graphene ﬁlm") == "graphene film"
    assert text.normalize(None) == text.normalize("") == ""


def test_runs_are_cjk_runs_and_word_runs():
    assert text.runs("光伏板, Drip-irrigation_kit!") == ["光伏板", "drip", "irrigation", "kit"]
    assert [text.is_cjk(r) for r in text.runs("滴灌 café")] == [True, False]
    # A word run swallows CJK characters written right after it (the stored search cut).
    assert text.runs("PO膜 膜") == ["po膜", "膜"]


def test_cjk_grams_in_reading_order():
    assert text.cjk_grams("光伏板") == ["光", "光伏", "伏", "伏板", "板"]
    assert text.cjk_grams("光伏板", unigrams=False) == ["光伏", "伏板"]
    assert text.cjk_grams("膜") == ["膜"]
    assert text.cjk_grams("膜", unigrams=False) == []


def test_only_ideographs_are_cjk():
    for char in ("\u3400", "\u4dbf", "\u4e00", "\u9fff", "\uf900", "\ufaff"):
        assert text.is_cjk(char)
        assert len(text.cjk_gram_keys(char)) == 1
    for char in ("\u4dc0", "\u3001", "か", "가", "a"):  # a Yijing hexagram, 、, kana, hangul
        assert not text.is_cjk(char)
        assert len(text.cjk_gram_keys(char)) == 0


def _keys_of(grams: list[str]) -> list[int]:
    return [ord(g) if len(g) == 1 else (ord(g[0]) << 21) | ord(g[1]) for g in grams]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("光伏板膜滴灌新疆\u3400\uf900\u4dc0ab1 。,-"), max_size=30))
def test_gram_keys_are_the_string_grams_as_numbers(sample):
    normalized = text.normalize(sample)
    expected = [key for run in text.CJK_RUN.findall(normalized) for key in _keys_of(text.cjk_grams(run))]
    for unigrams in (True, False):
        keys = text.cjk_gram_keys(normalized, unigrams=unigrams)
        assert keys.dtype == np.int64
        wanted = [k for k in expected if k > 0x10FFFF or unigrams]
        assert sorted(keys.tolist()) == sorted(wanted)


def test_latin_words_are_ascii_words():
    assert text.latin_words("po膜 dryers, 10kw café") == ["po", "dryers", "10kw", "caf"]


@pytest.mark.parametrize("word, plural_folded", [
    ("membranes", "membrane"), ("batteries", "battery"), ("boxes", "box"), ("brushes", "brush"),
    ("classes", "class"), ("sizes", "siz"), ("status", "status"), ("analysis", "analysis"),
    ("glass", "glass"), ("gas", "gas"), ("dies", "die"), ("tested", "tested"), ("10kws", "10kw"),
    ("cafés", "cafés"),
])
def test_stem_folds_plurals_by_default(word, plural_folded):
    assert text.stem(word) == plural_folded


@pytest.mark.parametrize("word, stemmed", [
    ("membranes", "membran"), ("membrane", "membran"), ("dryers", "dryer"), ("irrigated", "irrigat"),
    ("irrigate", "irrigat"), ("running", "run"), ("drilling", "drill"), ("applied", "apply"),
    ("buzzes", "buzz"), ("sizes", "siz"), ("aluminium", "aluminum"), ("colours", "color"),
    ("organisation", "organization"), ("funding", "funding"), ("fundings", "funding"), ("10kws", "10kws"),
    ("use", "use"),
])
def test_stem_with_inflections(word, stemmed):
    assert text.stem(word, inflections=True) == stemmed


def test_each_side_uses_its_stemmer():
    assert matching_text.stem("irrigated") == matching_text.stem("irrigate") == text.stem("irrigated", inflections=True)
    assert search_tokens.document_tokens("Irrigated membranes 光伏") == ["irrigated", "membrane", "光", "光伏", "伏"]
    assert search_tokens.query_tokens("膜 光伏板") == ["膜", "光伏", "伏板"]


def test_lexical_keys_drop_stopwords_and_numbers():
    keys = matching_text.lexical_keys(text.normalize("The dryers 2024 光伏"), unigrams=False)
    words = [k for k in keys.tolist() if k >= matching_text.WORD_KEY_BASE]
    assert len(words) == 1 and words[0] == matching_text.lexical_keys("dryer").tolist()[0]
    assert (ord("光") << 21) | ord("伏") in keys.tolist()
