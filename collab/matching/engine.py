"""The matching engine: for a need, projects ranked by a score in [0, 1]; for a project,
needs ranked the same way; and a bulk refresh of the top k both ways.

score = relevance x fit
  relevance: weighted sum of three cosines, each over L2-normalised vectors -
    text (TF-IDF of Chinese character bigrams and stemmed English words),
    concepts (TF-IDF of glossary concepts and their broader concepts: the bridge
    between the two languages) and sectors (declared, else inferred from concepts).
    The three blocks are stacked, each scaled by the square root of its weight, so one
    sparse product gives the weighted sum. A pair with no language in common is rescaled
    to the blocks it can share (``language_balance``).
  fit: a product of rule factors ``1 - w * (1 - value)`` (see rules.py): kind, direction,
    location, stage, budget, foreign region, freshness.

Requests and the database play no part: callers hand in ProjectDoc/NeedDoc records of
matchable items only (rules.project_matchable / need_matchable / need_visible_to).
Weights: DEFAULT_WEIGHTS below, overridden by the app's ``MATCH_WEIGHTS``.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np
from scipy import sparse

from ..text import normalize
from . import rules
from .docs import NeedDoc, ProjectDoc
from .glossary import XINJIANG, Glossary, load_glossary
from .text import lexical_keys

DEFAULT_WEIGHTS: dict[str, float] = {
    # Relevance: shares of the three cosines (normalised to sum 1).
    "text": 0.40,
    "concepts": 0.50,
    "sectors": 0.15,
    # Fit rules: strength of each factor in [0, 1] (0 = off, 1 = a hard gate).
    "kind": 0.9,
    "direction": 0.4,
    "location": 0.15,
    "stage": 0.3,
    "budget": 0.3,
    "region": 0.4,
    # A pair with no language in common cannot share text tokens: rescale its relevance to
    # the concept and sector blocks alone (1), or leave it at a disadvantage (0).
    "language_balance": 1.0,
    "freshness": 0.3,
    "freshness_half_life_days": 120.0,
    # How much a title counts against a body (token repetitions).
    "title_repeat": 2,
    # Text tokens: Chinese bigrams only (0) or single characters too (1): as good on the
    # development set, a third fewer tokens. Tokens found in more than this share of the
    # items are dropped (their IDF is low and they make the products dense).
    "cjk_unigrams": 0,
    "text_max_df": 0.2,
}

RELEVANCE_KEYS = ("text", "concepts", "sectors")
RULE_KEYS = ("kind", "direction", "location", "stage", "budget", "freshness", "region")


def resolve_weights(overrides: dict | None = None) -> dict[str, float]:
    """DEFAULT_WEIGHTS with the app's MATCH_WEIGHTS laid over; unknown keys are refused."""
    weights = dict(DEFAULT_WEIGHTS)
    for key, value in (overrides or {}).items():
        if key not in weights:
            raise KeyError(f"unknown matching weight {key!r}")
        weights[key] = float(value)
    for key in RULE_KEYS:
        if not 0.0 <= weights[key] <= 1.0:
            raise ValueError(f"matching weight {key!r} must lie in [0, 1]")
    if sum(weights[k] for k in RELEVANCE_KEYS) <= 0:
        raise ValueError("at least one relevance weight must be positive")
    return weights


def weights_from_config(config) -> dict[str, float]:
    """The weights an app configures (``MATCH_WEIGHTS``, a dict of overrides)."""
    return resolve_weights(config.get("MATCH_WEIGHTS") or {})


# -- analysis of one item ---------------------------------------------------------------

@dataclass
class Features:
    """What the engine keeps of one item after reading its text: token keys and concept
    columns with their counts (no strings), and what the fit rules need."""

    lexical: tuple[np.ndarray, np.ndarray]  # (sorted token keys, counts)
    concepts: tuple[np.ndarray, np.ndarray]  # (glossary concept columns, counts)
    terms: frozenset[str]  # concepts named, with their broader concepts
    sectors: dict[str, float]  # declared 1.0, inferred less
    declared_sectors: tuple[str, ...]
    places: frozenset[str]
    regions: int = 0  # bit mask of the foreign regions named (rules.REGIONS)
    languages: int = 0  # bit mask: 1 Chinese text, 2 English text
    offer: dict[str, float] = field(default_factory=dict)
    international: bool = False
    seeking_capital: bool = False


def _fields(doc) -> tuple[list[str | None], list[str | None]]:
    if isinstance(doc, ProjectDoc):
        return [doc.title_zh, doc.title_en], [doc.summary_zh, doc.summary_en]
    return [doc.title_zh, doc.title_en], [doc.description_zh, doc.description_en]


