"""What the engine matches: plain records of projects and needs, free of the database.

The coordinator fills them from the Project and Need models; the evaluation command
fills them from a dataset file. Any text field may be missing, in either language.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class ProjectDoc:
    """A project as the engine sees it (what it offers, where it goes, how far it is)."""

    id: str
    title_zh: str | None = None
    title_en: str | None = None
    summary_zh: str | None = None
    summary_en: str | None = None
    sectors: list[str] = field(default_factory=list)
    stage: str | None = None  # idea, prototype, early_revenue, growth
    direction: str | None = None  # offshore_to_xinjiang, xinjiang_to_offshore, international
    city: str | None = None
    funding_sought_cny: float | None = None
    seeks: list[str] = field(default_factory=list)  # e.g. capital, partners, market, talent
    offer_kind: str | None = None  # technology, capital, talent, service; inferred when None
    published_at: datetime | None = None

    @classmethod
    def from_dict(cls, data: dict) -> "ProjectDoc":
        """A project from a dataset record (the format of tests/data/matching_dev.json)."""
        return cls(
            id=str(data["id"]), title_zh=data.get("title_zh"), title_en=data.get("title_en"),
            summary_zh=data.get("summary_zh"), summary_en=data.get("summary_en"),
            sectors=list(data.get("sectors") or []), stage=data.get("stage"),
            direction=data.get("direction"), city=data.get("city"),
            funding_sought_cny=data.get("funding_sought_cny"), seeks=list(data.get("seeks") or []),
            offer_kind=data.get("offer_kind"), published_at=_when(data.get("published_at")),
        )


@dataclass
class NeedDoc:
    """A need as the engine sees it (what kind of help, where, for how much)."""

    id: str
    kind: str | None = None  # technology, industry, talent, capital
    title_zh: str | None = None
    title_en: str | None = None
    description_zh: str | None = None
    description_en: str | None = None
    sectors: list[str] = field(default_factory=list)
    location: str | None = None
    budget_min: float | None = None
    budget_max: float | None = None
    published_at: datetime | None = None

    @classmethod
    def from_dict(cls, data: dict) -> "NeedDoc":
        """A need from a dataset record (``budget_cny_min``/``max`` as in dev.json)."""
        return cls(
            id=str(data["id"]), kind=data.get("kind"), title_zh=data.get("title_zh"),
            title_en=data.get("title_en"), description_zh=data.get("description_zh"),
            description_en=data.get("description_en"), sectors=list(data.get("sectors") or []),
            location=data.get("location"),
            budget_min=data.get("budget_cny_min", data.get("budget_min")),
            budget_max=data.get("budget_cny_max", data.get("budget_max")),
            published_at=_when(data.get("published_at")),
        )


def _when(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
