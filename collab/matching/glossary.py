"""The bilingual glossary: concepts with their Chinese and English surface forms.

Finding a concept in a text turns 石墨烯 and "graphene" into the same token, which is
what lets a Chinese-only need find an English-only project (docs/STACK.md: cross-language
precision 0.86 with a glossary, chance without). Concepts come from ``glossary.json``
(curated domain terms) merged with the keyword lists of the sector taxonomy.

Matching tolerates the cheap typos: a Chinese form typed with a homophone (滴罐 for
滴灌, 光复 for 光伏: the input method's most common slip) is found through toneless
pinyin, and a long English word one edit away from a glossary word ("grapheme") is
read as that word.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import NamedTuple

import ahocorasick

from ..text import ANY_CJK, CJK_CHARS, CJK_RUN, LATIN_WORD, latin_words, normalize
from .text import STOPWORDS, stem

GLOSSARY_PATH = Path(__file__).with_name("glossary.json")
SECTORS_PATH = Path(__file__).resolve().parent.parent / "data" / "sectors.json"

# Tags a concept may carry (see glossary.json "tags").
PLACE = "place"
XINJIANG = "xinjiang"
INTERNATIONAL = "intl"
OFFER_TAGS = ("offer:capital", "offer:talent", "offer:service")
SEEK_CAPITAL = "seek:capital"

# Long words that are real words, not typos of a glossary word one edit away.
_NOT_TYPOS = frozenset(stem(w) for w in """
export expert exports experts import imports report reports support supports sports
resort resorts sector sectors vector factor factors inspection injection infection
protection production products product conduction induction deduction reduction
reductions section sections station stations nation nations lotion motion motions
portion option options position positions addition edition condition conditions
trailer trailers retailer retailers dealer dealers sealer healer leader leaders
reader readers border borders order orders folder holders holder powder powders
""".split())


@dataclass(frozen=True)
class Concept:
    """One glossary concept: its forms in both languages and what it implies."""

    id: str
    zh: tuple[str, ...]
    en: tuple[str, ...]
    broader: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    tags: frozenset[str] = frozenset()

    @property
    def label_zh(self) -> str:
        return self.zh[0] if self.zh else self.en[0]

    @property
    def label_en(self) -> str:
        return self.en[0] if self.en else self.zh[0]


class Hit(NamedTuple):
    """A concept found in a text: through which form, where (offsets in the text for
    Chinese forms, in the text's word sequence for English ones), and whether by typo
    tolerance."""

    concept: str
    form: str
    lang: str
    start: int
    end: int
    fuzzy: bool = False


_ANY_LATIN = re.compile(r"[a-z0-9]")
# English words, and "" for each stretch of Chinese or punctuation that breaks a phrase.
_EN_TOKENS = re.compile(f"({LATIN_WORD.pattern})|[{CJK_CHARS},.;:!?()\\[\\]{{}}\"|\u3001\u3002]+")


def _automaton(pairs, keep_first: bool = True):
    """An Aho-Corasick automaton over (form, value) pairs; values come back as (form, value)."""
    automaton = ahocorasick.Automaton()
    for form, value in pairs:
        if form and not (keep_first and automaton.exists(form)):
            automaton.add_word(form, (form, value))
    if len(automaton) == 0:
        return None
    automaton.make_automaton()
    return automaton


def _outermost(hits: list[Hit]) -> list[Hit]:
    """Drop hits that lie inside a longer hit (same-span hits of other concepts stay)."""
    if len(hits) < 2:
        return hits
    hits.sort(key=lambda h: (h.start, -h.end))
    kept: list[Hit] = []
    reach = -1
    for hit in hits:
        if hit.end > reach:
            kept.append(hit)
            reach = hit.end
        elif kept and (hit.start, hit.end) == (kept[-1].start, kept[-1].end) and hit.concept != kept[-1].concept:
            kept.append(hit)
    return kept


def _words(text: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in latin_words(normalize(text)))


def _toneless(syllable: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFD", syllable) if not unicodedata.combining(c))
    return plain.replace("ü", "v")


@lru_cache(maxsize=None)
def _homophone_table() -> dict[int, int]:
    """str.translate table: every Chinese character to one canonical character of its
    toneless (most common) reading, so that 光复 and 光伏 are spelled alike."""
    from pypinyin.pinyin_dict import pinyin_dict

    canonical: dict[str, int] = {}
    table: dict[int, int] = {}
    for code in sorted(pinyin_dict):
        syllable = _toneless(pinyin_dict[code].split(",")[0])
        table[code] = canonical.setdefault(syllable, code)
    return table


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def _within_one_edit(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance of at most one (substitution, insertion, deletion, swap)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    if la > lb:
        a, b = b, a
    return any(b[:i] + b[i + 1:] == a for i in range(len(b)))


@dataclass(eq=False)
class Glossary:
    """Concepts and the indexes that find them in normalised text."""

    concepts: dict[str, Concept]
    zh_forms: dict[str, str] = field(default_factory=dict)
    en_forms: dict[tuple[str, ...], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.mixed_forms: dict[str, str] = {}  # Chinese forms with Latin letters or digits ("A轮", "PO膜")
        for concept in self.concepts.values():
            english = list(concept.en)
            for form in concept.zh:
                norm = normalize(form)
                if CJK_RUN.fullmatch(norm):
                    self.zh_forms.setdefault(norm, concept.id)
                elif ANY_CJK.search(norm):
                    self.mixed_forms.setdefault(norm, concept.id)
                else:  # an acronym listed with the Chinese forms: matched as English words
                    english.append(form)
            for form in english:
                words = _words(form)
                if words:
                    self.en_forms.setdefault(words, concept.id)
                    if len(words) == 2 and len(words[0]) > 1:  # "e-commerce" also as "ecommerce"
                        self.en_forms.setdefault((stem(words[0] + words[1]),), concept.id)
        self._en_vocab = {w for words in self.en_forms for w in words}
        # Typos are only corrected towards long single-word terms ("graphene"): everyday
        # words near a glossary word ("handheld" ~ "handhold") stay as they are.
        self._typo_targets = {words[0] for words in self.en_forms if len(words) == 1 and len(words[0]) >= 7
                              and words[0].isalpha()}
        self._words: dict[str, tuple[str, bool]] = {}  # raw word -> (stem or correction, corrected?)
        # Aho-Corasick automatons find every form at once, overlapping ones included.
        self._zh_automaton = _automaton({**self.zh_forms, **self.mixed_forms}.items())
        self._en_automaton = _automaton((f" {' '.join(words)} ", cid) for words, cid in self.en_forms.items())

    # -- indexes built on first use -------------------------------------------------

    @cached_property
    def _fuzzy_automaton(self):
        """Forms of three or more characters in homophone-canonical spelling. Two-character
        forms are left out: across a word boundary their homophones are everywhere (人工水洗
        holds 工水 ~ 供水); typos in them are still caught inside the longer forms that
        contain them (智慧滴罐 ~ 智慧滴灌)."""
        table = _homophone_table()
        return _automaton(((f.translate(table), f) for f in self.zh_forms if len(f) >= 3), keep_first=False)

    @cached_property
    def _typo_index(self) -> dict[str, set[str]]:
        index: dict[str, set[str]] = {}
        for word in self._typo_targets:
            for key in _deletions(word) | {word}:
                index.setdefault(key, set()).add(word)
        return index

    @cached_property
    def profiles(self) -> dict[str, tuple[bool, bool, bool, tuple[str, ...], tuple[str, ...]]]:
        """Per concept, what reading it implies: (is a place, international, says it is
        raising money, offer kinds, the concept with its broader concepts)."""
        out = {}
        for cid, concept in self.concepts.items():
            tags = self.tags_of(cid)
            # Offer tags are not inherited: "instrument" under "testing" is no testing service.
            offers = tuple(t.split(":", 1)[1] for t in OFFER_TAGS if t in concept.tags)
            out[cid] = (PLACE in concept.tags, INTERNATIONAL in tags, SEEK_CAPITAL in tags, offers,
                        (cid,) + self.ancestors(cid))
        return out

    @cached_property
    def ancestor_sets(self) -> dict[str, frozenset[str]]:
        """Per concept, all its broader concepts as a set."""
        return {cid: frozenset(self.ancestors(cid)) for cid in self.concepts}

    @cached_property
    def term_labels(self) -> dict[str, dict[str, str]]:
        """Per concept, its names for explanations: {"zh": ..., "en": ...} (shared, read-only)."""
        return {cid: {"zh": c.label_zh, "en": c.label_en} for cid, c in self.concepts.items()}

    @cached_property
    def concept_column(self) -> dict[str, int]:
        """Concept id -> column of the concept vectors (glossary order)."""
        return {cid: i for i, cid in enumerate(self.concepts)}

    @cached_property
    def place_index(self) -> tuple[dict[str, int], list[frozenset[str]]]:
        """Place concepts numbered for the location rule, with their (inherited) tags."""
        ids = sorted(c.id for c in self.concepts.values() if PLACE in c.tags)
        tags = [self.concepts[i].tags.union(*(self.concepts[a].tags for a in self.ancestors(i))) for i in ids]
        return {cid: i for i, cid in enumerate(ids)}, tags

    # -- concept relations ----------------------------------------------------------

    @lru_cache(maxsize=None)  # noqa: B019  (one glossary per process, kept for its lifetime)
    def ancestors(self, concept_id: str) -> tuple[str, ...]:
        """Every broader concept, transitively, nearest first."""
        seen: list[str] = []
        queue = list(self.concepts[concept_id].broader)
        while queue:
            current = queue.pop(0)
            if current in seen or current == concept_id or current not in self.concepts:
                continue
            seen.append(current)
            queue.extend(self.concepts[current].broader)
        return tuple(seen)

    @lru_cache(maxsize=None)  # noqa: B019
    def sectors_of(self, concept_id: str) -> tuple[str, ...]:
        """The concept's sectors, or else those of its nearest broader concept that has some."""
        own = self.concepts[concept_id].sectors
        if own:
            return own
        for parent in self.ancestors(concept_id):
            if self.concepts[parent].sectors:
                return self.concepts[parent].sectors
        return ()

    @lru_cache(maxsize=None)  # noqa: B019
    def tags_of(self, concept_id: str) -> frozenset[str]:
        """The concept's tags with those of its broader concepts (Kazakhstan is international
        because Central Asia is); place tags are not inherited by non-places."""
        tags = set(self.concepts[concept_id].tags)
        for parent in self.ancestors(concept_id):
            tags |= {t for t in self.concepts[parent].tags if t not in (PLACE,)}
        return frozenset(tags)

    # -- finding concepts -----------------------------------------------------------

    def find(self, text: str) -> list[Hit]:
        """Concepts named in normalised text; a hit inside a longer hit is dropped."""
        return _outermost(self._find_zh(text)) + _outermost(self._find_en(text))

    def _find_zh(self, text: str) -> list[Hit]:
        if not ANY_CJK.search(text):
            return []
        automaton = self._zh_automaton
        hits = [] if automaton is None else [
            Hit(concept, form, "zh", end + 1 - len(form), end + 1) for end, (form, concept) in automaton.iter(text)
        ]
        if len(text) < 3 or self._fuzzy_automaton is None:
            return hits
        # Homophone typos: spelled alike once every character is replaced by a canonical
        # character of its toneless syllable, and one character in three (or fewer) differs.
        canonical = text.translate(_homophone_table())
        if canonical == text:  # no Chinese at all
            return hits
        for end, (_, form) in self._fuzzy_automaton.iter(canonical):
            start = end + 1 - len(form)
            written = text[start:end + 1]
            if written == form or written in self.zh_forms:
                continue  # found exactly already (as this form or as a homophone form)
            differing = sum(a != b for a, b in zip(form, written))
            if differing <= max(1, len(form) // 3):
                hits.append(Hit(self.zh_forms[form], form, "zh", start, end + 1, True))
        return hits

    def _find_en(self, text: str) -> list[Hit]:
        if self._en_automaton is None or not _ANY_LATIN.search(text):
            return []
        # The text as a sequence of stemmed words, "|" where Chinese text or punctuation
        # breaks it (a phrase never runs across), searched with space-delimited phrases.
        tokens, corrected = [], set()
        cache = self._words
        for word in _EN_TOKENS.findall(text):
            if not word:
                tokens.append("|")
                continue
            known = cache.get(word)
            if known is None:
                if len(cache) > 200_000:
                    cache.clear()
                stemmed = stem(word)
                fix = self._correct(stemmed)
                known = cache[word] = (fix or stemmed, fix is not None)
            tokens.append(known[0])
            if known[1]:
                corrected.add(known[0])
        if not tokens:
            return []
        sequence = f" {' '.join(tokens)} "
        hits = []
        for end, (form, concept) in self._en_automaton.iter(sequence):
            phrase = form[1:-1]
            fuzzy = bool(corrected) and any(w in corrected for w in phrase.split())
            hits.append(Hit(concept, phrase, "en", end + 1 - len(form), end + 1, fuzzy))
        return hits

    def _correct(self, word: str) -> str | None:
        """The glossary word a long unknown word is a one-edit typo of, if exactly one."""
        if len(word) < 6 or word in self._en_vocab or word in _NOT_TYPOS or word in STOPWORDS or not word.isalpha():
            return None
        index = self._typo_index
        candidates: set[str] = set()
        for key in _deletions(word) | {word}:
            candidates |= index.get(key, set())
        candidates = {c for c in candidates if _within_one_edit(word, c)}
        return candidates.pop() if len(candidates) == 1 else None

    def corrected_text(self, hits: list[Hit]) -> str:
        """The glossary forms of typo hits, to add to the text so its n-grams match too."""
        return " ".join(h.form for h in hits if h.fuzzy and h.lang == "zh")


def load_sectors(path: Path = SECTORS_PATH) -> list[dict]:
    """The sector taxonomy (collab/data/sectors.json, a copy of shared/domain)."""
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)["sectors"]


def _concepts_from(data: dict, sectors: list[dict]) -> dict[str, Concept]:
    codes = {s["code"] for s in sectors}
    concepts: dict[str, Concept] = {}
    for item in data["concepts"]:
        bad = set(item.get("sectors", ())) - codes
        if bad:
            raise ValueError(f"glossary concept {item['id']}: unknown sectors {sorted(bad)}")
        if item["id"] in concepts:
            raise ValueError(f"glossary concept {item['id']} defined twice")
        concepts[item["id"]] = Concept(
            id=item["id"], zh=tuple(item.get("zh", ())), en=tuple(item.get("en", ())),
            broader=tuple(item.get("broader", ())), sectors=tuple(item.get("sectors", ())),
            tags=frozenset(item.get("tags", ())),
        )
    # Sector keywords the curated file does not already name become concepts of their own.
    known_zh = {normalize(f) for c in concepts.values() for f in c.zh}
    for sector in sectors:
        for i, (zh, en) in enumerate(zip(sector["keywords_zh"], sector["keywords_en"])):
            if normalize(zh) not in known_zh:
                cid = f"{sector['code']}.{i}"
                concepts[cid] = Concept(cid, (zh,), (en,), sectors=(sector["code"],))
    return concepts


@lru_cache(maxsize=4)
def load_glossary(path: str | None = None, sectors_path: str | None = None) -> Glossary:
    """The glossary (cached per process): glossary.json merged with the sector keywords."""
    with open(path or GLOSSARY_PATH, encoding="utf-8") as fh:
        data = json.load(fh)
    sectors = load_sectors(Path(sectors_path) if sectors_path else SECTORS_PATH)
    return Glossary(_concepts_from(data, sectors))


def glossary_from(concepts: list[dict], sectors: list[dict] | None = None) -> Glossary:
    """A glossary from concept dicts (tests, held-out experiments)."""
    return Glossary(_concepts_from({"concepts": concepts}, sectors if sectors is not None else load_sectors()))