def analyze(doc: ProjectDoc | NeedDoc, glossary: Glossary, weights: dict | None = None) -> Features:
    """Read an item's text in both languages: tokens, glossary concepts, sectors, cues."""
    weights = weights or DEFAULT_WEIGHTS
    title_repeat, unigrams = int(weights["title_repeat"]), bool(weights["cjk_unigrams"])
    titles, bodies = _fields(doc)
    # Titles in one text, bodies in another; "。" keeps fields from running together.
    parts = [("。".join(filter(None, map(normalize, titles))), title_repeat),
             ("。".join(filter(None, map(normalize, bodies))), 1)]
    keys: list[np.ndarray] = []
    chain: list[str] = []
    named: Counter[str] = Counter()
    places: set[str] = set()
    offer: Counter[str] = Counter()
    international = seeking = False
    profiles = glossary.profiles
    for text, repeat in parts:
        if not text:
            continue
        hits = glossary.find(text)
        extra = glossary.corrected_text(hits)
        keys.extend([lexical_keys(f"{text}。{extra}" if extra else text, unigrams=unigrams)] * repeat)
        for hit in hits:
            is_place, intl, seek, offers, lineage = profiles[hit.concept]
            international = international or intl
            if is_place:
                places.update(lineage)
                continue
            seeking = seeking or seek
            named[hit.concept] += repeat
            for kind in offers:
                offer[kind] += repeat
            chain.extend(lineage * repeat)
    concepts = Counter(chain)
    declared = tuple(dict.fromkeys(doc.sectors or ()))
    token_keys, token_counts = np.unique(np.concatenate(keys) if keys else np.zeros(0, np.int64),
                                         return_counts=True)
    column = glossary.concept_column
    features = Features(
        lexical=(token_keys, token_counts.astype(np.float32)),
        concepts=(np.array([column[c] for c in concepts], dtype=np.int32),
                  np.array(list(concepts.values()), dtype=np.float32)),
        terms=frozenset(concepts),
        sectors=_sector_weights(declared, named, glossary), declared_sectors=declared,
        places=frozenset(places), offer=dict(offer), international=international,
        regions=rules.region_mask(concepts.keys() | places),
        languages=(1 if any(normalize(t) for t in titles[:1] + bodies[:1]) else 0)
        | (2 if any(normalize(t) for t in titles[1:] + bodies[1:]) else 0),
    )
    if isinstance(doc, ProjectDoc):
        features.seeking_capital = (seeking or "capital" in (doc.seeks or ())
                                    or rules.seeks_capital(parts[0][0] + "。" + parts[1][0]))
    return features


def _sector_weights(declared: tuple[str, ...], named: Counter, glossary: Glossary) -> dict[str, float]:
    """Declared sectors weigh 1; sectors inferred from the concepts named weigh up to 1
    when none is declared, and up to 0.4 beside declared ones."""
    inferred: Counter[str] = Counter()
    for concept, count in named.items():
        for code in glossary.sectors_of(concept):
            inferred[code] += count
    weights: dict[str, float] = {}
    if inferred:
        top = max(inferred.values())
        scale = 0.4 if declared else 1.0
        weights = {code: scale * count / top for code, count in inferred.items()}
    for code in declared:
        weights[code] = 1.0
    return weights


# -- the vector model -------------------------------------------------------------------

