"""What every content item has: the shared columns (a mixin), the item ↔ sector table,
and the recorded history of status changes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db


def sectors_table(item_type: str, items_table: str) -> Table:
    """The association of a kind's items with sectors (``project_sectors`` …)."""
    return Table(
        f"{item_type}_sectors", db.metadata,
        Column(f"{item_type}_id", ForeignKey(f"{items_table}.id", ondelete="CASCADE"), primary_key=True),
        Column("sector_code", ForeignKey("sectors.code", ondelete="CASCADE"), primary_key=True, index=True),
    )


class ContentItem:
    """The columns the content core reads and writes on every kind of item; a kind's
    model adds its own fields, its ``sectors`` relationship and its indexes."""

    item_type = "item"  # the kind's name in the registry

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    title_zh: Mapped[str | None] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    # Where an edited live item returns once the admin approves the edit.
    review_return_status: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @declared_attr
    def owner(cls):
        return relationship("User", lazy="joined", foreign_keys=[cls.owner_id])

    @declared_attr
    def organisation(cls):
        return relationship("Organisation", lazy="joined")

    @property
    def sector_codes(self) -> list[str]:
        return [s.code for s in self.sectors]


class StatusChange(db.Model):
    """One step of an item's lifecycle: who moved it from where to where, when and why.
    For projects this is the 离岸孵化 → 新疆落地 record shown as a timeline."""

    __tablename__ = "status_changes"
    __table_args__ = (Index("ix_status_changes_item", "item_type", "item_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_type: Mapped[str] = mapped_column(String(16))  # "project" | "need"
    item_id: Mapped[int]
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    reason_code: Mapped[str | None] = mapped_column(String(32))  # review rejections
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor = relationship("User", lazy="joined")
