"""Notifications: written once (idempotent by key), shown in-app in the reader's
language, and e-mailed in the recipient's language."""
from __future__ import annotations

from sqlalchemy import func, select, update

from ..db import paginate, utcnow
from ..extensions import db
from .models import Notification


def notify(user, kind: str, *, dedupe_key: str | None = None, email: bool = True, ics: str | None = None,
           **params) -> Notification | None:
    """Tell ``user`` about an event; with ``dedupe_key`` a second call does nothing;
    ``ics`` (a callable of the recipient's language, or text) joins the e-mail as a calendar."""
    from ..mail.service import send_email

    if dedupe_key and db.session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key)):
        return None
    note = Notification(user_id=user.id, kind=kind, params=params, dedupe_key=dedupe_key)
    db.session.add(note)
    db.session.flush()
    if email:
        if callable(ics):
            ics = ics(user.locale)
        send_email(user, "notification", notification=note, ics=ics)
    return note


def unread_count(user) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def for_user(user, page: int = 1, per_page: int = 20):
    statement = select(Notification).where(Notification.user_id == user.id).order_by(
        Notification.created_at.desc(), Notification.id.desc())
    return paginate(statement, page, per_page)


def mark_read(user, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) notification of ``user`` read."""
    statement = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        statement = statement.where(Notification.id == notification_id)
    return db.session.execute(statement.values(read_at=utcnow())).rowcount


def on_item_changed(kind, *, item, event: str, actor=None, change=None, transition: str | None = None,
                    **_details) -> None:
    """Subscriber of ``content.signals.item_changed``: tell the owner of a review decision,
    of an administrator's lifecycle step, and of a step the system made (expiry)."""
    if event != "status" or transition is None:
        return
    about = {"item_type": kind.name, "item_id": item.id, "title_zh": item.title_zh, "title_en": item.title_en}
    if transition == "approve":
        notify(item.owner, "review_approved", **about)
    elif transition == "reject":
        notify(item.owner, "review_rejected", reason_code=change.reason_code, note=change.note, **about)
    elif actor is None:  # a scheduled job: at most once per item and step
        key = f"{kind.name}_{change.to_status}"
        notify(item.owner, key, dedupe_key=f"{key}:{item.id}", **about)
    elif transition in kind.lifecycle_targets and actor.is_admin and item.owner_id != actor.id:
        notify(item.owner, "status_changed", to_status=item.status, **about)