class TextModel:
    """TF-IDF (smoothed idf, sublinear tf, L2 rows) over text tokens and over concepts,
    plus sector vectors. The token vocabulary and all IDF weights come from one corpus;
    tokens it never saw are dropped from later items, as TF-IDF does."""

    def __init__(self, weights: dict[str, float], sector_codes: list[str], glossary: Glossary):
        self.weights = weights
        self.glossary = glossary
        self.sector_codes = list(sector_codes)
        self._sector_col = {code: i for i, code in enumerate(self.sector_codes)}
        total = sum(weights[k] for k in RELEVANCE_KEYS)
        self.scale = {k: math.sqrt(weights[k] / total) for k in RELEVANCE_KEYS}
        self.token_keys = np.zeros(0, np.int64)
        self.idf = {"lexical": np.zeros(0, np.float32), "concepts": np.zeros(0, np.float32)}
        self.concept_idf: dict[str, float] = {}

    def fit(self, features: list[Features]) -> "TextModel":
        """Vocabulary and IDF weights from the corpus (both sides of a refresh)."""
        n = len(features)
        keys = np.concatenate([f.lexical[0] for f in features]) if features else np.zeros(0, np.int64)
        self.token_keys, inverse = np.unique(keys, return_inverse=True)
        self.idf["lexical"] = self._idf(np.bincount(inverse, minlength=len(self.token_keys)), n,
                                        self.weights["text_max_df"])
        columns = np.concatenate([f.concepts[0] for f in features]) if features else np.zeros(0, np.int32)
        df = np.bincount(columns, minlength=len(self.glossary.concept_column))
        self.idf["concepts"] = self._idf(df, n, 1.0)
        idf = self.idf["concepts"]
        self.concept_idf = {c: float(idf[i]) for c, i in self.glossary.concept_column.items() if df[i]}
        return self

    @staticmethod
    def _idf(df: np.ndarray, n: int, max_df: float) -> np.ndarray:
        idf = np.log((1 + n) / (1 + df)) + 1
        if max_df < 1.0 and n >= 50:
            idf[df > max_df * n] = 0.0  # in too many items: dropped from the vectors
        return idf.astype(np.float32)

    def transform(self, features: list[Features]) -> sparse.csr_matrix:
        """One row per item: [text | concepts | sectors], each block scaled by sqrt(weight)."""
        blocks = [
            self._tfidf([f.lexical for f in features], self.idf["lexical"], self.token_keys) * self.scale["text"],
            self._tfidf([f.concepts for f in features], self.idf["concepts"]) * self.scale["concepts"],
            self._sectors(features) * self.scale["sectors"],
        ]
        return sparse.hstack(blocks, format="csr", dtype=np.float32)

    @staticmethod
    def _tfidf(pairs: list[tuple[np.ndarray, np.ndarray]], idf: np.ndarray,
               keys: np.ndarray | None = None) -> sparse.csr_matrix:
        n = len(pairs)
        lengths = np.array([len(p[0]) for p in pairs], dtype=np.int64)
        ids = np.concatenate([p[0] for p in pairs]) if n else np.zeros(0, np.int64)
        counts = np.concatenate([p[1] for p in pairs]) if n else np.zeros(0, np.float32)
        rows = np.repeat(np.arange(n), lengths)
        if keys is not None:  # token keys -> vocabulary columns; unknown tokens dropped
            ids = np.searchsorted(keys, ids)
            known = ids < len(keys)
            known[known] = keys[ids[known]] == np.concatenate([p[0] for p in pairs])[known]
            rows, ids, counts = rows[known], ids[known], counts[known]
        weights = idf[ids] if len(idf) else np.zeros(0, np.float32)
        keep = weights > 0
        rows, ids, counts, weights = rows[keep], ids[keep], counts[keep], weights[keep]
        values = _sublinear_tf(counts) * weights
        matrix = sparse.csr_matrix((values, (rows, ids)), shape=(n, max(len(idf), 1)))
        return normalize_rows(matrix)

    def _sectors(self, features: list[Features]) -> sparse.csr_matrix:
        rows, cols, vals = [], [], []
        for i, feat in enumerate(features):
            norm = math.sqrt(sum(v * v for v in feat.sectors.values())) or 1.0
            for code, value in feat.sectors.items():
                if code in self._sector_col:
                    rows.append(i)
                    cols.append(self._sector_col[code])
                    vals.append(value / norm)
        return sparse.csr_matrix((np.array(vals, dtype=np.float32), (rows, cols)),
                                 shape=(len(features), len(self.sector_codes)))


def normalize_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """Scale each row to unit length (rows of zeros stay zero).

    The norms are summed in order with bincount, not by a vectorised reduction whose
    rounding depends on where a row sits in memory: an item must get the same vector
    alone (matched as it is published) as among ten thousand (in a refresh).
    """
    matrix = sparse.csr_matrix(matrix)
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    data = matrix.data.astype(np.float64)
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=matrix.shape[0]))
    norms[norms == 0] = 1.0
    matrix.data = (data / norms[rows]).astype(np.float32)
    return matrix


_SUBLINEAR = (1.0 + np.log(np.arange(1, 4097, dtype=np.float64))).astype(np.float32)


def _sublinear_tf(counts: np.ndarray) -> np.ndarray:
    """1 + ln(count), from a table (the same bits wherever the count sits in an array)."""
    whole = counts.astype(np.int64)
    small = whole < len(_SUBLINEAR)
    out = np.empty(len(counts), dtype=np.float32)
    out[small] = _SUBLINEAR[np.maximum(whole[small] - 1, 0)]
    out[~small] = (1.0 + np.log(counts[~small].astype(np.float64))).astype(np.float32)
    return out


# -- indexes ----------------------------------------------------------------------------

class Match:
    """A project and a need with their score and the reasons for it. ``reasons`` is
    worked out when first read, so a refresh pays only for the reasons it keeps; treat
    it as read-only (its term entries are shared between matches)."""

    __slots__ = ("need_id", "project_id", "score", "_reasons", "_source")

    def __init__(self, need_id: str, project_id: str, score: float, reasons: dict | None = None, source=None):
        self.need_id, self.project_id, self.score = need_id, project_id, score
        self._reasons, self._source = reasons, source

    @property
    def reasons(self) -> dict | None:
        if self._reasons is None and self._source is not None:
            self._reasons = explain_pair(*self._source)
            self._source = None
        return self._reasons

    def as_dict(self) -> dict:
        """The match as plain data (for storing or JSON)."""
        return {"need_id": self.need_id, "project_id": self.project_id, "score": self.score,
                "reasons": self.reasons}

    def __repr__(self) -> str:
        return f"Match(need_id={self.need_id!r}, project_id={self.project_id!r}, score={self.score:.4f})"


