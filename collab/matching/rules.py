"""Fit rules: does this kind of project answer this kind of need, from the right place,
at the right stage and scale, and is it still fresh? And which items may match at all.

Each rule gives a value in [0, 1]; the engine turns it into a factor
``1 - weight * (1 - value)``, so a weight of 0 switches a rule off and 1 makes it a gate.
"""
from __future__ import annotations

import math
import re
from datetime import datetime, timezone

import numpy as np

NEED_KINDS = ("technology", "industry", "talent", "capital")
OFFER_KINDS = ("technology", "capital", "talent", "service")
DIRECTIONS = ("offshore_to_xinjiang", "xinjiang_to_offshore", "international")
STAGES = ("idea", "prototype", "early_revenue", "growth")

# What each kind of need is met by (rows: need kind; columns: OFFER_KINDS). A capital
# need is met by funds, lenders, leasing and insurance, not by startups raising money;
# a talent need by training, staffing and expert services.
KIND_FIT = {
    "technology": {"technology": 1.0, "capital": 0.1, "talent": 0.5, "service": 0.85},
    "industry": {"technology": 1.0, "capital": 0.2, "talent": 0.4, "service": 0.8},
    "talent": {"technology": 0.25, "capital": 0.05, "talent": 1.0, "service": 0.6},
    "capital": {"technology": 0.05, "capital": 1.0, "talent": 0.05, "service": 0.3},
}

# Direction fit. Rows: where the need is ("xinjiang", "xinjiang_intl" for a Xinjiang need
# that looks abroad — export, Central Asia —, "elsewhere"); columns: project direction.
NEED_PLACES = ("xinjiang", "xinjiang_intl", "elsewhere")
DIRECTION_FIT = {
    "xinjiang": {"offshore_to_xinjiang": 1.0, "international": 0.6, "xinjiang_to_offshore": 0.6, None: 0.9},
    "xinjiang_intl": {"offshore_to_xinjiang": 1.0, "international": 1.0, "xinjiang_to_offshore": 0.9, None: 0.9},
    "elsewhere": {"offshore_to_xinjiang": 0.6, "international": 0.8, "xinjiang_to_offshore": 1.0, None: 0.9},
}

# A technology or industry need wants something that works already; people and money
# do not have a stage.
STAGE_FIT = {
    "technology": {"idea": 0.4, "prototype": 0.75, "early_revenue": 1.0, "growth": 1.0, None: 0.9},
    "industry": {"idea": 0.4, "prototype": 0.75, "early_revenue": 1.0, "growth": 1.0, None: 0.9},
}

# Foreign markets: a need that names Central Asia is not met by a project that names only
# Southeast Asia (same words, other direction). Each region is a glossary concept; the
# countries and cities under it name it too.
REGIONS = ("central_asia", "russia", "south_asia", "southeast_asia", "middle_east", "europe")
REGION_CONFLICT = 0.5


def region_mask(concepts) -> int:
    """Bit mask of the REGIONS among an item's concepts (with their broader concepts)."""
    return sum(1 << i for i, region in enumerate(REGIONS) if region in concepts)


def region_fit(need_mask: int, project_mask: int) -> float:
    """1 unless both name foreign regions and none in common."""
    if need_mask and project_mask and not need_mask & project_mask:
        return REGION_CONFLICT
    return 1.0


# Location: same place (or the project names it) / project in or aimed at Xinjiang / elsewhere.
LOCATION_SAME, LOCATION_REGION, LOCATION_OTHER = 1.0, 0.75, 0.5

# A project raising money says so: rounds, "seeking investment". Such a project is no
# capital provider, whatever financial words it uses.
_SEEKING_CAPITAL = re.compile(
    r"(?:天使|种子|pre-?a\+?|[a-d]\+?|[abcd]\d?)轮|寻求(?:股权|战略|风险)?(?:融资|投资)|拟(?:募集|融资)|融资需求|本轮"
    r"|募资|正在融资|寻找(?:战略)?投资|引入(?:战略)?投资|寻求(?:战略)?投资方"
    r"|\bseries [a-d]\b|\bpre-?a\b|\bseed round\b|\bfundrais"
    r"|\bangel\b(?! (?:fund|investor|network|club|investment|capital))"
    r"|\braising (?:a |an |our |its )?(?:round|series|seed|pre-a|capital|funds?|money|cny|rmb|usd|\d)"
    r"|\b(?:we|will|to) raise (?:a |an |our )?(?:round|series|seed|capital|funds?|money|cny|rmb|usd|\d)"
    r"|\bseeking (?:investment|investors|funding|capital|equity|an? investor)"
    r"|\b(?:looking for|seeking|seek|attract|bring in|find) (?:an? |new |strategic |financial )*"
    r"(?:investment|investors?|funding|capital|equity partners?)\b"
)


