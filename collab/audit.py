"""Audit trail: who changed what, when (review decisions, approvals, role changes, deletions)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from .db import UTCDateTime, utcnow
from .extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int | None]
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def record(actor, action: str, target_type: str, target_id: int | None, **details) -> AuditEntry:
    """Add an audit entry to the current transaction."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None), action=action,
        target_type=target_type, target_id=target_id, details=details,
    )
    db.session.add(entry)
    return entry


def on_item_changed(kind, *, item, event: str, actor=None, change=None, **_details) -> None:
    """Subscriber of ``content.signals.item_changed``: an admin's step on someone else's item."""
    if event == "status" and getattr(actor, "is_admin", False) and item.owner_id != actor.id:
        record(actor, f"{kind.name}.{change.to_status}", kind.name, item.id, reason=change.reason_code)