class MatchIndex:
    """The items of one side, vectorised, with the arrays the fit rules read.

    Factors that depend on one item only are folded in ahead: a need's freshness scales
    its row of ``left`` (relevance is linear in it), a project's freshness scales its
    column of ``combo``; per pair, only gathers and products remain.
    """

    def __init__(self, side: str, docs: list, features: list[Features], model: TextModel,
                 glossary: Glossary, now: datetime | None = None):
        self.side = side
        self.model = model
        self.glossary = glossary
        self.weights = model.weights
        self.now = now or datetime.now(timezone.utc)
        self.docs: list = []
        self.features: list[Features] = []
        self.position: dict[str, int] = {}
        self._places, self._place_tags = glossary.place_index
        self.matrix = sparse.csr_matrix((0, 0), dtype=np.float32)
        self._rows: list[dict] = []
        self._term_rank: list[dict[str, int]] = []  # per item: concept -> rank by IDF, for explanations
        self._verdicts: dict[tuple, tuple] = {}  # explain_pair's per-project rule verdicts
        self._extend(docs, features)

    @property
    def ids(self) -> list[str]:
        return [d.id for d in self.docs]

    def __len__(self) -> int:
        return len(self.docs)

    # building

    def _extend(self, docs: list, features: list[Features]) -> None:
        matrix = self.model.transform(features) if docs else None
        first = len(self.docs)
        idf = self.model.concept_idf
        for doc, feat in zip(docs, features):
            self.position[doc.id] = len(self.docs)
            self.docs.append(doc)
            self.features.append(feat)
            self._rows.append(self._row_facts(doc, feat))
            ranked = sorted(feat.terms, key=lambda c: (-idf.get(c, 0.0), c))
            self._term_rank.append({c: r for r, c in enumerate(ranked)})
        if matrix is not None:
            self.matrix = matrix if self.matrix.shape[0] == 0 else sparse.vstack([self.matrix, matrix], format="csr")
        self._arrays(first)

    def add(self, doc) -> None:
        """Add a newly published item (or replace an edited one) without refitting the model."""
        feat = analyze(doc, self.glossary, self.weights)
        if doc.id in self.position:
            self.discard(doc.id)
        self._extend([doc], [feat])

    def discard(self, item_id: str) -> None:
        """Stop matching an item (closed, expired, withdrawn, unpublished)."""
        i = self.position.pop(item_id, None)
        if i is not None:
            self.active[i] = False

    def _row_facts(self, doc, feat: Features) -> dict:
        place = self._place_of(doc.location if isinstance(doc, NeedDoc) else doc.city)
        facts = {
            "regions": feat.regions,
            "languages": feat.languages,
            "dated": doc.published_at is not None,
            "fresh": rules.freshness(doc.published_at, self.now, self.weights["freshness_half_life_days"]),
            "place": place,
        }
        if isinstance(doc, ProjectDoc):
            offer = rules.offer_profile(feat.offer, seeking=feat.seeking_capital, explicit=doc.offer_kind)
            mentioned = {self._places[p] for p in feat.places if p in self._places}
            in_region = (place >= 0 and XINJIANG in self._place_tags[place]) or "xinjiang" in feat.places \
                or doc.direction == "offshore_to_xinjiang"
            facts.update(
                offer=offer, kind_values=rules.kind_fit_rows(offer).tolist(), direction=doc.direction,
                stage=doc.stage, log_funding=rules.log_amount(doc.funding_sought_cny), mentions=mentioned,
                region=bool(in_region),
            )
        else:
            kind = doc.kind if doc.kind in rules.NEED_KINDS else None
            in_xinjiang = place < 0 or XINJIANG in self._place_tags[place]
            where = "elsewhere" if not in_xinjiang else ("xinjiang_intl" if feat.international else "xinjiang")
            log_min, log_max = rules.log_amount(doc.budget_min), rules.log_amount(doc.budget_max)
            facts.update(
                kind=kind, kind_idx=rules.NEED_KINDS.index(kind) if kind else len(rules.NEED_KINDS),
                where=where, where_idx=rules.NEED_PLACES.index(where),
                log_min=log_max if math.isnan(log_min) else log_min,
                log_max=log_min if math.isnan(log_max) else log_max,
            )
        return facts

    def _place_of(self, name: str | None) -> int:
        if not name:
            return -1
        for hit in self.glossary.find(normalize(name)):
            if hit.concept in self._places:
                return self._places[hit.concept]
        return -1

    def _arrays(self, first: int) -> None:
        """Column arrays of the per-item facts, for vectorised scoring (rows from ``first`` on
        are new; earlier ones are kept as they are)."""
        rows, w = self._rows[first:], self.weights
        fresh = np.array([1 - w["freshness"] * (1 - r["fresh"]) for r in rows], dtype=np.float32)
        place = np.array([r["place"] for r in rows], dtype=np.int32)
        new = {"active": np.ones(len(rows), dtype=bool), "fresh_factor": fresh, "place": place}
        n_places = len(self._places)
        if self.side == "projects":
            # An explicit width: reshape(0, -1) fails when no project is matchable yet.
            combo = np.array([_combo_column(r, w) for r in rows], dtype=np.float32).reshape(
                len(rows), (len(rules.NEED_KINDS) + 1) * len(rules.NEED_PLACES) * 4).T
            new["combo"] = combo * fresh[None, :]
            location = np.empty((n_places + 1, len(rows)), dtype=np.float32)
            for j, r in enumerate(rows):
                location[:, j] = rules.LOCATION_REGION if r["region"] else rules.LOCATION_OTHER
                for p in r["mentions"] | ({r["place"]} if r["place"] >= 0 else set()):
                    location[p, j] = rules.LOCATION_SAME
            location[n_places, :] = 1.0  # the need's place is unknown
            new["location"] = 1 - w["location"] * (1 - location)
            log_funding = np.array([r["log_funding"] for r in rows], dtype=np.float64)
            new["log_funding"] = log_funding
            masks = np.array([r["regions"] for r in rows], dtype=np.int64)
            # Region factor for every possible need mask (row) against these projects.
            table = np.array([[rules.region_fit(m, int(p)) for p in masks] for m in range(1 << len(rules.REGIONS))],
                             dtype=np.float64).reshape(1 << len(rules.REGIONS), len(rows))
            new["region"] = (1 - w["region"] * (1 - table)).astype(np.float32)
            new["funding_bin"] = _funding_bins(log_funding)
        else:
            new["combo_row"] = np.array([(r["kind_idx"] * len(rules.NEED_PLACES) + r["where_idx"]) * 4
                                         + r["languages"] for r in rows], dtype=np.int64)
            new["location_row"] = np.where(place >= 0, place, n_places).astype(np.int64)
            new["log_min"] = np.array([r["log_min"] for r in rows], dtype=np.float64)
            new["log_max"] = np.array([r["log_max"] for r in rows], dtype=np.float64)
            new["regions"] = np.array([r["regions"] for r in rows], dtype=np.int64)
        for name, values in new.items():
            axis = 1 if name in ("combo", "location", "region") else 0
            if first == 0 or not hasattr(self, name):
                setattr(self, name, values)
            else:
                setattr(self, name, np.concatenate([getattr(self, name), values], axis=axis))
        if self.side == "projects":
            self.has_funding = bool((self.funding_bin < len(FUNDING_BINS)).any())
            self.matrix_t = self.matrix.T.tocsr()
        else:
            self.left = sparse.csr_matrix(sparse.diags(self.fresh_factor) @ self.matrix)


