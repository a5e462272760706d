"""Needs (需求): technology, industry, talent and capital needs of Xinjiang enterprises."""
from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..content.models import ContentItem, sectors_table
from ..extensions import db

NEED_KINDS = ("technology", "industry", "talent", "capital")
NEED_STATUSES = ("draft", "pending_review", "open", "in_talks", "fulfilled", "withdrawn", "expired", "rejected")
NEED_VISIBILITIES = ("public", "members", "anonymous")
# Where in Xinjiang a need is located (codes; labels live in content/labels.py).
XINJIANG_LOCATIONS = ("urumqi", "kashgar", "karamay", "yili", "changji", "hami", "turpan", "aksu",
                      "hotan", "korla", "shihezi", "bortala", "tacheng", "altay", "kizilsu")

need_sectors = sectors_table("need", "needs")


class Need(ContentItem, db.Model):
    __tablename__ = "needs"
    __table_args__ = (
        # Visibility rides along: every visitor's listing tests it (covering index).
        Index("ix_needs_status_published_visibility", "status", "published_at", "visibility"),
        Index("ix_needs_kind_status", "kind", "status", "published_at"),
        Index("ix_needs_location_status", "location", "status", "published_at"),
        Index("ix_needs_status_deadline", "status", "deadline"),
        Index("ix_needs_status_budget", "status", "budget_max_cny"),
        Index("ix_needs_owner_status", "owner_id", "status"),
    )

    kind: Mapped[str] = mapped_column(String(16))
    description_zh: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    budget_min_cny: Mapped[int | None] = mapped_column(BigInteger)
    budget_max_cny: Mapped[int | None] = mapped_column(BigInteger)
    location: Mapped[str] = mapped_column(String(32))
    deadline: Mapped[date] = mapped_column(Date)
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    sectors = relationship("Sector", secondary=need_sectors, lazy="selectin", order_by="Sector.position")

    item_type = "need"  # its kind's name in the content registry
