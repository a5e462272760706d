"""Needs (需求): technology, industry, talent and capital needs of Xinjiang enterprises."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Date, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db

NEED_KINDS = ("technology", "industry", "talent", "capital")
NEED_STATUSES = ("draft", "pending_review", "open", "in_talks", "fulfilled", "withdrawn", "expired", "rejected")
NEED_VISIBILITIES = ("public", "members", "anonymous")
PUBLIC_NEED_STATUSES = ("open", "in_talks", "fulfilled", "expired", "withdrawn")
LISTED_NEED_STATUSES = ("open", "in_talks")
# Where in Xinjiang a need is located (codes; labels live in needs/labels.py).
XINJIANG_LOCATIONS = ("urumqi", "kashgar", "karamay", "yili", "changji", "hami", "turpan", "aksu",
                      "hotan", "korla", "shihezi", "bortala", "tacheng", "altay", "kizilsu")

need_sectors = Table(
    "need_sectors", db.metadata,
    Column("need_id", ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True),
    Column("sector_code", ForeignKey("sectors.code", ondelete="CASCADE"), primary_key=True, index=True),
)


class Need(db.Model):
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

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    title_zh: Mapped[str | None] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    description_zh: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    budget_min_cny: Mapped[int | None] = mapped_column(BigInteger)
    budget_max_cny: Mapped[int | None] = mapped_column(BigInteger)
    location: Mapped[str] = mapped_column(String(32))
    deadline: Mapped[date] = mapped_column(Date)
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    # Where an edited live item returns once the admin approves the edit.
    review_return_status: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner = relationship("User", lazy="joined", foreign_keys=[owner_id])
    organisation = relationship("Organisation", lazy="joined")
    sectors = relationship("Sector", secondary=need_sectors, lazy="selectin", order_by="Sector.position")

    item_type = "need"

    @property
    def sector_codes(self) -> list[str]:
        return [s.code for s in self.sectors]