def _combo_column(row: dict, w: dict) -> list[float]:
    """A project's factor for every kind of need row: kind x stage x direction fit, and
    the language balance, flattened as needs index it:
    ((kind_idx * len(NEED_PLACES) + where_idx) * 4 + need languages)."""
    total = sum(w[k] for k in RELEVANCE_KEYS)
    rest = total - w["text"]
    balance = 1.0 + w["language_balance"] * (total / rest - 1.0) if rest > 0 else 1.0
    values = []
    for k in range(len(rules.NEED_KINDS) + 1):
        kind = rules.NEED_KINDS[k] if k < len(rules.NEED_KINDS) else None
        kind_factor = 1 - w["kind"] * (1 - row["kind_values"][k])
        stage_factor = 1 - w["stage"] * (1 - rules.stage_fit(kind, row["stage"]))
        for where in rules.NEED_PLACES:
            direction_factor = 1 - w["direction"] * (1 - rules.direction_fit(where, row["direction"]))
            base = kind_factor * stage_factor * direction_factor
            for need_languages in range(4):
                apart = need_languages and row["languages"] and not need_languages & row["languages"]
                values.append(base * balance if apart else base)
    return values


# Funding amounts are read on a grid of 1/50 of a decade (4.7 %) from CNY 1,000 to 10^12,
# so the budget rule becomes one lookup per pair; the last bin is "unknown".
FUNDING_BINS = np.arange(3.0, 12.0 + 1e-9, 0.02)


