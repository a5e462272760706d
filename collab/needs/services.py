"""What only needs have: deadlines judged in Beijing time, and expiry once they pass."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from ..content.services import log_change
from ..db import utcnow
from ..extensions import db
from .kind import NEEDS, today
from .models import Need

__all__ = ["expire_overdue", "today"]


def expire_overdue(now: datetime | None = None) -> int:
    """Expire open needs whose deadline has passed; each owner is told exactly once.

    Idempotent: each need is claimed by a conditional update (status still what we
    read), so a second or concurrent run finds nothing left to do."""
    cutoff = today(now)
    due = db.session.execute(select(Need.id, Need.status).where(
        Need.status.in_(NEEDS.transitions["expired"].sources), Need.deadline < cutoff)
        .order_by(Need.id).limit(1000)).all()
    expired = 0
    for need_id, previous in due:
        claimed = db.session.execute(
            update(Need).where(Need.id == need_id, Need.status == previous)
            .values(status="expired", updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            continue
        need = db.session.get(Need, need_id)
        db.session.refresh(need)
        log_change(need, previous, "expired", None, transition="expired")
        expired += 1
    db.session.flush()
    return expired
