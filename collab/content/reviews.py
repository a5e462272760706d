"""Moderation: the admin queue of pending projects and needs, and its decisions."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..needs.models import Need
from ..notifications.messages import REVIEW_REASONS
from ..notifications.services import notify
from ..projects.models import Project
from . import services as content

REVIEW_KINDS = {"project": Project, "need": Need}


def queue(limit: int = 100) -> dict[str, list]:
    """Pending projects and needs, oldest submission first."""
    return {
        kind: list(db.session.scalars(select(model).where(model.status == "pending_review")
                                      .order_by(model.submitted_at, model.id).limit(limit)))
        for kind, model in REVIEW_KINDS.items()
    }


def decide(item, decision: str, admin, *, reason_code: str | None = None, note: str | None = None) -> None:
    """Approve or reject a pending item; the owner is told in their language, with the reason."""
    if not admin.is_admin:
        raise content.NotAllowed(_l("Only administrators review posts."))
    if decision == "approve":
        content.apply_transition(item, "approve", admin, note=note)
        notify(item.owner, "review_approved", item_type=item.item_type, item_id=item.id,
               title_zh=item.title_zh, title_en=item.title_en)
    elif decision == "reject":
        if reason_code not in REVIEW_REASONS:
            raise content.ContentError(_l("Pick a reason for the rejection."), "reason")
        if reason_code == "other" and not note:
            raise content.ContentError(_l("Explain the reason in a few words."), "note")
        content.apply_transition(item, "reject", admin, note=note, reason_code=reason_code)
        notify(item.owner, "review_rejected", item_type=item.item_type, item_id=item.id,
               title_zh=item.title_zh, title_en=item.title_en, reason_code=reason_code, note=note)
    else:
        raise content.ContentError(_l("Decide to approve or reject."), "decision")