def _funding_bins(log_funding: np.ndarray) -> np.ndarray:
    bins = np.clip(np.rint((log_funding - FUNDING_BINS[0]) / 0.02), 0, len(FUNDING_BINS) - 1)
    return np.where(np.isfinite(log_funding), bins, len(FUNDING_BINS)).astype(np.int64)


# -- scoring ----------------------------------------------------------------------------

def _scores(needs: MatchIndex, rows: slice, projects: MatchIndex) -> np.ndarray:
    """Scores for a block of needs (rows) against all projects (columns), in [0, 1];
    inactive items score -1 so that no selection keeps them."""
    left = needs.left if rows == slice(None) else needs.left[rows]
    score = (left @ projects.matrix_t).toarray()
    score *= projects.combo[needs.combo_row[rows]]
    score *= projects.location[needs.location_row[rows]]
    w_budget = needs.weights["budget"]
    if w_budget and projects.has_funding:
        log_min, log_max = needs.log_min[rows], needs.log_max[rows]
        if np.isfinite(log_max).any():
            if len(projects) > len(FUNDING_BINS):  # many projects: one row of factors per need, then a lookup
                fit = rules.budget_fit(log_min, log_max, FUNDING_BINS)
                table = np.ones((len(log_max), len(FUNDING_BINS) + 1), dtype=np.float32)
                table[:, :-1] = 1 - w_budget * (1 - fit)
                score *= np.take(table, projects.funding_bin, axis=1)
            else:  # a few projects (one being published): the same values, computed directly
                centres = np.append(FUNDING_BINS, np.nan)[projects.funding_bin]
                score *= (1 - w_budget * (1 - rules.budget_fit(log_min, log_max, centres))).astype(np.float32)
    if needs.weights["region"]:
        masks = needs.regions[rows]
        named = np.flatnonzero(masks)
        if len(named):  # only needs that name a foreign region can conflict
            score[named] *= projects.region[masks[named]]
    if not projects.active.all():
        score[:, ~projects.active] = -1.0
    need_active = needs.active[rows]
    if not need_active.all():
        score[~need_active, :] = -1.0
    return score


