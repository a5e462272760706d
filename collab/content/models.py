"""What projects and needs share: their recorded history of status changes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db


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