# Words one of which every pattern above contains: most texts skip the regex.
_SEEKING_HINTS = ("轮", "融资", "投资", "募", "series", "pre", "seed", "fundrais", "angel", "raise", "raising",
                  "invest", "funding", "capital", "equity")


def seeks_capital(text: str) -> bool:
    """True when a project's normalised text says it is raising money."""
    return any(h in text for h in _SEEKING_HINTS) and bool(_SEEKING_CAPITAL.search(text))


def offer_profile(evidence: dict[str, float], *, seeking: bool, explicit: str | None = None,
                  baseline: float = 1.5) -> np.ndarray:
    """Probabilities over OFFER_KINDS from cue evidence; technology is the default offer."""
    if explicit in OFFER_KINDS:
        return np.array([1.0 if k == explicit else 0.0 for k in OFFER_KINDS])
    weights = {"technology": baseline}
    for kind in OFFER_KINDS[1:]:
        weights[kind] = evidence.get(kind, 0.0)
    if seeking:  # a startup raising money is not a fund
        weights["capital"] *= 0.25
    total = sum(weights.values())
    return np.array([weights[k] / total for k in OFFER_KINDS])


def kind_fit_rows(offer: np.ndarray) -> np.ndarray:
    """For one project's offer profile: its kind fit for each need kind (+1 for unknown kinds)."""
    table = np.array([[KIND_FIT[n][o] for o in OFFER_KINDS] for n in NEED_KINDS])
    return np.append(table @ offer, 1.0)


def direction_fit(need_place: str, direction: str | None) -> float:
    """How well a project's direction suits where the need is."""
    row = DIRECTION_FIT[need_place]
    return row.get(direction, row[None])


def stage_fit(need_kind: str | None, stage: str | None) -> float:
    """How well a project's stage suits the kind of need."""
    row = STAGE_FIT.get(need_kind)
    if row is None:
        return 1.0
    return row.get(stage, row[None])


def budget_fit(log_min: np.ndarray, log_max: np.ndarray, log_funding: np.ndarray) -> np.ndarray:
    """Scale fit from log10 amounts (NaN = unknown): 1 within a factor ten of the budget,
    then a quarter less per further factor ten."""
    with np.errstate(invalid="ignore"):
        above = log_funding[None, :] - log_max[:, None] - 1.0
        below = log_min[:, None] - log_funding[None, :] - 1.0
        excess = np.fmax(np.fmax(above, below), 0.0)
    excess = np.nan_to_num(excess, nan=0.0, copy=False)
    return np.clip(1.0 - 0.25 * excess, 0.0, 1.0, out=excess)


def budget_value(log_min: float, log_max: float, log_funding: float) -> float:
    """budget_fit for one pair of known amounts."""
    excess = max(log_funding - log_max - 1.0, log_min - log_funding - 1.0, 0.0)
    return min(max(1.0 - 0.25 * excess, 0.0), 1.0)


def log_amount(value) -> float:
    """log10 of a positive amount, NaN when unknown."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return math.nan
    return math.log10(value) if value > 0 else math.nan


def freshness(published_at: datetime | None, now: datetime, half_life_days: float,
              floor: float = 0.5) -> float:
    """1 for a new item, falling by half of what is left above ``floor`` every half-life."""
    if published_at is None or half_life_days <= 0:
        return 1.0
    if published_at.tzinfo is None:
        published_at = published_at.replace(tzinfo=timezone.utc)
    age = max((now - published_at).total_seconds() / 86400.0, 0.0)
    return floor + (1.0 - floor) * 0.5 ** (age / half_life_days)


# -- which items may match ------------------------------------------------------------
# The engine ranks what it is given; callers pass only items that pass these checks.
# The statuses are the content kinds' own (collab/projects/kind.py, collab/needs/kind.py).


def project_matchable(status: str | None) -> bool:
    """Drafts, items under review, rejected, closed and graduated projects never match."""
    from ..content.kinds import kind_named

    return status in kind_named("project").matchable


def need_matchable(status: str | None, deadline: datetime | None = None, now: datetime | None = None) -> bool:
    """Drafts, items under review, fulfilled, expired, withdrawn and past-deadline needs never match."""
    from ..content.kinds import kind_named

    if status not in kind_named("need").matchable:
        return False
    if deadline is not None:
        now = now or datetime.now(timezone.utc)
        if deadline.tzinfo is None:
            deadline = deadline.replace(tzinfo=timezone.utc)
        if deadline < now:
            return False
    return True


def need_visible_to(visibility: str | None, *, viewer_is_member: bool, viewer_owns: bool = False) -> bool:
    """Whether a viewer may see a need in match lists: ``members`` needs only to members.

    ``anonymous`` needs are matched and shown, but without their organisation.
    """
    if viewer_owns or visibility in ("public", "anonymous", None):
        return True
    return visibility == "members" and viewer_is_member