def _select(scores: np.ndarray, k: int | None, min_score: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, column, score) of each row's k best scores above ``min_score``, sorted by row,
    then best first, ties by column: the same answer for one row alone or among many."""
    n_rows, n_cols = scores.shape
    if k is not None and k < n_cols:
        top = np.argpartition(scores, n_cols - k, axis=1)[:, n_cols - k:]
        kth = np.take_along_axis(scores, top, axis=1).min(axis=1)
        # Ties with the k-th score beyond the k kept: settle them by column order.
        crowded = np.count_nonzero(scores >= kth[:, None], axis=1) > k
        r = np.repeat(np.arange(n_rows), k)
        c = top.ravel()
        if crowded.any():
            keep = ~crowded[r]
            extra_r, extra_c = np.nonzero(scores[crowded] >= kth[crowded][:, None])
            r = np.concatenate([r[keep], np.flatnonzero(crowded)[extra_r]])
            c = np.concatenate([c[keep], extra_c])
    else:
        r, c = np.nonzero(np.ones_like(scores, dtype=bool))
    s = scores[r, c]
    keep = s > min_score
    r, c, s = r[keep], c[keep], s[keep]
    order = np.lexsort((c, -s, r))
    r, c, s = r[order], c[order], s[order]
    if k is not None and len(r):
        keep = (np.arange(len(r)) - np.searchsorted(r, r)) < k
        r, c, s = r[keep], c[keep], s[keep]
    return r, c, s


def _split(r: np.ndarray, n_rows: int) -> list[slice]:
    starts = np.searchsorted(r, np.arange(n_rows + 1))
    return [slice(starts[i], starts[i + 1]) for i in range(n_rows)]


def rank_projects_for_need(need: NeedDoc, index: MatchIndex, limit: int | None = 20, *,
                           explain: bool = True, min_score: float = 0.0) -> list[Match]:
    """Projects of the index ranked for one need, best first."""
    if index.side != "projects":
        raise ValueError("rank_projects_for_need needs an index of projects")
    if not len(index):
        return []
    feat = analyze(need, index.glossary, index.weights)
    single = MatchIndex("needs", [need], [feat], index.model, index.glossary, index.now)
    _, cols, values = _select(_scores(single, slice(0, 1), index), limit, min_score)
    return [_match(single, 0, index, int(j), float(v), explain) for j, v in zip(cols, values)]


def rank_needs_for_project(project: ProjectDoc, needs_index: MatchIndex, limit: int | None = 20, *,
                           explain: bool = True, min_score: float = 0.0) -> list[Match]:
    """Needs of the index ranked for one project, best first."""
    if needs_index.side != "needs":
        raise ValueError("rank_needs_for_project needs an index of needs")
    if not len(needs_index):
        return []
    feat = analyze(project, needs_index.glossary, needs_index.weights)
    single = MatchIndex("projects", [project], [feat], needs_index.model, needs_index.glossary, needs_index.now)
    scores = _scores(needs_index, slice(None), single)
    _, rows, values = _select(np.ascontiguousarray(scores.T), limit, min_score)
    return [_match(needs_index, int(i), single, 0, float(v), explain) for i, v in zip(rows, values)]


def _match(needs: MatchIndex, i: int, projects: MatchIndex, j: int, score: float, explain: bool) -> Match:
    return Match(needs.docs[i].id, projects.docs[j].id, min(score, 1.0),
                 source=(needs, i, projects, j) if explain else None)


# -- explanations -----------------------------------------------------------------------

def explain_pair(needs: MatchIndex, i: int, projects: MatchIndex, j: int, max_terms: int = 8) -> dict:
    """Why a need and a project match: shared sectors, shared terms in both languages
    (most telling first), and the fit rules that held (``rules``) or held them back
    (``penalties``)."""
    glossary = needs.glossary
    nf, pf = needs.features[i], projects.features[j]
    ns, ps = nf.sectors, pf.sectors
    shared_sectors = [c for c in ns if c in ps and ns[c] >= 0.25 and ps[c] >= 0.25]
    if len(shared_sectors) > 1:
        shared_sectors.sort(key=lambda c: -ns[c] * ps[c])
    shared = nf.terms & pf.terms
    terms = []
    if shared:
        # The most specific shared concepts (not implied by another shared one), most telling first.
        implied = set().union(*map(glossary.ancestor_sets.__getitem__, shared))
        labels = glossary.term_labels
        terms = [labels[c] for c in sorted(shared - implied, key=needs._term_rank[i].__getitem__)[:max_terms]]
    nr, pr = needs._rows[i], projects._rows[j]
    key = (j, nr["kind_idx"], nr["where"])
    verdicts = projects._verdicts.get(key)
    if verdicts is None:
        verdicts = projects._verdicts[key] = _kind_verdicts(nr, pr)
    passed, penalties = list(verdicts[0]), list(verdicts[1])
    if nr["place"] >= 0 and (nr["place"] == pr["place"] or nr["place"] in pr["mentions"]):
        passed.append("location_fit")
    if nr["log_max"] == nr["log_max"] and pr["log_funding"] == pr["log_funding"]:  # neither NaN
        value = rules.budget_value(nr["log_min"], nr["log_max"], pr["log_funding"])
        (passed if value >= 0.99 else penalties if value < 0.75 else []).append("budget_fit")
    if nr["regions"] and pr["regions"]:
        (passed if nr["regions"] & pr["regions"] else penalties).append("region_fit")
    if nr["dated"] and pr["dated"]:
        value = min(nr["fresh"], pr["fresh"])
        (passed if value >= 0.75 else penalties if value < 0.6 else []).append("freshness")
    return {"sectors": shared_sectors, "terms": terms, "rules": passed, "penalties": penalties}


def _kind_verdicts(nr: dict, pr: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The kind, direction and stage rules for a kind of need (kind, where) and a project:
    (held, held back). They depend on nothing else, so they are kept per project."""
    passed, penalties = [], []
    if nr["kind"] is not None:
        value = pr["kind_values"][nr["kind_idx"]]
        (passed if value >= 0.6 else penalties if value < 0.4 else []).append("kind_fit")
    if pr["direction"] is not None:
        value = rules.direction_fit(nr["where"], pr["direction"])
        (passed if value >= 0.99 else penalties if value < 0.7 else []).append("direction_fit")
    if nr["kind"] in rules.STAGE_FIT and pr["stage"] is not None:
        value = rules.stage_fit(nr["kind"], pr["stage"])
        (passed if value >= 0.99 else penalties if value < 0.6 else []).append("stage_fit")
    return tuple(passed), tuple(penalties)


# -- building and bulk refresh ----------------------------------------------------------

def _side_of(items: list, side: str | None) -> str:
    if side:
        return side
    if not items:
        raise ValueError("give side='projects' or side='needs' for an empty index")
    return "projects" if isinstance(items[0], ProjectDoc) else "needs"


def fit_model(features: list[Features], glossary: Glossary, weights: dict | None = None) -> TextModel:
    """A text model over the given items (usually both sides of a refresh)."""
    from .glossary import load_sectors

    sectors = [s["code"] for s in load_sectors()]
    return TextModel(resolve_weights(weights), sectors, glossary).fit(features)


def build_index(items: list, *, side: str | None = None, weights: dict | None = None,
                model: TextModel | None = None, glossary: Glossary | None = None,
                now: datetime | None = None) -> MatchIndex:
    """An index of projects or needs; fits its own text model unless one is given."""
    side = _side_of(items, side)
    glossary = glossary or load_glossary()
    w = model.weights if model is not None else resolve_weights(weights)
    features = [analyze(item, glossary, w) for item in items]
    if model is None:
        model = fit_model(features, glossary, w)
    return MatchIndex(side, items, features, model, glossary, now)


@dataclass
class Refresh:
    """The result of a full refresh: the top k both ways, and the indexes for later
    incremental matching (``rank_*`` against them, ``add``/``discard`` on them)."""

    for_needs: dict[str, list[Match]]
    for_projects: dict[str, list[Match]]
    needs: MatchIndex
    projects: MatchIndex


def top_k(needs: list[NeedDoc], projects: list[ProjectDoc], k: int | None = 20, *,
          weights: dict | None = None, glossary: Glossary | None = None, now: datetime | None = None,
          explain: bool = True, min_score: float = 0.0, chunk_size: int = 1000) -> Refresh:
    """The k best projects for every need and the k best needs for every project.

    All pairs are scored with sparse products over blocks of ``chunk_size`` needs; each
    project's best needs are kept as a running list whose k-th score filters the next
    block, so memory stays at one block.
    """
    glossary = glossary or load_glossary()
    w = resolve_weights(weights)
    now = now or datetime.now(timezone.utc)  # one clock for both sides
    need_features = [analyze(n, glossary, w) for n in needs]
    project_features = [analyze(p, glossary, w) for p in projects]
    model = fit_model(need_features + project_features, glossary, w)
    need_index = MatchIndex("needs", needs, need_features, model, glossary, now)
    project_index = MatchIndex("projects", projects, project_features, model, glossary, now)
    for_needs: dict[str, list[Match]] = {n.id: [] for n in needs}
    made: dict[tuple[int, int], Match] = {}  # a pair on both sides is one Match (one reasons)
    best = _RunningBest(len(projects), k, min_score)
    for start in range(0, len(needs) if len(projects) else 0, chunk_size):
        stop = min(start + chunk_size, len(needs))
        scores = _scores(need_index, slice(start, stop), project_index)
        r, c, s = _select(scores, k, min_score)
        for offset, part in enumerate(_split(r, stop - start)):
            i = start + offset
            found = for_needs[needs[i].id] = []
            for j, v in zip(c[part].tolist(), s[part].tolist()):
                match = made[i, j] = _match(need_index, i, project_index, j, v, explain)
                found.append(match)
        best.fold(scores, start)
    for_projects: dict[str, list[Match]] = {p.id: [] for p in projects}
    for j, i, v in zip(*(a.tolist() for a in best.triples())):
        match = made.get((i, j)) or _match(need_index, i, project_index, j, v, explain)
        for_projects[projects[j].id].append(match)
    return Refresh(for_needs, for_projects, need_index, project_index)


class _RunningBest:
    """Each project's k best needs so far, as (project, need, score) triples sorted by
    project, then best first, ties by need order."""

    def __init__(self, n_projects: int, k: int | None, min_score: float):
        self.k, self.min_score = k, min_score
        self.floor = np.full(n_projects, np.float32(min_score))  # a candidate must reach this
        self.strict = np.ones(n_projects, dtype=bool)  # ... and beat it while lists are short
        self.proj = np.empty(0, np.int64)
        self.need = np.empty(0, np.int64)
        self.score = np.empty(0, np.float32)

    def fold(self, scores: np.ndarray, start: int) -> None:
        """Merge a block of scores (rows: needs from ``start``; columns: projects)."""
        floor = self.floor[None, :]
        mask = np.where(self.strict[None, :], scores > floor, scores >= floor)
        if self.k is not None and scores.shape[0] > self.k and len(self.proj) < self.k * len(self.floor):
            # Lists still filling up (the first block): keep only this block's k best per
            # project (and ties with its k-th) instead of sorting the whole block.
            kth = np.partition(scores, scores.shape[0] - self.k, axis=0)[scores.shape[0] - self.k]
            mask &= scores >= kth[None, :]
        r, c = np.nonzero(mask)
        proj = np.concatenate([self.proj, c])
        need = np.concatenate([self.need, r + start])
        score = np.concatenate([self.score, scores[r, c]])
        order = np.lexsort((need, -score, proj))
        proj, need, score = proj[order], need[order], score[order]
        if self.k is not None and len(proj):
            rank = np.arange(len(proj)) - np.searchsorted(proj, proj)
            keep = rank < self.k
            proj, need, score = proj[keep], need[keep], score[keep]
            full = rank[keep] == self.k - 1  # the k-th entry of a full list
            # A later need (higher index) enters a full list only with a strictly higher
            # score than its k-th: ties go to the earlier need.
            self.floor[proj[full]] = score[full]
            self.strict[proj[full]] = True
        self.proj, self.need, self.score = proj, need, score

    def triples(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.proj, self.need, self.score
